//! The django-helpdesk HTTP client: one fn per endpoint, plus [`parse_error`].
//!
//! Owns: the login (GET `/login/` for the CSRF cookie, POST the form, never follow the
//! redirect), the per-client cookie jar, `X-CSRFToken` and `Referer` on every unsafe request,
//! one re-login when the server-side session is gone, and reading queues and users from the
//! browsable API's form (there is no endpoint for them). Must not: know about MCP, policy or
//! the audit log; log or return passwords, tokens or cookies.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use reqwest_cookie_store::{CookieStore, CookieStoreMutex};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::config::{DjangoAuth, DjangoHelpdeskConfig};
use super::models::{Choice, Datatables, FollowUp, ForkSessionInfo, Page, Ticket};
use crate::backends::cache::Cached;
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

const UPSTREAM: &str = "django-helpdesk";
/// How long queues and users read from the form are reused.
pub const CHOICES_TTL: Duration = Duration::from_secs(60);

/// Queues and users, as the browsable API's ticket form lists them.
#[derive(Debug, Clone)]
pub struct Choices {
    pub queues: Vec<Choice>,
    pub users: Vec<Choice>,
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
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(cfg.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("helpdesk-operator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
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
            return Err(Error::config(format!(
                "there is no login page at {login_url}: check DJANGO_HELPDESK_URL (the helpdesk root, where /login/ and /api/ live) and the instance's LOGIN_URL"
            )));
        }
        if page.status != 200 {
            return Err(parse_error(&page, "the login page"));
        }
        let csrf = self.cookie("csrftoken").ok_or_else(|| {
            Error::new(
                ErrorKind::Upstream,
                format!("{login_url} did not set a csrftoken cookie; is DJANGO_HELPDESK_URL the django-helpdesk root?"),
            )
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
            200 | 302 => Err(Error::new(
                ErrorKind::Unauthorized,
                format!(
                    "django-helpdesk rejected the login of user '{username}': check DJANGO_HELPDESK_USERNAME and DJANGO_HELPDESK_PASSWORD"
                ),
            )),
            _ => Err(parse_error(&reply, "the login")),
        }
    }

    async fn mark_logged_out(&self) {
        *self.logged_in.lock().await = false;
    }

    /// Sends one request; with session auth, logs in first and re-logs in once when the
    /// server-side session turns out to be gone (the failed request was refused before the
    /// view ran, so repeating it cannot duplicate a write).
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        accept_html: bool,
    ) -> Result<Reply> {
        let url = self.url(path)?;
        let idempotency = match method {
            Method::GET | Method::HEAD | Method::OPTIONS => Idempotency::Read,
            Method::POST => Idempotency::Create,
            _ => Idempotency::Idempotent,
        };
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
        Err(Error::new(
            ErrorKind::Unauthorized,
            "django-helpdesk refused the session even after logging in again: check that the account is active and staff",
        ))
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<(T, Value, Reply)> {
        let create = method == Method::POST;
        let reply = self.call(method, path, query, body, false).await?;
        if create && reply.status >= 500 {
            // The server may have committed part of the work before failing.
            return Err(Error::new(
                ErrorKind::Ambiguous,
                format!("django-helpdesk failed with HTTP {} while creating {what}; it may or may not have been created", reply.status),
            )
            .with_status(reply.status));
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

    /// `GET /api/tickets/?page&page_size&status=1,2`.
    pub async fn list_tickets(
        &self,
        page: u32,
        page_size: u32,
        statuses: &[i64],
    ) -> Result<Page<Ticket>> {
        let mut q = vec![
            ("page", page.to_string()),
            ("page_size", page_size.to_string()),
        ];
        if !statuses.is_empty() {
            let s: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
            q.push(("status", s.join(",")));
        }
        let (page, _, _) = self
            .json(Method::GET, "api/tickets/", &q, None, "the ticket list")
            .await?;
        Ok(page)
    }

    /// After an ambiguous create: the tickets that match the request (queue, title,
    /// description) and were created since `since`, newest last. Looks at the newest tickets
    /// (the REST list is ordered by id).
    pub async fn find_created_tickets(
        &self,
        body: &Value,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        const PAGE: i64 = 25;
        let first: Page<Ticket> = self.list_tickets(1, 1, &[]).await?;
        if first.count == 0 {
            return Ok(vec![]);
        }
        let last = (first.count - 1) / PAGE + 1;
        let mut found = Vec::new();
        for page in [last - 1, last].into_iter().filter(|p| *p >= 1) {
            let q = [("page", page.to_string()), ("page_size", PAGE.to_string())];
            let (_, raw, _): (Page<Ticket>, Value, Reply) = self
                .json(Method::GET, "api/tickets/", &q, None, "the newest tickets")
                .await?;
            for t in raw
                .get("results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let same = ["queue", "title", "description"]
                    .iter()
                    .all(|k| t.get(*k) == body.get(*k));
                let created = t["followup_set"][0]["date"]
                    .as_str()
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok());
                let recent = created.is_some_and(|c| c >= since - chrono::Duration::seconds(5));
                if same && recent {
                    found.push(t);
                }
            }
        }
        Ok(found)
    }

    /// After an ambiguous follow-up: the follow-ups of the ticket with this comment, added
    /// since `since`.
    pub async fn find_created_followups(
        &self,
        ticket: i64,
        comment: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Vec<Value>, Value)> {
        let (_, raw) = self.get_ticket(ticket).await?;
        let found = raw
            .get("followup_set")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| {
                f.get("comment").and_then(Value::as_str) == Some(comment)
                    && f.get("date")
                        .and_then(Value::as_str)
                        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                        .is_some_and(|d| d >= since - chrono::Duration::seconds(5))
            })
            .collect();
        Ok((found, raw))
    }

    /// `GET /api/tickets/{id}/`: the ticket and its raw JSON (the audit image).
    pub async fn get_ticket(&self, id: i64) -> Result<(Ticket, Value)> {
        let (t, raw, _) = self
            .json(
                Method::GET,
                &format!("api/tickets/{id}/"),
                &[],
                None,
                &format!("ticket {id}"),
            )
            .await?;
        Ok((t, raw))
    }

    /// `POST /api/tickets/`.
    pub async fn create_ticket(&self, body: &Value) -> Result<(Ticket, Value, u16)> {
        let (t, raw, reply) = self
            .json(
                Method::POST,
                "api/tickets/",
                &[],
                Some(body),
                "the new ticket",
            )
            .await?;
        Ok((t, raw, reply.status))
    }

    /// `PATCH /api/tickets/{id}/`: a plain field update.
    pub async fn patch_ticket(&self, id: i64, body: &Value) -> Result<(Ticket, Value, u16)> {
        let (t, raw, reply) = self
            .json(
                Method::PATCH,
                &format!("api/tickets/{id}/"),
                &[],
                Some(body),
                &format!("ticket {id}"),
            )
            .await?;
        Ok((t, raw, reply.status))
    }

    /// `DELETE /api/tickets/{id}/` (cascades to its follow-ups).
    pub async fn delete_ticket(&self, id: i64) -> Result<u16> {
        let reply = self
            .call(
                Method::DELETE,
                &format!("api/tickets/{id}/"),
                &[],
                None,
                false,
            )
            .await?;
        if reply.status == 204 || reply.is_success() {
            Ok(reply.status)
        } else {
            Err(parse_error(&reply, &format!("ticket {id}")))
        }
    }

    /// `POST /api/followups/`: goes through helpdesk's `update_ticket()`, like the web UI.
    pub async fn create_followup(&self, body: &Value) -> Result<(FollowUp, Value, u16)> {
        let (f, raw, reply) = self
            .json(
                Method::POST,
                "api/followups/",
                &[],
                Some(body),
                "the follow-up",
            )
            .await?;
        Ok((f, raw, reply.status))
    }

    /// The UI's session-only JSON endpoint, for filters the REST API lacks.
    pub async fn datatables(&self, query: &Value, start: u32, length: u32) -> Result<Datatables> {
        if !self.uses_session() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "filtering by queue, assigned_to or text needs a session login, but this server uses token auth: set DJANGO_HELPDESK_USERNAME and DJANGO_HELPDESK_PASSWORD, or filter by status only",
            ));
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(query.to_string());
        let q = [
            ("start", start.to_string()),
            ("length", length.to_string()),
            ("order[0][column]", "0".to_string()),
            ("order[0][dir]", "asc".to_string()),
        ];
        let reply = self
            .call(
                Method::GET,
                &format!("datatables_ticket_list/{encoded}"),
                &q,
                None,
                false,
            )
            .await?;
        if reply.status == 403 && reply.body.contains("AGENT_WEB_ACCESS_DENIED") {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "this django-helpdesk restricts agent accounts to its API (agent access control), so tickets cannot be filtered by queue, assigned_to or text here: filter by status only, or use a staff account that is not an agent",
            )
            .with_status(403));
        }
        if !reply.is_success() {
            return Err(parse_error(&reply, "the filtered ticket list"));
        }
        serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("django-helpdesk's filtered ticket list has an unexpected shape ({e})"),
            )
        })
    }

    /// Queues and users, from the `<select>`s of the browsable API's ticket form; cached for
    /// [`CHOICES_TTL`] unless `refresh` is set.
    /// Concurrent first calls share one fetch.
    pub async fn choices(&self, refresh: bool) -> Result<Arc<Choices>> {
        self.choices.get(refresh, || self.fetch_choices()).await
    }

    async fn fetch_choices(&self) -> Result<Choices> {
        let q = [("page_size", "1".to_string())];
        let reply = self
            .call(Method::GET, "api/tickets/", &q, None, true)
            .await?;
        if !reply.is_success() {
            return Err(parse_error(
                &reply,
                "the ticket form (for queues and users)",
            ));
        }
        parse_choices(&reply.body)
    }

    /// Probes the agent-session fork's `GET /api/agent-session-info/`.
    pub async fn fork_session_info(&self) -> Result<ForkProbe> {
        let reply = self
            .call(Method::GET, "api/agent-session-info/", &[], None, false)
            .await?;
        fork_probe(reply)
    }

    /// The fork's `POST /api/set-agent-intent/`.
    pub async fn fork_set_intent(&self, intent: &str) -> Result<ForkSessionInfo> {
        let body = serde_json::json!({ "intent": intent });
        let reply = self
            .call(
                Method::POST,
                "api/set-agent-intent/",
                &[],
                Some(&body),
                false,
            )
            .await?;
        if !reply.is_success() {
            return Err(parse_error(&reply, "the intent"));
        }
        serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("set-agent-intent answered unexpectedly ({e})"),
            )
        })
    }

    /// The fork's `POST /api/finish-agent-session/` (it also logs the user out).
    pub async fn fork_finish(&self) -> Result<ForkSessionInfo> {
        let reply = self
            .call(
                Method::POST,
                "api/finish-agent-session/",
                &[],
                Some(&serde_json::json!({})),
                false,
            )
            .await?;
        if !reply.is_success() {
            return Err(parse_error(&reply, "finishing the agent session"));
        }
        self.mark_logged_out().await;
        self.clear_cookies();
        serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("finish-agent-session answered unexpectedly ({e})"),
            )
        })
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
        self.mark_logged_out().await;
        self.clear_cookies();
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

