//! Autotask against its stateful simulator: picklists by label with the instance's own
//! numbers, structured search compiled to the query grammar (and refused when it cannot be
//! expressed), paging, names without N+1, the endpoint gate, zone discovery, the three
//! authentication failures, reconciliation after a dropped create, and the default policy's
//! confirmations. `tools.rs` calls every tool once.

mod tools;

use serde_json::{Value, json};

use crate::common::*;
use helpdesk_operator::sandbox::autotask::{AutotaskSim, AutotaskSimOptions, SimFault};

pub const USERNAME: &str = "api@zeta-msp.example";
pub const SECRET: &str = "at-secret-CANARY-5678";
pub const CODE: &str = "CANARY-INTEGRATION-CODE";

/// A seeded simulator with Autotask's thread limit and an hourly threshold no test reaches.
pub async fn autotask_sim() -> AutotaskSim {
    AutotaskSim::start(AutotaskSimOptions {
        username: USERNAME.into(),
        secret: SECRET.into(),
        integration_code: CODE.into(),
        requests_per_hour: 100_000,
        thread_limit: 3,
        seed: true,
    })
    .await
    .expect("simulator")
}

/// A server on the simulator with a fresh audit store, this policy (default: shipped) and
/// these variables on top of the simulator's.
pub async fn autotask_harness(
    sim: &AutotaskSim,
    policy_text: Option<&str>,
    extra: &[(&str, &str)],
) -> Harness {
    let db = store_url(Store::Sqlite).await;
    let base = vec![
        ("AUTOTASK_API_USERNAME", USERNAME.to_string()),
        ("AUTOTASK_API_SECRET", SECRET.to_string()),
        ("AUTOTASK_API_INTEGRATION_CODE", CODE.to_string()),
        ("AUTOTASK_BASE_URL", sim.base_url()),
        ("AUTOTASK_TIMEOUT_SECS", "5".to_string()),
        ("HELPDESK_OPERATOR_AGENT", "at-agent".to_string()),
        ("DATABASE_URL", db),
    ];
    connect_env(base, extra, policy_text).await
}

async fn intent(h: &Harness) {
    h.ok("set_agent_intent", json!({"intent": "Autotask tests"}))
        .await;
}

