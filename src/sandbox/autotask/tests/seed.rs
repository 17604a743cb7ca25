//! The demo data: the counts and ids the module docs promise, and data the rules accept.

use super::*;
use crate::sandbox::kit::lock;

#[tokio::test]
async fn the_seed_has_what_its_docs_promise() {
    let sim = start(true).await;
    for (entity, n) in [
        ("Tickets", 650),
        ("Companies", 13),
        ("Contacts", 40),
        ("Resources", 7),
        ("Roles", 4),
        ("Projects", 5),
        ("TimeEntries", 60),
        ("ConfigurationItems", 20),
        ("Contracts", 8),
        ("Opportunities", 10),
        ("Products", 8),
    ] {
        assert_eq!(sim.count(entity), n, "{entity}");
    }
    assert!((5 * 3..=5 * 8).contains(&sim.count("Tasks")));
    assert!(sim.count("TicketNotes") > 650);
    assert_eq!(sim.api_user_resource_id(), 29682885);
    let store = lock(&sim.shared.store);
    let me = store.get("Resources", API_USER).expect("api user");
    assert_eq!(
        (me["userName"].clone(), me["isActive"].clone()),
        (json!(USER), json!(true))
    );
    assert_eq!(store.get("Contacts", 30682905).expect("c")["isActive"], 0);
    assert_eq!(
        store.get("Resources", 29682891).expect("r")["isActive"],
        false
    );
    let udf = &store.get("Companies", 174).expect("acme")["userDefinedFields"];
    assert_eq!(udf, &json!([{"name": "Customer Ref", "value": "AD-2291"}]));
    let mut numbers = std::collections::HashSet::new();
    for (id, t) in store.table("Tickets") {
        let number = t["ticketNumber"].as_str().unwrap_or_default();
        assert!(numbers.insert(number.to_string()), "{number} twice");
        assert!(t["queueID"].is_i64(), "{id}");
        if let (Some(r), Some(ro)) = (
            t["assignedResourceID"].as_i64(),
            t["assignedResourceRoleID"].as_i64(),
        ) {
            assert!(store.has_role(r, ro), "{id}: {r} {ro}");
        } else {
            assert_eq!(id % 4, 47001 % 4, "{id} unassigned");
        }
        if let Some(c) = t["contactID"].as_i64() {
            assert_eq!(
                store.get("Contacts", c).expect("c")["companyID"],
                t["companyID"]
            );
        }
    }
    for e in store.table("TimeEntries").values() {
        let (r, ro) = (e["resourceID"].as_i64(), e["roleID"].as_i64());
        assert!(store.has_role(r.unwrap_or(0), ro.unwrap_or(0)), "{e:?}");
    }
    let title = &store.get("Tickets", 47003).expect("t")["title"];
    assert!(title.as_str().unwrap_or_default().contains("<script>"));
}

#[tokio::test]
async fn without_seed_only_the_api_user_roles_and_home_company_exist() {
    let sim = start(false).await;
    assert_eq!(sim.count("Tickets"), 0);
    assert_eq!(sim.count("Resources"), 1);
    assert_eq!(sim.count("Roles"), 4);
    assert_eq!(sim.count("Companies"), 1);
    assert_eq!(sim.count("nonsense"), 0);
}
