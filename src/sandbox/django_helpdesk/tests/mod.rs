//! The simulator's unit tests, through HTTP like a client: this file has the shared helpers (the
//! users, a started simulator, a browser-like client).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::{Client, StatusCode as Sc};
use serde_json::{Value, json};

use super::*;

mod api;
mod auth;
mod client;
mod engine;
mod ui;

fn users() -> Vec<DjangoSimUser> {
    let user = |name: &str, staff: bool, agent: bool| DjangoSimUser {
        username: name.to_string(),
        password: format!("{name}-pass"),
        staff,
        agent,
    };
    vec![
        user("admin", true, false),
        user("agent7", true, true),
        user("customer", false, false),
        user("r&d<lab>", true, false),
    ]
}

async fn sim(fork: bool, seed: bool) -> DjangoSim {
    DjangoSim::start(DjangoSimOptions { fork, seed }, users())
        .await
        .expect("the simulator starts")
}

/// A browser-like client: cookie jar, no redirects.
struct Browser {
    http: Client,
    jar: Arc<Jar>,
    base: String,
}

impl Browser {
    fn new(sim: &DjangoSim) -> Browser {
        let jar = Arc::new(Jar::default());
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            http,
            jar,
            base: sim.base_url(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    fn cookie(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|c| {
            let (k, v) = c.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    async fn login(&self, user: &str, password: &str) -> reqwest::Response {
        let page = self
            .http
            .get(self.url("login/"))
            .send()
            .await
            .expect("login page");
        assert_eq!(page.status(), Sc::OK);
        let csrf = self.cookie("csrftoken").expect("a csrftoken cookie");
        self.http
            .post(self.url("login/"))
            .form(&[
                ("csrfmiddlewaretoken", csrf.as_str()),
                ("username", user),
                ("password", password),
            ])
            .send()
            .await
            .expect("login post")
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .expect("get")
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(c) = self.cookie("csrftoken") {
            rb = rb.header("X-CSRFToken", c);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.expect("request")
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let r = self.send(method, path, body).await;
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.to_string())
}
