//! Tokens as Daktela hands them out: `POST login.json` (username and password, from a JSON or
//! form body or the query; `only_token=1` answers the bare access token), `PUT login.json`
//! (a refresh token, good once, for a fresh pair), access tokens that expire after the
//! configured lifetime on tokio's clock, and the account's static token that never expires.
//!
//! Owns: [`Tokens`] and where a request's token is read (`X-AUTH-TOKEN`, then `accessToken`,
//! then the `c_user` cookie). Must not: log or echo passwords or tokens, or compare secrets in
//! anything but constant time.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::envelope::{self, ApiError, BAD_LOGIN, BAD_REFRESH, INVALID_TOKEN};
use crate::sandbox::kit::lock;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::text::random_string;

const ALPHABET: &[u8] = b"abcdef0123456789";

#[derive(Default)]
struct State {
    /// Access token → when it expires.
    access: HashMap<String, Instant>,
    /// Refresh tokens not used yet.
    refresh: HashSet<String>,
    logins: usize,
    refreshes: usize,
}

/// The account and the tokens issued for it.
pub(super) struct Tokens {
    username: String,
    password: String,
    static_token: String,
    ttl: Duration,
    state: Mutex<State>,
}

fn same(a: &str, b: &str) -> bool {
    verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// A login or refresh body's fields: a JSON object's string, number or boolean members, or
/// form fields; the query's fields fill in what the body lacks.
fn fields(body: &[u8], query: &Query) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = query.pairs().iter().cloned().collect();
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            for (k, v) in map {
                let v = match v {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                out.insert(k, v);
            }
        }
        _ => {
            let text = std::str::from_utf8(body).unwrap_or("");
            out.extend(Query::parse(Some(text)).pairs().iter().cloned());
        }
    }
    out
}

/// The token a request carries: the header, the query parameter, then the cookie.
pub(super) fn token_of(headers: &HeaderMap, query: &Query) -> Option<String> {
    if let Some(t) = headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
        return Some(t.trim().to_string());
    }
    if let Some(t) = query.get("accessToken") {
        return Some(t.to_string());
    }
    let cookies = headers.get(COOKIE).and_then(|v| v.to_str().ok())?;
    cookies.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == "c_user").then(|| v.to_string())
    })
}

impl Tokens {
    pub(super) fn new(
        username: String,
        password: String,
        static_token: String,
        ttl: Duration,
    ) -> Self {
        Tokens {
            username,
            password,
            static_token,
            ttl,
            state: Mutex::new(State::default()),
        }
    }

    pub(super) fn username(&self) -> &str {
        &self.username
    }

    pub(super) fn logins(&self) -> usize {
        lock(&self.state).logins
    }

    pub(super) fn refreshes(&self) -> usize {
        lock(&self.state).refreshes
    }

    pub(super) fn expire_all(&self) {
        let now = Instant::now();
        for at in lock(&self.state).access.values_mut() {
            *at = now;
        }
    }

    /// `Ok` for the static token or an access token not expired yet.
    pub(super) fn check(&self, token: Option<&str>) -> Result<(), ApiError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(ApiError::unauthorized(INVALID_TOKEN));
        };
        if !self.static_token.is_empty() && same(token, &self.static_token) {
            return Ok(());
        }
        let state = lock(&self.state);
        match state.access.get(token) {
            Some(at) if Instant::now() < *at => Ok(()),
            _ => Err(ApiError::unauthorized(INVALID_TOKEN)),
        }
    }

    /// A fresh access and refresh token pair, recorded.
    fn issue(&self, state: &mut State) -> (String, String) {
        let access = random_string(32, ALPHABET);
        let refresh = random_string(32, ALPHABET);
        state
            .access
            .insert(access.clone(), Instant::now() + self.ttl);
        state.refresh.insert(refresh.clone());
        (access, refresh)
    }

    /// `POST login.json`.
    pub(super) fn login(&self, body: &[u8], query: &Query) -> Reply {
        let f = fields(body, query);
        let user_ok = f.get("username").is_some_and(|u| same(u, &self.username));
        let pass_ok = f.get("password").is_some_and(|p| same(p, &self.password));
        if !(user_ok && pass_ok) {
            return ApiError::unauthorized(BAD_LOGIN).into_reply();
        }
        let only_token = f
            .get("only_token")
            .is_some_and(|v| matches!(v.as_str(), "1" | "true"));
        let mut state = lock(&self.state);
        state.logins += 1;
        let (access, refresh) = self.issue(&mut state);
        if only_token {
            return envelope::ok(json!(access));
        }
        envelope::ok(self.pair(access, refresh))
    }

    /// `PUT login.json`: a refresh token not used yet gives a new pair and is then spent.
    pub(super) fn refresh(&self, body: &[u8], query: &Query) -> Reply {
        let f = fields(body, query);
        let mut state = lock(&self.state);
        let Some(token) = f.get("refreshToken").filter(|t| state.refresh.contains(*t)) else {
            return ApiError::unauthorized(BAD_REFRESH).into_reply();
        };
        state.refresh.remove(token);
        state.refreshes += 1;
        let (access, refresh) = self.issue(&mut state);
        envelope::ok(self.pair(access, refresh))
    }

    fn pair(&self, access: String, refresh: String) -> Value {
        json!({
            "accessToken": access,
            "refreshToken": refresh,
            "accessTokenExpiration": self.ttl.as_secs(),
            "user": self.username,
        })
    }
}
