//! Kayako's part of an agent session: the account's one client, shared by every session
//! (through `session::SharedClient`), with its reference-data cache.
//!
//! Must not: call tools or write audit events.

use std::sync::Arc;

use super::client::KayakoClient;
use super::config::KayakoConfig;
use crate::config::BackendSection;
use crate::error::Result;
use crate::policy::ratelimit::AccountLimiter;
use crate::session::{Connector, SharedClient};

crate::session_accessor!(KayakoSession, kayako, KayakoClient);

/// The registry's connector for a Kayako section: the account's one client.
pub fn connect(
    section: &dyn BackendSection,
    limiter: Arc<AccountLimiter>,
) -> Result<Arc<dyn Connector>> {
    let cfg: &KayakoConfig = crate::config::downcast(section)?;
    let client = Arc::new(KayakoClient::new(cfg.clone(), limiter)?);
    Ok(Arc::new(SharedClient::new(super::BACKEND, client)))
}
