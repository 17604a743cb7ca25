//! The UI's datatables view, the fork's agent-session endpoints, and the seeded data.

use super::super::state::RESOLVED;
use super::*;
use crate::sandbox::kit::lock;

#[tokio::test]
async fn datatables_filters_and_session_only() {
    let s = sim(false, true).await;
    let b = Browser::new(&s);
    b.login("admin", "admin-pass").await;
    let query = |q: &Value, extra: &str| {
        format!(
            "datatables_ticket_list/{}?start=0&length=100&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=asc{extra}",
            b64(q)
        )
    };
    let (status, all) = b
        .json(
            reqwest::Method::GET,
            &query(
                &json!({"filtering": {}, "search_string": "", "sorting": "id"}),
                "",
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["recordsTotal"], s.ticket_count());
    assert_eq!(all["draw"], 0);
    let row = &all["data"][0];
    assert_eq!(row["id"], 1);
    assert!(row["ticket"].as_str().unwrap().starts_with("1 ["));
    assert!(row["queue"]["title"].is_string());
    for key in [
        "priority",
        "title",
        "status",
        "created",
        "due_date",
        "assigned_to",
        "submitter",
        "last_followup",
        "time_spent",
        "kbitem",
    ] {
        assert!(row.get(key).is_some(), "{key} missing from {row}");
    }
    let ids: Vec<i64> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);

    let (_, open) = b
        .json(
            reqwest::Method::GET,
            &query(
                &json!({
                    "filtering": {"status__in": [1, 2], "queue__id__in": [1]},
                    "search_string": "",
                    "sorting": "id",
                }),
                "",
            ),
            None,
        )
        .await;
    assert!(open["recordsFiltered"].as_i64().unwrap() > 0);
    for r in open["data"].as_array().unwrap() {
        assert_eq!(r["queue"]["id"], 1);
        assert!(r["status"].as_str().unwrap().starts_with("Open") || r["status"] == "Reopened");
    }
    let (_, mine) = b
        .json(
            reqwest::Method::GET,
            &query(
                &json!({
                    "filtering": {"assigned_to__id__in": [1]},
                    "search_string": "",
                    "sorting": "id",
                }),
                "",
            ),
            None,
        )
        .await;
    for r in mine["data"].as_array().unwrap() {
        assert_eq!(r["assigned_to"], "admin");
    }
    let (_, found) = b
        .json(
            reqwest::Method::GET,
            &query(
                &json!({"filtering": {}, "search_string": "PRINTER OR invoice", "sorting": "id"}),
                "",
            ),
            None,
        )
        .await;
    assert!(found["recordsFiltered"].as_i64().unwrap() > 0);
    for r in found["data"].as_array().unwrap() {
        let t = r["title"].as_str().unwrap().to_lowercase();
        let id = r["id"].as_i64().unwrap();
        let (_, full) = b
            .json(reqwest::Method::GET, &format!("api/tickets/{id}/"), None)
            .await;
        // Title, description and resolution are searched (and more).
        let text = format!(
            "{t} {} {}",
            full["description"].as_str().unwrap_or(""),
            full["resolution"].as_str().unwrap_or("")
        )
        .to_lowercase();
        assert!(
            text.contains("printer") || text.contains("invoice"),
            "{text}"
        );
    }
    // Outside the allow-list: 400 HTML.
    let r = b
        .get(&query(
            &json!({"filtering": {"assigned_to__password__startswith": "pbkdf2"}}),
            "",
        ))
        .await;
    assert_eq!(r.status(), Sc::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Bad Request (400)"));
    // Paging.
    let (_, page) = b
        .json(
            reqwest::Method::GET,
            &format!(
                "datatables_ticket_list/{}?start=10&length=5&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=desc",
                b64(&json!({}))
            ),
            None,
        )
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    assert_eq!(page["data"][0]["id"], s.ticket_count() as i64 - 10);

    // Token and Basic do not open HTML views.
    let token = s.add_token("admin");
    let r = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{}", s.base_url(), query(&json!({}), "")))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FOUND);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login/?next=/datatables_ticket_list/")
    );
}

