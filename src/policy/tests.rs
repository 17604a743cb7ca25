//! The decision function, table by table: every rule kind, defaults, modes, validation.

use serde_json::{Value, json};

use super::*;
use crate::backends::catalogue;

fn policy(text: &str) -> Policy {
    Policy::from_sources(&[("test.toml".into(), text.into())], catalogue())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn problems(text: &str) -> String {
    Policy::from_sources(&[("bad.toml".into(), text.into())], catalogue())
        .unwrap_err()
        .message
}

fn decide(p: &Policy, tool: &str, args: Value, before: Option<Value>) -> Decision {
    let meta = *p.tool(tool).unwrap_or_else(|| panic!("no tool {tool}"));
    let view = (meta.canonicalize)(&args).unwrap_or_else(|e| panic!("{e}"));
    p.decide(&meta, &view, before.as_ref())
}

#[test]
fn defaults_come_from_annotations() {
    let p = policy("");
    let cases = [
        (
            "django_helpdesk_get_ticket",
            json!({"ticket_id": 1}),
            DecisionKind::Allow,
            "default:read",
        ),
        (
            "set_agent_intent",
            json!({"intent": "x"}),
            DecisionKind::Allow,
            "default:session",
        ),
        (
            "django_helpdesk_delete_ticket",
            json!({"ticket_id": 1}),
            DecisionKind::Confirm,
            "default:destructive",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": 1, "title": "t", "description": "d"}),
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "c"}),
            DecisionKind::RequireIntent,
            "default:write",
        ),
    ];
    for (tool, args, kind, rule) in cases {
        let d = decide(&p, tool, args, None);
        assert_eq!((d.kind, d.rule.as_str()), (kind, rule), "{tool}");
    }
}

#[test]
fn the_shipped_default_covers_the_risky_changes() {
    let p = Policy::default_policy(catalogue()).unwrap();
    let before = json!({
        "status": "open",
        "priority": "normal",
        "assigned_to": 3,
        "queue": 1,
        "unassign": false,
    });
    let cases: Vec<(&str, Value, Option<Value>, DecisionKind, &str)> = vec![
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "done", "new_status": "closed"}),
            None,
            DecisionKind::Confirm,
            "close-or-resolve",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "done", "new_status": 3}),
            None,
            DecisionKind::Confirm,
            "close-or-resolve",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "hi", "public": true}),
            None,
            DecisionKind::Confirm,
            "customer-visible",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "internal note"}),
            None,
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "call +1 555 123 4567"}),
            None,
            DecisionKind::Confirm,
            "personal-data-in-text",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "mail bob@example.com"}),
            None,
            DecisionKind::Confirm,
            "personal-data-in-text",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "due 2026-12-31, ticket 12345"}),
            None,
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "assigned_to": 7}),
            Some(before.clone()),
            DecisionKind::Confirm,
            "reassignment",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "assigned_to": 3}),
            Some(before.clone()),
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "unassign": true}),
            Some(before.clone()),
            DecisionKind::Confirm,
            "unassignment",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "priority": "critical"}),
            Some(before.clone()),
            DecisionKind::Confirm,
            "top-priority",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "priority": 1}),
            Some(json!({"priority": "critical"})),
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "priority": "low"}),
            Some(before.clone()),
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": 1, "title": "t", "description": "d", "priority": "critical"}),
            None,
            DecisionKind::Confirm,
            "top-priority",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": 1, "title": "t", "description": "d", "submitter_email": "a@b.example"}),
            None,
            DecisionKind::RequireIntent,
            "default:write",
        ),
        (
            "django_helpdesk_delete_ticket",
            json!({"ticket_id": 1}),
            Some(before.clone()),
            DecisionKind::Confirm,
            "any-delete",
        ),
        (
            "django_helpdesk_list_tickets",
            json!({"search": "bob@example.com"}),
            None,
            DecisionKind::Allow,
            "default:read",
        ),
    ];
    for (tool, args, before, kind, rule) in cases {
        let d = decide(&p, tool, args.clone(), before);
        assert_eq!((d.kind, d.rule.as_str()), (kind, rule), "{tool} {args}");
    }
}

