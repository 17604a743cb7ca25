//! The operator commands besides `serve`: `check` (diagnose each configured backend and the
//! audit store) and `audit list|show|verify`.
//!
//! Owns: their output and exit codes. Must not: print secrets (passwords and tokens are shown
//! masked) or change anything upstream (check only reads, plus the login it tests).

use std::sync::Arc;
use std::time::Instant;

use reqwest::StatusCode;

use crate::audit::{AuditStore, Event};
use crate::backends::django_helpdesk::{DjangoAuth, DjangoClient, DjangoHelpdeskConfig, ForkProbe};
use crate::config::Config;

/// Runs every check and prints a diagnosis; returns whether all passed.
pub async fn check(config: &Config, store: &Arc<AuditStore>) -> bool {
    let mut ok = true;
    println!("helpdesk-operator {} check", env!("CARGO_PKG_VERSION"));
    println!("agent: {}", config.agent);
    print!("audit store: {} ... ", store.describe());
    match store.ensure_ready().await {
        Ok(()) => match store.verify().await {
            Ok(v) => println!(
                "ok ({} events, chain {})",
                v.events,
                if v.first_broken.is_none() {
                    "intact"
                } else {
                    "BROKEN: run `helpdesk-operator audit verify`"
                }
            ),
            Err(e) => {
                ok = false;
                println!("FAILED\n  {e}");
            }
        },
        Err(e) => {
            ok = false;
            println!("FAILED\n  {e}\n  writes will be refused until the audit store is reachable");
        }
    }
    match &config.django_helpdesk {
        Some(dh) => ok &= check_django(dh).await,
        None => println!("django-helpdesk: not configured (set DJANGO_HELPDESK_URL to use it)"),
    }
    println!(
        "{}",
        if ok {
            "all checks passed"
        } else {
            "some checks FAILED"
        }
    );
    ok
}

fn line(label: &str, result: &str) {
    println!("  {label:<26} {result}");
}

async fn check_django(cfg: &DjangoHelpdeskConfig) -> bool {
    println!("django-helpdesk at {}", cfg.base_url);
    let (how, masked) = match &cfg.auth {
        DjangoAuth::Password(_) => ("session login with CSRF", "password ********"),
        DjangoAuth::Token(_) => ("DRF token", "token ********"),
    };
    let client = match DjangoClient::new(cfg.clone()) {
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

/// `audit list`.
pub fn print_events(events: &[Event], json: bool) {
    if json {
        for e in events {
            println!("{}", serde_json::to_string(e).unwrap_or_default());
        }
        return;
    }
    if events.is_empty() {
        println!("no audit events");
        return;
    }
    println!(
        "{:>6}  {:<27}  {:<9}  {:<32}  {:<16}  {:<22}  detail",
        "seq", "at", "phase", "tool", "target", "branch"
    );
    for e in events {
        let target = match (&e.target_entity, &e.target_id) {
            (Some(k), Some(id)) => format!("{k} {id}"),
            (Some(k), None) => k.clone(),
            _ => "-".into(),
        };
        let detail = e
            .error
            .clone()
            .or_else(|| e.upstream_status.map(|s| format!("HTTP {s}")))
            .unwrap_or_default();
        let detail: String = detail.chars().take(80).collect();
        println!(
            "{:>6}  {:<27}  {:<9}  {:<32}  {:<16}  {:<22}  {}",
            e.seq,
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            e.phase,
            e.tool,
            target,
            e.branch.as_deref().unwrap_or("-"),
            detail
        );
    }
}
