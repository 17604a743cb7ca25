//! What the django-helpdesk tools answer: output types, their markdown, and the mapping from
//! django-helpdesk's JSON (untrusted text marked).
//!
//! Owns: output shapes and wording. Must not: call the helpdesk or decide policy.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::super::client::{CHOICES_TTL, Choices};
use super::super::models::{self, Choice, DatatablesRow, FollowUp, Ticket, TicketFilter};
use crate::mcp::output::Render;
use crate::mcp::untrusted;
use crate::policy::confirm::FieldChange as Change;

const TICKET_TABLE: &str = "| id | title | queue | status | priority | assigned to | created |\n\
    |---|---|---|---|---|---|---|\n";

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

pub(super) fn user_out(id: Option<i64>, choices: Option<&Choices>) -> Option<UserOut> {
    let id = id?;
    Some(UserOut {
        id: Some(id),
        username: choices
            .and_then(|c| c.users.iter().find(|u| u.id == id))
            .map(|u| u.name.clone()),
    })
}

/// Who wrote a ticket's own text, for the untrusted-text marker.
pub(super) fn submitter(email: Option<&str>) -> String {
    match email.filter(|e| !e.is_empty()) {
        Some(e) => format!("the submitter ({e})"),
        None => "the submitter".into(),
    }
}

pub(super) fn followup_out(f: &FollowUp, choices: Option<&Choices>) -> FollowUpOut {
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

pub(super) fn ticket_out(t: &Ticket, choices: Option<&Choices>) -> TicketOut {
    let custom_fields = t.custom_fields();
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
    let field = |s: &mut String, k: &str, v: &dyn std::fmt::Display| {
        s.push_str(&format!("- **{k}:** {v}\n"));
    };
    let queue = t.queue.title.clone();
    let queue = queue.unwrap_or_else(|| format!("#{}", t.queue.id));
    let assignee = t.assigned_to.as_ref().map(|u| {
        let id = u.id.unwrap_or_default();
        u.username.clone().unwrap_or_else(|| format!("user #{id}"))
    });
    field(&mut s, "Queue", &queue);
    field(&mut s, "Status", &t.status);
    field(
        &mut s,
        "Priority",
        &format!("{} ({})", t.priority_name, t.priority),
    );
    field(
        &mut s,
        "Assigned to",
        &assignee.as_deref().unwrap_or("nobody"),
    );
    field(
        &mut s,
        "Submitter",
        &t.submitter_email.as_deref().unwrap_or("-"),
    );
    field(&mut s, "Created", &t.created.as_deref().unwrap_or("-"));
    field(&mut s, "Due", &t.due_date.as_deref().unwrap_or("-"));
    if let Some(r) = &t.resolution {
        field(&mut s, "Resolution", r);
    }
    for (k, v) in &t.custom_fields {
        field(&mut s, k, v);
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
            "Only {kept} follow-ups (the first and the newest) fit in the output; older ones \
             were left out."
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
            s.push_str(TICKET_TABLE);
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
            "Output limit reached: only the first {kept} tickets of this page are shown. Use a \
             smaller page_size or narrow the filters (status, queue, assigned_to, search)."
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
pub(super) fn choice_list(kind: &str, items: &[Choice], search: Option<&str>) -> ChoiceList {
    let items: Vec<Choice> = items
        .iter()
        .filter(|c| search.is_none_or(|s| c.name.to_lowercase().contains(&s.to_lowercase())))
        .cloned()
        .collect();
    ChoiceList {
        kind: kind.to_string(),
        total: items.len(),
        items,
        cached_for_seconds: CHOICES_TTL.as_secs(),
        truncated: false,
    }
}

/// A ticket of the REST list as a list row.
pub(super) fn ticket_summary(t: &Ticket, choices: Option<&Choices>) -> TicketSummary {
    let o = ticket_out(t, choices);
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
}

/// A row of the datatables view as a list row.
pub(super) fn row_summary(r: &DatatablesRow) -> TicketSummary {
    TicketSummary {
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
    }
}

/// One page of the list; `total` counts the matches over all pages.
pub(super) fn ticket_list(
    filter: &TicketFilter,
    page: u32,
    page_size: u32,
    total: i64,
    tickets: Vec<TicketSummary>,
) -> TicketList {
    let mut filters = json!({});
    if !filter.statuses.is_empty() {
        filters["status"] = json!(filter.statuses);
    }
    if let Some(q) = filter.queue {
        filters["queue"] = json!(q);
    }
    if let Some(u) = filter.assigned_to {
        filters["assigned_to"] = json!(u);
    }
    if let Some(s) = &filter.search {
        filters["search"] = json!(s);
    }
    let has_more = i64::from(page) * i64::from(page_size) < total;
    TicketList {
        total,
        page,
        page_size,
        has_more,
        next_page: has_more.then_some(page + 1),
        filters,
        tickets,
        truncated: false,
        note: None,
    }
}

/// An update's changes, field by field.
pub(super) fn changes(changed: Vec<(String, Value, Value)>) -> Vec<Change> {
    changed
        .into_iter()
        .map(|(field, before, after)| Change {
            field,
            before,
            after,
        })
        .collect()
}

/// A follow-up just added, with the ticket's status after it (if it could be read).
pub(super) fn followup_result(
    ticket_id: i64,
    f: &FollowUp,
    after: Option<&Ticket>,
    choices: Option<&Choices>,
) -> FollowupResult {
    let kind = if f.public {
        "public reply"
    } else {
        "internal note"
    };
    FollowupResult {
        ticket_id,
        ticket_status: after.map(|t| models::status_name(t.status)),
        message: format!("Added {kind} #{} to ticket #{ticket_id}.", f.id),
        followup: followup_out(f, choices),
    }
}
