//! Confirmations must follow the decision of the moment they are redeemed, and bind what the
//! change really depends on.

use serde_json::json;

use super::*;
use crate::behaviour::{freshdesk_harness, freshdesk_sim};

fn priority_rules(strict_via: &str) -> String {
    format!(
        r#"
[[rule]]
name = "deescalate-from-urgent"
backend = "freshdesk"
operation = "update"
when = [{{ field = "priority", changes = {{ from = ["urgent"] }} }}]
decision = "confirm"
via = ["{strict_via}"]
reason = "De-escalating an urgent ticket needs a person."

[[rule]]
name = "any-priority-change"
backend = "freshdesk"
operation = "update"
when = [{{ field = "priority", changes = {{}} }}]
decision = "confirm"
via = ["token"]
reason = "Priority changes are confirmed."
"#
    )
}

async fn medium_ticket(h: &Harness) -> i64 {
    let t = h
        .ok(
            "freshdesk_create_ticket",
            json!({
                "subject": "Printer",
                "description": "jams",
                "requester_email": "c@customer.example",
                "priority": "medium",
            }),
        )
        .await;
    t["object"]["id"].as_i64().unwrap()
}

/// Item 1: a token for medium -> low, then the ticket is raised to urgent behind the agent's
/// back. Redeeming must not re-issue a token confirmation: the decision now needs a person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissued_confirmation_follows_the_current_decision() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(&priority_rules("human"))).await;
    h.ok("set_agent_intent", json!({"intent": "lower priorities"}))
        .await;
    let id = medium_ticket(&h).await;
    let args = json!({"ticket_id": id, "priority": "low"});
    let first = gated(&h, "freshdesk_update_ticket", args.clone()).await;
    assert_eq!(first["via"], "token");
    fd_put(&sim, &format!("/tickets/{id}"), json!({"priority": 4})).await;
    let mut redeem = args.clone();
    redeem["confirmation_token"] = first["confirmation_token"].clone();
    let second = gated(&h, "freshdesk_update_ticket", redeem).await;
    assert_eq!(second["rule"], "deescalate-from-urgent", "{second}");
    assert_eq!(second["via"], "human", "{second}");
    // The new token alone (no person approved) must not send the change.
    let mut again = args.clone();
    again["confirmation_token"] = second["confirmation_token"].clone();
    let msg = h.err("freshdesk_update_ticket", again).await;
    assert!(msg.contains("approv"), "{msg}");
    let t = h.ok("freshdesk_get_ticket", json!({"ticket_id": id})).await;
    assert_eq!(t["object"]["priority"], 4, "still urgent: {t}");
}

/// Item 1, elicitation variant: the strict rule allows only elicitation, which this client
/// does not support, so after the change nothing can confirm it and nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_cannot_stand_in_for_an_elicitation_only_rule() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(&priority_rules("elicitation"))).await;
    h.ok("set_agent_intent", json!({"intent": "lower priorities"}))
        .await;
    let id = medium_ticket(&h).await;
    let args = json!({"ticket_id": id, "priority": "low"});
    let first = gated(&h, "freshdesk_update_ticket", args.clone()).await;
    fd_put(&sim, &format!("/tickets/{id}"), json!({"priority": 4})).await;
    let mut redeem = args.clone();
    redeem["confirmation_token"] = first["confirmation_token"].clone();
    let r = h.call("freshdesk_update_ticket", redeem).await;
    let body = r
        .structured_content
        .clone()
        .unwrap_or_else(|| json!({"error": text(&r)}));
    assert!(
        r.is_error == Some(true) && text(&r).contains("elicitation"),
        "expected a refusal naming the missing path: {body}"
    );
    let t = h.ok("freshdesk_get_ticket", json!({"ticket_id": id})).await;
    assert_eq!(t["object"]["priority"], 4);
}

/// A delete preview says what goes with the ticket; a conversation added after the preview,
/// even within the same second of `updated_at`, voids the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_preview_counts_what_is_lost_and_binds_it() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "clean up"}))
        .await;
    let id = medium_ticket(&h).await;
    fd_post(
        &sim,
        &format!("/tickets/{id}/notes"),
        json!({"body": "one", "private": true}),
    )
    .await;
    let c = gated(&h, "freshdesk_delete_ticket", json!({"ticket_id": id})).await;
    assert_eq!(c["preview"]["loses"]["conversations"], 1, "{c}");
    fd_post(
        &sim,
        &format!("/tickets/{id}/notes"),
        json!({"body": "two", "private": true}),
    )
    .await;
    let again = gated(
        &h,
        "freshdesk_delete_ticket",
        json!({"ticket_id": id, "confirmation_token": c["confirmation_token"]}),
    )
    .await;
    assert_eq!(again["preview"]["loses"]["conversations"], 2, "{again}");
    let t = h.ok("freshdesk_get_ticket", json!({"ticket_id": id})).await;
    assert_eq!(t["object"]["deleted"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_django_delete_preview_counts_follow_ups() {
    let (h, agent) = plain(Store::Sqlite).await;
    h.ok("set_agent_intent", json!({"intent": "clean up"}))
        .await;
    let t = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({
                "queue": "Support",
                "title": format!("to delete ({agent})"),
                "description": "d",
            }),
        )
        .await;
    let id = t["ticket"]["id"].as_i64().unwrap();
    let c = gated(
        &h,
        "django_helpdesk_delete_ticket",
        json!({"ticket_id": id}),
    )
    .await;
    assert_eq!(c["preview"]["loses"]["follow_ups"], 1, "{c}");
}
