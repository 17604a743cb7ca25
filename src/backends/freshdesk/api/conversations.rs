//! Conversations (replies and notes): list, reply, add a note, change a note, and the
//! lookups a write needs.
//!
//! Must not: resolve names or build tool output.

use serde_json::Value;

use super::super::client::FreshdeskClient;
use super::super::models::{Note, NoteChange, Reply};
use super::{Page, created_since};
use crate::error::{Error, ErrorKind, Result};

const NO_SUCH_CONVERSATION: &str =
    "check conversation_id and ticket_id with freshdesk_list_conversations";

fn path(ticket: i64) -> String {
    format!("tickets/{ticket}/conversations")
}

impl FreshdeskClient {
    /// `GET /tickets/{id}/conversations`: one page, oldest first.
    pub async fn list_conversations(&self, ticket: i64, page: (u32, u32)) -> Result<Page> {
        let what = format!("ticket {ticket}'s conversations");
        self.page(&path(ticket), page, vec![], &what).await
    }

    /// All conversations of a ticket (up to 10 pages of 100).
    pub async fn conversations(&self, ticket: i64) -> Result<Vec<Value>> {
        let what = format!("the conversations of ticket {ticket}");
        self.list_all(&path(ticket), 10, &what).await
    }

    /// One conversation. Freshdesk has no endpoint for a single conversation, so the
    /// ticket's conversations are read and searched.
    pub async fn conversation(&self, ticket: i64, id: i64) -> Result<Value> {
        self.conversations(ticket)
            .await?
            .into_iter()
            .find(|c| c.get("id").and_then(Value::as_i64) == Some(id))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("ticket {ticket} has no conversation {id}: {NO_SUCH_CONVERSATION}"),
                )
            })
    }

    /// `POST /tickets/{id}/reply`: e-mailed to the requester.
    pub async fn reply(&self, ticket: i64, r: &Reply) -> Result<(Value, u16)> {
        let what = format!("ticket {ticket}");
        self.post(&format!("tickets/{ticket}/reply"), r, &what)
            .await
    }

    /// `POST /tickets/{id}/notes`.
    pub async fn add_note(&self, ticket: i64, n: &Note) -> Result<(Value, u16)> {
        let what = format!("ticket {ticket}");
        self.post(&format!("tickets/{ticket}/notes"), n, &what)
            .await
    }

    /// `PUT /conversations/{id}`: a note's new body.
    pub async fn update_conversation(&self, id: i64, c: &NoteChange) -> Result<(Value, u16)> {
        let what = format!("note {id}");
        self.put(&format!("conversations/{id}"), Some(c), &what)
            .await
    }

    /// After an ambiguous reply or note: conversations of the ticket with this body.
    pub async fn find_created_conversations(
        &self,
        ticket: i64,
        body: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let all = self
            .list_all(&path(ticket), 20, "the conversations")
            .await?;
        let text = |c: &Value, k: &str| c.get(k).and_then(Value::as_str) == Some(body);
        Ok(all
            .into_iter()
            .filter(|c| text(c, "body") || text(c, "body_text"))
            .filter(|c| created_since(c, since))
            .collect())
    }
}
