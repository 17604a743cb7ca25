//! Freshdesk API v2 simulator: a stateful fake of `https://{domain}.freshdesk.com/api/v2/` served
//! by axum on `127.0.0.1`, for integration tests and the product's sandbox mode.
//!
//! Owns: the behaviour listed in the Freshdesk reference notes (§10): Basic auth with
//! `apikey:X`; tickets (create, view with `include=`, partial update, soft delete, restore,
//! list with filters, the default 30-day window, ordering and pagination), ticket search with
//! the quoted query language, conversations (reply, note, list, update, delete), contacts,
//! companies, agents (with `/agents/me`), groups and ticket fields; Freshdesk's status codes,
//! error bodies, `Link` pagination, `Location` on creates, the version and request-id headers,
//! a per-minute rate budget with `X-Ratelimit-*` headers and 429 + `Retry-After`; seeded,
//! deterministic demo data; and fault injection (`inject`) for tests of retries and
//! reconciliation.
//!
//! Must not: listen anywhere but loopback, call out to the network, log request bodies or the
//! API key, panic on anything a request carries (every bad input gets Freshdesk's 4xx), or be
//! used by a backend client in a production path (clients only ever see [`FreshdeskSim::base_url`]).
//!
//! Deliberate simplifications (documented so tests do not rely on them): search results are
//! consistent immediately (the real index lags); attachments and multipart bodies are not
//! supported (415); bulk, merge, time-entry and admin endpoints are absent (404); the SLA is a
//! fixed table by priority; rate windows are fixed 60 s windows on tokio's clock.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, LINK, LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regex::Regex;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// How to start a simulator.
#[derive(Clone)]
pub struct SimOptions {
    /// The only API key accepted (Basic auth username; the password must be `X`).
    pub api_key: String,
    /// The account's budget per 60 s window. 0 means unlimited.
    pub requests_per_minute: u32,
    /// Load the deterministic demo data set (agents, groups, companies, contacts, ~300 tickets).
    pub seed: bool,
}

impl std::fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimOptions")
            .field("api_key", &"<redacted>")
            .field("requests_per_minute", &self.requests_per_minute)
            .field("seed", &self.seed)
            .finish()
    }
}

/// A fault for the next request that matches a method and path prefix (see [`FreshdeskSim::inject`]).
#[derive(Debug, Clone)]
pub enum SimFault {
    /// Answer with this status (and optional `Retry-After` seconds and body) without processing.
    Status {
        code: u16,
        retry_after: Option<u64>,
        body: Option<String>,
    },
    /// Process the request (the state changes), then wait this long before answering.
    StallAfterCommit(Duration),
    /// Process the request (the state changes), then close the connection without answering.
    DropAfterCommit,
}

/// A running simulator; stops serving when dropped.
pub struct FreshdeskSim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for FreshdeskSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshdeskSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl FreshdeskSim {
    /// Binds `127.0.0.1:0` and serves in a tokio task.
    pub async fn start(opts: SimOptions) -> std::io::Result<FreshdeskSim> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            api_key: opts.api_key,
            per_minute: opts.requests_per_minute,
            base_url: format!("http://{addr}"),
            store: Mutex::new(Store::new(opts.seed, now())),
            faults: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
            window: Mutex::new(Window::default()),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(
            SimListener { inner: listener },
            app.into_make_service_with_connect_info::<ConnHandle>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::warn!(error = %e, "freshdesk simulator stopped with an error");
            }
        });
        Ok(FreshdeskSim {
            shared,
            addr,
            shutdown: Some(tx),
        })
    }

    /// `http://127.0.0.1:PORT`; clients append `/api/v2/...`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Arms `fault` for the next request whose method matches `method` (case-insensitive; `*`
    /// matches any) and whose path starts with `path_prefix`. A prefix starting with `/api/` is
    /// matched against the whole path, any other against the part after `/api/v2` (so
    /// `/tickets` and `/api/v2/tickets` are the same). Faults fire once, in the order armed.
    pub fn inject(&self, method: &str, path_prefix: &str, fault: SimFault) {
        lock(&self.shared.faults).push(Armed {
            method: method.to_string(),
            prefix: path_prefix.to_string(),
            fault,
        });
    }

    /// How many requests matching (method, path prefix) arrived so far, whatever their answer.
    pub fn requests(&self, method: &str, path_prefix: &str) -> usize {
        lock(&self.shared.seen)
            .iter()
            .filter(|(m, p)| matches_request(method, path_prefix, m, p))
            .count()
    }

    /// All tickets, including deleted and spam ones.
    pub fn ticket_count(&self) -> usize {
        lock(&self.shared.store).tickets.len()
    }

    /// Id and name of the agent that owns the API key.
    pub fn agent_me(&self) -> (i64, String) {
        let store = lock(&self.shared.store);
        let name = store
            .agents
            .get(&store.me)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        (store.me, name)
    }
}

impl Drop for FreshdeskSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Server plumbing: listener with killable connections, request entry point, rate window
// ---------------------------------------------------------------------------------------------

/// Longest request body read (Freshdesk's own limit is 20 MB with attachments).
const MAX_BODY: usize = 20 * 1024 * 1024;
/// The rate-limit window.
const WINDOW: Duration = Duration::from_secs(60);

struct Armed {
    method: String,
    prefix: String,
    fault: SimFault,
}

struct Shared {
    api_key: String,
    per_minute: u32,
    base_url: String,
    store: Mutex<Store>,
    faults: Mutex<Vec<Armed>>,
    seen: Mutex<Vec<(String, String)>>,
    window: Mutex<Window>,
}

#[derive(Default)]
struct Window {
    start: Option<tokio::time::Instant>,
    used: u32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn matches_request(method: &str, prefix: &str, req_method: &str, req_path: &str) -> bool {
    let method_ok = method == "*" || method.eq_ignore_ascii_case(req_method);
    let path = if prefix.starts_with("/api/") {
        req_path
    } else {
        req_path.strip_prefix("/api/v2").unwrap_or(req_path)
    };
    method_ok && path.starts_with(prefix)
}

/// The listener: plain TCP whose connections the handler can kill (for `DropAfterCommit`).
struct SimListener {
    inner: TcpListener,
}

/// Per-connection handle given to handlers as connect info.
#[derive(Clone, Debug)]
struct ConnHandle(Arc<AtomicBool>);

impl ConnHandle {
    fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A TCP stream that fails every read and write once killed, so hyper closes the connection
/// without writing the response.
struct SimIo {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

impl SimIo {
    fn dead(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }
}

fn reset() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection dropped by fault injection",
    )
}

impl AsyncRead for SimIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.dead() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.dead() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        if self.dead() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.dead() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Listener for SimListener {
    type Io = SimIo;
    type Addr = ConnHandle;

    async fn accept(&mut self) -> (SimIo, ConnHandle) {
        loop {
            match self.inner.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let killed = Arc::new(AtomicBool::new(false));
                    let io = SimIo {
                        inner: stream,
                        killed: Arc::clone(&killed),
                    };
                    return (io, ConnHandle(killed));
                }
                // Out of file descriptors and the like: wait a little, as axum does.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<ConnHandle> {
        self.inner.local_addr()?;
        Ok(ConnHandle(Arc::new(AtomicBool::new(false))))
    }
}

impl Connected<IncomingStream<'_, SimListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// Every request: record, fault, rate limit, auth, route, then stall or drop if armed.
async fn handle(
    State(sim): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    lock(&sim.seen).push((method.clone(), path.clone()));
    let fault = {
        let mut faults = lock(&sim.faults);
        let at = faults
            .iter()
            .position(|a| matches_request(&a.method, &a.prefix, &method, &path));
        at.map(|i| faults.remove(i).fault)
    };
    if let Some(SimFault::Status {
        code,
        retry_after,
        body: text,
    }) = &fault
    {
        return finish(Reply::injected(*code, *retry_after, text.clone()));
    }
    let reply = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => sim.process(&parts.method, &parts.uri, &parts.headers, &bytes),
        Err(_) => Reply::code(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_size",
            "The request body is too large",
        ),
    };
    match fault {
        Some(SimFault::StallAfterCommit(d)) => tokio::time::sleep(d).await,
        Some(SimFault::DropAfterCommit) => conn.kill(),
        _ => {}
    }
    finish(reply)
}

/// Adds the headers every Freshdesk answer carries.
fn finish(reply: Reply) -> Response {
    const JSON: &str = "application/json; charset=utf-8";
    let (body, content_type) = match reply.payload {
        Payload::Empty => (Body::empty(), None),
        Payload::Json(v) => (Body::from(v.to_string()), Some(JSON)),
        Payload::Text(s) => {
            let ct = if serde_json::from_str::<Value>(&s).is_ok() {
                JSON
            } else {
                "text/plain; charset=utf-8"
            };
            (Body::from(s), Some(ct))
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = reply.status;
    let headers = resp.headers_mut();
    if let Some(ct) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    headers.insert(
        HeaderName::from_static("x-freshdesk-api-version"),
        HeaderValue::from_static("latest=v2; requested=v2"),
    );
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert(HeaderName::from_static("x-request-id"), v);
    }
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(name, v);
        }
    }
    resp
}

impl Shared {
    fn process(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Reply {
        let query = Query::parse(uri.query());
        let includes = query
            .get("include")
            .map(|v| v.split(',').filter(|s| !s.trim().is_empty()).count())
            .unwrap_or(0);
        let cost = 1 + u32::try_from(includes).unwrap_or(u32::MAX - 1);
        let limits = match self.charge(cost) {
            Ok(l) => l,
            Err(wait) => return Reply::rate_limited(wait),
        };
        let mut reply = self
            .dispatch(method, uri.path(), &query, headers, body)
            .unwrap_or_else(ApiError::into_reply);
        reply.headers.extend(limits);
        reply
    }

    /// Takes `cost` credits from the current window, or says how many seconds until it resets.
    fn charge(&self, cost: u32) -> Result<Vec<(HeaderName, String)>, u64> {
        let mut w = lock(&self.window);
        let now = tokio::time::Instant::now();
        let start = match w.start {
            Some(s) if now < s + WINDOW => s,
            _ => {
                w.start = Some(now);
                w.used = 0;
                now
            }
        };
        let total = if self.per_minute == 0 {
            u32::MAX
        } else {
            self.per_minute
        };
        if w.used >= total {
            let left = (start + WINDOW).saturating_duration_since(now);
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        w.used = w.used.saturating_add(cost);
        Ok(vec![
            (
                HeaderName::from_static("x-ratelimit-total"),
                total.to_string(),
            ),
            (
                HeaderName::from_static("x-ratelimit-remaining"),
                total.saturating_sub(w.used).to_string(),
            ),
            (
                HeaderName::from_static("x-ratelimit-used-currentrequest"),
                cost.to_string(),
            ),
        ])
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, encoded)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        matches!(text.split_once(':'), Some((user, pass)) if user == self.api_key && pass == "X")
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
                "You have to be logged in to perform this action.",
            ));
        }
        if !accepts_json(headers) {
            return Err(ApiError::code(
                StatusCode::NOT_ACCEPTABLE,
                "invalid_accept_header",
                "Only application/json is supported in the Accept header",
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

fn accepts_json(headers: &HeaderMap) -> bool {
    match headers.get(ACCEPT).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(v) => {
            let v = v.to_ascii_lowercase();
            v.trim().is_empty()
                || v.contains("json")
                || v.contains("*/*")
                || v.contains("application/*")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Replies and errors
// ---------------------------------------------------------------------------------------------

enum Payload {
    Empty,
    Json(Value),
    Text(String),
}

struct Reply {
    status: StatusCode,
    payload: Payload,
    headers: Vec<(HeaderName, String)>,
}

impl Reply {
    fn json(status: StatusCode, v: Value) -> Self {
        Reply {
            status,
            payload: Payload::Json(v),
            headers: Vec::new(),
        }
    }

    fn ok(v: Value) -> Self {
        Reply::json(StatusCode::OK, v)
    }

    fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            payload: Payload::Empty,
            headers: Vec::new(),
        }
    }

    fn code(status: StatusCode, code: &str, message: &str) -> Self {
        Reply::json(status, json!({"code": code, "message": message}))
    }

    fn header(mut self, name: HeaderName, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    fn created(v: Value, location: String) -> Self {
        Reply::json(StatusCode::CREATED, v).header(LOCATION, location)
    }

    fn rate_limited(wait_secs: u64) -> Self {
        Reply::json(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"message": "You have exceeded the limit of requests per minute"}),
        )
        .header(RETRY_AFTER, wait_secs.to_string())
    }

    fn injected(code: u16, retry_after: Option<u64>, body: Option<String>) -> Self {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = Reply {
            status,
            payload: body.map_or(Payload::Empty, Payload::Text),
            headers: Vec::new(),
        };
        if let Some(secs) = retry_after {
            r = r.header(RETRY_AFTER, secs.to_string());
        }
        r
    }
}

#[derive(Debug, Clone)]
struct FieldError {
    field: String,
    message: String,
    code: &'static str,
    additional_info: Option<Value>,
}

const MISSING: &str = "Mandatory attribute missing";

impl FieldError {
    fn new(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message: message.into(),
            code,
            additional_info: None,
        }
    }
    fn missing(field: &str) -> Self {
        Self::new(field, "missing_field", MISSING)
    }
    fn mismatch(field: &str, ty: &str) -> Self {
        Self::new(
            field,
            "datatype_mismatch",
            format!("It should be a/an {ty}"),
        )
    }
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(field, "invalid_value", message)
    }
    fn choices(field: &str, values: &[&str]) -> Self {
        Self::invalid(
            field,
            format!("It should be one of these values: '{}'", values.join(",")),
        )
    }
    fn unknown(field: &str) -> Self {
        Self::new(
            field,
            "invalid_field",
            "Unexpected/invalid field in request",
        )
    }
    fn duplicate(field: &str, info: Value) -> Self {
        FieldError {
            additional_info: Some(info),
            ..Self::new(field, "duplicate_value", "It should be a unique value")
        }
    }
    fn to_json(&self) -> Value {
        let mut o = json!({"field": self.field, "message": self.message, "code": self.code});
        if let (Some(info), Value::Object(m)) = (&self.additional_info, &mut o) {
            m.insert("additional_info".into(), info.clone());
        }
        o
    }
}

#[derive(Debug)]
enum ApiError {
    NotFound,
    Validation(Vec<FieldError>),
    Conflict(Vec<FieldError>),
    Code {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    MethodNotAllowed {
        allowed: &'static [&'static str],
        method: String,
    },
}

impl ApiError {
    fn code(status: StatusCode, code: &'static str, message: &str) -> Self {
        ApiError::Code {
            status,
            code,
            message: message.to_string(),
        }
    }

    fn one(e: FieldError) -> Self {
        ApiError::Validation(vec![e])
    }

    fn into_reply(self) -> Reply {
        let body = |errors: Vec<FieldError>| {
            json!({
                "description": "Validation failed",
                "errors": errors.iter().map(FieldError::to_json).collect::<Vec<_>>(),
            })
        };
        match self {
            ApiError::NotFound => Reply::empty(StatusCode::NOT_FOUND),
            ApiError::Validation(errors) => Reply::json(StatusCode::BAD_REQUEST, body(errors)),
            ApiError::Conflict(errors) => Reply::json(StatusCode::CONFLICT, body(errors)),
            ApiError::Code {
                status,
                code,
                message,
            } => Reply::code(status, code, &message),
            ApiError::MethodNotAllowed { allowed, method } => {
                let list = allowed.join(", ");
                Reply::code(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    &format!("{list} method is allowed. {method} method is not supported"),
                )
                .header(ALLOW, list)
            }
        }
    }
}

fn not_allowed(allowed: &'static [&'static str], method: &str) -> ApiError {
    ApiError::MethodNotAllowed {
        allowed,
        method: method.to_string(),
    }
}

/// `Err(Validation)` when there are errors.
fn check(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers: time, text, query strings, JSON bodies
// ---------------------------------------------------------------------------------------------

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn ots(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(ts(t)))
}

/// ISO-8601: full RFC 3339, a naive date-time (taken as UTC) or a date.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc).trunc_subsecs(0));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&t).trunc_subsecs(0));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$").expect("valid regex"));
static BREAKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr|blockquote)>").expect("valid regex")
});
static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
static BLANK_LINES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\n[ \t]*\n[\s]*\n").expect("valid regex"));

fn valid_email(s: &str) -> bool {
    EMAIL.is_match(s.trim())
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Freshdesk stores plain-text bodies as HTML wrapped in a `<div>`.
fn to_html(s: &str) -> String {
    if s.contains('<') {
        s.to_string()
    } else {
        format!("<div>{}</div>", escape_html(s).replace('\n', "<br>"))
    }
}

fn to_text(html: &str) -> String {
    let s = BREAKS.replace_all(html, "\n");
    let s = TAGS.replace_all(&s, "");
    let s = s
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    BLANK_LINES.replace_all(&s, "\n\n").trim().to_string()
}

/// Decoded query parameters, in order.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(raw: Option<&str>) -> Self {
        Query {
            pairs: raw
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Unknown parameters are `invalid_field`, as Freshdesk does.
    fn allow(&self, keys: &[&str]) -> Result<(), ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        for (k, _) in &self.pairs {
            if !keys.contains(&k.as_str()) && !errors.iter().any(|e| &e.field == k) {
                errors.push(FieldError::unknown(k));
            }
        }
        check(errors)
    }

    fn int(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
        let v = self.get(key)?;
        match v.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::mismatch(key, "Integer"));
                None
            }
        }
    }

    fn positive(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<usize> {
        let v = self.get(key)?;
        match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.push(FieldError::mismatch(key, "Positive Integer"));
                None
            }
        }
    }

    /// `page` (default 1) and `per_page` (default 30, at most 100).
    fn paging(&self, errors: &mut Vec<FieldError>, max_page: Option<usize>) -> (usize, usize) {
        let page = self.positive("page", errors).unwrap_or(1);
        if let Some(max) = max_page
            && page > max
        {
            errors.push(FieldError::invalid(
                "page",
                format!("It should be less than or equal to {max}"),
            ));
        }
        let per_page = self.positive("per_page", errors).unwrap_or(30);
        if per_page > 100 {
            errors.push(FieldError::invalid(
                "per_page",
                "It should be less than or equal to 100",
            ));
        }
        (page, per_page)
    }

    fn includes(&self, allowed: &[&str], errors: &mut Vec<FieldError>) -> Vec<String> {
        let Some(v) = self.get("include") else {
            return Vec::new();
        };
        let items: Vec<String> = v.split(',').map(|s| s.trim().to_string()).collect();
        if items.iter().any(|i| !allowed.contains(&i.as_str())) {
            errors.push(FieldError::choices("include", allowed));
        }
        items
    }

    fn time(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
        let v = self.get(key)?;
        let t = parse_time(v);
        if t.is_none() {
            errors.push(FieldError::invalid(
                key,
                "It should be in the 'valid date time' format",
            ));
        }
        t
    }

    /// The same parameters with `page` replaced.
    fn with_page(&self, page: usize) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if k != "page" {
                out.append_pair(k, v);
            }
        }
        out.append_pair("page", &page.to_string());
        out.finish()
    }
}

/// A JSON object body; 415 for another content type, 400 `invalid_json` for anything else.
fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" {
        return Err(ApiError::code(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_content_type",
            "Content-Type header should have application/json",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::code(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Request body has invalid json format",
        )),
    }
}

fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().map_err(|_| ApiError::NotFound)
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A page of `items` and whether another page exists.
fn paginate<T>(items: Vec<T>, page: usize, per_page: usize) -> (Vec<T>, bool) {
    let start = page.saturating_sub(1).saturating_mul(per_page);
    let more = items.len() > start.saturating_add(per_page);
    (items.into_iter().skip(start).take(per_page).collect(), more)
}

/// One field of a JSON body: absent, `null`, a value, or of the wrong type (error recorded).
enum F<T> {
    Absent,
    Null,
    Val(T),
    Bad,
}

