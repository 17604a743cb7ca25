//! The behaviour suite's Freshdesk entries: the stateful simulator (which answers 429 for the
//! rate-limited step), declaring every capability, and a read-only declaration on a seeded
//! ticket. Also the simulator and the server on it that other test modules use.
//!
//! Must not: check anything itself: the steps in `suite` do, the same for every backend.

use std::sync::Arc;

use serde_json::{Value, json};

use super::suite::{
    BadInput, Capabilities, Create, Delete, List, RateLimited, Read, Refuse, Update, ids_of, run,
};
use crate::common::*;
use helpdesk_operator::sandbox::freshdesk::{FreshdeskSim, SimFault, SimOptions};

const GET: &str = "freshdesk_get_ticket";
const CREATE: &str = "freshdesk_create_ticket";
const UPDATE: &str = "freshdesk_update_ticket";

/// A server on the simulator with a fresh audit store and this policy (default: shipped).
pub async fn freshdesk_harness(sim: &FreshdeskSim, policy_text: Option<&str>) -> Harness {
    let db = store_url(Store::Sqlite).await;
    let env = std::collections::HashMap::from([
        ("FRESHDESK_BASE_URL".to_string(), sim.base_url()),
        (
            "FRESHDESK_API_KEY".to_string(),
            "sim-key-CANARY-1234".to_string(),
        ),
        ("FRESHDESK_TIMEOUT_SECS".to_string(), "2".to_string()),
        (
            "HELPDESK_OPERATOR_AGENT".to_string(),
            "fd-agent".to_string(),
        ),
        ("DATABASE_URL".to_string(), db),
    ]);
    connect_with(config_from(&env), policy_text.map(policy)).await
}

/// A seeded simulator with a rate limit no test reaches by itself.
pub async fn freshdesk_sim() -> FreshdeskSim {
    FreshdeskSim::start(SimOptions {
        api_key: "sim-key-CANARY-1234".into(),
        requests_per_minute: 10_000,
        seed: true,
    })
    .await
    .expect("simulator")
}

fn ticket(v: &Value) -> Option<Value> {
    v["object"]["id"].as_i64().map(Value::from)
}

/// The simulator answers 429 to the next get of the ticket.
fn refuse(sim: Arc<FreshdeskSim>) -> Refuse {
    Box::new(move |id, secs| {
        let fault = SimFault::Status {
            code: 429,
            retry_after: Some(secs),
            body: None,
        };
        sim.inject("GET", &format!("/api/v2/tickets/{id}"), fault)
    })
}

fn bad_input() -> Vec<BadInput> {
    let case = |tool, args, field| BadInput { tool, args, field };
    vec![
        case(
            CREATE,
            json!({"subject": "x", "description": "d"}),
            "requester_email",
        ),
        case(
            UPDATE,
            json!({"ticket_id": 1, "priority": "extreme"}),
            "priority",
        ),
        case(GET, json!({"ticket_id": 0}), "ticket_id"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_freshdesk() {
    let sim = Arc::new(freshdesk_sim().await);
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    let caps = Capabilities {
        read: Some(Read::by_ticket_id(GET)),
        create: Some(Create {
            tool: CREATE,
            args: json!({
                "subject": "Printer on fire",
                "description": "It smokes.",
                "requester_email": "pat@customer.example",
                "priority": "medium",
            }),
            id_of: ticket,
        }),
        update: Some(Update {
            tool: UPDATE,
            args: |id| json!({"ticket_id": id, "priority": "high", "group": "Billing"}),
            field: |v| v.pointer("/object/priority_name").cloned(),
            value: json!("high"),
        }),
        delete: Some(Delete::by_ticket_id(
            "freshdesk_delete_ticket",
            json!({
                "subject": "delete me",
                "description": "d",
                "requester_email": "pat@customer.example",
            }),
        )),
        list: Some(List {
            tool: "freshdesk_list_tickets",
            args: Box::new(|_| json!({"per_page": 100, "response_format": "json"})),
            ids: |v| ids_of(&v["items"]),
        }),
        rate_limited: Some(RateLimited {
            refuse: refuse(sim),
        }),
        bad_input: Some(bad_input()),
    };
    run("freshdesk", &h, caps).await;
}

/// A read-only declaration (as Kayako Classic and Daktela will have): a seeded ticket instead
/// of a created one, and no writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_freshdesk_read_only() {
    let sim = Arc::new(freshdesk_sim().await);
    let h = freshdesk_harness(&sim, None).await;
    let reads = bad_input().into_iter().filter(|c| c.tool == GET).collect();
    let caps = Capabilities {
        read: Some(Read {
            seeded: Some(json!(1)),
            ..Read::by_ticket_id(GET)
        }),
        rate_limited: Some(RateLimited {
            refuse: refuse(sim),
        }),
        bad_input: Some(reads),
        ..Default::default()
    };
    run("freshdesk (read-only)", &h, caps).await;
}
