//! Stateful simulator of django-helpdesk 2.6.1 (Django 5.2, Django REST framework 3.18), plus the
//! dolthub fork's agent-session endpoints, served by axum on 127.0.0.1. The product's sandbox mode
//! points its django-helpdesk client here so newcomers can try agent sessions without installing
//! django-helpdesk; its unit tests use it too (the integration tests keep using the real server).
//!
//! Owns: every behaviour the product's client relies on, reproduced from the reference notes
//! (`django-helpdesk.md`) and the upstream source:
//! - Django's session login with its CSRF rules: `csrftoken` cookie (32-char secret), masked
//!   64-char form token, the secret rotating at login, `X-CSRFToken` on unsafe API calls, the
//!   `Origin` check, and 403 HTML pages from non-DRF views; `POST /logout/` only.
//! - DRF auth (Session, then Basic, then Token; 403, never 401), `IsAdminUser`-style staff checks,
//!   content negotiation (406, the browsable HTML page with the ticket form's `<select>`s that the
//!   client reads queues and users from), parsers (415, JSON parse errors), pagination
//!   (`{count,next,previous,results}`, "Invalid page."), field validation messages, 301 to the
//!   slash path, HTML 404/500 pages outside the router.
//! - Tickets created through helpdesk's TicketForm (always Open, the "Ticket Opened" follow-up,
//!   the 500 for a missing `description`), plain PUT/PATCH, cascading DELETE; follow-ups through
//!   `update_ticket()` (status change and title suffix, rename, resolution, e-mail recipients, the
//!   comment rendered as a Django template with `{% %}` kept verbatim); attachments (extension
//!   allow-list, served under `/media/`); `/api/users/` (create only) and `/api/user_tickets/`.
//! - The UI's session-only `datatables_ticket_list` JSON view with its filter allow-list.
//! - The fork's `agent-session-info`, `set-agent-intent` and `finish-agent-session` (switchable with
//!   [`DjangoSimOptions::fork`]), branch names `<username>-<8 chars>` kept in the HTTP session.
//! - Deterministic demo data ([`DjangoSimOptions::seed`]) and a request log for tests.
//!
//! Must not: be referenced by a backend client (clients only ever see its base URL), listen
//! anywhere but loopback, persist anything (all state lives in memory and dies with the
//! [`DjangoSim`]), or fix the upstream's quirks: what the real server does wrong (403 instead of
//! 401, a 500 for a missing `description`, `?status=Open` silently ignored, comments rendered as
//! templates) is reproduced, because the product has to cope with it. Request input never panics
//! the simulator: bad input gets the status the real server gives.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use chrono::{
    DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, TimeDelta, TimeZone, Timelike, Utc,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// How the simulated instance behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DjangoSimOptions {
    /// Serve the dolthub fork's agent-session endpoints (otherwise they 404 like on a plain
    /// django-helpdesk).
    pub fork: bool,
    /// Load the deterministic demo tickets (the three queues exist either way).
    pub seed: bool,
}

/// An account on the simulated instance. Staff users are also superusers (they may create users
/// through `/api/users/`); `agent` is the fork's `UserSettings.is_agent`.
#[derive(Debug, Clone)]
pub struct DjangoSimUser {
    pub username: String,
    pub password: String,
    pub staff: bool,
    pub agent: bool,
}

/// A running simulator. Dropping it stops serving.
pub struct DjangoSim {
    addr: SocketAddr,
    db: Arc<Mutex<Db>>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for DjangoSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl DjangoSim {
    /// Binds 127.0.0.1 on a free port and starts serving. Users get ids 1, 2, ... in order.
    pub async fn start(
        opts: DjangoSimOptions,
        users: Vec<DjangoSimUser>,
    ) -> std::io::Result<DjangoSim> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let db = Arc::new(Mutex::new(Db::new(opts, users)));
        let app = Router::new().fallback(handle).with_state(db.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the django-helpdesk simulator stopped with an error");
            }
        });
        Ok(DjangoSim {
            addr,
            db,
            shutdown: Some(tx),
        })
    }

    /// The helpdesk root, `http://127.0.0.1:PORT/` (where `/login/` and `/api/` live).
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A DRF token for that user (get-or-create, like `Token.objects.get_or_create`). For an
    /// unknown username the token is not registered, so the server answers "Invalid token.".
    pub fn add_token(&self, username: &str) -> String {
        let mut db = lock(&self.db);
        let Some(uid) = db.user_by_name(username).map(|u| u.id) else {
            return random_string(40, b"0123456789abcdef");
        };
        if let Some((key, _)) = db.tokens.iter().find(|(_, u)| **u == uid) {
            return key.clone();
        }
        let key = random_string(40, b"0123456789abcdef");
        db.tokens.insert(key.clone(), uid);
        key
    }

    /// Deletes that user's server-side HTTP sessions (as an expiry or an admin would); their
    /// `sessionid` cookies stop working. Returns how many were deleted.
    pub fn delete_sessions(&self, username: &str) -> usize {
        let mut db = lock(&self.db);
        let Some(uid) = db.user_by_name(username).map(|u| u.id) else {
            return 0;
        };
        let before = db.sessions.len();
        db.sessions.retain(|_, s| s.user != Some(uid));
        before - db.sessions.len()
    }

    /// How many tickets exist now.
    pub fn ticket_count(&self) -> usize {
        lock(&self.db).tickets.len()
    }

    /// How many requests were received with this method (case-insensitive; `*` or empty for
    /// any) on a path starting with `path_prefix` (decoded, without the query string).
    pub fn requests(&self, method: &str, path_prefix: &str) -> usize {
        let db = lock(&self.db);
        db.log
            .iter()
            .filter(|(m, p)| {
                (method.is_empty() || method == "*" || m.eq_ignore_ascii_case(method))
                    && p.starts_with(path_prefix)
            })
            .count()
    }

    /// The fork's `AgentAccessControlMiddleware` (agents limited to `/api/`, `/login/`,
    /// `/logout/`; elsewhere 403, and logged out unless the request wants JSON). Off by default
    /// so the sandbox's filtered listing (the datatables view) works for agent accounts; only
    /// meaningful with `fork`.
    pub fn set_agent_access_control(&self, enabled: bool) {
        lock(&self.db).agent_access_control = enabled;
    }

    /// The agent sessions finished through `/api/finish-agent-session/`, oldest first, as
    /// `(username, branch_name, intent)`: what the fork hands to its `FinishSession` procedure.
    pub fn finished_agent_sessions(&self) -> Vec<(String, Option<String>, Option<String>)> {
        lock(&self.db).finished.clone()
    }
}

impl Drop for DjangoSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

const STATUSES: [(i64, &str); 5] = [
    (1, "Open"),
    (2, "Reopened"),
    (3, "Resolved"),
    (4, "Closed"),
    (5, "Duplicate"),
];
const PRIORITIES: [(i64, &str); 5] = [
    (1, "1. Critical"),
    (2, "2. High"),
    (3, "3. Normal"),
    (4, "4. Low"),
    (5, "5. Very Low"),
];
const RESOLVED: i64 = 3;
const CLOSED: i64 = 4;

#[derive(Debug, Clone)]
struct User {
    id: u64,
    username: String,
    password: String,
    email: String,
    first_name: String,
    last_name: String,
    staff: bool,
    superuser: bool,
    agent: bool,
    active: bool,
}