/// A request body being validated; collects every error, as Freshdesk does.
struct Input<'a> {
    map: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Input<'a> {
    fn new(map: &'a Map<String, Value>, allowed: &[&str]) -> Self {
        let errors = map
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| FieldError::unknown(k))
            .collect();
        Input { map, errors }
    }

    fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    fn raw(&self, key: &str) -> F<&'a Value> {
        match self.map.get(key) {
            None => F::Absent,
            Some(Value::Null) => F::Null,
            Some(v) => F::Val(v),
        }
    }

    fn typed<T>(&mut self, key: &str, ty: &str, f: impl Fn(&'a Value) -> Option<T>) -> F<T> {
        match self.raw(key) {
            F::Val(v) => match f(v) {
                Some(t) => F::Val(t),
                None => {
                    self.push(FieldError::mismatch(key, ty));
                    F::Bad
                }
            },
            F::Absent => F::Absent,
            F::Null => F::Null,
            F::Bad => F::Bad,
        }
    }

    fn int(&mut self, key: &str) -> F<i64> {
        self.typed(key, "Integer", |v| {
            if v.is_i64() || v.is_u64() {
                v.as_i64()
            } else {
                None
            }
        })
    }

    fn text(&mut self, key: &str) -> F<String> {
        self.typed(key, "String", |v| v.as_str().map(str::to_string))
    }

    fn flag(&mut self, key: &str) -> F<bool> {
        self.typed(key, "Boolean", Value::as_bool)
    }

    fn texts(&mut self, key: &str) -> F<Vec<String>> {
        self.typed(key, "Array", |v| {
            v.as_array()?
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    }

    fn object(&mut self, key: &str) -> F<&'a Map<String, Value>> {
        self.typed(key, "key/value pair", Value::as_object)
    }

    fn email(&mut self, key: &str) -> F<String> {
        match self.text(key) {
            F::Val(e) if valid_email(&e) => F::Val(e.trim().to_string()),
            F::Val(_) => {
                self.push(FieldError::invalid(
                    key,
                    "It should be a valid email address",
                ));
                F::Bad
            }
            other => other,
        }
    }

    fn emails(&mut self, key: &str) -> F<Vec<String>> {
        match self.texts(key) {
            F::Val(list) if list.iter().all(|e| valid_email(e)) => F::Val(list),
            F::Val(_) => {
                self.push(FieldError::invalid(
                    key,
                    "It should contain elements that are valid email addresses",
                ));
                F::Bad
            }
            other => other,
        }
    }

    fn time(&mut self, key: &str) -> F<DateTime<Utc>> {
        match self.text(key) {
            F::Val(s) => match parse_time(&s) {
                Some(t) => F::Val(t),
                None => {
                    self.push(FieldError::invalid(
                        key,
                        "It should be in the 'valid date time' format",
                    ));
                    F::Bad
                }
            },
            F::Absent => F::Absent,
            F::Null => F::Null,
            F::Bad => F::Bad,
        }
    }

    /// A non-blank string; `null` and blanks are errors.
    fn required_text(&mut self, key: &str) -> Option<String> {
        match self.text(key) {
            F::Val(s) if !s.trim().is_empty() => Some(s),
            F::Val(_) | F::Null => {
                self.push(FieldError::missing(key));
                None
            }
            F::Absent | F::Bad => None,
        }
    }

    /// An optional string field: `Some(None)` clears it.
    fn nullable_text(&mut self, key: &str) -> Option<Option<String>> {
        match self.text(key) {
            F::Val(s) => Some(Some(s)),
            F::Null => Some(None),
            F::Absent | F::Bad => None,
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        check(self.errors)
    }
}

// ---------------------------------------------------------------------------------------------
// Data model
// ---------------------------------------------------------------------------------------------

/// Agents and contacts share the user id space, as in Freshdesk.
const USER_BASE: i64 = 43_000_000_000;
const GROUP_BASE: i64 = 43_000_050_000;
const COMPANY_BASE: i64 = 43_000_070_000;
const FIELD_BASE: i64 = 43_000_300_000;
const CONVERSATION_BASE: i64 = 43_000_900_000;

const STATUSES: &[&str] = &["2", "3", "4", "5"];
const PRIORITIES: &[&str] = &["1", "2", "3", "4"];
const SOURCES: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
const TICKET_TYPES: &[&str] = &[
    "Question",
    "Incident",
    "Problem",
    "Feature Request",
    "Refund",
];
const SUPPORT_EMAIL: &str = "support@sandbox.example";
const HEALTH_SCORES: &[&str] = &["At risk", "Doing okay", "Happy"];
const ACCOUNT_TIERS: &[&str] = &["Basic", "Premium", "Enterprise"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum CfKind {
    Dropdown,
    Text,
    Number,
}

struct CustomField {
    name: &'static str,
    label: &'static str,
    kind: CfKind,
    choices: &'static [&'static str],
}

const CATEGORIES: &[&str] = &[
    "Billing",
    "Hardware",
    "Network",
    "Access",
    "Software",
    "Onboarding",
    "Other",
];

const CUSTOM_FIELDS: &[CustomField] = &[
    CustomField {
        name: "cf_category",
        label: "Category",
        kind: CfKind::Dropdown,
        choices: CATEGORIES,
    },
    CustomField {
        name: "cf_order_number",
        label: "Order number",
        kind: CfKind::Text,
        choices: &[],
    },
    CustomField {
        name: "cf_affected_users",
        label: "Affected users",
        kind: CfKind::Number,
        choices: &[],
    },
];

#[derive(Clone)]
struct Agent {
    id: i64,
    name: String,
    email: String,
    phone: Option<String>,
    job_title: Option<String>,
    occasional: bool,
    available: bool,
    signature: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Clone)]
struct Group {
    id: i64,
    name: String,
    description: String,
    agent_ids: Vec<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Clone)]
struct Company {
    id: i64,
    name: String,
    description: Option<String>,
    domains: Vec<String>,
    note: Option<String>,
    health_score: Option<String>,
    account_tier: Option<String>,
    renewal_date: Option<DateTime<Utc>>,
    industry: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Clone)]
struct Contact {
    id: i64,
    name: String,
    email: Option<String>,
    other_emails: Vec<String>,
    phone: Option<String>,
    mobile: Option<String>,
    twitter_id: Option<String>,
    facebook_id: Option<String>,
    unique_external_id: Option<String>,
    company_id: Option<i64>,
    view_all_tickets: bool,
    active: bool,
    blocked: bool,
    deleted: bool,
    address: Option<String>,
    description: Option<String>,
    job_title: Option<String>,
    language: String,
    time_zone: String,
    tags: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Contact {
    fn blank(now: DateTime<Utc>) -> Self {
        Contact {
            id: 0,
            name: String::new(),
            email: None,
            other_emails: Vec::new(),
            phone: None,
            mobile: None,
            twitter_id: None,
            facebook_id: None,
            unique_external_id: None,
            company_id: None,
            view_all_tickets: false,
            active: false,
            blocked: false,
            deleted: false,
            address: None,
            description: None,
            job_title: None,
            language: "en".into(),
            time_zone: "Eastern Time (US & Canada)".into(),
            tags: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    fn has_email(&self, email: &str) -> bool {
        self.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
            || self
                .other_emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(email))
    }
}

#[derive(Clone, Default)]
struct Stats {
    agent_responded_at: Option<DateTime<Utc>>,
    requester_responded_at: Option<DateTime<Utc>>,
    first_responded_at: Option<DateTime<Utc>>,
    status_updated_at: Option<DateTime<Utc>>,
    reopened_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    pending_since: Option<DateTime<Utc>>,
}

#[derive(Clone)]
struct Ticket {
    id: i64,
    subject: String,
    description: String,
    description_text: String,
    status: i64,
    priority: i64,
    source: i64,
    ticket_type: Option<String>,
    requester_id: i64,
    responder_id: Option<i64>,
    group_id: Option<i64>,
    company_id: Option<i64>,
    tags: Vec<String>,
    custom_fields: BTreeMap<String, Value>,
    cc_emails: Vec<String>,
    fwd_emails: Vec<String>,
    reply_cc_emails: Vec<String>,
    to_emails: Option<Vec<String>>,
    due_by: DateTime<Utc>,
    fr_due_by: DateTime<Utc>,
    is_escalated: bool,
    fr_escalated: bool,
    spam: bool,
    deleted: bool,
    watchers: Vec<i64>,
    stats: Stats,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Ticket {
    fn blank(now: DateTime<Utc>) -> Self {
        Ticket {
            id: 0,
            subject: String::new(),
            description: String::new(),
            description_text: String::new(),
            status: 2,
            priority: 1,
            source: 2,
            ticket_type: None,
            requester_id: 0,
            responder_id: None,
            group_id: None,
            company_id: None,
            tags: Vec::new(),
            custom_fields: CUSTOM_FIELDS
                .iter()
                .map(|f| (f.name.to_string(), Value::Null))
                .collect(),
            cc_emails: Vec::new(),
            fwd_emails: Vec::new(),
            reply_cc_emails: Vec::new(),
            to_emails: None,
            due_by: now,
            fr_due_by: now,
            is_escalated: false,
            fr_escalated: false,
            spam: false,
            deleted: false,
            watchers: Vec::new(),
            stats: Stats::default(),
            created_at: now,
            updated_at: now,
        }
    }

    fn custom_str(&self, name: &str) -> Option<String> {
        self.custom_fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// The SLA: (first response, resolution) hours by priority.
fn sla_hours(priority: i64) -> (i64, i64) {
    match priority {
        4 => (1, 4),
        3 => (4, 24),
        2 => (8, 48),
        _ => (24, 72),
    }
}

fn set_sla(t: &mut Ticket) {
    let (fr, due) = sla_hours(t.priority);
    t.fr_due_by = t.created_at + chrono::Duration::hours(fr);
    t.due_by = t.created_at + chrono::Duration::hours(due);
}

/// Stats after a status change from `old`.
fn status_changed(t: &mut Ticket, old: i64, now: DateTime<Utc>) {
    if t.status == old {
        return;
    }
    t.stats.status_updated_at = Some(now);
    match t.status {
        3 => t.stats.pending_since = Some(now),
        4 => t.stats.resolved_at = Some(now),
        5 => {
            t.stats.closed_at = Some(now);
            t.stats.resolved_at.get_or_insert(now);
        }
        _ => {
            if matches!(old, 4 | 5) {
                t.stats.reopened_at = Some(now);
            }
        }
    }
    if t.status != 3 {
        t.stats.pending_since = None;
    }
}

#[derive(Clone)]
struct Conversation {
    id: i64,
    ticket_id: i64,
    body: String,
    body_text: String,
    incoming: bool,
    private: bool,
    user_id: i64,
    support_email: Option<String>,
    source: i64,
    category: i64,
    to_emails: Vec<String>,
    from_email: Option<String>,
    cc_emails: Vec<String>,
    bcc_emails: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_edited_at: Option<DateTime<Utc>>,
    last_edited_user_id: Option<i64>,
}

/// The requester named in a ticket body: an existing user, or a contact to create.
enum Who {
    Existing(i64),
    New(Box<Contact>),
}

const REQUESTER_KEYS: &[&str] = &[
    "requester_id",
    "email",
    "phone",
    "twitter_id",
    "facebook_id",
    "unique_external_id",
];

const TICKET_CREATE_KEYS: &[&str] = &[
    "name",
    "requester_id",
    "email",
    "facebook_id",
    "phone",
    "twitter_id",
    "unique_external_id",
    "subject",
    "type",
    "status",
    "priority",
    "description",
    "responder_id",
    "cc_emails",
    "custom_fields",
    "due_by",
    "email_config_id",
    "fr_due_by",
    "group_id",
    "product_id",
    "source",
    "tags",
    "company_id",
];

const TICKET_UPDATE_KEYS: &[&str] = &[
    "name",
    "requester_id",
    "email",
    "facebook_id",
    "phone",
    "twitter_id",
    "unique_external_id",
    "subject",
    "type",
    "status",
    "priority",
    "description",
    "responder_id",
    "custom_fields",
    "due_by",
    "email_config_id",
    "fr_due_by",
    "group_id",
    "product_id",
    "source",
    "tags",
    "company_id",
];

const CONTACT_KEYS: &[&str] = &[
    "name",
    "email",
    "phone",
    "mobile",
    "twitter_id",
    "unique_external_id",
    "other_emails",
    "company_id",
    "view_all_tickets",
    "address",
    "description",
    "job_title",
    "language",
    "tags",
    "time_zone",
    "custom_fields",
];

const COMPANY_KEYS: &[&str] = &[
    "name",
    "description",
    "domains",
    "note",
    "health_score",
    "account_tier",
    "renewal_date",
    "industry",
    "custom_fields",
];

/// What a ticket view embeds.
#[derive(Clone, Copy, Default)]
struct View {
    description: bool,
    requester: bool,
    company: bool,
    stats: bool,
    conversations: bool,
}

impl View {
    fn of(includes: &[String]) -> Self {
        let has = |s: &str| includes.iter().any(|i| i == s);
        View {
            description: has("description"),
            requester: has("requester"),
            company: has("company"),
            stats: has("stats"),
            conversations: has("conversations"),
        }
    }
}

/// Per-request context.
struct Ctx<'a> {
    base: &'a str,
    path: &'a str,
    now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn location(&self, collection: &str, id: i64) -> String {
        format!("{}/api/v2/{collection}/{id}", self.base)
    }

    fn list(&self, query: &Query, items: Vec<Value>, page: usize, more: bool) -> Reply {
        let r = Reply::ok(Value::Array(items));
        if more {
            let next = format!(
                "<{}{}?{}>; rel=\"next\"",
                self.base,
                self.path,
                query.with_page(page + 1)
            );
            r.header(LINK, next)
        } else {
            r
        }
    }
}

/// The parts of a request the routes need.
struct Req<'a> {
    method: &'a str,
    query: &'a Query,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl Req<'_> {
    fn json(&self) -> Result<Map<String, Value>, ApiError> {
        json_body(self.headers, self.body)
    }
}

struct Store {
    me: i64,
    next_user: i64,
    next_company: i64,
    next_ticket: i64,
    next_conversation: i64,
    agents: BTreeMap<i64, Agent>,
    groups: BTreeMap<i64, Group>,
    companies: BTreeMap<i64, Company>,
    contacts: BTreeMap<i64, Contact>,
    tickets: BTreeMap<i64, Ticket>,
    conversations: BTreeMap<i64, Conversation>,
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

impl Store {
    fn route(&mut self, ctx: &Ctx<'_>, req: &Req<'_>) -> Result<Reply, ApiError> {
        let rest = ctx
            .path
            .strip_prefix("/api/v2/")
            .ok_or(ApiError::NotFound)?;
        let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let m = req.method;
        let q = req.query;
        const GP: &[&str] = &["GET", "POST"];
        const GPD: &[&str] = &["GET", "PUT", "DELETE"];
        match (segs.as_slice(), m) {
            (["tickets"], "GET") => self.list_tickets(ctx, q),
            (["tickets"], "POST") => self.create_ticket(ctx, &req.json()?),
            (["tickets"], _) => Err(not_allowed(GP, m)),
            (["tickets", id], "GET") => self.get_ticket(parse_id(id)?, q),
            (["tickets", id], "PUT") => self.update_ticket(ctx, parse_id(id)?, &req.json()?),
            (["tickets", id], "DELETE") => self.delete_ticket(ctx, parse_id(id)?),
            (["tickets", id], _) if is_id(id) => Err(not_allowed(GPD, m)),
            (["tickets", id, "restore"], "PUT") => self.restore_ticket(ctx, parse_id(id)?),
            (["tickets", id, "restore"], _) if is_id(id) => Err(not_allowed(&["PUT"], m)),
            (["tickets", id, "conversations"], "GET") => {
                self.list_conversations(ctx, parse_id(id)?, q)
            }
            (["tickets", id, "conversations"], _) if is_id(id) => Err(not_allowed(&["GET"], m)),
            (["tickets", id, "reply"], "POST") => self.reply(ctx, parse_id(id)?, &req.json()?),
            (["tickets", id, "notes"], "POST") => self.note(ctx, parse_id(id)?, &req.json()?),
            (["tickets", id, "reply" | "notes"], _) if is_id(id) => Err(not_allowed(&["POST"], m)),
            (["tickets", id, "watchers"], "GET") => self.watchers(parse_id(id)?),
            (["tickets", id, "watch"], "POST") => self.watch(ctx, parse_id(id)?, true),
            (["tickets", id, "unwatch"], "PUT") => self.watch(ctx, parse_id(id)?, false),
            (["conversations", id], "PUT") => {
                self.update_conversation(ctx, parse_id(id)?, &req.json()?)
            }
            (["conversations", id], "DELETE") => self.delete_conversation(parse_id(id)?),
            (["conversations", id], _) if is_id(id) => Err(not_allowed(&["PUT", "DELETE"], m)),
            (["contacts"], "GET") => self.list_contacts(ctx, q),
            (["contacts"], "POST") => self.create_contact(ctx, &req.json()?),
            (["contacts"], _) => Err(not_allowed(GP, m)),
            (["contacts", id], "GET") => self.get_contact(parse_id(id)?),
            (["contacts", id], "PUT") => self.update_contact(ctx, parse_id(id)?, &req.json()?),
            (["contacts", id], "DELETE") => self.delete_contact(ctx, parse_id(id)?),
            (["contacts", id], _) if is_id(id) => Err(not_allowed(GPD, m)),
            (["contacts", id, "restore"], "PUT") => self.restore_contact(ctx, parse_id(id)?),
            (["contacts", id, "hard_delete"], "DELETE") => {
                self.hard_delete_contact(parse_id(id)?, q)
            }
            (["companies"], "GET") => self.list_companies(ctx, q),
            (["companies"], "POST") => self.create_company(ctx, &req.json()?),
            (["companies"], _) => Err(not_allowed(GP, m)),
            (["companies", id], "GET") => self.get_company(parse_id(id)?),
            (["companies", id], "PUT") => self.update_company(ctx, parse_id(id)?, &req.json()?),
            (["companies", id], "DELETE") => self.delete_company(parse_id(id)?),
            (["companies", id], _) if is_id(id) => Err(not_allowed(GPD, m)),
            (["agents"], "GET") => self.list_agents(ctx, q),
            (["agents", "me"], "GET") => self.get_agent(self.me),
            (["agents", id], "GET") => self.get_agent(parse_id(id)?),
            (["agents"] | ["agents", _], _) => Err(not_allowed(&["GET"], m)),
            (["groups"], "GET") => self.list_groups(ctx, q),
            (["groups", id], "GET") => self.get_group(parse_id(id)?),
            (["groups"] | ["groups", _], _) => Err(not_allowed(&["GET"], m)),
            (["ticket_fields"], "GET") => self.ticket_fields(q),
            (["ticket_fields"], _) => Err(not_allowed(&["GET"], m)),
            (["search", "tickets"], "GET") => self.search_tickets(q),
            (["search", "contacts"], "GET") => self.search_contacts(q),
            (["search", "companies"], "GET") => self.search_companies(q),
            (["search", _], _) => Err(not_allowed(&["GET"], m)),
            _ => Err(ApiError::NotFound),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Users, JSON views
// ---------------------------------------------------------------------------------------------

impl Store {
    fn new(seed: bool, now: DateTime<Utc>) -> Self {
        let mut store = Store {
            me: USER_BASE + 1,
            next_user: USER_BASE + 1,
            next_company: COMPANY_BASE + 1,
            next_ticket: 1,
            next_conversation: CONVERSATION_BASE + 1,
            agents: BTreeMap::new(),
            groups: BTreeMap::new(),
            companies: BTreeMap::new(),
            contacts: BTreeMap::new(),
            tickets: BTreeMap::new(),
            conversations: BTreeMap::new(),
        };
        seed::account(&mut store, seed, now);
        store
    }

    fn user_id(&mut self) -> i64 {
        let id = self.next_user;
        self.next_user += 1;
        id
    }

    fn user_exists(&self, id: i64) -> bool {
        self.agents.contains_key(&id) || self.contacts.contains_key(&id)
    }

    fn user_by_email(&self, email: &str) -> Option<i64> {
        self.contacts
            .values()
            .find(|c| c.has_email(email))
            .map(|c| c.id)
            .or_else(|| {
                self.agents
                    .values()
                    .find(|a| a.email.eq_ignore_ascii_case(email))
                    .map(|a| a.id)
            })
    }

    fn user_email(&self, id: i64) -> Option<String> {
        if let Some(c) = self.contacts.get(&id) {
            return c.email.clone();
        }
        self.agents.get(&id).map(|a| a.email.clone())
    }

    /// `{id, name, email, mobile, phone}` of a contact or agent.
    fn user_summary(&self, id: i64) -> Value {
        if let Some(c) = self.contacts.get(&id) {
            return json!({"id": c.id, "name": c.name, "email": c.email, "mobile": c.mobile, "phone": c.phone});
        }
        if let Some(a) = self.agents.get(&id) {
            return json!({"id": a.id, "name": a.name, "email": a.email, "mobile": null, "phone": a.phone});
        }
        Value::Null
    }

    fn ticket_json(&self, t: &Ticket, v: View) -> Value {
        let mut o = json!({
            "id": t.id,
            "subject": t.subject,
            "status": t.status,
            "priority": t.priority,
            "source": t.source,
            "type": t.ticket_type,
            "requester_id": t.requester_id,
            "responder_id": t.responder_id,
            "group_id": t.group_id,
            "company_id": t.company_id,
            "product_id": null,
            "email_config_id": null,
            "association_type": null,
            "cc_emails": t.cc_emails,
            "fwd_emails": t.fwd_emails,
            "reply_cc_emails": t.reply_cc_emails,
            "ticket_cc_emails": t.cc_emails,
            "to_emails": t.to_emails,
            "due_by": ts(t.due_by),
            "fr_due_by": ts(t.fr_due_by),
            "is_escalated": t.is_escalated,
            "fr_escalated": t.fr_escalated,
            "spam": t.spam,
            "deleted": t.deleted,
            "tags": t.tags,
            "custom_fields": t.custom_fields,
            "attachments": [],
            "created_at": ts(t.created_at),
            "updated_at": ts(t.updated_at),
        });
        let Value::Object(m) = &mut o else {
            return o;
        };
        if v.description {
            m.insert("description".into(), json!(t.description));
            m.insert("description_text".into(), json!(t.description_text));
        }
        if v.requester {
            m.insert("requester".into(), self.user_summary(t.requester_id));
        }
        if v.company {
            let company = t
                .company_id
                .and_then(|id| self.companies.get(&id))
                .map_or(Value::Null, |c| json!({"id": c.id, "name": c.name}));
            m.insert("company".into(), company);
        }
        if v.stats {
            let s = &t.stats;
            m.insert(
                "stats".into(),
                json!({
                    "agent_responded_at": ots(s.agent_responded_at),
                    "requester_responded_at": ots(s.requester_responded_at),
                    "first_responded_at": ots(s.first_responded_at),
                    "status_updated_at": ots(s.status_updated_at),
                    "reopened_at": ots(s.reopened_at),
                    "resolved_at": ots(s.resolved_at),
                    "closed_at": ots(s.closed_at),
                    "pending_since": ots(s.pending_since),
                }),
            );
        }
        if v.conversations {
            let convs: Vec<Value> = self
                .conversations_of(t.id)
                .into_iter()
                .take(10)
                .map(conversation_json)
                .collect();
            m.insert("conversations".into(), Value::Array(convs));
        }
        o
    }

    /// A ticket's conversations, oldest first.
    fn conversations_of(&self, ticket_id: i64) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| c.ticket_id == ticket_id)
            .collect();
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        list
    }

    fn agent_json(&self, a: &Agent) -> Value {
        let group_ids: Vec<i64> = self
            .groups
            .values()
            .filter(|g| g.agent_ids.contains(&a.id))
            .map(|g| g.id)
            .collect();
        json!({
            "id": a.id,
            "available": a.available,
            "available_since": null,
            "occasional": a.occasional,
            "signature": a.signature,
            "ticket_scope": 1,
            "group_ids": group_ids,
            "role_ids": [USER_BASE + 900_001],
            "skill_ids": [],
            "agent_type": 1,
            "type": "support_agent",
            "last_active_at": ts(a.updated_at),
            "created_at": ts(a.created_at),
            "updated_at": ts(a.updated_at),
            "contact": {
                "active": true,
                "email": a.email,
                "job_title": a.job_title,
                "language": "en",
                "last_login_at": ts(a.updated_at),
                "mobile": null,
                "name": a.name,
                "phone": a.phone,
                "time_zone": "Eastern Time (US & Canada)",
                "created_at": ts(a.created_at),
                "updated_at": ts(a.updated_at),
            },
        })
    }
}

fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.id,
        "body": c.body,
        "body_text": c.body_text,
        "incoming": c.incoming,
        "private": c.private,
        "user_id": c.user_id,
        "support_email": c.support_email,
        "source": c.source,
        "category": c.category,
        "ticket_id": c.ticket_id,
        "to_emails": c.to_emails,
        "from_email": c.from_email,
        "cc_emails": c.cc_emails,
        "bcc_emails": c.bcc_emails,
        "attachments": [],
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "last_edited_at": ots(c.last_edited_at),
        "last_edited_user_id": c.last_edited_user_id,
    })
}

fn group_json(g: &Group) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "escalate_to": null,
        "unassigned_for": null,
        "business_hour_id": null,
        "group_type": "support_agent_group",
        "agent_ids": g.agent_ids,
        "auto_ticket_assign": false,
        "created_at": ts(g.created_at),
        "updated_at": ts(g.updated_at),
    })
}

