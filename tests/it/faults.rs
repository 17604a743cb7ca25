//! Fault injection: a TCP proxy in front of the real django-helpdesk answers 429 with
//! Retry-After, 503, times out after the upstream committed, or drops the connection after the
//! upstream committed. Proves no create is ever duplicated and the audit outcomes are right.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

/// What the proxy does to one matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status (with Retry-After if given) without forwarding.
    Refuse {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Forward (the upstream commits), then answer nothing for this long.
    StallAfterCommit(Duration),
    /// Forward (the upstream commits), then close the connection without an answer.
    DropAfterCommit,
    /// Forward (the upstream commits), then answer 500 instead of its answer.
    FailAfterCommit,
}

#[derive(Default)]
struct Plan {
    faults: VecDeque<(String, String, Fault)>,
    seen: Vec<(String, String)>,
}

/// A fault-injecting proxy on a free loopback port.
pub struct Proxy {
    pub url: String,
    plan: Arc<Mutex<Plan>>,
}

impl Proxy {
    pub async fn start(upstream_url: &str) -> Proxy {
        let upstream: SocketAddr = upstream_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("upstream addr");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let plan = Arc::new(Mutex::new(Plan::default()));
        let p = plan.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let p = p.clone();
                tokio::spawn(async move {
                    let _ = handle(sock, upstream, p).await;
                });
            }
        });
        Proxy { url, plan }
    }

    /// The next `method` request whose path starts with `path` gets this fault.
    pub fn inject(&self, method: &str, path: &str, fault: Fault) {
        self.plan
            .lock()
            .unwrap()
            .faults
            .push_back((method.into(), path.into(), fault));
    }

    /// How many `method` requests to paths starting with `path` the proxy saw.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.plan
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|(m, p)| m == method && p.starts_with(path))
            .count()
    }
}

async fn read_message(sock: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = sock.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    plan: Arc<Mutex<Plan>>,
) -> std::io::Result<()> {
    let req = read_message(&mut client).await?;
    let Some(end) = find(&req, b"\r\n\r\n") else {
        return Ok(());
    };
    let head = String::from_utf8_lossy(&req[..end]).to_string();
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, path) = (
        first.next().unwrap_or("").to_string(),
        first.next().unwrap_or("").to_string(),
    );
    let fault = {
        let mut p = plan.lock().unwrap();
        p.seen.push((method.clone(), path.clone()));
        let pos = p
            .faults
            .iter()
            .position(|(m, pre, _)| *m == method && path.starts_with(pre.as_str()));
        pos.and_then(|i| p.faults.remove(i)).map(|(_, _, f)| f)
    };
    if let Some(Fault::Refuse {
        status,
        retry_after,
    }) = &fault
    {
        let ra = retry_after
            .map(|s| format!("Retry-After: {s}\r\n"))
            .unwrap_or_default();
        let body = format!("{{\"detail\":\"injected {status}\"}}");
        let resp = format!(
            "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{ra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        client.write_all(resp.as_bytes()).await?;
        return Ok(());
    }
    // Forward with `Connection: close`, read the whole answer.
    let mut lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut forwarded = lines.join("\r\n").into_bytes();
    forwarded.extend_from_slice(b"\r\n\r\n");
    forwarded.extend_from_slice(&req[end + 4..]);
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(&forwarded).await?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).await?;
    match fault {
        Some(Fault::StallAfterCommit(d)) => tokio::time::sleep(d).await,
        Some(Fault::DropAfterCommit) => drop(client),
        Some(Fault::FailAfterCommit) => {
            let body = "<h1>Server Error (500)</h1>";
            let r = format!(
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(r.as_bytes()).await?;
        }
        _ => client.write_all(&closing(&resp)).await?,
    }
    Ok(())
}

/// The upstream's answer with `Connection: close`: the proxy serves one request per
/// connection, and must say so, or the client's pool may reuse a connection the proxy is
/// closing (a POST sent on it fails after sending, which the server rightly reports as an
/// unknown outcome: a flaky test, not a product fault).
fn closing(resp: &[u8]) -> Vec<u8> {
    let Some(end) = find(resp, b"\r\n\r\n") else {
        return resp.to_vec();
    };
    let head = String::from_utf8_lossy(&resp[..end]);
    let mut lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&resp[end + 4..]);
    out
}

