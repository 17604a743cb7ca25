//! The binary as clients run it: `serve` over stdio (rmcp's child-process client and the
//! official Python MCP client), `check`, and no secret in logs or audit rows.

use std::collections::HashMap;
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");

fn command(env: &HashMap<String, String>) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .envs(env);
    cmd
}

/// Spawns `serve`, drives a session over stdio with rmcp's client, and checks that neither
/// stderr (debug logs) nor the audit rows contain the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_over_stdio_keeps_secrets_out_of_logs_and_audit() {
    let s = services();
    let agent = s.agent();
    let db = store_url(Store::Sqlite).await;
    let mut env = env_for(&s.helpdesk_url, &agent, &db);
    env.insert("HELPDESK_OPERATOR_LOG".into(), "trace".into());
    let log_path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("stdio-{}.log", uuid::Uuid::new_v4().simple()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = command(&env);
    cmd.arg("serve");
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.expect("initialize over stdio");
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.len() >= 11);

    let call = |name: &'static str, args: Value| {
        let Value::Object(map) = args else {
            unreachable!()
        };
        client.call_tool(CallToolRequestParams::new(name).with_arguments(map))
    };
    let r = call("set_agent_intent", json!({"intent": "stdio test"}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let r = call(
        "django_helpdesk_create_ticket",
        json!({"queue": "Support", "title": "stdio ticket", "description": "d"}),
    )
    .await
    .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let id = r.structured_content.unwrap()["ticket"]["id"]
        .as_i64()
        .unwrap();
    // The shipped policy asks to confirm deletes: the first call sends nothing and returns a
    // token bound to this exact call; repeating it with the token deletes.
    let r = call("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let pending = r.structured_content.unwrap();
    assert_eq!(pending["status"], "confirmation_required", "{pending}");
    assert_eq!(pending["rule"], "any-delete");
    let token = pending["confirmation_token"].as_str().unwrap().to_string();
    let r = call(
        "django_helpdesk_delete_ticket",
        json!({"ticket_id": id, "confirmation_token": token}),
    )
    .await
    .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    assert_eq!(r.structured_content.unwrap()["deleted_ticket_id"], id);
    let r = call("finish_agent_session", json!({})).await.unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    client.cancel().await.unwrap();

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("logged in to django-helpdesk"),
        "debug logs were captured: {logs}"
    );
    assert!(!logs.contains(&s.password), "password in logs");
    assert!(
        !logs.to_lowercase().contains("sessionid="),
        "cookie in logs"
    );
    assert!(
        !logs.to_lowercase().contains("csrftoken="),
        "CSRF cookie in logs"
    );

    let store = helpdesk_operator::audit::AuditStore::new(config_from(&env).audit_store);
    let events = store.list(None, 100).await.unwrap();
    assert!(events.len() >= 7);
    let dump = serde_json::to_string(&events).unwrap();
    assert!(!dump.contains(&s.password), "password in audit rows");
    assert!(!dump.contains(&token), "confirmation token in audit rows");
    assert!(!logs.contains(&token), "confirmation token in logs");
}

/// The issue's acceptance scenario, driven by the official Python MCP client (PyPI `mcp`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_client_drives_a_session_and_the_audit_log_holds_it() {
    let s = services();
    let agent = s.agent();
    let db = store_url(Store::Postgres).await;
    let env = env_for(&s.helpdesk_url, &agent, &db);
    let out = tokio::process::Command::new(&s.python)
        .arg(repo().join("tests/harness/acceptance.py"))
        .args(["--binary", BIN])
        .envs(&env)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "acceptance.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let branch = result["branch"].as_str().unwrap();
    let intent = result["intent"].as_str().unwrap();
    let ticket = result["ticket_id"].as_i64().unwrap().to_string();

    let store = helpdesk_operator::audit::AuditStore::new(config_from(&env).audit_store);
    let events = store.list(None, 100).await.unwrap();
    for tool in [
        "django_helpdesk_create_ticket",
        "django_helpdesk_add_followup",
        "django_helpdesk_update_ticket",
    ] {
        let req = events
            .iter()
            .find(|e| e.tool == tool && e.phase == "requested")
            .unwrap_or_else(|| panic!("{tool} requested"));
        let ok = events
            .iter()
            .find(|e| e.tool == tool && e.phase == "succeeded")
            .unwrap_or_else(|| panic!("{tool} succeeded"));
        for e in [req, ok] {
            assert_eq!(e.intent.as_deref(), Some(intent));
            assert_eq!(e.branch.as_deref(), Some(branch));
        }
        assert_eq!(ok.target_id.as_deref(), Some(ticket.as_str()));
        assert!(ok.after_image.is_some(), "{tool}: after image");
        if tool != "django_helpdesk_create_ticket" {
            assert!(req.before_image.is_some(), "{tool}: before image");
        }
    }
    let (ok, _) = verify_cli(&db);
    assert!(ok);
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&db).await.unwrap();
    sqlx::query(
        "UPDATE audit_events SET after_image = '{\"priority\": 5}' \
         WHERE tool = 'django_helpdesk_update_ticket' AND phase = 'succeeded'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (ok, out) = verify_cli(&db);
    assert!(!ok && out.contains("BROKEN"), "{out}");
}

