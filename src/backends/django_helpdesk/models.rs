//! django-helpdesk's JSON, as its REST API and the UI's datatables endpoint send it, and the
//! request shapes the client sends (new tickets and follow-ups, patches, list filters).
//!
//! Owns: upstream field names and query keys of filters. Must not: know about MCP, policy or
//! the audit log, or send anything.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `TicketSerializer` output. Unknown keys (`custom_<name>` fields) are kept in `extra`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub queue: i64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub submitter_email: Option<String>,
    #[serde(default)]
    pub assigned_to: Option<i64>,
    pub status: i64,
    #[serde(default)]
    pub on_hold: Option<bool>,
    pub priority: i64,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub merged_to: Option<i64>,
    #[serde(default)]
    pub followup_set: Vec<FollowUp>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// `FollowUpSerializer` output.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FollowUp {
    pub id: i64,
    #[serde(default)]
    pub ticket: Option<i64>,
    #[serde(default)]
    pub user: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub new_status: Option<i64>,
    #[serde(default)]
    pub time_spent: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// DRF page: `{count, next, previous, results}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    pub count: i64,
    #[serde(default)]
    pub next: Option<String>,
    pub results: Vec<T>,
}

/// `/datatables_ticket_list/...` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Datatables {
    pub data: Vec<DatatablesRow>,
    #[serde(rename = "recordsFiltered")]
    pub records_filtered: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatatablesRow {
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub priority: Option<i64>,
    pub queue: QueueRef,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub assigned_to: Option<String>,
    #[serde(default)]
    pub submitter: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QueueRef {
    pub id: i64,
    pub title: String,
}

/// The fork's `/api/agent-session-info/` and `/api/set-agent-intent/` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct ForkSessionInfo {
    #[serde(default)]
    pub branch_name: Option<String>,
    #[serde(default)]
    pub intent: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

/// A queue or user read from the browsable API's form.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema, PartialEq)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// Statuses of a stock django-helpdesk (`helpdesk/settings.py`).
pub const STATUSES: &[(i64, &str)] = &[
    (1, "open"),
    (2, "reopened"),
    (3, "resolved"),
    (4, "closed"),
    (5, "duplicate"),
];

/// Priorities of a stock django-helpdesk.
pub const PRIORITIES: &[(i64, &str)] = &[
    (1, "critical"),
    (2, "high"),
    (3, "normal"),
    (4, "low"),
    (5, "very_low"),
];

pub fn status_name(id: i64) -> String {
    STATUSES
        .iter()
        .find(|(n, _)| *n == id)
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| format!("status {id}"))
}

pub fn priority_name(id: i64) -> String {
    PRIORITIES
        .iter()
        .find(|(n, _)| *n == id)
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| format!("priority {id}"))
}

impl Ticket {
    /// The instance's custom fields (`custom_<name>` keys), if it defines any.
    pub fn custom_fields(&self) -> serde_json::Map<String, Value> {
        self.extra
            .iter()
            .filter(|(k, _)| k.starts_with("custom_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The ticket in a raw answer (an audit image); None if it is not one.
    pub fn from_raw(raw: &Value) -> Option<Ticket> {
        serde_json::from_value(raw.clone()).ok()
    }
}

/// Which tickets a list asks for; the client turns it into query keys (the REST list's
/// `status`, or the datatables view's `status__in`-style filtering).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    pub statuses: Vec<i64>,
    pub queue: Option<i64>,
    pub assigned_to: Option<i64>,
    pub search: Option<String>,
}

impl TicketFilter {
    /// Whether the filter needs the session-only datatables view (the REST list filters by
    /// status only).
    pub fn needs_view(&self) -> bool {
        self.queue.is_some() || self.assigned_to.is_some() || self.search.is_some()
    }

    /// The datatables view's query (sent base64-encoded in its URL).
    pub fn datatables_query(&self) -> Value {
        let mut filtering = serde_json::Map::new();
        if !self.statuses.is_empty() {
            filtering.insert("status__in".into(), json!(self.statuses));
        }
        if let Some(q) = self.queue {
            filtering.insert("queue__id__in".into(), json!([q]));
        }
        if let Some(u) = self.assigned_to {
            filtering.insert("assigned_to__id__in".into(), json!([u]));
        }
        json!({
            "filtering": filtering,
            "search_string": self.search.clone().unwrap_or_default(),
            "sorting": "id",
        })
    }
}

/// A new ticket, as `POST /api/tickets/` takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub queue: i64,
    pub title: String,
    pub description: String,
    pub priority: i64,
    pub submitter_email: Option<String>,
    pub assigned_to: Option<i64>,
    pub due_date: Option<String>,
}

impl NewTicket {
    pub fn body(&self) -> Value {
        let mut body = json!({
            "queue": self.queue,
            "title": self.title,
            "description": self.description,
            "priority": self.priority,
        });
        if let Some(e) = &self.submitter_email {
            body["submitter_email"] = json!(e);
        }
        if let Some(u) = self.assigned_to {
            body["assigned_to"] = json!(u);
        }
        if let Some(d) = &self.due_date {
            body["due_date"] = json!(d);
        }
        body
    }

