//! Item 8: input that used to reach upstream writes (or hang the server) is refused at once,
//! naming the field, with nothing sent.

use std::process::Stdio;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;
use crate::behaviour::{freshdesk_harness, freshdesk_sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invisible_intents_bad_ids_tags_and_addresses_are_refused() {
    let sim = freshdesk_sim().await;
    let h = freshdesk_harness(&sim, Some(ALLOW_ALL)).await;
    for intent in [
        "\u{200b}\u{200b}\u{200b}",
        "\u{202e}\u{2066}\u{2069}",
        " \u{feff} ",
    ] {
        let msg = h.err("set_agent_intent", json!({"intent": intent})).await;
        assert!(msg.contains("intent"), "{msg}");
    }
    h.ok("set_agent_intent", json!({"intent": "bad input"}))
        .await;
    let (id, _) = fd_ticket(&h, "c@customer.example").await;
    let puts = sim.requests("PUT", "/tickets");
    let posts = sim.requests("POST", "/tickets");
    for (tool, args, field) in [
        (
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "assigned_to": -5}),
            "assigned_to",
        ),
        (
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "group": 0}),
            "group",
        ),
        (
            "freshdesk_update_ticket",
            json!({
                "ticket_id": id,
                "tags": (0..5000).map(|i| format!("t{i}")).collect::<Vec<_>>(),
            }),
            "tags",
        ),
        (
            "freshdesk_update_ticket",
            json!({"ticket_id": id, "tags": ["x".repeat(500)]}),
            "tags",
        ),
        (
            "freshdesk_reply_to_ticket",
            json!({"ticket_id": id, "body": "b", "cc_emails": ["not an address"]}),
            "cc_emails",
        ),
        (
            "freshdesk_reply_to_ticket",
            json!({"ticket_id": id, "body": "b", "bcc_emails": ["a@b.example", "x@@y"]}),
            "bcc_emails",
        ),
        (
            "freshdesk_add_note",
            json!({"ticket_id": id, "body": "b", "notify_emails": ["nobody"]}),
            "notify_emails",
        ),
        (
            "freshdesk_create_ticket",
            json!({
                "subject": "s",
                "description": "d",
                "requester_email": "c@customer.example",
                "cc_emails": ["nope"],
            }),
            "cc_emails",
        ),
    ] {
        let msg = h.err(tool, args).await;
        assert!(msg.contains(field), "{tool}: {msg}");
    }
    assert_eq!(sim.requests("PUT", "/tickets"), puts, "nothing was sent");
    assert_eq!(sim.requests("POST", "/tickets"), posts, "nothing was sent");
}

/// A JSON argument nested 129+ levels deep got no answer at all (the client timed out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_arguments_get_an_answer_at_once() {
    let dir = std::env::temp_dir().join(format!("deep-{}", uuid::Uuid::new_v4().simple()));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .args(["sandbox", "--data-dir"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let send = |v: serde_json::Value| format!("{v}\n");
    stdin
        .write_all(
            send(json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"},
                },
            }))
            .as_bytes(),
        )
        .await
        .unwrap();
    let init = lines.next_line().await.unwrap().unwrap();
    assert!(init.contains("\"id\":1"), "{init}");
    stdin
        .write_all(
            send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).as_bytes(),
        )
        .await
        .unwrap();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let call = format!(
        r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"freshdesk_add_note","arguments":{{"ticket_id":1,"body":{deep}}}}}}}"#
    );
    stdin
        .write_all(format!("{call}\n").as_bytes())
        .await
        .unwrap();
    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
        .await
        .expect("an answer, not silence")
        .unwrap()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["id"], 7, "{answer}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nested"),
        "{answer}"
    );
    // The server is still alive and answers the next request.
    stdin
        .write_all(send(json!({"jsonrpc": "2.0", "id": 8, "method": "tools/list"})).as_bytes())
        .await
        .unwrap();
    let next = lines.next_line().await.unwrap().unwrap();
    assert!(next.contains("\"id\":8"), "{next}");
    let _ = std::fs::remove_dir_all(dir);
}
