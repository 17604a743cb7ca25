//! What the `kayako_*` tools answer: records with names next to ids, Unix timestamps as UTC
//! dates, customer-written text (subjects, the requester's posts) marked untrusted in the
//! text and the structured output, and lists that say how many exist and where the next page
//! starts. The shared output budget drops whole records from the end of a list; the note then
//! says how to see the rest.
//!
//! Must not: fetch anything (the tool bodies pass the reference data in).

use schemars::JsonSchema;
use serde::Serialize;

use super::super::models::{Note, Post, Refs, Ticket};
use crate::mcp::output::Render;
use crate::mcp::untrusted;

/// A Unix timestamp as `2026-12-02T14:03:00Z`; 0 (never) is none.
pub fn date(ts: i64) -> Option<String> {
    if ts <= 0 {
        return None;
    }
    chrono::DateTime::from_timestamp(ts, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn shown(d: &Option<String>) -> String {
    d.as_deref().map_or_else(
        || "never".to_string(),
        |d| d.replace('T', " ").replace('Z', " UTC"),
    )
}

/// An attachment of a post.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AttachmentOut {
    pub filename: String,
    pub size_bytes: i64,
    pub mime_type: String,
}

/// One post.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PostOut {
    pub id: i64,
    pub created: Option<String>,
    pub author: String,
    pub email: String,
    /// Written by staff (otherwise by the requester or another user).
    pub by_staff: bool,
    /// A private staff reply the requester does not see.
    pub private: bool,
    pub html: bool,
    /// The text; a user's text is marked untrusted.
    pub contents: String,
    pub attachments: Vec<AttachmentOut>,
}

impl PostOut {
    pub fn new(p: &Post) -> PostOut {
        let by_staff = p.by_staff();
        let contents = if by_staff || p.contents.is_empty() {
            p.contents.clone()
        } else {
            let who = if p.email.is_empty() {
                format!("the user {}", p.full_name)
            } else {
                format!("the user {} ({})", p.full_name, p.email)
            };
            untrusted::mark(&who, &p.contents)
        };
        PostOut {
            id: p.id,
            created: date(p.dateline),
            author: p.full_name.clone(),
            email: p.email.clone(),
            by_staff,
            private: p.private,
            html: p.html,
            contents,
            attachments: p
                .attachments
                .iter()
                .map(|a| AttachmentOut {
                    filename: a.filename.clone(),
                    size_bytes: a.size,
                    mime_type: a.mime_type.clone(),
                })
                .collect(),
        }
    }

    fn markdown(&self) -> String {
        let who = if self.by_staff { "staff" } else { "user" };
        let mut s = format!(
            "### Post {} by {} ({who}{}) on {}\n",
            self.id,
            self.author,
            if self.private { ", private" } else { "" },
            shown(&self.created)
        );
        s.push_str(&self.contents);
        s.push('\n');
        for a in &self.attachments {
            s.push_str(&format!(
                "- attachment {} ({}, {} bytes)\n",
                a.filename, a.mime_type, a.size_bytes
            ));
        }
        s
    }
}

/// One staff note.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteOut {
    pub id: i64,
    pub created: Option<String>,
    pub author: String,
    /// The staff member it is addressed to, if any.
    pub for_staff: Option<String>,
    pub contents: String,
}

impl NoteOut {
    pub fn new(n: &Note, refs: &Refs) -> NoteOut {
        NoteOut {
            id: n.id,
            created: date(n.created),
            author: n.creator_staff_name.clone(),
            for_staff: (n.for_staff_id != 0).then(|| {
                refs.staff_member(n.for_staff_id).map_or_else(
                    || format!("staff {}", n.for_staff_id),
                    |s| s.full_name.clone(),
                )
            }),
            contents: n.contents.clone(),
        }
    }
}

