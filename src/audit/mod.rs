//! The audit log: agent sessions and append-only, hash-chained events, in PostgreSQL (what
//! users deploy) or an embedded SQLite file (the default when `DATABASE_URL` is unset).
//!
//! Owns: the schema (embedded migrations in `migrations/`), appending events, reading them
//! back, signed checkpoints of the chain head ([`checkpoints`]), and `verify` (walks the chain
//! and names the first broken event; [`verify`] adds the checkpoints and the `confirmations`
//! and `agent_sessions` tables). The same SQL runs on both databases; only the migrations
//! differ.
//!
//! Must not: know about MCP, tools or backends beyond the plain strings in an event. Reads by
//! tools never need this store; writes fail closed when it cannot record them (see `mcp::guard`).

pub mod chain;

use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::types::Json;
use sqlx::{PgPool, SqlitePool};
use tokio::sync::{Mutex, OnceCell};

use crate::config::AuditStoreConfig;
use crate::error::{Error, ErrorKind, Result};

/// The phase of a call an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Recorded before anything is sent upstream.
    Requested,
    Succeeded,
    Failed,
    /// The outcome cannot be known (e.g. a timeout after the request was sent).
    Unknown,
    /// Policy refused the call; nothing was sent.
    Denied,
    /// Policy asked for confirmation; a token was issued, nothing was sent.
    ConfirmationRequired,
    /// The call was confirmed (token, elicitation or approved by a person).
    Confirmed,
    /// A person approved a pending confirmation out of band.
    Approved,
    /// A person rejected a pending confirmation out of band.
    Rejected,
    /// A confirmation token was presented after it expired.
    Expired,
    /// A confirmation was refused: wrong session, tool or arguments, replayed, declined.
    Refused,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Requested => "requested",
            Phase::Succeeded => "succeeded",
            Phase::Failed => "failed",
            Phase::Unknown => "unknown",
            Phase::Denied => "denied",
            Phase::ConfirmationRequired => "confirmation_required",
            Phase::Confirmed => "confirmed",
            Phase::Approved => "approved",
            Phase::Rejected => "rejected",
            Phase::Expired => "expired",
            Phase::Refused => "refused",
        }
    }
}

/// What a new event says; the store adds seq, id, time and the hashes.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub phase: Option<Phase>,
    /// For an outcome: the id of the `requested` event it closes.
    pub request_id: Option<String>,
    pub agent: String,
    pub session_id: Option<String>,
    pub branch: Option<String>,
    pub intent: Option<String>,
    pub backend: String,
    pub tool: String,
    /// create, update, delete or session.
    pub operation: String,
    pub target_entity: Option<String>,
    pub target_id: Option<String>,
    pub arguments: Option<Value>,
    pub before_image: Option<Value>,
    pub after_image: Option<Value>,
    pub upstream_status: Option<i32>,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    /// The policy decision that let the call through or stopped it, and the deciding rule.
    pub decision: Option<String>,
    pub rule: Option<String>,
}

/// One stored event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub seq: i64,
    pub id: String,
    pub at: DateTime<Utc>,
    pub phase: String,
    pub request_id: Option<String>,
    pub agent: String,
    pub session_id: Option<String>,
    pub branch: Option<String>,
    pub intent: Option<String>,
    pub backend: String,
    pub tool: String,
    pub operation: String,
    pub target_entity: Option<String>,
    pub target_id: Option<String>,
    pub arguments: Option<Json<Value>>,
    pub before_image: Option<Json<Value>>,
    pub after_image: Option<Json<Value>>,
    pub upstream_status: Option<i32>,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    pub decision: Option<String>,
    pub rule: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    /// The value that is hashed: every column but `hash`.
    fn hashed_content(&self) -> Value {
        let j = |v: &Option<Json<Value>>| v.as_ref().map(|j| j.0.clone()).unwrap_or(Value::Null);
        let mut content = json!({
            "seq": self.seq,
            "id": self.id,
            "at": self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "phase": self.phase,
            "request_id": self.request_id,
            "agent": self.agent,
            "session_id": self.session_id,
            "branch": self.branch,
            "intent": self.intent,
            "backend": self.backend,
            "tool": self.tool,
            "operation": self.operation,
            "target_entity": self.target_entity,
            "target_id": self.target_id,
            "arguments": j(&self.arguments),
            "before_image": j(&self.before_image),
            "after_image": j(&self.after_image),
            "upstream_status": self.upstream_status,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "prev_hash": self.prev_hash,
        });
        // Added in the second schema version: hashed only when set, so older chains verify.
        if let Some(d) = &self.decision {
            content["decision"] = json!(d);
        }
        if let Some(r) = &self.rule {
            content["rule"] = json!(r);
        }
        chain::canonical(&content)
    }

    /// The hash this event should have. Anyone can compute it (which is why a rewrite that
    /// recomputes the chain needs signed checkpoints to be caught).
    pub fn compute_hash(&self) -> String {
        chain::hash(&self.hashed_content())
    }
}

