//! `helpdesk-operator check` for Daktela: reachable, the login or token accepted, the user's
//! name, and the reference data.
//!
//! Must not: change anything upstream or print the password or a token.

use std::time::Instant;

use super::api;
use super::client::DaktelaClient;
use super::config::{Credentials, DaktelaConfig};
use crate::backends::check::{limiter, line};
use crate::config::BackendSection;
use crate::session::BoxFuture;

/// The registry's check: prints this backend's section of `check`; true when all passed.
pub fn check(section: &dyn BackendSection) -> BoxFuture<'_, bool> {
    Box::pin(async move {
        match crate::config::downcast::<DaktelaConfig>(section) {
            Ok(cfg) => check_daktela(cfg).await,
            Err(_) => false,
        }
    })
}

async fn check_daktela(cfg: &DaktelaConfig) -> bool {
    println!("Daktela at {}", cfg.base_url);
    let client = match DaktelaClient::new(cfg.clone(), limiter("Daktela")) {
        Ok(c) => c,
        Err(e) => {
            line("client", &format!("FAILED: {e}"));
            return false;
        }
    };
    let how = match &cfg.credentials {
        Credentials::Login { username, .. } => format!("login {username}, password ********"),
        Credentials::Static(_) => "static access token ********".to_string(),
    };
    let started = Instant::now();
    match api::whoami(&client).await {
        Ok(me) => {
            let user = &me["user"];
            let name = user["title"]
                .as_str()
                .or_else(|| me["title"].as_str())
                .unwrap_or("?");
            let login = user["name"]
                .as_str()
                .or_else(|| me["name"].as_str())
                .unwrap_or("?");
            line(
                "credentials",
                &format!(
                    "ok ({how}; user {name} ({login}), answered in {} ms)",
                    started.elapsed().as_millis()
                ),
            );
        }
        Err(e) => {
            line("credentials", &format!("FAILED ({how}): {e}"));
            return false;
        }
    }
    match api::refs(&client, true).await {
        Ok(r) => {
            line(
                "queues / users / groups",
                &format!(
                    "{} / {} / {}",
                    r.queues.len(),
                    r.users.len(),
                    r.groups.len()
                ),
            );
            line("ticket categories", &r.categories.len().to_string());
            true
        }
        Err(e) => {
            line("reference data", &format!("FAILED: {e}"));
            false
        }
    }
}