/// One ticket, with the names behind its ids.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketOut {
    /// Kayako's internal id.
    pub id: i64,
    /// The id people see, e.g. ABC-123-45678.
    pub display_id: String,
    /// The subject (the requester's text, marked untrusted).
    pub subject: String,
    pub department_id: i64,
    pub department: Option<String>,
    pub status_id: i64,
    pub status: Option<String>,
    /// The status is one Kayako counts as resolved.
    pub resolved: bool,
    pub priority_id: i64,
    pub priority: Option<String>,
    pub type_id: i64,
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// 0: unassigned.
    pub owner_staff_id: i64,
    pub owner: Option<String>,
    pub user_id: i64,
    pub requester: String,
    pub email: String,
    pub organization: Option<String>,
    pub organization_id: Option<i64>,
    pub created: Option<String>,
    pub last_activity: Option<String>,
    pub last_staff_reply: Option<String>,
    pub last_user_reply: Option<String>,
    pub last_replier: String,
    pub replies: i64,
    pub escalated: bool,
    pub tags: Vec<String>,
    /// Staff notes on the ticket (kayako_get_ticket_notes lists them).
    pub notes: usize,
    /// The ticket in Kayako's staff control panel.
    pub url: String,
    /// Oldest first; only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posts: Option<Vec<PostOut>>,
    /// Set when posts were left out to fit the output limit: how to see them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl TicketOut {
    pub fn new(t: &Ticket, refs: &Refs, staff_cp: &str, with_posts: bool) -> TicketOut {
        let status = refs.status(t.status_id);
        let owner = match t.owner_staff_id {
            0 => None,
            id => Some(
                refs.staff_member(id)
                    .map_or_else(|| t.owner_staff_name.clone(), |s| s.full_name.clone()),
            ),
        };
        let subject = if t.subject.is_empty() {
            String::new()
        } else {
            untrusted::mark(&format!("the requester ({})", t.email), &t.subject)
        };
        TicketOut {
            id: t.id,
            display_id: t.display_id.clone(),
            subject,
            department_id: t.department_id,
            department: refs.department(t.department_id).map(|d| d.title.clone()),
            status_id: t.status_id,
            status: status.map(|s| s.title.clone()),
            resolved: status.is_some_and(|s| s.resolved),
            priority_id: t.priority_id,
            priority: refs.priority(t.priority_id).map(|p| p.title.clone()),
            type_id: t.type_id,
            type_name: refs.ticket_type(t.type_id).map(|p| p.title.clone()),
            owner_staff_id: t.owner_staff_id,
            owner,
            user_id: t.user_id,
            requester: t.full_name.clone(),
            email: t.email.clone(),
            organization: (!t.organization.is_empty()).then(|| t.organization.clone()),
            organization_id: (t.organization_id != 0).then_some(t.organization_id),
            created: date(t.created),
            last_activity: date(t.last_activity),
            last_staff_reply: date(t.last_staff_reply),
            last_user_reply: date(t.last_user_reply),
            last_replier: t.last_replier.clone(),
            replies: t.replies,
            escalated: t.escalated,
            tags: t.tags.clone(),
            notes: t.notes.len(),
            url: format!("{staff_cp}?/Tickets/Ticket/View/{}", t.id),
            posts: if with_posts {
                t.posts
                    .as_ref()
                    .map(|ps| ps.iter().map(PostOut::new).collect())
            } else {
                None
            },
            note: None,
        }
    }

    fn named(name: &Option<String>, id: i64) -> String {
        match name {
            Some(n) => format!("{n} ({id})"),
            None => format!("{id}"),
        }
    }

    /// One line for a list.
    fn line(&self) -> String {
        format!(
            "- **{}** (id {}): {} | {} | {} | {} | owner {} | requester {} <{}> | last activity {}\n",
            self.display_id,
            self.id,
            self.subject,
            Self::named(&self.status, self.status_id),
            Self::named(&self.priority, self.priority_id),
            Self::named(&self.department, self.department_id),
            self.owner.as_deref().unwrap_or("unassigned"),
            self.requester,
            self.email,
            shown(&self.last_activity)
        )
    }
}

impl Render for TicketOut {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## Ticket {} (id {})\n{}\n\n",
            self.display_id, self.id, self.subject
        );
        let owner = match &self.owner {
            Some(o) => format!("{o} ({})", self.owner_staff_id),
            None => "unassigned".into(),
        };
        for (k, v) in [
            ("Status", Self::named(&self.status, self.status_id)),
            ("Priority", Self::named(&self.priority, self.priority_id)),
            ("Type", Self::named(&self.type_name, self.type_id)),
            (
                "Department",
                Self::named(&self.department, self.department_id),
            ),
            ("Owner", owner),
            (
                "Requester",
                format!(
                    "{} <{}> (user {})",
                    self.requester, self.email, self.user_id
                ),
            ),
            (
                "Organization",
                self.organization.clone().unwrap_or_else(|| "none".into()),
            ),
            ("Created", shown(&self.created)),
            ("Last activity", shown(&self.last_activity)),
            (
                "Replies",
                format!("{} (last by {})", self.replies, self.last_replier),
            ),
            (
                "Escalated",
                if self.escalated { "yes" } else { "no" }.into(),
            ),
            ("Tags", self.tags.join(", ")),
            ("Staff notes", self.notes.to_string()),
            ("Link", self.url.clone()),
        ] {
            s.push_str(&format!("- {k}: {v}\n"));
        }
        if let Some(posts) = &self.posts {
            s.push_str(&format!("\n{} posts, oldest first:\n\n", posts.len()));
            for p in posts {
                s.push_str(&p.markdown());
                s.push('\n');
            }
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("\n{n}\n"));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.posts.as_mut().is_some_and(|p| p.pop().is_some())
    }

    fn items(&self) -> usize {
        self.posts.as_ref().map_or(1, Vec::len)
    }

    fn mark_truncated(&mut self, kept: usize) {
        self.note = Some(format!(
            "Output limit reached: the first {kept} posts are shown. Call \
             kayako_get_ticket_posts with ticket_id {} and offset {kept} for the rest.",
            self.id
        ));
    }
}

