//! Tickets: create, view, update, delete and restore; validation; list paging and the
//! 30-day window.

use super::*;

#[tokio::test]
async fn ticket_create_get_update_delete_restore() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let (me, name) = sim.agent_me();
    assert_eq!(name, "Ada Support");
    let r = api
        .post(
            "/tickets",
            json!({
                "subject": "Printer jams on floor 3",
                "description": "Paper stuck\nin tray 2",
                "status": 2,
                "priority": 2,
                "email": "new.person@customer.example",
                "name": "New Person",
                "tags": ["printer"],
                "custom_fields": {"cf_category": "Hardware"},
            }),
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let location = header(&r, "location").map(str::to_string);
    let t = json_of(r).await;
    let id = t["id"].as_i64().expect("id");
    assert_eq!(
        location,
        Some(format!("{}/api/v2/tickets/{id}", sim.base_url()))
    );
    assert_eq!(t["source"], 2);
    assert_eq!(t["description"], "<div>Paper stuck<br>in tray 2</div>");
    assert_eq!(t["description_text"], "Paper stuck\nin tray 2");
    assert_eq!(t["custom_fields"]["cf_category"], "Hardware");
    assert_eq!(t["custom_fields"]["cf_order_number"], Value::Null);
    assert_eq!(t["deleted"], false);
    let stamp = Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").expect("regex");
    for key in ["created_at", "updated_at", "due_by", "fr_due_by"] {
        assert!(
            stamp.is_match(t[key].as_str().unwrap_or("")),
            "{key}: {}",
            t[key]
        );
    }
    // The unknown email became a contact, as Freshdesk does.
    let contacts = json_of(
        api.get_q("/contacts", &[("email", "new.person@customer.example")])
            .await,
    )
    .await;
    assert_eq!(
        ids(&contacts),
        vec![t["requester_id"].as_i64().expect("rid")]
    );
    assert_eq!(contacts[0]["name"], "New Person");

    let got = json_of(
        api.get(&format!("/tickets/{id}?include=requester,company,stats"))
            .await,
    )
    .await;
    assert_eq!(got["subject"], "Printer jams on floor 3");
    assert_eq!(got["requester"]["email"], "new.person@customer.example");
    assert!(got["stats"].is_object());
    assert!(got.get("conversations").is_none());

    let r = api
        .put(
            &format!("/tickets/{id}"),
            json!({"priority": 4, "status": 4, "responder_id": me}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let updated = json_of(r).await;
    assert_eq!(updated["priority"], 4);
    assert_eq!(updated["status"], 4);
    assert_eq!(updated["responder_id"], me);
    assert_eq!(
        updated["subject"], "Printer jams on floor 3",
        "partial update"
    );
    let stats = json_of(api.get(&format!("/tickets/{id}?include=stats")).await).await;
    assert!(stats["stats"]["resolved_at"].is_string());

    let patch = api
        .req(reqwest::Method::PATCH, &format!("/tickets/{id}"))
        .json(&json!({"priority": 1}))
        .send()
        .await
        .expect("sent");
    assert_eq!(patch.status().as_u16(), 405);
    let bad = json_of(
        api.put(&format!("/tickets/{id}"), json!({"status": 9}))
            .await,
    )
    .await;
    assert_eq!(
        error_entry(&bad, "status"),
        json!({
            "field": "status",
            "message": "It should be one of these values: '2,3,4,5'",
            "code": "invalid_value",
        })
    );
    let r = api
        .put(
            &format!("/tickets/{id}"),
            json!({"responder_id": 12345, "group_id": 1}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
    let bad = json_of(r).await;
    assert_eq!(error_entry(&bad, "responder_id")["code"], "invalid_value");
    assert_eq!(error_entry(&bad, "group_id")["code"], "invalid_value");

    let r = api.delete(&format!("/tickets/{id}")).await;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.text().await.expect("body"), "");
    let got = json_of(api.get(&format!("/tickets/{id}")).await).await;
    assert_eq!(got["deleted"], true);
    assert!(ids(&json_of(api.get("/tickets").await).await).is_empty());
    assert_eq!(
        ids(&json_of(api.get("/tickets?filter=deleted").await).await),
        vec![id]
    );
    let r = api
        .put(&format!("/tickets/{id}"), json!({"priority": 1}))
        .await;
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(
        api.delete(&format!("/tickets/{id}"))
            .await
            .status()
            .as_u16(),
        404
    );

    let r = api
        .req(reqwest::Method::PUT, &format!("/tickets/{id}/restore"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 204);
    let got = json_of(api.get(&format!("/tickets/{id}")).await).await;
    assert_eq!(got["deleted"], false);
    assert_eq!(ids(&json_of(api.get("/tickets").await).await), vec![id]);

    for missing in [
        "/tickets/999999",
        "/tickets/abc",
        "/nothing",
        "/tickets/1/nothing",
    ] {
        let r = api.get(missing).await;
        assert_eq!(r.status().as_u16(), 404, "{missing}");
        assert_eq!(r.text().await.expect("body"), "", "{missing}");
    }
    assert_eq!(sim.ticket_count(), 1);
}

#[tokio::test]
async fn requester_and_reference_validation() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let mut body = basic("Phone ticket", 2, 1);
    let m = body.as_object_mut().expect("object");
    m.remove("email");
    m.insert("phone".into(), json!("+1 555 0199"));
    let r = api.post("/tickets", body.clone()).await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        error_entry(&json_of(r).await, "name")["code"],
        "missing_field"
    );
    body["name"] = json!("Caller");
    let t = api.ticket(body).await;
    let contact = json_of(api.get(&format!("/contacts/{}", t["requester_id"])).await).await;
    assert_eq!(contact["phone"], "+1 555 0199");
    let mut body = basic("Unknown requester", 2, 1);
    body["requester_id"] = json!(42);
    body.as_object_mut().expect("object").remove("email");
    let bad = json_of(api.post("/tickets", body).await).await;
    assert_eq!(error_entry(&bad, "requester_id")["code"], "invalid_value");
    // A company given explicitly must exist; otherwise it comes from the requester.
    let company = json_of(api.post("/companies", json!({"name": "Initrode"})).await).await;
    let contact = json_of(
        api.post(
            "/contacts",
            json!({
                "name": "Pat Lee",
                "email": "pat@initrode.example",
                "company_id": company["id"],
            }),
        )
        .await,
    )
    .await;
    let t = api
        .ticket(json!({
            "subject": "s",
            "description": "d",
            "status": 2,
            "priority": 1,
            "requester_id": contact["id"],
        }))
        .await;
    assert_eq!(t["company_id"], company["id"]);
    let r = api
        .put(&format!("/tickets/{}", t["id"]), json!({"company_id": 5}))
        .await;
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn validation_errors_have_freshdesks_shape() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let r = api.post("/tickets", json!({})).await;
    assert_eq!(r.status().as_u16(), 400);
    let body = json_of(r).await;
    assert_eq!(body["description"], "Validation failed");
    for field in ["subject", "description", "status", "priority"] {
        assert_eq!(
            error_entry(&body, field),
            json!({
                "field": field,
                "message": "Mandatory attribute missing",
                "code": "missing_field",
            })
        );
    }
    assert_eq!(error_entry(&body, "requester_id")["code"], "missing_field");

    let body = json_of(
        api.post(
            "/tickets",
            json!({
                "subject": "s", "description": "d", "status": "2", "priority": 7,
                "email": "someone@customer.example", "colour": "red",
                "custom_fields": {"cf_category": "Gardening", "cf_nope": 1},
            }),
        )
        .await,
    )
    .await;
    assert_eq!(
        error_entry(&body, "colour"),
        json!({
            "field": "colour",
            "message": "Unexpected/invalid field in request",
            "code": "invalid_field",
        })
    );
    assert_eq!(
        error_entry(&body, "status"),
        json!({
            "field": "status",
            "message": "It should be a/an Integer",
            "code": "datatype_mismatch",
        })
    );
    assert_eq!(
        error_entry(&body, "priority"),
        json!({
            "field": "priority",
            "message": "It should be one of these values: '1,2,3,4'",
            "code": "invalid_value",
        })
    );
    assert_eq!(error_entry(&body, "cf_category")["code"], "invalid_value");
    assert_eq!(error_entry(&body, "cf_nope")["code"], "invalid_field");
    // Nothing was created, not even the requester.
    assert_eq!(sim.ticket_count(), 0);
    let contacts = json_of(api.get("/contacts").await).await;
    assert_eq!(contacts, json!([]));

    let r = api
        .req(reqwest::Method::POST, "/tickets")
        .header("content-type", "application/json")
        .body("{\"subject\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(json_of(r).await["code"], "invalid_json");
    let r = api
        .req(reqwest::Method::POST, "/tickets")
        .header("content-type", "text/plain")
        .body("subject=x")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 415);
    let body = json_of(r).await;
    assert!(body["code"].is_string() && body["message"].is_string());
    let r = api.get("/tickets?colour=red").await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        error_entry(&json_of(r).await, "colour")["code"],
        "invalid_field"
    );
}

#[tokio::test]
async fn list_pagination_sends_link_only_when_another_page_exists() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    for i in 0..3 {
        api.ticket(basic(&format!("Ticket {i}"), 2, 1)).await;
    }
    let r = api.get("/tickets?per_page=3").await;
    assert!(header(&r, "link").is_none());
    assert_eq!(ids(&json_of(r).await).len(), 3);
    let r = api.get("/tickets?per_page=2&order_type=asc").await;
    assert_eq!(
        header(&r, "link"),
        Some(
            format!(
                "<{}/api/v2/tickets?per_page=2&order_type=asc&page=2>; rel=\"next\"",
                sim.base_url()
            )
            .as_str()
        )
    );
    assert_eq!(ids(&json_of(r).await), vec![1, 2]);
    let r = api.get("/tickets?per_page=2&order_type=asc&page=2").await;
    assert!(header(&r, "link").is_none());
    assert_eq!(ids(&json_of(r).await), vec![3]);
    // Default order: newest first.
    assert_eq!(
        ids(&json_of(api.get("/tickets").await).await),
        vec![3, 2, 1]
    );

    let r = api.get("/tickets?per_page=101").await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        error_entry(&json_of(r).await, "per_page")["code"],
        "invalid_value"
    );
    let r = api.get("/tickets?per_page=0").await;
    assert_eq!(r.status().as_u16(), 400);
    let r = api.get("/tickets?page=x").await;
    assert_eq!(
        error_entry(&json_of(r).await, "page")["code"],
        "datatype_mismatch"
    );
}

