//! Freshdesk's search-query language (`query="..."`): typed criteria compiled to a query,
//! and the search endpoints.
//!
//! Owns: the query's field names (`agent_id`, `group_id`, `created_at`, ...), its quoting,
//! and Freshdesk's limit on its length. Must not: resolve names (the criteria hold ids).

use chrono::NaiveDate;
use serde_json::Value;

use super::super::client::FreshdeskClient;
use super::SearchPage;
use crate::error::{Error, Result};

const NO_TICKET_CONDITION: &str = "give at least one condition (status, priority, \
    assigned_to, group, tag, ticket_type, dates or custom_fields); to list everything use \
    freshdesk_list_tickets";
const NO_CONTACT_CONDITION: &str = "give at least one of email, phone, company, created_after";
/// Freshdesk allows 512 characters, quotes included.
const MAX_QUERY: usize = 510;

/// A value the query language puts in single quotes; it must not hold a quote itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Quoted(String);

impl Quoted {
    /// `field` names the argument a refusal is about.
    pub fn new(field: &str, v: &str) -> Result<Self> {
        Self::refusing(field, v, &['\'', '"'])
    }

    /// Like [`Quoted::new`], but only the single quote is refused: what contact search has
    /// always checked phone numbers for (a double quote is left to Freshdesk to refuse).
    pub fn phone(v: &str) -> Result<Self> {
        Self::refusing("phone", v, &['\''])
    }

    fn refusing(field: &str, v: &str, quotes: &[char]) -> Result<Self> {
        if v.contains(quotes) {
            return Err(Error::invalid(field, "must not contain quotes"));
        }
        Ok(Self(v.to_string()))
    }
}

impl std::fmt::Display for Quoted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}'", self.0)
    }
}

/// A condition on a custom field: its name in the query (without `cf_`) and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomCondition(String);

impl CustomCondition {
    /// `api_name` is the field's `cf_` name; the value must be a string, number, bool or null.
    pub fn new(api_name: &str, v: &Value) -> Result<Self> {
        let name = api_name.trim_start_matches("cf_");
        let value = match v {
            Value::String(s) => Quoted::new("custom_fields", s)?.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".into(),
            _ => {
                return Err(Error::invalid(
                    "custom_fields",
                    format!("{name}: use a string, number, true/false or null"),
                ));
            }
        };
        Ok(Self(format!("{name}:{value}")))
    }
}

/// What tickets to search for; every condition given must hold, a list means any of it.
#[derive(Debug, Clone, Default)]
pub struct TicketCriteria {
    pub statuses: Vec<i64>,
    pub priorities: Vec<i64>,
    pub agent: Option<i64>,
    pub group: Option<i64>,
    pub tag: Option<Quoted>,
    pub ticket_type: Option<Quoted>,
    pub created_after: Option<NaiveDate>,
    pub created_before: Option<NaiveDate>,
    pub updated_after: Option<NaiveDate>,
    pub updated_before: Option<NaiveDate>,
    pub custom: Vec<CustomCondition>,
}

/// What contacts to search for; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct ContactCriteria {
    /// Sent as given (the tools check it is an e-mail address).
    pub email: Option<String>,
    pub phone: Option<Quoted>,
    pub company: Option<i64>,
    pub created_after: Option<NaiveDate>,
}

fn any_of(field: &str, values: &[i64]) -> Option<String> {
    match values {
        [] => None,
        [one] => Some(format!("{field}:{one}")),
        many => Some(format!(
            "({})",
            many.iter()
                .map(|v| format!("{field}:{v}"))
                .collect::<Vec<_>>()
                .join(" OR ")
        )),
    }
}

fn day(field: &str, op: &str, d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| format!("{field}:{op}'{}'", d.format("%Y-%m-%d")))
}

/// The conditions joined with AND, refused when there are none or they are too long.
fn joined(parts: Vec<Option<String>>, none: &str) -> Result<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    if parts.is_empty() {
        return Err(Error::invalid("arguments", none));
    }
    let q = parts.join(" AND ");
    if q.len() > MAX_QUERY {
        return Err(Error::invalid(
            "arguments",
            format!(
                "the search query is {} characters; Freshdesk allows 512: use fewer conditions",
                q.len()
            ),
        ));
    }
    Ok(q)
}

/// The query for `GET /search/tickets`.
pub fn ticket_query(c: &TicketCriteria) -> Result<String> {
    let mut parts = vec![
        any_of("status", &c.statuses),
        any_of("priority", &c.priorities),
        c.agent.map(|a| format!("agent_id:{a}")),
        c.group.map(|g| format!("group_id:{g}")),
        c.tag.as_ref().map(|t| format!("tag:{t}")),
        c.ticket_type.as_ref().map(|t| format!("type:{t}")),
        day("created_at", ">", c.created_after),
        day("created_at", "<", c.created_before),
        day("updated_at", ">", c.updated_after),
        day("updated_at", "<", c.updated_before),
    ];
    parts.extend(c.custom.iter().map(|cf| Some(cf.0.clone())));
    joined(parts, NO_TICKET_CONDITION)
}

/// The query for `GET /search/contacts`.
pub fn contact_query(c: &ContactCriteria) -> Result<String> {
    let parts = vec![
        c.email.as_ref().map(|e| format!("email:'{e}'")),
        c.phone.as_ref().map(|p| format!("phone:{p}")),
        c.company.map(|co| format!("company_id:{co}")),
        day("created_at", ">", c.created_after),
    ];
    joined(parts, NO_CONTACT_CONDITION)
}

impl FreshdeskClient {
    /// `GET /search/tickets`: 30 a page, pages 1-10.
    pub async fn search_tickets(&self, query: &str, page: u32) -> Result<SearchPage> {
        self.search("tickets", query, page).await
    }
}
