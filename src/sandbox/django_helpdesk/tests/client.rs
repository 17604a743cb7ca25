//! The product's own django-helpdesk client against the simulator.

use super::*;

/// The product's own client against the simulator.
#[tokio::test]
async fn the_product_client_works_against_the_simulator() {
    use crate::backends::django_helpdesk::{
        DjangoAuth, DjangoClient, DjangoHelpdeskConfig, ForkProbe,
    };
    use crate::policy::ratelimit::{AccountLimiter, Budget};
    use secrecy::SecretString;

    let s = sim(true, true).await;
    let limiter = Arc::new(AccountLimiter::new(
        "django-helpdesk test",
        Budget {
            requests_per_minute: 10_000,
            requests_per_hour: None,
            max_concurrent: 4,
            max_concurrent_per_endpoint: None,
            max_wait: Duration::from_secs(5),
        },
    ));
    let client = |user: &str| {
        DjangoClient::new(
            DjangoHelpdeskConfig {
                base_url: url::Url::parse(&s.base_url()).unwrap(),
                username: Some(user.to_string()),
                auth: DjangoAuth::Password(SecretString::from(format!("{user}-pass"))),
                timeout: Duration::from_secs(10),
            },
            limiter.clone(),
        )
        .unwrap()
    };
    let c = client("agent7");
    c.ensure_login().await.unwrap();
    assert_eq!(c.login_count(), 1);

    let page = c.list_tickets(1, 10, &[1, 2]).await.unwrap();
    assert!(page.count > 0);
    assert!(page.results.iter().all(|t| t.status == 1 || t.status == 2));

    let choices = c.choices(true).await.unwrap();
    let names: Vec<&str> = choices.queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Billing", "Onboarding", "Support"]);
    assert!(
        choices
            .users
            .iter()
            .any(|u| u.name == "agent7" && u.id == 2)
    );
    assert!(choices.users.iter().any(|u| u.name == "r&d<lab>"));

    let dt = c
        .datatables(
            &json!({
                "filtering": {"queue__id__in": [1], "status__in": [1, 2]},
                "search_string": "",
                "sorting": "id",
            }),
            0,
            25,
        )
        .await
        .unwrap();
    assert!(dt.records_filtered > 0);
    assert!(dt.data.iter().all(|r| r.queue.id == 1));

    let (t, _, status) = c
        .create_ticket(&json!({
            "queue": 1,
            "title": "From the product",
            "description": "Created by DjangoClient",
            "priority": 3,
        }))
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(t.followup_set[0].title.as_deref(), Some("Ticket Opened"));
    let (f, _, status) = c
        .create_followup(&json!({
            "ticket": t.id,
            "comment": "Done for {{ ticket.title }}",
            "new_status": 3,
            "public": true,
        }))
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(f.comment.as_deref(), Some("Done for From the product"));
    let (t, _) = c.get_ticket(t.id).await.unwrap();
    assert_eq!(t.status, 3);
    let (t, _, _) = c.patch_ticket(t.id, &json!({"priority": 1})).await.unwrap();
    assert_eq!(t.priority, 1);

    match c.fork_session_info().await.unwrap() {
        ForkProbe::Present(info) => {
            assert!(info.branch_name.unwrap().starts_with("agent7-"));
        }
        other => panic!("expected the fork, got {other:?}"),
    }
    let info = c.fork_set_intent("Tidy the support queue").await.unwrap();
    assert_eq!(info.intent.as_deref(), Some("Tidy the support queue"));

    // The server forgets the session: the client logs in again once and carries on.
    assert_eq!(s.delete_sessions("agent7"), 1);
    let page = c.list_tickets(1, 1, &[]).await.unwrap();
    assert_eq!(page.count as usize, s.ticket_count());
    assert_eq!(c.login_count(), 2);
    // The same after a write with a stale CSRF token (the session is gone, so is its cookie).
    assert_eq!(s.delete_sessions("agent7"), 1);
    let (_, _, status) = c
        .create_ticket(
            &json!({"queue": 2, "title": "After re-login", "description": "d", "priority": 4}),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(c.login_count(), 3);

    c.fork_finish().await.unwrap();
    assert_eq!(s.finished_agent_sessions().len(), 1);

    let admin = client("admin");
    assert!(matches!(
        admin.fork_session_info().await.unwrap(),
        ForkProbe::NotAgent(_)
    ));
    c.delete_ticket(t.id).await.unwrap();
    admin.logout().await.unwrap();

    let plain = sim(false, false).await;
    let c = DjangoClient::new(
        DjangoHelpdeskConfig {
            base_url: url::Url::parse(&plain.base_url()).unwrap(),
            username: Some("admin".into()),
            auth: DjangoAuth::Password(SecretString::from("admin-pass".to_string())),
            timeout: Duration::from_secs(10),
        },
        limiter.clone(),
    )
    .unwrap();
    assert!(matches!(
        c.fork_session_info().await.unwrap(),
        ForkProbe::Absent
    ));
    let bad = DjangoClient::new(
        DjangoHelpdeskConfig {
            base_url: url::Url::parse(&plain.base_url()).unwrap(),
            username: Some("admin".into()),
            auth: DjangoAuth::Password(SecretString::from("wrong".to_string())),
            timeout: Duration::from_secs(10),
        },
        limiter,
    )
    .unwrap();
    assert!(bad.ensure_login().await.is_err());
}
