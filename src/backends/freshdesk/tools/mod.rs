//! The Freshdesk MCP tools: tickets, conversations, contacts, companies, agents, groups and
//! ticket fields, one file per entity. Names instead of ids wherever a person would use names
//! (agent, group, company, status, priority, source, custom fields), resolved through the
//! account's cached reference data. Created objects always come back with their id.
//!
//! Owns: the tools' arguments (params.rs), what policy sees of them (views.rs), their output
//! (render.rs), the policy catalogue, and the tool bodies: validate, resolve, `Core::read` or
//! `Core::write`, render. Must not: know endpoint paths, query keys or the field names of
//! Freshdesk's requests (they are in `api/` and `models.rs`; only render.rs reads the objects
//! it shows), or reach Freshdesk except through `api/`.

mod companies;
mod contacts;
mod conversations;
pub mod params;
mod reference;
pub mod render;
mod tickets;
pub mod views;

use std::future::Future;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use serde_json::Value;

use super::api::Page;
use super::client::FreshdeskClient;
use super::models::{PRIORITY_NAMES, Refs, STATUS_NAMES};
use super::reconcile::Created;
use super::session::FreshdeskSession;
use crate::error::Result;
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::Written;
pub use params::*;
pub use render::{FdList, FdObject};
pub use views::ticket_view;

use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, ToolMeta, canonicalize_as};

use super::BACKEND;

const fn field(name: &'static str, kind: FieldKind) -> FieldMeta {
    FieldMeta { name, kind }
}

const F_TICKET: FieldMeta = field("ticket_id", FieldKind::Integer);
const F_STATUS: FieldMeta = field("status", FieldKind::Enum(STATUS_NAMES));
const F_PRIORITY: FieldMeta = field("priority", FieldKind::Enum(PRIORITY_NAMES));
const F_ASSIGNED: FieldMeta = field("assigned_to", FieldKind::Ref);
const F_GROUP: FieldMeta = field("group", FieldKind::Ref);
const F_COMPANY: FieldMeta = field("company", FieldKind::Ref);
const F_BODY: FieldMeta = field("body", FieldKind::Text);
const F_SUBJECT: FieldMeta = field("subject", FieldKind::Text);
const F_DESCRIPTION: FieldMeta = field("description", FieldKind::Text);
const F_NAME: FieldMeta = field("name", FieldKind::Text);
const F_EMAIL: FieldMeta = field("email", FieldKind::Plain);

const F_CREATE_TICKET: &[FieldMeta] = &[
    F_SUBJECT,
    F_DESCRIPTION,
    field("requester_email", FieldKind::Plain),
    F_STATUS,
    F_PRIORITY,
    F_ASSIGNED,
    F_GROUP,
    F_COMPANY,
];
const F_UPDATE_TICKET: &[FieldMeta] = &[
    F_TICKET,
    F_SUBJECT,
    F_DESCRIPTION,
    F_STATUS,
    F_PRIORITY,
    F_ASSIGNED,
    field("unassign", FieldKind::Bool),
    F_GROUP,
];
const F_ADD_NOTE: &[FieldMeta] = &[F_TICKET, F_BODY, field("private", FieldKind::Bool)];
const F_UPDATE_NOTE: &[FieldMeta] = &[
    F_TICKET,
    field("conversation_id", FieldKind::Integer),
    F_BODY,
];
const F_CONTACT: &[FieldMeta] = &[F_NAME, F_EMAIL, F_COMPANY];
const F_COMPANY_WRITE: &[FieldMeta] = &[F_NAME, F_DESCRIPTION, field("note", FieldKind::Text)];

/// `freshdesk_list_tickets`.
pub const LIST_TICKETS: ToolMeta = ToolMeta {
    name: "freshdesk_list_tickets",
    backend: BACKEND,
    title: "List Freshdesk tickets",
    operation: OpKind::Read,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<ListTicketsParams>,
};

/// `freshdesk_search_tickets`.
pub const SEARCH_TICKETS: ToolMeta = ToolMeta {
    name: "freshdesk_search_tickets",
    backend: BACKEND,
    title: "Search Freshdesk tickets",
    operation: OpKind::Read,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<SearchTicketsParams>,
};

/// `freshdesk_get_ticket`.
pub const GET_TICKET: ToolMeta = ToolMeta {
    name: "freshdesk_get_ticket",
    backend: BACKEND,
    title: "Get a Freshdesk ticket",
    operation: OpKind::Read,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: &[F_TICKET],
    canonicalize: canonicalize_as::<GetTicketParams>,
};

