//! Agent sessions in the store: the audited record (`agent_sessions`, one row per session,
//! written before its first audited change) and which session each agent works in now
//! (`agent_current_sessions`, one row per agent), which every replica and every restart of
//! the server reads, so an agent has one session wherever its calls land.
//!
//! Owns: those two tables' SQL. Must not: decide when a session opens or finishes (the
//! session manager does) or write audit events.

use chrono::{SubsecRound, Utc};

use super::{AuditStore, Pool, SessionRow};
use crate::error::Result;

/// Binds a session's columns, in the order both tables list them (id .. started_at).
trait BindSession<'q>: Sized {
    fn bind_session(self, s: &'q SessionRow) -> Self;
}

impl<'q, DB> BindSession<'q> for sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    chrono::DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    fn bind_session(self, s: &'q SessionRow) -> Self {
        self.bind(s.id.clone())
            .bind(s.agent.clone())
            .bind(s.backend.clone())
            .bind(s.username.clone())
            .bind(s.branch.clone())
            .bind(s.mode.clone())
            .bind(s.intent.clone())
            .bind(s.started_at)
    }
}

const CURRENT_COLUMNS: &str =
    "id, agent, backend, username, branch, mode, intent, started_at, NULL AS finished_at";

impl AuditStore {
    /// Records a session; false when it was already recorded (by this or another replica).
    pub async fn insert_session(&self, s: &SessionRow) -> Result<bool> {
        let pool = self.pool().await?;
        on_pool!(pool, |p| {
            sqlx::query(
                "INSERT INTO agent_sessions (id, agent, backend, username, branch, mode, intent, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
            )
            .bind_session(s)
            .bind(s.finished_at)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
        })
        .map_err(|e| self.unavailable(e))
    }

    /// Sets a session's intent, in its record and where it is an agent's current session.
    pub async fn set_session_intent(&self, id: &str, intent: &str) -> Result<()> {
        let pool = self.pool().await?;
        for table in ["agent_sessions", "agent_current_sessions"] {
            let sql = format!("UPDATE {table} SET intent = $1 WHERE id = $2");
            on_pool!(pool, |p| {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(intent)
                    .bind(id)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected())
            })
            .map_err(|e| self.unavailable(e))?;
        }
        Ok(())
    }

    /// Marks a session finished and no longer its agent's current one.
    pub async fn finish_session(&self, id: &str) -> Result<()> {
        let pool = self.pool().await?;
        on_pool!(pool, |p| {
            sqlx::query("DELETE FROM agent_current_sessions WHERE id = $1")
                .bind(id)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(|e| self.unavailable(e))?;
        on_pool!(pool, |p| {
            sqlx::query("UPDATE agent_sessions SET finished_at = $1 WHERE id = $2")
                .bind(Utc::now().trunc_subsecs(6))
                .bind(id)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })
        .map(|_| ())
        .map_err(|e| self.unavailable(e))
    }

    pub async fn get_session(&self, id: &str) -> Result<Option<SessionRow>> {
        let pool = self.pool().await?;
        on_pool!(pool, |p| {
            sqlx::query_as::<_, SessionRow>(
                "SELECT id, agent, backend, username, branch, mode, intent, started_at, finished_at FROM agent_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// The session `agent` works in now, if one is open (on any replica).
    pub async fn current_session(&self, agent: &str) -> Result<Option<SessionRow>> {
        let pool = self.pool().await?;
        let sql = format!("SELECT {CURRENT_COLUMNS} FROM agent_current_sessions WHERE agent = $1");
        on_pool!(pool, |p| {
            sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(sql))
                .bind(agent)
                .fetch_optional(p)
                .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// Makes `s` its agent's current session unless the agent already has one; returns the
    /// one that is current afterwards (`s`, or the one another replica opened first).
    pub async fn claim_current_session(&self, s: &SessionRow) -> Result<SessionRow> {
        let pool = self.pool().await?;
        for _ in 0..3 {
            let inserted = on_pool!(pool, |p| {
                sqlx::query(
                    "INSERT INTO agent_current_sessions (id, agent, backend, username, branch, mode, intent, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind_session(s)
                .execute(p)
                .await
                .map(|r| r.rows_affected() == 1)
            })
            .map_err(|e| self.unavailable(e))?;
            if inserted {
                return Ok(s.clone());
            }
            // Finished between our insert and this read: try again.
            if let Some(current) = self.current_session(&s.agent).await? {
                return Ok(current);
            }
        }
        Err(crate::error::Error::new(
            crate::error::ErrorKind::Conflict,
            "this agent's session keeps being opened and finished elsewhere; repeat the call",
        ))
    }
}
