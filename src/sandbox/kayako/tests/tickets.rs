//! Tickets: `ListAll` filters, paging and sort, `GetTicketCount`, one ticket by either id,
//! posts and notes with their errors.
//!
//! Must not: depend on the product's clients.

use super::*;

/// The ids of a `<tickets>` answer, in order.
fn ids(doc: &Node) -> Vec<u32> {
    doc.all("ticket")
        .iter()
        .map(|t| t.attr("id").parse().expect("numeric id"))
        .collect()
}

async fn count(api: &Api, args: &str) -> usize {
    let doc = api
        .get(&format!("/Tickets/Ticket/GetTicketCount/{args}"))
        .await
        .xml();
    assert_eq!(doc.names(), ["totalcount"]);
    doc.value("totalcount").parse().expect("number")
}

#[tokio::test]
async fn list_all_pages_without_overlap_and_agrees_with_the_count() {
    let sim = start().await;
    let api = Api::new(&sim);
    let total = count(&api, "1,2,3/-1/-1/-1").await;
    assert!(total > 20, "{total}");
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let route = format!("/Tickets/Ticket/ListAll/1,2,3/-1/-1/-1/7/{start}");
        let page = ids(&api.get(&route).await.xml());
        assert!(page.len() <= 7);
        seen.extend(page.iter().copied());
        if page.len() < 7 {
            break;
        }
        start += 7;
    }
    assert_eq!(seen.len(), total);
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, seen, "ascending ticket ids, no overlap");
    // `-1` for count lists everything; the docs' `-1` start is 0.
    let all = ids(&api
        .get("/Tickets/Ticket/ListAll/1,2,3/-1/-1/-1/-1/-1/ticketid/ASC/")
        .await
        .xml());
    assert_eq!(all, seen);
    // Omitted trailing arguments take their defaults.
    assert_eq!(
        ids(&api.get("/Tickets/Ticket/ListAll/1,2,3").await.xml()),
        seen
    );
    // Tickets in a list carry no posts, and no total is given.
    let doc = api
        .get("/Tickets/Ticket/ListAll/1/-1/-1/-1/1/0")
        .await
        .xml();
    let t = doc.child("ticket");
    assert!(t.all("posts").is_empty());
    assert_eq!(doc.names(), ["ticket"]);
}

#[tokio::test]
async fn the_default_statuses_are_the_unresolved_ones_of_the_departments() {
    let sim = start().await;
    let api = Api::new(&sim);
    let all = api
        .get("/Tickets/Ticket/ListAll/1,2,3/-1/-1/-1")
        .await
        .xml();
    let statuses: Vec<String> = all
        .all("ticket")
        .iter()
        .map(|t| t.value("statusid"))
        .collect();
    assert!(!statuses.contains(&STATUS_CLOSED.to_string()));
    assert!(statuses.contains(&STATUS_AWAITING_PARTS.to_string()));
    // Awaiting Parts is Hardware's: without Hardware, only the global unresolved statuses.
    let general = api.get("/Tickets/Ticket/ListAll/1/-1/-1/-1").await.xml();
    for t in general.all("ticket") {
        assert_eq!(t.value("departmentid"), DEPARTMENT_GENERAL.to_string());
        let s = t.value("statusid");
        assert!(
            s == STATUS_OPEN.to_string() || s == STATUS_IN_PROGRESS.to_string(),
            "{s}"
        );
    }
    // Closed tickets come only when asked for; unknown ids are dropped.
    let closed = count(&api, &format!("1,2,3,99/{STATUS_CLOSED}/-1/-1")).await;
    assert!(closed > 0);
    let doc = api
        .get(&format!(
            "/Tickets/Ticket/ListAll/1,2,3/{STATUS_CLOSED},77/-1/-1"
        ))
        .await
        .xml();
    assert_eq!(doc.all("ticket").len(), closed);
    // Nothing valid falls back to the default; no known department lists nothing.
    assert_eq!(
        count(&api, "1,2,3/77/-1/-1").await,
        count(&api, "1,2,3/-1/-1/-1").await
    );
    assert_eq!(count(&api, "99/-1/-1/-1").await, 0);
    let empty = api.get("/Tickets/Ticket/ListAll/99").await.xml();
    assert!(empty.children.is_empty());
    assert!(empty_tickets_tag_is_open_and_closed(&api).await);
}

async fn empty_tickets_tag_is_open_and_closed(api: &Api) -> bool {
    let a = api.get("/Tickets/Ticket/ListAll/4").await;
    a.body == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tickets>\n</tickets>\n"
}

