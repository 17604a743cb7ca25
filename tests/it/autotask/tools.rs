//! Every Autotask tool through MCP against the simulator, with its output checked against its
//! schema (the harness does that on every call).

use serde_json::{Value, json};

use super::{autotask_harness, autotask_sim, ids};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_autotask_tool_works_through_mcp() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, Some(ALLOW_ALL), &[]).await;
    h.ok(
        "set_agent_intent",
        json!({"intent": "exercise every Autotask tool"}),
    )
    .await;
    let j = |mut v: Value| {
        v["response_format"] = json!("json");
        v
    };
    let mut called = Vec::new();
    let mut ok = async |tool: &'static str, args: Value| -> Value {
        called.push(tool);
        h.ok(tool, j(args)).await
    };
    // Tickets and notes.
    let t = ok(
        "autotask_get_ticket",
        json!({"ticket_id": 47003, "include_notes": true}),
    )
    .await;
    let number = t["item"]["ticketNumber"]
        .as_str()
        .expect("number")
        .to_string();
    assert!(
        t["item"]["title"]
            .as_str()
            .unwrap_or("")
            .contains("untrusted"),
        "{t}"
    );
    let by_number = ok("autotask_get_ticket", json!({"ticket_number": number})).await;
    assert_eq!(by_number["id"], 47003);
    let found = ok(
        "autotask_search_tickets",
        json!({"queue": ["Level I Support"]}),
    )
    .await;
    assert!(!ids(&found).is_empty());
    let created = ok(
        "autotask_create_ticket",
        json!({"company": "Northwind Logistics", "title": "Scanner offline",
            "assigned_to": "Jana Nováková"}),
    )
    .await;
    let tid = created["id"].as_i64().expect("ticket id");
    assert_eq!(
        created["item"]["assignedResourceRoleID"], 29682801,
        "{created}"
    );
    let upd = ok(
        "autotask_update_ticket",
        json!({"ticket_id": tid, "priority": "Low"}),
    )
    .await;
    assert_eq!(upd["labels"]["priority"], "Low");
    ok(
        "autotask_add_ticket_note",
        json!({"ticket_id": tid, "description": "Rebooted."}),
    )
    .await;
    let notes = ok("autotask_list_ticket_notes", json!({"ticket_id": tid})).await;
    assert_eq!(notes["count"], 1, "{notes}");
    // Companies and contacts.
    ok("autotask_get_company", json!({"id": 174})).await;
    let cs = ok("autotask_search_companies", json!({"query": "acme"})).await;
    assert_eq!(ids(&cs), [174]);
    let co = ok(
        "autotask_create_company",
        json!({"name": "Blue Fin Travel", "phone": "555-0100"}),
    )
    .await;
    let coid = co["id"].as_i64().expect("company id");
    ok(
        "autotask_update_company",
        json!({"company_id": coid, "city": "Brno"}),
    )
    .await;
    ok("autotask_get_contact", json!({"id": 30682901})).await;
    ok(
        "autotask_search_contacts",
        json!({"company": 174, "active_only": true}),
    )
    .await;
    let ct = ok(
        "autotask_create_contact",
        json!({"company": coid, "first_name": "Ida", "last_name": "Nord"}),
    )
    .await;
    let ctid = ct["id"].as_i64().expect("contact id");
    assert_eq!(ct["item"]["isActive"], 1, "{ct}");
    ok(
        "autotask_update_contact",
        json!({"contact_id": ctid, "title": "Office manager"}),
    )
    .await;
    ok("autotask_delete_contact", json!({"id": ctid})).await;
    // Projects and tasks.
    ok("autotask_get_project", json!({"id": 3101})).await;
    ok("autotask_search_projects", json!({"company": 174})).await;
    let pr = ok(
        "autotask_create_project",
        json!({"company": 174, "name": "Server refresh", "start": "2026-12-07",
            "end": "2027-01-29"}),
    )
    .await;
    let prid = pr["id"].as_i64().expect("project id");
    ok(
        "autotask_update_project",
        json!({"project_id": prid, "description": "Two hosts"}),
    )
    .await;
    let tasks = ok(
        "autotask_search_tasks",
        json!({"conditions": [
        {"op": "eq", "field": "project", "value": 3101}]}),
    )
    .await;
    ok("autotask_get_task", json!({"id": ids(&tasks)[0]})).await;
    let tk = ok(
        "autotask_create_task",
        json!({"project": prid, "title": "Rack the hosts"}),
    )
    .await;
    let tkid = tk["id"].as_i64().expect("task id");
    ok(
        "autotask_update_task",
        json!({"task_id": tkid, "estimated_hours": 6}),
    )
    .await;
    // Time entries.
    ok("autotask_search_time_entries", json!({"ticket_id": 47002})).await;
    ok("autotask_get_time_entry", json!({"id": 91001})).await;
    let te = ok(
        "autotask_create_time_entry",
        json!({"ticket_id": tid, "hours_worked": 0.5, "summary": "Rebooted the scanner."}),
    )
    .await;
    let teid = te["id"].as_i64().expect("time entry id");
    ok(
        "autotask_update_time_entry",
        json!({"time_entry_id": teid, "hours_worked": 0.75}),
    )
    .await;
    ok("autotask_delete_time_entry", json!({"id": teid})).await;
    // Configuration items, contracts, opportunities, resources, field info.
    ok("autotask_get_configuration_item", json!({"id": 4401})).await;
    ok(
        "autotask_search_configuration_items",
        json!({"company": 174}),
    )
    .await;
    let ci = ok(
        "autotask_create_configuration_item",
        json!({"company": 174, "name": "Front desk PC", "product": "Dell OptiPlex 7010"}),
    )
    .await;
    let ciid = ci["id"].as_i64().expect("ci id");
    ok(
        "autotask_update_configuration_item",
        json!({"configuration_item_id": ciid,
        "serial_number": "SN-123"}),
    )
    .await;
    ok("autotask_get_contract", json!({"id": 29684001})).await;
    ok("autotask_search_contracts", json!({"company": 174})).await;
    ok("autotask_get_opportunity", json!({"id": 6001})).await;
    ok("autotask_search_opportunities", json!({})).await;
    let op = ok(
        "autotask_create_opportunity",
        json!({"company": 184, "title": "Managed backup", "projected_close": "2027-02-01"}),
    )
    .await;
    let opid = op["id"].as_i64().expect("opportunity id");
    ok(
        "autotask_update_opportunity",
        json!({"opportunity_id": opid, "stage": "Propose"}),
    )
    .await;
    ok("autotask_get_resource", json!({"id": 29682886})).await;
    let rs = ok("autotask_search_resources", json!({"query": "müller"})).await;
    assert_eq!(ids(&rs), [29682887]);
    let fi = ok(
        "autotask_get_field_info",
        json!({"entity": "tickets", "field": "status"}),
    )
    .await;
    assert!(
        fi["fields"][0]["picklist"]
            .to_string()
            .contains("Waiting Customer"),
        "{fi}"
    );
    // Every tool of the backend was called.
    let all: Vec<String> = helpdesk_operator::backends::all_tools()
        .into_iter()
        .map(|t| t.name.to_string())
        .filter(|n| n.starts_with("autotask_"))
        .collect();
    let missing: Vec<&String> = all
        .iter()
        .filter(|n| !called.contains(&n.as_str()))
        .collect();
    assert!(missing.is_empty(), "not exercised: {missing:?}");
    // Markdown shows labels and names.
    let md = text(
        &h.call("autotask_get_ticket", json!({"ticket_id": tid}))
            .await,
    );
    assert!(
        md.contains("Northwind Logistics") && md.contains("Low"),
        "{md}"
    );
}
