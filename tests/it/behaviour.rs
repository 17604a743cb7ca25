//! The shared behaviour suite, written once and run for every backend that supports each
//! capability: get, create, update, delete, not found, rate limited, bad input.
//! django-helpdesk runs against the real instance (through the fault proxy for rate limits);
//! Freshdesk against the stateful simulator.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;
use crate::faults::{Fault, Proxy};
use helpdesk_operator::sandbox::freshdesk::{FreshdeskSim, SimFault, SimOptions};

/// How one backend does the common things.
struct Backend {
    name: &'static str,
    h: Harness,
    create: (&'static str, Value),
    get: &'static str,
    update: &'static str,
    update_args: fn(i64) -> Value,
    /// A field path in the get result that the update changes, and its new value.
    updated: (&'static [&'static str], Value),
    /// Where the new object's id is in the create result.
    id_of: fn(&Value) -> Option<i64>,
    /// Makes the upstream answer 429 with a long Retry-After to the next GET of `id`.
    rate_limit: Box<dyn Fn(i64)>,
    bad_input: Vec<(&'static str, Value, &'static str)>,
}

fn dig<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| &v[*k])
}

async fn behaviour_suite(b: Backend) {
    let h = &b.h;
    h.ok(
        "set_agent_intent",
        json!({"intent": format!("behaviour suite for {}", b.name)}),
    )
    .await;
    // create
    let created = h.ok(b.create.0, b.create.1.clone()).await;
    let id = (b.id_of)(&created).unwrap_or_else(|| panic!("{}: no id in {created}", b.name));
    // get
    let got = h
        .ok(b.get, json!({"ticket_id": id, "response_format": "json"}))
        .await;
    assert!(
        got.to_string().contains(&id.to_string()),
        "{}: get {got}",
        b.name
    );
    // update
    h.ok(b.update, (b.update_args)(id)).await;
    let got = h
        .ok(b.get, json!({"ticket_id": id, "response_format": "json"}))
        .await;
    assert_eq!(
        dig(&got, b.updated.0),
        &b.updated.1,
        "{}: update not visible: {got}",
        b.name
    );
    // not found
    let msg = h.err(b.get, json!({"ticket_id": 987654321})).await;
    assert!(msg.contains("not found"), "{}: {msg}", b.name);
    // bad input: clear error, nothing sent
    for (tool, args, needle) in &b.bad_input {
        let msg = h.err(tool, args.clone()).await;
        assert!(msg.contains(needle), "{} {tool} {args}: {msg}", b.name);
    }
    // rate limited: a clear error that says when to retry
    (b.rate_limit)(id);
    let msg = h.err(b.get, json!({"ticket_id": id})).await;
    assert!(msg.contains("Retry in about"), "{}: {msg}", b.name);
    // delete (the limiter now pauses this account: use a fresh harness on the same upstream)
    let events = h.store.list(None, 100).await.unwrap();
    for tool in [b.create.0, b.update] {
        assert!(
            events
                .iter()
                .any(|e| e.tool == tool && e.phase == "succeeded"),
            "{}: {tool} audited",
            b.name
        );
    }
}

