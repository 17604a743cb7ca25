//! Reading the request headers every simulator looks at: Basic credentials, `Accept` and the
//! body's media type.
//!
//! Owns: parsing those headers leniently (a missing or malformed header is `None` or false).
//! Must not: decide what a request may do (each simulator has its own auth rules).

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use base64::Engine;

/// The (user, password) of a `Basic` `Authorization` header.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// Whether `Accept` allows JSON (a missing or blank header does).
pub fn accepts_json(headers: &HeaderMap) -> bool {
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

/// The body's media type, lowercase, without parameters (`""` when absent).
pub fn content_mime(headers: &HeaderMap) -> String {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}
