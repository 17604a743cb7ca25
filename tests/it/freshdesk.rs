//! Every Freshdesk tool through MCP against the stateful simulator: pagination across pages,
//! name resolution, rate limits, upstream validation errors, confirmations.

use serde_json::json;

use crate::behaviour::{freshdesk_harness, freshdesk_sim};
use crate::common::*;
use helpdesk_operator::sandbox::freshdesk::SimFault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_freshdesk_tool_against_the_simulator() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    h.ok(
        "set_agent_intent",
        json!({"intent": "exercise every Freshdesk tool"}),
    )
    .await;

    // Reference data, by name.
    let me = h.ok("freshdesk_get_current_agent", json!({})).await;
    let me_id = me["object"]["id"].as_i64().unwrap();
    assert_eq!(me_id, sim.agent_me().0);
    let agents = h
        .ok("freshdesk_list_agents", json!({"per_page": 100}))
        .await;
    assert!(agents["items"].as_array().unwrap().len() >= 2);
    let other = agents["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] != me_id)
        .unwrap()
        .clone();
    let other_name = other["contact"]["name"].as_str().unwrap().to_string();
    h.ok("freshdesk_get_agent", json!({"id": other["id"]}))
        .await;
    let groups = h.ok("freshdesk_list_groups", json!({})).await;
    assert!(
        groups["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "Billing")
    );
    let fields = h.ok("freshdesk_list_ticket_fields", json!({})).await;
    let custom = fields["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["type"].as_str().unwrap_or("").starts_with("custom_"))
        .cloned()
        .expect("a custom field");
    let cf_name = custom["name"]
        .as_str()
        .unwrap()
        .trim_start_matches("cf_")
        .to_string();
    let cf_value = custom["choices"]
        .as_array()
        .and_then(|c| c.first())
        .and_then(|c| c.as_str())
        .map(str::to_string);

    // Companies and contacts.
    let co = h
        .ok(
            "freshdesk_create_company",
            json!({"name": "Globex Sandbox Ltd", "domains": ["globex-sandbox-test.example"]}),
        )
        .await;
    let co_id = co["object"]["id"].as_i64().unwrap();
    h.ok(
        "freshdesk_update_company",
        json!({"company_id": co_id, "note": "VIP customer"}),
    )
    .await;
    let got = h.ok("freshdesk_get_company", json!({"id": co_id})).await;
    assert_eq!(got["object"]["note"], "VIP customer");
    let list = h
        .ok("freshdesk_list_companies", json!({"per_page": 100}))
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == co_id)
    );
    let msg = h
        .err(
            "freshdesk_create_company",
            json!({"name": "Globex Sandbox Ltd"}),
        )
        .await;
    assert!(
        msg.contains("conflict") || msg.contains("duplicate"),
        "{msg}"
    );

    let ct = h
        .ok(
            "freshdesk_create_contact",
            json!({
                "name": "Hank Scorpio",
                "email": "hank@globex.example",
                "company": "Globex Sandbox Ltd",
            }),
        )
        .await;
    let ct_id = ct["object"]["id"].as_i64().unwrap();
    assert_eq!(
        ct["object"]["company_id"], co_id,
        "company resolved by name"
    );
    h.ok(
        "freshdesk_update_contact",
        json!({"contact_id": ct_id, "job_title": "CEO"}),
    )
    .await;
    let got = h.ok("freshdesk_get_contact", json!({"id": ct_id})).await;
    assert_eq!(got["object"]["job_title"], "CEO");
    let l = h
        .ok(
            "freshdesk_list_contacts",
            json!({"email": "hank@globex.example"}),
        )
        .await;
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    h.ok(
        "freshdesk_search_contacts",
        json!({"email": "hank@globex.example"}),
    )
    .await;
    let msg = h
        .err(
            "freshdesk_create_contact",
            json!({"name": "Hank Again", "email": "hank@globex.example"}),
        )
        .await;
    assert!(
        msg.contains("conflict") || msg.contains("duplicate"),
        "upstream 409 as a clear error: {msg}"
    );

    // Tickets: create by names, update, conversations.
    let mut create = json!({
        "subject": "VPN drops every hour", "description": "Since Monday the VPN disconnects.",
        "requester_email": "hank@globex.example", "priority": "high", "group": "Technical",
        "assigned_to": other_name, "tags": ["vpn"]
    });
    if let Some(v) = &cf_value {
        create["custom_fields"] = json!({ cf_name.clone(): v });
    }
    let t = h.ok("freshdesk_create_ticket", create).await;
    let id = t["object"]["id"].as_i64().unwrap();
    assert_eq!(t["object"]["priority_name"], "high");
    assert_eq!(t["object"]["group_name"], "Technical");
    assert_eq!(t["object"]["agent_name"], other_name.as_str());
    assert_eq!(t["object"]["status_name"], "open");
    let u = h
        .ok(
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "status": "pending", "assigned_to": me_id}),
        )
        .await;
    assert_eq!(u["object"]["status_name"], "pending");
    let n = h
        .ok(
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "Checked the logs."}),
        )
        .await;
    assert_eq!(
        n["object"]["private"], true,
        "notes are private unless asked otherwise"
    );
    let note_id = n["object"]["id"].as_i64().unwrap();
    h.ok(
        "freshdesk_update_note",
        json!({"ticket_id": id, "conversation_id": note_id, "body": "Checked the VPN logs."}),
    )
    .await;
    h.ok(
        "freshdesk_reply_to_ticket",
        json!({"ticket_id": id, "body": "We are on it."}),
    )
    .await;
    let conv = h
        .ok("freshdesk_list_conversations", json!({"ticket_id": id}))
        .await;
    let bodies: Vec<String> = conv["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("Checked the VPN logs.")));
    let g = h
        .ok(
            "freshdesk_get_ticket",
            json!({"ticket_id": id, "include_conversations": true, "include_requester": true}),
        )
        .await;
    assert_eq!(g["object"]["conversations"].as_array().unwrap().len(), 2);
    assert_eq!(g["object"]["requester"]["email"], "hank@globex.example");

    // Search by structured conditions, list with pagination.
    let sr = h
        .ok(
            "freshdesk_search_tickets",
            json!({"status": "pending", "tag": "vpn"}),
        )
        .await;
    assert!(
        sr["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id),
        "{sr}"
    );
    assert!(sr["query"].as_str().unwrap().contains("status:3"));
    let wide = h
        .ok(
            "freshdesk_search_tickets",
            json!({"status": ["open", "pending", "resolved", "closed"]}),
        )
        .await;
    assert!(wide["total"].as_i64().unwrap() > 30);
    assert_eq!(wide["items"].as_array().unwrap().len(), 30, "30 a page");
    let l1 = h
        .ok("freshdesk_list_tickets", json!({"per_page": 10}))
        .await;
    assert_eq!(l1["items"].as_array().unwrap().len(), 10);
    assert_eq!(l1["has_more"], true);
    assert!(l1["note"].as_str().unwrap().contains("30 days"));
    let l3 = h
        .ok(
            "freshdesk_list_tickets",
            json!({"per_page": 10, "pages": 3, "updated_since": "2020-01-01"}),
        )
        .await;
    let ids: Vec<i64> = l3["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 30, "three pages followed through Link");
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 30, "no page read twice");
    assert!(sim.requests("GET", "/api/v2/tickets") >= 4);

    // Delete and restore.
    let d = h
        .ok("freshdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
    assert_eq!(d["object"]["deleted"], true);
    let trash = h
        .ok(
            "freshdesk_list_tickets",
            json!({"filter": "deleted", "per_page": 100}),
        )
        .await;
    assert!(
        trash["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id)
    );
    let r = h
        .ok("freshdesk_restore_ticket", json!({"ticket_id": id}))
        .await;
    assert_ne!(r["object"]["deleted"], true);

    // Unknown names never reach Freshdesk.
    let before = sim.requests("POST", "/api/v2/tickets");
    let msg = h
        .err(
            "freshdesk_create_ticket",
            json!({
                "subject": "x",
                "description": "d",
                "requester_email": "a@b.example",
                "group": "Plumbing",
            }),
        )
        .await;
    assert!(msg.contains("group") && msg.contains("Billing"), "{msg}");
    let msg = h
        .err(
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "status": "stalled"}),
        )
        .await;
    assert!(msg.contains("status") && msg.contains("pending"), "{msg}");
    assert_eq!(sim.requests("POST", "/api/v2/tickets"), before);

    // Every tool was exercised.
    let tools = helpdesk_operator::backends::all_tools();
    let used: std::collections::HashSet<String> = h
        .store
        .list(None, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.tool)
        .collect();
    for t in tools.iter().filter(|t| {
        t.name.starts_with("freshdesk_")
            && t.annotations.as_ref().and_then(|a| a.read_only_hint) != Some(true)
    }) {
        assert!(
            used.contains(t.name.as_ref()),
            "write tool {} not exercised",
            t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freshdesk_rate_limits_and_upstream_errors() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    h.ok("set_agent_intent", json!({"intent": "rate limits"}))
        .await;
    // A short Retry-After is waited out and the read succeeds.
    sim.inject(
        "GET",
        "/api/v2/tickets",
        SimFault::Status {
            code: 429,
            retry_after: Some(1),
            body: None,
        },
    );
    let l = h.ok("freshdesk_list_tickets", json!({"per_page": 5})).await;
    assert_eq!(l["items"].as_array().unwrap().len(), 5);
    // A 429 on a create proves nothing was processed: resent once, created once.
    let before = sim.ticket_count();
    sim.inject(
        "POST",
        "/api/v2/tickets",
        SimFault::Status {
            code: 429,
            retry_after: Some(1),
            body: None,
        },
    );
    h.ok(
        "freshdesk_create_ticket",
        json!({"subject": "after 429", "description": "d", "requester_email": "q@x.example"}),
    )
    .await;
    assert_eq!(sim.ticket_count(), before + 1);
    // The answer is lost after the commit: reconciled, not resent.
    sim.inject("POST", "/api/v2/tickets", SimFault::DropAfterCommit);
    let t = h
        .ok(
            "freshdesk_create_ticket",
            json!({"subject": "lost answer", "description": "d", "requester_email": "q@x.example"}),
        )
        .await;
    assert!(t["message"].as_str().unwrap().contains("looked up"), "{t}");
    assert_eq!(sim.ticket_count(), before + 2);
    sim.inject(
        "POST",
        "/api/v2/tickets",
        SimFault::StallAfterCommit(std::time::Duration::from_secs(4)),
    );
    h.ok(
        "freshdesk_create_ticket",
        json!({"subject": "slow answer", "description": "d", "requester_email": "q@x.example"}),
    )
    .await;
    assert_eq!(sim.ticket_count(), before + 3);
    // Upstream validation errors name the tool's fields.
    let msg = h
        .err(
            "freshdesk_update_ticket",
            json!({"ticket_id": 987654321, "priority": "low"}),
        )
        .await;
    assert!(msg.contains("not found"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freshdesk_default_policy_confirms_replies_closing_and_deletes() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, None).await;
    h.ok(
        "set_agent_intent",
        json!({"intent": "default policy on Freshdesk"}),
    )
    .await;
    let t = h
        .ok(
            "freshdesk_create_ticket",
            json!({"subject": "policy", "description": "d", "requester_email": "r@x.example"}),
        )
        .await;
    let id = t["object"]["id"].as_i64().unwrap();
    // A private note needs no confirmation.
    let n = h
        .ok(
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "internal"}),
        )
        .await;
    assert_eq!(n["object"]["private"], true);
    for (tool, args, rule) in [
        (
            "freshdesk_reply_to_ticket",
            json!({"ticket_id": id, "body": "Hello"}),
            "customer-visible",
        ),
        (
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "Visible", "private": false}),
            "customer-visible",
        ),
        (
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "status": "closed"}),
            "close-or-resolve",
        ),
        (
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "priority": "urgent"}),
            "top-priority-freshdesk",
        ),
        (
            "freshdesk_delete_ticket",
            json!({"ticket_id": id}),
            "any-delete",
        ),
    ] {
        let p = h.ok(tool, args.clone()).await;
        assert_eq!(
            (p["status"].as_str(), p["rule"].as_str()),
            (Some("confirmation_required"), Some(rule)),
            "{tool}: {p}"
        );
        let mut with = args.clone();
        with["confirmation_token"] = p["confirmation_token"].clone();
        let done = h.ok(tool, with).await;
        assert_ne!(done["status"], "confirmation_required", "{tool}");
    }
    // The ticket is in the trash now: a note is refused with a clear reason.
    let msg = h
        .err(
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "too late"}),
        )
        .await;
    assert!(
        msg.contains(&format!("ticket {id}")) && msg.contains("trash"),
        "{msg}"
    );
}

/// Eight simultaneous first calls on a fresh server fetch the reference data (agents, groups,
/// companies, ticket fields) once, not eight times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_fetch_reference_data_once() {
    let sim = freshdesk_sim().await;
    let h = std::sync::Arc::new(freshdesk_harness(&sim, None).await);
    // A ticket id straight from the simulator, so that the eight calls are the first ones.
    let list: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v2/tickets?per_page=1", sim.base_url()))
        .basic_auth("sim-key-CANARY-1234", Some("X"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(sim.requests("GET", "/agents"), 0, "nothing fetched yet");
    let mut calls = Vec::new();
    for _ in 0..8 {
        let h = h.clone();
        calls.push(tokio::spawn(async move {
            h.ok("freshdesk_get_ticket", json!({"ticket_id": id})).await
        }));
    }
    for c in calls {
        c.await.unwrap();
    }
    for path in ["/agents", "/groups", "/companies", "/ticket_fields"] {
        assert_eq!(sim.requests("GET", path), 1, "{path}");
    }
}