fn company_json(c: &Company) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "domains": c.domains,
        "note": c.note,
        "health_score": c.health_score,
        "account_tier": c.account_tier,
        "renewal_date": ots(c.renewal_date),
        "industry": c.industry,
        "custom_fields": {},
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
    })
}

fn contact_json(c: &Contact) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "other_emails": c.other_emails,
        "phone": c.phone,
        "mobile": c.mobile,
        "twitter_id": c.twitter_id,
        "facebook_id": c.facebook_id,
        "unique_external_id": c.unique_external_id,
        "company_id": c.company_id,
        "view_all_tickets": c.view_all_tickets,
        "active": c.active,
        "address": c.address,
        "description": c.description,
        "job_title": c.job_title,
        "language": c.language,
        "time_zone": c.time_zone,
        "tags": c.tags,
        "custom_fields": {},
        "avatar": null,
        "deleted": c.deleted,
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
    })
}

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

impl Store {
    fn list_tickets(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&[
            "filter",
            "requester_id",
            "email",
            "unique_external_id",
            "company_id",
            "updated_since",
            "order_by",
            "order_type",
            "include",
            "page",
            "per_page",
        ])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, Some(300));
        const FILTERS: &[&str] = &["new_and_my_open", "watching", "spam", "deleted"];
        let filter = q.get("filter");
        if filter.is_some_and(|f| !FILTERS.contains(&f)) {
            errors.push(FieldError::choices("filter", FILTERS));
        }
        let requester_id = q.int("requester_id", &mut errors);
        let company_id = q.int("company_id", &mut errors);
        let updated_since = q.time("updated_since", &mut errors);
        const ORDER_BY: &[&str] = &["created_at", "due_by", "updated_at", "status"];
        let order_by = q.get("order_by").unwrap_or("created_at");
        if !ORDER_BY.contains(&order_by) {
            errors.push(FieldError::choices("order_by", ORDER_BY));
        }
        let order_type = q.get("order_type").unwrap_or("desc");
        if !["asc", "desc"].contains(&order_type) {
            errors.push(FieldError::choices("order_type", &["asc", "desc"]));
        }
        let includes = q.includes(&["stats", "requester", "description"], &mut errors);
        let email = q.get("email");
        if email.is_some_and(|e| !valid_email(e)) {
            errors.push(FieldError::invalid(
                "email",
                "It should be a valid email address",
            ));
        }
        check(errors)?;
        // An unknown email or external id matches nobody.
        let by_email = email.map(|e| self.user_by_email(e));
        let by_external = q.get("unique_external_id").map(|x| {
            self.contacts
                .values()
                .find(|c| c.unique_external_id.as_deref() == Some(x))
                .map(|c| c.id)
        });
        let cutoff = ctx.now - chrono::Duration::days(30);
        let mut items: Vec<&Ticket> = self
            .tickets
            .values()
            .filter(|t| match filter {
                Some("deleted") => t.deleted,
                Some("spam") => t.spam && !t.deleted,
                _ => !t.deleted && !t.spam,
            })
            .filter(|t| match filter {
                Some("new_and_my_open") => {
                    t.status == 2 && t.responder_id.is_none_or(|r| r == self.me)
                }
                Some("watching") => t.watchers.contains(&self.me),
                _ => true,
            })
            .filter(|t| requester_id.is_none_or(|r| t.requester_id == r))
            .filter(|t| company_id.is_none_or(|c| t.company_id == Some(c)))
            .filter(|t| by_email.is_none_or(|u| u == Some(t.requester_id)))
            .filter(|t| by_external.is_none_or(|u| u == Some(t.requester_id)))
            .filter(|t| match updated_since {
                Some(since) => t.updated_at >= since,
                None => t.created_at >= cutoff,
            })
            .collect();
        let desc = order_type == "desc";
        items.sort_by(|a, b| {
            let ord = match order_by {
                "due_by" => a.due_by.cmp(&b.due_by),
                "updated_at" => a.updated_at.cmp(&b.updated_at),
                "status" => a.status.cmp(&b.status),
                _ => a.created_at.cmp(&b.created_at),
            }
            .then(a.id.cmp(&b.id));
            if desc { ord.reverse() } else { ord }
        });
        let view = View::of(&includes);
        let (items, more) = paginate(items, page, per_page);
        let json = items.iter().map(|t| self.ticket_json(t, view)).collect();
        Ok(ctx.list(q, json, page, more))
    }

    fn get_ticket(&self, id: i64, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["include"])?;
        let mut errors = Vec::new();
        let includes = q.includes(
            &["conversations", "requester", "company", "stats"],
            &mut errors,
        );
        check(errors)?;
        let t = self.tickets.get(&id).ok_or(ApiError::NotFound)?;
        let view = View {
            description: true,
            ..View::of(&includes)
        };
        Ok(Reply::ok(self.ticket_json(t, view)))
    }

    /// Applies the body's fields to `t` (a copy), recording errors; returns the requester named.
    fn apply_ticket(&self, inp: &mut Input<'_>, t: &mut Ticket) -> Option<Who> {
        if let Some(s) = inp.required_text("subject") {
            t.subject = s;
        }
        if let Some(d) = inp.required_text("description") {
            t.description = to_html(&d);
            t.description_text = to_text(&t.description);
        }
        for (key, allowed) in [
            ("status", STATUSES),
            ("priority", PRIORITIES),
            ("source", SOURCES),
        ] {
            match inp.int(key) {
                F::Val(n) if allowed.contains(&n.to_string().as_str()) => match key {
                    "status" => t.status = n,
                    "priority" => t.priority = n,
                    _ => t.source = n,
                },
                F::Val(_) => inp.push(FieldError::choices(key, allowed)),
                F::Null => inp.push(FieldError::mismatch(key, "Integer")),
                F::Absent | F::Bad => {}
            }
        }
        match inp.text("type") {
            F::Val(s) if TICKET_TYPES.contains(&s.as_str()) => t.ticket_type = Some(s),
            F::Val(_) => inp.push(FieldError::choices("type", TICKET_TYPES)),
            F::Null => t.ticket_type = None,
            F::Absent | F::Bad => {}
        }
        match inp.int("responder_id") {
            F::Val(id) if self.agents.contains_key(&id) => t.responder_id = Some(id),
            F::Val(_) => inp.push(FieldError::invalid(
                "responder_id",
                "There is no agent matching the given responder_id",
            )),
            F::Null => t.responder_id = None,
            F::Absent | F::Bad => {}
        }
        match inp.int("group_id") {
            F::Val(id) if self.groups.contains_key(&id) => t.group_id = Some(id),
            F::Val(_) => inp.push(FieldError::invalid(
                "group_id",
                "There is no group matching the given group_id",
            )),
            F::Null => t.group_id = None,
            F::Absent | F::Bad => {}
        }
        let mut company_given = false;
        match inp.int("company_id") {
            F::Val(id) if self.companies.contains_key(&id) => {
                t.company_id = Some(id);
                company_given = true;
            }
            F::Val(_) => inp.push(FieldError::invalid(
                "company_id",
                "There is no company matching the given company_id",
            )),
            F::Null => {
                t.company_id = None;
                company_given = true;
            }
            F::Absent | F::Bad => {}
        }
        for key in ["product_id", "email_config_id"] {
            if let F::Val(_) = inp.int(key) {
                let what = key.trim_end_matches("_id").replace('_', " ");
                inp.push(FieldError::invalid(
                    key,
                    format!("There is no {what} matching the given {key}"),
                ));
            }
        }
        match inp.texts("tags") {
            F::Val(tags) => t.tags = tags,
            F::Null => t.tags.clear(),
            F::Absent | F::Bad => {}
        }
        match inp.emails("cc_emails") {
            F::Val(cc) => t.cc_emails = cc,
            F::Null => t.cc_emails.clear(),
            F::Absent | F::Bad => {}
        }
        if let F::Val(due) = inp.time("due_by") {
            t.due_by = due;
        }
        if let F::Val(fr) = inp.time("fr_due_by") {
            t.fr_due_by = fr;
        }
        if let F::Val(fields) = inp.object("custom_fields") {
            apply_custom_fields(inp, fields, &mut t.custom_fields);
        }
        let who = self.requester(inp);
        if !company_given && let Some(who) = &who {
            t.company_id = match who {
                Who::Existing(id) => self.contacts.get(id).and_then(|c| c.company_id),
                Who::New(_) => None,
            };
        }
        who
    }

    /// The requester named by `requester_id`, `email`, `phone` (+ `name`), `twitter_id`,
    /// `facebook_id` or `unique_external_id`; a contact is created for an unknown one.
    fn requester(&self, inp: &mut Input<'_>) -> Option<Who> {
        let rid = inp.int("requester_id");
        let email = inp.email("email");
        let phone = inp.text("phone");
        let twitter = inp.text("twitter_id");
        let facebook = inp.text("facebook_id");
        let external = inp.text("unique_external_id");
        let name = match inp.text("name") {
            F::Val(n) if !n.trim().is_empty() => Some(n),
            _ => None,
        };
        if let F::Val(id) = rid {
            if self.user_exists(id) {
                return Some(Who::Existing(id));
            }
            inp.push(FieldError::invalid(
                "requester_id",
                "There is no contact matching the given requester_id",
            ));
            return None;
        }
        let now = Utc::now().trunc_subsecs(0);
        if let F::Val(e) = email {
            if let Some(id) = self.user_by_email(&e) {
                return Some(Who::Existing(id));
            }
            let mut c = Contact::blank(now);
            c.name = name.unwrap_or_else(|| e.split('@').next().unwrap_or("").to_string());
            c.email = Some(e);
            return Some(Who::New(Box::new(c)));
        }
        if let F::Val(p) = phone {
            let found = self.contacts.values().find(|c| {
                c.phone.as_deref() == Some(p.as_str()) || c.mobile.as_deref() == Some(p.as_str())
            });
            if let Some(c) = found {
                return Some(Who::Existing(c.id));
            }
            let Some(n) = name else {
                inp.push(FieldError::missing("name"));
                return None;
            };
            let mut c = Contact::blank(now);
            c.name = n;
            c.phone = Some(p);
            return Some(Who::New(Box::new(c)));
        }
        for (value, which) in [(twitter, 0), (facebook, 1), (external, 2)] {
            let F::Val(v) = value else { continue };
            let found = self.contacts.values().find(|c| {
                let field = match which {
                    0 => &c.twitter_id,
                    1 => &c.facebook_id,
                    _ => &c.unique_external_id,
                };
                field.as_deref() == Some(v.as_str())
            });
            if let Some(c) = found {
                return Some(Who::Existing(c.id));
            }
            let mut c = Contact::blank(now);
            c.name = name.clone().unwrap_or_else(|| v.clone());
            match which {
                0 => c.twitter_id = Some(v),
                1 => c.facebook_id = Some(v),
                _ => c.unique_external_id = Some(v),
            }
            return Some(Who::New(Box::new(c)));
        }
        None
    }

    /// Creates the contact if needed; the requester's id.
    fn commit_requester(&mut self, who: Who, now: DateTime<Utc>) -> i64 {
        match who {
            Who::Existing(id) => id,
            Who::New(mut c) => {
                let id = self.user_id();
                c.id = id;
                c.created_at = now;
                c.updated_at = now;
                self.contacts.insert(id, *c);
                id
            }
        }
    }

    fn create_ticket(
        &mut self,
        ctx: &Ctx<'_>,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut inp = Input::new(map, TICKET_CREATE_KEYS);
        for key in ["subject", "description", "status", "priority"] {
            if !inp.has(key) {
                inp.push(FieldError::missing(key));
            }
        }
        let mut t = Ticket::blank(ctx.now);
        let who = self.apply_ticket(&mut inp, &mut t);
        if who.is_none() && !REQUESTER_KEYS.iter().any(|k| inp.has(k)) {
            inp.push(FieldError::new(
                "requester_id",
                "missing_field",
                "Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id attributes",
            ));
        }
        inp.finish()?;
        let Some(who) = who else {
            return Err(ApiError::one(FieldError::missing("requester_id")));
        };
        t.requester_id = self.commit_requester(who, ctx.now);
        if t.company_id.is_none() && !map.contains_key("company_id") {
            t.company_id = self
                .contacts
                .get(&t.requester_id)
                .and_then(|c| c.company_id);
        }
        let (given_due, given_fr) = (t.due_by, t.fr_due_by);
        set_sla(&mut t);
        if map.contains_key("due_by") {
            t.due_by = given_due;
        }
        if map.contains_key("fr_due_by") {
            t.fr_due_by = given_fr;
        }
        status_changed(&mut t, 0, ctx.now);
        if t.source == 1 {
            t.to_emails = Some(vec![SUPPORT_EMAIL.to_string()]);
        }
        t.id = self.next_ticket;
        self.next_ticket += 1;
        let json = self.ticket_json(
            &t,
            View {
                description: true,
                ..View::default()
            },
        );
        let location = ctx.location("tickets", t.id);
        self.tickets.insert(t.id, t);
        Ok(Reply::created(json, location))
    }

    fn live_ticket(&self, id: i64) -> Result<&Ticket, ApiError> {
        self.tickets
            .get(&id)
            .filter(|t| !t.deleted)
            .ok_or(ApiError::NotFound)
    }

    fn update_ticket(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let old = self.live_ticket(id)?.clone();
        let mut inp = Input::new(map, TICKET_UPDATE_KEYS);
        let mut t = old.clone();
        let who = self.apply_ticket(&mut inp, &mut t);
        inp.finish()?;
        if let Some(who) = who {
            t.requester_id = self.commit_requester(who, ctx.now);
            if !map.contains_key("company_id") {
                t.company_id = self
                    .contacts
                    .get(&t.requester_id)
                    .and_then(|c| c.company_id);
            }
        }
        // A new priority moves the SLA targets, unless the body sets them.
        if t.priority != old.priority && !map.contains_key("due_by") {
            let fr = t.fr_due_by;
            set_sla(&mut t);
            if map.contains_key("fr_due_by") {
                t.fr_due_by = fr;
            }
        }
        status_changed(&mut t, old.status, ctx.now);
        t.updated_at = ctx.now;
        let json = self.ticket_json(
            &t,
            View {
                description: true,
                ..View::default()
            },
        );
        self.tickets.insert(id, t);
        Ok(Reply::ok(json))
    }

    fn delete_ticket(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        self.live_ticket(id)?;
        if let Some(t) = self.tickets.get_mut(&id) {
            t.deleted = true;
            t.updated_at = ctx.now;
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    fn restore_ticket(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        let t = self
            .tickets
            .get_mut(&id)
            .filter(|t| t.deleted)
            .ok_or(ApiError::NotFound)?;
        t.deleted = false;
        t.updated_at = ctx.now;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    fn watchers(&self, id: i64) -> Result<Reply, ApiError> {
        let t = self.tickets.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(json!({"watcher_ids": t.watchers})))
    }

    fn watch(&mut self, ctx: &Ctx<'_>, id: i64, on: bool) -> Result<Reply, ApiError> {
        self.live_ticket(id)?;
        let me = self.me;
        if let Some(t) = self.tickets.get_mut(&id) {
            t.watchers.retain(|w| *w != me);
            if on {
                t.watchers.push(me);
            }
            t.updated_at = ctx.now;
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }
}

fn apply_custom_fields(
    inp: &mut Input<'_>,
    fields: &Map<String, Value>,
    target: &mut BTreeMap<String, Value>,
) {
    for (key, value) in fields {
        let Some(def) = CUSTOM_FIELDS.iter().find(|f| f.name == key) else {
            inp.push(FieldError::unknown(key));
            continue;
        };
        if value.is_null() {
            target.insert(key.clone(), Value::Null);
            continue;
        }
        match def.kind {
            CfKind::Dropdown => match value.as_str() {
                Some(s) if def.choices.contains(&s) => {
                    target.insert(key.clone(), json!(s));
                }
                Some(_) => inp.push(FieldError::choices(key, def.choices)),
                None => inp.push(FieldError::mismatch(key, "String")),
            },
            CfKind::Text => match value.as_str() {
                Some(s) if s.chars().count() <= 255 => {
                    target.insert(key.clone(), json!(s));
                }
                Some(_) => inp.push(FieldError::invalid(
                    key,
                    "It should have at most 255 characters",
                )),
                None => inp.push(FieldError::mismatch(key, "String")),
            },
            CfKind::Number => match value.as_i64().filter(|_| value.is_i64() || value.is_u64()) {
                Some(n) => {
                    target.insert(key.clone(), json!(n));
                }
                None => inp.push(FieldError::mismatch(key, "Integer")),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------------------------

impl Store {
    fn list_conversations(&self, ctx: &Ctx<'_>, id: i64, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        check(errors)?;
        self.tickets.get(&id).ok_or(ApiError::NotFound)?;
        let (items, more) = paginate(self.conversations_of(id), page, per_page);
        let json = items.into_iter().map(conversation_json).collect();
        Ok(ctx.list(q, json, page, more))
    }

    fn add_conversation(&mut self, ctx: &Ctx<'_>, mut c: Conversation) -> Value {
        c.id = self.next_conversation;
        self.next_conversation += 1;
        c.created_at = ctx.now;
        c.updated_at = ctx.now;
        let agent = self.agents.contains_key(&c.user_id);
        if let Some(t) = self.tickets.get_mut(&c.ticket_id) {
            t.updated_at = ctx.now;
            if agent && !c.private {
                t.stats.agent_responded_at = Some(ctx.now);
                t.stats.first_responded_at.get_or_insert(ctx.now);
            }
            if c.incoming && c.user_id == t.requester_id {
                t.stats.requester_responded_at = Some(ctx.now);
            }
        }
        let json = conversation_json(&c);
        self.conversations.insert(c.id, c);
        json
    }

    fn reply(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let requester = self.live_ticket(id)?.requester_id;
        let mut inp = Input::new(
            map,
            &["body", "from_email", "user_id", "cc_emails", "bcc_emails"],
        );
        let body = inp.required_text("body");
        if !inp.has("body") {
            inp.push(FieldError::missing("body"));
        }
        let from_email = match inp.email("from_email") {
            F::Val(e) => e,
            _ => SUPPORT_EMAIL.to_string(),
        };
        let user_id = match inp.int("user_id") {
            F::Val(u) if self.agents.contains_key(&u) => u,
            F::Val(_) => {
                inp.push(FieldError::invalid(
                    "user_id",
                    "There is no agent matching the given user_id",
                ));
                self.me
            }
            _ => self.me,
        };
        let cc = match inp.emails("cc_emails") {
            F::Val(v) => v,
            _ => Vec::new(),
        };
        let bcc = match inp.emails("bcc_emails") {
            F::Val(v) => v,
            _ => Vec::new(),
        };
        inp.finish()?;
        let body = to_html(&body.unwrap_or_default());
        let c = Conversation {
            id: 0,
            ticket_id: id,
            body_text: to_text(&body),
            body,
            incoming: false,
            private: false,
            user_id,
            support_email: Some(SUPPORT_EMAIL.to_string()),
            source: 0,
            category: 3,
            to_emails: self.user_email(requester).into_iter().collect(),
            from_email: Some(from_email),
            cc_emails: cc,
            bcc_emails: bcc,
            created_at: ctx.now,
            updated_at: ctx.now,
            last_edited_at: None,
            last_edited_user_id: None,
        };
        let json = self.add_conversation(ctx, c);
        Ok(Reply::json(StatusCode::CREATED, json))
    }

    fn note(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        self.live_ticket(id)?;
        let mut inp = Input::new(
            map,
            &["body", "private", "incoming", "notify_emails", "user_id"],
        );
        let body = inp.required_text("body");
        if !inp.has("body") {
            inp.push(FieldError::missing("body"));
        }
        let private = match inp.flag("private") {
            F::Val(b) => b,
            _ => true,
        };
        let incoming = match inp.flag("incoming") {
            F::Val(b) => b,
            _ => false,
        };
        let notify = match inp.emails("notify_emails") {
            F::Val(v) => v,
            _ => Vec::new(),
        };
        let user_id = match inp.int("user_id") {
            F::Val(u) if self.user_exists(u) => u,
            F::Val(_) => {
                inp.push(FieldError::invalid(
                    "user_id",
                    "There is no user matching the given user_id",
                ));
                self.me
            }
            _ => self.me,
        };
        inp.finish()?;
        let body = to_html(&body.unwrap_or_default());
        let c = Conversation {
            id: 0,
            ticket_id: id,
            body_text: to_text(&body),
            body,
            incoming,
            private,
            user_id,
            support_email: None,
            source: 2,
            category: 2,
            to_emails: notify,
            from_email: None,
            cc_emails: Vec::new(),
            bcc_emails: Vec::new(),
            created_at: ctx.now,
            updated_at: ctx.now,
            last_edited_at: None,
            last_edited_user_id: None,
        };
        let json = self.add_conversation(ctx, c);
        Ok(Reply::json(StatusCode::CREATED, json))
    }

    fn update_conversation(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        if !self.conversations.contains_key(&id) {
            return Err(ApiError::NotFound);
        }
        let mut inp = Input::new(map, &["body"]);
        let body = inp.required_text("body");
        if !inp.has("body") {
            inp.push(FieldError::missing("body"));
        }
        inp.finish()?;
        let me = self.me;
        let c = self.conversations.get_mut(&id).ok_or(ApiError::NotFound)?;
        c.body = to_html(&body.unwrap_or_default());
        c.body_text = to_text(&c.body);
        c.updated_at = ctx.now;
        c.last_edited_at = Some(ctx.now);
        c.last_edited_user_id = Some(me);
        Ok(Reply::ok(conversation_json(c)))
    }

    fn delete_conversation(&mut self, id: i64) -> Result<Reply, ApiError> {
        self.conversations
            .remove(&id)
            .map(|_| Reply::empty(StatusCode::NO_CONTENT))
            .ok_or(ApiError::NotFound)
    }
}

// ---------------------------------------------------------------------------------------------
// Contacts and companies
// ---------------------------------------------------------------------------------------------

impl Store {
    fn list_contacts(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&[
            "email",
            "phone",
            "mobile",
            "company_id",
            "state",
            "unique_external_id",
            "_updated_since",
            "page",
            "per_page",
        ])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        let company_id = q.int("company_id", &mut errors);
        let since = q.time("_updated_since", &mut errors);
        const STATES: &[&str] = &["blocked", "deleted", "unverified", "verified"];
        let state = q.get("state");
        if state.is_some_and(|s| !STATES.contains(&s)) {
            errors.push(FieldError::choices("state", STATES));
        }
        check(errors)?;
        let eq = |v: &Option<String>, key: &str| {
            q.get(key)
                .is_none_or(|want| v.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(want)))
        };
        let items: Vec<&Contact> = self
            .contacts
            .values()
            .filter(|c| match state {
                Some("deleted") => c.deleted,
                Some("blocked") => c.blocked && !c.deleted,
                Some("verified") => c.active && !c.blocked && !c.deleted,
                Some("unverified") => !c.active && !c.blocked && !c.deleted,
                _ => !c.deleted && !c.blocked,
            })
            .filter(|c| q.get("email").is_none_or(|e| c.has_email(e)))
            .filter(|c| eq(&c.phone, "phone") && eq(&c.mobile, "mobile"))
            .filter(|c| eq(&c.unique_external_id, "unique_external_id"))
            .filter(|c| company_id.is_none_or(|id| c.company_id == Some(id)))
            .filter(|c| since.is_none_or(|s| c.updated_at >= s))
            .collect();
        let (items, more) = paginate(items, page, per_page);
        let json = items.into_iter().map(contact_json).collect();
        Ok(ctx.list(q, json, page, more))
    }

    fn get_contact(&self, id: i64) -> Result<Reply, ApiError> {
        let c = self.contacts.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(contact_json(c)))
    }

    fn apply_contact(&self, inp: &mut Input<'_>, c: &mut Contact) {
        if inp.has("name")
            && let Some(n) = inp.required_text("name")
        {
            c.name = n;
        }
        match inp.email("email") {
            F::Val(e) => c.email = Some(e),
            F::Null => c.email = None,
            F::Absent | F::Bad => {}
        }
        for key in [
            "phone",
            "mobile",
            "twitter_id",
            "unique_external_id",
            "address",
            "description",
            "job_title",
        ] {
            let Some(v) = inp.nullable_text(key) else {
                continue;
            };
            let v = v.filter(|s| !s.trim().is_empty());
            match key {
                "phone" => c.phone = v,
                "mobile" => c.mobile = v,
                "twitter_id" => c.twitter_id = v,
                "unique_external_id" => c.unique_external_id = v,
                "address" => c.address = v,
                "description" => c.description = v,
                _ => c.job_title = v,
            }
        }
        for key in ["language", "time_zone"] {
            if let F::Val(v) = inp.text(key) {
                if key == "language" {
                    c.language = v;
                } else {
                    c.time_zone = v;
                }
            }
        }
        match inp.emails("other_emails") {
            F::Val(v) => c.other_emails = v,
            F::Null => c.other_emails.clear(),
            F::Absent | F::Bad => {}
        }
        match inp.int("company_id") {
            F::Val(id) if self.companies.contains_key(&id) => c.company_id = Some(id),
            F::Val(_) => inp.push(FieldError::invalid(
                "company_id",
                "There is no company matching the given company_id",
            )),
            F::Null => c.company_id = None,
            F::Absent | F::Bad => {}
        }
        if let F::Val(b) = inp.flag("view_all_tickets") {
            c.view_all_tickets = b;
        }
        match inp.texts("tags") {
            F::Val(v) => c.tags = v,
            F::Null => c.tags.clear(),
            F::Absent | F::Bad => {}
        }
        if let F::Val(fields) = inp.object("custom_fields") {
            for key in fields.keys() {
                inp.push(FieldError::unknown(key));
            }
        }
    }

    /// 409 when an email, twitter id or external id already belongs to another user.
    fn contact_conflicts(&self, c: &Contact) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let others = || self.contacts.values().filter(|o| o.id != c.id);
        for e in c.email.iter().chain(&c.other_emails) {
            let owner = others().find(|o| o.has_email(e)).map(|o| o.id).or_else(|| {
                self.agents
                    .values()
                    .find(|a| a.email.eq_ignore_ascii_case(e))
                    .map(|a| a.id)
            });
            if let Some(owner) = owner {
                let field = if c.email.as_deref() == Some(e.as_str()) {
                    "email"
                } else {
                    "other_emails"
                };
                errors.push(FieldError::duplicate(field, json!({"user_id": owner})));
            }
        }
        for (field, value) in [
            ("twitter_id", &c.twitter_id),
            ("unique_external_id", &c.unique_external_id),
        ] {
            let Some(v) = value else { continue };
            let owner = others().find(|o| {
                let theirs = if field == "twitter_id" {
                    &o.twitter_id
                } else {
                    &o.unique_external_id
                };
                theirs.as_deref() == Some(v.as_str())
            });
            if let Some(o) = owner {
                errors.push(FieldError::duplicate(field, json!({"user_id": o.id})));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Conflict(errors))
        }
    }

    fn create_contact(
        &mut self,
        ctx: &Ctx<'_>,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut inp = Input::new(map, CONTACT_KEYS);
        if !inp.has("name") {
            inp.push(FieldError::missing("name"));
        }
        let mut c = Contact::blank(ctx.now);
        self.apply_contact(&mut inp, &mut c);
        let identified = c.email.is_some()
            || c.phone.is_some()
            || c.mobile.is_some()
            || c.twitter_id.is_some()
            || c.unique_external_id.is_some();
        let tried = [
            "email",
            "phone",
            "mobile",
            "twitter_id",
            "unique_external_id",
        ]
        .iter()
        .any(|k| map.get(*k).is_some_and(|v| !v.is_null()));
        if !identified && !tried {
            inp.push(FieldError::new(
                "email",
                "missing_field",
                "Please fill at least 1 of email, mobile, phone, twitter_id, unique_external_id attributes",
            ));
        }
        inp.finish()?;
        self.contact_conflicts(&c)?;
        c.id = self.user_id();
        let json = contact_json(&c);
        let location = ctx.location("contacts", c.id);
        self.contacts.insert(c.id, c);
        Ok(Reply::created(json, location))
    }

    fn update_contact(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut c = self
            .contacts
            .get(&id)
            .filter(|c| !c.deleted)
            .ok_or(ApiError::NotFound)?
            .clone();
        let mut inp = Input::new(map, CONTACT_KEYS);
        self.apply_contact(&mut inp, &mut c);
        inp.finish()?;
        self.contact_conflicts(&c)?;
        c.updated_at = ctx.now;
        let json = contact_json(&c);
        self.contacts.insert(id, c);
        Ok(Reply::ok(json))
    }

    fn delete_contact(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        let c = self
            .contacts
            .get_mut(&id)
            .filter(|c| !c.deleted)
            .ok_or(ApiError::NotFound)?;
        c.deleted = true;
        c.updated_at = ctx.now;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    fn restore_contact(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        let c = self
            .contacts
            .get_mut(&id)
            .filter(|c| c.deleted)
            .ok_or(ApiError::NotFound)?;
        c.deleted = false;
        c.updated_at = ctx.now;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    fn hard_delete_contact(&mut self, id: i64, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["force"])?;
        let c = self.contacts.get(&id).ok_or(ApiError::NotFound)?;
        if !c.deleted && q.get("force") != Some("true") {
            return Err(ApiError::one(FieldError::invalid(
                "force",
                "The contact should be soft deleted first, or force=true given",
            )));
        }
        self.contacts.remove(&id);
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    fn list_companies(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        check(errors)?;
        let (items, more) = paginate(self.companies.values().collect(), page, per_page);
        let json = items.into_iter().map(company_json).collect();
        Ok(ctx.list(q, json, page, more))
    }

    fn get_company(&self, id: i64) -> Result<Reply, ApiError> {
        let c = self.companies.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(company_json(c)))
    }

    fn apply_company(inp: &mut Input<'_>, c: &mut Company) {
        if inp.has("name")
            && let Some(n) = inp.required_text("name")
        {
            c.name = n.trim().to_string();
        }
        for key in ["description", "note", "industry"] {
            let Some(v) = inp.nullable_text(key) else {
                continue;
            };
            match key {
                "description" => c.description = v,
                "note" => c.note = v,
                _ => c.industry = v,
            }
        }
        for (key, allowed) in [
            ("health_score", HEALTH_SCORES),
            ("account_tier", ACCOUNT_TIERS),
        ] {
            let Some(v) = inp.nullable_text(key) else {
                continue;
            };
            if v.as_deref().is_some_and(|s| !allowed.contains(&s)) {
                inp.push(FieldError::choices(key, allowed));
            } else if key == "health_score" {
                c.health_score = v;
            } else {
                c.account_tier = v;
            }
        }
        match inp.texts("domains") {
            F::Val(v) => c.domains = v.into_iter().map(|d| d.trim().to_lowercase()).collect(),
            F::Null => c.domains.clear(),
            F::Absent | F::Bad => {}
        }
        match inp.time("renewal_date") {
            F::Val(t) => c.renewal_date = Some(t),
            F::Null => c.renewal_date = None,
            F::Absent | F::Bad => {}
        }
        if let F::Val(fields) = inp.object("custom_fields") {
            for key in fields.keys() {
                inp.push(FieldError::unknown(key));
            }
        }
    }

    fn company_conflicts(&self, c: &Company) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let others = || self.companies.values().filter(|o| o.id != c.id);
        if let Some(o) = others().find(|o| o.name.eq_ignore_ascii_case(&c.name)) {
            errors.push(FieldError::duplicate("name", json!({"company_id": o.id})));
        }
        for d in &c.domains {
            if let Some(o) = others().find(|o| o.domains.contains(d)) {
                errors.push(FieldError::duplicate(
                    "domains",
                    json!({"company_id": o.id}),
                ));
                break;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Conflict(errors))
        }
    }

    fn create_company(
        &mut self,
        ctx: &Ctx<'_>,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut inp = Input::new(map, COMPANY_KEYS);
        if !inp.has("name") {
            inp.push(FieldError::missing("name"));
        }
        let mut c = Company {
            id: 0,
            name: String::new(),
            description: None,
            domains: Vec::new(),
            note: None,
            health_score: None,
            account_tier: None,
            renewal_date: None,
            industry: None,
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        Self::apply_company(&mut inp, &mut c);
        inp.finish()?;
        self.company_conflicts(&c)?;
        c.id = self.next_company;
        self.next_company += 1;
        let json = company_json(&c);
        let location = ctx.location("companies", c.id);
        self.companies.insert(c.id, c);
        Ok(Reply::created(json, location))
    }

    fn update_company(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut c = self.companies.get(&id).ok_or(ApiError::NotFound)?.clone();
        let mut inp = Input::new(map, COMPANY_KEYS);
        Self::apply_company(&mut inp, &mut c);
        inp.finish()?;
        self.company_conflicts(&c)?;
        c.updated_at = ctx.now;
        let json = company_json(&c);
        self.companies.insert(id, c);
        Ok(Reply::ok(json))
    }

    /// Companies are deleted for good; their contacts lose the company.
    fn delete_company(&mut self, id: i64) -> Result<Reply, ApiError> {
        self.companies.remove(&id).ok_or(ApiError::NotFound)?;
        for c in self.contacts.values_mut() {
            if c.company_id == Some(id) {
                c.company_id = None;
            }
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }
}

// ---------------------------------------------------------------------------------------------
// Agents, groups, ticket fields
// ---------------------------------------------------------------------------------------------

impl Store {
    fn list_agents(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["email", "mobile", "phone", "state", "page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        let state = q.get("state");
        if state.is_some_and(|s| !["fulltime", "occasional"].contains(&s)) {
            errors.push(FieldError::choices("state", &["fulltime", "occasional"]));
        }
        check(errors)?;
        let items: Vec<&Agent> = self
            .agents
            .values()
            .filter(|a| {
                q.get("email")
                    .is_none_or(|e| a.email.eq_ignore_ascii_case(e))
            })
            .filter(|a| q.get("phone").is_none_or(|p| a.phone.as_deref() == Some(p)))
            .filter(|_| q.get("mobile").is_none())
            .filter(|a| match state {
                Some("occasional") => a.occasional,
                Some(_) => !a.occasional,
                None => true,
            })
            .collect();
        let (items, more) = paginate(items, page, per_page);
        let json = items.into_iter().map(|a| self.agent_json(a)).collect();
        Ok(ctx.list(q, json, page, more))
    }

    fn get_agent(&self, id: i64) -> Result<Reply, ApiError> {
        let a = self.agents.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(self.agent_json(a)))
    }

    fn list_groups(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        check(errors)?;
        let (items, more) = paginate(self.groups.values().collect(), page, per_page);
        let json = items.into_iter().map(group_json).collect();
        Ok(ctx.list(q, json, page, more))
    }

    fn get_group(&self, id: i64) -> Result<Reply, ApiError> {
        let g = self.groups.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(group_json(g)))
    }

    fn ticket_fields(&self, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["type"])?;
        let created = self
            .agents
            .get(&self.me)
            .map_or_else(Utc::now, |a| a.created_at);
        let choices_of =
            |values: &[&str]| -> Value { Value::Array(values.iter().map(|v| json!(v)).collect()) };
        let name_to_id = |pairs: Vec<(String, i64)>| -> Value {
            Value::Object(pairs.into_iter().map(|(k, v)| (k, json!(v))).collect())
        };
        let groups = name_to_id(
            self.groups
                .values()
                .map(|g| (g.name.clone(), g.id))
                .collect(),
        );
        let agents = name_to_id(
            self.agents
                .values()
                .map(|a| (a.name.clone(), a.id))
                .collect(),
        );
        let mut defs: Vec<(&str, &str, &str, bool, Value)> = vec![
            (
                "requester",
                "Search a requester",
                "default_requester",
                true,
                Value::Null,
            ),
            ("subject", "Subject", "default_subject", true, Value::Null),
            (
                "ticket_type",
                "Type",
                "default_ticket_type",
                false,
                choices_of(TICKET_TYPES),
            ),
            (
                "source",
                "Source",
                "default_source",
                true,
                json!({"Email": 1, "Portal": 2, "Phone": 3, "Chat": 7, "Feedback Widget": 9, "Outbound Email": 10}),
            ),
            (
                "status",
                "Status",
                "default_status",
                true,
                json!({
                    "2": ["Open", "Being Processed"],
                    "3": ["Pending", "Awaiting your Reply"],
                    "4": ["Resolved", "This ticket has been Resolved"],
                    "5": ["Closed", "This ticket has been Closed"],
                }),
            ),
            (
                "priority",
                "Priority",
                "default_priority",
                true,
                json!({"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}),
            ),
            ("group", "Group", "default_group", false, groups),
            ("agent", "Agent", "default_agent", false, agents),
            (
                "description",
                "Description",
                "default_description",
                true,
                Value::Null,
            ),
            ("company", "Company", "default_company", false, Value::Null),
        ];
        for cf in CUSTOM_FIELDS {
            let (ty, choices) = match cf.kind {
                CfKind::Dropdown => ("custom_dropdown", choices_of(cf.choices)),
                CfKind::Text => ("custom_text", Value::Null),
                CfKind::Number => ("custom_number", Value::Null),
            };
            defs.push((cf.name, cf.label, ty, false, choices));
        }
        let wanted = q.get("type");
        let fields: Vec<Value> = defs
            .into_iter()
            .enumerate()
            .filter(|(_, d)| wanted.is_none_or(|w| w == d.2))
            .map(|(i, (name, label, ty, default, choices))| {
                let mut o = json!({
                    "id": FIELD_BASE + 1 + i as i64,
                    "name": name,
                    "label": label,
                    "description": label,
                    "position": i + 1,
                    "required_for_closure": false,
                    "required_for_agents": matches!(name, "requester" | "subject" | "status" | "priority"),
                    "type": ty,
                    "default": default,
                    "customers_can_edit": matches!(name, "requester" | "subject" | "description"),
                    "label_for_customers": label,
                    "required_for_customers": matches!(name, "requester" | "subject" | "description"),
                    "displayed_to_customers": true,
                    "created_at": ts(created),
                    "updated_at": ts(created),
                });
                if !choices.is_null()
                    && let Value::Object(m) = &mut o
                {
                    m.insert("choices".into(), choices);
                }
                o
            })
            .collect();
        Ok(Reply::ok(Value::Array(fields)))
    }
}

// ---------------------------------------------------------------------------------------------
// Search: `query="field:value AND (field:>value OR field:null)"`
// ---------------------------------------------------------------------------------------------

mod search {
    use chrono::{DateTime, NaiveDate, Utc};

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Kind {
        Int,
        Str,
        StrList,
        Date,
        Bool,
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Cmp {
        Eq,
        Ge,
        Le,
    }

    #[derive(Clone, Debug)]
    pub enum Lit {
        Int(i64),
        Str(String),
        Date(NaiveDate),
        Bool(bool),
        Null,
    }

    #[derive(Debug)]
    pub enum Expr {
        Or(Box<Expr>, Box<Expr>),
        And(Box<Expr>, Box<Expr>),
        Cond { field: String, cmp: Cmp, lit: Lit },
    }

    /// A field's value on one record.
    pub enum Val {
        Int(Option<i64>),
        Str(Option<String>),
        StrList(Vec<String>),
        Date(Option<DateTime<Utc>>),
        Bool(Option<bool>),
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Tok {
        LParen,
        RParen,
        Colon,
        Gt,
        Lt,
        Word(String),
        Num(i64),
        Str(String),
    }

    fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
        let chars: Vec<char> = s.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                c if c.is_whitespace() => i += 1,
                '(' | ')' | ':' | '>' | '<' => {
                    out.push(match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        ':' => Tok::Colon,
                        '>' => Tok::Gt,
                        _ => Tok::Lt,
                    });
                    i += 1;
                }
                '\'' => {
                    let start = i + 1;
                    let end = chars[start..]
                        .iter()
                        .position(|&c| c == '\'')
                        .map(|p| start + p)
                        .ok_or_else(|| "a string is missing its closing quote".to_string())?;
                    out.push(Tok::Str(chars[start..end].iter().collect()));
                    i = end + 1;
                }
                '-' | '0'..='9' => {
                    let start = i;
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    let text: String = chars[start..i].iter().collect();
                    let n = text
                        .parse::<i64>()
                        .map_err(|_| format!("'{text}' is not a valid number"))?;
                    out.push(Tok::Num(n));
                }
                c if c.is_alphabetic() || c == '_' => {
                    let start = i;
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                    out.push(Tok::Word(chars[start..i].iter().collect()));
                }
                other => return Err(format!("unexpected character '{other}'")),
            }
        }
        Ok(out)
    }

    struct Parser<'a> {
        toks: Vec<Tok>,
        pos: usize,
        schema: &'a dyn Fn(&str) -> Option<Kind>,
    }

    impl Parser<'_> {
        fn peek_word(&self, w: &str) -> bool {
            matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x == w)
        }

        fn next(&mut self) -> Option<Tok> {
            let t = self.toks.get(self.pos).cloned();
            self.pos += 1;
            t
        }

        fn or(&mut self) -> Result<Expr, String> {
            let mut left = self.and()?;
            while self.peek_word("OR") {
                self.pos += 1;
                let right = self.and()?;
                left = Expr::Or(Box::new(left), Box::new(right));
            }
            Ok(left)
        }

        fn and(&mut self) -> Result<Expr, String> {
            let mut left = self.atom()?;
            while self.peek_word("AND") {
                self.pos += 1;
                let right = self.atom()?;
                left = Expr::And(Box::new(left), Box::new(right));
            }
            Ok(left)
        }

        fn atom(&mut self) -> Result<Expr, String> {
            match self.next() {
                Some(Tok::LParen) => {
                    let e = self.or()?;
                    match self.next() {
                        Some(Tok::RParen) => Ok(e),
                        _ => Err("a parenthesis is not closed".into()),
                    }
                }
                Some(Tok::Word(field)) if field != "AND" && field != "OR" => self.cond(field),
                Some(t) => Err(format!("expected a field name, found {t:?}")),
                None => Err("the query ends where a condition was expected".into()),
            }
        }

        fn cond(&mut self, field: String) -> Result<Expr, String> {
            let kind = (self.schema)(&field)
                .ok_or_else(|| format!("'{field}' is not a searchable field"))?;
            if self.next() != Some(Tok::Colon) {
                return Err(format!("expected ':' after '{field}'"));
            }
            let mut cmp = Cmp::Eq;
            if let Some(t @ (Tok::Gt | Tok::Lt)) = self.toks.get(self.pos) {
                cmp = if *t == Tok::Gt { Cmp::Ge } else { Cmp::Le };
                self.pos += 1;
            }
            let value = self
                .next()
                .ok_or_else(|| format!("'{field}' has no value"))?;
            let bad = || format!("invalid value for '{field}'");
            let lit = match (kind, value) {
                (_, Tok::Word(w)) if w == "null" => {
                    if cmp != Cmp::Eq {
                        return Err(format!("'{field}' cannot be compared with null"));
                    }
                    Lit::Null
                }
                (Kind::Int, Tok::Num(n)) => Lit::Int(n),
                (Kind::Str | Kind::StrList, Tok::Str(s)) if cmp == Cmp::Eq => Lit::Str(s),
                (Kind::Date, Tok::Str(s)) => Lit::Date(
                    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map_err(|_| format!("'{s}' is not a date in the format 'YYYY-MM-DD'"))?,
                ),
                (Kind::Bool, Tok::Word(w)) if cmp == Cmp::Eq && (w == "true" || w == "false") => {
                    Lit::Bool(w == "true")
                }
                _ => return Err(bad()),
            };
            Ok(Expr::Cond { field, cmp, lit })
        }
    }

    /// Parses the expression inside the double quotes.
    pub fn parse(expr: &str, schema: &dyn Fn(&str) -> Option<Kind>) -> Result<Expr, String> {
        let toks = tokenize(expr)?;
        if toks.is_empty() {
            return Err("the query is empty".into());
        }
        let mut p = Parser {
            toks,
            pos: 0,
            schema,
        };
        let e = p.or()?;
        if p.pos < p.toks.len() {
            return Err(format!(
                "unexpected {:?} (combine conditions with AND / OR)",
                p.toks[p.pos]
            ));
        }
        Ok(e)
    }

    pub fn eval(e: &Expr, get: &dyn Fn(&str) -> Val) -> bool {
        match e {
            Expr::Or(a, b) => eval(a, get) || eval(b, get),
            Expr::And(a, b) => eval(a, get) && eval(b, get),
            Expr::Cond { field, cmp, lit } => matches(&get(field), *cmp, lit),
        }
    }

    fn ord<T: PartialOrd>(a: T, cmp: Cmp, b: T) -> bool {
        match cmp {
            Cmp::Eq => a == b,
            Cmp::Ge => a >= b,
            Cmp::Le => a <= b,
        }
    }

    fn matches(val: &Val, cmp: Cmp, lit: &Lit) -> bool {
        match (val, lit) {
            (Val::Int(v), Lit::Null) => v.is_none(),
            (Val::Str(v), Lit::Null) => v.as_deref().is_none_or(str::is_empty),
            (Val::StrList(v), Lit::Null) => v.is_empty(),
            (Val::Date(v), Lit::Null) => v.is_none(),
            (Val::Bool(v), Lit::Null) => v.is_none(),
            (Val::Int(Some(v)), Lit::Int(n)) => ord(*v, cmp, *n),
            (Val::Str(Some(v)), Lit::Str(s)) => v.to_lowercase() == s.to_lowercase(),
            (Val::StrList(v), Lit::Str(s)) => {
                v.iter().any(|x| x.to_lowercase() == s.to_lowercase())
            }
            (Val::Date(Some(v)), Lit::Date(d)) => ord(v.date_naive(), cmp, *d),
            (Val::Bool(Some(v)), Lit::Bool(b)) => v == b,
            _ => false,
        }
    }
}

