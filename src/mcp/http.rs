//! The streamable HTTP transport: MCP at `/mcp` (rmcp's `StreamableHttpService`), `GET /health`,
//! one principal per bearer token.
//!
//! Owns, for every request and before rmcp sees it: the `Host` check (DNS rebinding: the listen
//! address, `localhost`/`127.0.0.1`/`[::1]` with the listen port, or
//! `HELPDESK_OPERATOR_ALLOWED_HOSTS`), the `Origin` check (the server's own origins, or
//! `HELPDESK_OPERATOR_ALLOWED_ORIGINS`), and on `/mcp` the bearer token ([`Auth`]: an agents
//! file's token, or in OAuth mode a JWT checked by [`Verifier`], with RFC 9728 metadata at
//! `/.well-known/oauth-protected-resource`): a missing or refused one gets 401 with
//! `WWW-Authenticate: Bearer` and nothing else; an accepted one puts the agent's
//! [`Principal`] in the request's extensions, where `call_tool` finds it (rmcp hands each
//! message the HTTP request parts it came with). No state depends on the transport session:
//! agent sessions are keyed by the principal.
//! Must not: accept an operator's password or any credential but an agent's token on `/mcp`;
//! log a token; serve `/mcp` without a principal.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::SecretString;
use serde_json::json;

use super::HelpdeskOperator;
use super::guard::Principal;
use super::oauth::{Rejected, Verifier};
use crate::audit::AuditStore;
use crate::error::{Error, Result};
use crate::operators::Principals;

/// Where `serve --http` listens without an address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Extra `Host` values to accept (comma-separated), e.g. the name a proxy forwards.
pub const ALLOWED_HOSTS_VAR: &str = "HELPDESK_OPERATOR_ALLOWED_HOSTS";
/// Extra `Origin` values to accept (comma-separated), e.g. `https://console.example.com`.
pub const ALLOWED_ORIGINS_VAR: &str = "HELPDESK_OPERATOR_ALLOWED_ORIGINS";

/// Who may call `/mcp`: one mode at a time.
#[derive(Clone)]
pub enum Auth {
    /// The `[[agent]]` entries of the agents file and their token hashes.
    Tokens(Arc<Principals>),
    /// JWTs from the organisation's identity provider ([`oauth`](super::oauth)); the agent is
    /// the token's agent claim.
    OAuth(Arc<Verifier>),
}

impl From<Principals> for Auth {
    fn from(agents: Principals) -> Self {
        Self::Tokens(Arc::new(agents))
    }
}

/// What the transport needs besides the server.
pub struct HttpOptions {
    pub auth: Auth,
    pub store: Arc<AuditStore>,
    /// The configured backends, for `/health`.
    pub backends: Vec<&'static str>,
    /// Extra hosts and origins (from the variables above).
    pub extra_hosts: Vec<String>,
    pub extra_origins: Vec<String>,
}

struct Shared {
    auth: Auth,
    store: Arc<AuditStore>,
    backends: Vec<&'static str>,
    hosts: Vec<String>,
    origins: Vec<String>,
}

/// A comma-separated variable as a list (empty entries dropped).
pub fn list_var(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Binds `addr`; a non-loopback address is allowed, with a warning that names the risk.
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    if !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "listening beyond loopback: anyone who can reach this address can try tokens; put \
             TLS and a firewall in front, and set HELPDESK_OPERATOR_ALLOWED_HOSTS to the names \
             clients use"
        );
    }
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::config(format!("cannot listen on {addr}: {e}")))
}

/// Serves `server` on `listener` until `shutdown` completes.
pub async fn serve(
    server: HelpdeskOperator,
    listener: tokio::net::TcpListener,
    opts: HttpOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::internal(format!("no local address: {e}")))?;
    let app = router(server, addr, opts);
    tracing::info!(url = %format!("http://{addr}/mcp"), "serving MCP over streamable HTTP");
    // Without TCP_NODELAY a response written in pieces (an SSE priming event, then the
    // message) waits for the client's delayed ACK: about 40 ms per call.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::internal(format!("the HTTP server stopped: {e}")))
}

/// The app: `/mcp` and `/health` behind the host, origin and token checks.
pub fn router(server: HelpdeskOperator, addr: SocketAddr, opts: HttpOptions) -> Router {
    let port = addr.port();
    let mut hosts = vec![
        addr.to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ];
    hosts.extend(opts.extra_hosts);
    let mut origins: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .map(|h| format!("http://{h}:{port}"))
        .collect();
    origins.push(format!("http://{addr}"));
    origins.extend(opts.extra_origins);
    let shared = Arc::new(Shared {
        auth: opts.auth,
        store: opts.store,
        backends: opts.backends,
        hosts: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
        origins: origins.iter().map(|o| o.to_ascii_lowercase()).collect(),
    });
    // Host and Origin are checked here, for every route, before rmcp.
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .disable_allowed_origins();
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mcp = Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(shared.clone(), authenticate));
    Router::new()
        .route("/health", get(health))
        .route(METADATA_PATH, get(resource_metadata))
        .route(&format!("{METADATA_PATH}/mcp"), get(resource_metadata))
        .merge(mcp)
        .layer(middleware::from_fn_with_state(shared.clone(), same_site))
        .with_state(shared)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

