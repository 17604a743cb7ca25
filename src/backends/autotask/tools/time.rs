//! The time entry tools: get, search, log (create), update, delete.
//!
//! Must not: know endpoint paths or Autotask's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};
use serde_json::json;

use super::super::api::entities::TIME_ENTRIES;
use super::super::api::query::{Condition, Op as QOp};
use super::super::models::Given;
use super::engine::{Change, Op, something_to_change};
use super::params::*;
use super::render::{self, AtObject};
use super::{
    CREATE_TIME_ENTRY, DELETE_TIME_ENTRY, GET_TIME_ENTRY, SEARCH_TIME_ENTRIES, UPDATE_TIME_ENTRY,
};
use crate::autotask_given;
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteRequest};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::{IdOrName, Parameters};

fn time_given(f: &TimeEntryFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("resource", f.resource),
        ("role", f.role),
        ("date_worked", f.date_worked),
        ("start", f.start),
        ("end", f.end),
        ("hours_worked", f.hours_worked),
        ("hours_to_bill", f.hours_to_bill),
        ("summary", f.summary),
        ("internal_notes", f.internal_notes),
        ("non_billable", f.non_billable),
        ("contract", f.contract),
    ]
}

fn time_conditions(p: &SearchTimeEntriesParams) -> Vec<Condition> {
    let mut out = Vec::new();
    if let Some(t) = p.ticket_id {
        out.push(Condition::new("ticket_id", QOp::Eq, json!(t)));
    }
    if let Some(t) = p.task_id {
        out.push(Condition::new("task_id", QOp::Eq, json!(t)));
    }
    if let Some(r) = &p.resource {
        let v = match r {
            IdOrName::Id(n) => json!(n),
            IdOrName::Name(s) => json!(s),
        };
        out.push(Condition::new("resource", QOp::Eq, v));
    }
    if let Some(d) = &p.date_from {
        out.push(Condition::new("date_worked", QOp::Gte, json!(d)));
    }
    if let Some(d) = &p.date_to {
        out.push(Condition::new("date_worked", QOp::Lte, json!(d)));
    }
    out
}

#[tool_router(router = autotask_time_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Get one Autotask time entry by id.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_time_entry(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_TIME_ENTRY, &TIME_ENTRIES, p.id)).await
    }

    /// Search Autotask time entries: ticket_id, task_id, resource (id or name), date_from
    /// and date_to (ISO dates), and `conditions` (see autotask_search_tickets).
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_time_entries(
        &self,
        Parameters(p): Parameters<SearchTimeEntriesParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            let conds = time_conditions(&p);
            self.at_search(&SEARCH_TIME_ENTRIES, &TIME_ENTRIES, conds, &p.paging)
                .await
        })
        .await
    }

    /// Log time in Autotask on a ticket (ticket_id) or a task (task_id): hours_worked (or
    /// start and end) and summary; resource defaults to the API user, role to the resource's
    /// default role, date_worked to today (UTC). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_time_entry(
        &self,
        Parameters(p): Parameters<CreateTimeEntryParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_time_entry(p, call)).await
    }

    /// Change an Autotask time entry: time_entry_id plus the fields to change. Requires an
    /// intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_time_entry(
        &self,
        Parameters(p): Parameters<UpdateTimeEntryParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let c = self.at_client().await?;
            let r = c
                .resolve_params(&TIME_ENTRIES, time_given(&p.fields))
                .await?;
            something_to_change(&r, "time entry")?;
            let before = c.get_existing(&TIME_ENTRIES, p.time_entry_id).await?;
            let mut change = Change::new(
                &TIME_ENTRIES,
                Op::Update {
                    id: p.time_entry_id,
                },
                r,
            );
            change.before = Some(before);
            self.at_write(&UPDATE_TIME_ENTRY, &p, call, change).await
        })
        .await
    }

    /// Delete an Autotask time entry (asks for confirmation under the default policy).
    /// Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_delete_time_entry(
        &self,
        Parameters(p): Parameters<DeleteParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            self.at_delete(&DELETE_TIME_ENTRY, &p, call, &TIME_ENTRIES, p.id)
                .await
        })
        .await
    }
}

impl HelpdeskOperator {
    async fn create_time_entry(
        &self,
        p: CreateTimeEntryParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        match (p.ticket_id, p.task_id) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "task_id",
                    "give ticket_id or task_id, not both",
                ));
            }
            (None, None) => {
                return Err(Error::invalid(
                    "ticket_id",
                    "time is logged on a ticket or a task: give ticket_id or task_id",
                ));
            }
            _ => {}
        }
        if p.fields.summary.is_none() {
            return Err(Error::invalid("summary", "is required: say what was done"));
        }
        let c = self.at_client().await?;
        let mut given = time_given(&p.fields);
        given.extend(autotask_given![
            ("ticket_id", p.ticket_id),
            ("task_id", p.task_id)
        ]);
        let mut r = c.resolve_params(&TIME_ENTRIES, given).await?;
        let mut notes = Vec::new();
        c.time_entry_defaults(&mut r, &mut notes).await?;
        let mut change = Change::new(&TIME_ENTRIES, Op::Create { parent: None }, r);
        change.notes = notes;
        self.at_write(&CREATE_TIME_ENTRY, &p, call, change).await
    }
}
