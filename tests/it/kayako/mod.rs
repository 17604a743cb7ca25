//! Kayako Classic against its stateful simulator (which checks every signature): every tool
//! through MCP, hostile text round-tripping (CDATA terminators, markup, entities, emoji,
//! Czech, Japanese, a 90 KB post), pages without overlap, display ids resolved for posts,
//! checks before anything is sent, the reference cache, the output budget, the signature
//! against `openssl`, and `check`.

mod tools;

use serde_json::{Value, json};

use crate::common::*;
use helpdesk_operator::mcp::untrusted::unmark;
use helpdesk_operator::sandbox::kayako::{self as sim, KayakoSim, KayakoSimOptions};

pub const API_KEY: &str = "ky-api-key-CANARY-1234";
pub const SECRET: &str = "ky-secret-CANARY-5678";

/// A seeded simulator with these credentials.
pub async fn kayako_sim() -> KayakoSim {
    KayakoSim::start(KayakoSimOptions {
        api_key: API_KEY.into(),
        secret: SECRET.into(),
        seed: true,
        search_result_limit: 50,
    })
    .await
    .expect("simulator")
}

/// A server with Kayako as its only backend, on the simulator, with a fresh audit store, this
/// policy (default: shipped) and these variables on top (an empty value removes one).
pub async fn kayako_harness(
    sim: &KayakoSim,
    policy_text: Option<&str>,
    extra: &[(&str, &str)],
) -> Harness {
    let db = store_url(Store::Sqlite).await;
    let base = vec![
        ("KAYAKO_API_URL", format!("{}?", sim.base_url())),
        ("KAYAKO_API_KEY", API_KEY.to_string()),
        ("KAYAKO_SECRET_KEY", SECRET.to_string()),
        ("KAYAKO_TIMEOUT_SECS", "5".to_string()),
        ("HELPDESK_OPERATOR_AGENT", "ky-agent".to_string()),
        ("DATABASE_URL", db),
    ];
    connect_env(base, extra, policy_text).await
}

fn json_args(mut v: Value) -> Value {
    v["response_format"] = "json".into();
    v
}

/// One ticket with its posts, as JSON.
async fn ticket_with_posts(h: &Harness, id: u32) -> Value {
    h.ok(
        "kayako_get_ticket",
        json_args(json!({"ticket_id": id, "include_posts": true})),
    )
    .await
}

fn first_post(t: &Value) -> String {
    unmark(t["posts"][0]["contents"].as_str().unwrap_or_default()).to_string()
}

fn subject(t: &Value) -> String {
    unmark(t["subject"].as_str().unwrap_or_default()).to_string()
}

