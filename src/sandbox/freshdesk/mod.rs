//! Freshdesk API v2 simulator: a stateful fake of `https://{domain}.freshdesk.com/api/v2/` served
//! by axum on `127.0.0.1`, for integration tests and the product's sandbox mode.
//!
//! Owns: the behaviour listed in the Freshdesk reference notes (§10): Basic auth with
//! `apikey:X`; tickets (create, view with `include=`, partial update, soft delete, restore,
//! list with filters, the default 30-day window, ordering and pagination), ticket search with
//! the quoted query language, conversations (reply, note, list, update, delete), contacts,
//! companies, agents (with `/agents/me`), groups and ticket fields; Freshdesk's status codes,
//! error bodies, `Link` pagination, `Location` on creates, the version and request-id headers,
//! a per-minute rate budget with `X-Ratelimit-*` headers and 429 + `Retry-After`; seeded,
//! deterministic demo data; and fault injection (`inject`) for tests of retries and
//! reconciliation.
//!
//! Must not: listen anywhere but loopback, call out to the network, log request bodies or the
//! API key, panic on anything a request carries (every bad input gets Freshdesk's 4xx), or be
//! used by a backend client in a production path (clients only ever see
//! [`FreshdeskSim::base_url`]).
//!
//! Deliberate simplifications (documented so tests do not rely on them): search results are
//! consistent immediately (the real index lags); attachments and multipart bodies are not
//! supported (415); bulk, merge, time-entry and admin endpoints are absent (404); the SLA is a
//! fixed table by priority; rate windows are fixed 60 s windows on tokio's clock.
//!
//! Layout: the served machinery (listener, fault hooks, rate window, replies, query strings)
//! is the shared [`crate::sandbox::kit`]; this folder holds what is Freshdesk's: `service`
//! (auth, rate-limit headers, the headers of every answer), `routes`, `errors` and `input`
//! (its error shapes and validation), `state` and `views` (records and their JSON), one file
//! per resource (`tickets`, `conversations`, `contacts`, `companies`, `reference`), `search`,
//! `seed` (the demo data) and `sandbox` (its entry in the sandbox).

mod companies;
mod contacts;
mod conversations;
mod errors;
mod input;
mod reference;
mod routes;
mod sandbox;
mod search;
mod seed;
mod service;
mod state;
mod tickets;
mod views;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use self::service::Shared;
use self::state::Store;
use crate::sandbox::kit::faults::PathScope;
use crate::sandbox::kit::lock;
use crate::sandbox::kit::rate::RateWindow;
use crate::sandbox::kit::server::{self, Host, Running};
use crate::sandbox::kit::time::now;

pub use self::sandbox::SANDBOX;
pub use crate::sandbox::kit::SimFault;

/// Fault and request-count prefixes: one starting with `/api/` is matched against the whole
/// path, any other against the part after `/api/v2`.
const SCOPE: PathScope = PathScope {
    absolute: "/api/",
    root: "/api/v2",
};

/// How to start a simulator.
#[derive(Clone)]
pub struct SimOptions {
    /// The only API key accepted (Basic auth username; the password must be `X`).
    pub api_key: String,
    /// The account's budget per 60 s window. 0 means unlimited.
    pub requests_per_minute: u32,
    /// Load the deterministic demo data set (agents, groups, companies, contacts, ~300 tickets).
    pub seed: bool,
}

impl std::fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimOptions")
            .field("api_key", &"<redacted>")
            .field("requests_per_minute", &self.requests_per_minute)
            .field("seed", &self.seed)
            .finish()
    }
}

/// A running simulator; stops serving when dropped.
pub struct FreshdeskSim {
    shared: Arc<Host<Shared>>,
    server: Running,
}

impl std::fmt::Debug for FreshdeskSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshdeskSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl FreshdeskSim {
    /// Binds `127.0.0.1:0` and serves in a tokio task.
    pub async fn start(opts: SimOptions) -> std::io::Result<FreshdeskSim> {
        let mut store = Store::new();
        seed::account(&mut store, opts.seed, now());
        let (shared, server) = server::start(SCOPE, |addr| Shared {
            api_key: opts.api_key,
            base_url: format!("http://{addr}"),
            rate: RateWindow::new(opts.requests_per_minute),
            store: Mutex::new(store),
        })
        .await?;
        Ok(FreshdeskSim { shared, server })
    }

    /// `http://127.0.0.1:PORT`; clients append `/api/v2/...`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Arms `fault` for the next request whose method matches `method` (case-insensitive; `*`
    /// matches any) and whose path starts with `path_prefix`. A prefix starting with `/api/` is
    /// matched against the whole path, any other against the part after `/api/v2` (so
    /// `/tickets` and `/api/v2/tickets` are the same). Faults fire once, in the order armed.
    pub fn inject(&self, method: &str, path_prefix: &str, fault: SimFault) {
        self.shared.hooks.arm(method, path_prefix, fault);
    }

    /// How many requests matching (method, path prefix) arrived so far, whatever their answer.
    pub fn requests(&self, method: &str, path_prefix: &str) -> usize {
        self.shared.hooks.count(method, path_prefix)
    }

    /// All tickets, including deleted and spam ones.
    pub fn ticket_count(&self) -> usize {
        lock(&self.shared.store).tickets.len()
    }

    /// Id and name of the agent that owns the API key.
    pub fn agent_me(&self) -> (i64, String) {
        let store = lock(&self.shared.store);
        let name = store
            .agents
            .get(&store.me)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        (store.me, name)
    }
}

/// Whether a request matches a fault's or a count's (method, path prefix).
#[cfg(test)]
fn matches_request(method: &str, prefix: &str, req_method: &str, req_path: &str) -> bool {
    SCOPE.matches(method, prefix, req_method, req_path)
}
