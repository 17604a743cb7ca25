//! Tickets: list, get, create, update, delete, restore, and the lookups a write needs (the
//! before image, the recipients, the tickets an ambiguous create may have made).
//!
//! Must not: resolve names or build tool output.

use serde_json::Value;

use super::super::client::FreshdeskClient;
use super::super::models::{ListFilter, NewTicket, OrderBy, OrderType, TicketChanges};
use super::{Page, created_since, wire_name};
use crate::error::Result;

/// `GET /tickets`: what to list and how many pages to read.
#[derive(Debug, Clone)]
pub struct ListTicketsQuery {
    pub filter: Option<ListFilter>,
    pub requester_email: Option<String>,
    pub company: Option<i64>,
    /// `2026-11-01T09:00:00Z`.
    pub updated_since: Option<String>,
    pub order_by: Option<OrderBy>,
    pub order_type: Option<OrderType>,
    pub include_description: bool,
    pub first_page: u32,
    pub per_page: u32,
    /// How many pages to read, following next-page links.
    pub pages: u32,
}

/// What `GET /tickets/{id}` embeds.
#[derive(Debug, Clone, Copy, Default)]
pub struct TicketInclude {
    pub conversations: bool,
    pub requester: bool,
}

fn what(id: i64) -> String {
    format!("ticket {id}")
}

fn path(id: i64) -> String {
    format!("tickets/{id}")
}

impl FreshdeskClient {
    /// `GET /tickets`, page after page while Freshdesk says more follow, up to `q.pages`.
    pub async fn list_tickets(&self, q: &ListTicketsQuery) -> Result<Page> {
        let mut query: Vec<(&str, String)> = vec![("per_page", q.per_page.to_string())];
        let optional = [
            ("filter", q.filter.as_ref().map(wire_name)),
            ("email", q.requester_email.clone()),
            ("company_id", q.company.map(|c| c.to_string())),
            ("updated_since", q.updated_since.clone()),
            ("order_by", q.order_by.as_ref().map(wire_name)),
            ("order_type", q.order_type.as_ref().map(wire_name)),
            (
                "include",
                q.include_description.then(|| "description".to_string()),
            ),
        ];
        query.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        let mut items = Vec::new();
        let mut page = q.first_page;
        loop {
            let mut this = query.clone();
            this.push(("page", page.to_string()));
            let got = self.list("tickets", &this, "the ticket list").await?;
            items.extend(got.items);
            if !got.has_more || page + 1 >= q.first_page + q.pages {
                return Ok(Page {
                    items,
                    page,
                    per_page: q.per_page,
                    has_more: got.has_more,
                });
            }
            page += 1;
        }
    }

    /// `GET /tickets/{id}`, with what `include` embeds.
    pub async fn get_ticket(&self, id: i64, include: TicketInclude) -> Result<Value> {
        let embed: Vec<&str> = [
            ("conversations", include.conversations),
            ("requester", include.requester),
        ]
        .into_iter()
        .filter_map(|(k, on)| on.then_some(k))
        .collect();
        let q: Vec<(&str, String)> = if embed.is_empty() {
            vec![]
        } else {
            vec![("include", embed.join(","))]
        };
        self.get(&path(id), &q, &what(id)).await
    }

    /// A ticket with its requester embedded (`include=requester`: id, name, e-mail, phone),
    /// for writes whose preview names who receives them.
    pub async fn ticket_with_requester(&self, id: i64) -> Result<Value> {
        let include = TicketInclude {
            requester: true,
            ..TicketInclude::default()
        };
        self.get_ticket(id, include).await
    }

    /// A ticket as a before image: its JSON plus `conversation_count`. Freshdesk's
    /// `updated_at` has one-second resolution, so a confirmation also binds the number of
    /// conversations (a reply added within the same second still voids the token), and a
    /// delete preview says how many conversations go with the ticket.
    pub async fn ticket_version(&self, id: i64) -> Result<Value> {
        let mut t = self.get_ticket(id, TicketInclude::default()).await?;
        let n = self.conversations(id).await?.len();
        if let Value::Object(m) = &mut t {
            m.insert("conversation_count".into(), Value::from(n));
        }
        Ok(t)
    }

    /// `POST /tickets`.
    pub async fn create_ticket(&self, t: &NewTicket) -> Result<(Value, u16)> {
        self.post("tickets", t, "the new ticket").await
    }

    /// `PUT /tickets/{id}`.
    pub async fn update_ticket(&self, id: i64, c: &TicketChanges) -> Result<(Value, u16)> {
        self.put(&path(id), Some(c), &what(id)).await
    }

    /// `DELETE /tickets/{id}`: to the trash.
    pub async fn delete_ticket(&self, id: i64) -> Result<u16> {
        self.delete(&path(id), &what(id)).await
    }

    /// `PUT /tickets/{id}/restore`: out of the trash.
    pub async fn restore_ticket(&self, id: i64) -> Result<u16> {
        let restore = format!("tickets/{id}/restore");
        Ok(self.put::<Value>(&restore, None, &what(id)).await?.1)
    }

    /// After an ambiguous ticket create: recent tickets that match subject and requester.
    pub async fn find_created_tickets(
        &self,
        subject: &str,
        requester_email: Option<&str>,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let since_q = (since - chrono::Duration::seconds(60))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let q = [
            ("updated_since", since_q),
            ("order_by", "created_at".into()),
            ("order_type", "desc".into()),
            ("per_page", "100".into()),
            ("include", "requester".into()),
        ];
        let page = self.list("tickets", &q, "the newest tickets").await?;
        let requested_by = |t: &Value| {
            requester_email.is_none_or(|e| {
                t["requester"]["email"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            })
        };
        Ok(page
            .items
            .into_iter()
            .filter(|t| t.get("subject").and_then(Value::as_str) == Some(subject))
            .filter(requested_by)
            .filter(|t| created_since(t, since))
            .collect())
    }
}
