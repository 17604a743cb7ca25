//! Daktela v6 REST API: read only.
//!
//! API: `https://{instance}.daktela.com/api/v6/{model}.json` (`DAKTELA_URL` is the instance
//! root). Auth: `X-AUTH-TOKEN` with a login's token (one login per process and identity,
//! refreshed before it expires and once more on a 401) or an API user's static token. Every
//! answer is the envelope `{error, result, _time}`; lists are `result.data` + `result.total`,
//! paged with `skip`/`take` and filtered with the bracket syntax (`query.rs`). Sort and filter
//! fields come from per-model allow-lists (`api.rs`): Daktela answers 0 rows, silently, for an
//! unknown one. Names (queues, users, groups, statuses, pauses, categories, templates) come
//! from the reference data, cached per instance and identity.
//!
//! Layers: `client.rs` (token, envelope, `parse_error`), `query.rs` (the bracket syntax),
//! `api.rs` (the model table and typed reads), `models.rs`, `tools/` (the `daktela_*` MCP
//! tools), `check.rs` and `session.rs`.

/// The backend's name in tool names, policy files and the audit log.
pub const BACKEND: &str = "daktela";

/// The error a tool of this backend gives when the backend is not configured.
const NOT_CONFIGURED: &str = "Daktela is not configured: set DAKTELA_URL and DAKTELA_USERNAME \
    with DAKTELA_PASSWORD, or DAKTELA_ACCESS_TOKEN";

/// What the server instructions say about this backend's tools.
pub const INSTRUCTIONS: &str = "Daktela (daktela_*, read only): tickets (list with stage, priority, category, user, contact, account and dates; count; get, with activities; an account's tickets), activities on every channel (calls with transcripts, e-mails with quoted replies folded, web chats, SMS, Messenger, Instagram, WhatsApp, Viber), contacts, accounts, CRM and campaign records, and reference data (queues, users, groups, pauses, statuses, templates, ticket categories). Lists take skip/take and a sort field from the list's own allow-list, and always say the total; users, queues and categories can be given by name.";

pub mod api;
pub mod check;
pub mod client;
pub mod config;
pub mod models;
pub mod query;
pub mod session;
pub mod tools;

pub use client::DaktelaClient;
pub use config::DaktelaConfig;
