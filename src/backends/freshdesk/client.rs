//! The Freshdesk v2 HTTP transport, plus [`parse_error`]. The typed endpoints are in `api/`.
//!
//! Owns: Basic auth with the API key (password `X`), JSON bodies, following `Link: rel="next"`
//! for lists, and the cache of the account's reference data (agents, groups, companies,
//! ticket fields), kept for [`REFS_TTL`]. Must not: know about MCP, policy or the audit log;
//! log or return the API key.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::config::FreshdeskConfig;
use super::models::Refs;
use crate::backends::cache::Cached;
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

const UPSTREAM: &str = "Freshdesk";
const BAD_API_KEY: &str = "Freshdesk refused the API key (invalid_credentials): check \
    FRESHDESK_API_KEY and FRESHDESK_DOMAIN";
const NOT_PERMITTED: &str =
    "the API key's agent lacks the permission or the plan lacks the feature";
const NOT_FOUND_HINT: &str =
    "wrong id, or it is in the trash: freshdesk_restore_ticket brings a ticket back";
/// How long agents, groups, companies and ticket fields are reused.
pub const REFS_TTL: Duration = Duration::from_secs(300);

/// A client for one Freshdesk account.
pub struct FreshdeskClient {
    cfg: FreshdeskConfig,
    api: Url,
    upstream: Upstream,
    http: reqwest::Client,
    refs: Cached<Refs>,
}

impl std::fmt::Debug for FreshdeskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshdeskClient")
            .field("api", &self.api.as_str())
            .finish_non_exhaustive()
    }
}

/// One page of a list, and whether another follows.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub items: Vec<Value>,
    pub has_more: bool,
}

impl FreshdeskClient {
    pub fn new(cfg: FreshdeskConfig, limiter: Arc<AccountLimiter>) -> Result<Self> {
        let api = cfg
            .base_url
            .join("api/v2/")
            .map_err(|e| Error::config(format!("Freshdesk URL: {e}")))?;
        let http = http::build(http::client_builder(cfg.timeout))?;
        Ok(Self {
            cfg,
            api,
            upstream: Upstream {
                name: UPSTREAM,
                limiter,
            },
            http,
            refs: Cached::new(REFS_TTL),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.cfg.base_url
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.api
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::internal(format!("bad path {path}: {e}")))
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply> {
        let idempotency = Idempotency::of(&method);
        http::send(&self.upstream, idempotency, || {
            let mut rb = self
                .http
                .request(method.clone(), url.clone())
                .query(query)
                .basic_auth(self.cfg.api_key.expose_secret(), Some("X"))
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(b) = body {
                rb = rb.json(b);
            }
            rb
        })
        .await
    }

    /// Sends and returns the JSON body of a 2xx answer (Null for 204).
    async fn json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<(Value, Reply)> {
        let idempotency = Idempotency::of(&method);
        let reply = self.send(method, self.url(path)?, query, body).await?;
        if let Some(e) = http::ambiguous_create(UPSTREAM, idempotency, &reply, what) {
            return Err(e);
        }
        if !reply.is_success() {
            return Err(parse_error(&reply, what));
        }
        if reply.status == 204 || reply.body.trim().is_empty() {
            return Ok((Value::Null, reply));
        }
        let v = serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("Freshdesk answered {what} with something that is not JSON ({e})"),
            )
            .with_status(reply.status)
        })?;
        Ok((v, reply))
    }

    /// One page of a list endpoint (plain JSON array + `Link` header).
    pub(super) async fn list(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<ListPage> {
        let (v, reply) = self.json(Method::GET, path, query, None, what).await?;
        let items = match v {
            Value::Array(a) => a,
            _ => {
                return Err(Error::new(
                    ErrorKind::Upstream,
                    format!("Freshdesk's {what} is not a list"),
                ));
            }
        };
        Ok(ListPage {
            items,
            has_more: http::next_link(reply.link.as_deref()).is_some(),
        })
    }

    /// Every page of a list, up to `max_pages`.
    pub(super) async fn list_all(
        &self,
        path: &str,
        max_pages: u32,
        what: &str,
    ) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for page in 1..=max_pages {
            let p = self
                .list(
                    path,
                    &[("page", page.to_string()), ("per_page", "100".into())],
                    what,
                )
                .await?;
            out.extend(p.items);
            if !p.has_more {
                break;
            }
        }
        Ok(out)
    }

    /// `GET` one object. Public for `helpdesk-operator check`; tools use the typed `api/`.
    pub async fn get(&self, path: &str, query: &[(&str, String)], what: &str) -> Result<Value> {
        Ok(self.json(Method::GET, path, query, None, what).await?.0)
    }

    pub(super) async fn post<B: Serialize>(
        &self,
        path: &str,
        body: &B,
        what: &str,
    ) -> Result<(Value, u16)> {
        let body = to_json(body)?;
        let (v, r) = self
            .json(Method::POST, path, &[], Some(&body), what)
            .await?;
        Ok((v, r.status))
    }

    pub(super) async fn put<B: Serialize>(
        &self,
        path: &str,
        body: Option<&B>,
        what: &str,
    ) -> Result<(Value, u16)> {
        let body = body.map(to_json).transpose()?;
        let (v, r) = self
            .json(Method::PUT, path, &[], body.as_ref(), what)
            .await?;
        Ok((v, r.status))
    }

    pub(super) async fn delete(&self, path: &str, what: &str) -> Result<u16> {
        let (_, r) = self.json(Method::DELETE, path, &[], None, what).await?;
        Ok(r.status)
    }

    /// Agents, groups, companies and ticket fields; cached for [`REFS_TTL`].
    /// Concurrent first calls share one fetch (see `api::reference`).
    pub async fn refs(&self, refresh: bool) -> Result<Arc<Refs>> {
        self.refs.get(refresh, || self.fetch_refs()).await
    }
}

