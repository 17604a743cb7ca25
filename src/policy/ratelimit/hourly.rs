//! The rolling-hour budget: GCRA (the generic cell rate algorithm governor uses) sized so that
//! no 60-minute window, wherever it starts, holds more than the budget, and the upstream's own
//! usage count that tightens it.
//!
//! Why the window holds: a GCRA with emission interval τ and burst b grants a request at `now`
//! when `now >= tat - (b - 1)τ`, then sets `tat = max(tat, now) + τ`. Each grant moves `tat`
//! on by at least τ, so after n - 1 grants from time s, `tat >= s + (n - 1)τ`, and the n-th
//! grant is at `>= s + (n - b)τ`. Any closed window of length T therefore holds at most
//! `b + floor(T / τ)` grants. With b = max(1, R / 20) and τ = 3600 s / (R - b) rounded up to
//! the nanosecond, that is at most R per hour (R = b = 1 takes τ = 3600 s + 1 ns). A saturating
//! burst gets b at once and then one every τ: R - 1 in its first hour (>= 95 % of R from
//! R = 20), and (R - b) >= 95 % of R in every later hour.
//!
//! Kept here rather than in governor because a request must pass both this and the per-minute
//! limiter: this one can say whether it would grant without spending, so a refusal by one never
//! spends the other's budget.

use std::time::Duration;

/// The window the upstream counts in.
pub const HOUR: Duration = Duration::from_secs(3600);

/// (burst, emission interval) for `per_hour` requests in any rolling hour.
pub fn shape(per_hour: u32) -> (u32, Duration) {
    let r = per_hour.max(1);
    let burst = (r / 20).max(1);
    let hour_ns = HOUR.as_nanos();
    let tau_ns = if r > burst {
        hour_ns.div_ceil(u128::from(r - burst))
    } else {
        hour_ns + 1
    };
    (burst, Duration::from_nanos(tau_ns as u64))
}

/// A GCRA on durations since the limiter's origin (tokio's clock).
#[derive(Debug, Clone, Copy)]
pub struct Gcra {
    per_hour: u32,
    burst: u32,
    tau: Duration,
    /// Theoretical arrival time of the next request.
    tat: Duration,
}

impl Gcra {
    pub fn new(per_hour: u32, now: Duration) -> Self {
        let (burst, tau) = shape(per_hour);
        Self {
            per_hour: per_hour.max(1),
            burst,
            tau,
            tat: now,
        }
    }

    pub fn per_hour(&self) -> u32 {
        self.per_hour
    }

    /// How long from `now` until a request conforms (zero: it does now).
    pub fn wait(&self, now: Duration) -> Duration {
        let tolerance = self.tau * (self.burst - 1);
        self.tat.saturating_sub(tolerance).saturating_sub(now)
    }

    /// Spends one request (the caller checked [`Gcra::wait`] is zero).
    pub fn grant(&mut self, now: Duration) {
        self.tat = self.tat.max(now) + self.tau;
    }

    /// The same limiter at another budget, keeping how many requests of burst are spent (the
    /// debt `tat - now`, counted in requests), so a change never hands out a fresh burst.
    pub fn retarget(&self, per_hour: u32, now: Duration) -> Gcra {
        let mut next = Gcra::new(per_hour, now);
        let debt = self.tat.saturating_sub(now).as_nanos();
        let old = self.tau.as_nanos().max(1);
        let scaled = (debt * next.tau.as_nanos()).div_ceil(old);
        next.tat = now + Duration::from_nanos(u64::try_from(scaled).unwrap_or(u64::MAX));
        next
    }
}

/// The effective hourly budget: policy's (if any), at most what other integrations leave of
/// the upstream's threshold (`threshold - others`, where `others` is the upstream's count
/// `used` less this limiter's own requests of the last hour). At or above the threshold the
/// caller pauses and keeps the pace it had (`current`).
pub fn effective(
    policy: Option<u32>,
    current: Option<u32>,
    used: u32,
    others: u32,
    threshold: u32,
) -> Option<u32> {
    if threshold == 0 {
        return current;
    }
    let cap = if used >= threshold || others >= threshold {
        current.map_or(threshold, |c| c.min(threshold))
    } else {
        threshold - others
    };
    Some(policy.map_or(cap, |p| p.min(cap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arithmetic of the module comment, for every budget up to 2,000 and some large ones.
    #[test]
    fn the_shape_bounds_every_rolling_hour() {
        for r in (1..=2_000).chain([9_999, 10_000, 100_000, 1_000_000]) {
            let (b, tau) = shape(r);
            let full = b as u128 + HOUR.as_nanos() / tau.as_nanos();
            assert!(full <= r as u128, "R = {r}: {full} in a closed hour");
            // First hour of a saturating burst: b at 0, then one every tau before 3600 s.
            let first = b as u128 + (HOUR.as_nanos() - 1) / tau.as_nanos();
            if r >= 20 {
                assert!(
                    first * 100 >= r as u128 * 95,
                    "R = {r}: {first} in the first hour"
                );
            }
        }
    }

    #[test]
    fn retargeting_keeps_the_spent_burst() {
        let mut g = Gcra::new(2_000, Duration::ZERO);
        for _ in 0..100 {
            assert_eq!(g.wait(Duration::ZERO), Duration::ZERO);
            g.grant(Duration::ZERO);
        }
        assert!(
            g.wait(Duration::ZERO) > Duration::ZERO,
            "burst of 100 spent"
        );
        let g = g.retarget(1_000, Duration::ZERO);
        assert!(g.wait(Duration::ZERO) > Duration::ZERO, "no fresh burst");
        assert_eq!(g.per_hour(), 1_000);
    }

    #[test]
    fn the_effective_budget() {
        // What other integrations leave, never above policy's.
        assert_eq!(effective(None, None, 100, 100, 10_000), Some(9_900));
        assert_eq!(effective(Some(3_000), None, 100, 100, 10_000), Some(3_000));
        assert_eq!(
            effective(Some(20_000), None, 6_000, 6_000, 10_000),
            Some(4_000)
        );
        // Our own requests are not taken from us.
        assert_eq!(
            effective(Some(10_000), None, 6_000, 0, 10_000),
            Some(10_000)
        );
        // Usage fell: loosens again, up to policy's.
        assert_eq!(
            effective(Some(8_000), Some(1_000), 2_000, 2_000, 10_000),
            Some(8_000)
        );
        // At the threshold: the pace stays.
        assert_eq!(
            effective(None, Some(500), 10_000, 10_000, 10_000),
            Some(500)
        );
        assert_eq!(effective(None, None, 12_000, 12_000, 10_000), Some(10_000));
        // A threshold of 0 says nothing.
        assert_eq!(effective(Some(5), Some(4), 1, 1, 0), Some(4));
    }
}