#[tokio::test]
async fn owner_zero_is_unassigned_and_user_filters() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api
        .get("/Tickets/Ticket/ListAll/1,2,3/1,2,3,4/0/-1")
        .await
        .xml();
    assert!(!doc.all("ticket").is_empty());
    for t in doc.all("ticket") {
        assert_eq!(t.value("ownerstaffid"), "0");
        // An empty value is a self-closing tag.
        assert_eq!(t.child("ownerstaffname").text, "");
    }
    assert!(doc.all("ticket").iter().any(|t| t.attr("id") == "5"));
    let doc = api
        .get(&format!(
            "/Tickets/Ticket/ListAll/1,2,3/1,2,3,4/-1/{USER_NAMED_TRUE}"
        ))
        .await
        .xml();
    let names: Vec<String> = doc
        .all("ticket")
        .iter()
        .map(|t| t.value("fullname"))
        .collect();
    assert!(
        names.len() >= 3 && names.iter().all(|n| n == "true"),
        "{names:?}"
    );
    let raw = api
        .get(&format!(
            "/Tickets/Ticket/ListAll/1,2,3/1,2,3,4/-1/{USER_NAMED_TRUE}"
        ))
        .await
        .body;
    assert!(raw.contains("<fullname><![CDATA[true]]></fullname>"));
    // The email filter is a POST variable: a GET with it in the query ignores it.
    let route = "/Tickets/Ticket/ListAll/1,2,3/1,2,3,4/-1/-1";
    let mut q = signed().to_vec();
    q.push(("email", "true@example.net"));
    let everything = api.get(route).await.xml().all("ticket").len();
    assert_eq!(
        api.get_with(route, &q).await.xml().all("ticket").len(),
        everything
    );
    let posted = api
        .post(route, &[("email", "TRUE@example.net")])
        .await
        .xml();
    assert_eq!(posted.all("ticket").len(), names.len());
}

#[tokio::test]
async fn sort_follows_the_whitelist_and_falls_back_to_ticket_id() {
    let sim = start().await;
    let api = Api::new(&sim);
    let base = "/Tickets/Ticket/ListAll/1,2,3/1,2,3,4/-1/-1/-1/0";
    let doc = api.get(&format!("{base}/lastactivity/DESC")).await.xml();
    let activity: Vec<i64> = doc
        .all("ticket")
        .iter()
        .map(|t| t.value("lastactivity").parse().expect("number"))
        .collect();
    assert_eq!(activity.len(), TICKETS);
    assert!(activity.windows(2).all(|w| w[0] >= w[1]));
    let doc = api.get(&format!("{base}/prioritytitle")).await.xml();
    // By title: High (3), Low (1), Normal (2), Urgent (4).
    let priorities: Vec<String> = doc
        .all("ticket")
        .iter()
        .map(|t| t.value("priorityid"))
        .collect();
    let rank = |p: &str| {
        ["3", "1", "2", "4"]
            .iter()
            .position(|x| *x == p)
            .unwrap_or(9)
    };
    assert!(
        priorities.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{priorities:?}"
    );
    let asc = ids(&api.get(base).await.xml());
    let unknown = ids(&api.get(&format!("{base}/subject/DESC")).await.xml());
    let mut desc = asc.clone();
    desc.reverse();
    assert_eq!(unknown, desc, "an unknown field sorts on ticketid");
    let ticketid = ids(&api.get(&format!("{base}/ticketid/desc")).await.xml());
    assert_eq!(ticketid, desc);
}

#[tokio::test]
async fn one_ticket_by_numeric_or_display_id_with_posts_and_notes() {
    let sim = start().await;
    let api = Api::new(&sim);
    let by_id = api
        .get(&format!("/Tickets/Ticket/{TICKET_WITH_POSTS}"))
        .await;
    let by_display = api
        .get(&format!("/Tickets/Ticket/{TICKET_WITH_POSTS_DISPLAY_ID}"))
        .await;
    assert_eq!(by_id.body, by_display.body);
    let doc = by_id.xml();
    let t = doc.child("ticket");
    assert_eq!(t.attr("flagtype"), "0");
    assert_eq!(t.value("displayid"), TICKET_WITH_POSTS_DISPLAY_ID);
    assert_eq!(t.value("subject"), "Printer broken");
    let names = t.names();
    let order = [
        "displayid",
        "departmentid",
        "statusid",
        "priorityid",
        "typeid",
        "userid",
        "userorganization",
        "userorganizationid",
        "ownerstaffid",
        "ownerstaffname",
        "fullname",
        "email",
        "lastreplier",
        "subject",
        "creationtime",
        "lastactivity",
        "laststaffreply",
        "lastuserreply",
        "slaplanid",
        "nextreplydue",
        "resolutiondue",
        "replies",
        "ipaddress",
        "creator",
        "creationmode",
        "creationtype",
        "isescalated",
        "escalationruleid",
        "templategroupid",
        "tags",
        "templategroupname",
    ];
    assert_eq!(names[..order.len()], order);
    assert_eq!(names.last(), Some(&"posts"));
    assert_eq!(t.all("note").len(), 2);
    let note = t.all("note")[0];
    assert_eq!(note.attr("type"), "ticket");
    assert_eq!(note.attr("ticketid"), "1");
    let posts = t.child("posts").all("post");
    assert_eq!(posts.len(), TICKET_WITH_POSTS_POSTS);
    assert_eq!(
        t.value("replies"),
        (TICKET_WITH_POSTS_POSTS - 1).to_string()
    );
    let post_ids: Vec<u32> = posts
        .iter()
        .map(|p| p.value("id").parse().expect("id"))
        .collect();
    assert!(post_ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(posts[0].value("contents"), "The printer is on fire");
    assert_eq!(posts[0].value("creator"), "2");
    assert_eq!(posts[1].value("creator"), "1");
    assert_eq!(
        posts[0].names(),
        [
            "id",
            "ticketpostid",
            "ticketid",
            "dateline",
            "userid",
            "fullname",
            "email",
            "emailto",
            "ipaddress",
            "hasattachments",
            "creator",
            "isthirdparty",
            "ishtml",
            "isemailed",
            "staffid",
            "issurveycomment",
            "contents",
            "isprivate",
        ]
    );
    // Lower-case display ids are found too; unknown ones are not.
    let lower = api
        .get(&format!(
            "/Tickets/Ticket/{}",
            TICKET_WITH_POSTS_DISPLAY_ID.to_lowercase()
        ))
        .await;
    assert_eq!(lower.status, 200);
    for missing in ["9999", "ZZZ-000-00000"] {
        let a = api.get(&format!("/Tickets/Ticket/{missing}")).await;
        assert_eq!((a.status, a.body.as_str()), (404, "Ticket not Found"));
        assert_eq!(a.content_type, "text/xml");
    }
    let a = api.get("/Tickets/Ticket").await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            400,
            "Not Implemented, Call /Tickets/Ticket/ListAll instead."
        )
    );
}

