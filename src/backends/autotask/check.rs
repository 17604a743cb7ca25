//! `helpdesk-operator check` for Autotask: the zone, the credentials, the threshold usage and
//! the ticket picklists the tools will use.
//!
//! Must not: change anything upstream or print the secret or the integration code.

use std::time::Instant;

use super::api::entities;
use super::client::AutotaskClient;
use super::config::{AutotaskConfig, Location};
use crate::backends::check::{hourly_usage, limiter, line};
use crate::config::BackendSection;
use crate::session::BoxFuture;

/// The registry's check: prints this backend's section of `check`; true when all passed.
pub fn check(section: &dyn BackendSection) -> BoxFuture<'_, bool> {
    Box::pin(async move {
        match crate::config::downcast::<AutotaskConfig>(section) {
            Ok(cfg) => check_autotask(cfg).await,
            Err(_) => false,
        }
    })
}

async fn check_autotask(cfg: &AutotaskConfig) -> bool {
    println!("Autotask for {}", cfg.username);
    let client = match AutotaskClient::new(cfg.clone(), limiter("Autotask")) {
        Ok(c) => c,
        Err(e) => {
            line("client", &format!("FAILED: {e}"));
            return false;
        }
    };
    if let Location::Discover(at) = &cfg.location {
        match client.discover_zone().await {
            Ok(z) => line(
                "zone",
                &format!(
                    "{} ({}, discovered at {at})",
                    z.zone_name.as_deref().unwrap_or("?"),
                    z.url
                ),
            ),
            Err(e) => {
                line("zone", &format!("FAILED: {e}"));
                return false;
            }
        }
    } else {
        line("REST base", &format!("{} (given)", cfg.location_text()));
    }
    let started = Instant::now();
    match client.threshold().await {
        Ok(t) => {
            line(
                "credentials",
                &format!(
                    "ok (user {}, secret ********, integration code ********, {} ms)",
                    cfg.username,
                    started.elapsed().as_millis()
                ),
            );
            let (used, of) = (
                t.current_timeframe_request_count,
                t.external_request_threshold,
            );
            line("threshold usage", &hourly_usage(client.limiter(), used, of));
        }
        Err(e) => {
            line("credentials", &format!("FAILED: {e}"));
            return false;
        }
    }
    match client.fields(&entities::TICKETS, true).await {
        Ok(f) => {
            for name in ["status", "priority", "queueID"] {
                let values = f
                    .get(name)
                    .map(|i| {
                        i.active()
                            .iter()
                            .map(|p| format!("{} ({})", p.label, p.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_else(|| "(none)".into());
                line(&format!("ticket {name}"), &values);
            }
            true
        }
        Err(e) => {
            line("ticket fields", &format!("FAILED: {e}"));
            false
        }
    }
}

impl AutotaskConfig {
    fn location_text(&self) -> String {
        match &self.location {
            Location::Base(u) | Location::Discover(u) => u.to_string(),
        }
    }
}
