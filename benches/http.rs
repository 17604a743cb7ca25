//! `serve --http` under load: calls per second, latency, CPU and memory per call, with the
//! stateless 2026-07-28 protocol.
//!
//! `cargo bench --bench http` starts the sandbox's Freshdesk simulator in this process (seeded,
//! no rate limit of its own) and the release `helpdesk-operator serve --http 127.0.0.1:0` as a
//! child process against it, with an embedded SQLite audit log, one agent (a bearer token from
//! the agents file) and a policy whose Freshdesk budget is 1,000,000 requests a minute and which
//! asks to confirm every ticket update. The load generator is written on tokio and reqwest
//! (keep-alive connections, one per client): every call is one self-contained POST
//! (`MCP-Protocol-Version: 2026-07-28`, `Mcp-Method`, `Mcp-Name`, the client's data in
//! `_meta`), no initialize and no session. Phases, `BENCH_SECS` seconds each (default 4):
//! 1. the upstream alone: `GET /api/v2/tickets/ID` straight to the simulator, one client; and
//!    the bare MCP round trip, `get_agent_session_info` (no upstream), one client;
//! 2. `freshdesk_get_ticket` (policy, session, one upstream GET, rendering) at 1, 8 and 50
//!    concurrent clients;
//! 3. a confirmed write at 1 and 8 clients: `freshdesk_update_ticket` answers
//!    `confirmation_required` with a token, the same call with the token sends the update
//!    (audit `requested` and `succeeded`, before image, one PUT); one write = both calls.
//!
//! Prints, per phase: calls per second, p50 and p99 latency in ms, the server's CPU per call
//! (user + system time of the child from `/proc`, 100 ticks a second), and its resident memory
//! at the end of the phase (peak in the last line). "Server added (p50)" is the read's p50 at
//! one client minus the upstream's p50 alone: what the server adds on top of the helpdesk.
//! Linux only (`/proc`).

#[allow(dead_code)]
#[path = "../tests/it/common.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use helpdesk_operator::operators::new_agent_token;
use helpdesk_operator::sandbox::freshdesk::{FreshdeskSim, SimOptions};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

const API_KEY: &str = "bench-api-key";
const POLICY: &str = "[settings]\nrate_limit_wait_secs = 30\n\n\
    [backends.freshdesk]\nrequests_per_minute = 1000000\nmax_concurrent = 64\n\n\
    [[rule]]\nname = \"confirm-updates\"\noperation = [\"update\"]\ndecision = \"confirm\"\n\
    reason = \"Every update is confirmed in this benchmark.\"\n\n\
    [[rule]]\nname = \"allow-the-rest\"\ndecision = \"allow\"\n";

struct Server {
    mcp: String,
    token: String,
    pid: u32,
    _child: tokio::process::Child,
    _dir: std::path::PathBuf,
}

async fn start_server(sim: &FreshdeskSim) -> Server {
    let dir = std::env::temp_dir().join(format!("ho-bench-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let (token, sha) = new_agent_token();
    std::fs::write(
        dir.join("agents.toml"),
        format!("[[agent]]\nname = \"bench-bot\"\ntoken_sha256 = \"{sha}\"\n"),
    )
    .expect("agents file");
    std::fs::write(dir.join("policy.toml"), POLICY).expect("policy file");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &dir)
        .env("FRESHDESK_BASE_URL", sim.base_url())
        .env("FRESHDESK_API_KEY", API_KEY)
        .env(
            "DATABASE_URL",
            format!("sqlite:{}", dir.join("audit.sqlite3").display()),
        )
        .env("HELPDESK_OPERATOR_AGENTS", dir.join("agents.toml"))
        .env("HELPDESK_OPERATOR_POLICY", dir.join("policy.toml"))
        // The shipped log level (info: one line per tool call), unless BENCH_LOG says otherwise.
        .env(
            "HELPDESK_OPERATOR_LOG",
            std::env::var("BENCH_LOG").unwrap_or_else(|_| "info".into()),
        )
        .args(["serve", "--http", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("serve --http");
    let pid = child.id().expect("pid");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mcp = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(at) = line.split(" at ").nth(1).and_then(|r| r.split(' ').next())
                && at.starts_with("http://")
            {
                return at.to_string();
            }
        }
        panic!("serve --http stopped before it said where it listens");
    })
    .await
    .expect("serve --http says where it listens within 60 s");
    // Keep reading stderr so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server {
        mcp,
        token: token.expose_secret().to_string(),
        pid,
        _child: child,
        _dir: dir,
    }
}

/// One stateless MCP client.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    token: Arc<str>,
}

impl Client {
    fn new(server: &Server) -> Self {
        Self {
            http: reqwest::Client::builder()
                .tcp_nodelay(true)
                .pool_max_idle_per_host(4)
                .build()
                .expect("client"),
            url: server.mcp.clone(),
            token: server.token.as_str().into(),
        }
    }

    /// `tools/call` as one self-contained request; the result's structuredContent.
    async fn call(&self, tool: &str, args: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": tool, "arguments": args, "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {}}}});
        let resp = self
            .http
            .post(&self.url)
            .bearer_auth(&*self.token)
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", "2026-07-28")
            .header("Mcp-Method", "tools/call")
            .header("Mcp-Name", tool)
            .json(&body)
            .send()
            .await
            .expect("POST /mcp");
        assert_eq!(resp.status(), 200, "{tool}");
        let message = common::jsonrpc_answer(&resp.text().await.expect("body"));
        let result = &message["result"];
        assert_ne!(result["isError"], true, "{tool}: {message}");
        result["structuredContent"].clone()
    }
}

