//! The reference-data tools: agents (and the current one), groups, ticket fields.
//!
//! Must not: know endpoint paths or Freshdesk's field names (`api/`, `models.rs` do).

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::api::Page;
use super::super::session::FreshdeskSession;
use super::super::shapes;
use super::render::list_out;
use super::{paging, params::*};
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::finish;
use crate::mcp::params::{Parameters, validated};

#[tool_router(router = freshdesk_reference_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List Freshdesk agents (id, name, e-mail), to assign tickets by name.
    #[tool(
        name = "freshdesk_list_agents",
        annotations(title = "List Freshdesk agents", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Agent>()
    )]
    pub async fn freshdesk_list_agents(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let page = paging(p.page, p.per_page);
        let r = self
            .list_page(
                "freshdesk_list_agents",
                "agents",
                validated(&p),
                move |c| async move { c.list_agents(page).await },
            )
            .await;
        finish(r, fmt)
    }

    /// Get one Freshdesk agent by id: name, e-mail, groups, roles, availability.
    #[tool(
        name = "freshdesk_get_agent",
        annotations(title = "Get a Freshdesk agent", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Agent>()
    )]
    pub async fn freshdesk_get_agent(&self, Parameters(p): Parameters<IdParams>) -> CallToolResult {
        let fmt = p.response_format;
        let id = p.id;
        let r = self
            .get_one(
                "freshdesk_get_agent",
                "agent",
                validated(&p),
                move |c| async move { c.get_agent(id).await },
            )
            .await;
        finish(r, fmt)
    }

    /// The Freshdesk agent this server works as (the API key's owner).
    #[tool(
        name = "freshdesk_get_current_agent",
        annotations(title = "Get the current Freshdesk agent", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Agent>()
    )]
    pub async fn freshdesk_get_current_agent(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .get_one(
                "freshdesk_get_current_agent",
                "agent",
                validated(&p),
                |c| async move { c.current_agent().await },
            )
            .await;
        finish(r, fmt)
    }

    /// List Freshdesk groups (id, name, agents), to route tickets by group name.
    #[tool(
        name = "freshdesk_list_groups",
        annotations(title = "List Freshdesk groups", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Group>()
    )]
    pub async fn freshdesk_list_groups(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .list_page(
                "freshdesk_list_groups",
                "groups",
                validated(&p),
                |c| async move { c.list_groups(paging(None, Some(100))).await },
            )
            .await;
        finish(r, fmt)
    }

    /// List Freshdesk ticket fields: the statuses (including custom ones), priorities,
    /// sources, types and custom fields with their allowed values, so they can be used by name.
    #[tool(
        name = "freshdesk_list_ticket_fields",
        annotations(title = "List Freshdesk ticket fields", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::TicketField>()
    )]
    pub async fn freshdesk_list_ticket_fields(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("freshdesk_list_ticket_fields", |s| async move {
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
        }
        .await;
        finish(r, fmt)
    }
}
