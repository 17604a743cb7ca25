//! Search: `/search/tickets`, `/search/contacts` and `/search/companies`, each with its
//! searchable fields, the quoted `query` parameter, 30 results a page and at most 10 pages.
//!
//! Owns: which fields each search knows and their values on a record, the request checks and
//! the `{total, results}` answer.
//! Must not: parse the language itself (`language` does).

mod language;

use std::cmp::Reverse;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use self::language::{Kind, Val};
use super::errors::{ApiError, FieldError, check};
use super::input::Params;
use super::state::{CUSTOM_FIELDS, CfKind, Company, Contact, Store, Ticket};
use super::views::{View, company_json, contact_json};
use crate::sandbox::kit::paginate;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;

fn ticket_kind(field: &str) -> Option<Kind> {
    match field {
        "agent_id" | "group_id" | "priority" | "status" => Some(Kind::Int),
        "tag" => Some(Kind::StrList),
        "type" => Some(Kind::Str),
        "due_by" | "fr_due_by" | "created_at" | "updated_at" | "closed_at" => Some(Kind::Date),
        other => {
            let cf = CUSTOM_FIELDS
                .iter()
                .find(|f| f.name.strip_prefix("cf_") == Some(other))?;
            Some(match cf.kind {
                CfKind::Number => Kind::Int,
                CfKind::Dropdown | CfKind::Text => Kind::Str,
            })
        }
    }
}

fn ticket_val(t: &Ticket, field: &str) -> Val {
    match field {
        "agent_id" => Val::Int(t.responder_id),
        "group_id" => Val::Int(t.group_id),
        "priority" => Val::Int(Some(t.priority)),
        "status" => Val::Int(Some(t.status)),
        "tag" => Val::StrList(t.tags.clone()),
        "type" => Val::Str(t.ticket_type.clone()),
        "due_by" => Val::Date(Some(t.due_by)),
        "fr_due_by" => Val::Date(Some(t.fr_due_by)),
        "created_at" => Val::Date(Some(t.created_at)),
        "updated_at" => Val::Date(Some(t.updated_at)),
        "closed_at" => Val::Date(t.stats.closed_at),
        other => {
            let key = format!("cf_{other}");
            match ticket_kind(other) {
                Some(Kind::Int) => Val::Int(t.custom_fields.get(&key).and_then(Value::as_i64)),
                _ => Val::Str(t.custom_str(&key)),
            }
        }
    }
}

fn contact_kind(field: &str) -> Option<Kind> {
    match field {
        "name" | "email" | "phone" | "mobile" | "twitter_id" | "unique_external_id"
        | "language" | "time_zone" => Some(Kind::Str),
        "company_id" => Some(Kind::Int),
        "tag" => Some(Kind::StrList),
        "active" => Some(Kind::Bool),
        "created_at" | "updated_at" => Some(Kind::Date),
        _ => None,
    }
}

fn contact_val(c: &Contact, field: &str) -> Val {
    match field {
        "name" => Val::Str(Some(c.name.clone())),
        // Any of the contact's addresses matches.
        "email" => Val::StrList(c.email.iter().chain(&c.other_emails).cloned().collect()),
        "phone" => Val::Str(c.phone.clone()),
        "mobile" => Val::Str(c.mobile.clone()),
        "twitter_id" => Val::Str(c.twitter_id.clone()),
        "unique_external_id" => Val::Str(c.unique_external_id.clone()),
        "language" => Val::Str(Some(c.language.clone())),
        "time_zone" => Val::Str(Some(c.time_zone.clone())),
        "company_id" => Val::Int(c.company_id),
        "tag" => Val::StrList(c.tags.clone()),
        "active" => Val::Bool(Some(c.active)),
        "created_at" => Val::Date(Some(c.created_at)),
        _ => Val::Date(Some(c.updated_at)),
    }
}

fn company_kind(field: &str) -> Option<Kind> {
    match field {
        "name" | "industry" | "account_tier" | "health_score" => Some(Kind::Str),
        "domain" => Some(Kind::StrList),
        "created_at" | "updated_at" | "renewal_date" => Some(Kind::Date),
        _ => None,
    }
}

