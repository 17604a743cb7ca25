//! The data model of the simulated account: agents, groups, companies, contacts, tickets and
//! conversations in one [`Store`], with the fixed choices (statuses, priorities, sources, types,
//! custom fields), the id spaces, the SLA table and the user look-ups every resource shares.
//!
//! Owns: the records and the rules that keep them consistent whatever route changes them
//! (SLA targets by priority, ticket stats on a status change, one user id space).
//! Must not: parse requests or build JSON (the resource files and `views` do), or make the demo
//! data (`seed`, above it, does).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::sandbox::kit::text::to_text;

/// Agents and contacts share the user id space, as in Freshdesk.
pub(super) const USER_BASE: i64 = 43_000_000_000;
pub(super) const GROUP_BASE: i64 = 43_000_050_000;
const COMPANY_BASE: i64 = 43_000_070_000;
pub(super) const FIELD_BASE: i64 = 43_000_300_000;
const CONVERSATION_BASE: i64 = 43_000_900_000;

pub(super) const STATUSES: &[&str] = &["2", "3", "4", "5"];
pub(super) const PRIORITIES: &[&str] = &["1", "2", "3", "4"];
pub(super) const SOURCES: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
pub(super) const TICKET_TYPES: &[&str] = &[
    "Question",
    "Incident",
    "Problem",
    "Feature Request",
    "Refund",
];
pub(super) const SUPPORT_EMAIL: &str = "support@sandbox.example";
pub(super) const HEALTH_SCORES: &[&str] = &["At risk", "Doing okay", "Happy"];
pub(super) const ACCOUNT_TIERS: &[&str] = &["Basic", "Premium", "Enterprise"];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CfKind {
    Dropdown,
    Text,
    Number,
}

pub(super) struct CustomField {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) kind: CfKind,
    pub(super) choices: &'static [&'static str],
}

const CATEGORIES: &[&str] = &[
    "Billing",
    "Hardware",
    "Network",
    "Access",
    "Software",
    "Onboarding",
    "Other",
];

pub(super) const CUSTOM_FIELDS: &[CustomField] = &[
    CustomField {
        name: "cf_category",
        label: "Category",
        kind: CfKind::Dropdown,
        choices: CATEGORIES,
    },
    CustomField {
        name: "cf_order_number",
        label: "Order number",
        kind: CfKind::Text,
        choices: &[],
    },
    CustomField {
        name: "cf_affected_users",
        label: "Affected users",
        kind: CfKind::Number,
        choices: &[],
    },
];

#[derive(Clone)]
pub(super) struct Agent {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) job_title: Option<String>,
    pub(super) occasional: bool,
    pub(super) available: bool,
    pub(super) signature: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

#[derive(Clone)]
pub(super) struct Group {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) agent_ids: Vec<i64>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

#[derive(Clone)]
pub(super) struct Company {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) domains: Vec<String>,
    pub(super) note: Option<String>,
    pub(super) health_score: Option<String>,
    pub(super) account_tier: Option<String>,
    pub(super) renewal_date: Option<DateTime<Utc>>,
    pub(super) industry: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

