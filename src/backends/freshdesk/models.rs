//! Freshdesk's upstream models: its enumerations, the account's reference data (agents,
//! groups, companies, ticket fields) used to turn names into ids and ids into names, and the
//! request bodies the API layer sends, typed with Freshdesk's field names.
//!
//! Owns: upstream field names (`responder_id`, `group_id`, `cc_emails`, ...), including the
//! mapping of a ticket or note to the before image policy rules compare (`ticket_view`, ...).
//! Must not: resolve names (resolve.rs does), call Freshdesk, or know about MCP. Objects
//! Freshdesk returns stay `Value`: the tools pass them through to the agent unchanged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Default statuses (accounts may add custom ones, read from /ticket_fields).
pub const STATUSES: &[(i64, &str)] = &[(2, "open"), (3, "pending"), (4, "resolved"), (5, "closed")];
pub const PRIORITIES: &[(i64, &str)] = &[(1, "low"), (2, "medium"), (3, "high"), (4, "urgent")];
pub const SOURCES: &[(i64, &str)] = &[
    (1, "email"),
    (2, "portal"),
    (3, "phone"),
    (7, "chat"),
    (9, "feedback_widget"),
    (10, "outbound_email"),
];

pub const STATUS_NAMES: &[&str] = &["open", "pending", "resolved", "closed"];
pub const PRIORITY_NAMES: &[&str] = &["low", "medium", "high", "urgent"];

/// One named thing with an id.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, PartialEq)]
pub struct Named {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A custom field: its API name (`cf_...`), label and allowed values.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CustomField {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub choices: Vec<String>,
}

/// The account's reference data, cached per account.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub agents: Vec<Named>,
    pub groups: Vec<Named>,
    pub companies: Vec<Named>,
    /// id -> name, defaults plus the account's custom statuses.
    pub statuses: Vec<(i64, String)>,
    pub priorities: Vec<(i64, String)>,
    pub sources: Vec<(i64, String)>,
    pub types: Vec<String>,
    pub custom_fields: Vec<CustomField>,
}

pub fn norm(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

impl Refs {
    pub fn status_name(&self, id: i64) -> String {
        self.statuses
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| norm(n))
            .or_else(|| {
                STATUSES
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, n)| n.to_string())
            })
            .unwrap_or_else(|| format!("status {id}"))
    }

    pub fn name_of(list: &[Named], id: Option<i64>) -> Option<String> {
        let id = id?;
        list.iter().find(|n| n.id == id).map(|n| n.name.clone())
    }

    /// Reads `/ticket_fields` into statuses, priorities, sources, types and custom fields.
    pub fn absorb_ticket_fields(&mut self, fields: &[Value]) {
        for f in fields {
            let kind = f.get("type").and_then(Value::as_str).unwrap_or_default();
            let choices = f.get("choices");
            match kind {
                "default_status" => {
                    if let Some(Value::Object(m)) = choices {
                        self.statuses = m
                            .iter()
                            .filter_map(|(k, v)| {
                                let id = k.parse().ok()?;
                                let name = v
                                    .get(0)
                                    .and_then(Value::as_str)
                                    .map(str::to_string)
                                    .or_else(|| v.as_str().map(str::to_string))?;
                                Some((id, name))
                            })
                            .collect();
                        self.statuses.sort();
                    }
                }
                "default_priority" | "default_source" => {
                    if let Some(Value::Object(m)) = choices {
                        let list: Vec<(i64, String)> = m
                            .iter()
                            .filter_map(|(k, v)| Some((v.as_i64()?, k.clone())))
                            .collect();
                        if kind == "default_priority" {
                            self.priorities = list;
                        } else {
                            self.sources = list;
                        }
                    }
                }
                "default_ticket_type" => {
                    if let Some(Value::Array(a)) = choices {
                        self.types = a
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect();
                    }
                }
                k if k.starts_with("custom_") => {
                    let choices = match choices {
                        Some(Value::Array(a)) => a
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        Some(Value::Object(m)) => m.keys().cloned().collect(),
                        _ => vec![],
                    };
                    self.custom_fields.push(CustomField {
                        name: f
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        label: f
                            .get("label")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        kind: k.to_string(),
                        choices,
                    });
                }
                _ => {}
            }
        }
    }

    /// Adds names next to the ids of a ticket (status_name, agent_name, ...).
    pub fn enrich_ticket(&self, t: &mut Value) {
        let get = |k: &str| t.get(k).and_then(Value::as_i64);
        let status = get("status").map(|s| self.status_name(s));
        let priority = get("priority")
            .and_then(|p| PRIORITIES.iter().find(|(i, _)| *i == p))
            .map(|(_, n)| n.to_string());
        let source = get("source")
            .and_then(|p| SOURCES.iter().find(|(i, _)| *i == p))
            .map(|(_, n)| n.to_string());
        let agent = Self::name_of(&self.agents, get("responder_id"));
        let group = Self::name_of(&self.groups, get("group_id"));
        let company = Self::name_of(&self.companies, get("company_id"));
        if let Value::Object(m) = t {
            for (k, v) in [
                ("status_name", status),
                ("priority_name", priority),
                ("source_name", source),
                ("agent_name", agent),
                ("group_name", group),
                ("company_name", company),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), Value::String(v));
                }
            }
        }
    }
}

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

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    Blocked,
    Deleted,
    Unverified,
    Verified,
}

