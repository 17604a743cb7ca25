//! The django-helpdesk HTTP transport: [`DjangoClient`] with its login, cookies and CSRF,
//! and [`parse_error`]. The endpoints are in `api`.
//!
//! Owns: the login (GET `/login/` for the CSRF cookie, POST the form, never follow the
//! redirect), the per-client cookie jar, `X-CSRFToken` and `Referer` on every unsafe request,
//! one re-login when the server-side session is gone, the logout, and mapping failures to
//! errors. Must not: know about MCP, policy or the audit log; log or return passwords, tokens
//! or cookies.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use reqwest_cookie_store::{CookieStore, CookieStoreMutex};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

pub use super::api::{CHOICES_TTL, Choices};
use super::config::{DjangoAuth, DjangoHelpdeskConfig};
use super::models::ForkSessionInfo;
use crate::backends::cache::Cached;
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

const UPSTREAM: &str = "django-helpdesk";

const NO_CSRF_COOKIE: &str =
    "did not set a csrftoken cookie; is DJANGO_HELPDESK_URL the django-helpdesk root?";

const SESSION_REFUSED: &str = "django-helpdesk refused the session even after logging in \
    again: check that the account is active and staff";

fn no_login_page(url: &Url) -> Error {
    Error::config(format!(
        "there is no login page at {url}: check DJANGO_HELPDESK_URL (the helpdesk root, \
         where /login/ and /api/ live) and the instance's LOGIN_URL"
    ))
}

fn login_rejected(username: &str) -> Error {
    Error::new(
        ErrorKind::Unauthorized,
        format!(
            "django-helpdesk rejected the login of user '{username}': check \
             DJANGO_HELPDESK_USERNAME and DJANGO_HELPDESK_PASSWORD"
        ),
    )
}

/// A client for one django-helpdesk account, with its own cookie jar.
pub struct DjangoClient {
    cfg: DjangoHelpdeskConfig,
    upstream: Upstream,
    http: reqwest::Client,
    jar: Arc<CookieStoreMutex>,
    logged_in: Mutex<bool>,
    logins: AtomicU64,
    choices: Cached<Choices>,
}

impl std::fmt::Debug for DjangoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoClient")
            .field("base_url", &self.cfg.base_url.as_str())
            .field("username", &self.cfg.username)
            .finish_non_exhaustive()
    }
}

/// Result of probing the fork's agent-session endpoints.
#[derive(Debug, Clone)]
pub enum ForkProbe {
    /// The instance has the endpoints and reported this session.
    Present(ForkSessionInfo),
    /// A plain django-helpdesk: the endpoints do not exist.
    Absent,
    /// The endpoints exist but this account is not an agent there.
    NotAgent(String),
}

impl DjangoClient {
    /// A client with its own cookie jar, sharing the account's rate limiter.
    pub fn new(cfg: DjangoHelpdeskConfig, limiter: Arc<AccountLimiter>) -> Result<Self> {
        let jar = Arc::new(CookieStoreMutex::new(CookieStore::default()));
        let http = http::build(http::client_builder(cfg.timeout).cookie_provider(jar.clone()))?;
        Ok(Self {
            cfg,
            upstream: Upstream {
                name: UPSTREAM,
                limiter,
            },
            http,
            jar,
            logged_in: Mutex::new(false),
            logins: AtomicU64::new(0),
            choices: Cached::new(CHOICES_TTL),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.cfg.base_url
    }

    pub fn username(&self) -> Option<&str> {
        self.cfg.username.as_deref()
    }

    /// Whether this client logs in with a session (and so can use session-only views).
    pub fn uses_session(&self) -> bool {
        matches!(self.cfg.auth, DjangoAuth::Password(_))
    }

    /// How many times this client has logged in (re-logins included).
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.cfg
            .base_url
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::internal(format!("bad path {path}: {e}")))
    }

    fn cookie(&self, name: &str) -> Option<String> {
        let url = self.cfg.base_url.clone();
        let store = self.jar.lock().ok()?;
        store
            .matches(&url)
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }

    fn clear_cookies(&self) {
        if let Ok(mut store) = self.jar.lock() {
            store.clear();
        }
    }

