//! The behaviour suite's Autotask entry: the stateful simulator, with every capability the API
//! has for tickets (no delete: Autotask cannot delete tickets).
//!
//! Must not: check anything itself: the steps in `suite` do, the same for every backend.

use std::sync::Arc;

use serde_json::{Value, json};

use super::suite::{BadInput, Capabilities, Create, List, RateLimited, Read, Refuse, Update, run};
use crate::autotask::{autotask_harness, autotask_sim};
use crate::common::*;
use helpdesk_operator::sandbox::autotask::{AutotaskSim, SimFault};

const GET: &str = "autotask_get_ticket";
const CREATE: &str = "autotask_create_ticket";
const UPDATE: &str = "autotask_update_ticket";

fn ticket(v: &Value) -> Option<Value> {
    v["id"].as_i64().map(Value::from)
}

/// The simulator answers 429 to the next get of the ticket.
fn refuse(sim: Arc<AutotaskSim>) -> Refuse {
    Box::new(move |id, secs| {
        let fault = SimFault::Status {
            code: 429,
            retry_after: Some(secs),
            body: None,
        };
        sim.inject("GET", &format!("/Tickets/{id}"), fault)
    })
}

fn rows(v: &Value) -> Vec<Value> {
    let items = v["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(|r| r["item"]["id"].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_autotask() {
    let sim = Arc::new(autotask_sim().await);
    let h = autotask_harness(&sim, Some(ALLOW_ALL), &[]).await;
    let case = |tool, args, field| BadInput { tool, args, field };
    let caps = Capabilities {
        read: Some(Read::by_ticket_id(GET)),
        create: Some(Create {
            tool: CREATE,
            args: json!({
                "company": "Acme Dental",
                "title": "Printer on fire",
                "description": "It smokes.",
                "priority": "Medium",
            }),
            id_of: ticket,
        }),
        update: Some(Update {
            tool: UPDATE,
            args: |id| json!({"ticket_id": id, "priority": "Low", "queue": "Level II Support"}),
            field: |v| v.pointer("/labels/priority").cloned(),
            value: json!("Low"),
        }),
        delete: None,
        list: Some(List {
            tool: "autotask_search_tickets",
            args: Box::new(|id| {
                json!({
                    "conditions": [{"op": "gte", "field": "id", "value": id}],
                    "response_format": "json",
                })
            }),
            ids: rows,
        }),
        rate_limited: Some(RateLimited {
            refuse: refuse(sim),
        }),
        bad_input: Some(vec![
            case(CREATE, json!({"title": "no company"}), "company"),
            case(
                UPDATE,
                json!({"ticket_id": 47002, "priority": "Extreme"}),
                "priority",
            ),
            case(GET, json!({"ticket_id": 0}), "ticket_id"),
            case(
                "autotask_search_tickets",
                json!({"conditions": [{"op": "eq", "field": "colour", "value": 1}]}),
                "colour",
            ),
        ]),
    };
    run("autotask", &h, caps).await;
}
