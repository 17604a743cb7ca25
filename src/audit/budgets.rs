//! Request budgets shared by replicas: one GCRA row per upstream account in PostgreSQL
//! (`rate_budgets`), updated atomically on the database's clock, so N replicas together send
//! what one would. One statement per request sent upstream.
//!
//! Owns: that SQL. Must not: decide budgets or wait (the rate limiter in `policy::ratelimit`
//! does both, and asks here once per request when the store is shared).

use std::time::Duration;

use super::{AuditStore, Pool};
use crate::error::Result;

/// Grant when the account's theoretical arrival time is at most `(burst - 1)` intervals ahead
/// of now, and then move it on by one interval; a refusal changes nothing.
const SPEND: &str = "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS us) \
   INSERT INTO rate_budgets AS b (account, tat_us) SELECT $1, now.us + $2 FROM now \
   ON CONFLICT (account) DO UPDATE SET tat_us = GREATEST(b.tat_us, EXCLUDED.tat_us - $2) + $2 \
   WHERE GREATEST(b.tat_us, EXCLUDED.tat_us - $2) - (EXCLUDED.tat_us - $2) <= $3 \
   RETURNING tat_us";

/// How long until the account's budget has room again.
const WAIT: &str = "SELECT tat_us - $2 - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint \
   FROM rate_budgets WHERE account = $1";

impl AuditStore {
    /// Whether replicas share this store (PostgreSQL), so request budgets should live here.
    pub fn shares_budgets(&self) -> bool {
        matches!(self.config, crate::config::AuditStoreConfig::Postgres(_))
    }

    /// Spends one request of the budget `account` (one request per `interval`, bursts of
    /// `burst`) if it has room now: `None`. Otherwise nothing is spent and the answer is how
    /// long until it has room.
    pub async fn spend_budget(
        &self,
        account: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Option<Duration>> {
        let Pool::Postgres(p) = self.pool().await? else {
            return Ok(None);
        };
        let interval_us = i64::try_from(interval.as_micros())
            .unwrap_or(i64::MAX)
            .max(1);
        let tolerance_us = interval_us.saturating_mul(i64::from(burst.max(1)) - 1);
        let granted: Option<(i64,)> = sqlx::query_as(SPEND)
            .bind(account)
            .bind(interval_us)
            .bind(tolerance_us)
            .fetch_optional(p)
            .await
            .map_err(|e| self.unavailable(e))?;
        if granted.is_some() {
            return Ok(None);
        }
        let wait: Option<(i64,)> = sqlx::query_as(WAIT)
            .bind(account)
            .bind(tolerance_us)
            .fetch_optional(p)
            .await
            .map_err(|e| self.unavailable(e))?;
        let us = wait.map_or(0, |w| w.0).max(1);
        Ok(Some(Duration::from_micros(us.unsigned_abs())))
    }
}
