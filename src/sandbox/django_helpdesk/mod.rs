//! Stateful simulator of django-helpdesk 2.6.1 (Django 5.2, Django REST framework 3.18), plus the
//! dolthub fork's agent-session endpoints, served by axum on 127.0.0.1. The product's sandbox mode
//! points its django-helpdesk client here so newcomers can try agent sessions without installing
//! django-helpdesk; its unit tests use it too (the integration tests keep using the real server).
//!
//! Owns: every behaviour the product's client relies on, reproduced from the reference notes
//! (`django-helpdesk.md`) and the upstream source:
//! - Django's session login with its CSRF rules: `csrftoken` cookie (32-char secret), masked
//!   64-char form token, the secret rotating at login, `X-CSRFToken` on unsafe API calls, the
//!   `Origin` check, and 403 HTML pages from non-DRF views; `POST /logout/` only.
//! - DRF auth (Session, then Basic, then Token; 403, never 401), `IsAdminUser`-style staff checks,
//!   content negotiation (406, the browsable HTML page with the ticket form's `<select>`s that the
//!   client reads queues and users from), parsers (415, JSON parse errors), pagination
//!   (`{count,next,previous,results}`, "Invalid page."), field validation messages, 301 to the
//!   slash path, HTML 404/500 pages outside the router.
//! - Tickets created through helpdesk's TicketForm (always Open, the "Ticket Opened" follow-up,
//!   the 500 for a missing `description`), plain PUT/PATCH, cascading DELETE; follow-ups through
//!   `update_ticket()` (status change and title suffix, rename, resolution, e-mail recipients, the
//!   comment rendered as a Django template with `{% %}` kept verbatim); attachments (extension
//!   allow-list, served under `/media/`); `/api/users/` (create only) and `/api/user_tickets/`.
//! - The UI's session-only `datatables_ticket_list` JSON view with its filter allow-list.
//! - The fork's `agent-session-info`, `set-agent-intent` and `finish-agent-session` (switchable
//!   with [`DjangoSimOptions::fork`]), branch names `<username>-<8 chars>` kept in the HTTP
//!   session.
//! - Deterministic demo data ([`DjangoSimOptions::seed`]) and a request log for tests (the
//!   kit's, with decoded paths).
//!
//! Must not: be referenced by a backend client (clients only ever see its base URL), listen
//! anywhere but loopback, persist anything (all state lives in memory and dies with the
//! [`DjangoSim`]), or fix the upstream's quirks: what the real server does wrong (403 instead of
//! 401, a 500 for a missing `description`, `?status=Open` silently ignored, comments rendered as
//! templates) is reproduced, because the product has to cope with it. Request input never panics
//! the simulator: bad input gets the status the real server gives.
//!
//! Layout: this file is the public API; the generic plumbing (loopback server, request log,
//! [`Reply`](crate::sandbox::kit::reply::Reply), query strings, random strings) is the shared
//! [`crate::sandbox::kit`]. Here, in layers where a file imports only the ones below it:
//! - ground: `state` (the database and its options), `dates`, `encoding`, `urls` (the URLconf's
//!   routes and pks), `csrf` (the tokens), `multipart` (form bodies); on the database, `seed`
//!   (the demo data) and `templates` (the comment template engine).
//! - `http`, Django's request cycle (the parsed request, sessions, cookies, error pages), and
//!   `csrf_check`, the CSRF middleware's checks.
//! - `drf`, what Django REST framework adds (negotiation, auth, parsers, pagination,
//!   validation, serializers, the browsable page).
//! - one file per view family.
//! - `api`, DRF's dispatch and which view each API route runs; `routes`, the served instance
//!   and the middleware stack; this file; `sandbox`, its entry in the sandbox.
//!
//! The folder `templates/` holds the HTML pages and field metadata the views fill in.