fn verify_cli(db: &str) -> (bool, String) {
    let out = std::process::Command::new(BIN)
        .args(["audit", "verify"])
        .env("DATABASE_URL", db)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_diagnoses_plain_fork_and_bad_credentials() {
    let s = services();
    let db = store_url(Store::Sqlite).await;
    let run = |env: HashMap<String, String>| async move {
        let out = command(&env).arg("check").output().await.unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, out) = run(env_for(&s.helpdesk_url, &s.agent(), &db)).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("agent-session endpoints") && out.contains("absent"),
        "{out}"
    );
    assert!(out.contains("queues") && out.contains("Support"), "{out}");
    let (ok, out) = run(env_for(&s.fork_url, &s.agent(), &db)).await;
    assert!(ok, "{out}");
    assert!(out.contains("present"), "{out}");
    let mut bad = env_for(&s.helpdesk_url, &s.agent(), &db);
    bad.insert(
        "DJANGO_HELPDESK_PASSWORD".into(),
        "pw-CANARY-bad-1111".into(),
    );
    let (ok, out) = run(bad).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("login") && out.contains("FAILED") && !out.contains("pw-CANARY-bad"),
        "{out}"
    );
    let nonstaff = env_for(&s.helpdesk_url, &s.nonstaff_user, &db);
    let (ok, out) = run(nonstaff).await;
    assert!(!ok && out.contains("staff"), "{out}");
}

#[test]
fn help_explains_the_commands_and_configuration() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "serve",
        "check",
        "audit",
        "DJANGO_HELPDESK_URL",
        "FRESHDESK_API_KEY",
        "Freshdesk",
        "DATABASE_URL",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}: {help}");
    }
    assert!(!help.contains("today"), "--help is out of date: {help}");
}

