//! The steps every Autotask tool shares: read one row or a page with labels and names,
//! compile a search, fill an instance's required defaults, and run a create, update or
//! delete through `Core::write` (before image, policy view, create once, read back).
//!
//! Must not: know Autotask's field names (models.rs and `api/` do) or decide policy.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::super::api::entities::{self, Entity};
use super::super::api::query::{Condition, Op as QOp};
use super::super::api::{MAX_RECORDS, Query};
use super::super::client::AutotaskClient;
use super::super::models::params_of;
use super::super::resolve::{Resolved, norm};
use super::super::session::AutotaskSession;
use super::params::{Paging, SearchParams};
use super::render::{AtList, AtObject, Row};
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteSpec, Written, no_view};
use crate::mcp::params::IdOrName;
use crate::policy::catalog::ToolMeta;

/// Rows per search page unless the agent asks for another size.
pub const DEFAULT_RECORDS: u32 = 50;

/// What a write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Creates a row (under `parent` for child entities).
    Create { parent: Option<i64> },
    /// Changes row `id`.
    Update { id: i64 },
}

/// A write, resolved and ready for policy.
pub struct Change {
    pub entity: &'static Entity,
    pub op: Op,
    /// The audit target (the ticket of a note); None for a create.
    pub target: Option<i64>,
    pub resolved: Resolved,
    /// Policy facts decided by the tool: closes, top_priority, customer_visible.
    pub facts: Map<String, Value>,
    /// Defaults the server filled in, said in the answer.
    pub notes: Vec<String>,
    /// The row before the change (updates), read by the tool.
    pub before: Option<Value>,
    pub before_view: fn(&Value) -> Value,
}

impl Change {
    pub fn new(entity: &'static Entity, op: Op, resolved: Resolved) -> Change {
        let target = match op {
            Op::Update { id } => Some(id),
            Op::Create { .. } => None,
        };
        Change {
            entity,
            op,
            target,
            resolved,
            facts: Map::new(),
            notes: Vec::new(),
            before: None,
            before_view: no_view,
        }
    }

    /// The canonical view policy compares: the resolved parameters and the tool's facts.
    fn view(&self) -> Value {
        let mut m = self.resolved.view.clone();
        m.extend(self.facts.clone());
        Value::Object(m)
    }
}

fn message(done: &str, entity: &Entity, id: i64, notes: &[String]) -> String {
    let mut m = format!("{done} {} #{id}.", entity.one);
    if !notes.is_empty() {
        m.push_str(&format!(
            " Filled in from the instance: {}.",
            notes.join("; ")
        ));
    }
    m
}

impl HelpdeskOperator {
    /// The session's Autotask client.
    pub(super) async fn at_client(&self) -> Result<Arc<AutotaskClient>> {
        let session = self.core.session().await?;
        Ok(session.autotask()?.clone())
    }

