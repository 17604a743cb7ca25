//! The Freshdesk MCP tools: tickets, conversations, contacts, companies, agents, groups and
//! ticket fields. Names instead of ids wherever a person would use names (agent, group,
//! company, status, priority, source, custom fields), resolved through the account's cached
//! reference data. Created objects always come back with their id.
//!
//! Every tool body goes through `Core::read` or `Core::write`; input is checked here before
//! any upstream call.

use chrono::{DateTime, NaiveDate};
use rmcp::handler::server::tool::{InputResponses, RequestState};
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use validator::Validate;

use super::client::FreshdeskClient;
use super::models::{self, Named, PRIORITIES, PRIORITY_NAMES, Refs, SOURCES, STATUS_NAMES, norm};
use super::session::FreshdeskSession;
use super::shapes;
use crate::error::{Error, ErrorKind, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Operation, WriteSpec, Written, no_view};
use crate::mcp::output::{Render, ResponseFormat, finish, finish_write};
use crate::mcp::params::{IdOrName, OneOrMany, Parameters, args_of, validated};
use crate::mcp::untrusted;
use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, PolicyView, ToolMeta};

const BACKEND: &str = "freshdesk";

// ---------------------------------------------------------------------------------------------
// Resolution of names

fn given(v: &IdOrName) -> String {
    match v {
        IdOrName::Id(n) => format!("id {n}"),
        IdOrName::Name(s) => format!("\"{s}\""),
    }
}

/// An agent, group or company by id, name (or e-mail for agents).
fn resolve_named(field: &str, v: &IdOrName, list: &[Named], what: &str) -> Result<i64> {
    match v {
        IdOrName::Id(n) => Ok(*n),
        IdOrName::Name(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<i64>() {
                return Ok(n);
            }
            let found: Vec<&Named> = list
                .iter()
                .filter(|n| {
                    n.name.eq_ignore_ascii_case(s)
                        || n.email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(s))
                })
                .collect();
            match found.as_slice() {
                [one] => Ok(one.id),
                [] => {
                    let names: Vec<String> = list
                        .iter()
                        .take(25)
                        .map(|n| format!("{} ({})", n.name, n.id))
                        .collect();
                    Err(Error::invalid(
                        field,
                        format!(
                            "no {what} matches {}; known {what}s: {}{}",
                            given(v),
                            names.join(", "),
                            if list.len() > 25 { ", ..." } else { "" }
                        ),
                    ))
                }
                many => Err(Error::invalid(
                    field,
                    format!(
                        "{} matches several {what}s ({}); give the id",
                        given(v),
                        many.iter()
                            .map(|n| n.id.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
    }
}

/// A status by name (including the account's custom statuses) or number.
fn resolve_status(field: &str, v: &IdOrName, refs: &Refs) -> Result<i64> {
    let table: Vec<(i64, String)> = if refs.statuses.is_empty() {
        models::STATUSES
            .iter()
            .map(|(i, n)| (*i, n.to_string()))
            .collect()
    } else {
        refs.statuses.clone()
    };
    resolve_table(field, v, &table)
}

fn resolve_table(field: &str, v: &IdOrName, table: &[(i64, String)]) -> Result<i64> {
    let found = match v {
        IdOrName::Id(n) => table.iter().find(|(i, _)| i == n).map(|(i, _)| *i),
        IdOrName::Name(s) => table
            .iter()
            .find(|(i, n)| norm(n) == norm(s) || s.trim() == i.to_string())
            .map(|(i, _)| *i),
    };
    found.ok_or_else(|| {
        let names: Vec<String> = table
            .iter()
            .map(|(i, n)| format!("{} ({i})", norm(n)))
            .collect();
        Error::invalid(
            field,
            format!(
                "{} is not valid; use one of: {}",
                given(v),
                names.join(", ")
            ),
        )
    })
}

fn static_table(t: &[(i64, &str)]) -> Vec<(i64, String)> {
    t.iter().map(|(i, n)| (*i, n.to_string())).collect()
}

/// Custom fields by name (with or without `cf_`) or label, checked against the account's.
fn custom_fields(given: &Map<String, Value>, refs: &Refs) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (k, v) in given {
        let key = k.trim();
        let field = refs.custom_fields.iter().find(|f| {
            f.name.eq_ignore_ascii_case(key)
                || f.name
                    .trim_start_matches("cf_")
                    .eq_ignore_ascii_case(key.trim_start_matches("cf_"))
                || f.label.eq_ignore_ascii_case(key)
        });
        let Some(f) = field else {
            let names: Vec<&str> = refs.custom_fields.iter().map(|f| f.name.as_str()).collect();
            return Err(Error::invalid(
                "custom_fields",
                format!(
                    "\"{key}\" is not a custom field of this account; known: {}",
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        };
        if !f.choices.is_empty()
            && let Some(s) = v.as_str()
            && !f.choices.iter().any(|c| c == s)
        {
            return Err(Error::invalid(
                "custom_fields",
                format!(
                    "{}: \"{s}\" is not one of: {}",
                    f.name,
                    f.choices.join(", ")
                ),
            ));
        }
        out.insert(f.name.clone(), v.clone());
    }
    Ok(out)
}

/// `YYYY-MM-DD` (for search) or a full date-time.
fn parse_day(field: &str, s: &str) -> Result<String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| {
            Error::invalid(
                field,
                format!("\"{s}\" is not a date; use YYYY-MM-DD, e.g. 2026-11-01"),
            )
        })
}

fn parse_instant(field: &str, s: &str) -> Result<String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(format!("{}T00:00:00Z", d.format("%Y-%m-%d")));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .map_err(|_| {
            Error::invalid(
                field,
                format!("\"{s}\" is not a date; use YYYY-MM-DD or 2026-11-01T09:00:00Z"),
            )
        })
}

// ---------------------------------------------------------------------------------------------
// Output

/// One Freshdesk object, with names added next to ids.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FdObject {
    /// ticket, conversation, contact, company, agent.
    pub kind: String,
    /// The object as Freshdesk sends it, with names added next to ids (`status_name`,
    /// `agent_name`, `group_name`, ...). Each tool's output schema lists its documented fields.
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub object: Value,
    pub message: String,
}

/// A page (or several) of a Freshdesk list or search.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FdList {
    /// tickets, conversations, contacts, companies, agents, groups, ticket_fields.
    pub kind: String,
    /// The objects as Freshdesk sends them, with names added next to ids (see the get tools);
    /// fields that are null or empty are left out here.
    #[schemars(schema_with = "crate::mcp::schema::open_objects")]
    pub items: Vec<Value>,
    pub page: u32,
    pub per_page: u32,
    /// Whether Freshdesk has another page after the last one returned.
    pub has_more: bool,
    pub next_page: Option<u32>,
    /// Search only: how many match in all.
    pub total: Option<i64>,
    /// The search query that was sent, if any.
    pub query: Option<String>,
    pub note: Option<String>,
    pub truncated: bool,
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(x) => x.to_string(),
    }
}

fn cut(text: &str, n: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    if one_line.chars().count() > n {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    } else {
        one_line
    }
}

fn row(kind: &str, v: &Value) -> (Vec<&'static str>, Vec<String>) {
    match kind {
        "tickets" => (
            vec![
                "id", "subject", "status", "priority", "agent", "group", "updated",
            ],
            vec![
                s(v, "id"),
                cut(&s(v, "subject"), 60),
                s(v, "status_name"),
                s(v, "priority_name"),
                s(v, "agent_name"),
                s(v, "group_name"),
                s(v, "updated_at"),
            ],
        ),
        "conversations" => (
            vec!["id", "kind", "from user", "created", "text"],
            vec![
                s(v, "id"),
                if v["private"] == json!(true) {
                    "private note".into()
                } else if v["source"] == json!(2) {
                    "public note".into()
                } else {
                    "reply".into()
                },
                s(v, "user_id"),
                s(v, "created_at"),
                cut(
                    v.get("body_text")
                        .and_then(Value::as_str)
                        .or(v.get("body").and_then(Value::as_str))
                        .unwrap_or(""),
                    120,
                ),
            ],
        ),
        "contacts" => (
            vec!["id", "name", "email", "phone", "company"],
            vec![
                s(v, "id"),
                s(v, "name"),
                s(v, "email"),
                s(v, "phone"),
                s(v, "company_id"),
            ],
        ),
        "companies" => (
            vec!["id", "name", "domains"],
            vec![
                s(v, "id"),
                s(v, "name"),
                v.get("domains").map(|d| d.to_string()).unwrap_or_default(),
            ],
        ),
        "agents" => (
            vec!["id", "name", "email", "available"],
            vec![
                s(v, "id"),
                s(&v["contact"], "name"),
                s(&v["contact"], "email"),
                s(v, "available"),
            ],
        ),
        "groups" => (
            vec!["id", "name", "agents"],
            vec![
                s(v, "id"),
                s(v, "name"),
                v.get("agent_ids")
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ],
        ),
        _ => (
            vec!["name", "label", "type", "choices"],
            vec![
                s(v, "name"),
                s(v, "label"),
                s(v, "type"),
                cut(
                    &v.get("choices").map(|c| c.to_string()).unwrap_or_default(),
                    80,
                ),
            ],
        ),
    }
}

impl Render for FdList {
    fn markdown(&self) -> String {
        let mut out = match self.total {
            Some(t) => format!(
                "## {}: {t} match (page {}, {} shown)\n\n",
                self.kind,
                self.page,
                self.items.len()
            ),
            None => format!(
                "## {} (page {}, {} shown)\n\n",
                self.kind,
                self.page,
                self.items.len()
            ),
        };
        if self.items.is_empty() {
            out.push_str("Nothing matches.\n");
        } else {
            let (head, _) = row(&self.kind, &self.items[0]);
            out.push_str(&format!(
                "| {} |\n|{}\n",
                head.join(" | "),
                "---|".repeat(head.len())
            ));
            for it in &self.items {
                out.push_str(&format!("| {} |\n", row(&self.kind, it).1.join(" | ")));
            }
        }
        if let Some(p) = self.next_page {
            out.push_str(&format!("\nMore results: call again with page={p}.\n"));
        }
        if let Some(q) = &self.query {
            out.push_str(&format!("\nQuery sent: `{q}`\n"));
        }
        if let Some(n) = &self.note {
            out.push_str(&format!("\n_{n}_\n"));
        }
        out
    }
    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }
    fn items(&self) -> usize {
        self.items.len()
    }
    fn mark_truncated(&mut self, kept: usize) {
        self.truncated = true;
        let more = "Use a smaller per_page or narrower filters.";
        self.note = Some(match &self.note {
            Some(n) => format!("{n} Output limit reached: only {kept} items shown. {more}"),
            None => format!("Output limit reached: only {kept} items shown. {more}"),
        });
    }
}