fn to_json<B: Serialize>(body: &B) -> Result<Value> {
    serde_json::to_value(body)
        .map_err(|e| Error::internal(format!("cannot encode the Freshdesk request: {e}")))
}

/// Maps a Freshdesk failure to an error a model can act on. `what` names the object.
pub fn parse_error(reply: &Reply, what: &str) -> Error {
    let json: Option<Value> = serde_json::from_str(&reply.body).ok();
    let status = reply.status;
    let code = json
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let message = json
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let field_errors = || {
        json.as_ref()
            .and_then(|v| v.get("errors"))
            .and_then(Value::as_array)
            .map(|errs| {
                errs.iter()
                    .map(|e| {
                        let field = e.get("field").and_then(Value::as_str).unwrap_or("request");
                        let msg = e
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("invalid");
                        let code = e.get("code").and_then(Value::as_str).unwrap_or("");
                        format!("{}: {msg} ({code})", field_name(field))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .filter(|s| !s.is_empty())
    };
    let (kind, message) = match status {
        400 => {
            let why = field_errors().or(message.clone());
            let why = why.unwrap_or_else(|| "invalid request".into());
            (
                ErrorKind::InvalidInput,
                format!("Freshdesk rejected {what}: {why}"),
            )
        }
        401 => (ErrorKind::Unauthorized, BAD_API_KEY.to_string()),
        403 => {
            let code = if code.is_empty() {
                "access_denied"
            } else {
                &code
            };
            let why = message.unwrap_or_else(|| NOT_PERMITTED.into());
            let message = format!("Freshdesk refused access to {what} ({code}): {why}");
            (ErrorKind::Forbidden, message)
        }
        404 => (
            ErrorKind::NotFound,
            format!("{what} was not found in Freshdesk ({NOT_FOUND_HINT})"),
        ),
        409 => {
            let why = field_errors()
                .or(message)
                .unwrap_or_else(|| "duplicate".into());
            let message = format!("Freshdesk reported a conflict on {what}: {why}");
            (ErrorKind::Conflict, message)
        }
        429 => {
            let message = format!(
                "Freshdesk's API rate limit is reached ({what}). {}",
                http::when_to_retry(reply)
            );
            (ErrorKind::RateLimited, message)
        }
        500..=599 => (
            ErrorKind::Upstream,
            format!("Freshdesk failed with HTTP {status} on {what}; try again later"),
        ),
        _ => {
            let message = message.unwrap_or_default();
            let message = format!("Freshdesk answered HTTP {status} on {what}: {message}");
            (ErrorKind::Upstream, message)
        }
    };
    let err = Error::new(kind, message);
    err.with_status(status)
}

/// Freshdesk's field names, mapped to the tools' parameter names.
fn field_name(upstream: &str) -> &str {
    match upstream {
        "responder_id" => "assigned_to",
        "group_id" => "group",
        "company_id" => "company",
        "requester_id" => "requester",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_the_tool_fields() {
        let e = parse_error(
            &Reply::for_test(
                400,
                r#"{"description":"Validation failed","errors":[{"field":"responder_id","message":"There is no agent matching the given responder_id","code":"invalid_value"},{"field":"priority","message":"It should be one of these values: '1,2,3,4'","code":"invalid_value"}]}"#,
            ),
            "the new ticket",
        );
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message.contains("assigned_to: There is no agent")
                && e.message.contains("priority: It should be one of"),
            "{}",
            e.message
        );
    }

    #[test]
    fn auth_and_not_found() {
        assert_eq!(
            parse_error(
                &Reply::for_test(401, r#"{"code":"invalid_credentials","message":"x"}"#),
                "t"
            )
            .kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            parse_error(&Reply::for_test(404, ""), "ticket 3").kind,
            ErrorKind::NotFound
        );
    }
}