use search::{Kind, Val};

fn ticket_kind(field: &str) -> Option<Kind> {
    match field {
        "agent_id" | "group_id" | "priority" | "status" => Some(Kind::Int),
        "tag" => Some(Kind::StrList),
        "type" => Some(Kind::Str),
        "due_by" | "fr_due_by" | "created_at" | "updated_at" | "closed_at" => Some(Kind::Date),
        other => {
            let cf = CUSTOM_FIELDS
                .iter()
                .find(|f| f.name.strip_prefix("cf_") == Some(other))?;
            Some(match cf.kind {
                CfKind::Number => Kind::Int,
                CfKind::Dropdown | CfKind::Text => Kind::Str,
            })
        }
    }
}

fn ticket_val(t: &Ticket, field: &str) -> Val {
    match field {
        "agent_id" => Val::Int(t.responder_id),
        "group_id" => Val::Int(t.group_id),
        "priority" => Val::Int(Some(t.priority)),
        "status" => Val::Int(Some(t.status)),
        "tag" => Val::StrList(t.tags.clone()),
        "type" => Val::Str(t.ticket_type.clone()),
        "due_by" => Val::Date(Some(t.due_by)),
        "fr_due_by" => Val::Date(Some(t.fr_due_by)),
        "created_at" => Val::Date(Some(t.created_at)),
        "updated_at" => Val::Date(Some(t.updated_at)),
        "closed_at" => Val::Date(t.stats.closed_at),
        other => {
            let key = format!("cf_{other}");
            match ticket_kind(other) {
                Some(Kind::Int) => Val::Int(t.custom_fields.get(&key).and_then(Value::as_i64)),
                _ => Val::Str(t.custom_str(&key)),
            }
        }
    }
}

