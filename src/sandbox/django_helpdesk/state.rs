//! The simulated database: how the instance behaves ([`DjangoSimOptions`]), its accounts
//! ([`DjangoSimUser`]), users, queues, tickets, follow-ups, attachments, HTTP sessions, DRF
//! tokens and the fork's finished sessions, with the model helpers the views share (status and
//! priority names, `ticket_for_url`, `get_assigned_to`, cascading delete).
//!
//! Must not: know about HTTP (requests, replies, cookies), load the demo data (that is
//! [`super::seed`], above it), or keep anything outside memory.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

pub(super) const STATUSES: [(i64, &str); 5] = [
    (1, "Open"),
    (2, "Reopened"),
    (3, "Resolved"),
    (4, "Closed"),
    (5, "Duplicate"),
];
pub(super) const PRIORITIES: [(i64, &str); 5] = [
    (1, "1. Critical"),
    (2, "2. High"),
    (3, "3. Normal"),
    (4, "4. Low"),
    (5, "5. Very Low"),
];
pub(super) const RESOLVED: i64 = 3;
pub(super) const CLOSED: i64 = 4;

/// How the simulated instance behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DjangoSimOptions {
    /// Serve the dolthub fork's agent-session endpoints (otherwise they 404 like on a plain
    /// django-helpdesk).
    pub fork: bool,
    /// Load the deterministic demo tickets (the three queues exist either way).
    pub seed: bool,
}

/// An account on the simulated instance. Staff users are also superusers (they may create users
/// through `/api/users/`); `agent` is the fork's `UserSettings.is_agent`.
#[derive(Debug, Clone)]
pub struct DjangoSimUser {
    pub username: String,
    pub password: String,
    pub staff: bool,
    pub agent: bool,
}

/// A model choice's display name (the number itself when it is no choice).
fn choice_name(choices: &[(i64, &str)], n: i64) -> String {
    choices
        .iter()
        .find(|(c, _)| *c == n)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| n.to_string())
}

pub(super) fn status_name(n: i64) -> String {
    choice_name(&STATUSES, n)
}

pub(super) fn priority_name(n: i64) -> String {
    choice_name(&PRIORITIES, n)
}

/// `Ticket.get_status`: the display name, with " - On Hold".
pub(super) fn get_status(t: &Ticket) -> String {
    let mut s = status_name(t.status);
    if t.on_hold {
        s.push_str(" - On Hold");
    }
    s
}

#[derive(Debug, Clone)]
pub(super) struct User {
    pub(super) id: u64,
    pub(super) username: String,
    pub(super) password: String,
    pub(super) email: String,
    pub(super) first_name: String,
    pub(super) last_name: String,
    pub(super) staff: bool,
    pub(super) superuser: bool,
    pub(super) agent: bool,
    pub(super) active: bool,
}

impl User {
    pub(super) fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

#[derive(Debug, Clone)]
pub(super) struct Queue {
    pub(super) id: u64,
    pub(super) title: String,
    pub(super) slug: String,
}

#[derive(Debug, Clone)]
pub(super) struct Ticket {
    pub(super) id: u64,
    pub(super) queue: u64,
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) resolution: Option<String>,
    pub(super) submitter_email: Option<String>,
    pub(super) assigned_to: Option<u64>,
    pub(super) status: i64,
    pub(super) on_hold: bool,
    pub(super) priority: i64,
    pub(super) due_date: Option<DateTime<Utc>>,
    pub(super) merged_to: Option<u64>,
    pub(super) created: DateTime<Utc>,
    pub(super) modified: DateTime<Utc>,
    pub(super) secret_key: String,
}