impl User {
    fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

#[derive(Debug, Clone)]
struct Queue {
    id: u64,
    title: String,
    slug: String,
}

#[derive(Debug, Clone)]
struct Ticket {
    id: u64,
    queue: u64,
    title: String,
    description: Option<String>,
    resolution: Option<String>,
    submitter_email: Option<String>,
    assigned_to: Option<u64>,
    status: i64,
    on_hold: bool,
    priority: i64,
    due_date: Option<DateTime<Utc>>,
    merged_to: Option<u64>,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    secret_key: String,
}

#[derive(Debug, Clone)]
struct FollowUp {
    id: u64,
    ticket: u64,
    user: Option<u64>,
    title: Option<String>,
    comment: Option<String>,
    public: bool,
    new_status: Option<i64>,
    /// Microseconds.
    time_spent: Option<i64>,
    date: DateTime<Utc>,
    message_id: Option<String>,
    email_recipients: Vec<String>,
}

#[derive(Debug, Clone)]
struct Attachment {
    id: u64,
    followup: u64,
    filename: String,
    mime_type: String,
    size: usize,
    /// Under `/media/`.
    path: String,
    data: Vec<u8>,
}

/// One row of `django_session`: the logged-in user and the fork's keys.
#[derive(Debug, Clone, Default)]
struct HttpSession {
    user: Option<u64>,
    branch_name: Option<String>,
    intent: Option<String>,
}

struct Db {
    opts: DjangoSimOptions,
    agent_access_control: bool,
    users: Vec<User>,
    queues: Vec<Queue>,
    tickets: BTreeMap<u64, Ticket>,
    followups: BTreeMap<u64, FollowUp>,
    attachments: BTreeMap<u64, Attachment>,
    next_ticket: u64,
    next_followup: u64,
    next_attachment: u64,
    sessions: HashMap<String, HttpSession>,
    tokens: HashMap<String, u64>,
    log: Vec<(String, String)>,
    finished: Vec<(String, Option<String>, Option<String>)>,
}

fn lock(db: &Mutex<Db>) -> MutexGuard<'_, Db> {
    db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Db {
    fn new(opts: DjangoSimOptions, users: Vec<DjangoSimUser>) -> Db {
        let users = users
            .into_iter()
            .zip(1u64..)
            .map(|(u, id)| User {
                id,
                username: u.username,
                password: u.password,
                email: String::new(),
                first_name: String::new(),
                last_name: String::new(),
                staff: u.staff,
                superuser: u.staff,
                agent: u.agent,
                active: true,
            })
            .collect();
        let queues = [
            ("Support", "support"),
            ("Billing", "billing"),
            ("Onboarding", "onboarding"),
        ]
        .iter()
        .zip(1u64..)
        .map(|((title, slug), id)| Queue {
            id,
            title: title.to_string(),
            slug: slug.to_string(),
        })
        .collect();
        let mut db = Db {
            opts,
            agent_access_control: false,
            users,
            queues,
            tickets: BTreeMap::new(),
            followups: BTreeMap::new(),
            attachments: BTreeMap::new(),
            next_ticket: 1,
            next_followup: 1,
            next_attachment: 1,
            sessions: HashMap::new(),
            tokens: HashMap::new(),
            log: Vec::new(),
            finished: Vec::new(),
        };
        if opts.seed {
            seed(&mut db, now());
        }
        db
    }

    fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == name)
    }

    fn is_staff(&self, id: u64) -> bool {
        self.user(id).is_some_and(|u| u.staff && u.active)
    }

    fn authenticate(&self, username: &str, password: &str) -> Option<u64> {
        self.users
            .iter()
            .find(|u| u.username == username && u.password == password && u.active)
            .map(|u| u.id)
    }

    fn queue(&self, id: u64) -> Option<&Queue> {
        self.queues.iter().find(|q| q.id == id)
    }

    fn queue_title(&self, id: u64) -> String {
        self.queue(id).map(|q| q.title.clone()).unwrap_or_default()
    }

    fn queue_slug(&self, id: u64) -> String {
        self.queue(id).map(|q| q.slug.clone()).unwrap_or_default()
    }

    /// `Ticket.ticket_for_url`: `slug-id`.
    fn ticket_for_url(&self, t: &Ticket) -> String {
        format!("{}-{}", self.queue_slug(t.queue), t.id)
    }

    fn followups_of(&self, ticket: u64) -> Vec<&FollowUp> {
        let mut v: Vec<&FollowUp> = self
            .followups
            .values()
            .filter(|f| f.ticket == ticket)
            .collect();
        v.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        v
    }

    /// `Ticket.get_assigned_to`: full name, else username; "Unassigned".
    fn assigned_display(&self, t: &Ticket) -> String {
        match t.assigned_to.and_then(|u| self.user(u)) {
            Some(u) if !u.full_name().is_empty() => u.full_name(),
            Some(u) => u.username.clone(),
            None => "Unassigned".to_string(),
        }
    }

    fn add_followup(&mut self, mut f: FollowUp) -> u64 {
        let id = self.next_followup;
        self.next_followup += 1;
        f.id = id;
        self.followups.insert(id, f);
        id
    }

    fn delete_ticket(&mut self, id: u64) {
        self.tickets.remove(&id);
        let fids: Vec<u64> = self
            .followups
            .values()
            .filter(|f| f.ticket == id)
            .map(|f| f.id)
            .collect();
        for fid in &fids {
            self.followups.remove(fid);
        }
        self.attachments.retain(|_, a| !fids.contains(&a.followup));
        for t in self.tickets.values_mut() {
            if t.merged_to == Some(id) {
                t.merged_to = None;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

const HTML: &str = "text/html; charset=utf-8";
const JSON_CT: &str = "application/json";
const MAX_BODY: usize = 16 * 1024 * 1024;
const CSRF_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SESSION_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const CSRF_COOKIE_AGE: i64 = 31_449_600;
const SESSION_COOKIE_AGE: i64 = 1_209_600;

fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// What the handler answers, before cookies are added.
struct Reply {
    status: u16,
    ctype: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, ctype: Option<&'static str>, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            ctype,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// DRF's JSONRenderer: compact, UTF-8.
    fn json(status: u16, v: &Value) -> Reply {
        Reply::new(status, Some(JSON_CT), v.to_string())
    }

    /// Django's JsonResponse: `json.dumps` defaults (", ", ": ", ASCII only).
    fn django_json(status: u16, v: &Value) -> Reply {
        Reply::new(status, Some(JSON_CT), py_json(v))
    }

    fn html(status: u16, body: impl Into<String>) -> Reply {
        Reply::new(status, Some(HTML), body.into())
    }

    fn empty(status: u16) -> Reply {
        Reply::new(status, None, Vec::new())
    }

    fn redirect(status: u16, location: &str) -> Reply {
        Reply::new(status, Some(HTML), Vec::new()).with("location", iri_to_uri(location))
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

fn error_page(title: &str, details: &str) -> String {
    format!(
        "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>{title}</title>\n</head>\n<body>\n  <h1>{title}</h1><p>{details}</p>\n</body>\n</html>\n"
    )
}

fn not_found_html() -> Reply {
    Reply::html(
        404,
        error_page(
            "Not Found",
            "The requested resource was not found on this server.",
        ),
    )
}

fn server_error_html() -> Reply {
    Reply::html(500, error_page("Server Error (500)", ""))
}

fn bad_request_html() -> Reply {
    Reply::html(400, error_page("Bad Request (400)", ""))
}

fn detail(msg: &str) -> Value {
    json!({ "detail": msg })
}

/// The parsed request plus what the response must carry (session and CSRF cookies).
struct Cx {
    method: Method,
    /// Percent-decoded, as Django's `path_info`.
    path: String,
    raw_path: String,
    raw_query: Option<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    cookies: HashMap<String, String>,
    body: Bytes,
    host: String,
    /// The current HTTP session's key, if it exists server-side.
    session_key: Option<String>,
    had_session_cookie: bool,
    session_dirty: bool,
    session_flushed: bool,
    /// The CSRF secret `get_token()` hands out (`request.META["CSRF_COOKIE"]`).
    csrf_secret: Option<String>,
    csrf_send: bool,
}

impl Cx {
    fn new(parts: &axum::http::request::Parts, body: Bytes, db: &Db) -> Cx {
        let raw_path = parts.uri.path().to_string();
        let path = percent_decode(&raw_path);
        let raw_query = parts.uri.query().map(str::to_string);
        let query = raw_query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let cookies = parse_cookies(&parts.headers);
        let host = parts
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let had_session_cookie = cookies.contains_key("sessionid");
        let session_key = cookies
            .get("sessionid")
            .filter(|k| db.sessions.contains_key(*k))
            .cloned();
        // CsrfViewMiddleware.process_request: a malformed cookie is replaced.
        let (csrf_secret, csrf_send) = match cookies.get("csrftoken") {
            Some(c) => match check_token_format(c) {
                Ok(()) if c.len() == 64 => (Some(unmask_token(c)), false),
                Ok(()) => (Some(c.clone()), false),
                Err(_) => (Some(random_string(32, CSRF_CHARS)), true),
            },
            None => (None, false),
        };
        Cx {
            method: parts.method.clone(),
            path,
            raw_path,
            raw_query,
            query,
            headers: parts.headers.clone(),
            cookies,
            body,
            host,
            session_key,
            had_session_cookie,
            session_dirty: false,
            session_flushed: false,
            csrf_secret,
            csrf_send,
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// `QueryDict.get`: the last value.
    fn query_get(&self, key: &str) -> Option<String> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    fn media_type(&self) -> String {
        self.content_type()
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// `request.POST`: only form bodies are parsed.
    fn form_pairs(&self) -> Vec<(String, String)> {
        match self.media_type().as_str() {
            "application/x-www-form-urlencoded" => url::form_urlencoded::parse(&self.body)
                .into_owned()
                .collect(),
            "multipart/form-data" => parse_multipart(&self.content_type(), &self.body)
                .map(|(fields, _)| fields)
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn form_value(&self, key: &str) -> Option<String> {
        self.form_pairs()
            .into_iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn is_unsafe(&self) -> bool {
        !matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        )
    }

    fn full_path(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{}?{}", self.raw_path, q),
            None => self.raw_path.clone(),
        }
    }

    /// `request.build_absolute_uri(path)`.
    fn absolute(&self, path: &str) -> String {
        format!("http://{}{}", self.host, path)
    }

    fn session<'a>(&self, db: &'a Db) -> Option<&'a HttpSession> {
        self.session_key.as_ref().and_then(|k| db.sessions.get(k))
    }

    /// Django's `request.user` from the session (AuthenticationMiddleware).
    fn session_user(&self, db: &Db) -> Option<u64> {
        let uid = self.session(db)?.user?;
        db.user(uid).filter(|u| u.active).map(|u| u.id)
    }

    /// The request's session, created (with a new key) when there is none.
    fn ensure_session<'a>(&mut self, db: &'a mut Db) -> &'a mut HttpSession {
        let key = match &self.session_key {
            Some(k) if db.sessions.contains_key(k) => k.clone(),
            _ => {
                let k = new_session_key(db);
                db.sessions.insert(k.clone(), HttpSession::default());
                self.session_key = Some(k.clone());
                self.session_dirty = true;
                k
            }
        };
        db.sessions.entry(key).or_default()
    }

    /// `request.session.flush()`.
    fn flush_session(&mut self, db: &mut Db) {
        if let Some(k) = self.session_key.take() {
            db.sessions.remove(&k);
        }
        self.session_flushed = true;
        self.session_dirty = false;
    }

    /// `django.middleware.csrf.get_token`: the masked token; the cookie goes out with the answer.
    fn get_token(&mut self) -> String {
        let secret = match &self.csrf_secret {
            Some(s) => s.clone(),
            None => {
                let s = random_string(32, CSRF_CHARS);
                self.csrf_secret = Some(s.clone());
                s
            }
        };
        self.csrf_send = true;
        mask_secret(&secret)
    }

    /// `rotate_token`, at login.
    fn rotate_csrf(&mut self) {
        self.csrf_secret = Some(random_string(32, CSRF_CHARS));
        self.csrf_send = true;
    }

    fn into_response(self, reply: Reply) -> Response {
        let mut resp = Response::new(Body::from(reply.body));
        *resp.status_mut() =
            StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = resp.headers_mut();
        if let Some(ct) = reply.ctype {
            h.insert("content-type", HeaderValue::from_static(ct));
        }
        for (name, value) in reply.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.append(HeaderName::from_static(name), v);
            }
        }
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
        h.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
        let at = Utc::now();
        let mut cookies = Vec::new();
        if self.csrf_send
            && let Some(secret) = &self.csrf_secret
        {
            cookies.push(format!(
                "csrftoken={secret}; expires={}; Max-Age={CSRF_COOKIE_AGE}; Path=/; SameSite=Lax",
                http_date(at + TimeDelta::seconds(CSRF_COOKIE_AGE))
            ));
        }
        match &self.session_key {
            Some(k) if self.session_dirty => cookies.push(format!(
                "sessionid={k}; expires={}; HttpOnly; Max-Age={SESSION_COOKIE_AGE}; Path=/; SameSite=Lax",
                http_date(at + TimeDelta::seconds(SESSION_COOKIE_AGE))
            )),
            None if self.session_flushed && self.had_session_cookie => cookies.push(
                "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
                    .to_string(),
            ),
            _ => {}
        }
        for c in cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                h.append("set-cookie", v);
            }
        }
        resp
    }
}

fn new_session_key(db: &Db) -> String {
    loop {
        let k = random_string(32, SESSION_CHARS);
        if !db.sessions.contains_key(&k) {
            return k;
        }
    }
}

fn parse_cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for v in headers.get_all("cookie") {
        let Ok(s) = v.to_str() else { continue };
        for part in s.split(';') {
            if let Some((k, v)) = part.split_once('=') {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(v);
                out.insert(k.trim().to_string(), v.to_string());
            }
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && hex.bytes().all(|x| x.is_ascii_hexdigit())
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Python's `quote_plus` (what `urlencode` uses): unreserved characters stay, space becomes `+`.
fn quote_plus(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Python's `quote(s, safe="/")`, as `redirect_to_login` uses for `next`.
fn quote_path(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Django's `iri_to_uri`: percent-encodes what cannot go into a header as is.
fn iri_to_uri(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii() && !c.is_ascii_control() && c != ' ' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn http_date(d: DateTime<Utc>) -> String {
    d.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// HTML escaping as Django's autoescape does it.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// `json.dumps(v)` with Python's defaults.
fn py_json(v: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\u{08}' => out.push_str("\\b"),
                        '\u{0c}' => out.push_str("\\f"),
                        c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                            let mut buf = [0u16; 2];
                            for unit in c.encode_utf16(&mut buf) {
                                out.push_str(&format!("\\u{unit:04x}"));
                            }
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(x, out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                out.push('{');
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(&Value::String(k.clone()), out);
                    out.push_str(": ");
                    write(x, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn pretty_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if v.serialize(&mut ser).is_err() {
        return v.to_string();
    }
    String::from_utf8_lossy(&buf).into_owned()
}

async fn handle(State(db): State<Arc<Mutex<Db>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let mut r = Response::new(Body::from(error_page("Bad Request (400)", "")));
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return r;
        }
    };
    let mut db = lock(&db);
    let mut cx = Cx::new(&parts, body, &db);
    db.log
        .push((cx.method.as_str().to_string(), cx.path.clone()));
    let reply = dispatch(&mut db, &mut cx);
    cx.into_response(reply)
}

// ---------------------------------------------------------------------------------------------
// CSRF (django.middleware.csrf, Django 5.2)
// ---------------------------------------------------------------------------------------------

fn csrf_index(c: u8) -> Option<usize> {
    CSRF_CHARS.iter().position(|x| *x == c)
}

fn check_token_format(token: &str) -> Result<(), &'static str> {
    if token.len() != 32 && token.len() != 64 {
        return Err("has incorrect length");
    }
    if !token.bytes().all(|b| csrf_index(b).is_some()) {
        return Err("has invalid characters");
    }
    Ok(())
}

/// `_mask_cipher_secret`: a random mask followed by the secret shifted by it.
fn mask_secret(secret: &str) -> String {
    let mask = random_string(32, CSRF_CHARS);
    let n = CSRF_CHARS.len();
    let cipher: String = secret
        .bytes()
        .zip(mask.bytes())
        .map(|(s, m)| {
            let x = csrf_index(s).unwrap_or(0);
            let y = csrf_index(m).unwrap_or(0);
            CSRF_CHARS[(x + y) % n] as char
        })
        .collect();
    format!("{mask}{cipher}")
}

/// `_unmask_cipher_token` (the token is 64 valid characters).
fn unmask_token(token: &str) -> String {
    let n = CSRF_CHARS.len();
    let (mask, cipher) = token.split_at(token.len().min(32));
    cipher
        .bytes()
        .zip(mask.bytes())
        .map(|(c, m)| {
            let x = csrf_index(c).unwrap_or(0);
            let y = csrf_index(m).unwrap_or(0);
            CSRF_CHARS[(x + n - y) % n] as char
        })
        .collect()
}

/// `CsrfViewMiddleware.process_view` for an unsafe request: Ok, or the rejection reason.
fn csrf_check(cx: &Cx, form_token: Option<&str>) -> Result<(), String> {
    if let Some(origin) = cx.header("origin")
        && origin != format!("http://{}", cx.host)
    {
        return Err(format!(
            "Origin checking failed - {origin} does not match any trusted origins."
        ));
    }
    let secret = match cx.cookies.get("csrftoken") {
        None => return Err("CSRF cookie not set.".to_string()),
        Some(c) => {
            check_token_format(c).map_err(|r| format!("CSRF cookie {r}."))?;
            if c.len() == 64 {
                unmask_token(c)
            } else {
                c.clone()
            }
        }
    };
    let (token, source_is_post) = match form_token.filter(|t| !t.is_empty()) {
        Some(t) if cx.method == Method::POST => (t.to_string(), true),
        _ => match cx.header("x-csrftoken") {
            Some(t) => (t, false),
            None => return Err("CSRF token missing.".to_string()),
        },
    };
    let bad = |reason: &str| {
        if source_is_post {
            format!("CSRF token from POST {reason}.")
        } else {
            format!("CSRF token from the 'X-Csrftoken' HTTP header {reason}.")
        }
    };
    check_token_format(&token).map_err(bad)?;
    let given = if token.len() == 64 {
        unmask_token(&token)
    } else {
        token
    };
    if given != secret {
        return Err(bad("incorrect"));
    }
    Ok(())
}

fn csrf_failure_page(no_cookie: bool) -> Reply {
    let cookie_help = if no_cookie {
        "\n  <p>You are seeing this message because this site requires a CSRF cookie when submitting forms. This cookie is required for security reasons, to ensure that your browser is not being hijacked by third parties.</p>\n  <p>If you have configured your browser to disable cookies, please re-enable them, at least for this site, or for “same-origin” requests.</p>"
    } else {
        ""
    };
    Reply::html(
        403,
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\">\n  <meta name=\"robots\" content=\"NONE,NOARCHIVE\">\n  <title>403 Forbidden</title>\n</head>\n<body>\n<div id=\"summary\">\n  <h1>Forbidden <span>(403)</span></h1>\n  <p>CSRF verification failed. Request aborted.</p>{cookie_help}\n</div>\n<div id=\"explanation\">\n  <p><small>More information is available with DEBUG=True.</small></p>\n</div>\n</body>\n</html>\n"
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Route {
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

fn dispatch(db: &mut Db, cx: &mut Cx) -> Reply {
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
            if cx.is_unsafe() {
                let form_token = if cx.method == Method::POST {
                    cx.form_value("csrfmiddlewaretoken")
                } else {
                    None
                };
                if let Err(reason) = csrf_check(cx, form_token.as_deref()) {
                    return csrf_failure_page(reason == "CSRF cookie not set.");
                }
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

/// The fork's agent middlewares (access control, then the branch name).
fn fork_middleware(db: &mut Db, cx: &mut Cx) -> Option<Reply> {
    const AGENT_ALLOWED_PATHS: [&str; 3] = ["/api/", "/login/", "/logout/"];
    let uid = cx.session_user(db)?;
    let user = db.user(uid)?.clone();
    if !user.agent {
        return None;
    }
    if db.agent_access_control && !AGENT_ALLOWED_PATHS.iter().any(|p| cx.path.starts_with(p)) {
        let xhr = cx.header("x-requested-with").as_deref() == Some("XMLHttpRequest");
        let wants_json = cx
            .header("accept")
            .is_some_and(|a| a.contains("application/json"));
        if xhr || wants_json {
            return Some(Reply::django_json(
                403,
                &json!({
                    "error": "Access denied",
                    "message": "Agent accounts can only access the API. Web interface access is restricted.",
                    "code": "AGENT_WEB_ACCESS_DENIED",
                }),
            ));
        }
        cx.flush_session(db);
        return Some(Reply::html(
            403,
            "<h1>Access Restricted</h1><p>Agent accounts can only access the API. Web interface access is not permitted.</p><p>Please use the API endpoints for all operations.</p>",
        ));
    }
    let session = cx.ensure_session(db);
    if session.branch_name.is_none() {
        session.branch_name = Some(mint_branch(&user.username));
        cx.session_dirty = true;
    }
    None
}

/// `<username>-<8 random chars from [a-z0-9]>`, as `AgentBranchNameMiddleware` makes it.
fn mint_branch(username: &str) -> String {
    format!("{username}-{}", random_string(8, SESSION_CHARS))
}

// ---------------------------------------------------------------------------------------------
// Plain Django views: login, logout, home, dashboard, media
// ---------------------------------------------------------------------------------------------

/// `url_has_allowed_host_and_scheme` for the `next` parameter.
fn safe_next(next: &str, host: &str) -> Option<String> {
    if next.is_empty() || next.starts_with("//") || next.starts_with("/\\") {
        return None;
    }
    if next.starts_with('/') {
        return Some(next.to_string());
    }
    let u = url::Url::parse(next).ok()?;
    let same_host = match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}") == host,
        (Some(h), None) => h == host,
        _ => false,
    };
    (matches!(u.scheme(), "http" | "https") && same_host).then(|| next.to_string())
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title} - Helpdesk</title>\n</head>\n<body>\n<nav class=\"navbar\"><a class=\"navbar-brand\" href=\"/\">Helpdesk</a></nav>\n<div id=\"content-wrapper\">\n{body}\n</div>\n</body>\n</html>\n",
        title = esc(title)
    )
}

fn login_page(cx: &mut Cx, next: &str, failed: bool) -> Reply {
    let token = cx.get_token();
    let error = if failed {
        "<p class=\"text-danger\">Your username and password didn't match. Please try again.</p>\n"
    } else {
        ""
    };
    let body = format!(
        "<div class=\"card card-login mx-auto mt-5\">\n<div class=\"card-header\">Login</div>\n<div class=\"card-body\">\n<p>To log in simply enter your username and password below.</p>\n{error}<form method=\"post\" action=\"/login/\">\n<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{token}\">\n<div class=\"form-group\"><label for=\"id_username\">Username</label><input type=\"text\" name=\"username\" autofocus autocapitalize=\"none\" autocomplete=\"username\" maxlength=\"150\" class=\"form-control\" required id=\"id_username\"></div>\n<div class=\"form-group\"><label for=\"id_password\">Password</label><input type=\"password\" name=\"password\" autocomplete=\"current-password\" class=\"form-control\" required id=\"id_password\"></div>\n<input class=\"btn btn-primary btn-block\" type=\"submit\" value=\"Login\">\n<input type=\"hidden\" name=\"next\" value=\"{next}\">\n</form>\n</div>\n</div>",
        next = esc(next)
    );
    Reply::html(200, page("Login", &body)).with("vary", "Cookie")
}

/// `django.contrib.auth.login`: keeps, cycles or flushes the session, then rotates the CSRF
/// secret.
fn do_login(db: &mut Db, cx: &mut Cx, uid: u64) {
    let old = cx
        .session_key
        .take()
        .and_then(|k| db.sessions.remove(&k).map(|s| (k, s)));
    let (key, data) = match old {
        // Same user: the session is kept as it is.
        Some((k, s)) if s.user == Some(uid) => (k, s),
        // Anonymous session: cycle_key() keeps the data under a new key.
        Some((_, s)) if s.user.is_none() => (new_session_key(db), s),
        // Another user's session, or none: a fresh one.
        _ => (new_session_key(db), HttpSession::default()),
    };
    db.sessions.insert(
        key.clone(),
        HttpSession {
            user: Some(uid),
            ..data
        },
    );
    cx.session_key = Some(key);
    cx.session_dirty = true;
    cx.rotate_csrf();
}

fn login_view(db: &mut Db, cx: &mut Cx) -> Reply {
    match cx.method {
        Method::GET | Method::HEAD => {
            let next = cx.query_get("next").unwrap_or_default();
            login_page(cx, &next, false)
        }
        Method::POST | Method::PUT => {
            let username = cx.form_value("username").unwrap_or_default();
            let password = cx.form_value("password").unwrap_or_default();
            let next = cx
                .form_value("next")
                .or_else(|| cx.query_get("next"))
                .unwrap_or_default();
            match db.authenticate(&username, &password) {
                Some(uid) if !username.is_empty() && !password.is_empty() => {
                    do_login(db, cx, uid);
                    let to = safe_next(&next, &cx.host).unwrap_or_else(|| "/".to_string());
                    Reply::redirect(302, &to).with("vary", "Cookie")
                }
                _ => login_page(cx, &next, true),
            }
        }
        Method::OPTIONS => Reply::empty(200).with("allow", "GET, POST, PUT, OPTIONS"),
        _ => Reply::new(405, Some(HTML), Vec::new()).with("allow", "GET, POST, PUT, OPTIONS"),
    }
}

fn logout_view(db: &mut Db, cx: &mut Cx) -> Reply {
    match cx.method {
        Method::POST => {
            cx.flush_session(db);
            let next = cx
                .form_value("next")
                .or_else(|| cx.query_get("next"))
                .unwrap_or_default();
            if let Some(to) = safe_next(&next, &cx.host) {
                return Reply::redirect(302, &to);
            }
            Reply::html(
                200,
                page(
                    "Logged Out",
                    "<h2>Logged Out</h2>\n<p>Thanks for being here. Hopefully you've helped resolve a few tickets and made the world a better place.</p>\n<p><a href=\"/login/\">Log in again</a></p>",
                ),
            )
        }
        Method::OPTIONS => Reply::empty(200).with("allow", "POST, OPTIONS"),
        _ => Reply::new(405, Some(HTML), Vec::new()).with("allow", "POST, OPTIONS"),
    }
}

/// `redirect_to_login`: `302 /login/?next=<the full path>`.
fn redirect_to_login(cx: &Cx) -> Reply {
    let next = percent_decode(&cx.full_path());
    Reply::redirect(302, &format!("/login/?next={}", quote_path(&next)))
}

fn home_view(db: &mut Db, cx: &mut Cx) -> Reply {
    if !matches!(cx.method, Method::GET | Method::HEAD | Method::POST) {
        return Reply::new(405, Some(HTML), Vec::new()).with("allow", "GET, HEAD, POST");
    }
    if let Some(uid) = cx.session_user(db)
        && db.is_staff(uid)
    {
        return Reply::redirect(302, "/dashboard/");
    }
    Reply::html(
        200,
        page(
            "Welcome to Helpdesk",
            "<h2>Welcome to Helpdesk</h2>\n<p>Submit a ticket, or view an existing ticket with its ticket ID and your e-mail address.</p>\n<p><a href=\"/login/\">Log in</a></p>",
        ),
    )
}

fn dashboard_view(db: &mut Db, cx: &mut Cx) -> Reply {
    let Some(uid) = cx.session_user(db).filter(|u| db.is_staff(*u)) else {
        return redirect_to_login(cx);
    };
    let mut rows = String::new();
    for q in &db.queues {
        let count = |statuses: &[i64]| {
            db.tickets
                .values()
                .filter(|t| t.queue == q.id && statuses.contains(&t.status))
                .count()
        };
        rows.push_str(&format!(
            "<tr><td><a href=\"/tickets/?queue={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            q.id,
            esc(&q.title),
            count(&[1, 2]),
            count(&[RESOLVED]),
            count(&[CLOSED])
        ));
    }
    let username = db.user(uid).map(|u| u.username.clone()).unwrap_or_default();
    Reply::html(
        200,
        page(
            "Helpdesk Dashboard",
            &format!(
                "<h2>Helpdesk Dashboard</h2>\n<p>Logged in as {}</p>\n<table class=\"table\"><thead><tr><th>Queue</th><th>Open</th><th>Resolved</th><th>Closed</th></tr></thead><tbody>\n{rows}</tbody></table>",
                esc(&username)
            ),
        ),
    )
    .with("vary", "Cookie")
}

/// `django.views.static.serve` for attachments (no auth, as in the reference setup).
fn media_view(db: &mut Db, cx: &mut Cx, path: &str) -> Reply {
    if !matches!(cx.method, Method::GET | Method::HEAD) {
        return Reply::new(405, Some(HTML), Vec::new()).with("allow", "GET, HEAD");
    }
    match db.attachments.values().find(|a| a.path == path) {
        Some(a) => {
            let mut r = Reply::new(200, None, a.data.clone());
            r.headers.push(("content-type", a.mime_type.clone()));
            r
        }
        None => not_found_html(),
    }
}

// ---------------------------------------------------------------------------------------------
// DRF: negotiation, authentication, permissions, rendering
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Render {
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
struct Api {
    render: Render,
    route: Route,
    name: &'static str,
    allow: &'static str,
    user: Option<u64>,
}

enum NegotiationError {
    NotAcceptable,
    UnknownFormat,
}

/// DRF's DefaultContentNegotiation over `[JSONRenderer, BrowsableAPIRenderer]`.
fn negotiate(cx: &Cx) -> Result<Render, NegotiationError> {
    if let Some(format) = cx.query_get("format") {
        return match format.as_str() {
            "json" => Ok(Render::Json),
            "api" => Ok(Render::Html),
            _ => Err(NegotiationError::UnknownFormat),
        };
    }
    let accept = cx.header("accept").unwrap_or_else(|| "*/*".to_string());
    let mut by_precedence: [Vec<(String, String)>; 4] = Default::default();
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let full = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if full.is_empty() {
            continue;
        }
        let params: Vec<String> = parts
            .filter_map(|p| {
                p.split_once('=')
                    .map(|(k, _)| k.trim().to_ascii_lowercase())
            })
            .collect();
        let (main, sub) = full.split_once('/').unwrap_or((full.as_str(), ""));
        let precedence = if main == "*" {
            0
        } else if sub == "*" {
            1
        } else if params.is_empty() || params == ["q"] {
            2
        } else {
            3
        };
        by_precedence[3 - precedence].push((main.to_string(), sub.to_string()));
    }
    for group in &by_precedence {
        for (render, (rmain, rsub)) in [
            (Render::Json, ("application", "json")),
            (Render::Html, ("text", "html")),
        ] {
            if group
                .iter()
                .any(|(m, s)| (m == "*" || m == rmain) && (s == "*" || s == rsub))
            {
                return Ok(render);
            }
        }
    }
    Err(NegotiationError::NotAcceptable)
}

/// DRF's authentication classes in order: Session (CSRF on unsafe methods), Basic, Token.
/// `Err` is the `detail` of a 403.
fn authenticate(db: &Db, cx: &Cx) -> Result<Option<u64>, String> {
    if let Some(uid) = cx.session_user(db) {
        if cx.is_unsafe() {
            let form_token = if cx.method == Method::POST {
                cx.form_value("csrfmiddlewaretoken")
            } else {
                None
            };
            csrf_check(cx, form_token.as_deref()).map_err(|r| format!("CSRF Failed: {r}"))?;
        }
        return Ok(Some(uid));
    }
    let Some(header) = cx.headers.get("authorization") else {
        return Ok(None);
    };
    let raw = header.as_bytes();
    let parts: Vec<&[u8]> = raw
        .split(|b| b.is_ascii_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let Some(keyword) = parts.first() else {
        return Ok(None);
    };
    let inactive = "User inactive or deleted.".to_string();
    if keyword.eq_ignore_ascii_case(b"basic") {
        if parts.len() == 1 {
            return Err("Invalid basic header. No credentials provided.".into());
        }
        if parts.len() > 2 {
            return Err(
                "Invalid basic header. Credentials string should not contain spaces.".into(),
            );
        }
        let badly_encoded =
            || "Invalid basic header. Credentials not correctly base64 encoded.".to_string();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(parts[1])
            .map_err(|_| badly_encoded())?;
        let text = match String::from_utf8(decoded.clone()) {
            Ok(s) => s,
            Err(_) => decoded.iter().map(|b| *b as char).collect(),
        };
        let (username, password) = text.split_once(':').ok_or_else(badly_encoded)?;
        return match db
            .users
            .iter()
            .find(|u| u.username == username && u.password == password)
        {
            Some(u) if u.active => Ok(Some(u.id)),
            Some(_) => Err(inactive),
            None => Err("Invalid username/password.".into()),
        };
    }
    if keyword.eq_ignore_ascii_case(b"token") {
        if parts.len() == 1 {
            return Err("Invalid token header. No credentials provided.".into());
        }
        if parts.len() > 2 {
            return Err("Invalid token header. Token string should not contain spaces.".into());
        }
        let key = std::str::from_utf8(parts[1]).map_err(|_| {
            "Invalid token header. Token string should not contain invalid characters.".to_string()
        })?;
        return match db.tokens.get(key).and_then(|uid| db.user(*uid)) {
            Some(u) if u.active => Ok(Some(u.id)),
            Some(_) => Err(inactive),
            None => Err("Invalid token.".into()),
        };
    }
    Ok(None)
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
    fn reply(&self, db: &Db, cx: &mut Cx, status: u16, body: Value) -> Reply {
        let r = match self.render {
            Render::Json if status == 204 => Reply::empty(204),
            Render::Json => Reply::json(status, &body),
            Render::Html => Reply::html(status, browsable_page(db, cx, self, status, &body)),
        };
        r.with("allow", self.allow).with("vary", "Accept, Cookie")
    }

    fn not_found(&self, db: &Db, cx: &mut Cx, model: &str) -> Reply {
        self.reply(
            db,
            cx,
            404,
            detail(&format!("No {model} matches the given query.")),
        )
    }
}

fn drf(db: &mut Db, cx: &mut Cx, route: Route) -> Reply {
    let (name, allow, perm) = route_meta(&route);
    let render = match negotiate(cx) {
        Ok(r) => r,
        Err(NegotiationError::NotAcceptable) => {
            return Reply::json(406, &detail("Could not satisfy the request Accept header."))
                .with("allow", allow)
                .with("vary", "Accept, Cookie");
        }
        Err(NegotiationError::UnknownFormat) => {
            return Reply::json(404, &detail("Not found.")).with("vary", "Accept, Cookie");
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
fn url_pk(pk: &str) -> Option<i64> {
    pk.trim().parse::<i64>().ok()
}

/// DRF's PageNumberPagination (page_size 25, `page_size` unbounded, `page=last`).
struct Pagination {
    start: usize,
    end: usize,
    next: Option<String>,
    previous: Option<String>,
}

fn python_int(s: &str) -> Option<i64> {
    s.trim().replace('_', "").parse::<i64>().ok()
}

fn paginate(cx: &Cx, count: usize) -> Option<Pagination> {
    let size = cx
        .query_get("page_size")
        .and_then(|s| python_int(&s))
        .filter(|n| *n > 0)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .unwrap_or(25);
    let num_pages = count.div_ceil(size).max(1);
    let raw = cx.query_get("page").unwrap_or_else(|| "1".to_string());
    let number = if raw == "last" {
        num_pages
    } else {
        let n = python_int(&raw)?;
        if n < 1 {
            return None;
        }
        usize::try_from(n).ok()?
    };
    if number > num_pages {
        return None;
    }
    let start = (number - 1).saturating_mul(size).min(count);
    let end = start.saturating_add(size).min(count);
    let url = |page: Option<usize>| {
        let mut params: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in &cx.query {
            match params.iter_mut().find(|(pk, _)| pk == k) {
                Some((_, vals)) => vals.push(v.clone()),
                None => params.push((k.clone(), vec![v.clone()])),
            }
        }
        params.retain(|(k, _)| k != "page");
        if let Some(p) = page {
            params.push(("page".to_string(), vec![p.to_string()]));
        }
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let q: Vec<String> = params
            .iter()
            .flat_map(|(k, vals)| {
                vals.iter()
                    .map(move |v| format!("{}={}", quote_plus(k), quote_plus(v)))
            })
            .collect();
        let base = cx.absolute(&cx.raw_path);
        if q.is_empty() {
            base
        } else {
            format!("{base}?{}", q.join("&"))
        }
    };
    let next = (number < num_pages).then(|| url(Some(number + 1)));
    let previous = (number > 1).then(|| url(if number == 2 { None } else { Some(number - 1) }));
    Some(Pagination {
        start,
        end,
        next,
        previous,
    })
}

fn page_body(p: &Pagination, count: usize, results: Vec<Value>) -> Value {
    json!({
        "count": count,
        "next": p.next,
        "previous": p.previous,
        "results": results,
    })
}

/// `request.data` after DRF's parsers: the data (a JSON value, or the form as an object of
/// strings) and any uploaded files.
struct Parsed {
    data: Value,
    files: Vec<Upload>,
    form: bool,
}

#[derive(Debug, Clone)]
struct Upload {
    field: String,
    filename: String,
    content_type: String,
    data: Vec<u8>,
}

fn parse_data(cx: &Cx) -> Result<Parsed, (u16, Value)> {
    let media = cx.media_type();
    let is_form = matches!(
        media.as_str(),
        "application/x-www-form-urlencoded" | "multipart/form-data"
    );
    if cx.body.is_empty() {
        return Ok(Parsed {
            data: Value::Object(Map::new()),
            files: Vec::new(),
            form: is_form,
        });
    }
    let to_object = |pairs: Vec<(String, String)>| {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k, Value::String(v));
        }
        Value::Object(m)
    };
    match media.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(&cx.body) {
            Ok(v) => Ok(Parsed {
                data: v,
                files: Vec::new(),
                form: false,
            }),
            Err(e) => Err((
                400,
                detail(&format!(
                    "JSON parse error - {}",
                    python_json_error(&e, &cx.body)
                )),
            )),
        },
        "application/x-www-form-urlencoded" => Ok(Parsed {
            data: to_object(url::form_urlencoded::parse(&cx.body).into_owned().collect()),
            files: Vec::new(),
            form: true,
        }),
        "multipart/form-data" => match parse_multipart(&cx.content_type(), &cx.body) {
            Some((fields, files)) => Ok(Parsed {
                data: to_object(fields),
                files,
                form: true,
            }),
            None => Err((
                400,
                detail("Multipart form parse error - Invalid boundary in multipart: None"),
            )),
        },
        _ => Err((
            415,
            detail(&format!(
                "Unsupported media type \"{}\" in request.",
                cx.content_type()
            )),
        )),
    }
}

/// A message in the words of Python's `json` module, which DRF passes on.
fn python_json_error(e: &serde_json::Error, body: &[u8]) -> String {
    let text = e.to_string();
    let what = if text.contains("key must be a string") {
        "Expecting property name enclosed in double quotes"
    } else if text.contains("expected `:`") {
        "Expecting ':' delimiter"
    } else if text.contains("expected `,` or") {
        "Expecting ',' delimiter"
    } else if text.contains("trailing comma") {
        "Illegal trailing comma before end of object"
    } else if text.contains("trailing characters") {
        "Extra data"
    } else if text.contains("EOF while parsing a string") {
        "Unterminated string starting at"
    } else if text.contains("invalid escape") {
        "Invalid \\escape"
    } else if text.contains("control character") {
        "Invalid control character at"
    } else {
        "Expecting value"
    };
    let line = e.line().max(1);
    let column = e.column().max(1);
    let body = String::from_utf8_lossy(body);
    let line_start: usize = body
        .split_inclusive('\n')
        .take(line - 1)
        .map(|l| l.chars().count())
        .sum();
    let char_pos = line_start + column - 1;
    format!("{what}: line {line} column {column} (char {char_pos})")
}

/// Text fields of a form, in order.
type FormFields = Vec<(String, String)>;

/// A minimal `multipart/form-data` reader: text fields and files.
fn parse_multipart(content_type: &str, body: &[u8]) -> Option<(FormFields, Vec<Upload>)> {
    let boundary = content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })?;
    if boundary.is_empty() {
        return None;
    }
    let delim = format!("--{boundary}").into_bytes();
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut chunks = split_bytes(body, &delim).into_iter();
    chunks.next()?; // preamble
    for chunk in chunks {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let split = find_bytes(chunk, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&chunk[..split]).into_owned();
        let content = chunk[split + 4..].to_vec();
        let mut name = None;
        let mut filename = None;
        let mut ctype = String::new();
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for p in v.split(';') {
                    if let Some((pk, pv)) = p.trim().split_once('=') {
                        let pv = pv.trim().trim_matches('"').to_string();
                        match pk.trim() {
                            "name" => name = Some(pv),
                            "filename" => filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                ctype = v.trim().to_string();
            }
        }
        let name = name?;
        match filename {
            Some(f) => files.push(Upload {
                field: name,
                filename: f,
                content_type: ctype,
                data: content,
            }),
            None => fields.push((name, String::from_utf8_lossy(&content).into_owned())),
        }
    }
    Some((fields, files))
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(hay: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = hay;
    while let Some(i) = find_bytes(rest, delim) {
        out.push(&rest[..i]);
        rest = &rest[i + delim.len()..];
    }
    out.push(rest);
    out
}

/// `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}` and friends.
fn not_a_dict(v: &Value) -> Value {
    let msg = match v {
        Value::Null => "This field may not be null.".to_string(),
        other => format!(
            "Invalid data. Expected a dictionary, but got {}.",
            py_type(other)
        ),
    };
    json!({ "non_field_errors": [msg] })
}

fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's `str()` of a parsed JSON value.
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::String(k.clone())), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        other => py_str(other),
    }
}

// ---------------------------------------------------------------------------------------------
// DRF field validation (the messages DRF 3.18 and Django 5.2 give)
// ---------------------------------------------------------------------------------------------

const REQUIRED: &str = "This field is required.";
const MAY_NOT_BE_NULL: &str = "This field may not be null.";
const DATETIME_FORMAT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
const DURATION_FORMAT_ERROR: &str =
    "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu].";

type FieldResult<T> = Result<T, String>;

/// Records a field error; `Some(value)` when the field is valid.
fn field<T>(errs: &mut Map<String, Value>, name: &str, r: FieldResult<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errs.insert(name.to_string(), json!([e]));
            None
        }
    }
}

fn require(errs: &mut Map<String, Value>, name: &str) {
    errs.insert(name.to_string(), json!([REQUIRED]));
}

/// `PrimaryKeyRelatedField`.
fn v_pk(v: &Value, allow_null: bool, exists: impl Fn(u64) -> bool) -> FieldResult<Option<u64>> {
    let incorrect = |t: &str| format!("Incorrect type. Expected pk value, received {t}.");
    let n: i64 = match v {
        Value::Null => {
            return if allow_null {
                Ok(None)
            } else {
                Err(MAY_NOT_BE_NULL.into())
            };
        }
        Value::String(s) if s.is_empty() => {
            return if allow_null {
                Ok(None)
            } else {
                Err(MAY_NOT_BE_NULL.into())
            };
        }
        Value::Bool(_) => return Err(incorrect("bool")),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(f)) if f.is_finite() => f.trunc() as i64,
            _ => return Err(incorrect("float")),
        },
        Value::String(s) => match python_int(s) {
            Some(i) => i,
            None => return Err(incorrect("str")),
        },
        Value::Array(_) => return Err(incorrect("list")),
        Value::Object(_) => return Err(incorrect("dict")),
    };
    match u64::try_from(n) {
        Ok(id) if exists(id) => Ok(Some(id)),
        _ => Err(format!(
            "Invalid pk \"{}\" - object does not exist.",
            py_str(v)
        )),
    }
}

/// `ChoiceField` (model choices); `None` for null or blank where allowed.
fn v_choice(
    v: &Value,
    choices: &[(i64, &str)],
    allow_null: bool,
    allow_blank: bool,
) -> FieldResult<Option<i64>> {
    match v {
        Value::Null if allow_null => return Ok(None),
        Value::Null => return Err(MAY_NOT_BE_NULL.into()),
        Value::String(s) if s.is_empty() && allow_blank => return Ok(None),
        _ => {}
    }
    let key = py_str(v);
    choices
        .iter()
        .find(|(n, _)| n.to_string() == key)
        .map(|(n, _)| Some(*n))
        .ok_or_else(|| format!("\"{key}\" is not a valid choice."))
}

/// `CharField` (trims whitespace).
fn v_char(
    v: &Value,
    max: Option<usize>,
    allow_blank: bool,
    allow_null: bool,
) -> FieldResult<Option<String>> {
    let s = match v {
        Value::Null if allow_null => return Ok(None),
        Value::Null => return Err(MAY_NOT_BE_NULL.into()),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
            return Err("Not a valid string.".into());
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
    };
    if s.is_empty() && !allow_blank {
        return Err("This field may not be blank.".into());
    }
    if let Some(m) = max
        && s.chars().count() > m
    {
        return Err(format!(
            "Ensure this field has no more than {m} characters."
        ));
    }
    Ok(Some(s))
}

fn v_email(v: &Value, allow_null: bool) -> FieldResult<Option<String>> {
    let s = v_char(v, Some(254), true, allow_null)?;
    match &s {
        Some(e) if !e.is_empty() && !valid_email(e) => Err("Enter a valid email address.".into()),
        _ => Ok(s),
    }
}

/// `BooleanField`.
fn v_bool(v: &Value) -> FieldResult<bool> {
    const TRUE: [&str; 13] = [
        "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    ];
    const FALSE: [&str; 13] = [
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ];
    let invalid = || "Must be a valid boolean.".to_string();
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Err(MAY_NOT_BE_NULL.into()),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Ok(true),
            Some(0.0) => Ok(false),
            _ => Err(invalid()),
        },
        Value::String(s) if s == "1" || TRUE.contains(&s.as_str()) => Ok(true),
        Value::String(s) if s == "0" || FALSE.contains(&s.as_str()) => Ok(false),
        _ => Err(invalid()),
    }
}

