//! The ticket tools: get (by id or number, with notes), search, create, update, add a note,
//! list notes.
//!
//! Must not: know endpoint paths or Autotask's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};
use serde_json::{Value, json};

use super::super::api::entities::{TICKET_NOTES, TICKETS};
use super::super::api::query::{Condition, Op as QOp};
use super::super::client::AutotaskClient;
use super::super::models::{Given, ticket_before_view};
use super::engine::{Change, Op, fill_defaults, object, something_to_change};
use super::params::*;
use super::render::{self, AtList, AtObject, Row};
use super::{
    ADD_TICKET_NOTE, CREATE_TICKET, GET_TICKET, LIST_TICKET_NOTES, SEARCH_TICKETS, UPDATE_TICKET,
};
use crate::autotask_given;
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteRequest};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::{IdOrName, Parameters};

fn ticket_given(f: &TicketFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("title", f.title),
        ("description", f.description),
        ("status", f.status),
        ("priority", f.priority),
        ("queue", f.queue),
        ("contact", f.contact),
        ("assigned_to", f.assigned_to),
        ("assigned_role", f.assigned_role),
        ("ticket_type", f.ticket_type),
        ("issue_type", f.issue_type),
        ("sub_issue_type", f.sub_issue_type),
        ("source", f.source),
        ("due", f.due),
        ("estimated_hours", f.estimated_hours),
        ("contract", f.contract),
        ("resolution", f.resolution),
    ]
}

fn named(v: &IdOrName) -> Value {
    match v {
        IdOrName::Id(n) => json!(n),
        IdOrName::Name(s) => json!(s),
    }
}

fn any_of(field: &str, vs: &[IdOrName]) -> Condition {
    Condition::new(field, QOp::In, Value::Array(vs.iter().map(named).collect()))
}

/// The search tool's own filters as conditions.
async fn ticket_conditions(c: &AutotaskClient, p: &SearchTicketsParams) -> Result<Vec<Condition>> {
    let mut out = Vec::new();
    if let Some(s) = &p.status {
        out.push(any_of("status", s));
    }
    if p.open_only {
        let done = c.complete_statuses().await?;
        if done.is_empty() {
            return Err(Error::invalid(
                "open_only",
                "this instance has no status labelled Complete: filter by status instead",
            ));
        }
        out.push(Condition::new("status", QOp::NotIn, Value::Array(done)));
    }
    if let Some(v) = &p.priority {
        out.push(any_of("priority", v));
    }
    if let Some(v) = &p.queue {
        out.push(any_of("queue", v));
    }
    for (field, v) in [
        ("company", &p.company),
        ("assigned_to", &p.assigned_to),
        ("contact", &p.contact),
    ] {
        if let Some(v) = v {
            out.push(Condition::new(field, QOp::Eq, named(v)));
        }
    }
    if p.unassigned {
        if p.assigned_to.is_some() {
            return Err(Error::invalid(
                "unassigned",
                "contradicts assigned_to: give one",
            ));
        }
        out.push(Condition {
            value: None,
            ..Condition::new("assigned_to", QOp::NotExist, Value::Null)
        });
    }
    if let Some(t) = &p.title_contains {
        out.push(Condition::new("title", QOp::Contains, json!(t)));
    }
    if let Some(d) = &p.created_after {
        out.push(Condition::new("created", QOp::Gte, json!(d)));
    }
    if let Some(d) = &p.created_before {
        out.push(Condition::new("created", QOp::Lt, json!(d)));
    }
    Ok(out)
}

