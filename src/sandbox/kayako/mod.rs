//! Kayako Classic (v4, "SWIFT") REST API simulator: a stateful fake of
//! `https://{host}/api/index.php?e=/...` served by axum on `127.0.0.1`, for the Kayako
//! backend's tests and the product's sandbox mode.
//!
//! Owns: the behaviour of the Kayako Classic reference notes (§8, with the corrections of
//! §10): the route from the `e` query parameter or the bare `?/Tickets/...` form, verb to
//! action (`GetList`, `Get(args)`, named `ListAll`/`GetTicketCount`); authentication by
//! `apikey`, `salt` and `signature` = base64(HMAC-SHA256(secret, salt)) from the query (GET,
//! DELETE, PUT) or the POST body (form fields, or a JSON object that authenticates but whose
//! fields are not read), with 401 `NO SALT PROVIDED!` / `FAILED TO AUTHENTICATE` not labelled
//! `text/xml`; XML answers as `SWIFT_XML` writes them (`text/xml`, CDATA values, `]]>` split,
//! self-closing empty values, parent tags always written, control characters stripped,
//! attributes HTML-escaped); plain-text 400/404 errors with the reference's messages;
//! `Tickets/Ticket` (`ListAll` with its filters, paging and sort whitelist, `GetTicketCount`,
//! one ticket by numeric or display id with its posts and notes), `Tickets/TicketPost`
//! (`ListAll` by internal id only, format characters stripped there), `Tickets/TicketNote`,
//! `Tickets/TicketSearch` (POST only, flags, union, capped), `Tickets/TicketStatus`,
//! `TicketPriority`, `TicketType`, `Base/Department`, `Base/Staff`, `Base/StaffGroup` and
//! `Base/User` (an unknown id is an empty list); seeded, deterministic demo data (`seed`);
//! request counting and fault injection keyed on the route.
//!
//! Must not: listen anywhere but loopback, call out to the network, log request bodies, the
//! secret or signatures, panic on anything a request carries, or be used by a backend client
//! in a production path (clients only see [`KayakoSim::base_url`]).
//!
//! Deliberate simplifications (tests should not rely on them): read-only, so after
//! authenticating every POST, PUT and DELETE answers 400 `Not Implemented (the simulator is
//! read-only)`, but a POST to `TicketSearch` or to a named action (`ListAll`,
//! `GetTicketCount`); no attachments (`hasattachments` 0), custom fields, time tracking, user
//! or organisation notes, or `Base/UserOrganization`, `UserGroup` and `UserSearch`; one API
//! key; no HTTP 403 for a disabled API; multipart bodies are not read (so they carry no
//! salt); a form body is read only with `Content-Type: application/x-www-form-urlencoded`; a
//! body over PHP's default `post_max_size` (8 MB) is dropped, as PHP does, so it has no salt.
//!
//! Choices the reference leaves open: `ListAll` with no known department lists nothing; a
//! missing `count`, or one of 0 or below, lists all; a missing or negative `start` is 0; sort
//! ties keep ticket id order (ascending) and text sorts ignore case; `TicketNote/ListAll`
//! takes the internal id as `TicketPost/ListAll` does; `TicketNote/$ticketid$/$noteid$`
//! answers `Ticket Note not Found` and `Note does not belong to the specified ticket`; a search
//! without a query finds nothing, and matching is as `search` describes; an unknown controller
//! is 404 `Unknown controller`, a request without a route 404, and a path other than
//! `/api/index.php` a plain 404; an unknown user id is an empty list, like an unknown staff id.
//!
//! Layout: the served machinery is the shared [`crate::sandbox::kit`]; this folder holds what is
//! Kayako's: `service` (entry point, route, where credentials are read), `auth` (the
//! signature), `routes` (controllers and verbs), `tickets` and `search` (what the ticket
//! endpoints answer), `reference` (statuses, priorities, types, departments, staff, users),
//! `render` and `xml` (the documents), `errors`, `store` (the records), `seed` (the demo data)
//! and `sandbox` (its entry).

