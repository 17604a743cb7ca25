//! Every Daktela tool once through MCP (40), with one login for all of them.

use serde_json::json;

use super::{daktela_harness, daktela_sim, json_args};
use crate::common::*;
use helpdesk_operator::sandbox::daktela as sim;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_daktela_tool_answers_with_one_login() {
    let sim = daktela_sim().await;
    let h = daktela_harness(&sim, &[]).await;
    let tools = h.client.list_all_tools().await.expect("tools/list");
    let ours: Vec<String> = tools
        .iter()
        .filter(|t| t.name.starts_with("daktela_"))
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(ours.len(), 40, "{ours:?}");
    for t in tools.iter().filter(|t| t.name.starts_with("daktela_")) {
        let a = t.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{}", t.name);
    }
    // A record of each list, for its get tool.
    let first = async |tool: &str| {
        let v = h.ok(tool, json_args(json!({"take": 1}))).await;
        assert!(v["total"].as_u64().unwrap_or(0) > 0, "{tool} is empty: {v}");
        v["items"][0]["name"].as_str().expect("name").to_string()
    };
    let mut called = Vec::new();
    for (list, get) in [
        ("daktela_list_activities", "daktela_get_activity"),
        ("daktela_list_calls", "daktela_get_call"),
        ("daktela_list_emails", "daktela_get_email"),
        ("daktela_list_web_chats", "daktela_get_web_chat"),
        ("daktela_list_sms_chats", "daktela_get_sms"),
        ("daktela_list_messenger_chats", "daktela_get_messenger_chat"),
        ("daktela_list_instagram_chats", "daktela_get_instagram_chat"),
        ("daktela_list_whatsapp_chats", "daktela_get_whatsapp_chat"),
        ("daktela_list_viber_chats", "daktela_get_viber_chat"),
        ("daktela_list_contacts", "daktela_get_contact"),
        ("daktela_list_accounts", "daktela_get_account"),
        ("daktela_list_tickets", "daktela_get_ticket"),
    ] {
        let name = first(list).await;
        let got = h.ok(get, json_args(json!({"name": name}))).await;
        assert_eq!(got["name"], name.as_str(), "{get}: {got}");
        called.extend([list, get]);
    }
    for (tool, args) in [
        ("daktela_count_tickets", json!({"stage": ["OPEN", "WAIT"]})),
        (
            "daktela_get_ticket_detail",
            json!({"ticket_id": sim::TICKET_WITH_ACTIVITIES}),
        ),
        (
            "daktela_list_account_tickets",
            json!({"account": sim::ACCOUNT_TITLE}),
        ),
        (
            "daktela_get_call_transcript",
            json!({"call_id": sim::CALL_WITH_TRANSCRIPT}),
        ),
        (
            "daktela_list_call_transcripts",
            json!({"activity": sim::CALL_ACTIVITY}),
        ),
        ("daktela_list_crm_records", json!({"stage": "OPEN"})),
        ("daktela_list_campaign_records", json!({})),
        ("daktela_list_campaign_types", json!({})),
        ("daktela_list_ticket_categories", json!({})),
        ("daktela_list_queues", json!({})),
        ("daktela_list_users", json!({"search": "Novák"})),
        ("daktela_list_groups", json!({})),
        ("daktela_list_pauses", json!({})),
        ("daktela_list_statuses", json!({})),
        ("daktela_list_templates", json!({})),
        ("daktela_list_realtime_sessions", json!({})),
    ] {
        let v = h.ok(tool, json_args(args.clone())).await;
        assert!(!v.to_string().is_empty(), "{tool}");
        let md = text(&h.call(tool, args).await);
        assert!(!md.is_empty(), "{tool}: no markdown");
        called.push(tool);
    }
    called.sort_unstable();
    called.dedup();
    assert_eq!(called.len(), 40, "every tool called: {called:?}");
    let acct = h
        .ok(
            "daktela_list_account_tickets",
            json_args(json!({"account": sim::ACCOUNT_NAME})),
        )
        .await;
    assert!(acct["total"].as_u64().unwrap_or(0) > 0, "{acct}");
    let users = h
        .ok("daktela_list_users", json_args(json!({"search": "Novák"})))
        .await;
    assert!(users.to_string().contains(sim::USER_TITLE), "{users}");
    assert_eq!(sim.logins(), 1, "one login for every tool");
}
