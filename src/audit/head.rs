//! Appending to the chain: the event's columns, and on PostgreSQL the one-statement append.
//!
//! Owns: building an event before it is chained, the SQL that inserts it, and PostgreSQL's
//! single round trip: one statement moves the `audit_head` row on (seq + 1, the new hash) and
//! inserts the event from it. The row's lock queues concurrent writers, on one replica or
//! many, so no two events get one seq and none is chained to a stale head. The hash is the same
//! SHA-256 over the same canonical form as [`Event::compute_hash`]: this side serializes the
//! event with the two values only the database knows (seq, previous hash) left out, and the
//! database splices them in before hashing. The returned row is checked against
//! `compute_hash` here, so a difference cannot go unnoticed.
//! Must not: decide what an event says (the MCP core does) or walk the chain (see `verify`).

use chrono::{SubsecRound, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgPool, SqlitePool};
use uuid::Uuid;

use super::{AuditStore, Event, NewEvent, Phase, chain};
use crate::error::{Error, ErrorKind, Result};

/// The event `new` describes, with its id and time, not yet chained (seq 0, no hashes).
pub(super) fn unchained(new: NewEvent) -> Event {
    let canon = |v: Option<Value>| v.map(|v| Json(chain::canonical(&v)));
    Event {
        seq: 0,
        id: Uuid::new_v4().to_string(),
        at: Utc::now().trunc_subsecs(6),
        phase: new.phase.unwrap_or(Phase::Succeeded).as_str().to_string(),
        request_id: new.request_id,
        agent: new.agent,
        session_id: new.session_id,
        branch: new.branch,
        intent: new.intent,
        backend: new.backend,
        tool: new.tool,
        operation: new.operation,
        target_entity: new.target_entity,
        target_id: new.target_id,
        arguments: canon(new.arguments),
        before_image: canon(new.before_image),
        after_image: canon(new.after_image),
        upstream_status: new.upstream_status,
        duration_ms: new.duration_ms,
        error: new.error,
        decision: new.decision,
        rule: new.rule,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// The canonical text of `event` in three pieces: before the previous hash's digits, between
/// them and the seq's digits, and after. `a + prev_hash + b + seq + c` is what
/// [`Event::compute_hash`] hashes. The top-level keys are sorted and every key after
/// `prev_hash` and after `seq` holds a scalar, so the last occurrence of each key is the
/// top-level one (a nested value with the same text comes earlier, and a string's quotes are
/// escaped).
pub(super) fn template(event: &Event) -> Result<(String, String, String)> {
    let mut e = event.clone();
    e.seq = 0;
    e.prev_hash = String::new();
    let text = chain::canonical_string(&e.hashed_content());
    let prev_key = "\"prev_hash\":\"";
    let seq_key = "\"seq\":0";
    let bad = || Error::internal("the audit event's canonical form has no prev_hash or seq");
    let p = text.rfind(prev_key).ok_or_else(bad)? + prev_key.len();
    let s = text.rfind(seq_key).ok_or_else(bad)?;
    if s < p || !text[p..].starts_with('"') {
        return Err(bad());
    }
    Ok((
        text[..p].to_string(),
        text[p..s + seq_key.len() - 1].to_string(),
        text[s + seq_key.len()..].to_string(),
    ))
}

const COLUMNS: &str = "seq, id, at, phase, request_id, agent, session_id, branch, intent, backend, tool, operation, target_entity, target_id, arguments, before_image, after_image, upstream_status, duration_ms, error, decision, rule, prev_hash, hash";

/// Binds every column but seq, prev_hash and hash, in `COLUMNS` order.
macro_rules! bind_body {
    ($q:expr, $e:expr) => {
        $q.bind(&$e.id)
            .bind($e.at)
            .bind(&$e.phase)
            .bind(&$e.request_id)
            .bind(&$e.agent)
            .bind(&$e.session_id)
            .bind(&$e.branch)
            .bind(&$e.intent)
            .bind(&$e.backend)
            .bind(&$e.tool)
            .bind(&$e.operation)
            .bind(&$e.target_entity)
            .bind(&$e.target_id)
            .bind(&$e.arguments)
            .bind(&$e.before_image)
            .bind(&$e.after_image)
            .bind($e.upstream_status)
            .bind($e.duration_ms)
            .bind(&$e.error)
            .bind(&$e.decision)
            .bind(&$e.rule)
    };
}

/// Inserts a chained event (SQLite: the caller read the head). SQLite numbers parameters in
/// the order they first appear, so they are bound in column order.
pub(super) async fn insert_sqlite(
    p: &SqlitePool,
    e: &Event,
) -> std::result::Result<(), sqlx::Error> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO audit_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
    )));
    bind_body!(q.bind(e.seq), e)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(p)
        .await
        .map(|_| ())
}

