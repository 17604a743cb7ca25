//! Agent sessions: one per agent principal, with a branch name, a declared intent and one
//! part per configured backend (its client: the agent's own login where the backend has
//! per-agent logins, the shared account client otherwise).
//!
//! Owns: opening a session lazily on first use (each backend's [`Connector`] opens its part;
//! a part whose upstream keeps agent sessions itself supplies branch and intent), minting
//! branch names otherwise, intent validation, persisting the session beside the audit log,
//! and closing it. The store names each agent's current session, so replicas on one database
//! (and a restarted server) adopt it rather than open their own, and writes re-read it
//! ([`SessionManager::current_shared`]) so an intent or a finish on another replica holds.
//! Must not: write audit events (the MCP core does, around each change), know about MCP, or
//! name a backend. No state depends on an MCP transport session or the process: sessions are
//! keyed by the agent principal.

pub mod backend;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, SubsecRound, Utc};
use rand::Rng;
use serde::Serialize;
use tokio::sync::{Mutex, OnceCell};
use uuid::Uuid;

use crate::audit::{AuditStore, SessionRow};
use crate::error::{Error, ErrorKind, Result};
pub use backend::{BoxFuture, Connector, Kept, Login, SessionPart, SharedClient};

/// The most characters an intent may have (the fork's limit).
pub const MAX_INTENT_CHARS: usize = 512;

/// Who keeps the session's branch and intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// The upstream keeps branch and intent (its own agent-session endpoints).
    Instance,
    /// No upstream keeps them: this server mints and keeps them.
    Server,
}

impl SessionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionMode::Instance => "instance",
            SessionMode::Server => "server",
        }
    }
}

/// One agent session.
pub struct AgentSession {
    pub id: String,
    pub agent: String,
    pub username: Option<String>,
    pub branch: String,
    pub mode: SessionMode,
    pub started_at: DateTime<Utc>,
    intent: RwLock<Option<String>>,
    /// One part per configured backend, in the registry's order.
    parts: Vec<Box<dyn SessionPart>>,
    /// Why an upstream's own agent sessions are not used, when it has them.
    pub note: Option<String>,
    persisted: OnceCell<()>,
    /// Whether the store knows this as its agent's current session (then every replica and a
    /// restarted server find it there).
    shared: std::sync::atomic::AtomicBool,
    /// Writes of this session between their policy decision and their audited outcome, and
    /// whether the session is finishing (then no new write starts).
    writes: std::sync::Mutex<InFlight>,
    drained: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct InFlight {
    running: usize,
    closing: bool,
}

/// Held while a write of the session runs; dropping it lets `finish` go on.
pub struct WriteGuard {
    session: Arc<AgentSession>,
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        if let Ok(mut w) = self.session.writes.lock() {
            w.running = w.running.saturating_sub(1);
        }
        self.session.drained.notify_waiters();
    }
}

