//! Unit tests of the Freshdesk simulator over real HTTP on loopback: shared helpers, auth and the
//! text helpers here; one file per area below.
//!
//! Owns: the simulator's own tests. Must not: depend on the product's clients.

mod faults;
mod resources;
mod search;
mod seed;
mod tickets;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use regex::Regex;
use reqwest::{Client, RequestBuilder, Response as HttpResponse};
use serde_json::{Value, json};

use super::input::to_html;
use super::state::USER_BASE;
use super::*;
use crate::sandbox::kit::lock;
use crate::sandbox::kit::text::to_text;
use crate::sandbox::kit::time::{parse_time, ts};

const KEY: &str = "sim-test-key";

async fn start(seed: bool, requests_per_minute: u32) -> FreshdeskSim {
    FreshdeskSim::start(SimOptions {
        api_key: KEY.into(),
        requests_per_minute,
        seed,
    })
    .await
    .expect("simulator starts")
}

struct Api {
    http: Client,
    base: String,
}

impl Api {
    fn new(sim: &FreshdeskSim) -> Self {
        Api {
            http: Client::new(),
            base: sim.base_url(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v2{path}", self.base)
    }

    fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(KEY, Some("X"))
    }

    async fn get(&self, path: &str) -> HttpResponse {
        self.req(reqwest::Method::GET, path)
            .send()
            .await
            .expect("sent")
    }

    async fn get_q(&self, path: &str, query: &[(&str, &str)]) -> HttpResponse {
        self.req(reqwest::Method::GET, path)
            .query(query)
            .send()
            .await
            .expect("sent")
    }

    async fn post(&self, path: &str, body: Value) -> HttpResponse {
        self.req(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .expect("sent")
    }

    async fn put(&self, path: &str, body: Value) -> HttpResponse {
        self.req(reqwest::Method::PUT, path)
            .json(&body)
            .send()
            .await
            .expect("sent")
    }

    async fn delete(&self, path: &str) -> HttpResponse {
        self.req(reqwest::Method::DELETE, path)
            .send()
            .await
            .expect("sent")
    }

    async fn search(&self, kind: &str, expr: &str) -> (u16, Value) {
        let r = self
            .get_q(
                &format!("/search/{kind}"),
                &[("query", &format!("\"{expr}\""))],
            )
            .await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Creates a ticket; its JSON.
    async fn ticket(&self, body: Value) -> Value {
        let r = self.post("/tickets", body).await;
        assert_eq!(r.status().as_u16(), 201);
        r.json().await.expect("ticket json")
    }
}

fn header<'a>(r: &'a HttpResponse, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn json_of(r: HttpResponse) -> Value {
    r.json().await.expect("json body")
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
        .unwrap_or_default()
}

fn basic(subject: &str, status: i64, priority: i64) -> Value {
    json!({
        "subject": subject,
        "description": format!("About {subject}"),
        "status": status,
        "priority": priority,
        "email": "requester@customer.example",
    })
}

fn error_entry(body: &Value, field: &str) -> Value {
    body["errors"]
        .as_array()
        .and_then(|errs| errs.iter().find(|e| e["field"] == field).cloned())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn auth_requires_the_api_key_and_password_x() {
    let sim = start(false, 1000).await;
    let api = Api::new(&sim);
    let url = api.url("/tickets");
    let attempts = [
        api.http.get(&url),
        api.http.get(&url).basic_auth("wrong-key", Some("X")),
        api.http.get(&url).basic_auth(KEY, Some("password")),
        api.http.get(&url).basic_auth(KEY, None::<&str>),
        api.http.get(&url).bearer_auth(KEY),
    ];
    for attempt in attempts {
        let r = attempt.send().await.expect("sent");
        assert_eq!(r.status().as_u16(), 401);
        assert_eq!(
            header(&r, "x-freshdesk-api-version"),
            Some("latest=v2; requested=v2")
        );
        assert!(header(&r, "x-request-id").is_some_and(|v| uuid::Uuid::parse_str(v).is_ok()));
        assert_eq!(
            json_of(r).await,
            json!({
                "code": "invalid_credentials",
                "message": "You have to be logged in to perform this action.",
            })
        );
    }
    let r = api.get("/tickets").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(header(&r, "x-request-id").is_some());
    assert_eq!(json_of(r).await, json!([]));
}

#[test]
fn html_and_text_helpers() {
    assert_eq!(to_html("a & b\nc"), "<div>a &amp; b<br>c</div>");
    assert_eq!(to_html("<p>kept</p>"), "<p>kept</p>");
    assert_eq!(
        to_text("<div>Hi&nbsp;there,</div><div><br></div><div>Line &amp; more</div>"),
        "Hi there,\n\nLine & more"
    );
    assert_eq!(
        parse_time("2024-01-19"),
        Utc.with_ymd_and_hms(2024, 1, 19, 0, 0, 0).single()
    );
    assert_eq!(
        parse_time("2024-01-19T10:11:12.345+02:00"),
        Utc.with_ymd_and_hms(2024, 1, 19, 8, 11, 12).single()
    );
    assert!(parse_time("soon").is_none());
    assert!(matches_request("*", "/tickets", "PUT", "/api/v2/tickets/3"));
    assert!(!matches_request(
        "GET",
        "/tickets/",
        "GET",
        "/api/v2/tickets"
    ));
    assert!(matches_request(
        "post",
        "/api/v2/tickets",
        "POST",
        "/api/v2/tickets"
    ));
}
