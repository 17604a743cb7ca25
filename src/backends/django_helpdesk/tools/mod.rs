//! The django-helpdesk MCP tools: typed, validated parameters whose docs are written for the
//! model, explicit annotations, structured output with an output schema.
//!
//! Every tool body reads: validate, resolve (names to ids, before any write), core
//! (`Core::read` or `Core::write`: session, intent, audit), render. Files: `tickets.rs`,
//! `followups.rs`, `reference.rs` (queues, users) hold the tools; `params.rs`, `views.rs`
//! (what policy sees) and `render.rs` (what they answer) their parts; this file the catalogue.
//! Must not: name URL paths, query keys or upstream fields (that is `api.rs` and `models.rs`).

mod followups;
mod params;
mod reference;
mod render;
mod tickets;
mod views;

use rmcp::handler::server::router::tool::ToolRouter;

pub use super::resolve::{resolve_priority, resolve_status};
pub use followups::protect_template;
pub use params::{
    AddFollowupParams, ChoicesParams, CreateTicketParams, DeleteTicketParams, ListTicketsParams,
    TicketIdParams, UpdateTicketParams, parse_due_date, parse_time_spent,
};
pub use render::{
    ChoiceList, DeleteResult, FollowUpOut, FollowupResult, QueueOut, TicketList, TicketOut,
    TicketResult, TicketSummary, UserOut,
};
pub use views::ticket_view;

use crate::mcp::HelpdeskOperator;
use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, ToolMeta, canonicalize_as};
use views::{PRIORITY_NAMES, STATUS_NAMES};

use super::BACKEND;

impl HelpdeskOperator {
    /// Every django-helpdesk tool.
    pub fn django_helpdesk_router() -> ToolRouter<HelpdeskOperator> {
        Self::django_helpdesk_tickets_router()
            + Self::django_helpdesk_followups_router()
            + Self::django_helpdesk_reference_router()
    }
}

const fn field(name: &'static str, kind: FieldKind) -> FieldMeta {
    FieldMeta { name, kind }
}

const F_TICKET: FieldMeta = field("ticket_id", FieldKind::Integer);
const F_QUEUE: FieldMeta = field("queue", FieldKind::Ref);
const F_ASSIGNED: FieldMeta = field("assigned_to", FieldKind::Ref);
const F_TITLE: FieldMeta = field("title", FieldKind::Text);
const F_DESCRIPTION: FieldMeta = field("description", FieldKind::Text);
const F_PRIORITY: FieldMeta = field("priority", FieldKind::Enum(PRIORITY_NAMES));
const F_DUE: FieldMeta = field("due_date", FieldKind::Plain);

/// The queue and user lists' fields.
const F_CHOICES: &[FieldMeta] = &[
    field("search", FieldKind::Text),
    field("refresh", FieldKind::Bool),
];

const F_LIST: &[FieldMeta] = &[
    field("status", FieldKind::Enum(STATUS_NAMES)),
    F_QUEUE,
    F_ASSIGNED,
    field("search", FieldKind::Text),
    field("page", FieldKind::Integer),
    field("page_size", FieldKind::Integer),
];

const F_CREATE: &[FieldMeta] = &[
    F_QUEUE,
    F_TITLE,
    F_DESCRIPTION,
    F_PRIORITY,
    field("submitter_email", FieldKind::Plain),
    F_ASSIGNED,
    F_DUE,
];

const F_FOLLOWUP: &[FieldMeta] = &[
    F_TICKET,
    field("comment", FieldKind::Text),
    field("public", FieldKind::Bool),
    field("new_status", FieldKind::Enum(STATUS_NAMES)),
    field("time_spent", FieldKind::Plain),
];

const F_UPDATE: &[FieldMeta] = &[
    F_TICKET,
    F_TITLE,
    F_DESCRIPTION,
    F_PRIORITY,
    F_ASSIGNED,
    field("unassign", FieldKind::Bool),
    F_DUE,
    F_QUEUE,
];

