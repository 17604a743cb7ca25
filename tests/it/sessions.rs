//! Agent sessions against real django-helpdesk instances: the agent-session endpoints of the
//! fork (mocked faithfully in the harness), login with CSRF, re-login, token auth.

use helpdesk_operator::backends::django_helpdesk::session::DjangoSession;
use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_instance_keeps_branch_and_intent() {
    let s = services();
    let agent = s.agent();
    let db = store_url(Store::Sqlite).await;
    let h = connect_with(
        config_from(&env_for(&s.fork_url, &agent, &db)),
        Some(policy(ALLOW_ALL)),
    )
    .await;

    let info = h.ok("get_agent_session_info", json!({})).await;
    assert_eq!(info["mode"], "instance", "{info}");
    let branch = info["branch"].as_str().unwrap().to_string();
    assert!(branch.starts_with(&format!("{agent}-")), "{branch}");

    let intent = format!("fork session of {agent}");
    h.ok("set_agent_intent", json!({"intent": intent})).await;
    let created = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": s.queue_id("Support"), "title": "fork ticket", "description": "d"}),
        )
        .await;
    let id = created["ticket"]["id"].as_i64().unwrap();
    let events = h.store.list(None, 20).await.unwrap();
    assert!(
        events
            .iter()
            .filter(|e| e.tool == "django_helpdesk_create_ticket")
            .all(|e| e.branch.as_deref() == Some(branch.as_str()))
    );

    let fin = h.ok("finish_agent_session", json!({})).await;
    assert_eq!(fin["branch"], branch.as_str());
    assert_eq!(fin["writes"]["succeeded"], 1);

    // The instance recorded the finished session with the branch and intent we reported.
    let rows = s.django_shell(&format!(
        "import json; from agent_sessions.models import FinishedAgentSession as F; print(json.dumps([[f.branch_name, f.intent] for f in F.objects.filter(username='{agent}')]))"
    ));
    let rows: Vec<(String, String)> = serde_json::from_str(&rows).unwrap();
    assert!(rows.contains(&(branch.clone(), intent.clone())), "{rows:?}");

    // The next call opens a new session on the instance, with a new branch from it.
    let info2 = h.ok("get_agent_session_info", json!({})).await;
    assert_eq!(info2["mode"], "instance");
    assert_ne!(info2["branch"], branch.as_str());
    assert!(info2["intent"].is_null());
    h.ok("set_agent_intent", json!({"intent": "clean up"}))
        .await;
    h.ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relogin_after_the_server_side_session_is_deleted() {
    let s = services();
    let agent = s.agents[15].clone(); // reserved for this test
    let db = store_url(Store::Sqlite).await;
    let h = connect_with(
        config_from(&env_for(&s.helpdesk_url, &agent, &db)),
        Some(policy(ALLOW_ALL)),
    )
    .await;
    h.ok("set_agent_intent", json!({"intent": "re-login test"}))
        .await;
    let created = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": "Billing", "title": "relogin", "description": "d"}),
        )
        .await;
    let id = created["ticket"]["id"].as_i64().unwrap();
    let session = h.server.core.sessions.peek(&agent).await.unwrap();
    let client = session.django().unwrap().clone();
    assert_eq!(client.login_count(), 1);

    let deleted = s.django_shell(&format!(
        "from django.contrib.sessions.models import Session\nfrom django.contrib.auth.models import User\nuid = str(User.objects.get(username='{agent}').id)\nn = 0\nfor x in Session.objects.all():\n    if x.get_decoded().get('_auth_user_id') == uid:\n        x.delete(); n += 1\nprint(n)"
    ));
    assert!(
        deleted.parse::<i32>().unwrap() >= 1,
        "no session deleted: {deleted}"
    );

    // An unsafe request now: the server logs in again once (new CSRF token) and succeeds.
    let f = h
        .ok(
            "django_helpdesk_add_followup",
            json!({"ticket_id": id, "comment": "after re-login"}),
        )
        .await;
    assert_eq!(f["followup"]["comment"], "after re-login");
    assert_eq!(client.login_count(), 2, "exactly one re-login");
    // A read after that needs no further login.
    h.ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    assert_eq!(client.login_count(), 2);
    // Exactly one follow-up was added (the refused request was not processed).
    let g = h
        .ok(
            "django_helpdesk_get_ticket",
            json!({"ticket_id": id, "response_format": "json"}),
        )
        .await;
    assert_eq!(g["ticket"]["followups"].as_array().unwrap().len(), 2);
    h.ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_a_clear_error_without_the_password() {
    let s = services();
    let db = store_url(Store::Sqlite).await;
    let mut env = env_for(&s.helpdesk_url, &s.agent(), &db);
    env.insert(
        "DJANGO_HELPDESK_PASSWORD".into(),
        "pw-CANARY-wrong-0000".into(),
    );
    let h = connect_with(config_from(&env), Some(policy(ALLOW_ALL))).await;
    let msg = h.err("get_agent_session_info", json!({})).await;
    assert!(
        msg.contains("rejected the login") && msg.contains("DJANGO_HELPDESK_PASSWORD"),
        "{msg}"
    );
    assert!(!msg.contains("pw-CANARY"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_reads_by_status_and_explains_what_needs_a_session() {
    let s = services();
    let db = store_url(Store::Sqlite).await;
    let env = std::collections::HashMap::from([
        ("DJANGO_HELPDESK_URL".to_string(), s.helpdesk_url.clone()),
        (
            "DJANGO_HELPDESK_TOKEN".to_string(),
            s.tokens["agent1"].clone(),
        ),
        (
            "HELPDESK_OPERATOR_AGENT".to_string(),
            "token-agent".to_string(),
        ),
        ("DATABASE_URL".to_string(), db),
    ]);
    let h = connect_with(config_from(&env), Some(policy(ALLOW_ALL))).await;
    let info = h.ok("get_agent_session_info", json!({})).await;
    assert_eq!(info["mode"], "server");
    assert!(info["note"].as_str().unwrap().contains("token"));
    h.ok(
        "django_helpdesk_list_tickets",
        json!({"status": "open", "page_size": 5}),
    )
    .await;
    let msg = h
        .err("django_helpdesk_list_tickets", json!({"queue": "Support"}))
        .await;
    assert!(msg.contains("session login"), "{msg}");
    h.ok("set_agent_intent", json!({"intent": "token writes"}))
        .await;
    let c = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "via token", "description": "d", "priority": 4}),
        )
        .await;
    let id = c["ticket"]["id"].as_i64().unwrap();
    h.ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;
}

