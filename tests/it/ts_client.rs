//! The sandbox as a TypeScript MCP client meets it: `tests/harness/ts/acceptance.mjs` drives
//! `helpdesk-operator sandbox` over stdio with the official TypeScript SDK
//! (`@modelcontextprotocol/sdk`, pinned by `tests/harness/ts/package-lock.json`). That SDK
//! checks the `tools/list` answer with zod, compiles every `outputSchema` with Ajv and checks
//! each call's `structuredContent` against it, so a schema it cannot use fails here.
//!
//! Install: `npm ci` runs in a staging folder under `target/test-services/ts-client/`, which
//! is renamed to `<sha256 of package-lock.json>/` once the SDK is in place, all under an
//! exclusive lock on `install.lock` (two test processes wait for one install; a killed install
//! leaves only a staging folder, removed by the next one). It reruns only when the lock file
//! changes. The script is copied next to that `node_modules` for each run (ESM resolves packages
//! from the script's folder and ignores NODE_PATH). Missing node or npm, or a failed install,
//! fails the test with the reason; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::process::Command;

use crate::common::repo;

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");
/// The SDK version package-lock.json must resolve to.
const SDK_VERSION: &str = "1.32.2";
/// The SDK's `engines.node`.
const MIN_NODE_MAJOR: u32 = 18;
const NPM_TIMEOUT: Duration = Duration::from_secs(900);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);
/// Written into an install folder last, before it is renamed into place.
const MARKER: &str = ".harness-installed";

fn harness_dir() -> PathBuf {
    repo().join("tests/harness/ts")
}

/// Whether `dir` is a finished install (a half-deleted one is reinstalled).
fn ready(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
        && dir
            .join("node_modules/@modelcontextprotocol/sdk/package.json")
            .is_file()
}

/// Runs `program args` and returns its trimmed stdout, or why it could not.
async fn version_of(program: &str) -> Result<String, String> {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| format!("`{program} --version` did not answer in 60s"))?
    .map_err(|e| {
        format!(
            "cannot run `{program}` ({e}): the TypeScript client test needs Node >= {MIN_NODE_MAJOR} \
             with npm on PATH (.ci/run installs Debian's nodejs and npm)"
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "`{program} --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn tail(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The folder holding `node_modules` with the pinned SDK for the current package-lock.json,
/// installed with `npm ci` if it is not there yet.
async fn ensure_node_modules() -> Result<PathBuf, String> {
    let node = version_of("node").await?;
    let major: u32 = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("cannot read node's version from {node:?}"))?;
    if major < MIN_NODE_MAJOR {
        return Err(format!(
            "node {node} is too old: @modelcontextprotocol/sdk {SDK_VERSION} needs Node >= {MIN_NODE_MAJOR}"
        ));
    }
    version_of("npm").await?;

    let src = harness_dir();
    let lock = std::fs::read(src.join("package-lock.json"))
        .map_err(|e| format!("cannot read {}/package-lock.json: {e}", src.display()))?;
    let key = format!("{:x}", Sha256::digest(&lock));
    let root = repo().join("target/test-services/ts-client");
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let installed = root.join(&key);
    // A keyed folder only appears by rename, after its install finished.
    if ready(&installed) {
        return Ok(installed);
    }

    let lock_path = root.join("install.lock");
    let lock_file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    let lock_file = tokio::task::spawn_blocking(move || lock_file.lock().map(|()| lock_file))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if ready(&installed) {
        return Ok(installed); // another test process installed it while we waited
    }
    // Holding the lock: anything else here is a leftover (a killed install, an older lock).
    for entry in std::fs::read_dir(&root)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        if entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let staging = root.join(format!(
        "staging-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = install(&src, &staging, &key).await;
    let result = result.and_then(|()| {
        std::fs::rename(&staging, &installed).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                staging.display(),
                installed.display()
            )
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    drop(lock_file);
    result.map(|()| installed)
}

/// `npm ci` of `src`'s package files into `dir`, checked and marked complete.
async fn install(src: &Path, dir: &Path, key: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(src.join(f), dir.join(f))
            .map_err(|e| format!("cannot copy {f} to {}: {e}", dir.display()))?;
    }
    let started = Instant::now();
    let out = tokio::time::timeout(
        NPM_TIMEOUT,
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(dir)
            .env("npm_config_update_notifier", "false")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| format!("`npm ci` in {} took over {NPM_TIMEOUT:?}", dir.display()))?
    .map_err(|e| format!("cannot run `npm ci`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`npm ci --no-audit --no-fund --ignore-scripts` in {} failed ({}):\n{}\n{}",
            dir.display(),
            out.status,
            tail(&out.stdout, 20),
            tail(&out.stderr, 40)
        ));
    }
    let manifest = dir.join("node_modules/@modelcontextprotocol/sdk/package.json");
    let version = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string));
    if version.as_deref() != Some(SDK_VERSION) {
        return Err(format!(
            "`npm ci` left @modelcontextprotocol/sdk {version:?} in {}, expected {SDK_VERSION}",
            manifest.display()
        ));
    }
    std::fs::write(
        dir.join(MARKER),
        format!("package-lock.json sha256 {key}\n@modelcontextprotocol/sdk {SDK_VERSION}\n"),
    )
    .map_err(|e| e.to_string())?;
    eprintln!(
        "[ts_client] npm ci into {} took {:.1}s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
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
