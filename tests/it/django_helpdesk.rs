//! django-helpdesk tools end to end, against a real django-helpdesk 2.6 and real audit stores.

use serde_json::json;

use crate::common::*;
use helpdesk_operator::mcp::untrusted::unmark;

/// The whole life of a ticket inside one agent session, checked tool by tool and then in the
/// audit log. Runs for PostgreSQL and for the embedded SQLite store.
async fn ticket_lifecycle(store: Store) {
    let (h, agent) = plain_with(store, Some(ALLOW_ALL)).await;

    // Session: opened lazily, branch minted by this server on a plain instance.
    let info = h.ok("get_agent_session_info", json!({})).await;
    let branch = info["branch"].as_str().unwrap().to_string();
    assert!(
        branch.starts_with(&format!("{agent}-")) && branch.len() == agent.len() + 9,
        "{branch}"
    );
    assert_eq!(info["mode"], "server");
    assert!(info["intent"].is_null());

    // Writes are refused until an intent is set, and leave no trace upstream or in the log.
    let msg = h
        .err(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "no intent", "description": "d"}),
        )
        .await;
    assert!(msg.contains("set_agent_intent"), "{msg}");
    let refused = h.store.list(None, 10).await.unwrap();
    assert_eq!(refused.len(), 2, "session start + the refusal: {refused:?}");
    assert_eq!(
        (
            refused[0].phase.as_str(),
            refused[0].decision.as_deref(),
            refused[0].rule.as_deref()
        ),
        ("denied", Some("require_intent"), Some("intent"))
    );

    let intent = format!("lifecycle test for {agent}");
    let set = h.ok("set_agent_intent", json!({"intent": intent})).await;
    assert_eq!(set["intent"], intent.as_str());
    assert_eq!(set["branch"], branch.as_str());

    // Create by queue name and priority name, assigned by username.
    let created = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({
                "queue": "support",
                "title": format!("Printer on fire ({agent})"),
                "description": "It smokes {{ ticket.title }}.",
                "priority": "high",
                "submitter_email": "cust@example.com",
                "assigned_to": agent,
                "due_date": "2026-12-31",
            }),
        )
        .await;
    let t = &created["ticket"];
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["queue"]["title"], "Support");
    assert_eq!(t["priority"], 2);
    assert_eq!(t["status"], "open");
    assert_eq!(t["assigned_to"]["username"], agent.as_str());
    // What the submitter wrote comes marked as untrusted text, stored literally.
    assert_eq!(
        unmark(t["description"].as_str().unwrap()),
        "It smokes {{ ticket.title }}."
    );
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("untrusted text by the submitter (cust@example.com)")
    );
    assert!(
        t["created"].is_string(),
        "created comes from the first follow-up"
    );

    // Follow-up: internal by default, template markers kept literally, title untouched.
    let f = h
        .ok(
            "django_helpdesk_add_followup",
            json!({
                "ticket_id": id,
                "comment": "Toner {{ ticket.title }} and {# note #} checked",
                "time_spent": "0:15",
            }),
        )
        .await;
    assert_eq!(f["followup"]["public"], false);
    assert_eq!(
        f["followup"]["comment"],
        "Toner {{ ticket.title }} and {# note #} checked"
    );

    // Status through a follow-up (the UI's path).
    let f = h
        .ok(
            "django_helpdesk_add_followup",
            json!({
                "ticket_id": id,
                "comment": "Fixed the fuser.",
                "public": true,
                "new_status": "resolved",
            }),
        )
        .await;
    assert_eq!(f["ticket_status"], "resolved");
    assert_eq!(f["followup"]["new_status"], "resolved");

    // Update: field-by-field changes.
    let u = h
        .ok(
            "django_helpdesk_update_ticket",
            json!({
                "ticket_id": id,
                "priority": "critical",
                "title": "Printer fixed",
                "queue": "Billing",
            }),
        )
        .await;
    let changed: Vec<&str> = u["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"priority") && changed.contains(&"title") && changed.contains(&"queue"),
        "{changed:?}"
    );
    assert_eq!(u["ticket"]["queue"]["title"], "Billing");

    // Get: the ticket as stored, follow-ups in order, title not renamed by the follow-ups.
    let g = h
        .ok(
            "django_helpdesk_get_ticket",
            json!({"ticket_id": id, "response_format": "json"}),
        )
        .await;
    let t = &g["ticket"];
    assert_eq!(unmark(t["title"].as_str().unwrap()), "Printer fixed");
    assert_eq!(t["status"], "resolved");
    assert_eq!(t["priority_name"], "critical");
    let comments: Vec<&str> = t["followups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["comment"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(comments.len(), 3, "{comments:?}");
    assert!(comments[1].contains("{{ ticket.title }}"));

    // Markdown is the default text.
    let r = h
        .call("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    assert!(text(&r).starts_with("## Ticket #"), "{}", text(&r));

    // Lists: REST (status) and the datatables view (queue, assignee, text) both filter.
    let l = h
        .ok(
            "django_helpdesk_list_tickets",
            json!({"status": "resolved", "page_size": 100}),
        )
        .await;
    assert!(
        l["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "resolved")
    );
    assert!(
        l["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id)
    );
    let l = h
        .ok(
            "django_helpdesk_list_tickets",
            json!({
                "queue": "Billing",
                "assigned_to": agent,
                "search": "Printer fixed",
                "status": ["resolved", "closed"],
            }),
        )
        .await;
    assert_eq!(l["total"], 1, "{l}");
    assert_eq!(l["tickets"][0]["id"], id);
    let l = h
        .ok(
            "django_helpdesk_list_tickets",
            json!({"queue": "Support", "assigned_to": agent}),
        )
        .await;
    assert!(
        l["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != id),
        "moved to Billing: {l}"
    );

    // Queues and users.
    let q = h.ok("django_helpdesk_get_queues", json!({})).await;
    let titles: Vec<&str> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Support") && titles.contains(&"Billing"),
        "{titles:?}"
    );
    let u = h
        .ok("django_helpdesk_get_users", json!({"search": agent}))
        .await;
    assert!(
        u["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == agent.as_str())
    );

    // Unknown names are refused with the known ones listed.
    let msg = h
        .err(
            "django_helpdesk_update_ticket",
            json!({"ticket_id": id, "queue": "Nowhere"}),
        )
        .await;
    assert!(msg.contains("queue") && msg.contains("Support"), "{msg}");

    // Delete, then it is gone.
    let d = h
        .ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
    assert_eq!(d["followups_deleted"], 3);
    let msg = h
        .err("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    assert!(msg.contains("not found"), "{msg}");
    let msg = h
        .err("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
    assert!(msg.contains("not found"), "{msg}");

    // The audit log: a requested + succeeded pair per write, with intent, branch and images.
    let session_id = info["session_id"].as_str().unwrap();
    let mut events = h.store.list(Some(session_id), 100).await.unwrap();
    events.reverse();
    let writes: Vec<(String, String)> = events
        .iter()
        .map(|e| (e.tool.clone(), e.phase.clone()))
        .collect();
    let expected = [
        ("agent_session_start", "succeeded"),
        ("django_helpdesk_create_ticket", "denied"),
        ("set_agent_intent", "requested"),
        ("set_agent_intent", "succeeded"),
        ("django_helpdesk_create_ticket", "requested"),
        ("django_helpdesk_create_ticket", "succeeded"),
        ("django_helpdesk_add_followup", "requested"),
        ("django_helpdesk_add_followup", "succeeded"),
        ("django_helpdesk_add_followup", "requested"),
        ("django_helpdesk_add_followup", "succeeded"),
        ("django_helpdesk_update_ticket", "requested"),
        ("django_helpdesk_update_ticket", "succeeded"),
        ("django_helpdesk_delete_ticket", "requested"),
        ("django_helpdesk_delete_ticket", "succeeded"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(writes, expected);
    for e in &events[4..] {
        assert_eq!(e.intent.as_deref(), Some(intent.as_str()), "{}", e.tool);
        assert_eq!(e.branch.as_deref(), Some(branch.as_str()));
        assert_eq!(e.agent, agent);
        if !(e.tool == "django_helpdesk_create_ticket" && e.phase == "requested") {
            assert_eq!(
                e.target_id.as_deref(),
                Some(id.to_string().as_str()),
                "{} {}",
                e.tool,
                e.phase
            );
        }
    }
    let by = |tool: &str, phase: &str| {
        events
            .iter()
            .find(|e| e.tool == tool && e.phase == phase)
            .unwrap()
            .clone()
    };
    let create_ok = by("django_helpdesk_create_ticket", "succeeded");
    assert_eq!(create_ok.after_image.as_ref().unwrap().0["id"], id);
    assert_eq!(create_ok.upstream_status, Some(201));
    assert_eq!(
        create_ok.request_id.as_deref(),
        Some(by("django_helpdesk_create_ticket", "requested").id.as_str())
    );
    let upd_req = by("django_helpdesk_update_ticket", "requested");
    assert_eq!(
        upd_req.before_image.as_ref().unwrap().0["priority"],
        2,
        "before image read before the update"
    );
    assert_eq!(
        upd_req.arguments.as_ref().unwrap().0["priority"],
        "critical",
        "arguments as asked"
    );
    assert_eq!(
        by("django_helpdesk_update_ticket", "succeeded")
            .after_image
            .as_ref()
            .unwrap()
            .0["priority"],
        1
    );
    let del_req = by("django_helpdesk_delete_ticket", "requested");
    assert_eq!(
        del_req.before_image.as_ref().unwrap().0["title"],
        "Printer fixed",
        "what was lost is kept"
    );

    // Finish: summary by outcome; the next call gets a new session and branch.
    let fin = h.ok("finish_agent_session", json!({})).await;
    assert_eq!(fin["branch"], branch.as_str());
    assert_eq!(fin["writes"]["succeeded"], 5);
    assert_eq!(fin["writes"]["failed"], 0);
    let row = h.store.get_session(session_id).await.unwrap().unwrap();
    assert!(row.finished_at.is_some());
    assert_eq!(row.intent.as_deref(), Some(intent.as_str()));
    let info2 = h.ok("get_agent_session_info", json!({})).await;
    assert_ne!(info2["branch"], branch.as_str());
    assert_ne!(info2["session_id"], info["session_id"]);
    assert!(
        info2["intent"].is_null(),
        "a new session starts without an intent"
    );
    let msg = h
        .err(
            "django_helpdesk_create_ticket",
            json!({"queue": 1, "title": "x", "description": "d"}),
        )
        .await;
    assert!(msg.contains("set_agent_intent"));

    // The chain verifies.
    let v = h.store.verify().await.unwrap();
    assert!(v.first_broken.is_none(), "{:?}", v.first_broken);
    assert!(v.events >= 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_lifecycle_on_postgres() {
    ticket_lifecycle(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_lifecycle_on_sqlite() {
    ticket_lifecycle(Store::Sqlite).await;
}

/// A write to a ticket that does not exist stops at the before-image read: a clear error,
/// nothing requested, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_to_a_missing_ticket_stops_before_it_is_requested() {
    let (h, _) = plain(Store::Sqlite).await;
    h.ok(
        "set_agent_intent",
        json!({"intent": "try a missing ticket"}),
    )
    .await;
    let msg = h
        .err(
            "django_helpdesk_add_followup",
            json!({"ticket_id": 99999999, "comment": "hello"}),
        )
        .await;
    assert!(msg.contains("not found"), "{msg}");
    // The before image could not be read: nothing was requested, nothing was sent.
    let events = h.store.list(None, 10).await.unwrap();
    assert!(
        events
            .iter()
            .all(|e| e.tool != "django_helpdesk_add_followup"),
        "{events:?}"
    );
}

/// An upstream refusal after the request was recorded: requested + failed, with the reason
/// and the upstream status, and a tool error a model can act on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_refusals_are_audited_as_failed() {
    let s = services();
    let (h, _) = plain(Store::Sqlite).await;
    let slug = format!("gone{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    s.django_shell(&format!(
        "from helpdesk.models import Queue; \
         Queue.objects.create(slug='{slug}', title='Queue {slug}')"
    ));
    h.ok("set_agent_intent", json!({"intent": "queue vanishes"}))
        .await;
    h.ok("django_helpdesk_get_queues", json!({"refresh": true}))
        .await;
    s.django_shell(&format!(
        "from helpdesk.models import Queue; Queue.objects.filter(slug='{slug}').delete()"
    ));
    let msg = h
        .err(
            "django_helpdesk_create_ticket",
            json!({"queue": format!("Queue {slug}"), "title": "t", "description": "d"}),
        )
        .await;
    assert!(
        msg.contains("queue") && msg.contains("does not exist"),
        "{msg}"
    );
    let events = h.store.list(None, 10).await.unwrap();
    let failed = events
        .iter()
        .find(|e| e.phase == "failed")
        .expect("a failed event");
    assert_eq!(failed.tool, "django_helpdesk_create_ticket");
    assert_eq!(failed.upstream_status, Some(400));
    assert!(
        failed
            .error
            .as_deref()
            .unwrap_or("")
            .contains("does not exist")
    );
    let requested = events
        .iter()
        .find(|e| e.phase == "requested" && e.tool == "django_helpdesk_create_ticket")
        .unwrap();
    assert_eq!(failed.request_id.as_deref(), Some(requested.id.as_str()));
}