/// 403 for a `Host` or an `Origin` this server does not answer to.
async fn same_site(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = header_text(headers, header::HOST).map(|h| h.to_ascii_lowercase());
    if !host.as_ref().is_some_and(|h| s.hosts.contains(h)) {
        tracing::warn!(
            host = host.as_deref().unwrap_or("-"),
            "refused: unknown Host"
        );
        let msg = "this Host is not served here (set HELPDESK_OPERATOR_ALLOWED_HOSTS to add one)";
        return refuse(StatusCode::FORBIDDEN, msg);
    }
    if let Some(origin) = header_text(headers, header::ORIGIN) {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if !s.origins.contains(&origin) {
            tracing::warn!(%origin, "refused: Origin not allowed");
            let msg =
                "this Origin is not allowed (set HELPDESK_OPERATOR_ALLOWED_ORIGINS to add one)";
            return refuse(StatusCode::FORBIDDEN, msg);
        }
    }
    next.run(req).await
}

/// 401 unless the request carries a known agent's bearer token (or, in OAuth mode, a valid
/// access token); the agent becomes the request's principal.
async fn authenticate(State(s): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let token = header_text(req.headers(), header::AUTHORIZATION)
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        })
        .filter(|t| !t.is_empty());
    let agent: Result<String, Option<Rejected>> = match (&s.auth, token) {
        (_, None) => Err(None),
        (Auth::Tokens(agents), Some(t)) => agents
            .agent_for_token(&SecretString::from(t))
            .map(|a| a.name.clone())
            .ok_or(None),
        (Auth::OAuth(verifier), Some(t)) => verifier.check(&t).await.map_err(Some),
    };
    match agent {
        Ok(name) => {
            req.extensions_mut()
                .insert(Principal(Arc::from(name.as_str())));
            next.run(req).await
        }
        Err(why) => unauthorized(&s, req.headers(), why),
    }
}

/// The 401: `WWW-Authenticate: Bearer`, in OAuth mode with the metadata URL (RFC 9728) and,
/// for a token that was refused, `error="invalid_token"` and why.
fn unauthorized(s: &Shared, headers: &HeaderMap, why: Option<Rejected>) -> Response {
    let (challenge, message) = match &s.auth {
        Auth::Tokens(_) => (
            "Bearer".to_string(),
            "a known agent's bearer token is required (Authorization: Bearer <token>)".to_string(),
        ),
        Auth::OAuth(_) => {
            let metadata = format!("{}{METADATA_PATH}/mcp", base_url(headers));
            let mut c = format!("Bearer resource_metadata=\"{metadata}\"");
            let message = match &why {
                Some(Rejected(m)) => {
                    let quoted = m.replace(['"', '\\'], "'");
                    c.push_str(&format!(
                        ", error=\"invalid_token\", error_description=\"{quoted}\""
                    ));
                    format!("the access token was refused: {m}")
                }
                None => format!(
                    "an access token from the organisation's identity provider is required \
                     (Authorization: Bearer <JWT>); see {metadata}"
                ),
            };
            (c, message)
        }
    };
    if let Some(Rejected(m)) = &why {
        tracing::warn!(reason = %m, "refused an access token");
    }
    let mut r = refuse(StatusCode::UNAUTHORIZED, &message);
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// Where RFC 9728 metadata is served (and, for `/mcp`, at this path plus `/mcp`).
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// `http://HOST` as the client addressed this server (the Host was checked already).
fn base_url(headers: &HeaderMap) -> String {
    let host = header_text(headers, header::HOST).unwrap_or_default();
    format!("http://{host}")
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`: the resource and its issuer (OAuth mode
/// only; 404 with the agents file's tokens, which no authorization server issues).
async fn resource_metadata(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Auth::OAuth(verifier) = &s.auth else {
        return refuse(
            StatusCode::NOT_FOUND,
            "this server takes the agents file's bearer tokens, not OAuth access tokens",
        );
    };
    let audience = &verifier.settings().audience;
    let resource = if audience.starts_with("https://") || audience.starts_with("http://") {
        audience.clone()
    } else {
        format!("{}/mcp", base_url(&headers))
    };
    (StatusCode::OK, Json(verifier.metadata(&resource))).into_response()
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `GET /health`: 200 with the version, the audit store and the backends; 503 when the audit
/// store does not answer.
async fn health(State(s): State<Arc<Shared>>) -> Response {
    let store = s.store.ping().await;
    let body = json!({
        "status": if store.is_ok() { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "audit_store": {
            "reachable": store.is_ok(),
            "kind": s.store.describe(),
            "error": store.as_ref().err().map(|e| e.message.clone()),
        },
        "backends": s.backends,
    });
    let status = if store.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