fn contact_kind(field: &str) -> Option<Kind> {
    match field {
        "name" | "email" | "phone" | "mobile" | "twitter_id" | "unique_external_id"
        | "language" | "time_zone" => Some(Kind::Str),
        "company_id" => Some(Kind::Int),
        "tag" => Some(Kind::StrList),
        "active" => Some(Kind::Bool),
        "created_at" | "updated_at" => Some(Kind::Date),
        _ => None,
    }
}

fn contact_val(c: &Contact, field: &str) -> Val {
    match field {
        "name" => Val::Str(Some(c.name.clone())),
        // Any of the contact's addresses matches.
        "email" => Val::StrList(c.email.iter().chain(&c.other_emails).cloned().collect()),
        "phone" => Val::Str(c.phone.clone()),
        "mobile" => Val::Str(c.mobile.clone()),
        "twitter_id" => Val::Str(c.twitter_id.clone()),
        "unique_external_id" => Val::Str(c.unique_external_id.clone()),
        "language" => Val::Str(Some(c.language.clone())),
        "time_zone" => Val::Str(Some(c.time_zone.clone())),
        "company_id" => Val::Int(c.company_id),
        "tag" => Val::StrList(c.tags.clone()),
        "active" => Val::Bool(Some(c.active)),
        "created_at" => Val::Date(Some(c.created_at)),
        _ => Val::Date(Some(c.updated_at)),
    }
}

fn company_kind(field: &str) -> Option<Kind> {
    match field {
        "name" | "industry" | "account_tier" | "health_score" => Some(Kind::Str),
        "domain" => Some(Kind::StrList),
        "created_at" | "updated_at" | "renewal_date" => Some(Kind::Date),
        _ => None,
    }
}

fn company_val(c: &Company, field: &str) -> Val {
    match field {
        "name" => Val::Str(Some(c.name.clone())),
        "industry" => Val::Str(c.industry.clone()),
        "account_tier" => Val::Str(c.account_tier.clone()),
        "health_score" => Val::Str(c.health_score.clone()),
        "domain" => Val::StrList(c.domains.clone()),
        "created_at" => Val::Date(Some(c.created_at)),
        "renewal_date" => Val::Date(c.renewal_date),
        _ => Val::Date(Some(c.updated_at)),
    }
}

/// The parsed `query` and `page` of a search request.
fn search_request(
    q: &Query,
    schema: &dyn Fn(&str) -> Option<Kind>,
) -> Result<(search::Expr, usize), ApiError> {
    q.allow(&["query", "page", "per_page"])?;
    let mut errors = Vec::new();
    let page = q.positive("page", &mut errors).unwrap_or(1);
    if page > 10 {
        errors.push(FieldError::invalid(
            "page",
            "It should be less than or equal to 10",
        ));
    }
    let expr = match q.get("query") {
        None => {
            errors.push(FieldError::missing("query"));
            None
        }
        Some(raw) if raw.chars().count() > 512 => {
            errors.push(FieldError::invalid(
                "query",
                "It should have at most 512 characters",
            ));
            None
        }
        Some(raw) => {
            let inner = raw
                .trim()
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'));
            match inner {
                None => {
                    errors.push(FieldError::invalid(
                        "query",
                        "It should be enclosed in double quotes",
                    ));
                    None
                }
                Some(inner) => match search::parse(inner, schema) {
                    Ok(e) => Some(e),
                    Err(msg) => {
                        errors.push(FieldError::invalid("query", msg));
                        None
                    }
                },
            }
        }
    };
    check(errors)?;
    let expr = expr.ok_or_else(|| ApiError::one(FieldError::missing("query")))?;
    Ok((expr, page))
}

fn search_reply(total: usize, results: Vec<Value>) -> Reply {
    Reply::ok(json!({"total": total, "results": results}))
}

impl Store {
    fn search_tickets(&self, q: &Query) -> Result<Reply, ApiError> {
        let (expr, page) = search_request(q, &ticket_kind)?;
        let mut hits: Vec<&Ticket> = self
            .tickets
            .values()
            .filter(|t| !t.deleted && !t.spam)
            .filter(|t| search::eval(&expr, &|f| ticket_val(t, f)))
            .collect();
        hits.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = hits.len();
        let (hits, _) = paginate(hits, page, 30);
        let results = hits
            .into_iter()
            .map(|t| self.ticket_json(t, View::default()))
            .collect();
        Ok(search_reply(total, results))
    }

    fn search_contacts(&self, q: &Query) -> Result<Reply, ApiError> {
        let (expr, page) = search_request(q, &contact_kind)?;
        let mut hits: Vec<&Contact> = self
            .contacts
            .values()
            .filter(|c| !c.deleted)
            .filter(|c| search::eval(&expr, &|f| contact_val(c, f)))
            .collect();
        hits.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = hits.len();
        let (hits, _) = paginate(hits, page, 30);
        Ok(search_reply(
            total,
            hits.into_iter().map(contact_json).collect(),
        ))
    }

