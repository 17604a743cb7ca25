//! The limiter on a paused clock: budgets per minute and per rolling hour, the concurrency
//! caps per account and per endpoint, and what the upstream says.

use super::*;

fn budget(per_minute: u32, concurrent: u32, wait: u64) -> Budget {
    Budget {
        requests_per_minute: per_minute,
        requests_per_hour: None,
        max_concurrent: concurrent,
        max_concurrent_per_endpoint: None,
        max_wait: Duration::from_secs(wait),
    }
}

#[tokio::test(start_paused = true)]
async fn requests_are_paced_by_the_budget() {
    let l = AccountLimiter::new("test", budget(12, 10, 60));
    let start = Instant::now();
    for _ in 0..3 {
        drop(l.acquire().await.unwrap());
    }
    // 12 a minute: a burst of two (a sixth), then one every 5 s.
    assert_eq!(start.elapsed().as_secs(), 5);
}

#[tokio::test(start_paused = true)]
async fn no_minute_sees_more_than_the_budget_and_a_sixth() {
    let l = AccountLimiter::new("test", budget(60, 100, 600));
    let start = Instant::now();
    let mut at = Vec::new();
    for _ in 0..300 {
        drop(l.acquire().await.unwrap());
        at.push(start.elapsed());
    }
    for (i, t) in at.iter().enumerate() {
        let in_window = at[i..].iter().take_while(|u| **u - *t < MINUTE).count();
        assert!(
            in_window <= 70,
            "{in_window} requests in the minute from {t:?}"
        );
    }
    // And the budget is used: 300 requests take about 290 s (a burst of 10, then 1 a second).
    assert_eq!(start.elapsed().as_secs(), 290);
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(start_paused = true)]
async fn waiting_longer_than_the_bound_fails_with_a_retry_time() {
    let l = AccountLimiter::new("test", budget(12, 10, 2));
    l.acquire().await.unwrap();
    l.acquire().await.unwrap();
    // 12/min in bursts of 2: the next slot is 5 s away, beyond the 2 s bound.
    let start = Instant::now();
    let e = l.acquire().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.message.contains("Retry in about 5 s"), "{}", e.message);
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "fails at once when the wait is known to be too long"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_every_caller() {
    let l = AccountLimiter::new("test", budget(600, 10, 30));
    l.observe(&Signals {
        status: 429,
        retry_after: Some(Duration::from_secs(7)),
        ..Default::default()
    });
    let start = Instant::now();
    l.acquire().await.unwrap();
    assert_eq!(start.elapsed().as_secs(), 7);
    l.observe(&Signals {
        status: 429,
        retry_after: Some(Duration::from_secs(120)),
        ..Default::default()
    });
    let e = l.acquire().await.unwrap_err();
    assert!(e.message.contains("Retry in about 120 s"), "{}", e.message);
}

