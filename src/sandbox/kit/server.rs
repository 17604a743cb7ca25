//! Serving a simulator: binding loopback, the request entry point, and stopping on drop.
//!
//! Owns: [`start`], [`Host`] (the simulator with its fault hooks), [`Running`] (the server
//! task, stopped when dropped) and the entry point every request passes: record, fire a status
//! fault, read the body, let the simulator answer, then stall or drop the connection if armed.
//! Must not: route or validate requests (the [`Simulator`] does), or listen beyond 127.0.0.1.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use tokio::net::TcpListener;

use super::faults::{Hooks, PathScope, SimFault};
use super::listener::{ConnHandle, KillableListener};
use super::reply::Reply;

/// What a simulator supplies to be served.
pub trait Simulator: Send + Sync + 'static {
    /// Names the simulator in log lines.
    const NAME: &'static str;
    /// Longest request body read; a longer one gets [`Simulator::too_large`].
    const MAX_BODY: usize;
    /// The `Content-Type` of JSON answers.
    const JSON_TYPE: &'static str;

    /// Answers a request whose body was read in full.
    fn answer(&self, parts: &Parts, body: &[u8]) -> Reply;

    /// Answers a request whose body was read in full, and may wait before or while answering
    /// (added latency, concurrency limits); [`Simulator::answer`] at once unless overridden.
    fn serve<'a>(
        &'a self,
        parts: &'a Parts,
        body: &'a [u8],
    ) -> impl Future<Output = Reply> + Send + 'a {
        std::future::ready(self.answer(parts, body))
    }

    /// The answer to a body over [`Simulator::MAX_BODY`].
    fn too_large(&self) -> Reply;

    /// Adds the headers every answer carries (after `Content-Type`, before the reply's own).
    fn stamp(&self, headers: &mut HeaderMap);

    /// The form of a request's path that the request log records and fault prefixes match
    /// (for instance decoded, as the simulator's routes see it); the raw path unless overridden.
    fn logged_path<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(raw)
    }

    /// The same for the whole URI: [`Simulator::logged_path`] of its path unless overridden,
    /// for a simulator that routes on the query string rather than the path.
    fn logged_uri<'a>(&self, uri: &'a Uri) -> Cow<'a, str> {
        self.logged_path(uri.path())
    }
}

/// A simulator as served: its state and its fault hooks.
pub struct Host<S> {
    pub sim: S,
    pub hooks: Hooks,
}

/// A host reads as its simulator.
impl<S> std::ops::Deref for Host<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.sim
    }
}

impl<S: Simulator> Host<S> {
    fn respond(&self, reply: Reply) -> Response {
        reply.into_response(S::JSON_TYPE, |h| self.sim.stamp(h))
    }
}

/// A running server; stops serving when dropped.
pub struct Running {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    /// The address served (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `127.0.0.1:0`, builds the simulator for that address with `make`, and serves it in a
/// tokio task with fault hooks matching paths in `scope`.
pub async fn start<S: Simulator>(
    scope: PathScope,
    make: impl FnOnce(SocketAddr) -> S,
) -> std::io::Result<(Arc<Host<S>>, Running)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let host = Arc::new(Host {
        sim: make(addr),
        hooks: Hooks::new(scope),
    });
    let app = Router::new()
        .fallback(handle::<S>)
        .with_state(Arc::clone(&host));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        KillableListener::new(listener),
        app.into_make_service_with_connect_info::<ConnHandle>(),
    )
    .with_graceful_shutdown(async move {
        let _ = rx.await;
    });
    tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::warn!(error = %e, "{} simulator stopped with an error", S::NAME);
        }
    });
    let running = Running {
        addr,
        shutdown: Some(tx),
    };
    Ok((host, running))
}

/// Every request: record, fault, answer, then stall or drop if armed.
async fn handle<S: Simulator>(
    State(host): State<Arc<Host<S>>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let path = host.sim.logged_uri(&parts.uri);
    let fault = host.hooks.arrive(parts.method.as_str(), &path);
    if let Some(SimFault::Status {
        code,
        retry_after,
        body: text,
    }) = &fault
    {
        return host.respond(Reply::injected(*code, *retry_after, text.clone()));
    }
    let reply = match axum::body::to_bytes(body, S::MAX_BODY).await {
        Ok(bytes) => host.sim.serve(&parts, &bytes).await,
        Err(_) => host.sim.too_large(),
    };
    match fault {
        Some(SimFault::StallAfterCommit(d)) => tokio::time::sleep(d).await,
        Some(SimFault::DropAfterCommit) => conn.kill(),
        _ => {}
    }
    host.respond(reply)
}