/// Every hostile text reaches the model as Kayako holds it: `00123` a string, `true` a
/// string, markup and entities as text, `]]>` intact, emoji (with their joiners) and
/// non-Latin scripts unchanged; control characters are the ones Kayako's XML writer drops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_round_trips() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    let t = ticket_with_posts(&h, sim::NUMERIC_SUBJECT_TICKET).await;
    assert_eq!(
        t["subject"].as_str().map(unmark),
        Some(sim::texts::NUMERIC_SUBJECT)
    );
    let t = ticket_with_posts(&h, sim::MARKUP_TICKET).await;
    assert_eq!(subject(&t), sim::texts::MARKUP_SUBJECT, "{t}");
    assert_eq!(first_post(&t), sim::texts::MARKUP_BODY, "{t}");
    assert_eq!(t["posts"][0]["html"], true, "{t}");
    let t = ticket_with_posts(&h, sim::CDATA_TICKET).await;
    assert_eq!(first_post(&t), sim::texts::CDATA_BODY, "{t}");
    let t = ticket_with_posts(&h, sim::EMOJI_TICKET).await;
    assert_eq!(subject(&t), sim::texts::EMOJI_SUBJECT, "{t}");
    assert_eq!(first_post(&t), sim::texts::EMOJI_BODY, "{t}");
    for (id, s, b) in [
        (
            sim::CZECH_TICKET,
            sim::texts::CZECH_SUBJECT,
            sim::texts::CZECH_BODY,
        ),
        (
            sim::JAPANESE_TICKET,
            sim::texts::JAPANESE_SUBJECT,
            sim::texts::JAPANESE_BODY,
        ),
    ] {
        let t = ticket_with_posts(&h, id).await;
        assert_eq!(subject(&t), s, "{t}");
        assert_eq!(first_post(&t), b, "{t}");
    }
    let t = ticket_with_posts(&h, sim::CONTROL_TICKET).await;
    let without: String = sim::texts::CONTROL_BODY
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    assert_eq!(first_post(&t), without, "{t}");
    // A requester named `true` stays a name.
    let list = h
        .ok(
            "kayako_list_tickets",
            json_args(json!({"user_id": sim::USER_NAMED_TRUE, "limit": 100})),
        )
        .await;
    let tickets = list["tickets"].as_array().expect("tickets");
    assert!(!tickets.is_empty(), "{list}");
    assert!(tickets.iter().all(|t| t["requester"] == "true"), "{list}");
    // Markdown shows the same text, marked as the requester's.
    let md = text(
        &h.call(
            "kayako_get_ticket",
            json!({"ticket_id": sim::MARKUP_TICKET, "include_posts": true}),
        )
        .await,
    );
    assert!(md.contains(sim::texts::MARKUP_SUBJECT), "{md}");
    assert!(md.contains("untrusted text by the requester"), "{md}");
}

