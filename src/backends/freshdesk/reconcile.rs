//! Create once, for Freshdesk: a create whose answer is lost (Freshdesk failed with a 5xx, or
//! the connection broke) is never sent again; the object it may have made is looked up
//! instead, through [`crate::backends::reconcile`]. Exactly one match is taken as the created
//! object; none, several, or a failed lookup leave the outcome unknown and say how to check.
//!
//! Owns: how tickets, replies and notes, contacts and companies are looked up after a lost
//! answer, and the wording that says where to check. Must not: retry a create, or decide
//! policy.

use std::future::Future;

use serde_json::Value;

use super::client::FreshdeskClient;
use super::models::{CompanyBody, ContactBody, NewTicket, Note, Reply};
use crate::backends::reconcile::{self, Wording, create_once, create_once_with};
use crate::error::Result;

const CHECK_TICKETS: &str = "check with freshdesk_search_tickets or freshdesk_list_tickets \
    (order_by updated_at) before creating it again.";
const CHECK_CONTACTS: &str = "check with freshdesk_list_contacts (email) before creating it again.";
const CHECK_COMPANIES: &str = "check with freshdesk_list_companies before creating it again.";

/// What a create made (or what reconciliation found): the object as Freshdesk sent it.
pub type Created = reconcile::Created<Value>;

/// Freshdesk's notes give the id only: "reconciled: #12 was found".
fn wording(one: &str, many: &str, check: impl Into<String>) -> Wording {
    Wording::new(one, many, check).without_kind_in_note()
}

/// A create's answer as [`create_once`] takes it: the object, its raw JSON, the status.
async fn sent(create: impl Future<Output = Result<(Value, u16)>>) -> Result<(Value, Value, u16)> {
    let (value, status) = create.await?;
    Ok((value.clone(), value, status))
}

/// The one object of `found`, or the outcome is unknown (nothing, or several, was found).
fn only(found: &[Value], first: &crate::error::Error, wording: &Wording) -> Result<(Value, Value)> {
    match found {
        [one] => Ok((one.clone(), one.clone())),
        _ => Err(wording.unknown(first, "")),
    }
}

impl FreshdeskClient {
    /// `POST /tickets`, once: a lost answer is reconciled by subject and requester.
    pub async fn create_ticket_once(&self, t: &NewTicket) -> Result<Created> {
        let started = chrono::Utc::now();
        let email = t.requester_email.as_deref();
        let find = || self.find_created_tickets(&t.subject, email, started);
        let wording = wording("ticket", "tickets", CHECK_TICKETS);
        create_once(sent(self.create_ticket(t)), &wording, find).await
    }

    /// `POST /tickets/{id}/reply`, once.
    pub async fn reply_once(&self, ticket: i64, r: &Reply) -> Result<Created> {
        let started = chrono::Utc::now();
        let created = self.reply(ticket, r);
        self.conversation_once(ticket, &r.body, started, created)
            .await
    }

    /// `POST /tickets/{id}/notes`, once.
    pub async fn add_note_once(&self, ticket: i64, n: &Note) -> Result<Created> {
        let started = chrono::Utc::now();
        let created = self.add_note(ticket, n);
        self.conversation_once(ticket, &n.body, started, created)
            .await
    }

    /// A reply or note, once: a lost answer is reconciled by the ticket's newest
    /// conversations with this body.
    async fn conversation_once(
        &self,
        ticket: i64,
        body: &str,
        started: chrono::DateTime<chrono::Utc>,
        create: impl Future<Output = Result<(Value, u16)>>,
    ) -> Result<Created> {
        let check = format!(
            "check with freshdesk_list_conversations (ticket {ticket}) before sending it again."
        );
        let wording = wording("conversation", "conversations", check);
        let find = || self.find_created_conversations(ticket, body, started);
        create_once(sent(create), &wording, find).await
    }

    /// `POST /contacts`, once: a lost answer is reconciled by the e-mail, if one was given.
    pub async fn create_contact_once(&self, c: &ContactBody) -> Result<Created> {
        let wording = &wording("contact", "contacts", CHECK_CONTACTS);
        create_once_with(sent(self.create_contact(c)), wording, |e| async move {
            let Some(email) = &c.email else { return Err(e) };
            only(&self.contacts_with_email(email).await?, &e, wording)
        })
        .await
    }

    /// `POST /companies`, once: a lost answer is reconciled by the (unique) name.
    pub async fn create_company_once(&self, c: &CompanyBody) -> Result<Created> {
        let wording = &wording("company", "companies", CHECK_COMPANIES);
        create_once_with(sent(self.create_company(c)), wording, |e| async move {
            let all = self.all_companies().await?;
            let named = |v: &&Value| v.get("name").and_then(Value::as_str) == c.name.as_deref();
            let found: Vec<Value> = all.iter().filter(named).cloned().collect();
            only(&found, &e, wording)
        })
        .await
    }
}
