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
use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, ToolMeta};
use views::{PRIORITY_NAMES, STATUS_NAMES};

const BACKEND: &str = "django_helpdesk";

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

/// The django-helpdesk tools for the policy layer.
pub fn catalog() -> Vec<ToolMeta> {
    use crate::policy::catalog::canonicalize_as as c;
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
            "django_helpdesk_list_tickets",
            OpKind::Read,
            false,
            F_LIST,
            c::<ListTicketsParams>,
        ),
        t(
            "django_helpdesk_get_ticket",
            OpKind::Read,
            false,
            &[F_TICKET],
            c::<TicketIdParams>,
        ),
        t(
            "django_helpdesk_create_ticket",
            OpKind::Create,
            false,
            F_CREATE,
            c::<CreateTicketParams>,
        ),
        t(
            "django_helpdesk_add_followup",
            OpKind::Update,
            false,
            F_FOLLOWUP,
            c::<AddFollowupParams>,
        ),
        t(
            "django_helpdesk_update_ticket",
            OpKind::Update,
            false,
            F_UPDATE,
            c::<UpdateTicketParams>,
        ),
        t(
            "django_helpdesk_delete_ticket",
            OpKind::Delete,
            true,
            &[F_TICKET],
            c::<DeleteTicketParams>,
        ),
        t(
            "django_helpdesk_get_queues",
            OpKind::Read,
            false,
            F_CHOICES,
            c::<ChoicesParams>,
        ),
        t(
            "django_helpdesk_get_users",
            OpKind::Read,
            false,
            F_CHOICES,
            c::<ChoicesParams>,
        ),
    ]
}
