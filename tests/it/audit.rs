//! The audit log: fail closed, tamper evidence, and the `audit` CLI.

use std::process::Command;

use serde_json::json;

use crate::common::*;

fn cli(database_url: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_helpdesk-operator"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .output()
        .expect("run helpdesk-operator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_fail_closed_when_the_audit_store_is_down_and_reads_go_on() {
    let s = services();
    let agent = s.agent();
    let db = store_url(Store::Postgres).await;
    let h = connect(config_from(&env_for(&s.helpdesk_url, &agent, &db))).await;
    h.ok("set_agent_intent", json!({"intent": "fail closed test"}))
        .await;

    // The audit database disappears.
    {
        use sqlx::Connection;
        let name = db.rsplit('/').next().unwrap();
        let mut conn = sqlx::PgConnection::connect(&s.postgres_admin_url)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let title = format!("must never exist {}", uuid::Uuid::new_v4().simple());
    let msg = h
        .err(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": title, "description": "d"}),
        )
        .await;
    assert!(
        msg.contains("was not sent") && msg.contains("audit"),
        "{msg}"
    );

    // Nothing reached django-helpdesk; reads still work without the audit store.
    let l = h
        .ok("django_helpdesk_list_tickets", json!({"search": title}))
        .await;
    assert_eq!(l["total"], 0, "{l}");
    h.ok("django_helpdesk_get_queues", json!({})).await;
}

/// Runs SQL directly against an audit database, as someone tampering with it would.
async fn tamper(db: &str, sql: &'static str) {
    use sqlx::Connection;
    if db.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_edited_deleted_and_reordered_events_on_postgres() {
    verify_finds_tampering(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_edited_deleted_and_reordered_events_on_sqlite() {
    verify_finds_tampering(Store::Sqlite).await;
}

async fn verify_finds_tampering(store: Store) {
    let s = services();
    let db = store_url(store).await;
    let h = connect_with(
        config_from(&env_for(&s.helpdesk_url, &s.agent(), &db)),
        Some(policy(ALLOW_ALL)),
    )
    .await;
    h.ok("set_agent_intent", json!({"intent": "tamper test"}))
        .await;
    let c = h
        .ok(
            "django_helpdesk_create_ticket",
            json!({"queue": "Support", "title": "tamper", "description": "d"}),
        )
        .await;
    let id = c["ticket"]["id"].as_i64().unwrap();
    h.ok(
        "django_helpdesk_update_ticket",
        json!({"ticket_id": id, "priority": 1}),
    )
    .await;
    h.ok("django_helpdesk_delete_ticket", json!({"ticket_id": id}))
        .await;

    let (code, out) = cli(&db, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: 9 events"), "{out}");
    let (code, out) = cli(&db, &["audit", "list", "--limit", "3"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("django_helpdesk_delete_ticket"), "{out}");
    let (code, out) = cli(&db, &["audit", "show", "5"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\"tool\": \"django_helpdesk_create_ticket\""),
        "{out}"
    );

    // Edited: someone rewrites the intent of event 5.
    tamper(
        &db,
        "UPDATE audit_events SET intent = 'nothing to see' WHERE seq = 5",
    )
    .await;
    let (code, out) = cli(&db, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BROKEN: event 5") && out.contains("edited"),
        "{out}"
    );
    tamper(
        &db,
        "UPDATE audit_events SET intent = 'tamper test' WHERE seq = 5",
    )
    .await;
    assert_eq!(
        cli(&db, &["audit", "verify"]).0,
        0,
        "restoring the value restores the chain"
    );

    // Reordered: two events swap places.
    for sql in [
        "UPDATE audit_events SET seq = -6 WHERE seq = 6",
        "UPDATE audit_events SET seq = 6 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -6",
    ] {
        tamper(&db, sql).await;
    }
    let (code, out) = cli(&db, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN: event 6"), "{out}");

    // Deleted: an event in the middle disappears.
    tamper(&db, "DELETE FROM audit_events WHERE seq = 3").await;
    let (code, out) = cli(&db, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BROKEN: event 3") && out.contains("missing"),
        "{out}"
    );
}

#[tokio::test]
async fn an_unreachable_audit_store_is_a_clear_cli_error() {
    let (code, out) = cli(
        "postgres://u:pw-CANARY-db@127.0.0.1:1/none",
        &["audit", "verify"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("unavailable") && !out.contains("pw-CANARY-db"),
        "{out}"
    );
}