/// Walking `kayako_list_tickets` by `next_offset` visits every ticket of the total once, in
/// the order asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_do_not_overlap_and_add_up_to_the_total() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    let mut offset = 0;
    let mut seen = Vec::new();
    let mut total = None;
    let mut last_activity = Vec::new();
    for _ in 0..40 {
        let page = h
            .ok(
                "kayako_list_tickets",
                json_args(json!({"limit": 7, "offset": offset, "sort_order": "ASC"})),
            )
            .await;
        total = page["total"].as_u64();
        for t in page["tickets"].as_array().expect("tickets") {
            seen.push(t["id"].as_i64().expect("id"));
            last_activity.push(t["last_activity"].as_str().unwrap_or_default().to_string());
        }
        match page["next_offset"].as_u64() {
            Some(n) => {
                assert_eq!(page["more"], true, "{page}");
                offset = n;
            }
            None => break,
        }
    }
    let total = total.expect("a total");
    assert!(total > 7, "more than one page: {total}");
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no ticket twice: {seen:?}");
    assert_eq!(seen.len() as u64, total, "every ticket once: {seen:?}");
    let mut sorted = last_activity.clone();
    sorted.sort();
    assert_eq!(sorted, last_activity, "ascending by last activity");
    // The default (unresolved statuses) leaves closed tickets out; a status by name puts
    // them in.
    let closed = h
        .ok(
            "kayako_list_tickets",
            json_args(json!({"status_id": "closed", "limit": 100})),
        )
        .await;
    let closed_ids: Vec<i64> = closed["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    assert!(!closed_ids.is_empty(), "{closed}");
    assert!(closed_ids.iter().all(|id| !seen.contains(id)), "{closed}");
    assert!(
        closed["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .all(|t| t["status"] == "Closed" && t["resolved"] == true),
        "{closed}"
    );
}

/// Posts and notes need Kayako's internal id: a display id is resolved first (one get), and
/// the posts come oldest first. An unknown id is an error that names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_ids_are_resolved_and_unknown_ids_named() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    let display = sim::TICKET_WITH_POSTS_DISPLAY_ID;
    let posts = h
        .ok(
            "kayako_get_ticket_posts",
            json_args(json!({"ticket_id": display.to_lowercase()})),
        )
        .await;
    assert_eq!(posts["ticket_id"], sim::TICKET_WITH_POSTS, "{posts}");
    let list = posts["posts"].as_array().expect("posts");
    assert_eq!(list.len(), sim::TICKET_WITH_POSTS_POSTS, "{posts}");
    let dates: Vec<&str> = list.iter().filter_map(|p| p["created"].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable();
    assert_eq!(dates, sorted, "oldest first: {posts}");
    assert_eq!(sim.requests(&format!("/Tickets/Ticket/{display}")), 1);
    let by_internal = format!("/Tickets/TicketPost/ListAll/{}", sim::TICKET_WITH_POSTS);
    assert_eq!(sim.requests(&by_internal), 1);
    assert_eq!(
        sim.requests(&format!("/Tickets/TicketPost/ListAll/{display}")),
        0,
        "never the display id"
    );
    let notes = h
        .ok(
            "kayako_get_ticket_notes",
            json_args(json!({"ticket_id": display})),
        )
        .await;
    assert!(
        !notes["notes"].as_array().expect("notes").is_empty(),
        "{notes}"
    );
    for bad in [json!("ZZZ-999-99999"), json!(987654)] {
        let (kind, msg) = h
            .err_kind("kayako_get_ticket", json!({"ticket_id": bad}))
            .await;
        assert_eq!(kind, "not_found", "{msg}");
        let shown = bad.as_str().map_or_else(|| bad.to_string(), str::to_string);
        assert!(msg.contains(&shown), "{msg}");
        let (kind, msg) = h
            .err_kind("kayako_get_ticket_posts", json!({"ticket_id": bad}))
            .await;
        assert_eq!(kind, "not_found", "{msg}");
    }
}

/// Unknown sort fields, departments, statuses and staff, and a search with every flag off,
/// are refused with what is allowed, before any ticket request (Kayako would silently sort
/// by id or drop the filter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_are_checked_before_anything_is_sent() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    h.ok("kayako_get_departments", json!({})).await;
    let before = sim.requests("/Tickets/Ticket");
    for (args, field, lists) in [
        (
            json!({"sort_field": "colour"}),
            "sort_field",
            "lastactivity",
        ),
        (
            json!({"department_id": "Marketing"}),
            "department_id",
            "Billing",
        ),
        (json!({"department_id": 99}), "department_id", "General"),
        (json!({"status_id": "Pending"}), "status_id", "In Progress"),
        (
            json!({"owner_staff_id": "Nobody Here"}),
            "owner_staff_id",
            "",
        ),
        (json!({"limit": 0}), "limit", ""),
    ] {
        let (kind, msg) = h.err_kind("kayako_list_tickets", args.clone()).await;
        assert_eq!(kind, "invalid_input", "{args}: {msg}");
        assert!(msg.contains(field) && msg.contains(lists), "{args}: {msg}");
    }
    let none = json!({"query": "printer", "search_contents": false, "search_subject": false});
    let (kind, msg) = h.err_kind("kayako_search_tickets", none).await;
    assert_eq!(kind, "invalid_input", "{msg}");
    let (kind, msg) = h
        .err_kind("kayako_get_ticket", json!({"ticket_id": "../Base/Staff"}))
        .await;
    assert_eq!(kind, "invalid_input", "{msg}");
    assert!(msg.contains("ticket_id"), "{msg}");
    assert_eq!(sim.requests("/Tickets/Ticket"), before, "nothing sent");
}

/// Departments, statuses, priorities, types and staff are fetched once for many calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_data_is_fetched_once_per_account() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    for _ in 0..3 {
        h.ok("kayako_list_tickets", json!({"limit": 5})).await;
        h.ok("kayako_get_ticket", json!({"ticket_id": 1})).await;
        h.ok("kayako_get_ticket_statuses", json!({})).await;
    }
    for route in [
        "/Base/Department",
        "/Tickets/TicketStatus",
        "/Tickets/TicketPriority",
        "/Tickets/TicketType",
        "/Base/Staff",
    ] {
        let n = sim.requests(route);
        // /Base/Staff also counts /Base/StaffGroup.
        let expected = if route == "/Base/Staff" { 2 } else { 1 };
        assert_eq!(n, expected, "{route}: {n} requests");
    }
}

