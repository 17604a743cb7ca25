//! Autotask PSA REST API v1.0 simulator: a stateful fake of
//! `https://webservicesN.autotask.net/ATServicesRest/V1.0/` served by axum on `127.0.0.1`, for
//! the Autotask backend's tests and the product's sandbox mode.
//!
//! Owns: the behaviour of the Autotask reference notes (§9, with the corrections of §11): zone
//! discovery and version information without auth; the `ApiIntegrationCode`/`UserName`/`Secret`
//! headers (401 for a wrong secret, 500 `errors` for an unknown user or integration code) and
//! `ImpersonationResourceId` (recorded as the creator of what is created); case-insensitive
//! paths; the method matrix of Tickets, TicketNotes, Companies, Contacts, Projects, Tasks,
//! TimeEntries, ConfigurationItems, Contracts, Opportunities, Resources, Roles,
//! ResourceServiceDeskRoles and Products, with their child URLs; the envelopes (`item`,
//! `items` + `pageDetails`, `itemId`, `queryCount`, `info`, `fields`); the JSON query engine
//! with keyset paging (POST-started pages must be POSTed; GET there is 405); field metadata with
//! this instance's picklists; validation as HTTP 500 `errors` naming the field; the rolling
//! hourly request threshold (`ThresholdInformation`, added latency above 50 % and 75 %, 429 at
//! 100 %) and the thread limit per endpoint and integration code (429); seeded, deterministic
//! demo data (see `seed`); and fault injection (`inject`).
//!
//! Must not: listen anywhere but loopback, call out to the network, log request bodies or the
//! secret, panic on anything a request carries, or be used by a backend client in a production
//! path (clients only see [`AutotaskSim::zone_discovery_url`] and [`AutotaskSim::base_url`]).
//!
//! Deliberate simplifications (tests should not rely on them): one tenant, one API user and one
//! integration code; unknown body fields are refused (the real API ignores them), so a typo in
//! a client shows; comparisons with an empty field are false except `notExist` (as SQL does);
//! `picklistValues` is `null` for fields without a picklist; a missing parent on a child URL is
//! a 500 `errors`; attachments, charges, checklists, phases, webhooks and security levels are
//! absent (404); the requests of other integrations are a number a test sets; time is tokio's
//! clock, so a test can pause it.
//!
//! Layout: the served machinery is the shared [`crate::sandbox::kit`]; this folder holds what is
//! Autotask's: `service` (auth, limits, discovery), `routes`, `errors`, `schema` and
//! `picklists` (the entities and their metadata), `store` and `validate` (records and writes),
//! `query` (the query engine and paging), `seed` (the demo data) and `sandbox` (its entry).

mod errors;
mod picklists;
mod query;
mod routes;
mod sandbox;
mod schema;
mod seed;
mod service;
mod store;
mod validate;

#[cfg(test)]
mod tests;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use self::service::{Account, Limits, Shared};
use self::store::Store;
use crate::sandbox::kit::faults::PathScope;
use crate::sandbox::kit::lock;
use crate::sandbox::kit::server::{self, Host, Running};
use crate::sandbox::kit::time::now;

pub use self::sandbox::SANDBOX;
pub use self::seed::API_USER;
pub use crate::sandbox::kit::SimFault;

/// Fault and request-count prefixes (lower-cased, as the logged paths are): one starting with
/// `/atservicesrest/` is matched against the whole path, any other against the part after
/// `/atservicesrest/v1.0`.
const SCOPE: PathScope = PathScope {
    absolute: "/atservicesrest/",
    root: "/atservicesrest/v1.0",
};

/// How to start a simulator.
#[derive(Clone)]
pub struct AutotaskSimOptions {
    /// The API user's `UserName` (an e-mail address).
    pub username: String,
    /// Its `Secret`.
    pub secret: String,
    /// The accepted `ApiIntegrationCode`.
    pub integration_code: String,
    /// `externalRequestThreshold`: requests per rolling hour; 0 = unlimited (reported as 10000).
    pub requests_per_hour: u32,
    /// Concurrent requests per endpoint per integration code; 0 = unlimited.
    pub thread_limit: usize,
    /// Load the demo data (see `seed`).
    pub seed: bool,
}

