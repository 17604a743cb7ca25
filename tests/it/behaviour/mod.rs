//! The shared behaviour suite, written once and run for every backend entry by the
//! capabilities it declares (read, create, update, delete, list, rate_limited, bad_input):
//! get, create, update, list, not found, bad input, delete, rate limited.
//! django-helpdesk runs against the real instance (through the fault proxy for rate limits);
//! Freshdesk against the stateful simulator. A new backend adds one entry file.
//!
//! Must not: hold a check that only one backend's result shape passes; the entries hold the
//! accessors, `suite` the checks.

mod autotask;
mod daktela;
mod django_helpdesk;
mod freshdesk;
mod kayako;
mod suite;

pub use freshdesk::{freshdesk_harness, freshdesk_sim};

use serde_json::json;
use suite::{BadInput, Capabilities, Read, plan};

fn steps(c: &Capabilities) -> Result<Vec<&'static str>, String> {
    plan(c).map(|steps| steps.iter().map(|s| s.name()).collect())
}

fn read(seeded: Option<i64>) -> Read {
    Read {
        get: "x_get_ticket",
        args: |id| json!({"ticket_id": id}),
        seeded: seeded.map(Into::into),
        missing: json!(987654321),
    }
}

#[test]
fn a_backend_without_capabilities_fails() {
    let e = steps(&Capabilities::default()).unwrap_err();
    assert!(e.contains("no capabilities"), "{e}");
}

#[test]
fn a_read_only_backend_reads_a_seeded_object() {
    let c = Capabilities {
        read: Some(read(Some(7))),
        ..Default::default()
    };
    assert_eq!(steps(&c).unwrap(), ["get", "not_found"]);
    let c = Capabilities {
        read: Some(read(None)),
        ..Default::default()
    };
    assert!(steps(&c).unwrap_err().contains("seeded"));
}

#[test]
fn a_declared_capability_the_suite_cannot_run_fails() {
    let c = Capabilities {
        bad_input: Some(Vec::new()),
        ..Default::default()
    };
    assert!(steps(&c).unwrap_err().contains("bad_input"));
    let case = BadInput {
        tool: "x_get_ticket",
        args: json!({"ticket_id": 0}),
        field: "ticket_id",
    };
    let c = Capabilities {
        bad_input: Some(vec![case]),
        ..Default::default()
    };
    assert_eq!(steps(&c).unwrap(), ["bad_input"]);
}

#[test]
fn steps_that_need_another_capability_fail_without_it() {
    let update = suite::Update {
        tool: "x_update_ticket",
        args: |id| json!({"ticket_id": id}),
        field: |v| v.get("priority").cloned(),
        value: json!("low"),
    };
    let c = Capabilities {
        read: Some(read(Some(7))),
        delete: Some(suite::Delete::by_ticket_id("x_delete_ticket", json!({}))),
        ..Default::default()
    };
    assert!(steps(&c).unwrap_err().contains("delete needs create"));
    let create = suite::Create {
        tool: "x_create_ticket",
        args: json!({}),
        id_of: |v| v.get("id").cloned(),
    };
    let c = Capabilities {
        create: Some(create),
        update: Some(update),
        ..Default::default()
    };
    assert!(steps(&c).unwrap_err().contains("update needs read"));
}
