//! The choke point every tool call passes: session -> intent check -> before image ->
//! audit `requested` -> upstream call -> audit outcome.
//!
//! Owns: [`Core::write`] (every write tool and session change goes through it) and
//! [`Core::read`]. Invariants kept here:
//! - a write is recorded as `requested` before it is sent; if that record cannot be written,
//!   nothing is sent (fail closed) and the tool says why;
//! - every requested write gets an outcome event: `succeeded`, `failed`, or `unknown` when the
//!   upstream's answer could not be known (e.g. a timeout after sending);
//! - writes are refused until the agent session has an intent;
//! - reads never touch the audit store.
//!
//! Must not: talk HTTP itself or format tool output.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::audit::{AuditStore, NewEvent, Phase};
use crate::error::{Error, ErrorKind, Result};
use crate::session::{AgentSession, SessionManager};

/// The kind of change a write makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    /// A change to the agent session itself (intent, finish).
    Session,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Session => "session",
        }
    }
}

/// What a write is, for the audit log.
#[derive(Debug, Clone)]
pub struct WriteSpec {
    pub backend: &'static str,
    pub tool: &'static str,
    pub operation: Operation,
    pub entity: &'static str,
    pub target_id: Option<String>,
    /// The tool's arguments as the agent sent them (secrets are redacted before storing).
    pub arguments: Value,
}

/// What a successful write returns to the core.
pub struct Written<T> {
    pub value: T,
    /// The target's id when it is only known afterwards (creates).
    pub target_id: Option<String>,
    pub after: Option<Value>,
    pub status: Option<u16>,
}

/// Shared state behind the MCP surface.
pub struct Core {
    /// The principal: whose session tool calls use (stdio: the configured agent).
    pub agent: String,
    pub store: Arc<AuditStore>,
    pub sessions: SessionManager,
}

impl Core {
    /// The agent's current session (opened lazily).
    pub async fn session(&self) -> Result<Arc<AgentSession>> {
        self.sessions.current(&self.agent).await
    }

