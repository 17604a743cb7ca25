//! The Freshdesk side of every request: the rate budget and its headers, Basic auth with
//! `apikey:X`, `Accept` negotiation, then the route; and the headers every answer carries.
//!
//! Owns: [`Shared`] (what the served simulator holds) and its [`Simulator`] implementation:
//! the cost of a request (1 + one per `include`), `X-Ratelimit-*` headers, 401/406/413 bodies,
//! `X-Freshdesk-Api-Version` and `X-Request-Id`.
//! Must not: route or validate resources (`routes` and the resource files do), or log the API
//! key or request bodies.

use std::sync::Mutex;

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use super::errors::{ApiError, code_reply, rate_limited};
use super::routes::{Ctx, Req};
use super::state::Store;
use crate::sandbox::kit::lock;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::rate::{Charge, RateWindow};
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::request::{accepts_json, basic_credentials};
use crate::sandbox::kit::server::Simulator;
use crate::sandbox::kit::time::now;

/// Longest request body read (Freshdesk's own limit is 20 MB with attachments).
const MAX_BODY: usize = 20 * 1024 * 1024;
const NOT_LOGGED_IN: &str = "You have to be logged in to perform this action.";
const JSON_ONLY: &str = "Only application/json is supported in the Accept header";

/// The simulated account as served.
pub(super) struct Shared {
    pub(super) api_key: String,
    pub(super) base_url: String,
    pub(super) rate: RateWindow,
    pub(super) store: Mutex<Store>,
}

impl Simulator for Shared {
    const NAME: &'static str = "freshdesk";
    const MAX_BODY: usize = MAX_BODY;
    const JSON_TYPE: &'static str = "application/json; charset=utf-8";

    fn answer(&self, parts: &Parts, body: &[u8]) -> Reply {
        self.process(&parts.method, &parts.uri, &parts.headers, body)
    }

    fn too_large(&self) -> Reply {
        code_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_size",
            "The request body is too large",
        )
    }

    fn stamp(&self, headers: &mut HeaderMap) {
        headers.insert(
            HeaderName::from_static("x-freshdesk-api-version"),
            HeaderValue::from_static("latest=v2; requested=v2"),
        );
        if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert(HeaderName::from_static("x-request-id"), v);
        }
    }
}

/// The `X-Ratelimit-*` headers of a charged request.
fn limit_headers(c: Charge) -> Vec<(HeaderName, String)> {
    vec![
        (
            HeaderName::from_static("x-ratelimit-total"),
            c.total.to_string(),
        ),
        (
            HeaderName::from_static("x-ratelimit-remaining"),
            c.remaining.to_string(),
        ),
        (
            HeaderName::from_static("x-ratelimit-used-currentrequest"),
            c.cost.to_string(),
        ),
    ]
}

impl Shared {
    fn process(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Reply {
        let query = Query::parse(uri.query());
        let includes = query
            .get("include")
            .map(|v| v.split(',').filter(|s| !s.trim().is_empty()).count())
            .unwrap_or(0);
        let cost = 1 + u32::try_from(includes).unwrap_or(u32::MAX - 1);
        let limits = match self.rate.charge(cost) {
            Ok(c) => limit_headers(c),
            Err(wait) => return rate_limited(wait),
        };
        let mut reply = self
            .dispatch(method, uri.path(), &query, headers, body)
            .unwrap_or_else(ApiError::into_reply);
        reply.headers.extend(limits);
        reply
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        basic_credentials(headers).is_some_and(|(user, pass)| user == self.api_key && pass == "X")
    }

    fn dispatch(
        &self,
        method: &Method,
        path: &str,
        query: &Query,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Reply, ApiError> {
        if !self.authorized(headers) {
            return Err(ApiError::code(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                NOT_LOGGED_IN,
            ));
        }
        if !accepts_json(headers) {
            return Err(ApiError::code(
                StatusCode::NOT_ACCEPTABLE,
                "invalid_accept_header",
                JSON_ONLY,
            ));
        }
        let ctx = Ctx {
            base: &self.base_url,
            path,
            now: now(),
        };
        let req = Req {
            method: method.as_str(),
            query,
            headers,
            body,
        };
        lock(&self.store).route(&ctx, &req)
    }
}
