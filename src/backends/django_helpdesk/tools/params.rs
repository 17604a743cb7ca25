//! The django-helpdesk tools' parameters (typed, validated, documented for the model) and the
//! parsing of their dates and durations.
//!
//! Owns: parameter structs and value formats. Must not: resolve names against the helpdesk
//! or build upstream requests.

use chrono::{DateTime, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use validator::Validate;

use super::super::resolve::resolve_status;
use crate::error::{Error, Result};
use crate::mcp::output::{ResponseFormat, tool_args};
use crate::mcp::params::{IdOrName, OneOrMany};

tool_args!(read: ListTicketsParams, TicketIdParams, ChoicesParams);
tool_args!(write: DeleteTicketParams, CreateTicketParams, AddFollowupParams, UpdateTicketParams);

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ListTicketsParams {
    /// Only tickets with this status: a name (open, reopened, resolved, closed, duplicate) or
    /// its number (1-5), or a list of them, e.g. ["open", "reopened"] for all active tickets
    /// ("open,reopened" works too).
    #[serde(default)]
    pub status: Option<OneOrMany<IdOrName>>,
    /// Only tickets in this queue: its id or its title (e.g. "Support"). See
    /// django_helpdesk_get_queues.
    #[serde(alias = "queue_id")]
    #[serde(default)]
    pub queue: Option<IdOrName>,
    /// Only tickets assigned to this user: id or username. See django_helpdesk_get_users.
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// Free text matched against title, description and submitter. "a OR b" matches either.
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    pub search: Option<String>,
    /// Page number, starting at 1 (default 1).
    #[serde(default)]
    #[validate(range(min = 1, max = 100000))]
    pub page: Option<u32>,
    /// Tickets per page, 1-100 (default 25).
    #[serde(default)]
    #[validate(range(min = 1, max = 100))]
    pub page_size: Option<u32>,
    /// "markdown" (default) for a table, or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TicketIdParams {
    /// The ticket's numeric id (the number in "[support-12]" is 12).
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct DeleteTicketParams {
    /// The ticket's numeric id.
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
    /// The queue: its id or title (e.g. "Support"). See django_helpdesk_get_queues.
    #[serde(alias = "queue_id")]
    pub queue: IdOrName,
    /// A short summary, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// The problem in full. Required; becomes the first (public) follow-up.
    #[validate(length(min = 1, max = 100000))]
    pub description: String,
    /// critical, high, normal (default), low, very_low, or 1 (critical) to 5.
    #[serde(default)]
    pub priority: Option<IdOrName>,
    /// The customer's e-mail address; they receive updates on public follow-ups.
    #[serde(default)]
    #[validate(email)]
    pub submitter_email: Option<String>,
    /// Assign to this user: id or username.
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// Due date: YYYY-MM-DD or a date-time like 2026-12-31T17:00:00Z.
    #[serde(default)]
    pub due_date: Option<String>,
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
pub struct AddFollowupParams {
    /// The ticket's numeric id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// The text of the follow-up. Stored exactly as written (template markers like {{ }} are
    /// kept literally).
    #[validate(length(min = 1, max = 100000))]
    pub comment: String,
    /// false (default): an internal note staff see. true: a public reply the submitter sees
    /// and is e-mailed.
    #[serde(default)]
    pub public: bool,
    /// Change the ticket's status with this follow-up (the web UI's way): open, reopened,
    /// resolved, closed, duplicate, or 1-5. Resolving copies the comment into the resolution.
    #[serde(default)]
    pub new_status: Option<IdOrName>,
    /// Time spent, as H:MM (e.g. 0:45), H:MM:SS, or ISO 8601 like PT1H30M.
    #[serde(default)]
    pub time_spent: Option<String>,
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
    /// The ticket's numeric id.
    #[validate(range(min = 1))]
    pub ticket_id: i64,
    /// New title, 1-200 characters.
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    pub title: Option<String>,
    /// New description.
    #[serde(default)]
    #[validate(length(min = 1, max = 100000))]
    pub description: Option<String>,
    /// New priority: critical, high, normal, low, very_low, or 1-5.
    #[serde(default)]
    pub priority: Option<IdOrName>,
    /// Reassign to this user: id or username. To unassign, use unassign=true.
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// true: remove the assignee.
    #[serde(default)]
    pub unassign: bool,
    /// New due date: YYYY-MM-DD or a date-time like 2026-12-31T17:00:00Z.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Move to this queue: id or title.
    #[serde(alias = "queue_id")]
    #[serde(default)]
    pub queue: Option<IdOrName>,
    /// Not accepted here: change status with django_helpdesk_add_followup and new_status.
    #[serde(default)]
    #[schemars(schema_with = "crate::mcp::schema::any_value")]
    pub status: Option<Value>,
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
pub struct ChoicesParams {
    /// Only entries whose name contains this text (case-insensitive).
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    pub search: Option<String>,
    /// true: read the list again now instead of using the copy cached for 60 seconds.
    #[serde(default)]
    pub refresh: bool,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

impl ListTicketsParams {
    /// Resolves the status filter before anything is sent (an unknown status must never fall
    /// back to "all tickets", which is what the REST API does).
    pub fn statuses(&self) -> Result<Vec<i64>> {
        match &self.status {
            Some(s) => {
                let list = s.split_commas();
                if list.is_empty() {
                    return Err(Error::invalid(
                        "status",
                        "an empty list matches nothing; leave status out for all tickets",
                    ));
                }
                list.iter().map(|v| resolve_status("status", v)).collect()
            }
            None => Ok(Vec::new()),
        }
    }

    /// Whether the filter needs the session-only view (anything but status).
    pub fn needs_view(&self) -> bool {
        self.queue.is_some() || self.assigned_to.is_some() || self.search.is_some()
    }
}

/// Accepts `YYYY-MM-DD` or an RFC 3339 date-time; returns what django-helpdesk accepts.
pub fn parse_due_date(s: &str) -> Result<String> {
    let s = s.trim();
    if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
        return Ok(s.to_string());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.to_rfc3339());
    }
    Err(Error::invalid(
        "due_date",
        format!(
            "\"{s}\" is not a date; use YYYY-MM-DD (e.g. 2026-12-31) or a date-time like \
             2026-12-31T17:00:00Z"
        ),
    ))
}

/// Accepts `H:MM`, `H:MM:SS` or ISO 8601 `PT1H30M`; returns `HH:MM:SS`.
pub fn parse_time_spent(s: &str) -> Result<String> {
    let bad = || {
        Error::invalid(
            "time_spent",
            format!(
                "\"{s}\" is not a duration; use H:MM (e.g. 0:45), H:MM:SS or ISO 8601 like \
                 PT1H30M"
            ),
        )
    };
    let t = s.trim();
    let secs: u64 = if let Some(iso) = t.strip_prefix("PT").or_else(|| t.strip_prefix("pt")) {
        let mut total = 0u64;
        let mut num = String::new();
        for c in iso.chars() {
            if c.is_ascii_digit() {
                num.push(c);
            } else {
                let n: u64 = num.parse().map_err(|_| bad())?;
                num.clear();
                total += match c.to_ascii_uppercase() {
                    'H' => n * 3600,
                    'M' => n * 60,
                    'S' => n,
                    _ => return Err(bad()),
                };
            }
        }
        if !num.is_empty() {
            return Err(bad());
        }
        total
    } else {
        let parts: Vec<&str> = t.split(':').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(bad());
        }
        let n: Vec<u64> = parts
            .iter()
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect();
        if n[1..].iter().any(|&x| x >= 60) || n[0] > 10_000 {
            return Err(bad());
        }
        n[0] * 3600 + n[1] * 60 + n.get(2).copied().unwrap_or(0)
    };
    if secs == 0 || secs > 7 * 24 * 3600 {
        return Err(Error::invalid(
            "time_spent",
            "must be more than zero and at most 7 days",
        ));
    }
    Ok(format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(parse_time_spent("0:45").unwrap(), "00:45:00");
        assert_eq!(parse_time_spent("PT1H30M").unwrap(), "01:30:00");
        assert_eq!(parse_time_spent("1:02:03").unwrap(), "01:02:03");
        assert!(parse_time_spent("45").is_err());
        assert!(parse_time_spent("1:75").is_err());
        assert!(parse_due_date("2026-12-31").is_ok());
        assert!(parse_due_date("2026-12-31T17:00:00Z").is_ok());
        let e = parse_due_date("next friday").unwrap_err();
        assert!(e.message.starts_with("due_date:"));
    }
}