#[tokio::test]
async fn fork_endpoints_when_on() {
    let s = sim(true, false).await;
    let b = Browser::new(&s);
    b.login("agent7", "agent7-pass").await;
    use reqwest::Method as M;
    let (status, info) = b.json(M::GET, "api/agent-session-info/", None).await;
    assert_eq!(status, 200, "{info}");
    let branch = info["branch_name"].as_str().unwrap().to_string();
    let (user, suffix) = branch.rsplit_once('-').unwrap();
    assert_eq!(user, "agent7");
    assert_eq!(suffix.len(), 8);
    assert!(
        suffix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(info["is_agent"], true);
    assert_eq!(info["intent"], Value::Null);
    assert_eq!(
        info["session_key"].as_str(),
        b.cookie("sessionid").as_deref()
    );
    assert_eq!(info["authentication_method"], "session");

    let (status, set) = b
        .json(
            M::POST,
            "api/set-agent-intent/",
            Some(json!({"intent": "Close stale printer tickets"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(set["message"], "Intent set successfully");
    assert_eq!(set["branch_name"], branch.as_str());
    let (_, info) = b.json(M::GET, "api/agent-session-info/", None).await;
    assert_eq!(info["intent"], "Close stale printer tickets");
    assert_eq!(
        info["branch_name"],
        branch.as_str(),
        "the branch stays for the HTTP session"
    );

    for (body, error) in [
        (json!({}), "Intent required"),
        (json!({"intent": null}), "Intent required"),
        (json!({"intent": 5}), "Invalid intent type"),
        (json!({"intent": "x".repeat(513)}), "Intent too long"),
    ] {
        let (status, e) = b.json(M::POST, "api/set-agent-intent/", Some(body)).await;
        assert_eq!((status, e["error"].as_str()), (400, Some(error)));
    }
    let (status, e) = b.json(M::GET, "api/set-agent-intent/", None).await;
    assert_eq!(
        (status, e),
        (405, json!({"detail": "Method \"GET\" not allowed."}))
    );

    // A non-agent account.
    let admin = Browser::new(&s);
    admin.login("admin", "admin-pass").await;
    let (status, e) = admin.json(M::GET, "api/agent-session-info/", None).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (403, Some("Not an agent user"))
    );

    // Finishing logs the agent out.
    let (status, done) = b
        .json(M::POST, "api/finish-agent-session/", Some(json!({})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(done["message"], "Session finished successfully");
    assert_eq!(done["intent"], "Close stale printer tickets");
    assert_eq!(done["branch_name"], branch.as_str());
    assert_eq!(
        s.finished_agent_sessions(),
        vec![(
            "agent7".to_string(),
            Some(branch.clone()),
            Some("Close stale printer tickets".to_string())
        )]
    );
    let (status, e) = b.json(M::GET, "api/agent-session-info/", None).await;
    assert_eq!(
        (status, e),
        (
            403,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    // A new login gets a new branch.
    b.login("agent7", "agent7-pass").await;
    let (_, info) = b.json(M::GET, "api/agent-session-info/", None).await;
    assert_ne!(info["branch_name"], branch.as_str());

    // The access-control middleware, when switched on.
    s.set_agent_access_control(true);
    let r = b
        .get(&format!("datatables_ticket_list/{}", b64(&json!({}))))
        .await;
    assert_eq!(r.status(), Sc::FORBIDDEN);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "AGENT_WEB_ACCESS_DENIED"
    );
}

#[tokio::test]
async fn fork_endpoints_404_when_off() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    b.login("agent7", "agent7-pass").await;
    let r = b.get("api/agent-session-info/").await;
    assert_eq!(r.status(), Sc::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Not Found"));
    let r = b
        .send(
            reqwest::Method::POST,
            "api/finish-agent-session/",
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status(), Sc::NOT_FOUND);
}

#[tokio::test]
async fn seeded_data_is_deterministic() {
    let a = sim(false, true).await;
    let b = sim(false, true).await;
    assert_eq!(a.ticket_count(), 60);
    let titles = |s: &DjangoSim| {
        let db = lock(&s.db);
        db.tickets
            .values()
            .map(|t| {
                (
                    t.title.clone(),
                    t.status,
                    t.priority,
                    t.queue,
                    t.assigned_to,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(titles(&a), titles(&b));
    {
        let db = lock(&a.db);
        for status in 1..=5 {
            assert!(
                db.tickets.values().any(|t| t.status == status),
                "no ticket with status {status}"
            );
        }
        for t in db.tickets.values() {
            let n = db.followups_of(t.id).len();
            assert!((1..=6).contains(&n));
            if t.status == RESOLVED {
                assert!(t.resolution.is_some());
            }
        }
    }
    let empty = DjangoSim::start(DjangoSimOptions::default(), vec![])
        .await
        .unwrap();
    assert_eq!(empty.ticket_count(), 0);
    assert_eq!(lock(&empty.db).queues.len(), 3);
}
