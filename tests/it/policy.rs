//! The policy layer end to end through MCP: confirmations by token, elicitation (both
//! protocols) and human approval; refusal of mismatched, expired and replayed tokens; denies,
//! read-only modes, and the `policy` CLI.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
    ElicitationAction, Implementation, ProtocolVersion,
};
use rmcp::service::RequestContext;
use rmcp::{
    ClientHandler, ClientLifecycleMode, ClientServiceExt, ErrorData, RoleClient, ServiceExt,
};
use serde_json::{Value, json};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_helpdesk-operator");

/// A ticket to work on, created under the allow-all policy so the test starts clean.
async fn new_ticket(h: &Harness, title: &str) -> i64 {
    let c = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": title, "description": "policy test"}),
        )
        .await;
    c["ticket"]["id"].as_i64().unwrap()
}

async fn followups(h: &Harness, id: i64) -> usize {
    let g = h
        .ok(
            "django_helpdesk_get_ticket",
            json!({"ticket_id": id, "response_format": "json"}),
        )
        .await;
    g["ticket"]["followups"].as_array().unwrap().len()
}

async fn phases(h: &Harness) -> Vec<(String, String)> {
    let mut e = h.store.list(None, 200).await.unwrap();
    e.reverse();
    e.into_iter().map(|e| (e.tool, e.phase)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_confirmation_round_trip_is_bound_to_the_exact_call() {
    let (h, _) = plain(Store::Sqlite).await;
    h.ok("set_agent_intent", json!({"intent": "reply to a customer"}))
        .await;
    let id = new_ticket(&h, "token round trip").await;
    let args = json!({"ticket_id": id, "comment": "We replaced the fuser.", "public": true});

    // The first call sends nothing and returns a preview and a token.
    let pending = h.ok("django_helpdesk_add_followup", args.clone()).await;
    assert_eq!(pending["status"], "confirmation_required", "{pending}");
    assert_eq!(pending["rule"], "customer-visible");
    assert_eq!(pending["via"], "token");
    let changes = pending["preview"]["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["field"] == "public" && c["after"] == true),
        "{pending}"
    );
    assert_eq!(followups(&h, id).await, 1, "nothing was sent");
    let token = pending["confirmation_token"].as_str().unwrap().to_string();

    // Changed arguments with that token: refused, and the token is void from then on.
    let mut changed = args.clone();
    changed["comment"] = json!("We replaced the fuser and the drum.");
    changed["confirmation_token"] = json!(token);
    let msg = h.err("django_helpdesk_add_followup", changed).await;
    assert!(msg.contains("arguments differ"), "{msg}");
    let mut same = args.clone();
    same["confirmation_token"] = json!(token);
    let msg = h.err("django_helpdesk_add_followup", same.clone()).await;
    assert!(msg.contains("refused"), "{msg}");
    assert_eq!(followups(&h, id).await, 1);

    // A fresh token, used once: the reply is sent; replaying the token is refused.
    let pending = h.ok("django_helpdesk_add_followup", args.clone()).await;
    same["confirmation_token"] = pending["confirmation_token"].clone();
    let done = h.ok("django_helpdesk_add_followup", same.clone()).await;
    assert_eq!(done["followup"]["public"], true);
    let msg = h.err("django_helpdesk_add_followup", same.clone()).await;
    assert!(msg.contains("already used"), "{msg}");
    assert_eq!(followups(&h, id).await, 2, "exactly one reply");

    // A token from another agent session is refused.
    let (other, _) = plain(Store::Sqlite).await;
    other
        .ok("set_agent_intent", json!({"intent": "steal a token"}))
        .await;
    let p = h.ok("django_helpdesk_add_followup", args.clone()).await;
    same["confirmation_token"] = p["confirmation_token"].clone();
    let msg = other
        .err("django_helpdesk_add_followup", same.clone())
        .await;
    assert!(
        msg.contains("not known") || msg.contains("another agent session"),
        "{msg}"
    );

    // Every decision is in the audit log.
    let ph = phases(&h).await;
    for phase in [
        "confirmation_required",
        "refused",
        "confirmed",
        "requested",
        "succeeded",
    ] {
        assert!(
            ph.iter()
                .any(|(t, p)| t == "django_helpdesk_add_followup" && p == phase),
            "no {phase}: {ph:?}"
        );
    }
    let events = h.store.list(None, 200).await.unwrap();
    let req = events
        .iter()
        .find(|e| e.tool == "django_helpdesk_add_followup" && e.phase == "requested")
        .unwrap();
    assert_eq!(
        (req.decision.as_deref(), req.rule.as_deref()),
        (Some("confirmed"), Some("customer-visible"))
    );
    let dump = serde_json::to_string(&events).unwrap();
    assert!(
        !dump.contains(pending["confirmation_token"].as_str().unwrap()),
        "tokens are never stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_are_refused() {
    let (h, _) = plain(Store::Postgres).await;
    h.ok("set_agent_intent", json!({"intent": "close a ticket"}))
        .await;
    let id = new_ticket(&h, "expiry").await;
    let args = json!({"ticket_id": id, "comment": "Done.", "new_status": "closed"});
    let pending = h.ok("django_helpdesk_add_followup", args.clone()).await;
    assert_eq!(pending["rule"], "close-or-resolve");
    // Let it expire without waiting: move its deadline into the past.
    let db = h.server.core.store.describe();
    assert!(db.contains("PostgreSQL"), "{db}");
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&h.db_url).await.unwrap();
        sqlx::query("UPDATE confirmations SET expires_at = expires_at - INTERVAL '1 day'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let mut with = args.clone();
    with["confirmation_token"] = pending["confirmation_token"].clone();
    let msg = h.err("django_helpdesk_add_followup", with).await;
    assert!(msg.contains("expired"), "{msg}");
    let g = h
        .ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    assert_eq!(g["ticket"]["status"], "open", "nothing was sent");
    assert!(phases(&h).await.iter().any(|(_, p)| p == "expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_object_voids_the_preview() {
    let (h, _) = plain(Store::Sqlite).await;
    h.ok("set_agent_intent", json!({"intent": "escalate"}))
        .await;
    let id = new_ticket(&h, "changes under our feet").await;
    let args = json!({"ticket_id": id, "priority": "critical"});
    let pending = h.ok("django_helpdesk_update_ticket", args.clone()).await;
    assert_eq!(pending["rule"], "top-priority");
    assert_eq!(
        pending["preview"]["changes"][0],
        json!({"field": "priority", "before": "normal", "after": "critical"})
    );
    // Someone else edits the ticket meanwhile.
    h.ok(
        "django_helpdesk_update_ticket",
        json!({"ticket_id": id, "title": "edited meanwhile"}),
    )
    .await;
    let mut with = args.clone();
    with["confirmation_token"] = pending["confirmation_token"].clone();
    let again = h.ok("django_helpdesk_update_ticket", with).await;
    assert_eq!(
        again["status"], "confirmation_required",
        "a new preview, not the change: {again}"
    );
    assert!(
        again["next_step"]
            .as_str()
            .unwrap()
            .contains("changed since the preview")
    );
    assert_ne!(again["confirmation_token"], pending["confirmation_token"]);
    let g = h
        .ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;
    assert_eq!(g["ticket"]["priority_name"], "normal");
    let mut with = args.clone();
    with["confirmation_token"] = again["confirmation_token"].clone();
    let done = h.ok("django_helpdesk_update_ticket", with).await;
    assert_eq!(done["ticket"]["priority_name"], "critical");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_approval_through_the_cli() {
    let operators = crate::operators::operators_file_with("supervisor", "supervisor-passphrase");
    let (h, _) = plain_with_operators(Store::Postgres, Some(HUMAN_DELETES), &operators).await;
    h.ok("set_agent_intent", json!({"intent": "clean up spam"}))
        .await;
    let id = new_ticket(&h, "spam").await;
    let args = json!({"ticket_id": id});
    let pending = h.ok("django_helpdesk_delete_ticket", args.clone()).await;
    assert_eq!(
        (pending["via"].as_str(), pending["rule"].as_str()),
        (Some("human"), Some("deletes-need-a-person"))
    );
    let cid = pending["confirmation_id"].as_str().unwrap().to_string();
    let mut with = args.clone();
    with["confirmation_token"] = pending["confirmation_token"].clone();

    // Not approved yet: refused, the token stays valid.
    let msg = h.err("django_helpdesk_delete_ticket", with.clone()).await;
    assert!(
        msg.contains(&format!("helpdesk-operator approve {cid}")),
        "{msg}"
    );

    // A person decides: an operator of the operators file, name and password on stdin.
    let cli = |args: &[&str]| {
        let (ok, out, _) = operator_cli(
            &h.db_url,
            &operators,
            &[],
            args,
            "supervisor\nsupervisor-passphrase\n",
        );
        (ok, out)
    };
    let (ok, out) = cli(&["pending"]);
    assert!(
        ok && out.contains(&cid) && out.contains("django_helpdesk_delete_ticket"),
        "{out}"
    );
    let (ok, out) = cli(&["approve", &cid]);
    assert!(ok, "{out}");
    let (ok, out) = cli(&["approve", &cid]);
    assert!(!ok && out.contains("not pending"), "{out}");

    let done = h.ok("django_helpdesk_delete_ticket", with.clone()).await;
    assert_eq!(done["deleted_ticket_id"], id);
    let events = h.store.list(None, 100).await.unwrap();
    let approved = events
        .iter()
        .find(|e| e.phase == "approved")
        .expect("approval audited");
    assert_eq!(approved.agent, "operator:supervisor");

    // A rejected one stays rejected.
    let id2 = new_ticket(&h, "not spam").await;
    let p2 = h
        .ok("django_helpdesk_delete_ticket", json!({"ticket_id": id2}))
        .await;
    let (ok, out) = cli(&["deny", p2["confirmation_id"].as_str().unwrap()]);
    assert!(ok, "{out}");
    let msg = h
        .err(
            "django_helpdesk_delete_ticket",
            json!({"ticket_id": id2, "confirmation_token": p2["confirmation_token"]}),
        )
        .await;
    assert!(msg.contains("rejected"), "{msg}");
    h.ok("django_helpdesk_get_ticket", json!({"ticket_id": id2}))
        .await;
}

/// A client that answers elicitation requests, counting them.
#[derive(Clone)]
struct Answering {
    accept: bool,
    asked: Arc<AtomicUsize>,
}

impl ClientHandler for Answering {
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        if let ElicitRequestParams::FormElicitationParams { message, .. } = &request {
            assert!(
                message.contains("preview")
                    || message.contains("changes")
                    || message.contains("Confirm"),
                "{message}"
            );
        }
        Ok(if self.accept {
            ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
        } else {
            ElicitResult::new(ElicitationAction::Decline)
        })
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("answering-client", "1"),
        )
    }
}

const ELICIT_PUBLIC: &str = r#"
[[rule]]
name = "public-by-elicitation"
when = [{ field = "public", equals = true }]
decision = "confirm"
via = "elicitation"
"#;

async fn elicitation_client(
    accept: bool,
    stateless: bool,
) -> (
    Harness,
    Arc<AtomicUsize>,
    rmcp::service::RunningService<RoleClient, Answering>,
) {
    let (h, _) = plain_with(Store::Sqlite, Some(ELICIT_PUBLIC)).await;
    let asked = Arc::new(AtomicUsize::new(0));
    let handler = Answering {
        accept,
        asked: asked.clone(),
    };
    let (a, b) = tokio::io::duplex(1 << 20);
    let server = h.server.clone();
    tokio::spawn(async move {
        if let Ok(r) = server.serve(a).await {
            let _ = r.waiting().await;
        }
    });
    let client = if stateless {
        handler
            .serve_with_lifecycle(
                b,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .unwrap()
    } else {
        handler.serve(b).await.unwrap()
    };
    (h, asked, client)
}

async fn call_on(
    client: &rmcp::service::RunningService<RoleClient, Answering>,
    tool: &str,
    args: Value,
) -> rmcp::model::CallToolResult {
    let Value::Object(map) = args else {
        unreachable!()
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elicitation_confirms_in_the_same_call_on_both_protocols() {
    for stateless in [false, true] {
        let (h, asked, client) = elicitation_client(true, stateless).await;
        let r = call_on(
            &client,
            "set_agent_intent",
            json!({"intent": "elicitation test"}),
        )
        .await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
        let r = call_on(
            &client,
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "elicit", "description": "d"}),
        )
        .await;
        let id = r.structured_content.unwrap()["ticket"]["id"]
            .as_i64()
            .unwrap();
        let r = call_on(
            &client,
            "django_helpdesk_add_followup",
            json!({"ticket_id": id, "comment": "public hello", "public": true}),
        )
        .await;
        assert_ne!(
            r.is_error,
            Some(true),
            "stateless={stateless}: {}",
            text(&r)
        );
        assert_eq!(
            r.structured_content.unwrap()["followup"]["public"],
            true,
            "stateless={stateless}"
        );
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "asked once (stateless={stateless})"
        );
        assert!(phases(&h).await.iter().any(|(_, p)| p == "confirmed"));
    }
    for stateless in [false, true] {
        let (h, asked, client) = elicitation_client(false, stateless).await;
        call_on(
            &client,
            "set_agent_intent",
            json!({"intent": "elicitation declined"}),
        )
        .await;
        let r = call_on(
            &client,
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "elicit no", "description": "d"}),
        )
        .await;
        let id = r.structured_content.unwrap()["ticket"]["id"]
            .as_i64()
            .unwrap();
        let r = call_on(
            &client,
            "django_helpdesk_add_followup",
            json!({"ticket_id": id, "comment": "public hello", "public": true}),
        )
        .await;
        assert_eq!(
            r.is_error,
            Some(true),
            "declined (stateless={stateless}): {r:?}"
        );
        assert!(text(&r).contains("did not confirm"), "{}", text(&r));
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        assert!(phases(&h).await.iter().any(|(_, p)| p == "refused"));
        assert_eq!(followups(&h, id).await, 1, "nothing sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_confirmation_path_means_no_write() {
    // The in-process test client declares no elicitation capability.
    let (h, _) = plain_with(Store::Sqlite, Some(ELICIT_PUBLIC)).await;
    h.ok("set_agent_intent", json!({"intent": "no path"})).await;
    let id = new_ticket(&h, "no path").await;
    let msg = h
        .err(
            "django_helpdesk_add_followup",
            json!({"ticket_id": id, "comment": "hello", "public": true}),
        )
        .await;
    assert!(
        msg.contains("none of the allowed ways (elicitation)"),
        "{msg}"
    );
    assert_eq!(followups(&h, id).await, 1);
    assert!(
        phases(&h)
            .await
            .iter()
            .any(|(t, p)| t == "django_helpdesk_add_followup" && p == "denied")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_rules_and_read_only_modes() {
    let (h, _) = plain_with(
        Store::Sqlite,
        Some(
            "[[rule]]\nname = \"no-billing-moves\"\ntool = \"django_helpdesk_update_ticket\"\n\
             when = [{ field = \"queue\", present = true }]\ndecision = \"deny\"\n\
             reason = \"Billing tickets are moved by the billing team.\"\n",
        ),
    )
    .await;
    h.ok("set_agent_intent", json!({"intent": "deny test"}))
        .await;
    let id = new_ticket(&h, "deny").await;
    let msg = h
        .err(
            "django_helpdesk_update_ticket",
            json!({"ticket_id": id, "queue": "Billing"}),
        )
        .await;
    assert!(
        msg.contains("no-billing-moves") && msg.contains("billing team"),
        "{msg}"
    );
    let ev = h.store.list(None, 5).await.unwrap();
    assert_eq!(
        (ev[0].phase.as_str(), ev[0].rule.as_deref()),
        ("denied", Some("no-billing-moves"))
    );

    let (h, _) = plain_with(Store::Sqlite, Some("[settings]\nread_only = true\n")).await;
    let tools = h.client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(
        names.contains(&"django_helpdesk_get_ticket") && names.contains(&"set_agent_intent"),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("create")
            || n.contains("update")
            || n.contains("delete")
            || n.contains("followup")),
        "{names:?}"
    );
    let r = h
        .client
        .call_tool(
            CallToolRequestParams::new("django_helpdesk_delete_ticket")
                .with_arguments(json!({"ticket_id": 1}).as_object().unwrap().clone()),
        )
        .await;
    assert!(r.is_err(), "a hidden tool cannot be called: {r:?}");
}

#[test]
fn policy_cli_check_and_explain() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("policy-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nname = \"x\"\ndecision = \"confirm\"\n\
         when = [{ field = \"new_status\", equals = \"pending\" }]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("HELPDESK_OPERATOR_POLICY")
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, out) = run(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("bad.toml:4") && out.contains("\"pending\" is not a valid value"),
        "{out}"
    );
    let (code, out) = run(&["policy", "check"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("close-or-resolve"), "{out}");
    let (code, out) = run(&[
        "policy",
        "explain",
        "django_helpdesk_add_followup",
        r#"{"ticket_id": 3, "comment": "bye", "new_status": "closed"}"#,
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("decision:  confirm") && out.contains("rule:      close-or-resolve"),
        "{out}"
    );
    let (code, out) = run(&[
        "policy",
        "explain",
        "django_helpdesk_update_ticket",
        r#"{"ticket_id": 3, "assigned_to": 5}"#,
        "--before",
        r#"{"assigned_to": 5}"#,
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("rule:      default:write"), "{out}");
    let (code, out) = run(&["policy", "explain", "django_helpdesk_frobnicate", "{}"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("known tools"), "{out}");
    // A server with a broken policy does not start.
    let out = Command::new(BIN)
        .arg("serve")
        .env("HELPDESK_OPERATOR_POLICY", &bad)
        .env("HELPDESK_OPERATOR_DATA_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml:4"));
}
