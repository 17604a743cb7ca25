//! helpdesk-operator: an MCP server that lets AI agents read and write real helpdesks inside
//! audited agent sessions.
//!
//! # Layout
//! - [`config`]: environment variables -> [`config::Config`]; secrets in `secrecy` types.
//! - [`mcp`]: the MCP surface. `HelpdeskOperator` lists and routes tools; `mcp::core::Core`
//!   is the choke point every tool call passes (session -> intent -> audit -> upstream).
//! - [`policy`]: rules from `policies/*.toml`, the pure `Policy::decide`, confirmations,
//!   per-account rate limits.
//! - [`session`]: agent sessions (branch, intent, per-agent django-helpdesk cookie jar).
//! - [`audit`]: the append-only, hash-chained audit log (PostgreSQL or embedded SQLite).
//! - [`backends`]: one folder per upstream with the same files; `backends::http` is the one
//!   outbound path with safe retries.
//! - [`cli`]: the `check`, `audit`, `policy`, `pending`/`approve`/`deny` commands.
//! - [`sandbox`]: stateful simulators of the upstreams (tests and `helpdesk-operator sandbox`).
//!
//! # Invariants
//! - Every tool call goes through `HelpdeskOperator::call_tool` and then `Core::read` or
//!   `Core::write`; nothing calls a backend around them, and tools never call other tools.
//! - A write is recorded (`requested`) before it is sent, and is not sent if that fails; every
//!   policy decision that stops or gates a write is recorded too.
//! - A write that needs confirmation is not sent until a confirmation bound to the exact call
//!   (session, tool, canonical arguments, object state) is redeemed, once, before it expires.
//! - A create is never resent after an ambiguous failure: it is reconciled or reported unknown.
//! - Backend clients know nothing about MCP or the audit log; only `mcp` and each backend's
//!   `tools.rs` import rmcp.
//! - No secret appears in logs, errors, audit rows or `Debug` output.
//! - In stdio mode stdout carries only JSON-RPC; logs go to stderr.
//! - No state depends on an MCP transport session.

pub mod audit;
pub mod backends;
pub mod cli;
pub mod config;
pub mod error;
pub mod mcp;
pub mod policy;
pub mod sandbox;
pub mod session;
