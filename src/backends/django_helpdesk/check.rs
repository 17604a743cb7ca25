//! `helpdesk-operator check` for django-helpdesk: reachability, the login, staff rights, the
//! fork's agent-session endpoints, queues and users.
//!
//! Must not: change anything upstream (it only reads, plus the login it tests) or print a
//! secret.

use std::time::Instant;

use reqwest::StatusCode;

use super::client::{DjangoClient, ForkProbe};
use super::config::{DjangoAuth, DjangoHelpdeskConfig};
use crate::backends::check::{limiter, line};
use crate::config::BackendSection;
use crate::session::BoxFuture;

/// The registry's check: prints this backend's section of `check`; true when all passed.
pub fn check(section: &dyn BackendSection) -> BoxFuture<'_, bool> {
    Box::pin(async move {
        match crate::config::downcast::<DjangoHelpdeskConfig>(section) {
            Ok(cfg) => check_django(cfg).await,
            Err(_) => false,
        }
    })
}

async fn check_django(cfg: &DjangoHelpdeskConfig) -> bool {
    println!("django-helpdesk at {}", cfg.base_url);
    let (how, masked) = match &cfg.auth {
        DjangoAuth::Password(_) => ("session login with CSRF", "password ********"),
        DjangoAuth::Token(_) => ("DRF token", "token ********"),
    };
    let limiter = limiter("django-helpdesk");
    let client = match DjangoClient::new(cfg.clone(), limiter) {
        Ok(c) => c,
        Err(e) => {
            line("client", &format!("FAILED: {e}"));
            return false;
        }
    };
    let started = Instant::now();
    match client.api_root().await {
        Ok(r) if r.status == 200 => line(
            "reachable",
            &format!(
                "ok (GET /api/ answered in {} ms)",
                started.elapsed().as_millis()
            ),
        ),
        Ok(r) => {
            line(
                "reachable",
                &format!(
                    "FAILED: GET /api/ answered HTTP {} (is the REST API enabled, HELPDESK_API_ENABLED, and is the URL the helpdesk root?)",
                    r.status
                ),
            );
            return false;
        }
        Err(e) => {
            line("reachable", &format!("FAILED: {e}"));
            return false;
        }
    }
    let user = cfg.username.clone().unwrap_or_else(|| "(token)".into());
    match client.ensure_login().await {
        Ok(()) => line("login", &format!("ok (user {user}, {how}, {masked})")),
        Err(e) => {
            line("login", &format!("FAILED: {e}"));
            return false;
        }
    }
    match client.list_tickets(1, 1, &[]).await {
        Ok(p) => line(
            "staff account",
            &format!("ok (can read tickets; {} in all)", p.count),
        ),
        Err(e) => {
            let hint = if e.status == Some(StatusCode::FORBIDDEN.as_u16()) {
                " (the account must have is_staff=True)"
            } else {
                ""
            };
            line("staff account", &format!("FAILED: {e}{hint}"));
            return false;
        }
    }
    let mut ok = true;
    if client.uses_session() {
        match client.fork_session_info().await {
            Ok(ForkProbe::Present(info)) => line(
                "agent-session endpoints",
                &format!(
                    "present (the instance keeps branch and intent; branch {})",
                    info.branch_name.unwrap_or_default()
                ),
            ),
            Ok(ForkProbe::Absent) => line(
                "agent-session endpoints",
                "absent (plain django-helpdesk: helpdesk-operator keeps branch and intent)",
            ),
            Ok(ForkProbe::NotAgent(why)) => line(
                "agent-session endpoints",
                &format!("present, but {why}; helpdesk-operator keeps branch and intent"),
            ),
            Err(e) => {
                ok = false;
                line("agent-session endpoints", &format!("FAILED: {e}"));
            }
        }
    } else {
        line(
            "agent-session endpoints",
            "not checked (they need a session login; token auth in use)",
        );
    }
    match client.choices(true).await {
        Ok(c) => {
            let names: Vec<String> = c.queues.iter().take(10).map(|q| q.name.clone()).collect();
            line(
                "queues",
                &format!(
                    "{} ({}{})",
                    c.queues.len(),
                    names.join(", "),
                    if c.queues.len() > 10 { ", ..." } else { "" }
                ),
            );
            line("assignable users", &c.users.len().to_string());
        }
        Err(e) => {
            ok = false;
            line("queues", &format!("FAILED: {e}"));
        }
    }
    let _ = client.logout().await;
    ok
}
