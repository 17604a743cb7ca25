//! Agents, groups and ticket fields, and the account's reference data built from them
//! (cached by the client for `REFS_TTL`).
//!
//! Must not: resolve names (resolve.rs does) or build tool output.

use serde_json::Value;

use super::super::client::FreshdeskClient;
use super::super::models::{Named, Refs};
use super::Page;
use crate::error::Result;

/// An id and the name (and e-mail) found at these paths of an object.
fn named(v: &Value, name_path: &str, email_path: Option<&str>) -> Option<Named> {
    let id = v.get("id")?.as_i64()?;
    let name = v.pointer(name_path)?.as_str()?.to_string();
    let email = email_path
        .and_then(|p| v.pointer(p))
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(Named { id, name, email })
}

impl FreshdeskClient {
    /// `GET /agents`: one page.
    pub async fn list_agents(&self, page: (u32, u32)) -> Result<Page> {
        self.page("agents", page, vec![], "the agents").await
    }

    /// `GET /agents/{id}`.
    pub async fn get_agent(&self, id: i64) -> Result<Value> {
        self.get(&format!("agents/{id}"), &[], &format!("agent {id}"))
            .await
    }

    /// `GET /agents/me`: the API key's owner.
    pub async fn current_agent(&self) -> Result<Value> {
        self.get("agents/me", &[], "agent me").await
    }

    /// `GET /groups`: one page.
    pub async fn list_groups(&self, page: (u32, u32)) -> Result<Page> {
        self.page("groups", page, vec![], "the groups").await
    }

    /// `GET /ticket_fields`: every field (Freshdesk does not page them).
    pub async fn ticket_fields(&self) -> Result<Vec<Value>> {
        let v = self.get("ticket_fields", &[], "the ticket fields").await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// Reads agents, groups, companies and ticket fields into [`Refs`].
    pub(in super::super) async fn fetch_refs(&self) -> Result<Refs> {
        let agents = self.list_all("agents", 10, "the agents").await?;
        let groups = self.list_all("groups", 10, "the groups").await?;
        let companies = self.all_companies().await?;
        let fields = self.ticket_fields().await?;
        let names = |list: &[Value]| -> Vec<Named> {
            list.iter()
                .filter_map(|v| named(v, "/name", None))
                .collect()
        };
        let mut refs = Refs {
            agents: agents
                .iter()
                .filter_map(|a| named(a, "/contact/name", Some("/contact/email")))
                .collect(),
            groups: names(&groups),
            companies: names(&companies),
            ..Refs::default()
        };
        refs.absorb_ticket_fields(&fields);
        Ok(refs)
    }
}
