//! Rate limits per upstream account (backend + base URL + credential identity), shared by
//! every agent session in the process.
//!
//! Owns: the request budget (governor, requests per minute) and the concurrency limit from
//! policy, tightened at run time by what the upstream says (`Retry-After` on 429/503,
//! `X-Ratelimit-Remaining: 0`, a lower `X-Ratelimit-Total`). A call waits up to the policy's
//! bound for a slot, then fails with a tool error that says when to retry.
//! Must not: send requests (the HTTP path asks for a permit before each attempt). Time comes
//! from tokio, so tests run it on a paused clock.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Result};

/// governor on tokio's clock (pausable in tests).
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }
}

type Governor = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// The budget for one upstream account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub requests_per_minute: u32,
    pub max_concurrent: u32,
    /// How long a call may wait for a slot before it fails.
    pub max_wait: Duration,
}

/// What an upstream answer says about its limits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Signals {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub remaining: Option<i64>,
    pub total: Option<u32>,
}

/// One upstream account's limiter.
pub struct AccountLimiter {
    name: String,
    clock: TokioClock,
    governor: Mutex<(u32, Arc<Governor>)>,
    concurrency: Arc<Semaphore>,
    blocked_until: Mutex<Option<Instant>>,
    budget: Budget,
}

impl std::fmt::Debug for AccountLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountLimiter")
            .field("name", &self.name)
            .field("budget", &self.budget)
            .finish()
    }
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit {
    _permit: OwnedSemaphorePermit,
}

fn governor(per_minute: u32, clock: TokioClock) -> Arc<Governor> {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::direct_with_clock(Quota::per_minute(n), clock))
}

impl AccountLimiter {
    pub fn new(name: impl Into<String>, budget: Budget) -> Self {
        let clock = TokioClock {
            origin: Instant::now(),
        };
        Self {
            name: name.into(),
            clock,
            governor: Mutex::new((
                budget.requests_per_minute,
                governor(budget.requests_per_minute, clock),
            )),
            concurrency: Arc::new(Semaphore::new(budget.max_concurrent.max(1) as usize)),
            blocked_until: Mutex::new(None),
            budget,
        }
    }

    fn too_long(&self, wait: Duration, why: &str) -> Error {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        Error::new(
            ErrorKind::RateLimited,
            format!(
                "{}: {why}; nothing was sent. Retry in about {secs} s (or ask for less).",
                self.name
            ),
        )
    }

