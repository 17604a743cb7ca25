//! The reference-data tools: departments, ticket statuses, priorities and types, and staff,
//! from the account's cache (one fetch per five minutes, whoever asks).
//!
//! Must not: write anything.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Serialize;

use super::super::api;
use super::super::models::Refs;
use super::params::{RefParams, StaffParams};
use super::{GET_DEPARTMENTS, GET_PRIORITIES, GET_STATUSES, GET_TYPES, LIST_STAFF};
use crate::backends::resolve::{Lookup, resolve_named};
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::{Render, read_tool};
use crate::mcp::params::Parameters;

/// One named entry of reference data.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefOut {
    pub id: i64,
    pub title: String,
    /// public or private.
    pub kind: String,
    /// The department it belongs to; none for every department.
    pub department: Option<String>,
    /// Statuses: Kayako counts tickets in it as resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    /// Departments: tickets or livechat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Departments: the parent department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A list of reference data.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefsOut {
    /// departments, ticket statuses, ticket priorities or ticket types.
    pub what: String,
    pub items: Vec<RefOut>,
}

impl Render for RefsOut {
    fn markdown(&self) -> String {
        let mut s = format!("## Kayako {} ({})\n", self.what, self.items.len());
        for i in &self.items {
            let mut extra = vec![i.kind.clone()];
            if let Some(d) = &i.department {
                extra.push(format!("department {d}"));
            }
            if i.resolved == Some(true) {
                extra.push("resolved".into());
            }
            if let Some(a) = &i.app {
                extra.push(a.clone());
            }
            if let Some(p) = &i.parent {
                extra.push(format!("under {p}"));
            }
            extra.retain(|e| !e.is_empty());
            s.push_str(&format!(
                "- {} (id {}): {}\n",
                i.title,
                i.id,
                extra.join(", ")
            ));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }

    fn items(&self) -> usize {
        self.items.len()
    }
}

fn department_name(refs: &Refs, id: i64) -> Option<String> {
    (id != 0).then(|| {
        refs.department(id)
            .map_or_else(|| format!("department {id}"), |d| d.title.clone())
    })
}

fn base(id: i64, title: &str, kind: &str, department: Option<String>) -> RefOut {
    RefOut {
        id,
        title: title.to_string(),
        kind: kind.to_string(),
        department,
        resolved: None,
        app: None,
        parent: None,
    }
}

/// The reference list `what` from `refs`.
pub fn refs_out(refs: &Refs, what: &str) -> RefsOut {
    let items = match what {
        "departments" => refs
            .departments
            .iter()
            .map(|d| RefOut {
                app: Some(d.app.clone()),
                parent: department_name(refs, d.parent_id),
                ..base(d.id, &d.title, &d.kind, None)
            })
            .collect(),
        "ticket statuses" => refs
            .statuses
            .iter()
            .map(|s| RefOut {
                resolved: Some(s.resolved),
                ..base(
                    s.id,
                    &s.title,
                    &s.kind,
                    department_name(refs, s.department_id),
                )
            })
            .collect(),
        "ticket priorities" => refs
            .priorities
            .iter()
            .map(|p| base(p.id, &p.title, &p.kind, None))
            .collect(),
        _ => refs
            .types
            .iter()
            .map(|t| {
                base(
                    t.id,
                    &t.title,
                    &t.kind,
                    department_name(refs, t.department_id),
                )
            })
            .collect(),
    };
    RefsOut {
        what: what.to_string(),
        items,
    }
}

/// One staff member.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StaffOut {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub email: String,
    pub designation: String,
    pub group_id: i64,
    pub group: Option<String>,
    pub enabled: bool,
}

/// Staff members.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StaffListOut {
    pub staff: Vec<StaffOut>,
}

impl Render for StaffListOut {
    fn markdown(&self) -> String {
        let mut s = format!("## Kayako staff ({})\n", self.staff.len());
        for m in &self.staff {
            s.push_str(&format!(
                "- {} (id {}, {}) <{}>{}{}{}\n",
                m.name,
                m.id,
                m.username,
                m.email,
                m.group
                    .as_ref()
                    .map(|g| format!(", team {g}"))
                    .unwrap_or_default(),
                if m.designation.is_empty() {
                    String::new()
                } else {
                    format!(", {}", m.designation)
                },
                if m.enabled { "" } else { ", disabled" }
            ));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.staff.pop().is_some()
    }

    fn items(&self) -> usize {
        self.staff.len()
    }
}

#[tool_router(router = kayako_reference_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Kayako's departments: id, title, public or private, tickets or live chat, parent.
    /// Use the id or the title as department_id in kayako_list_tickets.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefsOut>())]
    pub async fn kayako_get_departments(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |_| {
            self.ky_read(&GET_DEPARTMENTS, move |c| async move {
                let refs = api::refs(&c, false).await?;
                Ok(refs_out(&refs, "departments"))
            })
        })
        .await
    }

    /// Kayako's ticket statuses: id, title, the department it belongs to (none: every
    /// department), and whether Kayako counts it as resolved. Use the id or the title as
    /// status_id in kayako_list_tickets.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefsOut>())]
    pub async fn kayako_get_ticket_statuses(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |_| {
            self.ky_read(&GET_STATUSES, move |c| async move {
                let refs = api::refs(&c, false).await?;
                Ok(refs_out(&refs, "ticket statuses"))
            })
        })
        .await
    }

    /// Kayako's ticket priorities: id, title, public or private.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefsOut>())]
    pub async fn kayako_get_ticket_priorities(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |_| {
            self.ky_read(&GET_PRIORITIES, move |c| async move {
                let refs = api::refs(&c, false).await?;
                Ok(refs_out(&refs, "ticket priorities"))
            })
        })
        .await
    }

    /// Kayako's ticket types: id, title, public or private, and the department it belongs
    /// to (none: every department).
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefsOut>())]
    pub async fn kayako_get_ticket_types(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |_| {
            self.ky_read(&GET_TYPES, move |c| async move {
                let refs = api::refs(&c, false).await?;
                Ok(refs_out(&refs, "ticket types"))
            })
        })
        .await
    }

    /// Kayako's staff: id, name, username, e-mail, designation and team (staff group);
    /// enabled staff only unless include_disabled. Filter by team with group (id or title).
    /// Use an id or a name as owner_staff_id in kayako_list_tickets.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<StaffListOut>())]
    pub async fn kayako_list_staff(
        &self,
        Parameters(p): Parameters<StaffParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.ky_read(&LIST_STAFF, move |c| async move {
                let refs = api::refs(&c, false).await?;
                let group = match &p.group {
                    Some(g) => Some(resolve_named(
                        "group",
                        g,
                        &refs.staff_groups,
                        &Lookup::new("staff group", "kayako_list_staff"),
                    )?),
                    None => None,
                };
                let staff = refs
                    .staff
                    .iter()
                    .filter(|s| p.include_disabled || s.enabled)
                    .filter(|s| group.is_none_or(|g| s.group_id == g))
                    .map(|s| StaffOut {
                        id: s.id,
                        name: s.full_name.clone(),
                        username: s.username.clone(),
                        email: s.email.clone(),
                        designation: s.designation.clone(),
                        group_id: s.group_id,
                        group: refs.staff_group(s.group_id).map(|g| g.title.clone()),
                        enabled: s.enabled,
                    })
                    .collect();
                Ok(StaffListOut { staff })
            })
        })
        .await
    }
}