/// `freshdesk_create_ticket`.
pub const CREATE_TICKET: ToolMeta = ToolMeta {
    name: "freshdesk_create_ticket",
    backend: BACKEND,
    title: "Create a Freshdesk ticket",
    operation: OpKind::Create,
    entity: "ticket",
    destructive: false,
    idempotent: false,
    fields: F_CREATE_TICKET,
    canonicalize: canonicalize_as::<CreateTicketParams>,
};

/// `freshdesk_update_ticket`.
pub const UPDATE_TICKET: ToolMeta = ToolMeta {
    name: "freshdesk_update_ticket",
    backend: BACKEND,
    title: "Update a Freshdesk ticket",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: F_UPDATE_TICKET,
    canonicalize: canonicalize_as::<UpdateTicketParams>,
};

/// `freshdesk_delete_ticket`.
pub const DELETE_TICKET: ToolMeta = ToolMeta {
    name: "freshdesk_delete_ticket",
    backend: BACKEND,
    title: "Delete a Freshdesk ticket",
    operation: OpKind::Delete,
    entity: "ticket",
    destructive: true,
    idempotent: true,
    fields: &[F_TICKET],
    canonicalize: canonicalize_as::<TicketIdWrite>,
};

/// `freshdesk_restore_ticket`.
pub const RESTORE_TICKET: ToolMeta = ToolMeta {
    name: "freshdesk_restore_ticket",
    backend: BACKEND,
    title: "Restore a Freshdesk ticket",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: &[F_TICKET],
    canonicalize: canonicalize_as::<TicketIdWrite>,
};

/// `freshdesk_list_conversations`.
pub const LIST_CONVERSATIONS: ToolMeta = ToolMeta {
    name: "freshdesk_list_conversations",
    backend: BACKEND,
    title: "List a Freshdesk ticket's conversations",
    operation: OpKind::Read,
    entity: "conversation",
    destructive: false,
    idempotent: true,
    fields: &[F_TICKET],
    canonicalize: canonicalize_as::<ListConversationsParams>,
};

/// `freshdesk_reply_to_ticket`.
pub const REPLY_TO_TICKET: ToolMeta = ToolMeta {
    name: "freshdesk_reply_to_ticket",
    backend: BACKEND,
    title: "Reply to a Freshdesk ticket",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: false,
    fields: &[F_TICKET, F_BODY],
    canonicalize: canonicalize_as::<ReplyParams>,
};

/// `freshdesk_add_note`.
pub const ADD_NOTE: ToolMeta = ToolMeta {
    name: "freshdesk_add_note",
    backend: BACKEND,
    title: "Add a note to a Freshdesk ticket",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: false,
    fields: F_ADD_NOTE,
    canonicalize: canonicalize_as::<NoteParams>,
};

/// `freshdesk_update_note`.
pub const UPDATE_NOTE: ToolMeta = ToolMeta {
    name: "freshdesk_update_note",
    backend: BACKEND,
    title: "Update a Freshdesk note",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: F_UPDATE_NOTE,
    canonicalize: canonicalize_as::<UpdateNoteParams>,
};

/// `freshdesk_list_contacts`.
pub const LIST_CONTACTS: ToolMeta = ToolMeta {
    name: "freshdesk_list_contacts",
    backend: BACKEND,
    title: "List Freshdesk contacts",
    operation: OpKind::Read,
    entity: "contact",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<ListContactsParams>,
};

/// `freshdesk_get_contact`.
pub const GET_CONTACT: ToolMeta = ToolMeta {
    name: "freshdesk_get_contact",
    backend: BACKEND,
    title: "Get a Freshdesk contact",
    operation: OpKind::Read,
    entity: "contact",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<IdParams>,
};

/// `freshdesk_search_contacts`.
pub const SEARCH_CONTACTS: ToolMeta = ToolMeta {
    name: "freshdesk_search_contacts",
    backend: BACKEND,
    title: "Search Freshdesk contacts",
    operation: OpKind::Read,
    entity: "contact",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<SearchContactsParams>,
};

/// `freshdesk_create_contact`.
pub const CREATE_CONTACT: ToolMeta = ToolMeta {
    name: "freshdesk_create_contact",
    backend: BACKEND,
    title: "Create a Freshdesk contact",
    operation: OpKind::Create,
    entity: "contact",
    destructive: false,
    idempotent: false,
    fields: F_CONTACT,
    canonicalize: canonicalize_as::<ContactParams>,
};