    /// Waits (up to the budget's bound) for a request slot.
    pub async fn acquire(&self) -> Result<Permit> {
        let deadline = Instant::now() + self.budget.max_wait;
        loop {
            let now = Instant::now();
            let blocked = self
                .blocked_until
                .lock()
                .ok()
                .and_then(|g| *g)
                .filter(|u| *u > now);
            if let Some(until) = blocked {
                if until > deadline {
                    return Err(
                        self.too_long(until - now, "the upstream asked us to pause (rate limited)")
                    );
                }
                tokio::time::sleep_until(until).await;
                continue;
            }
            let g = self
                .governor
                .lock()
                .map(|g| g.1.clone())
                .map_err(|_| Error::internal("rate limiter lock poisoned"))?;
            match g.check() {
                Ok(()) => break,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    if now + wait > deadline {
                        return Err(self.too_long(
                            wait,
                            &format!(
                                "the request budget ({} per minute) is used up",
                                self.budget.requests_per_minute
                            ),
                        ));
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, self.concurrency.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(Permit { _permit: p }),
            Ok(Err(_)) => Err(Error::internal("rate limiter closed")),
            Err(_) => Err(self.too_long(
                self.budget.max_wait,
                &format!(
                    "{} requests are already in flight",
                    self.budget.max_concurrent
                ),
            )),
        }
    }

    /// Tightens the limits from what the upstream said.
    pub fn observe(&self, s: &Signals) {
        let now = Instant::now();
        let pause = match (s.status, s.retry_after, s.remaining) {
            (429 | 503, Some(ra), _) => Some(ra),
            (429, None, _) => Some(Duration::from_secs(5)),
            (_, Some(ra), Some(r)) if r <= 0 => Some(ra),
            (_, None, Some(r)) if r <= 0 => Some(Duration::from_secs(60)),
            _ => None,
        };
        if let Some(p) = pause
            && let Ok(mut g) = self.blocked_until.lock()
        {
            let until = now + p;
            if g.is_none_or(|u| u < until) {
                tracing::warn!(
                    upstream = %self.name,
                    pause_ms = p.as_millis() as u64,
                    "upstream rate limit: pausing requests"
                );
                *g = Some(until);
            }
        }
        if let Some(total) = s.total
            && let Ok(mut g) = self.governor.lock()
            && total > 0
            && total < g.0
        {
            tracing::info!(
                upstream = %self.name,
                per_minute = total,
                "upstream budget is lower than policy's; using it"
            );
            *g = (total, governor(total, self.clock));
        }
    }

    /// The current per-minute budget (policy's, or the upstream's if lower).
    pub fn per_minute(&self) -> u32 {
        self.governor
            .lock()
            .map(|g| g.0)
            .unwrap_or(self.budget.requests_per_minute)
    }
}

/// The process's limiters, one per upstream account.
#[derive(Default)]
pub struct Limits {
    map: Mutex<HashMap<String, Arc<AccountLimiter>>>,
}

impl Limits {
    /// The limiter for an account key, created with this budget on first use.
    pub fn get(&self, key: &str, name: &str, budget: Budget) -> Arc<AccountLimiter> {
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.entry(key.to_string())
            .or_insert_with(|| Arc::new(AccountLimiter::new(name, budget)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(per_minute: u32, concurrent: u32, wait: u64) -> Budget {
        Budget {
            requests_per_minute: per_minute,
            max_concurrent: concurrent,
            max_wait: Duration::from_secs(wait),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_paced_by_the_budget() {
        let l = AccountLimiter::new("test", budget(2, 10, 60));
        let start = Instant::now();
        for _ in 0..3 {
            drop(l.acquire().await.unwrap());
        }
        // 2 a minute: a burst of two, then the third 30 s later.
        assert_eq!(start.elapsed().as_secs(), 30);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_longer_than_the_bound_fails_with_a_retry_time() {
        let l = AccountLimiter::new("test", budget(2, 10, 10));
        l.acquire().await.unwrap();
        l.acquire().await.unwrap();
        // 2/min: the next slot is 30 s away, beyond the 10 s bound.
        let start = Instant::now();
        let e = l.acquire().await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert!(e.message.contains("Retry in about 30 s"), "{}", e.message);
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "fails at once when the wait is known to be too long"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_every_caller() {
        let l = AccountLimiter::new("test", budget(600, 10, 30));
        l.observe(&Signals {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            ..Default::default()
        });
        let start = Instant::now();
        l.acquire().await.unwrap();
        assert_eq!(start.elapsed().as_secs(), 7);
        l.observe(&Signals {
            status: 429,
            retry_after: Some(Duration::from_secs(120)),
            ..Default::default()
        });
        let e = l.acquire().await.unwrap_err();
        assert!(e.message.contains("Retry in about 120 s"), "{}", e.message);
    }

    #[tokio::test(start_paused = true)]
    async fn the_upstream_total_lowers_the_budget() {
        let l = AccountLimiter::new("test", budget(600, 10, 30));
        l.observe(&Signals {
            status: 200,
            total: Some(50),
            remaining: Some(49),
            ..Default::default()
        });
        assert_eq!(l.per_minute(), 50);
        l.observe(&Signals {
            status: 200,
            total: Some(5000),
            ..Default::default()
        });
        assert_eq!(l.per_minute(), 50, "never loosened above what was seen");
        l.observe(&Signals {
            status: 200,
            remaining: Some(0),
            ..Default::default()
        });
        let e = l.acquire().await.unwrap_err();
        assert!(e.message.contains("pause"), "{}", e.message);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_capped() {
        let l = Arc::new(AccountLimiter::new("test", budget(600, 1, 5)));
        let held = l.acquire().await.unwrap();
        let l2 = l.clone();
        let waiter = tokio::spawn(async move { l2.acquire().await });
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(held);
        assert!(
            waiter.await.unwrap().is_ok(),
            "gets the slot once it is free"
        );
        let _held = l.acquire().await.unwrap();
        let e = l.acquire().await.unwrap_err();
        assert!(e.message.contains("already in flight"), "{}", e.message);
    }
}
