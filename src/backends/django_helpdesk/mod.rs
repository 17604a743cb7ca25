//! django-helpdesk (2.x, and the dolthub agent-session fork): read and write.
//!
//! API: the DRF router at `<root>/api/` (tickets, follow-ups), plus two session-only views the
//! REST API lacks: the UI's `datatables_ticket_list` (queue, assignee and text filters) and the
//! browsable API's ticket form (queues and users, which have no endpoint). Auth: session login
//! through `/login/` with CSRF (full feature set), or a DRF token (REST only).
//! Agent-session fork endpoints: `/api/agent-session-info/`, `/api/set-agent-intent/`,
//! `/api/finish-agent-session/`, used when present (see `session`).
//!
//! Files: `client.rs` (transport, login, CSRF, `parse_error`), `api.rs` (one fn per
//! endpoint), `models.rs` (upstream JSON and request shapes), `resolve.rs` (names to ids) and
//! `tools/` (the MCP tools, one file per entity).
//! Must not: anything outside `tools/` imports rmcp or knows about policy and the audit log.
//!
//! Tools: `django_helpdesk_list_tickets`, `_get_ticket`, `_create_ticket`, `_add_followup`,
//! `_update_ticket`, `_delete_ticket`, `_get_queues`, `_get_users`.

/// The backend's name in tool names, policy files and the audit log.
pub const BACKEND: &str = "django_helpdesk";

/// The error a tool of this backend gives when the backend is not configured.
const NOT_CONFIGURED: &str = "django-helpdesk is not configured: set DJANGO_HELPDESK_URL, DJANGO_HELPDESK_USERNAME and DJANGO_HELPDESK_PASSWORD";

/// What the server instructions say about this backend's tools.
pub const INSTRUCTIONS: &str = "django-helpdesk (django_helpdesk_*): list and get tickets, \
    create tickets, add follow-ups (internal by default; public=true e-mails the submitter; \
    new_status is how to resolve or close), update fields (title, priority, assignee, due \
    date, queue), delete. Queues and users can be given by id or name; see \
    django_helpdesk_get_queues and django_helpdesk_get_users.";

pub mod api;
pub mod check;
pub mod client;
pub mod config;
pub mod models;
pub mod resolve;
pub mod session;
pub mod tools;

pub use client::{DjangoClient, ForkProbe};
pub use config::{DjangoAuth, DjangoHelpdeskConfig};