mod agent_sessions;
mod api;
mod attachments;
mod csrf;
mod csrf_check;
mod datatables;
mod dates;
mod drf;
mod encoding;
mod followups;
mod http;
mod multipart;
mod options;
mod routes;
mod sandbox;
mod seed;
mod state;
mod templates;
mod tickets;
mod urls;
mod users;
mod views;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use crate::sandbox::kit::faults::PathScope;
use crate::sandbox::kit::lock;
use crate::sandbox::kit::server::{self, Host, Running};
use crate::sandbox::kit::text::random_string;
use dates::now;
use routes::Instance;
pub use sandbox::SANDBOX;
use state::Db;
pub use state::{DjangoSimOptions, DjangoSimUser};

/// Alphabet of DRF token keys.
const TOKEN_CHARS: &[u8] = b"0123456789abcdef";

/// A running simulator. Dropping it stops serving.
pub struct DjangoSim {
    server: Running,
    /// The served instance, with the kit's request log.
    host: Arc<Host<Instance>>,
    /// The database `host` serves, locked directly by the inspection methods.
    db: Arc<Mutex<Db>>,
}

impl std::fmt::Debug for DjangoSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoSim")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl DjangoSim {
    /// Binds 127.0.0.1 on a free port and starts serving. Users get ids 1, 2, ... in order.
    pub async fn start(
        opts: DjangoSimOptions,
        users: Vec<DjangoSimUser>,
    ) -> std::io::Result<DjangoSim> {
        let mut db = Db::new(opts, users);
        if opts.seed {
            seed::seed(&mut db, now());
        }
        let db = Arc::new(Mutex::new(db));
        let instance = Instance {
            db: Arc::clone(&db),
        };
        let (host, server) = server::start(PathScope::WHOLE, |_| instance).await?;
        Ok(DjangoSim { server, host, db })
    }

    /// The helpdesk root, `http://127.0.0.1:PORT/` (where `/login/` and `/api/` live).
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.server.addr())
    }
    /// A DRF token for that user (get-or-create, like `Token.objects.get_or_create`). For an
    /// unknown username the token is not registered, so the server answers "Invalid token.".
    pub fn add_token(&self, username: &str) -> String {
        let mut db = lock(&self.db);
        let Some(uid) = db.user_by_name(username).map(|u| u.id) else {
            return random_string(40, TOKEN_CHARS);
        };
        if let Some((key, _)) = db.tokens.iter().find(|(_, u)| **u == uid) {
            return key.clone();
        }
        let key = random_string(40, TOKEN_CHARS);
        db.tokens.insert(key.clone(), uid);
        key
    }

    /// Deletes that user's server-side HTTP sessions (as an expiry or an admin would); their
    /// `sessionid` cookies stop working. Returns how many were deleted.
    pub fn delete_sessions(&self, username: &str) -> usize {
        let mut db = lock(&self.db);
        let Some(uid) = db.user_by_name(username).map(|u| u.id) else {
            return 0;
        };
        let before = db.sessions.len();
        db.sessions.retain(|_, s| s.user != Some(uid));
        before - db.sessions.len()
    }

    /// How many tickets exist now.
    pub fn ticket_count(&self) -> usize {
        lock(&self.db).tickets.len()
    }

    /// How many requests were received with this method (case-insensitive; `*` or empty for
    /// any) on a path starting with `path_prefix` (decoded, without the query string).
    pub fn requests(&self, method: &str, path_prefix: &str) -> usize {
        let method = if method.is_empty() { "*" } else { method };
        self.host.hooks.count(method, path_prefix)
    }

    /// The fork's `AgentAccessControlMiddleware` (agents limited to `/api/`, `/login/`,
    /// `/logout/`; elsewhere 403, and logged out unless the request wants JSON). Off by default
    /// so the sandbox's filtered listing (the datatables view) works for agent accounts; only
    /// meaningful with `fork`.
    pub fn set_agent_access_control(&self, enabled: bool) {
        lock(&self.db).agent_access_control = enabled;
    }

    /// The agent sessions finished through `/api/finish-agent-session/`, oldest first, as
    /// `(username, branch_name, intent)`: what the fork hands to its `FinishSession` procedure.
    pub fn finished_agent_sessions(&self) -> Vec<(String, Option<String>, Option<String>)> {
        lock(&self.db).finished.clone()
    }
}
