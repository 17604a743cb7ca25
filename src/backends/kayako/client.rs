//! The Kayako Classic REST transport, plus [`parse_error`]. The typed endpoints are in
//! `api.rs`, the XML models in `models.rs`.
//!
//! Owns: the route (`e=/Tickets/...`), the signature (a fresh random salt per request and
//! `base64(HMAC-SHA256(key = secret, message = salt))`, in the query string for GET and in
//! the form body for POST), reading the XML answers, and the account's cached reference data
//! (departments, statuses, priorities, types, staff), kept for [`REFS_TTL`].
//! Must not: know about MCP, policy or the audit log; log or return the API key or secret.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rand::Rng;
use reqwest::Method;
use secrecy::ExposeSecret;

use super::config::KayakoConfig;
use super::models::Refs;
use super::xml::{self, Element};
use crate::backends::cache::Cached;
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

const UPSTREAM: &str = "Kayako";
/// How long departments, statuses, priorities, types and staff are reused.
pub const REFS_TTL: Duration = Duration::from_secs(300);
const BAD_SIGNATURE: &str = "Kayako refused the request's signature (FAILED TO AUTHENTICATE): \
    check KAYAKO_API_KEY and KAYAKO_SECRET_KEY (Admin CP -> REST API -> API Information)";

/// A client for one Kayako Classic helpdesk.
pub struct KayakoClient {
    cfg: KayakoConfig,
    upstream: Upstream,
    http: reqwest::Client,
    refs: Cached<Refs>,
}

impl std::fmt::Debug for KayakoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KayakoClient")
            .field("api_url", &self.cfg.api_url.as_str())
            .finish_non_exhaustive()
    }
}

/// `base64(HMAC-SHA256(key = secret, message = salt))`, standard alphabet with padding.
pub fn signature(secret: &str, salt: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, salt.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}

/// A fresh random salt (32 alphanumeric characters).
fn salt() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

impl KayakoClient {
    pub fn new(cfg: KayakoConfig, limiter: Arc<AccountLimiter>) -> Result<Self> {
        let http = http::build(http::client_builder(cfg.timeout))?;
        Ok(Self {
            cfg,
            upstream: Upstream {
                name: UPSTREAM,
                limiter,
            },
            http,
            refs: Cached::new(REFS_TTL),
        })
    }

    pub fn api_url(&self) -> &url::Url {
        &self.cfg.api_url
    }

    /// The staff control panel's entry point next to the API's (`.../staff/index.php`), for
    /// links to a ticket.
    pub fn staff_cp_url(&self) -> String {
        let mut url = self.cfg.api_url.clone();
        let path = url.path().to_string();
        let root = path
            .strip_suffix("/api/index.php")
            .or_else(|| path.strip_suffix("/api"))
            .unwrap_or("");
        url.set_path(&format!("{root}/staff/index.php"));
        url.to_string()
    }

    /// The authentication fields of one request, with a salt of its own.
    fn auth(&self) -> [(&'static str, String); 3] {
        let salt = salt();
        let signature = signature(self.cfg.secret.expose_secret(), &salt);
        [
            ("apikey", self.cfg.api_key.expose_secret().to_string()),
            ("salt", salt),
            ("signature", signature),
        ]
    }

    /// Sends `route` (`/Tickets/Ticket/123`) and returns the root element of a 200 answer.
    /// GET carries the signature in the query, POST in the form body with `form`.
    async fn call(
        &self,
        method: Method,
        route: &str,
        form: &[(&str, String)],
        what: &str,
    ) -> Result<Element> {
        // Every request here reads: a search is a POST that changes nothing.
        let reply = http::send(&self.upstream, Idempotency::Read, || {
            let auth = self.auth();
            let rb = self
                .http
                .request(method.clone(), self.cfg.api_url.clone())
                .query(&[("e", route)])
                .header(reqwest::header::ACCEPT, "text/xml");
            if method == Method::GET {
                rb.query(&auth)
            } else {
                let mut body: Vec<(&str, String)> = form.to_vec();
                body.extend(auth);
                rb.form(&body)
            }
        })
        .await?;
        if reply.status != 200 {
            return Err(parse_error(&reply, what));
        }
        xml::parse(&reply.body, what)
    }

    pub(super) async fn get(&self, route: &str, what: &str) -> Result<Element> {
        self.call(Method::GET, route, &[], what).await
    }

    pub(super) async fn post(
        &self,
        route: &str,
        form: &[(&str, String)],
        what: &str,
    ) -> Result<Element> {
        self.call(Method::POST, route, form, what).await
    }

    /// The account's reference data cache (`api::refs` fills it).
    pub(super) fn refs_cache(&self) -> &Cached<Refs> {
        &self.refs
    }
}

/// Kayako's plain-text error bodies, without PHP noise, shortened.
fn message_of(reply: &Reply) -> String {
    let text = reply.body.trim();
    let text = text.split("<?xml").next().unwrap_or(text).trim();
    let mut s: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        s.push('…');
    }
    s
}

