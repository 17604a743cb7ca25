//! The Autotask REST transport, plus [`parse_error`]. The typed endpoints are in `api/`.
//!
//! Owns: finding the database's zone (once, cached; `AUTOTASK_BASE_URL` or `AUTOTASK_ZONE`
//! skip it), the three authentication headers (and `ImpersonationResourceId` on writes), JSON
//! bodies, the per-endpoint concurrency gate (Autotask allows 3 concurrent requests per
//! endpoint per integration) and watching the database's hourly threshold
//! (`ThresholdInformation`, at the start and then every [`THRESHOLD_EVERY`] requests, or
//! [`THRESHOLD_EVERY_BUSY`] once more than half of the threshold is used, or
//! [`THRESHOLD_PERIOD`]). Must not: know about MCP, policy or the audit log; log or return the
//! secret or the integration code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::{Mutex, OnceCell};
use tokio::time::Instant;
use url::Url;

use super::config::{AutotaskConfig, Location, rest_base};
use super::models::Threshold;
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

pub(super) const UPSTREAM: &str = "Autotask";
/// The threshold is read again after this many requests...
pub const THRESHOLD_EVERY: u64 = 250;
/// ... or this many once more than half of the threshold is used ...
pub const THRESHOLD_EVERY_BUSY: u64 = 50;
/// ... or this long after it was last read, whichever comes first.
pub const THRESHOLD_PERIOD: Duration = Duration::from_secs(300);

const BAD_SECRET: &str = "Autotask refused the API user's secret (HTTP 401): check \
    AUTOTASK_API_SECRET for AUTOTASK_API_USERNAME";
const BAD_USER_OR_CODE: &str = "Autotask does not know the API user or the integration code \
    (HTTP 500 on authentication): check AUTOTASK_API_USERNAME (an API-only user's username) and \
    AUTOTASK_API_INTEGRATION_CODE (the integration's API tracking identifier)";

/// A client for one Autotask database, shared by every agent session.
pub struct AutotaskClient {
    cfg: AutotaskConfig,
    http: reqwest::Client,
    upstream: Upstream,
    /// The REST base, `.../ATServicesRest/V1.0/`, found once.
    base: OnceCell<Url>,
    /// Requests sent since the threshold was last read, and when it was.
    since_threshold: AtomicU64,
    /// More than half of the threshold was used at the last reading.
    busy: std::sync::atomic::AtomicBool,
    threshold_at: Mutex<Option<Instant>>,
    pub(super) refs: super::store::Refs,
}

impl std::fmt::Debug for AutotaskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutotaskClient")
            .field("username", &self.cfg.username)
            .field("base", &self.base.get().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

/// What the zone discovery endpoint answers (`zoneInformation?user=`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Zone {
    #[serde(default)]
    pub zone_name: Option<String>,
    pub url: String,
    #[serde(default)]
    pub web_url: Option<String>,
}

impl AutotaskClient {
    pub fn new(cfg: AutotaskConfig, limiter: Arc<AccountLimiter>) -> Result<Self> {
        let http = http::build(http::client_builder(cfg.timeout))?;
        let base = match &cfg.location {
            Location::Base(u) => OnceCell::new_with(Some(u.clone())),
            Location::Discover(_) => OnceCell::new(),
        };
        Ok(Self {
            cfg,
            http,
            upstream: Upstream {
                name: UPSTREAM,
                limiter,
            },
            base,
            since_threshold: AtomicU64::new(0),
            busy: std::sync::atomic::AtomicBool::new(false),
            threshold_at: Mutex::new(None),
            refs: super::store::Refs::default(),
        })
    }

    pub fn config(&self) -> &AutotaskConfig {
        &self.cfg
    }

    /// The account's limiter (for `check` and tests).
    pub fn limiter(&self) -> &Arc<AccountLimiter> {
        &self.upstream.limiter
    }