/// The stateless 2026-07-28 protocol (server/discover, no initialize): the session belongs to
/// the agent, not to a transport session, so it carries across calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_2026_07_28_without_initialize() {
    use rmcp::model::{CallToolRequestParams, ProtocolVersion};
    use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceExt};
    let s = services();
    let db = store_url(Store::Sqlite).await;
    let config = config_from(&env_for(&s.helpdesk_url, &s.agent(), &db));
    let store = helpdesk_operator::audit::AuditStore::new(config.audit_store.clone());
    let server = helpdesk_operator::backends::server(&config, store).unwrap();
    let (a, b) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(r) = server.serve(a).await {
            let _ = r.waiting().await;
        }
    });
    let client = ()
        .serve_with_lifecycle(
            b,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover");
    let call = |name: &'static str, args: serde_json::Value| {
        let serde_json::Value::Object(map) = args else {
            unreachable!()
        };
        client.call_tool(CallToolRequestParams::new(name).with_arguments(map))
    };
    let r = call("set_agent_intent", json!({"intent": "stateless protocol"}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let r = call("get_agent_session_info", json!({})).await.unwrap();
    assert_eq!(
        r.structured_content.unwrap()["intent"],
        "stateless protocol"
    );
    let r = call("django_helpdesk_list_tickets", json!({"page_size": 1}))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
}
