//! Daktela v6 against its stateful simulator: every tool through MCP with one login for all
//! of them, a token that expired renewed without a failed call, a static token that never
//! logs in, the sort and filter guard (nothing sent), the reference cache (requests counted),
//! e-mails cleaned, transcripts as dialogue, names kept in their path segment, and `check`.

mod tools;

use serde_json::{Value, json};

use crate::common::*;
use helpdesk_operator::sandbox::daktela::{self as sim, DaktelaSim, DaktelaSimOptions};

pub const USERNAME: &str = "agent.novak";
pub const PASSWORD: &str = "heslo-CANARY-1234";
pub const STATIC_TOKEN: &str = "static-CANARY-token-5678";

pub async fn daktela_sim() -> DaktelaSim {
    DaktelaSim::start(DaktelaSimOptions {
        username: USERNAME.into(),
        password: PASSWORD.into(),
        static_token: STATIC_TOKEN.into(),
        token_ttl: std::time::Duration::from_secs(3600),
        seed: true,
    })
    .await
    .expect("simulator")
}

/// A server with Daktela as its only backend, logging in with the username and password
/// unless `extra` says otherwise (an empty value removes a variable).
pub async fn daktela_harness(sim: &DaktelaSim, extra: &[(&str, &str)]) -> Harness {
    let db = store_url(Store::Sqlite).await;
    let base = vec![
        ("DAKTELA_URL", sim.base_url()),
        ("DAKTELA_USERNAME", USERNAME.to_string()),
        ("DAKTELA_PASSWORD", PASSWORD.to_string()),
        ("DAKTELA_TIMEOUT_SECS", "5".to_string()),
        ("HELPDESK_OPERATOR_AGENT", "dk-agent".to_string()),
        ("DATABASE_URL", db),
    ];
    connect_env(base, extra, None).await
}

fn json_args(mut v: Value) -> Value {
    v["response_format"] = "json".into();
    v
}

/// An access token that expired is renewed (one refresh, no second login) and the call that
/// met the 401 succeeds; the login's password never reaches an answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_without_a_failed_call() {
    let sim = daktela_sim().await;
    let h = daktela_harness(&sim, &[]).await;
    h.ok("daktela_list_tickets", json!({"take": 2})).await;
    assert_eq!((sim.logins(), sim.refreshes()), (1, 0));
    sim.expire_tokens();
    let t = h
        .ok(
            "daktela_get_ticket",
            json_args(json!({"ticket_id": sim::TICKET_WITH_ACTIVITIES})),
        )
        .await;
    assert_eq!(t["name"], sim::TICKET_WITH_ACTIVITIES.to_string(), "{t}");
    assert_eq!(
        (sim.logins(), sim.refreshes()),
        (1, 1),
        "refreshed, not logged in again"
    );
    sim.expire_tokens();
    h.ok("daktela_count_tickets", json!({})).await;
    assert_eq!(
        (sim.logins(), sim.refreshes()),
        (1, 2),
        "the new refresh token works too"
    );
    assert!(!t.to_string().contains("CANARY"), "{t}");
}

/// A static token goes in `X-AUTH-TOKEN` as it is: no login, ever; a wrong one is an error
/// naming the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_token_never_logs_in() {
    let sim = daktela_sim().await;
    let h = daktela_harness(
        &sim,
        &[
            ("DAKTELA_USERNAME", ""),
            ("DAKTELA_PASSWORD", ""),
            ("DAKTELA_ACCESS_TOKEN", STATIC_TOKEN),
        ],
    )
    .await;
    h.ok("daktela_list_calls", json!({"take": 3})).await;
    h.ok("daktela_list_users", json!({})).await;
    assert_eq!(sim.requests("POST", "/api/v6/login.json"), 0);
    let h = daktela_harness(
        &sim,
        &[
            ("DAKTELA_USERNAME", ""),
            ("DAKTELA_PASSWORD", ""),
            ("DAKTELA_ACCESS_TOKEN", "wrong-CANARY-token"),
        ],
    )
    .await;
    let (kind, msg) = h.err_kind("daktela_list_tickets", json!({})).await;
    assert_eq!(kind, "unauthorized", "{msg}");
    assert!(
        msg.contains("DAKTELA_ACCESS_TOKEN") && !msg.contains("CANARY"),
        "{msg}"
    );
    let h = daktela_harness(&sim, &[("DAKTELA_PASSWORD", "wrong-CANARY")]).await;
    let (kind, msg) = h.err_kind("daktela_list_tickets", json!({})).await;
    assert_eq!(kind, "unauthorized", "{msg}");
    assert!(
        msg.contains("DAKTELA_PASSWORD") && !msg.contains("CANARY"),
        "{msg}"
    );
}

