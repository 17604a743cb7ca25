//! Attacks on the policy layer, as a hostile agent or a careless operator would make them,
//! through MCP the way an agent calls tools. Each test is one hole that got through once; it
//! failed on the code before its fix and must keep failing if the hole reopens.

mod confirmations;
mod input;
mod output;
mod personal_data;
mod sessions;
mod visibility;

use serde_json::{Value, json};

use crate::common::*;
use helpdesk_operator::sandbox::freshdesk::FreshdeskSim;

/// Changes an object behind the agent's back, straight on the simulator (someone else's edit).
pub async fn fd_put(sim: &FreshdeskSim, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .put(format!("{}/api/v2{path}", sim.base_url()))
        .basic_auth("sim-key-CANARY-1234", Some("X"))
        .json(&body)
        .send()
        .await
        .expect("simulator reachable");
    assert!(r.status().is_success(), "PUT {path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// Creates an object straight on the simulator.
pub async fn fd_post(sim: &FreshdeskSim, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v2{path}", sim.base_url()))
        .basic_auth("sim-key-CANARY-1234", Some("X"))
        .json(&body)
        .send()
        .await
        .expect("simulator reachable");
    assert!(r.status().is_success(), "POST {path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// The status a write answered: "confirmation_required", or "done" for a change made.
pub fn status_of(v: &Value) -> &str {
    v.get("status")
        .and_then(Value::as_str)
        .filter(|s| *s == "confirmation_required")
        .unwrap_or("done")
}

/// Asserts the call was gated, not sent; returns the confirmation.
pub async fn gated(h: &Harness, tool: &str, args: Value) -> Value {
    let r = h.ok(tool, args.clone()).await;
    assert_eq!(
        r.get("status").and_then(Value::as_str),
        Some("confirmation_required"),
        "{tool} {args} went through without confirmation: {r}"
    );
    r
}

/// A new Freshdesk ticket of this requester, through the tool: (ticket id, requester id).
pub async fn fd_ticket(h: &Harness, email: &str) -> (i64, i64) {
    let t = h
        .ok(
            "freshdesk_create_ticket",
            json!({"subject": "Visible", "description": "a ticket", "requester_email": email}),
        )
        .await;
    (
        t["object"]["id"].as_i64().unwrap(),
        t["object"]["requester_id"].as_i64().unwrap(),
    )
}