/// A page of tickets.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketListOut {
    pub tickets: Vec<TicketOut>,
    /// How many match in all, where Kayako says (lists: always; searches: what the helpdesk's
    /// search limit let through).
    pub total: Option<u64>,
    pub offset: u64,
    /// More exist after this page.
    pub more: bool,
    /// The offset of the next page, when more exist.
    pub next_offset: Option<u64>,
    pub note: Option<String>,
}

impl TicketListOut {
    pub fn new(tickets: Vec<TicketOut>, total: Option<u64>, offset: u64, more: bool) -> Self {
        let next_offset = more.then(|| offset + tickets.len() as u64);
        TicketListOut {
            tickets,
            total,
            offset,
            more,
            next_offset,
            note: None,
        }
    }
}

impl Render for TicketListOut {
    fn markdown(&self) -> String {
        let mut s = match self.total {
            Some(t) => format!(
                "## {} of {t} tickets (from offset {})\n",
                self.tickets.len(),
                self.offset
            ),
            None => format!(
                "## {} tickets (from offset {})\n",
                self.tickets.len(),
                self.offset
            ),
        };
        if self.tickets.is_empty() {
            s.push_str("No tickets match.\n");
        }
        for t in &self.tickets {
            s.push_str(&t.line());
        }
        if let Some(n) = self.next_offset {
            s.push_str(&format!("\nMore exist: call again with offset {n}.\n"));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("\n{n}\n"));
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
        let next = self.offset + kept as u64;
        self.more = true;
        self.next_offset = Some(next);
        self.note = Some(format!(
            "Output limit reached: {kept} tickets shown. Call again with offset {next} (or a \
             smaller limit) for the rest."
        ));
    }
}

/// A ticket's posts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PostsOut {
    pub ticket_id: i64,
    pub posts: Vec<PostOut>,
    /// Posts on the ticket in all.
    pub total: u64,
    pub offset: u64,
    pub next_offset: Option<u64>,
    pub note: Option<String>,
}

impl Render for PostsOut {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## Posts of ticket {} ({} of {}, oldest first, from offset {})\n\n",
            self.ticket_id,
            self.posts.len(),
            self.total,
            self.offset
        );
        for p in &self.posts {
            s.push_str(&p.markdown());
            s.push('\n');
        }
        if let Some(n) = self.next_offset {
            s.push_str(&format!("More exist: call again with offset {n}.\n"));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("\n{n}\n"));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.posts.pop().is_some()
    }

    fn items(&self) -> usize {
        self.posts.len()
    }

    fn mark_truncated(&mut self, kept: usize) {
        let next = self.offset + kept as u64;
        self.next_offset = Some(next);
        self.note = Some(format!(
            "Output limit reached: {kept} posts shown. Call again with offset {next} for the \
             rest."
        ));
    }
}

/// A ticket's staff notes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NotesOut {
    pub ticket_id: i64,
    pub notes: Vec<NoteOut>,
    pub note: Option<String>,
}

impl Render for NotesOut {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## Staff notes of ticket {} ({})\n\n",
            self.ticket_id,
            self.notes.len()
        );
        if self.notes.is_empty() {
            s.push_str("No notes.\n");
        }
        for n in &self.notes {
            let to = n
                .for_staff
                .as_ref()
                .map(|f| format!(" for {f}"))
                .unwrap_or_default();
            s.push_str(&format!(
                "### Note {} by {}{to} on {}\n{}\n\n",
                n.id,
                n.author,
                shown(&n.created),
                n.contents
            ));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("{n}\n"));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.notes.pop().is_some()
    }

    fn items(&self) -> usize {
        self.notes.len()
    }

    fn mark_truncated(&mut self, kept: usize) {
        self.note = Some(format!(
            "Output limit reached: the first {kept} notes are shown."
        ));
    }
}