/// `django_helpdesk_list_tickets`.
pub const LIST_TICKETS: ToolMeta = ToolMeta {
    name: "django_helpdesk_list_tickets",
    backend: BACKEND,
    title: "List django-helpdesk tickets",
    operation: OpKind::Read,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: F_LIST,
    canonicalize: canonicalize_as::<ListTicketsParams>,
};

/// `django_helpdesk_get_ticket`.
pub const GET_TICKET: ToolMeta = ToolMeta {
    name: "django_helpdesk_get_ticket",
    backend: BACKEND,
    title: "Get a django-helpdesk ticket",
    operation: OpKind::Read,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: &[F_TICKET],
    canonicalize: canonicalize_as::<TicketIdParams>,
};

/// `django_helpdesk_create_ticket`.
pub const CREATE_TICKET: ToolMeta = ToolMeta {
    name: "django_helpdesk_create_ticket",
    backend: BACKEND,
    title: "Create a django-helpdesk ticket",
    operation: OpKind::Create,
    entity: "ticket",
    destructive: false,
    idempotent: false,
    fields: F_CREATE,
    canonicalize: canonicalize_as::<CreateTicketParams>,
};

/// `django_helpdesk_add_followup`.
pub const ADD_FOLLOWUP: ToolMeta = ToolMeta {
    name: "django_helpdesk_add_followup",
    backend: BACKEND,
    title: "Add a follow-up to a django-helpdesk ticket",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: false,
    fields: F_FOLLOWUP,
    canonicalize: canonicalize_as::<AddFollowupParams>,
};

/// `django_helpdesk_update_ticket`.
pub const UPDATE_TICKET: ToolMeta = ToolMeta {
    name: "django_helpdesk_update_ticket",
    backend: BACKEND,
    title: "Update a django-helpdesk ticket",
    operation: OpKind::Update,
    entity: "ticket",
    destructive: false,
    idempotent: true,
    fields: F_UPDATE,
    canonicalize: canonicalize_as::<UpdateTicketParams>,
};

/// `django_helpdesk_delete_ticket`.
pub const DELETE_TICKET: ToolMeta = ToolMeta {
    name: "django_helpdesk_delete_ticket",
    backend: BACKEND,
    title: "Delete a django-helpdesk ticket",
    operation: OpKind::Delete,
    entity: "ticket",
    destructive: true,
    idempotent: true,
    fields: &[F_TICKET],
    canonicalize: canonicalize_as::<DeleteTicketParams>,
};

/// `django_helpdesk_get_queues`.
pub const GET_QUEUES: ToolMeta = ToolMeta {
    name: "django_helpdesk_get_queues",
    backend: BACKEND,
    title: "List django-helpdesk queues",
    operation: OpKind::Read,
    entity: "queue",
    destructive: false,
    idempotent: true,
    fields: F_CHOICES,
    canonicalize: canonicalize_as::<ChoicesParams>,
};

/// `django_helpdesk_get_users`.
pub const GET_USERS: ToolMeta = ToolMeta {
    name: "django_helpdesk_get_users",
    backend: BACKEND,
    title: "List django-helpdesk users",
    operation: OpKind::Read,
    entity: "user",
    destructive: false,
    idempotent: true,
    fields: F_CHOICES,
    canonicalize: canonicalize_as::<ChoicesParams>,
};

/// Every tool of this backend, declared once: the router's annotations, the policy
/// catalogue, the core and the audit log read these.
pub const TOOLS: &[ToolMeta] = &[
    LIST_TICKETS,
    GET_TICKET,
    CREATE_TICKET,
    ADD_FOLLOWUP,
    UPDATE_TICKET,
    DELETE_TICKET,
    GET_QUEUES,
    GET_USERS,
];

/// The tools for the policy layer.
pub fn catalog() -> Vec<ToolMeta> {
    TOOLS.to_vec()
}

/// Every tool of this backend, with its declaration's annotations.
pub fn router() -> ToolRouter<HelpdeskOperator> {
    crate::mcp::declared(HelpdeskOperator::django_helpdesk_router(), TOOLS)
}

#[cfg(test)]
#[test]
fn every_tool_is_declared_once_and_routed() {
    crate::mcp::assert_declared(&HelpdeskOperator::django_helpdesk_router(), TOOLS);
}