/// `freshdesk_update_contact`.
pub const UPDATE_CONTACT: ToolMeta = ToolMeta {
    name: "freshdesk_update_contact",
    backend: BACKEND,
    title: "Update a Freshdesk contact",
    operation: OpKind::Update,
    entity: "contact",
    destructive: false,
    idempotent: true,
    fields: F_CONTACT,
    canonicalize: canonicalize_as::<ContactParams>,
};

/// `freshdesk_list_companies`.
pub const LIST_COMPANIES: ToolMeta = ToolMeta {
    name: "freshdesk_list_companies",
    backend: BACKEND,
    title: "List Freshdesk companies",
    operation: OpKind::Read,
    entity: "company",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<ListParams>,
};

/// `freshdesk_get_company`.
pub const GET_COMPANY: ToolMeta = ToolMeta {
    name: "freshdesk_get_company",
    backend: BACKEND,
    title: "Get a Freshdesk company",
    operation: OpKind::Read,
    entity: "company",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<IdParams>,
};

/// `freshdesk_create_company`.
pub const CREATE_COMPANY: ToolMeta = ToolMeta {
    name: "freshdesk_create_company",
    backend: BACKEND,
    title: "Create a Freshdesk company",
    operation: OpKind::Create,
    entity: "company",
    destructive: false,
    idempotent: false,
    fields: F_COMPANY_WRITE,
    canonicalize: canonicalize_as::<CompanyParams>,
};

/// `freshdesk_update_company`.
pub const UPDATE_COMPANY: ToolMeta = ToolMeta {
    name: "freshdesk_update_company",
    backend: BACKEND,
    title: "Update a Freshdesk company",
    operation: OpKind::Update,
    entity: "company",
    destructive: false,
    idempotent: true,
    fields: F_COMPANY_WRITE,
    canonicalize: canonicalize_as::<CompanyParams>,
};

/// `freshdesk_list_agents`.
pub const LIST_AGENTS: ToolMeta = ToolMeta {
    name: "freshdesk_list_agents",
    backend: BACKEND,
    title: "List Freshdesk agents",
    operation: OpKind::Read,
    entity: "agent",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<ListParams>,
};

/// `freshdesk_get_agent`.
pub const GET_AGENT: ToolMeta = ToolMeta {
    name: "freshdesk_get_agent",
    backend: BACKEND,
    title: "Get a Freshdesk agent",
    operation: OpKind::Read,
    entity: "agent",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<IdParams>,
};

/// `freshdesk_get_current_agent`.
pub const GET_CURRENT_AGENT: ToolMeta = ToolMeta {
    name: "freshdesk_get_current_agent",
    backend: BACKEND,
    title: "Get the current Freshdesk agent",
    operation: OpKind::Read,
    entity: "agent",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<RefsParams>,
};

/// `freshdesk_list_groups`.
pub const LIST_GROUPS: ToolMeta = ToolMeta {
    name: "freshdesk_list_groups",
    backend: BACKEND,
    title: "List Freshdesk groups",
    operation: OpKind::Read,
    entity: "group",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<RefsParams>,
};

/// `freshdesk_list_ticket_fields`.
pub const LIST_TICKET_FIELDS: ToolMeta = ToolMeta {
    name: "freshdesk_list_ticket_fields",
    backend: BACKEND,
    title: "List Freshdesk ticket fields",
    operation: OpKind::Read,
    entity: "ticket_field",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<RefsParams>,
};

/// Every tool of this backend, declared once: the router's annotations, the policy
/// catalogue, the core and the audit log read these.
pub const TOOLS: &[ToolMeta] = &[
    LIST_TICKETS,
    SEARCH_TICKETS,
    GET_TICKET,
    CREATE_TICKET,
    UPDATE_TICKET,
    DELETE_TICKET,
    RESTORE_TICKET,
    LIST_CONVERSATIONS,
    REPLY_TO_TICKET,
    ADD_NOTE,
    UPDATE_NOTE,
    LIST_CONTACTS,
    GET_CONTACT,
    SEARCH_CONTACTS,
    CREATE_CONTACT,
    UPDATE_CONTACT,
    LIST_COMPANIES,
    GET_COMPANY,
    CREATE_COMPANY,
    UPDATE_COMPANY,
    LIST_AGENTS,
    GET_AGENT,
    GET_CURRENT_AGENT,
    LIST_GROUPS,
    LIST_TICKET_FIELDS,
];

