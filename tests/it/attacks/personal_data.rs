//! Item 6: personal data in what an agent writes is found on normalised text (Unicode NFKC,
//! zero-width and bidi characters removed, HTML turned into text), in every field that can
//! carry it, not by a regex over the raw text; and bulk rules count what a call touches.

use serde_json::json;

use super::*;
use crate::behaviour::{freshdesk_harness, freshdesk_sim};

/// Every one of these passed the old rule unconfirmed.
const HIDDEN: &[&str] = &[
    "call me on +4915112345678",
    "my number is 5551234567",
    "ring 555\u{2011}123\u{2011}4567 today",
    "phone 0 1 5 1 1 2 3 4 5 6 7 8",
    "write to pat dot doe at example dot com",
    "write to pat.doe[at]example.com",
    "write to pat.doe(at)example(dot)com",
    "pat.doe@exa\u{200b}mple.com",
    "pat.doe\u{ff20}example.com",
    "pat.doe&#64;example.com",
    "pat.doe<span>@</span>example.com",
    "pat.\u{202e}doe@example.com",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_addresses_and_numbers_need_confirmation() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "internal notes"}))
        .await;
    let (id, _) = fd_ticket(&h, "c@customer.example").await;
    let mut missed = Vec::new();
    for text in HIDDEN {
        let r = h
            .ok(
                "freshdesk_add_note",
                json!({"ticket_id": id, "body": text, "private": true}),
            )
            .await;
        if status_of(&r) != "confirmation_required" || r["rule"] != "personal-data-in-text" {
            missed.push(*text);
        }
    }
    assert!(missed.is_empty(), "sent unconfirmed: {missed:#?}");
    // Plain prose with numbers that are not phone numbers stays ungated.
    for text in [
        "Fixed in release 2026.12 after 3 tries",
        "ticket 4711 and 4712",
        "Look at example.com for the manual",
    ] {
        let r = h
            .ok(
                "freshdesk_add_note",
                json!({"ticket_id": id, "body": text, "private": true}),
            )
            .await;
        assert_eq!(status_of(&r), "done", "{text}: {r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_in_any_field_or_split_across_fields_are_found() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "tickets"})).await;
    let base = json!({"subject": "s", "description": "d", "requester_email": "c@customer.example"});
    for (field, value) in [
        ("subject", json!("Contact pat.doe@")),
        ("tags", json!(["pat.doe@example.com"])),
        (
            "custom_fields",
            json!({"order_number": "pat.doe@example.com"}),
        ),
        ("cc_emails", json!(["pat.doe@example.com"])),
    ] {
        let mut args = base.clone();
        args[field] = value;
        if field == "subject" {
            args["description"] = json!("example.com");
        }
        let r = h.ok("freshdesk_create_ticket", args.clone()).await;
        assert_eq!(
            status_of(&r),
            "confirmation_required",
            "{field}: sent unconfirmed: {r}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tags_or_recipients_count_as_many_objects() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "tags"})).await;
    let (id, _) = fd_ticket(&h, "c@customer.example").await;
    let tags: Vec<String> = (0..50).map(|i| format!("tag{i}")).collect();
    let r = gated(
        &h,
        "freshdesk_update_ticket",
        json!({"ticket_id": id, "tags": tags}),
    )
    .await;
    assert_eq!(r["rule"], "bulk-change", "{r}");
}
