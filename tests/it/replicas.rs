//! Two replicas of `serve --http` on one real PostgreSQL, in-process on loopback, against one
//! Freshdesk simulator. Each replica has its own audit store connection pool, session manager
//! and rate limiters (nothing in memory is shared), as two processes behind a load balancer:
//! an agent's session and intent are the same on both, a confirmation issued by one is
//! redeemed on the other, concurrent writers on both keep one intact hash chain, and the
//! account's request budget is spent once, counted at the upstream.

use std::sync::Arc;
use std::time::Instant;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::behaviour::freshdesk_sim;
use crate::common::*;
use crate::http::serve_here;
use helpdesk_operator::audit::AuditStore;
use helpdesk_operator::operators::{Principals, new_agent_token};
use helpdesk_operator::sandbox::freshdesk::FreshdeskSim;

type Client = RunningService<rmcp::RoleClient, ()>;

struct Replica {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The agents both replicas serve: (name, token).
fn agents() -> (String, Vec<(String, String)>) {
    let mut file = String::new();
    let mut tokens = Vec::new();
    for name in ["triage-bot", "billing-bot"] {
        let (token, sha) = new_agent_token();
        file.push_str(&format!(
            "[[agent]]\nname = \"{name}\"\ntoken_sha256 = \"{sha}\"\n\n"
        ));
        tokens.push((name.to_string(), token.expose_secret().to_string()));
    }
    (file, tokens)
}

async fn replica(sim: &FreshdeskSim, db: &str, agents_file: &str, policy_text: &str) -> Replica {
    let env = std::collections::HashMap::from([
        ("FRESHDESK_BASE_URL".to_string(), sim.base_url()),
        (
            "FRESHDESK_API_KEY".to_string(),
            "sim-key-CANARY-1234".into(),
        ),
        ("DATABASE_URL".to_string(), db.to_string()),
    ]);
    let config = config_from(&env);
    let store = AuditStore::new(config.audit_store.clone());
    let server = helpdesk_operator::backends::server_with_policy(
        &config,
        store.clone(),
        policy(policy_text),
    )
    .expect("server");
    let agents = Principals::parse("agents.toml", agents_file).expect("agents file");
    let (url, stop) = serve_here(server, store, &config, agents, vec![]).await;
    Replica { url, _stop: stop }
}

/// The audit store both replicas write, as a third reader.
fn store_at(db: &str) -> Arc<AuditStore> {
    let env = std::collections::HashMap::from([("DATABASE_URL".to_string(), db.to_string())]);
    AuditStore::new(config_from(&env).audit_store)
}

async fn client(r: &Replica, token: &str) -> Client {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", r.url))
        .auth_header(token.to_string());
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("initialize over HTTP")
}

async fn call_raw(c: &Client, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(map) = args else {
        panic!("arguments must be an object")
    };
    c.call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
        .await
        .expect("call")
}

async fn call(c: &Client, tool: &str, mut args: Value) -> Value {
    args["response_format"] = json!("json");
    let r = call_raw(c, tool, args).await;
    assert_ne!(r.is_error, Some(true), "{tool}: {}", text(&r));
    r.structured_content.expect("structuredContent")
}

/// The default policy (closing a ticket needs confirmation), with the budget raised so that
/// only the budget test meets it.
const POLICY: &str = "[settings]\nrate_limit_wait_secs = 5\n\n\
    [backends.freshdesk]\nrequests_per_minute = 6000\nmax_concurrent = 16\n\n\
    [[rule]]\nname = \"close-or-resolve\"\noperation = [\"create\", \"update\"]\n\
    when = [{ field = \"closes\", equals = true }]\ndecision = \"confirm\"\n\
    reason = \"Closing a ticket tells the customer so.\"\n\n\
    [[rule]]\nname = \"allow-the-rest\"\ndecision = \"allow\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_has_one_session_and_one_confirmation_across_replicas() {
    let sim = freshdesk_sim().await;
    let db = store_url(Store::Postgres).await;
    let (file, tokens) = agents();
    let a = replica(&sim, &db, &file, POLICY).await;
    let b = replica(&sim, &db, &file, POLICY).await;
    let token = &tokens[0].1;
    let on_a = client(&a, token).await;
    let on_b = client(&b, token).await;

    // The session one replica opened is the one the other serves.
    let ia = call(&on_a, "get_agent_session_info", json!({})).await;
    let ib = call(&on_b, "get_agent_session_info", json!({})).await;
    assert_eq!(ia["session_id"], ib["session_id"], "{ia}\n{ib}");
    assert_eq!(ia["branch"], ib["branch"]);

    // An intent set through A lets a write through B, and B reports it.
    let intent = "close the duplicate printer tickets";
    call(&on_a, "set_agent_intent", json!({"intent": intent})).await;
    let ib = call(&on_b, "get_agent_session_info", json!({})).await;
    assert_eq!(ib["intent"], intent, "{ib}");
    call(
        &on_b,
        "freshdesk_update_ticket",
        json!({"ticket_id": 1, "priority": "low"}),
    )
    .await;

