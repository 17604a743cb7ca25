//! Human approval needs a human's credential: the operators file (`HELPDESK_OPERATOR_AGENTS`),
//! `approve`/`deny` reading the operator's name and password from stdin (never an argument),
//! and `hash-password`. Written as attacks by an agent that has a shell: it knows the
//! confirmation id and the database URL and can run the binary, but knows no password.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde_json::json;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");

const PAT_PASSWORD: &str = "canary-Pat-passphrase-7f3b9";
const SAM_PASSWORD: &str = "canary-Sam-passphrase-1c8e2";

/// An argon2id PHC string at a low cost: the parameters travel in the string, so verification
/// is just as cheap, and the tests stay fast. Never do this outside tests.
pub fn cheap_hash(password: &str) -> String {
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).unwrap();
    a.hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

fn scratch_dir(prefix: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An operators file with one operator, for tests elsewhere that approve through the CLI.
pub fn operators_file_with(name: &str, password: &str) -> PathBuf {
    let path = scratch_dir("operators").join("operators.toml");
    std::fs::write(
        &path,
        format!(
            "[[operator]]\nname = \"{name}\"\npassword_hash = \"{}\"\n",
            cheap_hash(password)
        ),
    )
    .unwrap();
    path
}

/// An operators file with pat and sam, and one agent (of the HTTP transport).
fn operators_file() -> PathBuf {
    let path = scratch_dir("operators").join("operators.toml");
    std::fs::write(
        &path,
        format!(
            "# who may approve\n[[operator]]\nname = \"pat\"\npassword_hash = \"{}\"\n\n[[operator]]\nname = \"sam\"\npassword_hash = '{}'\n\n[[agent]]\nname = \"triage-bot\"\ntoken_sha256 = \"{}\"\n",
            cheap_hash(PAT_PASSWORD),
            cheap_hash(SAM_PASSWORD),
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
    )
    .unwrap();
    path
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs the binary as an agent with a shell would: the database URL set, `$USER` set, the
/// operators file named or not, and `stdin` piped in (closed when empty).
fn run(db_url: &str, operators: Option<&Path>, args: &[&str], stdin: &str) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("DATABASE_URL", db_url)
        .env("USER", "pat")
        .env_remove("HELPDESK_OPERATOR_AGENTS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        });
    if let Some(p) = operators {
        cmd.env("HELPDESK_OPERATOR_AGENTS", p);
    }
    let mut child = cmd.spawn().unwrap();
    if !stdin.is_empty() {
        let mut input = child.stdin.take().unwrap();
        // The binary may exit before reading everything (clap errors): ignore a broken pipe.
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// A server whose deletes need a person (operators: pat and sam), a ticket, and a delete
/// waiting for approval: (harness, ticket id, confirmation id, the call with its token, the
/// server's operators file).
async fn waiting_delete(store: Store) -> (Harness, i64, String, serde_json::Value, PathBuf) {
    let ops = operators_file();
    let (h, _) = plain_with_operators(store, Some(HUMAN_DELETES), &ops).await;
    h.ok("set_agent_intent", json!({"intent": "clean up spam"}))
        .await;
    let c = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "spam?", "description": "operators test"}),
        )
        .await;
    let id = c["ticket"]["id"].as_i64().unwrap();
    let pending = h
        .ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
    assert_eq!(pending["via"], "human", "{pending}");
    let cid = pending["confirmation_id"].as_str().unwrap().to_string();
    let with = json!({"ticket_id": id, "confirmation_token": pending["confirmation_token"]});
    (h, id, cid, with, ops)
}

async fn state(h: &Harness, cid: &str) -> String {
    h.store.confirmation(cid).await.unwrap().unwrap().state
}

/// The agent's repeated call is still refused as waiting for a person, and the ticket is there.
async fn still_waiting(h: &Harness, id: i64, cid: &str, with: &serde_json::Value) {
    assert_eq!(state(h, cid).await, "pending");
    let msg = h.err("django_helpdesk_delete_ticket", with.clone()).await;
    assert!(msg.contains("waiting for a person's approval"), "{msg}");
    h.ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
}

/// Nothing the tests typed as a password shows up in output or in the audit log.
async fn no_password_leaks(h: &Harness, outputs: &[&Out]) {
    let dump = serde_json::to_string(&h.store.list(None, 500).await.unwrap()).unwrap();
    for secret in [PAT_PASSWORD, SAM_PASSWORD, "wrong-password-canary"] {
        assert!(!dump.contains(secret), "{secret} in the audit log");
        for o in outputs {
            assert!(!o.all().contains(secret), "{secret} printed: {}", o.all());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_without_a_credential_is_refused() {
    let (h, id, cid, with, ops) = waiting_delete(Store::Sqlite).await;

    // No operators file configured: refused, with how to set one up.
    let o = run(&h.db_url, None, &["approve", &cid], "");
    assert_ne!(o.code, Some(0), "{}", o.all());
    assert!(
        o.all().contains("HELPDESK_OPERATOR_AGENTS") && o.all().contains("hash-password"),
        "{}",
        o.all()
    );
    still_waiting(&h, id, &cid, &with).await;

    // An operators file, but nothing on stdin ($USER is pat, which must not count).
    let o = run(&h.db_url, Some(&ops), &["approve", &cid], "");
    assert_ne!(o.code, Some(0), "{}", o.all());
    assert!(o.all().contains("operator"), "{}", o.all());
    still_waiting(&h, id, &cid, &with).await;

    // Only a name, no password.
    let o = run(&h.db_url, Some(&ops), &["approve", &cid], "pat\n");
    assert_ne!(o.code, Some(0), "{}", o.all());
    still_waiting(&h, id, &cid, &with).await;

    // The operators file names a file that is not there.
    let missing = ops.with_file_name("absent.toml");
    let o = run(&h.db_url, Some(&missing), &["approve", &cid], "pat\nx\n");
    assert_ne!(o.code, Some(0), "{}", o.all());
    assert!(o.all().contains("absent.toml"), "{}", o.all());
    still_waiting(&h, id, &cid, &with).await;
    assert!(
        !h.store
            .list(None, 200)
            .await
            .unwrap()
            .iter()
            .any(|e| e.phase == "approved"),
        "no approval was recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_operator_are_refused() {
    let (h, id, cid, with, ops) = waiting_delete(Store::Sqlite).await;

    let wrong = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid],
        "pat\nwrong-password-canary\n",
    );
    assert_eq!(wrong.code, Some(1), "{}", wrong.all());
    still_waiting(&h, id, &cid, &with).await;

    // Another operator's password does not work for pat either.
    let swapped = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid],
        &format!("pat\n{SAM_PASSWORD}\n"),
    );
    assert_eq!(swapped.code, Some(1), "{}", swapped.all());
    still_waiting(&h, id, &cid, &with).await;

    // A name that is not in the file, with a real password.
    let unknown = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid],
        &format!("mallory\n{PAT_PASSWORD}\n"),
    );
    assert_eq!(unknown.code, Some(1), "{}", unknown.all());
    still_waiting(&h, id, &cid, &with).await;

    // The same answer either way: the output does not tell which names exist.
    let refusal = |o: &Out| {
        o.all()
            .lines()
            .find(|l| l.contains("refused"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(!refusal(&wrong).is_empty(), "{}", wrong.all());
    assert_eq!(refusal(&wrong), refusal(&unknown));

    // Each attempt is in the audit log: the known name is named, an unknown one is not
    // recorded (it could be a password typed on the wrong line).
    let events = h.store.list(None, 200).await.unwrap();
    let refused: Vec<_> = events
        .iter()
        .filter(|e| {
            e.phase == "refused"
                && e.target_entity.as_deref() == Some("confirmation")
                && e.target_id.as_deref() == Some(cid.as_str())
        })
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused
            .iter()
            .filter(|e| e.error.as_deref().unwrap_or_default().contains("\"pat\""))
            .count()
            == 2,
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .all(|e| !e.error.as_deref().unwrap_or_default().contains("mallory")),
        "{refused:?}"
    );
    assert!(!events.iter().any(|e| e.phase == "approved"));
    no_password_leaks(&h, &[&wrong, &swapped, &unknown]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_arguments_are_refused() {
    let (h, id, cid, with, ops) = waiting_delete(Store::Sqlite).await;
    for args in [
        vec!["approve", cid.as_str(), "--by", "pat"],
        vec!["approve", cid.as_str(), "--by=pat"],
        vec!["approve", cid.as_str(), "pat", PAT_PASSWORD],
        vec!["approve", cid.as_str(), "--operator", "pat"],
        vec!["approve", cid.as_str(), "--password", PAT_PASSWORD],
        vec!["deny", cid.as_str(), "--by", "pat"],
    ] {
        // Even with the right credentials on stdin: arguments are refused outright.
        let o = run(
            &h.db_url,
            Some(&ops),
            &args,
            &format!("pat\n{PAT_PASSWORD}\n"),
        );
        assert_ne!(o.code, Some(0), "{args:?}: {}", o.all());
        still_waiting(&h, id, &cid, &with).await;
    }
    let o = run(&h.db_url, Some(&ops), &["approve", &cid, "--by", "pat"], "");
    assert!(
        o.all().contains("stdin"),
        "says where credentials go: {}",
        o.all()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_approves_with_name_and_password_on_stdin() {
    let (h, id, cid, with, ops) = waiting_delete(Store::Postgres).await;

    // `pending` lists it (and prints no database URL).
    let p = run(&h.db_url, Some(&ops), &["pending"], "");
    assert_eq!(p.code, Some(0), "{}", p.all());
    assert!(p.stdout.contains(&cid) && p.stdout.contains("django_helpdesk_delete_ticket"));
    assert!(!p.all().contains(&h.db_url), "{}", p.all());

    let o = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid],
        &format!("  pat \n{PAT_PASSWORD}\n"),
    );
    assert_eq!(o.code, Some(0), "{}", o.all());
    assert!(
        o.stdout.contains("approved") && o.stdout.contains("pat"),
        "{}",
        o.all()
    );
    let c = h.store.confirmation(&cid).await.unwrap().unwrap();
    assert_eq!(
        (c.state.as_str(), c.decided_by.as_deref()),
        ("approved", Some("pat"))
    );
    let events = h.store.list(None, 200).await.unwrap();
    let approved = events
        .iter()
        .find(|e| e.phase == "approved")
        .expect("approval audited");
    assert_eq!(approved.agent, "operator:pat");
    assert_eq!(approved.target_id.as_deref(), Some(cid.as_str()));

    // Deciding again: nothing to decide.
    let again = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid],
        &format!("pat\n{PAT_PASSWORD}\n"),
    );
    assert_eq!(again.code, Some(1), "{}", again.all());
    assert!(again.stdout.contains("not pending"), "{}", again.all());

    // The agent's repeated call with its token goes through.
    let done = h.ok("django_helpdesk_delete_ticket", with.clone()).await;
    assert_eq!(done["deleted_ticket_id"], id);
    assert_eq!(state(&h, &cid).await, "used");
    h.err("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    no_password_leaks(&h, &[&p, &o, &again]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_denies_with_name_and_password_on_stdin() {
    let (h, id, cid, with, ops) = waiting_delete(Store::Sqlite).await;

    // Without a credential, deny changes nothing either (an agent must not be able to void
    // a person's pending decision, nor record one in their name).
    let o = run(&h.db_url, Some(&ops), &["deny", &cid], "");
    assert_ne!(o.code, Some(0), "{}", o.all());
    let o = run(
        &h.db_url,
        Some(&ops),
        &["deny", &cid],
        "sam\nwrong-password-canary\n",
    );
    assert_eq!(o.code, Some(1), "{}", o.all());
    still_waiting(&h, id, &cid, &with).await;

    let o = run(
        &h.db_url,
        Some(&ops),
        &["deny", &cid],
        &format!("sam\r\n{SAM_PASSWORD}\r\n"),
    );
    assert_eq!(o.code, Some(0), "{}", o.all());
    let c = h.store.confirmation(&cid).await.unwrap().unwrap();
    assert_eq!(
        (c.state.as_str(), c.decided_by.as_deref()),
        ("rejected", Some("sam"))
    );
    let events = h.store.list(None, 200).await.unwrap();
    let rejected = events
        .iter()
        .find(|e| e.phase == "rejected")
        .expect("rejection audited");
    assert_eq!(rejected.agent, "operator:sam");
    let msg = h.err("django_helpdesk_delete_ticket", with).await;
    assert!(msg.contains("rejected"), "{msg}");
    h.ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    no_password_leaks(&h, &[&o]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_password_prints_a_phc_string_that_verifies() {
    let o = run(
        "sqlite::memory:",
        None,
        &["hash-password"],
        "correct horse battery staple\n",
    );
    assert_eq!(o.code, Some(0), "{}", o.all());
    let phc = o.stdout.trim();
    assert!(!o.all().contains("correct horse"), "{}", o.all());
    let parsed = PasswordHash::new(phc).unwrap_or_else(|e| panic!("{phc}: {e}"));
    assert_eq!(parsed.algorithm.as_str(), "argon2id");
    let argon = argon2::Argon2::default();
    argon
        .verify_password(b"correct horse battery staple", &parsed)
        .expect("the printed hash verifies the password");
    assert!(
        argon
            .verify_password(b"correct horse battery stapl", &parsed)
            .is_err()
    );
    // Random salt: the same password hashes differently each time.
    let o2 = run(
        "sqlite::memory:",
        None,
        &["hash-password"],
        "correct horse battery staple\n",
    );
    assert_ne!(o2.stdout.trim(), phc);

    // An empty password is refused.
    for input in ["", "\n", "\r\n"] {
        let o = run("sqlite::memory:", None, &["hash-password"], input);
        assert_ne!(o.code, Some(0), "{input:?}: {}", o.all());
        assert!(o.stdout.trim().is_empty(), "{}", o.all());
    }
    // The password is never an argument.
    let o = run("sqlite::memory:", None, &["hash-password", "hunter2"], "");
    assert_ne!(o.code, Some(0), "{}", o.all());

    // The printed hash, in an operators file, lets that operator approve.
    let (h, _id, cid, _with, _ops) = waiting_delete(Store::Sqlite).await;
    let path = scratch_dir("operators").join("operators.toml");
    std::fs::write(
        &path,
        format!("[[operator]]\nname = \"robin\"\npassword_hash = \"{phc}\"\n"),
    )
    .unwrap();
    let o = run(
        &h.db_url,
        Some(&path),
        &["approve", &cid],
        "robin\ncorrect horse battery staple\n",
    );
    assert_eq!(o.code, Some(0), "{}", o.all());
    assert_eq!(state(&h, &cid).await, "approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_operators_file_is_refused_with_file_and_line() {
    let (h, id, cid, with, _ops) = waiting_delete(Store::Sqlite).await;
    let dir = scratch_dir("operators-bad");
    let good = cheap_hash(PAT_PASSWORD);
    let sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown-key.toml",
            format!("[[operator]]\nname = \"pat\"\npasword_hash = \"{good}\"\n"),
            "unknown-key.toml:3",
        ),
        (
            "not-phc.toml",
            "[[operator]]\nname = \"pat\"\n\npassword_hash = \"hunter2\"\n".to_string(),
            "not-phc.toml:4",
        ),
        (
            "not-argon2.toml",
            "[[operator]]\nname = \"pat\"\npassword_hash = \"$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo\"\n".to_string(),
            "not-argon2.toml:3",
        ),
        (
            "duplicate.toml",
            format!(
                "[[operator]]\nname = \"pat\"\npassword_hash = \"{good}\"\n\n\
                 [[operator]]\nname = \"pat\"\npassword_hash = \"{good}\"\n"
            ),
            "duplicate.toml:6",
        ),
        (
            "empty-name.toml",
            format!("[[operator]]\nname = \"\"\npassword_hash = \"{good}\"\n"),
            "empty-name.toml:2",
        ),
        (
            "agent-unknown-key.toml",
            format!(
                "[[operator]]\nname = \"pat\"\npassword_hash = \"{good}\"\n\
                 [[agent]]\nname = \"bot\"\ntoken_sha256 = \"{sha}\"\ntoken = \"plain\"\n"
            ),
            "agent-unknown-key.toml:7",
        ),
        (
            "agent-duplicate.toml",
            format!(
                "[[operator]]\nname = \"pat\"\npassword_hash = \"{good}\"\n\
                 [[agent]]\nname = \"bot\"\ntoken_sha256 = \"{sha}\"\n\
                 [[agent]]\nname = \"bot\"\ntoken_sha256 = \"{sha}\"\n"
            ),
            "agent-duplicate.toml:8",
        ),
        ("no-operators.toml", "# nobody yet\n".to_string(), "no-operators.toml"),
        (
            "not-toml.toml",
            "[[operator]\nname = \"pat\"\n".to_string(),
            "not-toml.toml:1",
        ),
    ];
    for (name, text, expect) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let o = run(
            &h.db_url,
            Some(&path),
            &["approve", &cid],
            &format!("pat\n{PAT_PASSWORD}\n"),
        );
        assert_eq!(o.code, Some(2), "{name}: {}", o.all());
        assert!(
            o.stderr.contains(expect),
            "{name}: expected {expect}: {}",
            o.all()
        );
        assert!(
            !o.all().contains("hunter2"),
            "a pasted value is never echoed: {}",
            o.all()
        );
        still_waiting(&h, id, &cid, &with).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_banner_hands_out_no_way_to_approve() {
    let dir = scratch_dir("sandbox-banner");
    let sandbox = helpdesk_operator::sandbox::Sandbox::start(dir.clone())
        .await
        .unwrap();
    let banner = sandbox.banner();
    let db = format!("sqlite:{}", sandbox.audit_path.display());
    for line in banner.lines() {
        assert!(
            !(line.contains("approve") && line.contains(&db)),
            "the database URL next to the approve command: {line}"
        );
    }
    assert!(
        !banner
            .lines()
            .any(|l| l.contains("DATABASE_URL=") && l.contains("pending")),
        "{banner}"
    );
    assert!(
        banner.contains("operator") && banner.contains("hash-password"),
        "the banner says human approval needs an operator: {banner}"
    );
    // No password or operators file was made for the demo.
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(!files.iter().any(|f| f.contains("operator")), "{files:?}");
}

/// An agent with a shell writes its own operators file, names it for `approve`, and approves
/// with the password it chose. The CLI cannot know better, but the server does: it accepts
/// only approvals made with an operator entry of its own operators file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_from_a_substituted_operators_file_is_refused() {
    let (h, id, cid, with, ops) = waiting_delete(Store::Sqlite).await;
    // Same operator name as the real file, the agent's own password.
    let mine = operators_file_with("pat", "the-agents-own-password");
    let o = run(
        &h.db_url,
        Some(&mine),
        &["approve", &cid],
        "pat\nthe-agents-own-password\n",
    );
    assert_eq!(
        o.code,
        Some(0),
        "the CLI trusts the file it is given: {}",
        o.all()
    );
    let msg = h.err("django_helpdesk_delete_ticket", with.clone()).await;
    assert!(msg.contains("operators file"), "{msg}");
    h.ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    // A real operator can still decide: a new confirmation, approved with the real file.
    let pending = h
        .ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
    let cid2 = pending["confirmation_id"].as_str().unwrap().to_string();
    let o = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid2],
        &format!("pat\n{PAT_PASSWORD}\n"),
    );
    assert_eq!(o.code, Some(0), "{}", o.all());
    let done = h
        .ok(
            "django_helpdesk_delete_ticket",
            json!({"ticket_id": id, "confirmation_token": pending["confirmation_token"]}),
        )
        .await;
    assert_eq!(done["deleted_ticket_id"], id);
}

/// An operator's decision is audited under the tool's own backend, for every backend (the
/// audit log is filtered by backend; a Freshdesk approval must not be filed as
/// "freshdesk_delete").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_is_audited_under_the_tools_backend() {
    let sim = crate::behaviour::freshdesk_sim().await;
    let h = crate::behaviour::freshdesk_harness(&sim, Some(HUMAN_DELETES)).await;
    let ops = operators_file();
    h.ok("set_agent_intent", json!({"intent": "clean up spam"}))
        .await;
    let pending = h
        .ok("freshdesk_delete_ticket", json!({"ticket_id": 1}))
        .await;
    assert_eq!(pending["via"], "human", "{pending}");
    let cid = pending["confirmation_id"].as_str().expect("id").to_string();
    let o = run(
        &h.db_url,
        Some(&ops),
        &["approve", &cid],
        &format!("pat\n{PAT_PASSWORD}\n"),
    );
    assert_eq!(o.code, Some(0), "{}", o.all());
    let events = h.store.list(None, 200).await.unwrap();
    let approved = events
        .iter()
        .find(|e| e.phase == "approved")
        .expect("approval audited");
    assert_eq!(approved.backend, "freshdesk", "{approved:?}");
}
