//! `autotask_get_field_info`: an entity's fields and picklists as this instance has them
//! (the labels the other tools take), with the tool parameter each field is.
//!
//! Must not: write anything.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Serialize;

use super::super::api::entities;
use super::super::models::{FieldInfo, params_of};
use super::GET_FIELD_INFO;
use super::params::FieldInfoParams;
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::{Render, read_tool};
use crate::mcp::params::Parameters;

/// One picklist value.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PickOut {
    pub label: String,
    pub value: String,
    pub is_default: bool,
    pub is_active: bool,
    /// For dependent picklists (sub-issue types): the parent value it belongs to.
    pub parent_value: Option<String>,
}

/// One field.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldOut {
    /// Autotask's name (use it in search conditions).
    pub name: String,
    /// The tools' parameter for it, where there is one.
    pub parameter: Option<String>,
    pub data_type: String,
    pub required: bool,
    pub read_only: bool,
    pub queryable: bool,
    /// The entity a reference points at.
    pub references: Option<String>,
    pub picklist: Vec<PickOut>,
}

/// An entity's fields.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldsOut {
    pub entity: String,
    pub fields: Vec<FieldOut>,
    pub user_defined_fields: Vec<FieldOut>,
    pub note: Option<String>,
}

fn field_out(f: &FieldInfo, parameter: Option<&str>) -> FieldOut {
    FieldOut {
        name: f.name.clone(),
        parameter: parameter.map(str::to_string),
        data_type: f.data_type.clone(),
        required: f.is_required,
        read_only: f.is_read_only,
        queryable: f.is_queryable,
        references: f.reference_entity_type.clone().filter(|r| !r.is_empty()),
        picklist: f
            .picklist_values
            .iter()
            .flatten()
            .map(|p| PickOut {
                label: p.label.clone(),
                value: p.value.clone(),
                is_default: p.is_default_value,
                is_active: p.is_active,
                parent_value: p.parent_value.clone().filter(|v| !v.is_empty()),
            })
            .collect(),
    }
}

impl Render for FieldsOut {
    fn markdown(&self) -> String {
        let mut out = format!("## Fields of {}\n", self.entity);
        let line = |f: &FieldOut| {
            let mut s = format!("- {}", f.name);
            if let Some(p) = &f.parameter {
                s.push_str(&format!(" (parameter {p})"));
            }
            s.push_str(&format!(": {}", f.data_type));
            for (on, word) in [
                (f.required, "required"),
                (f.read_only, "read-only"),
                (!f.queryable, "not searchable"),
            ] {
                if on {
                    s.push_str(&format!(", {word}"));
                }
            }
            if let Some(r) = &f.references {
                s.push_str(&format!(", references {r}"));
            }
            let values: Vec<String> = f
                .picklist
                .iter()
                .filter(|p| p.is_active)
                .map(|p| {
                    let d = if p.is_default { ", default" } else { "" };
                    format!("{} ({}{d})", p.label, p.value)
                })
                .collect();
            if !values.is_empty() {
                s.push_str(&format!("; values: {}", values.join(", ")));
            }
            s.push('\n');
            s
        };
        for f in &self.fields {
            out.push_str(&line(f));
        }
        if !self.user_defined_fields.is_empty() {
            out.push_str("\n### User-defined fields (search them with udf: true)\n");
            for f in &self.user_defined_fields {
                out.push_str(&line(f));
            }
        }
        if let Some(n) = &self.note {
            out.push_str(&format!("\n{n}\n"));
        }
        out
    }

    fn shrink(&mut self) -> bool {
        self.user_defined_fields.pop().is_some() || self.fields.pop().is_some()
    }

    fn items(&self) -> usize {
        self.fields.len() + self.user_defined_fields.len()
    }

    fn mark_truncated(&mut self, kept: usize) {
        self.note = Some(format!(
            "Output limit reached: {kept} fields shown. Ask for one field with `field`."
        ));
    }
}

#[tool_router(router = autotask_reference_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// An Autotask entity's fields and picklists as this instance has them: data type,
    /// required, read-only, searchable, references, and picklist values with labels (the
    /// labels the other tools take) and defaults; user-defined fields too. Entities: tickets,
    /// ticket notes, companies, contacts, projects, tasks, time entries, configuration items,
    /// contracts, opportunities, resources.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<FieldsOut>())]
    pub async fn autotask_get_field_info(
        &self,
        Parameters(p): Parameters<FieldInfoParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.at_read(&GET_FIELD_INFO, |c| async move { field_info(&c, p).await })
        })
        .await
    }
}

async fn field_info(
    c: &super::super::client::AutotaskClient,
    p: FieldInfoParams,
) -> Result<FieldsOut> {
    let entity = entities::by_name(&p.entity).ok_or_else(|| {
        let known: Vec<&str> = entities::ALL.iter().map(|e| e.many).collect();
        Error::invalid(
            "entity",
            format!(
                "{:?} is not an entity the tools use: give one of {}",
                p.entity,
                known.join(", ")
            ),
        )
    })?;
    let fields = c.fields(entity, p.refresh).await?;
    let table = params_of(entity);
    let param_of = |f: &FieldInfo| {
        table
            .iter()
            .find(|x| x.wire.eq_ignore_ascii_case(&f.name))
            .map(|x| x.param)
    };
    let wanted = |f: &FieldInfo| match &p.field {
        None => true,
        Some(w) => f.name.eq_ignore_ascii_case(w) || param_of(f).is_some_and(|x| x == w),
    };
    let out = FieldsOut {
        entity: entity.many.to_string(),
        fields: fields
            .fields
            .iter()
            .filter(|f| wanted(f))
            .map(|f| field_out(f, param_of(f)))
            .collect(),
        user_defined_fields: fields
            .udfs
            .iter()
            .filter(|f| wanted(f))
            .map(|f| field_out(f, None))
            .collect(),
        note: None,
    };
    if let Some(w) = &p.field
        && out.fields.is_empty()
        && out.user_defined_fields.is_empty()
    {
        return Err(Error::invalid(
            "field",
            format!(
                "{w:?} is not a field of {} (leave field out to list them all)",
                entity.many
            ),
        ));
    }
    Ok(out)
}