    fn search_companies(&self, q: &Query) -> Result<Reply, ApiError> {
        let (expr, page) = search_request(q, &company_kind)?;
        let mut hits: Vec<&Company> = self
            .companies
            .values()
            .filter(|c| search::eval(&expr, &|f| company_val(c, f)))
            .collect();
        hits.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = hits.len();
        let (hits, _) = paginate(hits, page, 30);
        Ok(search_reply(
            total,
            hits.into_iter().map(company_json).collect(),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Demo data
// ---------------------------------------------------------------------------------------------

mod seed {
    use super::*;

    /// (name, email, phone, job title, occasional). The first owns the API key.
    const AGENTS: &[(&str, &str, &str, &str, bool)] = &[
        (
            "Ada Support",
            "ada@sandbox.example",
            "+1 555 0100",
            "Support Lead",
            false,
        ),
        (
            "Ben Okafor",
            "ben.okafor@sandbox.example",
            "+1 555 0101",
            "Billing Specialist",
            false,
        ),
        (
            "Chloe Martin",
            "chloe.martin@sandbox.example",
            "+1 555 0102",
            "Support Engineer",
            false,
        ),
        (
            "Diego Alvarez",
            "diego.alvarez@sandbox.example",
            "+1 555 0103",
            "Network Engineer",
            false,
        ),
        (
            "Emma Lindqvist",
            "emma.lindqvist@sandbox.example",
            "+1 555 0104",
            "Onboarding Manager",
            false,
        ),
        (
            "Farid Haddad",
            "farid.haddad@sandbox.example",
            "+1 555 0105",
            "Escalation Engineer",
            true,
        ),
    ];

    /// (name, description, member agent indexes).
    const GROUPS: &[(&str, &str, &[usize])] = &[
        (
            "Billing",
            "Invoices, payments, refunds and plan changes",
            &[0, 1],
        ),
        (
            "Technical",
            "Hardware, network, access and software problems",
            &[0, 2, 3],
        ),
        (
            "Onboarding",
            "New customers: setup, data imports and training",
            &[1, 4],
        ),
        ("Escalations", "Urgent and high-impact problems", &[0, 3, 5]),
    ];

    /// (name, domain, industry, account tier, health score).
    const COMPANIES: &[(&str, &str, &str, &str, &str)] = &[
        (
            "Northwind Traders",
            "northwind.example",
            "Retail",
            "Premium",
            "Happy",
        ),
        (
            "Globex Logistics",
            "globex.example",
            "Transportation",
            "Enterprise",
            "Doing okay",
        ),
        (
            "Initech Software",
            "initech.example",
            "Technology",
            "Basic",
            "At risk",
        ),
        (
            "Umbrella Health Clinics",
            "umbrella-health.example",
            "Healthcare",
            "Enterprise",
            "Happy",
        ),
        (
            "Stark Manufacturing",
            "stark-mfg.example",
            "Manufacturing",
            "Premium",
            "Doing okay",
        ),
        (
            "Wayne Foundation",
            "wayne-foundation.example",
            "Non Profit",
            "Basic",
            "Happy",
        ),
        (
            "Blue Harbor Hotels",
            "blueharbor.example",
            "Hospitality",
            "Premium",
            "At risk",
        ),
        (
            "Pioneer Credit Union",
            "pioneer-cu.example",
            "Banking & Finance",
            "Enterprise",
            "Doing okay",
        ),
        (
            "Greenfield School District",
            "greenfield-schools.example",
            "Education",
            "Basic",
            "Happy",
        ),
        (
            "Acme Media Group",
            "acme-media.example",
            "Media",
            "Premium",
            "Doing okay",
        ),
        (
            "Riverside Energy",
            "riverside-energy.example",
            "Energy & Utilities",
            "Enterprise",
            "Happy",
        ),
        (
            "Summit Legal Partners",
            "summit-legal.example",
            "Consulting",
            "Basic",
            "Doing okay",
        ),
    ];

    const FIRST: &[&str] = &[
        "Olivia", "Liam", "Sofia", "Noah", "Amara", "Lucas", "Mei", "Ethan", "Priya", "Mateo",
        "Hannah", "Kenji", "Zara", "Jonas", "Isabel", "Omar", "Freya", "Daniel", "Leila", "Tomas",
        "Grace", "Ravi", "Nora", "Samuel", "Ines", "Felix", "Yara", "Hugo", "Chiara", "Adrian",
    ];

    const LAST: &[&str] = &[
        "Patel",
        "Nguyen",
        "Schmidt",
        "Garcia",
        "Kowalski",
        "Mensah",
        "Johansson",
        "Rossi",
        "Dubois",
        "Tanaka",
        "Murphy",
        "Silva",
        "Novak",
        "Khalil",
        "Fischer",
        "Moreau",
        "Kim",
        "Andersen",
        "Costa",
        "Walsh",
    ];

    const JOBS: &[&str] = &[
        "Office Manager",
        "IT Coordinator",
        "Finance Lead",
        "Operations Director",
        "Accountant",
        "Customer Success Manager",
        "HR Generalist",
        "Project Manager",
    ];

    /// (category, type, subject, body, tags); `{n}` becomes a number.
    const TEMPLATES: &[(&str, &str, &str, &str, &[&str])] = &[
        (
            "Hardware",
            "Incident",
            "Printer on floor {n} keeps jamming",
            "The printer next to the kitchen on floor {n} jams on almost every second page. We replaced the paper and cleaned the rollers, but it still happens. Our monthly reports have to go out on Friday.",
            &["printer", "hardware"],
        ),
        (
            "Hardware",
            "Problem",
            "Laptop battery drains in under an hour",
            "My laptop (asset tag LT-{n}) goes from full to empty in about 50 minutes, even with only email and the browser open. It started after last week's firmware update.",
            &["laptop", "battery"],
        ),
        (
            "Hardware",
            "Incident",
            "External monitor not detected after docking station update",
            "Since the docking station update yesterday my second monitor stays black. Unplugging the dock and restarting does not help. The monitor works when connected directly over HDMI.",
            &["monitor", "docking-station"],
        ),
        (
            "Hardware",
            "Question",
            "Replacement headsets for the front desk",
            "Three headsets at our front desk have broken microphones. Can we order replacements under the current hardware contract, and how long does delivery take?",
            &["headset", "purchase"],
        ),
        (
            "Network",
            "Incident",
            "VPN disconnects every few minutes when working from home",
            "The VPN client drops the connection roughly every 10 minutes and I have to log in again. Colleagues on the same internet provider have the same problem. It started on Monday.",
            &["vpn", "remote-work"],
        ),
        (
            "Network",
            "Incident",
            "Branch office cannot reach the shared drive",
            "Nobody at the branch office can open the shared drive since this morning. Internet access works. The error says: 'The network path was not found'.",
            &["network", "file-share"],
        ),
        (
            "Network",
            "Problem",
            "Wi-Fi drops in meeting room {n} during video calls",
            "Video calls in meeting room {n} freeze and disconnect after a few minutes. The Wi-Fi icon shows full signal. Calls over the wired port in the same room are fine.",
            &["wifi", "meetings"],
        ),
        (
            "Network",
            "Question",
            "VPN asks for a certificate after the client update",
            "After updating the VPN client it asks me to choose a certificate, and none of the options work. Which certificate should I pick?",
            &["vpn", "certificate"],
        ),
        (
            "Access",
            "Incident",
            "Locked out after password reset",
            "I reset my password this morning and now the portal says my account is locked. I need access today to approve {n} purchase orders.",
            &["login", "password"],
        ),
        (
            "Access",
            "Incident",
            "Two-factor codes not arriving by SMS",
            "I am not receiving the SMS codes for two-factor login. My phone number in the profile is correct and other text messages arrive.",
            &["login", "2fa"],
        ),
        (
            "Access",
            "Question",
            "Access to the finance reporting dashboard",
            "Please give me read access to the finance reporting dashboard. My manager has approved it, see the forwarded email below.",
            &["access-request"],
        ),
        (
            "Access",
            "Problem",
            "Single sign-on loops back to the login page",
            "When I log in with single sign-on, the page redirects back to the login screen over and over. Clearing cookies did not help. It happens in every browser I tried.",
            &["login", "sso"],
        ),
        (
            "Software",
            "Incident",
            "Email client crashes when opening attachments",
            "The desktop email client closes without an error whenever I open a PDF attachment. Opening the same files from web mail works.",
            &["email", "crash"],
        ),
        (
            "Software",
            "Problem",
            "Export to CSV produces an empty file",
            "Exporting the customer report to CSV produces a file with only the header row, although the report shows {n} rows on screen.",
            &["export", "reports"],
        ),
        (
            "Software",
            "Incident",
            "Calendar does not sync to my phone",
            "Meetings I accept on my laptop no longer show up in my phone's calendar. The last synced event is from three days ago.",
            &["calendar", "mobile"],
        ),
        (
            "Software",
            "Feature Request",
            "Feature request: dark mode for the customer portal",
            "Several of our staff work night shifts and would like a dark theme for the customer portal. Is that on your roadmap?",
            &["feature-request", "portal"],
        ),
        (
            "Software",
            "Question",
            "How do I restore a deleted report?",
            "I accidentally deleted the 'Weekly backlog' report. Is there a way to restore it, or do I have to rebuild it?",
            &["reports"],
        ),
        (
            "Billing",
            "Refund",
            "Invoice INV-{n} was charged twice",
            "Our credit card was charged twice for invoice INV-{n}. Please refund the duplicate payment and confirm by email.",
            &["invoice", "refund"],
        ),
        (
            "Billing",
            "Question",
            "Please update the billing address on our invoices",
            "We moved offices. Please use the new billing address on all future invoices: 42 Harbour Street, Suite {n}.",
            &["invoice", "billing-address"],
        ),
        (
            "Billing",
            "Question",
            "Pro-rated charges after adding seats",
            "We added 5 seats in the middle of the month and the invoice shows a charge we don't understand. Can you explain how the pro-rated amount was calculated?",
            &["invoice", "seats"],
        ),
        (
            "Billing",
            "Incident",
            "Card payment declined but the amount was taken",
            "The checkout page said the payment was declined, but our bank statement shows the amount as paid. Order reference ORD-{n}.",
            &["payment"],
        ),
        (
            "Billing",
            "Question",
            "Copies of last quarter's invoices for our audit",
            "Our auditors need PDF copies of all invoices from last quarter. Can you send them or tell me where to download them?",
            &["invoice", "audit"],
        ),
        (
            "Billing",
            "Refund",
            "Remove the unused add-on and refund this month",
            "We never used the reporting add-on that was added to our plan. Please remove it and refund this month's charge.",
            &["refund", "plan-change"],
        ),
        (
            "Onboarding",
            "Question",
            "Importing our existing customer list",
            "We have about {n} customers in a spreadsheet. What is the best way to import them, and which columns are required?",
            &["onboarding", "import"],
        ),
        (
            "Onboarding",
            "Question",
            "Forwarding our support mailbox into the helpdesk",
            "We want emails sent to our support mailbox to become tickets. Which forwarding address should we use, and do we need to verify the domain?",
            &["onboarding", "email-setup"],
        ),
        (
            "Onboarding",
            "Question",
            "Training session for new team members",
            "Four new agents join us next week. Could we book a one-hour training session on the basics?",
            &["onboarding", "training"],
        ),
        (
            "Onboarding",
            "Question",
            "Business hours for two time zones",
            "Our team works from Berlin and Toronto. How do we configure business hours so SLAs are calculated correctly for both offices?",
            &["onboarding", "sla"],
        ),
        (
            "Onboarding",
            "Problem",
            "Welcome emails to new users land in spam",
            "The welcome emails for the {n} users we invited yesterday landed in their spam folders. Is there something we need to configure on our side?",
            &["onboarding", "email-deliverability"],
        ),
    ];

    const SPAM: &[(&str, &str)] = &[
        (
            "Congratulations! You have been selected for a $500 gift card",
            "Click the link below within 24 hours to claim your reward. Offer valid while supplies last.",
        ),
        (
            "Guaranteed first page ranking for your website",
            "We are an SEO agency with 10 years of experience. Reply to this email for a free audit of your website.",
        ),
    ];

    const AGENT_REPLIES: &[&str] = &[
        "Hi {first},\n\nThanks for reporting this. I have reproduced the problem on our side and I am working on a fix. I will update you by the end of the day.\n\nBest regards,\n{agent}",
        "Hi {first},\n\nCould you send us a screenshot of the error and the time it happened? That will help us find the right log entries.\n\nThanks,\n{agent}",
        "Hi {first},\n\nWe have applied a fix. Could you try again and let us know whether it works for you now?\n\nBest,\n{agent}",
        "Hi {first},\n\nI have passed this on to our specialist team and raised the priority. You will hear from us within 24 hours.\n\nKind regards,\n{agent}",
        "Hi {first},\n\nThe refund has been issued and should appear on your statement within 5 to 7 business days.\n\nBest regards,\n{agent}",
        "Hi {first},\n\nI have scheduled a technician visit for tomorrow morning. Please make sure someone can let them into the office.\n\nThanks,\n{agent}",
    ];

    const CUSTOMER_REPLIES: &[&str] = &[
        "Thanks, that fixed it. You can close the ticket.",
        "It is still happening this morning. I restarted twice, same result.",
        "Here is the screenshot you asked for. The error appeared at around 9:40.",
        "Any update on this? It is blocking our team.",
        "That works for us, thank you for the quick help!",
    ];

    const PRIVATE_NOTES: &[&str] = &[
        "Checked the logs: repeated authentication failures from the same device since yesterday. Resetting the session tokens.",
        "Vendor confirmed a known issue in the latest firmware; fix expected next week. Keep the customer posted.",
        "Customer is on the Enterprise plan, handle within the priority SLA.",
        "Looks like a duplicate of an earlier ticket from the same company; linking for context.",
        "Waiting for the finance team to approve the refund.",
    ];

    const PUBLIC_NOTES: &[&str] = &[
        "Status update shared with the account manager.",
        "Added the customer's IT contact for the follow-up.",
    ];

    fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
        &items[rng.random_range(0..items.len())]
    }

    fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = rng.random_range(0..total.max(1));
        for (item, w) in items {
            if roll < *w {
                return *item;
            }
            roll -= w;
        }
        items[items.len() - 1].0
    }

    fn paragraphs(text: &str) -> String {
        text.split("\n\n")
            .map(|p| format!("<div>{}</div>", escape_html(p).replace('\n', "<br>")))
            .collect::<Vec<_>>()
            .join("<div><br></div>")
    }

    fn days(n: i64) -> chrono::Duration {
        chrono::Duration::days(n)
    }

    /// The account: always the API key's agent and the groups; the demo data when `demo`.
    pub(super) fn account(store: &mut Store, demo: bool, now: DateTime<Utc>) {
        let mut rng = StdRng::seed_from_u64(0x00F0_5D35_C0DE);
        let agent_count = if demo { AGENTS.len() } else { 1 };
        let mut agent_ids = Vec::new();
        for (i, (name, email, phone, job, occasional)) in
            AGENTS.iter().take(agent_count).enumerate()
        {
            let id = store.user_id();
            let created = now - days(400 - 20 * i as i64);
            store.agents.insert(
                id,
                Agent {
                    id,
                    name: (*name).to_string(),
                    email: (*email).to_string(),
                    phone: Some((*phone).to_string()),
                    job_title: Some((*job).to_string()),
                    occasional: *occasional,
                    available: !occasional,
                    signature: Some(format!("<div>{name}<br>Sandbox Support</div>")),
                    created_at: created,
                    updated_at: now - days(1),
                },
            );
            agent_ids.push(id);
        }
        store.me = agent_ids[0];
        for (i, (name, description, members)) in GROUPS.iter().enumerate() {
            let id = GROUP_BASE + 1 + i as i64;
            store.groups.insert(
                id,
                Group {
                    id,
                    name: (*name).to_string(),
                    description: (*description).to_string(),
                    agent_ids: members
                        .iter()
                        .filter_map(|m| agent_ids.get(*m).copied())
                        .collect(),
                    created_at: now - days(400),
                    updated_at: now - days(30),
                },
            );
        }
        if demo {
            companies_and_contacts(store, &mut rng, now);
            tickets(store, &mut rng, now);
        }
    }

    fn companies_and_contacts(store: &mut Store, rng: &mut StdRng, now: DateTime<Utc>) {
        let mut company_ids = Vec::new();
        for (name, domain, industry, tier, health) in COMPANIES {
            let id = store.next_company;
            store.next_company += 1;
            let created = now - days(rng.random_range(200..700));
            store.companies.insert(
                id,
                Company {
                    id,
                    name: (*name).to_string(),
                    description: Some(format!("{name}, a {industry} customer")),
                    domains: vec![(*domain).to_string()],
                    note: None,
                    health_score: Some((*health).to_string()),
                    account_tier: Some((*tier).to_string()),
                    renewal_date: Some(now + days(rng.random_range(20..360))),
                    industry: Some((*industry).to_string()),
                    created_at: created,
                    updated_at: created + days(rng.random_range(1..100)),
                },
            );
            company_ids.push((id, *domain));
        }
        for i in 0..60usize {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
            let (company_id, domain) = if i < 50 {
                let (id, domain) = company_ids[i % company_ids.len()];
                (Some(id), domain)
            } else {
                (None, "mail.example")
            };
            let mut email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
            if store.user_by_email(&email).is_some() {
                email = format!(
                    "{}.{}{i}@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase()
                );
            }
            let created = now - days(rng.random_range(95..500));
            let id = store.user_id();
            let mut c = Contact::blank(created);
            c.id = id;
            c.name = format!("{first} {last}");
            c.email = Some(email);
            c.phone = rng
                .random_bool(0.5)
                .then(|| format!("+1 555 01{:02}", 10 + i));
            c.mobile = rng
                .random_bool(0.3)
                .then(|| format!("+1 555 02{:02}", 10 + i));
            c.company_id = company_id;
            c.active = rng.random_bool(0.85);
            c.job_title = Some((*pick(rng, JOBS)).to_string());
            if rng.random_bool(0.1) {
                c.tags.push("vip".into());
            }
            c.updated_at = created + days(rng.random_range(0..90));
            store.contacts.insert(id, c);
        }
    }

    fn tickets(store: &mut Store, rng: &mut StdRng, now: DateTime<Utc>) {
        let contacts: Vec<(i64, String, Option<i64>, Option<String>)> = store
            .contacts
            .values()
            .map(|c| {
                let first = c.name.split(' ').next().unwrap_or("there").to_string();
                (c.id, first, c.company_id, c.email.clone())
            })
            .collect();
        let group_of = |store: &Store, name: &str| {
            store
                .groups
                .values()
                .find(|g| g.name == name)
                .map(|g| (g.id, g.agent_ids.clone()))
        };
        let mut ages: Vec<i64> = (0..300)
            .map(|_| rng.random_range(600..90 * 86_400))
            .collect();
        ages.sort_unstable_by(|a, b| b.cmp(a));
        for (i, age) in ages.into_iter().enumerate() {
            let created = now - chrono::Duration::seconds(age);
            let (requester, first, company_id, email) = pick(rng, &contacts).clone();
            let spam = i % 75 == 13;
            let mut t = Ticket::blank(created);
            t.id = store.next_ticket;
            store.next_ticket += 1;
            t.requester_id = requester;
            t.company_id = company_id;
            t.source = weighted(rng, &[(1, 45), (2, 30), (3, 15), (7, 10)]);
            t.priority = weighted(rng, &[(1, 30), (2, 40), (3, 20), (4, 10)]);
            let body;
            let category;
            if spam {
                let (subject, text) = *pick(rng, SPAM);
                t.subject = subject.to_string();
                body = text.to_string();
                category = "Other";
                t.spam = true;
                t.priority = 1;
            } else {
                let (cat, ty, subject, text, tags) = *pick(rng, TEMPLATES);
                let n = rng.random_range(2..900).to_string();
                t.subject = subject.replace("{n}", &n);
                let company = company_id
                    .and_then(|c| store.companies.get(&c))
                    .map(|c| format!("\n{}", c.name))
                    .unwrap_or_default();
                body = format!(
                    "Hi team,\n\n{}\n\nThanks,\n{first}{company}",
                    text.replace("{n}", &n)
                );
                category = cat;
                t.ticket_type = Some(ty.to_string());
                t.tags = tags.iter().map(|s| s.to_string()).collect();
                if rng.random_bool(0.1) {
                    t.tags.push("vip".into());
                }
                if t.priority >= 3 && rng.random_bool(0.3) {
                    t.tags.push("sla-risk".into());
                }
                t.custom_fields
                    .insert("cf_category".into(), json!(category));
                if category == "Billing" {
                    t.custom_fields.insert(
                        "cf_order_number".into(),
                        json!(format!("ORD-{}", rng.random_range(10_000..99_999))),
                    );
                }
                if rng.random_bool(0.4) {
                    t.custom_fields
                        .insert("cf_affected_users".into(), json!(rng.random_range(1..60)));
                }
            }
            t.description = paragraphs(&body);
            t.description_text = to_text(&t.description);
            if t.source == 1 {
                t.to_emails = Some(vec![SUPPORT_EMAIL.to_string()]);
            }
            let group_name = match category {
                "Billing" => "Billing",
                "Onboarding" => "Onboarding",
                _ if t.priority == 4 && rng.random_bool(0.5) => "Escalations",
                _ => "Technical",
            };
            if !spam && let Some((gid, members)) = group_of(store, group_name) {
                t.group_id = Some(gid);
                if !members.is_empty() && rng.random_bool(0.8) {
                    t.responder_id = Some(*pick(rng, &members));
                }
            }
            if rng.random_bool(0.1) {
                t.watchers.push(store.me);
            }
            let age_days = age / 86_400;
            t.status = if spam {
                2
            } else if age_days < 7 {
                weighted(rng, &[(2, 50), (3, 25), (4, 15), (5, 10)])
            } else if age_days < 30 {
                weighted(rng, &[(2, 30), (3, 20), (4, 25), (5, 25)])
            } else {
                weighted(rng, &[(2, 10), (3, 8), (4, 22), (5, 60)])
            };
            set_sla(&mut t);
            let last = conversations(store, rng, &mut t, &first, email.as_deref(), now);
            let mut updated = last.unwrap_or(created);
            let mut status_at = created;
            if t.status >= 4 {
                let resolved = (updated + chrono::Duration::hours(rng.random_range(1..48)))
                    .min(now - chrono::Duration::minutes(5))
                    .max(created);
                t.stats.resolved_at = Some(resolved);
                status_at = resolved;
                if t.status == 5 {
                    let closed = (resolved + chrono::Duration::hours(rng.random_range(0..72)))
                        .min(now - chrono::Duration::minutes(1))
                        .max(resolved);
                    t.stats.closed_at = Some(closed);
                    status_at = closed;
                }
                updated = updated.max(status_at);
            } else if t.status == 3 {
                status_at = updated;
                t.stats.pending_since = Some(updated);
            }
            t.stats.status_updated_at = Some(status_at);
            t.updated_at = updated;
            let open = matches!(t.status, 2 | 3);
            t.is_escalated = open && t.due_by < now;
            t.fr_escalated = match t.stats.first_responded_at {
                Some(at) => at > t.fr_due_by,
                None => open && t.fr_due_by < now,
            };
            // A few recent tickets are in the trash (visible with filter=deleted).
            if i >= 240 && i % 12 == 5 {
                t.deleted = true;
            }
            store.tickets.insert(t.id, t);
        }
    }

    /// Adds 0-6 conversations; returns the time of the last.
    fn conversations(
        store: &mut Store,
        rng: &mut StdRng,
        t: &mut Ticket,
        first: &str,
        email: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let count = rng.random_range(0..=6);
        let mut at = t.created_at;
        let mut last = None;
        let agents: Vec<(i64, String)> = store
            .agents
            .values()
            .map(|a| (a.id, a.name.split(' ').next().unwrap_or("").to_string()))
            .collect();
        for k in 0..count {
            at += chrono::Duration::minutes(rng.random_range(15..2_880));
            if at > now - chrono::Duration::minutes(2) {
                break;
            }
            // 0 agent reply, 1 customer reply, 2 private note, 3 public note.
            let kind = if k == 0 {
                weighted(rng, &[(0, 70), (2, 30)])
            } else {
                weighted(rng, &[(0, 35), (1, 35), (2, 20), (3, 10)])
            };
            let (agent_id, agent_name) = match t.responder_id {
                Some(r) => agents
                    .iter()
                    .find(|(id, _)| *id == r)
                    .cloned()
                    .unwrap_or_else(|| agents[0].clone()),
                None => pick(rng, &agents).clone(),
            };
            let (text, user_id, incoming, private, source, category) = match kind {
                0 => (
                    pick(rng, AGENT_REPLIES)
                        .replace("{first}", first)
                        .replace("{agent}", &agent_name),
                    agent_id,
                    false,
                    false,
                    0,
                    3,
                ),
                1 => (
                    (*pick(rng, CUSTOMER_REPLIES)).to_string(),
                    t.requester_id,
                    true,
                    false,
                    0,
                    1,
                ),
                2 => (
                    (*pick(rng, PRIVATE_NOTES)).to_string(),
                    agent_id,
                    false,
                    true,
                    2,
                    2,
                ),
                _ => (
                    (*pick(rng, PUBLIC_NOTES)).to_string(),
                    agent_id,
                    false,
                    false,
                    2,
                    2,
                ),
            };
            let body = paragraphs(&text);
            let id = store.next_conversation;
            store.next_conversation += 1;
            let (to_emails, from_email, support_email) = match kind {
                0 => (
                    email.map(str::to_string).into_iter().collect(),
                    Some(SUPPORT_EMAIL.to_string()),
                    Some(SUPPORT_EMAIL.to_string()),
                ),
                1 => (
                    vec![SUPPORT_EMAIL.to_string()],
                    email.map(str::to_string),
                    Some(SUPPORT_EMAIL.to_string()),
                ),
                _ => (Vec::new(), None, None),
            };
            store.conversations.insert(
                id,
                Conversation {
                    id,
                    ticket_id: t.id,
                    body_text: to_text(&body),
                    body,
                    incoming,
                    private,
                    user_id,
                    support_email,
                    source,
                    category,
                    to_emails,
                    from_email,
                    cc_emails: Vec::new(),
                    bcc_emails: Vec::new(),
                    created_at: at,
                    updated_at: at,
                    last_edited_at: None,
                    last_edited_user_id: None,
                },
            );
            match kind {
                0 => {
                    t.stats.agent_responded_at = Some(at);
                    t.stats.first_responded_at.get_or_insert(at);
                }
                1 => t.stats.requester_responded_at = Some(at),
                _ => {}
            }
            last = Some(at);
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::{Client, RequestBuilder, Response as HttpResponse};

    const KEY: &str = "sim-test-key";

    async fn start(seed: bool, requests_per_minute: u32) -> FreshdeskSim {
        FreshdeskSim::start(SimOptions {
            api_key: KEY.into(),
            requests_per_minute,
            seed,
        })
        .await
        .expect("simulator starts")
    }

    struct Api {
        http: Client,
        base: String,
    }

    impl Api {
        fn new(sim: &FreshdeskSim) -> Self {
            Api {
                http: Client::new(),
                base: sim.base_url(),
            }
        }

        fn url(&self, path: &str) -> String {
            format!("{}/api/v2{path}", self.base)
        }

        fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
            self.http
                .request(method, self.url(path))
                .basic_auth(KEY, Some("X"))
        }

        async fn get(&self, path: &str) -> HttpResponse {
            self.req(reqwest::Method::GET, path)
                .send()
                .await
                .expect("sent")
        }

        async fn get_q(&self, path: &str, query: &[(&str, &str)]) -> HttpResponse {
            self.req(reqwest::Method::GET, path)
                .query(query)
                .send()
                .await
                .expect("sent")
        }

        async fn post(&self, path: &str, body: Value) -> HttpResponse {
            self.req(reqwest::Method::POST, path)
                .json(&body)
                .send()
                .await
                .expect("sent")
        }

        async fn put(&self, path: &str, body: Value) -> HttpResponse {
            self.req(reqwest::Method::PUT, path)
                .json(&body)
                .send()
                .await
                .expect("sent")
        }

        async fn delete(&self, path: &str) -> HttpResponse {
            self.req(reqwest::Method::DELETE, path)
                .send()
                .await
                .expect("sent")
        }

        async fn search(&self, kind: &str, expr: &str) -> (u16, Value) {
            let r = self
                .get_q(
                    &format!("/search/{kind}"),
                    &[("query", &format!("\"{expr}\""))],
                )
                .await;
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        }

        /// Creates a ticket; its JSON.
        async fn ticket(&self, body: Value) -> Value {
            let r = self.post("/tickets", body).await;
            assert_eq!(r.status().as_u16(), 201);
            r.json().await.expect("ticket json")
        }
    }

    fn header<'a>(r: &'a HttpResponse, name: &str) -> Option<&'a str> {
        r.headers().get(name).and_then(|v| v.to_str().ok())
    }

    async fn json_of(r: HttpResponse) -> Value {
        r.json().await.expect("json body")
    }

    fn ids(v: &Value) -> Vec<i64> {
        v.as_array()
            .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
            .unwrap_or_default()
    }

    fn basic(subject: &str, status: i64, priority: i64) -> Value {
        json!({
            "subject": subject,
            "description": format!("About {subject}"),
            "status": status,
            "priority": priority,
            "email": "requester@customer.example",
        })
    }

    fn error_entry(body: &Value, field: &str) -> Value {
        body["errors"]
            .as_array()
            .and_then(|errs| errs.iter().find(|e| e["field"] == field).cloned())
            .unwrap_or(Value::Null)
    }

    #[tokio::test]
    async fn auth_requires_the_api_key_and_password_x() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let url = api.url("/tickets");
        let attempts = [
            api.http.get(&url),
            api.http.get(&url).basic_auth("wrong-key", Some("X")),
            api.http.get(&url).basic_auth(KEY, Some("password")),
            api.http.get(&url).basic_auth(KEY, None::<&str>),
            api.http.get(&url).bearer_auth(KEY),
        ];
        for attempt in attempts {
            let r = attempt.send().await.expect("sent");
            assert_eq!(r.status().as_u16(), 401);
            assert_eq!(
                header(&r, "x-freshdesk-api-version"),
                Some("latest=v2; requested=v2")
            );
            assert!(header(&r, "x-request-id").is_some_and(|v| uuid::Uuid::parse_str(v).is_ok()));
            assert_eq!(
                json_of(r).await,
                json!({"code": "invalid_credentials", "message": "You have to be logged in to perform this action."})
            );
        }
        let r = api.get("/tickets").await;
        assert_eq!(r.status().as_u16(), 200);
        assert!(header(&r, "x-request-id").is_some());
        assert_eq!(json_of(r).await, json!([]));
    }