fn company_val(c: &Company, field: &str) -> Val {
    match field {
        "name" => Val::Str(Some(c.name.clone())),
        "industry" => Val::Str(c.industry.clone()),
        "account_tier" => Val::Str(c.account_tier.clone()),
        "health_score" => Val::Str(c.health_score.clone()),
        "domain" => Val::StrList(c.domains.clone()),
        "created_at" => Val::Date(Some(c.created_at)),
        "renewal_date" => Val::Date(c.renewal_date),
        _ => Val::Date(Some(c.updated_at)),
    }
}

/// The parsed `query` and `page` of a search request.
fn search_request(
    q: &Query,
    schema: &dyn Fn(&str) -> Option<Kind>,
) -> Result<(language::Expr, usize), ApiError> {
    q.allow(&["query", "page", "per_page"])?;
    let mut errors = Vec::new();
    let page = q.positive("page", &mut errors).unwrap_or(1);
    if page > 10 {
        errors.push(FieldError::invalid(
            "page",
            "It should be less than or equal to 10",
        ));
    }
    let expr = match q.get("query") {
        None => {
            errors.push(FieldError::missing("query"));
            None
        }
        Some(raw) if raw.chars().count() > 512 => {
            errors.push(FieldError::invalid(
                "query",
                "It should have at most 512 characters",
            ));
            None
        }
        Some(raw) => {
            let inner = raw
                .trim()
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'));
            match inner {
                None => {
                    errors.push(FieldError::invalid(
                        "query",
                        "It should be enclosed in double quotes",
                    ));
                    None
                }
                Some(inner) => match language::parse(inner, schema) {
                    Ok(e) => Some(e),
                    Err(msg) => {
                        errors.push(FieldError::invalid("query", msg));
                        None
                    }
                },
            }
        }
    };
    check(errors)?;
    let expr = expr.ok_or_else(|| ApiError::one(FieldError::missing("query")))?;
    Ok((expr, page))
}

/// Newest first (ties by id), 30 to a page: `{total, results}`.
fn results<T>(
    mut hits: Vec<&T>,
    order: impl Fn(&T) -> (DateTime<Utc>, i64),
    page: usize,
    json: impl Fn(&T) -> Value,
) -> Reply {
    hits.sort_by_key(|h| Reverse(order(h)));
    let total = hits.len();
    let (hits, _) = paginate(hits, page, 30);
    let results: Vec<Value> = hits.into_iter().map(json).collect();
    Reply::ok(json!({"total": total, "results": results}))
}

impl Store {
    pub(super) fn search_tickets(&self, q: &Query) -> Result<Reply, ApiError> {
        let (expr, page) = search_request(q, &ticket_kind)?;
        let hits = self
            .tickets
            .values()
            .filter(|t| !t.deleted && !t.spam)
            .filter(|t| language::eval(&expr, &|f| ticket_val(t, f)))
            .collect();
        let json = |t: &Ticket| self.ticket_json(t, View::default());
        Ok(results(hits, |t| (t.created_at, t.id), page, json))
    }

    pub(super) fn search_contacts(&self, q: &Query) -> Result<Reply, ApiError> {
        let (expr, page) = search_request(q, &contact_kind)?;
        let hits = self
            .contacts
            .values()
            .filter(|c| !c.deleted)
            .filter(|c| language::eval(&expr, &|f| contact_val(c, f)))
            .collect();
        Ok(results(hits, |c| (c.created_at, c.id), page, contact_json))
    }

    pub(super) fn search_companies(&self, q: &Query) -> Result<Reply, ApiError> {
        let (expr, page) = search_request(q, &company_kind)?;
        let hits = self
            .companies
            .values()
            .filter(|c| language::eval(&expr, &|f| company_val(c, f)))
            .collect();
        Ok(results(hits, |c| (c.created_at, c.id), page, company_json))
    }
}
