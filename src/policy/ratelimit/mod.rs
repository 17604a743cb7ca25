//! Rate limits per upstream account (backend + base URL + credential identity), shared by
//! every agent session in the process and, when the audit store is PostgreSQL, by every
//! replica (the per-minute budget is then a GCRA row there: [`SharedBudgets`]).
//!
//! Owns: the request budgets (requests per minute, in bursts of at most a sixth of it: governor,
//! or the shared store; a rolling-hour budget, see
//! [`hourly`]), the concurrency limit per account and, when policy sets one, per endpoint
//! (an upstream object endpoint such as "Tickets", compared without regard to case). They are
//! tightened at run time by what the upstream says (`Retry-After` on 429/503,
//! `X-Ratelimit-Remaining: 0`, a lower `X-Ratelimit-Total`, its own hourly usage count). A call
//! waits up to the policy's bound for a slot, then fails with a tool error that says when to
//! retry. The concurrency slots are taken first and the request budget last, so a request is
//! counted when it is about to go out (as the upstream counts it).
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

pub mod hourly;

use hourly::Gcra;

/// A future a [`SharedBudgets`] answers with.
pub type BudgetFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<Duration>>> + Send + 'a>>;

/// Request budgets kept outside the process, so that replicas share them (the audit store's
/// PostgreSQL). With one, an account's per-minute budget is spent there, one request at a
/// time, instead of in this process's governor.
pub trait SharedBudgets: Send + Sync {
    /// Spends one request of `key`'s budget (one request per `interval`, bursts of `burst`)
    /// if it has room now (`None`); else spends nothing and says how long until it has room.
    fn try_spend<'a>(&'a self, key: &'a str, interval: Duration, burst: u32) -> BudgetFuture<'a>;
}

/// (burst, interval) for `per_minute` requests: one per `60 s / per_minute` and bursts of a
/// sixth of the budget, so no 60-second window sees more than the budget plus that burst.
pub fn minute_shape(per_minute: u32) -> (u32, Duration) {
    let r = per_minute.max(1);
    let burst = (r / 6).max(1);
    (burst, Duration::from_nanos(60_000_000_000 / u64::from(r)))
}
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
    /// At most this many requests in any rolling 60 minutes (on top of the per-minute budget).
    pub requests_per_hour: Option<u32>,
    pub max_concurrent: u32,
    /// At most this many requests in flight per endpoint (see [`AccountLimiter::acquire_for`]).
    pub max_concurrent_per_endpoint: Option<u32>,
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

/// Endpoint gates kept before unused ones are dropped.
const ENDPOINTS_KEPT: usize = 256;

/// One upstream account's limiter.
pub struct AccountLimiter {
    name: String,
    clock: TokioClock,
    governor: Mutex<(u32, Arc<Governor>)>,
    /// The rolling-hour budget, when policy or the upstream set one.
    hourly: Mutex<Option<Gcra>>,
    /// When this limiter granted requests in the last hour, so the upstream's usage count can
    /// be split into ours and other integrations'.
    sent: Mutex<std::collections::VecDeque<Duration>>,
    concurrency: Arc<Semaphore>,
    /// One gate per endpoint (lower-cased), created on first use.
    endpoints: Mutex<HashMap<String, Arc<Semaphore>>>,
    blocked_until: Mutex<Option<Instant>>,
    budget: Budget,
    /// Where the per-minute budget is kept when replicas share it, and this account's key there.
    shared: Option<(Arc<dyn SharedBudgets>, String)>,
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
    _endpoint: Option<OwnedSemaphorePermit>,
}

fn governor(per_minute: u32, clock: TokioClock) -> Arc<Governor> {
    let (burst, interval) = minute_shape(per_minute);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(interval)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst);
    Arc::new(RateLimiter::direct_with_clock(quota, clock))
}

fn poisoned<T>(_: T) -> Error {
    Error::internal("rate limiter lock poisoned")
}

/// Which budget holds a request back, for the error.
enum Held {
    Paused,
    Minute(u32),
    Hour(u32),
}

