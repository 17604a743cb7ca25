//! What every backend's part of `helpdesk-operator check` shares: the line format and the
//! request budget of a one-off check.

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
