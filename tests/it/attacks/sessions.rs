//! finish_agent_session must not summarise a session while its writes are still running:
//! it waits for them (or refuses), so the summary counts every write.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::behaviour::{freshdesk_harness, freshdesk_sim};
use helpdesk_operator::sandbox::freshdesk::SimFault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_waits_for_writes_in_flight() {
    let sim = freshdesk_sim().await;
    let h = std::sync::Arc::new(freshdesk_harness(&sim, Some(ALLOW_ALL)).await);
    h.ok("set_agent_intent", json!({"intent": "a slow note"}))
        .await;
    let (id, _) = fd_ticket(&h, "c@customer.example").await;
    let path = format!("/tickets/{id}/notes");
    sim.inject(
        "POST",
        &path,
        SimFault::StallAfterCommit(Duration::from_millis(1500)),
    );
    let h2 = h.clone();
    let note = tokio::spawn(async move {
        h2.ok(
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "slow", "private": true}),
        )
        .await
    });
    // Readiness poll: the note has reached the helpdesk and waits for its answer.
    while sim.requests("POST", &path) == 0 {
        tokio::task::yield_now().await;
    }
    let summary = h.ok("finish_agent_session", json!({})).await;
    note.await.unwrap();
    assert_eq!(
        summary["writes"]["succeeded"], 2,
        "create + note: {summary}"
    );
    assert_eq!(
        summary["writes"]["requested"], summary["writes"]["succeeded"],
        "{summary}"
    );
}

/// A Freshdesk-only session is recorded with the backend it works on, not "none".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_row_names_its_backends() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    let info = h
        .ok("set_agent_intent", json!({"intent": "name the backend"}))
        .await;
    let row = h
        .store
        .get_session(info["session_id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("the session row");
    assert_eq!(row.backend, "freshdesk");
}