/// Unknown sort fields, filters a list does not have, bad enums and dates, and names with
/// `/` or `..` are refused with what is allowed, before anything is sent (Daktela would
/// answer 0 rows without an error).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_and_filters_are_checked_before_anything_is_sent() {
    let sim = daktela_sim().await;
    let h = daktela_harness(&sim, &[]).await;
    h.ok("daktela_list_users", json!({})).await;
    let before = sim.requests("GET", "/api/v6/");
    for (tool, args, field, lists) in [
        (
            "daktela_list_tickets",
            json!({"sort": "colour"}),
            "sort",
            "last_activity",
        ),
        (
            "daktela_list_tickets",
            json!({"stage": "DONE"}),
            "stage",
            "ARCHIVE",
        ),
        (
            "daktela_list_tickets",
            json!({"priority": ["low", "urgent"]}),
            "priority",
            "HIGH",
        ),
        (
            "daktela_list_tickets",
            json!({"user": "Nikdo"}),
            "user",
            "Jan Novák",
        ),
        (
            "daktela_list_tickets",
            json!({"date_to": "yesterday"}),
            "date_to",
            "YYYY-MM-DD",
        ),
        (
            "daktela_list_calls",
            json!({"stage": "OPEN"}),
            "stage",
            "call",
        ),
        (
            "daktela_list_calls",
            json!({"direction": "sideways"}),
            "direction",
            "internal",
        ),
        (
            "daktela_list_emails",
            json!({"sort": "call_time"}),
            "sort",
            "time",
        ),
        (
            "daktela_get_contact",
            json!({"name": "../users/admin"}),
            "name",
            "..",
        ),
        ("daktela_list_tickets", json!({"take": 5000}), "take", ""),
    ] {
        let (kind, msg) = h.err_kind(tool, args.clone()).await;
        assert_eq!(kind, "invalid_input", "{tool} {args}: {msg}");
        assert!(
            msg.contains(field) && msg.contains(lists),
            "{tool} {args}: {msg}"
        );
    }
    assert_eq!(sim.requests("GET", "/api/v6/"), before, "nothing sent");
}

/// Queues, users, groups, statuses, pauses, categories and templates are read once for many
/// calls and names; a record that does not exist is an error naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_data_is_cached_and_missing_records_named() {
    let sim = daktela_sim().await;
    let h = daktela_harness(&sim, &[]).await;
    for _ in 0..3 {
        h.ok("daktela_list_queues", json!({})).await;
        h.ok(
            "daktela_list_tickets",
            json!({"user": sim::USER_TITLE, "take": 5}),
        )
        .await;
        h.ok(
            "daktela_list_calls",
            json!({"user": sim::USER_LOGIN, "take": 5}),
        )
        .await;
        h.ok("daktela_list_ticket_categories", json!({})).await;
    }
    for model in [
        "queues",
        "users",
        "groups",
        "statuses",
        "pauses",
        "ticketsCategories",
        "templates",
    ] {
        let n = sim.requests("GET", &format!("/api/v6/{model}.json"));
        assert_eq!(n, 1, "{model}: {n} requests");
    }
    assert_eq!(sim.logins(), 1);
    let (kind, msg) = h
        .err_kind("daktela_get_ticket", json!({"ticket_id": 987654321}))
        .await;
    assert_eq!(kind, "not_found", "{msg}");
    assert!(
        msg.contains("987654321") && msg.contains("not found"),
        "{msg}"
    );
}

