//! The query engine: operators, groups, UDFs, projection, paging and its errors.

use super::*;

fn all(entity_filter: Value) -> Value {
    json!({ "filter": [entity_filter] })
}

async fn ids(api: &Api, entity: &str, search: Value) -> Vec<i64> {
    let (s, v) = api.query(entity, search).await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .map(|l| l.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_operator_filters_as_autotask_does() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let f = |op: &str, field: &str, value: Value| {
        all(json!({"op": op, "field": field, "value": value}))
    };
    assert_eq!(
        ids(&api, "Companies", f("eq", "id", json!(174))).await,
        vec![174]
    );
    let not = ids(&api, "Companies", f("noteq", "id", json!(174))).await;
    assert_eq!(not.len(), 12);
    assert_eq!(
        ids(&api, "Companies", f("gt", "id", json!(183))).await,
        vec![184, 185]
    );
    assert_eq!(
        ids(&api, "Companies", f("gte", "id", json!(184))).await,
        vec![184, 185]
    );
    assert_eq!(
        ids(&api, "Companies", f("lt", "id", json!(174))).await,
        vec![0]
    );
    assert_eq!(
        ids(&api, "Companies", f("lte", "id", json!(174))).await,
        vec![0, 174]
    );
    // String operators ignore case.
    assert_eq!(
        ids(
            &api,
            "Companies",
            f("beginsWith", "companyName", json!("acme"))
        )
        .await,
        vec![174]
    );
    assert_eq!(
        ids(
            &api,
            "Companies",
            f("endsWith", "companyName", json!("VETS"))
        )
        .await,
        vec![185]
    );
    assert_eq!(
        ids(
            &api,
            "Companies",
            f("contains", "companyName", json!("söhne"))
        )
        .await,
        vec![177]
    );
    assert_eq!(
        ids(
            &api,
            "Companies",
            f("eq", "companyName", json!("acme dental"))
        )
        .await,
        vec![174]
    );
    assert_eq!(
        ids(&api, "Companies", f("in", "id", json!([175, 176, 999]))).await,
        vec![175, 176]
    );
    assert_eq!(
        ids(
            &api,
            "Companies",
            f("notIn", "companyType", json!([11, 18]))
        )
        .await,
        vec![183, 184, 185]
    );
    let unassigned = ids(
        &api,
        "Tickets",
        all(json!({"op": "notExist", "field": "assignedResourceID"})),
    )
    .await;
    assert!(unassigned.contains(&47001) && !unassigned.contains(&47002));
    let assigned = ids(
        &api,
        "Tickets",
        all(json!({"op": "exist", "field": "assignedResourceID"})),
    )
    .await;
    assert!(assigned.contains(&47002));
    // Dates compare as instants, whatever the offset.
    let t = sim.ticket(47300).expect("ticket");
    let created = t["createDate"].as_str().unwrap_or_default().to_string();
    let shifted = crate::sandbox::kit::time::parse_time(&created)
        .map(|c| {
            c.with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"))
                .to_rfc3339()
        })
        .unwrap_or_default();
    let same = ids(&api, "Tickets", f("eq", "createDate", json!(shifted))).await;
    assert_eq!(same, vec![47300]);
    let mut later = ids(&api, "Tickets", f("gt", "createDate", json!(created))).await;
    later.sort_unstable();
    assert_eq!(later.first(), Some(&47301));
    // Nested groups.
    let search = json!({"filter": [
        {"op": "or", "items": [
            {"op": "eq", "field": "id", "value": 174},
            {"op": "and", "items": [
                {"op": "gte", "field": "id", "value": 180},
                {"op": "lt", "field": "id", "value": 182}]}]}]});
    assert_eq!(ids(&api, "Companies", search).await, vec![174, 180, 181]);
    // One UDF condition.
    let udf = all(json!({"op": "eq", "field": "customer ref", "udf": true, "value": "AD-2291"}));
    assert_eq!(ids(&api, "Companies", udf).await, vec![174]);
    let udf =
        all(json!({"op": "beginsWith", "field": "Customer Ref", "udf": true, "value": "cr-"}));
    assert_eq!(ids(&api, "Tickets", udf).await.len(), 650_usize.div_ceil(9));
    let (_, v) = api
        .post(
            "Tickets/query/count",
            all(json!({"op": "gte", "field": "id", "value": 0})),
        )
        .await;
    assert_eq!(v, json!({"queryCount": 650}));
}

#[tokio::test]
async fn bad_queries_are_500_errors_naming_the_problem() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let cases = [
        (all(json!({"op": "ne", "field": "id", "value": 1})), "ne"),
        (
            all(json!({"op": "eq", "field": "nosuch", "value": 1})),
            "nosuch",
        ),
        (
            all(json!({"op": "eq", "field": "resolution", "value": "x"})),
            "resolution",
        ),
        (json!({"filter": []}), "filter"),
        (
            json!({"MaxRecords": 501, "filter": [{"op": "gte", "field": "id", "value": 0}]}),
            "MaxRecords",
        ),
        (
            json!({"MaxRecords": 0, "filter": [{"op": "gte", "field": "id", "value": 0}]}),
            "MaxRecords",
        ),
        (
            json!({"IncludeFields": ["bogus"],
                "filter": [{"op": "gte", "field": "id", "value": 0}]}),
            "bogus",
        ),
        (
            json!({"filter": [
            {"op": "eq", "field": "Customer Ref", "udf": true, "value": "a"},
            {"op": "eq", "field": "Customer Ref", "udf": true, "value": "b"}]}),
            "one user-defined",
        ),
    ];
    for (search, needle) in cases {
        let (s, v) = api.query("Tickets", search).await;
        assert_eq!(s, 500, "{v}");
        assert!(error(&v).contains(needle), "{needle}: {v}");
    }
    let many: Vec<Value> = (0..501)
        .map(|i| json!({"op": "eq", "field": "id", "value": i}))
        .collect();
    let (s, v) = api
        .query("Tickets", json!({"filter": [{"op": "or", "items": many}]}))
        .await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("500 or fewer 'OR'"), "{v}");
}

