//! Daktela's part of an agent session: the instance's one client per identity, shared by every
//! session (through `session::SharedClient`), with its token and reference-data cache, so a
//! process logs in once whatever the number of agents.
//!
//! Must not: call tools or write audit events.

use std::sync::Arc;

use super::client::DaktelaClient;
use super::config::DaktelaConfig;
use crate::config::BackendSection;
use crate::error::Result;
use crate::policy::ratelimit::AccountLimiter;
use crate::session::{Connector, SharedClient};

crate::session_accessor!(DaktelaSession, daktela, DaktelaClient);

/// The registry's connector for a Daktela section: the instance's one client.
pub fn connect(
    section: &dyn BackendSection,
    limiter: Arc<AccountLimiter>,
) -> Result<Arc<dyn Connector>> {
    let cfg: &DaktelaConfig = crate::config::downcast(section)?;
    let client = Arc::new(DaktelaClient::new(cfg.clone(), limiter)?);
    Ok(Arc::new(SharedClient::new(super::BACKEND, client)))
}
