//! Contacts (customers): list, get, search, create, update, and the lookup by e-mail an
//! ambiguous create needs.
//!
//! Must not: resolve names or build tool output.

use serde_json::Value;

use super::super::client::FreshdeskClient;
use super::super::models::{ContactBody, ContactState};
use super::{Page, SearchPage, wire_name};
use crate::error::Result;

/// `GET /contacts`: the filters.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<i64>,
    pub state: Option<ContactState>,
}

fn what(id: i64) -> String {
    format!("contact {id}")
}

fn path(id: i64) -> String {
    format!("contacts/{id}")
}

impl FreshdeskClient {
    /// `GET /contacts`: one page.
    pub async fn list_contacts(&self, q: &ContactQuery, page: (u32, u32)) -> Result<Page> {
        let filters = [
            ("email", q.email.clone()),
            ("phone", q.phone.clone()),
            ("company_id", q.company.map(|c| c.to_string())),
            ("state", q.state.as_ref().map(wire_name)),
        ];
        let extra = filters
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        self.page("contacts", page, extra, "the contact list").await
    }

    /// `GET /contacts/{id}`.
    pub async fn get_contact(&self, id: i64) -> Result<Value> {
        self.get(&path(id), &[], &what(id)).await
    }

    /// `GET /search/contacts`: a query built by `search::contact_query`.
    pub async fn search_contacts(&self, query: &str, page: u32) -> Result<SearchPage> {
        self.search("contacts", query, page).await
    }

    /// `POST /contacts`.
    pub async fn create_contact(&self, c: &ContactBody) -> Result<(Value, u16)> {
        self.post("contacts", c, "the new contact").await
    }

    /// `PUT /contacts/{id}`.
    pub async fn update_contact(&self, id: i64, c: &ContactBody) -> Result<(Value, u16)> {
        self.put(&path(id), Some(c), &what(id)).await
    }

    /// The contacts with this e-mail (at most one in an account).
    pub async fn contacts_with_email(&self, email: &str) -> Result<Vec<Value>> {
        let q = [("email", email.to_string())];
        Ok(self.list("contacts", &q, "the contacts").await?.items)
    }
}