#[derive(Clone)]
pub(super) struct Contact {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) email: Option<String>,
    pub(super) other_emails: Vec<String>,
    pub(super) phone: Option<String>,
    pub(super) mobile: Option<String>,
    pub(super) twitter_id: Option<String>,
    pub(super) facebook_id: Option<String>,
    pub(super) unique_external_id: Option<String>,
    pub(super) company_id: Option<i64>,
    pub(super) view_all_tickets: bool,
    pub(super) active: bool,
    pub(super) blocked: bool,
    pub(super) deleted: bool,
    pub(super) address: Option<String>,
    pub(super) description: Option<String>,
    pub(super) job_title: Option<String>,
    pub(super) language: String,
    pub(super) time_zone: String,
    pub(super) tags: Vec<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl Contact {
    pub(super) fn blank(now: DateTime<Utc>) -> Self {
        Contact {
            id: 0,
            name: String::new(),
            email: None,
            other_emails: Vec::new(),
            phone: None,
            mobile: None,
            twitter_id: None,
            facebook_id: None,
            unique_external_id: None,
            company_id: None,
            view_all_tickets: false,
            active: false,
            blocked: false,
            deleted: false,
            address: None,
            description: None,
            job_title: None,
            language: "en".into(),
            time_zone: "Eastern Time (US & Canada)".into(),
            tags: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    pub(super) fn has_email(&self, email: &str) -> bool {
        self.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
            || self
                .other_emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(email))
    }
}

#[derive(Clone, Default)]
pub(super) struct Stats {
    pub(super) agent_responded_at: Option<DateTime<Utc>>,
    pub(super) requester_responded_at: Option<DateTime<Utc>>,
    pub(super) first_responded_at: Option<DateTime<Utc>>,
    pub(super) status_updated_at: Option<DateTime<Utc>>,
    pub(super) reopened_at: Option<DateTime<Utc>>,
    pub(super) resolved_at: Option<DateTime<Utc>>,
    pub(super) closed_at: Option<DateTime<Utc>>,
    pub(super) pending_since: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub(super) struct Ticket {
    pub(super) id: i64,
    pub(super) subject: String,
    pub(super) description: String,
    pub(super) description_text: String,
    pub(super) status: i64,
    pub(super) priority: i64,
    pub(super) source: i64,
    pub(super) ticket_type: Option<String>,
    pub(super) requester_id: i64,
    pub(super) responder_id: Option<i64>,
    pub(super) group_id: Option<i64>,
    pub(super) company_id: Option<i64>,
    pub(super) tags: Vec<String>,
    pub(super) custom_fields: BTreeMap<String, Value>,
    pub(super) cc_emails: Vec<String>,
    pub(super) fwd_emails: Vec<String>,
    pub(super) reply_cc_emails: Vec<String>,
    pub(super) to_emails: Option<Vec<String>>,
    pub(super) due_by: DateTime<Utc>,
    pub(super) fr_due_by: DateTime<Utc>,
    pub(super) is_escalated: bool,
    pub(super) fr_escalated: bool,
    pub(super) spam: bool,
    pub(super) deleted: bool,
    pub(super) watchers: Vec<i64>,
    pub(super) stats: Stats,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl Ticket {
    pub(super) fn blank(now: DateTime<Utc>) -> Self {
        Ticket {
            id: 0,
            subject: String::new(),
            description: String::new(),
            description_text: String::new(),
            status: 2,
            priority: 1,
            source: 2,
            ticket_type: None,
            requester_id: 0,
            responder_id: None,
            group_id: None,
            company_id: None,
            tags: Vec::new(),
            custom_fields: CUSTOM_FIELDS
                .iter()
                .map(|f| (f.name.to_string(), Value::Null))
                .collect(),
            cc_emails: Vec::new(),
            fwd_emails: Vec::new(),
            reply_cc_emails: Vec::new(),
            to_emails: None,
            due_by: now,
            fr_due_by: now,
            is_escalated: false,
            fr_escalated: false,
            spam: false,
            deleted: false,
            watchers: Vec::new(),
            stats: Stats::default(),
            created_at: now,
            updated_at: now,
        }
    }

    pub(super) fn custom_str(&self, name: &str) -> Option<String> {
        self.custom_fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// The SLA: (first response, resolution) hours by priority.
fn sla_hours(priority: i64) -> (i64, i64) {
    match priority {
        4 => (1, 4),
        3 => (4, 24),
        2 => (8, 48),
        _ => (24, 72),
    }
}

pub(super) fn set_sla(t: &mut Ticket) {
    let (fr, due) = sla_hours(t.priority);
    t.fr_due_by = t.created_at + chrono::Duration::hours(fr);
    t.due_by = t.created_at + chrono::Duration::hours(due);
}

/// Stats after a status change from `old`.
pub(super) fn status_changed(t: &mut Ticket, old: i64, now: DateTime<Utc>) {
    if t.status == old {
        return;
    }
    t.stats.status_updated_at = Some(now);
    match t.status {
        3 => t.stats.pending_since = Some(now),
        4 => t.stats.resolved_at = Some(now),
        5 => {
            t.stats.closed_at = Some(now);
            t.stats.resolved_at.get_or_insert(now);
        }
        _ => {
            if matches!(old, 4 | 5) {
                t.stats.reopened_at = Some(now);
            }
        }
    }
    if t.status != 3 {
        t.stats.pending_since = None;
    }
}

#[derive(Clone)]
pub(super) struct Conversation {
    pub(super) id: i64,
    pub(super) ticket_id: i64,
    pub(super) body: String,
    pub(super) body_text: String,
    pub(super) incoming: bool,
    pub(super) private: bool,
    pub(super) user_id: i64,
    pub(super) support_email: Option<String>,
    pub(super) source: i64,
    pub(super) category: i64,
    pub(super) to_emails: Vec<String>,
    pub(super) from_email: Option<String>,
    pub(super) cc_emails: Vec<String>,
    pub(super) bcc_emails: Vec<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) last_edited_at: Option<DateTime<Utc>>,
    pub(super) last_edited_user_id: Option<i64>,
}

impl Conversation {
    /// A conversation on `ticket_id` by `user_id` with an HTML `body` at `at`: public,
    /// outgoing, source and category 0, no addresses; the id is set when it is stored.
    pub(super) fn new(ticket_id: i64, user_id: i64, body: String, at: DateTime<Utc>) -> Self {
        Conversation {
            id: 0,
            ticket_id,
            body_text: to_text(&body),
            body,
            incoming: false,
            private: false,
            user_id,
            support_email: None,
            source: 0,
            category: 0,
            to_emails: Vec::new(),
            from_email: None,
            cc_emails: Vec::new(),
            bcc_emails: Vec::new(),
            created_at: at,
            updated_at: at,
            last_edited_at: None,
            last_edited_user_id: None,
        }
    }
}

/// The requester named in a ticket body: an existing user, or a contact to create.
pub(super) enum Who {
    Existing(i64),
    New(Box<Contact>),
}

pub(super) struct Store {
    pub(super) me: i64,
    next_user: i64,
    pub(super) next_company: i64,
    pub(super) next_ticket: i64,
    pub(super) next_conversation: i64,
    pub(super) agents: BTreeMap<i64, Agent>,
    pub(super) groups: BTreeMap<i64, Group>,
    pub(super) companies: BTreeMap<i64, Company>,
    pub(super) contacts: BTreeMap<i64, Contact>,
    pub(super) tickets: BTreeMap<i64, Ticket>,
    pub(super) conversations: BTreeMap<i64, Conversation>,
}

impl Store {
    /// An account with no records; [`super::seed`] fills it.
    pub(super) fn new() -> Self {
        Store {
            me: USER_BASE + 1,
            next_user: USER_BASE + 1,
            next_company: COMPANY_BASE + 1,
            next_ticket: 1,
            next_conversation: CONVERSATION_BASE + 1,
            agents: BTreeMap::new(),
            groups: BTreeMap::new(),
            companies: BTreeMap::new(),
            contacts: BTreeMap::new(),
            tickets: BTreeMap::new(),
            conversations: BTreeMap::new(),
        }
    }

    pub(super) fn user_id(&mut self) -> i64 {
        let id = self.next_user;
        self.next_user += 1;
        id
    }

    pub(super) fn user_exists(&self, id: i64) -> bool {
        self.agents.contains_key(&id) || self.contacts.contains_key(&id)
    }

    pub(super) fn user_by_email(&self, email: &str) -> Option<i64> {
        self.contacts
            .values()
            .find(|c| c.has_email(email))
            .map(|c| c.id)
            .or_else(|| {
                self.agents
                    .values()
                    .find(|a| a.email.eq_ignore_ascii_case(email))
                    .map(|a| a.id)
            })
    }

    pub(super) fn user_email(&self, id: i64) -> Option<String> {
        if let Some(c) = self.contacts.get(&id) {
            return c.email.clone();
        }
        self.agents.get(&id).map(|a| a.email.clone())
    }
}
