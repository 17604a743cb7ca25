//! Freshdesk's endpoints, one typed function per endpoint, grouped by resource.
//!
//! Owns: endpoint paths, query keys, upstream field names, the pagination of lists, the
//! search-query language (search.rs) and the `what` each endpoint names in its errors. Every
//! function is a method on [`FreshdeskClient`] built on its transport (`get`, `list`, `post`,
//! `put`, `delete`). Must not: resolve names, check policy, render output or know about MCP;
//! objects come back as Freshdesk sends them (`Value`), since the tools pass them through.

pub mod companies;
pub mod contacts;
pub mod conversations;
pub mod reference;
pub mod search;
pub mod tickets;

use serde::Serialize;
use serde_json::Value;

use super::client::FreshdeskClient;
use crate::error::Result;

pub use contacts::ContactQuery;
pub use search::{ContactCriteria, CustomCondition, Quoted, TicketCriteria};
pub use tickets::{ListTicketsQuery, TicketInclude};

/// One page of a list (or the last of several read in a row), and whether another follows.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Value>,
    /// The page number (the last one read).
    pub page: u32,
    pub per_page: u32,
    pub has_more: bool,
}

/// One page of a search: how many match in all, and this page's results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub total: i64,
    pub results: Vec<Value>,
}

/// An enumeration's name on the wire (its serde name), for a query string.
fn wire_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl FreshdeskClient {
    /// One page of a list endpoint: `page` and `per_page`, then `extra` query keys.
    async fn page(
        &self,
        path: &str,
        (page, per_page): (u32, u32),
        extra: Vec<(&str, String)>,
        what: &str,
    ) -> Result<Page> {
        let mut q = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        q.extend(extra);
        let got = self.list(path, &q, what).await?;
        Ok(Page {
            items: got.items,
            page,
            per_page,
            has_more: got.has_more,
        })
    }

    /// `GET /search/{entity}?query="..."`: `{total, results}`.
    async fn search(&self, entity: &str, query: &str, page: u32) -> Result<SearchPage> {
        let q = [
            ("query", format!("\"{query}\"")),
            ("page", page.to_string()),
        ];
        let what = format!("the {entity} search");
        let v = self.get(&format!("search/{entity}"), &q, &what).await?;
        let total = v.get("total").and_then(Value::as_i64).unwrap_or(0);
        let results = v
            .get("results")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(SearchPage { total, results })
    }
}

/// Whether an object was created at or after `since` (less a few seconds of clock skew).
fn created_since(v: &Value, since: chrono::DateTime<chrono::Utc>) -> bool {
    v.get("created_at")
        .and_then(Value::as_str)
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .is_some_and(|d| d >= since - chrono::Duration::seconds(5))
}
