//! Unit tests of the Autotask simulator over real HTTP on loopback: helpers, discovery, auth and
//! routing here; one file per area below.
//!
//! Owns: the simulator's own tests. Must not: depend on the product's clients.

mod limits;
mod query;
mod seed;
mod writes;

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use super::*;

const USER: &str = "api@zeta-msp.example";
const SECRET: &str = "sim-secret";
const CODE: &str = "TESTCODE";

async fn start_with(seed: bool, requests_per_hour: u32, thread_limit: usize) -> AutotaskSim {
    AutotaskSim::start(AutotaskSimOptions {
        username: USER.into(),
        secret: SECRET.into(),
        integration_code: CODE.into(),
        requests_per_hour,
        thread_limit,
        seed,
    })
    .await
    .expect("simulator starts")
}

async fn start(seed: bool) -> AutotaskSim {
    start_with(seed, 0, 0).await
}

struct Api {
    http: Client,
    base: String,
}

impl Api {
    fn new(sim: &AutotaskSim) -> Self {
        Api {
            http: Client::new(),
            base: sim.base_url(),
        }
    }

    /// `path` after the base URL (`Tickets/5`), or an absolute URL.
    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        self.http
            .request(method, url)
            .header("ApiIntegrationCode", CODE)
            .header("UserName", USER)
            .header("Secret", SECRET)
    }

    async fn send(&self, b: RequestBuilder) -> (u16, Value) {
        let r = b.send().await.expect("sent");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.req(Method::GET, path)).await
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> (u16, Value) {
        self.send(self.req(method, path).json(&body)).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, body).await
    }

    async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PATCH, path, body).await
    }

    async fn query(&self, entity: &str, search: Value) -> (u16, Value) {
        self.post(&format!("{entity}/query"), search).await
    }
}