#[tool_router(router = autotask_tickets_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Get one Autotask ticket by ticket_id or ticket_number (T20261202.0001), with its
    /// status, priority, queue, company and resource by label and name; include_notes adds its
    /// notes.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_ticket(
        &self,
        Parameters(p): Parameters<GetTicketParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.at_read(&GET_TICKET, move |c| async move {
                let row = match (p.ticket_id, &p.ticket_number) {
                    (Some(id), None) => c.get_existing(&TICKETS, id).await?,
                    (None, Some(n)) => c.ticket_by_number(n).await?,
                    _ => {
                        return Err(Error::invalid(
                            "ticket_id",
                            "give ticket_id or ticket_number (one of them)",
                        ));
                    }
                };
                let id = row.get("id").and_then(Value::as_i64).unwrap_or_default();
                let mut out = object(&c, &TICKETS, row, String::new()).await?;
                if p.include_notes {
                    let notes = c.ticket_notes(id, 500).await?;
                    let labels = c.labels(&TICKET_NOTES, &notes.items).await?;
                    let rows: Vec<Row> = notes
                        .items
                        .into_iter()
                        .zip(labels)
                        .map(|(n, l)| Row::new(&TICKET_NOTES, n, l))
                        .collect();
                    out.row.item["notes"] = serde_json::to_value(rows).unwrap_or_default();
                }
                Ok(out)
            })
        })
        .await
    }

    /// Search Autotask tickets. Filters: status, open_only (not Complete, whatever the
    /// instance calls it), priority, queue (labels), company, assigned_to, unassigned,
    /// contact, title_contains, created_after/before; plus `conditions`: a list of {op, field,
    /// value} (ops eq, noteq, gt, gte, lt, lte, beginsWith, endsWith, contains, exist,
    /// notExist, in, notIn; `and`/`or` groups with items) on any queryable field
    /// (autotask_get_field_info). Up to 500 a page (max_records, default 50); has_more and
    /// next_page say when more exist.
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_tickets(
        &self,
        Parameters(p): Parameters<SearchTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            let c = self.at_client().await?;
            let conds = ticket_conditions(&c, &p).await?;
            self.at_search(&SEARCH_TICKETS, &TICKETS, conds, &p.paging)
                .await
        })
        .await
    }

    /// Create an Autotask ticket for a company: title, and status, priority, queue, types by
    /// this instance's labels (left out: the instance's defaults, said in the answer);
    /// assigned_to by id or name (its default service desk role unless assigned_role).
    /// Returns the ticket read back. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_ticket(
        &self,
        Parameters(p): Parameters<CreateTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_ticket(p, call)).await
    }

    /// Change an Autotask ticket: ticket_id plus the fields to change (status, priority,
    /// queue by label; assigned_to by id or name). Completing it, raising it to the
    /// highest priority or reassigning it asks for confirmation. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_ticket(
        &self,
        Parameters(p): Parameters<UpdateTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.update_ticket(p, call)).await
    }

    /// Add a note to an Autotask ticket. It is internal (the instance's internal publish
    /// value) unless visibility is "customer", which publishes it to the customer and asks for
    /// confirmation first. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_add_ticket_note(
        &self,
        Parameters(p): Parameters<AddNoteParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.add_note(p, call)).await
    }

    /// List an Autotask ticket's notes, oldest first, with note type and publish by label.
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_list_ticket_notes(
        &self,
        Parameters(p): Parameters<ListNotesParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.at_read(&LIST_TICKET_NOTES, move |c| async move {
                let page = c.ticket_notes(p.ticket_id, 2000).await?;
                if page.items.is_empty() {
                    // No notes, or no such ticket: say which.
                    c.get_existing(&TICKETS, p.ticket_id).await?;
                }
                let labels = c.labels(&TICKET_NOTES, &page.items).await?;
                let items: Vec<Row> = page
                    .items
                    .into_iter()
                    .zip(labels)
                    .map(|(n, l)| Row::new(&TICKET_NOTES, n, l))
                    .collect();
                Ok(AtList {
                    kind: TICKET_NOTES.many.to_string(),
                    count: items.len(),
                    items,
                    has_more: page.next.is_some(),
                    next_page: None,
                    total: None,
                    filter: Value::Null,
                    note: None,
                    truncated: false,
                })
            })
        })
        .await
    }
}

impl HelpdeskOperator {
    async fn create_ticket(
        &self,
        p: CreateTicketParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        let c = self.at_client().await?;
        let mut given = ticket_given(&p.fields);
        given.push(("company", Given::Named(p.company.clone())));
        let mut r = c.resolve_params(&TICKETS, given).await?;
        let mut notes = Vec::new();
        fill_defaults(&c, &TICKETS, &mut r, &mut notes).await?;
        c.default_queue(&mut r, &mut notes).await?;
        c.assignment_role(&mut r, &mut notes).await?;
        let facts = c.ticket_facts(&r, None).await?;
        let mut change = Change::new(&TICKETS, Op::Create { parent: None }, r);
        change.facts = facts;
        change.notes = notes;
        self.at_write(&CREATE_TICKET, &p, call, change).await
    }

    async fn update_ticket(
        &self,
        p: UpdateTicketParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        let c = self.at_client().await?;
        let mut given = ticket_given(&p.fields);
        if let Some(co) = &p.company {
            given.push(("company", Given::Named(co.clone())));
        }
        let mut r = c.resolve_params(&TICKETS, given).await?;
        something_to_change(&r, "ticket")?;
        let before = c.get_existing(&TICKETS, p.ticket_id).await?;
        let mut notes = Vec::new();
        c.assignment_role(&mut r, &mut notes).await?;
        let facts = c.ticket_facts(&r, Some(&before)).await?;
        let mut change = Change::new(&TICKETS, Op::Update { id: p.ticket_id }, r);
        change.facts = facts;
        change.notes = notes;
        change.before = Some(before);
        change.before_view = ticket_before_view;
        self.at_write(&UPDATE_TICKET, &p, call, change).await
    }

    async fn add_note(&self, p: AddNoteParams, call: CallCtx) -> Result<Outcome<AtObject>> {
        let c = self.at_client().await?;
        let customer = p.visibility == Visibility::Customer;
        let mut notes = Vec::new();
        let title = match &p.title {
            Some(t) => t.clone(),
            None => {
                let first = p.description.lines().next().unwrap_or_default().trim();
                let t: String = first.chars().take(60).collect();
                notes.push("title from the start of the text".into());
                if t.is_empty() { "Note".to_string() } else { t }
            }
        };
        let given = autotask_given![
            ("ticket_id", Some(p.ticket_id)),
            ("title", Some(title)),
            ("description", Some(p.description.clone())),
            ("note_type", p.note_type),
        ];
        let mut r = c.resolve_params(&TICKET_NOTES, given).await?;
        let (publish, label) = c.publish_value(customer).await?;
        c.set_publish(&mut r, publish);
        r.view.insert("publish".into(), json!(label.to_lowercase()));
        r.view.insert(
            "visibility".into(),
            json!(if customer { "customer" } else { "internal" }),
        );
        notes.push(format!("publish {label}"));
        fill_defaults(&c, &TICKET_NOTES, &mut r, &mut notes).await?;
        // The ticket must exist (a clear not-found, before anything is sent).
        c.get_existing(&TICKETS, p.ticket_id).await?;
        let mut change = Change::new(
            &TICKET_NOTES,
            Op::Create {
                parent: Some(p.ticket_id),
            },
            r,
        );
        change.target = Some(p.ticket_id);
        change
            .facts
            .insert("customer_visible".into(), json!(customer));
        change.notes = notes;
        self.at_write(&ADD_TICKET_NOTE, &p, call, change).await
    }
}
