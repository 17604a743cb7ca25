//! What every backend's part of `helpdesk-operator check` shares: the line format, the
//! request budget of a one-off check, and how an upstream's hourly usage is reported.

use std::sync::Arc;

use crate::policy::ratelimit::{AccountLimiter, Budget};

/// A check makes a handful of requests: this budget never holds one back.
const BUDGET: Budget = Budget {
    requests_per_minute: 300,
    requests_per_hour: None,
    max_concurrent: 8,
    max_concurrent_per_endpoint: None,
    max_wait: std::time::Duration::from_secs(30),
};

/// A limiter of its own for a check's client.
pub fn limiter(upstream: &str) -> Arc<AccountLimiter> {
    Arc::new(AccountLimiter::new(upstream, BUDGET))
}

/// One result line under a backend's heading.
pub fn line(label: &str, result: &str) {
    println!("  {label:<26} {result}");
}

/// An upstream's own count of requests in its current hour against its threshold, for a
/// `line`; the limiter is told (as the backend's client would) and its pace is shown.
pub fn hourly_usage(limiter: &AccountLimiter, used: u32, threshold: u32) -> String {
    limiter.observe_usage(used, threshold);
    let percent = if threshold == 0 {
        0
    } else {
        u64::from(used) * 100 / u64::from(threshold)
    };
    let pace = limiter.hourly().map_or_else(
        || "no hourly budget".to_string(),
        |h| format!("{h} per hour"),
    );
    let note = match percent {
        100.. => "; at the threshold: the upstream refuses calls, requests pause",
        50.. => "; past half: the upstream slows calls down",
        _ => "",
    };
    format!("{used} of {threshold} this hour ({percent} %), pacing at {pace}{note}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn hourly_usage_reports_the_pace() {
        let l = limiter("Up");
        assert_eq!(
            hourly_usage(&l, 1_000, 10_000),
            "1000 of 10000 this hour (10 %), pacing at 9000 per hour"
        );
        assert_eq!(
            hourly_usage(&l, 7_500, 10_000),
            "7500 of 10000 this hour (75 %), pacing at 2500 per hour; \
             past half: the upstream slows calls down"
        );
        assert!(hourly_usage(&l, 10_000, 10_000).contains("(100 %)"));
    }
}
