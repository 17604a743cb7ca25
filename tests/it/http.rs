//! `serve --http`: the streamable HTTP transport in-process on loopback, against the Freshdesk
//! simulator: `/health`, 401 without a known bearer token (and `WWW-Authenticate: Bearer`),
//! 403 for a foreign Host or Origin, and one principal per token through rmcp's HTTP client:
//! each agent its own session and intent.

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::behaviour::freshdesk_sim;
use crate::common::*;
use helpdesk_operator::mcp::http::{Auth, HttpOptions, bind, serve};
use helpdesk_operator::operators::{Principals, new_agent_token};

struct Served {
    url: String,
    tokens: [String; 2],
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn served(sim: &helpdesk_operator::sandbox::freshdesk::FreshdeskSim) -> Served {
    served_on(sim, store_url(Store::Sqlite).await).await
}

async fn served_on(
    sim: &helpdesk_operator::sandbox::freshdesk::FreshdeskSim,
    db: String,
) -> Served {
    let env = std::collections::HashMap::from([
        ("FRESHDESK_BASE_URL".to_string(), sim.base_url()),
        (
            "FRESHDESK_API_KEY".to_string(),
            "sim-key-CANARY-1234".to_string(),
        ),
        ("DATABASE_URL".to_string(), db),
    ]);
    let config = config_from(&env);
    let store = helpdesk_operator::audit::AuditStore::new(config.audit_store.clone());
    let server = helpdesk_operator::backends::server(&config, store.clone()).expect("server");
    let (a, sha_a) = new_agent_token();
    let (b, sha_b) = new_agent_token();
    let file = format!(
        "[[agent]]\nname = \"triage-bot\"\ntoken_sha256 = \"{sha_a}\"\n\n\
         [[agent]]\nname = \"billing-bot\"\ntoken_sha256 = \"{sha_b}\"\n"
    );
    let agents = Principals::parse("agents.toml", &file).expect("agents file");
    let origins = vec!["https://console.example.com".to_string()];
    let (url, stop) = serve_here(server, store, &config, agents, origins).await;
    Served {
        url,
        tokens: [a.expose_secret().to_string(), b.expose_secret().to_string()],
        _stop: stop,
    }
}

/// Serves `server` over streamable HTTP on a free loopback port until the sender is dropped:
/// its URL (without `/mcp`) and that sender.
pub(crate) async fn serve_here(
    server: helpdesk_operator::mcp::HelpdeskOperator,
    store: Arc<helpdesk_operator::audit::AuditStore>,
    config: &helpdesk_operator::config::Config,
    auth: impl Into<Auth>,
    extra_origins: Vec<String>,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let opts = HttpOptions {
        auth: auth.into(),
        store,
        backends: config.backend_names(),
        extra_hosts: vec![],
        extra_origins,
    };
    tokio::spawn(serve(server, listener, opts, async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop)
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_tokens_hosts_and_origins() {
    let sim = freshdesk_sim().await;
    let s = served(&sim).await;
    let http = reqwest::Client::new();
    let health = http
        .get(format!("{}/health", s.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let body: Value = health.json().await.expect("json");
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["audit_store"]["reachable"], true, "{body}");
    assert_eq!(body["backends"], json!(["freshdesk"]), "{body}");
    let post = |token: Option<&str>, origin: Option<&str>| {
        let mut r = http
            .post(format!("{}/mcp", s.url))
            .header("Accept", "application/json, text/event-stream")
            .json(&initialize());
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        r.send()
    };
    for token in [None, Some("not-a-token"), Some("")] {
        let r = post(token, None).await.expect("post");
        assert_eq!(r.status(), 401, "{token:?}");
        assert_eq!(
            r.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
    }
    let ok = post(Some(&s.tokens[0]), None).await.expect("post");
    assert_eq!(ok.status(), 200);
    let ok = post(Some(&s.tokens[0]), Some("https://console.example.com"))
        .await
        .expect("post");
    assert_eq!(ok.status(), 200, "an allowed origin");
    let evil = post(Some(&s.tokens[0]), Some("https://evil.example"))
        .await
        .expect("post");
    assert_eq!(evil.status(), 403, "a foreign origin");
    let port = s.url.rsplit(':').next().unwrap_or_default().to_string();
    let rebound = http
        .get(format!("{}/health", s.url))
        .header("Host", format!("attacker.example:{port}"))
        .send()
        .await
        .expect("get");
    assert_eq!(rebound.status(), 403, "a foreign Host (DNS rebinding)");
}

pub(crate) async fn client(
    url: &str,
    token: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{url}/mcp"))
        .auth_header(token.to_string());
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("initialize over HTTP")
}

pub(crate) async fn call(
    c: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: Value,
) -> Value {
    let Value::Object(map) = args else {
        panic!("object")
    };
    let r = c
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
        .await
        .expect("call");
    assert_ne!(r.is_error, Some(true), "{tool}: {}", text(&r));
    r.structured_content.expect("structuredContent")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_is_its_own_agent() {
    let sim = freshdesk_sim().await;
    let s = served(&sim).await;
    let a = client(&s.url, &s.tokens[0]).await;
    let b = client(&s.url, &s.tokens[1]).await;
    call(
        &a,
        "set_agent_intent",
        json!({"intent": "triage the morning queue"}),
    )
    .await;
    let ia = call(
        &a,
        "get_agent_session_info",
        json!({"response_format": "json"}),
    )
    .await;
    let ib = call(
        &b,
        "get_agent_session_info",
        json!({"response_format": "json"}),
    )
    .await;
    let text_a = ia.to_string();
    let text_b = ib.to_string();
    assert!(
        text_a.contains("triage-bot") && text_a.contains("morning queue"),
        "{text_a}"
    );
    assert!(
        text_b.contains("billing-bot") && !text_b.contains("morning queue"),
        "{text_b}"
    );
    // A read works for both; a write needs the caller's own intent.
    call(&b, "freshdesk_get_ticket", json!({"ticket_id": 1})).await;
    let Value::Object(args) = json!({"ticket_id": 1, "priority": "low"}) else {
        panic!()
    };
    let refused = b
        .call_tool(CallToolRequestParams::new("freshdesk_update_ticket").with_arguments(args))
        .await
        .expect("call");
    assert_eq!(
        refused.is_error,
        Some(true),
        "billing-bot has no intent: {}",
        text(&refused)
    );
    assert!(text(&refused).contains("intent"), "{}", text(&refused));
}

/// `serve --http 127.0.0.1:0` with a clean environment plus `vars`, run to its exit.
async fn serve_http_with(vars: &[(&str, &str)]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("HELPDESK_OPERATOR_DATA_DIR", std::env::temp_dir())
        .envs(vars.iter().copied())
        .args(["serve", "--http", "127.0.0.1:0"])
        .output()
        .await
        .expect("runs")
}

/// Without an agents file listing agents (or both OAuth variables), `serve --http` does not
/// start, and says how to fix it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_http_needs_agents() {
    let out = serve_http_with(&[]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HELPDESK_OPERATOR_AGENTS") && err.contains("agent-token"),
        "{err}"
    );
    // OAuth mode needs no agents file, but both of its variables.
    let out =
        serve_http_with(&[("HELPDESK_OPERATOR_OAUTH_ISSUER", "https://id.example.com")]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HELPDESK_OPERATOR_OAUTH_AUDIENCE"), "{err}");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .args(["agent-token", "triage-bot"])
        .output()
        .await
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let token = text.lines().next().unwrap_or_default().to_string();
    let entry: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let agents = helpdesk_operator::operators::Principals::parse("pasted", &entry).expect("pasted");
    let found = agents.agent_for_token(&secrecy::SecretString::from(token.clone()));
    assert_eq!(found.map(|a| a.name.as_str()), Some("triage-bot"), "{text}");
    assert!(
        !text.lines().skip(1).any(|l| l.contains(&token)),
        "the file gets the hash only"
    );
}

/// `sandbox --http` as the official Python client meets it over streamable HTTP, with the
/// demo token from the banner (`tests/harness/acceptance_http.py`), in both protocol
/// generations: `initialize` (2025-11-25, one `Mcp-Session-Id`) and `server/discover`
/// (2026-07-28, stateless), each with a confirmed customer-visible write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_over_http_with_the_official_python_client() {
    let s = services();
    for (protocol, version) in [("legacy", "2025-11-25"), ("stateless", "2026-07-28")] {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("sandbox-http-{}", uuid::Uuid::new_v4().simple()));
        let out = tokio::process::Command::new(&s.python)
            .arg(repo().join("tests/harness/acceptance_http.py"))
            .args(["--binary", env!("CARGO_BIN_EXE_helpdesk-operator")])
            .args(["--data-dir", dir.to_str().expect("path")])
            .args(["--protocol", protocol])
            .output()
            .await
            .expect("python runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "acceptance_http.py --protocol {protocol} failed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains("\"ok\": true"), "{stdout}");
        assert!(
            stdout.contains(&format!("\"protocol\": \"{version}\"")),
            "{stdout}"
        );
    }
}

/// An agent with its own django-helpdesk login (agents file: `django_helpdesk_username` and
/// the variable that holds its password) works as that account; an agent without one works as
/// the configured account. Both through `serve --http`, the binary, logging at trace level:
/// no bearer token (accepted or refused) and no password reaches the logs or the audit store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_with_its_own_django_login_works_as_that_account() {
    let s = services();
    let (configured, own) = (s.agent(), s.agent());
    let db = store_url(Store::Sqlite).await;
    let (tok_own, sha_own) = new_agent_token();
    let (tok_plain, sha_plain) = new_agent_token();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("http-logins-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("agents.toml");
    std::fs::write(
        &file,
        format!(
            "[[agent]]\nname = \"own-login-bot\"\ntoken_sha256 = \"{sha_own}\"\n\
             django_helpdesk_username = \"{own}\"\n\
             django_helpdesk_password_env = \"OWN_BOT_DH_PASSWORD\"\n\n\
             [[agent]]\nname = \"plain-bot\"\ntoken_sha256 = \"{sha_plain}\"\n"
        ),
    )
    .expect("agents file");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .envs(env_for(&s.helpdesk_url, &configured, &db))
        .env("HELPDESK_OPERATOR_AGENTS", &file)
        .env("OWN_BOT_DH_PASSWORD", &s.password)
        .env("HELPDESK_OPERATOR_LOG", "trace")
        .args(["serve", "--http", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("serve --http");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let url = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(at) = line.split(" at ").nth(1).and_then(|r| r.split(' ').next())
                && at.starts_with("http://")
            {
                return at.trim_end_matches("/mcp").to_string();
            }
        }
        String::new()
    })
    .await
    .expect("the server says where it listens");
    assert!(url.starts_with("http://"), "no URL printed");
    let logs = tokio::spawn(async move {
        let mut all = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let own_client = client(&url, tok_own.expose_secret()).await;
    let plain_client = client(&url, tok_plain.expose_secret()).await;
    let info_own = call(
        &own_client,
        "get_agent_session_info",
        json!({"response_format": "json"}),
    )
    .await
    .to_string();
    let info_plain = call(
        &plain_client,
        "get_agent_session_info",
        json!({"response_format": "json"}),
    )
    .await
    .to_string();
    assert!(info_own.contains(&format!("\"{own}\"")), "{info_own}");
    assert!(
        info_plain.contains(&format!("\"{configured}\"")),
        "{info_plain}"
    );
    assert!(!info_own.contains(&s.password) && !info_plain.contains(&s.password));
    // A write as the agent's own account, and a refused token.
    call(
        &own_client,
        "set_agent_intent",
        json!({"intent": "log a printer fault"}),
    )
    .await;
    call(
        &own_client,
        "django_helpdesk_create_ticket",
        json!({"queue": "Support", "title": "printer", "description": "jammed"}),
    )
    .await;
    let (wrong, _) = new_agent_token();
    let refused = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .bearer_auth(wrong.expose_secret())
        .json(&initialize())
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 401);
    drop((own_client, plain_client));
    child.kill().await.ok();
    let logs = logs.await.expect("logs");
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "trace logs: {logs}"
    );
    let store = helpdesk_operator::audit::AuditStore::new(
        config_from(&std::collections::HashMap::from([(
            "DATABASE_URL".to_string(),
            db,
        )]))
        .audit_store,
    );
    let rows = serde_json::to_string(&store.list(None, 1000).await.expect("events")).expect("json");
    assert!(rows.contains("printer"), "the write is audited: {rows}");
    for (what, secret) in [
        ("the agent's token", tok_own.expose_secret()),
        ("the other agent's token", tok_plain.expose_secret()),
        ("a refused token", wrong.expose_secret()),
        ("the django-helpdesk password", s.password.as_str()),
    ] {
        assert!(!logs.contains(secret), "{what} in the logs");
        assert!(!rows.contains(secret), "{what} in the audit store");
    }
}

/// `/health` says 503 when the audit store does not answer (writes are refused then).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_503_without_the_audit_store() {
    let sim = freshdesk_sim().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let s = served_on(&sim, format!("postgres://nobody:pw@127.0.0.1:{port}/audit")).await;
    let r = reqwest::get(format!("{}/health", s.url))
        .await
        .expect("health");
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["audit_store"]["reachable"], false, "{body}");
    assert!(
        !body.to_string().contains(":pw@"),
        "no password in /health: {body}"
    );
}

/// One JSON-RPC request by hand: the response's headers and its JSON-RPC message (from a JSON
/// body or the SSE event that carries it).
async fn rpc(
    url: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (reqwest::header::HeaderMap, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .bearer_auth(token)
        .header("Accept", "application/json, text/event-stream")
        .json(&body);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send().await.expect("post");
    assert_eq!(resp.status(), 200, "{body}");
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (headers, jsonrpc_answer(&text))
}

/// Both generations on the wire: `initialize` for 2025-03-26, 2025-06-18 and 2025-11-25 (each
/// answered in its own version, with an `Mcp-Session-Id`; one asking for 2026-07-28 gets
/// 2025-11-25), and the stateless 2026-07-28 (`server/discover` and `tools/call` with
/// `Mcp-Method` and `_meta`, no session) serving the token's agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_protocol_generations_on_the_wire() {
    let sim = freshdesk_sim().await;
    let s = served(&sim).await;
    let token = &s.tokens[0];
    for (asked, got) in [
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),
    ] {
        let mut init = initialize();
        init["params"]["protocolVersion"] = json!(asked);
        let (headers, answer) = rpc(&s.url, token, &[], init).await;
        assert_eq!(
            answer["result"]["protocolVersion"], got,
            "{asked}: {answer}"
        );
        assert!(
            headers.contains_key("mcp-session-id"),
            "{asked}: no session"
        );
    }
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "curl", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let stateless = [("MCP-Protocol-Version", "2026-07-28")];
    let (headers, found) = rpc(
        &s.url,
        token,
        &[stateless[0], ("Mcp-Method", "server/discover")],
        json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover",
               "params": {"_meta": meta}}),
    )
    .await;
    assert!(
        !headers.contains_key("mcp-session-id"),
        "stateless: {found}"
    );
    let versions = found["result"]["supportedVersions"].to_string();
    assert!(versions.contains("2026-07-28"), "{found}");
    let (headers, info) = rpc(
        &s.url,
        token,
        &[
            stateless[0],
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", "get_agent_session_info"),
        ],
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "get_agent_session_info", "arguments": {"response_format": "json"},
            "_meta": meta}}),
    )
    .await;
    assert!(!headers.contains_key("mcp-session-id"));
    let result = &info["result"];
    assert_ne!(result["isError"], true, "{info}");
    assert!(
        result["structuredContent"]
            .to_string()
            .contains("triage-bot"),
        "{info}"
    );
}