impl std::fmt::Debug for AutotaskSimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutotaskSimOptions")
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("integration_code", &self.integration_code)
            .field("requests_per_hour", &self.requests_per_hour)
            .field("thread_limit", &self.thread_limit)
            .field("seed", &self.seed)
            .finish()
    }
}

/// A running simulator; stops serving when dropped.
pub struct AutotaskSim {
    shared: Arc<Host<Shared>>,
    server: Running,
}

impl std::fmt::Debug for AutotaskSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutotaskSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl AutotaskSim {
    /// Binds `127.0.0.1:0` and serves in a tokio task.
    pub async fn start(opts: AutotaskSimOptions) -> std::io::Result<AutotaskSim> {
        let mut store = Store::new(API_USER);
        seed::tenant(&mut store, &opts.username, opts.seed, now());
        let (shared, server) = server::start(SCOPE, |addr| Shared {
            account: Account {
                username: opts.username,
                secret: opts.secret,
                integration_code: opts.integration_code,
                requests_per_hour: opts.requests_per_hour,
                thread_limit: opts.thread_limit,
            },
            origin: format!("http://{addr}"),
            limits: Limits::default(),
            store: Mutex::new(store),
        })
        .await?;
        Ok(AutotaskSim { shared, server })
    }

    /// `http://127.0.0.1:PORT/ATServicesRest/V1.0/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/ATServicesRest/V1.0/", self.server.addr())
    }

    /// `http://127.0.0.1:PORT/atservicesrest/v1.0/zoneInformation` (add `?user=`).
    pub fn zone_discovery_url(&self) -> String {
        format!(
            "http://{}/atservicesrest/v1.0/zoneInformation",
            self.server.addr()
        )
    }

    /// Arms `fault` for the next request whose method matches `method` (case-insensitive; `*`
    /// matches any) and whose path starts with `path_prefix` (case-insensitive), given after
    /// `/ATServicesRest/V1.0` (`/Tickets`, `/Tickets/123/Notes`) or whole
    /// (`/atservicesrest/...`). Faults fire once, in the order armed.
    pub fn inject(&self, method: &str, path_prefix: &str, fault: SimFault) {
        self.shared
            .hooks
            .arm(method, &path_prefix.to_ascii_lowercase(), fault);
    }

    /// How many requests matching (method, path prefix as for `inject`) arrived so far.
    pub fn requests(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .hooks
            .count(method, &path_prefix.to_ascii_lowercase())
    }

    /// The most requests seen in flight at once on an endpoint (`Tickets`; case-insensitive).
    pub fn max_in_flight(&self, endpoint: &str) -> usize {
        let peak = lock(&self.shared.limits.peak);
        peak.get(&endpoint.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// How many requests were refused with 429 (thread limit or request threshold).
    pub fn throttled(&self) -> usize {
        self.shared.limits.throttled.load(Ordering::SeqCst)
    }

    /// Every answer waits this long first (tokio sleep), so requests overlap.
    pub fn set_latency(&self, d: std::time::Duration) {
        *lock(&self.shared.limits.latency) = d;
    }

    /// Requests other integrations used in the current hour.
    pub fn set_other_usage(&self, n: u32) {
        self.shared.limits.other.store(n, Ordering::SeqCst);
    }

    /// `currentTimeframeRequestCount` now.
    pub fn usage(&self) -> u32 {
        self.shared.limits.usage()
    }

    /// The resource the API user is.
    pub fn api_user_resource_id(&self) -> i64 {
        lock(&self.shared.store).api_user
    }

    /// A ticket as the API shows it (`GET /Tickets/{id}`'s `item`).
    pub fn ticket(&self, id: i64) -> Option<serde_json::Value> {
        let store = lock(&self.shared.store);
        store
            .get("Tickets", id)
            .cloned()
            .map(serde_json::Value::Object)
    }

    /// Rows of an entity (`Tickets`, `TicketNotes`, ...; case-insensitive); 0 for an unknown one.
    pub fn count(&self, entity: &str) -> usize {
        let store = lock(&self.shared.store);
        schema::entity(entity).map_or(0, |e| store.table(e.name).len())
    }
}
