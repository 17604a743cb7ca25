//! Companies: list, get, create, update.
//!
//! Must not: resolve names or build tool output.

use serde_json::Value;

use super::super::client::FreshdeskClient;
use super::super::models::CompanyBody;
use super::Page;
use crate::error::Result;

fn what(id: i64) -> String {
    format!("company {id}")
}

fn path(id: i64) -> String {
    format!("companies/{id}")
}

impl FreshdeskClient {
    /// `GET /companies`: one page.
    pub async fn list_companies(&self, page: (u32, u32)) -> Result<Page> {
        self.page("companies", page, vec![], "the companies").await
    }

    /// Every company (up to 10 pages of 100).
    pub async fn all_companies(&self) -> Result<Vec<Value>> {
        self.list_all("companies", 10, "the companies").await
    }

    /// `GET /companies/{id}`.
    pub async fn get_company(&self, id: i64) -> Result<Value> {
        self.get(&path(id), &[], &what(id)).await
    }

    /// `POST /companies`.
    pub async fn create_company(&self, c: &CompanyBody) -> Result<(Value, u16)> {
        self.post("companies", c, "the new company").await
    }

    /// `PUT /companies/{id}`.
    pub async fn update_company(&self, id: i64, c: &CompanyBody) -> Result<(Value, u16)> {
        self.put(&path(id), Some(c), &what(id)).await
    }
}
