//! The choke point every tool call passes: session -> intent -> before image -> policy
//! decision (deny / confirm) -> audit `requested` -> upstream call -> audit outcome.
//!
//! Owns: [`Core::write`] (every write tool and session change goes through it),
//! [`Core::read`], and the confirmation round trips (token, elicitation, human approval).
//! Invariants kept here:
//! - a write is recorded as `requested` before it is sent; if that record cannot be written,
//!   nothing is sent (fail closed) and the tool says why;
//! - every requested write gets an outcome event: `succeeded`, `failed`, or `unknown` when the
//!   upstream's answer could not be known (e.g. a timeout after sending);
//! - every policy decision that stops or gates a write is an event (denied,
//!   confirmation_required, confirmed, expired, refused);
//! - writes are refused until the agent session has an intent;
//! - a confirmation is bound to (agent session, tool, canonical arguments) and to the object's
//!   state when it was previewed, single use, expiring;
//! - reads never touch the audit store.
//!
//! The confirmation round trips (token, elicitation, human approval) live in [`gate`].
//!
//! Must not: talk HTTP itself or format tool output.

mod gate;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::InputRequiredResult;
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData, RoleServer};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::audit::{AuditStore, NewEvent, Phase};
use crate::error::{Error, ErrorKind, Result};
pub use crate::policy::OpKind as Operation;
use crate::policy::confirm::Preview;
use crate::policy::{DecisionKind, Policy, ToolMeta};
use crate::session::{AgentSession, SessionManager};
use gate::Gate;

/// What a write is, for policy and the audit log.
#[derive(Debug, Clone)]
pub struct WriteSpec {
    /// The tool's one declaration (backend, operation, entity, fields).
    pub tool: &'static ToolMeta,
    pub target_id: Option<String>,
    /// The tool's arguments as the agent sent them (secrets are redacted before storing).
    pub arguments: Value,
    /// The canonical values policy rules compare against (names resolved to ids).
    pub view: Value,
    /// The object's raw state (before image) -> canonical values, for `changes` rules.
    pub before_view: fn(&Value) -> Value,
}

impl WriteSpec {
    /// The write that the tool call `p` makes on `target` (None for a create: its id is known
    /// afterwards), `view` being what policy compares; the before image is not read for
    /// policy until [`WriteSpec::before`] says how.
    pub fn of<P: Serialize>(
        tool: &'static ToolMeta,
        p: &P,
        target: Option<i64>,
        view: Value,
    ) -> WriteSpec {
        WriteSpec {
            tool,
            target_id: target.map(|id| id.to_string()),
            arguments: crate::mcp::params::args_of(p),
            view,
            before_view: no_view,
        }
    }

    /// The before image's canonical values, for `changes` rules.
    pub fn before(self, before_view: fn(&Value) -> Value) -> WriteSpec {
        WriteSpec {
            before_view,
            ..self
        }
    }
}

/// The audit log's name for a session's start (an event, not a tool).
const SESSION_START: ToolMeta = ToolMeta {
    name: "agent_session_start",
    backend: "session",
    title: "Agent session started",
    operation: Operation::Session,
    entity: "agent_session",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: |_| Ok(Value::Null),
};

/// For writes that read no before image.
pub fn no_view(_: &Value) -> Value {
    Value::Null
}

/// What a successful write returns to the core.
pub struct Written<T> {
    pub value: T,
    /// The target's id when it is only known afterwards (creates).
    pub target_id: Option<String>,
    pub after: Option<Value>,
    pub status: Option<u16>,
    /// Recorded with the outcome, e.g. how an ambiguous answer was reconciled.
    pub note: Option<String>,
}

impl<T> Written<T> {
    pub fn new(
        value: T,
        target_id: Option<String>,
        after: Option<Value>,
        status: Option<u16>,
    ) -> Self {
        Self {
            value,
            target_id,
            after,
            status,
            note: None,
        }
    }
}

/// How a write call ended, short of an error.
pub enum Outcome<T> {
    /// The change was made.
    Done(T),
    /// Nothing was sent: a confirmation bound to this exact call is needed first.
    Confirm(Box<ConfirmationRequired>),
    /// 2026-07-28 clients: the input-required round trip that asks the user to confirm.
    Input(InputRequiredResult),
}