#[derive(Debug, Clone)]
pub(super) struct FollowUp {
    pub(super) id: u64,
    pub(super) ticket: u64,
    pub(super) user: Option<u64>,
    pub(super) title: Option<String>,
    pub(super) comment: Option<String>,
    pub(super) public: bool,
    pub(super) new_status: Option<i64>,
    /// Microseconds.
    pub(super) time_spent: Option<i64>,
    pub(super) date: DateTime<Utc>,
    pub(super) message_id: Option<String>,
    pub(super) email_recipients: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Attachment {
    pub(super) id: u64,
    pub(super) followup: u64,
    pub(super) filename: String,
    pub(super) mime_type: String,
    pub(super) size: usize,
    /// Under `/media/`.
    pub(super) path: String,
    pub(super) data: Vec<u8>,
}

/// One row of `django_session`: the logged-in user and the fork's keys.
#[derive(Debug, Clone, Default)]
pub(super) struct HttpSession {
    pub(super) user: Option<u64>,
    pub(super) branch_name: Option<String>,
    pub(super) intent: Option<String>,
}

pub(super) struct Db {
    pub(super) opts: DjangoSimOptions,
    pub(super) agent_access_control: bool,
    pub(super) users: Vec<User>,
    pub(super) queues: Vec<Queue>,
    pub(super) tickets: BTreeMap<u64, Ticket>,
    pub(super) followups: BTreeMap<u64, FollowUp>,
    pub(super) attachments: BTreeMap<u64, Attachment>,
    pub(super) next_ticket: u64,
    next_followup: u64,
    pub(super) next_attachment: u64,
    pub(super) sessions: HashMap<String, HttpSession>,
    pub(super) tokens: HashMap<String, u64>,
    pub(super) finished: Vec<(String, Option<String>, Option<String>)>,
}

impl Db {
    pub(super) fn new(opts: DjangoSimOptions, users: Vec<DjangoSimUser>) -> Db {
        let users = users
            .into_iter()
            .zip(1u64..)
            .map(|(u, id)| User {
                id,
                username: u.username,
                password: u.password,
                email: String::new(),
                first_name: String::new(),
                last_name: String::new(),
                staff: u.staff,
                superuser: u.staff,
                agent: u.agent,
                active: true,
            })
            .collect();
        let queues = [
            ("Support", "support"),
            ("Billing", "billing"),
            ("Onboarding", "onboarding"),
        ]
        .iter()
        .zip(1u64..)
        .map(|((title, slug), id)| Queue {
            id,
            title: title.to_string(),
            slug: slug.to_string(),
        })
        .collect();
        Db {
            opts,
            agent_access_control: false,
            users,
            queues,
            tickets: BTreeMap::new(),
            followups: BTreeMap::new(),
            attachments: BTreeMap::new(),
            next_ticket: 1,
            next_followup: 1,
            next_attachment: 1,
            sessions: HashMap::new(),
            tokens: HashMap::new(),
            finished: Vec::new(),
        }
    }

    pub(super) fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(super) fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == name)
    }

    pub(super) fn is_staff(&self, id: u64) -> bool {
        self.user(id).is_some_and(|u| u.staff && u.active)
    }

    pub(super) fn authenticate(&self, username: &str, password: &str) -> Option<u64> {
        self.users
            .iter()
            .find(|u| u.username == username && u.password == password && u.active)
            .map(|u| u.id)
    }

    pub(super) fn queue(&self, id: u64) -> Option<&Queue> {
        self.queues.iter().find(|q| q.id == id)
    }

    pub(super) fn queue_title(&self, id: u64) -> String {
        self.queue(id).map(|q| q.title.clone()).unwrap_or_default()
    }

    pub(super) fn queue_slug(&self, id: u64) -> String {
        self.queue(id).map(|q| q.slug.clone()).unwrap_or_default()
    }

    /// `Ticket.ticket_for_url`: `slug-id`.
    pub(super) fn ticket_for_url(&self, t: &Ticket) -> String {
        format!("{}-{}", self.queue_slug(t.queue), t.id)
    }

    pub(super) fn followups_of(&self, ticket: u64) -> Vec<&FollowUp> {
        let mut v: Vec<&FollowUp> = self
            .followups
            .values()
            .filter(|f| f.ticket == ticket)
            .collect();
        v.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        v
    }

    /// `Ticket.get_assigned_to`: full name, else username; "Unassigned".
    pub(super) fn assigned_display(&self, t: &Ticket) -> String {
        match t.assigned_to.and_then(|u| self.user(u)) {
            Some(u) if !u.full_name().is_empty() => u.full_name(),
            Some(u) => u.username.clone(),
            None => "Unassigned".to_string(),
        }
    }

    pub(super) fn add_followup(&mut self, mut f: FollowUp) -> u64 {
        let id = self.next_followup;
        self.next_followup += 1;
        f.id = id;
        self.followups.insert(id, f);
        id
    }

    pub(super) fn delete_ticket(&mut self, id: u64) {
        self.tickets.remove(&id);
        let fids: Vec<u64> = self
            .followups
            .values()
            .filter(|f| f.ticket == id)
            .map(|f| f.id)
            .collect();
        for fid in &fids {
            self.followups.remove(fid);
        }
        self.attachments.retain(|_, a| !fids.contains(&a.followup));
        for t in self.tickets.values_mut() {
            if t.merged_to == Some(id) {
                t.merged_to = None;
            }
        }
    }
}
