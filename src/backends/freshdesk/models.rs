//! Freshdesk's enumerations and the account's reference data (agents, groups, companies,
//! ticket fields) used to turn names into ids and ids into names.

use serde::Serialize;
use serde_json::Value;

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
