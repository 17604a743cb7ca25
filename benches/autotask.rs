//! Autotask: upstream requests per tool call after warm-up, and a burst of writes against an
//! hourly budget on a paused clock.
//!
//! `cargo bench --bench autotask` runs, against the Autotask simulator on loopback:
//! 1. each tool below once to warm up (zone, threshold, field metadata, names), then `BENCH_N`
//!    times (default 20), and prints the simulator's request count per call (goal: 1);
//! 2. 1,000 ticket updates at once through the client and the account's limiter, with an hourly
//!    budget of R (`BENCH_R`, default 600) that the simulator also enforces as its threshold, on
//!    a paused clock: a write the limiter cannot place within its wait bound waits the time the
//!    error names and tries again, as an agent would. Prints how much of R the first hour used
//!    (goal: at least 95 %), the busiest rolling hour (at most R) and the 429s Autotask answered
//!    (goal: 0).

#[allow(dead_code)]
#[path = "../tests/it/common.rs"]
mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use helpdesk_operator::backends::autotask::api::entities::TICKETS;
use helpdesk_operator::backends::autotask::{AutotaskClient, AutotaskConfig};
use helpdesk_operator::error::ErrorKind;
use helpdesk_operator::policy::ratelimit::{AccountLimiter, Budget};
use helpdesk_operator::sandbox::autotask::{AutotaskSim, AutotaskSimOptions};
use serde_json::{Map, Value, json};

use common::*;

const USER: &str = "bench@zeta-msp.example";
const SECRET: &str = "bench-secret";
const CODE: &str = "BENCHCODE";

async fn sim(per_hour: u32) -> AutotaskSim {
    AutotaskSim::start(AutotaskSimOptions {
        username: USER.into(),
        secret: SECRET.into(),
        integration_code: CODE.into(),
        requests_per_hour: per_hour,
        thread_limit: 3,
        seed: true,
    })
    .await
    .expect("simulator")
}

fn env(sim: &AutotaskSim, db: String) -> HashMap<String, String> {
    [
        ("AUTOTASK_API_USERNAME", USER.to_string()),
        ("AUTOTASK_API_SECRET", SECRET.to_string()),
        ("AUTOTASK_API_INTEGRATION_CODE", CODE.to_string()),
        ("AUTOTASK_BASE_URL", sim.base_url()),
        ("HELPDESK_OPERATOR_AGENT", "bench".to_string()),
        ("DATABASE_URL", db),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn requests_per_call(n: usize) {
    let sim = sim(1_000_000).await;
    let h = connect_with(
        config_from(&env(&sim, store_url(Store::Sqlite).await)),
        Some(policy(ALLOW_ALL)),
    )
    .await;
    h.ok("set_agent_intent", json!({"intent": "benchmark"}))
        .await;
    let calls: Vec<(&str, Value)> = vec![
        ("autotask_get_ticket", json!({"ticket_id": 47002})),
        (
            "autotask_search_tickets",
            json!({"open_only": true, "max_records": 50}),
        ),
        ("autotask_search_tickets", json!({"max_records": 500})),
        ("autotask_get_company", json!({"id": 174})),
        ("autotask_search_companies", json!({"query": "a"})),
        (
            "autotask_search_contacts",
            json!({"company": "Acme Dental"}),
        ),
        ("autotask_list_ticket_notes", json!({"ticket_id": 47002})),
        (
            "autotask_update_ticket",
            json!({"ticket_id": 47006, "description": "bench"}),
        ),
        (
            "autotask_add_ticket_note",
            json!({"ticket_id": 47006, "description": "bench note"}),
        ),
    ];
    println!("{:<58} {:>10} {:>10}", "tool call", "warm-up", "per call");
    for (tool, args) in calls {
        let before = sim.requests("*", "/");
        h.ok(tool, args.clone()).await;
        let warm = sim.requests("*", "/") - before;
        let before = sim.requests("*", "/");
        for _ in 0..n {
            h.ok(tool, args.clone()).await;
        }
        let per = (sim.requests("*", "/") - before) as f64 / n as f64;
        let label = format!("{tool} {}", args);
        println!(
            "{:<58} {warm:>10} {per:>10.2}",
            &label[..label.len().min(58)]
        );
    }
}

/// Seconds from an error's "Retry in about N s".
fn retry_secs(message: &str) -> u64 {
    message
        .split("Retry in about ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(30)
}

async fn burst(r: u32, writes: usize) {
    tokio::time::pause();
    let sim = Arc::new(sim(r).await);
    let cfg = AutotaskConfig::from_lookup(&|k: &str| env(&sim, String::new()).get(k).cloned())
        .expect("config")
        .expect("section");
    let limiter = Arc::new(AccountLimiter::new(
        "Autotask",
        Budget {
            requests_per_minute: 100_000,
            requests_per_hour: Some(r),
            max_concurrent: 8,
            max_concurrent_per_endpoint: Some(3),
            max_wait: Duration::from_secs(30),
        },
    ));
    let client = Arc::new(AutotaskClient::new(cfg, limiter).expect("client"));
    let start = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..writes {
        let c = client.clone();
        tasks.spawn(async move {
            let id = 47001 + (i % 650) as i64;
            let mut body = Map::new();
            body.insert("description".into(), json!(format!("burst write {i}")));
            loop {
                match c.patch_item(&TICKETS, None, id, &body).await {
                    Ok(_) => return Some(tokio::time::Instant::now()),
                    Err(e) if e.kind == ErrorKind::RateLimited => {
                        tokio::time::sleep(Duration::from_secs(retry_secs(&e.message))).await;
                    }
                    Err(e) => {
                        eprintln!("write {i}: {e}");
                        return None;
                    }
                }
            }
        });
    }
    let mut done = Vec::new();
    let mut failed = 0;
    while let Some(t) = tasks.join_next().await {
        match t.ok().flatten() {
            Some(at) => done.push(at.duration_since(start)),
            None => failed += 1,
        }
    }
    done.sort();
    let hour = Duration::from_secs(3600);
    let first_hour = done.iter().filter(|d| **d < hour).count();
    let busiest = (0..done.len())
        .map(|i| {
            done[i..]
                .iter()
                .take_while(|d| **d - done[i] < hour)
                .count()
        })
        .max()
        .unwrap_or(0);
    println!("\nburst of {writes} writes, budget R = {r} per rolling hour (paused clock)");
    println!(
        "  writes done in the first hour      {first_hour} ({:.1} % of R)",
        first_hour as f64 * 100.0 / f64::from(r)
    );
    println!("  busiest rolling hour (writes)      {busiest}");
    println!("  upstream requests counted now      {}", sim.usage());
    println!("  upstream 429s                      {}", sim.throttled());
    println!("  writes that failed                 {failed}");
    println!(
        "  last write done after              {:.0} min",
        done.last().map_or(0.0, |d| d.as_secs_f64() / 60.0)
    );
}

fn main() {
    let n = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let r = std::env::var("BENCH_R")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(requests_per_call(n));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(burst(r, 1_000));
}
