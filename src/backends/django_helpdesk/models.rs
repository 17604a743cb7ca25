//! django-helpdesk's JSON, as its REST API and the UI's datatables endpoint send it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
