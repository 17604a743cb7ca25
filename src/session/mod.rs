//! Agent sessions: one per agent principal, with a branch name, a declared intent and, for
//! django-helpdesk, the agent's own logged-in client (cookie jar with CSRF).
//!
//! Owns: opening a session lazily on first use (and detecting whether the django-helpdesk
//! instance has the agent-session fork's endpoints), minting branch names on a plain instance,
//! intent validation, persisting the session beside the audit log, and closing it.
//! Must not: write audit events (the MCP core does, around each change) or know about MCP.
//! No state depends on an MCP transport session: sessions are keyed by the agent principal.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, SubsecRound, Utc};
use rand::Rng;
use serde::Serialize;
use tokio::sync::{Mutex, OnceCell};
use uuid::Uuid;

use crate::audit::{AuditStore, SessionRow};
use crate::backends::django_helpdesk::{DjangoClient, DjangoHelpdeskConfig, ForkProbe};
use crate::backends::freshdesk::{FreshdeskClient, FreshdeskConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::{Budget, Limits};

/// Used when policy names no budget for a backend.
pub const DEFAULT_BUDGET: Budget = Budget {
    requests_per_minute: 300,
    max_concurrent: 8,
    max_wait: std::time::Duration::from_secs(30),
};

/// The most characters an intent may have (the fork's limit).
pub const MAX_INTENT_CHARS: usize = 512;

/// Who keeps the session's branch and intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// The django-helpdesk instance has the agent-session endpoints and keeps them.
    Instance,
    /// A plain instance (or none): this server mints and keeps them.
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
    /// The agent's own django-helpdesk client (its own cookie jar), when configured.
    pub django: Option<Arc<DjangoClient>>,
    /// The Freshdesk client (one per account, shared by all sessions), when configured.
    pub freshdesk: Option<Arc<FreshdeskClient>>,
    /// Why the fork's endpoints are not used, when the instance has them but refused us.
    pub note: Option<String>,
    persisted: OnceCell<()>,
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
        if let Ok(mut g) = self.intent.write() {
            *g = Some(intent.to_string());
        }
    }

    /// The django-helpdesk client, or a clear error when none is configured.
    pub fn django(&self) -> Result<&Arc<DjangoClient>> {
        self.django.as_ref().ok_or_else(|| {
            Error::config(
                "django-helpdesk is not configured: set DJANGO_HELPDESK_URL, DJANGO_HELPDESK_USERNAME and DJANGO_HELPDESK_PASSWORD",
            )
        })
    }

    /// The Freshdesk client, or a clear error when none is configured.
    pub fn freshdesk(&self) -> Result<&Arc<FreshdeskClient>> {
        self.freshdesk.as_ref().ok_or_else(|| {
            Error::config("Freshdesk is not configured: set FRESHDESK_DOMAIN and FRESHDESK_API_KEY")
        })
    }

    pub fn row(&self) -> SessionRow {
        SessionRow {
            id: self.id.clone(),
            agent: self.agent.clone(),
            // The backends this session can reach, e.g. "django_helpdesk,freshdesk".
            backend: {
                let mut b = Vec::new();
                if self.django.is_some() {
                    b.push("django_helpdesk");
                }
                if self.freshdesk.is_some() {
                    b.push("freshdesk");
                }
                if b.is_empty() {
                    "none".to_string()
                } else {
                    b.join(",")
                }
            },
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
    django: Option<DjangoHelpdeskConfig>,
    freshdesk: Option<Arc<FreshdeskClient>>,
    limits: Arc<Limits>,
    budgets: HashMap<&'static str, Budget>,
    /// One slot per principal. The map's lock is held only to find the slot; a slot's lock is
    /// held while that principal's session opens (login, fork probe), so one slow login never
    /// stalls another agent.
    current: std::sync::Mutex<HashMap<String, Arc<Slot>>>,
}

type Slot = Mutex<Option<Arc<AgentSession>>>;

impl SessionManager {
    /// `budgets` are the policy's per-backend request budgets; the limiters are shared by
    /// every session of the same upstream account.
    pub fn new(
        store: Arc<AuditStore>,
        django: Option<DjangoHelpdeskConfig>,
        freshdesk: Option<FreshdeskConfig>,
        limits: Arc<Limits>,
        budgets: HashMap<&'static str, Budget>,
    ) -> Result<Self> {
        let freshdesk = match freshdesk {
            Some(cfg) => {
                let budget = budgets.get("freshdesk").copied().unwrap_or(DEFAULT_BUDGET);
                let limiter = limits.get(&cfg.account_key(), "Freshdesk", budget);
                Some(Arc::new(FreshdeskClient::new(cfg, limiter)?))
            }
            None => None,
        };
        Ok(Self {
            store,
            django,
            freshdesk,
            limits,
            budgets,
            current: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The agent's open session, opening one (and logging in) if there is none.
    pub async fn current(&self, agent: &str) -> Result<Arc<AgentSession>> {
        let slot = self.slot(agent)?;
        let mut slot = slot.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let session = Arc::new(self.open(agent).await?);
        tracing::info!(agent, branch = %session.branch, mode = session.mode.as_str(), "agent session opened");
        *slot = Some(session.clone());
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
        let (django, username) = match &self.django {
            Some(cfg) => {
                let budget = self
                    .budgets
                    .get("django_helpdesk")
                    .copied()
                    .unwrap_or(DEFAULT_BUDGET);
                let limiter = self
                    .limits
                    .get(&cfg.account_key(), "django-helpdesk", budget);
                (
                    Some(Arc::new(DjangoClient::new(cfg.clone(), limiter)?)),
                    Some(cfg.account_name()),
                )
            }
            None => (None, None),
        };
        let mut mode = SessionMode::Server;
        let mut branch = None;
        let mut intent = None;
        let mut note = None;
        if let Some(client) = &django {
            if client.uses_session() {
                match client.fork_session_info().await? {
                    ForkProbe::Present(info) => {
                        mode = SessionMode::Instance;
                        branch = info.branch_name;
                        intent = info.intent;
                    }
                    ForkProbe::Absent => {}
                    ForkProbe::NotAgent(why) => note = Some(why),
                }
            } else {
                note = Some("token auth: the agent-session endpoints need a session login, so this server keeps branch and intent".into());
            }
        }
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
            django,
            freshdesk: self.freshdesk.clone(),
            note,
            persisted: OnceCell::new(),
            writes: std::sync::Mutex::new(InFlight::default()),
            drained: tokio::sync::Notify::new(),
        })
    }

    /// Records the session row once, before its first audited change. Returns true the first
    /// time (the caller then audits the session's start).
    pub async fn ensure_persisted(&self, session: &AgentSession) -> Result<bool> {
        let mut first = false;
        session
            .persisted
            .get_or_try_init(|| async {
                self.store.insert_session(&session.row()).await?;
                first = true;
                Ok::<(), Error>(())
            })
            .await?;
        Ok(first)
    }

    /// Sets the intent: on the instance when it keeps sessions, and in the store.
    pub async fn set_intent(&self, session: &AgentSession, intent: &str) -> Result<()> {
        if session.mode == SessionMode::Instance {
            let client = session.django()?;
            client.fork_set_intent(intent).await?;
        }
        session.set_intent_local(intent);
        self.store.set_session_intent(&session.id, intent).await
    }

    /// Ends the agent's session everywhere and forgets it; the next call opens a new one.
    pub async fn finish(&self, session: &AgentSession) -> Result<()> {
        let upstream = match (&session.django, session.mode) {
            (Some(c), SessionMode::Instance) => c.fork_finish().await.map(|_| ()),
            (Some(c), SessionMode::Server) => c.logout().await,
            (None, _) => Ok(()),
        };
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