    /// Logs in now unless already logged in.
    pub async fn ensure_login(&self) -> Result<()> {
        let DjangoAuth::Password(password) = &self.cfg.auth else {
            return Ok(());
        };
        let mut logged_in = self.logged_in.lock().await;
        if *logged_in {
            return Ok(());
        }
        self.clear_cookies();
        let login_url = self.url("login/")?;
        let page = http::send(&self.upstream, Idempotency::Read, || {
            self.http.get(login_url.clone())
        })
        .await?;
        if page.status == 404 {
            return Err(no_login_page(&login_url));
        }
        if page.status != 200 {
            return Err(parse_error(&page, "the login page"));
        }
        let csrf = self.cookie("csrftoken").ok_or_else(|| {
            Error::new(ErrorKind::Upstream, format!("{login_url} {NO_CSRF_COOKIE}"))
        })?;
        let username = self.cfg.username.clone().unwrap_or_default();
        let reply = http::send(&self.upstream, Idempotency::Idempotent, || {
            self.http
                .post(login_url.clone())
                .header("X-CSRFToken", &csrf)
                .header(reqwest::header::REFERER, login_url.as_str())
                .form(&[
                    ("csrfmiddlewaretoken", csrf.as_str()),
                    ("username", username.as_str()),
                    ("password", password.expose_secret()),
                ])
        })
        .await?;
        match reply.status {
            302 if self.cookie("sessionid").is_some() => {
                *logged_in = true;
                self.logins.fetch_add(1, Ordering::Relaxed);
                tracing::info!(user = %username, "logged in to django-helpdesk");
                Ok(())
            }
            200 | 302 => Err(login_rejected(&username)),
            _ => Err(parse_error(&reply, "the login")),
        }
    }

    async fn mark_logged_out(&self) {
        *self.logged_in.lock().await = false;
    }

    /// After the server ended the session: log in again next time, with no old cookies.
    pub(super) async fn forget_session(&self) {
        self.mark_logged_out().await;
        self.clear_cookies();
    }

    /// The queues and users cache (`api::choices` fills it).
    pub(super) fn cached_choices(&self) -> &Cached<Choices> {
        &self.choices
    }

    /// Sends one request; with session auth, logs in first and re-logs in once when the
    /// server-side session turns out to be gone (the failed request was refused before the
    /// view ran, so repeating it cannot duplicate a write).
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        accept_html: bool,
    ) -> Result<Reply> {
        let url = self.url(path)?;
        let idempotency = Idempotency::of(&method);
        let unsafe_method = idempotency != Idempotency::Read;
        for attempt in 0..2 {
            self.ensure_login().await?;
            let csrf = if unsafe_method {
                self.cookie("csrftoken")
            } else {
                None
            };
            let reply = http::send(&self.upstream, idempotency, || {
                let mut rb = self.http.request(method.clone(), url.clone()).query(query);
                rb = rb.header(
                    reqwest::header::ACCEPT,
                    if accept_html {
                        "text/html"
                    } else {
                        "application/json"
                    },
                );
                match &self.cfg.auth {
                    DjangoAuth::Token(t) => {
                        rb = rb.header(
                            reqwest::header::AUTHORIZATION,
                            format!("Token {}", t.expose_secret()),
                        );
                    }
                    DjangoAuth::Password(_) => {
                        if unsafe_method {
                            if let Some(c) = &csrf {
                                rb = rb.header("X-CSRFToken", c);
                            }
                            rb = rb.header(reqwest::header::REFERER, self.cfg.base_url.as_str());
                        }
                    }
                }
                if let Some(b) = body {
                    rb = rb.json(b);
                }
                rb
            })
            .await?;
            if attempt == 0 && self.uses_session() && session_lost(&reply) {
                tracing::info!("django-helpdesk session is gone; logging in again");
                self.mark_logged_out().await;
                continue;
            }
            return Ok(reply);
        }
        Err(Error::new(ErrorKind::Unauthorized, SESSION_REFUSED))
    }

    /// Sends one request and reads a 2xx JSON answer as `T` and as raw JSON; a create
    /// answered with a 5xx is ambiguous.
    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<(T, Value, Reply)> {
        let idempotency = Idempotency::of(&method);
        let reply = self.call(method, path, query, body, false).await?;
        if let Some(e) = http::ambiguous_create(UPSTREAM, idempotency, &reply, what) {
            return Err(e);
        }
        if !reply.is_success() {
            return Err(parse_error(&reply, what));
        }
        let raw: Value = serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("django-helpdesk answered {what} with something that is not JSON ({e})"),
            )
            .with_status(reply.status)
        })?;
        let typed = serde_json::from_value(raw.clone()).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("django-helpdesk's answer for {what} has an unexpected shape ({e})"),
            )
            .with_status(reply.status)
        })?;
        Ok((typed, raw, reply))
    }

    /// `POST /logout/` (POST only, with CSRF), then drops the cookie jar.
    pub async fn logout(&self) -> Result<()> {
        if !self.uses_session() || !*self.logged_in.lock().await {
            return Ok(());
        }
        let url = self.url("logout/")?;
        let csrf = self.cookie("csrftoken").unwrap_or_default();
        let reply = http::send(&self.upstream, Idempotency::Idempotent, || {
            self.http
                .post(url.clone())
                .header("X-CSRFToken", &csrf)
                .header(reqwest::header::REFERER, self.cfg.base_url.as_str())
        })
        .await?;
        self.forget_session().await;
        if reply.status >= 400 {
            return Err(parse_error(&reply, "the logout"));
        }
        Ok(())
    }

    /// A plain reachability check: `GET /api/` is public.
    pub async fn api_root(&self) -> Result<Reply> {
        let url = self.url("api/")?;
        http::send(&self.upstream, Idempotency::Read, || {
            self.http.get(url.clone())
        })
        .await
    }
}

