//! Upstream helpdesks. Each backend folder has the same files and verbs:
//! `mod.rs` (API version, auth, tools), `config.rs`, `client.rs` (one fn per endpoint plus the
//! backend's one `parse_error`), `models.rs` (upstream JSON) and `tools.rs` (the MCP tools).
//!
//! Must not: backend clients know nothing about MCP, policy or the audit log; only `tools.rs`
//! imports rmcp. All HTTP goes out through [`http::send`].

pub mod cache;
pub mod django_helpdesk;
pub mod freshdesk;
pub mod http;
pub mod reconcile;
pub mod resolve;

/// Each backend's environment variables (the backends' `config::ENV_VARS`).
pub const ENV_VARS: &[&[(&str, &str)]] = &[
    django_helpdesk::config::ENV_VARS,
    freshdesk::config::ENV_VARS,
];
