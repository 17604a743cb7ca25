//! Unit tests of the tools' search arguments and policy views.

use serde_json::{Value, json};

use super::params::SearchTicketsParams;
use super::tickets::search_query;
use super::views::ticket_view;
use crate::backends::freshdesk::models::{CustomField, Named, Refs};
use crate::error::Result;

fn refs() -> Refs {
    Refs {
        agents: vec![Named {
            id: 7,
            name: "Ada Support".into(),
            email: Some("ada@x.example".into()),
        }],
        groups: vec![Named {
            id: 3,
            name: "Billing".into(),
            email: None,
        }],
        statuses: vec![
            (2, "Open".into()),
            (3, "Pending".into()),
            (4, "Resolved".into()),
            (5, "Closed".into()),
            (6, "Waiting on Customer".into()),
        ],
        custom_fields: vec![CustomField {
            name: "cf_category".into(),
            label: "Category".into(),
            kind: "custom_dropdown".into(),
            choices: vec!["Hardware".into(), "Software".into()],
        }],
        ..Default::default()
    }
}

fn search(v: Value) -> Result<String> {
    let p: SearchTicketsParams = serde_json::from_value(v).unwrap();
    search_query(&p, &refs())
}

#[test]
fn search_queries_are_built_from_structured_conditions() {
    assert_eq!(
        search(json!({"status": ["open", "pending"], "priority": "urgent"})).unwrap(),
        "(status:2 OR status:3) AND priority:4"
    );
    assert_eq!(
        search(json!({"assigned_to": "ada@x.example", "group": "billing", "tag": "vip"})).unwrap(),
        "agent_id:7 AND group_id:3 AND tag:'vip'"
    );
    assert_eq!(
        search(json!({"created_after": "2026-01-01", "custom_fields": {"category": "Hardware"}}))
            .unwrap(),
        "created_at:>'2026-01-01' AND category:'Hardware'"
    );
    assert_eq!(
        search(json!({"status": "waiting on customer"})).unwrap(),
        "status:6"
    );
    assert!(
        search(json!({}))
            .unwrap_err()
            .message
            .contains("at least one condition")
    );
    assert!(
        search(json!({"status": "stalled"}))
            .unwrap_err()
            .message
            .starts_with("status:")
    );
    assert!(
        search(json!({"assigned_to": "Bob"}))
            .unwrap_err()
            .message
            .contains("Ada Support")
    );
    assert!(
        search(json!({"custom_fields": {"category": "Plants"}}))
            .unwrap_err()
            .message
            .contains("Hardware")
    );
    assert!(search(json!({"tag": "it's"})).is_err());
}

#[test]
fn ticket_views_use_names() {
    let v = ticket_view(&json!({"status": 4, "priority": 4, "responder_id": 7, "group_id": null}));
    assert_eq!(v["status"], "resolved");
    assert_eq!(v["priority"], "urgent");
    assert_eq!(v["assigned_to"], 7);
}