/// One stored agent session.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub agent: String,
    pub backend: String,
    pub username: Option<String>,
    pub branch: String,
    pub mode: String,
    pub intent: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Counts of a session's write outcomes.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema, PartialEq, Eq)]
pub struct WriteCounts {
    pub requested: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub unknown: i64,
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub events: i64,
    /// The hash of the newest event: anchor it elsewhere to detect truncation of the tail.
    pub head_hash: String,
    pub first_broken: Option<Broken>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Broken {
    pub seq: i64,
    pub id: Option<String>,
    pub problem: String,
}

#[derive(Clone)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs the same expression against whichever pool is configured.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            Pool::Postgres($p) => $body,
            Pool::Sqlite($p) => $body,
        }
    };
}

mod budgets;
pub mod checkpoints;
mod confirmations;
mod decisions;
mod head;
mod sessions;
pub mod verify;
pub use checkpoints::{Checkpoint, Checkpointing};
pub use confirmations::Confirmation;
pub use decisions::Decided;

/// The audit store. Connects lazily: a server whose store is down still serves reads.
pub struct AuditStore {
    config: AuditStoreConfig,
    pool: OnceCell<Pool>,
    /// Serialises this process's appends; holds what the checkpoint signer remembers.
    append_lock: Mutex<checkpoints::SignState>,
    checkpointing: Checkpointing,
    /// This store, weakly: the checkpoint timer holds it so and ends when it is dropped.
    me: Weak<AuditStore>,
    timer_started: AtomicBool,
}

impl std::fmt::Debug for AuditStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditStore")
            .field("store", &self.config.describe())
            .finish()
    }
}

const EVENT_COLUMNS: &str = "seq, id, at, phase, request_id, agent, session_id, branch, intent, backend, tool, operation, target_entity, target_id, arguments, before_image, after_image, upstream_status, duration_ms, error, decision, rule, prev_hash, hash";

impl AuditStore {
    /// A store that does not sign checkpoints (and verifies without a key).
    pub fn new(config: AuditStoreConfig) -> Arc<Self> {
        Self::with_checkpoints(config, Checkpointing::default())
    }

