//! Test harness: starts a real PostgreSQL and real django-helpdesk instances (plain and with
//! the agent-session endpoints) once per test run through `tests/harness/services.py`, and
//! connects in-process MCP clients to the server. Fails loudly, never skips.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use helpdesk_operator::audit::AuditStore;
use helpdesk_operator::config::Config;
use helpdesk_operator::mcp::HelpdeskOperator;
use helpdesk_operator::policy::Policy;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Queue {
    pub id: i64,
    pub title: String,
}

#[derive(Debug, Deserialize)]
pub struct Services {
    pub postgres_admin_url: String,
    pub helpdesk_url: String,
    pub fork_url: String,
    pub password: String,
    pub agents: Vec<String>,
    pub nonstaff_user: String,
    pub tokens: HashMap<String, String>,
    pub queues: Vec<Queue>,
    pub python: String,
    pub django_dir: String,
    pub django_env: HashMap<String, String>,
    #[serde(skip)]
    stdin: Option<Mutex<ChildStdin>>,
}

static SERVICES: OnceLock<Result<Services, String>> = OnceLock::new();
static NEXT_AGENT: AtomicUsize = AtomicUsize::new(0);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared services, started on first use. Panics with the reason if they cannot start.
pub fn services() -> &'static Services {
    let r = SERVICES.get_or_init(start_services);
    match r {
        Ok(s) => s,
        Err(e) => panic!("test services could not start (PostgreSQL / django-helpdesk): {e}"),
    }
}

