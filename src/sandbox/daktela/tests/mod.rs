//! Unit tests of the Daktela simulator over real HTTP on loopback: helpers and the
//! authentication, envelope and record tests here; the query grammar in `query`.
//!
//! Owns: the simulator's own tests. Must not: depend on the product's clients.

mod query;

use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};

use super::*;

async fn start() -> DaktelaSim {
    DaktelaSim::start(DaktelaSimOptions::default())
        .await
        .expect("simulator starts")
}

struct Api {
    http: Client,
    base: String,
}

impl Api {
    fn new(sim: &DaktelaSim) -> Self {
        Api {
            http: Client::new(),
            base: format!("{}api/v6/", sim.base_url()),
        }
    }

    async fn send(&self, b: reqwest::RequestBuilder) -> (u16, Value) {
        let r = b.send().await.expect("sent");
        let status = r.status().as_u16();
        let body = r.text().await.expect("body");
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }

    async fn login(&self) -> (u16, Value) {
        let body = json!({"username": "agent.novak", "password": "heslo-CANARY"});
        self.send(
            self.http
                .post(format!("{}login.json", self.base))
                .json(&body),
        )
        .await
    }

    /// GET `path` (after `api/v6/`, query included) with the static token in the header.
    async fn get(&self, path: &str) -> (u16, Value) {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req.header("X-AUTH-TOKEN", "static-CANARY-token"))
            .await
    }

    async fn get_with(&self, path: &str, token: &str) -> (u16, Value) {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req.header("X-AUTH-TOKEN", token)).await
    }

    /// The `data` and `total` of a list.
    async fn list(&self, path: &str) -> (Vec<Value>, u64) {
        let (status, v) = self.get(path).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["error"], json!([]), "{v}");
        let data = v["result"]["data"].as_array().expect("data").clone();
        (data, v["result"]["total"].as_u64().expect("total"))
    }
}

fn assert_envelope(v: &Value) {
    let time = v["_time"].as_str().expect("_time");
    assert_eq!(time.len(), 19, "{time}");
    assert!(chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S").is_ok());
}

#[tokio::test]
async fn login_gives_tokens_usable_in_the_header_and_the_query() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (status, v) = api.login().await;
    assert_eq!(status, 200, "{v}");
    assert_envelope(&v);
    assert_eq!(v["error"], json!([]));
    let access = v["result"]["accessToken"]
        .as_str()
        .expect("access")
        .to_string();
    assert!(v["result"]["refreshToken"].is_string());
    assert_eq!(sim.logins(), 1);
    assert_eq!(sim.requests("POST", "/api/v6/login.json"), 1);
    assert_eq!(api.get_with("whoim.json", &access).await.0, 200);
    let url = format!("{}tickets.json?accessToken={access}", api.base);
    assert_eq!(api.send(api.http.get(url)).await.0, 200);
    let (status, v) = api
        .send(api.http.get(format!("{}tickets.json", api.base)))
        .await;
    assert_eq!(status, 401);
    assert_eq!(v["error"], json!(["Invalid access token"]));
    assert_eq!(v["result"], Value::Null);
    assert_envelope(&v);
    assert_eq!(api.get_with("tickets.json", "nonsense").await.0, 401);
    assert_eq!(sim.requests("GET", "/tickets.json"), 3);
}

#[tokio::test]
async fn only_token_and_a_wrong_password() {
    let sim = start().await;
    let api = Api::new(&sim);
    let body = json!({"username": "agent.novak", "password": "heslo-CANARY", "only_token": 1});
    let (status, v) = api
        .send(api.http.post(format!("{}login.json", api.base)).json(&body))
        .await;
    assert_eq!(status, 200, "{v}");
    let token = v["result"].as_str().expect("bare token");
    assert_eq!(api.get_with("whoim.json", token).await.0, 200);
    let url = format!("{}login.json?only_token=1", api.base);
    let body = json!({"username": "agent.novak", "password": "heslo-CANARY"});
    let (_, v) = api.send(api.http.post(url).json(&body)).await;
    assert!(v["result"].is_string(), "{v}");
    let bad = json!({"username": "agent.novak", "password": "wrong"});
    let (status, v) = api
        .send(api.http.post(format!("{}login.json", api.base)).json(&bad))
        .await;
    assert_eq!(status, 401);
    assert_eq!(v["result"], Value::Null);
    assert!(v["error"][0].is_string());
    assert_eq!(sim.logins(), 2);
}