    /// A store that signs checkpoints with `checkpointing.key` (when set) and verifies them
    /// against `checkpointing.trusted`.
    pub fn with_checkpoints(config: AuditStoreConfig, checkpointing: Checkpointing) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            config,
            pool: OnceCell::new(),
            append_lock: Mutex::new(checkpoints::SignState::default()),
            checkpointing,
            me: me.clone(),
            timer_started: AtomicBool::new(false),
        })
    }

    /// The store the configuration describes, with its audit key read (a key file that
    /// cannot be read is a configuration error).
    pub fn from_config(config: &crate::config::Config) -> Result<Arc<Self>> {
        Ok(Self::with_checkpoints(
            config.audit_store.clone(),
            Checkpointing::load(&config.audit_checkpoints)?,
        ))
    }

    /// A description safe to print.
    pub fn describe(&self) -> String {
        self.config.describe()
    }

    /// Connects and migrates now, returning why it failed.
    pub async fn ensure_ready(&self) -> Result<()> {
        self.pool().await.map(|_| ())
    }

    /// Whether the store answers now (one trivial query), for a health check.
    pub async fn ping(&self) -> Result<()> {
        let pool = self.pool().await?;
        let answered = on_pool!(pool, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()));
        answered.map_err(|e| {
            Error::new(
                ErrorKind::AuditUnavailable,
                format!("the audit store does not answer: {e}"),
            )
        })
    }

    async fn pool(&self) -> Result<&Pool> {
        self.pool
            .get_or_try_init(|| connect(&self.config))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::AuditUnavailable,
                    format!("the audit store ({}) is unavailable: {e}", self.describe()),
                )
            })
    }

    fn unavailable(&self, e: sqlx::Error) -> Error {
        Error::new(
            ErrorKind::AuditUnavailable,
            format!(
                "the audit store ({}) failed: {}",
                self.describe(),
                db_error_text(&e)
            ),
        )
    }

    /// Appends an event to the chain. Safe across processes and replicas sharing one
    /// database: on PostgreSQL one statement moves the head row and inserts the event (see
    /// [`head`]); on SQLite the sequence number is the primary key, so a concurrent writer
    /// makes us re-read the head.
    pub async fn append(&self, new: NewEvent) -> Result<Event> {
        let pool = self.pool().await?;
        let mut sign_state = self.append_lock.lock().await;
        let mut event = head::unchained(new);
        let appended = match pool {
            Pool::Postgres(p) => self.append_postgres(p, &mut event).await,
            Pool::Sqlite(p) => self.append_sqlite(p, &mut event).await,
        };
        appended?;
        self.after_append(pool, &mut sign_state, &event).await;
        Ok(event)
    }

    async fn append_sqlite(&self, p: &SqlitePool, event: &mut Event) -> Result<()> {
        for _ in 0..50 {
            let head: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(p)
                    .await
                    .map_err(|e| self.unavailable(e))?;
            let (prev_seq, prev_hash) = head.unwrap_or((0, chain::GENESIS.to_string()));
            event.seq = prev_seq + 1;
            event.prev_hash = prev_hash;
            event.hash = event.compute_hash();
            match head::insert_sqlite(p, event).await {
                Ok(()) => return Ok(()),
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => continue,
                Err(e) => return Err(self.unavailable(e)),
            }
        }
        Err(Error::new(
            ErrorKind::AuditUnavailable,
            "the audit store is too busy: could not append after 50 attempts",
        ))
    }

    /// Newest events first, optionally of one session.
    pub async fn list(&self, session_id: Option<&str>, limit: i64) -> Result<Vec<Event>> {
        let pool = self.pool().await?;
        let rows = match session_id {
            Some(s) => on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE session_id = $1 ORDER BY seq DESC LIMIT $2"
                )))
                .bind(s)
                .bind(limit)
                .fetch_all(p)
                .await
            }),
            None => on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(p)
                .await
            }),
        };
        rows.map_err(|e| self.unavailable(e))
    }

    /// One event by sequence number or id.
    pub async fn get(&self, key: &str) -> Result<Option<Event>> {
        let pool = self.pool().await?;
        let row = if let Ok(seq) = i64::from_str(key) {
            on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq = $1"
                )))
                .bind(seq)
                .fetch_optional(p)
                .await
            })
        } else {
            on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE id = $1"
                )))
                .bind(key)
                .fetch_optional(p)
                .await
            })
        };
        row.map_err(|e| self.unavailable(e))
    }

    /// Walks the whole chain in order and reports the first event that is edited, missing or
    /// out of place. (The hash chain only: `verify_all` adds checkpoints and tables.)
    pub async fn verify(&self) -> Result<Verification> {
        let pool = self.pool().await?;
        let mut walker = verify::Walker::new();
        let page = 500i64;
        loop {
            let rows = on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq >= $1 ORDER BY seq ASC LIMIT $2"
                )))
                .bind(walker.next_seq())
                .bind(page)
                .fetch_all(p)
                .await
            })
            .map_err(|e| self.unavailable(e))?;
            let n = rows.len() as i64;
            for ev in &rows {
                walker.step(ev);
                if walker.broken.is_some() {
                    return Ok(Verification {
                        events: walker.verified,
                        head_hash: walker.prev_hash,
                        first_broken: walker.broken,
                    });
                }
            }
            if n < page {
                break;
            }
        }
        Ok(Verification {
            events: walker.verified,
            head_hash: walker.prev_hash,
            first_broken: None,
        })
    }

    /// How a session's writes (not session changes) turned out.
    pub async fn write_counts(&self, session_id: &str) -> Result<WriteCounts> {
        let pool = self.pool().await?;
        let rows: Vec<(String, i64)> = on_pool!(pool, |p| {
            sqlx::query_as(
                "SELECT phase, COUNT(*) FROM audit_events WHERE session_id = $1 AND operation <> 'session' GROUP BY phase",
            )
            .bind(session_id)
            .fetch_all(p)
            .await
        })
        .map_err(|e| self.unavailable(e))?;
        let mut counts = WriteCounts::default();
        for (phase, n) in rows {
            match phase.as_str() {
                "requested" => counts.requested = n,
                "succeeded" => counts.succeeded = n,
                "failed" => counts.failed = n,
                "unknown" => counts.unknown = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}

async fn connect(config: &AuditStoreConfig) -> std::result::Result<Pool, String> {
    match config {
        AuditStoreConfig::Postgres(url) => {
            let opts = sqlx::postgres::PgConnectOptions::from_str(
                secrecy::ExposeSecret::expose_secret(url),
            )
            .map_err(|e| {
                format!(
                    "DATABASE_URL is not a valid PostgreSQL URL ({})",
                    db_error_text(&e)
                )
            })?;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(5)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await
                .map_err(|e| db_error_text(&e))?;
            sqlx::migrate!("./migrations/postgres")
                .run(&pool)
                .await
                .map_err(|e| format!("migrating the audit schema failed: {e}"))?;
            Ok(Pool::Postgres(pool))
        }
        AuditStoreConfig::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let pool = sqlite_pool(path).await.map_err(|e| db_error_text(&e))?;
            sqlx::migrate!("./migrations/sqlite")
                .run(&pool)
                .await
                .map_err(|e| format!("migrating the audit schema failed: {e}"))?;
            Ok(Pool::Sqlite(pool))
        }
    }
}

async fn sqlite_pool(path: &Path) -> std::result::Result<SqlitePool, sqlx::Error> {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10));
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(opts)
        .await
}

/// sqlx error text without anything that could carry a connection string.
fn db_error_text(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Configuration(_) => "invalid connection settings".to_string(),
        other => other.to_string(),
    }
}
