//! The thread limit, the hourly request threshold, and injected faults.

use std::time::Duration;

use super::*;

/// GETs `paths` all at once; their statuses and bodies, in order.
async fn together(api: &Api, paths: &[&str]) -> Vec<(u16, Value)> {
    let mut set = tokio::task::JoinSet::new();
    for (i, p) in paths.iter().enumerate() {
        let req = api.req(Method::GET, p);
        set.spawn(async move {
            let r = req.send().await.expect("sent");
            let s = r.status().as_u16();
            (i, s, r.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut out = set.join_all().await;
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, s, v)| (s, v)).collect()
}

#[tokio::test]
async fn more_than_the_thread_limit_on_one_endpoint_gets_429() {
    let sim = start_with(true, 0, 3).await;
    let api = Api::new(&sim);
    sim.set_latency(Duration::from_millis(400));
    let paths = [
        "Tickets/47001",
        "Tickets/47002",
        "Tickets/47003/Notes",
        "Tickets/47004",
        "Tickets/47005",
        "Companies/174",
    ];
    let got: Vec<u16> = together(&api, &paths)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    let ok = got.iter().filter(|s| **s == 200).count();
    let refused = got.iter().filter(|s| **s == 429).count();
    assert_eq!((ok, refused), (4, 2), "{got:?}");
    assert_eq!(sim.max_in_flight("tickets"), 3);
    assert_eq!(sim.max_in_flight("Companies"), 1);
    assert_eq!(sim.throttled(), 2);
    let all = together(&api, &["Tickets/47001"; 4]).await;
    let (s, v) = all.into_iter().find(|(s, _)| *s == 429).unwrap_or_default();
    assert_eq!(s, 429);
    assert_eq!(
        error(&v),
        "API thread threshold of 3 threads has been exceeded. Please try again later."
    );
}

#[tokio::test(start_paused = true)]
async fn the_hourly_threshold_counts_slows_and_refuses() {
    let sim = start_with(false, 10, 0).await;
    let api = Api::new(&sim);
    sim.set_other_usage(3);
    let (s, v) = api.get("ThresholdInformation").await;
    assert_eq!(s, 200);
    assert_eq!(
        v,
        json!({"externalRequestThreshold": 10, "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 4})
    );
    assert_eq!(sim.usage(), 4);
    // Requests 5..=10 of 10: none added at 50 %, 500 ms above it, 1000 ms above 75 %.
    let mut waits = Vec::new();
    for _ in 0..6 {
        let at = tokio::time::Instant::now();
        assert_eq!(api.get("Companies/0").await.0, 200);
        waits.push(at.elapsed().as_millis() / 100 * 100);
    }
    assert_eq!(waits, vec![0, 500, 500, 1000, 1000, 1000]);
    assert_eq!(sim.usage(), 10);
    let (s, v) = api.get("Companies/0").await;
    assert_eq!(s, 429);
    assert!(error(&v).contains("request threshold"), "{v}");
    assert_eq!(sim.throttled(), 1);
    assert_eq!(sim.usage(), 10, "a refused request is not counted");
    tokio::time::advance(Duration::from_secs(3601)).await;
    assert_eq!(sim.usage(), 3);
    assert_eq!(api.get("Companies/0").await.0, 200);
    let unlimited = start(false).await;
    let (_, v) = Api::new(&unlimited).get("ThresholdInformation").await;
    assert_eq!(v["externalRequestThreshold"], 10000);
}

#[tokio::test]
async fn faults_fire_once_and_count_requests() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let body = json!({"companyID": 174, "title": "t", "status": 2, "priority": 3,
        "queueID": 8});
    sim.inject(
        "POST",
        "/Tickets",
        SimFault::Status {
            code: 503,
            retry_after: Some(3),
            body: Some("{\"errors\":[\"busy\"]}".into()),
        },
    );
    let (s, v) = api.post("Tickets", body.clone()).await;
    assert_eq!((s, v), (503, json!({"errors": ["busy"]})));
    assert_eq!(sim.count("Tickets"), 650);
    sim.inject("post", "/tickets", SimFault::DropAfterCommit);
    let dropped = api.req(Method::POST, "Tickets").json(&body).send().await;
    assert!(dropped.is_err(), "the connection was dropped");
    assert_eq!(sim.count("Tickets"), 651, "the write was committed");
    sim.inject(
        "*",
        "/Tickets/47001",
        SimFault::StallAfterCommit(Duration::from_millis(200)),
    );
    let at = std::time::Instant::now();
    assert_eq!(api.get("tickets/47001").await.0, 200);
    assert!(at.elapsed() >= Duration::from_millis(200));
    assert_eq!(api.post("Tickets", body).await.0, 200);
    assert_eq!(sim.requests("POST", "/Tickets"), 3);
    assert_eq!(sim.requests("*", "/ATServicesRest/V1.0/tickets"), 4);
    assert_eq!(sim.count("tickets"), 652);
}
