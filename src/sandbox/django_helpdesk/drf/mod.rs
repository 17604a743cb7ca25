//! Django REST framework around the API views: [`drf`] runs negotiation, authentication,
//! permissions, OPTIONS and the method check, then the view; [`Api`] renders a response as JSON
//! or as the browsable page and holds the shared shapes of list, detail and write views.
//!
//! Must not: hold a view's own rules (they live in the view files), or answer 401: DRF with
//! these authentication classes answers 403.

pub(super) mod auth;
pub(super) mod negotiation;
mod pagination;
pub(super) mod parsers;
pub(super) mod serializers;
pub(super) mod validation;

use std::collections::BTreeMap;

use axum::http::header::{ALLOW, VARY};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::agent_sessions::{fork_finish, fork_info, fork_set_intent};
use super::attachments::{attachment_create, attachment_detail, attachments_list};
use super::browsable::browsable_page;
use super::followups::{followup_create, followup_detail, followups_list};
use super::http::{Cx, detail, not_found_html};
use super::options::options_view;
use super::routes::Route;
use super::state::Db;
use super::tickets::{ticket_create, ticket_detail, tickets_list};
use super::users::{user_create, user_ticket_detail, user_tickets_list};
use crate::sandbox::kit::reply::{Reply, status as http_status};
use auth::authenticate;
use negotiation::{NOT_ACCEPTABLE, NegotiationError, negotiate};
use pagination::{page_body, paginate};
use parsers::{Parsed, not_a_dict, parse_data};

/// The `Vary` header of every DRF answer.
const VARY_ACCEPT: &str = "Accept, Cookie";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Render {
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perm {
    Public,
    Authenticated,
    Staff,
}

/// One DRF request after negotiation and authentication.
pub(super) struct Api {
    pub(super) render: Render,
    pub(super) route: Route,
    pub(super) name: &'static str,
    pub(super) allow: &'static str,
    pub(super) user: Option<u64>,
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

impl Api {
    /// A DRF `Response`, rendered as JSON or as the browsable API page.
    pub(super) fn reply(&self, db: &Db, cx: &mut Cx, status: u16, body: Value) -> Reply {
        let code = http_status(status);
        let r = match self.render {
            Render::Json if status == 204 => Reply::empty(code),
            Render::Json => Reply::json(code, body),
            Render::Html => Reply::html(code, browsable_page(db, cx, self, status, &body)),
        };
        r.header(ALLOW, self.allow).header(VARY, VARY_ACCEPT)
    }

    pub(super) fn not_found(&self, db: &Db, cx: &mut Cx, model: &str) -> Reply {
        self.reply(
            db,
            cx,
            404,
            detail(&format!("No {model} matches the given query.")),
        )
    }

    /// The row a detail URL names, or DRF's 404: "Not found." when the pk is no integer, else
    /// "No <model> matches the given query.".
    pub(super) fn lookup<T: Clone>(
        &self,
        db: &Db,
        cx: &mut Cx,
        pk: &str,
        model: &str,
        rows: &BTreeMap<u64, T>,
    ) -> Result<T, Reply> {
        let Some(id) = url_pk(pk) else {
            return Err(self.reply(db, cx, 404, detail("Not found.")));
        };
        match u64::try_from(id).ok().and_then(|i| rows.get(&i)) {
            Some(row) => Ok(row.clone()),
            None => Err(self.not_found(db, cx, model)),
        }
    }

    /// `request.data` when it must be a dict, with what else the parsers found; `Err` is the
    /// parser's error or DRF's "Expected a dictionary" answer.
    pub(super) fn object_data(
        &self,
        db: &Db,
        cx: &mut Cx,
    ) -> Result<(Map<String, Value>, Parsed), Reply> {
        let mut parsed = match parse_data(cx) {
            Ok(p) => p,
            Err((status, body)) => return Err(self.reply(db, cx, status, body)),
        };
        match std::mem::take(&mut parsed.data) {
            Value::Object(m) => Ok((m, parsed)),
            other => Err(self.reply(db, cx, 400, not_a_dict(&other))),
        }
    }

    /// A write's validated input: the dict, adjusted by `form_fix` when it came as a form (blank
    /// nullable fields mean null), then the serializer's `validate`; `Err` is the parser's
    /// answer or the 400 with the field errors.
    pub(super) fn validated<T>(
        &self,
        db: &Db,
        cx: &mut Cx,
        form_fix: impl FnOnce(&mut Map<String, Value>),
        validate: impl FnOnce(&Db, &Map<String, Value>) -> Result<T, Map<String, Value>>,
    ) -> Result<(T, Parsed), Reply> {
        let (mut data, parsed) = self.object_data(db, cx)?;
        if parsed.form {
            form_fix(&mut data);
        }
        match validate(db, &data) {
            Ok(input) => Ok((input, parsed)),
            Err(e) => Err(self.reply(db, cx, 400, Value::Object(e))),
        }
    }

    /// One page of `items` (`{count,next,previous,results}`), or 404 "Invalid page.".
    pub(super) fn paged<T>(
        &self,
        db: &Db,
        cx: &mut Cx,
        items: &[T],
        render: impl Fn(&Db, &Cx, &T) -> Value,
    ) -> Reply {
        let count = items.len();
        let Some(p) = paginate(cx, count) else {
            return self.reply(db, cx, 404, detail("Invalid page."));
        };
        let results = items[p.start..p.end]
            .iter()
            .map(|t| render(db, cx, t))
            .collect();
        let body = page_body(&p, count, results);
        self.reply(db, cx, 200, body)
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

/// A primary key from the URL as Django's `int()` reads it; `None` gives DRF's "Not found.".
pub(super) fn url_pk(pk: &str) -> Option<i64> {
    pk.trim().parse::<i64>().ok()
}

/// A detail URL's pk as a row id (`None` when it names no row).
pub(super) fn url_id(pk: &str) -> Option<u64> {
    url_pk(pk).and_then(|i| u64::try_from(i).ok())
}
