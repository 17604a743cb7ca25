//! `helpdesk-operator check` for Kayako: reachable, the API key and secret accepted (a signed
//! request), and the departments, statuses and staff it has (what the original's
//! `--test-credentials` did).
//!
//! Must not: change anything upstream or print the API key or secret.

use std::time::Instant;

use super::client::KayakoClient;
use super::config::KayakoConfig;
use crate::backends::check::{limiter, line};
use crate::config::BackendSection;
use crate::session::BoxFuture;

/// The registry's check: prints this backend's section of `check`; true when all passed.
pub fn check(section: &dyn BackendSection) -> BoxFuture<'_, bool> {
    Box::pin(async move {
        match crate::config::downcast::<KayakoConfig>(section) {
            Ok(cfg) => check_kayako(cfg).await,
            Err(_) => false,
        }
    })
}

async fn check_kayako(cfg: &KayakoConfig) -> bool {
    println!("Kayako at {}", cfg.api_url);
    let client = match KayakoClient::new(cfg.clone(), limiter("Kayako")) {
        Ok(c) => c,
        Err(e) => {
            line("client", &format!("FAILED: {e}"));
            return false;
        }
    };
    let started = Instant::now();
    match super::api::refs(&client, true).await {
        Ok(r) => {
            line(
                "API key and secret",
                &format!(
                    "ok (signed requests accepted in {} ms, key ********, secret ********)",
                    started.elapsed().as_millis()
                ),
            );
            let names: Vec<String> = r
                .departments
                .iter()
                .take(8)
                .map(|d| format!("{} ({})", d.title, d.id))
                .collect();
            line(
                "departments",
                &format!("{} ({})", r.departments.len(), names.join(", ")),
            );
            line(
                "statuses",
                &r.statuses
                    .iter()
                    .map(|s| format!("{} ({})", s.title, s.id))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            line(
                "priorities / types",
                &format!("{} / {}", r.priorities.len(), r.types.len()),
            );
            line("staff", &r.staff.len().to_string());
            true
        }
        Err(e) => {
            line("API key and secret", &format!("FAILED: {e}"));
            false
        }
    }
}