#[tokio::test(start_paused = true)]
async fn access_tokens_expire_and_a_refresh_token_works_once() {
    let sim = DaktelaSim::start(DaktelaSimOptions {
        token_ttl: Duration::from_secs(60),
        ..DaktelaSimOptions::default()
    })
    .await
    .expect("starts");
    let api = Api::new(&sim);
    let (_, v) = api.login().await;
    let access = v["result"]["accessToken"]
        .as_str()
        .expect("access")
        .to_string();
    let refresh = v["result"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_string();
    assert_eq!(api.get_with("whoim.json", &access).await.0, 200);
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(api.get_with("whoim.json", &access).await.0, 401);
    let put = |t: &str| {
        let url = format!("{}login.json", api.base);
        api.http.put(url).json(&json!({"refreshToken": t}))
    };
    let (status, v) = api.send(put(&refresh)).await;
    assert_eq!(status, 200, "{v}");
    let fresh = v["result"]["accessToken"]
        .as_str()
        .expect("fresh")
        .to_string();
    assert_eq!(api.get_with("whoim.json", &fresh).await.0, 200);
    assert_eq!(api.send(put(&refresh)).await.0, 401);
    assert_eq!(sim.refreshes(), 1);
    sim.expire_tokens();
    assert_eq!(api.get_with("whoim.json", &fresh).await.0, 401);
    let next = v["result"]["refreshToken"].as_str().expect("next");
    assert_eq!(api.send(put(next)).await.0, 200);
    // The static token never expires.
    assert_eq!(api.get("whoim.json").await.0, 200);
}

#[tokio::test]
async fn envelopes_records_and_not_found() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (status, v) = api.get("tickets/4001.json").await;
    assert_eq!(status, 200, "{v}");
    assert_envelope(&v);
    let t = &v["result"];
    assert_eq!(t["name"], json!(TICKET_WITH_ACTIVITIES));
    assert_eq!(t["title"], TICKET_TITLE);
    assert_eq!(t["_sys"], json!({"hash": null, "model": "tickets"}));
    assert_eq!(t["category"]["title"], CATEGORY_TITLE);
    assert!(t["category"]["sla"]["title"].is_string());
    assert_eq!(t["user"]["name"], USER_LOGIN);
    assert_eq!(t["user"]["title"], USER_TITLE);
    assert_eq!(t["contact"]["title"], CONTACT_TITLE);
    assert_eq!(t["contact"]["account"]["title"], ACCOUNT_TITLE);
    assert_eq!(t["created"].as_str().map(str::len), Some(19));
    let (status, v) = api.get("tickets/999999.json").await;
    assert_eq!(status, 404);
    assert_eq!(v["error"], json!(["Object not exist"]));
    assert_eq!(v["result"], Value::Null);
    let (data, total) = api.list("tickets/4001/activities.json").await;
    assert_eq!(total as usize, TICKET_WITH_ACTIVITIES_COUNT);
    assert_eq!(data[0]["name"], EMAIL_ACTIVITY);
    assert_eq!(data[0]["item"]["name"], EMAIL_WITH_QUOTE);
    let (_, v) = api
        .get(&format!("activitiesEmail/{EMAIL_WITH_QUOTE}.json"))
        .await;
    let text = v["result"]["text"].as_str().expect("text");
    assert!(text.contains("\n> ") && text.contains("napsal(a):") && text.contains("-- \n"));
    let (_, v) = api
        .get(&format!("activitiesCall/{CALL_WITH_TRANSCRIPT}.json"))
        .await;
    assert_eq!(v["result"]["activities"][0], CALL_ACTIVITY, "{v}");
    let path = format!(
        "activitiesCallTranscripts.json?filter[0][field]=activity&filter[0][value]={CALL_ACTIVITY}"
    );
    let (turns, total) = api.list(&path).await;
    assert_eq!(total as usize, CALL_TRANSCRIPT_TURNS);
    assert_eq!(turns[0]["type"], "agent");
    let (status, v) = api.get("nomodel.json").await;
    assert_eq!(status, 404, "{v}");
    let url = format!("{}tickets.json", api.base);
    let req = api
        .http
        .post(url)
        .header("X-AUTH-TOKEN", "static-CANARY-token");
    let (status, v) = api.send(req.json(&json!({"title": "x"}))).await;
    assert_eq!(status, 405);
    assert!(v["error"][0].is_string());
}

#[tokio::test]
async fn percent_encoded_names_whoim_and_counts() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (status, v) = api.get(&format!("contacts/{CONTACT_NAME}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(v["result"]["title"], CONTACT_TITLE);
    let (status, v) = api.get(&format!("users/{}.json", "jnov%61k")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["result"]["title"], USER_TITLE);
    assert_eq!(api.get("users/..%2Fusers%2Fjnovak.json").await.0, 404);
    assert_eq!(
        api.get(&format!("accounts/{ACCOUNT_NAME}.json")).await.0,
        200
    );
    let (_, v) = api.get("whoim.json").await;
    assert_eq!(v["result"]["user"]["name"], "agent.novak");
    let (_, total) = api.list("tickets.json").await;
    assert_eq!(total as usize, TICKETS);
    for (stage, n) in [
        ("OPEN", TICKETS_OPEN),
        ("WAIT", TICKETS_WAIT),
        ("CLOSE", TICKETS_CLOSE),
        ("ARCHIVE", TICKETS_ARCHIVE),
    ] {
        let path = format!("tickets.json?filter[0][field]=stage&filter[0][value]={stage}");
        assert_eq!(api.list(&path).await.1 as usize, n, "{stage}");
    }
    for model in [
        "ticketsCategories",
        "activities",
        "activitiesCall",
        "activitiesEmail",
        "activitiesWeb",
        "activitiesSms",
        "activitiesFbm",
        "activitiesIgdm",
        "activitiesWap",
        "activitiesVbr",
        "contacts",
        "accounts",
        "crmRecords",
        "campaignsRecords",
        "campaignsTypes",
        "queues",
        "users",
        "groups",
        "pauses",
        "statuses",
        "templates",
        "realtimeSessions",
    ] {
        let (data, total) = api.list(&format!("{model}.json")).await;
        assert!(total > 0 && !data.is_empty(), "{model}");
    }
}

#[tokio::test]
async fn an_injected_429_answers_before_anything_else() {
    let sim = start().await;
    let api = Api::new(&sim);
    let body = json!({"error": ["Too many requests"], "result": null}).to_string();
    sim.inject(
        "GET",
        "/tickets",
        SimFault::Status {
            code: 429,
            retry_after: Some(3),
            body: Some(body),
        },
    );
    let r = api
        .http
        .get(format!("{}tickets.json", api.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(api.get("tickets.json").await.0, 200);
}