    #[tokio::test]
    async fn ticket_create_get_update_delete_restore() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let (me, name) = sim.agent_me();
        assert_eq!(name, "Ada Support");
        let r = api
            .post(
                "/tickets",
                json!({
                    "subject": "Printer jams on floor 3",
                    "description": "Paper stuck\nin tray 2",
                    "status": 2,
                    "priority": 2,
                    "email": "new.person@customer.example",
                    "name": "New Person",
                    "tags": ["printer"],
                    "custom_fields": {"cf_category": "Hardware"},
                }),
            )
            .await;
        assert_eq!(r.status().as_u16(), 201);
        let location = header(&r, "location").map(str::to_string);
        let t = json_of(r).await;
        let id = t["id"].as_i64().expect("id");
        assert_eq!(
            location,
            Some(format!("{}/api/v2/tickets/{id}", sim.base_url()))
        );
        assert_eq!(t["source"], 2);
        assert_eq!(t["description"], "<div>Paper stuck<br>in tray 2</div>");
        assert_eq!(t["description_text"], "Paper stuck\nin tray 2");
        assert_eq!(t["custom_fields"]["cf_category"], "Hardware");
        assert_eq!(t["custom_fields"]["cf_order_number"], Value::Null);
        assert_eq!(t["deleted"], false);
        let stamp = Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").expect("regex");
        for key in ["created_at", "updated_at", "due_by", "fr_due_by"] {
            assert!(
                stamp.is_match(t[key].as_str().unwrap_or("")),
                "{key}: {}",
                t[key]
            );
        }
        // The unknown email became a contact, as Freshdesk does.
        let contacts = json_of(
            api.get_q("/contacts", &[("email", "new.person@customer.example")])
                .await,
        )
        .await;
        assert_eq!(
            ids(&contacts),
            vec![t["requester_id"].as_i64().expect("rid")]
        );
        assert_eq!(contacts[0]["name"], "New Person");

        let got = json_of(
            api.get(&format!("/tickets/{id}?include=requester,company,stats"))
                .await,
        )
        .await;
        assert_eq!(got["subject"], "Printer jams on floor 3");
        assert_eq!(got["requester"]["email"], "new.person@customer.example");
        assert!(got["stats"].is_object());
        assert!(got.get("conversations").is_none());

        let r = api
            .put(
                &format!("/tickets/{id}"),
                json!({"priority": 4, "status": 4, "responder_id": me}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let updated = json_of(r).await;
        assert_eq!(updated["priority"], 4);
        assert_eq!(updated["status"], 4);
        assert_eq!(updated["responder_id"], me);
        assert_eq!(
            updated["subject"], "Printer jams on floor 3",
            "partial update"
        );
        let stats = json_of(api.get(&format!("/tickets/{id}?include=stats")).await).await;
        assert!(stats["stats"]["resolved_at"].is_string());

        let patch = api
            .req(reqwest::Method::PATCH, &format!("/tickets/{id}"))
            .json(&json!({"priority": 1}))
            .send()
            .await
            .expect("sent");
        assert_eq!(patch.status().as_u16(), 405);
        let bad = json_of(
            api.put(&format!("/tickets/{id}"), json!({"status": 9}))
                .await,
        )
        .await;
        assert_eq!(
            error_entry(&bad, "status"),
            json!({"field": "status", "message": "It should be one of these values: '2,3,4,5'", "code": "invalid_value"})
        );
        let r = api
            .put(
                &format!("/tickets/{id}"),
                json!({"responder_id": 12345, "group_id": 1}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 400);
        let bad = json_of(r).await;
        assert_eq!(error_entry(&bad, "responder_id")["code"], "invalid_value");
        assert_eq!(error_entry(&bad, "group_id")["code"], "invalid_value");

        let r = api.delete(&format!("/tickets/{id}")).await;
        assert_eq!(r.status().as_u16(), 204);
        assert_eq!(r.text().await.expect("body"), "");
        let got = json_of(api.get(&format!("/tickets/{id}")).await).await;
        assert_eq!(got["deleted"], true);
        assert!(ids(&json_of(api.get("/tickets").await).await).is_empty());
        assert_eq!(
            ids(&json_of(api.get("/tickets?filter=deleted").await).await),
            vec![id]
        );
        let r = api
            .put(&format!("/tickets/{id}"), json!({"priority": 1}))
            .await;
        assert_eq!(r.status().as_u16(), 404);
        assert_eq!(
            api.delete(&format!("/tickets/{id}"))
                .await
                .status()
                .as_u16(),
            404
        );

        let r = api
            .req(reqwest::Method::PUT, &format!("/tickets/{id}/restore"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 204);
        let got = json_of(api.get(&format!("/tickets/{id}")).await).await;
        assert_eq!(got["deleted"], false);
        assert_eq!(ids(&json_of(api.get("/tickets").await).await), vec![id]);

        for missing in [
            "/tickets/999999",
            "/tickets/abc",
            "/nothing",
            "/tickets/1/nothing",
        ] {
            let r = api.get(missing).await;
            assert_eq!(r.status().as_u16(), 404, "{missing}");
            assert_eq!(r.text().await.expect("body"), "", "{missing}");
        }
        assert_eq!(sim.ticket_count(), 1);
    }

    #[tokio::test]
    async fn requester_and_reference_validation() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let mut body = basic("Phone ticket", 2, 1);
        let m = body.as_object_mut().expect("object");
        m.remove("email");
        m.insert("phone".into(), json!("+1 555 0199"));
        let r = api.post("/tickets", body.clone()).await;
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(
            error_entry(&json_of(r).await, "name")["code"],
            "missing_field"
        );
        body["name"] = json!("Caller");
        let t = api.ticket(body).await;
        let contact = json_of(api.get(&format!("/contacts/{}", t["requester_id"])).await).await;
        assert_eq!(contact["phone"], "+1 555 0199");
        let mut body = basic("Unknown requester", 2, 1);
        body["requester_id"] = json!(42);
        body.as_object_mut().expect("object").remove("email");
        let bad = json_of(api.post("/tickets", body).await).await;
        assert_eq!(error_entry(&bad, "requester_id")["code"], "invalid_value");
        // A company given explicitly must exist; otherwise it comes from the requester.
        let company = json_of(api.post("/companies", json!({"name": "Initrode"})).await).await;
        let contact = json_of(
            api.post(
                "/contacts",
                json!({"name": "Pat Lee", "email": "pat@initrode.example", "company_id": company["id"]}),
            )
            .await,
        )
        .await;
        let t = api
            .ticket(json!({"subject": "s", "description": "d", "status": 2, "priority": 1, "requester_id": contact["id"]}))
            .await;
        assert_eq!(t["company_id"], company["id"]);
        let r = api
            .put(&format!("/tickets/{}", t["id"]), json!({"company_id": 5}))
            .await;
        assert_eq!(r.status().as_u16(), 400);
    }

    #[tokio::test]
    async fn validation_errors_have_freshdesks_shape() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let r = api.post("/tickets", json!({})).await;
        assert_eq!(r.status().as_u16(), 400);
        let body = json_of(r).await;
        assert_eq!(body["description"], "Validation failed");
        for field in ["subject", "description", "status", "priority"] {
            assert_eq!(
                error_entry(&body, field),
                json!({"field": field, "message": "Mandatory attribute missing", "code": "missing_field"})
            );
        }
        assert_eq!(error_entry(&body, "requester_id")["code"], "missing_field");

        let body = json_of(
            api.post(
                "/tickets",
                json!({
                    "subject": "s", "description": "d", "status": "2", "priority": 7,
                    "email": "someone@customer.example", "colour": "red",
                    "custom_fields": {"cf_category": "Gardening", "cf_nope": 1},
                }),
            )
            .await,
        )
        .await;
        assert_eq!(
            error_entry(&body, "colour"),
            json!({"field": "colour", "message": "Unexpected/invalid field in request", "code": "invalid_field"})
        );
        assert_eq!(
            error_entry(&body, "status"),
            json!({"field": "status", "message": "It should be a/an Integer", "code": "datatype_mismatch"})
        );
        assert_eq!(
            error_entry(&body, "priority"),
            json!({"field": "priority", "message": "It should be one of these values: '1,2,3,4'", "code": "invalid_value"})
        );
        assert_eq!(error_entry(&body, "cf_category")["code"], "invalid_value");
        assert_eq!(error_entry(&body, "cf_nope")["code"], "invalid_field");
        // Nothing was created, not even the requester.
        assert_eq!(sim.ticket_count(), 0);
        let contacts = json_of(api.get("/contacts").await).await;
        assert_eq!(contacts, json!([]));

        let r = api
            .req(reqwest::Method::POST, "/tickets")
            .header("content-type", "application/json")
            .body("{\"subject\": ")
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(json_of(r).await["code"], "invalid_json");
        let r = api
            .req(reqwest::Method::POST, "/tickets")
            .header("content-type", "text/plain")
            .body("subject=x")
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 415);
        let body = json_of(r).await;
        assert!(body["code"].is_string() && body["message"].is_string());
        let r = api.get("/tickets?colour=red").await;
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(
            error_entry(&json_of(r).await, "colour")["code"],
            "invalid_field"
        );
    }

    #[tokio::test]
    async fn list_pagination_sends_link_only_when_another_page_exists() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        for i in 0..3 {
            api.ticket(basic(&format!("Ticket {i}"), 2, 1)).await;
        }
        let r = api.get("/tickets?per_page=3").await;
        assert!(header(&r, "link").is_none());
        assert_eq!(ids(&json_of(r).await).len(), 3);
        let r = api.get("/tickets?per_page=2&order_type=asc").await;
        assert_eq!(
            header(&r, "link"),
            Some(
                format!(
                    "<{}/api/v2/tickets?per_page=2&order_type=asc&page=2>; rel=\"next\"",
                    sim.base_url()
                )
                .as_str()
            )
        );
        assert_eq!(ids(&json_of(r).await), vec![1, 2]);
        let r = api.get("/tickets?per_page=2&order_type=asc&page=2").await;
        assert!(header(&r, "link").is_none());
        assert_eq!(ids(&json_of(r).await), vec![3]);
        // Default order: newest first.
        assert_eq!(
            ids(&json_of(api.get("/tickets").await).await),
            vec![3, 2, 1]
        );