#[tokio::test]
async fn an_absent_organisation_is_an_empty_tag() {
    let sim = start().await;
    let api = Api::new(&sim);
    let a = api.get("/Tickets/Ticket/4").await;
    let t = a.xml().child("ticket").clone();
    assert_eq!(t.value("userid"), USER_NAMED_TRUE.to_string());
    assert!(a.body.contains("<userorganizationid />"));
    assert!(a.body.contains("<userorganization />"));
    let t1 = api.get("/Tickets/Ticket/1").await.xml();
    let t1 = t1.child("ticket");
    assert_eq!(t1.value("userorganization"), "Acme Corp");
    assert_eq!(t1.value("userorganizationid"), "1");
}

#[tokio::test]
async fn post_listing_takes_the_internal_id_only() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api
        .get(&format!("/Tickets/TicketPost/ListAll/{TICKET_WITH_POSTS}"))
        .await
        .xml();
    assert_eq!(doc.name, "posts");
    assert_eq!(doc.all("post").len(), TICKET_WITH_POSTS_POSTS);
    let by_display = api
        .get(&format!(
            "/Tickets/TicketPost/ListAll/{TICKET_WITH_POSTS_DISPLAY_ID}"
        ))
        .await;
    let doc = by_display.xml();
    assert_eq!((doc.name.as_str(), doc.children.len()), ("posts", 0));
    let a = api.get("/Tickets/TicketPost/ListAll/9999").await;
    assert_eq!((a.status, a.body.as_str()), (404, "Ticket not Found"));
    let a = api.get("/Tickets/TicketPost").await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            400,
            "Not Implemented, Call /Tickets/TicketPost/ListAll instead."
        )
    );
}

#[tokio::test]
async fn one_post_and_its_errors() {
    let sim = start().await;
    let api = Api::new(&sim);
    let list = api.get("/Tickets/TicketPost/ListAll/1").await.xml();
    let first = list.all("post")[0].value("id");
    let doc = api
        .get(&format!("/Tickets/TicketPost/1/{first}"))
        .await
        .xml();
    assert_eq!(doc.all("post").len(), 1);
    assert_eq!(doc.child("post").value("ticketid"), "1");
    let other = api.get("/Tickets/TicketPost/ListAll/2").await.xml();
    let elsewhere = other.all("post")[0].value("id");
    let cases = [
        (
            format!("/Tickets/TicketPost/1/{elsewhere}"),
            400,
            "Post does not belong to the specified ticket",
        ),
        (
            "/Tickets/TicketPost/1/999999".to_string(),
            404,
            "Ticket Post not Found",
        ),
        (
            format!("/Tickets/TicketPost/9999/{first}"),
            404,
            "Ticket not Found",
        ),
    ];
    for (route, status, message) in cases {
        let a = api.get(&route).await;
        assert_eq!((a.status, a.body.as_str()), (status, message), "{route}");
    }
}

#[tokio::test]
async fn notes_are_listed_by_internal_id() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api.get("/Tickets/TicketNote/ListAll/1").await.xml();
    assert_eq!(doc.name, "notes");
    let notes = doc.all("note");
    assert_eq!(notes.len(), 2);
    for key in [
        "type",
        "id",
        "ticketid",
        "notecolor",
        "creatorstaffid",
        "forstaffid",
        "creatorstaffname",
        "creationdate",
    ] {
        assert!(notes[0].attrs.contains_key(key), "{key}");
    }
    assert_eq!(notes[0].attr("creatorstaffname"), "Dana Whitfield");
    assert!(!notes[0].text.is_empty());
    let a = api.get("/Tickets/TicketNote/ListAll/9999").await;
    assert_eq!((a.status, a.body.as_str()), (404, "Ticket not Found"));
    let none = api.get("/Tickets/TicketNote/ListAll/2").await.xml();
    assert!(none.children.is_empty());
}
