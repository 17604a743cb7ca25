//! What the policy layer sees of a Freshdesk tool call: each tool's arguments as canonical
//! values (`PolicyView`): names for enumerations, references as given. The before images of
//! tickets and notes are in `models` (re-exported here).
//!
//! Must not: resolve names against Freshdesk (the write tools put resolved ids in afterwards)
//! or call Freshdesk.

use serde_json::{Map, Value, json};

use super::super::models::{PRIORITIES, STATUSES, norm};
pub use super::super::models::{note_view, reply_view, ticket_view};
use super::params::*;
use crate::error::Result;
use crate::mcp::params::{IdOrName, args_of};
use crate::policy::catalog::PolicyView;

fn named_view(v: &IdOrName) -> Value {
    match v {
        IdOrName::Id(n) => json!(n),
        IdOrName::Name(s) => json!(s),
    }
}

fn enum_view(v: &IdOrName, table: &[(i64, &str)]) -> Value {
    match v {
        IdOrName::Id(n) => table
            .iter()
            .find(|(i, _)| i == n)
            .map(|(_, s)| json!(s))
            .unwrap_or(json!(n)),
        IdOrName::Name(s) => {
            let n = norm(s);
            table
                .iter()
                .find(|(i, name)| *name == n || n == i.to_string())
                .map(|(_, s)| json!(s))
                .unwrap_or(json!(n))
        }
    }
}

/// Puts each value that is given under its name.
fn put_all(m: &mut Map<String, Value>, values: Vec<(&str, Option<Value>)>) {
    for (k, v) in values {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    }
}

/// The values that are given, under their names.
fn given(values: Vec<(&str, Option<Value>)>) -> Map<String, Value> {
    let mut m = Map::new();
    put_all(&mut m, values);
    m
}

fn text(v: &Option<String>) -> Option<Value> {
    v.clone().map(Value::from)
}

/// What ticket create and update share: status and priority by name, agent and group as
/// given, and whether the write leaves the ticket resolved or closed (`closes`).
fn ticket_args(
    mut m: Map<String, Value>,
    status: Option<Value>,
    priority: Option<Value>,
    assigned_to: &Option<IdOrName>,
    group: &Option<IdOrName>,
) -> Value {
    put_all(
        &mut m,
        vec![
            ("status", status),
            ("priority", priority),
            ("assigned_to", assigned_to.as_ref().map(named_view)),
            ("group", group.as_ref().map(named_view)),
        ],
    );
    let closes = m
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s == "resolved" || s == "closed");
    m.insert("closes".into(), json!(closes));
    Value::Object(m)
}

impl PolicyView for CreateTicketParams {
    fn view(&self) -> Result<Value> {
        let m = given(vec![
            ("subject", Some(json!(self.subject))),
            ("description", Some(json!(self.description))),
            ("requester_email", text(&self.requester_email)),
            ("company", self.company.as_ref().map(named_view)),
        ]);
        let status = self.status.as_ref().map(|v| enum_view(v, STATUSES));
        let priority = self.priority.as_ref().map(|v| enum_view(v, PRIORITIES));
        Ok(ticket_args(
            m,
            Some(status.unwrap_or(json!("open"))),
            Some(priority.unwrap_or(json!("low"))),
            &self.assigned_to,
            &self.group,
        ))
    }
}

impl PolicyView for UpdateTicketParams {
    fn view(&self) -> Result<Value> {
        let m = given(vec![
            ("ticket_id", Some(json!(self.ticket_id))),
            ("subject", text(&self.subject)),
            ("description", text(&self.description)),
            ("unassign", self.unassign.then_some(json!(true))),
        ]);
        let status = self.status.as_ref().map(|v| enum_view(v, STATUSES));
        let priority = self.priority.as_ref().map(|v| enum_view(v, PRIORITIES));
        Ok(ticket_args(
            m,
            status,
            priority,
            &self.assigned_to,
            &self.group,
        ))
    }
}

impl PolicyView for TicketIdWrite {
    fn view(&self) -> Result<Value> {
        Ok(json!({"ticket_id": self.ticket_id}))
    }
}

impl PolicyView for ReplyParams {
    fn view(&self) -> Result<Value> {
        // A reply is e-mailed to the requester (the before image says who that is).
        Ok(json!({
            "ticket_id": self.ticket_id,
            "body": self.body,
            "customer_visible": true,
            "recipients": {
                "cc": self.cc_emails.clone().unwrap_or_default(),
                "bcc": self.bcc_emails.clone().unwrap_or_default(),
            },
        }))
    }
}

impl PolicyView for NoteParams {
    fn view(&self) -> Result<Value> {
        // A public note is shown to the customer; notify_emails e-mails the note to whoever
        // they name, customers included.
        let notify = self.notify_emails.clone().unwrap_or_default();
        Ok(json!({
            "ticket_id": self.ticket_id,
            "body": self.body,
            "private": self.private,
            "customer_visible": !self.private || !notify.is_empty(),
            "recipients": {"to": notify},
        }))
    }
}

impl PolicyView for UpdateNoteParams {
    fn view(&self) -> Result<Value> {
        Ok(json!({
            "ticket_id": self.ticket_id,
            "conversation_id": self.conversation_id,
            "body": self.body,
        }))
    }
}

impl PolicyView for ContactParams {
    fn view(&self) -> Result<Value> {
        let m = given(vec![
            ("name", text(&self.name)),
            ("email", text(&self.email)),
            ("company", self.company.as_ref().map(named_view)),
        ]);
        Ok(Value::Object(m))
    }
}

impl PolicyView for CompanyParams {
    fn view(&self) -> Result<Value> {
        let m = given(vec![
            ("name", text(&self.name)),
            ("description", text(&self.description)),
            ("note", text(&self.note)),
        ]);
        Ok(Value::Object(m))
    }
}

macro_rules! plain_view {
    ($($t:ty),*) => {$(
        impl PolicyView for $t {
            fn view(&self) -> Result<Value> {
                Ok(args_of(self))
            }
        }
    )*};
}
plain_view!(
    ListTicketsParams,
    SearchTicketsParams,
    GetTicketParams,
    ListConversationsParams,
    ListParams,
    ListContactsParams,
    SearchContactsParams,
    IdParams,
    RefsParams
);
