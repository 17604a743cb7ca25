//! The Daktela v6 HTTP transport, plus [`parse_error`]. The typed endpoints are in `api.rs`,
//! the bracket query syntax in `query.rs`.
//!
//! Owns: the token. With a login, one `POST login.json` per process and identity; the token is
//! reused, refreshed (`PUT login.json` with the refresh token, once) before it is
//! [`TOKEN_LIFETIME`] old minus [`REFRESH_MARGIN`] on tokio's monotonic clock (no wall-clock
//! or time-zone arithmetic), and renewed once more when Daktela answers 401; concurrent callers
//! wait for one login (single flight). A static token is sent as it is and never logs in. The
//! token goes in the `X-AUTH-TOKEN` header, never in the query string. Also the envelope
//! (`error`, `result`, `_time`) and the account's cached reference data.
//! Must not: know about MCP, policy or the audit log; log or return the password or a token.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::config::{Credentials, DaktelaConfig};
use super::models::Refs;
use crate::backends::cache::Cached;
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

const UPSTREAM: &str = "Daktela";
/// How long Daktela's login tokens live (not documented; Daktela's own MCP server assumes an
/// hour).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// How long before that the token is refreshed.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// How long queues, users, groups, statuses, pauses, categories and templates are reused.
pub const REFS_TTL: Duration = Duration::from_secs(300);

/// A login's tokens and when they were issued.
struct Session {
    access: SecretString,
    refresh: Option<SecretString>,
    issued: Instant,
}

/// A client for one Daktela instance and identity.
pub struct DaktelaClient {
    cfg: DaktelaConfig,
    api: Url,
    upstream: Upstream,
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
    refs: Cached<Refs>,
}

impl std::fmt::Debug for DaktelaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaktelaClient")
            .field("api", &self.api.as_str())
            .finish_non_exhaustive()
    }
}

/// A list's page: its records and the total of all matches.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub data: Vec<Value>,
    pub total: u64,
}

impl DaktelaClient {
    pub fn new(cfg: DaktelaConfig, limiter: Arc<AccountLimiter>) -> Result<Self> {
        let api = cfg
            .base_url
            .join("api/v6/")
            .map_err(|e| Error::config(format!("Daktela URL: {e}")))?;
        let http = http::build(http::client_builder(cfg.timeout))?;
        Ok(Self {
            cfg,
            api,
            upstream: Upstream {
                name: UPSTREAM,
                limiter,
            },
            http,
            session: Mutex::new(None),
            refs: Cached::new(REFS_TTL),
        })
    }

    /// The instance root, for links to the web UI.
    pub fn base_url(&self) -> &Url {
        &self.cfg.base_url
    }