fn v_datetime(v: &Value) -> FieldResult<Option<DateTime<Utc>>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => parse_datetime_input(s)
            .map(Some)
            .ok_or_else(|| DATETIME_FORMAT_ERROR.to_string()),
        _ => Err(DATETIME_FORMAT_ERROR.to_string()),
    }
}

fn v_duration(v: &Value) -> FieldResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::String(_) | Value::Number(_) => parse_duration(&py_str(v))
            .map(Some)
            .ok_or_else(|| DURATION_FORMAT_ERROR.to_string()),
        _ => Err(DURATION_FORMAT_ERROR.to_string()),
    }
}

/// HTML form input: an empty value of a nullable non-text field means null.
fn blank_to_null(data: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if data.get(*k).and_then(Value::as_str) == Some("") {
            data.insert((*k).to_string(), Value::Null);
        }
    }
}

static EMAIL_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$"#,
    )
    .expect("a valid regex")
});
static EMAIL_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}$")
        .expect("a valid regex")
});

/// Django's `EmailValidator` (IDN domains are accepted as letters).
fn valid_email(s: &str) -> bool {
    if s.len() > 320 {
        return false;
    }
    let Some((user, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if !EMAIL_USER.is_match(user) {
        return false;
    }
    if domain == "localhost" {
        return true;
    }
    let ascii: String = domain
        .chars()
        .map(|c| if c.is_ascii() { c } else { 'a' })
        .collect();
    if ascii.ends_with('-') {
        return false;
    }
    if EMAIL_DOMAIN.is_match(&ascii) {
        return true;
    }
    ascii
        .strip_prefix('[')
        .and_then(|d| d.strip_suffix(']'))
        .is_some_and(|lit| lit.parse::<std::net::IpAddr>().is_ok())
}

// ---------------------------------------------------------------------------------------------
// Serializers
// ---------------------------------------------------------------------------------------------

fn status_name(n: i64) -> String {
    STATUSES
        .iter()
        .find(|(s, _)| *s == n)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| n.to_string())
}

fn priority_name(n: i64) -> String {
    PRIORITIES
        .iter()
        .find(|(p, _)| *p == n)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| n.to_string())
}

/// `Ticket.get_status`: the display name, with " - On Hold".
fn get_status(t: &Ticket) -> String {
    let mut s = status_name(t.status);
    if t.on_hold {
        s.push_str(" - On Hold");
    }
    s
}

/// DRF's `DateTimeField` output: ISO 8601 in UTC, `Z`, microseconds when there are any.
fn drf_dt(d: &DateTime<Utc>) -> String {
    if d.timestamp_subsec_micros() == 0 {
        d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

fn attachment_json(cx: &Cx, a: &Attachment) -> Value {
    json!({
        "id": a.id,
        "followup": a.followup,
        "file": cx.absolute(&format!("/media/{}", quote_path(&a.path))),
        "filename": a.filename,
        "mime_type": a.mime_type,
        "size": a.size,
    })
}

fn followup_json(db: &Db, cx: &Cx, f: &FollowUp) -> Value {
    let attachments: Vec<Value> = db
        .attachments
        .values()
        .filter(|a| a.followup == f.id)
        .map(|a| attachment_json(cx, a))
        .collect();
    json!({
        "id": f.id,
        "ticket": f.ticket,
        "user": f.user,
        "title": f.title,
        "comment": f.comment,
        "public": f.public,
        "new_status": f.new_status,
        "time_spent": f.time_spent.map(duration_string),
        "followupattachment_set": attachments,
        "date": drf_dt(&f.date),
        "message_id": f.message_id,
        "email_recipients": f.email_recipients,
    })
}

fn ticket_json(db: &Db, cx: &Cx, t: &Ticket) -> Value {
    let followups: Vec<Value> = db
        .followups_of(t.id)
        .into_iter()
        .map(|f| followup_json(db, cx, f))
        .collect();
    json!({
        "id": t.id,
        "queue": t.queue,
        "title": t.title,
        "description": t.description,
        "resolution": t.resolution,
        "submitter_email": t.submitter_email,
        "assigned_to": t.assigned_to,
        "status": t.status,
        "on_hold": t.on_hold,
        "priority": t.priority,
        "due_date": t.due_date.as_ref().map(drf_dt),
        "merged_to": t.merged_to,
        "followup_set": followups,
    })
}

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct TicketFields {
    queue: Option<u64>,
    title: Option<String>,
    description: Option<Option<String>>,
    resolution: Option<Option<String>>,
    submitter_email: Option<Option<String>>,
    assigned_to: Option<Option<u64>>,
    status: Option<i64>,
    on_hold: Option<bool>,
    /// `Some(None)`: sent blank (the model field has `blank=True`).
    priority: Option<Option<i64>>,
    due_date: Option<Option<DateTime<Utc>>>,
    merged_to: Option<Option<u64>>,
}

/// `TicketSerializer` validation; `full` for create and PUT (queue and title required).
fn validate_ticket(
    db: &Db,
    data: &Map<String, Value>,
    full: bool,
) -> Result<TicketFields, Map<String, Value>> {
    let mut e = Map::new();
    let mut out = TicketFields::default();
    match data.get("queue") {
        None if full => require(&mut e, "queue"),
        None => {}
        Some(v) => {
            out.queue = field(&mut e, "queue", v_pk(v, false, |n| db.queue(n).is_some())).flatten();
        }
    }
    match data.get("title") {
        None if full => require(&mut e, "title"),
        None => {}
        Some(v) => out.title = field(&mut e, "title", v_char(v, Some(200), false, false)).flatten(),
    }
    if let Some(v) = data.get("description") {
        out.description = field(&mut e, "description", v_char(v, None, true, true));
    }
    if let Some(v) = data.get("resolution") {
        out.resolution = field(&mut e, "resolution", v_char(v, None, true, true));
    }
    if let Some(v) = data.get("submitter_email") {
        out.submitter_email = field(&mut e, "submitter_email", v_email(v, true));
    }
    if let Some(v) = data.get("assigned_to") {
        out.assigned_to = field(
            &mut e,
            "assigned_to",
            v_pk(v, true, |n| db.user(n).is_some()),
        );
    }
    if let Some(v) = data.get("status") {
        out.status = field(&mut e, "status", v_choice(v, &STATUSES, false, false)).flatten();
    }
    if let Some(v) = data.get("on_hold") {
        out.on_hold = field(&mut e, "on_hold", v_bool(v));
    }
    if let Some(v) = data.get("priority") {
        out.priority = field(&mut e, "priority", v_choice(v, &PRIORITIES, false, true));
    }
    if let Some(v) = data.get("due_date") {
        out.due_date = field(&mut e, "due_date", v_datetime(v));
    }
    if let Some(v) = data.get("merged_to") {
        out.merged_to = field(
            &mut e,
            "merged_to",
            v_pk(v, true, |n| db.tickets.contains_key(&n)),
        );
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

const TICKET_FORM_NULLABLE: [&str; 4] = ["assigned_to", "merged_to", "due_date", "status"];

fn tickets_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let mut tickets: Vec<&Ticket> = db.tickets.values().collect();
    // `?status=1,3`: numbers only; when none is a known status the filter is dropped.
    if let Some(s) = cx.query_get("status").filter(|s| !s.is_empty()) {
        let wanted: Vec<i64> = s
            .split(',')
            .filter_map(|p| {
                STATUSES
                    .iter()
                    .find(|(n, _)| n.to_string() == p)
                    .map(|(n, _)| *n)
            })
            .collect();
        if !wanted.is_empty() {
            tickets.retain(|t| wanted.contains(&t.status));
        }
    }
    let count = tickets.len();
    let Some(p) = paginate(cx, count) else {
        return api.reply(db, cx, 404, detail("Invalid page."));
    };
    let results = tickets[p.start..p.end]
        .iter()
        .map(|t| ticket_json(db, cx, t))
        .collect();
    let body = page_body(&p, count, results);
    api.reply(db, cx, 200, body)
}

fn ticket_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let parsed = match parse_data(cx) {
        Ok(p) => p,
        Err((status, body)) => return api.reply(db, cx, status, body),
    };
    let mut data = match parsed.data {
        Value::Object(m) => m,
        other => return api.reply(db, cx, 400, not_a_dict(&other)),
    };
    if parsed.form {
        blank_to_null(&mut data, &TICKET_FORM_NULLABLE);
    }
    let input = match validate_ticket(db, &data, true) {
        Ok(i) => i,
        Err(e) => return api.reply(db, cx, 400, Value::Object(e)),
    };
    // TicketSerializer.create: `data["body"] = data["description"]`, a KeyError when absent.
    let Some(description) = input.description.clone() else {
        return server_error_html();
    };
    // Then helpdesk's TicketForm.
    let mut form_errors = Map::new();
    let body = description.filter(|d| !d.is_empty());
    if body.is_none() {
        require(&mut form_errors, "body");
    }
    let priority = input.priority.flatten();
    if priority.is_none() {
        require(&mut form_errors, "priority");
    }
    let uploads: Vec<&Upload> = parsed
        .files
        .iter()
        .filter(|u| u.field == "attachment")
        .collect();
    if let Some(ext) = uploads.iter().find_map(|u| bad_extension(&u.filename)) {
        form_errors.insert(
            "attachment".into(),
            json!([format!("Unsupported file extension: {ext}")]),
        );
    }
    if !form_errors.is_empty() {
        return api.reply(db, cx, 400, Value::Object(form_errors));
    }
    let (Some(queue), Some(title), Some(body), Some(priority), Some(uid)) =
        (input.queue, input.title.clone(), body, priority, api.user)
    else {
        return server_error_html();
    };
    let at = now();
    let id = db.next_ticket;
    db.next_ticket += 1;
    let ticket = Ticket {
        id,
        queue,
        title,
        description: Some(body.clone()),
        resolution: None,
        submitter_email: Some(input.submitter_email.flatten().unwrap_or_default()),
        assigned_to: input.assigned_to.flatten(),
        status: 1,
        on_hold: false,
        priority,
        due_date: input.due_date.flatten(),
        merged_to: None,
        created: at,
        modified: at,
        secret_key: uuid::Uuid::new_v4().to_string(),
    };
    let opened = match ticket.assigned_to {
        Some(_) => format!(
            "Ticket Opened & Assigned to {}",
            db.assigned_display(&ticket)
        ),
        None => "Ticket Opened".to_string(),
    };
    let recipients: Vec<String> = ticket
        .submitter_email
        .clone()
        .filter(|e| !e.is_empty())
        .into_iter()
        .collect();
    db.tickets.insert(id, ticket.clone());
    let fid = db.add_followup(FollowUp {
        id: 0,
        ticket: id,
        user: Some(uid),
        title: Some(opened),
        comment: Some(body),
        public: true,
        new_status: None,
        time_spent: None,
        date: at,
        message_id: None,
        email_recipients: recipients,
    });
    for u in uploads {
        // The extension was checked by the form.
        let _ = store_attachment(db, fid, u, None);
    }
    let body = ticket_json(db, cx, &ticket);
    api.reply(db, cx, 201, body)
}

fn ticket_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let Some(id) = url_pk(pk) else {
        return api.reply(db, cx, 404, detail("Not found."));
    };
    let Some(mut t) = u64::try_from(id)
        .ok()
        .and_then(|i| db.tickets.get(&i))
        .cloned()
    else {
        return api.not_found(db, cx, "Ticket");
    };
    match cx.method {
        Method::DELETE => {
            db.delete_ticket(t.id);
            api.reply(db, cx, 204, Value::Null)
        }
        Method::PUT | Method::PATCH => {
            let parsed = match parse_data(cx) {
                Ok(p) => p,
                Err((status, body)) => return api.reply(db, cx, status, body),
            };
            let mut data = match parsed.data {
                Value::Object(m) => m,
                other => return api.reply(db, cx, 400, not_a_dict(&other)),
            };
            let full = cx.method == Method::PUT;
            if parsed.form {
                blank_to_null(&mut data, &TICKET_FORM_NULLABLE);
                if full && !data.contains_key("on_hold") {
                    data.insert("on_hold".into(), Value::Bool(false));
                }
            }
            let input = match validate_ticket(db, &data, full) {
                Ok(i) => i,
                Err(e) => return api.reply(db, cx, 400, Value::Object(e)),
            };
            if let Some(q) = input.queue {
                t.queue = q;
            }
            if let Some(v) = input.title {
                t.title = v;
            }
            if let Some(v) = input.description {
                t.description = v;
            }
            if let Some(v) = input.resolution {
                t.resolution = v;
            }
            if let Some(v) = input.submitter_email {
                t.submitter_email = v;
            }
            if let Some(v) = input.assigned_to {
                t.assigned_to = v;
            }
            if let Some(v) = input.status {
                t.status = v;
            }
            if let Some(v) = input.on_hold {
                t.on_hold = v;
            }
            if let Some(Some(v)) = input.priority {
                t.priority = v;
            }
            if let Some(v) = input.due_date {
                t.due_date = v;
            }
            if let Some(v) = input.merged_to {
                t.merged_to = v;
            }
            t.modified = now();
            db.tickets.insert(t.id, t.clone());
            let body = ticket_json(db, cx, &t);
            api.reply(db, cx, 200, body)
        }
        _ => {
            let body = ticket_json(db, cx, &t);
            api.reply(db, cx, 200, body)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Follow-ups
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct FollowUpFields {
    ticket: Option<u64>,
    user: Option<Option<u64>>,
    title: Option<Option<String>>,
    comment: Option<Option<String>>,
    public: Option<bool>,
    new_status: Option<Option<i64>>,
    time_spent: Option<Option<i64>>,
    message_id: Option<Option<String>>,
}

const FOLLOWUP_FORM_NULLABLE: [&str; 4] = ["user", "new_status", "time_spent", "ticket"];

fn validate_followup(
    db: &Db,
    data: &Map<String, Value>,
    full: bool,
) -> Result<FollowUpFields, Map<String, Value>> {
    let mut e = Map::new();
    let mut out = FollowUpFields::default();
    match data.get("ticket") {
        None if full => require(&mut e, "ticket"),
        None => {}
        Some(v) => {
            out.ticket = field(
                &mut e,
                "ticket",
                v_pk(v, false, |n| db.tickets.contains_key(&n)),
            )
            .flatten();
        }
    }
    if let Some(v) = data.get("user") {
        out.user = field(&mut e, "user", v_pk(v, true, |n| db.user(n).is_some()));
    }
    if let Some(v) = data.get("title") {
        out.title = field(&mut e, "title", v_char(v, Some(200), true, true));
    }
    if let Some(v) = data.get("comment") {
        out.comment = field(&mut e, "comment", v_char(v, None, true, true));
    }
    if let Some(v) = data.get("public") {
        out.public = field(&mut e, "public", v_bool(v));
    }
    if let Some(v) = data.get("new_status") {
        out.new_status = field(&mut e, "new_status", v_choice(v, &STATUSES, true, true));
    }
    if let Some(v) = data.get("time_spent") {
        out.time_spent = field(&mut e, "time_spent", v_duration(v));
    }
    if let Some(v) = data.get("message_id") {
        out.message_id = field(&mut e, "message_id", v_char(v, Some(256), true, true));
    }
    match data.get("attachments") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(Value::Array(a)) => {
            let per_item: Map<String, Value> = (0..a.len())
                .map(|i| {
                    (
                        i.to_string(),
                        json!(["The submitted data was not a file. Check the encoding type on the form."]),
                    )
                })
                .collect();
            e.insert("attachments".into(), Value::Object(per_item));
        }
        Some(Value::String(s)) if s.is_empty() => {}
        Some(other) => {
            e.insert(
                "attachments".into(),
                json!([format!(
                    "Expected a list of items but got type \"{}\".",
                    py_type(other)
                )]),
            );
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

fn followups_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let mut all: Vec<&FollowUp> = db.followups.values().collect();
    all.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
    let count = all.len();
    let Some(p) = paginate(cx, count) else {
        return api.reply(db, cx, 404, detail("Invalid page."));
    };
    let results = all[p.start..p.end]
        .iter()
        .map(|f| followup_json(db, cx, f))
        .collect();
    let body = page_body(&p, count, results);
    api.reply(db, cx, 200, body)
}

/// `POST /api/followups/`: helpdesk's `update_ticket()`.
fn followup_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let parsed = match parse_data(cx) {
        Ok(p) => p,
        Err((status, body)) => return api.reply(db, cx, status, body),
    };
    let mut data = match parsed.data {
        Value::Object(m) => m,
        other => return api.reply(db, cx, 400, not_a_dict(&other)),
    };
    if parsed.form {
        blank_to_null(&mut data, &FOLLOWUP_FORM_NULLABLE);
    }
    let input = match validate_followup(db, &data, true) {
        Ok(i) => i,
        Err(e) => return api.reply(db, cx, 400, Value::Object(e)),
    };
    let (Some(tid), Some(uid)) = (input.ticket, api.user) else {
        return server_error_html();
    };
    let Some(mut ticket) = db.tickets.get(&tid).cloned() else {
        return server_error_html();
    };
    let comment = match input.comment {
        None => String::new(),
        // `comment.replace(...)` on None.
        Some(None) => return server_error_html(),
        Some(Some(c)) => c,
    };
    let context = template_context(db, &ticket);
    let Ok(rendered) = render_followup_comment(&comment, &context) else {
        return server_error_html();
    };
    let title = match input.title {
        None | Some(None) => ticket.title.clone(),
        Some(Some(t)) => t,
    };
    let new_status = input.new_status.flatten().unwrap_or(ticket.status);
    let at = now();
    let mut f = FollowUp {
        id: 0,
        ticket: tid,
        user: db.is_staff(uid).then_some(uid),
        title: Some(title.clone()),
        comment: Some(rendered.clone()),
        public: input.public.unwrap_or(false),
        new_status: None,
        time_spent: input.time_spent.flatten(),
        date: at,
        message_id: input.message_id.flatten(),
        email_recipients: Vec::new(),
    };
    if new_status != ticket.status {
        ticket.status = new_status;
        ticket.modified = at;
        f.new_status = Some(new_status);
        let shown = status_name(new_status);
        f.title = Some(if title.is_empty() {
            shown
        } else {
            format!("{title} and {shown}")
        });
        db.tickets.insert(tid, ticket.clone());
    }
    if f.title.as_deref() == Some("") {
        f.title = Some(
            if rendered.is_empty() {
                "Updated"
            } else {
                "Comment"
            }
            .to_string(),
        );
    }
    let mails =
        f.public && (!rendered.is_empty() || matches!(f.new_status, Some(RESOLVED | CLOSED)));
    if mails && let Some(to) = ticket.submitter_email.clone().filter(|e| !e.is_empty()) {
        f.email_recipients.push(to);
    }
    let fid = db.add_followup(f);
    for u in parsed.files.iter().filter(|u| u.field == "attachments") {
        if u.data.is_empty() {
            continue;
        }
        // The follow-up (and a status change) is already saved: no transaction upstream.
        if store_attachment(db, fid, u, None).is_err() {
            return server_error_html();
        }
    }
    if !title.is_empty() && title != ticket.title {
        ticket.title = title;
    }
    if new_status == RESOLVED || (new_status == CLOSED && ticket.resolution.is_none()) {
        ticket.resolution = Some(rendered);
    }
    ticket.modified = now();
    db.tickets.insert(tid, ticket);
    let body = match db.followups.get(&fid) {
        Some(f) => followup_json(db, cx, f),
        None => Value::Null,
    };
    api.reply(db, cx, 201, body)
}

fn followup_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let Some(id) = url_pk(pk) else {
        return api.reply(db, cx, 404, detail("Not found."));
    };
    let Some(mut f) = u64::try_from(id)
        .ok()
        .and_then(|i| db.followups.get(&i))
        .cloned()
    else {
        return api.not_found(db, cx, "FollowUp");
    };
    match cx.method {
        Method::DELETE => {
            db.followups.remove(&f.id);
            db.attachments.retain(|_, a| a.followup != f.id);
            api.reply(db, cx, 204, Value::Null)
        }
        Method::PUT | Method::PATCH => {
            let parsed = match parse_data(cx) {
                Ok(p) => p,
                Err((status, body)) => return api.reply(db, cx, status, body),
            };
            let mut data = match parsed.data {
                Value::Object(m) => m,
                other => return api.reply(db, cx, 400, not_a_dict(&other)),
            };
            if parsed.form {
                blank_to_null(&mut data, &FOLLOWUP_FORM_NULLABLE);
            }
            let input = match validate_followup(db, &data, cx.method == Method::PUT) {
                Ok(i) => i,
                Err(e) => return api.reply(db, cx, 400, Value::Object(e)),
            };
            // A plain row edit: the ticket is not touched.
            if let Some(t) = input.ticket {
                f.ticket = t;
            }
            if let Some(u) = input.user {
                f.user = u;
            }
            if let Some(v) = input.title {
                f.title = v;
            }
            if let Some(v) = input.comment {
                f.comment = v;
            }
            if let Some(v) = input.public {
                f.public = v;
            }
            if let Some(v) = input.new_status {
                f.new_status = v;
            }
            if let Some(v) = input.time_spent {
                f.time_spent = v;
            }
            if let Some(v) = input.message_id {
                f.message_id = v;
            }
            db.followups.insert(f.id, f.clone());
            let body = followup_json(db, cx, &f);
            api.reply(db, cx, 200, body)
        }
        _ => {
            let body = followup_json(db, cx, &f);
            api.reply(db, cx, 200, body)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

const VALID_EXTENSIONS: [&str; 9] = [
    ".txt", ".asc", ".pdf", ".doc", ".docx", ".odt", ".jpg", ".png", ".eml",
];

/// `validate_file_extension`: the offending extension, if any.
fn bad_extension(filename: &str) -> Option<String> {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let ext = match base.rfind('.') {
        Some(i) if i > 0 && !base[..i].chars().all(|c| c == '.') => &base[i..],
        _ => "",
    };
    (!VALID_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())).then(|| ext.to_string())
}

fn guess_mime(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "asc" => "text/plain",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "eml" => "message/rfc822",
        "html" | "htm" => "text/html",
        _ => return None,
    })
}

/// Saves an upload as a FollowUpAttachment; `Err` with the bad extension.
fn store_attachment(
    db: &mut Db,
    followup: u64,
    u: &Upload,
    overrides: Option<(Option<String>, Option<String>)>,
) -> Result<u64, String> {
    if let Some(ext) = bad_extension(&u.filename) {
        return Err(ext);
    }
    let dir = db
        .followups
        .get(&followup)
        .and_then(|f| db.tickets.get(&f.ticket))
        .map(|t| {
            format!(
                "helpdesk/attachments/{}-{}/{followup}",
                db.ticket_for_url(t),
                t.secret_key
            )
        })
        .unwrap_or_else(|| format!("helpdesk/attachments/{followup}"));
    let base = u
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&u.filename)
        .to_string();
    let mut stored = base.clone();
    while db
        .attachments
        .values()
        .any(|a| a.path == format!("{dir}/{stored}"))
    {
        let (stem, ext) = match base.rfind('.') {
            Some(i) if i > 0 => (&base[..i], &base[i..]),
            _ => (base.as_str(), ""),
        };
        stored = format!("{stem}_{}{ext}", random_string(7, CSRF_CHARS));
    }
    let (filename, mime) = overrides.unwrap_or((None, None));
    let id = db.next_attachment;
    db.next_attachment += 1;
    let mime_type = mime.unwrap_or_else(|| {
        if u.content_type.is_empty() {
            guess_mime(&base)
                .unwrap_or("application/octet-stream")
                .to_string()
        } else {
            u.content_type.clone()
        }
    });
    db.attachments.insert(
        id,
        Attachment {
            id,
            followup,
            filename: filename.unwrap_or(base),
            mime_type,
            size: u.data.len(),
            path: format!("{dir}/{stored}"),
            data: u.data.clone(),
        },
    );
    Ok(id)
}

fn attachments_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let all: Vec<&Attachment> = db.attachments.values().collect();
    let count = all.len();
    let Some(p) = paginate(cx, count) else {
        return api.reply(db, cx, 404, detail("Invalid page."));
    };
    let results = all[p.start..p.end]
        .iter()
        .map(|a| attachment_json(cx, a))
        .collect();
    let body = page_body(&p, count, results);
    api.reply(db, cx, 200, body)
}

fn attachment_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let parsed = match parse_data(cx) {
        Ok(p) => p,
        Err((status, body)) => return api.reply(db, cx, status, body),
    };
    let data = match parsed.data {
        Value::Object(m) => m,
        other => return api.reply(db, cx, 400, not_a_dict(&other)),
    };
    let mut e = Map::new();
    let followup = match data.get("followup") {
        None => {
            require(&mut e, "followup");
            None
        }
        Some(v) => field(
            &mut e,
            "followup",
            v_pk(v, false, |n| db.followups.contains_key(&n)),
        )
        .flatten(),
    };
    let upload = parsed.files.iter().find(|u| u.field == "file");
    match (upload, data.get("file")) {
        (Some(u), _) if u.data.is_empty() => {
            e.insert("file".into(), json!(["The submitted file is empty."]));
        }
        (Some(u), _) => {
            if let Some(ext) = bad_extension(&u.filename) {
                e.insert(
                    "file".into(),
                    json!([format!("Unsupported file extension: {ext}")]),
                );
            }
        }
        (None, Some(v)) if !v.is_null() && v.as_str() != Some("") => {
            e.insert(
                "file".into(),
                json!(["The submitted data was not a file. Check the encoding type on the form."]),
            );
        }
        (None, _) => {
            e.insert("file".into(), json!(["No file was submitted."]));
        }
    }
    let filename = data
        .get("filename")
        .and_then(|v| field(&mut e, "filename", v_char(v, Some(1000), true, true)))
        .flatten()
        .filter(|s| !s.is_empty());
    let mime = data
        .get("mime_type")
        .and_then(|v| field(&mut e, "mime_type", v_char(v, Some(255), true, true)))
        .flatten()
        .filter(|s| !s.is_empty());
    if !e.is_empty() {
        return api.reply(db, cx, 400, Value::Object(e));
    }
    let (Some(fid), Some(u)) = (followup, upload) else {
        return server_error_html();
    };
    let u = u.clone();
    match store_attachment(db, fid, &u, Some((filename, mime))) {
        Ok(id) => {
            let body = db
                .attachments
                .get(&id)
                .map(|a| attachment_json(cx, a))
                .unwrap_or(Value::Null);
            api.reply(db, cx, 201, body)
        }
        Err(_) => server_error_html(),
    }
}