#[tokio::test]
async fn projection_keeps_id_and_the_fields_asked_for() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let search = json!({"IncludeFields": ["TITLE", "status"], "MaxRecords": 2,
        "filter": [{"op": "gte", "field": "id", "value": 0}]});
    let (_, v) = api.query("Tickets", search).await;
    assert_eq!(
        v["items"][0],
        json!({"id": 47001, "title": sim.ticket(47001).expect("t")["title"],
        "status": sim.ticket(47001).expect("t")["status"]})
    );
    assert_eq!(v["pageDetails"]["count"], 2);
    assert_eq!(v["pageDetails"]["requestCount"], 2);
}

#[tokio::test]
async fn post_started_pages_are_posted_with_the_same_body() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let search = json!({"filter": [{"op": "gte", "field": "id", "value": 0}]});
    let (_, first) = api.query("Tickets", search.clone()).await;
    assert_eq!(first["pageDetails"]["count"], 500);
    assert_eq!(first["pageDetails"]["prevPageUrl"], Value::Null);
    let next = first["pageDetails"]["nextPageUrl"]
        .as_str()
        .expect("next page")
        .to_string();
    assert!(
        next.starts_with(&format!("{}Tickets/query/next?paging=", sim.base_url())),
        "{next}"
    );
    assert!(!next.contains("search="));
    let (s, v) = api.get(&next).await;
    assert_eq!(s, 405, "{v}");
    assert_eq!(
        v["Message"],
        "The requested resource does not support http method 'GET'."
    );
    let (s, second) = api.post(&next, search.clone()).await;
    assert_eq!(s, 200, "{second}");
    assert_eq!(second["pageDetails"]["count"], 150);
    assert_eq!(second["pageDetails"]["nextPageUrl"], Value::Null);
    assert_eq!(second["items"][0]["id"], 47501);
    let prev = second["pageDetails"]["prevPageUrl"]
        .as_str()
        .expect("prev")
        .to_string();
    let (_, again) = api.post(&prev, search).await;
    assert_eq!(again["items"][0]["id"], 47001);
    assert_eq!(again["items"], first["items"]);
}

#[tokio::test]
async fn get_started_pages_carry_the_search_and_page_with_get() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let search = json!({"MaxRecords": 300, "IncludeFields": ["id"],
        "filter": [{"op": "gte", "field": "id", "value": 0}]})
    .to_string();
    let b = api
        .req(Method::GET, "Tickets/query")
        .query(&[("search", &search)]);
    let (s, v) = api.send(b).await;
    assert_eq!(s, 200, "{v}");
    let mut seen: Vec<i64> = Vec::new();
    let mut page = v;
    loop {
        seen.extend(
            page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["id"].as_i64()),
        );
        let Some(next) = page["pageDetails"]["nextPageUrl"]
            .as_str()
            .map(String::from)
        else {
            break;
        };
        assert!(next.contains("&search="), "{next}");
        let (s, v) = api.get(&next).await;
        assert_eq!(s, 200, "{v}");
        page = v;
    }
    assert_eq!(seen, (47001..=47650).collect::<Vec<_>>());
    let b = api
        .req(Method::GET, "Tickets/query/count")
        .query(&[("search", &search)]);
    assert_eq!(api.send(b).await.1, json!({"queryCount": 650}));
}
