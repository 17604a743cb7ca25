//! The URLconf and the middleware stack: which view a path goes to, `APPEND_SLASH`'s 301, the
//! fork's middlewares, and CSRF for the plain Django views.
//!
//! Must not: answer a request itself beyond the redirect and 404 the stack gives; the views
//! do.

use std::sync::LazyLock;

use regex::Regex;

use super::agent_sessions::fork_middleware;
use super::csrf::{csrf_failure_page, csrf_protect};
use super::datatables::datatables_view;
use super::drf::drf;
use super::http::{Cx, not_found_html};
use super::state::Db;
use super::views::{dashboard_view, home_view, login_view, logout_view, media_view};
use crate::sandbox::kit::reply::Reply;

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
fn resolve(path: &str, fork: bool) -> Option<Route> {
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

/// The middleware stack and the URLconf: fork middlewares, APPEND_SLASH, CSRF for plain views.
pub(super) fn dispatch(db: &mut Db, cx: &mut Cx) -> Reply {
    if db.opts.fork
        && let Some(r) = fork_middleware(db, cx)
    {
        return r;
    }
    let Some(route) = resolve(&cx.path, db.opts.fork) else {
        // CommonMiddleware's APPEND_SLASH, for every method.
        if !cx.path.ends_with('/') && resolve(&format!("{}/", cx.path), db.opts.fork).is_some() {
            let mut location = format!("{}/", cx.raw_path);
            if let Some(q) = &cx.raw_query {
                location.push('?');
                location.push_str(q);
            }
            return Reply::redirect(301, &location);
        }
        return not_found_html();
    };
    match route {
        Route::Home | Route::Dashboard | Route::Login | Route::Logout | Route::Media(_) => {
            // Plain Django views go through CsrfViewMiddleware.
            if let Err(reason) = csrf_protect(cx) {
                return csrf_failure_page(reason == "CSRF cookie not set.");
            }
            match route {
                Route::Home => home_view(db, cx),
                Route::Dashboard => dashboard_view(db, cx),
                Route::Login => login_view(db, cx),
                Route::Logout => logout_view(db, cx),
                Route::Media(p) => media_view(db, cx, &p),
                _ => not_found_html(),
            }
        }
        Route::Datatables(q) => datatables_view(db, cx, &q),
        other => drf(db, cx, other),
    }
}
