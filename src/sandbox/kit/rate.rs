//! The rate window: a budget of request credits per fixed 60 s window on tokio's clock.
//!
//! Owns: charging a request's cost and saying how many whole seconds are left until the
//! window resets (the `Retry-After` value) when the budget is spent.
//! Must not: build headers or bodies (each upstream names and shapes its own).

use std::sync::Mutex;
use std::time::Duration;

use super::lock;

/// The rate-limit window.
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Window {
    start: Option<tokio::time::Instant>,
    used: u32,
}

/// What a charged request leaves of the window's budget.
#[derive(Debug, Clone, Copy)]
pub struct Charge {
    /// The window's budget (`u32::MAX` when unlimited).
    pub total: u32,
    /// Credits left after this request.
    pub remaining: u32,
    /// What this request cost.
    pub cost: u32,
}

/// A per-minute budget shared by every request to one simulator.
pub struct RateWindow {
    per_minute: u32,
    window: Mutex<Window>,
}

impl RateWindow {
    /// `per_minute` credits per window; 0 means unlimited.
    pub fn new(per_minute: u32) -> Self {
        RateWindow {
            per_minute,
            window: Mutex::new(Window::default()),
        }
    }

    /// Takes `cost` credits from the current window, or says how many seconds until it resets.
    /// A request is refused only once the budget is spent, so the last one may overdraw it.
    pub fn charge(&self, cost: u32) -> Result<Charge, u64> {
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
        Ok(Charge {
            total,
            remaining: total.saturating_sub(w.used),
            cost,
        })
    }
}