/// The one mapping of Kayako's answers to errors: plain-text bodies (`FAILED TO
/// AUTHENTICATE`, `Ticket not Found`, `Not Implemented, ...`) by status.
pub fn parse_error(reply: &Reply, what: &str) -> Error {
    let status = reply.status;
    let msg = message_of(reply);
    let (kind, message) = match status {
        401 if msg.starts_with("NO SALT") => (
            ErrorKind::Internal,
            format!("Kayako says no salt reached it with {what} ({msg})"),
        ),
        401 => (ErrorKind::Unauthorized, BAD_SIGNATURE.to_string()),
        403 => (
            ErrorKind::Forbidden,
            "Kayako refused the REST API (HTTP 403): it is disabled in Admin CP -> REST API, or \
             the entry point is not the API's"
                .to_string(),
        ),
        404 => (
            ErrorKind::NotFound,
            format!("{what} not found in Kayako ({})", non_empty(&msg, "404")),
        ),
        400 => (
            ErrorKind::InvalidInput,
            format!("Kayako rejected {what}: {}", non_empty(&msg, "bad request")),
        ),
        429 => (
            ErrorKind::RateLimited,
            format!(
                "Kayako is rate limiting requests ({what}). {}",
                http::when_to_retry(reply)
            ),
        ),
        500..=599 => (
            ErrorKind::Unavailable,
            format!(
                "Kayako failed with HTTP {status} on {what}: {}; try again shortly",
                non_empty(&msg, "no message")
            ),
        ),
        _ => (
            ErrorKind::Upstream,
            format!(
                "Kayako answered {what} with HTTP {status}: {}",
                non_empty(&msg, "no message")
            ),
        ),
    };
    Error::new(kind, message).with_status(status)
}

fn non_empty<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf %s 'salt-1234567890' | openssl dgst -sha256 -hmac 'the-secret' -binary | base64`
    const KNOWN: &str = "SgzLJ33X7zl/X90DOVCvPgCD587GuiF6jnr3H3/EgG0=";

    #[test]
    fn the_signature_is_the_hmac_of_the_salt() {
        assert_eq!(signature("the-secret", "salt-1234567890"), KNOWN);
        // Not what the original sent: base64(SHA256(salt + secret)).
        use sha2::Digest;
        let wrong = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(b"salt-1234567890the-secret"));
        assert_ne!(wrong, KNOWN);
        assert_ne!(salt(), salt());
    }

    #[test]
    fn plain_text_errors_become_kinds() {
        let e = parse_error(
            &Reply::for_test(401, "FAILED TO AUTHENTICATE: Get"),
            "tickets",
        );
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert!(e.message.contains("KAYAKO_SECRET_KEY"), "{e}");
        let e = parse_error(&Reply::for_test(404, "Ticket not Found"), "ticket ABC-1");
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("Ticket not Found"), "{e}");
        let e = parse_error(
            &Reply::for_test(400, "Department ID is Invalid"),
            "the list",
        );
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        let e = parse_error(&Reply::for_test(403, ""), "departments");
        assert_eq!(e.kind, ErrorKind::Forbidden);
        let e = parse_error(&Reply::for_test(503, ""), "departments");
        assert_eq!(e.kind, ErrorKind::Unavailable);
    }
}