async fn through_proxy(policy_text: &str) -> (Harness, Proxy) {
    let s = services();
    let proxy = Proxy::start(&s.helpdesk_url).await;
    let db = store_url(Store::Sqlite).await;
    let mut env = env_for(&proxy.url, &s.agent(), &db);
    env.insert("DJANGO_HELPDESK_TIMEOUT_SECS".into(), "2".into());
    let h = connect_with(config_from(&env), Some(policy(policy_text))).await;
    h.ok("set_agent_intent", json!({"intent": "fault injection"}))
        .await;
    (h, proxy)
}

/// How many tickets carry this exact title (asked of django-helpdesk directly).
fn tickets_titled(title: &str) -> usize {
    services()
        .django_shell(&format!(
            "from helpdesk.models import Ticket; \
             print(Ticket.objects.filter(title={title:?}).count())"
        ))
        .parse()
        .unwrap()
}

fn outcomes(events: &[helpdesk_operator::audit::Event], tool: &str) -> Vec<String> {
    let mut v: Vec<String> = events
        .iter()
        .filter(|e| e.tool == tool)
        .map(|e| e.phase.clone())
        .collect();
    v.reverse();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_are_never_duplicated_under_injected_failures() {
    let (h, proxy) = through_proxy(ALLOW_ALL).await;
    let create =
        |title: &str| json!({"queue": "Support", "title": title, "description": "fault injection"});
    let unique = |tag: &str| format!("fault {tag} {}", uuid::Uuid::new_v4().simple());

    // 429 with Retry-After proves nothing was processed: resent after the wait, created once.
    let t = unique("429");
    proxy.inject(
        "POST",
        "/api/tickets/",
        Fault::Refuse {
            status: 429,
            retry_after: Some(1),
        },
    );
    let r = h.ok("django_helpdesk_create_ticket", create(&t)).await;
    assert!(r["ticket"]["id"].is_i64());
    assert_eq!(tickets_titled(&t), 1);
    assert_eq!(
        proxy.count("POST", "/api/tickets/"),
        2,
        "sent twice: the first was refused by the proxy"
    );

    // 503 with Retry-After: also proves nothing was processed.
    let t = unique("503ra");
    proxy.inject(
        "POST",
        "/api/tickets/",
        Fault::Refuse {
            status: 503,
            retry_after: Some(1),
        },
    );
    h.ok("django_helpdesk_create_ticket", create(&t)).await;
    assert_eq!(tickets_titled(&t), 1);

    // 503 without Retry-After: ambiguous, not resent; nothing is found, so the outcome is unknown.
    let t = unique("503");
    let before = proxy.count("POST", "/api/tickets/");
    proxy.inject(
        "POST",
        "/api/tickets/",
        Fault::Refuse {
            status: 503,
            retry_after: None,
        },
    );
    let msg = h.err("django_helpdesk_create_ticket", create(&t)).await;
    assert!(
        msg.contains("outcome is unknown") && msg.contains("django_helpdesk_list_tickets"),
        "{msg}"
    );
    assert_eq!(
        proxy.count("POST", "/api/tickets/") - before,
        1,
        "not resent"
    );
    assert_eq!(tickets_titled(&t), 0);

    // The upstream commits, then the answer never comes (client timeout): found, not resent.
    let t = unique("timeout");
    let before = proxy.count("POST", "/api/tickets/");
    proxy.inject(
        "POST",
        "/api/tickets/",
        Fault::StallAfterCommit(Duration::from_secs(5)),
    );
    let r = h.ok("django_helpdesk_create_ticket", create(&t)).await;
    assert!(r["message"].as_str().unwrap().contains("looked up"), "{r}");
    assert_eq!(proxy.count("POST", "/api/tickets/") - before, 1);
    assert_eq!(tickets_titled(&t), 1);

    // The upstream commits, then the connection drops: found, not resent.
    let t = unique("drop");
    proxy.inject("POST", "/api/tickets/", Fault::DropAfterCommit);
    let r = h.ok("django_helpdesk_create_ticket", create(&t)).await;
    let id = r["ticket"]["id"].as_i64().unwrap();
    assert_eq!(tickets_titled(&t), 1);

    // The upstream commits, then answers 500: found, not resent.
    let t = unique("500");
    proxy.inject("POST", "/api/tickets/", Fault::FailAfterCommit);
    h.ok("django_helpdesk_create_ticket", create(&t)).await;
    assert_eq!(tickets_titled(&t), 1);

    // A follow-up whose answer is lost after the commit: found, exactly one.
    proxy.inject("POST", "/api/followups/", Fault::DropAfterCommit);
    let f = h
        .ok(
            "django_helpdesk_add_followup",
            json!({"ticket_id": id, "comment": "once only"}),
        )
        .await;
    assert_eq!(f["followup"]["comment"], "once only");
    let g = h
        .ok(
            "django_helpdesk_get_ticket",
            json!({"ticket_id": id, "response_format": "json"}),
        )
        .await;
    let n = g["ticket"]["followups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["comment"] == "once only")
        .count();
    assert_eq!(n, 1);

    // Reads retry 503s by themselves.
    proxy.inject(
        "GET",
        &format!("/api/tickets/{id}/"),
        Fault::Refuse {
            status: 503,
            retry_after: None,
        },
    );
    h.ok("django_helpdesk_get_ticket", json!({"ticket_id": id}))
        .await;

    // The audit trail: requested + succeeded, except the unknown one.
    let events = h.store.list(None, 200).await.unwrap();
    let o = outcomes(&events, "django_helpdesk_create_ticket");
    assert_eq!(
        o,
        [
            "requested",
            "succeeded",
            "requested",
            "succeeded",
            "requested",
            "unknown",
            "requested",
            "succeeded",
            "requested",
            "succeeded",
            "requested",
            "succeeded"
        ]
    );
    let reconciled = events
        .iter()
        .filter(|e| {
            e.phase == "succeeded" && e.error.as_deref().is_some_and(|n| n.contains("reconciled"))
        })
        .count();
    assert_eq!(
        reconciled, 4,
        "timeout, drop, 500 and the follow-up were reconciled"
    );
    assert_eq!(
        outcomes(&events, "django_helpdesk_add_followup"),
        ["requested", "succeeded"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_becomes_a_clear_rate_limit_error() {
    let (h, proxy) = through_proxy(ALLOW_ALL).await;
    // The upstream asks for 10 minutes: beyond the retry cap, so the caller is told when to
    // retry, and the limiter pauses further calls instead of hammering.
    proxy.inject(
        "GET",
        "/api/tickets/1/",
        Fault::Refuse {
            status: 429,
            retry_after: Some(600),
        },
    );
    let msg = h
        .err("django_helpdesk_get_ticket", json!({"ticket_id": 1}))
        .await;
    assert!(
        msg.contains("rate limiting") && msg.contains("Retry in about 600 s"),
        "{msg}"
    );
    let msg = h
        .err("django_helpdesk_get_ticket", json!({"ticket_id": 1}))
        .await;
    assert!(
        msg.contains("Retry in about 600 s") || msg.contains("Retry in about 599 s"),
        "{msg}"
    );
    assert_eq!(
        proxy.count("GET", "/api/tickets/1/"),
        1,
        "paused: the second call sent nothing"
    );
}

/// The acceptance: the official Python MCP client, the shipped default policy, and
/// injected ambiguous failures in front of django-helpdesk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_client_cannot_bypass_confirmations_or_duplicate_creates() {
    let s = services();
    let proxy = Proxy::start(&s.helpdesk_url).await;
    let db = store_url(Store::Postgres).await;
    let mut env = env_for(&proxy.url, &s.agent(), &db);
    env.insert("DJANGO_HELPDESK_TIMEOUT_SECS".into(), "2".into());
    let titles: Vec<String> = ["drop", "fail", "stall"]
        .iter()
        .map(|t| format!("py-fault-{t}-{}", uuid::Uuid::new_v4().simple()))
        .collect();
    proxy.inject("POST", "/api/tickets/", Fault::DropAfterCommit);
    proxy.inject("POST", "/api/tickets/", Fault::FailAfterCommit);
    proxy.inject(
        "POST",
        "/api/tickets/",
        Fault::StallAfterCommit(Duration::from_secs(5)),
    );
    let out = tokio::process::Command::new(&s.python)
        .arg(repo().join("tests/harness/acceptance_policy.py"))
        .args([
            "--binary",
            env!("CARGO_BIN_EXE_helpdesk-operator"),
            "--psql-url",
            &db,
            "--fault-titles",
            &titles.join(","),
        ])
        .envs(&env)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "acceptance_policy.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for t in &titles {
        assert_eq!(tickets_titled(t), 1, "{t} must exist exactly once");
    }
    let store = helpdesk_operator::audit::AuditStore::new(config_from(&env).audit_store);
    let events = store.list(None, 500).await.unwrap();
    for phase in ["confirmation_required", "confirmed", "refused", "expired"] {
        assert!(events.iter().any(|e| e.phase == phase), "no {phase} event");
    }
    assert!(store.verify().await.unwrap().first_broken.is_none());
}
