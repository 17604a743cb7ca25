//! Unit tests of the Kayako Classic simulator over real HTTP on loopback: helpers (signed
//! requests, an XML tree read with quick-xml) and authentication and routing here; one file
//! per area below.
//!
//! Owns: the simulator's own tests. Must not: depend on the product's clients.

mod reference;
mod search;
mod tickets;
mod xml;

use std::collections::BTreeMap;

use aws_lc_rs::hmac;
use base64::Engine;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use reqwest::Client;

use super::*;

const API_KEY: &str = "7f0c2a4e-9d1b-4c8e-a3f5-61b2d0e9c4a7";
const SECRET: &str = "sim-secret";
/// A salt and its signature, computed independently:
/// `printf %s 1234567890 | openssl dgst -sha256 -hmac sim-secret -binary | base64`.
const SALT: &str = "1234567890";
const SIGNATURE: &str = "FHIo6fICJ+g/AVXcTxX05fpXRN6tlRSmKugmTTUSmis=";
/// The scheme another client uses, base64(SHA-256(salt + secret)):
/// `printf %s 1234567890sim-secret | openssl dgst -sha256 -binary | base64`.
const SHA256_SIGNATURE: &str = "LK0Gu/Z3QLG6uhWKJbrwtFB6OQtB0/pHHqjb5RfIrNM=";

async fn start_with(seed: bool, search_result_limit: usize) -> KayakoSim {
    KayakoSim::start(KayakoSimOptions {
        api_key: API_KEY.into(),
        secret: SECRET.into(),
        seed,
        search_result_limit,
    })
    .await
    .expect("simulator starts")
}

async fn start() -> KayakoSim {
    start_with(true, 50).await
}

/// An answer: status, `Content-Type` and body.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    fn xml(&self) -> Node {
        assert_eq!(self.status, 200, "{}", self.body);
        assert_eq!(self.content_type, "text/xml");
        assert!(
            self.body
                .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            "{}",
            self.body
        );
        parse(&self.body)
    }
}

struct Api {
    http: Client,
    base: String,
}

impl Api {
    fn new(sim: &KayakoSim) -> Self {
        Api {
            http: Client::new(),
            base: sim.base_url(),
        }
    }

    async fn send(&self, b: reqwest::RequestBuilder) -> Answer {
        let r = b.send().await.expect("sent");
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.text().await.expect("body");
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// GET `route` with `extra` query pairs (the credentials among them).
    async fn get_with(&self, route: &str, extra: &[(&str, &str)]) -> Answer {
        let mut q = vec![("e", route)];
        q.extend_from_slice(extra);
        self.send(self.http.get(&self.base).query(&q)).await
    }

    /// GET `route`, signed.
    async fn get(&self, route: &str) -> Answer {
        self.get_with(route, &signed()).await
    }

    /// POST `route` with `fields` and the signed credentials as a form body.
    async fn post(&self, route: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = signed().to_vec();
        form.extend_from_slice(fields);
        let url = format!("{}?e={route}", self.base);
        self.send(self.http.post(url).form(&form)).await
    }
}

/// The credentials of a correctly signed request.
fn signed() -> [(&'static str, &'static str); 3] {
    [
        ("apikey", API_KEY),
        ("salt", SALT),
        ("signature", SIGNATURE),
    ]
}

/// An element: its attributes, its text (CDATA sections joined) and its children.
#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:?}", self.name))
    }

    /// The text of the child `name`.
    fn value(&self, name: &str) -> String {
        self.child(name).text.clone()
    }

    fn attr(&self, name: &str) -> &str {
        self.attrs.get(name).map_or("", String::as_str)
    }

    /// The child elements' names, in order.
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

fn element(e: &BytesStart<'_>) -> Node {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("attribute");
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            (
                key,
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .expect("escaped")
                    .into_owned(),
            )
        })
        .collect();
    Node {
        name,
        attrs,
        ..Node::default()
    }
}

/// The document element of `xml`, which must be well-formed.
fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let n = element(&e);
                stack.last_mut().expect("parent").children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().expect("open element");
                stack.last_mut().expect("parent").children.push(n);
            }
            Event::CData(c) => {
                let text = String::from_utf8(c.into_inner().into_owned()).expect("UTF-8");
                stack.last_mut().expect("element").text.push_str(&text);
            }
            Event::Text(t) => {
                let t = t.decode().expect("UTF-8");
                assert!(t.trim().is_empty(), "text outside CDATA: {t:?}");
            }
            Event::GeneralRef(r) => panic!("entity outside an attribute: {r:?}"),
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().expect("document");
    assert_eq!(root.children.len(), 1, "one document element");
    root.children.remove(0)
}

