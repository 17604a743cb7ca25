//! Daktela v6 REST API simulator: a stateful fake of `https://{instance}.daktela.com/api/v6/`
//! served by axum on `127.0.0.1`, for the Daktela backend's tests and the product's sandbox.
//!
//! Owns: the behaviour of the Daktela reference notes (§8, with the additions of §10): paths
//! `/api/v6/{model}.json` (lists), `/api/v6/{model}/{name}.json` (one record, the name
//! percent-decoded), `/api/v6/{tickets|contacts}/{name}/activities.json` and
//! `/api/v6/whoim.json`; authentication by the `X-AUTH-TOKEN` header, the `accessToken` query
//! parameter or the `c_user` cookie, with logins (`POST login.json`, `only_token=1` for the
//! bare token), single-use refresh tokens (`PUT login.json`) and access tokens that expire
//! after [`DaktelaSimOptions::token_ttl`] on tokio's clock; the envelope `error` / `result` /
//! `_time` on every answer; the bracketed query grammar of §5 (`query`); the record shapes of
//! §4 and §6 with expanded foreign keys (`seed`); request counting and fault injection.
//!
//! Must not: listen anywhere but loopback, call out to the network, log request bodies,
//! passwords or tokens, panic on anything a request carries, or be used by a backend client in
//! a production path (clients only see [`DaktelaSim::base_url`]).
//!
//! Deliberate simplifications (tests should not rely on them): read-only, so POST, PUT and
//! DELETE on a model answer 405 in the envelope (`error: ["Method not allowed: the simulator
//! is read-only"]`), login being the exception; records are stored already expanded (a write
//! API would store keys); no 403 rights, no attachments, no `appPullData`; one account
//! (plus the static token, which acts as the same user).
//!
//! Choices the reference leaves open (guesses, documented): the 401 text is `Invalid access
//! token`, a wrong login `Invalid username or password`, an unknown model 404 `Model not
//! exist`, an unknown operator 400 `Unknown filter operator: x`; `_time` and every date are
//! Europe/Prague local time taken as a fixed +01:00; text comparisons are case-sensitive
//! unless `ignoreCase` is true; `like` is SQL's (`%`, `_`); a filter on a foreign-key object
//! compares its `name`, on an array any element; `whoim` answers `{"user": .., "version":
//! ..}`; `fields[i]` keeps top-level keys (a dotted one keeps its first segment); a relation
//! of an unknown parent is 404 `Object not exist`.
//!
//! Quirks reproduced: an unknown sort or filter field gives 200 with no rows, `total` 0 and no
//! error (§10); booleans in filters may be `true`/`false` or `1`/`0`; `take` is capped at 1000.
//!
//! Layout: the served machinery is the shared [`crate::sandbox::kit`]; this folder holds what
//! is Daktela's: `service` (entry point, routes), `auth` (tokens, login, refresh),
//! `envelope` (answers and errors), `query` (the filter, sort and paging grammar), `seed` (the
//! demo instance) and `sandbox` (its entry).

mod auth;
mod envelope;
mod query;
mod sandbox;
mod seed;
mod service;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use self::auth::Tokens;
use self::service::Shared;
use crate::sandbox::kit::faults::PathScope;
use crate::sandbox::kit::server::{self, Host, Running};

pub use self::sandbox::SANDBOX;
pub use self::seed::{
    ACCOUNT_NAME, ACCOUNT_TITLE, CALL_ACTIVITY, CALL_TRANSCRIPT_TURNS, CALL_WITH_TRANSCRIPT,
    CATEGORY_TITLE, CONTACT_NAME, CONTACT_TITLE, EMAIL_ACTIVITY, EMAIL_WITH_QUOTE, TICKET_TITLE,
    TICKET_WITH_ACTIVITIES, TICKET_WITH_ACTIVITIES_COUNT, TICKETS, TICKETS_ARCHIVE, TICKETS_CLOSE,
    TICKETS_OPEN, TICKETS_WAIT, USER_LOGIN, USER_TITLE,
};
pub use crate::sandbox::kit::SimFault;

/// Fault and request-count prefixes: one starting with `/api/` is matched against the whole
/// path, any other against the part after `/api/v6` (`/tickets.json`). Paths are logged
/// percent-decoded.
const SCOPE: PathScope = PathScope {
    absolute: "/api/",
    root: "/api/v6",
};

/// How to start a simulator.
#[derive(Clone)]
pub struct DaktelaSimOptions {
    pub username: String,
    pub password: String,
    /// An API user's static token, accepted without login (never expires).
    pub static_token: String,
    /// Lifetime of a login's access token (default 3600 s); tokio's clock, so a paused test
    /// can advance it.
    pub token_ttl: Duration,
    /// Load the demo data (see `seed`); without it only the login's user exists.
    pub seed: bool,
}

impl Default for DaktelaSimOptions {
    fn default() -> Self {
        DaktelaSimOptions {
            username: "agent.novak".into(),
            password: "heslo-CANARY".into(),
            static_token: "static-CANARY-token".into(),
            token_ttl: Duration::from_secs(3600),
            seed: true,
        }
    }
}

impl std::fmt::Debug for DaktelaSimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaktelaSimOptions")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("static_token", &"<redacted>")
            .field("token_ttl", &self.token_ttl)
            .field("seed", &self.seed)
            .finish()
    }
}

/// A running simulator; stops serving when dropped.
pub struct DaktelaSim {
    shared: Arc<Host<Shared>>,
    server: Running,
}

impl std::fmt::Debug for DaktelaSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaktelaSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl DaktelaSim {
    /// Binds `127.0.0.1:0` and serves in a tokio task.
    pub async fn start(opts: DaktelaSimOptions) -> std::io::Result<DaktelaSim> {
        let store = seed::instance(opts.seed, &opts.username);
        let tokens = Tokens::new(
            opts.username,
            opts.password,
            opts.static_token,
            opts.token_ttl,
        );
        let (shared, server) = server::start(SCOPE, |_| Shared { tokens, store }).await?;
        Ok(DaktelaSim { shared, server })
    }

    /// The instance root, `http://127.0.0.1:PORT/` (the API is under `api/v6/`).
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.server.addr())
    }

    /// How many requests arrived so far, whatever their answer, whose method matches `method`
    /// (case-insensitive; `*` any) and whose decoded path starts with `path_prefix`, given
    /// whole (`/api/v6/login.json`) or after `/api/v6` (`/tickets`).
    pub fn requests(&self, method: &str, path_prefix: &str) -> usize {
        self.shared.hooks.count(method, path_prefix)
    }

    /// Successful logins (`POST login.json`).
    pub fn logins(&self) -> usize {
        self.shared.tokens.logins()
    }

    /// Successful refreshes (`PUT login.json`).
    pub fn refreshes(&self) -> usize {
        self.shared.tokens.refreshes()
    }

    /// Arms `fault` for the next request matching (method, path prefix as for `requests`).
    /// Faults fire once, in the order armed; a status fault answers before authentication,
    /// with the body given (none: empty), so a 429 needs its envelope passed in.
    pub fn inject(&self, method: &str, path_prefix: &str, fault: SimFault) {
        self.shared.hooks.arm(method, path_prefix, fault);
    }

    /// Every access token issued by a login or refresh so far expires now; refresh tokens
    /// and the static token stay valid.
    pub fn expire_tokens(&self) {
        self.shared.tokens.expire_all();
    }
}