fn attachment_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let Some(id) = url_pk(pk) else {
        return api.reply(db, cx, 404, detail("Not found."));
    };
    let Some(mut a) = u64::try_from(id)
        .ok()
        .and_then(|i| db.attachments.get(&i))
        .cloned()
    else {
        return api.not_found(db, cx, "FollowUpAttachment");
    };
    match cx.method {
        Method::DELETE => {
            db.attachments.remove(&a.id);
            api.reply(db, cx, 204, Value::Null)
        }
        Method::PUT | Method::PATCH => {
            let parsed = match parse_data(cx) {
                Ok(p) => p,
                Err((status, body)) => return api.reply(db, cx, status, body),
            };
            let data = match parsed.data {
                Value::Object(m) => m,
                other => return api.reply(db, cx, 400, not_a_dict(&other)),
            };
            let mut e = Map::new();
            if let Some(v) = data.get("filename")
                && let Some(Some(s)) = field(&mut e, "filename", v_char(v, Some(1000), true, true))
            {
                a.filename = s;
            }
            if let Some(v) = data.get("mime_type")
                && let Some(Some(s)) = field(&mut e, "mime_type", v_char(v, Some(255), true, true))
            {
                a.mime_type = s;
            }
            if !e.is_empty() {
                return api.reply(db, cx, 400, Value::Object(e));
            }
            db.attachments.insert(a.id, a.clone());
            let body = attachment_json(cx, &a);
            api.reply(db, cx, 200, body)
        }
        _ => {
            let body = attachment_json(cx, &a);
            api.reply(db, cx, 200, body)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Users and user_tickets
// ---------------------------------------------------------------------------------------------

static USERNAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w.@+-]+$").expect("a valid regex"));

/// `POST /api/users/`: create only, the answer has no id, new users are not staff.
fn user_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    if !api
        .user
        .and_then(|u| db.user(u))
        .is_some_and(|u| u.superuser)
    {
        return api.reply(
            db,
            cx,
            403,
            detail("You do not have permission to perform this action."),
        );
    }
    let parsed = match parse_data(cx) {
        Ok(p) => p,
        Err((status, body)) => return api.reply(db, cx, status, body),
    };
    let data = match parsed.data {
        Value::Object(m) => m,
        other => return api.reply(db, cx, 400, not_a_dict(&other)),
    };
    let mut e = Map::new();
    let username = match data.get("username") {
        None => {
            require(&mut e, "username");
            None
        }
        Some(v) => field(&mut e, "username", v_char(v, Some(150), false, false))
            .flatten()
            .and_then(|u| {
                if !USERNAME.is_match(&u) {
                    e.insert("username".into(), json!(["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]));
                    None
                } else if db.user_by_name(&u).is_some() {
                    e.insert(
                        "username".into(),
                        json!(["A user with that username already exists."]),
                    );
                    None
                } else {
                    Some(u)
                }
            }),
    };
    let password = match data.get("password") {
        None => {
            require(&mut e, "password");
            None
        }
        Some(v) => field(&mut e, "password", v_char(v, Some(128), false, false)).flatten(),
    };
    let email = data
        .get("email")
        .and_then(|v| field(&mut e, "email", v_email(v, false)))
        .flatten()
        .unwrap_or_default();
    let first_name = data
        .get("first_name")
        .and_then(|v| field(&mut e, "first_name", v_char(v, Some(150), true, false)))
        .flatten()
        .unwrap_or_default();
    let last_name = data
        .get("last_name")
        .and_then(|v| field(&mut e, "last_name", v_char(v, Some(150), true, false)))
        .flatten()
        .unwrap_or_default();
    if !e.is_empty() {
        return api.reply(db, cx, 400, Value::Object(e));
    }
    let (Some(username), Some(password)) = (username, password) else {
        return server_error_html();
    };
    let id = db.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
    db.users.push(User {
        id,
        username: username.clone(),
        password,
        email: email.clone(),
        first_name: first_name.clone(),
        last_name: last_name.clone(),
        staff: false,
        superuser: false,
        agent: false,
        active: true,
    });
    let body = json!({
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "email": email,
    });
    api.reply(db, cx, 201, body)
}

/// `PublicTicketListingSerializer`.
fn public_ticket_json(db: &Db, t: &Ticket) -> Value {
    json!({
        "ticket": format!("{} [{}]", t.id, db.ticket_for_url(t)),
        "id": t.id,
        "title": t.title,
        "queue": { "title": db.queue_title(t.queue), "id": t.queue },
        "status": get_status(t),
        "created": drf_dt(&t.created),
        "due_date": t.due_date.as_ref().map(drf_dt),
        "submitter": t.submitter_email,
        "kbitem": "",
        "secret_key": t.secret_key,
    })
}

fn own_tickets(db: &Db, uid: Option<u64>) -> Vec<&Ticket> {
    let email = uid
        .and_then(|u| db.user(u))
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let mut v: Vec<&Ticket> = db
        .tickets
        .values()
        .filter(|t| !email.is_empty() && t.submitter_email.as_deref() == Some(email.as_str()))
        .collect();
    v.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
    v
}

fn user_tickets_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let mine = own_tickets(db, api.user);
    let count = mine.len();
    let Some(p) = paginate(cx, count) else {
        return api.reply(db, cx, 404, detail("Invalid page."));
    };
    let results = mine[p.start..p.end]
        .iter()
        .map(|t| public_ticket_json(db, t))
        .collect();
    let body = page_body(&p, count, results);
    api.reply(db, cx, 200, body)
}

fn user_ticket_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let Some(id) = url_pk(pk) else {
        return api.reply(db, cx, 404, detail("Not found."));
    };
    let found = own_tickets(db, api.user)
        .into_iter()
        .find(|t| i64::try_from(t.id).ok() == Some(id))
        .map(|t| public_ticket_json(db, t));
    match found {
        Some(body) => api.reply(db, cx, 200, body),
        None => api.not_found(db, cx, "Ticket"),
    }
}

// ---------------------------------------------------------------------------------------------
// The fork's agent-session endpoints (dolthub/django-helpdesk `helpdesk/views/api.py`)
// ---------------------------------------------------------------------------------------------

fn not_an_agent() -> Value {
    json!({
        "error": "Not an agent user",
        "message": "This endpoint is only available for agent users.",
    })
}

fn agent(db: &Db, api: &Api) -> Option<User> {
    api.user
        .and_then(|u| db.user(u))
        .filter(|u| u.agent)
        .cloned()
}

fn fork_info(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let Some(user) = agent(db, api) else {
        return api.reply(db, cx, 403, not_an_agent());
    };
    let session = cx.ensure_session(db);
    let minted = session.branch_name.is_none();
    if minted {
        session.branch_name = Some(mint_branch(&user.username));
    }
    let (branch, intent) = (session.branch_name.clone(), session.intent.clone());
    if minted {
        cx.session_dirty = true;
    }
    let body = json!({
        "user_id": user.id,
        "username": user.username,
        "is_agent": true,
        "branch_name": branch,
        "intent": intent,
        "session_key": cx.session_key,
        "session_available": true,
        "authentication_method": "session",
    });
    api.reply(db, cx, 200, body)
}

fn fork_set_intent(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let Some(user) = agent(db, api) else {
        return api.reply(db, cx, 403, not_an_agent());
    };
    let parsed = match parse_data(cx) {
        Ok(p) => p,
        Err((status, body)) => return api.reply(db, cx, status, body),
    };
    // `request.data.get("intent")`: anything but a dict has no `.get`.
    let Value::Object(data) = parsed.data else {
        return server_error_html();
    };
    let error = |e: &str, m: &str| json!({ "error": e, "message": m });
    let intent = match data.get("intent") {
        None | Some(Value::Null) => {
            return api.reply(
                db,
                cx,
                400,
                error("Intent required", "The intent field is required."),
            );
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return api.reply(
                db,
                cx,
                400,
                error("Invalid intent type", "Intent must be a string."),
            );
        }
    };
    if intent.chars().count() > 512 {
        return api.reply(
            db,
            cx,
            400,
            error("Intent too long", "Intent must be 512 characters or less."),
        );
    }
    let key_before = cx.session_key.clone();
    let session = cx.ensure_session(db);
    session.intent = Some(intent.clone());
    let branch = session.branch_name.clone();
    cx.session_dirty = true;
    let body = json!({
        "success": true,
        "message": "Intent set successfully",
        "intent": intent,
        "user_id": user.id,
        "username": user.username,
        "branch_name": branch,
        "session_key": key_before,
    });
    api.reply(db, cx, 200, body)
}

fn fork_finish(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let Some(user) = agent(db, api) else {
        return api.reply(db, cx, 403, not_an_agent());
    };
    let (branch, intent) = cx
        .session(db)
        .map(|s| (s.branch_name.clone(), s.intent.clone()))
        .unwrap_or((None, None));
    let key = cx.session_key.clone();
    // on_session_finished -> CALL FinishSession(branch, intent); errors there are swallowed.
    db.finished
        .push((user.username.clone(), branch.clone(), intent.clone()));
    // Drop the keys, then log out (the session is flushed).
    cx.flush_session(db);
    let body = json!({
        "success": true,
        "message": "Session finished successfully",
        "user_id": user.id,
        "username": user.username,
        "session_key": key,
        "branch_name": branch,
        "intent": intent,
    });
    api.reply(db, cx, 200, body)
}

// ---------------------------------------------------------------------------------------------
// OPTIONS (DRF SimpleMetadata)
// ---------------------------------------------------------------------------------------------

fn choices_meta(choices: &[(i64, &str)]) -> Value {
    Value::Array(
        choices
            .iter()
            .map(|(v, d)| json!({ "value": v, "display_name": d }))
            .collect(),
    )
}

fn ticket_fields_meta() -> Value {
    json!({
        "id": {"type": "integer", "required": false, "read_only": true, "label": "ID"},
        "queue": {"type": "field", "required": true, "read_only": false, "label": "Queue"},
        "title": {"type": "string", "required": true, "read_only": false, "label": "Title", "max_length": 200},
        "description": {"type": "string", "required": false, "read_only": false, "label": "Description", "help_text": "The content of the customers query."},
        "resolution": {"type": "string", "required": false, "read_only": false, "label": "Resolution", "help_text": "The resolution provided to the customer by our staff."},
        "submitter_email": {"type": "email", "required": false, "read_only": false, "label": "Submitter E-Mail", "help_text": "The submitter will receive an email for all public follow-ups left for this task.", "max_length": 254},
        "assigned_to": {"type": "field", "required": false, "read_only": false, "label": "Assigned to"},
        "status": {"type": "choice", "required": false, "read_only": false, "label": "Status", "choices": choices_meta(&STATUSES)},
        "on_hold": {"type": "boolean", "required": false, "read_only": false, "label": "On Hold", "help_text": "If a ticket is on hold, it will not automatically be escalated."},
        "priority": {"type": "choice", "required": false, "read_only": false, "label": "Priority", "help_text": "1 = Highest Priority, 5 = Low Priority", "choices": choices_meta(&PRIORITIES)},
        "due_date": {"type": "datetime", "required": false, "read_only": false, "label": "Due on"},
        "merged_to": {"type": "field", "required": false, "read_only": false, "label": "merged to"},
        "followup_set": {"type": "field", "required": false, "read_only": true, "label": "Followup set"},
    })
}

fn followup_fields_meta() -> Value {
    json!({
        "id": {"type": "integer", "required": false, "read_only": true, "label": "ID"},
        "ticket": {"type": "field", "required": true, "read_only": false, "label": "Ticket"},
        "user": {"type": "field", "required": false, "read_only": false, "label": "User"},
        "title": {"type": "string", "required": false, "read_only": false, "label": "Title", "max_length": 200},
        "comment": {"type": "string", "required": false, "read_only": false, "label": "Comment"},
        "public": {"type": "boolean", "required": false, "read_only": false, "label": "Public", "help_text": "Public tickets are viewable by the submitter and all staff, but non-public tickets can only be seen by staff."},
        "new_status": {"type": "choice", "required": false, "read_only": false, "label": "New Status", "help_text": "If the status was changed, what was it changed to?", "choices": choices_meta(&STATUSES)},
        "time_spent": {"type": "duration", "required": false, "read_only": false, "label": "Time spent", "help_text": "Time spent on this follow up"},
        "attachments": {"type": "list", "required": false, "read_only": false, "label": "Attachments", "child": {"type": "file upload", "required": true, "read_only": false}},
        "followupattachment_set": {"type": "field", "required": false, "read_only": true, "label": "Followupattachment set"},
        "date": {"type": "datetime", "required": false, "read_only": true, "label": "Date"},
        "message_id": {"type": "string", "required": false, "read_only": false, "label": "E-Mail ID", "max_length": 256},
        "email_recipients": {"type": "field", "required": false, "read_only": true, "label": "E-mail recipients"},
    })
}

fn options_view(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let description = match api.route {
        Route::Tickets | Route::Ticket(_) => {
            "A viewset that provides the standard actions to handle Ticket\n\nYou can filter the tickets by status using the `status` query parameter. For example:\n\n`/api/tickets/?status=Open,Resolved` will return all the tickets that are Open or Resolved."
        }
        Route::UserTickets | Route::UserTicket(_) => {
            "A list of all the tickets submitted by the current user\n\nThe view is paginated by default"
        }
        Route::ForkInfo => {
            "API endpoint to get session information for agent users.\n\nReturns the branch_name if the user is an agent and has one set in session."
        }
        Route::ForkIntent => "API endpoint to set the intent session variable for agent users.",
        Route::ForkFinish => "API endpoint to manually finish an agent session.",
        _ => "",
    };
    let mut meta = json!({
        "name": api.name,
        "description": description,
        "renders": ["application/json", "text/html"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    });
    let staff = api.user.is_some_and(|u| db.is_staff(u));
    let actions = match &api.route {
        Route::Tickets if staff => Some(json!({ "POST": ticket_fields_meta() })),
        Route::Ticket(pk)
            if staff
                && url_pk(pk)
                    .and_then(|i| u64::try_from(i).ok())
                    .is_some_and(|i| db.tickets.contains_key(&i)) =>
        {
            Some(json!({ "PUT": ticket_fields_meta() }))
        }
        Route::FollowUps if staff => Some(json!({ "POST": followup_fields_meta() })),
        Route::FollowUp(pk)
            if staff
                && url_pk(pk)
                    .and_then(|i| u64::try_from(i).ok())
                    .is_some_and(|i| db.followups.contains_key(&i)) =>
        {
            Some(json!({ "PUT": followup_fields_meta() }))
        }
        _ => None,
    };
    if let (Some(a), Some(m)) = (actions, meta.as_object_mut()) {
        m.insert("actions".into(), a);
    }
    api.reply(db, cx, 200, meta)
}

// ---------------------------------------------------------------------------------------------
// The browsable API page (the client reads queues and users from its ticket form)
// ---------------------------------------------------------------------------------------------

const SELECT_CUTOFF: usize = 1000;

fn form_group(label: &str, control: &str) -> String {
    format!(
        "<div class=\"form-group \">\n  <label class=\"col-sm-2 control-label \">\n    {label}\n  </label>\n  <div class=\"col-sm-10\">\n    {control}\n  </div>\n</div>\n"
    )
}

fn select_html(
    name: &str,
    nullable: bool,
    options: &[(String, String)],
    selected: Option<&str>,
) -> String {
    let mut s = format!("<select class=\"form-control\" name=\"{name}\">\n");
    if nullable {
        let sel = if selected.is_none() { " selected" } else { "" };
        s.push_str(&format!(
            "      <option value=\"\"{sel}>---------</option>\n"
        ));
    }
    for (i, (value, text)) in options.iter().enumerate() {
        if i >= SELECT_CUTOFF {
            s.push_str(&format!(
                "      <option value=\"\" disabled>More than {SELECT_CUTOFF} items...</option>\n"
            ));
            break;
        }
        let sel = if selected == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        s.push_str(&format!(
            "      <option value=\"{}\"{sel}>{}</option>\n",
            esc(value),
            esc(text)
        ));
    }
    s.push_str("    </select>");
    s
}

/// DRF's HTML form for `TicketSerializer` (horizontal template pack).
fn ticket_form(db: &Db, token: &str, action: &str, method: &str, cur: Option<&Ticket>) -> String {
    let mut queues: Vec<&Queue> = db.queues.iter().collect();
    queues.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let queue_opts: Vec<(String, String)> = queues
        .iter()
        .map(|q| (q.id.to_string(), q.title.clone()))
        .collect();
    let user_opts: Vec<(String, String)> = db
        .users
        .iter()
        .map(|u| (u.id.to_string(), u.username.clone()))
        .collect();
    let status_opts: Vec<(String, String)> = STATUSES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let priority_opts: Vec<(String, String)> = PRIORITIES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let ticket_opts: Vec<(String, String)> = db
        .tickets
        .values()
        .map(|t| (t.id.to_string(), format!("{} {}", t.id, t.title)))
        .collect();
    let text = |name: &str, kind: &str, value: Option<String>| {
        format!(
            "<input name=\"{name}\" class=\"form-control\" type=\"{kind}\" value=\"{}\">",
            esc(&value.unwrap_or_default())
        )
    };
    let area = |name: &str, value: Option<String>| {
        format!(
            "<textarea name=\"{name}\" class=\"form-control\">{}</textarea>",
            esc(&value.unwrap_or_default())
        )
    };
    let selected = |v: Option<u64>| v.map(|x| x.to_string());
    let mut f = format!(
        "<form action=\"{}\" data-method=\"{method}\" method=\"POST\" enctype=\"multipart/form-data\" class=\"form-horizontal\" novalidate>\n<fieldset>\n<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{token}\">\n",
        esc(action)
    );
    f.push_str(&form_group(
        "Queue",
        &select_html(
            "queue",
            false,
            &queue_opts,
            selected(cur.map(|t| t.queue)).as_deref(),
        ),
    ));
    f.push_str(&form_group(
        "Title",
        &text("title", "text", cur.map(|t| t.title.clone())),
    ));
    f.push_str(&form_group(
        "Description",
        &area("description", cur.and_then(|t| t.description.clone())),
    ));
    f.push_str(&form_group(
        "Resolution",
        &area("resolution", cur.and_then(|t| t.resolution.clone())),
    ));
    f.push_str(&form_group(
        "Submitter E-Mail",
        &text(
            "submitter_email",
            "email",
            cur.and_then(|t| t.submitter_email.clone()),
        ),
    ));
    f.push_str(&form_group(
        "Assigned to",
        &select_html(
            "assigned_to",
            true,
            &user_opts,
            selected(cur.and_then(|t| t.assigned_to)).as_deref(),
        ),
    ));
    f.push_str(&form_group(
        "Status",
        &select_html(
            "status",
            false,
            &status_opts,
            Some(cur.map(|t| t.status).unwrap_or(1).to_string().as_str()),
        ),
    ));
    let checked = if cur.is_some_and(|t| t.on_hold) {
        " checked"
    } else {
        ""
    };
    f.push_str(&form_group(
        "On Hold",
        &format!("<input type=\"checkbox\" name=\"on_hold\" value=\"true\"{checked}>"),
    ));
    f.push_str(&form_group(
        "Priority",
        &select_html(
            "priority",
            false,
            &priority_opts,
            Some(cur.map(|t| t.priority).unwrap_or(3).to_string().as_str()),
        ),
    ));
    f.push_str(&form_group(
        "Due on",
        &text(
            "due_date",
            "datetime-local",
            cur.and_then(|t| t.due_date)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()),
        ),
    ));
    f.push_str(&form_group(
        "Merged to",
        &select_html(
            "merged_to",
            true,
            &ticket_opts,
            selected(cur.and_then(|t| t.merged_to)).as_deref(),
        ),
    ));
    f.push_str(&format!(
        "<div class=\"form-actions\">\n  <button class=\"btn btn-primary js-tooltip\" title=\"Make a {method} request on the {} resource\">{method}</button>\n</div>\n</fieldset>\n</form>\n",
        if method == "POST" { "Ticket List" } else { "Ticket Instance" }
    ));
    f
}

fn browsable_page(db: &Db, cx: &mut Cx, api: &Api, status: u16, body: &Value) -> String {
    let token = cx.get_token();
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let user_menu = match api.user.and_then(|u| db.user(u)) {
        Some(u) => format!(
            "<li class=\"dropdown\">\n  <a href=\"#\" class=\"dropdown-toggle\" data-toggle=\"dropdown\">{}<b class=\"caret\"></b></a>\n  <ul class=\"dropdown-menu\"><li><form id=\"logoutForm\" method=\"post\" action=\"/logout/?next=/api/\"><input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{token}\"></form><a href=\"#\" onclick='document.getElementById(\"logoutForm\").submit()'>Log out</a></li></ul>\n</li>",
            esc(&u.username)
        ),
        None => "<li><a href=\"/login/?next=/api/\">Log in</a></li>".to_string(),
    };
    let staff = api.user.is_some_and(|u| db.is_staff(u));
    let form = match &api.route {
        Route::Tickets if staff && (200..300).contains(&status) => {
            ticket_form(db, &token, "/api/tickets/", "POST", None)
        }
        Route::Ticket(pk) if staff && (200..300).contains(&status) => url_pk(pk)
            .and_then(|i| u64::try_from(i).ok())
            .and_then(|i| db.tickets.get(&i))
            .map(|t| {
                ticket_form(
                    db,
                    &token,
                    &format!("/api/tickets/{}/", t.id),
                    "PUT",
                    Some(t),
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let forms = if form.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"tabbable\">\n<ul class=\"nav nav-tabs form-switcher\"><li class=\"active\"><a name=\"html-tab\" href=\"#post-object-form\" data-toggle=\"tab\">HTML form</a></li><li><a name=\"raw-tab\" href=\"#post-generic-content-form\" data-toggle=\"tab\">Raw data</a></li></ul>\n<div class=\"well tab-content\">\n<div class=\"tab-pane active\" id=\"post-object-form\">\n{form}</div>\n<div class=\"tab-pane\" id=\"post-generic-content-form\">\n<form action=\"{}\" method=\"POST\" class=\"form-horizontal\"><fieldset><input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{token}\"><div class=\"form-group\"><label for=\"id__content_type\" class=\"col-sm-2 control-label\">Media type:</label><div class=\"col-sm-10\"><select name=\"_content_type\" data-override=\"content-type\" id=\"id__content_type\" class=\"form-control\"><option value=\"application/json\" selected>application/json</option><option value=\"application/x-www-form-urlencoded\">application/x-www-form-urlencoded</option><option value=\"multipart/form-data\">multipart/form-data</option></select></div></div><div class=\"form-group\"><label for=\"id__content\" class=\"col-sm-2 control-label\">Content:</label><div class=\"col-sm-10\"><textarea name=\"_content\" cols=\"40\" rows=\"10\" data-override=\"content\" id=\"id__content\" class=\"form-control\"></textarea></div></div></fieldset></form>\n</div>\n</div>\n</div>\n",
            esc(&cx.raw_path)
        )
    };
    let vary = "Accept";
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\n<meta name=\"robots\" content=\"NONE,NOARCHIVE\" />\n<title>{name} &ndash; Django REST framework</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"/static/rest_framework/css/bootstrap.min.css\"/>\n</head>\n<body class=\"\">\n<div class=\"wrapper\">\n<div class=\"navbar navbar-static-top navbar-inverse\" role=\"navigation\" aria-label=\"navbar\">\n<div class=\"container\">\n<span><a class=\"navbar-brand\" rel=\"nofollow\" href=\"https://www.django-rest-framework.org/\">Django REST framework</a></span>\n<ul class=\"nav navbar-nav pull-right\">\n{user_menu}\n</ul>\n</div>\n</div>\n<div class=\"container\">\n<ul class=\"breadcrumb\"><li><a href=\"/api/\">Api Root</a></li><li class=\"active\"><a href=\"{path}\">{name}</a></li></ul>\n<div id=\"content\" role=\"main\" aria-label=\"content\">\n<div class=\"content-main\" role=\"main\" aria-label=\"main content\">\n<div class=\"page-header\"><h1>{name}</h1></div>\n<div class=\"request-info\" style=\"clear: both\" aria-label=\"request info\"><pre class=\"prettyprint\"><b>{method}</b> {full_path}</pre></div>\n<div class=\"response-info\" aria-label=\"response info\">\n<pre class=\"prettyprint\"><span class=\"meta nocode\"><b>HTTP {status} {reason}</b>\n<b>Allow:</b> <span class=\"lit\">{allow}</span>\n<b>Content-Type:</b> <span class=\"lit\">application/json</span>\n<b>Vary:</b> <span class=\"lit\">{vary}</span>\n\n</span>{json}</pre>\n</div>\n</div>\n{forms}</div>\n</div>\n</div>\n</body>\n</html>\n",
        name = esc(api.name),
        path = esc(&cx.raw_path),
        method = cx.method,
        full_path = esc(&percent_decode(&cx.full_path())),
        allow = api.allow,
        json = esc(&pretty_json(body)),
    )
}

// ---------------------------------------------------------------------------------------------
// The UI's datatables view (session only)
// ---------------------------------------------------------------------------------------------

const ALLOWED_FILTER_FIELDS: [&str; 12] = [
    "queue__id__in",
    "queue__id__isnull",
    "assigned_to__id__in",
    "assigned_to__id__isnull",
    "status__in",
    "status__isnull",
    "priority__in",
    "priority__isnull",
    "kbitem__in",
    "kbitem__isnull",
    "created__gte",
    "created__lte",
];
const VALID_SORT_FIELDS: [&str; 11] = [
    "status",
    "assigned_to",
    "created",
    "title",
    "queue",
    "priority",
    "last_followup",
    "kbitem",
    "modified",
    "due_date",
    "id",
];
const ORDER_COLUMNS: [(&str, &str); 11] = [
    ("0", "id"),
    ("1", "title"),
    ("2", "priority"),
    ("3", "queue"),
    ("4", "status"),
    ("5", "created"),
    ("6", "due_date"),
    ("7", "assigned_to"),
    ("8", "submitter_email"),
    ("9", "last_followup"),
    ("11", "kbitem"),
];

#[derive(Debug, Clone)]
enum DtFilter {
    In(&'static str, Vec<i64>),
    IsNull(&'static str, bool),
    CreatedGte(DateTime<Utc>),
    CreatedLte(DateTime<Utc>),
}

/// Why a datatables query fails: 400 (a key outside the allow-list) or 500 (anything the ORM
/// or Python would choke on).
enum DtError {
    BadRequest,
    ServerError,
}

fn dt_field(key: &str) -> &'static str {
    if key.starts_with("queue__") {
        "queue"
    } else if key.starts_with("assigned_to__") {
        "assigned_to"
    } else if key.starts_with("status__") {
        "status"
    } else if key.starts_with("priority__") {
        "priority"
    } else {
        "kbitem"
    }
}

fn dt_int(v: &Value) -> Result<i64, DtError> {
    match v {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })
            .ok_or(DtError::ServerError),
        Value::String(s) => python_int(s).ok_or(DtError::ServerError),
        _ => Err(DtError::ServerError),
    }
}

fn dt_build(key: &str, v: &Value) -> Result<DtFilter, DtError> {
    if key == "created__gte" || key == "created__lte" {
        let d = v
            .as_str()
            .and_then(parse_datetime_input)
            .ok_or(DtError::ServerError)?;
        return Ok(if key == "created__gte" {
            DtFilter::CreatedGte(d)
        } else {
            DtFilter::CreatedLte(d)
        });
    }
    let field = dt_field(key);
    if key.ends_with("__isnull") {
        return match v {
            Value::Bool(b) => Ok(DtFilter::IsNull(field, *b)),
            _ => Err(DtError::ServerError),
        };
    }
    let values = match v {
        Value::Array(a) => a.iter().map(dt_int).collect::<Result<Vec<_>, _>>()?,
        Value::String(s) => s
            .chars()
            .map(|c| dt_int(&Value::String(c.to_string())))
            .collect::<Result<Vec<_>, _>>()?,
        Value::Object(m) => m
            .keys()
            .map(|k| dt_int(&Value::String(k.clone())))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(DtError::ServerError),
    };
    Ok(DtFilter::In(field, values))
}

fn dt_value(t: &Ticket, field: &str) -> Option<i64> {
    match field {
        "queue" => i64::try_from(t.queue).ok(),
        "assigned_to" => t.assigned_to.and_then(|u| i64::try_from(u).ok()),
        "status" => Some(t.status),
        "priority" => Some(t.priority),
        _ => None,
    }
}

fn dt_matches(f: &DtFilter, t: &Ticket) -> bool {
    match f {
        DtFilter::In(field, values) => dt_value(t, field).is_some_and(|v| values.contains(&v)),
        DtFilter::IsNull(field, null) => dt_value(t, field).is_none() == *null,
        DtFilter::CreatedGte(d) => t.created >= *d,
        DtFilter::CreatedLte(d) => t.created <= *d,
    }
}

fn icontains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// `get_search_filter_args`.
fn search_matches(db: &Db, t: &Ticket, search: &str) -> bool {
    if search.is_empty() {
        return true;
    }
    if let Some(q) = search.strip_prefix("queue:") {
        return icontains(&db.queue_title(t.queue), q);
    }
    if let Some(p) = search.strip_prefix("priority:") {
        return icontains(&t.priority.to_string(), p);
    }
    let parts: Vec<&str> = search
        .split("OR")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return true;
    }
    let db_datetime = |d: &DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let assignee_email = t
        .assigned_to
        .and_then(|u| db.user(u))
        .map(|u| u.email.clone())
        .unwrap_or_default();
    parts.iter().any(|s| {
        icontains(&t.id.to_string(), s)
            || icontains(&t.title, s)
            || t.description.as_deref().is_some_and(|d| icontains(d, s))
            || icontains(&t.priority.to_string(), s)
            || t.resolution.as_deref().is_some_and(|r| icontains(r, s))
            || t.submitter_email
                .as_deref()
                .is_some_and(|e| icontains(e, s))
            || (!assignee_email.is_empty() && icontains(&assignee_email, s))
            || icontains(&db_datetime(&t.created), s)
            || t.due_date
                .as_ref()
                .is_some_and(|d| icontains(&db_datetime(d), s))
    })
}