fn start_services() -> Result<Services, String> {
    let log_dir = repo().join("target").join("test-services");
    std::fs::create_dir_all(&log_dir).map_err(|e| e.to_string())?;
    let log_path = log_dir.join("services.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut child = Command::new("python3")
        .arg(repo().join("tests/harness/services.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("cannot run python3 tests/harness/services.py: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading services.py output: {e}"))?;
    let value: Value = serde_json::from_str(line.trim()).map_err(|e| {
        let tail = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: String = tail
            .lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "services.py printed no JSON ({e}): {line:?}\nlog tail ({}):\n{tail}",
            log_path.display()
        )
    })?;
    if let Some(err) = value.get("error") {
        return Err(format!("{err}"));
    }
    let mut s: Services = serde_json::from_value(value).map_err(|e| e.to_string())?;
    // Keep stdin open for the life of the test process: its EOF stops the services.
    s.stdin = child.stdin.take().map(Mutex::new);
    std::mem::forget(child);
    Ok(s)
}

impl Services {
    /// A staff agent account; each call gives the next of agent1..agent15 (agent16 is kept
    /// for tests that delete the account's server-side sessions).
    pub fn agent(&self) -> String {
        let n = NEXT_AGENT.fetch_add(1, Ordering::Relaxed) % 15;
        self.agents[n].clone()
    }

    pub fn queue_id(&self, title: &str) -> i64 {
        self.queues
            .iter()
            .find(|q| q.title == title)
            .map(|q| q.id)
            .expect("queue")
    }

    /// Runs Python in the django-helpdesk project (`manage.py shell -c`), returns stdout.
    pub fn django_shell(&self, code: &str) -> String {
        let out = Command::new(&self.python)
            .current_dir(&self.django_dir)
            .envs(&self.django_env)
            .args(["manage.py", "shell", "-v", "0", "-c", code])
            .output()
            .expect("run manage.py shell");
        assert!(
            out.status.success(),
            "django shell failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A new empty PostgreSQL database; returns its URL.
    pub async fn fresh_pg(&self) -> String {
        use sqlx::Connection;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&self.postgres_admin_url)
            .await
            .expect("connect admin");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let (base, _) = self
            .postgres_admin_url
            .rsplit_once('/')
            .expect("admin url has a database");
        format!("{base}/{name}")
    }
}

/// Which audit store a test runs against.
#[derive(Debug, Clone, Copy)]
pub enum Store {
    Postgres,
    Sqlite,
}

pub async fn store_url(store: Store) -> String {
    match store {
        Store::Postgres => services().fresh_pg().await,
        Store::Sqlite => {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
            format!(
                "sqlite://{}",
                dir.join(format!("audit-{}.sqlite3", uuid::Uuid::new_v4().simple()))
                    .display()
            )
        }
    }
}

/// Environment for a server working as `agent` on `url`.
pub fn env_for(url: &str, agent: &str, database_url: &str) -> HashMap<String, String> {
    let s = services();
    HashMap::from([
        ("DJANGO_HELPDESK_URL".to_string(), url.to_string()),
        ("DJANGO_HELPDESK_USERNAME".to_string(), agent.to_string()),
        ("DJANGO_HELPDESK_PASSWORD".to_string(), s.password.clone()),
        ("DATABASE_URL".to_string(), database_url.to_string()),
    ])
}

pub fn config_from(env: &HashMap<String, String>) -> Config {
    helpdesk_operator::backends::config_from_lookup(|k| env.get(k).cloned()).expect("config")
}

/// An in-process server and an rmcp client connected to it.
pub struct Harness {
    pub server: HelpdeskOperator,
    /// The audit store's URL (DATABASE_URL).
    pub db_url: String,
    pub client: RunningService<RoleClient, ()>,
    pub store: std::sync::Arc<AuditStore>,
}

pub async fn connect(config: Config) -> Harness {
    connect_with(config, None).await
}

/// A policy that allows every write (still with an intent), for tests about other things.
pub const ALLOW_ALL: &str = "[[rule]]\nname = \"allow-all-writes\"\ndecision = \"allow\"\n";

pub fn policy(text: &str) -> std::sync::Arc<Policy> {
    std::sync::Arc::new(
        helpdesk_operator::backends::policy_from_sources(&[(
            "test-policy.toml".into(),
            text.into(),
        )])
        .expect("policy"),
    )
}

/// Like [`connect`], with a given policy (default: the shipped one).
/// A server on the variables `base` with `extra` on top (an empty value removes one), under
/// this policy (default: shipped).
pub async fn connect_env(
    base: Vec<(&str, String)>,
    extra: &[(&str, &str)],
    policy_text: Option<&str>,
) -> Harness {
    let mut env: HashMap<String, String> =
        base.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for (k, v) in extra {
        if v.is_empty() {
            env.remove(*k);
        } else {
            env.insert(k.to_string(), v.to_string());
        }
    }
    connect_with(config_from(&env), policy_text.map(policy)).await
}

pub async fn connect_with(config: Config, policy: Option<std::sync::Arc<Policy>>) -> Harness {
    let store = AuditStore::new(config.audit_store.clone());
    connect_store(config, store, policy).await
}

/// [`connect_with`] over a given audit store (e.g. one that signs checkpoints).
pub async fn connect_store(
    config: Config,
    store: std::sync::Arc<AuditStore>,
    policy: Option<std::sync::Arc<Policy>>,
) -> Harness {
    let server = match policy {
        Some(p) => helpdesk_operator::backends::server_with_policy(&config, store.clone(), p)
            .expect("server"),
        None => {
            helpdesk_operator::backends::server(&config, store.clone()).expect("default policy")
        }
    };
    let (a, b) = tokio::io::duplex(1 << 20);
    let srv = server.clone();
    tokio::spawn(async move {
        if let Ok(running) = srv.serve(a).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(b).await.expect("client handshake");
    let db_url = match &config.audit_store {
        helpdesk_operator::config::AuditStoreConfig::Postgres(u) => {
            secrecy::ExposeSecret::expose_secret(u).to_string()
        }
        helpdesk_operator::config::AuditStoreConfig::Sqlite(p) => {
            format!("sqlite://{}", p.display())
        }
    };
    Harness {
        server,
        db_url,
        client,
        store,
    }
}

/// A policy whose deletes need a person's approval.
pub const HUMAN_DELETES: &str = r#"
[[rule]]
name = "deletes-need-a-person"
operation = "delete"
decision = "confirm"
via = "human"
reason = "Only a person may delete tickets."
"#;

/// Runs the binary as an operator at a shell would: `args` (e.g. `approve ID`), the audit
/// store and operators file named, `stdin` piped in (name and password lines).
/// Returns (success, stdout, stderr).
pub fn operator_cli(
    db_url: &str,
    operators: &std::path::Path,
    env: &[(&str, &std::ffi::OsStr)],
    args: &[&str],
    stdin: &str,
) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("HELPDESK_OPERATOR_AGENTS", operators)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(mut input) = child.stdin.take() {
        // The binary may exit before reading everything: ignore a broken pipe.
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("the binary ends");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A server on the plain django-helpdesk with a fresh audit store and the shipped policy.
pub async fn plain(store: Store) -> (Harness, String) {
    plain_with(store, None).await
}

/// A server on the plain django-helpdesk with a fresh audit store and this policy.
pub async fn plain_with(store: Store, policy_text: Option<&str>) -> (Harness, String) {
    let s = services();
    let agent = s.agent();
    let db = store_url(store).await;
    let config = config_from(&env_for(&s.helpdesk_url, &agent, &db));
    (connect_with(config, policy_text.map(policy)).await, agent)
}

/// Every tool's outputSchema, compiled once, with formats checked (as the TypeScript SDK's
/// Ajv does): a result that does not match its declared schema is a failed test, whatever the
/// test is about, because validating clients reject such a result.
fn output_validator(tool: &str) -> Option<&'static jsonschema::Validator> {
    static VALIDATORS: std::sync::OnceLock<HashMap<String, jsonschema::Validator>> =
        std::sync::OnceLock::new();
    VALIDATORS
        .get_or_init(|| {
            helpdesk_operator::backends::all_tools()
                .into_iter()
                .filter_map(|t| {
                    let schema = Value::Object((*t.output_schema?).clone());
                    let v = jsonschema::options()
                        .should_validate_formats(true)
                        .build(&schema)
                        .unwrap_or_else(|e| {
                            panic!("{}: outputSchema does not compile: {e}", t.name)
                        });
                    Some((t.name.to_string(), v))
                })
                .collect()
        })
        .get(tool)
}

/// Fails the test when a result's structuredContent does not match the tool's outputSchema.
pub fn assert_matches_output_schema(tool: &str, r: &CallToolResult) {
    let (Some(v), Some(content)) = (output_validator(tool), &r.structured_content) else {
        return;
    };
    let problems: Vec<String> = v
        .iter_errors(content)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "{tool}: structuredContent does not match its outputSchema (validating clients reject it):\n{}\n{content}",
        problems.join("\n")
    );
}

/// [`plain_with`], with the server reading this operators file (`HELPDESK_OPERATOR_AGENTS`):
/// approvals count only when made by an operator of the server's own file.
pub async fn plain_with_operators(
    store: Store,
    policy_text: Option<&str>,
    operators: &std::path::Path,
) -> (Harness, String) {
    let s = services();
    let agent = s.agent();
    let db = store_url(store).await;
    let mut env = env_for(&s.helpdesk_url, &agent, &db);
    env.insert(
        "HELPDESK_OPERATOR_AGENTS".into(),
        operators.display().to_string(),
    );
    (
        connect_with(config_from(&env), policy_text.map(policy)).await,
        agent,
    )
}

impl Harness {
    pub async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        let Value::Object(map) = args else {
            panic!("args must be an object")
        };
        let r = self
            .client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
            .await
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"));
        assert_matches_output_schema(tool, &r);
        r
    }

    /// Calls a tool that must succeed; returns its structuredContent.
    pub async fn ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args).await;
        assert_ne!(r.is_error, Some(true), "{tool} failed: {}", text(&r));
        r.structured_content
            .unwrap_or_else(|| panic!("{tool}: no structuredContent"))
    }

    /// Calls a tool that must fail; returns its error text.
    pub async fn err(&self, tool: &str, args: Value) -> String {
        text(&self.failed(tool, args).await)
    }

    /// Calls a tool that must fail; returns its result.
    async fn failed(&self, tool: &str, args: Value) -> CallToolResult {
        let r = self.call(tool, args).await;
        assert_eq!(
            r.is_error,
            Some(true),
            "{tool} should have failed: {}",
            text(&r)
        );
        r
    }

    /// Calls a tool that must fail; returns its `error.kind` (from structuredContent, which
    /// every failed call carries, see `mcp::output::error_result`) and its error text.
    pub async fn err_kind(&self, tool: &str, args: Value) -> (String, String) {
        let r = self.failed(tool, args).await;
        let kind = r
            .structured_content
            .as_ref()
            .and_then(|s| s["error"]["kind"].as_str())
            .unwrap_or_else(|| panic!("{tool}: an error without error.kind: {}", text(&r)))
            .to_string();
        (kind, text(&r))
    }
}

pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The JSON-RPC answer (a message with an `id`) in a streamable HTTP response body: the body
/// itself, or the SSE event that carries it.
pub fn jsonrpc_answer(body: &str) -> serde_json::Value {
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .chain(std::iter::once(body))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
        .find(|m| m.get("id").is_some())
        .unwrap_or_else(|| panic!("no JSON-RPC answer in {body}"))
}

/// `helpdesk-operator check` with only these variables (and PATH, HOME, a data dir): whether
/// it passed, and what it printed (stdout then stderr).
pub async fn run_check(vars: &[(&str, String)]) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("HELPDESK_OPERATOR_DATA_DIR", std::env::temp_dir())
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
        .arg("check");
    let out = cmd.output().await.expect("check runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// [`run_check`] with owned variables (a future that borrows nothing).
pub async fn run_check_owned(vars: Vec<(&'static str, String)>) -> (bool, String) {
    run_check(&vars).await
}