impl AccountLimiter {
    pub fn new(name: impl Into<String>, budget: Budget) -> Self {
        let clock = TokioClock {
            origin: Instant::now(),
        };
        let hourly = budget.requests_per_hour.map(|r| Gcra::new(r, clock.now()));
        Self {
            name: name.into(),
            clock,
            governor: Mutex::new((
                budget.requests_per_minute,
                governor(budget.requests_per_minute, clock),
            )),
            hourly: Mutex::new(hourly),
            sent: Mutex::new(std::collections::VecDeque::new()),
            concurrency: Arc::new(Semaphore::new(budget.max_concurrent.max(1) as usize)),
            endpoints: Mutex::new(HashMap::new()),
            blocked_until: Mutex::new(None),
            budget,
            shared: None,
        }
    }

    /// Keeps the per-minute budget in `shared` under `key` (an account key safe to store).
    pub fn sharing(mut self, shared: Arc<dyn SharedBudgets>, key: String) -> Self {
        self.shared = Some((shared, key));
        self
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
        self.acquire_inner(None).await
    }

    /// As [`AccountLimiter::acquire`], and also for a slot of `endpoint` (an upstream object
    /// endpoint such as "Tickets"; case does not matter) when the budget caps requests per
    /// endpoint. The wait for it counts against the same bound.
    pub async fn acquire_for(&self, endpoint: &str) -> Result<Permit> {
        self.acquire_inner(Some(endpoint)).await
    }

    async fn acquire_inner(&self, endpoint: Option<&str>) -> Result<Permit> {
        let deadline = Instant::now() + self.budget.max_wait;
        // The budget first: whoever waits for it holds no slot meanwhile, so no moment of the
        // budget passes unused while the slots are held by callers that cannot send yet.
        self.take_request(deadline).await?;
        let endpoint_permit = match (endpoint, self.budget.max_concurrent_per_endpoint) {
            (Some(e), Some(n)) => {
                let gate = self.endpoint_gate(e, n)?;
                let busy = || format!("{n} requests to {e} are already in flight");
                Some(self.slot(gate, deadline, busy).await?)
            }
            _ => None,
        };
        let busy = || {
            let n = self.budget.max_concurrent;
            format!("{n} requests are already in flight")
        };
        let permit = self.slot(self.concurrency.clone(), deadline, busy).await?;
        Ok(Permit {
            _permit: permit,
            _endpoint: endpoint_permit,
        })
    }

