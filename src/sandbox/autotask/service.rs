//! The Autotask side of every request: zone discovery and version information (no auth, not
//! counted), header authentication (`ApiIntegrationCode`, `UserName`, `Secret`, optional
//! `ImpersonationResourceId`), the tenant's rolling hourly request threshold with its added
//! latency, the per-endpoint thread limit, the JSON content type, `ThresholdInformation`, and
//! then the route.
//!
//! Owns: [`Shared`] (what the served simulator holds), [`Limits`] and the [`Simulator`]
//! implementation. Must not: route or validate entities, or log the secret or bodies.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use tokio::time::Instant;

use super::errors::ApiError;
use super::routes::Req;
use super::store::{Actor, Store};
use crate::sandbox::kit::lock;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::request::content_mime;
use crate::sandbox::kit::server::Simulator;
use crate::sandbox::kit::time::now;

const MAX_BODY: usize = 10 * 1024 * 1024;
/// The threshold reported when the simulator has none.
pub(super) const UNLIMITED_REPORTED: u32 = 10_000;
const HOUR: Duration = Duration::from_secs(3600);
const ROOT: &str = "/atservicesrest/v1.0/";
const UNKNOWN_CODE: &str = "Authentication failed: the ApiIntegrationCode is missing or is not a \
                            valid integration code for this database.";

/// Who may call, and how much.
pub(super) struct Account {
    pub(super) username: String,
    pub(super) secret: String,
    pub(super) integration_code: String,
    pub(super) requests_per_hour: u32,
    pub(super) thread_limit: usize,
}

/// The request threshold, the thread limit and their counters.
#[derive(Default)]
pub(super) struct Limits {
    /// When each counted request of the last hour arrived (tokio's clock).
    hour: Mutex<VecDeque<Instant>>,
    pub(super) other: AtomicU32,
    /// In flight by (integration code, endpoint).
    in_flight: Mutex<HashMap<(String, String), usize>>,
    pub(super) peak: Mutex<HashMap<String, usize>>,
    pub(super) throttled: AtomicUsize,
    pub(super) latency: Mutex<Duration>,
}

/// A request in flight on an endpoint; leaves when dropped.
struct Slot<'a> {
    limits: &'a Limits,
    key: (String, String),
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(n) = lock(&self.limits.in_flight).get_mut(&self.key) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Limits {
    /// Requests of the current hour: this integration's and the others'.
    pub(super) fn usage(&self) -> u32 {
        let mut q = lock(&self.hour);
        let now = Instant::now();
        while q.front().is_some_and(|t| now.duration_since(*t) >= HOUR) {
            q.pop_front();
        }
        u32::try_from(q.len())
            .unwrap_or(u32::MAX)
            .saturating_add(self.other.load(Ordering::SeqCst))
    }

    /// Counts a request, or refuses it at 100 %; the latency the threshold adds.
    fn charge(&self, limit: u32) -> Result<Duration, ApiError> {
        let used = self.usage();
        if limit > 0 && used >= limit {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return Err(ApiError::throttled(format!(
                "The request threshold of {limit} requests per {} minutes has been exceeded. \
                 Please try again later.",
                HOUR.as_secs() / 60
            )));
        }
        lock(&self.hour).push_back(Instant::now());
        let used = f64::from(used + 1);
        let limit = f64::from(limit);
        Ok(match limit {
            0.0 => Duration::ZERO,
            _ if used > 0.75 * limit => Duration::from_millis(1000),
            _ if used > 0.5 * limit => Duration::from_millis(500),
            _ => Duration::ZERO,
        })
    }

    fn enter(&self, code: &str, endpoint: &str, limit: usize) -> Result<Slot<'_>, ApiError> {
        let key = (code.to_ascii_lowercase(), endpoint.to_string());
        let mut map = lock(&self.in_flight);
        let n = map.get(&key).copied().unwrap_or(0);
        if limit > 0 && n >= limit {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return Err(ApiError::throttled(format!(
                "API thread threshold of {limit} threads has been exceeded. \
                 Please try again later."
            )));
        }
        map.insert(key.clone(), n + 1);
        let on_endpoint: usize = map
            .iter()
            .filter(|((_, e), _)| e == endpoint)
            .map(|(_, n)| n)
            .sum();
        let mut peak = lock(&self.peak);
        let p = peak.entry(endpoint.to_string()).or_insert(0);
        *p = (*p).max(on_endpoint);
        Ok(Slot { limits: self, key })
    }
}

/// The simulated tenant as served.
pub(super) struct Shared {
    pub(super) account: Account,
    /// `http://127.0.0.1:PORT`.
    pub(super) origin: String,
    pub(super) limits: Limits,
    pub(super) store: Mutex<Store>,
}

impl Simulator for Shared {
    const NAME: &'static str = "autotask";
    const MAX_BODY: usize = MAX_BODY;
    const JSON_TYPE: &'static str = "application/json; charset=utf-8";

    fn answer(&self, _parts: &Parts, _body: &[u8]) -> Reply {
        // Every request goes through `serve`, which can wait.
        ApiError::invalid("not served synchronously").into_reply()
    }

