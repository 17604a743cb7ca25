//! The Autotask tools' output: [`AtObject`] (one row) and [`AtList`] (a page of a search),
//! with the instance's labels and the names of referenced objects next to the ids
//! (`labels`), their Markdown, and their output schemas.
//!
//! Must not: call Autotask. Text that customers may have written (ticket titles and
//! descriptions, note texts) is marked untrusted in both the text and the structured output.

use std::sync::Arc;

use rmcp::handler::server::common::schema_for_output;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::super::api::entities::Entity;
use super::super::refs::name_of;
use crate::mcp::output::{Render, write_schema_of};
use crate::mcp::untrusted;

/// One row with its labels.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Row {
    /// The row as Autotask sends it (camelCase field names, picklists as numbers).
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub item: Value,
    /// Field name -> the instance's label of a picklist value, or the name of the object a
    /// reference points at (`status` -> "Complete", `companyID` -> "Acme Dental").
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub labels: Value,
}

impl Row {
    pub fn new(entity: &Entity, mut item: Value, labels: Map<String, Value>) -> Row {
        for f in entity.customer_text {
            if let Some(Value::String(s)) = item.get(*f)
                && !s.is_empty()
            {
                let marked = untrusted::mark(&format!("the {}'s author", entity.one), s);
                item[*f] = Value::String(marked);
            }
        }
        Row {
            item,
            labels: Value::Object(labels),
        }
    }
}

/// One Autotask object.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AtObject {
    /// ticket, ticket note, company, contact, project, task, time entry, ...
    pub kind: String,
    pub id: Option<i64>,
    #[serde(flatten)]
    pub row: Row,
    /// What was done, and any value the server filled in from the instance's defaults.
    pub message: String,
}

/// A page of a search.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AtList {
    /// tickets, companies, ...
    pub kind: String,
    pub items: Vec<Row>,
    /// Rows on this page.
    pub count: usize,
    /// Whether Autotask has more rows after this page.
    pub has_more: bool,
    /// Pass as next_page (with the same conditions) to get the following page.
    pub next_page: Option<String>,
    /// How many match in all (when include_total was asked).
    pub total: Option<i64>,
    /// The filter sent to Autotask, as its query grammar has it.
    #[schemars(schema_with = "crate::mcp::schema::any_value")]
    pub filter: Value,
    pub note: Option<String>,
    pub truncated: bool,
}

/// A field's value as text: its label or name when known, else the value.
fn shown(row: &Row, field: &str, v: &Value) -> String {
    let raw = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match row.labels.get(field).and_then(Value::as_str) {
        Some(l) => format!("{l} ({raw})"),
        None => raw,
    }
}

fn fields_of(row: &Row) -> Vec<(String, String)> {
    let Some(o) = row.item.as_object() else {
        return Vec::new();
    };
    o.iter()
        .filter(|(k, v)| {
            !v.is_null()
                && *k != "id"
                && *k != "userDefinedFields"
                && !matches!(v, Value::String(s) if s.is_empty())
                && !matches!(v, Value::Array(a) if a.is_empty())
        })
        .map(|(k, v)| (k.clone(), shown(row, k, v)))
        .collect()
}

fn udfs(row: &Row) -> Vec<String> {
    row.item
        .get("userDefinedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|u| {
                    let v = u.get("value")?;
                    if v.is_null() {
                        return None;
                    }
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    Some(format!("{}: {v}", u.get("name")?.as_str()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn headline(entity_many: &str, row: &Row) -> String {
    let entity = super::super::api::entities::by_name(entity_many);
    let id = row.item.get("id").map(Value::to_string).unwrap_or_default();
    let name = entity
        .and_then(|e| name_of(e, &row.item))
        .map(|n| untrusted::unmark(&n).to_string())
        .unwrap_or_default();
    format!("#{id} {}", name.chars().take(120).collect::<String>())
}

impl Render for AtObject {
    fn markdown(&self) -> String {
        let mut out = String::new();
        if !self.message.is_empty() {
            out.push_str(&format!("{}\n\n", self.message));
        }
        let entity = super::super::api::entities::by_name(&self.kind);
        let name = entity
            .and_then(|e| name_of(e, &self.row.item))
            .unwrap_or_default();
        let id = self.id.map(|i| format!(" #{i}")).unwrap_or_default();
        out.push_str(&format!("## {}{id}: {name}\n", self.kind));
        for (k, v) in fields_of(&self.row) {
            out.push_str(&format!("- {k}: {v}\n"));
        }
        let u = udfs(&self.row);
        if !u.is_empty() {
            out.push_str(&format!("- user-defined fields: {}\n", u.join("; ")));
        }
        out
    }
}

impl Render for AtList {
    fn markdown(&self) -> String {
        let mut out = format!("{} {} on this page", self.count, self.kind);
        if let Some(t) = self.total {
            out.push_str(&format!(" ({t} match in all)"));
        }
        out.push_str(if self.has_more {
            "; more exist: repeat the call with next_page to see them.\n\n"
        } else {
            ".\n\n"
        });
        for row in &self.items {
            let labels: Vec<String> = row
                .labels
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some(format!("{k}: {}", v.as_str()?)))
                        .collect()
                })
                .unwrap_or_default();
            out.push_str(&format!("- {}", headline(&self.kind, row)));
            if !labels.is_empty() {
                out.push_str(&format!(" ({})", labels.join(", ")));
            }
            out.push('\n');
        }
        if let Some(n) = &self.note {
            out.push_str(&format!("\n{n}\n"));
        }
        if let Some(next) = &self.next_page {
            out.push_str(&format!("\nnext_page: {next}\n"));
        }
        out
    }

    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }

    fn items(&self) -> usize {
        self.items.len()
    }

    fn mark_truncated(&mut self, kept: usize) {
        self.truncated = true;
        self.count = kept;
        self.has_more = true;
        // next_page would skip the rows cut here; rows come in id order, so continue after
        // the last one shown.
        self.next_page = None;
        let last = self
            .items
            .last()
            .and_then(|r| r.item.get("id"))
            .map(Value::to_string)
            .unwrap_or_else(|| "0".into());
        let limit = format!(
            "Output limit reached: only the first {kept} rows are shown. To see the rest, repeat \
             the call with the condition {{\"op\": \"gt\", \"field\": \"id\", \"value\": {last}}} \
             added (rows come in id order), or ask for fewer rows (max_records) or fields \
             (fields)."
        );
        self.note = Some(match &self.note {
            Some(n) => format!("{n} {limit}"),
            None => limit,
        });
    }
}

/// The output schema of a read of one object.
pub fn object_schema() -> Arc<JsonObject> {
    schema_for_output::<AtObject>()
}

/// The output schema of a write (the object, or a confirmation request).
pub fn write_schema() -> Arc<JsonObject> {
    write_schema_of(&schema_for_output::<AtObject>())
}

/// The output schema of a search.
pub fn list_schema() -> Arc<JsonObject> {
    schema_for_output::<AtList>()
}
