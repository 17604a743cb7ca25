//! Creates, updates and deletes, with server-set fields and validation errors.

use super::*;

const JANA: i64 = 29682886;
const TIER1: i64 = 29682801;
const ENGINEER: i64 = 29682803;

fn ticket_body() -> Value {
    json!({"companyID": 174, "title": "Printer jam", "status": 2, "priority": 3,
        "queueID": 29682833})
}

#[tokio::test]
async fn ticket_create_sets_server_fields_and_answers_item_id() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let before = sim.count("tickets");
    let (s, v) = api.post("Tickets", ticket_body()).await;
    assert_eq!(s, 200, "{v}");
    let id = v["itemId"].as_i64().expect("itemId");
    assert_eq!(id, 47651);
    assert_eq!(sim.count("Tickets"), before + 1);
    let t = sim.ticket(id).expect("stored");
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    let number = t["ticketNumber"].as_str().unwrap_or_default();
    assert!(number.starts_with(&format!("T{today}.")), "{number}");
    assert_eq!(number.len(), "T20261202.0001".len());
    assert_eq!(t["creatorResourceID"], API_USER);
    assert_eq!(t["impersonatorCreatorResourceID"], Value::Null);
    assert!(t["createDate"].is_string() && t["lastActivityDate"].is_string());
    assert_eq!(t["contactID"], Value::Null);
    assert_eq!(
        t["userDefinedFields"],
        json!([{"name": "Customer Ref", "value": null}])
    );
    let (_, got) = api.get(&format!("Tickets/{id}")).await;
    assert_eq!(got["item"], t);
    // Impersonated writes are attributed to the resource.
    let b = api
        .req(Method::POST, "Tickets")
        .header("ImpersonationResourceId", JANA.to_string())
        .json(&ticket_body());
    let (s, v) = api.send(b).await;
    assert_eq!(s, 200, "{v}");
    let t = sim
        .ticket(v["itemId"].as_i64().unwrap_or(0))
        .expect("stored");
    assert_eq!(
        (
            t["creatorResourceID"].clone(),
            t["impersonatorCreatorResourceID"].clone()
        ),
        (json!(JANA), json!(JANA))
    );
}

#[tokio::test]
async fn ticket_validation_names_the_field() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let with = |patch: Value| {
        let mut b = ticket_body();
        if let (Some(o), Value::Object(p)) = (b.as_object_mut(), patch) {
            for (k, v) in p {
                if v.is_null() {
                    o.remove(&k);
                } else {
                    o.insert(k, v);
                }
            }
        }
        b
    };
    let cases = [
        (
            with(json!({"companyID": null})),
            "Missing Required Field: companyID",
        ),
        (
            with(json!({"title": null})),
            "Missing Required Field: title",
        ),
        (with(json!({"queueID": null})), "queueID"),
        (with(json!({"status": 1})), "status"),
        (with(json!({"status": 16})), "inactive"),
        (with(json!({"priority": 9})), "priority"),
        (with(json!({"companyID": 99999})), "companyID"),
        (
            with(json!({"assignedResourceID": JANA})),
            "assignedResourceRoleID",
        ),
        (
            with(json!({"assignedResourceID": JANA, "assignedResourceRoleID": ENGINEER})),
            "service desk role",
        ),
        (
            with(json!({"assignedResourceID": 29682891, "assignedResourceRoleID": TIER1})),
            "active",
        ),
        (
            with(json!({"issueType": 3, "subIssueType": 71})),
            "subIssueType",
        ),
        (with(json!({"contactID": 30682902})), "contactID"),
        (with(json!({"ticketNumber": "T1.1"})), "ticketNumber"),
        (with(json!({"nosuchField": 1})), "nosuchField"),
        (with(json!({"title": "x".repeat(256)})), "title"),
    ];
    for (body, needle) in cases {
        let (s, v) = api.post("Tickets", body).await;
        assert_eq!(s, 500, "{needle}: {v}");
        assert!(v["errors"].to_string().contains(needle), "{needle}: {v}");
    }
    let ok = with(json!({"queueID": null, "assignedResourceID": JANA,
        "assignedResourceRoleID": TIER1, "issueType": 7, "subIssueType": 71,
        "contactID": 30682901, "userDefinedFields": [{"name": "customer ref", "value": "X1"}]}));
    let (s, v) = api.post("Tickets", ok).await;
    assert_eq!(s, 200, "{v}");
    let t = sim.ticket(v["itemId"].as_i64().unwrap_or(0)).expect("t");
    assert_eq!(t["userDefinedFields"][0]["value"], "X1");
}

#[tokio::test]
async fn patch_merges_put_replaces_and_read_only_fields_are_refused() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let before = sim.ticket(47002).expect("t");
    let (s, v) = api
        .patch("Tickets", json!({"id": 47002, "status": 11, "priority": 1}))
        .await;
    assert_eq!((s, v), (200, json!({"itemId": 47002})));
    let after = sim.ticket(47002).expect("t");
    assert_eq!(after["status"], 11);
    assert_eq!(after["title"], before["title"]);
    assert!(after["completedDate"].is_string());
    let (s, v) = api
        .patch(
            "Tickets",
            json!({"id": 47002, "createDate": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("createDate"), "{v}");
    let (s, v) = api.patch("Tickets", json!({"id": 1, "status": 2})).await;
    assert_eq!(s, 500, "{v}");
    let (s, v) = api.patch("Tickets", json!({"status": 2})).await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("id"));
    let put = json!({"id": 47002, "companyID": 175, "title": "Replaced", "status": 7,
        "priority": 2, "queueID": 8});
    let (s, v) = api.call(Method::PUT, "Tickets", put).await;
    assert_eq!(s, 200, "{v}");
    let t = sim.ticket(47002).expect("t");
    assert_eq!(
        (t["title"].clone(), t["description"].clone()),
        (json!("Replaced"), Value::Null)
    );
    assert_eq!(t["ticketNumber"], before["ticketNumber"]);
    assert_eq!(t["completedDate"], Value::Null);
}

