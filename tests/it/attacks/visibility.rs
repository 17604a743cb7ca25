//! Writes a customer can see or receive: one canonical class (`customer_visible`) that the
//! shipped policy confirms on every backend, with the recipients bound into the confirmation.

use serde_json::{Value, json};

use super::*;
use crate::behaviour::{freshdesk_harness, freshdesk_sim};

/// Item 2: the text of a public (customer-visible) note cannot be rewritten unconfirmed; a
/// private note can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewriting_a_public_note_needs_confirmation() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "edit notes"}))
        .await;
    let (id, _) = fd_ticket(&h, "note.reader@customer.example").await;
    let public = fd_post(
        &sim,
        &format!("/tickets/{id}/notes"),
        json!({"body": "Visible to the customer", "private": false}),
    )
    .await;
    let private = fd_post(
        &sim,
        &format!("/tickets/{id}/notes"),
        json!({"body": "Agents only", "private": true}),
    )
    .await;
    let c = gated(
        &h,
        "freshdesk_update_note",
        json!({"ticket_id": id, "conversation_id": public["id"], "body": "Rewritten"}),
    )
    .await;
    assert_eq!(c["rule"], "customer-visible", "{c}");
    let done = h
        .ok(
            "freshdesk_update_note",
            json!({
                "ticket_id": id,
                "conversation_id": private["id"],
                "body": "Rewritten privately",
            }),
        )
        .await;
    assert_eq!(status_of(&done), "done", "{done}");
}

/// Item 3: a reply's recipients are part of its confirmation. The requester's address is
/// changed (an ungated contact update) after the preview: the old token must not send the
/// reply to the new address; a new preview names the new recipient.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_confirmation_binds_its_recipients() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "answer a customer"}))
        .await;
    let (id, requester) = fd_ticket(&h, "first.address@customer.example").await;
    let args = json!({
        "ticket_id": id,
        "body": "Your printer is fixed.",
        "cc_emails": ["boss@customer.example"],
    });
    let c = gated(&h, "freshdesk_reply_to_ticket", args.clone()).await;
    let to = &c["preview"]["recipients"];
    assert_eq!(to["to"], json!(["first.address@customer.example"]), "{c}");
    assert_eq!(to["cc"], json!(["boss@customer.example"]), "{c}");
    h.ok(
        "freshdesk_update_contact",
        json!({"contact_id": requester, "email": "attacker@evil.example"}),
    )
    .await;
    let mut redeem = args.clone();
    redeem["confirmation_token"] = c["confirmation_token"].clone();
    let again = gated(&h, "freshdesk_reply_to_ticket", redeem).await;
    assert_eq!(
        again["preview"]["recipients"]["to"],
        json!(["attacker@evil.example"]),
        "{again}"
    );
    let convs = h
        .ok("freshdesk_list_conversations", json!({"ticket_id": id}))
        .await;
    assert!(
        convs["items"].as_array().unwrap().is_empty(),
        "nothing was sent: {convs}"
    );
}

/// Item 4: a private note with notify_emails e-mails those addresses: customer-visible.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_note_that_notifies_is_customer_visible() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "notes"})).await;
    let (id, _) = fd_ticket(&h, "n@customer.example").await;
    let c = gated(
        &h,
        "freshdesk_add_note",
        json!({
            "ticket_id": id,
            "body": "FYI",
            "private": true,
            "notify_emails": ["n@customer.example"],
        }),
    )
    .await;
    assert_eq!(c["rule"], "customer-visible", "{c}");
    assert_eq!(
        c["preview"]["recipients"]["to"],
        json!(["n@customer.example"]),
        "{c}"
    );
    let plain = h
        .ok(
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "internal", "private": true}),
        )
        .await;
    assert_eq!(status_of(&plain), "done");
}

/// Item 5: closing by another name, closing at creation, moves and assignment at creation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_and_reassigning_by_other_names_are_gated() {
    let (h, agent) = plain(Store::Sqlite).await;
    let s = services();
    h.ok("set_agent_intent", json!({"intent": "triage"})).await;
    let t = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": format!("dup ({agent})"), "description": "d"}),
        )
        .await;
    let id = t["ticket"]["id"].as_i64().unwrap();
    let c = gated(
        &h,
        "django_helpdesk_add_followup",
        json!({"ticket_id": id, "comment": "same as another", "new_status": "duplicate"}),
    )
    .await;
    assert_eq!(c["rule"], "close-or-resolve", "{c}");
    let c = gated(
        &h,
        "django_helpdesk_update_ticket",
        json!({"ticket_id": id, "queue": s.queue_id("Billing")}),
    )
    .await;
    assert!(
        c["rule"] == "queue-move" || c["rule"] == "group-move",
        "{c}"
    );
    let c = gated(
        &h,
        "django_helpdesk_create_ticket",
        json!({
            "queue": "Support",
            "title": "assigned at birth",
            "description": "d",
            "assigned_to": agent,
        }),
    )
    .await;
    assert_eq!(c["rule"], "assignment-at-creation", "{c}");

    let sim = freshdesk_sim().await;
    let f = freshdesk_harness(&sim, None).await;
    f.ok("set_agent_intent", json!({"intent": "triage"})).await;
    let c = gated(
        &f,
        "freshdesk_create_ticket",
        json!({
            "subject": "born closed",
            "description": "d",
            "requester_email": "x@customer.example",
            "status": "closed",
        }),
    )
    .await;
    assert_eq!(c["rule"], "close-or-resolve", "{c}");
    let me: Value = f.ok("freshdesk_get_current_agent", json!({})).await;
    let c = gated(
        &f,
        "freshdesk_create_ticket",
        json!({
            "subject": "assigned",
            "description": "d",
            "requester_email": "x@customer.example",
            "assigned_to": me["object"]["id"],
        }),
    )
    .await;
    assert_eq!(c["rule"], "assignment-at-creation", "{c}");
    let (fid, _) = fd_ticket(&f, "y@customer.example").await;
    let c = gated(
        &f,
        "freshdesk_update_ticket",
        json!({"ticket_id": fid, "group": "Billing"}),
    )
    .await;
    assert!(
        c["rule"] == "queue-move" || c["rule"] == "group-move",
        "{c}"
    );
}
