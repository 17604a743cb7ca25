//! Django's request cycle: the parsed request ([`Cx`]) with its session and CSRF cookie, the
//! answer's security headers and cookies, and Django's error pages and `JsonResponse`.
//!
//! Must not: decide what a URL does (that is [`super::routes`]) or check a request's CSRF token
//! (that is [`super::csrf_check`]); it only reads and carries the session and the CSRF secret.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::header::{
    CONTENT_TYPE, HeaderMap, HeaderName, LOCATION, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use super::csrf::{CSRF_CHARS, check_token_format, mask_secret, unmask_token};
use super::encoding::{http_date, iri_to_uri, percent_decode, py_json};
use super::multipart::parse_multipart;
use super::state::{Db, HttpSession};
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::{Reply, status};
use crate::sandbox::kit::request::content_mime;
use crate::sandbox::kit::text::random_string;

pub(super) const JSON_TYPE: &str = "application/json";
pub(super) const SESSION_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const CSRF_COOKIE_AGE: i64 = 31_449_600;
const SESSION_COOKIE_AGE: i64 = 1_209_600;
const NOT_FOUND_DETAILS: &str = "The requested resource was not found on this server.";
const EXPIRED_SESSION_COOKIE: &str =
    "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax";
/// What `SecurityMiddleware` and `XFrameOptionsMiddleware` add to every answer.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (X_FRAME_OPTIONS, "DENY"),
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (REFERRER_POLICY, "same-origin"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Django's answers (on top of the kit's [`Reply`]).
impl Reply {
    /// Django's JsonResponse: `json.dumps` defaults (", ", ": ", ASCII only).
    pub(super) fn django_json(code: u16, v: &Value) -> Reply {
        Reply::raw(status(code), Some(JSON_TYPE.to_string()), py_json(v))
    }

    pub(super) fn redirect(code: u16, location: &str) -> Reply {
        Reply::html(status(code), "").header(LOCATION, iri_to_uri(location))
    }

    /// 405 with an empty HTML body and the methods the view allows.
    pub(super) fn method_not_allowed(allow: &'static str) -> Reply {
        Reply::html(StatusCode::METHOD_NOT_ALLOWED, "").header(axum::http::header::ALLOW, allow)
    }
}

/// Django's plain error page (`DEBUG = False`).
pub(super) fn error_page(title: &str, details: &str) -> String {
    format!(
        include_str!("templates/error.html"),
        title = title,
        details = details
    )
}

pub(super) fn not_found_html() -> Reply {
    Reply::html(
        StatusCode::NOT_FOUND,
        error_page("Not Found", NOT_FOUND_DETAILS),
    )
}

pub(super) fn server_error_html() -> Reply {
    Reply::html(
        StatusCode::INTERNAL_SERVER_ERROR,
        error_page("Server Error (500)", ""),
    )
}

pub(super) fn bad_request_html() -> Reply {
    Reply::html(StatusCode::BAD_REQUEST, error_page("Bad Request (400)", ""))
}

pub(super) fn detail(msg: &str) -> Value {
    json!({ "detail": msg })
}

/// The parsed request plus what the response must carry (session and CSRF cookies).
pub(super) struct Cx {
    pub(super) method: Method,
    /// Percent-decoded, as Django's `path_info`.
    pub(super) path: String,
    pub(super) raw_path: String,
    pub(super) raw_query: Option<String>,
    pub(super) query: Query,
    pub(super) headers: HeaderMap,
    pub(super) cookies: HashMap<String, String>,
    pub(super) body: Bytes,
    pub(super) host: String,
    /// The current HTTP session's key, if it exists server-side.
    pub(super) session_key: Option<String>,
    had_session_cookie: bool,
    pub(super) session_dirty: bool,
    session_flushed: bool,
    /// The CSRF secret `get_token()` hands out (`request.META["CSRF_COOKIE"]`).
    csrf_secret: Option<String>,
    csrf_send: bool,
}