    /// The REST base; the first call asks zone discovery (concurrent first calls share it).
    pub async fn base(&self) -> Result<Url> {
        let url = self
            .base
            .get_or_try_init(|| async {
                let zone = self.discover_zone().await?;
                let url = Url::parse(&zone.url).map_err(|e| {
                    Error::new(
                        ErrorKind::Upstream,
                        format!(
                            "Autotask's zone discovery gave {:?}, not a URL ({e})",
                            zone.url
                        ),
                    )
                })?;
                tracing::info!(zone = zone.zone_name.as_deref().unwrap_or("?"), url = %url,
                    "Autotask zone discovered");
                Ok::<Url, Error>(rest_base(url))
            })
            .await?;
        Ok(url.clone())
    }

    /// `GET zoneInformation?user=USERNAME`: no authentication headers.
    pub async fn discover_zone(&self) -> Result<Zone> {
        let url = match &self.cfg.location {
            Location::Discover(u) => u.clone(),
            Location::Base(u) => u.join("zoneInformation").map_err(|e| {
                Error::internal(format!("cannot build the zone discovery URL: {e}"))
            })?,
        };
        let user = self.cfg.username.clone();
        let reply = http::send(&self.upstream, Idempotency::Read, || {
            self.http
                .get(url.clone())
                .query(&[("user", user.as_str())])
                .header(reqwest::header::ACCEPT, "application/json")
        })
        .await?;
        if !reply.is_success() {
            let why = match reply.status {
                404 | 400 | 500 => format!(
                    "Autotask's zone discovery does not know the user {user:?} (HTTP {}): check \
                     AUTOTASK_API_USERNAME, or set AUTOTASK_ZONE (ww6) or AUTOTASK_BASE_URL",
                    reply.status
                ),
                s => format!(
                    "Autotask's zone discovery at {url} answered HTTP {s}; set AUTOTASK_ZONE \
                     or AUTOTASK_BASE_URL to skip it"
                ),
            };
            return Err(Error::new(ErrorKind::Config, why).with_status(reply.status));
        }
        serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("Autotask's zone discovery answered something unexpected ({e})"),
            )
        })
    }

    /// Sends one request to `path` (relative to the REST base, or an absolute `nextPageUrl`),
    /// and returns its JSON body. `what` names the object in errors.
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value> {
        self.watch_threshold(path).await;
        self.call_unwatched(method, path, body, what).await
    }

    /// [`Self::call`] without the threshold watch (the threshold read itself uses it).
    async fn call_unwatched(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            self.absolute(path).await?
        } else {
            self.base()
                .await?
                .join(path.trim_start_matches('/'))
                .map_err(|e| Error::internal(format!("bad Autotask path {path}: {e}")))?
        };
        let reply = self.send(method.clone(), url, body, endpoint(path)).await?;
        let idempotency = Idempotency::of(&method);
        if !reply.is_success() {
            let e = parse_error(&reply, what);
            // A create that failed with 5xx and no `errors` list may have been committed.
            if idempotency == Idempotency::Create
                && reply.status >= 500
                && e.kind == ErrorKind::Upstream
                && let Some(amb) = http::ambiguous_create(UPSTREAM, idempotency, &reply, what)
            {
                return Err(amb);
            }
            return Err(e);
        }
        if reply.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("Autotask answered {what} with something that is not JSON ({e})"),
            )
            .with_status(reply.status)
        })
    }

    /// A `nextPageUrl` Autotask gave: followed as given, but only on the database's own host.
    async fn absolute(&self, next: &str) -> Result<Url> {
        let url = Url::parse(next).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("Autotask's next page URL is bad ({e})"),
            )
        })?;
        let base = self.base().await?;
        if url.host_str() != base.host_str()
            || url.port_or_known_default() != base.port_or_known_default()
        {
            return Err(Error::new(
                ErrorKind::Upstream,
                format!(
                    "Autotask's next page URL points at another host ({}); not followed",
                    url.host_str().unwrap_or("?")
                ),
            ));
        }
        Ok(url)
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        endpoint: &str,
    ) -> Result<Reply> {
        let idempotency = Idempotency::of(&method);
        let write = idempotency != Idempotency::Read;
        http::send_to(&self.upstream, Some(endpoint), idempotency, || {
            let mut rb = self
                .http
                .request(method.clone(), url.clone())
                .header(
                    "ApiIntegrationCode",
                    self.cfg.integration_code.expose_secret(),
                )
                .header("UserName", &self.cfg.username)
                .header("Secret", self.cfg.secret.expose_secret())
                .header(reqwest::header::ACCEPT, "application/json");
            if write && let Some(id) = self.cfg.impersonation {
                rb = rb.header("ImpersonationResourceId", id.to_string());
            }
            if let Some(b) = body {
                rb = rb.json(b);
            }
            rb
        })
        .await
    }

    /// Reads `ThresholdInformation` when it is due and tells the limiter how much of the
    /// database's hourly threshold is used (by every integration of the tenant).
    async fn watch_threshold(&self, path: &str) {
        if endpoint(path).eq_ignore_ascii_case("ThresholdInformation") {
            return;
        }
        let n = self.since_threshold.fetch_add(1, Ordering::AcqRel);
        let due = {
            let at = self.threshold_at.lock().await;
            at.is_none_or(|t| t.elapsed() >= THRESHOLD_PERIOD) || n >= self.threshold_every()
        };
        if !due {
            return;
        }
        {
            let mut at = self.threshold_at.lock().await;
            // Another caller read it meanwhile.
            if at.is_some_and(|t| t.elapsed() < THRESHOLD_PERIOD)
                && self.since_threshold.load(Ordering::Acquire) < self.threshold_every()
            {
                return;
            }
            *at = Some(Instant::now());
            self.since_threshold.store(0, Ordering::Release);
        }
        match self.threshold().await {
            Ok(t) => self.observe_threshold(&t),
            Err(e) => tracing::warn!(error = %e, "cannot read Autotask's ThresholdInformation"),
        }
    }

    fn threshold_every(&self) -> u64 {
        if self.busy.load(Ordering::Acquire) {
            THRESHOLD_EVERY_BUSY
        } else {
            THRESHOLD_EVERY
        }
    }

    /// Tells the limiter how much of the hourly threshold is used.
    pub fn observe_threshold(&self, t: &Threshold) {
        let busy = u64::from(t.current_timeframe_request_count) * 2
            > u64::from(t.external_request_threshold);
        self.busy.store(busy, Ordering::Release);
        tracing::debug!(
            used = t.current_timeframe_request_count,
            threshold = t.external_request_threshold,
            "Autotask threshold"
        );
        self.upstream.limiter.observe_usage(
            t.current_timeframe_request_count,
            t.external_request_threshold,
        );
    }

    /// `GET ThresholdInformation`.
    pub async fn threshold(&self) -> Result<Threshold> {
        let v = self
            .call_unwatched(
                Method::GET,
                "ThresholdInformation",
                None,
                "the threshold information",
            )
            .await?;
        serde_json::from_value(v).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("Autotask's ThresholdInformation is not as expected ({e})"),
            )
        })
    }

    /// How many requests went out since the threshold was last read (tests).
    pub fn requests_since_threshold(&self) -> u64 {
        self.since_threshold.load(Ordering::Acquire)
    }
}

