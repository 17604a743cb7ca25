//! The URLconf: the views a path can name ([`Route`]), which one a decoded path resolves to,
//! and the primary key a detail URL carries as Django's `int()` reads it.
//!
//! Must not: answer a request or look at anything but the path (the middlewares and views in
//! [`super::routes`] do the rest).

use std::sync::LazyLock;

use regex::Regex;

/// A view of the URLconf, with the part of the path it captures.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Route {
    Home,
    Dashboard,
    Login,
    Logout,
    Media(String),
    ApiRoot,
    Tickets,
    Ticket(String),
    FollowUps,
    FollowUp(String),
    Attachments,
    Attachment(String),
    Users,
    UserTickets,
    UserTicket(String),
    ForkInfo,
    ForkIntent,
    ForkFinish,
    Datatables(String),
}

static B64_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
        .expect("a valid regex")
});

/// The URLconf: which view a decoded path goes to (`None` is a 404).
pub(super) fn resolve(path: &str, fork: bool) -> Option<Route> {
    let fixed = match path {
        "/" => Some(Route::Home),
        "/dashboard/" => Some(Route::Dashboard),
        "/login/" => Some(Route::Login),
        "/logout/" => Some(Route::Logout),
        "/api/" => Some(Route::ApiRoot),
        "/api/tickets/" => Some(Route::Tickets),
        "/api/followups/" => Some(Route::FollowUps),
        "/api/followups-attachments/" => Some(Route::Attachments),
        "/api/users/" => Some(Route::Users),
        "/api/user_tickets/" => Some(Route::UserTickets),
        "/api/agent-session-info/" if fork => Some(Route::ForkInfo),
        "/api/set-agent-intent/" if fork => Some(Route::ForkIntent),
        "/api/finish-agent-session/" if fork => Some(Route::ForkFinish),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    if let Some(q) = path.strip_prefix("/datatables_ticket_list/") {
        return B64_PATH
            .is_match(q)
            .then(|| Route::Datatables(q.to_string()));
    }
    if let Some(p) = path.strip_prefix("/media/") {
        return Some(Route::Media(p.to_string()));
    }
    type MakeRoute = fn(String) -> Route;
    let details: [(&str, MakeRoute); 4] = [
        ("/api/tickets/", Route::Ticket),
        ("/api/followups/", Route::FollowUp),
        ("/api/followups-attachments/", Route::Attachment),
        ("/api/user_tickets/", Route::UserTicket),
    ];
    for (prefix, make) in details {
        if let Some(pk) = path.strip_prefix(prefix).and_then(|r| r.strip_suffix('/'))
            && !pk.is_empty()
            && !pk.contains('/')
            && !pk.contains('.')
        {
            return Some(make(pk.to_string()));
        }
    }
    None
}

/// A primary key from the URL as Django's `int()` reads it; `None` gives DRF's "Not found.".
pub(super) fn url_pk(pk: &str) -> Option<i64> {
    pk.trim().parse::<i64>().ok()
}

/// A detail URL's pk as a row id (`None` when it names no row).
pub(super) fn url_id(pk: &str) -> Option<u64> {
    url_pk(pk).and_then(|i| u64::try_from(i).ok())
}
