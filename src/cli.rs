//! The operator commands besides `serve`: `check` (diagnose each configured backend and the
//! audit store) and `audit list|show|verify|anchor|keygen`.
//!
//! Owns: their output and exit codes. Must not: print secrets (passwords and tokens are shown
//! masked) or change anything upstream (check only reads, plus the login it tests).

use std::sync::Arc;

use crate::audit::{AuditStore, Event};
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
    let cp = store.checkpointing();
    match (&cp.key, &cp.trusted) {
        (Some(k), _) => println!(
            "audit key: signing checkpoints every {} events or {} s (public key {})",
            cp.every_events,
            cp.every.as_secs(),
            k.public_key()
        ),
        (None, Some(t)) => println!(
            "audit key: none to sign with; checkpoints verified with {} (from {})",
            t.key, t.source
        ),
        (None, None) => println!(
            "audit key: none (set {} to sign checkpoints; `helpdesk-operator audit keygen` makes one)",
            crate::audit::checkpoints::KEY_VAR
        ),
    }
    for kind in crate::backends::ALL {
        match config.backends.iter().find(|s| s.backend() == kind.name) {
            Some(section) => ok &= (kind.check)(section.as_ref()).await,
            None => println!("{}: not configured ({})", kind.title, kind.how_to_configure),
        }
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

/// `audit keygen [--out PATH]`: a new Ed25519 key file (0600, never overwritten); prints the
/// public key and what to set. Default path: `HELPDESK_OPERATOR_AUDIT_KEY`, else
/// `~/.config/helpdesk-operator/audit-key.pem` (outside the data folder that holds the SQLite
/// audit file).
pub fn audit_keygen(out: Option<&std::path::Path>) -> crate::error::Result<bool> {
    use crate::audit::checkpoints::{AuditKey, KEY_VAR, PUBKEY_VAR};
    let _ = dotenvy::dotenv();
    let path = match out {
        Some(p) => p.to_path_buf(),
        None => match std::env::var(KEY_VAR).ok().filter(|v| !v.trim().is_empty()) {
            Some(p) => std::path::PathBuf::from(p.trim()),
            None => dirs::config_dir()
                .map(|d| d.join("helpdesk-operator").join("audit-key.pem"))
                .ok_or_else(|| {
                    crate::error::Error::config(
                        "no user config directory is known here; give --out PATH",
                    )
                })?,
        },
    };
    let mut key = AuditKey::generate();
    key.write_new(&path)?;
    let public = key.public_key();
    println!(
        "wrote a new audit signing key to {} (readable by you only; keep it out of the database and its backups)",
        path.display()
    );
    println!("public key: {public}");
    println!();
    println!("To have the server sign checkpoints of the audit chain with it:");
    println!("  {KEY_VAR}={}", path.display());
    println!("To verify elsewhere with the public key only (keep a copy off this machine):");
    println!("  {PUBKEY_VAR}={public}");
    Ok(true)
}

/// `audit verify [--anchor LINE]... [--json]`: the chain, the signed checkpoints, and the
/// `confirmations` and `agent_sessions` tables against the chain. False (exit 1) on any problem.
pub async fn audit_verify(
    store: &AuditStore,
    anchors: &[String],
    json: bool,
) -> crate::error::Result<bool> {
    let mut parsed = Vec::new();
    for a in anchors {
        parsed.push(
            crate::audit::Checkpoint::parse_anchor(a)
                .map_err(|e| crate::error::Error::invalid("--anchor", e))?,
        );
    }
    let r = store.verify_all(&parsed).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
        return Ok(r.ok());
    }
    for p in &r.problems {
        println!("BROKEN: {}", p.message);
    }
    if r.chain_intact {
        println!(
            "{}: {} events, hash chain intact; head hash {}",
            if r.ok() { "ok" } else { "chain" },
            r.events,
            r.head_hash
        );
    } else {
        println!(
            "{} events before the first broken one verified (of {} stored)",
            r.verified, r.events
        );
    }
    match (&r.key, &r.latest) {
        (None, _) => println!(
            "checkpoints: signatures NOT verified: no key configured (set {} to the public key, or {} to the key file); {} checkpoint rows were compared with the chain unverified",
            crate::audit::checkpoints::PUBKEY_VAR,
            crate::audit::checkpoints::KEY_VAR,
            r.checkpoints
        ),
        (Some(k), Some(c)) => println!(
            "checkpoints: {} of {} signed by the configured key ({k}); the newest covers events 1..{} (signed at {})",
            r.signed,
            r.checkpoints,
            c.seq,
            c.signed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        (Some(k), None) => println!(
            "checkpoints: none signed by the configured key ({k}) covers the chain ({} rows)",
            r.checkpoints
        ),
    }
    if let Some((from, to)) = r.uncovered {
        let n = to - from + 1;
        println!(
            "not yet covered by a signed checkpoint: events {from}..{to} ({n} event{})",
            if n == 1 { "" } else { "s" }
        );
    }
    println!(
        "confirmations: {} checked against the chain; agent sessions: {} checked against the chain",
        r.confirmations, r.sessions
    );
    for w in &r.warnings {
        println!("warning: {w}");
    }
    if !r.ok() {
        println!("{} problems found", r.problems.len());
    }
    Ok(r.ok())
}

/// `audit anchor [--json]`: the newest checkpoint signed by the configured key, to keep
/// elsewhere (a ticket, a chat message, another machine); `audit verify --anchor` checks it.
pub async fn audit_anchor(store: &AuditStore, json: bool) -> crate::error::Result<bool> {
    let trusted = store.checkpointing().trusted.clone();
    let Some(trusted) = trusted else {
        println!(
            "no key configured: set {} (the key file) or {} (its public key) to find a signed checkpoint",
            crate::audit::checkpoints::KEY_VAR,
            crate::audit::checkpoints::PUBKEY_VAR
        );
        return Ok(false);
    };
    let Some(c) = store.latest_checkpoint(Some(&trusted.key)).await? else {
        println!(
            "no checkpoint signed by the configured key ({}, from {}) yet",
            trusted.key, trusted.source
        );
        return Ok(false);
    };
    let event = store.get(&c.seq.to_string()).await?;
    if event.as_ref().map(|e| e.hash.as_str()) != Some(c.head_hash.as_str()) {
        println!(
            "BROKEN: event {} no longer matches the newest signed checkpoint (signed at {}); run `helpdesk-operator audit verify`",
            c.seq,
            c.signed_at.to_rfc3339()
        );
        return Ok(false);
    }
    let head = store
        .list(None, 1)
        .await?
        .first()
        .map(|e| e.seq)
        .unwrap_or(0);
    if json {
        let mut v = serde_json::to_value(&c).unwrap_or_default();
        v["anchor"] = serde_json::json!(c.anchor_line());
        v["events_after"] = serde_json::json!(head - c.seq);
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(true);
    }
    println!("seq:        {}", c.seq);
    println!("head hash:  {}", c.head_hash);
    println!(
        "signed at:  {}",
        c.signed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    println!("public key: {}", c.public_key);
    println!("signature:  {}", c.signature);
    if head > c.seq {
        println!(
            "({} newer events are not yet covered; the server signs again within {} events or {} s)",
            head - c.seq,
            store.checkpointing().every_events,
            store.checkpointing().every.as_secs()
        );
    }
    println!(
        "\nto keep elsewhere (check later with `helpdesk-operator audit verify --anchor '...'`):"
    );
    println!("{}", c.anchor_line());
    Ok(true)
}

/// `policy check`: validates and summarises; problems carry file and line.
pub fn policy_check(path: Option<&std::path::Path>) -> crate::error::Result<bool> {
    match crate::backends::load_policy(path) {
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
    let policy = crate::backends::load_policy(path)?;
    let meta = *policy.tool(tool).ok_or_else(|| {
        let names: Vec<&str> = crate::backends::catalogue()
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
    let d = policy.decide_call(&meta, &view, Some(&args), before.as_ref());
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

/// `approve ID` / `deny ID`: a person's decision, recorded in the audit log
/// ([`AuditStore::decide`]). Only an operator of the operators file (`HELPDESK_OPERATOR_AGENTS`)
/// decides: their name and password are read from stdin (or asked for on a terminal), never
/// from arguments, and verified with argon2. A failed attempt is audited (`refused`) and
/// changes nothing.
pub async fn decide_confirmation(
    store: &AuditStore,
    operators: Option<&std::path::Path>,
    id: &str,
    approve: bool,
) -> crate::error::Result<bool> {
    use crate::audit::Decided;
    use crate::operators::{Principals, interactive, read_operator_credentials};
    let verb = if approve { "approve" } else { "deny" };
    let principals = Principals::for_decisions(operators)?;
    let Some(c) = store.confirmation(id).await? else {
        println!("no confirmation with id {id} (see `helpdesk-operator pending`)");
        return Ok(false);
    };
    if interactive() {
        eprintln!(
            "{verb} {}: {} for agent {} (rule {}, {})\n  {}\n  preview: {}",
            c.id,
            c.tool,
            c.agent,
            c.rule,
            c.state,
            c.reason,
            c.preview
                .as_ref()
                .map(|p| p.0.to_string())
                .unwrap_or_default()
        );
    }
    let creds = read_operator_credentials();
    // The tool's own backend, from the registry's catalogue (a name like
    // freshdesk_delete_ticket does not say where the backend's name ends).
    let catalogue = crate::backends::catalogue();
    let backend_of = |tool: &str| {
        catalogue
            .iter()
            .find(|t| t.name == tool)
            .map_or_else(|| "unknown".to_string(), |t| t.backend.to_string())
    };
    let decided = store
        .decide(&principals, &backend_of, id, approve, creds.as_ref().ok())
        .await?;
    match decided {
        Decided::Unknown => {
            println!("no confirmation with id {id} (see `helpdesk-operator pending`)");
            Ok(false)
        }
        Decided::Refused {
            no_credentials: true,
        } => {
            let why = creds.err().map(|e| e.to_string()).unwrap_or_default();
            println!("refused: {why}");
            Ok(false)
        }
        Decided::Refused { .. } => {
            println!(
                "refused: the operator name or password is wrong (operators file {}); confirmation {id} is unchanged",
                principals.source
            );
            Ok(false)
        }
        Decided::NotPending { state } => {
            println!("confirmation {id} is {state}, not pending: nothing to decide");
            Ok(false)
        }
        Decided::Expired { at } => {
            println!(
                "confirmation {id} expired at {}; the agent must ask again",
                at.to_rfc3339()
            );
            Ok(false)
        }
        Decided::NotForAPerson { via } => {
            println!(
                "confirmation {id} is confirmed by its token (via {via}), not by a person; nothing to approve"
            );
            Ok(false)
        }
        Decided::ChangedMeanwhile => {
            println!("confirmation {id} changed meanwhile; run `helpdesk-operator pending` again");
            Ok(false)
        }
        Decided::Done {
            state,
            by,
            confirmation,
        } => {
            println!(
                "{state} by operator {by}: {id} {} for agent {}{}",
                confirmation.tool,
                confirmation.agent,
                if approve {
                    "; the agent can now repeat its call with the token"
                } else {
                    ""
                }
            );
            Ok(true)
        }
    }
}

/// `hash-password`: reads a password (one line of stdin, or twice without echo on a terminal)
/// and prints its argon2id PHC string for the operators file.
pub fn hash_password() -> crate::error::Result<bool> {
    let secret = crate::operators::read_new_secret()?;
    let phc = crate::operators::hash_secret(&secret)?;
    println!("{phc}");
    if crate::operators::interactive() {
        eprintln!(
            "put it in the operators file ({}):\n  [[operator]]\n  name = \"your-name\"\n  password_hash = '{phc}'",
            crate::operators::ENV_VAR
        );
    }
    Ok(true)
}

/// `agent-token NAME`: a new bearer token on stdout's first line (give it to the agent's
/// client, once: it is not kept), then the `[[agent]]` entry to paste into the agents file.
pub fn agent_token(name: &str) -> crate::error::Result<bool> {
    let name = name.trim();
    if let Some(p) = crate::operators::name_problem(name) {
        return Err(crate::error::Error::invalid(
            "NAME",
            format!("agent name {p}"),
        ));
    }
    let (token, sha) = crate::operators::new_agent_token();
    println!("{}", secrecy::ExposeSecret::expose_secret(&token));
    println!();
    println!(
        "# paste into the agents file ({}):",
        crate::operators::ENV_VAR
    );
    println!("[[agent]]\nname = \"{name}\"\ntoken_sha256 = \"{sha}\"");
    eprintln!(
        "The first line is the agent's bearer token (Authorization: Bearer <token>). It is shown \
         once and never stored; only its SHA-256 goes into the file."
    );
    Ok(true)
}
