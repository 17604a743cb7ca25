//! The sandbox as a TypeScript MCP client meets it: `tests/harness/ts/acceptance.mjs` drives
//! `helpdesk-operator sandbox` over stdio with the official TypeScript SDK
//! (`@modelcontextprotocol/sdk`, pinned by `tests/harness/ts/package-lock.json`). That SDK
//! checks the `tools/list` answer with zod, compiles every `outputSchema` with Ajv and checks
//! each call's `structuredContent` against it, so a schema it cannot use fails here.
//!
//! Install: a locked `npm ci` into `target/test-services/ts-client/` (see [`crate::npm`]).
//! The script is copied next to that `node_modules` for each run (ESM resolves packages from
//! the script's folder and ignores NODE_PATH). Missing node or npm, or a failed install, fails
//! the test with the reason; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::Command;

use crate::common::repo;
use crate::npm::{Node, NodePackage};

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");
/// The SDK pinned by tests/harness/ts/package-lock.json, and its `engines.node`.
const SDK: NodePackage = NodePackage {
    name: "ts-client",
    src: "tests/harness/ts",
    package: "@modelcontextprotocol/sdk",
    version: "1.32.2",
    min_node_major: 18,
    node_hint: "on PATH; .ci/run installs Debian's nodejs and npm",
};
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);

fn harness_dir() -> PathBuf {
    repo().join(SDK.src)
}

/// The folder holding `node_modules` with the pinned SDK (see [`crate::npm`]).
async fn ensure_node_modules() -> Result<PathBuf, String> {
    SDK.ensure(&Node::from_path()).await
}

/// Runs a copy of the harness script `name` next to `modules` (ESM resolves packages from the
/// script's folder) against the binary's sandbox in `data_dir`, within [`SCRIPT_TIMEOUT`].
async fn run_script(modules: &Path, name: &str, data_dir: &Path) -> std::process::Output {
    let script = modules.join(format!("{}-{}", uuid::Uuid::new_v4().simple(), name));
    std::fs::copy(harness_dir().join(name), &script).unwrap();
    let run = tokio::time::timeout(
        SCRIPT_TIMEOUT,
        Command::new("node")
            .arg(&script)
            .args(["--binary", BIN, "--data-dir"])
            .arg(data_dir)
            .current_dir(modules)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await;
    let _ = std::fs::remove_file(&script);
    run.unwrap_or_else(|_| panic!("{name} gave no result in {SCRIPT_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("run node {name}: {e}"))
}

/// Lists the tools, reads the agent session, sets an intent, reads a Freshdesk and a
/// django-helpdesk ticket, resolves the Freshdesk ticket through a token confirmation
/// (nothing changes before it), adds a private note without one, and finishes the session,
/// all through the official TypeScript client; the audit trail then holds the writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_typescript_client_lists_reads_and_writes() {
    let started = Instant::now();
    let modules = ensure_node_modules()
        .await
        .unwrap_or_else(|e| panic!("the TypeScript MCP client could not be installed: {e}"));
    eprintln!(
        "[ts_client] node_modules ready in {:.1}s: {}",
        started.elapsed().as_secs_f64(),
        modules.display()
    );
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ts-sandbox-{}", uuid::Uuid::new_v4().simple()));
    let out = run_script(&modules, "acceptance.mjs", &data_dir).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "acceptance.mjs failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    let summary: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON summary from acceptance.mjs:\n{stdout}\n{stderr}"));
    assert_eq!(summary["ok"], true, "{summary}");
    assert!(summary["tools"].as_u64().unwrap_or(0) >= 36, "{summary}");
    eprintln!("[ts_client] {summary}");

    let store = helpdesk_operator::audit::AuditStore::new(
        helpdesk_operator::config::AuditStoreConfig::Sqlite(data_dir.join("audit.sqlite3")),
    );
    let events = store.list(None, 200).await.unwrap();
    for (tool, phase) in [
        ("freshdesk_update_ticket", "confirmation_required"),
        ("freshdesk_update_ticket", "succeeded"),
        ("freshdesk_add_note", "succeeded"),
    ] {
        assert!(
            events.iter().any(|e| e.tool == tool && e.phase == phase),
            "{tool} {phase} is not in the audit trail"
        );
    }
    assert!(store.verify().await.unwrap().first_broken.is_none());
}

/// `sandbox --http` through the official TypeScript client over streamable HTTP, with the demo
/// token from the banner (`tests/harness/ts/acceptance_http.mjs`): tools/list (zod, Ajv), the
/// token's agent session, a search whose structuredContent the SDK checks, and 401 without a
/// token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_typescript_client_over_streamable_http() {
    let modules = ensure_node_modules()
        .await
        .unwrap_or_else(|e| panic!("the TypeScript MCP client could not be installed: {e}"));
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ts-http-{}", uuid::Uuid::new_v4().simple()));
    let out = run_script(&modules, "acceptance_http.mjs", &data_dir).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("\"ok\":true"),
        "acceptance_http.mjs failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
