//! The API's views: DRF's dispatch of an API route (negotiation, authentication, permissions,
//! OPTIONS, the method check), each route's view name, `Allow` header and permission, the API
//! root, and the view function the route runs.
//!
//! Must not: hold a view's own rules (they live in the view files), or answer 401: DRF with
//! these authentication classes answers 403.

use axum::http::header::{ALLOW, VARY};
use axum::http::{Method, StatusCode};
use serde_json::json;

use super::agent_sessions::{fork_finish, fork_info, fork_set_intent};
use super::attachments::{attachment_create, attachment_detail, attachments_list};
use super::drf::auth::authenticate;
use super::drf::negotiation::{NOT_ACCEPTABLE, NegotiationError, negotiate};
use super::drf::{Api, VARY_ACCEPT};
use super::followups::{followup_create, followup_detail, followups_list};
use super::http::{Cx, detail, not_found_html};
use super::options::options_view;
use super::state::Db;
use super::tickets::{ticket_create, ticket_detail, tickets_list};
use super::urls::Route;
use super::users::{user_create, user_ticket_detail, user_tickets_list};
use crate::sandbox::kit::reply::Reply;

/// Who may use an API route (the view's permission classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perm {
    Public,
    Authenticated,
    Staff,
}

/// `(view name, Allow header, permission)` per DRF route.
fn route_meta(route: &Route) -> (&'static str, &'static str, Perm) {
    const LIST: &str = "GET, POST, HEAD, OPTIONS";
    const DETAIL: &str = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS";
    match route {
        Route::ApiRoot => ("Api Root", "GET, HEAD, OPTIONS", Perm::Public),
        Route::Tickets => ("Ticket List", LIST, Perm::Staff),
        Route::Ticket(_) => ("Ticket Instance", DETAIL, Perm::Staff),
        Route::FollowUps => ("Follow Up List", LIST, Perm::Staff),
        Route::FollowUp(_) => ("Follow Up Instance", DETAIL, Perm::Staff),
        Route::Attachments => ("Follow Up Attachment List", LIST, Perm::Staff),
        Route::Attachment(_) => ("Follow Up Attachment Instance", DETAIL, Perm::Staff),
        Route::Users => ("Create User", "POST, OPTIONS", Perm::Staff),
        Route::UserTickets => (
            "User Ticket List",
            "GET, HEAD, OPTIONS",
            Perm::Authenticated,
        ),
        Route::UserTicket(_) => (
            "User Ticket Instance",
            "GET, HEAD, OPTIONS",
            Perm::Authenticated,
        ),
        Route::ForkInfo => ("Agent Session Info", "GET, OPTIONS", Perm::Authenticated),
        Route::ForkIntent => ("Set Agent Intent", "POST, OPTIONS", Perm::Authenticated),
        Route::ForkFinish => ("Finish Agent Session", "POST, OPTIONS", Perm::Authenticated),
        _ => ("", "", Perm::Staff),
    }
}

/// A DRF view: negotiation, authentication, permissions, OPTIONS, the method check, then the
/// view itself.
pub(super) fn drf(db: &mut Db, cx: &mut Cx, route: Route) -> Reply {
    let (name, allow, perm) = route_meta(&route);
    let render = match negotiate(cx) {
        Ok(r) => r,
        Err(NegotiationError::NotAcceptable) => {
            return Reply::json(StatusCode::NOT_ACCEPTABLE, detail(NOT_ACCEPTABLE))
                .header(ALLOW, allow)
                .header(VARY, VARY_ACCEPT);
        }
        Err(NegotiationError::UnknownFormat) => {
            return Reply::json(StatusCode::NOT_FOUND, detail("Not found."))
                .header(VARY, VARY_ACCEPT);
        }
    };
    let mut api = Api {
        render,
        route: route.clone(),
        name,
        allow,
        user: None,
    };
    match authenticate(db, cx) {
        Ok(u) => api.user = u,
        Err(msg) => return api.reply(db, cx, 403, detail(&msg)),
    }
    let refused = match (perm, api.user) {
        (Perm::Public, _) => None,
        (_, None) => Some("Authentication credentials were not provided."),
        (Perm::Staff, Some(uid)) if !db.is_staff(uid) => {
            Some("You do not have permission to perform this action.")
        }
        _ => None,
    };
    if let Some(msg) = refused {
        return api.reply(db, cx, 403, detail(msg));
    }
    if cx.method == Method::OPTIONS {
        return options_view(db, cx, &api);
    }
    let allowed = allow.split(", ").any(|m| m == cx.method.as_str());
    if !allowed {
        let msg = format!("Method \"{}\" not allowed.", cx.method);
        return api.reply(db, cx, 405, detail(&msg));
    }
    let read = matches!(cx.method, Method::GET | Method::HEAD);
    match (&route, read) {
        (Route::ApiRoot, _) => {
            let body = json!({
                "tickets": cx.absolute("/api/tickets/"),
                "user_tickets": cx.absolute("/api/user_tickets/"),
                "followups": cx.absolute("/api/followups/"),
                "followups-attachments": cx.absolute("/api/followups-attachments/"),
                "users": cx.absolute("/api/users/"),
            });
            api.reply(db, cx, 200, body)
        }
        (Route::Tickets, true) => tickets_list(db, cx, &api),
        (Route::Tickets, false) => ticket_create(db, cx, &api),
        (Route::Ticket(pk), _) => ticket_detail(db, cx, &api, pk),
        (Route::FollowUps, true) => followups_list(db, cx, &api),
        (Route::FollowUps, false) => followup_create(db, cx, &api),
        (Route::FollowUp(pk), _) => followup_detail(db, cx, &api, pk),
        (Route::Attachments, true) => attachments_list(db, cx, &api),
        (Route::Attachments, false) => attachment_create(db, cx, &api),
        (Route::Attachment(pk), _) => attachment_detail(db, cx, &api, pk),
        (Route::Users, _) => user_create(db, cx, &api),
        (Route::UserTickets, _) => user_tickets_list(db, cx, &api),
        (Route::UserTicket(pk), _) => user_ticket_detail(db, cx, &api, pk),
        (Route::ForkInfo, _) => fork_info(db, cx, &api),
        (Route::ForkIntent, _) => fork_set_intent(db, cx, &api),
        (Route::ForkFinish, _) => fork_finish(db, cx, &api),
        _ => not_found_html(),
    }
}
