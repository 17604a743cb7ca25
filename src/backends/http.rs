//! The one outbound HTTP path every backend client uses: timeouts, and retries that never
//! duplicate a write.
//!
//! Owns: [`send`] and the retry rules. Reads and idempotent writes (PUT, PATCH, DELETE) are
//! retried on connection errors, timeouts, 502, 503 and 504 with exponential backoff and jitter.
//! A create (POST) is resent only when the failure proves nothing reached the upstream (the
//! connection was refused). Must not: interpret response bodies (that is each backend's
//! `parse_error`), or log request bodies, headers or cookies.

use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{RequestBuilder, Response};

use crate::error::{Error, ErrorKind};

/// How safe it is to send a request twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET, HEAD: no effect upstream.
    Read,
    /// PUT, PATCH, DELETE: sending twice has the same effect as once.
    Idempotent,
    /// POST: sending twice may create twice.
    Create,
}

/// A response with its body read.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub content_type: String,
    pub duration: Duration,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

enum Attempt {
    /// Nothing reached the upstream (connection refused, DNS failure).
    NotSent(reqwest::Error),
    /// The request may have reached the upstream.
    Failed(reqwest::Error),
    Status(Reply),
}

/// Sends a request built by `build` (called again for each attempt), retrying as the
/// idempotency class allows. `upstream` names the service in error messages.
pub async fn send(
    upstream: &str,
    idempotency: Idempotency,
    build: impl Fn() -> RequestBuilder,
) -> Result<Reply, Error> {
    let started = Instant::now();
    let once = || async {
        match build().send().await {
            Ok(resp) => {
                let reply = read(resp, started).await?;
                let transient = matches!(reply.status, 502..=504);
                if transient && idempotency != Idempotency::Create {
                    Err(Attempt::Status(reply))
                } else {
                    Ok(reply)
                }
            }
            Err(e) if e.is_connect() && !e.is_timeout() => Err(Attempt::NotSent(e)),
            Err(e) => Err(Attempt::Failed(e)),
        }
    };
    let retry_when = |a: &Attempt| match (a, idempotency) {
        (Attempt::NotSent(_), _) => true,
        (Attempt::Failed(_), Idempotency::Read | Idempotency::Idempotent) => true,
        (Attempt::Status(r), Idempotency::Read | Idempotency::Idempotent) => {
            matches!(r.status, 502..=504)
        }
        _ => false,
    };
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(2))
        .with_max_times(2)
        .with_jitter();
    let result = once
        .retry(policy)
        .sleep(tokio::time::sleep)
        .when(retry_when)
        .notify(|a: &Attempt, d: Duration| {
            let what = match a {
                Attempt::NotSent(_) => "connection refused".to_string(),
                Attempt::Failed(e) if e.is_timeout() => "timeout".to_string(),
                Attempt::Failed(_) => "connection error".to_string(),
                Attempt::Status(r) => format!("HTTP {}", r.status),
            };
            tracing::warn!(upstream, %what, retry_in_ms = d.as_millis() as u64, "retrying upstream request");
        })
        .await;
    match result {
        Ok(reply) => Ok(reply),
        Err(Attempt::Status(reply)) => Ok(reply),
        Err(Attempt::NotSent(e)) => Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "could not connect to {upstream}: {}; nothing was sent, try again later or check its URL",
                short(&e)
            ),
        )),
        Err(Attempt::Failed(e)) => {
            let ambiguous = idempotency == Idempotency::Create;
            let (kind, tail) = if ambiguous {
                (
                    ErrorKind::Ambiguous,
                    "the request may or may not have been processed; check before repeating it",
                )
            } else {
                (ErrorKind::Unavailable, "try again later")
            };
            let what = if e.is_timeout() {
                "did not answer in time"
            } else {
                "connection failed"
            };
            Err(Error::new(
                kind,
                format!("{upstream} {what} ({}): {tail}", short(&e)),
            ))
        }
    }
}

async fn read(resp: Response, started: Instant) -> Result<Reply, Attempt> {
    let status = resp.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let location = header(reqwest::header::LOCATION);
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    let body = resp.text().await.map_err(Attempt::Failed)?;
    Ok(Reply {
        status,
        body,
        location,
        content_type,
        duration: started.elapsed(),
    })
}

/// The error without its source chain noise; reqwest errors carry the URL but no credentials
/// (no backend puts credentials in URLs).
fn short(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