    async fn serve(&self, parts: &Parts, body: &[u8]) -> Reply {
        self.handle(parts, body)
            .await
            .unwrap_or_else(ApiError::into_reply)
    }

    fn too_large(&self) -> Reply {
        ApiError::Message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.".into(),
        )
        .into_reply()
    }

    fn stamp(&self, _headers: &mut HeaderMap) {}

    /// Lower-cased, as Autotask matches paths: fault and count prefixes are too.
    fn logged_path<'a>(&self, raw: &'a str) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Owned(raw.to_ascii_lowercase())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

impl Shared {
    async fn handle(&self, parts: &Parts, body: &[u8]) -> Result<Reply, ApiError> {
        let path = parts.uri.path();
        let lower = path.to_ascii_lowercase();
        let method = parts.method.as_str();
        let query = Query::parse(parts.uri.query());
        if lower.trim_end_matches('/') == "/atservicesrest/v1.0/zoneinformation" {
            return match method {
                "GET" => self.zone(&query),
                _ => Err(ApiError::not_allowed(method)),
            };
        }
        if lower.trim_end_matches('/') == "/atservicesrest/versioninformation" {
            return Ok(Reply::ok(json!({"apiVersions": ["V1.0"]})));
        }
        let rest = lower
            .strip_prefix(ROOT)
            .ok_or_else(|| ApiError::not_found(path))?;
        let actor = self.authenticate(&parts.headers)?;
        let endpoint = rest.split('/').next().unwrap_or("").to_string();
        let delay = self.limits.charge(self.account.requests_per_hour)?;
        let code = header(&parts.headers, "apiintegrationcode").unwrap_or("");
        let _slot = self
            .limits
            .enter(code, &endpoint, self.account.thread_limit)?;
        let latency = *lock(&self.limits.latency) + delay;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let mime = content_mime(&parts.headers);
        if !body.is_empty() && mime != "application/json" {
            return Err(ApiError::media_type(&mime));
        }
        let original = &path[ROOT.len()..];
        let segs: Vec<&str> = original.trim_end_matches('/').split('/').collect();
        if rest.trim_end_matches('/') == "thresholdinformation" {
            return match method {
                "GET" => Ok(self.threshold()),
                _ => Err(ApiError::not_allowed(method)),
            };
        }
        let base = format!("{}/ATServicesRest/V1.0/", self.origin);
        let req = Req {
            method,
            path,
            query: &query,
            body,
            base: &base,
            actor,
        };
        lock(&self.store).route(&segs, &req)
    }

    fn threshold(&self) -> Reply {
        let limit = match self.account.requests_per_hour {
            0 => UNLIMITED_REPORTED,
            n => n,
        };
        Reply::ok(json!({
            "externalRequestThreshold": limit,
            "requestThresholdTimeframe": HOUR.as_secs() / 60,
            "currentTimeframeRequestCount": self.limits.usage(),
        }))
    }

    fn zone(&self, query: &Query) -> Result<Reply, ApiError> {
        let user = query.get("user").or_else(|| query.get("User"));
        let Some(user) = user.filter(|u| !u.trim().is_empty()) else {
            return Err(ApiError::Errors(
                StatusCode::BAD_REQUEST,
                vec!["The user parameter is required.".into()],
            ));
        };
        if !user.trim().eq_ignore_ascii_case(&self.account.username) {
            return Err(ApiError::Errors(
                StatusCode::NOT_FOUND,
                vec![format!(
                    "Zone information could not be found for user {user}."
                )],
            ));
        }
        Ok(Reply::ok(json!({
            "zoneName": "Sandbox",
            "url": format!("{}/ATServicesRest/", self.origin),
            "webUrl": format!("{}/", self.origin),
            "ci": 0,
        })))
    }

    /// The three headers, then the impersonated resource if any.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Actor, ApiError> {
        let user = header(headers, "username").unwrap_or("");
        let secret = header(headers, "secret");
        if user.is_empty() || secret.is_none() {
            return Err(ApiError::denied());
        }
        if !user.eq_ignore_ascii_case(&self.account.username) {
            return Err(ApiError::invalid(format!(
                "Authentication failed: the user {user} is not a known API user."
            )));
        }
        if secret != Some(self.account.secret.as_str()) {
            return Err(ApiError::denied());
        }
        let code = header(headers, "apiintegrationcode").unwrap_or("");
        if code != self.account.integration_code {
            return Err(ApiError::invalid(UNKNOWN_CODE));
        }
        let store = lock(&self.store);
        let mut actor = Actor {
            resource: store.api_user,
            impersonator: None,
            now: now(),
        };
        if let Some(raw) = header(headers, "impersonationresourceid") {
            match raw.parse::<i64>() {
                Ok(id) if store.active_resource(id) => {
                    actor.resource = id;
                    actor.impersonator = Some(id);
                }
                _ => {
                    return Err(ApiError::invalid(format!(
                        "Impersonation failed: {raw} is not the id of an active resource."
                    )));
                }
            }
        }
        Ok(actor)
    }
}