/// Checking a policy file must not depend on backend settings: a half-configured backend
/// (a username without a URL) stops `serve` with a configuration error, but not `policy`.
#[test]
fn policy_commands_ignore_half_set_backend_settings() {
    let dir = std::env::temp_dir();
    let run = |args: &[&str]| {
        std::process::Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DJANGO_HELPDESK_USERNAME", "triage-bot")
            .env("FRESHDESK_API_KEY", "half-set")
            .output()
            .unwrap()
    };
    let policy = repo().join("policies/default.toml");
    let out = run(&["policy", "check", policy.to_str().unwrap()]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "policy check failed: {all}");
    let out = run(&[
        "policy",
        "explain",
        "django_helpdesk_delete_ticket",
        r#"{"ticket_id": 7}"#,
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && all.contains("confirm"), "{all}");
    // serve still refuses the half-set configuration, naming what is missing.
    let out = run(&["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("DJANGO_HELPDESK_URL"),
        "{err}"
    );
}

/// The sandbox as a newcomer meets it: the official Python client drives
/// `helpdesk-operator sandbox` (simulators, embedded audit log, default policy), and every
/// write is in the audit trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_with_the_official_python_client() {
    let s = services();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sandbox-{}", uuid::Uuid::new_v4().simple()));
    let out = tokio::process::Command::new(&s.python)
        .arg(repo().join("tests/harness/acceptance_sandbox.py"))
        .args(["--binary", BIN, "--data-dir", dir.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "acceptance_sandbox.py failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("helpdesk-operator sandbox") && stderr.contains("audit list"),
        "the banner tells how to connect: {stderr}"
    );
    let store = helpdesk_operator::audit::AuditStore::new(
        helpdesk_operator::config::AuditStoreConfig::Sqlite(dir.join("audit.sqlite3")),
    );
    let events = store.list(None, 200).await.unwrap();
    for tool in [
        "freshdesk_create_ticket",
        "freshdesk_reply_to_ticket",
        "freshdesk_add_note",
        "freshdesk_delete_ticket",
    ] {
        assert!(
            events
                .iter()
                .any(|e| e.tool == tool && e.phase == "succeeded"),
            "{tool} in the audit trail"
        );
    }
    assert!(events.iter().any(|e| e.phase == "confirmation_required"));
    assert!(store.verify().await.unwrap().first_broken.is_none());
}

/// README's client set-up snippets work as pasted: every JSON block parses, has the shape its
/// client documents (`mcpServers` for Claude and Cursor, `servers` with `type: "stdio"` for
/// VS Code), names a real subcommand and only variables the server reads; every `claude mcp
/// add` puts the server name first (an `-e` right before the name swallows it).
#[test]
fn readme_client_snippets_are_well_formed() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("## Connecting MCP clients")
        .expect("the client section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let known_vars: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|v| v.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    assert!(known_vars.contains(&"DATABASE_URL"), "{known_vars:?}");
    let mut blocks = 0;
    for block in section.split("```json\n").skip(1) {
        let body = &block[..block.find("```").unwrap()];
        let v: Value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("README snippet does not parse: {e}\n{body}"));
        blocks += 1;
        let (servers, vscode) = match (v.get("mcpServers"), v.get("servers")) {
            (Some(s), None) => (s, false),
            (None, Some(s)) => (s, true),
            _ => panic!("a snippet needs exactly one of mcpServers/servers: {body}"),
        };
        for (name, server) in servers.as_object().unwrap() {
            if vscode {
                assert_eq!(server["type"], "stdio", "{name}: VS Code needs type");
            }
            let args = server["args"].as_array().expect("args");
            let sub = args[0].as_str().unwrap();
            assert!(["serve", "sandbox"].contains(&sub), "{name}: {sub}");
            let help = std::process::Command::new(BIN)
                .args([sub, "--help"])
                .output()
                .unwrap();
            assert!(help.status.success(), "{name}: `{sub}` is not a subcommand");
            for key in server
                .get("env")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                assert!(
                    known_vars.contains(&key.as_str()),
                    "{name}: {key} is not a variable the server reads"
                );
            }
            if let Some(inputs) = v.get("inputs").and_then(Value::as_array) {
                for i in inputs {
                    let id = i["id"].as_str().unwrap();
                    assert!(
                        body.contains(&format!("${{input:{id}}}")),
                        "unused input {id}"
                    );
                    assert_eq!(i["type"], "promptString");
                }
            }
        }
    }
    assert!(blocks >= 4, "expected a snippet per client, found {blocks}");
    let adds: Vec<&str> = section
        .lines()
        .filter(|l| l.trim_start().starts_with("claude mcp add "))
        .collect();
    assert!(!adds.is_empty());
    for line in adds {
        let name = line.trim_start()["claude mcp add ".len()..]
            .split_whitespace()
            .next()
            .unwrap();
        assert!(
            !name.starts_with('-')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "the server name must come first: {line}"
        );
    }
}

/// One list of variables (`backends::env_vars`, each backend's own included) drives `--help`,
/// and README's configuration table documents exactly that list.
#[test]
fn help_and_readme_list_every_variable_the_server_reads() {
    let vars: Vec<&str> = helpdesk_operator::backends::env_vars()
        .iter()
        .map(|(k, _)| *k)
        .collect();
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for v in &vars {
        assert!(help.contains(v), "--help lacks {v}");
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme.find("## Configuration").unwrap()..];
    let section = &section[..section[3..].find("\n## ").unwrap() + 3];
    let mut documented: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let mut listed = vars.clone();
    documented.sort();
    listed.sort();
    assert_eq!(
        documented, listed,
        "README's configuration table and backends::env_vars differ"
    );
}
