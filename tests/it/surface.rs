//! The MCP surface: tool list, annotations, schemas, and bad input refused before any
//! upstream call.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn every_tool_is_annotated_documented_and_schematized() {
    let tools = helpdesk_operator::backends::all_tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in [
        "get_agent_session_info",
        "set_agent_intent",
        "finish_agent_session",
        "django_helpdesk_list_tickets",
        "django_helpdesk_get_ticket",
        "django_helpdesk_create_ticket",
        "django_helpdesk_add_followup",
        "django_helpdesk_update_ticket",
        "django_helpdesk_delete_ticket",
        "django_helpdesk_get_queues",
        "django_helpdesk_get_users",
    ] {
        assert!(
            names.contains(&expected),
            "missing tool {expected}: {names:?}"
        );
    }
    for t in &tools {
        let a = t
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no annotations", t.name));
        assert!(a.title.is_some(), "{}: no title", t.name);
        for (hint, v) in [
            ("readOnly", a.read_only_hint),
            ("destructive", a.destructive_hint),
            ("idempotent", a.idempotent_hint),
            ("openWorld", a.open_world_hint),
        ] {
            assert!(v.is_some(), "{}: {hint}Hint not explicit", t.name);
        }
        assert!(t.output_schema.is_some(), "{}: no outputSchema", t.name);
        assert!(
            t.description.as_ref().is_some_and(|d| d.len() > 40),
            "{}: description too thin",
            t.name
        );
        let props = t
            .input_schema
            .get("properties")
            .and_then(|p| p.as_object())
            .cloned()
            .unwrap_or_default();
        assert!(
            props.contains_key("response_format"),
            "{}: no response_format",
            t.name
        );
        for (field, schema) in &props {
            assert!(
                schema.get("description").is_some(),
                "{}.{field}: no description for the model",
                t.name
            );
        }
        if t.name.starts_with("django_helpdesk_") {
            assert!(t.name.len() > "django_helpdesk_".len());
        }
    }
    let delete = tools
        .iter()
        .find(|t| t.name == "django_helpdesk_delete_ticket")
        .unwrap();
    assert_eq!(
        delete.annotations.as_ref().unwrap().destructive_hint,
        Some(true)
    );
    let list = tools
        .iter()
        .find(|t| t.name == "django_helpdesk_list_tickets")
        .unwrap();
    assert_eq!(
        list.annotations.as_ref().unwrap().read_only_hint,
        Some(true)
    );
}

/// Bad input for every tool: an isError result naming the field, and no upstream call (the
/// agent session, which every upstream call needs, is never opened) and no audit event.
#[tokio::test]
async fn bad_input_is_refused_before_any_upstream_call() {
    let (h, agent) = plain(Store::Sqlite).await;
    let long = "x".repeat(513);
    let cases = [
        ("set_agent_intent", json!({"intent": ""}), "intent"),
        ("set_agent_intent", json!({"intent": long}), "512"),
        ("set_agent_intent", json!({}), "intent"),
        (
            "get_agent_session_info",
            json!({"response_format": "xml"}),
            "response_format",
        ),
        ("finish_agent_session", json!({"bogus": 1}), "bogus"),
        (
            "django_helpdesk_list_tickets",
            json!({"page_size": 1000}),
            "page_size",
        ),
        ("django_helpdesk_list_tickets", json!({"page": 0}), "page"),
        (
            "django_helpdesk_list_tickets",
            json!({"status": "pending"}),
            "status",
        ),
        (
            "django_helpdesk_list_tickets",
            json!({"status": []}),
            "status",
        ),
        (
            "django_helpdesk_list_tickets",
            json!({"search": ""}),
            "search",
        ),
        (
            "django_helpdesk_get_ticket",
            json!({"ticket_id": 0}),
            "ticket_id",
        ),
        (
            "django_helpdesk_get_ticket",
            json!({"ticket_id": "abc"}),
            "ticket_id",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "", "description": "d"}),
            "title",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "t"}),
            "description",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "t", "description": "d", "priority": "urgent"}),
            "priority",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({
                "queue": "Support",
                "title": "t",
                "description": "d",
                "submitter_email": "nope",
            }),
            "submitter_email",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "t", "description": "d", "due_date": "tomorrow"}),
            "due_date",
        ),
        (
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "x".repeat(201), "description": "d"}),
            "title",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": ""}),
            "comment",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "c", "new_status": "done"}),
            "new_status",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "c", "time_spent": "a while"}),
            "time_spent",
        ),
        (
            "django_helpdesk_add_followup",
            json!({"ticket_id": 1, "comment": "c", "title": "rename"}),
            "title",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1}),
            "nothing to change",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "status": "closed"}),
            "django_helpdesk_add_followup",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "unassign": true, "assigned_to": "agent1"}),
            "unassign",
        ),
        (
            "django_helpdesk_update_ticket",
            json!({"ticket_id": 1, "priority": 0}),
            "priority",
        ),
        (
            "django_helpdesk_delete_ticket",
            json!({"ticket_id": -3}),
            "ticket_id",
        ),
        (
            "django_helpdesk_get_queues",
            json!({"search": ""}),
            "search",
        ),
        (
            "django_helpdesk_get_users",
            json!({"refresh": "yes"}),
            "refresh",
        ),
    ];
    for (tool, args, needle) in cases {
        let msg = h.err(tool, args.clone()).await;
        assert!(
            msg.contains(needle),
            "{tool} {args}: error should mention {needle:?}: {msg}"
        );
    }
    assert!(
        h.server.core.sessions.peek(&agent).await.is_none(),
        "bad input must not open a session (no upstream call)"
    );
    assert!(
        h.store.list(None, 10).await.unwrap().is_empty(),
        "bad input must leave no audit event"
    );
}

