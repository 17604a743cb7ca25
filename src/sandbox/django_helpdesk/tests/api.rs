//! The API views: tickets, follow-ups, attachments and the browsable page.

use super::*;

#[tokio::test]
async fn tickets_create_get_patch_delete_and_bad_input() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    b.login("admin", "admin-pass").await;
    use reqwest::Method as M;

    let (status, t) = b
        .json(
            M::POST,
            "api/tickets/",
            Some(json!({
                "queue": 1, "title": "Printer on fire", "description": "It is smoking.",
                "priority": 2, "submitter_email": "cust@example.com", "assigned_to": 1,
                "due_date": "2026-12-31", "status": 4,
            })),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["status"], 1, "a new ticket is always open");
    assert_eq!(t["due_date"], "2026-12-31T00:00:00Z");
    let f = &t["followup_set"][0];
    assert_eq!(f["title"], "Ticket Opened & Assigned to admin");
    assert_eq!(f["public"], true);
    assert_eq!(f["comment"], "It is smoking.");
    assert_eq!(f["user"], 1);
    assert_eq!(f["followupattachment_set"], json!([]));
    assert!(f["date"].as_str().unwrap().ends_with('Z'));
    assert_eq!(s.ticket_count(), 1);

    let (status, got) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
    assert_eq!(status, 200);
    assert_eq!(got["title"], "Printer on fire");
    let (status, patched) = b
        .json(
            M::PATCH,
            &format!("api/tickets/{id}/"),
            Some(json!({"priority": 1, "status": 4, "assigned_to": null})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            patched["priority"].clone(),
            patched["status"].clone(),
            patched["assigned_to"].clone()
        ),
        (json!(1), json!(4), Value::Null)
    );
    assert_eq!(
        patched["followup_set"].as_array().unwrap().len(),
        1,
        "PATCH adds no follow-up"
    );
    let (status, e) = b
        .json(
            M::PATCH,
            &format!("api/tickets/{id}/"),
            Some(json!({"title": null})),
        )
        .await;
    assert_eq!(
        (status, e),
        (400, json!({"title": ["This field may not be null."]}))
    );
    let (status, e) = b
        .json(M::PUT, &format!("api/tickets/{id}/"), Some(json!({})))
        .await;
    assert_eq!(
        (status, e),
        (
            400,
            json!({"queue": ["This field is required."], "title": ["This field is required."]})
        )
    );

    // Bad input, as the real server answers it.
    let cases = [
        (
            json!({}),
            400,
            json!({"queue": ["This field is required."], "title": ["This field is required."]}),
        ),
        (
            json!({"queue": 1, "title": "x", "description": "d"}),
            400,
            json!({"priority": ["This field is required."]}),
        ),
        (
            json!({"queue": 1, "title": "x", "description": "", "priority": 3}),
            400,
            json!({"body": ["This field is required."]}),
        ),
        (
            json!({"queue": 999, "title": "x", "description": "d", "priority": 3}),
            400,
            json!({"queue": ["Invalid pk \"999\" - object does not exist."]}),
        ),
        (
            json!({"queue": "abc", "title": "x", "description": "d", "priority": 3}),
            400,
            json!({"queue": ["Incorrect type. Expected pk value, received str."]}),
        ),
        (
            json!({"queue": 1, "title": "x", "description": "d", "priority": 9}),
            400,
            json!({"priority": ["\"9\" is not a valid choice."]}),
        ),
        (
            json!({"queue": 1, "title": "x", "description": "d", "priority": true}),
            400,
            json!({"priority": ["\"True\" is not a valid choice."]}),
        ),
        (
            json!({
                "queue": 1,
                "title": "x",
                "description": "d",
                "priority": 3,
                "submitter_email": "nope",
            }),
            400,
            json!({"submitter_email": ["Enter a valid email address."]}),
        ),
        (
            json!({"queue": 1, "title": "x".repeat(201), "description": "d", "priority": 3}),
            400,
            json!({"title": ["Ensure this field has no more than 200 characters."]}),
        ),
        (
            json!({
                "queue": 1,
                "title": "x",
                "description": "d",
                "priority": 3,
                "due_date": "tomorrow",
            }),
            400,
            json!({
                "due_date": [
                    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                ],
            }),
        ),
        (
            json!([1, 2]),
            400,
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ),
    ];
    for (body, status, expected) in cases {
        let (got_status, got) = b.json(M::POST, "api/tickets/", Some(body.clone())).await;
        assert_eq!((got_status, got), (status, expected), "for {body}");
    }
    // A missing description key is a 500 upstream (KeyError).
    let r = b
        .send(
            M::POST,
            "api/tickets/",
            Some(json!({"queue": 1, "title": "x", "priority": 3})),
        )
        .await;
    assert_eq!(r.status(), Sc::INTERNAL_SERVER_ERROR);
    assert!(r.text().await.unwrap().contains("Server Error (500)"));
    let (_, t2) = b
        .json(
            M::POST,
            "api/tickets/",
            Some(json!({
                "queue": 1,
                "title": "x",
                "description": "d",
                "priority": 3,
                "due_date": "2026-12-31T17:00:00+02:00",
            })),
        )
        .await;
    assert_eq!(t2["due_date"], "2026-12-31T15:00:00Z");
    assert_eq!(t2["submitter_email"], "");
    // Malformed JSON and media types.
    let r = b
        .http
        .post(b.url("api/tickets/"))
        .header("X-CSRFToken", b.cookie("csrftoken").unwrap())
        .header("content-type", "application/json")
        .body("{\"a\": 1, }")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::BAD_REQUEST);
    assert!(
        r.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - ")
    );
    let r = b
        .http
        .post(b.url("api/tickets/"))
        .header("X-CSRFToken", b.cookie("csrftoken").unwrap())
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "Unsupported media type \"text/plain\" in request."})
    );

    // Lists: status filter, pagination, order.
    let (_, page) = b.json(M::GET, "api/tickets/?status=4", None).await;
    assert_eq!(page["count"], 1);
    let (_, page) = b.json(M::GET, "api/tickets/?status=Open", None).await;
    assert_eq!(
        page["count"], 2,
        "names match nothing, so the filter is dropped"
    );
    let (_, page) = b.json(M::GET, "api/tickets/?page_size=1", None).await;
    assert_eq!(page["results"][0]["id"], id);
    assert_eq!(
        page["next"],
        format!("{}api/tickets/?page=2&page_size=1", s.base_url())
    );
    assert_eq!(page["previous"], Value::Null);
    let (_, page2) = b
        .json(M::GET, "api/tickets/?page_size=1&page=2", None)
        .await;
    assert_eq!(
        page2["previous"],
        format!("{}api/tickets/?page_size=1", s.base_url())
    );
    let (status, e) = b
        .json(M::GET, "api/tickets/?page=3&page_size=1", None)
        .await;
    assert_eq!((status, e), (404, json!({"detail": "Invalid page."})));

    // Slashes and missing objects.
    let r = b.get("api/tickets").await;
    assert_eq!(r.status(), Sc::MOVED_PERMANENTLY);
    assert_eq!(r.headers()["location"], "/api/tickets/");
    let r = b.get("api/queues/").await;
    assert_eq!(r.status(), Sc::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("<h1>Not Found</h1>"));
    let (status, e) = b.json(M::GET, "api/tickets/999/", None).await;
    assert_eq!(
        (status, e),
        (404, json!({"detail": "No Ticket matches the given query."}))
    );
    let (status, e) = b.json(M::GET, "api/tickets/abc/", None).await;
    assert_eq!((status, e), (404, json!({"detail": "Not found."})));
    let (status, e) = b
        .json(M::POST, &format!("api/tickets/{id}/"), Some(json!({})))
        .await;
    assert_eq!(
        (status, e),
        (405, json!({"detail": "Method \"POST\" not allowed."}))
    );

    // DELETE cascades to the follow-ups.
    let r = b.send(M::DELETE, &format!("api/tickets/{id}/"), None).await;
    assert_eq!(r.status(), Sc::NO_CONTENT);
    let (status, _) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
    assert_eq!(status, 404);
    let (_, fus) = b.json(M::GET, "api/followups/", None).await;
    assert!(
        fus["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["ticket"] != id)
    );
    assert_eq!(s.ticket_count(), 1);
    assert!(s.requests("POST", "/api/tickets/") >= 10);
}

