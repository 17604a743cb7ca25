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
    match &config.freshdesk {
        Some(fd) => ok &= check_freshdesk(fd).await,
        None => println!(
            "Freshdesk: not configured (set FRESHDESK_DOMAIN and FRESHDESK_API_KEY to use it)"
        ),
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
    let limiter = std::sync::Arc::new(crate::policy::ratelimit::AccountLimiter::new(
        "django-helpdesk",
        crate::session::DEFAULT_BUDGET,
    ));
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

async fn check_freshdesk(cfg: &crate::backends::freshdesk::FreshdeskConfig) -> bool {
    println!("Freshdesk at {}", cfg.base_url);
    let limiter = std::sync::Arc::new(crate::policy::ratelimit::AccountLimiter::new(
        "Freshdesk",
        crate::session::DEFAULT_BUDGET,
    ));
    let client = match crate::backends::freshdesk::FreshdeskClient::new(cfg.clone(), limiter) {
        Ok(c) => c,
        Err(e) => {
            line("client", &format!("FAILED: {e}"));
            return false;
        }
    };
    let started = Instant::now();
    match client.get("agents/me", &[], "the current agent").await {
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

/// `policy check`: validates and summarises; problems carry file and line.
pub fn policy_check(path: Option<&std::path::Path>) -> crate::error::Result<bool> {
    match crate::policy::Policy::load(path) {
        Ok(p) => {
            println!("ok: {} ({} rules)", p.source, p.rules.len());
            let s = &p.settings;
            println!(
                "settings: read_only={}, confirmation_ttl={}s, default_via={}, rate_limit_wait={}s",
                s.read_only,
                s.confirmation_ttl.as_secs(),
                s.default_via
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join("|"),
                s.rate_limit_wait.as_secs()
            );
            for r in &p.rules {
                println!(
                    "  {:<28} {:<15} {}",
                    r.name,
                    r.decision.as_str(),
                    r.location
                );
            }
            Ok(true)
        }
        Err(e) if e.kind == crate::error::ErrorKind::Config => {
            println!("{e}");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// `policy explain TOOL ARGS`: which rule decides, and why.
pub fn policy_explain(
    path: Option<&std::path::Path>,
    tool: &str,
    args: &str,
    before: Option<&str>,
) -> crate::error::Result<bool> {
    use crate::error::Error;
    let policy = crate::policy::Policy::load(path)?;
    let meta = *policy.tool(tool).ok_or_else(|| {
        let names: Vec<&str> = crate::policy::catalog::all()
            .iter()
            .map(|t| t.name)
            .collect();
        Error::invalid(
            "TOOL",
            format!(
                "\"{tool}\" is not a tool; known tools: {}",
                names.join(", ")
            ),
        )
    })?;
    let args: serde_json::Value = serde_json::from_str(args)
        .map_err(|e| Error::invalid("ARGS-JSON", format!("is not JSON: {e}")))?;
    let view = (meta.canonicalize)(&args)?;
    let before: Option<serde_json::Value> = match before {
        Some(b) => Some(
            serde_json::from_str(b)
                .map_err(|e| Error::invalid("--before", format!("is not JSON: {e}")))?,
        ),
        None => None,
    };
    let d = policy.decide(&meta, &view, before.as_ref());
    println!(
        "tool:      {tool} ({} {}{})",
        meta.backend,
        meta.operation.as_str(),
        if meta.destructive {
            ", destructive"
        } else {
            ""
        }
    );
    println!("arguments: {view}");
    println!("decision:  {}", d.kind.as_str());
    println!("rule:      {}", d.rule);
    println!("reason:    {}", d.reason);
    if d.kind == crate::policy::DecisionKind::Confirm {
        println!(
            "via:       {}",
            d.via
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", then ")
        );
    }
    if meta.operation.is_write() {
        println!("intent:    required (every write needs a declared intent)");
    }
    println!(
        "matched:   {}",
        if d.matched.is_empty() {
            "no explicit rule".to_string()
        } else {
            d.matched.join(", ")
        }
    );
    if before.is_none()
        && policy.rules.iter().any(|r| {
            r.when
                .iter()
                .any(|p| matches!(p, crate::policy::Predicate::Changes { .. }))
        })
    {
        println!(
            "note:      no --before given: `changes` conditions compare against an unknown state"
        );
    }
    println!("policy:    {}", policy.source);
    Ok(true)
}

/// `pending`: confirmations still open.
pub async fn pending(store: &AuditStore) -> crate::error::Result<bool> {
    let open = store.open_confirmations().await?;
    if open.is_empty() {
        println!("no confirmations are waiting");
    }
    for c in open {
        println!(
            "{}  {:<9} {:<30} agent {}  rule {}  expires {}\n    {}\n    preview: {}",
            c.id,
            c.state,
            c.tool,
            c.agent,
            c.rule,
            c.expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            c.reason,
            c.preview.map(|p| p.0.to_string()).unwrap_or_default()
        );
    }
    Ok(true)
}

/// `approve ID` / `deny ID`: a person's decision, recorded in the audit log.
pub async fn decide_confirmation(
    store: &AuditStore,
    id: &str,
    approve: bool,
    by: Option<String>,
) -> crate::error::Result<bool> {
    use crate::audit::{NewEvent, Phase};
    let by = format!(
        "human:{}",
        by.or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "operator".into())
    );
    let Some(c) = store.confirmation(id).await? else {
        println!("no confirmation with id {id} (see `helpdesk-operator pending`)");
        return Ok(false);
    };
    let session = store.get_session(&c.session_id).await?;
    let event = |phase: Phase, message: String| NewEvent {
        phase: Some(phase),
        agent: by.clone(),
        session_id: Some(c.session_id.clone()),
        branch: session.as_ref().map(|s| s.branch.clone()),
        intent: session.as_ref().and_then(|s| s.intent.clone()),
        backend: c.tool.split('_').take(2).collect::<Vec<_>>().join("_"),
        tool: c.tool.clone(),
        operation: "confirmation".into(),
        target_entity: Some("confirmation".into()),
        target_id: Some(c.id.clone()),
        error: Some(message),
        decision: Some(if approve { "approved" } else { "rejected" }.into()),
        rule: Some(c.rule.clone()),
        ..Default::default()
    };
    if c.state != "pending" {
        println!(
            "confirmation {id} is {}, not pending: nothing to decide",
            c.state
        );
        return Ok(false);
    }
    if chrono::Utc::now() >= c.expires_at {
        store
            .transition_confirmation(id, &["pending"], "expired", Some(&by))
            .await?;
        store
            .append(event(
                Phase::Expired,
                format!("{by} tried to decide confirmation {id} after it expired"),
            ))
            .await?;
        println!(
            "confirmation {id} expired at {}; the agent must ask again",
            c.expires_at.to_rfc3339()
        );
        return Ok(false);
    }
    if approve && c.via != "human" {
        println!(
            "confirmation {id} is confirmed by its token (via {}), not by a person; nothing to approve",
            c.via
        );
        return Ok(false);
    }
    let (to, phase) = if approve {
        ("approved", Phase::Approved)
    } else {
        ("rejected", Phase::Rejected)
    };
    if !store
        .transition_confirmation(id, &["pending"], to, Some(&by))
        .await?
    {
        println!("confirmation {id} changed meanwhile; run `helpdesk-operator pending` again");
        return Ok(false);
    }
    store
        .append(event(
            phase,
            format!("{by} {to} confirmation {id}: {} ({})", c.tool, c.reason),
        ))
        .await?;
    println!(
        "{to}: {id} {} for agent {}{}",
        c.tool,
        c.agent,
        if approve {
            "; the agent can now repeat its call with the token"
        } else {
            ""
        }
    );
    Ok(true)
}