/// The structured result of a call that needs confirmation.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfirmationRequired {
    /// Always "confirmation_required".
    pub status: String,
    pub tool: String,
    /// The policy rule that asks for confirmation, and why.
    pub rule: String,
    pub reason: String,
    /// How to confirm: "token" (repeat the call with the token) or "human" (a person approves
    /// it with `helpdesk-operator approve <confirmation_id>`, then repeat the call with the
    /// token).
    pub via: String,
    pub confirmation_id: String,
    /// Repeat exactly the same call (same arguments) with this added as `confirmation_token`.
    pub confirmation_token: String,
    pub expires_at: DateTime<Utc>,
    pub preview: Preview,
    /// What to do next, in words.
    pub next_step: String,
}

/// How the client can be asked to confirm (elicitation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elicit {
    /// The client cannot be asked.
    No,
    /// 2025-11-25 and older: an `elicitation/create` request during the call.
    Inline,
    /// 2026-07-28: the input-required round trip.
    RoundTrip,
}

/// What the MCP request carries besides the tool's own arguments.
#[derive(Clone)]
pub struct CallCtx {
    pub confirmation_token: Option<String>,
    pub elicit: Elicit,
    pub peer: Option<Peer<RoleServer>>,
    pub request_state: Option<String>,
    pub input_responses: Option<rmcp::model::InputResponses>,
}

impl CallCtx {
    /// No confirmation token, no elicitation (CLI, tests).
    pub fn plain() -> Self {
        Self {
            confirmation_token: None,
            elicit: Elicit::No,
            peer: None,
            request_state: None,
            input_responses: None,
        }
    }

    pub fn from_request(
        ctx: &RequestContext<RoleServer>,
        confirmation_token: Option<String>,
        request_state: Option<String>,
        input_responses: Option<rmcp::model::InputResponses>,
    ) -> Self {
        let can_elicit = ctx
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        let stateless = ctx
            .protocol_version()
            .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28);
        let elicit = match (can_elicit, stateless) {
            (false, _) => Elicit::No,
            (true, false) => Elicit::Inline,
            (true, true) => Elicit::RoundTrip,
        };
        Self {
            confirmation_token,
            elicit,
            peer: Some(ctx.peer.clone()),
            request_state,
            input_responses,
        }
    }
}

/// What a write tool's MCP request carries besides its arguments, taken as one extractor:
/// the request context, the previous round's state and the client's input responses.
pub struct WriteRequest {
    ctx: RequestContext<RoleServer>,
    state: Option<String>,
    responses: Option<rmcp::model::InputResponses>,
}

impl<S> FromContextPart<ToolCallContext<'_, S>> for WriteRequest {
    fn from_context_part(c: &mut ToolCallContext<'_, S>) -> std::result::Result<Self, ErrorData> {
        Ok(WriteRequest {
            ctx: c.request_context.clone(),
            state: c.request_state.take(),
            responses: c.input_responses.take(),
        })
    }
}

impl WriteRequest {
    /// The call's confirmation context, with the token the arguments carry.
    pub fn call(self, confirmation_token: Option<String>) -> CallCtx {
        CallCtx::from_request(&self.ctx, confirmation_token, self.state, self.responses)
    }
}

/// Shared state behind the MCP surface.
pub struct Core {
    /// The principal of stdio calls: the configured agent. [`HelpdeskOperator::call_tool`]
    /// decides each call's principal; tools never read this.
    ///
    /// [`HelpdeskOperator::call_tool`]: crate::mcp::HelpdeskOperator
    pub(in crate::mcp) agent: String,
    pub store: Arc<AuditStore>,
    pub sessions: SessionManager,
    pub policy: Arc<Policy>,
    /// The server's own operators file (`HELPDESK_OPERATOR_AGENTS`): a human approval counts
    /// only when it was made with one of its entries.
    pub operators: Option<Arc<crate::operators::Principals>>,
}

