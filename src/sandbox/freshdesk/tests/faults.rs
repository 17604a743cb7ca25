//! The rate window, injected faults, and stopping when dropped.

use super::*;

#[tokio::test]
async fn rate_limit_headers_and_429_without_them() {
    let sim = start(false, 5).await;
    let api = Api::new(&sim);
    let r = api.get("/tickets").await;
    assert_eq!(header(&r, "x-ratelimit-total"), Some("5"));
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some("4"));
    assert_eq!(header(&r, "x-ratelimit-used-currentrequest"), Some("1"));
    // Each include costs one more; 4xx answers count too.
    let r = api.get("/tickets/999?include=requester,stats").await;
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(header(&r, "x-ratelimit-used-currentrequest"), Some("3"));
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some("1"));
    let r = api
        .http
        .get(api.url("/tickets"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some("0"));
    let r = api.get("/tickets").await;
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = header(&r, "retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    for name in [
        "x-ratelimit-total",
        "x-ratelimit-remaining",
        "x-ratelimit-used-currentrequest",
    ] {
        assert!(r.headers().get(name).is_none(), "{name} on a 429");
    }
    assert_eq!(
        header(&r, "x-freshdesk-api-version"),
        Some("latest=v2; requested=v2")
    );
    assert_eq!(
        json_of(r).await,
        json!({"message": "You have exceeded the limit of requests per minute"})
    );
    // The refused request changed nothing and was still seen.
    assert_eq!(
        api.post("/tickets", basic("x", 2, 1))
            .await
            .status()
            .as_u16(),
        429
    );
    assert_eq!(sim.ticket_count(), 0);
    assert_eq!(sim.requests("GET", "/tickets"), 4);
    assert_eq!(sim.requests("*", "/api/v2/"), 5);
}

#[tokio::test]
async fn injected_status_is_answered_without_processing() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    sim.inject(
        "POST",
        "/tickets",
        SimFault::Status {
            code: 503,
            retry_after: Some(7),
            body: Some("{\"code\":\"service_unavailable\",\"message\":\"try later\"}".into()),
        },
    );
    let r = api.post("/tickets", basic("x", 2, 1)).await;
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(header(&r, "retry-after"), Some("7"));
    assert_eq!(json_of(r).await["code"], "service_unavailable");
    assert_eq!(sim.ticket_count(), 0);
    let r = api.post("/tickets", basic("x", 2, 1)).await;
    assert_eq!(r.status().as_u16(), 201, "a fault fires once");
    assert_eq!(sim.ticket_count(), 1);
    // Method and prefix must both match.
    sim.inject(
        "get",
        "/api/v2/tickets/",
        SimFault::Status {
            code: 500,
            retry_after: None,
            body: None,
        },
    );
    assert_eq!(api.get("/tickets").await.status().as_u16(), 200);
    let r = api.get("/tickets/1").await;
    assert_eq!(r.status().as_u16(), 500);
    assert_eq!(r.text().await.expect("body"), "");
    assert_eq!(sim.requests("POST", "/tickets"), 2);
    assert_eq!(sim.requests("GET", "/tickets/"), 1);
}

#[tokio::test]
async fn stall_after_commit_times_the_client_out_after_the_change() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    sim.inject(
        "POST",
        "/tickets",
        SimFault::StallAfterCommit(Duration::from_secs(5)),
    );
    let impatient = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = impatient
        .post(api.url("/tickets"))
        .basic_auth(KEY, Some("X"))
        .json(&basic("Stalled", 2, 1))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        sim.ticket_count(),
        1,
        "the ticket was created before the stall"
    );
    let list = json_of(api.get("/tickets").await).await;
    assert_eq!(list[0]["subject"], "Stalled");
}

#[tokio::test]
async fn drop_after_commit_breaks_the_connection_after_the_change() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    // Warm the pool so the dropped request reuses a connection.
    assert_eq!(api.get("/tickets").await.status().as_u16(), 200);
    sim.inject("POST", "/tickets", SimFault::DropAfterCommit);
    let err = api
        .req(reqwest::Method::POST, "/tickets")
        .json(&basic("Dropped", 2, 1))
        .send()
        .await
        .expect_err("connection dropped");
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(
        sim.ticket_count(),
        1,
        "the ticket was created before the drop"
    );
    assert_eq!(
        sim.requests("POST", "/tickets"),
        1,
        "not resent by the client"
    );
    // The server keeps serving other connections.
    let list = json_of(api.get("/tickets").await).await;
    assert_eq!(list[0]["subject"], "Dropped");
}

#[tokio::test]
async fn dropping_the_simulator_stops_it() {
    let sim = start(false, 1000).await;
    let base = sim.base_url();
    let http = Client::new();
    let ok = http
        .get(format!("{base}/api/v2/groups"))
        .basic_auth(KEY, Some("X"))
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status().as_u16(), 200);
    drop(sim);
    let mut refused = false;
    for _ in 0..50 {
        let fresh = Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        if fresh
            .get(format!("{base}/api/v2/groups"))
            .basic_auth(KEY, Some("X"))
            .send()
            .await
            .is_err()
        {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "still serving after drop");
}
