//! Routing an authenticated call: `/{App}/{Controller}/{args...}` (app, controller and named
//! action case-insensitive, as PHP class and method names are) and the verb: GET without
//! arguments is the controller's `GetList`, GET with arguments its `Get(args)`, and a first
//! argument naming one of the controller's own methods (`ListAll`, `GetTicketCount`) calls that
//! method. A name the controller lacks is just an argument, so `/Tickets/TicketStatus/ListAll`
//! is `Get("ListAll")`: an empty list.
//!
//! Owns: [`Call`] and the controller table. Must not: authenticate, or implement what an
//! endpoint answers (the modules it calls do).

use super::errors::{
    ApiError, CALL_NOTE_LISTALL, CALL_POST_LISTALL, CALL_SEARCH_POST, CALL_TICKET_LISTALL,
    READ_ONLY, xml_reply,
};
use super::reference::{self, Pick};
use super::store::Store;
use super::{search, tickets};
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;

/// The simulator's own answer to a controller it does not serve.
const UNKNOWN_CONTROLLER: &str = "Unknown controller";

/// An authenticated request to a controller.
pub(super) struct Call<'a> {
    pub(super) method: &'a str,
    /// The route's segments: app, controller, then the arguments.
    pub(super) segments: Vec<&'a str>,
    /// The POST body's form fields (empty for other verbs and for JSON bodies).
    pub(super) form: &'a Query,
    pub(super) search_limit: usize,
}

/// The split of a route into its segments (empty ones, as from a trailing `/`, left out).
pub(super) fn segments(route: &str) -> Vec<&str> {
    route.split('/').filter(|s| !s.is_empty()).collect()
}

/// What the arguments ask of a controller.
enum Action<'a> {
    /// A named method of the controller, with the arguments after its name.
    Named(&'a str, &'a [&'a str]),
    /// `GetList`.
    List,
    /// `Get(args)`.
    Get(&'a [&'a str]),
    /// POST, PUT or DELETE (none served).
    Write,
}

fn action<'a>(method: &str, args: &'a [&'a str], named: &[&'static str]) -> Action<'a> {
    if let Some(first) = args.first()
        && let Some(name) = named.iter().find(|n| n.eq_ignore_ascii_case(first))
        && matches!(method, "GET" | "POST")
    {
        return Action::Named(name, &args[1..]);
    }
    match (method, args) {
        ("GET" | "HEAD", []) => Action::List,
        ("GET" | "HEAD", _) => Action::Get(args),
        _ => Action::Write,
    }
}

/// A reference controller: `GetList` lists all, `Get(id)` the record with that id (if any).
fn reference_list(
    a: Action<'_>,
    store: &Store,
    render: fn(&Store, Pick<'_>) -> String,
) -> Result<String, ApiError> {
    match a {
        Action::List | Action::Named("ListAll", _) => Ok(render(store, Pick::All)),
        Action::Get(args) => Ok(render(store, Pick::Id(arg(args, 0).unwrap_or_default()))),
        Action::Named(..) | Action::Write => Err(ApiError::bad(READ_ONLY)),
    }
}

/// The answer to an authenticated call.
pub(super) fn dispatch(store: &Store, call: &Call<'_>) -> Reply {
    match answer(store, call) {
        Ok(doc) => xml_reply(doc),
        Err(e) => e.into_reply(),
    }
}

/// The `i`th argument, if given.
fn arg<'a>(args: &[&'a str], i: usize) -> Option<&'a str> {
    args.get(i).copied()
}

fn answer(store: &Store, call: &Call<'_>) -> Result<String, ApiError> {
    let seg = &call.segments;
    let app = seg
        .first()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let controller = seg
        .get(1)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let args = seg.get(2..).unwrap_or(&[]);
    let m = call.method;
    match (app.as_str(), controller.as_str()) {
        ("tickets", "ticket") => match action(m, args, &["ListAll", "GetTicketCount"]) {
            Action::Named("ListAll", rest) => {
                // The `email` filter is a POST variable: a GET never has it.
                let email = (m == "POST").then(|| call.form.get("email")).flatten();
                Ok(tickets::list_all(store, rest, email))
            }
            Action::Named(_, rest) => Ok(tickets::count(store, rest)),
            Action::List => Err(ApiError::bad(CALL_TICKET_LISTALL)),
            Action::Get(a) => tickets::get(store, arg(a, 0)),
            Action::Write => Err(ApiError::bad(READ_ONLY)),
        },
        ("tickets", "ticketpost") => match action(m, args, &["ListAll"]) {
            Action::Named(_, rest) => tickets::post_list(store, arg(rest, 0)),
            Action::List => Err(ApiError::bad(CALL_POST_LISTALL)),
            Action::Get(a) => tickets::post_get(store, arg(a, 0), arg(a, 1)),
            Action::Write => Err(ApiError::bad(READ_ONLY)),
        },
        ("tickets", "ticketnote") => match action(m, args, &["ListAll"]) {
            Action::Named(_, rest) => tickets::note_list(store, arg(rest, 0)),
            Action::List => Err(ApiError::bad(CALL_NOTE_LISTALL)),
            Action::Get(a) => tickets::note_get(store, arg(a, 0), arg(a, 1)),
            Action::Write => Err(ApiError::bad(READ_ONLY)),
        },
        ("tickets", "ticketsearch") => match m {
            "POST" => Ok(search::search(store, call.form, call.search_limit)),
            _ => Err(ApiError::bad(CALL_SEARCH_POST)),
        },
        ("tickets", "ticketstatus") => {
            reference_list(action(m, args, &[]), store, reference::statuses)
        }
        ("tickets", "ticketpriority") => {
            reference_list(action(m, args, &[]), store, reference::priorities)
        }
        ("tickets", "tickettype") => reference_list(action(m, args, &[]), store, reference::types),
        ("base", "department") => {
            reference_list(action(m, args, &["ListAll"]), store, reference::departments)
        }
        ("base", "staff") => reference_list(action(m, args, &[]), store, reference::staff),
        ("base", "staffgroup") => {
            reference_list(action(m, args, &[]), store, reference::staffgroups)
        }
        ("base", "user") => reference_list(action(m, args, &[]), store, reference::users),
        _ => Err(ApiError::not_found(UNKNOWN_CONTROLLER)),
    }
}