/// Who makes a call: the agent principal whose session, intent and audit rows the call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(pub Arc<str>);

tokio::task_local! {
    /// The principal of the tool call running on this task, set by `call_tool` alone.
    static PRINCIPAL: Principal;
}

/// Runs `call` as `principal`'s tool call: the only way a tool body gets a principal, hence a
/// session, hence an upstream client.
pub async fn as_principal<F: Future>(principal: Principal, call: F) -> F::Output {
    PRINCIPAL.scope(principal, call).await
}

impl Core {
    /// The stdio principal (the configured agent).
    pub fn stdio_principal(&self) -> Principal {
        Principal(self.agent.as_str().into())
    }

    /// The calling principal's current session (opened lazily). Outside a tool call there is
    /// no principal, and nothing is sent (fail closed).
    pub async fn session(&self) -> Result<Arc<AgentSession>> {
        let who = PRINCIPAL.try_with(Principal::clone).map_err(|_| {
            Error::internal("no principal for this call (it did not come through call_tool)")
        })?;
        self.sessions.current(&who.0).await
    }

    /// [`Core::session`] as the store has it now (another replica may have set its intent or
    /// finished it): for writes and the session tools.
    pub async fn shared_session(&self) -> Result<Arc<AgentSession>> {
        let who = PRINCIPAL.try_with(Principal::clone).map_err(|_| {
            Error::internal("no principal for this call (it did not come through call_tool)")
        })?;
        self.sessions.current_shared(&who.0).await
    }

