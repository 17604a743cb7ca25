//! Autotask's part of an agent session: the account's one client, shared by every session
//! (the API user has no per-agent login; ImpersonationResourceId names the person writes are for).
//!
//! Must not: call tools or write audit events.

use std::any::Any;
use std::sync::Arc;

use super::client::AutotaskClient;
use super::config::AutotaskConfig;
use crate::config::BackendSection;
use crate::error::Result;
use crate::policy::ratelimit::AccountLimiter;
use crate::session::{BoxFuture, Connector, SessionPart};

/// Hands every session the account's shared client (and its reference-data cache).
pub struct AutotaskConnector {
    pub client: Arc<AutotaskClient>,
}

struct Part(Arc<AutotaskClient>);

impl Connector for AutotaskConnector {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn open<'a>(&'a self, _agent: &'a str) -> BoxFuture<'a, Result<Box<dyn SessionPart>>> {
        let part: Box<dyn SessionPart> = Box::new(Part(self.client.clone()));
        Box::pin(async move { Ok(part) })
    }
}

impl SessionPart for Part {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn client(&self) -> &(dyn Any + Send + Sync) {
        &self.0
    }
}

crate::session_accessor!(AutotaskSession, autotask, AutotaskClient);

/// The registry's connector for a Autotask section: the account's one client.
pub fn connect(
    section: &dyn BackendSection,
    limiter: Arc<AccountLimiter>,
) -> Result<Arc<dyn Connector>> {
    let cfg: &AutotaskConfig = crate::config::downcast(section)?;
    let client = Arc::new(AutotaskClient::new(cfg.clone(), limiter)?);
    Ok(Arc::new(AutotaskConnector { client }))
}