impl Cx {
    pub(super) fn new(parts: &Parts, body: Bytes, db: &Db) -> Cx {
        let raw_path = parts.uri.path().to_string();
        let path = percent_decode(&raw_path);
        let raw_query = parts.uri.query().map(str::to_string);
        let query = Query::parse(raw_query.as_deref());
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

    pub(super) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// `QueryDict.get`: the last value.
    pub(super) fn query_get(&self, key: &str) -> Option<String> {
        self.query.get(key).map(str::to_string)
    }

    pub(super) fn content_type(&self) -> String {
        self.header(CONTENT_TYPE.as_str()).unwrap_or_default()
    }

    pub(super) fn media_type(&self) -> String {
        content_mime(&self.headers)
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

    pub(super) fn form_value(&self, key: &str) -> Option<String> {
        self.form_pairs()
            .into_iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub(super) fn is_unsafe(&self) -> bool {
        !matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        )
    }

    pub(super) fn full_path(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{}?{}", self.raw_path, q),
            None => self.raw_path.clone(),
        }
    }

    /// `request.build_absolute_uri(path)`.
    pub(super) fn absolute(&self, path: &str) -> String {
        format!("http://{}{}", self.host, path)
    }

    pub(super) fn session<'a>(&self, db: &'a Db) -> Option<&'a HttpSession> {
        self.session_key.as_ref().and_then(|k| db.sessions.get(k))
    }

    /// Django's `request.user` from the session (AuthenticationMiddleware).
    pub(super) fn session_user(&self, db: &Db) -> Option<u64> {
        let uid = self.session(db)?.user?;
        db.user(uid).filter(|u| u.active).map(|u| u.id)
    }

    /// The request's session, created (with a new key) when there is none.
    pub(super) fn ensure_session<'a>(&mut self, db: &'a mut Db) -> &'a mut HttpSession {
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
    pub(super) fn flush_session(&mut self, db: &mut Db) {
        if let Some(k) = self.session_key.take() {
            db.sessions.remove(&k);
        }
        self.session_flushed = true;
        self.session_dirty = false;
    }

    /// `django.middleware.csrf.get_token`: the masked token; the cookie goes out with the answer.
    pub(super) fn get_token(&mut self) -> String {
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
    pub(super) fn rotate_csrf(&mut self) {
        self.csrf_secret = Some(random_string(32, CSRF_CHARS));
        self.csrf_send = true;
    }

    /// The reply with Django's security headers and the session and CSRF cookies.
    pub(super) fn finish(self, reply: Reply) -> Reply {
        let mut reply = SECURITY_HEADERS
            .into_iter()
            .fold(reply, |r, (name, value)| r.header(name, value));
        for cookie in self.cookies_to_set() {
            reply = reply.header(SET_COOKIE, cookie);
        }
        reply
    }

    /// The `Set-Cookie` values the answer carries: the CSRF cookie, then the session's.
    fn cookies_to_set(&self) -> Vec<String> {
        let at = Utc::now();
        let mut cookies = Vec::new();
        if self.csrf_send
            && let Some(secret) = &self.csrf_secret
        {
            let expires = http_date(at + TimeDelta::seconds(CSRF_COOKIE_AGE));
            cookies.push(format!(
                "csrftoken={secret}; expires={expires}; Max-Age={CSRF_COOKIE_AGE}; Path=/; \
                 SameSite=Lax"
            ));
        }
        match &self.session_key {
            Some(k) if self.session_dirty => {
                let expires = http_date(at + TimeDelta::seconds(SESSION_COOKIE_AGE));
                cookies.push(format!(
                    "sessionid={k}; expires={expires}; HttpOnly; Max-Age={SESSION_COOKIE_AGE}; \
                     Path=/; SameSite=Lax"
                ));
            }
            None if self.session_flushed && self.had_session_cookie => {
                cookies.push(EXPIRED_SESSION_COOKIE.to_string());
            }
            _ => {}
        }
        cookies
    }
}

pub(super) fn new_session_key(db: &Db) -> String {
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