    /// Runs a read. Reads need no intent and no audit store.
    pub async fn read<T, F, Fut>(&self, decl: &'static ToolMeta, op: F) -> Result<T>
    where
        F: FnOnce(Arc<AgentSession>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let t_policy = Instant::now();
        let tool = decl.name;
        // A tool the policy's catalogue does not know is refused (fail closed).
        let meta = self
            .policy
            .tool(tool)
            .ok_or_else(|| Error::internal(format!("{tool} is not in the tool catalogue")))?;
        let denied = Some(self.policy.decide(meta, &Value::Null, None))
            .filter(|d| d.kind == DecisionKind::Deny);
        let policy_us = t_policy.elapsed().as_micros();
        if let Some(d) = denied {
            return Err(Error::new(
                ErrorKind::PolicyDenied,
                format!(
                    "{tool} is refused by policy rule \"{}\": {}",
                    d.rule, d.reason
                ),
            ));
        }
        // The session tools show the session as every replica has it.
        let session = if decl.backend == "session" {
            self.shared_session().await?
        } else {
            self.session().await?
        };
        let started = Instant::now();
        let result = op(session).await;
        tracing::debug!(
            target: "helpdesk_operator::timing",
            tool,
            policy_us = policy_us as u64,
            audit_us = 0u64,
            upstream_us = started.elapsed().as_micros() as u64,
            "read timing"
        );
        result
    }

    /// [`Core::write`] of a create: there is no before image; `op` makes the object.
    pub async fn create<T, OF>(
        &self,
        spec: WriteSpec,
        call: CallCtx,
        op: impl FnOnce(Arc<AgentSession>) -> OF,
    ) -> Result<Outcome<T>>
    where
        OF: Future<Output = Result<Written<T>>>,
    {
        self.write(spec, call, |_| async { Ok(None) }, |s, _| op(s))
            .await
    }

    /// Runs a write through policy and the audit log. `before` reads the object's current
    /// state (for updates and deletes); `op` performs the change and is given that image.
    pub async fn write<T, B, BF, O, OF>(
        &self,
        spec: WriteSpec,
        call: CallCtx,
        before: B,
        op: O,
    ) -> Result<Outcome<T>>
    where
        B: FnOnce(Arc<AgentSession>) -> BF,
        BF: Future<Output = Result<Option<Value>>>,
        O: FnOnce(Arc<AgentSession>, Option<Value>) -> OF,
        OF: Future<Output = Result<Written<T>>>,
    {
        let session = self.shared_session().await?;
        let meta = *self.policy.tool(spec.tool.name).ok_or_else(|| {
            Error::internal(format!("{} is not in the tool catalogue", spec.tool.name))
        })?;
        if spec.tool.operation != Operation::Session && session.intent().is_none() {
            let msg = format!(
                "{} was not sent: this agent session has no intent yet. Call set_agent_intent with one sentence saying what you are about to do (1-512 characters), then repeat this call.",
                spec.tool.name
            );
            if let Err(e) = self
                .decision_event(
                    &session,
                    &spec,
                    Phase::Denied,
                    "require_intent",
                    "intent",
                    &msg,
                )
                .await
            {
                tracing::warn!(error = %e, "could not record a refused write");
            }
            return Err(Error::new(ErrorKind::IntentRequired, msg));
        }
        // Counted until its outcome is recorded, so finish_agent_session waits for it.
        let _in_flight = match spec.tool.operation {
            Operation::Session => None,
            _ => Some(session.begin_write()?),
        };
        let t_before = Instant::now();
        let before_image = before(session.clone()).await?;
        let before_us = t_before.elapsed().as_micros();
        let before_view = before_image.as_ref().map(|b| (spec.before_view)(b));
        let t_policy = Instant::now();
        let decision = self.policy.decide_call(
            &meta,
            &spec.view,
            Some(&spec.arguments),
            before_view.as_ref(),
        );
        let policy_us = t_policy.elapsed().as_micros();
        tracing::info!(
            tool = spec.tool.name,
            decision = decision.kind.as_str(),
            rule = %decision.rule,
            "policy decision"
        );
        let label = match decision.kind {
            DecisionKind::Deny => {
                let msg = format!(
                    "{} was refused by policy rule \"{}\": {}",
                    spec.tool.name, decision.rule, decision.reason
                );
                self.decision_event(&session, &spec, Phase::Denied, "deny", &decision.rule, &msg)
                    .await?;
                return Err(Error::new(ErrorKind::PolicyDenied, msg));
            }
            DecisionKind::Confirm => {
                match self
                    .confirm(
                        &session,
                        &spec,
                        &decision,
                        &call,
                        before_image.as_ref(),
                        before_view.as_ref(),
                    )
                    .await?
                {
                    Gate::Proceed(label) => label,
                    Gate::Stop(outcome) => return Ok(outcome),
                }
            }
            DecisionKind::Allow | DecisionKind::RequireIntent => "allowed",
        };
        let t_audit = Instant::now();
        self.record_session_start(&session).await?;
        let mut requested = self.event(
            &session,
            &spec,
            Phase::Requested,
            spec.target_id.clone(),
            before_image.clone(),
            None,
            None,
            None,
            None,
        );
        requested.decision = Some(label.to_string());
        requested.rule = Some(decision.rule.clone());
        let requested = self.store.append(requested).await.map_err(|e| {
            Error::new(
                ErrorKind::AuditUnavailable,
                format!(
                    "{} was not sent, because the audit log could not record it: {e}",
                    spec.tool.name
                ),
            )
        })?;
        let mut audit_us = t_audit.elapsed().as_micros();
        let started = Instant::now();
        let result = op(session.clone(), before_image).await;
        let upstream_us = started.elapsed().as_micros();
        let ms = (upstream_us / 1000) as i64;
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
                w.note.clone(),
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
        let t_outcome = Instant::now();
        let appended = self.store.append(outcome).await;
        audit_us += t_outcome.elapsed().as_micros();
        // What policy and the audit log add to this call (the overhead benchmark reads this).
        tracing::debug!(
            target: "helpdesk_operator::timing",
            tool = spec.tool.name,
            policy_us = policy_us as u64,
            audit_us = audit_us as u64,
            upstream_us = (upstream_us + before_us) as u64,
            "write timing"
        );
        if let Err(audit_err) = appended {
            tracing::error!(
                tool = spec.tool.name,
                request = %requested.id,
                error = %audit_err,
                "could not record the outcome of a write"
            );
            return Err(match result {
                Ok(w) => Error::new(
                    ErrorKind::AuditUnavailable,
                    format!(
                        "{} WAS applied upstream{}, but the audit log could not record its outcome ({audit_err}); do not repeat it",
                        spec.tool.name,
                        w.target_id
                            .map(|id| format!(" ({} {id})", spec.tool.entity))
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
        result.map(|w| Outcome::Done(w.value))
    }

    /// Records a refusal and returns the error to give the agent.
    async fn refuse(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        rule: &str,
        phase: Phase,
        why: &str,
    ) -> Error {
        let msg = format!("{} was not sent: {why}", spec.tool.name);
        if let Err(e) = self
            .decision_event(session, spec, phase, "confirm", rule, &msg)
            .await
        {
            return Error::new(
                ErrorKind::AuditUnavailable,
                format!("{msg}; also, the audit log could not record this ({e})"),
            );
        }
        Error::new(
            if phase == Phase::Expired {
                ErrorKind::ConfirmationExpired
            } else {
                ErrorKind::ConfirmationRefused
            },
            msg,
        )
    }

    async fn decision_event(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        phase: Phase,
        decision: &str,
        rule: &str,
        message: &str,
    ) -> Result<()> {
        self.record_session_start(session).await?;
        let mut ev = self.event(
            session,
            spec,
            phase,
            spec.target_id.clone(),
            None,
            None,
            None,
            None,
            Some(message.to_string()),
        );
        ev.decision = Some(decision.to_string());
        ev.rule = Some(rule.to_string());
        self.store.append(ev).await.map(|_| ())
    }

    /// Persists the session and audits its start, once, before its first recorded change.
    async fn record_session_start(&self, session: &AgentSession) -> Result<()> {
        let first = self.sessions.ensure_persisted(session).await.map_err(|e| {
            Error::new(
                ErrorKind::AuditUnavailable,
                format!(
                    "nothing was sent, because the audit log could not record the agent \
                     session: {e}"
                ),
            )
        })?;
        if first {
            let spec = WriteSpec {
                tool: &SESSION_START,
                target_id: Some(session.id.clone()),
                arguments: Value::Null,
                view: Value::Null,
                before_view: no_view,
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
            backend: spec.tool.backend.to_string(),
            tool: spec.tool.name.to_string(),
            operation: spec.tool.operation.as_str().to_string(),
            target_entity: Some(spec.tool.entity.to_string()),
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
            decision: None,
            rule: None,
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
        let v = redact(&json!({
            "title": "x",
            "auth": {"api_key": "k", "Password": "p"},
            "list": [{"csrftoken": "c"}],
        }));
        assert_eq!(v["title"], "x");
        assert_eq!(v["auth"]["api_key"], "[redacted]");
        assert_eq!(v["auth"]["Password"], "[redacted]");
        assert_eq!(v["list"][0]["csrftoken"], "[redacted]");
    }

    fn core() -> Core {
        let dir = std::env::temp_dir().join(format!("principal-{}", uuid::Uuid::new_v4()));
        let store = AuditStore::new(crate::config::AuditStoreConfig::Sqlite(
            dir.join("audit.sqlite3"),
        ));
        Core {
            agent: "stdio-agent".into(),
            sessions: SessionManager::new(store.clone(), Vec::new()),
            store,
            policy: Arc::new(Policy::default_policy(crate::backends::catalogue()).unwrap()),
            operators: None,
        }
    }

    #[tokio::test]
    async fn a_session_needs_the_principal_call_tool_gives() {
        let core = core();
        let e = core.session().await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Internal, "{e}");
        assert!(e.message.contains("principal"), "{e}");
        let who = |n: &str| Principal(n.into());
        let a = as_principal(who("alice"), core.session()).await.unwrap();
        let b = as_principal(who("bob"), core.session()).await.unwrap();
        let a2 = as_principal(who("alice"), core.session()).await.unwrap();
        assert_eq!((a.agent.as_str(), b.agent.as_str()), ("alice", "bob"));
        assert_ne!(a.id, b.id, "each principal has its own session");
        assert_eq!(a.id, a2.id, "a principal keeps its session across calls");
        let stdio = as_principal(core.stdio_principal(), core.session())
            .await
            .unwrap();
        assert_eq!(stdio.agent, "stdio-agent");
    }
}
