//! Signed checkpoints of the audit chain, and the tables that must agree with it. Each attack
//! is made the way someone with write access to the audit database (but not the key) would
//! make it, straight in SQL; the ones that fool the plain hash-chain walk say so first, and
//! `audit verify` must name every one of them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use helpdesk_operator::audit::AuditStore;
use helpdesk_operator::audit::checkpoints::{AuditKey, Checkpointing, KEY_VAR, PUBKEY_VAR};
use helpdesk_operator::sandbox::freshdesk::FreshdeskSim;
use serde_json::{Value, json};

use crate::behaviour::freshdesk_sim;
use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");

/// Writes are allowed; deletes are confirmed with a token; priority changes need a person.
const RULES: &str = r#"
[[rule]]
name = "allow-all-writes"
decision = "allow"

[[rule]]
name = "deletes-by-token"
operation = "delete"
decision = "confirm"
via = "token"
reason = "Deletes are confirmed."

[[rule]]
name = "priority-by-a-person"
operation = "update"
when = [{ field = "priority", present = true }]
decision = "confirm"
via = "human"
reason = "Priority changes need a person."
"#;

/// Runs the binary with only these variables (and PATH).
fn cli(env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run helpdesk-operator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Only what the binary printed on stdout (stderr may carry PostgreSQL notices as logs).
fn cli_stdout(env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run helpdesk-operator");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

/// A new key made by `audit keygen`, in a folder of its own.
fn keygen() -> (PathBuf, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("keys-{}", uuid::Uuid::new_v4().simple()));
    let path = dir.join("audit-key.pem");
    let (code, out) = cli(&[], &["audit", "keygen", "--out", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let public = out
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .unwrap_or_else(|| panic!("keygen printed no public key: {out}"))
        .trim()
        .to_string();
    assert!(
        out.contains(&format!("{KEY_VAR}={}", path.display()))
            && out.contains(&format!("{PUBKEY_VAR}={public}")),
        "{out}"
    );
    (path, public)
}

/// Runs SQL straight against the audit database.
async fn sql(db: &str, statement: String) {
    use sqlx::Connection;
    let q = sqlx::AssertSqlSafe(statement);
    if db.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db).await.unwrap();
        sqlx::query(q).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db).await.unwrap();
        sqlx::query(q).execute(&mut conn).await.unwrap();
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A recorded run: a server that signs every 3 events on the Freshdesk simulator, one session
/// with an intent, writes, one confirmation used and one pending.
struct Run {
    h: Harness,
    db: String,
    key: PathBuf,
    public: String,
    used: String,
    pending: String,
    pending_token: Value,
    ticket: i64,
    session: String,
    /// The server's operators file (supervisor / supervisor-passphrase).
    operators: PathBuf,
    _sim: FreshdeskSim,
}

impl Run {
    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("DATABASE_URL", self.db.as_str()),
            (KEY_VAR, self.key.to_str().unwrap()),
        ]
    }

    fn verify(&self) -> (i32, String) {
        cli(&self.env(), &["audit", "verify"])
    }

    /// What the plain hash-chain walk (the check before checkpoints) says.
    async fn chain_intact(&self) -> bool {
        self.h.store.verify().await.unwrap().first_broken.is_none()
    }
}

