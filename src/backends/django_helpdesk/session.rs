//! django-helpdesk's part of an agent session: the agent's own client (its own login, cookie
//! jar and CSRF token), and the fork's agent-session endpoints when the instance has them.
//!
//! Owns: the probe at session start and which upstream keeps branch and intent. Must not:
//! call tools or write audit events.

use std::any::Any;
use std::sync::Arc;

use super::client::{DjangoClient, ForkProbe};
use super::config::DjangoHelpdeskConfig;
use crate::config::BackendSection;
use crate::error::Result;
use crate::policy::ratelimit::AccountLimiter;
use crate::session::{BoxFuture, Connector, Kept, Login, SessionPart};

const TOKEN_AUTH_NOTE: &str = "token auth: the agent-session endpoints need a session login, \
so this server keeps branch and intent";

/// Opens a client of its own for every agent session (sessions never share a login).
pub struct DjangoConnector {
    pub cfg: DjangoHelpdeskConfig,
    /// The account's budget, shared by every session's client.
    pub limiter: Arc<AccountLimiter>,
}

struct Part {
    client: Arc<DjangoClient>,
    username: String,
    kept: Option<Kept>,
    note: Option<String>,
}

impl Connector for DjangoConnector {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn open<'a>(
        &'a self,
        _agent: &'a str,
        login: Option<&'a Login>,
    ) -> BoxFuture<'a, Result<Box<dyn SessionPart>>> {
        Box::pin(async move {
            // The agent's own login when the agents file gives one, else the configured one.
            let cfg = match login {
                Some(l) => self.cfg.with_login(&l.username, l.password.clone()),
                None => self.cfg.clone(),
            };
            let username = cfg.account_name();
            let client = Arc::new(DjangoClient::new(cfg, self.limiter.clone())?);
            let mut kept = None;
            let mut note = None;
            if client.uses_session() {
                match client.fork_session_info().await? {
                    ForkProbe::Present(info) => {
                        kept = Some(Kept {
                            branch: info.branch_name,
                            intent: info.intent,
                        })
                    }
                    ForkProbe::Absent => {}
                    ForkProbe::NotAgent(why) => note = Some(why),
                }
            } else {
                note = Some(TOKEN_AUTH_NOTE.into());
            }
            Ok(Box::new(Part {
                client,
                username,
                kept,
                note,
            }) as Box<dyn SessionPart>)
        })
    }
}

impl SessionPart for Part {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn client(&self) -> &(dyn Any + Send + Sync) {
        &self.client
    }

    fn username(&self) -> Option<String> {
        Some(self.username.clone())
    }

    fn kept(&self) -> Option<Kept> {
        self.kept.clone()
    }

    fn note(&self) -> Option<String> {
        self.note.clone()
    }

    fn set_intent<'a>(&'a self, intent: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.client.fork_set_intent(intent).await.map(|_| ()) })
    }

    fn finish(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            match self.kept {
                Some(_) => self.client.fork_finish().await.map(|_| ()),
                None => self.client.logout().await,
            }
        })
    }
}

crate::session_accessor!(DjangoSession, django, DjangoClient);

/// The registry's connector for a django-helpdesk section; `limiter` is the account's budget.
pub fn connect(
    section: &dyn BackendSection,
    limiter: Arc<AccountLimiter>,
) -> Result<Arc<dyn Connector>> {
    let cfg: &DjangoHelpdeskConfig = crate::config::downcast(section)?;
    Ok(Arc::new(DjangoConnector {
        cfg: cfg.clone(),
        limiter,
    }))
}