fn last_followup(db: &Db, t: &Ticket) -> Option<DateTime<Utc>> {
    db.followups
        .values()
        .filter(|f| f.ticket == t.id)
        .map(|f| f.date)
        .max()
}

/// `Ticket.time_spent` (the sum over its follow-ups), formatted by `format_time_spent`.
fn format_time_spent(db: &Db, t: &Ticket) -> String {
    let total: i64 = db
        .followups
        .values()
        .filter(|f| f.ticket == t.id)
        .filter_map(|f| f.time_spent)
        .sum();
    if total == 0 {
        return String::new();
    }
    let secs = total.div_euclid(1_000_000);
    format!(
        "{:02}h:{:02}m",
        secs.div_euclid(3600),
        secs.rem_euclid(3600).div_euclid(60)
    )
}

fn priority_css(p: i64) -> &'static str {
    match p {
        1 => "danger",
        2 => "warning",
        5 => "success",
        _ => "",
    }
}

/// `DatatablesTicketSerializer`.
fn datatables_row(db: &Db, t: &Ticket, at: DateTime<Utc>) -> Value {
    let assigned = match t.assigned_to.and_then(|u| db.user(u)) {
        Some(u) if !u.full_name().is_empty() => u.full_name(),
        Some(u) if !u.email.is_empty() => u.email.clone(),
        Some(u) => u.username.clone(),
        None => "None".to_string(),
    };
    json!({
        "ticket": format!("{} [{}]", t.id, db.ticket_for_url(t)),
        "id": t.id,
        "priority": t.priority,
        "title": t.title,
        "queue": { "title": db.queue_title(t.queue), "id": t.queue },
        "status": get_status(t),
        "created": naturaltime(t.created, at),
        "due_date": t.due_date.map(|d| naturaltime(d, at)),
        "assigned_to": assigned,
        "submitter": t.submitter_email,
        "last_followup": last_followup(db, t).map(|d| naturaltime(d, at)),
        "row_class": priority_css(t.priority),
        "time_spent": format_time_spent(db, t),
        "kbitem": "",
    })
}

fn datatables_view(db: &mut Db, cx: &mut Cx, query: &str) -> Reply {
    // @helpdesk_staff_member_required: Django's session user only.
    if !cx.session_user(db).is_some_and(|u| db.is_staff(u)) {
        return redirect_to_login(cx);
    }
    // @api_view(["GET"])
    if negotiate(cx).is_err() {
        return Reply::json(406, &detail("Could not satisfy the request Accept header."));
    }
    if cx.is_unsafe()
        && let Err(reason) = authenticate(db, cx)
    {
        return Reply::json(403, &detail(&reason));
    }
    match cx.method {
        Method::GET | Method::HEAD => {}
        Method::OPTIONS => {
            return Reply::json(
                200,
                &json!({
                    "name": "Datatables Ticket List",
                    "description": "Datatable on ticket_list.html uses this view from to get objects to display\non the table. query_tickets_by_args is at lib.py, DatatablesTicketSerializer is in\nserializers.py. The serializers and this view use django-rest_framework methods",
                    "renders": ["application/json", "text/html"],
                    "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
                }),
            )
            .with("allow", "GET, OPTIONS");
        }
        _ => {
            return Reply::json(
                405,
                &detail(&format!("Method \"{}\" not allowed.", cx.method)),
            )
            .with("allow", "GET, OPTIONS");
        }
    }
    match datatables_context(db, cx, query) {
        Ok(v) => Reply::django_json(200, &v),
        Err(DtError::BadRequest) => bad_request_html(),
        Err(DtError::ServerError) => server_error_html(),
    }
}

fn datatables_context(db: &Db, cx: &Cx, query: &str) -> Result<Value, DtError> {
    use DtError::{BadRequest, ServerError};
    let raw = base64::engine::general_purpose::STANDARD
        .decode(query)
        .map_err(|_| ServerError)?;
    let text = String::from_utf8(raw).map_err(|_| ServerError)?;
    let Value::Object(params) = serde_json::from_str::<Value>(&text).map_err(|_| ServerError)?
    else {
        return Err(ServerError);
    };
    let search = match params.get("search_string") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ServerError),
    };
    let object = |key: &str| -> Result<Vec<(String, Value)>, DtError> {
        match params.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            Some(_) => Err(ServerError),
        }
    };
    let mut value_filters = object("filtering")?;
    let mut null_filters = object("filtering_null")?;
    if value_filters
        .iter()
        .chain(null_filters.iter())
        .any(|(k, _)| !ALLOWED_FILTER_FIELDS.contains(&k.as_str()))
    {
        return Err(BadRequest);
    }
    match params.get("sorting") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::String(s)) if s.is_empty() || VALID_SORT_FIELDS.contains(&s.as_str()) => {}
        Some(Value::String(_)) => return Err(BadRequest),
        Some(_) => return Err(ServerError),
    }
    // An `__isnull` filter and a value filter on the same field are OR-ed.
    let mut groups: Vec<Vec<DtFilter>> = Vec::new();
    if !null_filters.is_empty() && !value_filters.is_empty() {
        let mut matched = Vec::new();
        for (nk, nv) in &null_filters {
            let field_path = &nk[..nk.len().saturating_sub(8)];
            if let Some(pos) = value_filters
                .iter()
                .position(|(vk, _)| vk.starts_with(field_path))
            {
                let (vk, vv) = value_filters.remove(pos);
                groups.push(vec![dt_build(&vk, &vv)?, dt_build(nk, nv)?]);
                matched.push(nk.clone());
            }
        }
        null_filters.retain(|(k, _)| !matched.contains(k));
    }
    for (k, v) in value_filters.iter().chain(null_filters.iter()) {
        groups.push(vec![dt_build(k, v)?]);
    }
    let mut rows: Vec<&Ticket> = db
        .tickets
        .values()
        .filter(|t| groups.iter().all(|g| g.iter().any(|f| dt_matches(f, t))))
        .filter(|t| search_matches(db, t, &search))
        .collect();
    let total = rows.len();
    let param = |k: &str| cx.query_get(k);
    let int_param = |k: &str, default: i64| -> Result<i64, DtError> {
        match param(k) {
            None => Ok(default),
            Some(s) => python_int(&s).ok_or(ServerError),
        }
    };
    let draw = int_param("draw", 0)?;
    let length = int_param("length", 25)?;
    let start = int_param("start", 0)?;
    if let Some(sv) = param("search[value]").filter(|s| !s.is_empty()) {
        rows.retain(|t| search_matches(db, t, &sv));
    }
    let count = rows.len();
    let column = param("order[0][column]").unwrap_or_else(|| "5".to_string());
    let Some((_, order_by)) = ORDER_COLUMNS.iter().find(|(n, _)| *n == column) else {
        return Err(ServerError);
    };
    let desc = param("order[0][dir]").as_deref() == Some("desc");
    let key_cmp = |a: &&Ticket, b: &&Ticket| -> Ordering {
        match *order_by {
            "id" => a.id.cmp(&b.id),
            "title" => a.title.cmp(&b.title),
            "priority" => a.priority.cmp(&b.priority),
            "queue" => db.queue_title(a.queue).cmp(&db.queue_title(b.queue)),
            "status" => a.status.cmp(&b.status),
            "created" => a.created.cmp(&b.created),
            "due_date" => a.due_date.cmp(&b.due_date),
            "assigned_to" => a.assigned_to.cmp(&b.assigned_to),
            "submitter_email" => a.submitter_email.cmp(&b.submitter_email),
            "last_followup" => last_followup(db, a).cmp(&last_followup(db, b)),
            _ => Ordering::Equal,
        }
    };
    rows.sort_by(|a, b| {
        let o = key_cmp(a, b);
        if desc { o.reverse() } else { o }.then(a.id.cmp(&b.id))
    });
    // Django refuses negative slice bounds.
    let stop = start.checked_add(length).ok_or(ServerError)?;
    if start < 0 || stop < 0 {
        return Err(ServerError);
    }
    let from = usize::try_from(start).unwrap_or(usize::MAX).min(rows.len());
    let to = usize::try_from(stop)
        .unwrap_or(usize::MAX)
        .min(rows.len())
        .max(from);
    let at = Utc::now();
    let data: Vec<Value> = rows[from..to]
        .iter()
        .map(|t| datatables_row(db, t, at))
        .collect();
    Ok(json!({
        "data": data,
        "recordsFiltered": count,
        "recordsTotal": total,
        "draw": draw,
    }))
}

// ---------------------------------------------------------------------------------------------
// Follow-up comments as Django templates (`update_ticket`)
// ---------------------------------------------------------------------------------------------

