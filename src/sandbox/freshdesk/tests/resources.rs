//! Contacts and companies, conversations, agents, groups and ticket fields.

use super::*;

#[tokio::test]
async fn contacts_and_companies_are_unique() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let r = api
        .post(
            "/contacts",
            json!({"name": "Rae Chen", "email": "rae@customer.example"}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let id = json_of(r).await["id"].as_i64().expect("id");
    let r = api
        .post(
            "/contacts",
            json!({"name": "Rae C.", "email": "RAE@customer.example"}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let body = json_of(r).await;
    assert_eq!(body["description"], "Validation failed");
    assert_eq!(body["errors"][0]["field"], "email");
    assert_eq!(body["errors"][0]["code"], "duplicate_value");
    assert_eq!(body["errors"][0]["additional_info"]["user_id"], id);
    let r = api
        .post("/contacts", json!({"name": "No Way To Reach"}))
        .await;
    assert_eq!(r.status().as_u16(), 400);
    let r = api
        .post("/contacts", json!({"email": "x@customer.example"}))
        .await;
    assert_eq!(
        error_entry(&json_of(r).await, "name")["code"],
        "missing_field"
    );
    let r = api
        .post("/contacts", json!({"name": "Bad", "email": "not-an-email"}))
        .await;
    assert_eq!(
        error_entry(&json_of(r).await, "email")["code"],
        "invalid_value"
    );

    let r = api
        .put(
            &format!("/contacts/{id}"),
            json!({"job_title": "CTO", "mobile": "+1 555 0123"}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let c = json_of(r).await;
    assert_eq!(c["job_title"], "CTO");
    assert_eq!(c["email"], "rae@customer.example");
    assert_eq!(
        ids(&json_of(api.get("/contacts?mobile=%2B1%20555%200123").await).await),
        vec![id]
    );
    assert_eq!(
        api.delete(&format!("/contacts/{id}"))
            .await
            .status()
            .as_u16(),
        204
    );
    assert!(ids(&json_of(api.get("/contacts").await).await).is_empty());
    assert_eq!(
        ids(&json_of(api.get("/contacts?state=deleted").await).await),
        vec![id]
    );
    assert_eq!(
        json_of(api.get(&format!("/contacts/{id}")).await).await["deleted"],
        true
    );

    let r = api
        .post(
            "/companies",
            json!({"name": "Acme", "domains": ["acme.example"]}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    assert!(header(&r, "location").is_some_and(|l| l.contains("/api/v2/companies/")));
    let acme = json_of(r).await["id"].as_i64().expect("id");
    let r = api.post("/companies", json!({"name": "ACME"})).await;
    assert_eq!(r.status().as_u16(), 409);
    let body = json_of(r).await;
    assert_eq!(body["errors"][0]["code"], "duplicate_value");
    assert_eq!(body["errors"][0]["field"], "name");
    let r = api
        .post(
            "/companies",
            json!({"name": "Other", "account_tier": "Gold"}),
        )
        .await;
    assert_eq!(
        error_entry(&json_of(r).await, "account_tier")["code"],
        "invalid_value"
    );
    let r = api
        .put(
            &format!("/companies/{acme}"),
            json!({"note": "Key account"}),
        )
        .await;
    assert_eq!(json_of(r).await["note"], "Key account");
    assert_eq!(
        api.delete(&format!("/companies/{acme}"))
            .await
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        api.get(&format!("/companies/{acme}"))
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn conversations_reply_note_list_update_delete() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let (me, _) = sim.agent_me();
    let id = api.ticket(basic("VPN drops", 2, 2)).await["id"]
        .as_i64()
        .expect("id");
    let r = api
        .post(
            &format!("/tickets/{id}/reply"),
            json!({"body": "We're on it"}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let reply = json_of(r).await;
    assert_eq!(reply["body"], "<div>We're on it</div>");
    assert_eq!(reply["body_text"], "We're on it");
    assert_eq!(
        (
            reply["private"].clone(),
            reply["incoming"].clone(),
            reply["source"].clone()
        ),
        (json!(false), json!(false), json!(0))
    );
    assert_eq!(reply["user_id"], me);
    assert_eq!(reply["to_emails"], json!(["requester@customer.example"]));
    let note = json_of(
        api.post(
            &format!("/tickets/{id}/notes"),
            json!({"body": "Check the router logs"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            note["private"].clone(),
            note["incoming"].clone(),
            note["source"].clone()
        ),
        (json!(true), json!(false), json!(2))
    );
    let public = json_of(
        api.post(
            &format!("/tickets/{id}/notes"),
            json!({"body": "Visible", "private": false, "incoming": true}),
        )
        .await,
    )
    .await;
    assert_eq!(public["private"], false);
    assert_eq!(public["incoming"], true);
    let r = api.post(&format!("/tickets/{id}/notes"), json!({})).await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        error_entry(&json_of(r).await, "body")["code"],
        "missing_field"
    );
    let r = api
        .post(
            &format!("/tickets/{id}/reply"),
            json!({"body": "x", "user_id": 1}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        api.post("/tickets/777/reply", json!({"body": "x"}))
            .await
            .status()
            .as_u16(),
        404
    );
    for i in 0..9 {
        api.post(
            &format!("/tickets/{id}/notes"),
            json!({"body": format!("note {i}")}),
        )
        .await;
    }
    let t = json_of(
        api.get(&format!("/tickets/{id}?include=conversations,stats"))
            .await,
    )
    .await;
    let embedded = ids(&t["conversations"]);
    assert_eq!(embedded.len(), 10, "only the oldest 10");
    assert_eq!(embedded[0], reply["id"].as_i64().expect("id"));
    assert!(t["stats"]["first_responded_at"].is_string());
    let r = api
        .get(&format!("/tickets/{id}/conversations?per_page=5"))
        .await;
    assert!(header(&r, "link").is_some_and(|l| l.contains("page=2")));
    assert_eq!(ids(&json_of(r).await).len(), 5);
    let r = api
        .get(&format!("/tickets/{id}/conversations?per_page=5&page=3"))
        .await;
    assert!(header(&r, "link").is_none());
    assert_eq!(ids(&json_of(r).await).len(), 2);

    let note_id = note["id"].as_i64().expect("id");
    let r = api
        .put(
            &format!("/conversations/{note_id}"),
            json!({"body": "Edited"}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let edited = json_of(r).await;
    assert_eq!(edited["body"], "<div>Edited</div>");
    assert!(edited["last_edited_at"].is_string());
    assert_eq!(
        api.delete(&format!("/conversations/{note_id}"))
            .await
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        api.delete(&format!("/conversations/{note_id}"))
            .await
            .status()
            .as_u16(),
        404
    );
    let all = json_of(
        api.get(&format!("/tickets/{id}/conversations?per_page=100"))
            .await,
    )
    .await;
    assert_eq!(ids(&all).len(), 11);
}

#[tokio::test]
async fn agents_groups_and_ticket_fields() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let (me, name) = sim.agent_me();
    let agent = json_of(api.get("/agents/me").await).await;
    assert_eq!(agent["id"], me);
    assert_eq!(agent["contact"]["name"], name);
    assert_eq!(agent["contact"]["email"], "ada@sandbox.example");
    assert_eq!(ids(&json_of(api.get("/agents").await).await), vec![me]);
    assert_eq!(
        json_of(api.get(&format!("/agents/{me}")).await).await["id"],
        me
    );
    let groups = json_of(api.get("/groups").await).await;
    let names: Vec<&str> = groups
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(names, ["Billing", "Technical", "Onboarding", "Escalations"]);
    assert!(
        groups[0]["agent_ids"]
            .as_array()
            .is_some_and(|a| a.contains(&json!(me)))
    );
    let gid = groups[1]["id"].as_i64().expect("id");
    assert_eq!(
        json_of(api.get(&format!("/groups/{gid}")).await).await["name"],
        "Technical"
    );

    let fields = json_of(api.get("/ticket_fields").await).await;
    let by_type = |ty: &str| {
        fields
            .as_array()
            .and_then(|f| f.iter().find(|x| x["type"] == ty).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        by_type("default_status")["choices"],
        json!({
            "2": ["Open", "Being Processed"],
            "3": ["Pending", "Awaiting your Reply"],
            "4": ["Resolved", "This ticket has been Resolved"],
            "5": ["Closed", "This ticket has been Closed"],
        })
    );
    assert_eq!(
        by_type("default_priority")["choices"],
        json!({"Low": 1, "Medium": 2, "High": 3, "Urgent": 4})
    );
    assert!(by_type("default_source")["choices"].is_object());
    assert!(by_type("default_ticket_type")["choices"].is_array());
    let dropdown = by_type("custom_dropdown");
    assert_eq!(dropdown["name"], "cf_category");
    assert!(
        dropdown["choices"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("Network")))
    );
    let only = json_of(api.get("/ticket_fields?type=default_status").await).await;
    assert_eq!(only.as_array().map(Vec::len), Some(1));
}
