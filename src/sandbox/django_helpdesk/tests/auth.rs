//! Login, CSRF, the authentication classes and permissions, logout and server-side sessions.

use super::super::csrf::mask_secret;
use super::*;

#[tokio::test]
async fn login_rotates_the_csrf_token_and_the_old_one_is_refused() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    let page = b.http.get(b.url("login/")).send().await.unwrap();
    let set_cookie = page
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.starts_with("csrftoken="), "{set_cookie}");
    assert!(set_cookie.contains("Path=/") && set_cookie.contains("SameSite=Lax"));
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"csrfmiddlewaretoken\""));
    let before = b.cookie("csrftoken").unwrap();
    assert_eq!(before.len(), 32);

    let r = b.login("admin", "admin-pass").await;
    assert_eq!(r.status(), Sc::FOUND);
    assert_eq!(r.headers()["location"], "/");
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("sessionid=") && c.contains("HttpOnly") && c.contains("Path=/"))
    );
    let session = b.cookie("sessionid").unwrap();
    assert_eq!(session.len(), 32);
    let after = b.cookie("csrftoken").unwrap();
    assert_ne!(before, after, "the CSRF secret rotates at login");

    // The pre-login token is refused; the new one works.
    let r = b
        .http
        .post(b.url("api/tickets/"))
        .header("X-CSRFToken", &before)
        .json(&json!({"queue": 1, "title": "t", "description": "d", "priority": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FORBIDDEN);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."})
    );
    let r = b
        .http
        .post(b.url("api/tickets/"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "CSRF Failed: CSRF token missing."})
    );
    let (status, t) = b
        .json(
            reqwest::Method::POST,
            "api/tickets/",
            Some(json!({"queue": 1, "title": "t", "description": "d", "priority": 3})),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    // A masked (64-character) token works as well as the raw secret.
    let masked = mask_secret(&after);
    let r = b
        .http
        .delete(b.url(&format!("api/tickets/{}/", t["id"])))
        .header("X-CSRFToken", masked)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::NO_CONTENT);
    // An Origin that is not this host is refused.
    let r = b
        .http
        .post(b.url("api/tickets/"))
        .header("X-CSRFToken", &after)
        .header("Origin", "http://localhost:1")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Origin checking failed"));
}

#[tokio::test]
async fn login_needs_csrf_and_the_right_password() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    // No cookie at all.
    let r = b
        .http
        .post(b.url("login/"))
        .form(&[("username", "admin"), ("password", "admin-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FORBIDDEN);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("CSRF verification failed. Request aborted.")
    );
    // A cookie but a wrong form token.
    b.http.get(b.url("login/")).send().await.unwrap();
    let r = b
        .http
        .post(b.url("login/"))
        .form(&[
            ("csrfmiddlewaretoken", "x".repeat(32).as_str()),
            ("username", "admin"),
            ("password", "admin-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FORBIDDEN);
    // The header works instead of the field.
    let csrf = b.cookie("csrftoken").unwrap();
    let r = b
        .http
        .post(b.url("login/"))
        .header("X-CSRFToken", &csrf)
        .form(&[("username", "admin"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Your username and password didn't match. Please try again.")
    );
    assert!(b.cookie("sessionid").is_none());
    // `next` is honoured when it is local.
    let r = b
        .http
        .post(b.url("login/"))
        .form(&[
            ("csrfmiddlewaretoken", csrf.as_str()),
            ("username", "admin"),
            ("password", "admin-pass"),
            ("next", "/api/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FOUND);
    assert_eq!(r.headers()["location"], "/api/");
}

#[tokio::test]
async fn anonymous_non_staff_token_and_basic() {
    let s = sim(false, true).await;
    let b = Browser::new(&s);
    let (status, body) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    // The router root is public.
    let (status, root) = b.json(reqwest::Method::GET, "api/", None).await;
    assert_eq!(status, 200);
    assert_eq!(root["tickets"], format!("{}api/tickets/", s.base_url()));

    let c = Browser::new(&s);
    assert_eq!(
        c.login("customer", "customer-pass").await.status(),
        Sc::FOUND
    );
    let (status, body) = c.json(reqwest::Method::GET, "api/tickets/", None).await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"detail": "You do not have permission to perform this action."})
        )
    );
    let (status, _) = c
        .json(reqwest::Method::GET, "api/user_tickets/", None)
        .await;
    assert_eq!(status, 200);

    let token = s.add_token("admin");
    assert_eq!(token.len(), 40);
    assert_eq!(s.add_token("admin"), token);
    let http = Client::new();
    let r = http
        .post(format!("{}api/tickets/", s.base_url()))
        .header("Authorization", format!("Token {token}"))
        .json(&json!({
            "queue": 2,
            "title": "Token ticket",
            "description": "no csrf needed",
            "priority": "2",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::CREATED);
    let r = http
        .get(format!("{}api/tickets/", s.base_url()))
        .header("Authorization", "Token nope")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "Invalid token."})
    );
    let r = http
        .get(format!("{}api/tickets/?page_size=1", s.base_url()))
        .basic_auth("admin", Some("admin-pass"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::OK);
    let r = http
        .get(format!("{}api/tickets/", s.base_url()))
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "Invalid username/password."})
    );
    let r = http
        .get(format!("{}api/tickets/", s.base_url()))
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn logout_and_server_side_session_deletion() {
    let s = sim(false, false).await;
    let b = Browser::new(&s);
    b.login("admin", "admin-pass").await;
    let r = b.http.get(b.url("logout/")).send().await.unwrap();
    assert_eq!(r.status(), Sc::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "POST, OPTIONS");
    let r = b.http.post(b.url("logout/")).send().await.unwrap();
    assert_eq!(r.status(), Sc::FORBIDDEN, "logout needs CSRF");
    let old_session = b.cookie("sessionid").unwrap();
    let r = b.send(reqwest::Method::POST, "logout/", None).await;
    assert_eq!(r.status(), Sc::OK);
    assert!(r.text().await.unwrap().contains("Logged Out"));
    let (status, _) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
    assert_eq!(status, 403);
    // Replaying the old cookie does not help: the session is gone server-side.
    let r = Client::new()
        .get(b.url("api/tickets/"))
        .header("cookie", format!("sessionid={old_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), Sc::FORBIDDEN);

    b.login("admin", "admin-pass").await;
    let (status, _) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
    assert_eq!(status, 200);
    assert_eq!(s.delete_sessions("admin"), 1);
    assert_eq!(s.delete_sessions("nobody"), 0);
    let (status, e) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
    assert_eq!(
        (status, e),
        (
            403,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    b.login("admin", "admin-pass").await;
    let (status, _) = b.json(reqwest::Method::GET, "api/tickets/", None).await;
    assert_eq!(status, 200);
}