async fn record(store_kind: Store, every_events: u64) -> Run {
    let sim = freshdesk_sim().await;
    let db = store_url(store_kind).await;
    let (key, public) = keygen();
    let operators = crate::operators::operators_file_with("supervisor", "supervisor-passphrase");
    let env = HashMap::from([
        (
            "HELPDESK_OPERATOR_AGENTS".to_string(),
            operators.display().to_string(),
        ),
        ("FRESHDESK_BASE_URL".to_string(), sim.base_url()),
        (
            "FRESHDESK_API_KEY".to_string(),
            "sim-key-CANARY-1234".to_string(),
        ),
        (
            "HELPDESK_OPERATOR_AGENT".to_string(),
            "cp-agent".to_string(),
        ),
        ("DATABASE_URL".to_string(), db.clone()),
    ]);
    let config = config_from(&env);
    let store = AuditStore::with_checkpoints(
        config.audit_store.clone(),
        Checkpointing::signing(
            AuditKey::load(&key).unwrap(),
            every_events,
            Duration::from_secs(3600),
        ),
    );
    let h = connect_store(config, store, Some(policy(RULES))).await;

    let info = h
        .ok("set_agent_intent", json!({"intent": "checkpoint test"}))
        .await;
    let session = info["session_id"].as_str().unwrap().to_string();
    let create = |subject: &str| {
        json!({
            "subject": subject,
            "description": "d",
            "requester_email": "c@customer.example",
            "priority": "low",
        })
    };
    let t1 = h.ok("freshdesk_create_ticket", create("first")).await["object"]["id"]
        .as_i64()
        .unwrap();
    h.ok(
        "freshdesk_update_ticket",
        json!({"ticket_id": t1, "subject": "first, renamed"}),
    )
    .await;
    let del = h
        .ok("freshdesk_delete_ticket", json!({"ticket_id": t1}))
        .await;
    assert_eq!(del["status"], "confirmation_required", "{del}");
    let used = del["confirmation_id"].as_str().unwrap().to_string();
    h.ok(
        "freshdesk_delete_ticket",
        json!({"ticket_id": t1, "confirmation_token": del["confirmation_token"]}),
    )
    .await;
    let t2 = h.ok("freshdesk_create_ticket", create("second")).await["object"]["id"]
        .as_i64()
        .unwrap();
    let up = h
        .ok(
            "freshdesk_update_ticket",
            json!({"ticket_id": t2, "priority": "high"}),
        )
        .await;
    assert_eq!(up["via"], "human", "{up}");
    let pending = up["confirmation_id"].as_str().unwrap().to_string();
    Run {
        h,
        db,
        key,
        public,
        used,
        pending,
        pending_token: up["confirmation_token"].clone(),
        ticket: t2,
        session,
        operators,
        _sim: sim,
    }
}

async fn head(run: &Run) -> i64 {
    run.h.store.list(None, 1).await.unwrap()[0].seq
}