    /// Whether a raw ticket is this one (same queue, title and description).
    pub fn is(&self, raw: &Value) -> bool {
        raw.get("queue").and_then(Value::as_i64) == Some(self.queue)
            && raw.get("title").and_then(Value::as_str) == Some(self.title.as_str())
            && raw.get("description").and_then(Value::as_str) == Some(self.description.as_str())
    }
}

/// A new follow-up, as `POST /api/followups/` takes it. It has no title: django-helpdesk
/// renames the ticket to a follow-up's title.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFollowUp {
    pub ticket: i64,
    /// The comment as it is sent (template markers already protected).
    pub comment: String,
    pub public: bool,
    pub new_status: Option<i64>,
    /// `HH:MM:SS`.
    pub time_spent: Option<String>,
}

impl NewFollowUp {
    pub fn body(&self) -> Value {
        let mut body =
            json!({"ticket": self.ticket, "comment": self.comment, "public": self.public});
        if let Some(st) = self.new_status {
            body["new_status"] = json!(st);
        }
        if let Some(ts) = &self.time_spent {
            body["time_spent"] = json!(ts);
        }
        body
    }
}

/// The fields a ticket update changes (`PATCH /api/tickets/{id}/`); None leaves a field as
/// it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<i64>,
    pub due_date: Option<String>,
    /// `Some(None)` unassigns.
    pub assigned_to: Option<Option<i64>>,
    pub queue: Option<i64>,
}

impl TicketPatch {
    pub fn is_empty(&self) -> bool {
        *self == TicketPatch::default()
    }

    pub fn body(&self) -> Value {
        let mut body = serde_json::Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                body.insert(k.into(), v);
            }
        };
        put("title", self.title.clone().map(Value::from));
        put("description", self.description.clone().map(Value::from));
        put("priority", self.priority.map(Value::from));
        put("due_date", self.due_date.clone().map(Value::from));
        put("assigned_to", self.assigned_to.map(|u| json!(u)));
        put("queue", self.queue.map(Value::from));
        Value::Object(body)
    }

    /// The fields this patch sends whose value differs between two raw tickets, as
    /// (field, before, after), in field-name order.
    pub fn changes(&self, before: &Value, after: &Value) -> Vec<(String, Value, Value)> {
        let body = self.body();
        let fields = body.as_object().into_iter().flat_map(|m| m.keys());
        fields
            .filter(|f| before.get(f.as_str()) != after.get(f.as_str()))
            .map(|f| {
                let of = |v: &Value| v.get(f.as_str()).cloned().unwrap_or(Value::Null);
                (f.clone(), of(before), of(after))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_sends_what_it_changes_and_reports_what_differs() {
        let patch = TicketPatch {
            title: Some("new".into()),
            assigned_to: Some(None),
            ..Default::default()
        };
        assert_eq!(patch.body(), json!({"title": "new", "assigned_to": null}));
        let before = json!({"title": "old", "assigned_to": 3, "queue": 1});
        let after = json!({"title": "new", "assigned_to": null, "queue": 2});
        let changes = patch.changes(&before, &after);
        assert_eq!(
            changes,
            vec![
                ("assigned_to".to_string(), json!(3), Value::Null),
                ("title".to_string(), json!("old"), json!("new")),
            ]
        );
        assert!(TicketPatch::default().is_empty());
    }

    #[test]
    fn a_new_ticket_is_recognised_by_queue_title_and_description() {
        let new = NewTicket {
            queue: 1,
            title: "t".into(),
            description: "d".into(),
            priority: 3,
            submitter_email: None,
            assigned_to: Some(4),
            due_date: None,
        };
        let body = new.body();
        assert_eq!(body["assigned_to"], 4);
        assert!(body.get("submitter_email").is_none());
        assert!(new.is(&json!({"queue": 1, "title": "t", "description": "d", "id": 9})));
        assert!(!new.is(&json!({"queue": 2, "title": "t", "description": "d"})));
    }
}