#[test]
fn every_predicate_kind() {
    let p = policy(
        r#"
[[rule]]
name = "eq"
tool = "django_helpdesk_add_followup"
when = [{ field = "time_spent", equals = "01:00:00" }]
decision = "deny"
[[rule]]
name = "in"
tool = "django_helpdesk_add_followup"
when = [{ field = "new_status", in = ["duplicate"] }]
decision = "deny"
[[rule]]
name = "re"
tool = "django_helpdesk_create_ticket"
when = [{ field = "title", matches = "(?i)^urgent" }]
decision = "confirm"
via = ["elicitation", "token"]
[[rule]]
name = "from-to"
tool = "django_helpdesk_update_ticket"
when = [{ field = "priority", changes = { from = "low", to = ["high", "critical"] } }]
decision = "confirm"
via = "human"
[[rule]]
name = "more"
tool = "django_helpdesk_update_ticket"
when = [{ field = "objects", more_than = 0 }, { field = "due_date", present = true }]
decision = "require_intent"
[[rule]]
name = "absent"
tool = "django_helpdesk_create_ticket"
when = [{ field = "submitter_email", present = false }]
decision = "allow"
"#,
    );
    let d = decide(
        &p,
        "django_helpdesk_add_followup",
        json!({"ticket_id": 1, "comment": "c", "time_spent": "01:00:00"}),
        None,
    );
    assert_eq!((d.kind, d.rule.as_str()), (DecisionKind::Deny, "eq"));
    let d = decide(
        &p,
        "django_helpdesk_add_followup",
        json!({"ticket_id": 1, "comment": "c", "new_status": 5}),
        None,
    );
    assert_eq!(d.rule, "in");
    let d = decide(
        &p,
        "django_helpdesk_create_ticket",
        json!({"queue": 1, "title": "URGENT: x", "description": "d", "submitter_email": "a@b.co"}),
        None,
    );
    assert_eq!(
        (d.kind, d.rule.as_str(), d.via.clone()),
        (
            DecisionKind::Confirm,
            "re",
            vec![Via::Elicitation, Via::Token]
        )
    );
    let low = Some(json!({"priority": "low"}));
    let d = decide(
        &p,
        "django_helpdesk_update_ticket",
        json!({"ticket_id": 1, "priority": "high"}),
        low.clone(),
    );
    assert_eq!(
        (d.rule.as_str(), d.via.clone()),
        ("from-to", vec![Via::Human])
    );
    let d = decide(
        &p,
        "django_helpdesk_update_ticket",
        json!({"ticket_id": 1, "priority": "high"}),
        Some(json!({"priority": "normal"})),
    );
    assert_eq!(d.rule, "default:write", "from does not hold");
    let d = decide(
        &p,
        "django_helpdesk_update_ticket",
        json!({"ticket_id": 1, "due_date": "2026-01-01"}),
        low,
    );
    assert_eq!(
        (d.kind, d.rule.as_str()),
        (DecisionKind::RequireIntent, "more")
    );
    // An explicit allow on a write still needs an intent.
    let d = decide(
        &p,
        "django_helpdesk_create_ticket",
        json!({"queue": 1, "title": "t", "description": "d"}),
        None,
    );
    assert_eq!(
        (d.kind, d.rule.as_str()),
        (DecisionKind::RequireIntent, "absent")
    );
}

#[test]
fn most_restrictive_wins_and_is_named() {
    let p = policy(
        r#"
[[rule]]
name = "allow-notes"
tool = "django_helpdesk_add_followup"
decision = "allow"
[[rule]]
name = "confirm-public"
when = [{ field = "public", equals = true }]
decision = "confirm"
[[rule]]
name = "deny-public-closing"
when = [{ field = "public", equals = true }, { field = "new_status", equals = "closed" }]
decision = "deny"
reason = "Close tickets with an internal note."
[[rule]]
name = "confirm-public-2"
when = [{ field = "public", equals = true }]
decision = "confirm"
"#,
    );
    let d = decide(
        &p,
        "django_helpdesk_add_followup",
        json!({"ticket_id": 1, "comment": "c", "public": true, "new_status": "closed"}),
        None,
    );
    assert_eq!(
        (d.kind, d.rule.as_str(), d.reason.as_str()),
        (
            DecisionKind::Deny,
            "deny-public-closing",
            "Close tickets with an internal note."
        )
    );
    assert_eq!(
        d.matched,
        vec![
            "allow-notes",
            "confirm-public",
            "deny-public-closing",
            "confirm-public-2"
        ]
    );
    let d = decide(
        &p,
        "django_helpdesk_add_followup",
        json!({"ticket_id": 1, "comment": "c", "public": true}),
        None,
    );
    assert_eq!(d.rule, "confirm-public", "first in file order among equals");
}

#[test]
fn read_only_modes_deny_writes_and_hide_them() {
    let p = policy("[settings]\nread_only = true\n");
    let d = decide(
        &p,
        "django_helpdesk_create_ticket",
        json!({"queue": 1, "title": "t", "description": "d"}),
        None,
    );
    assert_eq!(
        (d.kind, d.rule.as_str()),
        (DecisionKind::Deny, "settings.read_only")
    );
    assert!(!p.lists(p.tool("django_helpdesk_create_ticket").unwrap()));
    assert!(p.lists(p.tool("django_helpdesk_get_ticket").unwrap()));
    assert!(p.lists(p.tool("set_agent_intent").unwrap()));
    let p = policy("[backends.django_helpdesk]\nread_only = true\n");
    let d = decide(
        &p,
        "django_helpdesk_delete_ticket",
        json!({"ticket_id": 1}),
        None,
    );
    assert_eq!(d.rule, "backends.django_helpdesk.read_only");
    let p =
        policy("[[rule]]\nname = \"no-deletes\"\noperation = \"delete\"\ndecision = \"deny\"\n");
    assert!(!p.lists(p.tool("django_helpdesk_delete_ticket").unwrap()));
    assert!(p.lists(p.tool("django_helpdesk_update_ticket").unwrap()));
}