/// One statement: move the head on and insert the event chained to it.
const APPEND_PG: &str = "WITH head AS ( \
     UPDATE audit_head SET seq = seq + 1, prev_hash = hash, \
       hash = encode(sha256(convert_to($22::text || hash || $23::text || (seq + 1)::text \
         || $24::text, 'UTF8')), 'hex') \
     WHERE id = 1 RETURNING seq, prev_hash, hash) \
   INSERT INTO audit_events (seq, id, at, phase, request_id, agent, session_id, branch, intent, \
     backend, tool, operation, target_entity, target_id, arguments, before_image, after_image, \
     upstream_status, duration_ms, error, decision, rule, prev_hash, hash) \
   SELECT head.seq, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
     $18, $19, $20, $21, head.prev_hash, head.hash FROM head \
   RETURNING seq, prev_hash, hash";

/// Puts the head row back on the newest event (after a row was written outside the server,
/// e.g. by an older version, so the head's next seq is taken).
const RESYNC_PG: &str = "UPDATE audit_head SET \
     seq = COALESCE((SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1), 0), \
     prev_hash = '', \
     hash = COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), $1) \
   WHERE id = 1";

impl AuditStore {
    /// PostgreSQL: one round trip per append (two when the head must first be put back).
    pub(super) async fn append_postgres(&self, p: &PgPool, event: &mut Event) -> Result<()> {
        let (a, b, c) = template(event)?;
        for _ in 0..5 {
            let q = sqlx::query_as::<_, (i64, String, String)>(APPEND_PG);
            let row = bind_body!(q, event)
                .bind(&a)
                .bind(&b)
                .bind(&c)
                .fetch_optional(p)
                .await;
            match row {
                Ok(Some((seq, prev_hash, hash))) => {
                    event.seq = seq;
                    event.prev_hash = prev_hash;
                    event.hash = hash;
                    let expected = event.compute_hash();
                    if expected != event.hash {
                        tracing::error!(
                            seq,
                            "the database hashed an audit event differently; audit verify \
                             will report it"
                        );
                        return Err(Error::new(
                            ErrorKind::AuditUnavailable,
                            format!("audit event {seq} was hashed differently by the database"),
                        ));
                    }
                    return Ok(());
                }
                Ok(None) => {
                    return Err(Error::new(
                        ErrorKind::AuditUnavailable,
                        "the audit store has no chain head row (audit_head): was the schema \
                         migrated by this version?",
                    ));
                }
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                    tracing::warn!("audit head behind the newest event; putting it back");
                    sqlx::query(RESYNC_PG)
                        .bind(chain::GENESIS)
                        .execute(p)
                        .await
                        .map_err(|e| self.unavailable(e))?;
                }
                Err(e) => return Err(self.unavailable(e)),
            }
        }
        Err(Error::new(
            ErrorKind::AuditUnavailable,
            "the audit store is too busy: could not append after 5 attempts",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_template_with_the_values_spliced_in_hashes_like_the_event() {
        let mut e = unchained(NewEvent {
            agent: "a".into(),
            backend: "freshdesk".into(),
            tool: "t".into(),
            operation: "update".into(),
            // Nested values that look like the keys must not confuse the split.
            arguments: Some(json!({"prev_hash": "", "seq": 0, "x": "\"seq\":0"})),
            after_image: Some(json!({"\"prev_hash\":\"": 1})),
            target_id: Some("\"seq\":0".into()),
            decision: Some("allow".into()),
            ..Default::default()
        });
        let (a, b, c) = template(&e).unwrap();
        for (seq, prev) in [(1, chain::GENESIS), (987_654_321, "ab12")] {
            e.seq = seq;
            e.prev_hash = prev.to_string();
            let spliced = format!("{a}{prev}{b}{seq}{c}");
            assert_eq!(spliced, chain::canonical_string(&e.hashed_content()));
        }
    }
}