    /// Runs a read. Reads need no intent and no audit store.
    pub async fn read<T, F, Fut>(&self, tool: &'static str, op: F) -> Result<T>
    where
        F: FnOnce(Arc<AgentSession>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let session = self.session().await?;
        let started = Instant::now();
        let result = op(session).await;
        tracing::debug!(
            tool,
            ok = result.is_ok(),
            ms = started.elapsed().as_millis() as u64,
            "read"
        );
        result
    }

    /// Runs a write through the audit log. `before` reads the object's current state (for
    /// updates and deletes); `op` performs the change and is given that image.
    pub async fn write<T, B, BF, O, OF>(&self, spec: WriteSpec, before: B, op: O) -> Result<T>
    where
        B: FnOnce(Arc<AgentSession>) -> BF,
        BF: Future<Output = Result<Option<Value>>>,
        O: FnOnce(Arc<AgentSession>, Option<Value>) -> OF,
        OF: Future<Output = Result<Written<T>>>,
    {
        let session = self.session().await?;
        if spec.operation != Operation::Session && session.intent().is_none() {
            return Err(Error::new(
                ErrorKind::IntentRequired,
                format!(
                    "{} was not sent: this agent session has no intent yet. Call set_agent_intent with one sentence saying what you are about to do (1-512 characters), then repeat this call.",
                    spec.tool
                ),
            ));
        }
        let before_image = before(session.clone()).await?;
        self.record_session_start(&session).await?;
        let requested = self
            .store
            .append(self.event(
                &session,
                &spec,
                Phase::Requested,
                spec.target_id.clone(),
                before_image.clone(),
                None,
                None,
                None,
                None,
            ))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::AuditUnavailable,
                    format!(
                        "{} was not sent, because the audit log could not record it: {e}",
                        spec.tool
                    ),
                )
            })?;
        let started = Instant::now();
        let result = op(session.clone(), before_image).await;
        let ms = started.elapsed().as_millis() as i64;
        let mut outcome = match &result {
            Ok(w) => self.event(
                &session,
                &spec,
                Phase::Succeeded,
                w.target_id.clone().or_else(|| spec.target_id.clone()),
                None,
                w.after.clone(),
                w.status,
                Some(ms),
                None,
            ),
            Err(e) => self.event(
                &session,
                &spec,
                if e.kind == ErrorKind::Ambiguous {
                    Phase::Unknown
                } else {
                    Phase::Failed
                },
                spec.target_id.clone(),
                None,
                None,
                e.status,
                Some(ms),
                Some(e.message.clone()),
            ),
        };
        outcome.request_id = Some(requested.id.clone());
        if let Err(audit_err) = self.store.append(outcome).await {
            tracing::error!(tool = spec.tool, request = %requested.id, error = %audit_err, "could not record the outcome of a write");
            return Err(match result {
                Ok(w) => Error::new(
                    ErrorKind::AuditUnavailable,
                    format!(
                        "{} WAS applied upstream{}, but the audit log could not record its outcome ({audit_err}); do not repeat it",
                        spec.tool,
                        w.target_id
                            .map(|id| format!(" ({} {id})", spec.entity))
                            .unwrap_or_default()
                    ),
                ),
                Err(e) => Error::new(
                    e.kind,
                    format!(
                        "{}; also, the audit log could not record this outcome ({audit_err})",
                        e.message
                    ),
                ),
            });
        }
        result.map(|w| w.value)
    }

    /// Persists the session and audits its start, once, before its first recorded change.
    async fn record_session_start(&self, session: &AgentSession) -> Result<()> {
        let first = self.sessions.ensure_persisted(session).await.map_err(|e| {
            Error::new(
                ErrorKind::AuditUnavailable,
                format!("nothing was sent, because the audit log could not record the agent session: {e}"),
            )
        })?;
        if first {
            let spec = WriteSpec {
                backend: "session",
                tool: "agent_session_start",
                operation: Operation::Session,
                entity: "agent_session",
                target_id: Some(session.id.clone()),
                arguments: Value::Null,
            };
            let after = serde_json::to_value(session.row()).ok();
            self.store
                .append(self.event(
                    session,
                    &spec,
                    Phase::Succeeded,
                    Some(session.id.clone()),
                    None,
                    after,
                    None,
                    None,
                    None,
                ))
                .await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        phase: Phase,
        target_id: Option<String>,
        before: Option<Value>,
        after: Option<Value>,
        status: Option<u16>,
        duration_ms: Option<i64>,
        error: Option<String>,
    ) -> NewEvent {
        NewEvent {
            phase: Some(phase),
            request_id: None,
            agent: session.agent.clone(),
            session_id: Some(session.id.clone()),
            branch: Some(session.branch.clone()),
            intent: session.intent(),
            backend: spec.backend.to_string(),
            tool: spec.tool.to_string(),
            operation: spec.operation.as_str().to_string(),
            target_entity: Some(spec.entity.to_string()),
            target_id,
            arguments: match &spec.arguments {
                Value::Null => None,
                v => Some(redact(v)),
            },
            before_image: before,
            after_image: after,
            upstream_status: status.map(i32::from),
            duration_ms,
            error,
        }
    }
}

/// Replaces values of secret-looking keys with `[redacted]`, recursively.
pub fn redact(value: &Value) -> Value {
    const SECRET_KEYS: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "cookie",
        "authorization",
        "sessionid",
        "csrf",
    ];
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let lower = k.to_ascii_lowercase();
                if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                    out.insert(k.clone(), Value::String("[redacted]".into()));
                } else {
                    out.insert(k.clone(), redact(v));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let v = redact(
            &json!({"title": "x", "auth": {"api_key": "k", "Password": "p"}, "list": [{"csrftoken": "c"}]}),
        );
        assert_eq!(v["title"], "x");
        assert_eq!(v["auth"]["api_key"], "[redacted]");
        assert_eq!(v["auth"]["Password"], "[redacted]");
        assert_eq!(v["list"][0]["csrftoken"], "[redacted]");
    }
}