#[test]
fn broken_files_say_file_line_and_problem() {
    let cases = [
        (
            "[[rule]]\nname = \"a\"\ntool = \"django_helpdesk_clos*\"\ndecision = \"deny\"\n",
            "bad.toml:3",
            "matches no tool",
        ),
        (
            "[[rule]]\nname = \"a\"\nbackend = \"zendesk\"\ndecision = \"deny\"\n",
            "bad.toml:3",
            "backend \"zendesk\" is not known",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"maybe\"\n",
            "bad.toml:3",
            "decision \"maybe\"",
        ),
        (
            "\n\n[[rule]]\nname = \"a\"\ndecision = \"confirm\"\nwhen = [{ field = \"colour\", equals = 1 }]\n",
            "bad.toml:6",
            "field \"colour\"",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"confirm\"\nwhen = [{ field = \"new_status\", equals = \"pending\" }]\n",
            "bad.toml:4",
            "use one of: open",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"confirm\"\nwhen = [{ field = \"public\", equals = \"yes\" }]\n",
            "bad.toml:4",
            "true or false",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"confirm\"\nwhen = [{ field = \"title\", matches = \"(\" }]\n",
            "bad.toml:4",
            "regular expression",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"confirm\"\nwhen = [{ field = \"title\" }]\n",
            "bad.toml:4",
            "exactly one of",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"deny\"\nvia = \"token\"\n",
            "bad.toml:4",
            "via only applies",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"confirm\"\nvia = \"carrier-pigeon\"\n",
            "bad.toml:4",
            "via \"carrier-pigeon\"",
        ),
        (
            "[[rule]]\nname = \"a\"\noperation = \"erase\"\ndecision = \"deny\"\n",
            "bad.toml:3",
            "operation \"erase\"",
        ),
        (
            "[settings]\nconfirmation_ttl_secs = 1\n",
            "bad.toml:2",
            "confirmation_ttl_secs",
        ),
        (
            "[backends.freshdesk_x]\nread_only = true\n",
            "bad.toml:1",
            "backend \"freshdesk_x\"",
        ),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"deny\"\ncolour = \"red\"\n",
            "bad.toml:4",
            "unknown field `colour`",
        ),
        ("[[rule]\n", "bad.toml:1", ""),
        (
            "[[rule]]\nname = \"a\"\ndecision = \"deny\"\n[[rule]]\nname = \"a\"\ndecision = \"deny\"\n",
            "bad.toml:4",
            "already used",
        ),
    ];
    let mut failures = Vec::new();
    for (text, at, needle) in cases {
        let msg = problems(text);
        if !(msg.contains(&format!("{at}:")) || msg.contains(&format!("{at} ")))
            || !msg.contains(needle)
        {
            failures.push(format!("{text:?}\n  wanted {at} / {needle}\n  got {msg}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn backend_budgets_per_hour_and_per_endpoint() {
    let p = policy(
        "[backends.freshdesk]\nrequests_per_minute = 100\nrequests_per_hour = 10000\n\
         max_concurrent_per_endpoint = 3\n",
    );
    let b = p.backend("freshdesk");
    assert_eq!(b.requests_per_minute, 100);
    assert_eq!(b.requests_per_hour, Some(10_000));
    assert_eq!(b.max_concurrent_per_endpoint, Some(3));
    // Unset: no hourly budget, no gate per endpoint.
    let d = p.backend("django_helpdesk");
    assert_eq!(
        (d.requests_per_hour, d.max_concurrent_per_endpoint),
        (None, None)
    );
    let shipped = policy(DEFAULT_POLICY);
    assert_eq!(shipped.backend("freshdesk").requests_per_hour, None);

    let cases = [
        (
            "requests_per_hour = 0",
            "requests_per_hour = 0: use 1 to 1000000",
        ),
        (
            "requests_per_hour = 1000001",
            "requests_per_hour = 1000001: use 1 to 1000000",
        ),
        (
            "max_concurrent_per_endpoint = 0",
            "max_concurrent_per_endpoint = 0: use 1 to 64",
        ),
        (
            "max_concurrent_per_endpoint = 65",
            "max_concurrent_per_endpoint = 65: use 1 to 64",
        ),
        ("requests_per_hour = \"lots\"", "invalid type"),
    ];
    for (line, needle) in cases {
        let msg = problems(&format!(
            "[backends.freshdesk]\nread_only = false\n{line}\n"
        ));
        assert!(
            msg.contains("bad.toml:3") && msg.contains(needle),
            "{line}: {msg}"
        );
    }
}