/// An e-mail's body: the new text, the quoted reply and the signature folded; a call's
/// transcript as dialogue in order; a ticket with its activities oldest first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_transcripts_and_ticket_detail_read_as_people_write() {
    let sim = daktela_sim().await;
    let h = daktela_harness(&sim, &[]).await;
    let e = h
        .ok(
            "daktela_get_email",
            json_args(json!({"name": sim::EMAIL_WITH_QUOTE})),
        )
        .await;
    let body = e["body"].as_str().expect("body");
    assert!(body.contains("[quoted earlier message folded"), "{body}");
    assert!(!body.lines().any(|l| l.contains("> ")), "{body}");
    assert!(
        e["record"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("> ")),
        "full text kept"
    );
    let c = h
        .ok(
            "daktela_get_call_transcript",
            json_args(json!({"call_id": sim::CALL_WITH_TRANSCRIPT})),
        )
        .await;
    let lines = c["transcript"].as_array().expect("transcript");
    assert_eq!(lines.len(), sim::CALL_TRANSCRIPT_TURNS, "{c}");
    assert!(lines.iter().any(|l| l["speaker"] == "agent"), "{c}");
    assert!(lines.iter().any(|l| l["speaker"] == "customer"), "{c}");
    let md = text(
        &h.call(
            "daktela_get_call_transcript",
            json!({"call_id": sim::CALL_WITH_TRANSCRIPT}),
        )
        .await,
    );
    assert!(md.contains("Transcript:") && md.contains("agent: "), "{md}");
    let t = h
        .ok(
            "daktela_get_ticket_detail",
            json_args(json!({"ticket_id": sim::TICKET_WITH_ACTIVITIES})),
        )
        .await;
    let acts = t["activities"].as_array().expect("activities");
    assert_eq!(acts.len(), sim::TICKET_WITH_ACTIVITIES_COUNT, "{t}");
    assert!(
        t["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("tickets/update/4001")),
        "{t}"
    );
    assert!(
        t["title"]
            .as_str()
            .is_some_and(|s| s.contains(sim::TICKET_TITLE)),
        "{t}"
    );
}

/// Walking `daktela_list_tickets` by `next_skip` visits every ticket of the total once, and
/// the stages add up; `date_to` without a time includes that whole day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_add_up_and_dates_cover_the_day() {
    let sim = daktela_sim().await;
    let h = daktela_harness(&sim, &[]).await;
    let mut skip = 0;
    let mut seen = Vec::new();
    loop {
        let page = h
            .ok(
                "daktela_list_tickets",
                json_args(json!({"take": 30, "skip": skip})),
            )
            .await;
        for i in page["items"].as_array().expect("items") {
            seen.push(i["name"].as_str().expect("name").to_string());
        }
        match page["next_skip"].as_u64() {
            Some(n) => skip = n,
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((unique.len(), seen.len()), (sim::TICKETS, sim::TICKETS));
    for (stage, n) in [
        ("OPEN", sim::TICKETS_OPEN),
        ("WAIT", sim::TICKETS_WAIT),
        ("CLOSE", sim::TICKETS_CLOSE),
        ("ARCHIVE", sim::TICKETS_ARCHIVE),
    ] {
        let c = h.ok("daktela_count_tickets", json!({"stage": stage})).await;
        assert_eq!(c["total"], n, "{stage}: {c}");
    }
    let newest = h
        .ok(
            "daktela_list_tickets",
            json_args(json!({"take": 1, "sort": "created"})),
        )
        .await;
    let created = newest["items"][0]["record"]["created"]
        .as_str()
        .expect("created");
    let day = &created[..10];
    let to_day = h
        .ok(
            "daktela_count_tickets",
            json!({"date_from": day, "date_to": day}),
        )
        .await;
    assert!(
        to_day["total"].as_u64().unwrap_or(0) >= 1,
        "{day}: {to_day}"
    );
}

/// `helpdesk-operator check` with Daktela alone: the login accepted, the user's name, the
/// reference data; the password never printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_the_user_and_hides_the_password() {
    let sim = daktela_sim().await;
    let run = |password: &'static str| {
        run_check_owned(vec![
            ("DAKTELA_URL", sim.base_url()),
            ("DAKTELA_USERNAME", USERNAME.to_string()),
            ("DAKTELA_PASSWORD", password.to_string()),
        ])
    };
    let (ok, out) = run(PASSWORD).await;
    assert!(ok, "{out}");
    assert!(out.contains("Daktela at") && out.contains("credentials") && out.contains("ok"));
    assert!(out.contains(USERNAME), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
    let (ok, out) = run("wrong-CANARY").await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("FAILED") && out.contains("DAKTELA_PASSWORD"),
        "{out}"
    );
    assert!(!out.contains("wrong-CANARY"), "{out}");
}
