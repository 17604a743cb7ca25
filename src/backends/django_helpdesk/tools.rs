//! The django-helpdesk MCP tools: typed, validated parameters whose docs are written for the
//! model, explicit annotations, structured output with an output schema.
//!
//! Every tool body goes through `Core::read` or `Core::write` (session, intent, audit).
//! Input is checked here before any upstream call; names (queues, users, statuses,
//! priorities) are resolved to ids here.

use chrono::{DateTime, NaiveDate};
use rmcp::RoleServer;
use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::tool::{InputResponses, RequestState};
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use validator::Validate;

use super::client::{Choices, DjangoClient};
use super::models::{self, Choice, FollowUp, PRIORITIES, STATUSES, Ticket};
use super::session::DjangoSession;
use crate::error::{Error, ErrorKind, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Operation, WriteSpec, Written, no_view};
use crate::mcp::output::{Render, ResponseFormat, finish, finish_write, write_schema};
use crate::mcp::params::{IdOrName, OneOrMany, Parameters, args_of, validated};
use crate::mcp::untrusted;
use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, PolicyView, ToolMeta};

const BACKEND: &str = "django_helpdesk";

// ---------------------------------------------------------------------------------------------
// Parameter building blocks

fn enum_names(table: &[(i64, &str)]) -> String {
    table
        .iter()
        .map(|(n, s)| format!("{s} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves a status name or number (1-5) to its number.
pub fn resolve_status(field: &str, v: &IdOrName) -> Result<i64> {
    resolve_enum(field, v, STATUSES)
}

/// Resolves a priority name or number (1-5) to its number.
pub fn resolve_priority(field: &str, v: &IdOrName) -> Result<i64> {
    resolve_enum(field, v, PRIORITIES)
}

fn resolve_enum(field: &str, v: &IdOrName, table: &[(i64, &str)]) -> Result<i64> {
    let found = match v {
        IdOrName::Id(n) => table.iter().find(|(id, _)| id == n).map(|(id, _)| *id),
        IdOrName::Name(s) => {
            let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            let norm =
                norm.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '_');
            table
                .iter()
                .find(|(id, name)| *name == norm || s.trim() == id.to_string())
                .map(|(id, _)| *id)
        }
    };
    found.ok_or_else(|| {
        let given = match v {
            IdOrName::Id(n) => n.to_string(),
            IdOrName::Name(s) => format!("\"{s}\""),
        };
        Error::invalid(
            field,
            format!("{given} is not valid; use one of: {}", enum_names(table)),
        )
    })
}

fn resolve_choice(field: &str, v: &IdOrName, list: &[Choice], what: &str) -> Result<Choice> {
    let found = match v {
        IdOrName::Id(n) => list.iter().find(|c| c.id == *n),
        IdOrName::Name(s) => {
            let s = s.trim();
            list.iter()
                .find(|c| c.name.eq_ignore_ascii_case(s))
                .or_else(|| {
                    s.parse::<i64>()
                        .ok()
                        .and_then(|n| list.iter().find(|c| c.id == n))
                })
        }
    };
    found.cloned().ok_or_else(|| {
        let given = match v {
            IdOrName::Id(n) => format!("id {n}"),
            IdOrName::Name(s) => format!("\"{s}\""),
        };
        let mut names: Vec<String> = list
            .iter()
            .take(30)
            .map(|c| format!("{} ({})", c.name, c.id))
            .collect();
        if list.len() > 30 {
            names.push(format!(
                "... {} more (see django_helpdesk_get_{what}s)",
                list.len() - 30
            ));
        }
        Error::invalid(
            field,
            format!(
                "no {what} matches {given}; known {what}s: {}",
                names.join(", ")
            ),
        )
    })
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
            "\"{s}\" is not a date; use YYYY-MM-DD (e.g. 2026-12-31) or a date-time like 2026-12-31T17:00:00Z"
        ),
    ))
}

