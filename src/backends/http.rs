//! The one outbound HTTP path every backend client uses: rate limits, timeouts, and retries
//! that never duplicate a write.
//!
//! Owns: [`send`] and the retry rules (backon, exponential backoff with jitter, capped in
//! attempts and total time, honouring `Retry-After` up to the cap):
//! - reads and idempotent writes (PUT, PATCH, DELETE) are retried on 429, 502, 503, 504,
//!   connection errors and timeouts;
//! - a create (POST) is resent only when the failure proves nothing was processed: the
//!   connection was refused, a 429, or a 503 with `Retry-After`. After an ambiguous failure (a
//!   timeout after sending, a reset connection, a 5xx) it is never resent: the error is
//!   `ErrorKind::Ambiguous` and the backend reconciles (looks for what it may have created).
//!
//! Every attempt first takes a permit from the account's rate limiter, and every answer's rate
//! limit signals are fed back to it.
//! Must not: interpret response bodies (that is each backend's `parse_error`), or log request
//! bodies, headers or cookies.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, RequestBuilder, Response};

use crate::error::{Error, ErrorKind};
use crate::policy::ratelimit::{AccountLimiter, Signals};

/// Longest single wait between attempts, even when `Retry-After` asks for more.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Longest total waiting across all retries of one call.
pub const MAX_RETRY_TOTAL: Duration = Duration::from_secs(30);
/// Attempts after the first.
pub const MAX_RETRIES: usize = 3;

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

impl Idempotency {
    /// GET, HEAD and OPTIONS read; POST creates; every other method is idempotent.
    pub fn of(method: &Method) -> Idempotency {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => Idempotency::Read,
            Method::POST => Idempotency::Create,
            _ => Idempotency::Idempotent,
        }
    }
}

/// A create answered with a 5xx: the server may have committed part of the work before
/// failing, so the outcome is unknown (`ErrorKind::Ambiguous`) and the backend reconciles.
/// `upstream` names the helpdesk ("Freshdesk"), `what` the object being created.
pub fn ambiguous_create(
    upstream: &str,
    idempotency: Idempotency,
    reply: &Reply,
    what: &str,
) -> Option<Error> {
    (idempotency == Idempotency::Create && reply.status >= 500).then(|| {
        Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{upstream} failed with HTTP {} while creating {what}; \
                 it may or may not have been created",
                reply.status
            ),
        )
        .with_status(reply.status)
    })
}

/// When a rate-limited caller may try again, from the answer's `Retry-After`, as the end of a
/// `parse_error` message: `Retry in about 30 s.` or `Wait a minute and try again.`
pub fn when_to_retry(reply: &Reply) -> String {
    match reply.signals.retry_after {
        Some(ra) => format!("Retry in about {} s.", ra.as_secs().max(1)),
        None => "Wait a minute and try again.".to_string(),
    }
}

/// The HTTP client every backend starts from: this timeout per request, 10 s to connect, no
/// redirects followed (a redirect is an answer to report, not to chase with credentials), the
/// server's user agent. A backend adds what it needs (a cookie store) and calls [`build`].
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("helpdesk-operator/", env!("CARGO_PKG_VERSION")))
}

/// Builds a client from [`client_builder`].
pub fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, Error> {
    builder
        .build()
        .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))
}

/// One upstream account: its name for messages and its rate limiter.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub name: &'static str,
    pub limiter: Arc<AccountLimiter>,
}

