//! The JSON Freshdesk answers with for each record, and what a ticket view embeds.
//!
//! Owns: the field lists and their order, `include=` embeds ([`View`]), user summaries.
//! Must not: change the store or validate anything.

use serde_json::{Value, json};

use super::state::{Agent, Company, Contact, Conversation, Group, Store, Ticket, USER_BASE};
use crate::sandbox::kit::time::{ots, ts};

#[derive(Clone, Copy, Default)]
pub(super) struct View {
    pub(super) description: bool,
    pub(super) requester: bool,
    pub(super) company: bool,
    pub(super) stats: bool,
    pub(super) conversations: bool,
}

impl View {
    pub(super) fn of(includes: &[String]) -> Self {
        let has = |s: &str| includes.iter().any(|i| i == s);
        View {
            description: has("description"),
            requester: has("requester"),
            company: has("company"),
            stats: has("stats"),
            conversations: has("conversations"),
        }
    }
}

impl Store {
    /// `{id, name, email, mobile, phone}` of a contact or agent.
    fn user_summary(&self, id: i64) -> Value {
        if let Some(c) = self.contacts.get(&id) {
            return json!({
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "mobile": c.mobile,
                "phone": c.phone,
            });
        }
        if let Some(a) = self.agents.get(&id) {
            return json!({
                "id": a.id,
                "name": a.name,
                "email": a.email,
                "mobile": null,
                "phone": a.phone,
            });
        }
        Value::Null
    }

    pub(super) fn ticket_json(&self, t: &Ticket, v: View) -> Value {
        let mut o = json!({
            "id": t.id,
            "subject": t.subject,
            "status": t.status,
            "priority": t.priority,
            "source": t.source,
            "type": t.ticket_type,
            "requester_id": t.requester_id,
            "responder_id": t.responder_id,
            "group_id": t.group_id,
            "company_id": t.company_id,
            "product_id": null,
            "email_config_id": null,
            "association_type": null,
            "cc_emails": t.cc_emails,
            "fwd_emails": t.fwd_emails,
            "reply_cc_emails": t.reply_cc_emails,
            "ticket_cc_emails": t.cc_emails,
            "to_emails": t.to_emails,
            "due_by": ts(t.due_by),
            "fr_due_by": ts(t.fr_due_by),
            "is_escalated": t.is_escalated,
            "fr_escalated": t.fr_escalated,
            "spam": t.spam,
            "deleted": t.deleted,
            "tags": t.tags,
            "custom_fields": t.custom_fields,
            "attachments": [],
            "created_at": ts(t.created_at),
            "updated_at": ts(t.updated_at),
        });
        let Value::Object(m) = &mut o else {
            return o;
        };
        if v.description {
            m.insert("description".into(), json!(t.description));
            m.insert("description_text".into(), json!(t.description_text));
        }
        if v.requester {
            m.insert("requester".into(), self.user_summary(t.requester_id));
        }
        if v.company {
            let company = t
                .company_id
                .and_then(|id| self.companies.get(&id))
                .map_or(Value::Null, |c| json!({"id": c.id, "name": c.name}));
            m.insert("company".into(), company);
        }
        if v.stats {
            let s = &t.stats;
            m.insert(
                "stats".into(),
                json!({
                    "agent_responded_at": ots(s.agent_responded_at),
                    "requester_responded_at": ots(s.requester_responded_at),
                    "first_responded_at": ots(s.first_responded_at),
                    "status_updated_at": ots(s.status_updated_at),
                    "reopened_at": ots(s.reopened_at),
                    "resolved_at": ots(s.resolved_at),
                    "closed_at": ots(s.closed_at),
                    "pending_since": ots(s.pending_since),
                }),
            );
        }
        if v.conversations {
            let convs: Vec<Value> = self
                .conversations_of(t.id)
                .into_iter()
                .take(10)
                .map(conversation_json)
                .collect();
            m.insert("conversations".into(), Value::Array(convs));
        }
        o
    }

    /// A ticket's conversations, oldest first.
    pub(super) fn conversations_of(&self, ticket_id: i64) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| c.ticket_id == ticket_id)
            .collect();
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        list
    }

    pub(super) fn agent_json(&self, a: &Agent) -> Value {
        let group_ids: Vec<i64> = self
            .groups
            .values()
            .filter(|g| g.agent_ids.contains(&a.id))
            .map(|g| g.id)
            .collect();
        json!({
            "id": a.id,
            "available": a.available,
            "available_since": null,
            "occasional": a.occasional,
            "signature": a.signature,
            "ticket_scope": 1,
            "group_ids": group_ids,
            "role_ids": [USER_BASE + 900_001],
            "skill_ids": [],
            "agent_type": 1,
            "type": "support_agent",
            "last_active_at": ts(a.updated_at),
            "created_at": ts(a.created_at),
            "updated_at": ts(a.updated_at),
            "contact": {
                "active": true,
                "email": a.email,
                "job_title": a.job_title,
                "language": "en",
                "last_login_at": ts(a.updated_at),
                "mobile": null,
                "name": a.name,
                "phone": a.phone,
                "time_zone": "Eastern Time (US & Canada)",
                "created_at": ts(a.created_at),
                "updated_at": ts(a.updated_at),
            },
        })
    }
}

pub(super) fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.id,
        "body": c.body,
        "body_text": c.body_text,
        "incoming": c.incoming,
        "private": c.private,
        "user_id": c.user_id,
        "support_email": c.support_email,
        "source": c.source,
        "category": c.category,
        "ticket_id": c.ticket_id,
        "to_emails": c.to_emails,
        "from_email": c.from_email,
        "cc_emails": c.cc_emails,
        "bcc_emails": c.bcc_emails,
        "attachments": [],
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "last_edited_at": ots(c.last_edited_at),
        "last_edited_user_id": c.last_edited_user_id,
    })
}

pub(super) fn group_json(g: &Group) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "escalate_to": null,
        "unassigned_for": null,
        "business_hour_id": null,
        "group_type": "support_agent_group",
        "agent_ids": g.agent_ids,
        "auto_ticket_assign": false,
        "created_at": ts(g.created_at),
        "updated_at": ts(g.updated_at),
    })
}

pub(super) fn company_json(c: &Company) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "domains": c.domains,
        "note": c.note,
        "health_score": c.health_score,
        "account_tier": c.account_tier,
        "renewal_date": ots(c.renewal_date),
        "industry": c.industry,
        "custom_fields": {},
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
    })
}

pub(super) fn contact_json(c: &Contact) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "other_emails": c.other_emails,
        "phone": c.phone,
        "mobile": c.mobile,
        "twitter_id": c.twitter_id,
        "facebook_id": c.facebook_id,
        "unique_external_id": c.unique_external_id,
        "company_id": c.company_id,
        "view_all_tickets": c.view_all_tickets,
        "active": c.active,
        "address": c.address,
        "description": c.description,
        "job_title": c.job_title,
        "language": c.language,
        "time_zone": c.time_zone,
        "tags": c.tags,
        "custom_fields": {},
        "avatar": null,
        "deleted": c.deleted,
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
    })
}
