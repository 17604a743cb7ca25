//! Create once: a create whose answer is lost (Freshdesk failed with a 5xx, or the connection
//! broke) is never sent again; the object it may have made is looked up instead. Exactly one
//! match is taken as the created object; none, several, or a failed lookup leave the outcome
//! unknown and say how to check.
//!
//! Owns: that rule, for tickets, replies and notes, contacts and companies. Must not: retry a
//! create, or decide policy.

use std::future::Future;

use serde_json::Value;

use super::client::FreshdeskClient;
use super::models::{CompanyBody, ContactBody, NewTicket, Note, Reply};
use crate::error::{Error, ErrorKind, Result};

const CHECK_TICKETS: &str = "freshdesk_search_tickets or freshdesk_list_tickets (order_by \
    updated_at) before creating it again.";
const CHECK_CONTACTS: &str = "freshdesk_list_contacts (email) before creating it again.";
const CHECK_COMPANIES: &str = "freshdesk_list_companies before creating it again.";

/// What a create made (or what reconciliation found).
#[derive(Debug, Clone)]
pub struct Created {
    pub value: Value,
    /// Freshdesk's HTTP status (of the lost answer, when reconciled).
    pub status: Option<u16>,
    /// How an ambiguous answer was reconciled.
    pub note: Option<String>,
}

impl Created {
    /// The created object's id (0 if Freshdesk sent none).
    pub fn id(&self) -> i64 {
        self.value
            .get("id")
            .and_then(Value::as_i64)
            .unwrap_or_default()
    }
}

/// The outcome of an ambiguous create is unknown: why, and where to check.
fn unknown(e: &Error, why: &str, check: &str) -> Error {
    let message = format!(
        "{}. {why}The outcome is unknown: check with {check}",
        e.message
    );
    Error::new(ErrorKind::Ambiguous, message)
}

/// The one object a lookup after an ambiguous create found; `what` names its kind.
fn the_one(found: Result<Vec<Value>>, e: &Error, what: &str, check: &str) -> Result<Value> {
    let why = match found {
        Ok(found) if found.len() == 1 => return Ok(found.into_iter().next().unwrap_or_default()),
        Ok(found) if found.is_empty() => format!("No matching {what} was found. "),
        Ok(_) => format!("Several matching {what}s were found. "),
        Err(x) => format!("Looking for it failed too ({x}). "),
    };
    Err(unknown(e, &why, check))
}

/// Sends a create; on an ambiguous failure, reconciles instead of resending.
async fn create_once<C, R, RF>(create: C, reconcile: R) -> Result<Created>
where
    C: Future<Output = Result<(Value, u16)>>,
    R: FnOnce(Error) -> RF,
    RF: Future<Output = Result<Value>>,
{
    match create.await {
        Ok((value, status)) => Ok(Created {
            value,
            status: Some(status),
            note: None,
        }),
        Err(e) if e.kind == ErrorKind::Ambiguous => {
            let (status, msg) = (e.status, e.message.clone());
            let value = reconcile(e).await?;
            let id = value.get("id").map(|i| format!("#{i}")).unwrap_or_default();
            let note = format!("{msg}; reconciled: {id} was found, it was not sent again");
            Ok(Created {
                value,
                status,
                note: Some(note),
            })
        }
        Err(e) => Err(e),
    }
}

impl FreshdeskClient {
    /// `POST /tickets`, once: a lost answer is reconciled by subject and requester.
    pub async fn create_ticket_once(&self, t: &NewTicket) -> Result<Created> {
        let started = chrono::Utc::now();
        create_once(self.create_ticket(t), |e| async move {
            let email = t.requester_email.as_deref();
            let found = self.find_created_tickets(&t.subject, email, started).await;
            the_one(found, &e, "ticket", CHECK_TICKETS)
        })
        .await
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
        create_once(create, |e| async move {
            let found = self.find_created_conversations(ticket, body, started).await;
            let check =
                format!("freshdesk_list_conversations (ticket {ticket}) before sending it again.");
            the_one(found, &e, "conversation", &check)
        })
        .await
    }

    /// `POST /contacts`, once: a lost answer is reconciled by the e-mail, if one was given.
    pub async fn create_contact_once(&self, c: &ContactBody) -> Result<Created> {
        create_once(self.create_contact(c), |e| async move {
            let Some(email) = &c.email else { return Err(e) };
            match self.contacts_with_email(email).await?.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(unknown(&e, "", CHECK_CONTACTS)),
            }
        })
        .await
    }

    /// `POST /companies`, once: a lost answer is reconciled by the (unique) name.
    pub async fn create_company_once(&self, c: &CompanyBody) -> Result<Created> {
        create_once(self.create_company(c), |e| async move {
            let all = self.all_companies().await?;
            let named = |v: &&Value| v.get("name").and_then(Value::as_str) == c.name.as_deref();
            match all.iter().filter(named).collect::<Vec<_>>().as_slice() {
                [one] => Ok((*one).clone()),
                _ => Err(unknown(&e, "", CHECK_COMPANIES)),
            }
        })
        .await
    }
}
