//! The Kayako Classic MCP tools, all read only: the original server's six (search, get, list,
//! posts, departments, statuses, with its names and parameters) and what a support lead asks
//! for next (priorities, types, staff, a ticket's staff notes). Names next to ids everywhere.
//!
//! Owns: the declarations ([`TOOLS`], one `ToolMeta` per tool), the tools' arguments
//! (params.rs), their output (render.rs), and the tool bodies: validate, resolve, `Core::read`,
//! render. Must not: know endpoint paths, query keys or Kayako's element names (they are in
//! `api.rs` and `models.rs`), or reach Kayako except through the client.

pub mod params;
mod reference;
pub mod render;
mod tickets;

use std::future::Future;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;

use super::BACKEND;
use super::client::KayakoClient;
use super::session::KayakoSession;
use crate::error::Result;
use crate::mcp::HelpdeskOperator;
use crate::policy::catalog::{ToolMeta, read_decl};
pub use params::*;

read_decl!(
    SEARCH_TICKETS,
    BACKEND,
    "kayako_search_tickets",
    "Search Kayako tickets",
    "ticket",
    SearchTicketsParams
);
read_decl!(
    GET_TICKET,
    BACKEND,
    "kayako_get_ticket",
    "Get a Kayako ticket",
    "ticket",
    GetTicketParams
);
read_decl!(
    LIST_TICKETS,
    BACKEND,
    "kayako_list_tickets",
    "List Kayako tickets",
    "ticket",
    ListTicketsParams
);
read_decl!(
    GET_POSTS,
    BACKEND,
    "kayako_get_ticket_posts",
    "Get a Kayako ticket's posts",
    "post",
    TicketPostsParams
);
read_decl!(
    GET_NOTES,
    BACKEND,
    "kayako_get_ticket_notes",
    "Get a Kayako ticket's staff notes",
    "note",
    TicketNotesParams
);
read_decl!(
    GET_DEPARTMENTS,
    BACKEND,
    "kayako_get_departments",
    "List Kayako departments",
    "department",
    RefParams
);
read_decl!(
    GET_STATUSES,
    BACKEND,
    "kayako_get_ticket_statuses",
    "List Kayako ticket statuses",
    "status",
    RefParams
);
read_decl!(
    GET_PRIORITIES,
    BACKEND,
    "kayako_get_ticket_priorities",
    "List Kayako ticket priorities",
    "priority",
    RefParams
);
read_decl!(
    GET_TYPES,
    BACKEND,
    "kayako_get_ticket_types",
    "List Kayako ticket types",
    "ticket_type",
    RefParams
);
read_decl!(
    LIST_STAFF,
    BACKEND,
    "kayako_list_staff",
    "List Kayako staff",
    "staff",
    StaffParams
);

/// Every Kayako tool's declaration.
pub const TOOLS: &[ToolMeta] = &[
    SEARCH_TICKETS,
    GET_TICKET,
    LIST_TICKETS,
    GET_POSTS,
    GET_NOTES,
    GET_DEPARTMENTS,
    GET_STATUSES,
    GET_PRIORITIES,
    GET_TYPES,
    LIST_STAFF,
];

/// The tools as policy sees them.
pub fn catalog() -> Vec<ToolMeta> {
    TOOLS.to_vec()
}

/// Every tool of this backend, with its declaration's annotations.
pub fn router() -> ToolRouter<HelpdeskOperator> {
    crate::mcp::declared(HelpdeskOperator::kayako_router(), TOOLS)
}

impl HelpdeskOperator {
    /// Every Kayako tool.
    pub fn kayako_router() -> ToolRouter<Self> {
        Self::kayako_tickets_router() + Self::kayako_reference_router()
    }

    /// A read through `Core::read` with the session's client.
    pub(super) async fn ky_read<T, F, Fut>(&self, decl: &'static ToolMeta, op: F) -> Result<T>
    where
        F: FnOnce(Arc<KayakoClient>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.core
            .read(decl, |s| async move { op(s.kayako()?.clone()).await })
            .await
    }
}

#[cfg(test)]
#[test]
fn every_tool_is_declared_once_and_routed() {
    crate::mcp::assert_declared(&HelpdeskOperator::kayako_router(), TOOLS);
}
