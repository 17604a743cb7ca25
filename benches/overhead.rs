//! What the policy layer and the audit log add per call, over stdio, on PostgreSQL.
//!
//! `cargo bench --bench overhead` starts the same real services as the tests (PostgreSQL and
//! django-helpdesk 2.6.1 on loopback), runs the release `helpdesk-operator serve` as a child
//! process over stdio with the audit log in PostgreSQL, and calls, N times each:
//! - `get_agent_session_info`: the bare MCP round trip over stdio (no upstream call);
//! - `django_helpdesk_get_ticket`: a read (policy decision, one upstream GET);
//! - `django_helpdesk_update_ticket`: a write (before-image GET, policy decision, audit
//!   `requested`, PATCH, audit `succeeded`).
//!
//! The server reports for every call how long it spent in the policy decision, in the audit
//! log and upstream (debug events on the `helpdesk_operator::timing` target). For each call,
//! "without" is the same call's end-to-end time minus its policy and audit time. Prints p50
//! and p99 in milliseconds, plus the two pieces measured alone (`Policy::decide` and one audit
//! append). `BENCH_N` sets the number of calls (default 200).

#[allow(dead_code)]
#[path = "../tests/it/common.rs"]
mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use helpdesk_operator::audit::{AuditStore, NewEvent, Phase};
use helpdesk_operator::policy::Policy;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use common::*;

/// (policy, audit, upstream) microseconds, as the server reported them.
type Timing = (u64, u64, u64);

fn ms(us: u64) -> Duration {
    Duration::from_micros(us)
}

fn quantiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let q = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    (q(0.50), q(0.99))
}

fn row(name: &str, v: Vec<Duration>) {
    let (p50, p99) = quantiles(v);
    println!("{name:<62} {p50:>9.3} {p99:>9.3}");
}

fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(&format!("{key}="))? + key.len() + 1;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let s = services();
    let agent = s.agents[14].clone();
    let db = store_url(Store::Postgres).await;
    let policy_file =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-policy.toml");
    // Allow all writes (no confirmations), and lift the request budget so the limiter does
    // not pace the run: this measures the machinery, not the budget.
    std::fs::write(
        &policy_file,
        format!("{ALLOW_ALL}\n[backends.django_helpdesk]\nrequests_per_minute = 100000\n"),
    )
    .unwrap();
    let mut env = env_for(&s.helpdesk_url, &agent, &db);
    env.insert(
        "HELPDESK_OPERATOR_POLICY".into(),
        policy_file.display().to_string(),
    );
    env.insert(
        "HELPDESK_OPERATOR_LOG".into(),
        "warn,helpdesk_operator::timing=debug".into(),
    );

    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(&env);
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let timings: Arc<Mutex<VecDeque<(String, Timing)>>> = Arc::default();
    let sink = timings.clone();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stderr.expect("stderr")).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains(" timing") {
                let kind = if line.contains("write timing") {
                    "write"
                } else {
                    "read"
                };
                let t = (
                    field(&line, "policy_us").unwrap_or(0),
                    field(&line, "audit_us").unwrap_or(0),
                    field(&line, "upstream_us").unwrap_or(0),
                );
                sink.lock().unwrap().push_back((kind.to_string(), t));
            } else if line.contains("WARN") || line.contains("ERROR") {
                eprintln!("server: {line}");
            }
        }
    });
    let client = ().serve(transport).await.expect("initialize");
    let call = |name: &'static str, args: Value| {
        let Value::Object(map) = args else {
            unreachable!()
        };
        client.call_tool(CallToolRequestParams::new(name).with_arguments(map))
    };
    let ok =
        |r: &rmcp::model::CallToolResult| assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    ok(&call("set_agent_intent", json!({"intent": "benchmark"}))
        .await
        .unwrap());
    let r = call(
        "django_helpdesk_create_ticket",
        json!({"queue": "Support", "title": "bench 0", "description": "bench"}),
    )
    .await
    .unwrap();
    ok(&r);
    let id = r.structured_content.unwrap()["ticket"]["id"]
        .as_i64()
        .unwrap();
    // Warm the queue/user cache and the connection pool.
    ok(
        &call("django_helpdesk_get_ticket", json!({"ticket_id": id}))
            .await
            .unwrap(),
    );
    // Let the warm-up calls' timing reports arrive before they are dropped.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let next_timing = |kind: &str| {
        let kind = kind.to_string();
        let timings = timings.clone();
        async move {
            for _ in 0..500 {
                {
                    let mut q = timings.lock().unwrap();
                    if let Some(pos) = q.iter().position(|(k, _)| *k == kind) {
                        return q.remove(pos).map(|(_, t)| t).unwrap();
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            panic!("the server reported no {kind} timing");
        }
    };
    timings.lock().unwrap().clear();

    let (mut stdio, mut read, mut read_wo, mut read_policy, mut write, mut write_wo) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut write_policy, mut write_audit, mut write_both) = (vec![], vec![], vec![]);
    for i in 0..n {
        let t = Instant::now();
        ok(&call("get_agent_session_info", json!({})).await.unwrap());
        stdio.push(t.elapsed());
        let _ = next_timing("read").await;

        let t = Instant::now();
        ok(
            &call("django_helpdesk_get_ticket", json!({"ticket_id": id}))
                .await
                .unwrap(),
        );
        let e2e = t.elapsed();
        let (p, a, _) = next_timing("read").await;
        read.push(e2e);
        read_policy.push(ms(p));
        read_wo.push(e2e.saturating_sub(ms(p + a)));

        let t = Instant::now();
        ok(&call(
            "django_helpdesk_update_ticket",
            json!({"ticket_id": id, "title": format!("bench {}", i + 1)}),
        )
        .await
        .unwrap());
        let e2e = t.elapsed();
        let (p, a, _) = next_timing("write").await;
        write.push(e2e);
        write_policy.push(ms(p));
        write_audit.push(ms(a));
        write_both.push(ms(p + a));
        write_wo.push(e2e.saturating_sub(ms(p + a)));
    }
    client.cancel().await.ok();

    // The two pieces alone.
    let policy = Policy::default_policy(helpdesk_operator::backends::catalogue()).unwrap();
    let meta = *policy.tool("django_helpdesk_add_followup").unwrap();
    let view =
        json!({"ticket_id": id, "comment": "call +1 555 123 4567 about it", "public": false});
    let mut decide = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(policy.decide(&meta, &view, None));
        decide.push(t.elapsed());
    }
    let store = AuditStore::new(config_from(&env).audit_store);
    let mut append = Vec::new();
    for i in 0..n {
        let ev = NewEvent {
            phase: Some(Phase::Succeeded),
            agent: "bench".into(),
            backend: "bench".into(),
            tool: "bench".into(),
            operation: "update".into(),
            arguments: Some(json!({"i": i, "title": "x".repeat(200)})),
            after_image: Some(json!({"id": id, "followup_set": [{"comment": "y".repeat(500)}]})),
            ..Default::default()
        };
        let t = Instant::now();
        store.append(ev).await.unwrap();
        append.push(t.elapsed());
    }

    println!(
        "\nhelpdesk-operator overhead: {n} calls each over stdio (release build), audit log in PostgreSQL 15,"
    );
    println!("django-helpdesk 2.6.1 (runserver) on loopback, default policy decision logic\n");
    println!("{:<62} {:>9} {:>9}", "milliseconds per call", "p50", "p99");
    row(
        "bare MCP round trip (get_agent_session_info, no upstream)",
        stdio,
    );
    row("read: django_helpdesk_get_ticket, end to end", read);
    row(
        "  the same call without policy (end to end minus policy time)",
        read_wo,
    );
    row("  policy decision inside the call", read_policy);
    row("write: django_helpdesk_update_ticket, end to end", write);
    row("  the same call without policy and audit", write_wo);
    row("  policy decision inside the call", write_policy);
    row(
        "  audit log inside the call (requested + succeeded)",
        write_audit,
    );
    row("  policy + audit: what they add per write", write_both);
    row("Policy::decide alone (default policy, 8 rules)", decide);
    row("one audit append alone (PostgreSQL, hash chain)", append);
}