/// The fields a ticket create and update share, resolved to Freshdesk's ids and values.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TicketFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<i64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<String>,
    /// `Some(None)` removes the assigned agent.
    #[serde(rename = "responder_id", skip_serializing_if = "Option::is_none")]
    pub agent: Option<Option<i64>>,
    #[serde(rename = "group_id", skip_serializing_if = "Option::is_none")]
    pub group: Option<i64>,
    #[serde(rename = "company_id", skip_serializing_if = "Option::is_none")]
    pub company: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// By their API names (`cf_...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_by: Option<String>,
}

/// `POST /tickets`.
#[derive(Debug, Clone, Serialize)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    /// The requester's e-mail (Freshdesk creates the contact if needed).
    #[serde(rename = "email", skip_serializing_if = "Option::is_none")]
    pub requester_email: Option<String>,
    #[serde(rename = "name", skip_serializing_if = "Option::is_none")]
    pub requester_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc_emails: Option<Vec<String>>,
    #[serde(flatten)]
    pub fields: TicketFields,
}

/// `PUT /tickets/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TicketChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub fields: TicketFields,
}

impl TicketChanges {
    /// The body as Freshdesk receives it, by upstream field name.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// The upstream fields this change sets whose value differs between two images.
    pub fn changed(&self, before: &Value, after: &Value) -> Vec<String> {
        self.to_map()
            .keys()
            .filter(|k| before.get(*k) != after.get(*k))
            .cloned()
            .collect()
    }
}

/// `POST /tickets/{id}/reply`: e-mailed to the requester.
#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc_emails: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcc_emails: Option<Vec<String>>,
}

/// `POST /tickets/{id}/notes`.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub body: String,
    pub private: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_emails: Option<Vec<String>>,
}

/// `PUT /conversations/{id}`: a note's new text.
#[derive(Debug, Clone, Serialize)]
pub struct NoteChange {
    pub body: String,
}

/// `POST /contacts` and `PUT /contacts/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ContactBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(rename = "company_id", skip_serializing_if = "Option::is_none")]
    pub company: Option<i64>,
}

/// `POST /companies` and `PUT /companies/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CompanyBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
}

/// A ticket's before image as policy rules see it, in the tools' vocabulary (names for
/// enums, ids for refs).
pub fn ticket_view(raw: &Value) -> Value {
    let mut m = Map::new();
    let get = |k: &str| raw.get(k).and_then(Value::as_i64);
    if let Some(s) = get("status") {
        let name = STATUSES
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

/// The note an update changes, as policy sees it: whether the customer can see it.
pub fn note_view(raw: &Value) -> Value {
    let private = raw.get("private").and_then(Value::as_bool).unwrap_or(false);
    let body = raw.get("body_text").or_else(|| raw.get("body"));
    json!({"private": private, "customer_visible": !private, "body": body})
}

/// The ticket a reply goes to, as policy sees it: its fields and who receives the reply (the
/// requester, and the ticket's cc list).
pub fn reply_view(raw: &Value) -> Value {
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