fn session_lost(reply: &Reply) -> bool {
    match reply.status {
        403 => {
            reply
                .body
                .contains("Authentication credentials were not provided")
                || reply.body.contains("CSRF Failed")
        }
        302 => reply
            .location
            .as_deref()
            .is_some_and(|l| l.contains("/login/")),
        _ => false,
    }
}

/// Maps a django-helpdesk failure to an error a model can act on. `what` names the object.
pub fn parse_error(reply: &Reply, what: &str) -> Error {
    let json: Option<Value> = serde_json::from_str(&reply.body).ok();
    let detail = json
        .as_ref()
        .and_then(|v| v.get("detail"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let status = reply.status;
    let err = match status {
        400 => {
            let fields = json
                .as_ref()
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let msgs = match v {
                                Value::Array(a) => a
                                    .iter()
                                    .map(|x| {
                                        x.as_str()
                                            .map(str::to_string)
                                            .unwrap_or_else(|| x.to_string())
                                    })
                                    .collect::<Vec<_>>()
                                    .join(" "),
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            format!("{}: {msgs}", field_name(k))
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| snippet(&reply.body));
            Error::new(
                ErrorKind::InvalidInput,
                format!("django-helpdesk rejected {what}: {fields}"),
            )
        }
        401 | 403 => {
            let d = detail.unwrap_or_else(|| {
                if reply.body.contains("CSRF") {
                    "CSRF verification failed".into()
                } else {
                    snippet(&reply.body)
                }
            });
            if d.contains("permission") {
                Error::new(
                    ErrorKind::Forbidden,
                    format!(
                        "django-helpdesk refused access to {what}: {d} (the account must be staff, \
                         is_staff=True)"
                    ),
                )
            } else {
                Error::new(
                    ErrorKind::Unauthorized,
                    format!("django-helpdesk refused {what}: {d}"),
                )
            }
        }
        404 => Error::new(
            ErrorKind::NotFound,
            format!(
                "{what} was not found in django-helpdesk (it may have been deleted, or the id is \
                 wrong)"
            ),
        ),
        409 => Error::new(
            ErrorKind::Conflict,
            format!(
                "django-helpdesk reported a conflict on {what}: {}",
                detail.unwrap_or_else(|| snippet(&reply.body))
            ),
        ),
        429 => Error::new(
            ErrorKind::RateLimited,
            format!(
                "django-helpdesk is rate limiting requests for {what}. {}",
                http::when_to_retry(reply)
            ),
        ),
        500..=599 => Error::new(
            ErrorKind::Upstream,
            format!(
                "django-helpdesk failed with HTTP {status} on {what}; try again later, and check \
                 the object before repeating a write"
            ),
        ),
        _ => Error::new(
            ErrorKind::Upstream,
            format!(
                "django-helpdesk answered HTTP {status} on {what}: {}",
                detail.unwrap_or_else(|| snippet(&reply.body))
            ),
        ),
    };
    err.with_status(status)
}

/// django-helpdesk's field names, mapped to the tools' parameter names.
fn field_name(upstream: &str) -> &str {
    match upstream {
        "body" => "description",
        "ticket" => "ticket_id",
        "non_field_errors" => "request",
        other => other,
    }
}

fn snippet(body: &str) -> String {
    let text: String = body.chars().filter(|c| !c.is_control()).take(200).collect();
    if text.trim_start().starts_with('<') {
        "(an HTML error page)".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_the_tool_field() {
        let e = parse_error(
            &Reply::for_test(400, r#"{"body":["This field is required."]}"#),
            "the new ticket",
        );
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message.contains("description: This field is required."),
            "{}",
            e.message
        );
    }

    #[test]
    fn not_found_and_permission() {
        let e = parse_error(
            &Reply::for_test(404, r#"{"detail":"No Ticket matches the given query."}"#),
            "ticket 9",
        );
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = parse_error(
            &Reply::for_test(
                403,
                r#"{"detail":"You do not have permission to perform this action."}"#,
            ),
            "ticket 9",
        );
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }
}
