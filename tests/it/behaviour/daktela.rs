//! The behaviour suite's Daktela entry: the stateful simulator, read only (get, not found, bad
//! input, rate limited) on a seeded ticket.
//!
//! Must not: check anything itself: the steps in `suite` do, the same for every backend.

use std::sync::Arc;

use serde_json::json;

use super::suite::{BadInput, Capabilities, RateLimited, Read, Refuse, run};
use crate::daktela::{daktela_harness, daktela_sim};
use helpdesk_operator::sandbox::daktela::{DaktelaSim, SimFault, TICKET_WITH_ACTIVITIES};

const GET: &str = "daktela_get_ticket";

/// The simulator answers 429 (with the envelope) to the next get of the ticket.
fn refuse(sim: Arc<DaktelaSim>) -> Refuse {
    Box::new(move |id, secs| {
        let fault = SimFault::Status {
            code: 429,
            retry_after: Some(secs),
            body: Some(r#"{"error":["Too many requests"],"result":null,"_time":""}"#.into()),
        };
        sim.inject("GET", &format!("/api/v6/tickets/{id}.json"), fault)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_daktela() {
    let sim = Arc::new(daktela_sim().await);
    let h = daktela_harness(&sim, &[]).await;
    let case = |tool, args, field| BadInput { tool, args, field };
    let caps = Capabilities {
        read: Some(Read {
            seeded: Some(json!(TICKET_WITH_ACTIVITIES)),
            ..Read::by_ticket_id(GET)
        }),
        rate_limited: Some(RateLimited {
            refuse: refuse(sim),
        }),
        bad_input: Some(vec![
            case(GET, json!({"ticket_id": 0}), "name"),
            case(GET, json!({"ticket_id": "a/../b"}), "name"),
            case("daktela_list_tickets", json!({"sort": "x"}), "sort"),
            case("daktela_list_tickets", json!({"stage": "x"}), "stage"),
        ]),
        ..Default::default()
    };
    run("daktela", &h, caps).await;
}