static TAG_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}").expect("a valid regex"));
static CONSTANT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:_\("[^"\\]*(?:\\.[^"\\]*)*"\)|_\('[^'\\]*(?:\\.[^'\\]*)*'\)|"[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*')"#)
        .expect("a valid regex")
});
static VAR_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[\w.]+|[-+.]?\d[\d.e]*)").expect("a valid regex"));
static FILTER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*\|\s*(\w+)(?::(_\("[^"\\]*(?:\\.[^"\\]*)*"\)|_\('[^'\\]*(?:\\.[^'\\]*)*'\)|"[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|[\w.]+|[-+.]?\d[\d.e]*))?"#)
        .expect("a valid regex")
});

/// The template context `safe_template_context(ticket)` gives the comment.
fn template_context(db: &Db, t: &Ticket) -> Value {
    let queue = json!({
        "title": db.queue_title(t.queue),
        "slug": db.queue_slug(t.queue),
        "email_address": null,
        "from_address": null,
        "locale": null,
    });
    let assigned = db.assigned_display(t);
    let for_url = db.ticket_for_url(t);
    let ticket = json!({
        "title": t.title,
        "created": django_datetime(t.created),
        "modified": django_datetime(t.modified),
        "submitter_email": t.submitter_email,
        "status": t.status,
        "get_status_display": status_name(t.status),
        "on_hold": t.on_hold,
        "description": t.description,
        "resolution": t.resolution,
        "priority": t.priority,
        "get_priority_display": priority_name(t.priority),
        "last_escalation": null,
        "ticket": format!("[{for_url}]"),
        "ticket_for_url": for_url,
        "merged_to": t.merged_to.and_then(|m| db.tickets.get(&m)).map(|m| format!("{} {}", m.id, m.title)),
        "get_status": get_status(t),
        "ticket_url": format!(
            "http://example.com/view/?ticket={for_url}&email={}&key={}",
            t.submitter_email.as_deref().unwrap_or("None"),
            t.secret_key
        ),
        "staff_url": format!("http://example.com/tickets/{}/", t.id),
        "_get_assigned_to": assigned,
        "assigned_to": assigned,
        "queue": queue.clone(),
    });
    json!({ "ticket": ticket, "queue": queue })
}

/// `update_ticket`'s neutralisation (`{% … %}` wrapped in `verbatim`), then rendering.
fn render_followup_comment(comment: &str, context: &Value) -> Result<String, String> {
    let neutral = comment
        .replace("{%", "X-HELPDESK-COMMENT-VERBATIM")
        .replace("%}", "X-HELPDESK-COMMENT-ENDVERBATIM");
    let neutral = neutral
        .replace("X-HELPDESK-COMMENT-VERBATIM", "{% verbatim %}{%")
        .replace("X-HELPDESK-COMMENT-ENDVERBATIM", "%}{% endverbatim %}");
    render_template(&neutral, context)
}

/// A subset of the Django template engine: variables with a few filters, comments, and the
/// `verbatim` tag; any other tag is a syntax error (a 500 upstream). Autoescaping is on.
fn render_template(src: &str, context: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut verbatim_end: Option<String> = None;
    let mut last = 0;
    for m in TAG_RE.find_iter(src) {
        out.push_str(&src[last..m.start()]);
        last = m.end();
        let token = m.as_str();
        let inner = &token[2..token.len() - 2];
        if token.starts_with("{%") {
            let content = inner.trim();
            if let Some(end) = &verbatim_end {
                if content == end {
                    verbatim_end = None;
                } else {
                    out.push_str(token);
                }
                continue;
            }
            if content == "verbatim" || content.starts_with("verbatim ") {
                verbatim_end = Some(format!("end{content}"));
                continue;
            }
            let name = content.split_whitespace().next().unwrap_or("");
            return Err(if name.is_empty() {
                "Empty block tag".to_string()
            } else {
                format!("Invalid block tag: '{name}'")
            });
        }
        if verbatim_end.is_some() {
            out.push_str(token);
            continue;
        }
        if token.starts_with("{{") {
            let content = inner.trim();
            if content.is_empty() {
                return Err("Empty variable tag".to_string());
            }
            out.push_str(&render_variable(content, context)?);
        }
        // `{# … #}`: a comment, dropped.
    }
    out.push_str(&src[last..]);
    if verbatim_end.is_some() {
        return Err("Unclosed tag 'verbatim'".to_string());
    }
    Ok(out)
}

/// A template value and whether it is marked safe (not escaped on output).
struct TplValue {
    value: Value,
    safe: bool,
}

fn unescape_literal(s: &str) -> String {
    let s = s
        .strip_prefix("_(")
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(s);
    let quote = s.chars().next().unwrap_or('"');
    let body = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
    body.replace(&format!("\\{quote}"), &quote.to_string())
        .replace("\\\\", "\\")
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

fn number_literal(s: &str) -> Option<Value> {
    if s.contains('.') || s.contains('e') {
        s.parse::<f64>().ok().map(|f| json!(f))
    } else {
        s.parse::<i64>().ok().map(|i| json!(i))
    }
}

/// A variable or literal: `None` for a missing variable (rendered as "").
fn resolve_operand(token: &str, context: &Value) -> Result<Option<TplValue>, String> {
    if CONSTANT_RE
        .find(token)
        .is_some_and(|m| m.end() == token.len())
    {
        return Ok(Some(TplValue {
            value: Value::String(unescape_literal(token)),
            safe: true,
        }));
    }
    if let Some(n) = number_literal(token) {
        return Ok(Some(TplValue {
            value: n,
            safe: true,
        }));
    }
    if token.starts_with('_') || token.contains("._") {
        return Err(format!(
            "Variables and attributes may not begin with underscores: '{token}'"
        ));
    }
    let builtin = match token {
        "True" => Some(Value::Bool(true)),
        "False" => Some(Value::Bool(false)),
        "None" => Some(Value::Null),
        _ => None,
    };
    if let Some(v) = builtin {
        return Ok(Some(TplValue {
            value: v,
            safe: false,
        }));
    }
    let mut cur = context;
    for part in token.split('.') {
        let next = match cur {
            Value::Object(m) => m.get(part),
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    Ok(Some(TplValue {
        value: cur.clone(),
        safe: false,
    }))
}

fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_str(other),
    }
}

fn apply_filter(name: &str, arg: Option<TplValue>, input: TplValue) -> TplValue {
    let text = || render_value(&input.value);
    let string = |s: String, safe: bool| TplValue {
        value: Value::String(s),
        safe,
    };
    match name {
        "upper" => string(text().to_uppercase(), input.safe),
        "lower" => string(text().to_lowercase(), input.safe),
        "capfirst" => {
            let t = text();
            let mut c = t.chars();
            let s = match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            };
            string(s, input.safe)
        }
        "title" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for ch in text().chars() {
                if ch.is_alphabetic() {
                    if prev_alpha {
                        out.extend(ch.to_lowercase());
                    } else {
                        out.extend(ch.to_uppercase());
                    }
                    prev_alpha = true;
                } else {
                    out.push(ch);
                    prev_alpha = false;
                }
            }
            string(out, input.safe)
        }
        "length" => TplValue {
            value: json!(match &input.value {
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                _ => 0,
            }),
            safe: true,
        },
        "default" => match arg {
            Some(a) if !truthy(&input.value) => a,
            _ => input,
        },
        "default_if_none" => match arg {
            Some(a) if input.value.is_null() => a,
            _ => input,
        },
        "safe" => TplValue {
            value: input.value,
            safe: true,
        },
        "escape" | "force_escape" => {
            let s = if input.safe { text() } else { esc(&text()) };
            string(s, true)
        }
        "cut" => {
            let a = arg.map(|a| render_value(&a.value)).unwrap_or_default();
            string(text().replace(&a, ""), input.safe)
        }
        // Other filters are not simulated: the value passes through unchanged.
        _ => input,
    }
}

fn render_variable(expr: &str, context: &Value) -> Result<String, String> {
    let head = match CONSTANT_RE.find(expr) {
        Some(m) => m.end(),
        None => match VAR_RE.find(expr) {
            Some(m) => m.end(),
            None => return Err(format!("Could not find variable at start of {expr}.")),
        },
    };
    let mut value = resolve_operand(&expr[..head], context)?.unwrap_or(TplValue {
        value: Value::String(String::new()),
        safe: false,
    });
    let mut rest = &expr[head..];
    while !rest.trim().is_empty() {
        let Some(c) = FILTER_RE.captures(rest) else {
            return Err(format!(
                "Could not parse the remainder: '{}' from '{expr}'",
                rest.trim()
            ));
        };
        let whole = c.get(0).map(|m| m.end()).unwrap_or(rest.len());
        let name = c.get(1).map(|m| m.as_str()).unwrap_or("");
        let arg = match c.get(2) {
            Some(a) => Some(resolve_operand(a.as_str(), context)?.unwrap_or(TplValue {
                value: Value::String(String::new()),
                safe: false,
            })),
            None => None,
        };
        value = apply_filter(name, arg, value);
        rest = &rest[whole..];
    }
    let text = render_value(&value.value);
    Ok(if value.safe { text } else { esc(&text) })
}

// ---------------------------------------------------------------------------------------------
// Dates, times and durations
// ---------------------------------------------------------------------------------------------

/// Django's DATETIME_FORMAT for English, `N j, Y, P`: "Nov. 21, 2026, 6:43 a.m.".
fn django_datetime(d: DateTime<Utc>) -> String {
    const MONTHS: [&str; 12] = [
        "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
        "Dec.",
    ];
    let month = MONTHS[(d.month0() as usize).min(11)];
    let (h, m) = (d.hour(), d.minute());
    let time = match (h, m) {
        (0, 0) => "midnight".to_string(),
        (12, 0) => "noon".to_string(),
        _ => {
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            let ampm = if h < 12 { "a.m." } else { "p.m." };
            if m == 0 {
                format!("{h12} {ampm}")
            } else {
                format!("{h12}:{m:02} {ampm}")
            }
        }
    };
    format!("{month} {}, {}, {time}", d.day(), d.year())
}

/// `django.utils.timesince.timesince` (depth 2, non-breaking spaces), with humanize's units.
fn timesince(d: DateTime<Utc>, now: DateTime<Utc>) -> String {
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const UNITS: [&str; 6] = ["year", "month", "week", "day", "hour", "minute"];
    let fmt = |n: i64, unit: &str| format!("{n}\u{a0}{unit}{}", if n == 1 { "" } else { "s" });
    if (now - d).num_seconds() <= 0 {
        return fmt(0, "minute");
    }
    let mut total_months = (now.year() - d.year()) * 12 + (now.month() as i32 - d.month() as i32);
    if d.day() > now.day() || (d.day() == now.day() && d.time() > now.time()) {
        total_months -= 1;
    }
    let (years, months) = (total_months.div_euclid(12), total_months.rem_euclid(12));
    let pivot = if years != 0 || months != 0 {
        let mut year = d.year() + years;
        let mut month = d.month() as i32 + months;
        if month > 12 {
            month -= 12;
            year += 1;
        }
        let month = u32::try_from(month).unwrap_or(1).clamp(1, 12);
        let day = d.day().min(MONTH_DAYS[(month - 1) as usize]);
        Utc.with_ymd_and_hms(year, month, day, d.hour(), d.minute(), d.second())
            .single()
            .unwrap_or(d)
    } else {
        d
    };
    let mut remaining = (now - pivot).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
    let mut partials: Vec<i64> = vec![i64::from(years), i64::from(months)];
    for chunk in [604_800.0, 86_400.0, 3_600.0, 60.0] {
        let count = (remaining / chunk).floor();
        partials.push(count as i64);
        remaining -= chunk * count;
    }
    let Some(first) = partials.iter().position(|p| *p != 0) else {
        return fmt(0, "minute");
    };
    let mut parts = Vec::new();
    let mut i = first;
    while i < UNITS.len() && parts.len() < 2 && partials[i] != 0 {
        parts.push(fmt(partials[i], UNITS[i]));
        i += 1;
    }
    parts.join(", ")
}

/// `django.contrib.humanize`'s `naturaltime`.
fn naturaltime(value: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            many.replace("{}", &n.to_string())
        }
    };
    if value < now {
        let secs = (now - value).num_seconds();
        let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        if days != 0 {
            format!("{} ago", timesince(value, now))
        } else if s == 0 {
            "now".to_string()
        } else if s < 60 {
            plural(s, "a second ago", "{} seconds ago")
        } else if s / 60 < 60 {
            plural(s / 60, "a minute ago", "{} minutes ago")
        } else {
            plural(s / 3600, "an hour ago", "{} hours ago")
        }
    } else {
        let secs = (value - now).num_seconds();
        let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        if days != 0 {
            format!("{} from now", timesince(now, value))
        } else if s == 0 {
            "now".to_string()
        } else if s < 60 {
            plural(s, "a second from now", "{} seconds from now")
        } else if s / 60 < 60 {
            plural(s / 60, "a minute from now", "{} minutes from now")
        } else {
            plural(s / 3600, "an hour from now", "{} hours from now")
        }
    }
}

static DATETIME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$")
        .expect("a valid regex")
});

/// What DRF's `DateTimeField` accepts (Django's `parse_datetime`, Python's `fromisoformat`, a
/// bare date meaning midnight); naive values are UTC.
fn parse_datetime_input(s: &str) -> Option<DateTime<Utc>> {
    let c = DATETIME_RE.captures(s)?;
    let num = |i: usize| -> Option<u32> {
        match c.get(i) {
            Some(m) => m.as_str().parse().ok(),
            None => Some(0),
        }
    };
    let year: i32 = c.get(1)?.as_str().parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(2)?, num(3)?)?;
    if c.get(4).is_none() && c.get(8).is_some() {
        return None;
    }
    let micros = match c.get(7) {
        Some(m) => format!("{:0<6}", m.as_str()).parse::<u32>().ok()?,
        None => 0,
    };
    let time = NaiveTime::from_hms_micro_opt(num(4)?, num(5)?, num(6)?, micros)?;
    let naive = date.and_time(time);
    let offset_secs = match c.get(8).map(|m| m.as_str()) {
        None | Some("Z") => 0,
        Some(tz) => {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            let digits: String = tz[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = digits.get(0..2)?.parse().ok()?;
            let minutes: i32 = digits
                .get(2..4)
                .map(|m| m.parse().ok())
                .unwrap_or(Some(0))?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let utc = naive - TimeDelta::seconds(i64::from(offset_secs));
    Some(Utc.from_utc_datetime(&utc))
}

static DURATION_STANDARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?P<days>-?\d+) (?:days?, )?)?(?P<sign>-?)(?:(?P<h>\d+):(?P<m1>\d+):|(?P<m2>\d+):)?(?P<s>\d+)(?:[.,](?P<us>\d{1,6})\d{0,6})?$")
        .expect("a valid regex")
});
static DURATION_ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<sign>[-+]?)P(?:(?P<days>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$")
        .expect("a valid regex")
});
static DURATION_PG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?P<days>-?\d+) (?:days? ?))?(?:(?P<sign>[-+])?(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d)(?:\.(?P<us>\d{1,6}))?)?$")
        .expect("a valid regex")
});

/// Python's `timedelta` bound (999999999 days), in microseconds.
const MAX_DURATION_US: i128 = 999_999_999 * 86_400_000_000 + 86_399_999_999;

/// Django's `parse_duration`, in microseconds.
fn parse_duration(s: &str) -> Option<i64> {
    let int = |c: &regex::Captures<'_>, name: &str| -> Option<i128> {
        match c.name(name) {
            Some(m) => m.as_str().parse::<i128>().ok(),
            None => Some(0),
        }
    };
    let micros_of = |c: &regex::Captures<'_>, name: &str| -> Option<i128> {
        match c.name(name) {
            Some(m) => format!("{:0<6}", m.as_str()).parse::<i128>().ok(),
            None => Some(0),
        }
    };
    let total: i128 = if let Some(c) = DURATION_STANDARD.captures(s) {
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") {
            -1
        } else {
            1
        };
        let minutes = if c.name("m1").is_some() {
            int(&c, "m1")?
        } else {
            int(&c, "m2")?
        };
        let secs = int(&c, "h")? * 3600 + minutes * 60 + int(&c, "s")?;
        int(&c, "days")? * 86_400_000_000 + sign * (secs * 1_000_000 + micros_of(&c, "us")?)
    } else if let Some(c) = DURATION_ISO.captures(s) {
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") {
            -1.0
        } else {
            1.0
        };
        let float = |name: &str| -> Option<f64> {
            match c.name(name) {
                Some(m) => m.as_str().replace(',', ".").parse::<f64>().ok(),
                None => Some(0.0),
            }
        };
        let secs = float("days")? * 86_400.0
            + float("hours")? * 3_600.0
            + float("minutes")? * 60.0
            + float("seconds")?;
        let us = (sign * secs * 1e6).round();
        if !us.is_finite() || us.abs() > 9.0e22 {
            return None;
        }
        us as i128
    } else if let Some(c) = DURATION_PG.captures(s) {
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") {
            -1
        } else {
            1
        };
        let secs = int(&c, "hours")? * 3600 + int(&c, "minutes")? * 60 + int(&c, "seconds")?;
        int(&c, "days")? * 86_400_000_000 + sign * (secs * 1_000_000 + micros_of(&c, "us")?)
    } else {
        return None;
    };
    if total.abs() > MAX_DURATION_US {
        return None;
    }
    i64::try_from(total).ok()
}