    /// A slot of `gate` by `deadline`, or the error that says what is busy.
    async fn slot(
        &self,
        gate: Arc<Semaphore>,
        deadline: Instant,
        busy: impl FnOnce() -> String,
    ) -> Result<OwnedSemaphorePermit> {
        match tokio::time::timeout_at(deadline, gate.acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(_)) => Err(Error::internal("rate limiter closed")),
            Err(_) => Err(self.too_long(self.budget.max_wait, &busy())),
        }
    }

    /// The gate of one endpoint, created on first use.
    fn endpoint_gate(&self, endpoint: &str, n: u32) -> Result<Arc<Semaphore>> {
        let mut map = self.endpoints.lock().map_err(poisoned)?;
        let key = endpoint.to_lowercase();
        if !map.contains_key(&key) && map.len() >= ENDPOINTS_KEPT {
            // A gate nobody holds or waits for is only its Arc in the map.
            map.retain(|_, s| Arc::strong_count(s) > 1);
        }
        Ok(map
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(n.max(1) as usize)))
            .clone())
    }

    /// Waits until every request budget has room, then spends one request of each.
    async fn take_request(&self, deadline: Instant) -> Result<()> {
        loop {
            let now = Instant::now();
            let taken = match &self.shared {
                None => self.try_take(now)?,
                Some((shared, key)) => self.try_take_shared(now, shared.as_ref(), key).await?,
            };
            let (wait, held) = match taken {
                None => return Ok(()),
                Some(w) => w,
            };
            if now + wait > deadline {
                let why = match held {
                    Held::Paused => "the upstream asked us to pause (rate limited)".to_string(),
                    Held::Minute(n) => format!("the request budget ({n} per minute) is used up"),
                    Held::Hour(n) => {
                        format!("the hourly request budget ({n} per hour) is used up")
                    }
                };
                return Err(self.too_long(wait, &why));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Spends a request if every budget has room now; else how long to wait and for what.
    fn try_take(&self, now: Instant) -> Result<Option<(Duration, Held)>> {
        if let Some(w) = self.paused_wait(now)? {
            return Ok(Some(w));
        }
        // The hour's lock is held across both checks, so neither is spent when the other
        // refuses.
        let mut hourly = self.hourly.lock().map_err(poisoned)?;
        let t = self.clock.now();
        if let Some(w) = hour_wait(hourly.as_ref(), t) {
            return Ok(Some(w));
        }
        let (per_minute, g) = self
            .governor
            .lock()
            .map(|g| (g.0, g.1.clone()))
            .map_err(poisoned)?;
        match g.check() {
            Ok(()) => {
                if let Some(h) = hourly.as_mut() {
                    h.grant(t);
                }
                drop(hourly);
                self.record_sent(t);
                Ok(None)
            }
            Err(not_until) => Ok(Some((
                not_until.wait_time_from(t),
                Held::Minute(per_minute),
            ))),
        }
    }

    /// [`AccountLimiter::try_take`] with the per-minute budget in the shared store: the local
    /// checks first (nothing spent), then one request of the shared budget, then the hour.
    /// (The hourly budget stays per process; a request another task took from it meanwhile
    /// leaves the shared request spent but unsent, which errs on the safe side.)
    async fn try_take_shared(
        &self,
        now: Instant,
        shared: &dyn SharedBudgets,
        key: &str,
    ) -> Result<Option<(Duration, Held)>> {
        if let Some(w) = self.paused_wait(now)? {
            return Ok(Some(w));
        }
        if let Some(w) = self.hourly_wait()? {
            return Ok(Some(w));
        }
        let per_minute = self.per_minute();
        let (burst, interval) = minute_shape(per_minute);
        match shared.try_spend(key, interval, burst).await {
            Ok(Some(wait)) => return Ok(Some((wait, Held::Minute(per_minute)))),
            Ok(None) => {}
            // The store is down: this process's own budget meanwhile, so reads go on (writes
            // fail closed at their audit step anyway).
            Err(e) => {
                tracing::warn!(
                    upstream = %self.name,
                    error = %e.message,
                    "shared request budget unavailable; using this replica's own"
                );
                return self.try_take(now);
            }
        }
        let mut hourly = self.hourly.lock().map_err(poisoned)?;
        let t = self.clock.now();
        if let Some(w) = hour_wait(hourly.as_ref(), t) {
            return Ok(Some(w));
        }
        if let Some(h) = hourly.as_mut() {
            h.grant(t);
        }
        drop(hourly);
        self.record_sent(t);
        Ok(None)
    }

    fn hourly_wait(&self) -> Result<Option<(Duration, Held)>> {
        let hourly = self.hourly.lock().map_err(poisoned)?;
        Ok(hour_wait(hourly.as_ref(), self.clock.now()))
    }

    /// How long the upstream asked us to pause, from `now`, if it did.
    fn paused_wait(&self, now: Instant) -> Result<Option<(Duration, Held)>> {
        let until = *self.blocked_until.lock().map_err(poisoned)?;
        Ok(until.filter(|u| *u > now).map(|u| (u - now, Held::Paused)))
    }

    /// Remembers a grant at `t`, for splitting the upstream's usage count.
    fn record_sent(&self, t: Duration) {
        if let Ok(mut sent) = self.sent.lock() {
            while sent
                .front()
                .is_some_and(|s| t.saturating_sub(*s) >= hourly::HOUR)
            {
                sent.pop_front();
            }
            sent.push_back(t);
        }
    }

    fn pause(&self, p: Duration, why: &'static str) {
        if let Ok(mut g) = self.blocked_until.lock() {
            let until = Instant::now() + p;
            if g.is_none_or(|u| u < until) {
                tracing::warn!(
                    upstream = %self.name,
                    pause_ms = p.as_millis() as u64,
                    "{why}"
                );
                *g = Some(until);
            }
        }
    }

    /// Tightens the limits from what the upstream said.
    pub fn observe(&self, s: &Signals) {
        let pause = match (s.status, s.retry_after, s.remaining) {
            (429 | 503, Some(ra), _) => Some(ra),
            (429, None, _) => Some(Duration::from_secs(5)),
            (_, Some(ra), Some(r)) if r <= 0 => Some(ra),
            (_, None, Some(r)) if r <= 0 => Some(Duration::from_secs(60)),
            _ => None,
        };
        if let Some(p) = pause {
            self.pause(p, "upstream rate limit: pausing requests");
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

    /// The upstream's own count of requests in its current hour (`used`, shared with other
    /// integrations of the account) and its `threshold`. What this limiter sent in the last
    /// hour is ours; the rest is other integrations'. The hourly budget becomes what they leave
    /// of the threshold (never more than policy's), so together we never reach it; at or above
    /// it, requests pause for a minute (as after a 429).
    pub fn observe_usage(&self, used: u32, threshold: u32) {
        let now = self.clock.now();
        let ours = self.sent.lock().map_or(0, |s| {
            s.iter()
                .filter(|t| now.saturating_sub(**t) < hourly::HOUR)
                .count()
        });
        let others = used.saturating_sub(u32::try_from(ours).unwrap_or(u32::MAX));
        if threshold > 0 && used >= threshold {
            self.pause(
                Duration::from_secs(60),
                "upstream hourly threshold reached: pausing requests",
            );
        }
        let Ok(mut hourly) = self.hourly.lock() else {
            return;
        };
        let current = hourly.as_ref().map(Gcra::per_hour);
        let Some(next) = hourly::effective(
            self.budget.requests_per_hour,
            current,
            used,
            others,
            threshold,
        ) else {
            return;
        };
        if current == Some(next) {
            return;
        }
        if current.is_none_or(|c| next < c) {
            tracing::info!(
                upstream = %self.name,
                used,
                others,
                threshold,
                per_hour = next,
                "upstream hourly usage: tightening the hourly budget"
            );
        }
        *hourly = Some(match hourly.as_ref() {
            Some(g) => g.retarget(next, now),
            None => Gcra::new(next, now),
        });
    }

    /// The current per-minute budget (policy's, or the upstream's if lower).
    pub fn per_minute(&self) -> u32 {
        self.governor
            .lock()
            .map(|g| g.0)
            .unwrap_or(self.budget.requests_per_minute)
    }

    /// The current hourly budget (policy's, or less from the upstream's usage), if any.
    pub fn hourly(&self) -> Option<u32> {
        self.hourly
            .lock()
            .map(|g| g.as_ref().map(Gcra::per_hour))
            .unwrap_or(self.budget.requests_per_hour)
    }
}

/// How long the hourly budget holds a request back at `t`, if it does.
fn hour_wait(hourly: Option<&Gcra>, t: Duration) -> Option<(Duration, Held)> {
    hourly.and_then(|h| {
        let wait = h.wait(t);
        (!wait.is_zero()).then(|| (wait, Held::Hour(h.per_hour())))
    })
}

/// The process's limiters, one per upstream account.
#[derive(Default)]
pub struct Limits {
    map: Mutex<HashMap<String, Arc<AccountLimiter>>>,
    shared: Option<Arc<dyn SharedBudgets>>,
}

impl Limits {
    /// Limiters whose per-minute budgets live in `shared` (replicas on one store).
    pub fn shared(shared: Arc<dyn SharedBudgets>) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            shared: Some(shared),
        }
    }

    /// The limiter for an account key, created with this budget on first use.
    pub fn get(&self, key: &str, name: &str, budget: Budget) -> Arc<AccountLimiter> {
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.entry(key.to_string())
            .or_insert_with(|| {
                let limiter = AccountLimiter::new(name, budget);
                Arc::new(match &self.shared {
                    Some(s) => limiter.sharing(s.clone(), shared_key(key)),
                    None => limiter,
                })
            })
            .clone()
    }
}

/// The key an account's budget is stored under: a hash, so the store holds no URL or
/// credential identity.
fn shared_key(account: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(account.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
