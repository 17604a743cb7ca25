//! helpdesk-operator: an MCP server that lets AI agents read and write real helpdesks inside
//! audited agent sessions.
//!
//! # Layout
//! Layers, top down; a file never imports from a layer above it (no import circle).
//! - `main`, [`cli`] (`check`, `audit`, `policy`, `pending`/`approve`/`deny`), [`sandbox`]
//!   (stateful simulators of the upstreams on a shared `kit`: the tests' and
//!   `helpdesk-operator sandbox`'s upstreams).
//! - [`backends`]: `backends::ALL` is the registry, the only list of backends (config sections,
//!   env vars, tools, catalogue, session connectors, check sections), and builds the server from
//!   it. One folder per upstream with the same parts (config, client, api, models, resolve,
//!   session, check, tools); `http` is the one outbound path with safe retries, `reconcile`
//!   and `resolve` the mechanisms every backend shares.
//! - [`mcp`]: the MCP surface. `HelpdeskOperator` lists and routes tools; `mcp::guard::Core`
//!   is the choke point every tool call passes (session -> intent -> audit -> upstream);
//!   `mcp::stdio` and `mcp::http` are the transports, `mcp::oauth` the HTTP transport's
//!   identity-provider mode (JWTs).
//! - [`session`]: agent sessions keyed by principal, one part per configured backend (its
//!   client, and what its upstream keeps of the session).
//! - [`policy`]: rules from `policies/*.toml`, the pure `Policy::decide`, confirmations,
//!   per-account rate limits; `policy::catalog::ToolMeta` is the one declaration of a tool.
//! - [`audit`]: the append-only, hash-chained audit log (PostgreSQL or embedded SQLite), with
//!   checkpoints of its head signed by a key held outside the database; on PostgreSQL also
//!   what replicas share (each agent's current session, request budgets).
//! - [`config`]: environment variables -> [`config::Config`] with one section per configured
//!   backend; secrets in `secrecy` types. [`operators`]: the operators file
//!   (`HELPDESK_OPERATOR_AGENTS`): people who approve, agents with bearer tokens.
//! - [`error`]: one error type with a kind callers branch on.
//!
//! # Invariants
//! - Every tool call goes through `HelpdeskOperator::call_tool` and then `Core::read` or
//!   `Core::write` with the tool's declaration; nothing calls a backend around them, and tools
//!   never call other tools. A routed tool without a declaration is not offered.
//! - `call_tool` decides each call's principal and runs the tool as it (`guard::as_principal`);
//!   a session, hence an upstream client, exists only for a call's principal.
//! - Nothing in `mcp`, `policy`, `audit`, `session`, `config`, `cli` or `main` names a
//!   backend: they reach backends only through the registry.
//! - A write is recorded (`requested`) before it is sent, and is not sent if that fails; every
//!   policy decision that stops or gates a write is recorded too.
//! - A write that needs confirmation is not sent until a confirmation bound to the exact call
//!   (session, tool, canonical arguments, object state, recipients) is redeemed, once, before
//!   it expires, through a path the deciding rule accepts at that moment; a human approval
//!   counts only when made with an entry of the server's own operators file.
//! - Customer-written text reaches the model marked untrusted (`mcp::untrusted`).
//! - A finished session's summary counts every write: finishing waits for the running ones.
//! - A create is never resent after an ambiguous failure: it is reconciled or reported unknown.
//! - Backend clients know nothing about MCP or the audit log; only `mcp`, the registry and
//!   each backend's `tools/` import rmcp.
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
