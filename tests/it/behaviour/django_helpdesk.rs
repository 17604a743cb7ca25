//! The behaviour suite's django-helpdesk entry: the real instance behind the fault proxy
//! (which answers 429 for the rate-limited step); it declares every capability.
//!
//! Must not: check anything itself: the steps in `suite` do, the same for every backend.

use std::sync::Arc;

use serde_json::{Value, json};

use super::suite::{
    BadInput, Capabilities, Create, Delete, List, RateLimited, Read, Update, ids_of, run,
};
use crate::common::*;
use crate::faults::{Fault, Proxy};

const GET: &str = "django_helpdesk_get_ticket";
const CREATE: &str = "django_helpdesk_create_ticket";
const UPDATE: &str = "django_helpdesk_update_ticket";

fn ticket(v: &Value) -> Option<Value> {
    v["ticket"]["id"].as_i64().map(Value::from)
}

fn bad_input() -> Vec<BadInput> {
    let case = |tool, args, field| BadInput { tool, args, field };
    vec![
        case(
            CREATE,
            json!({"queue": "Support", "title": "", "description": "d"}),
            "title",
        ),
        case(
            UPDATE,
            json!({"ticket_id": 1, "priority": "extreme"}),
            "priority",
        ),
        case(GET, json!({"ticket_id": -1}), "ticket_id"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_django_helpdesk() {
    let s = services();
    let proxy = Arc::new(Proxy::start(&s.helpdesk_url).await);
    let db = store_url(Store::Sqlite).await;
    let config = config_from(&env_for(&proxy.url, &s.agent(), &db));
    let h = connect_with(config, Some(policy(ALLOW_ALL))).await;
    let title = format!("behaviour {}", uuid::Uuid::new_v4().simple());
    let search = title.clone();
    let caps = Capabilities {
        read: Some(Read::by_ticket_id(GET)),
        create: Some(Create {
            tool: CREATE,
            args: json!({"queue": "Support", "title": title, "description": "suite"}),
            id_of: ticket,
        }),
        update: Some(Update {
            tool: UPDATE,
            args: |id| json!({"ticket_id": id, "priority": "low"}),
            field: |v| v.pointer("/ticket/priority_name").cloned(),
            value: json!("low"),
        }),
        delete: Some(Delete::by_ticket_id(
            "django_helpdesk_delete_ticket",
            json!({"queue": "Support", "title": "delete me", "description": "d"}),
        )),
        list: Some(List {
            tool: "django_helpdesk_list_tickets",
            args: Box::new(move |_| json!({"search": search, "response_format": "json"})),
            ids: |v| ids_of(&v["tickets"]),
        }),
        rate_limited: Some(RateLimited {
            refuse: Box::new(move |id, secs| {
                let fault = Fault::Refuse {
                    status: 429,
                    retry_after: Some(secs),
                };
                proxy.inject("GET", &format!("/api/tickets/{id}/"), fault)
            }),
        }),
        bad_input: Some(bad_input()),
    };
    run("django_helpdesk", &h, caps).await;
}