/// The first error message of an `{"errors": [...]}` body.
fn error(v: &Value) -> String {
    v["errors"][0].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn zone_discovery_and_versions_need_no_auth_and_are_not_counted() {
    let sim = start(false).await;
    let http = Client::new();
    let r = http
        .get(sim.zone_discovery_url())
        .query(&[("user", "API@zeta-msp.example")])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
    let zone: Value = r.json().await.expect("json");
    let origin = sim.base_url().replace("/ATServicesRest/V1.0/", "");
    assert_eq!(
        zone,
        json!({"zoneName": "Sandbox", "url": format!("{origin}/ATServicesRest/"),
            "webUrl": format!("{origin}/"), "ci": 0})
    );
    assert_eq!(
        format!("{}V1.0/", zone["url"].as_str().unwrap_or("")),
        sim.base_url()
    );
    let upper = sim
        .zone_discovery_url()
        .to_uppercase()
        .replace("HTTP://", "http://");
    let r = http
        .get(format!("{upper}?user=nobody@x.example"))
        .send()
        .await;
    let r = r.expect("sent");
    assert_eq!(r.status().as_u16(), 404);
    let body: Value = r.json().await.expect("json");
    assert!(error(&body).contains("nobody@x.example"), "{body}");
    let r = http
        .get(sim.zone_discovery_url())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    let r = http
        .get(format!("{origin}/ATServicesRest/VersionInformation"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.json::<Value>().await.ok(),
        Some(json!({"apiVersions": ["V1.0"]}))
    );
    assert_eq!(sim.usage(), 0);
}

#[tokio::test]
async fn auth_failures_have_their_own_codes_and_bodies() {
    let sim = start(false).await;
    let api = Api::new(&sim);
    let url = format!("{}Companies/0", sim.base_url());
    let with = |user: &str, secret: &str, code: &str| {
        api.http
            .get(&url)
            .header("UserName", user)
            .header("Secret", secret)
            .header("ApiIntegrationCode", code)
    };
    let (s, v) = api.send(with(USER, "wrong", CODE)).await;
    assert_eq!(s, 401);
    assert_eq!(
        v,
        json!({"Message": "Authorization has been denied for this request."})
    );
    let (s, unknown_user) = api.send(with("who@x.example", SECRET, CODE)).await;
    assert_eq!(s, 500);
    let (s, unknown_code) = api.send(with(USER, SECRET, "NOPE")).await;
    assert_eq!(s, 500);
    assert_ne!(error(&unknown_user), error(&unknown_code));
    assert!(error(&unknown_user).contains("who@x.example"));
    assert!(error(&unknown_code).contains("ApiIntegrationCode"));
    assert_eq!(api.send(api.http.get(&url)).await.0, 401);
    let (s, v) = api.get("Companies/0").await;
    assert_eq!(s, 200);
    assert_eq!(v["item"]["companyName"], "Zeta Managed Services");
    // Impersonation must name an active resource.
    let (s, v) = api
        .send(
            api.req(Method::GET, "Companies/0")
                .header("ImpersonationResourceId", "42"),
        )
        .await;
    assert_eq!(s, 500);
    assert!(error(&v).contains("42"), "{v}");
}

#[tokio::test]
async fn paths_are_case_insensitive_with_405_and_404() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    let lower = sim.base_url().to_lowercase();
    let (s, v) = api.get(&format!("{lower}tickets/47001")).await;
    assert_eq!(s, 200);
    assert_eq!(v["item"]["id"], 47001);
    let (s, v) = api.get("Tickets/1").await;
    assert_eq!((s, v), (200, json!({"item": null})));
    let (s, v) = api.post("Resources", json!({"firstName": "x"})).await;
    assert_eq!(s, 405);
    assert_eq!(
        v,
        json!({"Message": "The requested resource does not support http method 'POST'."})
    );
    let (s, _) = api.call(Method::DELETE, "Tickets/47001", json!({})).await;
    assert_eq!(s, 405);
    assert_eq!(api.post("Contacts", json!({})).await.0, 405);
    assert_eq!(api.post("TicketNotes", json!({})).await.0, 405);
    let (s, v) = api.get("Nothing/here").await;
    assert_eq!(s, 404);
    assert!(v["Message"].as_str().is_some(), "{v}");
    // A body that is not JSON is refused before anything happens.
    let b = api
        .req(Method::POST, "Tickets")
        .header("Content-Type", "text/plain")
        .body("{}");
    assert_eq!(api.send(b).await.0, 415);
}

#[tokio::test]
async fn metadata_lists_fields_picklists_and_udfs() {
    let sim = start(true).await;
    let api = Api::new(&sim);
    for def in schema::entities() {
        let (s, v) = api
            .get(&format!("{}/entityInformation/fields", def.name))
            .await;
        assert_eq!(s, 200, "{}", def.name);
        assert!(v["fields"].as_array().is_some_and(|f| !f.is_empty()));
        let (s, v) = api.get(&format!("{}/entityInformation", def.name)).await;
        assert_eq!(s, 200);
        assert_eq!(v["info"]["name"], def.singular);
    }
    let (_, v) = api.get("Tickets/entityInformation/fields").await;
    let field = |name: &str| {
        v["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["name"] == name).cloned())
            .unwrap_or_default()
    };
    let status = field("status");
    assert_eq!(status["isPickList"], true);
    assert_eq!(status["isRequired"], true);
    assert_eq!(status["picklistValues"][0]["value"], "2");
    assert_eq!(status["picklistValues"][0]["isDefaultValue"], true);
    let cancelled = &status["picklistValues"][5];
    assert_eq!(
        (cancelled["label"].clone(), cancelled["isActive"].clone()),
        (json!("Cancelled"), json!(false))
    );
    assert_eq!(field("companyID")["referenceEntityType"], "Company");
    assert_eq!(field("id")["isReadOnly"], true);
    assert_eq!(
        field("subIssueType")["picklistParentValueField"],
        "issueType"
    );
    let (_, u) = api
        .get("Companies/entityInformation/userDefinedFields")
        .await;
    assert_eq!(u["fields"][0]["name"], "Customer Ref");
    let (_, info) = api.get("Resources/entityInformation").await;
    assert_eq!(info["info"]["canCreate"], false);
    assert_eq!(info["info"]["canUpdate"], true);
}
