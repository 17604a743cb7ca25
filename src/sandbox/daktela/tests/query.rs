//! The list query grammar over HTTP: flat and nested filters, operators, dotted paths,
//! sorting, projection, paging and the unknown-field quirk.

use serde_json::Value;

use super::*;

fn names(data: &[Value]) -> Vec<i64> {
    data.iter()
        .map(|t| t["name"].as_i64().expect("int name"))
        .collect()
}

#[tokio::test]
async fn flat_and_nested_filters() {
    let sim = start().await;
    let api = Api::new(&sim);
    let flat = "tickets.json?filter[0][field]=stage&filter[0][operator]=eq&filter[0][value]=OPEN\
        &filter[1][field]=priority&filter[1][operator]=eq&filter[1][value]=HIGH";
    let (data, total) = api.list(flat).await;
    assert!(total > 0);
    assert!(
        data.iter()
            .all(|t| t["stage"] == "OPEN" && t["priority"] == "HIGH")
    );
    let nested = "tickets.json?filter[logic]=and\
        &filter[filters][0][field]=stage&filter[filters][0][operator]=eq\
        &filter[filters][0][value]=OPEN&filter[filters][1][logic]=or\
        &filter[filters][1][filters][0][field]=priority\
        &filter[filters][1][filters][0][operator]=eq&filter[filters][1][filters][0][value]=HIGH\
        &filter[filters][1][filters][1][field]=priority\
        &filter[filters][1][filters][1][operator]=eq&filter[filters][1][filters][1][value]=LOW";
    let (data, total) = api.list(nested).await;
    assert!(total > 0);
    assert!(
        data.iter()
            .all(|t| t["stage"] == "OPEN" && t["priority"] != "MEDIUM")
    );
    let in_ = "tickets.json?filter[0][field]=stage&filter[0][operator]=in\
        &filter[0][value][0]=OPEN&filter[0][value][1]=WAIT";
    assert_eq!(api.list(in_).await.1 as usize, TICKETS_OPEN + TICKETS_WAIT);
    let notin = in_.replace("=in", "=notin");
    assert_eq!(
        api.list(&notin).await.1 as usize,
        TICKETS_CLOSE + TICKETS_ARCHIVE
    );
    let like = "tickets.json?filter[0][field]=title&filter[0][operator]=like\
        &filter[0][value]=%25p%C5%99ihl%C3%A1%C5%A1en%C3%AD%25";
    let (data, _) = api.list(like).await;
    assert!(data.iter().any(|t| t["name"] == TICKET_WITH_ACTIVITIES));
    let dotted =
        format!("tickets.json?filter[0][field]=category.title&filter[0][value]={CATEGORY_TITLE}");
    let (data, total) = api.list(&dotted).await;
    assert!(total > 0);
    assert!(
        data.iter()
            .all(|t| t["category"]["title"] == CATEGORY_TITLE)
    );
    let deep = format!(
        "tickets.json?filter[0][field]=contact.account.title&filter[0][value]={ACCOUNT_TITLE}\
         &filter[1][field]=user.title&filter[1][value]={USER_TITLE}"
    );
    let (data, total) = api.list(&deep).await;
    assert!(total > 0);
    assert!(data.iter().all(|t| t["user"]["name"] == USER_LOGIN));
    let fk = format!("tickets.json?filter[0][field]=user&filter[0][value]={USER_LOGIN}");
    assert_eq!(
        api.list(&fk).await.1,
        total_of(&api, "user.name", USER_LOGIN).await
    );
    let unread = "tickets.json?filter[0][field]=unread&filter[0][value]=";
    let (t1, t0) = (
        api.list(&format!("{unread}1")).await.1,
        api.list(&format!("{unread}false")).await.1,
    );
    assert_eq!(t1 + t0, TICKETS as u64);
    assert_eq!(api.list(&format!("{unread}true")).await.1, t1);
    let null = "tickets.json?filter[0][field]=user&filter[0][operator]=isnull";
    assert!(api.list(null).await.1 > 0);
    let ic = "tickets.json?filter[0][field]=stage&filter[0][operator]=eq&filter[0][value]=open\
        &filter[0][ignoreCase]=true";
    assert_eq!(api.list(ic).await.1 as usize, TICKETS_OPEN);
}

async fn total_of(api: &Api, field: &str, value: &str) -> u64 {
    let path = format!("tickets.json?filter[0][field]={field}&filter[0][value]={value}");
    api.list(&path).await.1
}

#[tokio::test]
async fn sort_paging_fields_and_unknown_fields() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (asc, _) = api
        .list("tickets.json?sort[0][field]=created&sort[0][dir]=asc&take=5")
        .await;
    assert_eq!(names(&asc), (4001..4006).collect::<Vec<_>>());
    let (desc, _) = api
        .list("tickets.json?sort[0][field]=name&sort[0][dir]=desc&take=3")
        .await;
    assert_eq!(names(&desc), vec![4080, 4079, 4078]);
    let (none, total) = api.list("tickets.json?sort[0][field]=nosuchfield").await;
    assert!(none.is_empty());
    assert_eq!(total, 0);
    let bad = "tickets.json?filter[0][field]=nosuchfield&filter[0][value]=x";
    assert_eq!(api.list(bad).await, (Vec::new(), 0));
    let (page, total) = api.list("tickets.json?skip=75&take=10").await;
    assert_eq!((page.len(), total as usize), (5, TICKETS));
    let (page, _) = api.list("tickets.json").await;
    assert_eq!(page.len(), TICKETS.min(100));
    let (page, total) = api.list("activities.json?take=5000").await;
    assert_eq!(page.len(), (total as usize).min(1000));
    let (page, _) = api
        .list("tickets.json?take=2&fields[0]=name&fields[1]=title")
        .await;
    let keys: Vec<&String> = page[0].as_object().expect("object").keys().collect();
    assert_eq!(keys, vec!["name", "title"]);
    let (found, _) = api
        .list("tickets.json?q=p%C5%99ihl%C3%A1%C5%A1en%C3%AD")
        .await;
    assert!(found.iter().any(|t| t["name"] == TICKET_WITH_ACTIVITIES));
}