    /// `model/name.json` segments as a URL; each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.api.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| Error::internal("the Daktela URL cannot take a path"))?;
            path.pop_if_empty();
            let last = segments.len().saturating_sub(1);
            for (i, s) in segments.iter().enumerate() {
                if i == last {
                    path.push(&format!("{s}.json"));
                } else {
                    path.push(s);
                }
            }
        }
        Ok(url)
    }

    /// The access token to send: the static one, or the login's (logging in or refreshing
    /// first when needed). `failed` is a token Daktela just refused (401): it is renewed,
    /// unless another caller renewed it meanwhile.
    async fn token(&self, failed: Option<&SecretString>) -> Result<SecretString> {
        let (username, password) = match &self.cfg.credentials {
            Credentials::Static(t) => return Ok(t.clone()),
            Credentials::Login { username, password } => (username, password),
        };
        let mut slot = self.session.lock().await;
        if let Some(s) = slot.as_ref() {
            let refused = failed.is_some_and(|f| f.expose_secret() == s.access.expose_secret());
            if !refused && s.issued.elapsed() + REFRESH_MARGIN < TOKEN_LIFETIME {
                return Ok(s.access.clone());
            }
        }
        let refreshed = match slot.as_ref().and_then(|s| s.refresh.clone()) {
            Some(refresh) => self
                .exchange(
                    Method::PUT,
                    json!({"refreshToken": refresh.expose_secret()}),
                )
                .await
                .ok(),
            None => None,
        };
        let session = match refreshed {
            Some(s) => s,
            None => {
                self.exchange(
                    Method::POST,
                    json!({"username": username, "password": password.expose_secret()}),
                )
                .await?
            }
        };
        let access = session.access.clone();
        *slot = Some(session);
        Ok(access)
    }

    /// `login.json`: a login (POST) or a refresh (PUT), as tokens.
    async fn exchange(&self, method: Method, body: Value) -> Result<Session> {
        let url = self.url(&["login"])?;
        let reply = http::send(&self.upstream, Idempotency::Read, || {
            self.http
                .request(method.clone(), url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .json(&body)
        })
        .await?;
        let what = if method == Method::POST {
            "the login"
        } else {
            "the token refresh"
        };
        if !reply.is_success() {
            let mut e = parse_error(&reply, what);
            if reply.status == 401 && method == Method::POST {
                e = Error::new(
                    ErrorKind::Unauthorized,
                    "Daktela refused the login: check DAKTELA_USERNAME and DAKTELA_PASSWORD",
                )
                .with_status(401);
            }
            return Err(e);
        }
        let result = envelope(&reply, what)?;
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let (access, refresh) = match &result {
            Value::String(s) => (Some(s.clone()), None),
            other => (text(&other["accessToken"]), text(&other["refreshToken"])),
        };
        let access = access.ok_or_else(|| {
            Error::new(
                ErrorKind::Upstream,
                format!("Daktela answered {what} without an access token"),
            )
        })?;
        Ok(Session {
            access: SecretString::from(access),
            refresh: refresh.map(SecretString::from),
            issued: Instant::now(),
        })
    }

    /// A GET of `segments` with `query`, as the envelope's `result`. A 401 with a login renews
    /// the token once and sends again.
    pub(super) async fn get(
        &self,
        segments: &[&str],
        query: &[(String, String)],
        what: &str,
    ) -> Result<Value> {
        let url = self.url(segments)?;
        let mut refused: Option<SecretString> = None;
        loop {
            let token = self.token(refused.as_ref()).await?;
            let reply = http::send(&self.upstream, Idempotency::Read, || {
                self.http
                    .request(Method::GET, url.clone())
                    .query(query)
                    .header("X-AUTH-TOKEN", token.expose_secret())
                    .header(reqwest::header::ACCEPT, "application/json")
            })
            .await?;
            if reply.status == 401
                && refused.is_none()
                && matches!(self.cfg.credentials, Credentials::Login { .. })
            {
                refused = Some(token);
                continue;
            }
            if !reply.is_success() {
                return Err(parse_error(&reply, what));
            }
            return envelope(&reply, what);
        }
    }

    /// A list: `result.data` (a list, or an object keyed by record name) and `result.total`.
    pub(super) async fn list(
        &self,
        model: &str,
        query: &[(String, String)],
        what: &str,
    ) -> Result<ListPage> {
        self.list_at(&[model], query, what).await
    }

    /// [`Self::list`] at a relation path (`tickets/5/activities`).
    pub(super) async fn list_at(
        &self,
        segments: &[&str],
        query: &[(String, String)],
        what: &str,
    ) -> Result<ListPage> {
        let result = self.get(segments, query, what).await?;
        let data = match &result["data"] {
            Value::Array(a) => a.clone(),
            Value::Object(m) => m.values().cloned().collect(),
            Value::Null => Vec::new(),
            _ => {
                return Err(Error::new(
                    ErrorKind::Upstream,
                    format!("Daktela's {what} has no list in result.data"),
                ));
            }
        };
        let total = result["total"]
            .as_u64()
            .or_else(|| result["total"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(data.len() as u64);
        Ok(ListPage { data, total })
    }

    /// The account's reference data cache (`api::refs` fills it).
    pub(super) fn refs_cache(&self) -> &Cached<Refs> {
        &self.refs
    }
}

/// The `result` of a 2xx answer's envelope, or the error its `error` holds.
fn envelope(reply: &Reply, what: &str) -> Result<Value> {
    let v: Value = serde_json::from_str(&reply.body).map_err(|e| {
        Error::new(
            ErrorKind::Upstream,
            format!("Daktela answered {what} with something that is not JSON ({e})"),
        )
        .with_status(reply.status)
    })?;
    if let Some(msg) = errors_of(&v["error"]) {
        return Err(Error::new(
            ErrorKind::Upstream,
            format!("Daktela refused {what}: {msg}"),
        )
        .with_status(reply.status));
    }
    Ok(v["result"].clone())
}

/// The envelope's `error` as one line: `[]` is none; a string array; or `{primary, form}`
/// with field messages (nested for custom fields).
fn errors_of(e: &Value) -> Option<String> {
    fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if prefix.is_empty() => out.push(s.clone()),
            Value::String(s) => out.push(format!("{prefix}: {s}")),
            Value::Array(a) => a.iter().for_each(|x| flatten(prefix, x, out)),
            Value::Object(m) => {
                for (k, x) in m {
                    let key = match (prefix, k.as_str()) {
                        ("", "primary" | "form") => String::new(),
                        ("", k) => k.to_string(),
                        (p, k) => format!("{p}.{k}"),
                    };
                    flatten(&key, x, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    flatten("", e, &mut out);
    (!out.is_empty()).then(|| out.join("; "))
}

/// The one mapping of Daktela's answers to errors: by status, with the envelope's messages.
pub fn parse_error(reply: &Reply, what: &str) -> Error {
    let status = reply.status;
    let msg = serde_json::from_str::<Value>(&reply.body)
        .ok()
        .and_then(|v| errors_of(&v["error"]))
        .unwrap_or_default();
    let said = if msg.is_empty() {
        String::new()
    } else {
        format!(" ({msg})")
    };
    let (kind, message) = match status {
        401 => (
            ErrorKind::Unauthorized,
            format!(
                "Daktela refused the access token on {what}{said}: check DAKTELA_ACCESS_TOKEN, or \
                 DAKTELA_USERNAME and DAKTELA_PASSWORD"
            ),
        ),
        403 => (
            ErrorKind::Forbidden,
            format!("Daktela does not let this user read {what}{said}: ask an admin for the right"),
        ),
        404 => (
            ErrorKind::NotFound,
            format!("{what} not found in Daktela{said}"),
        ),
        400 | 422 => (
            ErrorKind::InvalidInput,
            format!("Daktela rejected {what}{said}"),
        ),
        429 => (
            ErrorKind::RateLimited,
            format!(
                "Daktela is rate limiting requests ({what}). {}",
                http::when_to_retry(reply)
            ),
        ),
        500..=599 => (
            ErrorKind::Unavailable,
            format!("Daktela failed with HTTP {status} on {what}{said}; try again shortly"),
        ),
        _ => (
            ErrorKind::Upstream,
            format!("Daktela answered {what} with HTTP {status}{said}"),
        ),
    };
    Error::new(kind, message).with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_error_forms_read_as_one_line() {
        assert_eq!(errors_of(&json!([])), None);
        assert_eq!(
            errors_of(&json!(["Object not exist"])).as_deref(),
            Some("Object not exist")
        );
        let both = json!({"primary": ["User have not available devices"],
            "form": {"lastname": "Item is mandatory", "customFields": {"email": ["bad"]}}});
        let s = errors_of(&both).unwrap();
        assert!(s.contains("User have not available devices"), "{s}");
        assert!(s.contains("lastname: Item is mandatory"), "{s}");
        assert!(s.contains("customFields.email: bad"), "{s}");
    }

    #[test]
    fn statuses_become_kinds() {
        let r = Reply::for_test(404, r#"{"error":["Object not exist"],"result":null}"#);
        let e = parse_error(&r, "ticket 5");
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("not found") && e.message.contains("Object not exist"));
        let e = parse_error(&Reply::for_test(401, "{}"), "tickets");
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert!(e.message.contains("DAKTELA_ACCESS_TOKEN"));
    }
}
