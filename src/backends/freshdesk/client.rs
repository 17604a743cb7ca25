//! The Freshdesk v2 HTTP client: one fn per endpoint, plus [`parse_error`].
//!
//! Owns: Basic auth with the API key (password `X`), JSON bodies, following `Link: rel="next"`
//! for lists, and the account's reference data (agents, groups, companies, ticket fields),
//! cached for [`REFS_TTL`]. Must not: know about MCP, policy or the audit log; log or return
//! the API key.

use std::sync::Arc;

use crate::backends::cache::Cached;
use std::time::Duration;

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;
use url::Url;

use super::config::FreshdeskConfig;
use super::models::{Named, Refs};
use crate::backends::http::{self, Idempotency, Reply, Upstream};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::ratelimit::AccountLimiter;

const UPSTREAM: &str = "Freshdesk";
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
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("helpdesk-operator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
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
        let idempotency = match method {
            Method::GET => Idempotency::Read,
            Method::POST => Idempotency::Create,
            _ => Idempotency::Idempotent,
        };
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
        let create = method == Method::POST;
        let reply = self.send(method, self.url(path)?, query, body).await?;
        if create && reply.status >= 500 {
            return Err(Error::new(ErrorKind::Ambiguous, format!("Freshdesk failed with HTTP {} while creating {what}; it may or may not have been created", reply.status)).with_status(reply.status));
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
    pub async fn list(&self, path: &str, query: &[(&str, String)], what: &str) -> Result<ListPage> {
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
    pub async fn list_all(&self, path: &str, max_pages: u32, what: &str) -> Result<Vec<Value>> {
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

    pub async fn get(&self, path: &str, query: &[(&str, String)], what: &str) -> Result<Value> {
        Ok(self.json(Method::GET, path, query, None, what).await?.0)
    }

    pub async fn post(&self, path: &str, body: &Value, what: &str) -> Result<(Value, u16)> {
        let (v, r) = self.json(Method::POST, path, &[], Some(body), what).await?;
        Ok((v, r.status))
    }

    pub async fn put(&self, path: &str, body: Option<&Value>, what: &str) -> Result<(Value, u16)> {
        let (v, r) = self.json(Method::PUT, path, &[], body, what).await?;
        Ok((v, r.status))
    }

    pub async fn delete(&self, path: &str, what: &str) -> Result<u16> {
        let (_, r) = self.json(Method::DELETE, path, &[], None, what).await?;
        Ok(r.status)
    }

    /// A ticket with its requester embedded (`include=requester`: id, name, e-mail, phone),
    /// for writes whose preview names who receives them.
    pub async fn ticket_with_requester(&self, ticket: i64) -> Result<Value> {
        self.get(
            &format!("tickets/{ticket}"),
            &[("include", "requester".into())],
            &format!("ticket {ticket}"),
        )
        .await
    }

    /// A ticket as a before image: its JSON plus `conversation_count`. Freshdesk's
    /// `updated_at` has one-second resolution, so a confirmation also binds the number of
    /// conversations (a reply added within the same second still voids the token), and a
    /// delete preview says how many conversations go with the ticket.
    pub async fn ticket_version(&self, ticket: i64) -> Result<Value> {
        let mut t = self
            .get(
                &format!("tickets/{ticket}"),
                &[],
                &format!("ticket {ticket}"),
            )
            .await?;
        let n = self.conversations(ticket).await?.len();
        if let Value::Object(m) = &mut t {
            m.insert("conversation_count".into(), Value::from(n));
        }
        Ok(t)
    }

    /// All conversations of a ticket (up to 10 pages of 100).
    pub async fn conversations(&self, ticket: i64) -> Result<Vec<Value>> {
        self.list_all(
            &format!("tickets/{ticket}/conversations"),
            10,
            &format!("the conversations of ticket {ticket}"),
        )
        .await
    }

    /// One conversation. Freshdesk has no endpoint for a single conversation, so the
    /// ticket's conversations are read and searched.
    pub async fn conversation(&self, ticket: i64, id: i64) -> Result<Value> {
        self.conversations(ticket)
            .await?
            .into_iter()
            .find(|c| c.get("id").and_then(Value::as_i64) == Some(id))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "ticket {ticket} has no conversation {id}: check conversation_id and ticket_id with freshdesk_list_conversations"
                    ),
                )
            })
    }

    /// `PUT /conversations/{id}`: a note's new body.
    pub async fn update_conversation(&self, id: i64, body: &Value) -> Result<(Value, u16)> {
        self.put(
            &format!("conversations/{id}"),
            Some(body),
            &format!("note {id}"),
        )
        .await
    }

    /// `GET /search/tickets?query="..."`: `{total, results}`.
    pub async fn search(&self, entity: &str, query: &str, page: u32) -> Result<(i64, Vec<Value>)> {
        let q = [
            ("query", format!("\"{query}\"")),
            ("page", page.to_string()),
        ];
        let v = self
            .get(
                &format!("search/{entity}"),
                &q,
                &format!("the {entity} search"),
            )
            .await?;
        let total = v.get("total").and_then(Value::as_i64).unwrap_or(0);
        let results = v
            .get("results")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok((total, results))
    }

    /// Agents, groups, companies and ticket fields; cached for [`REFS_TTL`].
    /// Concurrent first calls share one fetch.
    pub async fn refs(&self, refresh: bool) -> Result<Arc<Refs>> {
        self.refs.get(refresh, || self.fetch_refs()).await
    }

    async fn fetch_refs(&self) -> Result<Refs> {
        let mut refs = Refs::default();
        let named = |v: &Value, name_path: &[&str], email_path: Option<&[&str]>| -> Option<Named> {
            let id = v.get("id")?.as_i64()?;
            let mut n = v;
            for k in name_path {
                n = n.get(*k)?;
            }
            let email = email_path.and_then(|p| {
                let mut e = v;
                for k in p {
                    e = e.get(*k)?;
                }
                e.as_str().map(str::to_string)
            });
            Some(Named {
                id,
                name: n.as_str()?.to_string(),
                email,
            })
        };
        refs.agents = self
            .list_all("agents", 10, "the agents")
            .await?
            .iter()
            .filter_map(|a| named(a, &["contact", "name"], Some(&["contact", "email"])))
            .collect();
        refs.groups = self
            .list_all("groups", 10, "the groups")
            .await?
            .iter()
            .filter_map(|g| named(g, &["name"], None))
            .collect();
        refs.companies = self
            .list_all("companies", 10, "the companies")
            .await?
            .iter()
            .filter_map(|c| named(c, &["name"], None))
            .collect();
        let fields = self.get("ticket_fields", &[], "the ticket fields").await?;
        refs.absorb_ticket_fields(fields.as_array().map(Vec::as_slice).unwrap_or(&[]));
        Ok(refs)
    }

    /// After an ambiguous ticket create: recent tickets that match subject and requester.
    pub async fn find_created_tickets(
        &self,
        subject: &str,
        requester_email: Option<&str>,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let since_q = (since - chrono::Duration::seconds(60))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let q = [
            ("updated_since", since_q),
            ("order_by", "created_at".into()),
            ("order_type", "desc".into()),
            ("per_page", "100".into()),
            ("include", "requester".into()),
        ];
        let page = self.list("tickets", &q, "the newest tickets").await?;
        Ok(page
            .items
            .into_iter()
            .filter(|t| t.get("subject").and_then(Value::as_str) == Some(subject))
            .filter(|t| {
                requester_email.is_none_or(|e| {
                    t["requester"]["email"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(e))
                })
            })
            .filter(|t| {
                t.get("created_at")
                    .and_then(Value::as_str)
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                    .is_some_and(|d| d >= since - chrono::Duration::seconds(5))
            })
            .collect())
    }

    /// After an ambiguous reply or note: conversations of the ticket with this body.
    pub async fn find_created_conversations(
        &self,
        ticket: i64,
        body: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let all = self
            .list_all(
                &format!("tickets/{ticket}/conversations"),
                20,
                "the conversations",
            )
            .await?;
        Ok(all
            .into_iter()
            .filter(|c| {
                c.get("body").and_then(Value::as_str) == Some(body)
                    || c.get("body_text").and_then(Value::as_str) == Some(body)
            })
            .filter(|c| {
                c.get("created_at")
                    .and_then(Value::as_str)
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                    .is_some_and(|d| d >= since - chrono::Duration::seconds(5))
            })
            .collect())
    }
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
    let err = match status {
        400 => Error::new(
            ErrorKind::InvalidInput,
            format!("Freshdesk rejected {what}: {}", field_errors().or(message.clone()).unwrap_or_else(|| "invalid request".into())),
        ),
        401 => Error::new(ErrorKind::Unauthorized, "Freshdesk refused the API key (invalid_credentials): check FRESHDESK_API_KEY and FRESHDESK_DOMAIN".to_string()),
        403 => Error::new(
            ErrorKind::Forbidden,
            format!("Freshdesk refused access to {what} ({}): {}", if code.is_empty() { "access_denied" } else { &code }, message.unwrap_or_else(|| "the API key's agent lacks the permission or the plan lacks the feature".into())),
        ),
        404 => Error::new(ErrorKind::NotFound, format!("{what} was not found in Freshdesk (wrong id, or it is in the trash: freshdesk_restore_ticket brings a ticket back)")),
        409 => Error::new(ErrorKind::Conflict, format!("Freshdesk reported a conflict on {what}: {}", field_errors().or(message).unwrap_or_else(|| "duplicate".into()))),
        429 => Error::new(
            ErrorKind::RateLimited,
            match reply.signals.retry_after {
                Some(ra) => format!("Freshdesk's API rate limit is reached ({what}). Retry in about {} s.", ra.as_secs().max(1)),
                None => format!("Freshdesk's API rate limit is reached ({what}); wait a minute and try again"),
            },
        ),
        500..=599 => Error::new(ErrorKind::Upstream, format!("Freshdesk failed with HTTP {status} on {what}; try again later")),
        _ => Error::new(ErrorKind::Upstream, format!("Freshdesk answered HTTP {status} on {what}: {}", message.unwrap_or_default())),
    };
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

    fn reply(status: u16, body: &str) -> Reply {
        Reply::for_test(status, body)
    }

    #[test]
    fn validation_errors_name_the_tool_fields() {
        let e = parse_error(
            &reply(
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
                &reply(401, r#"{"code":"invalid_credentials","message":"x"}"#),
                "t"
            )
            .kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            parse_error(&reply(404, ""), "ticket 3").kind,
            ErrorKind::NotFound
        );
    }
}
