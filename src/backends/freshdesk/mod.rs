//! Freshdesk API v2: read and write.
//!
//! API: `https://{domain}.freshdesk.com/api/v2/` (or `FRESHDESK_BASE_URL`, e.g. the sandbox
//! simulator). Auth: HTTP Basic with the API key as user and `X` as password. Lists are plain
//! arrays paged with `Link: rel="next"`; search returns `{total, results}`, 30 a page, pages
//! 1-10. Names (agents, groups, companies, statuses, priorities, sources, custom fields) are
//! resolved through the account's reference data, cached per account.
//!
//! Tools: `freshdesk_*` tickets, conversations, contacts, companies, agents, groups, ticket
//! fields (see tools.rs).

pub mod client;
pub mod config;
pub mod models;
pub mod tools;

pub use client::FreshdeskClient;
pub use config::FreshdeskConfig;
