//! The behaviour suite's Kayako entry: the stateful simulator, read only (get, not found, bad
//! input, rate limited) on a seeded ticket.
//!
//! Must not: check anything itself: the steps in `suite` do, the same for every backend.

use std::sync::Arc;

use serde_json::json;

use super::suite::{BadInput, Capabilities, RateLimited, Read, Refuse, run};
use crate::kayako::{kayako_harness, kayako_sim};
use helpdesk_operator::sandbox::kayako::{KayakoSim, SimFault, TICKET_WITH_POSTS};

const GET: &str = "kayako_get_ticket";

/// The simulator answers 429 to the next get of the ticket.
fn refuse(sim: Arc<KayakoSim>) -> Refuse {
    Box::new(move |id, secs| {
        let fault = SimFault::Status {
            code: 429,
            retry_after: Some(secs),
            body: None,
        };
        sim.inject_at("GET", &format!("/Tickets/Ticket/{id}"), fault)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_kayako() {
    let sim = Arc::new(kayako_sim().await);
    let h = kayako_harness(&sim, None, &[]).await;
    let case = |tool, args, field| BadInput { tool, args, field };
    let caps = Capabilities {
        read: Some(Read {
            seeded: Some(json!(TICKET_WITH_POSTS)),
            ..Read::by_ticket_id(GET)
        }),
        rate_limited: Some(RateLimited {
            refuse: refuse(sim),
        }),
        bad_input: Some(vec![
            case(GET, json!({"ticket_id": 0}), "ticket_id"),
            case(GET, json!({"ticket_id": "ABC/../1"}), "ticket_id"),
            case(
                "kayako_list_tickets",
                json!({"sort_field": "x"}),
                "sort_field",
            ),
            case("kayako_search_tickets", json!({"query": ""}), "query"),
        ]),
        ..Default::default()
    };
    run("kayako", &h, caps).await;
}