/// Django's `duration_string`: `HH:MM:SS[.ffffff]`, with `D ` in front for whole days.
fn duration_string(us: i64) -> String {
    let day = 86_400_000_000i64;
    let (days, rest) = (us.div_euclid(day), us.rem_euclid(day));
    let (secs, micros) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if days != 0 {
        out = format!("{days} {out}");
    }
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Demo data
// ---------------------------------------------------------------------------------------------

/// `(queue id, title, description, resolution note)`.
const SUBJECTS: [(u64, &str, &str, &str); 36] = [
    (
        1,
        "Printer on 3rd floor jams on every job",
        "The HP LaserJet next to the kitchen jams on every print job since this morning. The display says \"Paper jam in tray 2\" even after we cleared it.",
        "Replaced the worn pickup roller in tray 2; test prints come out clean.",
    ),
    (
        1,
        "VPN disconnects every 10 minutes",
        "Working from home, the VPN client drops the connection roughly every ten minutes and I have to log in again. Started after the last client update.",
        "Rolled the VPN client back to 5.2 and raised the idle timeout on the gateway.",
    ),
    (
        1,
        "Cannot reset my password",
        "The password reset link in the e-mail says it has expired as soon as I click it. I am locked out of my account.",
        "Reset links were expiring because of a clock skew on the mail relay; fixed the NTP config and sent a new link.",
    ),
    (
        1,
        "Outlook keeps asking for credentials",
        "Outlook prompts for my password every few minutes, even though I type it correctly each time.",
        "Cleared the cached credentials in Windows Credential Manager and re-created the profile.",
    ),
    (
        1,
        "Laptop battery drains overnight",
        "My laptop is at 100% when I close it in the evening and empty the next morning.",
        "Disabled modern standby network connectivity in the power settings; battery now holds overnight.",
    ),
    (
        1,
        "Wi-Fi in meeting room B is unreliable",
        "Video calls in meeting room B keep freezing. Other rooms are fine.",
        "The access point in room B was on a congested channel; moved it to channel 44 and updated its firmware.",
    ),
    (
        1,
        "Shared drive S: not mapped after reboot",
        "After every reboot the S: drive is missing and I have to map it again by hand.",
        "Fixed the group policy drive mapping and enabled 'Always wait for the network at startup'.",
    ),
    (
        1,
        "Second monitor for new desk",
        "I moved to desk 4.12 and there is only one monitor. Could I get a second one like before?",
        "Delivered and connected a second 27\" monitor.",
    ),
    (
        1,
        "Echo on the conference room speakerphone",
        "People on the other end hear themselves with a delay when we use the speakerphone in the large conference room.",
        "Enabled echo cancellation on the room system and moved the speaker away from the wall.",
    ),
    (
        1,
        "Blue screen after Windows update",
        "Since last night's update my PC shows a blue screen (DRIVER_IRQL_NOT_LESS_OR_EQUAL) a few minutes after login.",
        "Rolled back the faulty network driver and paused the update until the vendor's fix.",
    ),
    (
        1,
        "Printer shows offline for Mac users",
        "All Macs on the 2nd floor show the Canon printer as offline. Windows PCs can print.",
        "Re-added the printer on the Macs with the IPP driver instead of the old LPD queue.",
    ),
    (
        1,
        "MFA codes not arriving by SMS",
        "I don't receive the SMS with the sign-in code any more, so I cannot log in from my phone.",
        "Switched the account to the authenticator app; the SMS provider had blocked the number range.",
    ),
    (
        1,
        "Keyboard missing keys",
        "The E and R keys on my keyboard stopped working.",
        "Swapped the keyboard for a new one.",
    ),
    (
        1,
        "Request access to the marketing share",
        "I joined the marketing team and need read/write access to \\\\files\\marketing.",
        "Added the user to the Marketing-RW group; access confirmed.",
    ),
    (
        1,
        "Teams crashes when sharing screen",
        "Microsoft Teams closes as soon as I start sharing my screen.",
        "Cleared the Teams cache and updated the GPU driver.",
    ),
    (
        1,
        "Phishing e-mail received",
        "I received an e-mail asking me to confirm my payroll details on an external site. I did not click the link.",
        "Reported to security; the sender was blocked and the message purged from all mailboxes.",
    ),
    (
        2,
        "Invoice INV-2041 charged twice",
        "Our card was charged twice for invoice INV-2041 on the 3rd. Please refund the duplicate charge.",
        "Refunded the duplicate charge; it shows on the statement within 5 business days.",
    ),
    (
        2,
        "Update billing address for ACME Corp",
        "Please change our billing address to 22 Harbour Street, Leeds LS1 4AB from the next invoice on.",
        "Billing address updated; the next invoice will use it.",
    ),
    (
        2,
        "Refund for cancelled subscription",
        "We cancelled our subscription on the 1st but were billed for the whole month.",
        "Issued a pro-rata refund for the unused days.",
    ),
    (
        2,
        "VAT number missing on March invoice",
        "The March invoice does not show our VAT number, so our accounting cannot book it.",
        "Added the VAT number to the account and re-issued the March invoice.",
    ),
    (
        2,
        "Credit card declined on renewal",
        "The renewal payment failed with 'card declined', but the card is valid.",
        "The bank had flagged the charge; retried after the customer approved it.",
    ),
    (
        2,
        "Copies of last year's invoices",
        "Our auditors need PDF copies of all invoices from last year.",
        "Sent a zip with the twelve invoices.",
    ),
    (
        2,
        "Upgrade from Starter to Team plan",
        "We would like to upgrade to the Team plan from next month. How is the price difference billed?",
        "Upgraded the plan; the difference is pro-rated on the next invoice.",
    ),
    (
        2,
        "Wrong currency on quote Q-1187",
        "Quote Q-1187 is in USD, but our contract is in EUR.",
        "Re-issued the quote in EUR.",
    ),
    (
        2,
        "Payment reminder sent by mistake",
        "We received a payment reminder for an invoice we already paid on time.",
        "The payment had been matched to the wrong invoice; corrected and apologised.",
    ),
    (
        2,
        "Purchase order number on invoices",
        "Please add our PO number 4500012345 to all future invoices.",
        "PO number added to the account; it will appear on all invoices.",
    ),
    (
        2,
        "Change invoice recipient e-mail",
        "Invoices should go to accounts-payable@ instead of the CEO's address.",
        "Invoice recipient updated.",
    ),
    (
        3,
        "Accounts for new hire Dana Whitfield",
        "Dana Whitfield starts on Monday in Sales. She needs e-mail, CRM and VPN accounts.",
        "Accounts created and credentials handed over on the first day.",
    ),
    (
        3,
        "Laptop for incoming engineer",
        "A new backend engineer starts in two weeks; please order a laptop with 32 GB of RAM.",
        "Laptop ordered, imaged and delivered to the desk.",
    ),
    (
        3,
        "Add new starter to payroll and Slack",
        "Please add Tomás Rivera to payroll and invite him to the company Slack.",
        "Added to payroll and invited to Slack.",
    ),
    (
        3,
        "Badge access for contractor",
        "A contractor working on the 5th floor needs a building badge for three months.",
        "Temporary badge issued, valid until the end of the contract.",
    ),
    (
        3,
        "E-mail alias for the sales team",
        "Please create sales@ as an alias that reaches everyone in the sales team.",
        "Created the sales@ distribution list with the seven members.",
    ),
    (
        3,
        "Training session for the helpdesk tool",
        "Could someone give the new support hires a one-hour introduction to the helpdesk?",
        "Held the training on Thursday; slides shared in the wiki.",
    ),
    (
        3,
        "Offboarding checklist for departing employee",
        "Marco Bianchi leaves on Friday. Please disable his accounts and collect the laptop.",
        "Accounts disabled, mailbox forwarded to his manager, laptop collected.",
    ),
    (
        3,
        "Desk and chair for new team member",
        "Our new designer needs a desk near the design team and an ergonomic chair.",
        "Desk 3.07 prepared with an ergonomic chair.",
    ),
    (
        3,
        "Welcome pack for the March cohort",
        "Five people start on March 3rd. Please prepare welcome packs and the first-day schedule.",
        "Welcome packs prepared and the schedule sent to the managers.",
    ),
];

const CUSTOMERS: [&str; 12] = [
    "alice.martin@example.com",
    "bob.nguyen@example.org",
    "carla.rossi@acme.test",
    "dev.patel@globex.test",
    "erin.okafor@initech.test",
    "farid.haddad@example.com",
    "grace.kim@umbrella.test",
    "hugo.lefebvre@example.net",
    "ines.silva@acme.test",
    "jonas.berg@globex.test",
    "kate.obrien@example.com",
    "liam.walsh@initech.test",
];

const STAFF_NOTES: [&str; 10] = [
    "Thanks for reporting this. I'm looking into it now.",
    "Could you send a screenshot of the error message?",
    "I've restarted the service; please try again and let me know.",
    "Escalated to the second-line team.",
    "Waiting on the vendor to confirm a fix.",
    "I've applied a fix remotely. Can you confirm it's working?",
    "Scheduled a visit for tomorrow morning.",
    "Checked the logs: the problem started after Tuesday's change.",
    "Internal note: same issue as last month, see the runbook.",
    "Still investigating; next update by the end of the day.",
];

const CUSTOMER_REPLIES: [&str; 6] = [
    "Still happening this morning.",
    "Here is the screenshot you asked for.",
    "Works now, thanks!",
    "Any news on this?",
    "I tried again and got the same result.",
    "Thanks for the quick answer.",
];

/// About 60 tickets over the last two months, the same on every run for the same users.
fn seed(db: &mut Db, at: DateTime<Utc>) {
    const TICKETS: usize = 60;
    let mut rng = StdRng::seed_from_u64(0x6a61_6e67_6f5f_6864);
    let staff: Vec<u64> = db.users.iter().filter(|u| u.staff).map(|u| u.id).collect();
    let mut ages: Vec<i64> = (0..TICKETS)
        .map(|_| rng.random_range(20 * 60..60 * 24 * 60))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    for (i, age_minutes) in ages.into_iter().enumerate() {
        let (queue, title, description, resolution_note) = SUBJECTS[i % SUBJECTS.len()];
        let created =
            at - TimeDelta::minutes(age_minutes) - TimeDelta::seconds(rng.random_range(0..60));
        let status = match rng.random_range(0..100) {
            0..35 => 1,
            35..45 => 2,
            45..70 => RESOLVED,
            70..95 => CLOSED,
            _ => 5,
        };
        let priority = match rng.random_range(0..100) {
            0..8 => 1,
            8..28 => 2,
            28..78 => 3,
            78..93 => 4,
            _ => 5,
        };
        let assigned_to = if staff.is_empty() || rng.random_bool(0.25) {
            None
        } else {
            staff.choose(&mut rng).copied()
        };
        let submitter = CUSTOMERS.choose(&mut rng).copied().unwrap_or(CUSTOMERS[0]);
        let due_date = rng.random_bool(0.3).then(|| {
            let d = created + TimeDelta::days(rng.random_range(2..15));
            Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), 17, 0, 0)
                .single()
                .unwrap_or(d)
        });
        let id = db.next_ticket;
        db.next_ticket += 1;
        let mut ticket = Ticket {
            id,
            queue,
            title: title.to_string(),
            description: Some(description.to_string()),
            resolution: None,
            submitter_email: Some(submitter.to_string()),
            assigned_to,
            status: 1,
            on_hold: status == 1 && rng.random_bool(0.08),
            priority,
            due_date,
            merged_to: None,
            created,
            modified: created,
            secret_key: uuid::Builder::from_random_bytes(rng.random())
                .into_uuid()
                .to_string(),
        };
        // The follow-ups, from "Ticket Opened" to the status the ticket ends in.
        let count = rng.random_range(1..=5usize);
        let mut plan: Vec<Option<i64>> = vec![None; count];
        if status != 1 {
            let n = plan.len();
            if n >= 2 {
                plan[n - 1] = Some(status);
                if (status == CLOSED || status == 2) && n >= 3 {
                    plan[n - 2] = Some(RESOLVED);
                }
            } else {
                plan.push(Some(status));
            }
        }
        let opener = if rng.random_bool(0.5) {
            None
        } else {
            staff.choose(&mut rng).copied()
        };
        let opened_title = match assigned_to.and_then(|u| db.user(u)) {
            Some(u) => format!("Ticket Opened & Assigned to {}", u.username),
            None => "Ticket Opened".to_string(),
        };
        let mut date = created;
        let latest = at - TimeDelta::minutes(5);
        for (n, change) in plan.into_iter().enumerate() {
            if n > 0 {
                date = (date + TimeDelta::minutes(rng.random_range(30..60 * 36))).min(latest);
            }
            let mut f = FollowUp {
                id: 0,
                ticket: id,
                user: None,
                title: Some(ticket.title.clone()),
                comment: None,
                public: true,
                new_status: None,
                time_spent: None,
                date,
                message_id: None,
                email_recipients: Vec::new(),
            };
            if n == 0 {
                f.title = Some(opened_title.clone());
                f.comment = Some(description.to_string());
                f.user = opener;
                f.email_recipients = vec![submitter.to_string()];
            } else if let Some(s) = change {
                let note = match s {
                    RESOLVED | CLOSED => resolution_note.to_string(),
                    2 => "The problem is back; reopening.".to_string(),
                    _ => format!("Duplicate of #{}.", id.saturating_sub(1).max(1)),
                };
                f.user = assigned_to.or_else(|| staff.first().copied());
                f.title = Some(format!("{} and {}", ticket.title, status_name(s)));
                f.comment = Some(note.clone());
                f.new_status = Some(s);
                f.email_recipients = vec![submitter.to_string()];
                f.time_spent = rng.random_bool(0.6).then(|| {
                    *[15i64, 20, 30, 45, 60, 90].choose(&mut rng).unwrap_or(&30) * 60_000_000
                });
                ticket.status = s;
                if s == RESOLVED || (s == CLOSED && ticket.resolution.is_none()) {
                    ticket.resolution = Some(note);
                }
            } else if staff.is_empty() || rng.random_bool(0.35) {
                f.comment = Some(
                    CUSTOMER_REPLIES
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("")
                        .to_string(),
                );
            } else {
                f.user = assigned_to.or_else(|| staff.choose(&mut rng).copied());
                f.comment = Some(
                    STAFF_NOTES
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("")
                        .to_string(),
                );
                f.public = rng.random_bool(0.7);
                if f.public {
                    f.email_recipients = vec![submitter.to_string()];
                }
                f.time_spent = rng.random_bool(0.5).then(|| {
                    *[5i64, 10, 15, 30, 45, 60, 120]
                        .choose(&mut rng)
                        .unwrap_or(&15)
                        * 60_000_000
                });
            }
            ticket.modified = date;
            db.add_followup(f);
        }
        db.tickets.insert(id, ticket);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use reqwest::cookie::{CookieStore as _, Jar};
    use reqwest::{Client, StatusCode as Sc};
    use serde_json::{Value, json};

    use super::*;

    fn users() -> Vec<DjangoSimUser> {
        let user = |name: &str, staff: bool, agent: bool| DjangoSimUser {
            username: name.to_string(),
            password: format!("{name}-pass"),
            staff,
            agent,
        };
        vec![
            user("admin", true, false),
            user("agent7", true, true),
            user("customer", false, false),
            user("r&d<lab>", true, false),
        ]
    }

    async fn sim(fork: bool, seed: bool) -> DjangoSim {
        DjangoSim::start(DjangoSimOptions { fork, seed }, users())
            .await
            .expect("the simulator starts")
    }

    /// A browser-like client: cookie jar, no redirects.
    struct Browser {
        http: Client,
        jar: Arc<Jar>,
        base: String,
    }

    impl Browser {
        fn new(sim: &DjangoSim) -> Browser {
            let jar = Arc::new(Jar::default());
            let http = Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            Browser {
                http,
                jar,
                base: sim.base_url(),
            }
        }

        fn url(&self, path: &str) -> String {
            format!("{}{}", self.base, path.trim_start_matches('/'))
        }

        fn cookie(&self, name: &str) -> Option<String> {
            let url = url::Url::parse(&self.base).expect("base url");
            let header = self.jar.cookies(&url)?;
            header.to_str().ok()?.split("; ").find_map(|c| {
                let (k, v) = c.split_once('=')?;
                (k == name).then(|| v.to_string())
            })
        }

        async fn login(&self, user: &str, password: &str) -> reqwest::Response {
            let page = self
                .http
                .get(self.url("login/"))
                .send()
                .await
                .expect("login page");
            assert_eq!(page.status(), Sc::OK);
            let csrf = self.cookie("csrftoken").expect("a csrftoken cookie");
            self.http
                .post(self.url("login/"))
                .form(&[
                    ("csrfmiddlewaretoken", csrf.as_str()),
                    ("username", user),
                    ("password", password),
                ])
                .send()
                .await
                .expect("login post")
        }

        async fn get(&self, path: &str) -> reqwest::Response {
            self.http
                .get(self.url(path))
                .header("accept", "application/json")
                .send()
                .await
                .expect("get")
        }

        async fn send(
            &self,
            method: reqwest::Method,
            path: &str,
            body: Option<Value>,
        ) -> reqwest::Response {
            let mut rb = self.http.request(method, self.url(path));
            if let Some(c) = self.cookie("csrftoken") {
                rb = rb.header("X-CSRFToken", c);
            }
            if let Some(b) = body {
                rb = rb.json(&b);
            }
            rb.send().await.expect("request")
        }

        async fn json(
            &self,
            method: reqwest::Method,
            path: &str,
            body: Option<Value>,
        ) -> (u16, Value) {
            let r = self.send(method, path, body).await;
            let status = r.status().as_u16();
            let text = r.text().await.expect("body");
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
    }

    fn b64(v: &Value) -> String {
        base64::engine::general_purpose::STANDARD.encode(v.to_string())
    }

    #[tokio::test]
    async fn login_rotates_the_csrf_token_and_the_old_one_is_refused() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        let page = b.http.get(b.url("login/")).send().await.unwrap();
        let set_cookie = page
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(set_cookie.starts_with("csrftoken="), "{set_cookie}");
        assert!(set_cookie.contains("Path=/") && set_cookie.contains("SameSite=Lax"));
        let html = page.text().await.unwrap();
        assert!(html.contains("name=\"csrfmiddlewaretoken\""));
        let before = b.cookie("csrftoken").unwrap();
        assert_eq!(before.len(), 32);

        let r = b.login("admin", "admin-pass").await;
        assert_eq!(r.status(), Sc::FOUND);
        assert_eq!(r.headers()["location"], "/");
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(cookies.iter().any(|c| c.starts_with("sessionid=")
            && c.contains("HttpOnly")
            && c.contains("Path=/")));
        let session = b.cookie("sessionid").unwrap();
        assert_eq!(session.len(), 32);
        let after = b.cookie("csrftoken").unwrap();
        assert_ne!(before, after, "the CSRF secret rotates at login");

        // The pre-login token is refused; the new one works.
        let r = b
            .http
            .post(b.url("api/tickets/"))
            .header("X-CSRFToken", &before)
            .json(&json!({"queue": 1, "title": "t", "description": "d", "priority": 3}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FORBIDDEN);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."})
        );
        let r = b
            .http
            .post(b.url("api/tickets/"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"detail": "CSRF Failed: CSRF token missing."})
        );
        let (status, t) = b
            .json(
                reqwest::Method::POST,
                "api/tickets/",
                Some(json!({"queue": 1, "title": "t", "description": "d", "priority": 3})),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        // A masked (64-character) token works as well as the raw secret.
        let masked = mask_secret(&after);
        let r = b
            .http
            .delete(b.url(&format!("api/tickets/{}/", t["id"])))
            .header("X-CSRFToken", masked)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::NO_CONTENT);
        // An Origin that is not this host is refused.
        let r = b
            .http
            .post(b.url("api/tickets/"))
            .header("X-CSRFToken", &after)
            .header("Origin", "http://localhost:1")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("Origin checking failed"));
    }

    #[tokio::test]
    async fn login_needs_csrf_and_the_right_password() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        // No cookie at all.
        let r = b
            .http
            .post(b.url("login/"))
            .form(&[("username", "admin"), ("password", "admin-pass")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FORBIDDEN);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("CSRF verification failed. Request aborted.")
        );
        // A cookie but a wrong form token.
        b.http.get(b.url("login/")).send().await.unwrap();
        let r = b
            .http
            .post(b.url("login/"))
            .form(&[
                ("csrfmiddlewaretoken", "x".repeat(32).as_str()),
                ("username", "admin"),
                ("password", "admin-pass"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FORBIDDEN);
        // The header works instead of the field.
        let csrf = b.cookie("csrftoken").unwrap();
        let r = b
            .http
            .post(b.url("login/"))
            .header("X-CSRFToken", &csrf)
            .form(&[("username", "admin"), ("password", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::OK);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Your username and password didn't match. Please try again.")
        );
        assert!(b.cookie("sessionid").is_none());
        // `next` is honoured when it is local.
        let r = b
            .http
            .post(b.url("login/"))
            .form(&[
                ("csrfmiddlewaretoken", csrf.as_str()),
                ("username", "admin"),
                ("password", "admin-pass"),
                ("next", "/api/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FOUND);
        assert_eq!(r.headers()["location"], "/api/");
    }

    #[tokio::test]
    async fn anonymous_non_staff_token_and_basic() {
        let s = sim(false, true).await;
        let b = Browser::new(&s);
        let (status, body) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
        assert_eq!(
            (status, body),
            (
                403,
                json!({"detail": "Authentication credentials were not provided."})
            )
        );
        // The router root is public.
        let (status, root) = b.json(reqwest::Method::GET, "api/", None).await;
        assert_eq!(status, 200);
        assert_eq!(root["tickets"], format!("{}api/tickets/", s.base_url()));

        let c = Browser::new(&s);
        assert_eq!(
            c.login("customer", "customer-pass").await.status(),
            Sc::FOUND
        );
        let (status, body) = c.json(reqwest::Method::GET, "api/tickets/", None).await;
        assert_eq!(
            (status, body),
            (
                403,
                json!({"detail": "You do not have permission to perform this action."})
            )
        );
        let (status, _) = c
            .json(reqwest::Method::GET, "api/user_tickets/", None)
            .await;
        assert_eq!(status, 200);

        let token = s.add_token("admin");
        assert_eq!(token.len(), 40);
        assert_eq!(s.add_token("admin"), token);
        let http = Client::new();
        let r = http
            .post(format!("{}api/tickets/", s.base_url()))
            .header("Authorization", format!("Token {token}"))
            .json(&json!({"queue": 2, "title": "Token ticket", "description": "no csrf needed", "priority": "2"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::CREATED);
        let r = http
            .get(format!("{}api/tickets/", s.base_url()))
            .header("Authorization", "Token nope")
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"detail": "Invalid token."})
        );
        let r = http
            .get(format!("{}api/tickets/?page_size=1", s.base_url()))
            .basic_auth("admin", Some("admin-pass"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::OK);
        let r = http
            .get(format!("{}api/tickets/", s.base_url()))
            .basic_auth("admin", Some("wrong"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"detail": "Invalid username/password."})
        );
        let r = http
            .get(format!("{}api/tickets/", s.base_url()))
            .header("Accept", "application/xml")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::NOT_ACCEPTABLE);
    }

    #[tokio::test]
    async fn tickets_create_get_patch_delete_and_bad_input() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        b.login("admin", "admin-pass").await;
        use reqwest::Method as M;

        let (status, t) = b
            .json(
                M::POST,
                "api/tickets/",
                Some(json!({
                    "queue": 1, "title": "Printer on fire", "description": "It is smoking.",
                    "priority": 2, "submitter_email": "cust@example.com", "assigned_to": 1,
                    "due_date": "2026-12-31", "status": 4,
                })),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        let id = t["id"].as_i64().unwrap();
        assert_eq!(t["status"], 1, "a new ticket is always open");
        assert_eq!(t["due_date"], "2026-12-31T00:00:00Z");
        let f = &t["followup_set"][0];
        assert_eq!(f["title"], "Ticket Opened & Assigned to admin");
        assert_eq!(f["public"], true);
        assert_eq!(f["comment"], "It is smoking.");
        assert_eq!(f["user"], 1);
        assert_eq!(f["followupattachment_set"], json!([]));
        assert!(f["date"].as_str().unwrap().ends_with('Z'));
        assert_eq!(s.ticket_count(), 1);

        let (status, got) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
        assert_eq!(status, 200);
        assert_eq!(got["title"], "Printer on fire");
        let (status, patched) = b
            .json(
                M::PATCH,
                &format!("api/tickets/{id}/"),
                Some(json!({"priority": 1, "status": 4, "assigned_to": null})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            (
                patched["priority"].clone(),
                patched["status"].clone(),
                patched["assigned_to"].clone()
            ),
            (json!(1), json!(4), Value::Null)
        );
        assert_eq!(
            patched["followup_set"].as_array().unwrap().len(),
            1,
            "PATCH adds no follow-up"
        );
        let (status, e) = b
            .json(
                M::PATCH,
                &format!("api/tickets/{id}/"),
                Some(json!({"title": null})),
            )
            .await;
        assert_eq!(
            (status, e),
            (400, json!({"title": ["This field may not be null."]}))
        );
        let (status, e) = b
            .json(M::PUT, &format!("api/tickets/{id}/"), Some(json!({})))
            .await;
        assert_eq!(
            (status, e),
            (
                400,
                json!({"queue": ["This field is required."], "title": ["This field is required."]})
            )
        );

        // Bad input, as the real server answers it.
        let cases = [
            (
                json!({}),
                400,
                json!({"queue": ["This field is required."], "title": ["This field is required."]}),
            ),
            (
                json!({"queue": 1, "title": "x", "description": "d"}),
                400,
                json!({"priority": ["This field is required."]}),
            ),
            (
                json!({"queue": 1, "title": "x", "description": "", "priority": 3}),
                400,
                json!({"body": ["This field is required."]}),
            ),
            (
                json!({"queue": 999, "title": "x", "description": "d", "priority": 3}),
                400,
                json!({"queue": ["Invalid pk \"999\" - object does not exist."]}),
            ),
            (
                json!({"queue": "abc", "title": "x", "description": "d", "priority": 3}),
                400,
                json!({"queue": ["Incorrect type. Expected pk value, received str."]}),
            ),
            (
                json!({"queue": 1, "title": "x", "description": "d", "priority": 9}),
                400,
                json!({"priority": ["\"9\" is not a valid choice."]}),
            ),
            (
                json!({"queue": 1, "title": "x", "description": "d", "priority": true}),
                400,
                json!({"priority": ["\"True\" is not a valid choice."]}),
            ),
            (
                json!({"queue": 1, "title": "x", "description": "d", "priority": 3, "submitter_email": "nope"}),
                400,
                json!({"submitter_email": ["Enter a valid email address."]}),
            ),
            (
                json!({"queue": 1, "title": "x".repeat(201), "description": "d", "priority": 3}),
                400,
                json!({"title": ["Ensure this field has no more than 200 characters."]}),
            ),
            (
                json!({"queue": 1, "title": "x", "description": "d", "priority": 3, "due_date": "tomorrow"}),
                400,
                json!({"due_date": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
            ),
            (
                json!([1, 2]),
                400,
                json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
            ),
        ];
        for (body, status, expected) in cases {
            let (got_status, got) = b.json(M::POST, "api/tickets/", Some(body.clone())).await;
            assert_eq!((got_status, got), (status, expected), "for {body}");
        }
        // A missing description key is a 500 upstream (KeyError).
        let r = b
            .send(
                M::POST,
                "api/tickets/",
                Some(json!({"queue": 1, "title": "x", "priority": 3})),
            )
            .await;
        assert_eq!(r.status(), Sc::INTERNAL_SERVER_ERROR);
        assert!(r.text().await.unwrap().contains("Server Error (500)"));
        let (_, t2) = b
            .json(M::POST, "api/tickets/", Some(json!({"queue": 1, "title": "x", "description": "d", "priority": 3, "due_date": "2026-12-31T17:00:00+02:00"})))
            .await;
        assert_eq!(t2["due_date"], "2026-12-31T15:00:00Z");
        assert_eq!(t2["submitter_email"], "");
        // Malformed JSON and media types.
        let r = b
            .http
            .post(b.url("api/tickets/"))
            .header("X-CSRFToken", b.cookie("csrftoken").unwrap())
            .header("content-type", "application/json")
            .body("{\"a\": 1, }")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::BAD_REQUEST);
        assert!(
            r.json::<Value>().await.unwrap()["detail"]
                .as_str()
                .unwrap()
                .starts_with("JSON parse error - ")
        );
        let r = b
            .http
            .post(b.url("api/tickets/"))
            .header("X-CSRFToken", b.cookie("csrftoken").unwrap())
            .header("content-type", "text/plain")
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"detail": "Unsupported media type \"text/plain\" in request."})
        );

        // Lists: status filter, pagination, order.
        let (_, page) = b.json(M::GET, "api/tickets/?status=4", None).await;
        assert_eq!(page["count"], 1);
        let (_, page) = b.json(M::GET, "api/tickets/?status=Open", None).await;
        assert_eq!(
            page["count"], 2,
            "names match nothing, so the filter is dropped"
        );
        let (_, page) = b.json(M::GET, "api/tickets/?page_size=1", None).await;
        assert_eq!(page["results"][0]["id"], id);
        assert_eq!(
            page["next"],
            format!("{}api/tickets/?page=2&page_size=1", s.base_url())
        );
        assert_eq!(page["previous"], Value::Null);
        let (_, page2) = b
            .json(M::GET, "api/tickets/?page_size=1&page=2", None)
            .await;
        assert_eq!(
            page2["previous"],
            format!("{}api/tickets/?page_size=1", s.base_url())
        );
        let (status, e) = b
            .json(M::GET, "api/tickets/?page=3&page_size=1", None)
            .await;
        assert_eq!((status, e), (404, json!({"detail": "Invalid page."})));

        // Slashes and missing objects.
        let r = b.get("api/tickets").await;
        assert_eq!(r.status(), Sc::MOVED_PERMANENTLY);
        assert_eq!(r.headers()["location"], "/api/tickets/");
        let r = b.get("api/queues/").await;
        assert_eq!(r.status(), Sc::NOT_FOUND);
        assert!(r.text().await.unwrap().contains("<h1>Not Found</h1>"));
        let (status, e) = b.json(M::GET, "api/tickets/999/", None).await;
        assert_eq!(
            (status, e),
            (404, json!({"detail": "No Ticket matches the given query."}))
        );
        let (status, e) = b.json(M::GET, "api/tickets/abc/", None).await;
        assert_eq!((status, e), (404, json!({"detail": "Not found."})));
        let (status, e) = b
            .json(M::POST, &format!("api/tickets/{id}/"), Some(json!({})))
            .await;
        assert_eq!(
            (status, e),
            (405, json!({"detail": "Method \"POST\" not allowed."}))
        );

        // DELETE cascades to the follow-ups.
        let r = b.send(M::DELETE, &format!("api/tickets/{id}/"), None).await;
        assert_eq!(r.status(), Sc::NO_CONTENT);
        let (status, _) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
        assert_eq!(status, 404);
        let (_, fus) = b.json(M::GET, "api/followups/", None).await;
        assert!(
            fus["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["ticket"] != id)
        );
        assert_eq!(s.ticket_count(), 1);
        assert!(s.requests("POST", "/api/tickets/") >= 10);
    }

    #[tokio::test]
    async fn followups_change_status_rename_and_render_templates() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        b.login("admin", "admin-pass").await;
        use reqwest::Method as M;
        let (_, t) = b
            .json(M::POST, "api/tickets/", Some(json!({"queue": 2, "title": "Invoice wrong", "description": "d", "priority": 3, "submitter_email": "c@example.com"})))
            .await;
        let id = t["id"].as_i64().unwrap();

        let (status, f) = b
            .json(M::POST, "api/followups/", Some(json!({
                "ticket": id,
                "comment": "About {{ ticket.title }} ({{ ticket.ticket }}): {{ \"{{\" }} {% if x %}kept{% endif %}{# gone #} {{ ticket.nope }}!",
                "time_spent": "01:30:00",
            })))
            .await;
        assert_eq!(status, 201, "{f}");
        assert_eq!(
            f["comment"],
            "About Invoice wrong ([billing-1]): {{ {% if x %}kept{% endif %} !"
        );
        assert_eq!(f["public"], false);
        assert_eq!(f["title"], "Invoice wrong");
        assert_eq!(f["new_status"], Value::Null);
        assert_eq!(f["time_spent"], "01:30:00");
        assert_eq!(f["user"], 1);
        assert_eq!(f["email_recipients"], json!([]));

        let (status, f) = b
            .json(M::POST, "api/followups/", Some(json!({"ticket": id, "title": "Refund issued", "comment": "Refunded {{ ticket.title }} & done", "public": true, "new_status": 3})))
            .await;
        assert_eq!(status, 201);
        assert_eq!(f["title"], "Refund issued and Resolved");
        assert_eq!(f["new_status"], 3);
        assert_eq!(
            f["comment"], "Refunded Invoice wrong & done",
            "rendered against the ticket before the rename"
        );
        assert_eq!(f["email_recipients"], json!(["c@example.com"]));
        let (_, t) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
        assert_eq!(t["status"], 3);
        assert_eq!(t["title"], "Refund issued");
        assert_eq!(t["resolution"], "Refunded Invoice wrong & done");
        assert_eq!(t["followup_set"].as_array().unwrap().len(), 3);

        // Template values are autoescaped; literals are not.
        let (_, f) = b
            .json(M::POST, "api/followups/", Some(json!({"ticket": id, "comment": "{{ ticket.queue.title|upper }} {{ \"<b>\" }}", "new_status": "2", "title": ""})))
            .await;
        assert_eq!(f["comment"], "BILLING <b>");
        assert_eq!(f["title"], "Reopened");
        // An unbalanced tag is a template syntax error upstream.
        let r = b
            .send(
                M::POST,
                "api/followups/",
                Some(json!({"ticket": id, "comment": "50%} off"})),
            )
            .await;
        assert_eq!(r.status(), Sc::INTERNAL_SERVER_ERROR);

        let cases = [
            (
                json!({"comment": "x"}),
                json!({"ticket": ["This field is required."]}),
            ),
            (
                json!({"ticket": 999}),
                json!({"ticket": ["Invalid pk \"999\" - object does not exist."]}),
            ),
            (
                json!({"ticket": id, "public": "maybe"}),
                json!({"public": ["Must be a valid boolean."]}),
            ),
            (
                json!({"ticket": id, "new_status": 9}),
                json!({"new_status": ["\"9\" is not a valid choice."]}),
            ),
            (
                json!({"ticket": id, "time_spent": "soon"}),
                json!({"time_spent": ["Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu]."]}),
            ),
            (
                json!({"ticket": id, "user": 999}),
                json!({"user": ["Invalid pk \"999\" - object does not exist."]}),
            ),
        ];
        for (body, expected) in cases {
            let (status, e) = b.json(M::POST, "api/followups/", Some(body.clone())).await;
            assert_eq!((status, e), (400, expected), "for {body}");
        }
        // PATCH on a follow-up is a plain row edit.
        let fid = f["id"].as_i64().unwrap();
        let (status, f2) = b
            .json(
                M::PATCH,
                &format!("api/followups/{fid}/"),
                Some(json!({"new_status": 4, "time_spent": 5400})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(f2["time_spent"], "01:30:00");
        let (_, t) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
        assert_eq!(t["status"], 2);
    }

    #[tokio::test]
    async fn datatables_filters_and_session_only() {
        let s = sim(false, true).await;
        let b = Browser::new(&s);
        b.login("admin", "admin-pass").await;
        let query = |q: &Value, extra: &str| {
            format!(
                "datatables_ticket_list/{}?start=0&length=100&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=asc{extra}",
                b64(q)
            )
        };
        let (status, all) = b
            .json(
                reqwest::Method::GET,
                &query(
                    &json!({"filtering": {}, "search_string": "", "sorting": "id"}),
                    "",
                ),
                None,
            )
            .await;
        assert_eq!(status, 200, "{all}");
        assert_eq!(all["recordsTotal"], s.ticket_count());
        assert_eq!(all["draw"], 0);
        let row = &all["data"][0];
        assert_eq!(row["id"], 1);
        assert!(row["ticket"].as_str().unwrap().starts_with("1 ["));
        assert!(row["queue"]["title"].is_string());
        for key in [
            "priority",
            "title",
            "status",
            "created",
            "due_date",
            "assigned_to",
            "submitter",
            "last_followup",
            "time_spent",
            "kbitem",
        ] {
            assert!(row.get(key).is_some(), "{key} missing from {row}");
        }
        let ids: Vec<i64> = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);

        let (_, open) = b
            .json(reqwest::Method::GET, &query(&json!({"filtering": {"status__in": [1, 2], "queue__id__in": [1]}, "search_string": "", "sorting": "id"}), ""), None)
            .await;
        assert!(open["recordsFiltered"].as_i64().unwrap() > 0);
        for r in open["data"].as_array().unwrap() {
            assert_eq!(r["queue"]["id"], 1);
            assert!(r["status"].as_str().unwrap().starts_with("Open") || r["status"] == "Reopened");
        }
        let (_, mine) = b
            .json(reqwest::Method::GET, &query(&json!({"filtering": {"assigned_to__id__in": [1]}, "search_string": "", "sorting": "id"}), ""), None)
            .await;
        for r in mine["data"].as_array().unwrap() {
            assert_eq!(r["assigned_to"], "admin");
        }
        let (_, found) = b
            .json(reqwest::Method::GET, &query(&json!({"filtering": {}, "search_string": "PRINTER OR invoice", "sorting": "id"}), ""), None)
            .await;
        assert!(found["recordsFiltered"].as_i64().unwrap() > 0);
        for r in found["data"].as_array().unwrap() {
            let t = r["title"].as_str().unwrap().to_lowercase();
            let id = r["id"].as_i64().unwrap();
            let (_, full) = b
                .json(reqwest::Method::GET, &format!("api/tickets/{id}/"), None)
                .await;
            // Title, description and resolution are searched (and more).
            let text = format!(
                "{t} {} {}",
                full["description"].as_str().unwrap_or(""),
                full["resolution"].as_str().unwrap_or("")
            )
            .to_lowercase();
            assert!(
                text.contains("printer") || text.contains("invoice"),
                "{text}"
            );
        }
        // Outside the allow-list: 400 HTML.
        let r = b
            .get(&query(
                &json!({"filtering": {"assigned_to__password__startswith": "pbkdf2"}}),
                "",
            ))
            .await;
        assert_eq!(r.status(), Sc::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("Bad Request (400)"));
        // Paging.
        let (_, page) = b.json(reqwest::Method::GET, &format!("datatables_ticket_list/{}?start=10&length=5&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=desc", b64(&json!({}))), None).await;
        assert_eq!(page["data"].as_array().unwrap().len(), 5);
        assert_eq!(page["data"][0]["id"], s.ticket_count() as i64 - 10);

        // Token and Basic do not open HTML views.
        let token = s.add_token("admin");
        let r = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}{}", s.base_url(), query(&json!({}), "")))
            .header("Authorization", format!("Token {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FOUND);
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login/?next=/datatables_ticket_list/")
        );
    }

    #[tokio::test]
    async fn the_browsable_api_lists_queues_and_users_in_selects() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        b.login("admin", "admin-pass").await;
        let r = b
            .http
            .get(b.url("api/tickets/?page_size=1"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        let queue = html
            .find("<select class=\"form-control\" name=\"queue\">")
            .expect("queue select");
        let users = html
            .find("<select class=\"form-control\" name=\"assigned_to\">")
            .expect("assigned_to select");
        let q = &html[queue..];
        let q = &q[..q.find("</select>").unwrap()];
        // Queue.Meta.ordering is by title.
        let order: Vec<usize> = [
            "<option value=\"2\">Billing</option>",
            "<option value=\"3\">Onboarding</option>",
            "<option value=\"1\">Support</option>",
        ]
        .iter()
        .map(|o| q.find(o).expect(o))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
        let u = &html[users..];
        let u = &u[..u.find("</select>").unwrap()];
        assert!(u.contains("<option value=\"1\">admin</option>"));
        assert!(u.contains("<option value=\"3\">customer</option>"));
        assert!(u.contains("<option value=\"4\">r&amp;d&lt;lab&gt;</option>"));

        // Anonymous HTML: the error, and no form.
        let anon = Client::new()
            .get(b.url("api/tickets/?page_size=1"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(anon.status(), Sc::FORBIDDEN);
        let html = anon.text().await.unwrap();
        assert!(html.contains("Authentication credentials were not provided."));
        assert!(!html.contains("name=\"queue\""));
    }

    #[tokio::test]
    async fn fork_endpoints_when_on() {
        let s = sim(true, false).await;
        let b = Browser::new(&s);
        b.login("agent7", "agent7-pass").await;
        use reqwest::Method as M;
        let (status, info) = b.json(M::GET, "api/agent-session-info/", None).await;
        assert_eq!(status, 200, "{info}");
        let branch = info["branch_name"].as_str().unwrap().to_string();
        let (user, suffix) = branch.rsplit_once('-').unwrap();
        assert_eq!(user, "agent7");
        assert_eq!(suffix.len(), 8);
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(info["is_agent"], true);
        assert_eq!(info["intent"], Value::Null);
        assert_eq!(
            info["session_key"].as_str(),
            b.cookie("sessionid").as_deref()
        );
        assert_eq!(info["authentication_method"], "session");

        let (status, set) = b
            .json(
                M::POST,
                "api/set-agent-intent/",
                Some(json!({"intent": "Close stale printer tickets"})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(set["message"], "Intent set successfully");
        assert_eq!(set["branch_name"], branch.as_str());
        let (_, info) = b.json(M::GET, "api/agent-session-info/", None).await;
        assert_eq!(info["intent"], "Close stale printer tickets");
        assert_eq!(
            info["branch_name"],
            branch.as_str(),
            "the branch stays for the HTTP session"
        );

        for (body, error) in [
            (json!({}), "Intent required"),
            (json!({"intent": null}), "Intent required"),
            (json!({"intent": 5}), "Invalid intent type"),
            (json!({"intent": "x".repeat(513)}), "Intent too long"),
        ] {
            let (status, e) = b.json(M::POST, "api/set-agent-intent/", Some(body)).await;
            assert_eq!((status, e["error"].as_str()), (400, Some(error)));
        }
        let (status, e) = b.json(M::GET, "api/set-agent-intent/", None).await;
        assert_eq!(
            (status, e),
            (405, json!({"detail": "Method \"GET\" not allowed."}))
        );

        // A non-agent account.
        let admin = Browser::new(&s);
        admin.login("admin", "admin-pass").await;
        let (status, e) = admin.json(M::GET, "api/agent-session-info/", None).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (403, Some("Not an agent user"))
        );

        // Finishing logs the agent out.
        let (status, done) = b
            .json(M::POST, "api/finish-agent-session/", Some(json!({})))
            .await;
        assert_eq!(status, 200);
        assert_eq!(done["message"], "Session finished successfully");
        assert_eq!(done["intent"], "Close stale printer tickets");
        assert_eq!(done["branch_name"], branch.as_str());
        assert_eq!(
            s.finished_agent_sessions(),
            vec![(
                "agent7".to_string(),
                Some(branch.clone()),
                Some("Close stale printer tickets".to_string())
            )]
        );
        let (status, e) = b.json(M::GET, "api/agent-session-info/", None).await;
        assert_eq!(
            (status, e),
            (
                403,
                json!({"detail": "Authentication credentials were not provided."})
            )
        );
        // A new login gets a new branch.
        b.login("agent7", "agent7-pass").await;
        let (_, info) = b.json(M::GET, "api/agent-session-info/", None).await;
        assert_ne!(info["branch_name"], branch.as_str());

        // The access-control middleware, when switched on.
        s.set_agent_access_control(true);
        let r = b
            .get(&format!("datatables_ticket_list/{}", b64(&json!({}))))
            .await;
        assert_eq!(r.status(), Sc::FORBIDDEN);
        assert_eq!(
            r.json::<Value>().await.unwrap()["code"],
            "AGENT_WEB_ACCESS_DENIED"
        );
    }

    #[tokio::test]
    async fn fork_endpoints_404_when_off() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        b.login("agent7", "agent7-pass").await;
        let r = b.get("api/agent-session-info/").await;
        assert_eq!(r.status(), Sc::NOT_FOUND);
        assert!(r.text().await.unwrap().contains("Not Found"));
        let r = b
            .send(
                reqwest::Method::POST,
                "api/finish-agent-session/",
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status(), Sc::NOT_FOUND);
    }

    #[tokio::test]
    async fn logout_and_server_side_session_deletion() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        b.login("admin", "admin-pass").await;
        let r = b.http.get(b.url("logout/")).send().await.unwrap();
        assert_eq!(r.status(), Sc::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()["allow"], "POST, OPTIONS");
        let r = b.http.post(b.url("logout/")).send().await.unwrap();
        assert_eq!(r.status(), Sc::FORBIDDEN, "logout needs CSRF");
        let old_session = b.cookie("sessionid").unwrap();
        let r = b.send(reqwest::Method::POST, "logout/", None).await;
        assert_eq!(r.status(), Sc::OK);
        assert!(r.text().await.unwrap().contains("Logged Out"));
        let (status, _) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
        assert_eq!(status, 403);
        // Replaying the old cookie does not help: the session is gone server-side.
        let r = Client::new()
            .get(b.url("api/tickets/"))
            .header("cookie", format!("sessionid={old_session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), Sc::FORBIDDEN);

        b.login("admin", "admin-pass").await;
        let (status, _) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
        assert_eq!(status, 200);
        assert_eq!(s.delete_sessions("admin"), 1);
        assert_eq!(s.delete_sessions("nobody"), 0);
        let (status, e) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
        assert_eq!(
            (status, e),
            (
                403,
                json!({"detail": "Authentication credentials were not provided."})
            )
        );
        b.login("admin", "admin-pass").await;
        let (status, _) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn seeded_data_is_deterministic() {
        let a = sim(false, true).await;
        let b = sim(false, true).await;
        assert_eq!(a.ticket_count(), 60);
        let titles = |s: &DjangoSim| {
            let db = lock(&s.db);
            db.tickets
                .values()
                .map(|t| {
                    (
                        t.title.clone(),
                        t.status,
                        t.priority,
                        t.queue,
                        t.assigned_to,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(&a), titles(&b));
        {
            let db = lock(&a.db);
            for status in 1..=5 {
                assert!(
                    db.tickets.values().any(|t| t.status == status),
                    "no ticket with status {status}"
                );
            }
            for t in db.tickets.values() {
                let n = db.followups_of(t.id).len();
                assert!((1..=6).contains(&n));
                if t.status == RESOLVED {
                    assert!(t.resolution.is_some());
                }
            }
        }
        let empty = DjangoSim::start(DjangoSimOptions::default(), vec![])
            .await
            .unwrap();
        assert_eq!(empty.ticket_count(), 0);
        assert_eq!(lock(&empty.db).queues.len(), 3);
    }

    #[tokio::test]
    async fn attachments_are_checked_and_served() {
        let s = sim(false, false).await;
        let b = Browser::new(&s);
        b.login("admin", "admin-pass").await;
        let (_, t) = b
            .json(
                reqwest::Method::POST,
                "api/tickets/",
                Some(json!({"queue": 1, "title": "Scan", "description": "d", "priority": 3})),
            )
            .await;
        let fid = t["followup_set"][0]["id"].as_i64().unwrap();
        let upload = |filename: &str| {
            let boundary = "XsimBoundary42";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"followup\"\r\n\r\n{fid}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(b"hello attachment");
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            b.http
                .post(b.url("api/followups-attachments/"))
                .header("X-CSRFToken", b.cookie("csrftoken").unwrap())
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body)
                .send()
        };
        let r = upload("note.txt").await.unwrap();
        assert_eq!(r.status(), Sc::CREATED);
        let a: Value = r.json().await.unwrap();
        assert_eq!(a["filename"], "note.txt");
        assert_eq!(a["mime_type"], "text/plain");
        assert_eq!(a["size"], 16);
        let file = Client::new()
            .get(a["file"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(file.text().await.unwrap(), "hello attachment");
        let r = upload("page.html").await.unwrap();
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"file": ["Unsupported file extension: .html"]})
        );
    }

    #[test]
    fn templates_durations_and_times() {
        let ctx = json!({"ticket": {"title": "A & B", "status": 1, "on_hold": false, "resolution": null}});
        let r = |s: &str| render_followup_comment(s, &ctx);
        assert_eq!(r("{{ ticket.title }}").unwrap(), "A &amp; B");
        assert_eq!(r("{{ \"{{\" }}").unwrap(), "{{");
        assert_eq!(
            r("{% for x in y %}{{ x }}{% endfor %}").unwrap(),
            "{% for x in y %}{% endfor %}"
        );
        assert_eq!(r("a{# note #}b").unwrap(), "ab");
        assert_eq!(r("{{ ticket.status }} {{ ticket.on_hold }} {{ ticket.resolution }} {{ ticket.missing|default:\"none\" }}").unwrap(), "1 False None none");
        assert!(r("{% unclosed").is_err());
        assert!(r("{{ }}").is_err());
        assert!(r("{{ ticket._secret }}").is_err());
        assert!(r("{{ a b }}").is_err());

        assert_eq!(parse_duration("01:30:00"), Some(5_400_000_000));
        assert_eq!(parse_duration("5400"), Some(5_400_000_000));
        assert_eq!(parse_duration("PT2H30M"), Some(9_000_000_000));
        assert_eq!(parse_duration("1 02:00:00"), Some(93_600_000_000));
        assert_eq!(parse_duration("nope"), None);
        assert_eq!(duration_string(5_400_000_000), "01:30:00");
        assert_eq!(
            duration_string(parse_duration("-00:10:00").unwrap()),
            "-1 23:50:00"
        );
        assert_eq!(duration_string(1_500_000), "00:00:01.500000");

        let at = Utc
            .with_ymd_and_hms(2026, 11, 21, 6, 43, 0)
            .single()
            .unwrap();
        assert_eq!(django_datetime(at), "Nov. 21, 2026, 6:43 a.m.");
        assert_eq!(naturaltime(at - TimeDelta::minutes(5), at), "5 minutes ago");
        assert_eq!(
            naturaltime(at - TimeDelta::hours(50), at),
            "2\u{a0}days, 2\u{a0}hours ago"
        );
        assert_eq!(
            naturaltime(at + TimeDelta::days(3), at),
            "3\u{a0}days from now"
        );
        assert_eq!(naturaltime(at, at), "now");
        assert_eq!(
            parse_datetime_input("2026-12-31")
                .map(|d| drf_dt(&d))
                .as_deref(),
            Some("2026-12-31T00:00:00Z")
        );
        assert_eq!(parse_datetime_input("2026-02-30T10:00"), None);

        let secret = random_string(32, CSRF_CHARS);
        assert_eq!(unmask_token(&mask_secret(&secret)), secret);
        assert!(valid_email("a.b+c@example.co.uk"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("nope"));
    }

    /// The product's own client against the simulator.
    #[tokio::test]
    async fn the_product_client_works_against_the_simulator() {
        use crate::backends::django_helpdesk::{
            DjangoAuth, DjangoClient, DjangoHelpdeskConfig, ForkProbe,
        };
        use crate::policy::ratelimit::{AccountLimiter, Budget};
        use secrecy::SecretString;

        let s = sim(true, true).await;
        let limiter = Arc::new(AccountLimiter::new(
            "django-helpdesk test",
            Budget {
                requests_per_minute: 10_000,
                max_concurrent: 4,
                max_wait: Duration::from_secs(5),
            },
        ));
        let client = |user: &str| {
            DjangoClient::new(
                DjangoHelpdeskConfig {
                    base_url: url::Url::parse(&s.base_url()).unwrap(),
                    username: Some(user.to_string()),
                    auth: DjangoAuth::Password(SecretString::from(format!("{user}-pass"))),
                    timeout: Duration::from_secs(10),
                },
                limiter.clone(),
            )
            .unwrap()
        };
        let c = client("agent7");
        c.ensure_login().await.unwrap();
        assert_eq!(c.login_count(), 1);

        let page = c.list_tickets(1, 10, &[1, 2]).await.unwrap();
        assert!(page.count > 0);
        assert!(page.results.iter().all(|t| t.status == 1 || t.status == 2));

        let choices = c.choices(true).await.unwrap();
        let names: Vec<&str> = choices.queues.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["Billing", "Onboarding", "Support"]);
        assert!(
            choices
                .users
                .iter()
                .any(|u| u.name == "agent7" && u.id == 2)
        );
        assert!(choices.users.iter().any(|u| u.name == "r&d<lab>"));

        let dt = c
            .datatables(&json!({"filtering": {"queue__id__in": [1], "status__in": [1, 2]}, "search_string": "", "sorting": "id"}), 0, 25)
            .await
            .unwrap();
        assert!(dt.records_filtered > 0);
        assert!(dt.data.iter().all(|r| r.queue.id == 1));

        let (t, _, status) = c
            .create_ticket(&json!({"queue": 1, "title": "From the product", "description": "Created by DjangoClient", "priority": 3}))
            .await
            .unwrap();
        assert_eq!(status, 201);
        assert_eq!(t.followup_set[0].title.as_deref(), Some("Ticket Opened"));
        let (f, _, status) = c
            .create_followup(&json!({"ticket": t.id, "comment": "Done for {{ ticket.title }}", "new_status": 3, "public": true}))
            .await
            .unwrap();
        assert_eq!(status, 201);
        assert_eq!(f.comment.as_deref(), Some("Done for From the product"));
        let (t, _) = c.get_ticket(t.id).await.unwrap();
        assert_eq!(t.status, 3);
        let (t, _, _) = c.patch_ticket(t.id, &json!({"priority": 1})).await.unwrap();
        assert_eq!(t.priority, 1);

        match c.fork_session_info().await.unwrap() {
            ForkProbe::Present(info) => {
                assert!(info.branch_name.unwrap().starts_with("agent7-"));
            }
            other => panic!("expected the fork, got {other:?}"),
        }
        let info = c.fork_set_intent("Tidy the support queue").await.unwrap();
        assert_eq!(info.intent.as_deref(), Some("Tidy the support queue"));

        // The server forgets the session: the client logs in again once and carries on.
        assert_eq!(s.delete_sessions("agent7"), 1);
        let page = c.list_tickets(1, 1, &[]).await.unwrap();
        assert_eq!(page.count as usize, s.ticket_count());
        assert_eq!(c.login_count(), 2);
        // The same after a write with a stale CSRF token (the session is gone, so is its cookie).
        assert_eq!(s.delete_sessions("agent7"), 1);
        let (_, _, status) = c
            .create_ticket(
                &json!({"queue": 2, "title": "After re-login", "description": "d", "priority": 4}),
            )
            .await
            .unwrap();
        assert_eq!(status, 201);
        assert_eq!(c.login_count(), 3);

        c.fork_finish().await.unwrap();
        assert_eq!(s.finished_agent_sessions().len(), 1);

        let admin = client("admin");
        assert!(matches!(
            admin.fork_session_info().await.unwrap(),
            ForkProbe::NotAgent(_)
        ));
        c.delete_ticket(t.id).await.unwrap();
        admin.logout().await.unwrap();

        let plain = sim(false, false).await;
        let c = DjangoClient::new(
            DjangoHelpdeskConfig {
                base_url: url::Url::parse(&plain.base_url()).unwrap(),
                username: Some("admin".into()),
                auth: DjangoAuth::Password(SecretString::from("admin-pass".to_string())),
                timeout: Duration::from_secs(10),
            },
            limiter.clone(),
        )
        .unwrap();
        assert!(matches!(
            c.fork_session_info().await.unwrap(),
            ForkProbe::Absent
        ));
        let bad = DjangoClient::new(
            DjangoHelpdeskConfig {
                base_url: url::Url::parse(&plain.base_url()).unwrap(),
                username: Some("admin".into()),
                auth: DjangoAuth::Password(SecretString::from("wrong".to_string())),
                timeout: Duration::from_secs(10),
            },
            limiter,
        )
        .unwrap();
        assert!(bad.ensure_login().await.is_err());
    }
}