async fn happy_path(store_kind: Store) {
    let run = record(store_kind, 3).await;
    let events = head(&run).await;

    // At least every 3 events, signed with the key, starting with the first event.
    let cps = run.h.store.checkpoints().await.unwrap();
    let trusted = run.h.store.checkpointing().trusted.clone().unwrap();
    assert!(cps.iter().all(|c| c.check(&trusted.key).is_ok()), "{cps:?}");
    let seqs: Vec<i64> = cps.iter().map(|c| c.seq).collect();
    assert_eq!(seqs.first(), Some(&1), "{seqs:?}");
    let mut prev = 0;
    for s in &seqs {
        assert!(*s - prev <= 3, "a gap of more than 3 events: {seqs:?}");
        prev = *s;
    }
    assert!(events - prev < 3, "{seqs:?} for {events} events");
    // The shutdown path covers the rest.
    if prev < events {
        let c = run.h.store.checkpoint_now().await.unwrap().expect("signed");
        assert_eq!(c.seq, events);
    }
    assert_eq!(run.h.store.checkpoint_now().await.unwrap(), None);

    let (code, out) = run.verify();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("ok: {events} events")), "{out}");
    let n = run.h.store.checkpoints().await.unwrap().len();
    assert!(
        out.contains(&format!(
            "checkpoints: {n} of {n} signed by the configured key"
        )),
        "{out}"
    );
    assert!(
        out.contains("confirmations: 2 checked") && out.contains("agent sessions: 1 checked"),
        "{out}"
    );

    // The public key alone verifies too; without any key verify says what it did not check.
    let (code, out) = cli(
        &[("DATABASE_URL", &run.db), (PUBKEY_VAR, &run.public)],
        &["audit", "verify"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("signed by the configured key"), "{out}");
    let (code, out) = cli(&[("DATABASE_URL", &run.db)], &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("signatures NOT verified"), "{out}");

    // The anchor, as text and JSON; verify checks it back.
    let (code, out) = cli(&run.env(), &["audit", "anchor"]);
    assert_eq!(code, 0, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("helpdesk-operator-checkpoint v1 "))
        .unwrap_or_else(|| panic!("no anchor line: {out}"))
        .to_string();
    assert!(line.contains(&format!("seq={events} ")), "{line}");
    let (code, out) = cli_stdout(&run.env(), &["audit", "anchor", "--json"]);
    assert_eq!(code, 0, "{out}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["seq"], events);
    assert_eq!(j["public_key"], run.public.as_str());
    let (code, out) = cli(
        &[("DATABASE_URL", &run.db), (PUBKEY_VAR, &run.public)],
        &["audit", "verify", "--anchor", &line],
    );
    assert_eq!(code, 0, "{out}");

    // New events after the newest checkpoint are reported as not yet covered.
    run.h
        .ok("set_agent_intent", json!({"intent": "one more"}))
        .await;
    let (code, out) = run.verify();
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "not yet covered by a signed checkpoint: events {}..",
            events + 1
        )),
        "{out}"
    );

    // The key file: private, and never overwritten.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&run.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(&run.key).unwrap();
    let (code, out) = cli(
        &[],
        &["audit", "keygen", "--out", run.key.to_str().unwrap()],
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("already exists"), "{out}");
    assert_eq!(std::fs::read(&run.key).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_signed_and_verified_on_postgres() {
    happy_path(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_signed_and_verified_on_sqlite() {
    happy_path(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_n_events_or_m_seconds_only_the_first_event_is_signed() {
    let run = record(Store::Sqlite, 1000).await;
    let seqs: Vec<i64> = run
        .h
        .store
        .checkpoints()
        .await
        .unwrap()
        .iter()
        .map(|c| c.seq)
        .collect();
    assert_eq!(
        seqs,
        vec![1],
        "the first event is signed at once, then none is due"
    );
    let c = run.h.store.checkpoint_now().await.unwrap().unwrap();
    assert_eq!(c.seq, head(&run).await);
}

/// Edits event `seq` and recomputes every hash after it, as anyone who can read the source can.
async fn rewrite_from(run: &Run, seq: i64) {
    let mut events = run.h.store.list(None, 100_000).await.unwrap();
    events.reverse();
    let mut prev = events[(seq - 2) as usize].hash.clone();
    for ev in events.iter_mut().filter(|e| e.seq >= seq) {
        if ev.seq == seq {
            ev.intent = Some("nothing to see here".into());
        }
        ev.prev_hash = prev.clone();
        ev.hash = ev.compute_hash();
        prev = ev.hash.clone();
        sql(
            &run.db,
            format!(
                "UPDATE audit_events SET intent = {}, prev_hash = '{}', hash = '{}' WHERE seq = {}",
                ev.intent.as_deref().map(quoted).unwrap_or("NULL".into()),
                ev.prev_hash,
                ev.hash,
                ev.seq
            ),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_history_with_a_recomputed_chain_is_named() {
    let run = record(Store::Sqlite, 3).await;
    run.h.store.checkpoint_now().await.unwrap();
    let (code, out) = cli_stdout(&run.env(), &["audit", "anchor"]);
    assert_eq!(code, 0, "{out}");
    let anchor = out.lines().last().unwrap().to_string();

    rewrite_from(&run, 5).await;
    assert!(
        run.chain_intact().await,
        "the recomputed chain fools the plain walk"
    );
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    // Checkpoints at 1, 4, 7, ...: the one at 4 still matches, the one at 7 does not.
    assert!(
        out.contains("BROKEN: event 7 (signed checkpoint at seq 7, signed at")
            && out.contains("no longer matches")
            && out.contains("events 5..7"),
        "{out}"
    );
    // With only the public key, and against the anchor kept elsewhere.
    let (code, out) = cli(
        &[("DATABASE_URL", &run.db), (PUBKEY_VAR, &run.public)],
        &["audit", "verify", "--anchor", &anchor],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("anchor"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_forged_with_another_key_are_named() {
    let run = record(Store::Sqlite, 3).await;
    run.h.store.checkpoint_now().await.unwrap();
    let (_, out) = cli_stdout(&run.env(), &["audit", "anchor"]);
    let anchor = out.lines().last().unwrap().to_string();
    rewrite_from(&run, 5).await;

    // The attacker re-signs every checkpoint from 5 on with a key of their own.
    let attacker = AuditKey::generate();
    let events: HashMap<i64, String> = run
        .h
        .store
        .list(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.seq, e.hash))
        .collect();
    sql(
        &run.db,
        "DELETE FROM audit_checkpoints WHERE seq >= 5".into(),
    )
    .await;
    let mut forged = Vec::new();
    for seq in [7i64, 10, 13] {
        let Some(hash) = events.get(&seq) else {
            continue;
        };
        let c = attacker.sign(seq, hash);
        sql(
            &run.db,
            format!(
                "INSERT INTO audit_checkpoints (seq, head_hash, signed_at, public_key, signature) VALUES ({}, '{}', '{}', '{}', '{}')",
                c.seq,
                c.head_hash,
                c.signed_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                c.public_key,
                c.signature
            ),
        )
        .await;
        forged.push(seq);
    }
    assert!(!forged.is_empty());
    assert!(run.chain_intact().await);
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "BROKEN: checkpoint at seq {} (signed at",
            forged[0]
        )) && out.contains("not signed by the configured key"),
        "{out}"
    );

    // The same rows claiming our public key: their signatures do not verify.
    sql(
        &run.db,
        format!(
            "UPDATE audit_checkpoints SET public_key = '{}' WHERE seq >= 5",
            run.public
        ),
    )
    .await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("signature does not verify with the configured key"),
        "{out}"
    );

    // Deleting them instead leaves the rewrite uncovered, which the anchor kept elsewhere names.
    sql(
        &run.db,
        "DELETE FROM audit_checkpoints WHERE seq >= 5".into(),
    )
    .await;
    let (code, out) = cli(&run.env(), &["audit", "verify", "--anchor", &anchor]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("anchor") && out.contains("no longer matches"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_newest_events_is_named_when_a_checkpoint_covers_them() {
    let run = record(Store::Postgres, 3).await;
    run.h.store.checkpoint_now().await.unwrap();
    let last = head(&run).await;
    sql(
        &run.db,
        format!("DELETE FROM audit_events WHERE seq > {}", last - 2),
    )
    .await;
    assert!(
        run.chain_intact().await,
        "a truncated chain is still a valid chain"
    );
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN: events {}..{last} are missing", last - 1))
            && out.contains("deleted"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_changed_in_its_table_is_named() {
    let run = record(Store::Sqlite, 3).await;
    assert_eq!(run.verify().0, 0);
    let set = |id: &str, assignment: &str| {
        format!("UPDATE confirmations SET {assignment} WHERE id = '{id}'")
    };

    // A pending confirmation approved behind the approvers' backs.
    sql(&run.db, set(&run.pending, "state = 'approved'")).await;
    assert!(run.chain_intact().await);
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN: confirmation {} is approved", run.pending)),
        "{out}"
    );
    sql(&run.db, set(&run.pending, "state = 'pending'")).await;
    assert_eq!(run.verify().0, 0, "restored");

    // A used one made pending again, so that its token could be replayed.
    sql(&run.db, set(&run.used, "state = 'pending'")).await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN: confirmation {} is pending", run.used))
            && out.contains("used"),
        "{out}"
    );
    sql(&run.db, set(&run.used, "state = 'used'")).await;

    // A pending one rebound to other arguments.
    sql(&run.db, set(&run.pending, "args_hash = 'ffff'")).await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN: confirmation {}", run.pending)) && out.contains("args_hash"),
        "{out}"
    );

    // A pending one given the hash of a token of the attacker's, or a longer life.
    let original = run
        .h
        .store
        .confirmation(&run.pending)
        .await
        .unwrap()
        .unwrap();
    sql(
        &run.db,
        set(&run.pending, "token_hash = 'attacker-token-hash'"),
    )
    .await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("token_hash"), "{out}");
    sql(
        &run.db,
        set(
            &run.pending,
            &format!("token_hash = '{}'", original.token_hash),
        ),
    )
    .await;
    let later = (original.expires_at + chrono::Duration::days(30)).to_rfc3339();
    sql(
        &run.db,
        set(&run.pending, &format!("expires_at = '{later}'")),
    )
    .await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("its life was extended"), "{out}");

    sql(&run.db, "DELETE FROM confirmations".into()).await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN: confirmation {}", run.used))
            && out.contains("missing from the confirmations table"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_changed_in_its_table_is_named() {
    let run = record(Store::Postgres, 3).await;
    assert_eq!(run.verify().0, 0);
    let set = |assignment: &str| {
        format!(
            "UPDATE agent_sessions SET {assignment} WHERE id = '{}'",
            run.session
        )
    };

    sql(&run.db, set("intent = 'something harmless'")).await;
    assert!(run.chain_intact().await);
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN: agent session {}", run.session)) && out.contains("intent"),
        "{out}"
    );
    sql(&run.db, set("intent = 'checkpoint test'")).await;
    assert_eq!(run.verify().0, 0, "restored");

    sql(&run.db, set("finished_at = started_at")).await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("finished"), "{out}");
    sql(&run.db, set("finished_at = NULL")).await;

    sql(&run.db, set("branch = 'someone-else'")).await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("branch"), "{out}");
    sql(&run.db, "DELETE FROM agent_sessions".into()).await;
    let (code, out) = run.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing from agent_sessions"), "{out}");
}

/// `approve`/`deny` through the binary, with an operator's name and password on stdin.
fn decide(run: &Run, operators: &std::path::Path, verb: &str, id: &str, password: &str) -> bool {
    operator_cli(
        &run.db,
        operators,
        &[(KEY_VAR, run.key.as_os_str())],
        &[verb, id],
        &format!("supervisor\n{password}\n"),
    )
    .0
}

/// Every way a confirmation moves on, through the server and the CLI, leaves tables that agree
/// with the chain: no false alarm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_confirmation_outcome_agrees_with_the_chain() {
    let run = record(Store::Sqlite, 3).await;
    let h = &run.h;
    let ok = |what: &str| {
        let (code, out) = run.verify();
        assert_eq!(code, 0, "after {what}: {out}");
    };
    let operators = run.operators.clone();

    // A failed approval attempt changes nothing; a real one approves; the token is then used.
    assert!(!decide(&run, &operators, "approve", &run.pending, "wrong"));
    ok("a refused approval attempt");
    assert!(decide(
        &run,
        &operators,
        "approve",
        &run.pending,
        "supervisor-passphrase"
    ));
    ok("an approval");
    let args = json!({
        "ticket_id": run.ticket,
        "priority": "high",
        "confirmation_token": run.pending_token,
    });
    h.ok("freshdesk_update_ticket", args.clone()).await;
    ok("an approved change made");
    h.err("freshdesk_update_ticket", args).await;
    ok("a replayed token");

    // Rejected by a person.
    let p = h
        .ok(
            "freshdesk_update_ticket",
            json!({"ticket_id": run.ticket, "priority": "urgent"}),
        )
        .await;
    let id = p["confirmation_id"].as_str().unwrap();
    assert!(decide(
        &run,
        &operators,
        "deny",
        id,
        "supervisor-passphrase"
    ));
    ok("a rejection");

    // A token presented with other arguments is refused and void.
    let t = h
        .ok(
            "freshdesk_create_ticket",
            json!({
                "subject": "third",
                "description": "d",
                "requester_email": "c@customer.example",
                "priority": "low",
            }),
        )
        .await["object"]["id"]
        .as_i64()
        .unwrap();
    let d = h
        .ok("freshdesk_delete_ticket", json!({"ticket_id": t}))
        .await;
    h.err(
        "freshdesk_delete_ticket",
        json!({"ticket_id": run.ticket, "confirmation_token": d["confirmation_token"]}),
    )
    .await;
    ok("a token refused for other arguments");

    // A token presented after it expired (its clock moved on in SQL: time passing).
    let d = h
        .ok("freshdesk_delete_ticket", json!({"ticket_id": t}))
        .await;
    let id = d["confirmation_id"].as_str().unwrap();
    sql(
        &run.db,
        format!("UPDATE confirmations SET expires_at = created_at WHERE id = '{id}'"),
    )
    .await;
    h.err(
        "freshdesk_delete_ticket",
        json!({"ticket_id": t, "confirmation_token": d["confirmation_token"]}),
    )
    .await;
    ok("an expired token");
    let states: Vec<String> = h
        .store
        .all_confirmations()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.state)
        .collect();
    for s in ["used", "rejected", "refused", "expired"] {
        assert!(states.iter().any(|x| x == s), "{s} in {states:?}");
    }

    // The session finished: the table says so, and so does the chain.
    h.ok("finish_agent_session", json!({})).await;
    ok("a finished session");
}
