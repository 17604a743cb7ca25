//! Search: the query language, ranges, `null` and paging by thirty.

use super::*;

#[tokio::test]
async fn search_supports_and_or_parentheses_null_ranges_and_ten_pages() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let mut a = basic("A", 2, 3);
    a["tags"] = json!(["vip"]);
    a["custom_fields"] = json!({"cf_category": "Network", "cf_affected_users": 12});
    a["type"] = json!("Incident");
    let a = api.ticket(a).await["id"].as_i64().expect("id");
    let b = api.ticket(basic("B", 3, 3)).await["id"]
        .as_i64()
        .expect("id");
    let mut c = basic("C", 2, 1);
    c["tags"] = json!(["VIP", "printer"]);
    let c = api.ticket(c).await["id"].as_i64().expect("id");
    let d = api.ticket(basic("D", 4, 3)).await["id"]
        .as_i64()
        .expect("id");
    let sorted = |v: &Value| {
        let mut ids = ids(&v["results"]);
        ids.sort_unstable();
        ids
    };
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("priority:3 AND (status:2 OR status:3)".into(), vec![a, b]),
        ("tag:'vip' OR priority:1".into(), vec![a, c]),
        ("status:2 OR status:3 AND priority:1".into(), vec![a, c]),
        ("(status:2 OR status:3) AND priority:1".into(), vec![c]),
        ("category:'Network'".into(), vec![a]),
        ("affected_users:>10".into(), vec![a]),
        ("category:null".into(), vec![b, c, d]),
        ("agent_id:null AND type:'incident'".into(), vec![a]),
        ("priority:>3".into(), vec![a, b, d]),
        ("priority:<1".into(), vec![c]),
        (format!("created_at:>'{today}'"), vec![a, b, c, d]),
        (
            "created_at:<'2001-01-01' OR closed_at:>'2001-01-01'".into(),
            vec![],
        ),
        (format!("status:4 AND updated_at:'{today}'"), vec![d]),
    ];
    for (expr, want) in cases {
        let (status, body) = api.search("tickets", &expr).await;
        assert_eq!(status, 200, "{expr}: {body}");
        assert_eq!(sorted(&body), want, "{expr}");
        assert_eq!(body["total"], want.len(), "{expr}");
    }
    let r = api
        .get_q(
            "/search/tickets",
            &[("query", "\"status:2\""), ("page", "11")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        error_entry(&json_of(r).await, "page")["code"],
        "invalid_value"
    );
    let r = api
        .get_q(
            "/search/tickets",
            &[("query", "\"status:2\""), ("page", "10")],
        )
        .await;
    let body = json_of(r).await;
    assert_eq!(body["total"], 2);
    assert_eq!(body["results"], json!([]));
    for bad in [
        "status:2 AND",
        "priority:",
        "colour:2",
        "priority:'3'",
        "status:2 and priority:1",
        "(status:2",
        "tag:>'vip'",
        "created_at:'yesterday'",
    ] {
        let (status, body) = api.search("tickets", bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(
            error_entry(&body, "query")["code"],
            "invalid_value",
            "{bad}"
        );
    }
    let r = api.get_q("/search/tickets", &[("query", "status:2")]).await;
    assert_eq!(
        r.status().as_u16(),
        400,
        "the expression must be in double quotes"
    );
    let long = format!("\"{}\"", vec!["status:2"; 80].join(" OR "));
    let r = api
        .get_q("/search/tickets", &[("query", long.as_str())])
        .await;
    assert_eq!(r.status().as_u16(), 400, "longer than 512 characters");
    // Deleted tickets are not found.
    api.delete(&format!("/tickets/{a}")).await;
    assert_eq!(api.search("tickets", "priority:3").await.1["total"], 2);
}

#[tokio::test]
async fn seeded_search_pages_by_thirty() {
    let sim = start(true, 10_000).await;
    let api = Api::new(&sim);
    let (_, first) = api.search("tickets", "status:4 OR status:5").await;
    let total = first["total"].as_u64().expect("total");
    assert!(total > 60, "{total}");
    assert_eq!(first["results"].as_array().map(Vec::len), Some(30));
    let r = api
        .get_q(
            "/search/tickets",
            &[("query", "\"status:4 OR status:5\""), ("page", "2")],
        )
        .await;
    let second = json_of(r).await;
    assert_eq!(second["total"], total);
    let overlap = ids(&first["results"])
        .into_iter()
        .filter(|id| ids(&second["results"]).contains(id))
        .count();
    assert_eq!(overlap, 0);
    let (_, billing) = api
        .search("tickets", "category:'Billing' AND group_id:43000050001")
        .await;
    assert!(billing["total"].as_u64().unwrap_or(0) > 0);
    let (_, people) = api
        .search(
            "contacts",
            "company_id:43000070001 AND email:'olivia.patel@northwind.example'",
        )
        .await;
    assert_eq!(people["total"], 1);
    let (_, companies) = api.search("companies", "domain:'globex.example'").await;
    assert_eq!(companies["results"][0]["name"], "Globex Logistics");
}
