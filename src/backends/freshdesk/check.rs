//! `helpdesk-operator check` for Freshdesk: the API key, agents, groups, statuses and custom
//! fields.
//!
//! Must not: change anything upstream or print the API key.

use std::time::Instant;

use super::client::FreshdeskClient;
use super::config::FreshdeskConfig;
use crate::backends::check::{limiter, line};
use crate::config::BackendSection;
use crate::session::BoxFuture;

/// The registry's check: prints this backend's section of `check`; true when all passed.
pub fn check(section: &dyn BackendSection) -> BoxFuture<'_, bool> {
    Box::pin(async move {
        match crate::config::downcast::<FreshdeskConfig>(section) {
            Ok(cfg) => check_freshdesk(cfg).await,
            Err(_) => false,
        }
    })
}

async fn check_freshdesk(cfg: &FreshdeskConfig) -> bool {
    println!("Freshdesk at {}", cfg.base_url);
    let limiter = limiter("Freshdesk");
    let client = match FreshdeskClient::new(cfg.clone(), limiter) {
        Ok(c) => c,
        Err(e) => {
            line("client", &format!("FAILED: {e}"));
            return false;
        }
    };
    let started = Instant::now();
    match client.current_agent().await {
        Ok(me) => line(
            "API key",
            &format!(
                "ok (agent {} <{}>, answered in {} ms, key ********)",
                me["contact"]["name"].as_str().unwrap_or("?"),
                me["contact"]["email"].as_str().unwrap_or("?"),
                started.elapsed().as_millis()
            ),
        ),
        Err(e) => {
            line("API key", &format!("FAILED: {e}"));
            return false;
        }
    }
    match client.refs(true).await {
        Ok(r) => {
            line(
                "agents / groups",
                &format!(
                    "{} / {} ({})",
                    r.agents.len(),
                    r.groups.len(),
                    r.groups
                        .iter()
                        .take(8)
                        .map(|g| g.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            line(
                "statuses",
                &r.statuses
                    .iter()
                    .map(|(i, n)| format!("{n} ({i})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            line("custom fields", &r.custom_fields.len().to_string());
            true
        }
        Err(e) => {
            line("reference data", &format!("FAILED: {e}"));
            false
        }
    }
}