/// A response with its body read.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    /// The `Link` header (pagination).
    pub link: Option<String>,
    pub content_type: String,
    pub duration: Duration,
    pub signals: Signals,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A reply with this status and body, for tests of the backends' `parse_error`.
    #[cfg(test)]
    pub fn for_test(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.into(),
            location: None,
            link: None,
            content_type: "application/json".into(),
            duration: Duration::ZERO,
            signals: Default::default(),
            attempts: 1,
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt {
    /// Nothing reached the upstream (connection refused, DNS failure).
    NotSent(String),
    /// The request may have reached the upstream (timeout, reset, broken body).
    Failed { timeout: bool, detail: String },
    /// An answer that the caller may retry (429, 502-504).
    Status(Box<Reply>),
    /// Our own rate limiter refused to wait that long: not sent, not retried.
    Limited(Error),
}

fn retryable(a: &Attempt, idempotency: Idempotency) -> bool {
    match (a, idempotency) {
        (Attempt::Limited(_), _) => false,
        (Attempt::NotSent(_), _) => true,
        (Attempt::Failed { .. }, Idempotency::Read | Idempotency::Idempotent) => true,
        (Attempt::Failed { .. }, Idempotency::Create) => false,
        (Attempt::Status(r), Idempotency::Read | Idempotency::Idempotent) => {
            matches!(r.status, 429 | 502..=504)
        }
        // A create is resent only when the answer proves it was not processed.
        (Attempt::Status(r), Idempotency::Create) => {
            r.status == 429 || (r.status == 503 && r.signals.retry_after.is_some())
        }
    }
}

/// Sends a request built by `build` (called again for each attempt).
pub async fn send(
    upstream: &Upstream,
    idempotency: Idempotency,
    build: impl Fn() -> RequestBuilder,
) -> Result<Reply, Error> {
    send_to(upstream, None, idempotency, build).await
}

/// [`send`] to an upstream object endpoint (such as "Tickets"): each attempt also takes a slot
/// of that endpoint when policy caps requests per endpoint (`max_concurrent_per_endpoint`).
pub async fn send_to(
    upstream: &Upstream,
    endpoint: Option<&str>,
    idempotency: Idempotency,
    build: impl Fn() -> RequestBuilder,
) -> Result<Reply, Error> {
    send_with_to(upstream, endpoint, idempotency, || async {
        let started = Instant::now();
        match build().send().await {
            Ok(resp) => Ok(read(resp, started).await?),
            Err(e) if e.is_connect() && !e.is_timeout() => Err(Attempt::NotSent(chain(&e))),
            Err(e) => Err(Attempt::Failed {
                timeout: e.is_timeout(),
                detail: chain(&e),
            }),
        }
    })
    .await
}

/// The retry loop around any attempt function (tests drive it with scripted attempts on a
/// paused clock).
pub async fn send_with<F, Fut>(
    upstream: &Upstream,
    idempotency: Idempotency,
    attempt: F,
) -> Result<Reply, Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Reply, Attempt>>,
{
    send_with_to(upstream, None, idempotency, attempt).await
}

/// [`send_with`] to an endpoint (see [`send_to`]).
pub async fn send_with_to<F, Fut>(
    upstream: &Upstream,
    endpoint: Option<&str>,
    idempotency: Idempotency,
    attempt: F,
) -> Result<Reply, Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Reply, Attempt>>,
{
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let once = || async {
        let permit = match endpoint {
            Some(e) => upstream.limiter.acquire_for(e).await,
            None => upstream.limiter.acquire().await,
        };
        let _permit = permit.map_err(Attempt::Limited)?;
        attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = attempt().await;
        let reply = match result {
            Ok(r) => r,
            Err(a) => return Err(a),
        };
        upstream.limiter.observe(&reply.signals);
        let transient = matches!(reply.status, 429 | 502..=504);
        if transient {
            Err(Attempt::Status(Box::new(reply)))
        } else {
            Ok(reply)
        }
    };
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(MAX_RETRY_WAIT)
        .with_max_times(MAX_RETRIES)
        .with_total_delay(Some(MAX_RETRY_TOTAL))
        .with_jitter();
    let name = upstream.name;
    let result = once
        .retry(policy)
        .sleep(tokio::time::sleep)
        .when(|a: &Attempt| retryable(a, idempotency))
        .adjust(|a: &Attempt, next: Option<Duration>| match (a, next) {
            // Retry-After wins over the backoff, up to the cap; None means: stop retrying.
            (Attempt::Status(r), Some(_)) if r.signals.retry_after.is_some() => {
                r.signals.retry_after.filter(|ra| *ra <= MAX_RETRY_WAIT)
            }
            (_, next) => next,
        })
        .notify(|a: &Attempt, d: Duration| {
            let what = match a {
                Attempt::NotSent(_) => "connection refused".to_string(),
                Attempt::Failed { timeout: true, .. } => "timeout".to_string(),
                Attempt::Failed { .. } => "connection error".to_string(),
                Attempt::Status(r) => format!("HTTP {}", r.status),
                Attempt::Limited(_) => "rate limited".to_string(),
            };
            let retry_in_ms = d.as_millis() as u64;
            tracing::warn!(upstream = name, %what, retry_in_ms, "retrying upstream request");
        })
        .await;
    let n = attempts.load(std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(mut reply) => {
            reply.attempts = n;
            Ok(reply)
        }
        Err(Attempt::Status(mut reply)) => {
            reply.attempts = n;
            Ok(*reply)
        }
        Err(Attempt::Limited(e)) => Err(e),
        Err(Attempt::NotSent(detail)) => Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "could not connect to {name} ({detail}); nothing was sent. Try again later or \
                 check its URL"
            ),
        )),
        Err(Attempt::Failed { timeout, detail }) => {
            let what = if timeout {
                "did not answer in time"
            } else {
                "connection failed"
            };
            if idempotency == Idempotency::Create {
                Err(Error::new(
                    ErrorKind::Ambiguous,
                    format!(
                        "{name} {what} after the request was sent ({detail}); it may or may not \
                         have been processed"
                    ),
                ))
            } else {
                Err(Error::new(
                    ErrorKind::Unavailable,
                    format!("{name} {what} ({detail}) after {n} attempt(s); try again later"),
                ))
            }
        }
    }
}