/// The ids of a search's rows.
fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["item"]["id"].as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn picklists_by_label_become_the_instances_numbers() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, Some(ALLOW_ALL), &[]).await;
    intent(&h).await;
    let t = h
        .ok(
            "autotask_create_ticket",
            json!({
                "company": "Acme Dental",
                "title": "VPN drops every hour",
                "status": "in progress",
                "priority": "High",
                "queue": "Level II Support",
                "issue_type": "Network",
                "sub_issue_type": "VPN",
                "response_format": "json",
            }),
        )
        .await;
    let id = t["id"].as_i64().expect("id");
    let row = sim.ticket(id).expect("created upstream");
    // This instance: 7 In Progress, 2 High, 29682969 Level II Support (not 8/1 of the defaults).
    assert_eq!(row["status"], 7, "{row}");
    assert_eq!(row["priority"], 2, "{row}");
    assert_eq!(row["queueID"], 29682969, "{row}");
    assert_eq!(row["companyID"], 174, "{row}");
    assert_eq!(t["labels"]["status"], "In Progress", "{t}");
    assert_eq!(t["labels"]["priority"], "High", "{t}");
    assert_eq!(t["labels"]["companyID"], "Acme Dental", "{t}");
    // Left out: the instance's defaults, said in the answer.
    assert!(
        t["message"]
            .as_str()
            .unwrap_or("")
            .contains("Created ticket"),
        "{t}"
    );
    let msg = h
        .err(
            "autotask_update_ticket",
            json!({"ticket_id": id, "status": "Closed"}),
        )
        .await;
    assert!(
        msg.contains("Complete (11)") && msg.contains("status"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_confirms_what_the_issue_lists() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, None, &[]).await;
    intent(&h).await;
    // An open, assigned ticket below the highest priority.
    let found = h
        .ok(
            "autotask_search_tickets",
            json!({"status": ["New", "In Progress"], "conditions": [
                {"op": "noteq", "field": "priority", "value": "Critical"},
                {"op": "exist", "field": "assigned_to"},
                {"op": "noteq", "field": "assigned_to", "value": 29682889}],
                "max_records": 1, "response_format": "json"}),
        )
        .await;
    let t = ids(&found)[0];
    let cases = [
        (
            "autotask_update_ticket",
            json!({"ticket_id": t, "status": "Complete"}),
            "close-or-resolve",
        ),
        (
            "autotask_update_ticket",
            json!({"ticket_id": t, "priority": "Critical"}),
            "top-priority-autotask",
        ),
        (
            "autotask_update_ticket",
            json!({"ticket_id": t, "assigned_to": "Tom Becker"}),
            "reassignment",
        ),
        (
            "autotask_update_ticket",
            json!({"ticket_id": t, "queue": "Monitoring Alert"}),
            "queue-move-autotask",
        ),
        (
            "autotask_add_ticket_note",
            json!({"ticket_id": t, "description": "We fixed it.", "visibility": "customer"}),
            "customer-visible",
        ),
        (
            "autotask_delete_contact",
            json!({"id": 30682910}),
            "any-delete",
        ),
        (
            "autotask_delete_time_entry",
            json!({"id": 91001}),
            "any-delete",
        ),
    ];
    for (tool, args, rule) in cases {
        let before = sim.requests("PATCH", "/")
            + sim.requests("POST", "/Tickets/")
            + sim.requests("DELETE", "/");
        let p = h.ok(tool, args.clone()).await;
        assert_eq!(
            (p["status"].as_str(), p["rule"].as_str()),
            (Some("confirmation_required"), Some(rule)),
            "{tool} {args}: {p}"
        );
        let after = sim.requests("PATCH", "/")
            + sim.requests("POST", "/Tickets/")
            + sim.requests("DELETE", "/");
        assert_eq!(before, after, "{tool}: nothing is sent before confirmation");
        let mut with = args.clone();
        with["confirmation_token"] = p["confirmation_token"].clone();
        let done = h.ok(tool, with).await;
        assert_ne!(done["status"], "confirmation_required", "{tool}");
    }
    assert_eq!(sim.ticket(t).expect("ticket")["status"], 11);
    // Attacks: the publish value and upstream field names cannot be given directly, around
    // the view policy sees; nothing is sent.
    let writes = sim.requests("POST", "/Tickets/") + sim.requests("PATCH", "/");
    for (tool, args) in [
        (
            "autotask_add_ticket_note",
            json!({"ticket_id": t, "description": "x", "publish": 2}),
        ),
        (
            "autotask_add_ticket_note",
            json!({"ticket_id": t, "description": "x", "visibility": "everyone"}),
        ),
        (
            "autotask_update_ticket",
            json!({"ticket_id": t, "assignedResourceID": 29682889}),
        ),
        (
            "autotask_update_ticket",
            json!({"ticket_id": t, "fields": {"status": 2}}),
        ),
    ] {
        let (kind, msg) = h.err_kind(tool, args.clone()).await;
        assert_eq!(kind, "invalid_input", "{tool} {args}: {msg}");
    }
    assert_eq!(
        sim.requests("POST", "/Tickets/") + sim.requests("PATCH", "/"),
        writes
    );
    // An internal note needs no confirmation, and is internal on this instance (publish 5).
    let notes_before = sim.count("TicketNotes");
    let n = h
        .ok(
            "autotask_add_ticket_note",
            json!({"ticket_id": 47004, "description": "Checked the logs.",
                "response_format": "json"}),
        )
        .await;
    assert_eq!(n["kind"], "ticket note", "{n}");
    assert_eq!(n["item"]["publish"], 5, "{n}");
    assert_eq!(n["labels"]["publish"], "Internal Project Team", "{n}");
    assert_eq!(sim.count("TicketNotes"), notes_before + 1);
    // Setting the priority a ticket already has is not a raise to the top.
    let p = h
        .ok(
            "autotask_update_ticket",
            json!({"ticket_id": t, "priority": "Critical"}),
        )
        .await;
    assert_ne!(p["status"], "confirmation_required", "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_is_compiled_and_refused_when_it_cannot_be_expressed() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, None, &[]).await;
    let open = h
        .ok(
            "autotask_search_tickets",
            json!({"open_only": true, "company": "Acme Dental", "max_records": 500,
                "response_format": "json"}),
        )
        .await;
    let filter = open["filter"].to_string();
    assert!(
        filter.contains("noteq") || filter.contains("notIn"),
        "{filter}"
    );
    assert!(!ids(&open).is_empty());
    for id in ids(&open) {
        let row = sim.ticket(id).expect("row");
        assert_ne!(
            row["status"], 11,
            "open_only returned a complete ticket {id}"
        );
        assert_eq!(row["companyID"], 174);
    }
    // `ne` is sent as Autotask's noteq, and the result honours it.
    let ne = h
        .ok(
            "autotask_search_tickets",
            json!({"conditions": [{"op": "ne", "field": "status", "value": "Complete"}],
                "max_records": 100, "response_format": "json"}),
        )
        .await;
    assert!(
        ne["filter"].to_string().contains("\"noteq\""),
        "{}",
        ne["filter"]
    );
    let queries = sim.requests("POST", "/Tickets/query");
    for (args, says) in [
        (
            json!({"conditions": [{"op": "eq", "field": "colour", "value": "red"}]}),
            "colour",
        ),
        (
            json!({"conditions": [{"op": "eq", "field": "status", "value": "Done"}]}),
            "Complete",
        ),
        (
            json!({"conditions": [{"op": "contains", "field": "priority", "value": "x"}]}),
            "text",
        ),
        (json!({"status": ["New", "Nonsense"]}), "Nonsense"),
        (json!({"created_after": "last week"}), "ISO 8601"),
    ] {
        let (kind, msg) = h.err_kind("autotask_search_tickets", args.clone()).await;
        assert_eq!(kind, "invalid_input", "{args}: {msg}");
        assert!(msg.contains(says), "{args}: {msg}");
    }
    let msg = h
        .err(
            "autotask_search_tickets",
            json!({"conditions": [{"op": "like", "field": "title", "value": "x"}]}),
        )
        .await;
    assert!(
        msg.contains("op \"like\"") && msg.contains("noteq"),
        "{msg}"
    );
    assert_eq!(
        sim.requests("POST", "/Tickets/query"),
        queries,
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_next_page_and_say_when_more_exist() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, None, &[]).await;
    let args = json!({"max_records": 300, "fields": ["id"], "include_total": true,
        "response_format": "json"});
    let mut seen = Vec::new();
    let mut page = h.ok("autotask_search_tickets", args.clone()).await;
    assert_eq!(page["total"], 650);
    loop {
        let got = ids(&page);
        assert!(
            got.iter().all(|i| seen.last().is_none_or(|l| i > l)),
            "id order"
        );
        seen.extend(got);
        if page["has_more"] != true {
            break;
        }
        assert_eq!(page["count"], 300, "full pages until the last");
        let mut next = args.clone();
        next["next_page"] = page["next_page"].clone();
        page = h.ok("autotask_search_tickets", next).await;
    }
    assert_eq!(seen.len(), 650, "every ticket once");
    let md = text(
        &h.call("autotask_search_tickets", json!({"max_records": 5}))
            .await,
    );
    assert!(md.contains("more exist"), "{md}");
    // A page too big for one answer says how to continue without skipping the rows it cut.
    let big = h
        .ok(
            "autotask_search_tickets",
            json!({"max_records": 500, "response_format": "json"}),
        )
        .await;
    assert_eq!(big["truncated"], true);
    let last = ids(&big).last().copied().expect("rows");
    let note = big["note"].as_str().unwrap_or_default();
    assert!(note.contains(&format!("\"value\": {last}")), "{note}");
    assert!(
        big["next_page"].is_null(),
        "a next_page here would skip the cut rows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_come_from_cached_reference_data_without_n_plus_one() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, None, &[]).await;
    // Warm-up: the zone, the threshold, the ticket fields and picklists.
    h.ok("autotask_get_field_info", json!({"entity": "tickets"}))
        .await;
    let before = sim.requests("*", "/");
    let page = h
        .ok(
            "autotask_search_tickets",
            json!({"max_records": 500, "response_format": "json"}),
        )
        .await;
    let spent = sim.requests("*", "/") - before;
    let kinds = [
        "Companies",
        "Contacts",
        "Resources",
        "Roles",
        "Contracts",
        "Projects",
    ];
    assert!(
        spent <= 1 + kinds.len(),
        "500 tickets cost {spent} requests: one query plus one batched lookup per kind of name"
    );
    let rows = page["items"].as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty());
    let named = rows
        .iter()
        .filter(|r| r["labels"]["companyID"].is_string())
        .count();
    assert_eq!(
        named,
        rows.len(),
        "every ticket shown shows its company's name"
    );
    let before = sim.requests("*", "/");
    h.ok("autotask_search_tickets", json!({"max_records": 500}))
        .await;
    assert_eq!(
        sim.requests("*", "/") - before,
        1,
        "after warm-up: one request per call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_parallel_searches_keep_to_three_per_endpoint() {
    let sim = autotask_sim().await;
    let h = std::sync::Arc::new(autotask_harness(&sim, None, &[]).await);
    h.ok("autotask_search_tickets", json!({"max_records": 500}))
        .await;
    sim.set_latency(std::time::Duration::from_millis(40));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..10 {
        let h = h.clone();
        set.spawn(async move {
            let args = json!({"conditions": [{"op": "gte", "field": "id", "value": 47001 + i}],
                "max_records": 20});
            h.ok("autotask_search_tickets", args).await
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("search task");
    }
    assert!(
        sim.max_in_flight("Tickets") <= 3,
        "{} in flight",
        sim.max_in_flight("Tickets")
    );
    assert_eq!(sim.throttled(), 0, "no 429 from Autotask");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_create_is_reconciled_not_resent() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, Some(ALLOW_ALL), &[]).await;
    intent(&h).await;
    // Warm the metadata first, so the fault meets the create itself.
    h.ok("autotask_get_field_info", json!({"entity": "tickets"}))
        .await;
    let before = sim.count("Tickets");
    sim.inject("POST", "/Tickets", SimFault::DropAfterCommit);
    let t = h
        .ok(
            "autotask_create_ticket",
            json!({"company": 175, "title": "Dropped answer", "response_format": "json"}),
        )
        .await;
    assert_eq!(sim.count("Tickets"), before + 1, "created once");
    let id = t["id"].as_i64().expect("the reconciled ticket");
    assert_eq!(sim.ticket(id).expect("row")["title"], "Dropped answer");
    assert_eq!(
        sim.requests("POST", "/Tickets"),
        2,
        "the create, then the lookup query"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autotask_errors_name_the_parameter_and_the_credential() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, Some(ALLOW_ALL), &[]).await;
    intent(&h).await;
    // Priya Raman (29682888) has no Engineer role (29682803): Autotask's 500 names the field.
    let (kind, msg) = h
        .err_kind(
            "autotask_create_ticket",
            json!({"company": 174, "title": "x", "assigned_to": 29682888,
                "assigned_role": 29682803}),
        )
        .await;
    assert_eq!(kind, "invalid_input", "{msg}");
    assert!(msg.contains("assigned_role"), "{msg}");
    let (kind, msg) = h
        .err_kind("autotask_get_ticket", json!({"ticket_id": 1}))
        .await;
    assert_eq!(kind, "not_found", "{msg}");
    assert!(msg.contains("ticket 1"), "{msg}");
    for (var, value, says, kind) in [
        (
            "AUTOTASK_API_SECRET",
            "wrong",
            "AUTOTASK_API_SECRET",
            "unauthorized",
        ),
        (
            "AUTOTASK_API_INTEGRATION_CODE",
            "WRONG",
            "AUTOTASK_API_INTEGRATION_CODE",
            "unauthorized",
        ),
        (
            "AUTOTASK_API_USERNAME",
            "nobody@example.com",
            "AUTOTASK_API_USERNAME",
            "unauthorized",
        ),
    ] {
        let bad = autotask_harness(&sim, None, &[(var, value)]).await;
        let (k, msg) = bad
            .err_kind("autotask_get_ticket", json!({"ticket_id": 47001}))
            .await;
        assert_eq!(k, kind, "{var}: {msg}");
        assert!(msg.contains(says), "{var}: {msg}");
        assert!(!msg.contains(SECRET) && !msg.contains(CODE), "{msg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zone_is_discovered_once() {
    let sim = autotask_sim().await;
    let url = sim.zone_discovery_url();
    let h = autotask_harness(
        &sim,
        None,
        &[
            ("AUTOTASK_BASE_URL", ""),
            ("AUTOTASK_ZONE_DISCOVERY_URL", url.as_str()),
        ],
    )
    .await;
    for id in [47001, 47002, 47003] {
        h.ok("autotask_get_ticket", json!({"ticket_id": id})).await;
    }
    assert_eq!(
        sim.requests("GET", "/atservicesrest/v1.0/zoneInformation"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_name_the_impersonated_resource() {
    let sim = autotask_sim().await;
    let h = autotask_harness(
        &sim,
        Some(ALLOW_ALL),
        &[("AUTOTASK_IMPERSONATION_RESOURCE_ID", "29682886")],
    )
    .await;
    intent(&h).await;
    let t = h
        .ok(
            "autotask_create_ticket",
            json!({"company": 176, "title": "On behalf of Jana", "response_format": "json"}),
        )
        .await;
    let row = sim.ticket(t["id"].as_i64().expect("id")).expect("row");
    assert!(row.to_string().contains("29682886"), "{row}");
}

/// `helpdesk-operator check` reports the zone, the credentials and the threshold usage, and
/// never prints the secret or the integration code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_zone_credentials_and_threshold() {
    let sim = autotask_sim().await;
    let run = |extra: Vec<(&'static str, String)>| {
        let mut vars = vec![
            ("AUTOTASK_API_USERNAME", USERNAME.to_string()),
            ("AUTOTASK_API_SECRET", SECRET.to_string()),
            ("AUTOTASK_API_INTEGRATION_CODE", CODE.to_string()),
            ("AUTOTASK_ZONE_DISCOVERY_URL", sim.zone_discovery_url()),
        ];
        // Later entries win, as `envs` would.
        for (k, v) in extra {
            vars.retain(|(x, _)| *x != k);
            vars.push((k, v));
        }
        run_check_owned(vars)
    };
    let (ok, out) = run(vec![]).await;
    assert!(ok, "{out}");
    assert!(out.contains("zone") && out.contains("Sandbox"), "{out}");
    assert!(
        out.contains("threshold usage") && out.contains("this hour"),
        "{out}"
    );
    assert!(
        out.contains("Complete (11)"),
        "the instance's statuses: {out}"
    );
    let (ok, out) = run(vec![("AUTOTASK_API_SECRET", "wrong-CANARY".into())]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("FAILED") && out.contains("AUTOTASK_API_SECRET"),
        "{out}"
    );
    assert!(
        !out.contains("wrong-CANARY") && !out.contains(CODE),
        "{out}"
    );
}

/// The secret and the integration code never reach the audit log or an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_the_audit_log() {
    let sim = autotask_sim().await;
    let h = autotask_harness(&sim, Some(ALLOW_ALL), &[]).await;
    intent(&h).await;
    h.ok(
        "autotask_update_ticket",
        json!({"ticket_id": 47008, "description": "checked"}),
    )
    .await;
    sim.inject(
        "PATCH",
        "/Tickets",
        SimFault::Status {
            code: 500,
            retry_after: None,
            body: None,
        },
    );
    h.err(
        "autotask_update_ticket",
        json!({"ticket_id": 47008, "description": "again"}),
    )
    .await;
    let events = h.store.list(None, 100).await.expect("audit rows");
    assert!(events.len() >= 4);
    let dump = format!("{events:?}");
    assert!(
        !dump.contains(SECRET) && !dump.contains(CODE),
        "a secret reached the audit log"
    );
}