impl Render for FdObject {
    fn markdown(&self) -> String {
        let o = &self.object;
        let mut out = String::new();
        if !self.message.is_empty() {
            out.push_str(&format!("{}\n\n", self.message));
        }
        let title = o
            .get("subject")
            .or(o.get("name"))
            .or(o["contact"].get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        out.push_str(&format!("## {} #{}: {title}\n", self.kind, s(o, "id")));
        for k in [
            "status_name",
            "priority_name",
            "source_name",
            "type",
            "agent_name",
            "group_name",
            "company_name",
            "requester_id",
            "email",
            "phone",
            "tags",
            "due_by",
            "created_at",
            "updated_at",
            "deleted",
            "private",
        ] {
            if let Some(v) = o.get(k).filter(|v| !v.is_null()) {
                out.push_str(&format!(
                    "- **{k}:** {}\n",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                ));
            }
        }
        if let Some(cf) = o
            .get("custom_fields")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        {
            out.push_str(&format!(
                "- **custom_fields:** {}\n",
                Value::Object(cf.clone())
            ));
        }
        if let Some(text) = o
            .get("description_text")
            .or(o.get("body_text"))
            .and_then(Value::as_str)
        {
            out.push_str(&format!("\n{text}\n"));
        }
        if let Some(convs) = o.get("conversations").and_then(Value::as_array) {
            out.push_str(&format!(
                "\n### Conversations ({}, the oldest 10 at most)\n",
                convs.len()
            ));
            for c in convs {
                out.push_str(&format!(
                    "\n**#{}** {} by user {} ({})\n{}\n",
                    s(c, "id"),
                    s(c, "created_at"),
                    s(c, "user_id"),
                    if c["private"] == json!(true) {
                        "private"
                    } else {
                        "public"
                    },
                    c.get("body_text").and_then(Value::as_str).unwrap_or("")
                ));
            }
        }
        out
    }
    fn shrink(&mut self) -> bool {
        match self
            .object
            .get_mut("conversations")
            .and_then(Value::as_array_mut)
        {
            Some(c) if !c.is_empty() => c.pop().is_some(),
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ListFilter {
    NewAndMyOpen,
    Watching,
    Spam,
    Deleted,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum OrderBy {
    CreatedAt,
    DueBy,
    UpdatedAt,
    Status,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ListTicketsParams {
    /// A predefined view: new_and_my_open, watching, spam, or deleted (the trash).
    #[serde(default)]
    pub filter: Option<ListFilter>,
    /// Only tickets of this requester (e-mail address).
    #[serde(alias = "email")]
    #[serde(default)]
    #[validate(email)]
    pub requester_email: Option<String>,
    /// Only tickets of this company: id or name.
    #[serde(alias = "company_id")]
    #[serde(default)]
    pub company: Option<IdOrName>,
    /// Tickets updated since this date (YYYY-MM-DD or 2026-11-01T09:00:00Z). Without it,
    /// Freshdesk lists only tickets created in the last 30 days.
    #[serde(default)]
    pub updated_since: Option<String>,
    /// created_at (default), due_by, updated_at or status.
    #[serde(default)]
    pub order_by: Option<OrderBy>,
    /// desc (default) or asc.
    #[serde(default)]
    pub order_type: Option<OrderType>,
    /// Page to start at, 1-300 (default 1).
    #[serde(default)]
    #[validate(range(min = 1, max = 300))]
    pub page: Option<u32>,
    /// Tickets per page, 1-100 (default 30).
    #[serde(default)]
    #[validate(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
    /// How many pages to read, following Freshdesk's next-page links (1-10, default 1).
    #[serde(default)]
    #[validate(range(min = 1, max = 10))]
    pub pages: Option<u32>,
    /// true: include each ticket's description (costs more output).
    #[serde(default)]
    pub include_description: bool,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SearchTicketsParams {
    /// Status name(s) or number(s): open, pending, resolved, closed (or a custom status).
    #[serde(default)]
    pub status: Option<OneOrMany<IdOrName>>,
    /// Priority name(s) or number(s): low, medium, high, urgent.
    #[serde(default)]
    pub priority: Option<OneOrMany<IdOrName>>,
    /// The assigned agent: name, e-mail or id.
    #[serde(alias = "agent_id")]
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// The group: name or id.
    #[serde(alias = "group_id")]
    #[serde(default)]
    pub group: Option<IdOrName>,
    /// A tag the tickets carry.
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    pub tag: Option<String>,
    /// The ticket type, e.g. "Incident".
    #[serde(alias = "type")]
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    pub ticket_type: Option<String>,
    /// Created on or after this day (YYYY-MM-DD).
    #[serde(default)]
    pub created_after: Option<String>,
    /// Created on or before this day (YYYY-MM-DD).
    #[serde(default)]
    pub created_before: Option<String>,
    /// Updated on or after this day (YYYY-MM-DD).
    #[serde(default)]
    pub updated_after: Option<String>,
    /// Updated on or before this day (YYYY-MM-DD).
    #[serde(default)]
    pub updated_before: Option<String>,
    /// Custom fields to match, by name (e.g. {"category": "Hardware"}).
    #[serde(default)]
    pub custom_fields: Option<Map<String, Value>>,
    /// Result page, 1-10 (Freshdesk returns 30 per page and at most 10 pages: 300 results).
    #[serde(default)]
    #[validate(range(min = 1, max = 10))]
    pub page: Option<u32>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct GetTicketParams {
    /// The ticket's id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// true: include the conversations (Freshdesk embeds the oldest 10; use
    /// freshdesk_list_conversations for all).
    #[serde(default)]
    pub include_conversations: bool,
    /// true: include the requester (name, e-mail, phone).
    #[serde(default)]
    pub include_requester: bool,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TicketIdWrite {
    /// The ticket's id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketParams {
    /// A short summary, 1-255 characters.
    #[validate(length(min = 1, max = 255))]
    pub subject: String,
    /// The problem in full (HTML or plain text).
    #[validate(length(min = 1, max = 100000))]
    pub description: String,
    /// The requester's e-mail; Freshdesk creates the contact if it does not exist. Give this
    /// or requester_id.
    #[serde(alias = "email")]
    #[serde(default)]
    #[validate(email)]
    pub requester_email: Option<String>,
    /// The requester's name (used when Freshdesk creates the contact).
    #[serde(alias = "name")]
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub requester_name: Option<String>,
    /// An existing contact's id, instead of requester_email.
    #[serde(default)]
    #[validate(range(min = 1))]
    pub requester_id: Option<i64>,
    /// open (default), pending, resolved, closed, or a custom status; or its number.
    #[serde(default)]
    pub status: Option<IdOrName>,
    /// low (default), medium, high, urgent; or 1-4.
    #[serde(default)]
    pub priority: Option<IdOrName>,
    /// email, portal (default), phone, chat, feedback_widget, outbound_email; or its number.
    #[serde(default)]
    pub source: Option<IdOrName>,
    /// The ticket type, e.g. "Incident" (see freshdesk_list_ticket_fields).
    #[serde(alias = "type")]
    #[serde(default)]
    pub ticket_type: Option<String>,
    /// Assign to this agent: name, e-mail or id.
    #[serde(alias = "responder_id")]
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// The group: name or id.
    #[serde(alias = "group_id")]
    #[serde(default)]
    pub group: Option<IdOrName>,
    /// The company: name or id (default: the requester's).
    #[serde(alias = "company_id")]
    #[serde(default)]
    pub company: Option<IdOrName>,
    /// Tags to set.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::tag_list"))]
    pub tags: Option<Vec<String>>,
    /// Custom fields by name, e.g. {"category": "Hardware"}.
    #[serde(default)]
    pub custom_fields: Option<Map<String, Value>>,
    /// Addresses to copy on replies.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::address_list"))]
    pub cc_emails: Option<Vec<String>>,
    /// Due date: YYYY-MM-DD or a date-time.
    #[serde(default)]
    pub due_by: Option<String>,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketParams {
    /// The ticket's id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// New subject.
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub subject: Option<String>,
    /// New description.
    #[serde(default)]
    #[validate(length(min = 1, max = 100000))]
    pub description: Option<String>,
    /// New status: open, pending, resolved, closed, a custom status, or its number.
    #[serde(default)]
    pub status: Option<IdOrName>,
    /// New priority: low, medium, high, urgent, or 1-4.
    #[serde(default)]
    pub priority: Option<IdOrName>,
    /// New ticket type.
    #[serde(alias = "type")]
    #[serde(default)]
    pub ticket_type: Option<String>,
    /// Reassign to this agent: name, e-mail or id. To unassign, use unassign=true.
    #[serde(alias = "responder_id")]
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// true: remove the assigned agent.
    #[serde(default)]
    pub unassign: bool,
    /// Move to this group: name or id.
    #[serde(alias = "group_id")]
    #[serde(default)]
    pub group: Option<IdOrName>,
    /// Replace the tags with these.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::tag_list"))]
    pub tags: Option<Vec<String>>,
    /// Custom fields to change, by name.
    #[serde(default)]
    pub custom_fields: Option<Map<String, Value>>,
    /// New due date: YYYY-MM-DD or a date-time.
    #[serde(default)]
    pub due_by: Option<String>,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ListConversationsParams {
    /// The ticket's id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// Page, 1-based (default 1).
    #[serde(default)]
    #[validate(range(min = 1, max = 1000))]
    pub page: Option<u32>,
    /// Conversations per page, 1-100 (default 30).
    #[serde(default)]
    #[validate(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReplyParams {
    /// The ticket's id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// The reply (HTML or plain text). The requester receives it by e-mail.
    #[validate(length(min = 1, max = 100000))]
    pub body: String,
    /// Extra addresses to copy.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::address_list"))]
    pub cc_emails: Option<Vec<String>>,
    /// Addresses to blind-copy.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::address_list"))]
    pub bcc_emails: Option<Vec<String>>,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NoteParams {
    /// The ticket's id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// The note (HTML or plain text).
    #[validate(length(min = 1, max = 100000))]
    pub body: String,
    /// true (default): only agents see it. false: the requester can see it too.
    #[serde(default = "yes")]
    pub private: bool,
    /// Agents' e-mail addresses to notify.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::address_list"))]
    pub notify_emails: Option<Vec<String>>,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateNoteParams {
    /// The ticket the note belongs to (its conversations are read to see whether the note
    /// is public: rewriting what a customer can see needs confirmation).
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// The note's (conversation's) id.
    #[validate(range(min = 1))]
    pub conversation_id: i64,
    /// The new text of the note.
    #[validate(length(min = 1, max = 100000))]
    pub body: String,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Page, 1-based (default 1).
    #[serde(default)]
    #[validate(range(min = 1, max = 1000))]
    pub page: Option<u32>,
    /// Items per page, 1-100 (default 30).
    #[serde(default)]
    #[validate(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ListContactsParams {
    /// Only the contact with this e-mail.
    #[serde(default)]
    #[validate(email)]
    pub email: Option<String>,
    /// Only contacts with this phone number.
    #[serde(default)]
    #[validate(length(min = 3, max = 50))]
    pub phone: Option<String>,
    /// Only contacts of this company: name or id.
    #[serde(default)]
    pub company: Option<IdOrName>,
    /// blocked, deleted, unverified or verified.
    #[serde(default)]
    pub state: Option<ContactState>,
    /// Page, 1-based (default 1).
    #[serde(default)]
    #[validate(range(min = 1, max = 1000))]
    pub page: Option<u32>,
    /// Contacts per page, 1-100 (default 30).
    #[serde(default)]
    #[validate(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    Blocked,
    Deleted,
    Unverified,
    Verified,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SearchContactsParams {
    /// Contacts with this e-mail.
    #[serde(default)]
    #[validate(email)]
    pub email: Option<String>,
    /// Contacts with this phone.
    #[serde(default)]
    #[validate(length(min = 3, max = 50))]
    pub phone: Option<String>,
    /// Contacts of this company: name or id.
    #[serde(default)]
    pub company: Option<IdOrName>,
    /// Created on or after this day (YYYY-MM-DD).
    #[serde(default)]
    pub created_after: Option<String>,
    /// Result page, 1-10 (30 per page).
    #[serde(default)]
    #[validate(range(min = 1, max = 10))]
    pub page: Option<u32>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct IdParams {
    /// The object's id.
    #[validate(range(min = 1))]
    pub id: i64,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ContactParams {
    /// The contact to change (updates only).
    #[serde(default)]
    #[validate(range(min = 1))]
    pub contact_id: Option<i64>,
    /// Full name (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub name: Option<String>,
    /// E-mail address (must be unique in the account).
    #[serde(default)]
    #[validate(email)]
    pub email: Option<String>,
    #[serde(default)]
    #[validate(length(min = 3, max = 50))]
    /// Phone number.
    pub phone: Option<String>,
    /// Mobile number.
    #[serde(default)]
    #[validate(length(min = 3, max = 50))]
    pub mobile: Option<String>,
    /// The company: name or id.
    #[serde(alias = "company_id")]
    #[serde(default)]
    pub company: Option<IdOrName>,
    /// Job title.
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub job_title: Option<String>,
    /// Tags to set.
    #[serde(default)]
    #[validate(custom(function = "crate::mcp::params::tag_list"))]
    pub tags: Option<Vec<String>>,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CompanyParams {
    /// The company to change (updates only).
    #[serde(default)]
    #[validate(range(min = 1))]
    pub company_id: Option<i64>,
    /// Name (required to create; unique in the account).
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    #[validate(length(min = 1, max = 10000))]
    pub description: Option<String>,
    /// E-mail domains of the company's contacts, e.g. ["acme.com"].
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// A note about the company.
    #[serde(default)]
    #[validate(length(min = 1, max = 10000))]
    pub note: Option<String>,
    /// Only to confirm: when this exact call answered status "confirmation_required", repeat
    /// it with the same arguments plus the confirmation_token it returned.
    #[serde(default)]
    #[validate(length(min = 16, max = 200))]
    pub confirmation_token: Option<String>,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RefsParams {
    /// true: read the list again now instead of the copy cached for 5 minutes.
    #[serde(default)]
    pub refresh: bool,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

// ---------------------------------------------------------------------------------------------
// Bodies sent upstream

/// The ticket body for create/update from resolved arguments.
#[allow(clippy::too_many_arguments)]
fn ticket_body(
    refs: &Refs,
    status: Option<&IdOrName>,
    priority: Option<&IdOrName>,
    source: Option<&IdOrName>,
    ticket_type: Option<&String>,
    assigned_to: Option<&IdOrName>,
    group: Option<&IdOrName>,
    company: Option<&IdOrName>,
    tags: Option<&Vec<String>>,
    custom: Option<&Map<String, Value>>,
    due_by: Option<&String>,
) -> Result<Map<String, Value>> {
    let mut b = Map::new();
    if let Some(v) = status {
        b.insert("status".into(), json!(resolve_status("status", v, refs)?));
    }
    if let Some(v) = priority {
        b.insert(
            "priority".into(),
            json!(resolve_table("priority", v, &static_table(PRIORITIES))?),
        );
    }
    if let Some(v) = source {
        b.insert(
            "source".into(),
            json!(resolve_table("source", v, &static_table(SOURCES))?),
        );
    }
    if let Some(t) = ticket_type {
        if !refs.types.is_empty() && !refs.types.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            return Err(Error::invalid(
                "ticket_type",
                format!(
                    "\"{t}\" is not a ticket type here; use one of: {}",
                    refs.types.join(", ")
                ),
            ));
        }
        let t = refs
            .types
            .iter()
            .find(|x| x.eq_ignore_ascii_case(t))
            .cloned()
            .unwrap_or_else(|| t.clone());
        b.insert("type".into(), json!(t));
    }
    if let Some(v) = assigned_to {
        b.insert(
            "responder_id".into(),
            json!(resolve_named("assigned_to", v, &refs.agents, "agent")?),
        );
    }
    if let Some(v) = group {
        b.insert(
            "group_id".into(),
            json!(resolve_named("group", v, &refs.groups, "group")?),
        );
    }
    if let Some(v) = company {
        b.insert(
            "company_id".into(),
            json!(resolve_named("company", v, &refs.companies, "company")?),
        );
    }
    if let Some(t) = tags {
        b.insert("tags".into(), json!(t));
    }
    if let Some(c) = custom {
        b.insert(
            "custom_fields".into(),
            Value::Object(custom_fields(c, refs)?),
        );
    }
    if let Some(d) = due_by {
        b.insert("due_by".into(), json!(parse_instant("due_by", d)?));
    }
    Ok(b)
}

/// The ticket as policy rules see it (names for enums, ids for refs).
pub fn ticket_view(raw: &Value) -> Value {
    let mut m = Map::new();
    let get = |k: &str| raw.get(k).and_then(Value::as_i64);
    if let Some(s) = get("status") {
        let name = models::STATUSES
            .iter()
            .find(|(i, _)| *i == s)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| s.to_string());
        m.insert("status".into(), json!(name));
    }
    if let Some(p) = get("priority").and_then(|p| PRIORITIES.iter().find(|(i, _)| *i == p)) {
        m.insert("priority".into(), json!(p.1));
    }
    for (from, to) in [
        ("responder_id", "assigned_to"),
        ("group_id", "group"),
        ("company_id", "company"),
    ] {
        if let Some(v) = raw.get(from) {
            m.insert(to.into(), v.clone());
        }
    }
    for k in ["subject", "type", "tags"] {
        if let Some(v) = raw.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    m.insert("unassign".into(), json!(false));
    if let Some(n) = raw.get("conversation_count") {
        m.insert("loses".into(), json!({"conversations": n}));
    }
    Value::Object(m)
}

fn enrich(refs: &Refs, mut t: Value) -> Value {
    refs.enrich_ticket(&mut t);
    mark_ticket(&mut t);
    t
}

/// Marks what the requester wrote (subject, description) and what customers wrote in the
/// embedded conversations as untrusted text.
fn mark_ticket(t: &mut Value) {
    let author = match (
        t.pointer("/requester/email").and_then(Value::as_str),
        t.get("requester_id").and_then(Value::as_i64),
    ) {
        (Some(e), _) => format!("the requester ({e})"),
        (None, Some(id)) => format!("the requester (contact {id})"),
        _ => "the requester".into(),
    };
    for k in ["subject", "description", "description_text"] {
        if let Some(Value::String(v)) = t.get_mut(k)
            && !v.is_empty()
        {
            *v = untrusted::mark(&author, v);
        }
    }
    if let Some(Value::Array(cs)) = t.get_mut("conversations") {
        cs.iter_mut().for_each(mark_conversation);
    }
}

/// Marks a conversation a customer wrote (`incoming`) as untrusted text.
fn mark_conversation(c: &mut Value) {
    if c.get("incoming").and_then(Value::as_bool) != Some(true) {
        return;
    }
    let author = match c.get("from_email").and_then(Value::as_str) {
        Some(e) if !e.is_empty() => format!("a customer ({e})"),
        _ => "a customer".into(),
    };
    for k in ["body", "body_text"] {
        if let Some(Value::String(v)) = c.get_mut(k)
            && !v.is_empty()
        {
            *v = untrusted::mark(&author, v);
        }
    }
}

fn obj(kind: &str, mut object: Value, message: String) -> FdObject {
    if kind == "conversation" {
        mark_conversation(&mut object);
    }
    FdObject {
        kind: kind.into(),
        object,
        message,
    }
}

/// After an ambiguous create: the ticket it made, if exactly one matches.
async fn reconcile_ticket(
    client: &FreshdeskClient,
    subject: &str,
    email: Option<&str>,
    since: chrono::DateTime<chrono::Utc>,
    e: &Error,
) -> Result<Value> {
    let unknown = |why: &str| {
        Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{}. {why} The outcome is unknown: check with freshdesk_search_tickets or freshdesk_list_tickets (order_by updated_at) before creating it again.",
                e.message
            ),
        )
    };
    match client.find_created_tickets(subject, email, since).await {
        Ok(found) if found.len() == 1 => Ok(found.into_iter().next().unwrap_or_default()),
        Ok(found) if found.is_empty() => Err(unknown("No matching ticket was found.")),
        Ok(_) => Err(unknown("Several matching tickets were found.")),
        Err(x) => Err(unknown(&format!("Looking for it failed too ({x})."))),
    }
}

async fn reconcile_conversation(
    client: &FreshdeskClient,
    ticket: i64,
    body: &str,
    since: chrono::DateTime<chrono::Utc>,
    e: &Error,
) -> Result<Value> {
    let unknown = |why: &str| {
        Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{}. {why} The outcome is unknown: check with freshdesk_list_conversations (ticket {ticket}) before sending it again.",
                e.message
            ),
        )
    };
    match client.find_created_conversations(ticket, body, since).await {
        Ok(found) if found.len() == 1 => Ok(found.into_iter().next().unwrap_or_default()),
        Ok(found) if found.is_empty() => Err(unknown("No matching conversation was found.")),
        Ok(_) => Err(unknown("Several matching conversations were found.")),
        Err(x) => Err(unknown(&format!("Looking for it failed too ({x})."))),
    }
}

/// Posts a create; on an ambiguous failure, reconciles instead of resending.
async fn create_once<F, Fut>(
    client: &FreshdeskClient,
    path: &str,
    body: &Value,
    what: &str,
    reconcile: F,
) -> Result<(Value, Option<u16>, Option<String>)>
where
    F: FnOnce(Error) -> Fut,
    Fut: std::future::Future<Output = Result<Value>>,
{
    match client.post(path, body, what).await {
        Ok((v, status)) => Ok((v, Some(status), None)),
        Err(e) if e.kind == ErrorKind::Ambiguous => {
            let status = e.status;
            let msg = e.message.clone();
            let found = reconcile(e).await?;
            let note = format!(
                "{msg}; reconciled: {} was found, it was not sent again",
                found.get("id").map(|i| format!("#{i}")).unwrap_or_default()
            );
            Ok((found, status, Some(note)))
        }
        Err(e) => Err(e),
    }
}

fn search_query(p: &SearchTicketsParams, refs: &Refs) -> Result<String> {
    let mut parts: Vec<String> = Vec::new();
    let any_of = |field: &str, values: Vec<i64>| {
        if values.len() == 1 {
            format!("{field}:{}", values[0])
        } else {
            format!(
                "({})",
                values
                    .iter()
                    .map(|v| format!("{field}:{v}"))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )
        }
    };
    if let Some(s) = &p.status {
        let v = s
            .split_commas()
            .iter()
            .map(|x| resolve_status("status", x, refs))
            .collect::<Result<Vec<_>>>()?;
        if v.is_empty() {
            return Err(Error::invalid(
                "status",
                "an empty list matches nothing; leave it out",
            ));
        }
        parts.push(any_of("status", v));
    }
    if let Some(s) = &p.priority {
        let v = s
            .split_commas()
            .iter()
            .map(|x| resolve_table("priority", x, &static_table(PRIORITIES)))
            .collect::<Result<Vec<_>>>()?;
        if v.is_empty() {
            return Err(Error::invalid(
                "priority",
                "an empty list matches nothing; leave it out",
            ));
        }
        parts.push(any_of("priority", v));
    }
    if let Some(a) = &p.assigned_to {
        parts.push(format!(
            "agent_id:{}",
            resolve_named("assigned_to", a, &refs.agents, "agent")?
        ));
    }
    if let Some(g) = &p.group {
        parts.push(format!(
            "group_id:{}",
            resolve_named("group", g, &refs.groups, "group")?
        ));
    }
    let quoted = |field: &str, v: &str| -> Result<String> {
        if v.contains('\'') || v.contains('"') {
            return Err(Error::invalid(field, "must not contain quotes"));
        }
        Ok(format!("'{v}'"))
    };
    if let Some(t) = &p.tag {
        parts.push(format!("tag:{}", quoted("tag", t)?));
    }
    if let Some(t) = &p.ticket_type {
        parts.push(format!("type:{}", quoted("ticket_type", t)?));
    }
    for (field, op, v) in [
        ("created_at", ">", &p.created_after),
        ("created_at", "<", &p.created_before),
        ("updated_at", ">", &p.updated_after),
        ("updated_at", "<", &p.updated_before),
    ] {
        if let Some(d) = v {
            let name = match (field, op) {
                ("created_at", ">") => "created_after",
                ("created_at", _) => "created_before",
                (_, ">") => "updated_after",
                _ => "updated_before",
            };
            parts.push(format!("{field}:{op}'{}'", parse_day(name, d)?));
        }
    }
    if let Some(cf) = &p.custom_fields {
        for (k, v) in custom_fields(cf, refs)? {
            let name = k.trim_start_matches("cf_").to_string();
            match v {
                Value::String(s) => parts.push(format!("{name}:{}", quoted("custom_fields", &s)?)),
                Value::Number(n) => parts.push(format!("{name}:{n}")),
                Value::Bool(b) => parts.push(format!("{name}:{b}")),
                Value::Null => parts.push(format!("{name}:null")),
                _ => {
                    return Err(Error::invalid(
                        "custom_fields",
                        format!("{name}: use a string, number, true/false or null"),
                    ));
                }
            }
        }
    }
    if parts.is_empty() {
        return Err(Error::invalid(
            "arguments",
            "give at least one condition (status, priority, assigned_to, group, tag, ticket_type, dates or custom_fields); to list everything use freshdesk_list_tickets",
        ));
    }
    let q = parts.join(" AND ");
    if q.len() > 510 {
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

// ---------------------------------------------------------------------------------------------
// What the policy layer sees

fn named_view(v: &IdOrName) -> Value {
    match v {
        IdOrName::Id(n) => json!(n),
        IdOrName::Name(s) => json!(s),
    }
}

fn enum_view(v: &IdOrName, table: &[(i64, &str)]) -> Value {
    match v {
        IdOrName::Id(n) => table
            .iter()
            .find(|(i, _)| i == n)
            .map(|(_, s)| json!(s))
            .unwrap_or(json!(n)),
        IdOrName::Name(s) => {
            let n = norm(s);
            table
                .iter()
                .find(|(i, name)| *name == n || n == i.to_string())
                .map(|(_, s)| json!(s))
                .unwrap_or(json!(n))
        }
    }
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.into(), v);
    }
}

impl PolicyView for CreateTicketParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("subject".into(), json!(self.subject));
        m.insert("description".into(), json!(self.description));
        put(
            &mut m,
            "requester_email",
            self.requester_email.clone().map(Value::from),
        );
        put(
            &mut m,
            "status",
            Some(
                self.status
                    .as_ref()
                    .map(|v| enum_view(v, models::STATUSES))
                    .unwrap_or(json!("open")),
            ),
        );
        put(
            &mut m,
            "priority",
            Some(
                self.priority
                    .as_ref()
                    .map(|v| enum_view(v, PRIORITIES))
                    .unwrap_or(json!("low")),
            ),
        );
        put(
            &mut m,
            "assigned_to",
            self.assigned_to.as_ref().map(named_view),
        );
        put(&mut m, "group", self.group.as_ref().map(named_view));
        put(&mut m, "company", self.company.as_ref().map(named_view));
        let closes = closes(&m);
        m.insert("closes".into(), json!(closes));
        Ok(Value::Object(m))
    }
}

/// Whether a ticket write leaves the ticket resolved or closed.
fn closes(view: &Map<String, Value>) -> bool {
    view.get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s == "resolved" || s == "closed")
}

impl PolicyView for UpdateTicketParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("ticket_id".into(), json!(self.ticket_id));
        put(&mut m, "subject", self.subject.clone().map(Value::from));
        put(
            &mut m,
            "description",
            self.description.clone().map(Value::from),
        );
        put(
            &mut m,
            "status",
            self.status.as_ref().map(|v| enum_view(v, models::STATUSES)),
        );
        put(
            &mut m,
            "priority",
            self.priority.as_ref().map(|v| enum_view(v, PRIORITIES)),
        );
        put(
            &mut m,
            "assigned_to",
            self.assigned_to.as_ref().map(named_view),
        );
        if self.unassign {
            m.insert("unassign".into(), json!(true));
        }
        put(&mut m, "group", self.group.as_ref().map(named_view));
        let closes = closes(&m);
        m.insert("closes".into(), json!(closes));
        Ok(Value::Object(m))
    }
}

impl PolicyView for TicketIdWrite {
    fn view(&self) -> Result<Value> {
        Ok(json!({"ticket_id": self.ticket_id}))
    }
}

impl PolicyView for ReplyParams {
    fn view(&self) -> Result<Value> {
        // A reply is e-mailed to the requester (the before image says who that is).
        Ok(json!({
            "ticket_id": self.ticket_id,
            "body": self.body,
            "customer_visible": true,
            "recipients": {
                "cc": self.cc_emails.clone().unwrap_or_default(),
                "bcc": self.bcc_emails.clone().unwrap_or_default(),
            },
        }))
    }
}

impl PolicyView for NoteParams {
    fn view(&self) -> Result<Value> {
        // A public note is shown to the customer; notify_emails e-mails the note to whoever
        // they name, customers included.
        let notify = self.notify_emails.clone().unwrap_or_default();
        Ok(json!({
            "ticket_id": self.ticket_id,
            "body": self.body,
            "private": self.private,
            "customer_visible": !self.private || !notify.is_empty(),
            "recipients": {"to": notify},
        }))
    }
}

impl PolicyView for UpdateNoteParams {
    fn view(&self) -> Result<Value> {
        Ok(
            json!({"ticket_id": self.ticket_id, "conversation_id": self.conversation_id, "body": self.body}),
        )
    }
}

/// The note an update changes, as policy sees it: whether the customer can see it.
fn note_view(raw: &Value) -> Value {
    let private = raw.get("private").and_then(Value::as_bool).unwrap_or(false);
    json!({"private": private, "customer_visible": !private, "body": raw.get("body_text").or_else(|| raw.get("body"))})
}

/// The ticket a reply goes to, as policy sees it: its fields and who receives the reply (the
/// requester, and the ticket's cc list).
fn reply_view(raw: &Value) -> Value {
    let mut v = ticket_view(raw);
    let to: Vec<Value> = raw
        .pointer("/requester/email")
        .and_then(Value::as_str)
        .map(|e| vec![json!(e)])
        .unwrap_or_default();
    let cc = raw.get("cc_emails").cloned().unwrap_or(json!([]));
    v["recipients"] = json!({"to": to, "cc": cc});
    v
}

impl PolicyView for ContactParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        put(&mut m, "name", self.name.clone().map(Value::from));
        put(&mut m, "email", self.email.clone().map(Value::from));
        put(&mut m, "company", self.company.as_ref().map(named_view));
        Ok(Value::Object(m))
    }
}

impl PolicyView for CompanyParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        put(&mut m, "name", self.name.clone().map(Value::from));
        put(
            &mut m,
            "description",
            self.description.clone().map(Value::from),
        );
        put(&mut m, "note", self.note.clone().map(Value::from));
        Ok(Value::Object(m))
    }
}

macro_rules! plain_view {
    ($($t:ty),*) => {$(
        impl PolicyView for $t {
            fn view(&self) -> Result<Value> {
                Ok(args_of(self))
            }
        }
    )*};
}
plain_view!(
    ListTicketsParams,
    SearchTicketsParams,
    GetTicketParams,
    ListConversationsParams,
    ListParams,
    ListContactsParams,
    SearchContactsParams,
    IdParams,
    RefsParams
);

const F_TICKET: FieldMeta = FieldMeta {
    name: "ticket_id",
    kind: FieldKind::Integer,
};
const F_STATUS: FieldMeta = FieldMeta {
    name: "status",
    kind: FieldKind::Enum(STATUS_NAMES),
};
const F_PRIORITY: FieldMeta = FieldMeta {
    name: "priority",
    kind: FieldKind::Enum(PRIORITY_NAMES),
};
const F_ASSIGNED: FieldMeta = FieldMeta {
    name: "assigned_to",
    kind: FieldKind::Ref,
};
const F_GROUP: FieldMeta = FieldMeta {
    name: "group",
    kind: FieldKind::Ref,
};
const F_COMPANY: FieldMeta = FieldMeta {
    name: "company",
    kind: FieldKind::Ref,
};
const F_BODY: FieldMeta = FieldMeta {
    name: "body",
    kind: FieldKind::Text,
};

/// The Freshdesk tools for the policy layer.
pub fn catalog() -> Vec<ToolMeta> {
    use crate::policy::catalog::canonicalize_as as c;
    let t = |name, operation, destructive, fields, canonicalize| ToolMeta {
        name,
        backend: BACKEND,
        operation,
        destructive,
        fields,
        canonicalize,
    };
    vec![
        t(
            "freshdesk_list_tickets",
            OpKind::Read,
            false,
            &[],
            c::<ListTicketsParams>,
        ),
        t(
            "freshdesk_search_tickets",
            OpKind::Read,
            false,
            &[],
            c::<SearchTicketsParams>,
        ),
        t(
            "freshdesk_get_ticket",
            OpKind::Read,
            false,
            &[F_TICKET],
            c::<GetTicketParams>,
        ),
        t(
            "freshdesk_create_ticket",
            OpKind::Create,
            false,
            &[
                FieldMeta {
                    name: "subject",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "description",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "requester_email",
                    kind: FieldKind::Plain,
                },
                F_STATUS,
                F_PRIORITY,
                F_ASSIGNED,
                F_GROUP,
                F_COMPANY,
            ],
            c::<CreateTicketParams>,
        ),
        t(
            "freshdesk_update_ticket",
            OpKind::Update,
            false,
            &[
                F_TICKET,
                FieldMeta {
                    name: "subject",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "description",
                    kind: FieldKind::Text,
                },
                F_STATUS,
                F_PRIORITY,
                F_ASSIGNED,
                FieldMeta {
                    name: "unassign",
                    kind: FieldKind::Bool,
                },
                F_GROUP,
            ],
            c::<UpdateTicketParams>,
        ),
        t(
            "freshdesk_delete_ticket",
            OpKind::Delete,
            true,
            &[F_TICKET],
            c::<TicketIdWrite>,
        ),
        t(
            "freshdesk_restore_ticket",
            OpKind::Update,
            false,
            &[F_TICKET],
            c::<TicketIdWrite>,
        ),
        t(
            "freshdesk_list_conversations",
            OpKind::Read,
            false,
            &[F_TICKET],
            c::<ListConversationsParams>,
        ),
        t(
            "freshdesk_reply_to_ticket",
            OpKind::Create,
            false,
            &[F_TICKET, F_BODY],
            c::<ReplyParams>,
        ),
        t(
            "freshdesk_add_note",
            OpKind::Create,
            false,
            &[
                F_TICKET,
                F_BODY,
                FieldMeta {
                    name: "private",
                    kind: FieldKind::Bool,
                },
            ],
            c::<NoteParams>,
        ),
        t(
            "freshdesk_update_note",
            OpKind::Update,
            false,
            &[
                F_TICKET,
                FieldMeta {
                    name: "conversation_id",
                    kind: FieldKind::Integer,
                },
                F_BODY,
            ],
            c::<UpdateNoteParams>,
        ),
        t(
            "freshdesk_list_contacts",
            OpKind::Read,
            false,
            &[],
            c::<ListContactsParams>,
        ),
        t(
            "freshdesk_get_contact",
            OpKind::Read,
            false,
            &[],
            c::<IdParams>,
        ),
        t(
            "freshdesk_search_contacts",
            OpKind::Read,
            false,
            &[],
            c::<SearchContactsParams>,
        ),
        t(
            "freshdesk_create_contact",
            OpKind::Create,
            false,
            &[
                FieldMeta {
                    name: "name",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "email",
                    kind: FieldKind::Plain,
                },
                F_COMPANY,
            ],
            c::<ContactParams>,
        ),
        t(
            "freshdesk_update_contact",
            OpKind::Update,
            false,
            &[
                FieldMeta {
                    name: "name",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "email",
                    kind: FieldKind::Plain,
                },
                F_COMPANY,
            ],
            c::<ContactParams>,
        ),
        t(
            "freshdesk_list_companies",
            OpKind::Read,
            false,
            &[],
            c::<ListParams>,
        ),
        t(
            "freshdesk_get_company",
            OpKind::Read,
            false,
            &[],
            c::<IdParams>,
        ),
        t(
            "freshdesk_create_company",
            OpKind::Create,
            false,
            &[
                FieldMeta {
                    name: "name",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "description",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "note",
                    kind: FieldKind::Text,
                },
            ],
            c::<CompanyParams>,
        ),
        t(
            "freshdesk_update_company",
            OpKind::Update,
            false,
            &[
                FieldMeta {
                    name: "name",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "description",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "note",
                    kind: FieldKind::Text,
                },
            ],
            c::<CompanyParams>,
        ),
        t(
            "freshdesk_list_agents",
            OpKind::Read,
            false,
            &[],
            c::<ListParams>,
        ),
        t(
            "freshdesk_get_agent",
            OpKind::Read,
            false,
            &[],
            c::<IdParams>,
        ),
        t(
            "freshdesk_get_current_agent",
            OpKind::Read,
            false,
            &[],
            c::<RefsParams>,
        ),
        t(
            "freshdesk_list_groups",
            OpKind::Read,
            false,
            &[],
            c::<RefsParams>,
        ),
        t(
            "freshdesk_list_ticket_fields",
            OpKind::Read,
            false,
            &[],
            c::<RefsParams>,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// The tools

fn list_out(
    kind: &str,
    items: Vec<Value>,
    page: u32,
    per_page: u32,
    has_more: bool,
    note: Option<String>,
) -> FdList {
    let mut items = items;
    if kind == "conversations" {
        items.iter_mut().for_each(mark_conversation);
    }
    FdList {
        kind: kind.into(),
        items: items.into_iter().map(compact).collect(),
        page,
        per_page,
        has_more,
        next_page: has_more.then_some(page + 1),
        total: None,
        query: None,
        note,
        truncated: false,
    }
}

/// A list item without its null and empty fields (Freshdesk sends many), so that a page of
/// whole records fits the output budget; the get tools return every field.
fn compact(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, compact(v)))
                .filter(|(_, v)| match v {
                    Value::Null => false,
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    _ => true,
                })
                .collect(),
        ),
        other => other,
    }
}

fn search_out(kind: &str, total: i64, items: Vec<Value>, page: u32, query: String) -> FdList {
    let pages = ((total + 29) / 30).min(10) as u32;
    let has_more = page < pages;
    let note = (total > 300).then(|| {
        format!("{total} tickets match, but Freshdesk's search returns at most 300 (10 pages of 30): narrow the conditions (e.g. dates) to see the rest.")
    });
    FdList {
        kind: kind.into(),
        items: items.into_iter().map(compact).collect(),
        page,
        per_page: 30,
        has_more,
        next_page: has_more.then_some(page + 1),
        total: Some(total),
        query: Some(query),
        note,
        truncated: false,
    }
}

#[tool_router(router = freshdesk_router, vis = "pub")]
impl HelpdeskOperator {
    /// List Freshdesk tickets, newest first by default. Without updated_since Freshdesk only
    /// lists tickets created in the last 30 days. Follows next-page links when pages > 1.
    /// For conditions (status, priority, agent, group, tags, dates, custom fields) use
    /// freshdesk_search_tickets.
    #[tool(
        name = "freshdesk_list_tickets",
        annotations(title = "List Freshdesk tickets", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Ticket>()
    )]
    pub async fn freshdesk_list_tickets(
        &self,
        Parameters(p): Parameters<ListTicketsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            let since = p.updated_since.as_deref().map(|d| parse_instant("updated_since", d)).transpose()?;
            self.core
                .read("freshdesk_list_tickets", |s| async move {
                    let c = s.freshdesk()?;
                    let refs = c.refs(false).await?;
                    let per_page = p.per_page.unwrap_or(30);
                    let first = p.page.unwrap_or(1);
                    let mut q: Vec<(&str, String)> = vec![("per_page", per_page.to_string())];
                    if let Some(f) = p.filter {
                        q.push(("filter", serde_json::to_value(f).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()));
                    }
                    if let Some(e) = &p.requester_email {
                        q.push(("email", e.clone()));
                    }
                    if let Some(co) = &p.company {
                        q.push(("company_id", resolve_named("company", co, &refs.companies, "company")?.to_string()));
                    }
                    if let Some(sn) = &since {
                        q.push(("updated_since", sn.clone()));
                    }
                    if let Some(o) = p.order_by {
                        q.push(("order_by", serde_json::to_value(o).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()));
                    }
                    if let Some(o) = p.order_type {
                        q.push(("order_type", if o == OrderType::Asc { "asc" } else { "desc" }.into()));
                    }
                    if p.include_description {
                        q.push(("include", "description".into()));
                    }
                    let mut items = Vec::new();
                    let mut page = first;
                    let mut has_more;
                    loop {
                        let mut qq = q.clone();
                        qq.push(("page", page.to_string()));
                        let got = c.list("tickets", &qq, "the ticket list").await?;
                        items.extend(got.items.into_iter().map(|t| enrich(&refs, t)));
                        has_more = got.has_more;
                        if !has_more || page + 1 >= first + p.pages.unwrap_or(1) {
                            break;
                        }
                        page += 1;
                    }
                    let note = since.is_none().then(|| "Without updated_since, Freshdesk lists only tickets created in the last 30 days.".to_string());
                    Ok(list_out("tickets", items, page, per_page, has_more, note))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Search Freshdesk tickets by status, priority, agent, group, tag, type, creation and
    /// update dates, and custom fields (all conditions must hold; a list means any of them).
    /// Freshdesk returns 30 results per page and at most 10 pages (300 results).
    #[tool(
        name = "freshdesk_search_tickets",
        annotations(title = "Search Freshdesk tickets", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Ticket>()
    )]
    pub async fn freshdesk_search_tickets(
        &self,
        Parameters(p): Parameters<SearchTicketsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            for (f, d) in [
                ("created_after", &p.created_after),
                ("created_before", &p.created_before),
                ("updated_after", &p.updated_after),
                ("updated_before", &p.updated_before),
            ] {
                if let Some(d) = d {
                    parse_day(f, d)?;
                }
            }
            self.core
                .read("freshdesk_search_tickets", |s| async move {
                    let c = s.freshdesk()?;
                    let refs = c.refs(false).await?;
                    let query = search_query(&p, &refs)?;
                    let page = p.page.unwrap_or(1);
                    let (total, results) = c.search("tickets", &query, page).await?;
                    Ok(search_out(
                        "tickets",
                        total,
                        results.into_iter().map(|t| enrich(&refs, t)).collect(),
                        page,
                        query,
                    ))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Get one Freshdesk ticket, optionally with its conversations (the oldest 10) and its
    /// requester. Ids are shown with names (status_name, agent_name, group_name, ...).
    #[tool(
        name = "freshdesk_get_ticket",
        annotations(title = "Get a Freshdesk ticket", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Ticket>()
    )]
    pub async fn freshdesk_get_ticket(
        &self,
        Parameters(p): Parameters<GetTicketParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("freshdesk_get_ticket", |s| async move {
                    let c = s.freshdesk()?;
                    let refs = c.refs(false).await?;
                    let mut include = Vec::new();
                    if p.include_conversations {
                        include.push("conversations");
                    }
                    if p.include_requester {
                        include.push("requester");
                    }
                    let q: Vec<(&str, String)> = if include.is_empty() {
                        vec![]
                    } else {
                        vec![("include", include.join(","))]
                    };
                    let t = c
                        .get(
                            &format!("tickets/{}", p.ticket_id),
                            &q,
                            &format!("ticket {}", p.ticket_id),
                        )
                        .await?;
                    Ok(obj("ticket", enrich(&refs, t), String::new()))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Create a Freshdesk ticket for a requester (by e-mail, created if new, or by id), with
    /// status, priority, source, type, agent, group, company, tags and custom fields by name.
    /// Returns the new ticket with its id. Requires an intent.
    #[tool(
        name = "freshdesk_create_ticket",
        annotations(title = "Create a Freshdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_create_ticket(
        &self,
        Parameters(p): Parameters<CreateTicketParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            if p.requester_email.is_none() && p.requester_id.is_none() {
                return Err(Error::invalid("requester_email", "the ticket needs a requester: give requester_email (Freshdesk creates the contact if needed) or requester_id"));
            }
            if let Some(d) = &p.due_by {
                parse_instant("due_by", d)?;
            }
            let session = self.core.session().await?;
            let client = session.freshdesk()?.clone();
            let refs = client.refs(false).await?;
            let open = IdOrName::Name("open".into());
            let low = IdOrName::Name("low".into());
            let portal = IdOrName::Name("portal".into());
            let mut body = ticket_body(
                &refs,
                Some(p.status.as_ref().unwrap_or(&open)),
                Some(p.priority.as_ref().unwrap_or(&low)),
                Some(p.source.as_ref().unwrap_or(&portal)),
                p.ticket_type.as_ref(),
                p.assigned_to.as_ref(),
                p.group.as_ref(),
                p.company.as_ref(),
                p.tags.as_ref(),
                p.custom_fields.as_ref(),
                p.due_by.as_ref(),
            )?;
            body.insert("subject".into(), json!(p.subject));
            body.insert("description".into(), json!(p.description));
            if let Some(e) = &p.requester_email {
                body.insert("email".into(), json!(e));
            }
            if let Some(n) = &p.requester_name {
                body.insert("name".into(), json!(n));
            }
            if let Some(id) = p.requester_id {
                body.insert("requester_id".into(), json!(id));
            }
            if let Some(cc) = &p.cc_emails {
                body.insert("cc_emails".into(), json!(cc));
            }
            let mut view = p.view()?;
            for (k, up) in [("assigned_to", "responder_id"), ("group", "group_id"), ("company", "company_id")] {
                if let Some(v) = body.get(up) {
                    view[k] = v.clone();
                }
            }
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "freshdesk_create_ticket",
                operation: Operation::Create,
                entity: "ticket",
                target_id: None,
                arguments: args_of(&p),
                view,
                before_view: no_view,
            };
            let subject = p.subject.clone();
            let email = p.requester_email.clone();
            self.core
                .write(spec, call, |_| async { Ok(None) }, |_, _| async move {
                    let started = chrono::Utc::now();
                    let c2 = client.clone();
                    let (t, status, note) = create_once(&client, "tickets", &Value::Object(body), "the new ticket", move |e| async move {
                        reconcile_ticket(&c2, &subject, email.as_deref(), started, &e).await
                    })
                    .await?;
                    let id = t.get("id").and_then(Value::as_i64).unwrap_or_default();
                    let message = match &note {
                        None => format!("Created ticket #{id}."),
                        Some(_) => format!("Created ticket #{id}. (Freshdesk's answer was lost, so the ticket was looked up instead of being sent again.)"),
                    };
                    Ok(Written { target_id: Some(id.to_string()), after: Some(t.clone()), status, note, value: obj("ticket", enrich(&refs, t), message) })
                })
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// Change a Freshdesk ticket: subject, description, status (this is how to resolve or
    /// close), priority, type, agent, group, tags, custom fields, due date. Requires an intent.
    #[tool(
        name = "freshdesk_update_ticket",
        annotations(title = "Update a Freshdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_update_ticket(
        &self,
        Parameters(p): Parameters<UpdateTicketParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            if p.assigned_to.is_some() && p.unassign {
                return Err(Error::invalid("unassign", "cannot be combined with assigned_to: give one of them"));
            }
            if let Some(d) = &p.due_by {
                parse_instant("due_by", d)?;
            }
            let session = self.core.session().await?;
            let client = session.freshdesk()?.clone();
            let refs = client.refs(false).await?;
            let mut body = ticket_body(
                &refs,
                p.status.as_ref(),
                p.priority.as_ref(),
                None,
                p.ticket_type.as_ref(),
                p.assigned_to.as_ref(),
                p.group.as_ref(),
                None,
                p.tags.as_ref(),
                p.custom_fields.as_ref(),
                p.due_by.as_ref(),
            )?;
            if let Some(s) = &p.subject {
                body.insert("subject".into(), json!(s));
            }
            if let Some(d) = &p.description {
                body.insert("description".into(), json!(d));
            }
            if p.unassign {
                body.insert("responder_id".into(), Value::Null);
            }
            if body.is_empty() {
                return Err(Error::invalid("arguments", "nothing to change: give at least one of subject, description, status, priority, ticket_type, assigned_to, unassign, group, tags, custom_fields, due_by"));
            }
            let mut view = p.view()?;
            for (k, up) in [("assigned_to", "responder_id"), ("group", "group_id")] {
                if let Some(v) = body.get(up).filter(|v| !v.is_null()) {
                    view[k] = v.clone();
                }
            }
            let id = p.ticket_id;
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "freshdesk_update_ticket",
                operation: Operation::Update,
                entity: "ticket",
                target_id: Some(id.to_string()),
                arguments: args_of(&p),
                view,
                before_view: ticket_view,
            };
            let reader = client.clone();
            self.core
                .write(
                    spec,
                    call,
                    |_| async move { Ok(Some(reader.ticket_version(id).await?)) },
                    |_, before| async move {
                        let (t, status) = client.put(&format!("tickets/{id}"), Some(&Value::Object(body.clone())), &format!("ticket {id}")).await?;
                        let before = before.unwrap_or(Value::Null);
                        let changed: Vec<String> = body.keys().filter(|k| before.get(*k) != t.get(*k)).cloned().collect();
                        let message = if changed.is_empty() {
                            format!("Ticket #{id} already had these values; nothing changed.")
                        } else {
                            format!("Updated ticket #{id}: {}.", changed.join(", "))
                        };
                        Ok(Written::new(obj("ticket", enrich(&refs, t.clone()), message), Some(id.to_string()), Some(t), Some(status)))
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// Delete a Freshdesk ticket: it moves to the trash (restore it with
    /// freshdesk_restore_ticket). Requires an intent.
    #[tool(
        name = "freshdesk_delete_ticket",
        annotations(title = "Delete a Freshdesk ticket", read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_delete_ticket(
        &self,
        Parameters(p): Parameters<TicketIdWrite>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        self.ticket_state_change(p, ctx, state, responses, true)
            .await
    }

    /// Restore a deleted Freshdesk ticket from the trash. Requires an intent.
    #[tool(
        name = "freshdesk_restore_ticket",
        annotations(title = "Restore a Freshdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_restore_ticket(
        &self,
        Parameters(p): Parameters<TicketIdWrite>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        self.ticket_state_change(p, ctx, state, responses, false)
            .await
    }

    /// List a Freshdesk ticket's conversations (replies and notes), oldest first, one page
    /// at a time.
    #[tool(
        name = "freshdesk_list_conversations",
        annotations(title = "List a Freshdesk ticket's conversations", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Conversation>()
    )]
    pub async fn freshdesk_list_conversations(
        &self,
        Parameters(p): Parameters<ListConversationsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("freshdesk_list_conversations", |s| async move {
                    let c = s.freshdesk()?;
                    let (page, per_page) = (p.page.unwrap_or(1), p.per_page.unwrap_or(30));
                    let got = c
                        .list(
                            &format!("tickets/{}/conversations", p.ticket_id),
                            &[
                                ("page", page.to_string()),
                                ("per_page", per_page.to_string()),
                            ],
                            &format!("ticket {}'s conversations", p.ticket_id),
                        )
                        .await?;
                    Ok(list_out(
                        "conversations",
                        got.items,
                        page,
                        per_page,
                        got.has_more,
                        None,
                    ))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Reply to a Freshdesk ticket: the requester receives it by e-mail (customer-visible).
    /// Requires an intent; the default policy asks for confirmation.
    #[tool(
        name = "freshdesk_reply_to_ticket",
        annotations(title = "Reply to a Freshdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = shapes::write::<shapes::Conversation>()
    )]
    pub async fn freshdesk_reply_to_ticket(
        &self,
        Parameters(p): Parameters<ReplyParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let mut body = json!({"body": p.body});
        if let Some(cc) = &p.cc_emails {
            body["cc_emails"] = json!(cc);
        }
        if let Some(bcc) = &p.bcc_emails {
            body["bcc_emails"] = json!(bcc);
        }
        let r = self
            .conversation(
                p.ticket_id,
                p.body.clone(),
                "freshdesk_reply_to_ticket",
                reply_view,
                "reply",
                body,
                args_of(&p),
                p.view(),
                call,
                validated(&p),
            )
            .await;
        finish_write(r, fmt)
    }

    /// Add a note to a Freshdesk ticket: private (agents only) unless private=false.
    /// Requires an intent.
    #[tool(
        name = "freshdesk_add_note",
        annotations(title = "Add a note to a Freshdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = shapes::write::<shapes::Conversation>()
    )]
    pub async fn freshdesk_add_note(
        &self,
        Parameters(p): Parameters<NoteParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let mut body = json!({"body": p.body, "private": p.private});
        if let Some(n) = &p.notify_emails {
            body["notify_emails"] = json!(n);
        }
        let r = self
            .conversation(
                p.ticket_id,
                p.body.clone(),
                "freshdesk_add_note",
                ticket_view,
                "notes",
                body,
                args_of(&p),
                p.view(),
                call,
                validated(&p),
            )
            .await;
        finish_write(r, fmt)
    }

    /// Change the text of a note on a Freshdesk ticket (only notes created through the API).
    /// Requires an intent.
    #[tool(
        name = "freshdesk_update_note",
        annotations(title = "Update a Freshdesk note", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::write::<shapes::Conversation>()
    )]
    pub async fn freshdesk_update_note(
        &self,
        Parameters(p): Parameters<UpdateNoteParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            let id = p.conversation_id;
            let ticket = p.ticket_id;
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "freshdesk_update_note",
                operation: Operation::Update,
                entity: "conversation",
                target_id: Some(id.to_string()),
                arguments: args_of(&p),
                view: p.view()?,
                before_view: note_view,
            };
            let body = json!({"body": p.body});
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.freshdesk()?.conversation(ticket, id).await?)) },
                    |s, _| async move {
                        let (c, status) = s.freshdesk()?.update_conversation(id, &body).await?;
                        Ok(Written::new(
                            obj("conversation", c.clone(), format!("Updated note #{id}.")),
                            Some(id.to_string()),
                            Some(c),
                            Some(status),
                        ))
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// List Freshdesk contacts, filtered by e-mail, phone, company or state.
    #[tool(
        name = "freshdesk_list_contacts",
        annotations(title = "List Freshdesk contacts", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Contact>()
    )]
    pub async fn freshdesk_list_contacts(
        &self,
        Parameters(p): Parameters<ListContactsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("freshdesk_list_contacts", |s| async move {
                    let c = s.freshdesk()?;
                    let (page, per_page) = (p.page.unwrap_or(1), p.per_page.unwrap_or(30));
                    let mut q = vec![
                        ("page", page.to_string()),
                        ("per_page", per_page.to_string()),
                    ];
                    if let Some(e) = &p.email {
                        q.push(("email", e.clone()));
                    }
                    if let Some(ph) = &p.phone {
                        q.push(("phone", ph.clone()));
                    }
                    if let Some(co) = &p.company {
                        let refs = c.refs(false).await?;
                        q.push((
                            "company_id",
                            resolve_named("company", co, &refs.companies, "company")?.to_string(),
                        ));
                    }
                    if let Some(st) = p.state {
                        q.push((
                            "state",
                            serde_json::to_value(st)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                        ));
                    }
                    let got = c.list("contacts", &q, "the contact list").await?;
                    Ok(list_out(
                        "contacts",
                        got.items,
                        page,
                        per_page,
                        got.has_more,
                        None,
                    ))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Get one Freshdesk contact by id: name, e-mail, phones, company, tags, custom fields.
    #[tool(
        name = "freshdesk_get_contact",
        annotations(title = "Get a Freshdesk contact", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Contact>()
    )]
    pub async fn freshdesk_get_contact(
        &self,
        Parameters(p): Parameters<IdParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .get_one(
                "freshdesk_get_contact",
                "contact",
                format!("contacts/{}", p.id),
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// Search Freshdesk contacts by e-mail, phone, company or creation date.
    #[tool(
        name = "freshdesk_search_contacts",
        annotations(title = "Search Freshdesk contacts", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Contact>()
    )]
    pub async fn freshdesk_search_contacts(
        &self,
        Parameters(p): Parameters<SearchContactsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            if let Some(d) = &p.created_after {
                parse_day("created_after", d)?;
            }
            self.core
                .read("freshdesk_search_contacts", |s| async move {
                    let c = s.freshdesk()?;
                    let mut parts = Vec::new();
                    if let Some(e) = &p.email {
                        parts.push(format!("email:'{e}'"));
                    }
                    if let Some(ph) = &p.phone {
                        if ph.contains('\'') {
                            return Err(Error::invalid("phone", "must not contain quotes"));
                        }
                        parts.push(format!("phone:'{ph}'"));
                    }
                    if let Some(co) = &p.company {
                        let refs = c.refs(false).await?;
                        parts.push(format!(
                            "company_id:{}",
                            resolve_named("company", co, &refs.companies, "company")?
                        ));
                    }
                    if let Some(d) = &p.created_after {
                        parts.push(format!("created_at:>'{}'", parse_day("created_after", d)?));
                    }
                    if parts.is_empty() {
                        return Err(Error::invalid(
                            "arguments",
                            "give at least one of email, phone, company, created_after",
                        ));
                    }
                    let query = parts.join(" AND ");
                    let page = p.page.unwrap_or(1);
                    let (total, results) = c.search("contacts", &query, page).await?;
                    Ok(search_out("contacts", total, results, page, query))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Create a Freshdesk contact (name and an e-mail or phone). Returns it with its id.
    /// Requires an intent.
    #[tool(
        name = "freshdesk_create_contact",
        annotations(title = "Create a Freshdesk contact", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = shapes::write::<shapes::Contact>()
    )]
    pub async fn freshdesk_create_contact(
        &self,
        Parameters(p): Parameters<ContactParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        self.contact_write(p, ctx, state, responses, true).await
    }

    /// Change a Freshdesk contact (contact_id plus the fields to change). Requires an intent.
    #[tool(
        name = "freshdesk_update_contact",
        annotations(title = "Update a Freshdesk contact", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::write::<shapes::Contact>()
    )]
    pub async fn freshdesk_update_contact(
        &self,
        Parameters(p): Parameters<ContactParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        self.contact_write(p, ctx, state, responses, false).await
    }

    /// List Freshdesk companies, one page at a time.
    #[tool(
        name = "freshdesk_list_companies",
        annotations(title = "List Freshdesk companies", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Company>()
    )]
    pub async fn freshdesk_list_companies(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .list_simple(
                "freshdesk_list_companies",
                "companies",
                "companies",
                p.page,
                p.per_page,
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// Get one Freshdesk company by id: name, domains, description, note, custom fields.
    #[tool(
        name = "freshdesk_get_company",
        annotations(title = "Get a Freshdesk company", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Company>()
    )]
    pub async fn freshdesk_get_company(
        &self,
        Parameters(p): Parameters<IdParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .get_one(
                "freshdesk_get_company",
                "company",
                format!("companies/{}", p.id),
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// Create a Freshdesk company (a unique name). Returns it with its id. Requires an intent.
    #[tool(
        name = "freshdesk_create_company",
        annotations(title = "Create a Freshdesk company", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = shapes::write::<shapes::Company>()
    )]
    pub async fn freshdesk_create_company(
        &self,
        Parameters(p): Parameters<CompanyParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        self.company_write(p, ctx, state, responses, true).await
    }

    /// Change a Freshdesk company (company_id plus the fields to change). Requires an intent.
    #[tool(
        name = "freshdesk_update_company",
        annotations(title = "Update a Freshdesk company", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::write::<shapes::Company>()
    )]
    pub async fn freshdesk_update_company(
        &self,
        Parameters(p): Parameters<CompanyParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        self.company_write(p, ctx, state, responses, false).await
    }

    /// List Freshdesk agents (id, name, e-mail), to assign tickets by name.
    #[tool(
        name = "freshdesk_list_agents",
        annotations(title = "List Freshdesk agents", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Agent>()
    )]
    pub async fn freshdesk_list_agents(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .list_simple(
                "freshdesk_list_agents",
                "agents",
                "agents",
                p.page,
                p.per_page,
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// Get one Freshdesk agent by id: name, e-mail, groups, roles, availability.
    #[tool(
        name = "freshdesk_get_agent",
        annotations(title = "Get a Freshdesk agent", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Agent>()
    )]
    pub async fn freshdesk_get_agent(&self, Parameters(p): Parameters<IdParams>) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .get_one(
                "freshdesk_get_agent",
                "agent",
                format!("agents/{}", p.id),
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// The Freshdesk agent this server works as (the API key's owner).
    #[tool(
        name = "freshdesk_get_current_agent",
        annotations(title = "Get the current Freshdesk agent", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::object::<shapes::Agent>()
    )]
    pub async fn freshdesk_get_current_agent(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .get_one(
                "freshdesk_get_current_agent",
                "agent",
                "agents/me".into(),
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// List Freshdesk groups (id, name, agents), to route tickets by group name.
    #[tool(
        name = "freshdesk_list_groups",
        annotations(title = "List Freshdesk groups", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::Group>()
    )]
    pub async fn freshdesk_list_groups(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = self
            .list_simple(
                "freshdesk_list_groups",
                "groups",
                "groups",
                None,
                Some(100),
                validated(&p),
            )
            .await;
        finish(r, fmt)
    }

    /// List Freshdesk ticket fields: the statuses (including custom ones), priorities,
    /// sources, types and custom fields with their allowed values, so they can be used by name.
    #[tool(
        name = "freshdesk_list_ticket_fields",
        annotations(title = "List Freshdesk ticket fields", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = shapes::list::<shapes::TicketField>()
    )]
    pub async fn freshdesk_list_ticket_fields(
        &self,
        Parameters(p): Parameters<RefsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("freshdesk_list_ticket_fields", |s| async move {
                    let c = s.freshdesk()?;
                    if p.refresh {
                        c.refs(true).await?;
                    }
                    let v = c.get("ticket_fields", &[], "the ticket fields").await?;
                    let items = v.as_array().cloned().unwrap_or_default();
                    Ok(list_out("ticket_fields", items, 1, 100, false, None))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }
}

// Shared bodies of tools with the same shape.
impl HelpdeskOperator {
    async fn get_one(
        &self,
        tool: &'static str,
        kind: &'static str,
        path: String,
        valid: Result<()>,
    ) -> Result<FdObject> {
        valid?;
        self.core
            .read(tool, |s| async move {
                let c = s.freshdesk()?;
                let v = c
                    .get(
                        &path,
                        &[],
                        &format!("{kind} {}", path.rsplit('/').next().unwrap_or("")),
                    )
                    .await?;
                Ok(obj(kind, v, String::new()))
            })
            .await
    }

    async fn list_simple(
        &self,
        tool: &'static str,
        kind: &'static str,
        path: &'static str,
        page: Option<u32>,
        per_page: Option<u32>,
        valid: Result<()>,
    ) -> Result<FdList> {
        valid?;
        self.core
            .read(tool, |s| async move {
                let c = s.freshdesk()?;
                let (page, per_page) = (page.unwrap_or(1), per_page.unwrap_or(30));
                let got = c
                    .list(
                        path,
                        &[
                            ("page", page.to_string()),
                            ("per_page", per_page.to_string()),
                        ],
                        &format!("the {kind}"),
                    )
                    .await?;
                Ok(list_out(
                    kind,
                    got.items,
                    page,
                    per_page,
                    got.has_more,
                    None,
                ))
            })
            .await
    }

    async fn ticket_state_change(
        &self,
        p: TicketIdWrite,
        ctx: RequestContext<RoleServer>,
        state: Option<String>,
        responses: Option<rmcp::model::InputResponses>,
        delete: bool,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            let id = p.ticket_id;
            let spec = WriteSpec {
                backend: BACKEND,
                tool: if delete { "freshdesk_delete_ticket" } else { "freshdesk_restore_ticket" },
                operation: if delete { Operation::Delete } else { Operation::Update },
                entity: "ticket",
                target_id: Some(id.to_string()),
                arguments: args_of(&p),
                view: p.view()?,
                before_view: ticket_view,
            };
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.freshdesk()?.ticket_version(id).await?)) },
                    |s, _| async move {
                        let c = s.freshdesk()?;
                        let status = if delete {
                            c.delete(&format!("tickets/{id}"), &format!("ticket {id}")).await?
                        } else {
                            c.put(&format!("tickets/{id}/restore"), None, &format!("ticket {id}")).await?.1
                        };
                        let after = c.get(&format!("tickets/{id}"), &[], &format!("ticket {id}")).await.ok();
                        let refs = c.refs(false).await?;
                        let message = if delete {
                            format!("Moved ticket #{id} to the trash. freshdesk_restore_ticket brings it back.")
                        } else {
                            format!("Restored ticket #{id} from the trash.")
                        };
                        Ok(Written::new(obj("ticket", enrich(&refs, after.clone().unwrap_or(json!({"id": id}))), message), Some(id.to_string()), after, Some(status)))
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    #[allow(clippy::too_many_arguments)]
    async fn conversation(
        &self,
        ticket: i64,
        text: String,
        tool: &'static str,
        before_view: fn(&Value) -> Value,
        endpoint: &'static str,
        body: Value,
        arguments: Value,
        view: Result<Value>,
        call: CallCtx,
        valid: Result<()>,
    ) -> Result<crate::mcp::guard::Outcome<FdObject>> {
        valid?;
        let spec = WriteSpec {
            backend: BACKEND,
            tool,
            operation: Operation::Create,
            entity: "ticket",
            target_id: Some(ticket.to_string()),
            arguments,
            view: view?,
            before_view,
        };
        self.core
            .write(
                spec,
                call,
                // With the requester: the reply's recipients are part of what is confirmed.
                |s| async move { Ok(Some(s.freshdesk()?.ticket_with_requester(ticket).await?)) },
                |s, _| async move {
                    let c = s.freshdesk()?.clone();
                    let started = chrono::Utc::now();
                    let c2 = c.clone();
                    let (conv, status, note) = create_once(
                        &c,
                        &format!("tickets/{ticket}/{endpoint}"),
                        &body,
                        &format!("ticket {ticket}"),
                        move |e| async move {
                            reconcile_conversation(&c2, ticket, &text, started, &e).await
                        },
                    )
                    .await?;
                    let cid = conv.get("id").and_then(Value::as_i64).unwrap_or_default();
                    let what = if endpoint == "reply" {
                        "reply"
                    } else if conv["private"] == json!(false) {
                        "public note"
                    } else {
                        "private note"
                    };
                    Ok(Written {
                        target_id: Some(ticket.to_string()),
                        after: Some(conv.clone()),
                        status,
                        note,
                        value: obj(
                            "conversation",
                            conv,
                            format!("Added {what} #{cid} to ticket #{ticket}."),
                        ),
                    })
                },
            )
            .await
    }

    async fn contact_write(
        &self,
        p: ContactParams,
        ctx: RequestContext<RoleServer>,
        state: Option<String>,
        responses: Option<rmcp::model::InputResponses>,
        create: bool,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            if create {
                if p.contact_id.is_some() {
                    return Err(Error::invalid("contact_id", "is for updates; use freshdesk_update_contact"));
                }
                if p.name.is_none() {
                    return Err(Error::invalid("name", "is required to create a contact"));
                }
                if p.email.is_none() && p.phone.is_none() && p.mobile.is_none() {
                    return Err(Error::invalid("email", "a contact needs an email, phone or mobile"));
                }
            } else if p.contact_id.is_none() {
                return Err(Error::invalid("contact_id", "is required to update a contact"));
            }
            let session = self.core.session().await?;
            let client = session.freshdesk()?.clone();
            let mut body = Map::new();
            for (k, v) in [("name", &p.name), ("email", &p.email), ("phone", &p.phone), ("mobile", &p.mobile), ("job_title", &p.job_title)] {
                if let Some(v) = v {
                    body.insert(k.into(), json!(v));
                }
            }
            if let Some(t) = &p.tags {
                body.insert("tags".into(), json!(t));
            }
            let mut view = p.view()?;
            if let Some(co) = &p.company {
                let refs = client.refs(false).await?;
                let id = resolve_named("company", co, &refs.companies, "company")?;
                body.insert("company_id".into(), json!(id));
                view["company"] = json!(id);
            }
            if !create && body.is_empty() {
                return Err(Error::invalid("arguments", "nothing to change: give at least one of name, email, phone, mobile, company, job_title, tags"));
            }
            let id = p.contact_id;
            let spec = WriteSpec {
                backend: BACKEND,
                tool: if create { "freshdesk_create_contact" } else { "freshdesk_update_contact" },
                operation: if create { Operation::Create } else { Operation::Update },
                entity: "contact",
                target_id: id.map(|i| i.to_string()),
                arguments: args_of(&p),
                view,
                before_view: no_view,
            };
            let reader = client.clone();
            let email = p.email.clone();
            self.core
                .write(
                    spec,
                    call,
                    |_| async move {
                        match id {
                            Some(i) => Ok(Some(reader.get(&format!("contacts/{i}"), &[], &format!("contact {i}")).await?)),
                            None => Ok(None),
                        }
                    },
                    |_, _| async move {
                        let body = Value::Object(body);
                        let (v, status, note) = match id {
                            None => {
                                let c2 = client.clone();
                                create_once(&client, "contacts", &body, "the new contact", move |e| async move {
                                    let Some(email) = email else { return Err(e) };
                                    let found = c2.list("contacts", &[("email", email)], "the contacts").await?;
                                    match found.items.as_slice() {
                                        [one] => Ok(one.clone()),
                                        _ => Err(Error::new(ErrorKind::Ambiguous, format!("{}. The outcome is unknown: check with freshdesk_list_contacts (email) before creating it again.", e.message))),
                                    }
                                })
                                .await?
                            }
                            Some(i) => {
                                let (v, s) = client.put(&format!("contacts/{i}"), Some(&body), &format!("contact {i}")).await?;
                                (v, Some(s), None)
                            }
                        };
                        let cid = v.get("id").and_then(Value::as_i64).unwrap_or_default();
                        let message = if create { format!("Created contact #{cid}.") } else { format!("Updated contact #{cid}.") };
                        Ok(Written { target_id: Some(cid.to_string()), after: Some(v.clone()), status, note, value: obj("contact", v, message) })
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    async fn company_write(
        &self,
        p: CompanyParams,
        ctx: RequestContext<RoleServer>,
        state: Option<String>,
        responses: Option<rmcp::model::InputResponses>,
        create: bool,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            if create && p.company_id.is_some() {
                return Err(Error::invalid("company_id", "is for updates; use freshdesk_update_company"));
            }
            if create && p.name.is_none() {
                return Err(Error::invalid("name", "is required to create a company"));
            }
            if !create && p.company_id.is_none() {
                return Err(Error::invalid("company_id", "is required to update a company"));
            }
            let mut body = Map::new();
            for (k, v) in [("name", &p.name), ("description", &p.description), ("note", &p.note)] {
                if let Some(v) = v {
                    body.insert(k.into(), json!(v));
                }
            }
            if let Some(d) = &p.domains {
                body.insert("domains".into(), json!(d));
            }
            if !create && body.is_empty() {
                return Err(Error::invalid("arguments", "nothing to change: give at least one of name, description, domains, note"));
            }
            let id = p.company_id;
            let spec = WriteSpec {
                backend: BACKEND,
                tool: if create { "freshdesk_create_company" } else { "freshdesk_update_company" },
                operation: if create { Operation::Create } else { Operation::Update },
                entity: "company",
                target_id: id.map(|i| i.to_string()),
                arguments: args_of(&p),
                view: p.view()?,
                before_view: no_view,
            };
            let name = p.name.clone();
            self.core
                .write(
                    spec,
                    call,
                    |s| async move {
                        match id {
                            Some(i) => Ok(Some(s.freshdesk()?.get(&format!("companies/{i}"), &[], &format!("company {i}")).await?)),
                            None => Ok(None),
                        }
                    },
                    |s, _| async move {
                        let client = s.freshdesk()?.clone();
                        let body = Value::Object(body);
                        let (v, status, note) = match id {
                            None => {
                                let c2 = client.clone();
                                create_once(&client, "companies", &body, "the new company", move |e| async move {
                                    let all = c2.list_all("companies", 10, "the companies").await?;
                                    let found: Vec<&Value> = all.iter().filter(|c| c.get("name").and_then(Value::as_str) == name.as_deref()).collect();
                                    match found.as_slice() {
                                        [one] => Ok((*one).clone()),
                                        _ => Err(Error::new(ErrorKind::Ambiguous, format!("{}. The outcome is unknown: check with freshdesk_list_companies before creating it again.", e.message))),
                                    }
                                })
                                .await?
                            }
                            Some(i) => {
                                let (v, s) = client.put(&format!("companies/{i}"), Some(&body), &format!("company {i}")).await?;
                                (v, Some(s), None)
                            }
                        };
                        let cid = v.get("id").and_then(Value::as_i64).unwrap_or_default();
                        let message = if create { format!("Created company #{cid}.") } else { format!("Updated company #{cid}.") };
                        Ok(Written { target_id: Some(cid.to_string()), after: Some(v.clone()), status, note, value: obj("company", v, message) })
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::freshdesk::models::CustomField;

    fn refs() -> Refs {
        Refs {
            agents: vec![Named {
                id: 7,
                name: "Ada Support".into(),
                email: Some("ada@x.example".into()),
            }],
            groups: vec![Named {
                id: 3,
                name: "Billing".into(),
                email: None,
            }],
            statuses: vec![
                (2, "Open".into()),
                (3, "Pending".into()),
                (4, "Resolved".into()),
                (5, "Closed".into()),
                (6, "Waiting on Customer".into()),
            ],
            custom_fields: vec![CustomField {
                name: "cf_category".into(),
                label: "Category".into(),
                kind: "custom_dropdown".into(),
                choices: vec!["Hardware".into(), "Software".into()],
            }],
            ..Default::default()
        }
    }

    fn search(v: Value) -> Result<String> {
        let p: SearchTicketsParams = serde_json::from_value(v).unwrap();
        search_query(&p, &refs())
    }

    #[test]
    fn search_queries_are_built_from_structured_conditions() {
        assert_eq!(
            search(json!({"status": ["open", "pending"], "priority": "urgent"})).unwrap(),
            "(status:2 OR status:3) AND priority:4"
        );
        assert_eq!(
            search(json!({"assigned_to": "ada@x.example", "group": "billing", "tag": "vip"}))
                .unwrap(),
            "agent_id:7 AND group_id:3 AND tag:'vip'"
        );
        assert_eq!(
            search(
                json!({"created_after": "2026-01-01", "custom_fields": {"category": "Hardware"}})
            )
            .unwrap(),
            "created_at:>'2026-01-01' AND category:'Hardware'"
        );
        assert_eq!(
            search(json!({"status": "waiting on customer"})).unwrap(),
            "status:6"
        );
        assert!(
            search(json!({}))
                .unwrap_err()
                .message
                .contains("at least one condition")
        );
        assert!(
            search(json!({"status": "stalled"}))
                .unwrap_err()
                .message
                .starts_with("status:")
        );
        assert!(
            search(json!({"assigned_to": "Bob"}))
                .unwrap_err()
                .message
                .contains("Ada Support")
        );
        assert!(
            search(json!({"custom_fields": {"category": "Plants"}}))
                .unwrap_err()
                .message
                .contains("Hardware")
        );
        assert!(search(json!({"tag": "it's"})).is_err());
    }

    #[test]
    fn ticket_views_use_names() {
        let v =
            ticket_view(&json!({"status": 4, "priority": 4, "responder_id": 7, "group_id": null}));
        assert_eq!(v["status"], "resolved");
        assert_eq!(v["priority"], "urgent");
        assert_eq!(v["assigned_to"], 7);
    }
}