/// The policy catalogue agrees with the tools' annotations (defaults come from them), and
/// every tool is in it.
#[tokio::test]
async fn the_policy_catalogue_matches_the_annotations() {
    let catalogue = helpdesk_operator::backends::catalogue();
    for t in helpdesk_operator::backends::all_tools() {
        let meta = catalogue
            .iter()
            .find(|m| m.name == t.name)
            .unwrap_or_else(|| panic!("{} is not in the policy catalogue", t.name));
        let a = t.annotations.as_ref().unwrap();
        assert_eq!(
            a.read_only_hint == Some(true),
            meta.operation == helpdesk_operator::policy::OpKind::Read,
            "{}: readOnlyHint",
            t.name
        );
        if a.read_only_hint != Some(true) {
            assert_eq!(
                a.destructive_hint == Some(true),
                meta.destructive,
                "{}: destructiveHint",
                t.name
            );
        }
        let props = t
            .input_schema
            .get("properties")
            .and_then(|p| p.as_object())
            .cloned()
            .unwrap_or_default();
        for f in meta.fields {
            assert!(
                props.contains_key(f.name),
                "{}: policy field {} is not a parameter",
                t.name,
                f.name
            );
        }
        if meta.operation.is_write() {
            assert!(
                props.contains_key("confirmation_token"),
                "{}: writes take confirmation_token",
                t.name
            );
            let schema = t.output_schema.as_ref().unwrap();
            assert!(
                serde_json::to_string(schema)
                    .unwrap()
                    .contains("confirmation_required")
                    || schema.contains_key("anyOf"),
                "{}: output schema allows a confirmation",
                t.name
            );
        }
    }
}

/// The schema lint: what the official TypeScript SDK (Claude Code, Claude Desktop, Cursor,
/// VS Code, the Inspector) rejects or cannot resolve, checked for every tool of every backend,
/// so that a new backend cannot ship a schema those clients refuse.
#[test]
fn every_tool_schema_passes_the_client_lint() {
    let tools = helpdesk_operator::backends::all_tools();
    assert!(tools.len() > 30, "expected every backend's tools");
    let problems: Vec<String> = tools
        .iter()
        .flat_map(helpdesk_operator::mcp::schema::lint)
        .collect();
    assert!(
        problems.is_empty(),
        "{} schema problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A failed call says what kind of failure it is in structuredContent (`error.kind`), so a
/// model can tell "not found" from "the outcome is unknown" without reading prose; the result
/// matches the tool's outputSchema (checked by the harness on every call).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_their_kind() {
    let sim = crate::behaviour::freshdesk_sim().await;
    let h = crate::behaviour::freshdesk_harness(&sim, None).await;
    for (tool, args, kind) in [
        (
            "freshdesk_get_ticket",
            json!({"ticket_id": 987654321}),
            "not_found",
        ),
        (
            "freshdesk_get_ticket",
            json!({"ticket_id": 0}),
            "invalid_input",
        ),
        (
            "freshdesk_add_note",
            json!({"ticket_id": 1, "body": "no intent yet"}),
            "intent_required",
        ),
    ] {
        let r = h.call(tool, args.clone()).await;
        assert_eq!(r.is_error, Some(true), "{tool} {args}");
        let s = r
            .structured_content
            .clone()
            .expect("structuredContent on an error");
        assert_eq!(s["error"]["kind"], kind, "{tool} {args}: {s}");
        assert_eq!(s["error"]["message"].as_str(), Some(text(&r).as_str()));
    }
}