#[tokio::test]
async fn followups_change_status_rename_and_render_templates() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    b.login("admin", "admin-pass").await;
    use reqwest::Method as M;
    let (_, t) = b
        .json(
            M::POST,
            "api/tickets/",
            Some(json!({
                "queue": 2,
                "title": "Invoice wrong",
                "description": "d",
                "priority": 3,
                "submitter_email": "c@example.com",
            })),
        )
        .await;
    let id = t["id"].as_i64().unwrap();

    let (status, f) = b
        .json(M::POST, "api/followups/", Some(json!({
            "ticket": id,
            "comment": "About {{ ticket.title }} ({{ ticket.ticket }}): {{ \"{{\" }} {% if x %}kept{% endif %}{# gone #} {{ ticket.nope }}!",
            "time_spent": "01:30:00",
        })))
        .await;
    assert_eq!(status, 201, "{f}");
    assert_eq!(
        f["comment"],
        "About Invoice wrong ([billing-1]): {{ {% if x %}kept{% endif %} !"
    );
    assert_eq!(f["public"], false);
    assert_eq!(f["title"], "Invoice wrong");
    assert_eq!(f["new_status"], Value::Null);
    assert_eq!(f["time_spent"], "01:30:00");
    assert_eq!(f["user"], 1);
    assert_eq!(f["email_recipients"], json!([]));

    let (status, f) = b
        .json(
            M::POST,
            "api/followups/",
            Some(json!({
                "ticket": id,
                "title": "Refund issued",
                "comment": "Refunded {{ ticket.title }} & done",
                "public": true,
                "new_status": 3,
            })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(f["title"], "Refund issued and Resolved");
    assert_eq!(f["new_status"], 3);
    assert_eq!(
        f["comment"], "Refunded Invoice wrong & done",
        "rendered against the ticket before the rename"
    );
    assert_eq!(f["email_recipients"], json!(["c@example.com"]));
    let (_, t) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
    assert_eq!(t["status"], 3);
    assert_eq!(t["title"], "Refund issued");
    assert_eq!(t["resolution"], "Refunded Invoice wrong & done");
    assert_eq!(t["followup_set"].as_array().unwrap().len(), 3);

    // Template values are autoescaped; literals are not.
    let (_, f) = b
        .json(
            M::POST,
            "api/followups/",
            Some(json!({
                "ticket": id,
                "comment": "{{ ticket.queue.title|upper }} {{ \"<b>\" }}",
                "new_status": "2",
                "title": "",
            })),
        )
        .await;
    assert_eq!(f["comment"], "BILLING <b>");
    assert_eq!(f["title"], "Reopened");
    // An unbalanced tag is a template syntax error upstream.
    let r = b
        .send(
            M::POST,
            "api/followups/",
            Some(json!({"ticket": id, "comment": "50%} off"})),
        )
        .await;
    assert_eq!(r.status(), Sc::INTERNAL_SERVER_ERROR);

    let cases = [
        (
            json!({"comment": "x"}),
            json!({"ticket": ["This field is required."]}),
        ),
        (
            json!({"ticket": 999}),
            json!({"ticket": ["Invalid pk \"999\" - object does not exist."]}),
        ),
        (
            json!({"ticket": id, "public": "maybe"}),
            json!({"public": ["Must be a valid boolean."]}),
        ),
        (
            json!({"ticket": id, "new_status": 9}),
            json!({"new_status": ["\"9\" is not a valid choice."]}),
        ),
        (
            json!({"ticket": id, "time_spent": "soon"}),
            json!({
                "time_spent": [
                    "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu].",
                ],
            }),
        ),
        (
            json!({"ticket": id, "user": 999}),
            json!({"user": ["Invalid pk \"999\" - object does not exist."]}),
        ),
    ];
    for (body, expected) in cases {
        let (status, e) = b.json(M::POST, "api/followups/", Some(body.clone())).await;
        assert_eq!((status, e), (400, expected), "for {body}");
    }
    // PATCH on a follow-up is a plain row edit.
    let fid = f["id"].as_i64().unwrap();
    let (status, f2) = b
        .json(
            M::PATCH,
            &format!("api/followups/{fid}/"),
            Some(json!({"new_status": 4, "time_spent": 5400})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(f2["time_spent"], "01:30:00");
    let (_, t) = b.json(M::GET, &format!("api/tickets/{id}/"), None).await;
    assert_eq!(t["status"], 2);
}

#[tokio::test]
async fn the_browsable_api_lists_queues_and_users_in_selects() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    b.login("admin", "admin-pass").await;
    let r = b
        .http
        .get(b.url("api/tickets/?page_size=1"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    let queue = html
        .find("<select class=\"form-control\" name=\"queue\">")
        .expect("queue select");
    let users = html
        .find("<select class=\"form-control\" name=\"assigned_to\">")
        .expect("assigned_to select");
    let q = &html[queue..];
    let q = &q[..q.find("</select>").unwrap()];
    // Queue.Meta.ordering is by title.
    let order: Vec<usize> = [
        "<option value=\"2\">Billing</option>",
        "<option value=\"3\">Onboarding</option>",
        "<option value=\"1\">Support</option>",
    ]
    .iter()
    .map(|o| q.find(o).expect(o))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    let u = &html[users..];
    let u = &u[..u.find("</select>").unwrap()];
    assert!(u.contains("<option value=\"1\">admin</option>"));
    assert!(u.contains("<option value=\"3\">customer</option>"));
    assert!(u.contains("<option value=\"4\">r&amp;d&lt;lab&gt;</option>"));

    // Anonymous HTML: the error, and no form.
    let anon = Client::new()
        .get(b.url("api/tickets/?page_size=1"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), Sc::FORBIDDEN);
    let html = anon.text().await.unwrap();
    assert!(html.contains("Authentication credentials were not provided."));
    assert!(!html.contains("name=\"queue\""));
}

#[tokio::test]
async fn attachments_are_checked_and_served() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    b.login("admin", "admin-pass").await;
    let (_, t) = b
        .json(
            reqwest::Method::POST,
            "api/tickets/",
            Some(json!({"queue": 1, "title": "Scan", "description": "d", "priority": 3})),
        )
        .await;
    let fid = t["followup_set"][0]["id"].as_i64().unwrap();
    let upload = |filename: &str| {
        let boundary = "XsimBoundary42";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"followup\"\r\n\r\n{fid}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(b"hello attachment");
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        b.http
            .post(b.url("api/followups-attachments/"))
            .header("X-CSRFToken", b.cookie("csrftoken").unwrap())
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    let r = upload("note.txt").await.unwrap();
    assert_eq!(r.status(), Sc::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["filename"], "note.txt");
    assert_eq!(a["mime_type"], "text/plain");
    assert_eq!(a["size"], 16);
    let file = Client::new()
        .get(a["file"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.text().await.unwrap(), "hello attachment");
    let r = upload("page.html").await.unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"file": ["Unsupported file extension: .html"]})
    );
}
