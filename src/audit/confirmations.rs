//! Pending confirmations, stored beside the audit log so that a person can approve one from
//! another process (`helpdesk-operator approve ID`). Only the token's hash is stored.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;

use super::{AuditStore, Pool};
use crate::error::Result;

/// One confirmation: what was previewed, what it is bound to, and where it stands.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Confirmation {
    /// Short public id, for people (`helpdesk-operator approve ID`).
    pub id: String,
    #[serde(skip)]
    pub token_hash: String,
    pub session_id: String,
    pub agent: String,
    pub tool: String,
    /// Hash of the canonical arguments the token is bound to.
    pub args_hash: String,
    /// Hash of the object as previewed (updates and deletes).
    pub preview_hash: Option<String>,
    pub preview: Option<Json<Value>>,
    pub rule: String,
    pub reason: String,
    /// token, elicitation or human.
    pub via: String,
    /// pending, approved, rejected, used, expired, refused.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

const COLUMNS: &str = "id, token_hash, session_id, agent, tool, args_hash, preview_hash, preview, rule, reason, via, state, created_at, expires_at, decided_at, decided_by";

impl AuditStore {
    pub async fn insert_confirmation(&self, c: &Confirmation) -> Result<()> {
        let pool = self.pool().await?;
        on_pool!(pool, |p| {
            sqlx::query(
                "INSERT INTO confirmations (id, token_hash, session_id, agent, tool, args_hash, preview_hash, preview, rule, reason, via, state, created_at, expires_at, decided_at, decided_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(&c.id)
            .bind(&c.token_hash)
            .bind(&c.session_id)
            .bind(&c.agent)
            .bind(&c.tool)
            .bind(&c.args_hash)
            .bind(&c.preview_hash)
            .bind(&c.preview)
            .bind(&c.rule)
            .bind(&c.reason)
            .bind(&c.via)
            .bind(&c.state)
            .bind(c.created_at)
            .bind(c.expires_at)
            .bind(c.decided_at)
            .bind(&c.decided_by)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })
        .map(|_| ())
        .map_err(|e| self.unavailable(e))
    }

    pub async fn confirmation_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<Confirmation>> {
        self.confirmation_where("token_hash", token_hash).await
    }

    pub async fn confirmation(&self, id: &str) -> Result<Option<Confirmation>> {
        self.confirmation_where("id", id).await
    }

    /// The newest `approved` event of a confirmation (the operator's credential is in its
    /// arguments), so the server can check an approval against its own operators file.
    pub async fn approval_of(&self, confirmation_id: &str) -> Result<Option<super::Event>> {
        let pool = self.pool().await?;
        let sql = format!(
            "SELECT {} FROM audit_events WHERE phase = 'approved' AND target_entity = 'confirmation' AND target_id = $1 ORDER BY seq DESC LIMIT 1",
            super::EVENT_COLUMNS
        );
        on_pool!(pool, |p| {
            sqlx::query_as::<_, super::Event>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(confirmation_id)
                .fetch_optional(p)
                .await
        })
        .map_err(|e| self.unavailable(e))
    }

    async fn confirmation_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<Confirmation>> {
        let pool = self.pool().await?;
        let sql = format!("SELECT {COLUMNS} FROM confirmations WHERE {column} = $1");
        on_pool!(pool, |p| {
            sqlx::query_as::<_, Confirmation>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(value)
                .fetch_optional(p)
                .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// Every confirmation, oldest first (for `audit verify`).
    pub async fn all_confirmations(&self) -> Result<Vec<Confirmation>> {
        let pool = self.pool().await?;
        let sql = format!("SELECT {COLUMNS} FROM confirmations ORDER BY created_at, id");
        on_pool!(pool, |p| {
            sqlx::query_as::<_, Confirmation>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(p)
                .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// Confirmations still waiting (pending or approved, not expired), oldest first.
    pub async fn open_confirmations(&self) -> Result<Vec<Confirmation>> {
        let pool = self.pool().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM confirmations WHERE (state = 'pending' OR state = 'approved') AND expires_at > $1 ORDER BY created_at"
        );
        on_pool!(pool, |p| {
            sqlx::query_as::<_, Confirmation>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(Utc::now())
                .fetch_all(p)
                .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// Moves a confirmation from one of `from` to `to`, atomically; false when it was not in
    /// one of those states (so a token is used at most once, even across processes).
    pub async fn transition_confirmation(
        &self,
        id: &str,
        from: &[&str],
        to: &str,
        by: Option<&str>,
    ) -> Result<bool> {
        let pool = self.pool().await?;
        let a = from.first().copied().unwrap_or("");
        let b = from.get(1).copied().unwrap_or(a);
        let n = on_pool!(pool, |p| {
            sqlx::query(
                "UPDATE confirmations SET state = $1, decided_at = $2, decided_by = COALESCE($3, decided_by) WHERE id = $4 AND (state = $5 OR state = $6)",
            )
            .bind(to)
            .bind(Utc::now().trunc_subsecs(6))
            .bind(by)
            .bind(id)
            .bind(a)
            .bind(b)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(|e| self.unavailable(e))?;
        Ok(n == 1)
    }
}