#[tokio::test]
async fn a_correct_signature_passes_and_others_fail_with_401() {
    let sim = start().await;
    let api = Api::new(&sim);
    let route = "/Tickets/TicketStatus";
    let ok = api.get(route).await;
    assert_eq!(ok.xml().name, "ticketstatuses");
    // The signature as our own HMAC computes it agrees with openssl's.
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    let tag = hmac::sign(&key, SALT.as_bytes());
    assert_eq!(
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref()),
        SIGNATURE
    );
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ("apikey", API_KEY),
                ("salt", SALT),
                ("signature", SHA256_SIGNATURE),
            ],
            "FAILED TO AUTHENTICATE",
        ),
        (
            &[
                ("apikey", "other-key"),
                ("salt", SALT),
                ("signature", SIGNATURE),
            ],
            "FAILED TO AUTHENTICATE",
        ),
        (
            &[
                ("apikey", API_KEY),
                ("salt", "1234567891"),
                ("signature", SIGNATURE),
            ],
            "FAILED TO AUTHENTICATE",
        ),
        (
            &[("apikey", API_KEY), ("salt", SALT)],
            "FAILED TO AUTHENTICATE",
        ),
        (
            &[("apikey", API_KEY), ("signature", SIGNATURE)],
            "NO SALT PROVIDED!",
        ),
        (&[], "NO SALT PROVIDED!"),
    ];
    for (creds, message) in cases {
        let a = api.get_with(route, creds).await;
        assert_eq!((a.status, a.body.as_str()), (401, message), "{creds:?}");
        assert!(!a.content_type.contains("xml"), "{}", a.content_type);
    }
}

#[tokio::test]
async fn an_unencoded_plus_in_the_signature_still_passes() {
    let sim = start().await;
    let url = format!(
        "{}?e=/Tickets/TicketType&apikey={API_KEY}&salt={SALT}&signature={SIGNATURE}",
        sim.base_url()
    );
    let a = Api::new(&sim).send(Client::new().get(url)).await;
    assert_eq!(a.xml().name, "tickettypes");
}

#[tokio::test]
async fn post_authenticates_from_the_form_body_only() {
    let sim = start().await;
    let api = Api::new(&sim);
    let a = api
        .post(
            "/Tickets/TicketSearch",
            &[("query", "printer"), ("contents", "1")],
        )
        .await;
    assert!(!a.xml().all("ticket").is_empty());
    // Credentials in the query string of a POST are not read.
    let mut q = vec![("e", "/Tickets/TicketSearch")];
    q.extend_from_slice(&signed());
    let b = api
        .http
        .post(&api.base)
        .query(&q)
        .form(&[("query", "printer")]);
    let a = api.send(b).await;
    assert_eq!((a.status, a.body.as_str()), (401, "NO SALT PROVIDED!"));
    // A JSON body authenticates, but its fields are not read: the search finds nothing.
    let body = serde_json::json!({
        "apikey": API_KEY, "salt": SALT, "signature": SIGNATURE,
        "query": "printer", "contents": "1",
    });
    let url = format!("{}?e=/Tickets/TicketSearch", api.base);
    let a = api.send(api.http.post(url).json(&body)).await;
    let doc = a.xml();
    assert_eq!((doc.name.as_str(), doc.children.len()), ("tickets", 0));
}