#[tokio::test]
async fn seeded_list_follows_links_through_the_30_day_window() {
    let sim = start(true, 10_000).await;
    let api = Api::new(&sim);
    let cutoff = Utc::now() - chrono::Duration::days(30);
    let mut url = api.url("/tickets?per_page=25&order_by=updated_at");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = api
            .http
            .get(&url)
            .basic_auth(KEY, Some("X"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 200);
        let next = header(&r, "link").map(str::to_string);
        let page = json_of(r).await;
        pages += 1;
        for t in page.as_array().expect("array") {
            assert!(t.get("description").is_none(), "lists omit the description");
            let created =
                parse_time(t["created_at"].as_str().expect("created_at")).expect("timestamp");
            assert!(created >= cutoff - chrono::Duration::minutes(1));
            assert_eq!(t["deleted"], false);
            assert_eq!(t["spam"], false);
        }
        seen.extend(ids(&page));
        let Some(next) = next else { break };
        assert!(next.contains("per_page=25") && next.contains("order_by=updated_at"));
        assert!(next.contains(&format!("page={}", pages + 1)));
        url = next
            .trim_start_matches('<')
            .split('>')
            .next()
            .expect("url")
            .to_string();
    }
    let unique: std::collections::BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no ticket on two pages");
    assert!(seen.len() > 50 && pages >= 3, "{} tickets", seen.len());

    // With updated_since the window does not apply.
    let since = ts(Utc::now() - chrono::Duration::days(120));
    let mut all = 0;
    let mut older = 0;
    for page in 1..=4 {
        let r = api
            .get_q(
                "/tickets",
                &[
                    ("updated_since", since.as_str()),
                    ("per_page", "100"),
                    ("page", &page.to_string()),
                    ("include", "description"),
                ],
            )
            .await;
        let list = json_of(r).await;
        for t in list.as_array().expect("array") {
            assert!(t["description"].is_string());
            let created = parse_time(t["created_at"].as_str().unwrap_or("")).expect("time");
            all += 1;
            if created < cutoff {
                older += 1;
            }
        }
    }
    assert!(all > seen.len() && older > 100, "{all} {older}");
    // Filters.
    let me = sim.agent_me().0;
    let mine = json_of(
        api.get("/tickets?filter=new_and_my_open&per_page=100")
            .await,
    )
    .await;
    for t in mine.as_array().expect("array") {
        assert_eq!(t["status"], 2);
        assert!(t["responder_id"].is_null() || t["responder_id"] == me);
    }
    let deleted = json_of(api.get("/tickets?filter=deleted").await).await;
    assert!(!ids(&deleted).is_empty());
    assert!(
        deleted
            .as_array()
            .expect("array")
            .iter()
            .all(|t| t["deleted"] == true)
    );
    let r = api.get("/tickets?filter=everything").await;
    assert_eq!(r.status().as_u16(), 400);
}
