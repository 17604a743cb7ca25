//! Seed compatibility: prompts and workflows written for the helpdesk MCP servers we replace
//! use their parameter names (Freshdesk's own field names, django-helpdesk's `queue_id`,
//! comma-separated status lists, numeric statuses); they keep working here, and they bind
//! confirmations and audit rows under our canonical names. Also the server instructions,
//! which describe exactly the configured backends.

use serde_json::json;

use crate::behaviour::{freshdesk_harness, freshdesk_sim};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freshdesk_accepts_the_parameter_names_of_other_servers() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    h.ok("set_agent_intent", json!({"intent": "seed prompts"}))
        .await;
    // Freshdesk's own names: email, type, group_id, responder_id.
    let me = h.ok("freshdesk_get_current_agent", json!({})).await;
    let me_id = me["object"]["id"].as_i64().unwrap();
    let created = h
        .ok(
            "freshdesk_create_ticket",
            json!({"subject": "Seeded prompt", "description": "From an old workflow.",
                   "email": "seed.user@customer.example", "group_id": "Billing",
                   "responder_id": me_id, "priority": 2, "status": 2}),
        )
        .await;
    let t = &created["object"];
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["group_name"], "Billing", "{t}");
    assert_eq!(t["responder_id"], me_id, "{t}");
    let listed = h
        .ok(
            "freshdesk_list_tickets",
            json!({
                "email": "seed.user@customer.example",
                "per_page": 10,
                "page": 1,
                "order_type": "asc",
            }),
        )
        .await;
    let ids: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![id], "{listed}");
    // Comma-separated lists, as several servers take them.
    let found = h
        .ok(
            "freshdesk_search_tickets",
            json!({"status": "open,pending", "priority": "2"}),
        )
        .await;
    assert!(
        found["query"]
            .as_str()
            .unwrap()
            .contains("status:2 OR status:3"),
        "{found}"
    );
    // The audit log records the canonical name, whatever the caller wrote.
    let rows = h.store.list(None, 20).await.unwrap();
    let create = rows
        .iter()
        .find(|r| r.tool == "freshdesk_create_ticket" && r.phase == "requested")
        .expect("a requested create");
    let args = serde_json::to_string(&create.arguments.as_ref().expect("arguments").0).unwrap();
    assert!(args.contains("\"requester_email\""), "{args}");
    assert!(!args.contains("\"email\""), "{args}");
    // Both names at once is a clear error, not a silent choice.
    let msg = h
        .err(
            "freshdesk_list_tickets",
            json!({"email": "a@b.example", "requester_email": "c@d.example"}),
        )
        .await;
    assert!(msg.contains("requester_email"), "{msg}");
}

/// A confirmation is bound to the canonical call: asked for with Freshdesk's `responder_id`,
/// it is redeemed with `assigned_to` (and the reverse spelling would work the same way).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_binds_the_canonical_names_not_the_spelling() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok("set_agent_intent", json!({"intent": "reassign a ticket"}))
        .await;
    let agents = h
        .ok("freshdesk_list_agents", json!({"per_page": 100}))
        .await;
    let me = h.ok("freshdesk_get_current_agent", json!({})).await;
    let other = agents["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] != me["object"]["id"])
        .expect("a second agent")["id"]
        .as_i64()
        .unwrap();
    let tickets = h.ok("freshdesk_list_tickets", json!({"per_page": 1})).await;
    let id = tickets["items"][0]["id"].as_i64().unwrap();
    let asked = h
        .ok(
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "responder_id": other}),
        )
        .await;
    assert_eq!(asked["status"], "confirmation_required", "{asked}");
    assert_eq!(asked["rule"], "reassignment", "{asked}");
    let token = asked["confirmation_token"].as_str().unwrap();
    let done = h
        .ok(
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "assigned_to": other, "confirmation_token": token}),
        )
        .await;
    assert_eq!(done["object"]["responder_id"], other, "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_helpdesk_accepts_the_parameter_names_of_other_servers() {
    let (h, agent) = plain_with(Store::Sqlite, Some(ALLOW_ALL)).await;
    let s = services();
    h.ok("set_agent_intent", json!({"intent": "seed prompts"}))
        .await;
    let support = s.queue_id("Support");
    let created = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue_id": support, "title": format!("seeded ({agent})"), "description": "d"}),
        )
        .await;
    let id = created["ticket"]["id"].as_i64().unwrap();
    assert_eq!(created["ticket"]["queue"]["id"], support);
    let users = h.ok("django_helpdesk_get_users", json!({})).await;
    let me = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == agent.as_str())
        .expect("the agent among the users")["id"]
        .as_i64()
        .unwrap();
    // assigned_to as a user id (number or digits), queue_id, status as "a,b".
    let updated = h
        .ok(
            "django_helpdesk_update_ticket",
            json!({"ticket_id": id, "assigned_to": me.to_string()}),
        )
        .await;
    assert_eq!(updated["ticket"]["assigned_to"]["username"], agent.as_str());
    let listed = h
        .ok(
            "django_helpdesk_list_tickets",
            json!({
                "queue_id": support,
                "assigned_to": me,
                "status": "open,reopened",
                "page_size": 100,
            }),
        )
        .await;
    assert_eq!(listed["filters"]["status"], json!([1, 2]), "{listed}");
    assert!(
        listed["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id),
        "{listed}"
    );
    // new_status as a number: 4 is closed.
    let closed = h
        .ok(
            "django_helpdesk_add_followup",
            json!({"ticket_id": id, "comment": "done", "new_status": 4}),
        )
        .await;
    assert_eq!(closed["ticket_status"], "closed", "{closed}");
    // A list item that is not a status is still refused, never dropped.
    let msg = h
        .err(
            "django_helpdesk_list_tickets",
            json!({"status": "open,bogus"}),
        )
        .await;
    assert!(msg.contains("status") && msg.contains("bogus"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instructions_describe_every_configured_backend() {
    let sim = freshdesk_sim().await;
    let only_freshdesk = freshdesk_harness(&sim, None).await;
    let info = only_freshdesk.client.peer_info().expect("server info");
    let text = info.instructions.clone().unwrap_or_default();
    assert!(text.contains("freshdesk_"), "{text}");
    assert!(!text.contains("django_helpdesk_"), "{text}");
    assert!(text.contains("set_agent_intent"), "{text}");

    let (only_django, _) = plain(Store::Sqlite).await;
    let text = only_django
        .client
        .peer_info()
        .and_then(|i| i.instructions.clone())
        .unwrap_or_default();
    assert!(text.contains("django_helpdesk_"), "{text}");
    assert!(!text.contains("freshdesk_"), "{text}");
}
