//! Freshdesk API v2: read and write.
//!
//! API: `https://{domain}.freshdesk.com/api/v2/` (or `FRESHDESK_BASE_URL`, e.g. the sandbox
//! simulator). Auth: HTTP Basic with the API key as user and `X` as password. Lists are plain
//! arrays paged with `Link: rel="next"`; search returns `{total, results}`, 30 a page, pages
//! 1-10. Names (agents, groups, companies, statuses, priorities, sources, custom fields) are
//! resolved through the account's reference data, cached per account.
//!
//! Layers: `client.rs` (HTTP transport), `api/` (one typed function per endpoint, the search
//! language), `models.rs` (upstream models and request bodies), `resolve.rs` (names to ids),
//! `reconcile.rs` (create once), `tools/` (the `freshdesk_*` MCP tools: tickets,
//! conversations, contacts, companies, agents, groups, ticket fields).

/// The backend's name in tool names, policy files and the audit log.
pub const BACKEND: &str = "freshdesk";

/// The error a tool of this backend gives when the backend is not configured.
const NOT_CONFIGURED: &str =
    "Freshdesk is not configured: set FRESHDESK_DOMAIN and FRESHDESK_API_KEY";

/// What the server instructions say about this backend's tools.
pub const INSTRUCTIONS: &str = "Freshdesk (freshdesk_*): tickets (list, search with structured conditions, get, create, update; status changes such as resolve or close happen in freshdesk_update_ticket), conversations (freshdesk_reply_to_ticket e-mails the requester; freshdesk_add_note is private unless private=false), contacts, companies, and reference data (agents, groups, ticket fields). Agents, groups, companies, statuses and custom fields can be given by name; unknown names are refused with the known ones listed.";

pub mod api;
pub mod check;
pub mod client;
pub mod config;
pub mod models;
pub mod reconcile;
pub mod resolve;
pub mod session;
pub mod shapes;
pub mod tools;

pub use client::FreshdeskClient;
pub use config::FreshdeskConfig;