/// The child's user + system CPU time.
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the command name (which may hold spaces) start at state, field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state.
    Duration::from_millis((f[11] + f[12]) * 10)
}

/// (resident, peak resident) in MiB.
fn rss(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

fn quantile(v: &[Duration], p: f64) -> f64 {
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

struct Phase {
    calls: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    cpu: Duration,
}

/// Runs `op(client index, iteration)` on `clients` concurrent tasks for `secs`.
async fn run<F, Fut>(clients: usize, secs: f64, pid: Option<u32>, op: F) -> Phase
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let cpu0 = pid.map(cpu);
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                op(c, i).await;
                lat.push(t.elapsed());
                i += 1;
            }
            lat
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("client task"));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Phase {
        calls: latencies.len(),
        elapsed,
        latencies,
        cpu: match (pid, cpu0) {
            (Some(p), Some(c0)) => cpu(p).saturating_sub(c0),
            _ => Duration::ZERO,
        },
    }
}

fn print(name: &str, clients: usize, p: &Phase, pid: Option<u32>) -> f64 {
    let per_s = p.calls as f64 / p.elapsed.as_secs_f64();
    let p50 = quantile(&p.latencies, 0.50);
    let cpu = if p.cpu.is_zero() {
        "-".to_string()
    } else {
        format!("{:.3}", p.cpu.as_secs_f64() * 1000.0 / p.calls as f64)
    };
    let mem = pid.map_or("-".to_string(), |pid| format!("{:.1}", rss(pid).0));
    println!(
        "{name:<34} {clients:>7} {:>8.0} {p50:>8.3} {:>8.3} {cpu:>12} {mem:>9}",
        per_s,
        quantile(&p.latencies, 0.99)
    );
    p50
}

#[tokio::main]
async fn main() {
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4.0);
    let sim = FreshdeskSim::start(SimOptions {
        api_key: API_KEY.into(),
        requests_per_minute: 0,
        seed: true,
    })
    .await
    .expect("the Freshdesk simulator");
    let server = start_server(&sim).await;
    let pid = server.pid;
    let client = Client::new(&server);
    let ticket = |i: usize| (i % 100) + 1;

    // Warm up: the first session, the connection pool, the simulator's pages.
    for i in 0..200 {
        client
            .call(
                "freshdesk_get_ticket",
                json!({"ticket_id": ticket(i), "response_format": "json"}),
            )
            .await;
    }
    client
        .call(
            "set_agent_intent",
            json!({"intent": "benchmark: reprioritise tickets"}),
        )
        .await;

    println!(
        "serve --http, stateless 2026-07-28, {secs} s per phase (CPU and RSS: the server process)"
    );
    println!(
        "{:<34} {:>7} {:>8} {:>8} {:>8} {:>12} {:>9}",
        "phase", "clients", "calls/s", "p50 ms", "p99 ms", "CPU ms/call", "RSS MiB"
    );

    let upstream = reqwest::Client::new();
    let base = sim.base_url();
    let direct = run(1, secs, None, move |_, i| {
        let (upstream, base) = (upstream.clone(), base.clone());
        async move {
            let r = upstream
                .get(format!("{base}/api/v2/tickets/{}", ticket(i)))
                .basic_auth(API_KEY, Some("X"))
                .send()
                .await
                .expect("GET ticket");
            assert!(r.status().is_success());
            r.bytes().await.expect("body");
        }
    })
    .await;
    let upstream_p50 = print("upstream GET alone (simulator)", 1, &direct, None);

    let bare_pool = Client::new(&server);
    let bare = run(1, secs, Some(pid), move |_, _| {
        let client = bare_pool.clone();
        async move {
            client
                .call("get_agent_session_info", json!({"response_format": "json"}))
                .await;
        }
    })
    .await;
    print("bare: get_agent_session_info", 1, &bare, Some(pid));

    let mut read_p50 = 0.0;
    for clients in [1usize, 8, 50] {
        let pool: Vec<Client> = (0..clients).map(|_| Client::new(&server)).collect();
        let phase = run(clients, secs, Some(pid), move |c, i| {
            let client = pool[c].clone();
            async move {
                client
                    .call(
                        "freshdesk_get_ticket",
                        json!({"ticket_id": ticket(i + c), "response_format": "json"}),
                    )
                    .await;
            }
        })
        .await;
        let p50 = print("read: freshdesk_get_ticket", clients, &phase, Some(pid));
        if clients == 1 {
            read_p50 = p50;
        }
    }

    for clients in [1usize, 8] {
        let pool: Vec<Client> = (0..clients).map(|_| Client::new(&server)).collect();
        let phase = run(clients, secs, Some(pid), move |c, i| {
            let client = pool[c].clone();
            async move {
                // Each client its own ticket; the priority alternates so every update changes it.
                let priority = ["low", "high"][i % 2];
                let args = json!({"ticket_id": 200 + c, "priority": priority});
                let asked = client.call("freshdesk_update_ticket", args.clone()).await;
                assert_eq!(asked["status"], "confirmation_required", "{asked}");
                let mut confirmed = args;
                confirmed["confirmation_token"] = asked["confirmation_token"].clone();
                let done = client.call("freshdesk_update_ticket", confirmed).await;
                assert_ne!(done["status"], "confirmation_required", "{done}");
            }
        })
        .await;
        print("confirmed write (2 calls)", clients, &phase, Some(pid));
    }
    let (now, peak) = rss(pid);
    println!(
        "server added (p50): {:.3} ms (read at 1 client {read_p50:.3} ms - upstream alone \
         {upstream_p50:.3} ms); server RSS now {now:.1} MiB, peak {peak:.1} MiB",
        read_p50 - upstream_p50
    );
}