/// Accepts `H:MM`, `H:MM:SS` or ISO 8601 `PT1H30M`; returns `HH:MM:SS`.
pub fn parse_time_spent(s: &str) -> Result<String> {
    let bad = || {
        Error::invalid(
            "time_spent",
            format!(
                "\"{s}\" is not a duration; use H:MM (e.g. 0:45), H:MM:SS or ISO 8601 like PT1H30M"
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

/// django-helpdesk renders a follow-up comment as a Django template (`{{ x }}` and `{# #}` are
/// substituted; `{% %}` is already neutralised upstream). This rewrites `{{` and `{#` so they
/// render as themselves: the stored comment is exactly what the agent wrote.
pub fn protect_template(comment: &str) -> String {
    let mut out = String::with_capacity(comment.len() + 16);
    let mut rest = comment;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{{") {
            out.push_str("{{ \"{{\" }}");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{#") {
            out.push_str("{{ \"{#\" }}");
            rest = r;
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Output types

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QueueOut {
    pub id: i64,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserOut {
    pub id: Option<i64>,
    pub username: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FollowUpOut {
    pub id: i64,
    pub date: Option<String>,
    /// Who wrote it.
    pub user: Option<UserOut>,
    pub title: Option<String>,
    pub comment: Option<String>,
    /// true: visible to the submitter (and e-mailed); false: internal note.
    pub public: bool,
    /// The status this follow-up set, if it changed it.
    pub new_status: Option<String>,
    pub time_spent: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketOut {
    pub id: i64,
    pub title: String,
    pub queue: QueueOut,
    /// open, reopened, resolved, closed or duplicate.
    pub status: String,
    pub status_id: i64,
    /// 1 (critical) to 5 (very low).
    pub priority: i64,
    pub priority_name: String,
    pub assigned_to: Option<UserOut>,
    pub submitter_email: Option<String>,
    pub description: Option<String>,
    pub resolution: Option<String>,
    pub due_date: Option<String>,
    pub on_hold: Option<bool>,
    pub merged_to: Option<i64>,
    /// Creation time, from the first follow-up.
    pub created: Option<String>,
    /// Follow-ups, oldest first.
    pub followups: Vec<FollowUpOut>,
    /// Custom fields (`custom_<name>`), if the instance defines any.
    pub custom_fields: Map<String, Value>,
    /// Set when long follow-ups were dropped to fit the output limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followups_note: Option<String>,
}

fn user_out(id: Option<i64>, choices: Option<&Choices>) -> Option<UserOut> {
    let id = id?;
    Some(UserOut {
        id: Some(id),
        username: choices
            .and_then(|c| c.users.iter().find(|u| u.id == id))
            .map(|u| u.name.clone()),
    })
}

/// Who wrote a ticket's own text, for the untrusted-text marker.
fn submitter(email: Option<&str>) -> String {
    match email.filter(|e| !e.is_empty()) {
        Some(e) => format!("the submitter ({e})"),
        None => "the submitter".into(),
    }
}

fn followup_out(f: &FollowUp, choices: Option<&Choices>) -> FollowUpOut {
    FollowUpOut {
        id: f.id,
        date: f.date.clone(),
        user: user_out(f.user, choices),
        title: f.title.clone(),
        // Follow-ups without a user came from the submitter (e-mail, the public form).
        comment: if f.user.is_none() {
            untrusted::mark_opt("the submitter", f.comment.clone())
        } else {
            f.comment.clone()
        },
        public: f.public,
        new_status: f.new_status.map(models::status_name),
        time_spent: f.time_spent.clone(),
    }
}

fn ticket_out(t: &Ticket, choices: Option<&Choices>) -> TicketOut {
    let custom_fields = t
        .extra
        .iter()
        .filter(|(k, _)| k.starts_with("custom_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let author = submitter(t.submitter_email.as_deref());
    TicketOut {
        id: t.id,
        title: untrusted::mark(&author, &t.title),
        queue: QueueOut {
            id: t.queue,
            title: choices
                .and_then(|c| c.queues.iter().find(|q| q.id == t.queue))
                .map(|q| q.name.clone()),
        },
        status: models::status_name(t.status),
        status_id: t.status,
        priority: t.priority,
        priority_name: models::priority_name(t.priority),
        assigned_to: user_out(t.assigned_to, choices),
        submitter_email: t.submitter_email.clone().filter(|s| !s.is_empty()),
        description: untrusted::mark_opt(&author, t.description.clone()),
        resolution: t.resolution.clone(),
        due_date: t.due_date.clone(),
        on_hold: t.on_hold,
        merged_to: t.merged_to,
        created: t.followup_set.first().and_then(|f| f.date.clone()),
        followups: t
            .followup_set
            .iter()
            .map(|f| followup_out(f, choices))
            .collect(),
        custom_fields,
        followups_note: None,
    }
}

fn ticket_markdown(t: &TicketOut) -> String {
    let mut s = format!("## Ticket #{}: {}\n", t.id, t.title);
    s.push_str(&format!(
        "- **Queue:** {}\n- **Status:** {}\n- **Priority:** {} ({})\n- **Assigned to:** {}\n- **Submitter:** {}\n- **Created:** {}\n- **Due:** {}\n",
        t.queue.title.clone().unwrap_or_else(|| format!("#{}", t.queue.id)),
        t.status,
        t.priority_name,
        t.priority,
        t.assigned_to
            .as_ref()
            .map(|u| u.username.clone().unwrap_or_else(|| format!("user #{}", u.id.unwrap_or_default())))
            .unwrap_or_else(|| "nobody".into()),
        t.submitter_email.as_deref().unwrap_or("-"),
        t.created.as_deref().unwrap_or("-"),
        t.due_date.as_deref().unwrap_or("-"),
    ));
    if let Some(r) = &t.resolution {
        s.push_str(&format!("- **Resolution:** {r}\n"));
    }
    for (k, v) in &t.custom_fields {
        s.push_str(&format!("- **{k}:** {v}\n"));
    }
    if let Some(d) = &t.description {
        s.push_str(&format!("\n### Description\n{d}\n"));
    }
    if !t.followups.is_empty() {
        s.push_str(&format!("\n### Follow-ups ({})\n", t.followups.len()));
        for f in &t.followups {
            s.push_str(&format!(
                "\n**#{} {}** by {} ({}){}{}\n{}\n",
                f.id,
                f.date.as_deref().unwrap_or(""),
                f.user
                    .as_ref()
                    .and_then(|u| u.username.clone().or(u.id.map(|i| format!("user #{i}"))))
                    .unwrap_or_else(|| "system".into()),
                if f.public { "public" } else { "internal" },
                f.new_status
                    .as_ref()
                    .map(|st| format!(", status -> {st}"))
                    .unwrap_or_default(),
                f.time_spent
                    .as_ref()
                    .map(|ts| format!(", time {ts}"))
                    .unwrap_or_default(),
                f.comment.as_deref().unwrap_or(""),
            ));
        }
    }
    if let Some(n) = &t.followups_note {
        s.push_str(&format!("\n_{n}_\n"));
    }
    s
}

/// A ticket, with a message saying what happened to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketResult {
    pub ticket: TicketOut,
    /// Field-by-field changes (updates only).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub changes: Vec<Change>,
    pub message: String,
}

use crate::policy::confirm::FieldChange as Change;

impl Render for TicketResult {
    fn markdown(&self) -> String {
        let mut s = String::new();
        if !self.message.is_empty() {
            s.push_str(&format!("{}\n\n", self.message));
        }
        if !self.changes.is_empty() {
            s.push_str("| field | before | after |\n|---|---|---|\n");
            for c in &self.changes {
                s.push_str(&format!("| {} | {} | {} |\n", c.field, c.before, c.after));
            }
            s.push('\n');
        }
        s.push_str(&ticket_markdown(&self.ticket));
        s
    }
    fn shrink(&mut self) -> bool {
        // Keep the first follow-up (creation) and drop the oldest of the rest.
        if self.ticket.followups.len() > 1 {
            self.ticket.followups.remove(1);
            true
        } else {
            false
        }
    }
    fn items(&self) -> usize {
        self.ticket.followups.len()
    }
    fn mark_truncated(&mut self, kept: usize) {
        self.ticket.followups_note = Some(format!(
            "Only {kept} follow-ups (the first and the newest) fit in the output; older ones were left out."
        ));
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketSummary {
    pub id: i64,
    pub title: String,
    pub queue: QueueOut,
    pub status: String,
    pub priority: Option<i64>,
    pub priority_name: Option<String>,
    /// Username (or id) of the assignee, if any.
    pub assigned_to: Option<String>,
    pub submitter_email: Option<String>,
    pub created: Option<String>,
    pub due_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketList {
    /// Tickets matching the filters, over all pages.
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
    /// The page to ask for next, if any.
    pub next_page: Option<u32>,
    /// The filters that were applied, as resolved ids (status: a list of numbers; queue,
    /// assigned_to: ids; search: the text).
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub filters: Value,
    pub tickets: Vec<TicketSummary>,
    /// True when tickets were dropped from this page to fit the output limit.
    pub truncated: bool,
    pub note: Option<String>,
}

impl Render for TicketList {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## Tickets: {} match (page {}, {} shown)\n\n",
            self.total,
            self.page,
            self.tickets.len()
        );
        if self.tickets.is_empty() {
            s.push_str("No tickets match these filters.\n");
        } else {
            s.push_str("| id | title | queue | status | priority | assigned to | created |\n|---|---|---|---|---|---|---|\n");
            for t in &self.tickets {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    t.id,
                    t.title.replace('|', "\\|"),
                    t.queue
                        .title
                        .clone()
                        .unwrap_or_else(|| format!("#{}", t.queue.id)),
                    t.status,
                    t.priority_name.clone().unwrap_or_default(),
                    t.assigned_to.clone().unwrap_or_else(|| "-".into()),
                    t.created.clone().unwrap_or_default(),
                ));
            }
        }
        if let Some(p) = self.next_page {
            s.push_str(&format!("\nMore results: call again with page={p}.\n"));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("\n_{n}_\n"));
        }
        s
    }
    fn shrink(&mut self) -> bool {
        self.tickets.pop().is_some()
    }
    fn items(&self) -> usize {
        self.tickets.len()
    }
    fn mark_truncated(&mut self, kept: usize) {
        self.truncated = true;
        self.note = Some(format!(
            "Output limit reached: only the first {kept} tickets of this page are shown. Use a smaller page_size or narrow the filters (status, queue, assigned_to, search)."
        ));
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FollowupResult {
    pub ticket_id: i64,
    pub followup: FollowUpOut,
    /// The ticket's status after the follow-up.
    pub ticket_status: Option<String>,
    pub message: String,
}

impl Render for FollowupResult {
    fn markdown(&self) -> String {
        format!(
            "{}\n\n- **Follow-up:** #{}\n- **Visibility:** {}\n- **Ticket status:** {}\n\n{}\n",
            self.message,
            self.followup.id,
            if self.followup.public {
                "public (the submitter sees it)"
            } else {
                "internal note"
            },
            self.ticket_status.as_deref().unwrap_or("-"),
            self.followup.comment.as_deref().unwrap_or("")
        )
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeleteResult {
    pub deleted_ticket_id: i64,
    pub title: String,
    /// How many follow-ups were deleted with it.
    pub followups_deleted: usize,
    pub message: String,
}

impl Render for DeleteResult {
    fn markdown(&self) -> String {
        format!("{}\n", self.message)
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChoiceList {
    /// "queues" or "users".
    pub kind: String,
    pub items: Vec<Choice>,
    pub total: usize,
    /// How long this list is reused before it is read again.
    pub cached_for_seconds: u64,
    pub truncated: bool,
}

impl Render for ChoiceList {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## {} ({})\n\n| id | name |\n|---|---|\n",
            self.kind, self.total
        );
        for c in &self.items {
            s.push_str(&format!("| {} | {} |\n", c.id, c.name));
        }
        if self.truncated {
            s.push_str(&format!(
                "\n_Only {} of {} fit in the output; use `search` to narrow._\n",
                self.items.len(),
                self.total
            ));
        }
        s
    }
    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }
    fn items(&self) -> usize {
        self.items.len()
    }
    fn mark_truncated(&mut self, _kept: usize) {
        self.truncated = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters

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

// ---------------------------------------------------------------------------------------------
// Tool bodies (plain functions over the client, so tests and tools share them)

/// Resolves the status filter before anything is sent (an unknown status must never fall
/// back to "all tickets", which is what the REST API does).
fn list_statuses(p: &ListTicketsParams) -> Result<Vec<i64>> {
    match &p.status {
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

async fn list_tickets(
    client: &DjangoClient,
    p: &ListTicketsParams,
    statuses: Vec<i64>,
) -> Result<TicketList> {
    let page = p.page.unwrap_or(1);
    let page_size = p.page_size.unwrap_or(25);
    let needs_view = p.queue.is_some() || p.assigned_to.is_some() || p.search.is_some();
    let choices = if needs_view {
        Some(client.choices(false).await?)
    } else {
        client.choices(false).await.ok()
    };
    let queue = match &p.queue {
        Some(q) => Some(resolve_choice(
            "queue",
            q,
            &choices
                .as_ref()
                .map(|c| c.queues.clone())
                .unwrap_or_default(),
            "queue",
        )?),
        None => None,
    };
    let assignee = match &p.assigned_to {
        Some(u) => Some(resolve_choice(
            "assigned_to",
            u,
            &choices
                .as_ref()
                .map(|c| c.users.clone())
                .unwrap_or_default(),
            "user",
        )?),
        None => None,
    };
    let mut filters = json!({});
    if !statuses.is_empty() {
        filters["status"] = json!(statuses);
    }
    if let Some(q) = &queue {
        filters["queue"] = json!(q.id);
    }
    if let Some(u) = &assignee {
        filters["assigned_to"] = json!(u.id);
    }
    if let Some(s) = &p.search {
        filters["search"] = json!(s);
    }
    let (total, tickets) = if needs_view {
        let mut filtering = Map::new();
        if !statuses.is_empty() {
            filtering.insert("status__in".into(), json!(statuses));
        }
        if let Some(q) = &queue {
            filtering.insert("queue__id__in".into(), json!([q.id]));
        }
        if let Some(u) = &assignee {
            filtering.insert("assigned_to__id__in".into(), json!([u.id]));
        }
        let query = json!({
            "filtering": filtering,
            "search_string": p.search.clone().unwrap_or_default(),
            "sorting": "id",
        });
        let dt = client
            .datatables(&query, (page - 1) * page_size, page_size)
            .await?;
        let tickets = dt
            .data
            .iter()
            .map(|r| TicketSummary {
                id: r.id,
                title: untrusted::mark(&submitter(r.submitter.as_deref()), &r.title),
                queue: QueueOut {
                    id: r.queue.id,
                    title: Some(r.queue.title.clone()),
                },
                status: r
                    .status
                    .clone()
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_default(),
                priority: r.priority,
                priority_name: r.priority.map(models::priority_name),
                assigned_to: r
                    .assigned_to
                    .clone()
                    .filter(|a| a != "None" && !a.is_empty()),
                submitter_email: r.submitter.clone().filter(|s| !s.is_empty()),
                created: r.created.clone(),
                due_date: r.due_date.clone(),
            })
            .collect();
        (dt.records_filtered, tickets)
    } else {
        let page_data = match client.list_tickets(page, page_size, &statuses).await {
            Ok(pd) => pd,
            Err(e) if e.kind == ErrorKind::NotFound => {
                return Err(Error::invalid(
                    "page",
                    format!("page {page} is past the last page; start again at page 1"),
                ));
            }
            Err(e) => return Err(e),
        };
        let tickets = page_data
            .results
            .iter()
            .map(|t| {
                let o = ticket_out(t, choices.as_deref());
                TicketSummary {
                    id: o.id,
                    title: o.title,
                    queue: o.queue,
                    status: o.status,
                    priority: Some(o.priority),
                    priority_name: Some(o.priority_name),
                    assigned_to: o.assigned_to.map(|u| {
                        u.username
                            .unwrap_or_else(|| format!("user #{}", u.id.unwrap_or_default()))
                    }),
                    submitter_email: o.submitter_email,
                    created: o.created,
                    due_date: o.due_date,
                }
            })
            .collect();
        (page_data.count, tickets)
    };
    let has_more = i64::from(page) * i64::from(page_size) < total;
    Ok(TicketList {
        total,
        page,
        page_size,
        has_more,
        next_page: has_more.then_some(page + 1),
        filters,
        tickets,
        truncated: false,
        note: None,
    })
}

async fn get_ticket(client: &DjangoClient, id: i64) -> Result<TicketOut> {
    let (t, _) = client.get_ticket(id).await?;
    let choices = client.choices(false).await.ok();
    Ok(ticket_out(&t, choices.as_deref()))
}

fn choice_list(kind: &str, items: &[Choice], search: Option<&str>) -> ChoiceList {
    let items: Vec<Choice> = items
        .iter()
        .filter(|c| search.is_none_or(|s| c.name.to_lowercase().contains(&s.to_lowercase())))
        .cloned()
        .collect();
    ChoiceList {
        kind: kind.to_string(),
        total: items.len(),
        items,
        cached_for_seconds: super::client::CHOICES_TTL.as_secs(),
        truncated: false,
    }
}

fn diff(before: &Value, after: &Value, fields: &[&str]) -> Vec<Change> {
    fields
        .iter()
        .filter(|f| before.get(**f) != after.get(**f))
        .map(|f| Change {
            field: f.to_string(),
            before: before.get(*f).cloned().unwrap_or(Value::Null),
            after: after.get(*f).cloned().unwrap_or(Value::Null),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The tools

/// After an ambiguous create: the ticket it made, if exactly one matches; otherwise the
/// outcome is unknown and the error says how to check before trying again.
async fn reconcile_ticket(
    client: &DjangoClient,
    body: &Value,
    since: chrono::DateTime<chrono::Utc>,
    e: &Error,
) -> Result<(Ticket, Value)> {
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let unknown = |why: String| {
        Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{}. {why} The outcome is unknown: check with django_helpdesk_list_tickets (search \"{title}\") before creating it again.",
                e.message
            ),
        )
    };
    match client.find_created_tickets(body, since).await {
        Ok(found) if found.len() == 1 => {
            let raw = found.into_iter().next().unwrap_or_default();
            let t: Ticket = serde_json::from_value(raw.clone()).map_err(|x| {
                unknown(format!(
                    "A matching ticket was found but could not be read ({x})."
                ))
            })?;
            Ok((t, raw))
        }
        Ok(found) if found.is_empty() => Err(unknown("No matching ticket was found.".into())),
        Ok(found) => {
            let ids: Vec<String> = found
                .iter()
                .filter_map(|t| t.get("id"))
                .map(|i| format!("#{i}"))
                .collect();
            Err(unknown(format!(
                "Several matching tickets were found ({}).",
                ids.join(", ")
            )))
        }
        Err(x) => Err(unknown(format!("Looking for it failed too ({x})."))),
    }
}

/// After an ambiguous follow-up: the follow-up it made, if exactly one matches.
async fn reconcile_followup(
    client: &DjangoClient,
    ticket: i64,
    comment: &str,
    since: chrono::DateTime<chrono::Utc>,
    e: &Error,
) -> Result<(FollowUp, Value)> {
    let unknown = |why: String| {
        Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{}. {why} The outcome is unknown: check ticket #{ticket} with django_helpdesk_get_ticket before adding it again.",
                e.message
            ),
        )
    };
    match client.find_created_followups(ticket, comment, since).await {
        Ok((found, _)) if found.len() == 1 => {
            let raw = found.into_iter().next().unwrap_or_default();
            let f: FollowUp = serde_json::from_value(raw.clone()).map_err(|x| {
                unknown(format!(
                    "A matching follow-up was found but could not be read ({x})."
                ))
            })?;
            Ok((f, raw))
        }
        Ok((found, _)) if found.is_empty() => {
            Err(unknown("No matching follow-up was found.".into()))
        }
        Ok(_) => Err(unknown("Several matching follow-ups were found.".into())),
        Err(x) => Err(unknown(format!("Looking for it failed too ({x})."))),
    }
}

fn nothing_to_change() -> Error {
    Error::invalid(
        "arguments",
        "nothing to change: give at least one of title, description, priority, assigned_to, unassign, due_date, queue",
    )
}

#[tool_router(router = django_helpdesk_router, vis = "pub")]
impl HelpdeskOperator {
    /// List django-helpdesk tickets, filtered by status, queue, assignee and text, one page at
    /// a time (lowest id first). Returns the total number of matches and the next page to ask
    /// for. Filtering by queue, assignee or text needs a session login (password auth).
    #[tool(
        name = "django_helpdesk_list_tickets",
        annotations(title = "List django-helpdesk tickets", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<TicketList>()
    )]
    pub async fn django_helpdesk_list_tickets(
        &self,
        Parameters(p): Parameters<ListTicketsParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            let statuses = list_statuses(&p)?;
            self.core
                .read("django_helpdesk_list_tickets", |s| async move {
                    list_tickets(s.django()?, &p, statuses).await
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Get one django-helpdesk ticket with all its follow-ups, oldest first (the first one is
    /// the creation; its date is the ticket's created date).
    #[tool(
        name = "django_helpdesk_get_ticket",
        annotations(title = "Get a django-helpdesk ticket", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<TicketResult>()
    )]
    pub async fn django_helpdesk_get_ticket(
        &self,
        Parameters(p): Parameters<TicketIdParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            let id = p.ticket_id;
            self.core
                .read("django_helpdesk_get_ticket", |s| async move {
                    let ticket = get_ticket(s.django()?, id).await?;
                    Ok(TicketResult {
                        ticket,
                        changes: vec![],
                        message: String::new(),
                    })
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// Create a django-helpdesk ticket. The description becomes the first (public) follow-up
    /// and the submitter is e-mailed. Requires an intent (set_agent_intent). Returns the new
    /// ticket with its id.
    #[tool(
        name = "django_helpdesk_create_ticket",
        annotations(title = "Create a django-helpdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = write_schema::<TicketResult>()
    )]
    pub async fn django_helpdesk_create_ticket(
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
            let due = p.due_date.as_deref().map(parse_due_date).transpose()?;
            let priority = p.priority.as_ref().map(|v| resolve_priority("priority", v)).transpose()?.unwrap_or(3);
            let session = self.core.session().await?;
            let client = session.django()?.clone();
            let choices = client.choices(false).await?;
            let queue = resolve_choice("queue", &p.queue, &choices.queues, "queue")?;
            let assignee = p.assigned_to.as_ref().map(|u| resolve_choice("assigned_to", u, &choices.users, "user")).transpose()?;
            let mut body = json!({"queue": queue.id, "title": p.title, "description": p.description, "priority": priority});
            let mut view = p.view()?;
            view["queue"] = json!(queue.id);
            if let Some(u) = &assignee {
                view["assigned_to"] = json!(u.id);
            }
            if let Some(e) = &p.submitter_email {
                body["submitter_email"] = json!(e);
            }
            if let Some(u) = &assignee {
                body["assigned_to"] = json!(u.id);
            }
            if let Some(d) = &due {
                body["due_date"] = json!(d);
            }
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "django_helpdesk_create_ticket",
                operation: Operation::Create,
                entity: "ticket",
                target_id: None,
                arguments: args_of(&p),
                view,
                before_view: no_view,
            };
            self.core
                .write(spec, call, |_| async { Ok(None) }, |_, _| async move {
                    let started = chrono::Utc::now();
                    let (t, raw, status, note) = match client.create_ticket(&body).await {
                        Ok((t, raw, status)) => (t, raw, Some(status), None),
                        Err(e) if e.kind == ErrorKind::Ambiguous => {
                            let (t, raw) = reconcile_ticket(&client, &body, started, &e).await?;
                            let note = format!("{}; reconciled: ticket #{} was found, it was not sent again", e.message, t.id);
                            (t, raw, e.status, Some(note))
                        }
                        Err(e) => return Err(e),
                    };
                    let ticket = ticket_out(&t, Some(&choices));
                    let message = match &note {
                        None => format!("Created ticket #{} in queue {}.", t.id, queue.name),
                        Some(_) => format!(
                            "Created ticket #{} in queue {}. (django-helpdesk's answer was lost, so the ticket was looked up instead of being sent again.)",
                            t.id, queue.name
                        ),
                    };
                    Ok(Written {
                        target_id: Some(t.id.to_string()),
                        after: Some(raw),
                        status,
                        note,
                        value: TicketResult { message, ticket, changes: vec![] },
                    })
                })
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// Add a follow-up to a django-helpdesk ticket: an internal note by default, or a public
    /// reply the submitter sees and is e-mailed (public=true). Optionally change the status
    /// (new_status; this is how to resolve or close a ticket) and log time. The ticket's title
    /// is never changed. Requires an intent.
    #[tool(
        name = "django_helpdesk_add_followup",
        annotations(title = "Add a follow-up to a django-helpdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true),
        output_schema = write_schema::<FollowupResult>()
    )]
    pub async fn django_helpdesk_add_followup(
        &self,
        Parameters(p): Parameters<AddFollowupParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            if p.comment.trim().is_empty() {
                return Err(Error::invalid("comment", "must not be blank"));
            }
            let new_status = p.new_status.as_ref().map(|v| resolve_status("new_status", v)).transpose()?;
            let time_spent = p.time_spent.as_deref().map(parse_time_spent).transpose()?;
            let id = p.ticket_id;
            let comment = p.comment.clone();
            // Never send `title`: django-helpdesk renames the ticket to a follow-up's title.
            let mut body = json!({"ticket": id, "comment": protect_template(&p.comment), "public": p.public});
            if let Some(st) = new_status {
                body["new_status"] = json!(st);
            }
            if let Some(ts) = &time_spent {
                body["time_spent"] = json!(ts);
            }
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "django_helpdesk_add_followup",
                operation: Operation::Update,
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
                    |s| async move { Ok(Some(s.django()?.get_ticket(id).await?.1)) },
                    |s, _| async move {
                        let client = s.django()?;
                        let started = chrono::Utc::now();
                        let (f, raw, status, note) = match client.create_followup(&body).await {
                            Ok((f, raw, status)) => (f, raw, Some(status), None),
                            Err(e) if e.kind == ErrorKind::Ambiguous => {
                                let (f, raw) = reconcile_followup(client, id, &comment, started, &e).await?;
                                let note = format!("{}; reconciled: follow-up #{} was found, it was not sent again", e.message, f.id);
                                (f, raw, e.status, Some(note))
                            }
                            Err(e) => return Err(e),
                        };
                        let after_ticket = client.get_ticket(id).await.ok();
                        let choices = client.choices(false).await.ok();
                        Ok(Written {
                            target_id: Some(id.to_string()),
                            after: Some(json!({"followup": raw, "ticket": after_ticket.as_ref().map(|t| &t.1)})),
                            status,
                            note,
                            value: FollowupResult {
                                ticket_id: id,
                                ticket_status: after_ticket.map(|t| models::status_name(t.0.status)),
                                message: format!(
                                    "Added {} #{} to ticket #{id}.",
                                    if f.public { "public reply" } else { "internal note" },
                                    f.id
                                ),
                                followup: followup_out(&f, choices.as_deref()),
                            },
                        })
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// Change a django-helpdesk ticket's fields: title, description, priority, assignee, due
    /// date, queue. Returns the changes field by field. Status is not changed here: use
    /// django_helpdesk_add_followup with new_status. Requires an intent.
    #[tool(
        name = "django_helpdesk_update_ticket",
        annotations(title = "Update a django-helpdesk ticket", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = write_schema::<TicketResult>()
    )]
    pub async fn django_helpdesk_update_ticket(
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
            if p.status.is_some() {
                return Err(Error::invalid(
                    "status",
                    "is not changed by this tool: call django_helpdesk_add_followup with ticket_id, a comment and new_status (that records the change as the web UI does)",
                ));
            }
            if p.assigned_to.is_some() && p.unassign {
                return Err(Error::invalid("unassign", "cannot be combined with assigned_to: give one of them"));
            }
            let priority = p.priority.as_ref().map(|v| resolve_priority("priority", v)).transpose()?;
            let due = p.due_date.as_deref().map(parse_due_date).transpose()?;
            let mut body = Map::new();
            if let Some(t) = &p.title {
                body.insert("title".into(), json!(t));
            }
            if let Some(d) = &p.description {
                body.insert("description".into(), json!(d));
            }
            if let Some(pr) = priority {
                body.insert("priority".into(), json!(pr));
            }
            if let Some(d) = &due {
                body.insert("due_date".into(), json!(d));
            }
            if p.unassign {
                body.insert("assigned_to".into(), Value::Null);
            }
            if body.is_empty() && p.assigned_to.is_none() && p.queue.is_none() {
                return Err(nothing_to_change());
            }
            let session = self.core.session().await?;
            let client = session.django()?.clone();
            if p.assigned_to.is_some() || p.queue.is_some() {
                let choices = client.choices(false).await?;
                if let Some(u) = &p.assigned_to {
                    body.insert("assigned_to".into(), json!(resolve_choice("assigned_to", u, &choices.users, "user")?.id));
                }
                if let Some(q) = &p.queue {
                    body.insert("queue".into(), json!(resolve_choice("queue", q, &choices.queues, "queue")?.id));
                }
            }
            let id = p.ticket_id;
            let mut view = p.view()?;
            for k in ["assigned_to", "queue"] {
                if let Some(v) = body.get(k).filter(|v| !v.is_null()) {
                    view[k] = v.clone();
                }
            }
            let fields: Vec<String> = body.keys().cloned().collect();
            let body = Value::Object(body);
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "django_helpdesk_update_ticket",
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
                    |_| async move { Ok(Some(reader.get_ticket(id).await?.1)) },
                    |_, before| async move {
                        let (t, raw, status) = client.patch_ticket(id, &body).await?;
                        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                        let changes = diff(&before.unwrap_or(Value::Null), &raw, &refs);
                        let choices = client.choices(false).await.ok();
                        Ok(Written {
                            target_id: Some(id.to_string()),
                            after: Some(raw),
                            status: Some(status),
                            note: None,
                            value: TicketResult {
                                message: if changes.is_empty() {
                                    format!("Ticket #{id} already had these values; nothing changed.")
                                } else {
                                    format!("Updated ticket #{id}: {} field(s) changed.", changes.len())
                                },
                                ticket: ticket_out(&t, choices.as_deref()),
                                changes,
                            },
                        })
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// Delete a django-helpdesk ticket and all its follow-ups, permanently (there is no
    /// undo). The audit log keeps the ticket as it was. Requires an intent.
    #[tool(
        name = "django_helpdesk_delete_ticket",
        annotations(title = "Delete a django-helpdesk ticket", read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true),
        output_schema = write_schema::<DeleteResult>()
    )]
    pub async fn django_helpdesk_delete_ticket(
        &self,
        Parameters(p): Parameters<DeleteTicketParams>,
        ctx: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> CallToolResponse {
        let fmt = p.response_format;
        let call = CallCtx::from_request(&ctx, p.confirmation_token.clone(), state, responses);
        let r = async {
            validated(&p)?;
            let id = p.ticket_id;
            let spec = WriteSpec {
                backend: BACKEND,
                tool: "django_helpdesk_delete_ticket",
                operation: Operation::Delete,
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
                    |s| async move { Ok(Some(s.django()?.get_ticket(id).await?.1)) },
                    |s, before| async move {
                        let status = s.django()?.delete_ticket(id).await?;
                        let before = before.unwrap_or(Value::Null);
                        let title = before.get("title").and_then(Value::as_str).unwrap_or_default().to_string();
                        let followups = before.get("followup_set").and_then(Value::as_array).map_or(0, Vec::len);
                        Ok(Written {
                            target_id: Some(id.to_string()),
                            after: None,
                            status: Some(status),
                            note: None,
                            value: DeleteResult {
                                deleted_ticket_id: id,
                                message: format!("Deleted ticket #{id} \"{title}\" and its {followups} follow-up(s). The audit log keeps its last state."),
                                title,
                                followups_deleted: followups,
                            },
                        })
                    },
                )
                .await
        }
        .await;
        finish_write(r, fmt)
    }

    /// List django-helpdesk queues (id and title), to use their names or ids in other tools.
    /// Read from the ticket form (the API has no queue endpoint) and cached for 60 seconds.
    #[tool(
        name = "django_helpdesk_get_queues",
        annotations(title = "List django-helpdesk queues", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<ChoiceList>()
    )]
    pub async fn django_helpdesk_get_queues(
        &self,
        Parameters(p): Parameters<ChoicesParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("django_helpdesk_get_queues", |s| async move {
                    let c = s.django()?.choices(p.refresh).await?;
                    Ok(choice_list("queues", &c.queues, p.search.as_deref()))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }

    /// List django-helpdesk users that tickets can be assigned to (id and username). Read
    /// from the ticket form (the API has no user list) and cached for 60 seconds.
    #[tool(
        name = "django_helpdesk_get_users",
        annotations(title = "List django-helpdesk users", read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<ChoiceList>()
    )]
    pub async fn django_helpdesk_get_users(
        &self,
        Parameters(p): Parameters<ChoicesParams>,
    ) -> CallToolResult {
        let fmt = p.response_format;
        let r = async {
            validated(&p)?;
            self.core
                .read("django_helpdesk_get_users", |s| async move {
                    let c = s.django()?.choices(p.refresh).await?;
                    Ok(choice_list("users", &c.users, p.search.as_deref()))
                })
                .await
        }
        .await;
        finish(r, fmt)
    }
}

// ---------------------------------------------------------------------------------------------
// What the policy layer sees

const STATUS_NAMES: &[&str] = &["open", "reopened", "resolved", "closed", "duplicate"];
const PRIORITY_NAMES: &[&str] = &["critical", "high", "normal", "low", "very_low"];

fn ref_view(v: &IdOrName) -> Value {
    match v {
        IdOrName::Id(n) => json!(n),
        IdOrName::Name(s) => json!(s),
    }
}

fn insert_some(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.into(), v);
    }
}

fn status_view(field: &str, v: &IdOrName) -> Result<Value> {
    Ok(json!(models::status_name(resolve_status(field, v)?)))
}

fn priority_view(field: &str, v: &IdOrName) -> Result<Value> {
    Ok(json!(models::priority_name(resolve_priority(field, v)?)))
}

impl PolicyView for ListTicketsParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        if self.status.is_some() {
            let names: Vec<String> = list_statuses(self)?
                .into_iter()
                .map(models::status_name)
                .collect();
            m.insert("status".into(), json!(names));
        }
        insert_some(&mut m, "queue", self.queue.as_ref().map(ref_view));
        insert_some(
            &mut m,
            "assigned_to",
            self.assigned_to.as_ref().map(ref_view),
        );
        insert_some(&mut m, "search", self.search.clone().map(Value::from));
        insert_some(&mut m, "page", self.page.map(Value::from));
        insert_some(&mut m, "page_size", self.page_size.map(Value::from));
        Ok(Value::Object(m))
    }
}

impl PolicyView for TicketIdParams {
    fn view(&self) -> Result<Value> {
        Ok(json!({"ticket_id": self.ticket_id}))
    }
}

impl PolicyView for DeleteTicketParams {
    fn view(&self) -> Result<Value> {
        Ok(json!({"ticket_id": self.ticket_id}))
    }
}

impl PolicyView for CreateTicketParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("queue".into(), ref_view(&self.queue));
        m.insert("title".into(), json!(self.title));
        m.insert("description".into(), json!(self.description));
        let priority = match &self.priority {
            Some(p) => priority_view("priority", p)?,
            None => json!("normal"),
        };
        m.insert("priority".into(), priority);
        insert_some(
            &mut m,
            "submitter_email",
            self.submitter_email.clone().map(Value::from),
        );
        insert_some(
            &mut m,
            "assigned_to",
            self.assigned_to.as_ref().map(ref_view),
        );
        insert_some(&mut m, "due_date", self.due_date.clone().map(Value::from));
        Ok(Value::Object(m))
    }
}

impl PolicyView for AddFollowupParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("ticket_id".into(), json!(self.ticket_id));
        m.insert("comment".into(), json!(self.comment));
        m.insert("public".into(), json!(self.public));
        insert_some(
            &mut m,
            "new_status",
            self.new_status
                .as_ref()
                .map(|v| status_view("new_status", v))
                .transpose()?,
        );
        insert_some(
            &mut m,
            "time_spent",
            self.time_spent.clone().map(Value::from),
        );
        // A public follow-up is shown to the submitter and e-mailed to them; 2.x counts
        // Duplicate as closed, like Resolved and Closed.
        m.insert("customer_visible".into(), json!(self.public));
        let closes = m
            .get("new_status")
            .and_then(Value::as_str)
            .is_some_and(|s| CLOSED_STATUSES.contains(&s));
        m.insert("closes".into(), json!(closes));
        Ok(Value::Object(m))
    }
}

/// Statuses that close a ticket in django-helpdesk 2.x (`Ticket.CLOSED_STATUSES` plus
/// Resolved, which tells the submitter the work is done).
const CLOSED_STATUSES: &[&str] = &["resolved", "closed", "duplicate"];

impl PolicyView for UpdateTicketParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("ticket_id".into(), json!(self.ticket_id));
        insert_some(&mut m, "title", self.title.clone().map(Value::from));
        insert_some(
            &mut m,
            "description",
            self.description.clone().map(Value::from),
        );
        insert_some(
            &mut m,
            "priority",
            self.priority
                .as_ref()
                .map(|v| priority_view("priority", v))
                .transpose()?,
        );
        insert_some(
            &mut m,
            "assigned_to",
            self.assigned_to.as_ref().map(ref_view),
        );
        if self.unassign {
            m.insert("unassign".into(), json!(true));
        }
        insert_some(&mut m, "due_date", self.due_date.clone().map(Value::from));
        insert_some(&mut m, "queue", self.queue.as_ref().map(ref_view));
        Ok(Value::Object(m))
    }
}

impl PolicyView for ChoicesParams {
    fn view(&self) -> Result<Value> {
        let mut m = Map::new();
        insert_some(&mut m, "search", self.search.clone().map(Value::from));
        m.insert("refresh".into(), json!(self.refresh));
        Ok(Value::Object(m))
    }
}

/// A ticket's state as policy rules see it (names for status and priority, ids for refs).
pub fn ticket_view(raw: &Value) -> Value {
    let mut m = Map::new();
    for k in [
        "title",
        "description",
        "submitter_email",
        "due_date",
        "assigned_to",
        "queue",
    ] {
        if let Some(v) = raw.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    if let Some(n) = raw.get("status").and_then(Value::as_i64) {
        m.insert("status".into(), json!(models::status_name(n)));
    }
    if let Some(n) = raw.get("priority").and_then(Value::as_i64) {
        m.insert("priority".into(), json!(models::priority_name(n)));
    }
    m.insert("unassign".into(), json!(false));
    // Who a public follow-up reaches: the submitter (django-helpdesk e-mails them).
    let to: Vec<Value> = raw
        .get("submitter_email")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .map(|e| vec![json!(e)])
        .unwrap_or_default();
    m.insert("recipients".into(), json!({"to": to}));
    if let Some(f) = raw.get("followup_set").and_then(Value::as_array) {
        m.insert("loses".into(), json!({"follow_ups": f.len()}));
    }
    Value::Object(m)
}

const F_TICKET: FieldMeta = FieldMeta {
    name: "ticket_id",
    kind: FieldKind::Integer,
};
const F_QUEUE: FieldMeta = FieldMeta {
    name: "queue",
    kind: FieldKind::Ref,
};
const F_ASSIGNED: FieldMeta = FieldMeta {
    name: "assigned_to",
    kind: FieldKind::Ref,
};
const F_TITLE: FieldMeta = FieldMeta {
    name: "title",
    kind: FieldKind::Text,
};
const F_DESCRIPTION: FieldMeta = FieldMeta {
    name: "description",
    kind: FieldKind::Text,
};
const F_PRIORITY: FieldMeta = FieldMeta {
    name: "priority",
    kind: FieldKind::Enum(PRIORITY_NAMES),
};
const F_DUE: FieldMeta = FieldMeta {
    name: "due_date",
    kind: FieldKind::Plain,
};

/// The django-helpdesk tools for the policy layer.
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
            "django_helpdesk_list_tickets",
            OpKind::Read,
            false,
            &[
                FieldMeta {
                    name: "status",
                    kind: FieldKind::Enum(STATUS_NAMES),
                },
                F_QUEUE,
                F_ASSIGNED,
                FieldMeta {
                    name: "search",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "page",
                    kind: FieldKind::Integer,
                },
                FieldMeta {
                    name: "page_size",
                    kind: FieldKind::Integer,
                },
            ],
            c::<ListTicketsParams>,
        ),
        t(
            "django_helpdesk_get_ticket",
            OpKind::Read,
            false,
            &[F_TICKET],
            c::<TicketIdParams>,
        ),
        t(
            "django_helpdesk_create_ticket",
            OpKind::Create,
            false,
            &[
                F_QUEUE,
                F_TITLE,
                F_DESCRIPTION,
                F_PRIORITY,
                FieldMeta {
                    name: "submitter_email",
                    kind: FieldKind::Plain,
                },
                F_ASSIGNED,
                F_DUE,
            ],
            c::<CreateTicketParams>,
        ),
        t(
            "django_helpdesk_add_followup",
            OpKind::Update,
            false,
            &[
                F_TICKET,
                FieldMeta {
                    name: "comment",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "public",
                    kind: FieldKind::Bool,
                },
                FieldMeta {
                    name: "new_status",
                    kind: FieldKind::Enum(STATUS_NAMES),
                },
                FieldMeta {
                    name: "time_spent",
                    kind: FieldKind::Plain,
                },
            ],
            c::<AddFollowupParams>,
        ),
        t(
            "django_helpdesk_update_ticket",
            OpKind::Update,
            false,
            &[
                F_TICKET,
                F_TITLE,
                F_DESCRIPTION,
                F_PRIORITY,
                F_ASSIGNED,
                FieldMeta {
                    name: "unassign",
                    kind: FieldKind::Bool,
                },
                F_DUE,
                F_QUEUE,
            ],
            c::<UpdateTicketParams>,
        ),
        t(
            "django_helpdesk_delete_ticket",
            OpKind::Delete,
            true,
            &[F_TICKET],
            c::<DeleteTicketParams>,
        ),
        t(
            "django_helpdesk_get_queues",
            OpKind::Read,
            false,
            &[
                FieldMeta {
                    name: "search",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "refresh",
                    kind: FieldKind::Bool,
                },
            ],
            c::<ChoicesParams>,
        ),
        t(
            "django_helpdesk_get_users",
            OpKind::Read,
            false,
            &[
                FieldMeta {
                    name: "search",
                    kind: FieldKind::Text,
                },
                FieldMeta {
                    name: "refresh",
                    kind: FieldKind::Bool,
                },
            ],
            c::<ChoicesParams>,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_name_or_number() {
        assert_eq!(
            resolve_status("s", &IdOrName::Name("Closed".into())).unwrap(),
            4
        );
        assert_eq!(resolve_status("s", &IdOrName::Id(2)).unwrap(), 2);
        assert_eq!(resolve_status("s", &IdOrName::Name("3".into())).unwrap(), 3);
        let e = resolve_status("status", &IdOrName::Name("pending".into())).unwrap_err();
        assert!(
            e.message.starts_with("status:") && e.message.contains("open (1)"),
            "{}",
            e.message
        );
        assert!(resolve_status("status", &IdOrName::Id(9)).is_err());
    }

    #[test]
    fn priorities_accept_ui_labels() {
        assert_eq!(
            resolve_priority("p", &IdOrName::Name("1. Critical".into())).unwrap(),
            1
        );
        assert_eq!(
            resolve_priority("p", &IdOrName::Name("very low".into())).unwrap(),
            5
        );
        assert_eq!(
            resolve_priority("p", &IdOrName::Name("HIGH".into())).unwrap(),
            2
        );
    }

    #[test]
    fn template_markers_are_protected() {
        assert_eq!(protect_template("a {{ x }} b"), "a {{ \"{{\" }} x }} b");
        assert_eq!(protect_template("{# c #}"), "{{ \"{#\" }} c #}");
        assert_eq!(protect_template("plain é"), "plain é");
    }

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