#[tokio::test(start_paused = true)]
async fn the_upstream_total_lowers_the_budget() {
    let l = AccountLimiter::new("test", budget(600, 10, 30));
    l.observe(&Signals {
        status: 200,
        total: Some(50),
        remaining: Some(49),
        ..Default::default()
    });
    assert_eq!(l.per_minute(), 50);
    l.observe(&Signals {
        status: 200,
        total: Some(5000),
        ..Default::default()
    });
    assert_eq!(l.per_minute(), 50, "never loosened above what was seen");
    l.observe(&Signals {
        status: 200,
        remaining: Some(0),
        ..Default::default()
    });
    let e = l.acquire().await.unwrap_err();
    assert!(e.message.contains("pause"), "{}", e.message);
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_capped() {
    let l = Arc::new(AccountLimiter::new("test", budget(600, 1, 5)));
    let held = l.acquire().await.unwrap();
    let l2 = l.clone();
    let waiter = tokio::spawn(async move { l2.acquire().await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(held);
    assert!(
        waiter.await.unwrap().is_ok(),
        "gets the slot once it is free"
    );
    let _held = l.acquire().await.unwrap();
    let e = l.acquire().await.unwrap_err();
    assert!(e.message.contains("already in flight"), "{}", e.message);
}

/// Grant times (since the start) of `tasks` callers asking as fast as they can for `span`.
async fn saturate(l: Arc<AccountLimiter>, tasks: usize, span: Duration) -> Vec<Duration> {
    let start = Instant::now();
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (l, times) = (l.clone(), times.clone());
        handles.push(tokio::spawn(async move {
            while start.elapsed() < span {
                match l.acquire().await {
                    Ok(p) => {
                        times.lock().unwrap().push(start.elapsed());
                        drop(p);
                    }
                    // Each caller waits at most the bound; it asks again.
                    Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let mut t = std::mem::take(&mut *times.lock().unwrap());
    t.retain(|x| *x < span);
    t.sort();
    t
}

/// The most grants in any closed window of an hour.
fn busiest_hour(times: &[Duration]) -> usize {
    let mut most = 0;
    let mut j = 0;
    for i in 0..times.len() {
        while j < times.len() && times[j] <= times[i] + hourly::HOUR {
            j += 1;
        }
        most = most.max(j - i);
    }
    most
}

#[tokio::test(start_paused = true)]
async fn the_hourly_budget_holds_over_every_rolling_hour() {
    let r = 10_000;
    let l = Arc::new(AccountLimiter::new(
        "test",
        Budget {
            requests_per_hour: Some(r),
            ..budget(100_000, 64, 30)
        },
    ));
    assert_eq!(l.hourly(), Some(r));
    let times = saturate(l, 4, Duration::from_secs(3 * 3600)).await;
    let busiest = busiest_hour(&times);
    assert!(
        busiest <= r as usize,
        "{busiest} requests in one rolling hour"
    );
    let first = times.iter().filter(|t| **t < hourly::HOUR).count();
    assert!(first * 100 >= r as usize * 95, "{first} in the first hour");
    let later = times.len() - first;
    assert!(
        later * 100 >= 2 * r as usize * 95,
        "{later} in the next two hours"
    );
}

#[tokio::test(start_paused = true)]
async fn an_hourly_budget_used_up_says_so() {
    let l = AccountLimiter::new(
        "test",
        Budget {
            requests_per_hour: Some(40),
            ..budget(600, 10, 10)
        },
    );
    // Burst of 40 / 20 = 2, then one every 3600 / 38 s (about 95 s).
    l.acquire().await.unwrap();
    l.acquire().await.unwrap();
    let e = l.acquire().await.unwrap_err();
    assert!(
        e.message.contains("hourly request budget (40 per hour)"),
        "{}",
        e.message
    );
    assert!(e.message.contains("Retry in about 95 s"), "{}", e.message);
    tokio::time::sleep(Duration::from_secs(95)).await;
    l.acquire().await.unwrap();
}

/// Ten callers on one endpoint, each holding its permit for a second.
async fn crowd(l: &Arc<AccountLimiter>, endpoint: &'static str) -> (usize, usize) {
    let held = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..10 {
        let (l, held, most) = (l.clone(), held.clone(), most.clone());
        handles.push(tokio::spawn(async move {
            let p = l.acquire_for(endpoint).await?;
            let now = held.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(1)).await;
            held.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            drop(p);
            Ok::<_, Error>(())
        }));
    }
    let mut done = 0;
    for h in handles {
        if h.await.unwrap().is_ok() {
            done += 1;
        }
    }
    (most.load(std::sync::atomic::Ordering::SeqCst), done)
}

fn gated(per_endpoint: u32, wait: u64) -> Arc<AccountLimiter> {
    Arc::new(AccountLimiter::new(
        "test",
        Budget {
            max_concurrent_per_endpoint: Some(per_endpoint),
            ..budget(6_000, 64, wait)
        },
    ))
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_holds_at_most_its_cap() {
    let l = gated(3, 30);
    let start = Instant::now();
    let (most, done) = crowd(&l, "Tickets").await;
    assert_eq!((most, done), (3, 10));
    assert_eq!(
        start.elapsed().as_secs(),
        4,
        "ten in turns of three, a second each"
    );
    // A cap above the crowd holds nobody back.
    let (most, _) = crowd(&gated(64, 30), "Tickets").await;
    assert_eq!(most, 10);
}

#[tokio::test(start_paused = true)]
async fn endpoints_are_gated_apart_and_without_regard_to_case() {
    let l = gated(3, 5);
    let held: Vec<Permit> = vec![
        l.acquire_for("Tickets").await.unwrap(),
        l.acquire_for("tickets").await.unwrap(),
        l.acquire_for("TICKETS").await.unwrap(),
    ];
    let start = Instant::now();
    // Another endpoint, and the account without an endpoint, are not held back.
    let _c = l.acquire_for("Companies").await.unwrap();
    let _a = l.acquire().await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
    let e = l.acquire_for("TiCkEtS").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(
        e.message
            .contains("3 requests to TiCkEtS are already in flight"),
        "{}",
        e.message
    );
    assert_eq!(
        start.elapsed().as_secs(),
        5,
        "waited the bound for the endpoint"
    );
    drop(held);
    l.acquire_for("tickets").await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_upstream_usage_tightens_and_loosens_the_hourly_budget() {
    let l = AccountLimiter::new(
        "test",
        Budget {
            requests_per_hour: Some(8_000),
            ..budget(100_000, 64, 30)
        },
    );
    l.observe_usage(1_000, 10_000);
    assert_eq!(l.hourly(), Some(8_000), "never above policy's");
    l.observe_usage(1_000, 5_000);
    assert_eq!(
        l.hourly(),
        Some(4_000),
        "what the others leave of the threshold"
    );
    l.observe_usage(4_000, 5_000);
    assert_eq!(l.hourly(), Some(1_000), "past half: what is left");
    l.observe_usage(1_000, 10_000);
    assert_eq!(l.hourly(), Some(8_000), "usage fell: back to policy's");

    // Without a policy budget, the upstream's threshold sets one.
    let l = AccountLimiter::new("test", budget(100_000, 64, 30));
    assert_eq!(l.hourly(), None);
    l.observe_usage(100, 10_000);
    assert_eq!(l.hourly(), Some(9_900));
}

#[tokio::test(start_paused = true)]
async fn our_own_requests_are_not_counted_as_other_integrations() {
    let l = AccountLimiter::new(
        "test",
        Budget {
            requests_per_hour: Some(1_000),
            ..budget(100_000, 64, 30)
        },
    );
    for _ in 0..40 {
        drop(l.acquire().await.unwrap());
    }
    // The upstream counts our 40 and 10 of another integration's.
    l.observe_usage(50, 1_000);
    assert_eq!(l.hourly(), Some(990));
}

#[tokio::test(start_paused = true)]
async fn what_other_integrations_used_is_left_to_them() {
    let l = Arc::new(AccountLimiter::new("test", budget(100_000, 64, 30)));
    l.observe_usage(9_000, 10_000);
    assert_eq!(l.hourly(), Some(1_000));
    let times = saturate(l, 2, hourly::HOUR).await;
    assert!(times.len() <= 1_000, "{} sent in the hour", times.len());
    assert!(times.len() >= 950, "{} sent in the hour", times.len());
}

#[tokio::test(start_paused = true)]
async fn at_the_threshold_requests_pause_for_a_minute() {
    let l = AccountLimiter::new("test", budget(100_000, 64, 30));
    l.observe_usage(6_000, 10_000);
    l.observe_usage(10_000, 10_000);
    assert_eq!(l.hourly(), Some(4_000), "the pace stays as it was");
    let e = l.acquire().await.unwrap_err();
    assert!(e.message.contains("pause"), "{}", e.message);
    assert!(e.message.contains("Retry in about 60 s"), "{}", e.message);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let start = Instant::now();
    l.acquire().await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
}