impl std::fmt::Debug for AgentSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentSession")
            .field("id", &self.id)
            .field("agent", &self.agent)
            .field("branch", &self.branch)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl AgentSession {
    /// Registers a write of this session; refused once the session is finishing, so that a
    /// finished session's summary counts every write it had.
    pub fn begin_write(self: &Arc<Self>) -> Result<WriteGuard> {
        let mut w = self
            .writes
            .lock()
            .map_err(|_| Error::internal("session state poisoned"))?;
        if w.closing {
            return Err(Error::new(
                crate::error::ErrorKind::Conflict,
                "this agent session is finishing, so the write was not sent: repeat it once finish_agent_session has answered (it will run in the next session)",
            ));
        }
        w.running += 1;
        Ok(WriteGuard {
            session: self.clone(),
        })
    }

    /// Stops new writes and waits up to `wait` for the running ones to record their outcome.
    /// If some are still running then, writes are allowed again and the error says how many.
    pub async fn close_for_writes(&self, wait: std::time::Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + wait;
        if let Ok(mut w) = self.writes.lock() {
            w.closing = true;
        }
        loop {
            let drained = self.drained.notified();
            let running = self.writes.lock().map(|w| w.running).unwrap_or(0);
            if running == 0 {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, drained).await.is_err() {
                let running = self.writes.lock().map(|w| w.running).unwrap_or(0);
                if running == 0 {
                    return Ok(());
                }
                if let Ok(mut w) = self.writes.lock() {
                    w.closing = false;
                }
                return Err(Error::new(
                    crate::error::ErrorKind::Conflict,
                    format!(
                        "{running} write(s) of this session are still waiting for the helpdesk's answer after {} s; the session stays open: call finish_agent_session again when they have answered",
                        wait.as_secs()
                    ),
                ));
            }
        }
    }

    pub fn intent(&self) -> Option<String> {
        self.intent.read().ok().and_then(|g| g.clone())
    }

    fn set_intent_local(&self, intent: &str) {
        self.set_intent_opt(Some(intent.to_string()));
    }

    fn set_intent_opt(&self, intent: Option<String>) {
        if let Ok(mut g) = self.intent.write() {
            *g = intent.filter(|i| !i.is_empty());
        }
    }

    fn is_shared(&self) -> bool {
        self.shared.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Takes on the identity of a session the store holds (opened by another replica, or by
    /// this server before a restart): its id, branch, intent and start. This session's own
    /// clients (logins) stay.
    fn adopt(&mut self, row: SessionRow) {
        self.id = row.id;
        self.branch = row.branch;
        self.started_at = row.started_at;
        self.set_intent_opt(row.intent);
        self.shared = std::sync::atomic::AtomicBool::new(true);
    }

    /// The client backend `backend` opened for this session, as its type `T`; `None` when
    /// that backend is not configured.
    pub fn client<T: Any>(&self, backend: &str) -> Option<&T> {
        self.parts
            .iter()
            .find(|p| p.backend() == backend)
            .and_then(|p| p.client().downcast_ref::<T>())
    }

    /// [`AgentSession::client`], or an error saying how to configure the backend.
    pub fn client_or<T: Any>(&self, backend: &str, not_configured: &str) -> Result<&T> {
        self.client::<T>(backend)
            .ok_or_else(|| Error::config(not_configured.to_string()))
    }

    /// The backends this session works on, e.g. "django_helpdesk,freshdesk" ("none").
    pub fn backends(&self) -> String {
        if self.parts.is_empty() {
            return "none".to_string();
        }
        let names: Vec<&str> = self.parts.iter().map(|p| p.backend()).collect();
        names.join(",")
    }

    /// The part whose upstream keeps this session, when there is one.
    fn keeper(&self) -> Option<&dyn SessionPart> {
        match self.mode {
            SessionMode::Instance => self
                .parts
                .iter()
                .find(|p| p.kept().is_some())
                .map(|p| p.as_ref()),
            SessionMode::Server => None,
        }
    }

    pub fn row(&self) -> SessionRow {
        SessionRow {
            id: self.id.clone(),
            agent: self.agent.clone(),
            backend: self.backends(),
            username: self.username.clone(),
            branch: self.branch.clone(),
            mode: self.mode.as_str().to_string(),
            intent: self.intent(),
            started_at: self.started_at,
            finished_at: None,
        }
    }
}

/// Checks an intent: 1 to 512 characters, not blank, no control characters but newlines/tabs.
pub fn validate_intent(intent: &str) -> Result<String> {
    let trimmed = intent.trim();
    let n = trimmed.chars().count();
    if n == 0 {
        return Err(Error::invalid(
            "intent",
            "must not be empty: say in one sentence what you are about to do, e.g. \"triage printer tickets in Support\"",
        ));
    }
    if n > MAX_INTENT_CHARS {
        return Err(Error::invalid(
            "intent",
            format!(
                "is {n} characters long; the limit is {MAX_INTENT_CHARS}: shorten it to one or two sentences"
            ),
        ));
    }
    if trimmed.chars().any(crate::policy::personal_data::invisible) {
        return Err(Error::invalid(
            "intent",
            "must not contain invisible characters (zero-width or bidi controls): they hide or reorder what the audit log shows; write the intent in plain text",
        ));
    }
    if !trimmed.chars().any(char::is_alphanumeric) {
        return Err(Error::invalid(
            "intent",
            "must say something: write in words what you are about to do, e.g. \"triage printer tickets in Support\"",
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            "intent",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// `<username>-<8 chars a-z0-9>`, the fork's branch form.
pub fn mint_branch(username: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{username}-{suffix}")
}

/// Holds each agent's current session.
pub struct SessionManager {
    store: Arc<AuditStore>,
    /// One per configured backend, in the registry's order.
    connectors: Vec<Arc<dyn Connector>>,
    /// One slot per principal. The map's lock is held only to find the slot; a slot's lock is
    /// held while that principal's session opens (login, fork probe), so one slow login never
    /// stalls another agent.
    current: std::sync::Mutex<HashMap<String, Arc<Slot>>>,
    /// Agents' own logins, by (agent, backend).
    logins: HashMap<(String, &'static str), Login>,
}

type Slot = Mutex<Option<Arc<AgentSession>>>;

impl SessionManager {
    pub fn new(store: Arc<AuditStore>, connectors: Vec<Arc<dyn Connector>>) -> Self {
        Self {
            store,
            connectors,
            current: std::sync::Mutex::new(HashMap::new()),
            logins: HashMap::new(),
        }
    }

    /// Agents' own logins: (agent, backend) -> the credentials its sessions use there.
    pub fn with_logins(mut self, logins: HashMap<(String, &'static str), Login>) -> Self {
        self.logins = logins;
        self
    }

    /// The backends sessions are opened on.
    pub fn backends(&self) -> Vec<&'static str> {
        self.connectors.iter().map(|c| c.backend()).collect()
    }

    /// The agent's open session, opening one (and logging in) if there is none.
    pub async fn current(&self, agent: &str) -> Result<Arc<AgentSession>> {
        let slot = self.slot(agent)?;
        let mut slot = slot.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let session = Arc::new(self.open_shared(agent).await?);
        tracing::info!(
            agent,
            branch = %session.branch,
            mode = session.mode.as_str(),
            "agent session opened"
        );
        *slot = Some(session.clone());
        Ok(session)
    }

    /// The agent's session as the store has it now: what another replica changed (intent,
    /// finish, a new session) is taken over, so every replica writes in the same session with
    /// the same intent. One query; writes and `get_agent_session_info` use it, reads do not.
    /// Sessions whose instance keeps them (its own per-login sessions) are this server's only.
    pub async fn current_shared(&self, agent: &str) -> Result<Arc<AgentSession>> {
        let s = self.current(agent).await?;
        if s.mode == SessionMode::Instance {
            return Ok(s);
        }
        let stored = match self.store.current_session(agent).await {
            Ok(stored) => stored,
            // The write that asked fails closed at its audit step; a read goes on.
            Err(_) => return Ok(s),
        };
        match stored {
            Some(row) if row.id == s.id => {
                s.set_intent_opt(row.intent);
                Ok(s)
            }
            None if !s.is_shared() => {
                // Opened while the store was down: make it current now, unless another
                // replica's session got there first.
                let row = self.store.claim_current_session(&s.row()).await?;
                if row.id == s.id {
                    s.shared.store(true, std::sync::atomic::Ordering::SeqCst);
                    return Ok(s);
                }
                self.reopen(agent, &s.id).await
            }
            // Finished, or replaced by a new session, on another replica.
            _ => self.reopen(agent, &s.id).await,
        }
    }

    /// Forgets the agent's session `stale` (if it is still the one held) and opens or adopts
    /// the current one.
    async fn reopen(&self, agent: &str, stale: &str) -> Result<Arc<AgentSession>> {
        {
            let slot = self.slot(agent)?;
            let mut slot = slot.lock().await;
            if slot.as_ref().is_some_and(|s| s.id == stale) {
                *slot = None;
            }
        }
        self.current(agent).await
    }

    /// Opens a session for `agent` and, unless its instance keeps it, makes it the one the
    /// store holds for the agent, or adopts the one already there.
    async fn open_shared(&self, agent: &str) -> Result<AgentSession> {
        let mut session = self.open(agent).await?;
        if session.mode == SessionMode::Instance {
            return Ok(session);
        }
        match self.store.claim_current_session(&session.row()).await {
            Ok(row) if row.id == session.id => {
                session.shared = std::sync::atomic::AtomicBool::new(true);
            }
            Ok(row) => session.adopt(row),
            Err(e) => tracing::warn!(
                agent,
                error = %e,
                "the audit store is unavailable: this session is this server's own until it answers"
            ),
        }
        Ok(session)
    }

    fn slot(&self, agent: &str) -> Result<Arc<Slot>> {
        let mut map = self
            .current
            .lock()
            .map_err(|_| Error::internal("the session table is poisoned"))?;
        Ok(map.entry(agent.to_string()).or_default().clone())
    }

    /// The agent's open session, if any, without opening one.
    pub async fn peek(&self, agent: &str) -> Option<Arc<AgentSession>> {
        let slot = self.slot(agent).ok()?;
        slot.lock().await.clone()
    }

    async fn open(&self, agent: &str) -> Result<AgentSession> {
        let mut parts = Vec::with_capacity(self.connectors.len());
        for c in &self.connectors {
            let login = self.logins.get(&(agent.to_string(), c.backend()));
            parts.push(c.open(agent, login).await?);
        }
        let username = parts.iter().find_map(|p| p.username());
        let note = parts.iter().find_map(|p| p.note());
        let kept = parts.iter().find_map(|p| p.kept());
        let mode = match kept {
            Some(_) => SessionMode::Instance,
            None => SessionMode::Server,
        };
        let Kept { branch, intent } = kept.unwrap_or_default();
        let branch = match branch {
            Some(b) => b,
            None => {
                if mode == SessionMode::Instance {
                    return Err(Error::new(
                        ErrorKind::Upstream,
                        "the instance's agent-session-info did not report a branch_name",
                    ));
                }
                mint_branch(username.as_deref().unwrap_or(agent))
            }
        };
        Ok(AgentSession {
            id: Uuid::new_v4().to_string(),
            agent: agent.to_string(),
            username,
            branch,
            mode,
            started_at: Utc::now().trunc_subsecs(6),
            intent: RwLock::new(intent.filter(|i| !i.is_empty())),
            parts,
            note,
            persisted: OnceCell::new(),
            shared: std::sync::atomic::AtomicBool::new(false),
            writes: std::sync::Mutex::new(InFlight::default()),
            drained: tokio::sync::Notify::new(),
        })
    }

    /// Records the session row once, before its first audited change. Returns true when this
    /// call recorded it (the caller then audits the session's start); false when it was
    /// recorded before, here or by another replica.
    pub async fn ensure_persisted(&self, session: &AgentSession) -> Result<bool> {
        let mut first = false;
        session
            .persisted
            .get_or_try_init(|| async {
                first = self.store.insert_session(&session.row()).await?;
                Ok::<(), Error>(())
            })
            .await?;
        Ok(first)
    }

    /// Sets the intent: on the instance when it keeps sessions, and in the store.
    pub async fn set_intent(&self, session: &AgentSession, intent: &str) -> Result<()> {
        if let Some(keeper) = session.keeper() {
            keeper.set_intent(intent).await?;
        }
        session.set_intent_local(intent);
        self.store.set_session_intent(&session.id, intent).await
    }

    /// Ends the agent's session everywhere and forgets it; the next call opens a new one.
    pub async fn finish(&self, session: &AgentSession) -> Result<()> {
        let mut upstream = Ok(());
        for part in &session.parts {
            let done = part.finish().await;
            if upstream.is_ok() {
                upstream = done;
            }
        }
        // Forget the session even if the upstream call failed: its jar is dropped with it.
        if let Ok(slot) = self.slot(&session.agent) {
            let mut slot = slot.lock().await;
            if slot.as_ref().is_some_and(|s| s.id == session.id) {
                *slot = None;
            }
        }
        self.store.finish_session(&session.id).await?;
        upstream
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_has_the_fork_form() {
        let b = mint_branch("agent7");
        let (user, suffix) = b.rsplit_once('-').unwrap();
        assert_eq!(user, "agent7");
        assert_eq!(suffix.len(), 8);
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(mint_branch("a"), mint_branch("a"));
    }

    #[test]
    fn intent_limits() {
        assert!(validate_intent("").is_err());
        assert!(validate_intent("   ").is_err());
        assert_eq!(validate_intent(" triage ").unwrap(), "triage");
        assert!(validate_intent(&"x".repeat(512)).is_ok());
        let e = validate_intent(&"x".repeat(513)).unwrap_err();
        assert!(e.message.contains("513"), "{}", e.message);
        assert!(
            validate_intent(&"é".repeat(512)).is_ok(),
            "counted in characters, not bytes"
        );
        assert!(validate_intent("a\u{7}b").is_err());
    }
}
