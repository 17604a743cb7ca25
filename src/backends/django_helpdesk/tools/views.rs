//! What the policy layer sees of the django-helpdesk tools' arguments and tickets: names for
//! statuses and priorities, ids or names for queues and users.
//!
//! Owns: the `PolicyView` of each parameter struct and [`ticket_view`]. Must not: call the
//! helpdesk.

use serde_json::{Map, Value, json};

use super::super::models::{self, Ticket};
use super::super::resolve::{resolve_priority, resolve_status};
use super::params::{
    AddFollowupParams, ChoicesParams, CreateTicketParams, DeleteTicketParams, ListTicketsParams,
    TicketIdParams, UpdateTicketParams,
};
use crate::error::Result;
use crate::mcp::params::IdOrName;
use crate::policy::catalog::PolicyView;

pub(super) const STATUS_NAMES: &[&str] = &["open", "reopened", "resolved", "closed", "duplicate"];
pub(super) const PRIORITY_NAMES: &[&str] = &["critical", "high", "normal", "low", "very_low"];

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
            let names: Vec<String> = self
                .statuses()?
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
/// `raw` is an audit image read by `get_ticket`, so it is a ticket; anything else has only
/// what every ticket view has (nobody to reach, nothing to lose).
pub fn ticket_view(raw: &Value) -> Value {
    let Some(t) = Ticket::from_raw(raw) else {
        return json!({"unassign": false, "recipients": {"to": []}});
    };
    // Who a public follow-up reaches: the submitter (django-helpdesk e-mails them).
    let to: Vec<&str> = t
        .submitter_email
        .as_deref()
        .filter(|e| !e.is_empty())
        .into_iter()
        .collect();
    json!({
        "title": t.title,
        "description": t.description,
        "submitter_email": t.submitter_email,
        "due_date": t.due_date,
        "assigned_to": t.assigned_to,
        "queue": t.queue,
        "status": models::status_name(t.status),
        "priority": models::priority_name(t.priority),
        "unassign": false,
        "recipients": {"to": to},
        "loses": {"follow_ups": t.followup_set.len()},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_seen_with_names_and_recipients() {
        let raw = json!({
            "id": 5, "queue": 1, "title": "t", "description": null, "submitter_email": "a@b.c",
            "assigned_to": null, "status": 4, "priority": 5, "due_date": null,
            "followup_set": [{"id": 1}],
        });
        let v = ticket_view(&raw);
        assert_eq!(v["status"], "closed");
        assert_eq!(v["priority"], "very_low");
        assert_eq!(v["recipients"], json!({"to": ["a@b.c"]}));
        assert_eq!(v["loses"], json!({"follow_ups": 1}));
        assert_eq!(v["assigned_to"], Value::Null);
    }
}