#[tokio::test]
async fn notes_are_children_of_their_ticket() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let body = json!({"title": "Called", "description": "Left a message", "noteType": 13,
        "publish": 2});
    let (s, v) = api.post("Tickets/47005/Notes", body.clone()).await;
    assert_eq!(s, 200, "{v}");
    let id = v["itemId"].as_i64().expect("id");
    let (_, got) = api.get(&format!("Tickets/47005/Notes/{id}")).await;
    assert_eq!(got["item"]["ticketID"], 47005);
    assert_eq!(got["item"]["creatorResourceID"], API_USER);
    let (_, list) = api.get("Tickets/47005/Notes").await;
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|l| l.iter().any(|n| n["id"] == id))
    );
    let (_, via_top) = api.get(&format!("TicketNotes/{id}")).await;
    assert_eq!(via_top["item"]["id"], id);
    let (s, v) = api.post("Tickets/1/Notes", body.clone()).await;
    assert_eq!(s, 500, "{v}");
    let (s, v) = api
        .post(
            "Tickets/47005/Notes",
            json!({"title": "x", "noteType": 13, "publish": 2}),
        )
        .await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("description"));
    let (s, _) = api
        .patch("Tickets/47005/Notes", json!({"id": id, "title": "Edited"}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = api
        .patch(
            "Tickets/47006/Notes",
            json!({"id": id, "title": "Wrong parent"}),
        )
        .await;
    assert_eq!(s, 500);
}

#[tokio::test]
async fn contacts_companies_and_deletes() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let contact = json!({"firstName": "Eva", "lastName": "Nová", "isActive": true});
    let (s, v) = api.post("Companies/174/Contacts", contact).await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("isActive"), "{v}");
    let contact = json!({"firstName": "Eva", "lastName": "Nová", "isActive": 1});
    let (s, v) = api.post("Companies/174/Contacts", contact).await;
    assert_eq!(s, 200, "{v}");
    let id = v["itemId"].as_i64().expect("id");
    let (_, c) = api.get(&format!("Contacts/{id}")).await;
    assert_eq!(c["item"]["companyID"], 174);
    assert_eq!(
        api.call(
            Method::DELETE,
            &format!("Companies/175/Contacts/{id}"),
            json!({})
        )
        .await
        .0,
        500
    );
    let (s, v) = api
        .call(
            Method::DELETE,
            &format!("Companies/174/Contacts/{id}"),
            json!({}),
        )
        .await;
    assert_eq!((s, v), (200, json!({"itemId": id})));
    assert_eq!(
        api.get(&format!("Contacts/{id}")).await.1,
        json!({"item": null})
    );
    let (s, v) = api
        .post(
            "Companies",
            json!({"companyName": "New Co", "companyType": 11}),
        )
        .await;
    assert_eq!(s, 500);
    let text = v["errors"].to_string();
    assert!(
        text.contains("phone") && text.contains("ownerResourceID"),
        "{v}"
    );
}

#[tokio::test]
async fn time_entries_projects_and_tasks() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let entry = json!({"resourceID": JANA, "roleID": TIER1, "ticketID": 47002,
        "dateWorked": "2026-12-01", "hoursWorked": 1.5, "summaryNotes": "Fixed it"});
    let (s, v) = api.post("TimeEntries", entry.clone()).await;
    assert_eq!(s, 200, "{v}");
    let id = v["itemId"].as_i64().expect("id");
    let (_, e) = api.get(&format!("TimeEntries/{id}")).await;
    assert_eq!(e["item"]["timeEntryType"], 2);
    assert_eq!(e["item"]["dateWorked"], "2026-12-01T00:00:00Z");
    let mut bad = entry.clone();
    bad["hoursWorked"] = json!(25);
    assert!(error(&api.post("TimeEntries", bad).await.1).contains("hoursWorked"));
    let mut bad = entry.clone();
    bad["roleID"] = json!(ENGINEER);
    assert!(error(&api.post("TimeEntries", bad).await.1).contains("roleID"));
    let (s, _) = api
        .call(Method::DELETE, &format!("TimeEntries/{id}"), json!({}))
        .await;
    assert_eq!(s, 200);
    let project = json!({"projectName": "P", "companyID": 174, "projectType": 5, "status": 3,
        "startDateTime": "2026-12-10T00:00:00Z", "endDateTime": "2026-12-01T00:00:00Z"});
    let (s, v) = api.post("Projects", project).await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("endDateTime"), "{v}");
    let task = json!({"title": "Plan", "status": 1, "taskType": 1});
    let (s, v) = api.post("Projects/3101/Tasks", task).await;
    assert_eq!(s, 200, "{v}");
    let (_, t) = api.get(&format!("Tasks/{}", v["itemId"])).await;
    assert_eq!(t["item"]["projectID"], 3101);
    assert_eq!(api.post("Tasks", json!({})).await.0, 405);
    let (_, roles) = api.get(&format!("Resources/{JANA}/ServiceDeskRoles")).await;
    assert_eq!(roles["items"].as_array().map(Vec::len), Some(2));
}
