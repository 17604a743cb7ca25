//! A simulator's HTTP plumbing: a listener on loopback that serves an axum router until it is
//! dropped, and [`Reply`], the plain answer a handler builds (status, content type, extra
//! headers, body).
//!
//! Owns: binding 127.0.0.1 on a free port, graceful shutdown, turning a [`Reply`] into a
//! response, random strings for keys and tokens.
//! Must not: know which helpdesk it serves (no routes, cookies, sessions or state), or listen
//! anywhere but loopback. It is written to move to a shared simulator kit as it is.

use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::http::header::{HeaderName, HeaderValue};
use axum::response::Response;
use rand::Rng;
use serde_json::Value;
use tokio::sync::oneshot;

pub(super) const HTML: &str = "text/html; charset=utf-8";
pub(super) const JSON_CT: &str = "application/json";

/// A router served on 127.0.0.1 until this is dropped.
pub(super) struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Binds 127.0.0.1 on a free port and serves `app`; `name` says which simulator stopped if
    /// serving fails.
    pub(super) async fn start(app: Router, name: &'static str) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the {name} simulator stopped with an error");
            }
        });
        Ok(Server {
            addr,
            shutdown: Some(tx),
        })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// `len` characters drawn from `alphabet`.
pub(super) fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// What the handler answers, before the server's own headers and cookies are added.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) ctype: Option<&'static str>,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Vec<u8>,
}

impl Reply {
    pub(super) fn new(status: u16, ctype: Option<&'static str>, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            ctype,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Compact JSON, UTF-8.
    pub(super) fn json(status: u16, v: &Value) -> Reply {
        Reply::new(status, Some(JSON_CT), v.to_string())
    }

    pub(super) fn html(status: u16, body: impl Into<String>) -> Reply {
        Reply::new(status, Some(HTML), body.into())
    }

    pub(super) fn empty(status: u16) -> Reply {
        Reply::new(status, None, Vec::new())
    }

    pub(super) fn with(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// The response: status (500 if it is not one), content type, then the extra headers in
    /// order (a value that cannot go into a header is left out).
    pub(super) fn into_response(self) -> Response {
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = resp.headers_mut();
        if let Some(ct) = self.ctype {
            h.insert("content-type", HeaderValue::from_static(ct));
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.append(HeaderName::from_static(name), v);
            }
        }
        resp
    }
}
