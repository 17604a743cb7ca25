//! The Kayako side of every request: the entry point `/api/index.php`, the route taken from the
//! `e` query parameter (or the bare `?/Tickets/...` form), where the authentication parameters
//! are read for each verb, and then the controller.
//!
//! Owns: [`Shared`] (what the served simulator holds), [`route_of`] and the [`Simulator`]
//! implementation, whose logged path is the route so that request counts and fault prefixes
//! see `/Tickets/Ticket/ListAll/...` rather than `/api/index.php`. Must not: log the secret,
//! the signature or bodies, or answer anything a controller answers.

use std::borrow::Cow;

use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};

use super::auth::{self, Credentials};
use super::errors::ApiError;
use super::routes::{self, Call};
use super::store::Store;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::request::content_mime;
use crate::sandbox::kit::server::Simulator;

/// PHP's default `post_max_size`.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// The paths that reach the API's front controller.
const ENTRY: &[&str] = &["/api/index.php", "/api/", "/api"];
/// The simulator's own answer to a request with no route.
const NO_ROUTE: &str = "No route: pass ?e=/App/Controller/...";

/// What the served simulator holds.
pub(super) struct Shared {
    pub(super) api_key: String,
    pub(super) secret: String,
    pub(super) search_limit: usize,
    pub(super) store: Store,
}

/// The route of a query string: the `e` parameter, or the query's first part when it starts
/// with `/` (the "standard URL type", `index.php?/Tickets/Ticket/1&apikey=...`).
pub(super) fn route_of(query: Option<&str>) -> Option<String> {
    let q = query?;
    if q.starts_with('/') {
        let first = q.split('&').next().unwrap_or("");
        let (key, _) = url::form_urlencoded::parse(first.as_bytes()).next()?;
        return Some(key.into_owned());
    }
    Query::parse(Some(q)).get("e").map(str::to_string)
}

impl Shared {
    fn handle(&self, parts: &Parts, body: &[u8]) -> Result<Reply, ApiError> {
        let method = parts.method.as_str();
        let query = Query::parse(parts.uri.query());
        let mime = content_mime(&parts.headers);
        let mut form = Query::parse(None);
        let creds = match method {
            "POST" if mime == "application/json" => Credentials::from_json(body),
            "POST" => {
                if mime == "application/x-www-form-urlencoded" {
                    form = Query::parse(std::str::from_utf8(body).ok());
                }
                Credentials::from_fields(&form)
            }
            _ => Credentials::from_fields(&query),
        };
        auth::check(&creds, &self.api_key, &self.secret)?;
        let route = route_of(parts.uri.query()).ok_or_else(|| ApiError::not_found(NO_ROUTE))?;
        let call = Call {
            method,
            segments: routes::segments(&route),
            form: &form,
            search_limit: self.search_limit,
        };
        Ok(routes::dispatch(&self.store, &call))
    }
}

impl Simulator for Shared {
    const NAME: &'static str = "Kayako";
    const MAX_BODY: usize = MAX_BODY;
    const JSON_TYPE: &'static str = "application/json";

    fn answer(&self, parts: &Parts, body: &[u8]) -> Reply {
        if !ENTRY.contains(&parts.uri.path()) {
            return Reply::raw(
                StatusCode::NOT_FOUND,
                Some("text/html; charset=UTF-8".into()),
                "Not Found",
            );
        }
        self.handle(parts, body)
            .unwrap_or_else(ApiError::into_reply)
    }

    /// PHP drops a body over `post_max_size`, so the request has no salt.
    fn too_large(&self) -> Reply {
        ApiError::Unauthorized(super::errors::NO_SALT).into_reply()
    }

    fn stamp(&self, _headers: &mut HeaderMap) {}

    /// The route (`/Tickets/Ticket/ListAll/1/-1/-1/-1/20/0`) for requests to the entry point.
    fn logged_uri<'a>(&self, uri: &'a Uri) -> Cow<'a, str> {
        match route_of(uri.query()) {
            Some(route) if ENTRY.contains(&uri.path()) => Cow::Owned(route),
            _ => Cow::Borrowed(uri.path()),
        }
    }
}