fn fork_probe(reply: Reply) -> Result<ForkProbe> {
    match reply.status {
        200 => serde_json::from_str(&reply.body)
            .map(ForkProbe::Present)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("agent-session-info answered unexpectedly ({e})"),
                )
            }),
        404 => Ok(ForkProbe::Absent),
        403 if reply.body.contains("Not an agent user") => Ok(ForkProbe::NotAgent(
            "the instance has the agent-session endpoints, but this account is not an agent there"
                .into(),
        )),
        _ => Err(parse_error(&reply, "the agent-session endpoint")),
    }
}

/// Reads queue and user `<option>`s from the browsable API's HTML form.
fn parse_choices(html: &str) -> Result<Choices> {
    let doc = scraper::Html::parse_document(html);
    let read = |name: &str| -> Result<Vec<Choice>> {
        let sel = scraper::Selector::parse(&format!("select[name=\"{name}\"] option"))
            .map_err(|e| Error::internal(format!("bad selector: {e}")))?;
        Ok(doc
            .select(&sel)
            .filter_map(|o| {
                let id = o.value().attr("value")?.trim().parse::<i64>().ok()?;
                let name = o.text().collect::<String>().trim().to_string();
                Some(Choice { id, name })
            })
            .collect())
    };
    let queues = read("queue")?;
    let users = read("assigned_to")?;
    if queues.is_empty() && !html.contains("name=\"queue\"") {
        return Err(Error::new(
            ErrorKind::Upstream,
            "django-helpdesk's browsable API did not include the ticket form, so queues and users cannot be read; check that the account is staff and the browsable API renderer is enabled",
        ));
    }
    Ok(Choices { queues, users })
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
                        "django-helpdesk refused access to {what}: {d} (the account must be staff, is_staff=True)"
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
                "{what} was not found in django-helpdesk (it may have been deleted, or the id is wrong)"
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
            match reply.signals.retry_after {
                Some(ra) => format!(
                    "django-helpdesk is rate limiting requests for {what}. Retry in about {} s.",
                    ra.as_secs().max(1)
                ),
                None => format!(
                    "django-helpdesk is rate limiting requests for {what}; wait a little and try again"
                ),
            },
        ),
        500..=599 => Error::new(
            ErrorKind::Upstream,
            format!(
                "django-helpdesk failed with HTTP {status} on {what}; try again later, and check the object before repeating a write"
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

    fn reply(status: u16, body: &str) -> Reply {
        Reply::for_test(status, body)
    }

    #[test]
    fn field_errors_name_the_tool_field() {
        let e = parse_error(
            &reply(400, r#"{"body":["This field is required."]}"#),
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
            &reply(404, r#"{"detail":"No Ticket matches the given query."}"#),
            "ticket 9",
        );
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = parse_error(
            &reply(
                403,
                r#"{"detail":"You do not have permission to perform this action."}"#,
            ),
            "ticket 9",
        );
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }

    #[test]
    fn choices_are_read_from_the_form() {
        let html = r#"<form><select class="form-control" name="queue"><option value="">---</option><option value="1">Support</option><option value="2">Billing &amp; Co</option></select>
        <select name="assigned_to"><option value="3">agent1</option></select></form>"#;
        let c = parse_choices(html).unwrap();
        assert_eq!(c.queues[1].name, "Billing & Co");
        assert_eq!(
            c.users[0],
            Choice {
                id: 3,
                name: "agent1".into()
            }
        );
    }
}