    /// A read through `Core::read` with the session's client.
    pub(super) async fn at_read<T, F, Fut>(&self, decl: &'static ToolMeta, op: F) -> Result<T>
    where
        F: FnOnce(Arc<AutotaskClient>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.core
            .read(decl, |s| async move { op(s.autotask()?.clone()).await })
            .await
    }

    /// One row by id, with labels.
    pub(super) async fn at_get(
        &self,
        decl: &'static ToolMeta,
        entity: &'static Entity,
        id: i64,
    ) -> Result<AtObject> {
        self.at_read(decl, |c| async move {
            let row = c.get_existing(entity, id).await?;
            object(&c, entity, row, String::new()).await
        })
        .await
    }

    /// One page of a search: `conds` (the tool's filters, then the agent's conditions).
    pub(super) async fn at_search(
        &self,
        decl: &'static ToolMeta,
        entity: &'static Entity,
        conds: Vec<Condition>,
        paging: &Paging,
    ) -> Result<AtList> {
        let paging = paging.clone();
        self.at_read(decl, |c| async move {
            let mut all = conds;
            all.extend(paging.conditions.iter().cloned());
            let filter = c.compile_conditions(entity, &all).await?;
            let mut q = Query::of(filter);
            q.max_records = paging
                .max_records
                .unwrap_or(DEFAULT_RECORDS)
                .min(MAX_RECORDS);
            q.include_fields = c.field_names(entity, &paging.fields).await?;
            let page = c.query(entity, &q, paging.next_page.as_deref()).await?;
            let total = match paging.include_total {
                true => Some(c.count(entity, &q).await?),
                false => None,
            };
            let labels = c.labels(entity, &page.items).await?;
            let items: Vec<Row> = page
                .items
                .into_iter()
                .map(compact)
                .zip(labels)
                .map(|(item, l)| Row::new(entity, item, l))
                .collect();
            Ok(AtList {
                kind: entity.many.to_string(),
                count: items.len(),
                items,
                has_more: page.next.is_some(),
                next_page: page.next,
                total,
                filter: Value::Array(q.filter),
                note: None,
                truncated: false,
            })
        })
        .await
    }

    /// Runs a create or update through policy and the audit log.
    pub(super) async fn at_write<P: Serialize>(
        &self,
        decl: &'static ToolMeta,
        p: &P,
        call: CallCtx,
        change: Change,
    ) -> Result<Outcome<AtObject>> {
        let spec = WriteSpec {
            tool: decl,
            target_id: change.target.map(|t| t.to_string()),
            arguments: crate::mcp::params::args_of(p),
            view: change.view(),
            before_view: change.before_view,
        };
        let before = change.before.clone();
        let Change {
            entity,
            op,
            target,
            resolved,
            notes,
            ..
        } = change;
        self.core
            .write(
                spec,
                call,
                |_| async move { Ok(before) },
                |s, before| async move {
                    let c = s.autotask()?.clone();
                    let body = resolved.body;
                    match op {
                        Op::Create { parent } => {
                            let created = c.create_once(entity, parent, &body).await?;
                            let id = created.id();
                            c.remember_name(entity, &created.raw).await;
                            let msg = message("Created", entity, id, &notes);
                            let value = object(&c, entity, created.raw.clone(), msg).await?;
                            Ok(Written {
                                value,
                                target_id: Some(target.unwrap_or(id).to_string()),
                                after: Some(created.raw),
                                status: created.status,
                                note: created.note,
                            })
                        }
                        Op::Update { id } => {
                            let parent = parent_of(entity, before.as_ref());
                            c.patch_item(entity, parent, id, &body).await?;
                            let after = c
                                .get_item(entity, id)
                                .await?
                                .unwrap_or_else(|| json!({ "id": id }));
                            c.remember_name(entity, &after).await;
                            let msg = message("Updated", entity, id, &notes);
                            let value = object(&c, entity, after.clone(), msg).await?;
                            Ok(Written::new(value, None, Some(after), Some(200)))
                        }
                    }
                },
            )
            .await
    }

    /// Deletes one row through policy and the audit log (its before image is kept there).
    pub(super) async fn at_delete<P: Serialize>(
        &self,
        decl: &'static ToolMeta,
        p: &P,
        call: CallCtx,
        entity: &'static Entity,
        id: i64,
    ) -> Result<Outcome<AtObject>> {
        let spec = WriteSpec::of(decl, p, Some(id), json!({ "id": id }));
        self.core
            .write(
                spec,
                call,
                |s| async move { Ok(Some(s.autotask()?.get_existing(entity, id).await?)) },
                |s, before| async move {
                    let c = s.autotask()?.clone();
                    let parent = parent_of(entity, before.as_ref());
                    c.delete_item(entity, parent, id).await?;
                    let row = before.unwrap_or_else(|| json!({ "id": id }));
                    let msg = format!("Deleted {} #{id}.", entity.one);
                    let value = object(&c, entity, row, msg).await?;
                    Ok(Written::new(value, None, None, Some(200)))
                },
            )
            .await
    }
}

/// A row without its empty fields (null, "", []), as lists show it.
fn compact(mut row: Value) -> Value {
    if let Value::Object(m) = &mut row {
        m.retain(|_, v| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        });
    }
    row
}

/// The parent id of a child row (a contact's company), from its before image.
fn parent_of(entity: &Entity, row: Option<&Value>) -> Option<i64> {
    let p = entity.parent?;
    row?.get(p.field)?.as_i64()
}