async fn delete_suite(
    h: &Harness,
    create: (&str, Value),
    id_of: fn(&Value) -> Option<i64>,
    delete: &str,
) {
    h.ok(
        "set_agent_intent",
        json!({"intent": "behaviour suite: delete"}),
    )
    .await;
    let created = h.ok(create.0, create.1).await;
    let id = id_of(&created).unwrap();
    let d = h.ok(delete, json!({"ticket_id": id})).await;
    assert!(d.to_string().contains(&id.to_string()), "{d}");
    let events = h.store.list(None, 20).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.tool == delete && e.phase == "succeeded")
    );
    assert!(
        events
            .iter()
            .any(|e| e.tool == delete && e.phase == "requested" && e.before_image.is_some()),
        "what is deleted is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_django_helpdesk() {
    let s = services();
    let proxy = std::sync::Arc::new(Proxy::start(&s.helpdesk_url).await);
    let db = store_url(Store::Sqlite).await;
    let h = connect_with(
        config_from(&env_for(&proxy.url, &s.agent(), &db)),
        Some(policy(ALLOW_ALL)),
    )
    .await;
    let p = proxy.clone();
    let title = format!("behaviour {}", uuid::Uuid::new_v4().simple());
    behaviour_suite(Backend {
        name: "django_helpdesk",
        h,
        create: (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": title, "description": "suite"}),
        ),
        get: "django_helpdesk_get_ticket",
        update: "django_helpdesk_update_ticket",
        update_args: |id| json!({"ticket_id": id, "priority": "low"}),
        updated: (&["ticket", "priority_name"], json!("low")),
        id_of: |v| v["ticket"]["id"].as_i64(),
        rate_limit: Box::new(move |id| {
            p.inject(
                "GET",
                &format!("/api/tickets/{id}/"),
                Fault::Refuse {
                    status: 429,
                    retry_after: Some(600),
                },
            )
        }),
        bad_input: vec![
            (
                "django_helpdesk_create_ticket",
                json!({"queue": "Support", "title": "", "description": "d"}),
                "title",
            ),
            (
                "django_helpdesk_update_ticket",
                json!({"ticket_id": 1, "priority": "extreme"}),
                "priority",
            ),
            (
                "django_helpdesk_get_ticket",
                json!({"ticket_id": -1}),
                "ticket_id",
            ),
        ],
    })
    .await;
    let db = store_url(Store::Sqlite).await;
    let h = connect_with(
        config_from(&env_for(&s.helpdesk_url, &s.agent(), &db)),
        Some(policy(ALLOW_ALL)),
    )
    .await;
    delete_suite(
        &h,
        (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "delete me", "description": "d"}),
        ),
        |v| v["ticket"]["id"].as_i64(),
        "django_helpdesk_delete_ticket",
    )
    .await;
}

pub async fn freshdesk_harness(sim: &FreshdeskSim, policy_text: Option<&str>) -> Harness {
    let db = store_url(Store::Sqlite).await;
    let env = std::collections::HashMap::from([
        ("FRESHDESK_BASE_URL".to_string(), sim.base_url()),
        (
            "FRESHDESK_API_KEY".to_string(),
            "sim-key-CANARY-1234".to_string(),
        ),
        ("FRESHDESK_TIMEOUT_SECS".to_string(), "2".to_string()),
        (
            "HELPDESK_OPERATOR_AGENT".to_string(),
            "fd-agent".to_string(),
        ),
        ("DATABASE_URL".to_string(), db),
    ]);
    connect_with(config_from(&env), policy_text.map(policy)).await
}

pub async fn freshdesk_sim() -> FreshdeskSim {
    FreshdeskSim::start(SimOptions {
        api_key: "sim-key-CANARY-1234".into(),
        requests_per_minute: 10_000,
        seed: true,
    })
    .await
    .expect("simulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_freshdesk() {
    let sim = std::sync::Arc::new(freshdesk_sim().await);
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    let s2 = sim.clone();
    behaviour_suite(Backend {
        name: "freshdesk",
        h,
        create: (
            "freshdesk_create_ticket",
            json!({
                "subject": "Printer on fire",
                "description": "It smokes.",
                "requester_email": "pat@customer.example",
                "priority": "medium",
            }),
        ),
        get: "freshdesk_get_ticket",
        update: "freshdesk_update_ticket",
        update_args: |id| json!({"ticket_id": id, "priority": "high", "group": "Billing"}),
        updated: (&["object", "priority_name"], json!("high")),
        id_of: |v| v["object"]["id"].as_i64(),
        rate_limit: Box::new(move |id| {
            s2.inject(
                "GET",
                &format!("/api/v2/tickets/{id}"),
                SimFault::Status {
                    code: 429,
                    retry_after: Some(600),
                    body: None,
                },
            )
        }),
        bad_input: vec![
            (
                "freshdesk_create_ticket",
                json!({"subject": "x", "description": "d"}),
                "requester_email",
            ),
            (
                "freshdesk_update_ticket",
                json!({"ticket_id": 1, "priority": "extreme"}),
                "priority",
            ),
            ("freshdesk_get_ticket", json!({"ticket_id": 0}), "ticket_id"),
        ],
    })
    .await;
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    delete_suite(
        &h,
        (
            "freshdesk_create_ticket",
            json!({
                "subject": "delete me",
                "description": "d",
                "requester_email": "pat@customer.example",
            }),
        ),
        |v| v["object"]["id"].as_i64(),
        "freshdesk_delete_ticket",
    )
    .await;
    let _ = Duration::ZERO;
}