async fn read(resp: Response, started: Instant) -> Result<Reply, Attempt> {
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let location = header("location");
    let link = header("link");
    let content_type = header("content-type").unwrap_or_default();
    let signals = Signals {
        status,
        retry_after: header("retry-after").as_deref().and_then(parse_retry_after),
        remaining: header("x-ratelimit-remaining").and_then(|v| v.trim().parse().ok()),
        total: header("x-ratelimit-total").and_then(|v| v.trim().parse().ok()),
    };
    let body = resp.text().await.map_err(|e| Attempt::Failed {
        timeout: e.is_timeout(),
        detail: chain(&e),
    })?;
    Ok(Reply {
        status,
        body,
        location,
        link,
        content_type,
        duration: started.elapsed(),
        signals,
        attempts: 1,
    })
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .num_seconds()
        .max(0);
    Some(Duration::from_secs(secs as u64))
}

/// The URL of `rel="next"` in a `Link` header, if any.
pub fn next_link(link: Option<&str>) -> Option<String> {
    link?.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// The error and its sources; reqwest errors carry the URL but no credentials (no backend
/// puts credentials in URLs).
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::policy::ratelimit::Budget;

    fn budget() -> Budget {
        Budget {
            requests_per_minute: 1000,
            requests_per_hour: None,
            max_concurrent: 4,
            max_concurrent_per_endpoint: None,
            max_wait: Duration::from_secs(30),
        }
    }

    fn upstream() -> Upstream {
        Upstream {
            name: "test-upstream",
            limiter: Arc::new(AccountLimiter::new("test-upstream", budget())),
        }
    }

    fn status(code: u16, retry_after: Option<u64>) -> Result<Reply, Attempt> {
        Ok(Reply {
            status: code,
            body: String::new(),
            location: None,
            link: None,
            content_type: String::new(),
            duration: Duration::ZERO,
            signals: Signals {
                status: code,
                retry_after: retry_after.map(Duration::from_secs),
                ..Default::default()
            },
            attempts: 1,
        })
    }

    /// Plays a script of attempts; returns (outcome, attempts made, virtual time taken).
    async fn play(
        idempotency: Idempotency,
        script: Vec<Result<Reply, Attempt>>,
    ) -> (Result<Reply, Error>, usize, Duration) {
        let script = Mutex::new(VecDeque::from(script));
        let made = std::sync::atomic::AtomicUsize::new(0);
        let up = upstream();
        let start = tokio::time::Instant::now();
        let r = send_with(&up, idempotency, || {
            made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let next = script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| status(200, None));
            async move { next }
        })
        .await;
        (
            r,
            made.load(std::sync::atomic::Ordering::SeqCst),
            start.elapsed(),
        )
    }

    fn failed() -> Result<Reply, Attempt> {
        Err(Attempt::Failed {
            timeout: true,
            detail: "timed out".into(),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn reads_retry_transient_failures_with_backoff() {
        let (r, n, t) = play(
            Idempotency::Read,
            vec![status(503, None), status(502, None), failed()],
        )
        .await;
        assert_eq!(r.unwrap().status, 200);
        assert_eq!(n, 4);
        assert!(
            t >= Duration::from_millis(250) && t < MAX_RETRY_TOTAL,
            "{t:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_up_to_the_cap() {
        let (r, n, t) = play(Idempotency::Idempotent, vec![status(429, Some(7))]).await;
        assert_eq!(r.unwrap().status, 200);
        assert_eq!(n, 2);
        // 7 s from Retry-After; the rate limiter also paused for it (not twice: same deadline).
        assert!(
            t >= Duration::from_secs(7) && t < Duration::from_secs(8),
            "{t:?}"
        );
        // A Retry-After beyond the cap ends the retries: the caller gets the 429.
        let (r, n, _) = play(Idempotency::Read, vec![status(429, Some(3600))]).await;
        assert!(
            r.is_err() || r.as_ref().is_ok_and(|r| r.status == 429),
            "{r:?}"
        );
        assert_eq!(n, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_and_total_time_are_capped() {
        let (r, n, t) = play(
            Idempotency::Read,
            (0..10).map(|_| status(503, None)).collect(),
        )
        .await;
        assert_eq!(r.unwrap().status, 503, "the last answer is returned");
        assert_eq!(n, MAX_RETRIES + 1);
        assert!(t <= MAX_RETRY_TOTAL, "{t:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn creates_are_resent_only_when_nothing_was_processed() {
        // Proven not processed: connection refused, 429, 503 with Retry-After.
        for first in [
            Err(Attempt::NotSent("refused".into())),
            status(429, Some(1)),
            status(503, Some(1)),
        ] {
            let (r, n, _) = play(Idempotency::Create, vec![first, status(201, None)]).await;
            assert_eq!(r.unwrap().status, 201);
            assert_eq!(n, 2);
        }
        // Ambiguous: a timeout after sending, a 503 without Retry-After, a 500, a 502.
        let (r, n, _) = play(Idempotency::Create, vec![failed(), status(201, None)]).await;
        assert_eq!(r.unwrap_err().kind, ErrorKind::Ambiguous);
        assert_eq!(n, 1, "never resent");
        for code in [500, 502, 503, 504] {
            let (r, n, _) = play(
                Idempotency::Create,
                vec![status(code, None), status(201, None)],
            )
            .await;
            assert_eq!(
                r.unwrap().status,
                code,
                "returned to the backend, which reconciles"
            );
            assert_eq!(n, 1, "HTTP {code} on a create is not resent");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_endpoint_send_takes_the_endpoint_slot() {
        let budget = Budget {
            max_concurrent_per_endpoint: Some(1),
            max_wait: Duration::from_secs(2),
            ..budget()
        };
        let up = Upstream {
            name: "test-upstream",
            limiter: Arc::new(AccountLimiter::new("test-upstream", budget)),
        };
        let _held = up.limiter.acquire_for("Tickets").await.unwrap();
        let ok = || async { status(200, None) };
        let e = send_with_to(&up, Some("tickets"), Idempotency::Read, ok)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert!(
            e.message.contains("to tickets are already in flight"),
            "{}",
            e.message
        );
        let r = send_with_to(&up, Some("Companies"), Idempotency::Read, ok).await;
        assert_eq!(r.unwrap().status, 200, "another endpoint is not held back");
        assert_eq!(
            send_with(&up, Idempotency::Read, ok).await.unwrap().status,
            200
        );
    }

    #[test]
    fn idempotency_by_method() {
        assert_eq!(Idempotency::of(&Method::GET), Idempotency::Read);
        assert_eq!(Idempotency::of(&Method::HEAD), Idempotency::Read);
        assert_eq!(Idempotency::of(&Method::POST), Idempotency::Create);
        assert_eq!(Idempotency::of(&Method::PUT), Idempotency::Idempotent);
        assert_eq!(Idempotency::of(&Method::DELETE), Idempotency::Idempotent);
    }

    #[test]
    fn a_create_answered_5xx_is_ambiguous() {
        let e = ambiguous_create("Up", Idempotency::Create, &Reply::for_test(502, ""), "it");
        let e = e.expect("ambiguous");
        assert_eq!(e.kind, ErrorKind::Ambiguous);
        assert_eq!(e.status, Some(502));
        assert_eq!(
            e.message,
            "Up failed with HTTP 502 while creating it; it may or may not have been created"
        );
        let ok = Reply::for_test(201, "");
        assert!(ambiguous_create("Up", Idempotency::Create, &ok, "it").is_none());
        let put = Reply::for_test(500, "");
        assert!(ambiguous_create("Up", Idempotency::Idempotent, &put, "it").is_none());
    }

    #[test]
    fn next_links() {
        let l = r#"<https://x.freshdesk.com/api/v2/tickets?page=2&per_page=100>; rel="next""#;
        assert_eq!(
            next_link(Some(l)).as_deref(),
            Some("https://x.freshdesk.com/api/v2/tickets?page=2&per_page=100")
        );
        assert_eq!(next_link(Some(r#"<https://a>; rel="prev""#)), None);
        assert_eq!(next_link(None), None);
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(parse_retry_after("12"), Some(Duration::from_secs(12)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
