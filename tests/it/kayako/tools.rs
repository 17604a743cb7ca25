//! Every Kayako tool once through MCP, in both formats, with the names next to the ids that a
//! person reads.

use serde_json::json;

use super::{json_args, kayako_harness, kayako_sim};
use crate::common::*;
use helpdesk_operator::sandbox::kayako as sim;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kayako_tool_answers_with_names() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    let tools = h.client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("kayako_") || !n.contains('_') || {
                [
                    "get_agent_session_info",
                    "set_agent_intent",
                    "finish_agent_session",
                ]
                .contains(n)
            }),
        "Kayako is the only backend: {names:?}"
    );
    for t in tools.iter().filter(|t| t.name.starts_with("kayako_")) {
        let a = t.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{}", t.name);
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("kayako_")).count(),
        10
    );

    let d = h.ok("kayako_get_departments", json_args(json!({}))).await;
    let items = d["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["title"] == "Billing"), "{d}");
    assert!(items.iter().any(|i| i["app"] == "livechat"), "{d}");
    let s = h
        .ok("kayako_get_ticket_statuses", json_args(json!({})))
        .await;
    assert!(
        s["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["title"] == "Closed" && i["resolved"] == true),
        "{s}"
    );
    let p = h
        .ok("kayako_get_ticket_priorities", json_args(json!({})))
        .await;
    assert!(p.to_string().contains("Urgent"), "{p}");
    let ty = h.ok("kayako_get_ticket_types", json_args(json!({}))).await;
    assert!(ty.to_string().contains("Bug"), "{ty}");
    let staff = h.ok("kayako_list_staff", json_args(json!({}))).await;
    let members = staff["staff"].as_array().expect("staff");
    assert!(!members.is_empty(), "{staff}");
    assert!(members.iter().all(|m| m["group"].is_string()), "{staff}");

    let t = h
        .ok(
            "kayako_get_ticket",
            json_args(json!({"ticket_id": sim::TICKET_WITH_POSTS_DISPLAY_ID})),
        )
        .await;
    assert_eq!(t["id"], sim::TICKET_WITH_POSTS, "{t}");
    assert_eq!(t["display_id"], sim::TICKET_WITH_POSTS_DISPLAY_ID, "{t}");
    for name in ["department", "status", "priority", "type"] {
        assert!(t[name].is_string(), "{name} named: {t}");
    }
    assert!(t.get("posts").is_none(), "posts only when asked: {t}");
    assert!(
        t["url"]
            .as_str()
            .is_some_and(|u| u.contains("/staff/index.php?/Tickets/Ticket/View/1")),
        "{t}"
    );
    assert!(
        t["created"].as_str().is_some_and(|c| c.ends_with('Z')),
        "dates in UTC: {t}"
    );

    let list = h
        .ok(
            "kayako_list_tickets",
            json_args(json!({"department_id": "General", "limit": 5, "sort_field": "dateline"})),
        )
        .await;
    let tickets = list["tickets"].as_array().expect("tickets");
    assert!(!tickets.is_empty(), "{list}");
    assert!(
        tickets.iter().all(|t| t["department"] == "General"),
        "{list}"
    );
    assert!(list["total"].as_u64().is_some(), "{list}");
    let unassigned = h
        .ok(
            "kayako_list_tickets",
            json_args(json!({"owner_staff_id": 0, "limit": 100})),
        )
        .await;
    assert!(
        unassigned["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .all(|t| t["owner_staff_id"] == 0 && t["owner"].is_null()),
        "{unassigned}"
    );

    let found = h
        .ok(
            "kayako_search_tickets",
            json_args(json!({"query": sim::TICKET_WITH_POSTS_DISPLAY_ID})),
        )
        .await;
    assert!(
        found["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .any(|t| t["id"] == sim::TICKET_WITH_POSTS),
        "search by display id: {found}"
    );
    let printer = h
        .ok(
            "kayako_search_tickets",
            json_args(json!({"query": "screenshot", "limit": 2})),
        )
        .await;
    let total = printer["total"].as_u64().expect("total");
    assert!(total > 2, "{printer}");
    assert_eq!(printer["more"], true, "{printer}");
    assert_eq!(printer["next_offset"], 2, "{printer}");
    let next = h
        .ok(
            "kayako_search_tickets",
            json_args(json!({"query": "screenshot", "limit": 2, "offset": 2})),
        )
        .await;
    assert_ne!(
        next["tickets"][0]["id"], printer["tickets"][0]["id"],
        "{next}"
    );
    assert_eq!(sim.requests_by("POST", "/Tickets/TicketSearch"), 3);

    let posts = h
        .ok(
            "kayako_get_ticket_posts",
            json_args(json!({"ticket_id": sim::TICKET_WITH_POSTS})),
        )
        .await;
    let list = posts["posts"].as_array().expect("posts");
    assert_eq!(list.len(), sim::TICKET_WITH_POSTS_POSTS, "{posts}");
    assert!(list.iter().any(|p| p["by_staff"] == true), "{posts}");
    let notes = h
        .ok(
            "kayako_get_ticket_notes",
            json_args(json!({"ticket_id": sim::TICKET_WITH_POSTS})),
        )
        .await;
    assert!(notes["notes"][0]["author"].is_string(), "{notes}");

    // Markdown, the default: the same records for a person.
    for (tool, args, expect) in [
        ("kayako_get_departments", json!({}), "Billing"),
        ("kayako_list_tickets", json!({"limit": 3}), "More exist"),
        (
            "kayako_get_ticket",
            json!({"ticket_id": 1, "include_posts": true}),
            "posts, oldest",
        ),
        (
            "kayako_get_ticket_notes",
            json!({"ticket_id": 1}),
            "Staff notes",
        ),
        ("kayako_list_staff", json!({}), "Kayako staff"),
    ] {
        let r = h.call(tool, args).await;
        assert_ne!(r.is_error, Some(true), "{tool}: {}", text(&r));
        assert!(text(&r).contains(expect), "{tool}: {}", text(&r));
    }
}
