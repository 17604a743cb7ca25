//! The reference-data tools: agents (and the current one), groups, ticket fields.
//!
//! Must not: know endpoint paths or Freshdesk's field names (`api/`, `models.rs` do).

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::api::Page;
use super::super::session::FreshdeskSession;
use super::super::shapes;
use super::LIST_TICKET_FIELDS;
use super::render::list_out;
use super::{GET_AGENT, GET_CURRENT_AGENT, LIST_AGENTS, LIST_GROUPS};
use super::{paging, params::*};
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::read_tool;
use crate::mcp::params::Parameters;

#[tool_router(router = freshdesk_reference_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List Freshdesk agents (id, name, e-mail), to assign tickets by name.
    #[tool(
        output_schema = shapes::list::<shapes::Agent>()
    )]
    pub async fn freshdesk_list_agents(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            let page = paging(p.page, p.per_page);
            self.list_page(&LIST_AGENTS, "agents", move |c| async move {
                c.list_agents(page).await
            })
        })
        .await
    }

    /// Get one Freshdesk agent by id: name, e-mail, groups, roles, availability.
    #[tool(
        output_schema = shapes::object::<shapes::Agent>()
    )]
    pub async fn freshdesk_get_agent(&self, Parameters(p): Parameters<IdParams>) -> CallToolResult {
        read_tool(p, |p| {
            let id = p.id;
            self.get_one(&GET_AGENT, "agent", move |c| async move {
                c.get_agent(id).await
            })
        })
        .await
    }

    /// The Freshdesk agent this server works as (the API key's owner).
    #[tool(
        output_schema = shapes::object::<shapes::Agent>()
    )]
    pub async fn freshdesk_get_current_agent(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        read_tool(p, |_p| {
            self.get_one(&GET_CURRENT_AGENT, "agent", |c| async move {
                c.current_agent().await
            })
        })
        .await
    }

    /// List Freshdesk groups (id, name, agents), to route tickets by group name.
    #[tool(
        output_schema = shapes::list::<shapes::Group>()
    )]
    pub async fn freshdesk_list_groups(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        read_tool(p, |_p| {
            self.list_page(&LIST_GROUPS, "groups", |c| async move {
                c.list_groups(paging(None, Some(100))).await
            })
        })
        .await
    }

    /// List Freshdesk ticket fields: the statuses (including custom ones), priorities,
    /// sources, types and custom fields with their allowed values, so they can be used by name.
    #[tool(
        output_schema = shapes::list::<shapes::TicketField>()
    )]
    pub async fn freshdesk_list_ticket_fields(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            self.core
                .read(&LIST_TICKET_FIELDS, |s| async move {
                    let c = s.freshdesk()?;
                    if p.refresh {
                        c.refs(true).await?;
                    }
                    let page = Page {
                        items: c.ticket_fields().await?,
                        page: 1,
                        per_page: 100,
                        has_more: false,
                    };
                    Ok(list_out("ticket_fields", page, None))
                })
                .await
        })
        .await
    }
}