mod auth;
mod errors;
mod reference;
mod render;
mod routes;
mod sandbox;
mod search;
mod seed;
mod service;
mod store;
mod tickets;
mod xml;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use self::service::Shared;
use crate::sandbox::kit::faults::PathScope;
use crate::sandbox::kit::server::{self, Host, Running};

pub use self::sandbox::SANDBOX;
pub use self::seed::{
    CDATA_TICKET, CONTROL_TICKET, CZECH_TICKET, DEPARTMENT_BILLING, DEPARTMENT_GENERAL,
    DEPARTMENT_HARDWARE, DEPARTMENT_LIVECHAT, EMOJI_TICKET, FIRST_CREATED, JAPANESE_TICKET,
    LARGE_POST_BYTES, LARGE_TICKET, MARKUP_TICKET, NUMERIC_SUBJECT_TICKET, STATUS_AWAITING_PARTS,
    STATUS_CLOSED, STATUS_IN_PROGRESS, STATUS_OPEN, TICKET_WITH_POSTS,
    TICKET_WITH_POSTS_DISPLAY_ID, TICKET_WITH_POSTS_POSTS, TICKETS, USER_NAMED_TRUE, texts,
};
pub use crate::sandbox::kit::SimFault;

/// How to start a simulator.
#[derive(Clone)]
pub struct KayakoSimOptions {
    /// The accepted `apikey`.
    pub api_key: String,
    /// The secret key signatures are made with.
    pub secret: String,
    /// Load the demo users and tickets (see `seed`).
    pub seed: bool,
    /// The helpdesk's search result limit (`t_resultlimit`): most tickets a search answers.
    pub search_result_limit: usize,
}

impl Default for KayakoSimOptions {
    fn default() -> Self {
        KayakoSimOptions {
            api_key: "sim-api-key".into(),
            secret: "sim-secret".into(),
            seed: true,
            search_result_limit: 50,
        }
    }
}

impl std::fmt::Debug for KayakoSimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KayakoSimOptions")
            .field("api_key", &self.api_key)
            .field("secret", &"<redacted>")
            .field("seed", &self.seed)
            .field("search_result_limit", &self.search_result_limit)
            .finish()
    }
}

/// A running simulator; stops serving when dropped.
pub struct KayakoSim {
    shared: Arc<Host<Shared>>,
    server: Running,
}

impl std::fmt::Debug for KayakoSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KayakoSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl KayakoSim {
    /// Binds `127.0.0.1:0` and serves in a tokio task.
    pub async fn start(opts: KayakoSimOptions) -> std::io::Result<KayakoSim> {
        let store = seed::helpdesk(opts.seed);
        let (shared, server) = server::start(PathScope::WHOLE, |_| Shared {
            api_key: opts.api_key,
            secret: opts.secret,
            search_limit: opts.search_result_limit,
            store,
        })
        .await?;
        Ok(KayakoSim { shared, server })
    }

    /// `http://127.0.0.1:PORT/api/index.php` (add `?e=/Tickets/...&apikey=...`).
    pub fn base_url(&self) -> String {
        format!("http://{}/api/index.php", self.server.addr())
    }

    /// How many requests arrived so far, whatever their verb and answer, whose route (the `e`
    /// value, `/Tickets/Ticket/ListAll/1/-1/-1/-1/20/0`) starts with `prefix` (case-sensitive,
    /// as sent); a request to another path counts by its path.
    pub fn requests(&self, prefix: &str) -> usize {
        self.shared.hooks.count("*", prefix)
    }

    /// The same, for one verb (`GET`, `POST`; case-insensitive).
    pub fn requests_by(&self, method: &str, prefix: &str) -> usize {
        self.shared.hooks.count(method, prefix)
    }

    /// Arms `fault` for the next request, whatever its verb and route.
    pub fn inject(&self, fault: SimFault) {
        self.inject_at("*", "", fault);
    }

    /// Arms `fault` for the next request whose verb matches `method` (case-insensitive; `*`
    /// matches any) and whose route starts with `route_prefix` (`/Tickets/TicketSearch`).
    /// Faults fire once, in the order armed.
    pub fn inject_at(&self, method: &str, route_prefix: &str, fault: SimFault) {
        self.shared.hooks.arm(method, route_prefix, fault);
    }
}