        let r = api.get("/tickets?per_page=101").await;
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(
            error_entry(&json_of(r).await, "per_page")["code"],
            "invalid_value"
        );
        let r = api.get("/tickets?per_page=0").await;
        assert_eq!(r.status().as_u16(), 400);
        let r = api.get("/tickets?page=x").await;
        assert_eq!(
            error_entry(&json_of(r).await, "page")["code"],
            "datatype_mismatch"
        );
    }

    #[tokio::test]
    async fn seeded_list_follows_links_through_the_30_day_window() {
        let sim = start(true, 10_000).await;
        let api = Api::new(&sim);
        let cutoff = Utc::now() - chrono::Duration::days(30);
        let mut url = api.url("/tickets?per_page=25&order_by=updated_at");
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let r = api
                .http
                .get(&url)
                .basic_auth(KEY, Some("X"))
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status().as_u16(), 200);
            let next = header(&r, "link").map(str::to_string);
            let page = json_of(r).await;
            pages += 1;
            for t in page.as_array().expect("array") {
                assert!(t.get("description").is_none(), "lists omit the description");
                let created =
                    parse_time(t["created_at"].as_str().expect("created_at")).expect("timestamp");
                assert!(created >= cutoff - chrono::Duration::minutes(1));
                assert_eq!(t["deleted"], false);
                assert_eq!(t["spam"], false);
            }
            seen.extend(ids(&page));
            let Some(next) = next else { break };
            assert!(next.contains("per_page=25") && next.contains("order_by=updated_at"));
            assert!(next.contains(&format!("page={}", pages + 1)));
            url = next
                .trim_start_matches('<')
                .split('>')
                .next()
                .expect("url")
                .to_string();
        }
        let unique: std::collections::BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no ticket on two pages");
        assert!(seen.len() > 50 && pages >= 3, "{} tickets", seen.len());

        // With updated_since the window does not apply.
        let since = ts(Utc::now() - chrono::Duration::days(120));
        let mut all = 0;
        let mut older = 0;
        for page in 1..=4 {
            let r = api
                .get_q(
                    "/tickets",
                    &[
                        ("updated_since", since.as_str()),
                        ("per_page", "100"),
                        ("page", &page.to_string()),
                        ("include", "description"),
                    ],
                )
                .await;
            let list = json_of(r).await;
            for t in list.as_array().expect("array") {
                assert!(t["description"].is_string());
                let created = parse_time(t["created_at"].as_str().unwrap_or("")).expect("time");
                all += 1;
                if created < cutoff {
                    older += 1;
                }
            }
        }
        assert!(all > seen.len() && older > 100, "{all} {older}");
        // Filters.
        let me = sim.agent_me().0;
        let mine = json_of(
            api.get("/tickets?filter=new_and_my_open&per_page=100")
                .await,
        )
        .await;
        for t in mine.as_array().expect("array") {
            assert_eq!(t["status"], 2);
            assert!(t["responder_id"].is_null() || t["responder_id"] == me);
        }
        let deleted = json_of(api.get("/tickets?filter=deleted").await).await;
        assert!(!ids(&deleted).is_empty());
        assert!(
            deleted
                .as_array()
                .expect("array")
                .iter()
                .all(|t| t["deleted"] == true)
        );
        let r = api.get("/tickets?filter=everything").await;
        assert_eq!(r.status().as_u16(), 400);
    }

    #[tokio::test]
    async fn search_supports_and_or_parentheses_null_ranges_and_ten_pages() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let mut a = basic("A", 2, 3);
        a["tags"] = json!(["vip"]);
        a["custom_fields"] = json!({"cf_category": "Network", "cf_affected_users": 12});
        a["type"] = json!("Incident");
        let a = api.ticket(a).await["id"].as_i64().expect("id");
        let b = api.ticket(basic("B", 3, 3)).await["id"]
            .as_i64()
            .expect("id");
        let mut c = basic("C", 2, 1);
        c["tags"] = json!(["VIP", "printer"]);
        let c = api.ticket(c).await["id"].as_i64().expect("id");
        let d = api.ticket(basic("D", 4, 3)).await["id"]
            .as_i64()
            .expect("id");
        let sorted = |v: &Value| {
            let mut ids = ids(&v["results"]);
            ids.sort_unstable();
            ids
        };
        let today = Utc::now().format("%Y-%m-%d").to_string();
        let cases: Vec<(String, Vec<i64>)> = vec![
            ("priority:3 AND (status:2 OR status:3)".into(), vec![a, b]),
            ("tag:'vip' OR priority:1".into(), vec![a, c]),
            ("status:2 OR status:3 AND priority:1".into(), vec![a, c]),
            ("(status:2 OR status:3) AND priority:1".into(), vec![c]),
            ("category:'Network'".into(), vec![a]),
            ("affected_users:>10".into(), vec![a]),
            ("category:null".into(), vec![b, c, d]),
            ("agent_id:null AND type:'incident'".into(), vec![a]),
            ("priority:>3".into(), vec![a, b, d]),
            ("priority:<1".into(), vec![c]),
            (format!("created_at:>'{today}'"), vec![a, b, c, d]),
            (
                "created_at:<'2001-01-01' OR closed_at:>'2001-01-01'".into(),
                vec![],
            ),
            (format!("status:4 AND updated_at:'{today}'"), vec![d]),
        ];
        for (expr, want) in cases {
            let (status, body) = api.search("tickets", &expr).await;
            assert_eq!(status, 200, "{expr}: {body}");
            assert_eq!(sorted(&body), want, "{expr}");
            assert_eq!(body["total"], want.len(), "{expr}");
        }
        let r = api
            .get_q(
                "/search/tickets",
                &[("query", "\"status:2\""), ("page", "11")],
            )
            .await;
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(
            error_entry(&json_of(r).await, "page")["code"],
            "invalid_value"
        );
        let r = api
            .get_q(
                "/search/tickets",
                &[("query", "\"status:2\""), ("page", "10")],
            )
            .await;
        let body = json_of(r).await;
        assert_eq!(body["total"], 2);
        assert_eq!(body["results"], json!([]));
        for bad in [
            "status:2 AND",
            "priority:",
            "colour:2",
            "priority:'3'",
            "status:2 and priority:1",
            "(status:2",
            "tag:>'vip'",
            "created_at:'yesterday'",
        ] {
            let (status, body) = api.search("tickets", bad).await;
            assert_eq!(status, 400, "{bad}");
            assert_eq!(
                error_entry(&body, "query")["code"],
                "invalid_value",
                "{bad}"
            );
        }
        let r = api.get_q("/search/tickets", &[("query", "status:2")]).await;
        assert_eq!(
            r.status().as_u16(),
            400,
            "the expression must be in double quotes"
        );
        let long = format!("\"{}\"", vec!["status:2"; 80].join(" OR "));
        let r = api
            .get_q("/search/tickets", &[("query", long.as_str())])
            .await;
        assert_eq!(r.status().as_u16(), 400, "longer than 512 characters");
        // Deleted tickets are not found.
        api.delete(&format!("/tickets/{a}")).await;
        assert_eq!(api.search("tickets", "priority:3").await.1["total"], 2);
    }

    #[tokio::test]
    async fn seeded_search_pages_by_thirty() {
        let sim = start(true, 10_000).await;
        let api = Api::new(&sim);
        let (_, first) = api.search("tickets", "status:4 OR status:5").await;
        let total = first["total"].as_u64().expect("total");
        assert!(total > 60, "{total}");
        assert_eq!(first["results"].as_array().map(Vec::len), Some(30));
        let r = api
            .get_q(
                "/search/tickets",
                &[("query", "\"status:4 OR status:5\""), ("page", "2")],
            )
            .await;
        let second = json_of(r).await;
        assert_eq!(second["total"], total);
        let overlap = ids(&first["results"])
            .into_iter()
            .filter(|id| ids(&second["results"]).contains(id))
            .count();
        assert_eq!(overlap, 0);
        let (_, billing) = api
            .search("tickets", "category:'Billing' AND group_id:43000050001")
            .await;
        assert!(billing["total"].as_u64().unwrap_or(0) > 0);
        let (_, people) = api
            .search(
                "contacts",
                "company_id:43000070001 AND email:'olivia.patel@northwind.example'",
            )
            .await;
        assert_eq!(people["total"], 1);
        let (_, companies) = api.search("companies", "domain:'globex.example'").await;
        assert_eq!(companies["results"][0]["name"], "Globex Logistics");
    }

    #[tokio::test]
    async fn contacts_and_companies_are_unique() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let r = api
            .post(
                "/contacts",
                json!({"name": "Rae Chen", "email": "rae@customer.example"}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 201);
        let id = json_of(r).await["id"].as_i64().expect("id");
        let r = api
            .post(
                "/contacts",
                json!({"name": "Rae C.", "email": "RAE@customer.example"}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 409);
        let body = json_of(r).await;
        assert_eq!(body["description"], "Validation failed");
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["errors"][0]["code"], "duplicate_value");
        assert_eq!(body["errors"][0]["additional_info"]["user_id"], id);
        let r = api
            .post("/contacts", json!({"name": "No Way To Reach"}))
            .await;
        assert_eq!(r.status().as_u16(), 400);
        let r = api
            .post("/contacts", json!({"email": "x@customer.example"}))
            .await;
        assert_eq!(
            error_entry(&json_of(r).await, "name")["code"],
            "missing_field"
        );
        let r = api
            .post("/contacts", json!({"name": "Bad", "email": "not-an-email"}))
            .await;
        assert_eq!(
            error_entry(&json_of(r).await, "email")["code"],
            "invalid_value"
        );

        let r = api
            .put(
                &format!("/contacts/{id}"),
                json!({"job_title": "CTO", "mobile": "+1 555 0123"}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let c = json_of(r).await;
        assert_eq!(c["job_title"], "CTO");
        assert_eq!(c["email"], "rae@customer.example");
        assert_eq!(
            ids(&json_of(api.get("/contacts?mobile=%2B1%20555%200123").await).await),
            vec![id]
        );
        assert_eq!(
            api.delete(&format!("/contacts/{id}"))
                .await
                .status()
                .as_u16(),
            204
        );
        assert!(ids(&json_of(api.get("/contacts").await).await).is_empty());
        assert_eq!(
            ids(&json_of(api.get("/contacts?state=deleted").await).await),
            vec![id]
        );
        assert_eq!(
            json_of(api.get(&format!("/contacts/{id}")).await).await["deleted"],
            true
        );

        let r = api
            .post(
                "/companies",
                json!({"name": "Acme", "domains": ["acme.example"]}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 201);
        assert!(header(&r, "location").is_some_and(|l| l.contains("/api/v2/companies/")));
        let acme = json_of(r).await["id"].as_i64().expect("id");
        let r = api.post("/companies", json!({"name": "ACME"})).await;
        assert_eq!(r.status().as_u16(), 409);
        let body = json_of(r).await;
        assert_eq!(body["errors"][0]["code"], "duplicate_value");
        assert_eq!(body["errors"][0]["field"], "name");
        let r = api
            .post(
                "/companies",
                json!({"name": "Other", "account_tier": "Gold"}),
            )
            .await;
        assert_eq!(
            error_entry(&json_of(r).await, "account_tier")["code"],
            "invalid_value"
        );
        let r = api
            .put(
                &format!("/companies/{acme}"),
                json!({"note": "Key account"}),
            )
            .await;
        assert_eq!(json_of(r).await["note"], "Key account");
        assert_eq!(
            api.delete(&format!("/companies/{acme}"))
                .await
                .status()
                .as_u16(),
            204
        );
        assert_eq!(
            api.get(&format!("/companies/{acme}"))
                .await
                .status()
                .as_u16(),
            404
        );
    }

    #[tokio::test]
    async fn conversations_reply_note_list_update_delete() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let (me, _) = sim.agent_me();
        let id = api.ticket(basic("VPN drops", 2, 2)).await["id"]
            .as_i64()
            .expect("id");
        let r = api
            .post(
                &format!("/tickets/{id}/reply"),
                json!({"body": "We're on it"}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 201);
        let reply = json_of(r).await;
        assert_eq!(reply["body"], "<div>We're on it</div>");
        assert_eq!(reply["body_text"], "We're on it");
        assert_eq!(
            (
                reply["private"].clone(),
                reply["incoming"].clone(),
                reply["source"].clone()
            ),
            (json!(false), json!(false), json!(0))
        );
        assert_eq!(reply["user_id"], me);
        assert_eq!(reply["to_emails"], json!(["requester@customer.example"]));
        let note = json_of(
            api.post(
                &format!("/tickets/{id}/notes"),
                json!({"body": "Check the router logs"}),
            )
            .await,
        )
        .await;
        assert_eq!(
            (
                note["private"].clone(),
                note["incoming"].clone(),
                note["source"].clone()
            ),
            (json!(true), json!(false), json!(2))
        );
        let public = json_of(
            api.post(
                &format!("/tickets/{id}/notes"),
                json!({"body": "Visible", "private": false, "incoming": true}),
            )
            .await,
        )
        .await;
        assert_eq!(public["private"], false);
        assert_eq!(public["incoming"], true);
        let r = api.post(&format!("/tickets/{id}/notes"), json!({})).await;
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(
            error_entry(&json_of(r).await, "body")["code"],
            "missing_field"
        );
        let r = api
            .post(
                &format!("/tickets/{id}/reply"),
                json!({"body": "x", "user_id": 1}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(
            api.post("/tickets/777/reply", json!({"body": "x"}))
                .await
                .status()
                .as_u16(),
            404
        );
        for i in 0..9 {
            api.post(
                &format!("/tickets/{id}/notes"),
                json!({"body": format!("note {i}")}),
            )
            .await;
        }
        let t = json_of(
            api.get(&format!("/tickets/{id}?include=conversations,stats"))
                .await,
        )
        .await;
        let embedded = ids(&t["conversations"]);
        assert_eq!(embedded.len(), 10, "only the oldest 10");
        assert_eq!(embedded[0], reply["id"].as_i64().expect("id"));
        assert!(t["stats"]["first_responded_at"].is_string());
        let r = api
            .get(&format!("/tickets/{id}/conversations?per_page=5"))
            .await;
        assert!(header(&r, "link").is_some_and(|l| l.contains("page=2")));
        assert_eq!(ids(&json_of(r).await).len(), 5);
        let r = api
            .get(&format!("/tickets/{id}/conversations?per_page=5&page=3"))
            .await;
        assert!(header(&r, "link").is_none());
        assert_eq!(ids(&json_of(r).await).len(), 2);

        let note_id = note["id"].as_i64().expect("id");
        let r = api
            .put(
                &format!("/conversations/{note_id}"),
                json!({"body": "Edited"}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let edited = json_of(r).await;
        assert_eq!(edited["body"], "<div>Edited</div>");
        assert!(edited["last_edited_at"].is_string());
        assert_eq!(
            api.delete(&format!("/conversations/{note_id}"))
                .await
                .status()
                .as_u16(),
            204
        );
        assert_eq!(
            api.delete(&format!("/conversations/{note_id}"))
                .await
                .status()
                .as_u16(),
            404
        );
        let all = json_of(
            api.get(&format!("/tickets/{id}/conversations?per_page=100"))
                .await,
        )
        .await;
        assert_eq!(ids(&all).len(), 11);
    }

    #[tokio::test]
    async fn agents_groups_and_ticket_fields() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        let (me, name) = sim.agent_me();
        let agent = json_of(api.get("/agents/me").await).await;
        assert_eq!(agent["id"], me);
        assert_eq!(agent["contact"]["name"], name);
        assert_eq!(agent["contact"]["email"], "ada@sandbox.example");
        assert_eq!(ids(&json_of(api.get("/agents").await).await), vec![me]);
        assert_eq!(
            json_of(api.get(&format!("/agents/{me}")).await).await["id"],
            me
        );
        let groups = json_of(api.get("/groups").await).await;
        let names: Vec<&str> = groups
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|g| g["name"].as_str())
            .collect();
        assert_eq!(names, ["Billing", "Technical", "Onboarding", "Escalations"]);
        assert!(
            groups[0]["agent_ids"]
                .as_array()
                .is_some_and(|a| a.contains(&json!(me)))
        );
        let gid = groups[1]["id"].as_i64().expect("id");
        assert_eq!(
            json_of(api.get(&format!("/groups/{gid}")).await).await["name"],
            "Technical"
        );

        let fields = json_of(api.get("/ticket_fields").await).await;
        let by_type = |ty: &str| {
            fields
                .as_array()
                .and_then(|f| f.iter().find(|x| x["type"] == ty).cloned())
                .unwrap_or(Value::Null)
        };
        assert_eq!(
            by_type("default_status")["choices"],
            json!({
                "2": ["Open", "Being Processed"],
                "3": ["Pending", "Awaiting your Reply"],
                "4": ["Resolved", "This ticket has been Resolved"],
                "5": ["Closed", "This ticket has been Closed"],
            })
        );
        assert_eq!(
            by_type("default_priority")["choices"],
            json!({"Low": 1, "Medium": 2, "High": 3, "Urgent": 4})
        );
        assert!(by_type("default_source")["choices"].is_object());
        assert!(by_type("default_ticket_type")["choices"].is_array());
        let dropdown = by_type("custom_dropdown");
        assert_eq!(dropdown["name"], "cf_category");
        assert!(
            dropdown["choices"]
                .as_array()
                .is_some_and(|c| c.contains(&json!("Network")))
        );
        let only = json_of(api.get("/ticket_fields?type=default_status").await).await;
        assert_eq!(only.as_array().map(Vec::len), Some(1));
    }

    #[tokio::test]
    async fn seed_is_deterministic_and_realistic() {
        let one = start(true, 0).await;
        let two = start(true, 0).await;
        let summary = |sim: &FreshdeskSim| {
            let s = lock(&sim.shared.store);
            let tickets: Vec<(i64, String, i64, i64, Option<i64>)> = s
                .tickets
                .values()
                .map(|t| {
                    (
                        t.id,
                        t.subject.clone(),
                        t.status,
                        t.priority,
                        t.responder_id,
                    )
                })
                .collect();
            (tickets, s.conversations.len(), s.contacts.len())
        };
        assert_eq!(summary(&one), summary(&two));
        assert_eq!(one.agent_me(), (USER_BASE + 1, "Ada Support".to_string()));
        let s = lock(&one.shared.store);
        assert_eq!(s.agents.len(), 6);
        assert_eq!(s.groups.len(), 4);
        assert_eq!(s.companies.len(), 12);
        assert_eq!(s.contacts.len(), 60);
        assert_eq!(s.tickets.len(), 300);
        assert!(
            s.contacts
                .values()
                .filter(|c| c.company_id.is_some())
                .count()
                >= 45
        );
        let now = Utc::now();
        let old = s
            .tickets
            .values()
            .filter(|t| t.created_at < now - chrono::Duration::days(30))
            .count();
        assert!(old > 150 && old < 250, "{old}");
        assert!(
            s.tickets
                .values()
                .all(|t| t.created_at > now - chrono::Duration::days(91))
        );
        for status in 2..=5 {
            assert!(s.tickets.values().any(|t| t.status == status));
        }
        assert!(s.tickets.values().any(|t| t.spam));
        assert!(s.tickets.values().any(|t| t.deleted));
        let mut per_ticket: BTreeMap<i64, usize> = BTreeMap::new();
        for c in s.conversations.values() {
            *per_ticket.entry(c.ticket_id).or_default() += 1;
        }
        assert!(per_ticket.values().all(|n| *n <= 6));
        assert!(s.conversations.values().any(|c| c.private));
        assert!(s.conversations.values().any(|c| c.incoming));
        assert!(s.tickets.values().all(|t| !t.subject.contains("{n}")));
    }

    #[tokio::test]
    async fn rate_limit_headers_and_429_without_them() {
        let sim = start(false, 5).await;
        let api = Api::new(&sim);
        let r = api.get("/tickets").await;
        assert_eq!(header(&r, "x-ratelimit-total"), Some("5"));
        assert_eq!(header(&r, "x-ratelimit-remaining"), Some("4"));
        assert_eq!(header(&r, "x-ratelimit-used-currentrequest"), Some("1"));
        // Each include costs one more; 4xx answers count too.
        let r = api.get("/tickets/999?include=requester,stats").await;
        assert_eq!(r.status().as_u16(), 404);
        assert_eq!(header(&r, "x-ratelimit-used-currentrequest"), Some("3"));
        assert_eq!(header(&r, "x-ratelimit-remaining"), Some("1"));
        let r = api
            .http
            .get(api.url("/tickets"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 401);
        assert_eq!(header(&r, "x-ratelimit-remaining"), Some("0"));
        let r = api.get("/tickets").await;
        assert_eq!(r.status().as_u16(), 429);
        let wait: u64 = header(&r, "retry-after")
            .and_then(|v| v.parse().ok())
            .expect("Retry-After seconds");
        assert!((1..=60).contains(&wait), "{wait}");
        for name in [
            "x-ratelimit-total",
            "x-ratelimit-remaining",
            "x-ratelimit-used-currentrequest",
        ] {
            assert!(r.headers().get(name).is_none(), "{name} on a 429");
        }
        assert_eq!(
            header(&r, "x-freshdesk-api-version"),
            Some("latest=v2; requested=v2")
        );
        assert_eq!(
            json_of(r).await,
            json!({"message": "You have exceeded the limit of requests per minute"})
        );
        // The refused request changed nothing and was still seen.
        assert_eq!(
            api.post("/tickets", basic("x", 2, 1))
                .await
                .status()
                .as_u16(),
            429
        );
        assert_eq!(sim.ticket_count(), 0);
        assert_eq!(sim.requests("GET", "/tickets"), 4);
        assert_eq!(sim.requests("*", "/api/v2/"), 5);
    }

    #[tokio::test]
    async fn injected_status_is_answered_without_processing() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        sim.inject(
            "POST",
            "/tickets",
            SimFault::Status {
                code: 503,
                retry_after: Some(7),
                body: Some("{\"code\":\"service_unavailable\",\"message\":\"try later\"}".into()),
            },
        );
        let r = api.post("/tickets", basic("x", 2, 1)).await;
        assert_eq!(r.status().as_u16(), 503);
        assert_eq!(header(&r, "retry-after"), Some("7"));
        assert_eq!(json_of(r).await["code"], "service_unavailable");
        assert_eq!(sim.ticket_count(), 0);
        let r = api.post("/tickets", basic("x", 2, 1)).await;
        assert_eq!(r.status().as_u16(), 201, "a fault fires once");
        assert_eq!(sim.ticket_count(), 1);
        // Method and prefix must both match.
        sim.inject(
            "get",
            "/api/v2/tickets/",
            SimFault::Status {
                code: 500,
                retry_after: None,
                body: None,
            },
        );
        assert_eq!(api.get("/tickets").await.status().as_u16(), 200);
        let r = api.get("/tickets/1").await;
        assert_eq!(r.status().as_u16(), 500);
        assert_eq!(r.text().await.expect("body"), "");
        assert_eq!(sim.requests("POST", "/tickets"), 2);
        assert_eq!(sim.requests("GET", "/tickets/"), 1);
    }

    #[tokio::test]
    async fn stall_after_commit_times_the_client_out_after_the_change() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        sim.inject(
            "POST",
            "/tickets",
            SimFault::StallAfterCommit(Duration::from_secs(5)),
        );
        let impatient = Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .expect("client");
        let err = impatient
            .post(api.url("/tickets"))
            .basic_auth(KEY, Some("X"))
            .json(&basic("Stalled", 2, 1))
            .send()
            .await
            .expect_err("times out");
        assert!(err.is_timeout(), "{err}");
        assert_eq!(
            sim.ticket_count(),
            1,
            "the ticket was created before the stall"
        );
        let list = json_of(api.get("/tickets").await).await;
        assert_eq!(list[0]["subject"], "Stalled");
    }

    #[tokio::test]
    async fn drop_after_commit_breaks_the_connection_after_the_change() {
        let sim = start(false, 1000).await;
        let api = Api::new(&sim);
        // Warm the pool so the dropped request reuses a connection.
        assert_eq!(api.get("/tickets").await.status().as_u16(), 200);
        sim.inject("POST", "/tickets", SimFault::DropAfterCommit);
        let err = api
            .req(reqwest::Method::POST, "/tickets")
            .json(&basic("Dropped", 2, 1))
            .send()
            .await
            .expect_err("connection dropped");
        assert!(!err.is_timeout(), "{err}");
        assert_eq!(
            sim.ticket_count(),
            1,
            "the ticket was created before the drop"
        );
        assert_eq!(
            sim.requests("POST", "/tickets"),
            1,
            "not resent by the client"
        );
        // The server keeps serving other connections.
        let list = json_of(api.get("/tickets").await).await;
        assert_eq!(list[0]["subject"], "Dropped");
    }

    #[tokio::test]
    async fn dropping_the_simulator_stops_it() {
        let sim = start(false, 1000).await;
        let base = sim.base_url();
        let http = Client::new();
        let ok = http
            .get(format!("{base}/api/v2/groups"))
            .basic_auth(KEY, Some("X"))
            .send()
            .await
            .expect("sent");
        assert_eq!(ok.status().as_u16(), 200);
        drop(sim);
        let mut refused = false;
        for _ in 0..50 {
            let fresh = Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client");
            if fresh
                .get(format!("{base}/api/v2/groups"))
                .basic_auth(KEY, Some("X"))
                .send()
                .await
                .is_err()
            {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(refused, "still serving after drop");
    }

    #[test]
    fn html_and_text_helpers() {
        assert_eq!(to_html("a & b\nc"), "<div>a &amp; b<br>c</div>");
        assert_eq!(to_html("<p>kept</p>"), "<p>kept</p>");
        assert_eq!(
            to_text("<div>Hi&nbsp;there,</div><div><br></div><div>Line &amp; more</div>"),
            "Hi there,\n\nLine & more"
        );
        assert_eq!(
            parse_time("2024-01-19"),
            Utc.with_ymd_and_hms(2024, 1, 19, 0, 0, 0).single()
        );
        assert_eq!(
            parse_time("2024-01-19T10:11:12.345+02:00"),
            Utc.with_ymd_and_hms(2024, 1, 19, 8, 11, 12).single()
        );
        assert!(parse_time("soon").is_none());
        assert!(matches_request("*", "/tickets", "PUT", "/api/v2/tickets/3"));
        assert!(!matches_request(
            "GET",
            "/tickets/",
            "GET",
            "/api/v2/tickets"
        ));
        assert!(matches_request(
            "post",
            "/api/v2/tickets",
            "POST",
            "/api/v2/tickets"
        ));
    }
}
