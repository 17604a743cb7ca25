//! Statuses, priorities, types, departments, staff, staff groups and users: their shapes, and
//! empty lists (never 404) for unknown ids.
//!
//! Must not: depend on the product's clients.

use super::*;

#[tokio::test]
async fn statuses_list_by_get_list_only() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api.get("/Tickets/TicketStatus").await.xml();
    let all = doc.all("ticketstatus");
    assert_eq!(all.len(), 4);
    assert_eq!(
        all[0].names(),
        [
            "id",
            "title",
            "displayorder",
            "departmentid",
            "displayicon",
            "type",
            "displayinmainlist",
            "markasresolved",
            "displaycount",
            "statuscolor",
            "statusbgcolor",
            "resetduetime",
            "triggersurvey",
            "staffvisibilitycustom",
        ]
    );
    let closed = all[STATUS_CLOSED as usize - 1];
    assert_eq!(
        (closed.value("title"), closed.value("markasresolved")),
        ("Closed".into(), "1".into())
    );
    let parts = all[STATUS_AWAITING_PARTS as usize - 1];
    assert_eq!(parts.value("departmentid"), DEPARTMENT_HARDWARE.to_string());
    assert_eq!(parts.value("staffgroupid"), "2");
    let one = api
        .get(&format!("/Tickets/TicketStatus/{STATUS_OPEN}"))
        .await
        .xml();
    assert_eq!(one.child("ticketstatus").value("title"), "Open");
    for route in ["/Tickets/TicketStatus/ListAll", "/Tickets/TicketStatus/99"] {
        let doc = api.get(route).await.xml();
        assert_eq!(
            (doc.name.as_str(), doc.children.len()),
            ("ticketstatuses", 0),
            "{route}"
        );
    }
}

#[tokio::test]
async fn priorities_types_and_departments() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api.get("/Tickets/TicketPriority").await.xml();
    let titles: Vec<String> = doc
        .all("ticketpriority")
        .iter()
        .map(|p| p.value("title"))
        .collect();
    assert_eq!(titles, ["Low", "Normal", "High", "Urgent"]);
    let high = doc.all("ticketpriority")[2];
    assert_eq!(high.value("uservisibilitycustom"), "1");
    assert_eq!(high.all("usergroupid").len(), 2);
    assert_eq!(
        api.get("/Tickets/TicketPriority/9")
            .await
            .xml()
            .children
            .len(),
        0
    );
    let doc = api.get("/Tickets/TicketType/3").await.xml();
    let bug = doc.child("tickettype");
    assert_eq!(
        bug.names(),
        [
            "id",
            "title",
            "displayorder",
            "departmentid",
            "displayicon",
            "type",
            "uservisibilitycustom"
        ]
    );
    assert_eq!(bug.value("title"), "Bug");
    assert!(
        api.get("/Tickets/TicketType/x")
            .await
            .xml()
            .children
            .is_empty()
    );
    let all = api.get("/Base/Department").await.xml();
    let listed = api.get("/Base/Department/ListAll").await.xml();
    assert_eq!(all.all("department").len(), 4);
    assert_eq!(listed.all("department").len(), 4);
    let chat = all.all("department")[DEPARTMENT_LIVECHAT as usize - 1];
    assert_eq!(
        (chat.value("app"), chat.value("module")),
        ("livechat".into(), "livechat".into())
    );
    // An empty parent is still written, open and closed.
    assert!(chat.child("usergroups").children.is_empty());
    let a = api
        .get(&format!("/Base/Department/{DEPARTMENT_BILLING}"))
        .await;
    let billing = a.xml().child("department").clone();
    let groups: Vec<String> = billing
        .child("usergroups")
        .all("id")
        .iter()
        .map(|g| g.text.clone())
        .collect();
    assert_eq!(groups, ["2", "3"]);
    assert!(
        api.get("/Base/Department/77")
            .await
            .xml()
            .children
            .is_empty()
    );
}

#[tokio::test]
async fn staff_groups_and_users() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api.get("/Base/Staff").await.xml();
    assert_eq!(doc.name, "staffusers");
    let staff = doc.all("staff");
    assert_eq!(staff.len(), 5);
    assert_eq!(
        staff[0].names(),
        [
            "id",
            "staffgroupid",
            "firstname",
            "lastname",
            "fullname",
            "username",
            "email",
            "designation",
            "greeting",
            "mobilenumber",
            "isenabled",
            "timezone",
            "enabledst",
        ]
    );
    assert_eq!(staff[1].value("fullname"), "Tomáš Dvořák");
    assert_eq!(staff[4].value("isenabled"), "0");
    assert!(api.get("/Base/Staff/42").await.xml().children.is_empty());
    let groups = api.get("/Base/StaffGroup").await.xml();
    assert_eq!(groups.name, "staffgroups");
    assert_eq!(
        groups.all("staffgroup")[0].names(),
        ["id", "title", "isadmin"]
    );
    let doc = api
        .get(&format!("/Base/User/{USER_NAMED_TRUE}"))
        .await
        .xml();
    let user = doc.child("user");
    assert_eq!(
        user.names(),
        [
            "id",
            "usergroupid",
            "userrole",
            "userorganizationid",
            "salutation",
            "userexpiry",
            "fullname",
            "email",
            "designation",
            "phone",
            "dateline",
            "lastvisit",
            "isenabled",
            "timezone",
            "enabledst",
            "slaplanid",
            "slaplanexpiry",
        ]
    );
    assert_eq!(user.value("fullname"), "true");
    assert!(api.get("/Base/User/999").await.xml().children.is_empty());
}

#[tokio::test]
async fn without_seed_only_the_reference_records_exist() {
    let sim = start_with(false, 50).await;
    let api = Api::new(&sim);
    assert_eq!(api.get("/Base/Department").await.xml().children.len(), 4);
    let doc = api.get("/Tickets/Ticket/ListAll/1,2,3").await.xml();
    assert!(doc.children.is_empty());
    assert!(api.get("/Base/User").await.xml().children.is_empty());
    let a = api.get("/Tickets/Ticket/1").await;
    assert_eq!((a.status, a.body.as_str()), (404, "Ticket not Found"));
}