/// The tools for the policy layer.
pub fn catalog() -> Vec<ToolMeta> {
    TOOLS.to_vec()
}

/// Every tool of this backend, with its declaration's annotations.
pub fn router() -> ToolRouter<HelpdeskOperator> {
    crate::mcp::declared(HelpdeskOperator::freshdesk_router(), TOOLS)
}

/// The declaration of a create (`tools[0]`) or an update (`tools[1]`).
fn create_or_update(create: bool, tools: [&'static ToolMeta; 2]) -> &'static ToolMeta {
    if create { tools[0] } else { tools[1] }
}

/// "Created contact #3." or "Updated contact #3.".
fn saved_message(create: bool, kind: &str, id: i64) -> String {
    let done = if create { "Created" } else { "Updated" };
    format!("{done} {kind} #{id}.")
}

/// An update's answer in the shape of a create's.
fn updated((value, status): (Value, u16)) -> Created {
    Created {
        object: value.clone(),
        raw: value,
        status: Some(status),
        note: None,
    }
}

/// What a create or update returns to the core: `value` for the agent, the object as the
/// after image, and how an ambiguous answer was reconciled.
fn written(created: Created, value: FdObject, target: i64) -> Written<FdObject> {
    Written {
        value,
        target_id: Some(target.to_string()),
        after: Some(created.raw),
        status: created.status,
        note: created.note,
    }
}

/// A page and page size from the arguments (1 and 30 by default).
fn paging(page: Option<u32>, per_page: Option<u32>) -> (u32, u32) {
    (page.unwrap_or(1), per_page.unwrap_or(30))
}

impl HelpdeskOperator {
    /// Every Freshdesk tool.
    pub fn freshdesk_router() -> ToolRouter<Self> {
        Self::freshdesk_tickets_router()
            + Self::freshdesk_conversations_router()
            + Self::freshdesk_contacts_router()
            + Self::freshdesk_companies_router()
            + Self::freshdesk_reference_router()
    }

    /// A read of one object, returned as Freshdesk sends it.
    async fn get_one<G, GF>(
        &self,
        tool: &'static ToolMeta,
        kind: &'static str,
        get: G,
    ) -> Result<FdObject>
    where
        G: FnOnce(Arc<FreshdeskClient>) -> GF,
        GF: Future<Output = Result<Value>>,
    {
        let out = |v| render::obj(kind, v, String::new());
        self.read_with(tool, get, out).await
    }

    /// A read of one page of a list.
    async fn list_page<L, LF>(
        &self,
        tool: &'static ToolMeta,
        kind: &'static str,
        list: L,
    ) -> Result<FdList>
    where
        L: FnOnce(Arc<FreshdeskClient>) -> LF,
        LF: Future<Output = Result<Page>>,
    {
        let out = |page| render::list_out(kind, page, None);
        self.read_with(tool, list, out).await
    }

    /// A read through `Core::read`: `fetch` asks Freshdesk, `out` shapes the answer.
    async fn read_with<T, R, F, FF>(
        &self,
        tool: &'static ToolMeta,
        fetch: F,
        out: impl FnOnce(T) -> R,
    ) -> Result<R>
    where
        F: FnOnce(Arc<FreshdeskClient>) -> FF,
        FF: Future<Output = Result<T>>,
    {
        self.core
            .read(tool, |s| async move {
                let got = fetch(s.freshdesk()?.clone()).await?;
                Ok(out(got))
            })
            .await
    }

    /// A read through `Core::read` that needs the account's reference data.
    async fn read_with_refs<R, F, FF>(&self, tool: &'static ToolMeta, op: F) -> Result<R>
    where
        F: FnOnce(Arc<FreshdeskClient>, Arc<Refs>) -> FF,
        FF: Future<Output = Result<R>>,
    {
        self.core
            .read(tool, |s| async move {
                let c = s.freshdesk()?.clone();
                let refs = c.refs(false).await?;
                op(c, refs).await
            })
            .await
    }

    /// The session's Freshdesk client and the account's reference data.
    async fn client_and_refs(&self) -> Result<(Arc<FreshdeskClient>, Arc<Refs>)> {
        let session = self.core.session().await?;
        let client = session.freshdesk()?.clone();
        let refs = client.refs(false).await?;
        Ok((client, refs))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
#[test]
fn every_tool_is_declared_once_and_routed() {
    crate::mcp::assert_declared(&HelpdeskOperator::freshdesk_router(), TOOLS);
}