/// The 90 KB post: whole posts are kept or left out, the text stays under the limit, and
/// the answer says how to see the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_output_budget_keeps_whole_records() {
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[]).await;
    for tool in ["kayako_get_ticket", "kayako_get_ticket_posts"] {
        for format in ["markdown", "json"] {
            let r = h
                .call(
                    tool,
                    json!({"ticket_id": sim::LARGE_TICKET, "include_posts": true,
                        "response_format": format})
                    .as_object()
                    .map(|m| {
                        let mut m = m.clone();
                        if tool == "kayako_get_ticket_posts" {
                            m.remove("include_posts");
                        }
                        Value::Object(m)
                    })
                    .expect("args"),
                )
                .await;
            assert_ne!(r.is_error, Some(true), "{tool}: {}", text(&r));
            let t = text(&r);
            assert!(t.chars().count() <= 25_200, "{tool} {format}: {}", t.len());
            let s = r.structured_content.expect("structured");
            assert!(s.to_string().len() <= 25_000, "{tool} {format}");
            let said = format!("{t}{s}");
            assert!(
                said.contains("Output limit") || said.contains("shortened"),
                "{tool} {format}: no guidance"
            );
        }
    }
    let r = h
        .call(
            "kayako_list_tickets",
            json!({"limit": 100, "status_id": "closed"}),
        )
        .await;
    assert!(text(&r).len() <= 25_000);
}

/// The signature is `base64(HMAC-SHA256(key = secret, message = salt))`, as `openssl`
/// computes it; a wrong secret is refused by the simulator and said so, without the secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_is_the_hmac_openssl_computes() {
    let salt = uuid::Uuid::new_v4().simple().to_string();
    let secret = format!("s3cr3t+/={}", uuid::Uuid::new_v4().simple());
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("printf %s \"$SALT\" | openssl dgst -sha256 -hmac \"$SECRET\" -binary | base64")
        .env("SALT", &salt)
        .env("SECRET", &secret)
        .output()
        .expect("openssl runs (the tests need it on PATH)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(
        helpdesk_operator::backends::kayako::client::signature(&secret, &salt),
        expected
    );
    let sim = kayako_sim().await;
    let h = kayako_harness(&sim, None, &[("KAYAKO_SECRET_KEY", "wrong-CANARY-secret")]).await;
    let (kind, msg) = h.err_kind("kayako_get_departments", json!({})).await;
    assert_eq!(kind, "unauthorized", "{msg}");
    assert!(msg.contains("KAYAKO_SECRET_KEY"), "{msg}");
    assert!(!msg.contains("CANARY"), "{msg}");
}

/// `helpdesk-operator check` with Kayako alone: reachable, signed requests accepted, the
/// departments; neither key nor secret printed. A wrong secret fails and says which variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_departments_and_hides_the_secret() {
    let sim = kayako_sim().await;
    let run = |secret: &'static str| {
        run_check_owned(vec![
            ("KAYAKO_API_URL", format!("{}/", sim.base_url())),
            ("KAYAKO_API_KEY", API_KEY.to_string()),
            ("KAYAKO_SECRET_KEY", secret.to_string()),
        ])
    };
    let (ok, out) = run(SECRET).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("Kayako at") && out.contains("departments"),
        "{out}"
    );
    assert!(out.contains("General (1)"), "{out}");
    assert!(!out.contains(SECRET) && !out.contains(API_KEY), "{out}");
    let (ok, out) = run("wrong-CANARY-secret").await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("FAILED") && out.contains("KAYAKO_SECRET_KEY"),
        "{out}"
    );
    assert!(!out.contains("wrong-CANARY"), "{out}");
}