    // A confirmation issued by A is redeemed on B, once.
    let close = json!({"ticket_id": 1, "status": "closed"});
    let asked = call(&on_a, "freshdesk_update_ticket", close.clone()).await;
    assert_eq!(asked["status"], "confirmation_required", "{asked}");
    let mut confirmed = close.clone();
    confirmed["confirmation_token"] = asked["confirmation_token"].clone();
    let done = call(&on_b, "freshdesk_update_ticket", confirmed.clone()).await;
    assert_ne!(done["status"], "confirmation_required", "{done}");
    let replay = call_raw(&on_a, "freshdesk_update_ticket", confirmed).await;
    assert_eq!(
        replay.is_error,
        Some(true),
        "a used token: {}",
        text(&replay)
    );

    // Another agent's token gets none of it.
    let other = client(&a, &tokens[1].1).await;
    let io = call(&other, "get_agent_session_info", json!({})).await;
    assert_ne!(io["session_id"], ia["session_id"]);
    assert!(io["intent"].is_null(), "{io}");

    // Finished on B, it is finished on A: A's next call works in a new session.
    let fin = call(&on_b, "finish_agent_session", json!({})).await;
    assert_eq!(fin["session_id"], ia["session_id"], "{fin}");
    let after = call(&on_a, "get_agent_session_info", json!({})).await;
    assert_ne!(after["session_id"], ia["session_id"], "{after}");
    assert!(after["intent"].is_null(), "{after}");
    let refused = call_raw(
        &on_a,
        "freshdesk_update_ticket",
        json!({"ticket_id": 2, "priority": "low"}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true), "no intent in the new session");
    assert!(text(&refused).contains("intent"), "{}", text(&refused));

    let store = store_at(&db);
    let v = store.verify_all(&[]).await.expect("verify");
    assert!(v.ok(), "{v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_on_two_replicas_keep_one_chain() {
    let sim = freshdesk_sim().await;
    let db = store_url(Store::Postgres).await;
    let (file, tokens) = agents();
    let replicas = [
        replica(&sim, &db, &file, POLICY).await,
        replica(&sim, &db, &file, POLICY).await,
    ];
    let mut clients = Vec::new();
    for r in &replicas {
        for (_, token) in &tokens {
            clients.push(client(r, token).await);
        }
    }
    for (i, c) in clients.iter().enumerate().take(2) {
        let intent = format!("reprioritise the backlog, part {i}");
        call(c, "set_agent_intent", json!({"intent": intent})).await;
    }
    const WRITES: usize = 10;
    let mut tasks = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for n in 0..WRITES {
                let priority = ["low", "medium", "high"][(i + n) % 3];
                let args = json!({"ticket_id": 3 + i, "priority": priority});
                call(&c, "freshdesk_update_ticket", args).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let store = store_at(&db);
    let v = store.verify_all(&[]).await.expect("verify");
    assert!(v.ok(), "{v:?}");
    let events = store.list(None, 10_000).await.expect("list");
    let succeeded = events
        .iter()
        .filter(|e| e.tool == "freshdesk_update_ticket" && e.phase == "succeeded")
        .count();
    assert_eq!(succeeded, 4 * WRITES, "every write has its outcome");
    let mut seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "no gaps"
    );
    // Two agents: each has one session, whichever replica served the call.
    let mut sessions: Vec<&str> = events
        .iter()
        .filter(|e| e.tool == "freshdesk_update_ticket")
        .filter_map(|e| e.session_id.as_deref())
        .collect();
    sessions.sort_unstable();
    sessions.dedup();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
}

/// 60 requests a minute, in bursts of 10: two replicas together send what one would. Without
/// a shared budget each would send its own burst of 10 at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_budget_is_shared_by_replicas() {
    let sim = freshdesk_sim().await;
    let db = store_url(Store::Postgres).await;
    let (file, tokens) = agents();
    let tight = "[settings]\nrate_limit_wait_secs = 1\n\n\
        [backends.freshdesk]\nrequests_per_minute = 60\nmax_concurrent = 16\n";
    let a = replica(&sim, &db, &file, tight).await;
    let b = replica(&sim, &db, &file, tight).await;
    let on_a = client(&a, &tokens[0].1).await;
    let on_b = client(&b, &tokens[1].1).await;
    let on_a = Arc::new(on_a);
    let on_b = Arc::new(on_b);
    let start = Instant::now();
    let before = sim.requests("*", "/api/");
    let mut tasks = Vec::new();
    for i in 0..30usize {
        let c = if i % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        tasks.push(tokio::spawn(async move {
            let args = json!({"ticket_id": 1 + (i % 5)});
            call_raw(&c, "freshdesk_get_ticket", args).await
        }));
    }
    let mut limited = 0;
    for t in tasks {
        let r = t.await.expect("call");
        if r.is_error == Some(true) {
            let msg = text(&r);
            assert!(msg.contains("Retry in about"), "{msg}");
            limited += 1;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let sent = sim.requests("*", "/api/") - before;
    // A burst of 10, then one a second, for both replicas together (plus one for rounding).
    let bound = 10 + elapsed.floor() as usize + 1;
    assert!(
        sent <= bound,
        "{sent} requests reached Freshdesk in {elapsed:.1} s; the shared budget allows {bound}"
    );
    assert!(limited > 0, "30 calls at once exceed the budget");
    assert!(sent >= 10, "the burst is used: {sent}");
}
