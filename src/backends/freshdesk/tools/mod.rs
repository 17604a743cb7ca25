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
use crate::mcp::guard::{Operation, Written};
pub use params::*;
pub use render::{FdList, FdObject};
pub use views::ticket_view;

use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, ToolMeta};

const BACKEND: &str = "freshdesk";

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

const CREATE_TICKET: &[FieldMeta] = &[
    F_SUBJECT,
    F_DESCRIPTION,
    field("requester_email", FieldKind::Plain),
    F_STATUS,
    F_PRIORITY,
    F_ASSIGNED,
    F_GROUP,
    F_COMPANY,
];
const UPDATE_TICKET: &[FieldMeta] = &[
    F_TICKET,
    F_SUBJECT,
    F_DESCRIPTION,
    F_STATUS,
    F_PRIORITY,
    F_ASSIGNED,
    field("unassign", FieldKind::Bool),
    F_GROUP,
];
const ADD_NOTE: &[FieldMeta] = &[F_TICKET, F_BODY, field("private", FieldKind::Bool)];
const UPDATE_NOTE: &[FieldMeta] = &[
    F_TICKET,
    field("conversation_id", FieldKind::Integer),
    F_BODY,
];
const CONTACT: &[FieldMeta] = &[F_NAME, F_EMAIL, F_COMPANY];
const COMPANY: &[FieldMeta] = &[F_NAME, F_DESCRIPTION, field("note", FieldKind::Text)];

/// The Freshdesk tools for the policy layer.
pub fn catalog() -> Vec<ToolMeta> {
    use crate::policy::catalog::canonicalize_as as c;
    use OpKind::{Create, Delete, Read, Update};
    let t = |name, operation, destructive, fields, canonicalize| ToolMeta {
        name,
        backend: BACKEND,
        operation,
        destructive,
        fields,
        canonicalize,
    };
    vec![
        t(
            "freshdesk_list_tickets",
            Read,
            false,
            &[],
            c::<ListTicketsParams>,
        ),
        t(
            "freshdesk_search_tickets",
            Read,
            false,
            &[],
            c::<SearchTicketsParams>,
        ),
        t(
            "freshdesk_get_ticket",
            Read,
            false,
            &[F_TICKET],
            c::<GetTicketParams>,
        ),
        t(
            "freshdesk_create_ticket",
            Create,
            false,
            CREATE_TICKET,
            c::<CreateTicketParams>,
        ),
        t(
            "freshdesk_update_ticket",
            Update,
            false,
            UPDATE_TICKET,
            c::<UpdateTicketParams>,
        ),
        t(
            "freshdesk_delete_ticket",
            Delete,
            true,
            &[F_TICKET],
            c::<TicketIdWrite>,
        ),
        t(
            "freshdesk_restore_ticket",
            Update,
            false,
            &[F_TICKET],
            c::<TicketIdWrite>,
        ),
        t(
            "freshdesk_list_conversations",
            Read,
            false,
            &[F_TICKET],
            c::<ListConversationsParams>,
        ),
        t(
            "freshdesk_reply_to_ticket",
            Create,
            false,
            &[F_TICKET, F_BODY],
            c::<ReplyParams>,
        ),
        t(
            "freshdesk_add_note",
            Create,
            false,
            ADD_NOTE,
            c::<NoteParams>,
        ),
        t(
            "freshdesk_update_note",
            Update,
            false,
            UPDATE_NOTE,
            c::<UpdateNoteParams>,
        ),
        t(
            "freshdesk_list_contacts",
            Read,
            false,
            &[],
            c::<ListContactsParams>,
        ),
        t("freshdesk_get_contact", Read, false, &[], c::<IdParams>),
        t(
            "freshdesk_search_contacts",
            Read,
            false,
            &[],
            c::<SearchContactsParams>,
        ),
        t(
            "freshdesk_create_contact",
            Create,
            false,
            CONTACT,
            c::<ContactParams>,
        ),
        t(
            "freshdesk_update_contact",
            Update,
            false,
            CONTACT,
            c::<ContactParams>,
        ),
        t(
            "freshdesk_list_companies",
            Read,
            false,
            &[],
            c::<ListParams>,
        ),
        t("freshdesk_get_company", Read, false, &[], c::<IdParams>),
        t(
            "freshdesk_create_company",
            Create,
            false,
            COMPANY,
            c::<CompanyParams>,
        ),
        t(
            "freshdesk_update_company",
            Update,
            false,
            COMPANY,
            c::<CompanyParams>,
        ),
        t("freshdesk_list_agents", Read, false, &[], c::<ListParams>),
        t("freshdesk_get_agent", Read, false, &[], c::<IdParams>),
        t(
            "freshdesk_get_current_agent",
            Read,
            false,
            &[],
            c::<RefsParams>,
        ),
        t("freshdesk_list_groups", Read, false, &[], c::<RefsParams>),
        t(
            "freshdesk_list_ticket_fields",
            Read,
            false,
            &[],
            c::<RefsParams>,
        ),
    ]
}

/// The tool and operation of a create (`tools[0]`) or an update (`tools[1]`).
fn create_or_update(create: bool, tools: [&'static str; 2]) -> (&'static str, Operation) {
    if create {
        (tools[0], Operation::Create)
    } else {
        (tools[1], Operation::Update)
    }
}

/// "Created contact #3." or "Updated contact #3.".
fn saved_message(create: bool, kind: &str, id: i64) -> String {
    let done = if create { "Created" } else { "Updated" };
    format!("{done} {kind} #{id}.")
}

/// An update's answer in the shape of a create's.
fn updated((value, status): (Value, u16)) -> Created {
    Created {
        value,
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
        after: Some(created.value),
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
        tool: &'static str,
        kind: &'static str,
        valid: Result<()>,
        get: G,
    ) -> Result<FdObject>
    where
        G: FnOnce(Arc<FreshdeskClient>) -> GF,
        GF: Future<Output = Result<Value>>,
    {
        let out = |v| render::obj(kind, v, String::new());
        self.read_with(tool, valid, get, out).await
    }

    /// A read of one page of a list.
    async fn list_page<L, LF>(
        &self,
        tool: &'static str,
        kind: &'static str,
        valid: Result<()>,
        list: L,
    ) -> Result<FdList>
    where
        L: FnOnce(Arc<FreshdeskClient>) -> LF,
        LF: Future<Output = Result<Page>>,
    {
        let out = |page| render::list_out(kind, page, None);
        self.read_with(tool, valid, list, out).await
    }

    /// A read through `Core::read`: `fetch` asks Freshdesk, `out` shapes the answer.
    async fn read_with<T, R, F, FF>(
        &self,
        tool: &'static str,
        valid: Result<()>,
        fetch: F,
        out: impl FnOnce(T) -> R,
    ) -> Result<R>
    where
        F: FnOnce(Arc<FreshdeskClient>) -> FF,
        FF: Future<Output = Result<T>>,
    {
        valid?;
        self.core
            .read(tool, |s| async move {
                let got = fetch(s.freshdesk()?.clone()).await?;
                Ok(out(got))
            })
            .await
    }

    /// A read through `Core::read` that needs the account's reference data.
    async fn read_with_refs<R, F, FF>(&self, tool: &'static str, op: F) -> Result<R>
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
