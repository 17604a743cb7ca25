//! The Daktela side of every request: the routes under `/api/v6/`, the token check before
//! anything but `login.json`, and what each route answers from the [`Store`].
//!
//! Owns: [`Shared`] (what the served simulator holds), [`Store`] (the records per model, stored
//! expanded, with each model's key field) and the [`Simulator`] implementation, whose logged
//! path is percent-decoded. Must not: log tokens or bodies, or change records (read-only).

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::auth::{self, Tokens};
use super::envelope::{self, ApiError, NO_MODEL, NOT_EXIST};
use super::query::ListQuery;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::server::Simulator;
use crate::sandbox::kit::text::percent_decode;

const MAX_BODY: usize = 1024 * 1024;
const ROOT: &str = "/api/v6/";
/// What `whoim.json` reports as the version.
const VERSION: &str = "2025.2";

/// One model's records and the field that names one (`None`: a list-only model).
pub(super) struct Model {
    pub(super) key: Option<&'static str>,
    pub(super) records: Vec<Value>,
}

/// The records of the instance, by model name (`tickets`, `activitiesCall`).
#[derive(Default)]
pub(super) struct Store {
    pub(super) models: BTreeMap<&'static str, Model>,
}

impl Store {
    pub(super) fn add(&mut self, model: &'static str, key: Option<&'static str>, rows: Vec<Value>) {
        self.models.insert(model, Model { key, records: rows });
    }

    fn model(&self, name: &str) -> Result<&Model, ApiError> {
        self.models
            .get(name)
            .ok_or_else(|| ApiError::not_found(NO_MODEL))
    }

    /// The record of `model` whose key reads as `name`.
    pub(super) fn find(&self, model: &str, name: &str) -> Result<&Value, ApiError> {
        let m = self.model(model)?;
        let key = m.key.ok_or_else(|| ApiError::not_found(NOT_EXIST))?;
        m.records
            .iter()
            .find(|r| match r.get(key) {
                Some(Value::String(s)) => s == name,
                Some(Value::Number(n)) => n.to_string() == name,
                _ => false,
            })
            .ok_or_else(|| ApiError::not_found(NOT_EXIST))
    }
}

/// What the served simulator holds.
pub(super) struct Shared {
    pub(super) tokens: Tokens,
    pub(super) store: Store,
}

/// `tickets.json` → `tickets`.
fn model_of(segment: &str) -> Option<&str> {
    segment.strip_suffix(".json").filter(|m| !m.is_empty())
}

impl Shared {
    fn handle(&self, parts: &Parts, body: &[u8]) -> Result<Reply, ApiError> {
        let query = Query::parse(parts.uri.query());
        let Some(rest) = parts.uri.path().strip_prefix(ROOT) else {
            return Err(ApiError::not_found(NO_MODEL));
        };
        let segs: Vec<String> = rest.split('/').map(percent_decode).collect();
        let method = parts.method.as_str();
        if segs.len() == 1 && segs[0] == "login.json" {
            return match method {
                "POST" => Ok(self.tokens.login(body, &query)),
                "PUT" => Ok(self.tokens.refresh(body, &query)),
                _ => Err(ApiError::read_only()),
            };
        }
        let token = auth::token_of(&parts.headers, &query);
        self.tokens.check(token.as_deref())?;
        if !matches!(method, "GET" | "HEAD") {
            return Err(ApiError::read_only());
        }
        let store = &self.store;
        match segs.as_slice() {
            [one] if one == "whoim.json" => Ok(self.whoim()),
            [one] => {
                let model = store.model(model_of(one).ok_or_else(no_model)?)?;
                let q = ListQuery::parse(&query)?;
                let (data, total) = q.apply(&model.records);
                Ok(envelope::list(data, total))
            }
            [model, name] => {
                let name = model_of(name).ok_or_else(no_model)?;
                Ok(envelope::ok(store.find(model, name)?.clone()))
            }
            [model, name, relation] if relation == "activities.json" => {
                let field = match model.as_str() {
                    "tickets" => "ticket",
                    "contacts" => "contact",
                    _ => return Err(ApiError::not_found(NO_MODEL)),
                };
                store.find(model, name)?;
                let rows: Vec<Value> = store
                    .model("activities")?
                    .records
                    .iter()
                    .filter(|a| names(a.get(field), name))
                    .cloned()
                    .collect();
                let (data, total) = ListQuery::parse(&query)?.apply(&rows);
                Ok(envelope::list(data, total))
            }
            _ => Err(no_model()),
        }
    }

    /// The current user (the account's; the static token acts as the same user).
    fn whoim(&self) -> Reply {
        let user = self
            .store
            .find("users", self.tokens.username())
            .cloned()
            .unwrap_or(Value::Null);
        envelope::ok(json!({"user": user, "version": VERSION}))
    }
}

fn no_model() -> ApiError {
    ApiError::not_found(NO_MODEL)
}

/// Whether a reference (an expanded object or a bare key) names `name`.
fn names(v: Option<&Value>, name: &str) -> bool {
    match v {
        Some(Value::Object(m)) => names(m.get("name"), name),
        Some(Value::String(s)) => s == name,
        Some(Value::Number(n)) => n.to_string() == name,
        _ => false,
    }
}

impl Simulator for Shared {
    const NAME: &'static str = "Daktela";
    const MAX_BODY: usize = MAX_BODY;
    const JSON_TYPE: &'static str = "application/json";

    fn answer(&self, parts: &Parts, body: &[u8]) -> Reply {
        self.handle(parts, body)
            .unwrap_or_else(ApiError::into_reply)
    }

    fn too_large(&self) -> Reply {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: json!(["Request entity too large"]),
        }
        .into_reply()
    }

    fn stamp(&self, _headers: &mut HeaderMap) {}

    fn logged_path<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        Cow::Owned(percent_decode(raw))
    }
}