/// A row with its labels, as a tool's answer.
pub(super) async fn object(
    c: &AutotaskClient,
    entity: &'static Entity,
    row: Value,
    message: String,
) -> Result<AtObject> {
    let labels = c
        .labels(entity, std::slice::from_ref(&row))
        .await?
        .pop()
        .unwrap_or_default();
    Ok(AtObject {
        kind: entity.one.to_string(),
        id: row.get("id").and_then(Value::as_i64),
        row: Row::new(entity, row, labels),
        message,
    })
}

/// Fills the instance's required fields the agent left out: picklists with their default
/// value, a resource with the API user's. Says what it filled in.
pub(super) async fn fill_defaults(
    c: &AutotaskClient,
    entity: &'static Entity,
    resolved: &mut Resolved,
    notes: &mut Vec<String>,
) -> Result<()> {
    let fields = c.fields(entity, false).await?;
    let parent_field = entity.parent.map(|p| p.field);
    for f in fields
        .fields
        .iter()
        .filter(|f| f.is_required && !f.is_read_only)
    {
        if resolved
            .body
            .keys()
            .any(|k| k.eq_ignore_ascii_case(&f.name))
            || f.name.eq_ignore_ascii_case("id")
            || Some(f.name.as_str()) == parent_field
        {
            continue;
        }
        let param = params_of(entity)
            .iter()
            .find(|p| p.wire == f.name)
            .map(|p| p.param);
        if f.is_pick_list {
            let Some(d) = f.active().into_iter().find(|p| p.is_default_value) else {
                continue;
            };
            let value = d
                .value
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(d.value));
            resolved.body.insert(f.name.clone(), value);
            if let Some(p) = param {
                resolved.view.insert(p.into(), json!(norm(&d.label)));
            }
            notes.push(format!(
                "{} {} (the default)",
                param.unwrap_or(&f.name),
                d.label
            ));
        } else if f.references() == Some(&entities::RESOURCES)
            && let Some(me) = c.api_user().await?
        {
            resolved.body.insert(f.name.clone(), json!(me));
            if let Some(p) = param {
                resolved.view.insert(p.into(), json!(me));
            }
            notes.push(format!("{} #{me} (the API user)", param.unwrap_or(&f.name)));
        }
    }
    Ok(())
}

/// Refuses an update that changes nothing.
pub(super) fn something_to_change(resolved: &Resolved, what: &str) -> Result<()> {
    if resolved.body.is_empty() {
        return Err(Error::invalid(
            "arguments",
            format!("nothing to change: give at least one field of the {what} to set"),
        ));
    }
    Ok(())
}

/// A generic search's own filters as conditions: `query` in the entity's text fields, the
/// company, active rows only.
pub(super) fn search_conditions(
    entity: &'static Entity,
    p: &SearchParams,
) -> Result<Vec<Condition>> {
    let params = params_of(entity);
    let has = |name: &str| params.iter().any(|x| x.param == name);
    let mut out = Vec::new();
    if let Some(q) = &p.query {
        let fields = entities::search_fields(entity);
        let items: Vec<Condition> = fields
            .iter()
            .map(|f| Condition::new(f, QOp::Contains, json!(q.trim())))
            .collect();
        match items.len() {
            0 => {
                return Err(Error::invalid(
                    "query",
                    format!("{} have no text to search", entity.many),
                ));
            }
            1 => out.extend(items),
            _ => out.push(Condition {
                op: QOp::Or,
                field: None,
                value: None,
                udf: false,
                items: Some(items),
            }),
        }
    }
    if let Some(c) = &p.company {
        if !has("company") {
            return Err(Error::invalid(
                "company",
                format!("{} have no company", entity.many),
            ));
        }
        let v = match c {
            IdOrName::Id(n) => json!(n),
            IdOrName::Name(s) => json!(s),
        };
        out.push(Condition::new("company", QOp::Eq, v));
    }
    if p.active_only {
        if !has("active") {
            return Err(Error::invalid(
                "active_only",
                format!("{} have no active flag", entity.many),
            ));
        }
        out.push(Condition::new("active", QOp::Eq, json!(true)));
    }
    Ok(out)
}

impl HelpdeskOperator {
    /// A generic search tool: its filters, then the agent's conditions.
    pub(super) async fn at_search_with(
        &self,
        decl: &'static ToolMeta,
        entity: &'static Entity,
        p: SearchParams,
    ) -> Result<AtList> {
        let conds = search_conditions(entity, &p)?;
        self.at_search(decl, entity, conds, &p.paging).await
    }
}
