//! helpdesk-operator: an MCP server that lets AI agents read and write real helpdesks inside
//! audited agent sessions.
//!
//! # Layout
//! - [`config`]: environment variables -> [`config::Config`]; secrets in `secrecy` types.
//! - [`mcp`]: the MCP surface. `HelpdeskOperator` lists and routes tools; `mcp::guard::Core`
//!   is the choke point every tool call passes (session -> intent -> audit -> upstream).
//! - [`policy`]: rules from `policies/*.toml`, the pure `Policy::decide`, confirmations,
//!   per-account rate limits.
//! - [`session`]: agent sessions (branch, intent, per-agent django-helpdesk cookie jar).
//! - [`audit`]: the append-only, hash-chained audit log (PostgreSQL or embedded SQLite), with
//!   checkpoints of its head signed by a key held outside the database.
//! - [`backends`]: one folder per upstream with the same files; `backends::http` is the one
//!   outbound path with safe retries.
//! - [`cli`]: the `check`, `audit`, `policy`, `pending`/`approve`/`deny` commands.
//! - [`operators`]: the operators file (`HELPDESK_OPERATOR_AGENTS`): people who approve,
//!   agents with bearer tokens; argon2 verification, credentials read from stdin or a prompt.
//! - [`sandbox`]: stateful simulators of the upstreams (tests and `helpdesk-operator sandbox`).
//!
//! # Invariants
//! - Every tool call goes through `HelpdeskOperator::call_tool` and then `Core::read` or
//!   `Core::write`; nothing calls a backend around them, and tools never call other tools.
//! - A write is recorded (`requested`) before it is sent, and is not sent if that fails; every
//!   policy decision that stops or gates a write is recorded too.
//! - A write that needs confirmation is not sent until a confirmation bound to the exact call
//!   (session, tool, canonical arguments, object state, recipients) is redeemed, once, before
//!   it expires, through a path the deciding rule accepts at that moment; a human approval
//!   counts only when made with an entry of the server's own operators file.
//! - Customer-written text reaches the model marked untrusted (`mcp::untrusted`).
//! - A finished session's summary counts every write: finishing waits for the running ones.
//! - A create is never resent after an ambiguous failure: it is reconciled or reported unknown.
//! - Backend clients know nothing about MCP or the audit log; only `mcp` and each backend's
//!   `tools.rs` import rmcp.
//! - No secret appears in logs, errors, audit rows or `Debug` output.
//! - `audit verify` trusts only the public key it is given, never one stored in the database.
//! - In stdio mode stdout carries only JSON-RPC; logs go to stderr.
//! - No state depends on an MCP transport session.

pub mod audit;
pub mod backends;
pub mod cli;
pub mod config;
pub mod error;
pub mod mcp;
pub mod operators;
pub mod policy;
pub mod sandbox;
pub mod session;