#[tokio::test]
async fn the_bare_route_form_and_case_insensitive_names_route() {
    let sim = start().await;
    let api = Api::new(&sim);
    let url = format!(
        "{}?/Tickets/Ticket/{TICKET_WITH_POSTS}&apikey={API_KEY}&salt={SALT}&signature={}",
        api.base,
        SIGNATURE
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let doc = api.send(api.http.get(url)).await.xml();
    assert_eq!(
        doc.child("ticket").attr("id"),
        TICKET_WITH_POSTS.to_string()
    );
    let doc = api
        .get("/tickets/ticket/listall/1/-1/-1/-1/2/0")
        .await
        .xml();
    assert_eq!(doc.all("ticket").len(), 2);
    let a = api.get("/Tickets/Nothing").await;
    assert_eq!((a.status, a.body.as_str()), (404, "Unknown controller"));
    let a = api.get_with("", &signed()).await;
    assert_eq!(a.status, 404);
    let a = api
        .send(api.http.get(api.base.replace("index.php", "x.php")))
        .await;
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn requests_are_counted_and_faults_keyed_on_the_route() {
    let sim = start().await;
    let api = Api::new(&sim);
    api.get("/Tickets/Ticket/ListAll/1/-1/-1/-1/20/0").await;
    api.get("/Tickets/Ticket/1").await;
    api.get_with("/Tickets/Ticket/2", &[]).await;
    api.get("/Base/Department").await;
    assert_eq!(sim.requests("/Tickets/Ticket/ListAll"), 1);
    assert_eq!(sim.requests("/Tickets/Ticket"), 3);
    assert_eq!(sim.requests("/Base/"), 1);
    assert_eq!(sim.requests(""), 4);
    assert_eq!(sim.requests_by("POST", "/Tickets"), 0);
    sim.inject_at(
        "GET",
        "/Tickets/TicketSearch",
        SimFault::Status {
            code: 503,
            retry_after: Some(2),
            body: None,
        },
    );
    sim.inject(SimFault::Status {
        code: 500,
        retry_after: None,
        body: Some("boom".into()),
    });
    let a = api.get("/Base/Staff").await;
    assert_eq!((a.status, a.body.as_str()), (500, "boom"));
    assert_eq!(api.get("/Base/Staff").await.status, 200);
    let a = api.get("/Tickets/TicketSearch").await;
    assert_eq!(a.status, 503);
    // The POST is not the GET the fault was armed for; the fault has fired anyway.
    let a = api.post("/Tickets/TicketSearch", &[("query", "x")]).await;
    assert_eq!(a.status, 200);
    // Writes are refused after authentication.
    let a = api.post("/Tickets/Ticket", &[("subject", "x")]).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.content_type, "text/xml");
}

#[tokio::test]
async fn put_authenticates_from_the_query_and_writes_are_refused() {
    let sim = start().await;
    let api = Api::new(&sim);
    let mut q = vec![("e", "/Tickets/Ticket/1")];
    q.extend_from_slice(&signed());
    let read_only = "Not Implemented (the simulator is read-only)";
    for verb in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let b = api.http.request(verb.clone(), &api.base).query(&q);
        let a = api.send(b.form(&[("subject", "x")])).await;
        assert_eq!((a.status, a.body.as_str()), (400, read_only), "{verb}");
    }
    // PUT credentials in the body are not read.
    let url = format!("{}?e=/Tickets/Ticket/1", api.base);
    let a = api.send(api.http.put(url).form(&signed())).await;
    assert_eq!((a.status, a.body.as_str()), (401, "NO SALT PROVIDED!"));
    let t = api.get("/Tickets/Ticket/1").await.xml();
    assert_eq!(t.child("ticket").value("subject"), "Printer broken");
}

#[tokio::test]
async fn the_sandbox_entry_serves_with_its_own_credentials() {
    let started = (SANDBOX.start)("sandbox-agent").await.expect("starts");
    let env: BTreeMap<&str, String> = started.env.iter().cloned().collect();
    let url = env.get("KAYAKO_API_URL").expect("url");
    let key = env.get("KAYAKO_API_KEY").expect("key");
    let secret = env.get("KAYAKO_SECRET_KEY").expect("secret");
    assert!(url.ends_with("/api/index.php"));
    assert!(uuid::Uuid::parse_str(key).is_ok());
    assert!(started.banner.contains(url.as_str()));
    let sign = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(hmac::sign(&sign, b"42").as_ref());
    let q = [
        ("e", "/Base/Department"),
        ("apikey", key.as_str()),
        ("salt", "42"),
        ("signature", sig.as_str()),
    ];
    let r = Client::new().get(url).query(&q).send().await.expect("sent");
    assert_eq!(r.status().as_u16(), 200);
    let doc = parse(&r.text().await.expect("body"));
    assert_eq!(doc.all("department").len(), 4);
    assert!(started.running.downcast_ref::<KayakoSim>().is_some());
}