/// The object endpoint a path belongs to, for the concurrency gate: its first segment
/// (`Tickets/5/Notes` is `Tickets`); for an absolute next-page URL, the segment after `V1.0`.
pub fn endpoint(path: &str) -> &str {
    let rest = match path.find("://") {
        Some(_) => {
            let lower = path.to_ascii_lowercase();
            match lower.find("/v1.0/") {
                Some(i) => &path[i + "/v1.0/".len()..],
                None => path,
            }
        }
        None => path,
    };
    let rest = rest.trim_start_matches('/');
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    &rest[..end]
}

/// Autotask's failure as an error a model can act on. `what` names the object. Autotask sends
/// validation failures as HTTP 500 with `{"errors": [...]}`; the messages name upstream fields,
/// which [`super::models::param_name`] turns into the tools' parameter names.
pub fn parse_error(reply: &Reply, what: &str) -> Error {
    let json: Option<Value> = serde_json::from_str(&reply.body).ok();
    let errors: Vec<String> = json
        .as_ref()
        .and_then(|v| v.get("errors").or_else(|| v.get("Errors")))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| match e {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => {
                        o.get("message").and_then(Value::as_str).map(str::to_string)
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let message = json
        .as_ref()
        .and_then(|v| v.get("Message").or_else(|| v.get("message")))
        .and_then(Value::as_str)
        .map(str::to_string);
    let joined = errors
        .iter()
        .map(|e| super::models::with_param_names(e))
        .collect::<Vec<_>>()
        .join("; ");
    let lower = joined.to_ascii_lowercase();
    let status = reply.status;
    let (kind, text) = match status {
        401 => (ErrorKind::Unauthorized, BAD_SECRET.to_string()),
        403 => (
            ErrorKind::Forbidden,
            format!(
                "Autotask refused access to {what} (HTTP 403): the API user's security level \
                 lacks the permission for this entity{}. Ask an Autotask admin to grant it \
                 (Admin -> Security Levels).",
                if joined.is_empty() {
                    String::new()
                } else {
                    format!(" ({joined})")
                }
            ),
        ),
        404 => (
            ErrorKind::NotFound,
            format!("{what} was not found in Autotask"),
        ),
        405 => (
            ErrorKind::InvalidInput,
            format!(
                "Autotask does not support this operation on {what}: {}",
                message.clone().unwrap_or_else(|| "HTTP 405".into())
            ),
        ),
        415 => (
            ErrorKind::Internal,
            format!("Autotask refused the request body's content type on {what}"),
        ),
        429 => {
            let why = if joined.is_empty() {
                "too many requests".to_string()
            } else {
                joined.clone()
            };
            let when = http::when_to_retry(reply);
            (
                ErrorKind::RateLimited,
                format!("Autotask's limit is reached on {what}: {why}. {when}"),
            )
        }
        500 if is_auth_failure(&lower) => (ErrorKind::Unauthorized, BAD_USER_OR_CODE.to_string()),
        500 if lower.contains("threshold") => (
            ErrorKind::RateLimited,
            format!(
                "Autotask's request threshold is reached on {what}: {joined}. Wait and try again."
            ),
        ),
        400 | 500 if !errors.is_empty() => (
            ErrorKind::InvalidInput,
            format!("Autotask rejected {what}: {joined}"),
        ),
        _ => (
            ErrorKind::Upstream,
            format!(
                "Autotask failed with HTTP {status} on {what}{}; try again later",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
        ),
    };
    Error::new(kind, text).with_status(status)
}

/// Autotask's 500 for an unknown user or integration code.
fn is_auth_failure(lower: &str) -> bool {
    (lower.contains("integration") && (lower.contains("code") || lower.contains("identifier")))
        || lower.contains("username")
        || lower.contains("user name")
        || lower.contains("not authenticated")
        || lower.contains("authentication")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_of_paths() {
        assert_eq!(endpoint("Tickets/5/Notes"), "Tickets");
        assert_eq!(endpoint("/Tickets/query"), "Tickets");
        assert_eq!(endpoint("ThresholdInformation"), "ThresholdInformation");
        assert_eq!(
            endpoint("https://h/ATServicesRest/V1.0/Companies/query/next?paging=x"),
            "Companies"
        );
    }

    #[test]
    fn errors_tell_secret_user_and_validation_apart() {
        let e = parse_error(&Reply::for_test(401, ""), "ticket 5");
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert!(e.message.contains("AUTOTASK_API_SECRET"), "{}", e.message);
        let e = parse_error(
            &Reply::for_test(500, r#"{"errors":["Invalid ApiIntegrationCode."]}"#),
            "ticket 5",
        );
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert!(
            e.message.contains("AUTOTASK_API_INTEGRATION_CODE"),
            "{}",
            e.message
        );
        let e = parse_error(
            &Reply::for_test(
                500,
                r#"{"errors":["Missing Required Field: companyID","Invalid value for queueID."]}"#,
            ),
            "the new ticket",
        );
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message.contains("company") && e.message.contains("queue"),
            "{}",
            e.message
        );
        let e = parse_error(&Reply::for_test(500, "oops"), "the new ticket");
        assert_eq!(e.kind, ErrorKind::Upstream);
        let e = parse_error(&Reply::for_test(403, "{}"), "contact 3");
        assert!(e.message.contains("security level"), "{}", e.message);
    }
}
