//! The project and task tools: get, search, create, update. Tasks are created and changed
//! under their project's URL.
//!
//! Must not: know endpoint paths or Autotask's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};

use super::super::api::entities::{PROJECTS, TASKS};
use super::super::models::{Given, task_before_view};
use super::engine::{Change, Op, fill_defaults, something_to_change};
use super::params::*;
use super::render::{self, AtObject};
use super::{
    CREATE_PROJECT, CREATE_TASK, GET_PROJECT, GET_TASK, SEARCH_PROJECTS, SEARCH_TASKS,
    UPDATE_PROJECT, UPDATE_TASK,
};
use crate::autotask_given;
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteRequest};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::Parameters;

fn project_given(f: &ProjectFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("name", f.name),
        ("status", f.status),
        ("project_type", f.project_type),
        ("start", f.start),
        ("end", f.end),
        ("lead", f.lead),
        ("contract", f.contract),
        ("description", f.description),
        ("estimated_hours", f.estimated_hours),
    ]
}

fn task_given(f: &TaskFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("title", f.title),
        ("description", f.description),
        ("status", f.status),
        ("task_type", f.task_type),
        ("assigned_to", f.assigned_to),
        ("assigned_role", f.assigned_role),
        ("estimated_hours", f.estimated_hours),
        ("start", f.start),
        ("end", f.end),
    ]
}

/// A start and end given as ISO dates must not be in the wrong order.
fn in_order(start: &Option<String>, end: &Option<String>) -> Result<()> {
    use super::super::api::query::date;
    if let (Some(s), Some(e)) = (
        start.as_deref().and_then(date),
        end.as_deref().and_then(date),
    ) && e < s
    {
        return Err(Error::invalid(
            "end",
            format!("{e} is before the start {s}"),
        ));
    }
    Ok(())
}

#[tool_router(router = autotask_projects_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Get one Autotask project by id, with status, type, company and lead by label and name.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_project(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_PROJECT, &PROJECTS, p.id)).await
    }

    /// Search Autotask projects: query (text in the name), company, and `conditions` (see
    /// autotask_search_tickets). Up to 500 a page.
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_projects(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_search_with(&SEARCH_PROJECTS, &PROJECTS, p)).await
    }

    /// Create an Autotask project for a company: name, start and end (ISO dates), and status
    /// and project_type by label (default the instance's). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_project(
        &self,
        Parameters(p): Parameters<CreateProjectParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_project(p, call)).await
    }

    /// Change an Autotask project: project_id plus the fields to change. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_project(
        &self,
        Parameters(p): Parameters<UpdateProjectParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            in_order(&p.fields.start, &p.fields.end)?;
            let c = self.at_client().await?;
            let r = c
                .resolve_params(&PROJECTS, project_given(&p.fields))
                .await?;
            something_to_change(&r, "project")?;
            let before = c.get_existing(&PROJECTS, p.project_id).await?;
            let mut change = Change::new(&PROJECTS, Op::Update { id: p.project_id }, r);
            change.before = Some(before);
            self.at_write(&UPDATE_PROJECT, &p, call, change).await
        })
        .await
    }

    /// Get one Autotask project task by id.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_task(&self, Parameters(p): Parameters<GetParams>) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_TASK, &TASKS, p.id)).await
    }

    /// Search Autotask project tasks: query (text in the title), and `conditions` (e.g.
    /// {"op": "eq", "field": "project", "value": 12}; see autotask_search_tickets).
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_tasks(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_search_with(&SEARCH_TASKS, &TASKS, p)).await
    }

    /// Create a task in an Autotask project: title, and status and task_type by label
    /// (default the instance's), assigned_to. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_task(
        &self,
        Parameters(p): Parameters<CreateTaskParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_task(p, call)).await
    }

    /// Change an Autotask task: task_id plus the fields to change (changed under its
    /// project). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_task(
        &self,
        Parameters(p): Parameters<UpdateTaskParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            in_order(&p.fields.start, &p.fields.end)?;
            let c = self.at_client().await?;
            let r = c.resolve_params(&TASKS, task_given(&p.fields)).await?;
            something_to_change(&r, "task")?;
            let before = c.get_existing(&TASKS, p.task_id).await?;
            let mut change = Change::new(&TASKS, Op::Update { id: p.task_id }, r);
            change.before = Some(before);
            change.before_view = task_before_view;
            self.at_write(&UPDATE_TASK, &p, call, change).await
        })
        .await
    }
}

impl HelpdeskOperator {
    async fn create_project(
        &self,
        p: CreateProjectParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        let f = &p.fields;
        for (name, v) in [("name", &f.name), ("start", &f.start), ("end", &f.end)] {
            if v.is_none() {
                return Err(Error::invalid(name, "is required to create a project"));
            }
        }
        in_order(&f.start, &f.end)?;
        let c = self.at_client().await?;
        let mut given = project_given(f);
        given.push(("company", Given::Named(p.company.clone())));
        let mut r = c.resolve_params(&PROJECTS, given).await?;
        let mut notes = Vec::new();
        fill_defaults(&c, &PROJECTS, &mut r, &mut notes).await?;
        let mut change = Change::new(&PROJECTS, Op::Create { parent: None }, r);
        change.notes = notes;
        self.at_write(&CREATE_PROJECT, &p, call, change).await
    }

    async fn create_task(&self, p: CreateTaskParams, call: CallCtx) -> Result<Outcome<AtObject>> {
        if p.fields.title.is_none() {
            return Err(Error::invalid("title", "is required to create a task"));
        }
        in_order(&p.fields.start, &p.fields.end)?;
        let c = self.at_client().await?;
        let mut given = task_given(&p.fields);
        given.push(("project", Given::Named(p.project.clone())));
        let mut r = c.resolve_params(&TASKS, given).await?;
        let project = r.view.get("project").and_then(serde_json::Value::as_i64);
        c.get_existing(&PROJECTS, project.unwrap_or_default())
            .await?;
        let mut notes = Vec::new();
        fill_defaults(&c, &TASKS, &mut r, &mut notes).await?;
        let mut change = Change::new(&TASKS, Op::Create { parent: project }, r);
        change.notes = notes;
        self.at_write(&CREATE_TASK, &p, call, change).await
    }
}
