//! Autotask's endpoints as typed functions on [`AutotaskClient`]: one object by id, a query
//! page (and the next one, POSTed to `nextPageUrl` with the same body), a count, creates,
//! `PATCH` updates (id in the body), deletes, field metadata and the threshold.
//!
//! Owns: endpoint paths (with `entities.rs`), the query body (`MaxRecords`, `IncludeFields`,
//! `filter`, with the conditions of `query.rs`), the envelopes (`item`, `items` +
//! `pageDetails`, `itemId`, `queryCount`, `fields`) and the `what` each names in its errors.
//! Must not: resolve names, check policy, render output or know about MCP.

pub mod entities;
pub mod query;
pub mod tickets;
pub mod time;

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::client::AutotaskClient;
use super::models::{FieldInfo, Fields, QueryPage};
use crate::error::{Error, ErrorKind, Result};
pub use entities::Entity;

/// The most rows one query page holds (Autotask's `MaxRecords` limit).
pub const MAX_RECORDS: u32 = 500;

/// A query: the filter (ANDed), the page size, the fields to return.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Vec<Value>,
    pub max_records: u32,
    pub include_fields: Vec<String>,
}

impl Query {
    /// Every row (Autotask needs a filter: `id >= 0`).
    pub fn all() -> Query {
        Query::of(vec![json!({"op": "gte", "field": "id", "value": 0})])
    }

    pub fn of(filter: Vec<Value>) -> Query {
        Query {
            filter,
            max_records: MAX_RECORDS,
            include_fields: Vec::new(),
        }
    }

    /// Rows whose id is one of `ids` (at most [`MAX_RECORDS`]).
    pub fn ids(ids: &[i64]) -> Query {
        Query::of(vec![json!({"op": "in", "field": "id", "value": ids})])
    }

    pub fn body(&self) -> Value {
        let filter = if self.filter.is_empty() {
            Query::all().filter
        } else {
            self.filter.clone()
        };
        let mut b = json!({
            "MaxRecords": self.max_records.clamp(1, MAX_RECORDS),
            "filter": filter,
        });
        if !self.include_fields.is_empty() {
            let mut f = self.include_fields.clone();
            if !f.iter().any(|x| x.eq_ignore_ascii_case("id")) {
                f.insert(0, "id".into());
            }
            b["IncludeFields"] = json!(f);
        }
        b
    }
}

fn what_one(entity: &Entity, id: i64) -> String {
    format!("{} {id}", entity.one)
}

fn item_id(v: &Value, what: &str) -> Result<i64> {
    v.get("itemId").and_then(Value::as_i64).ok_or_else(|| {
        Error::new(
            ErrorKind::Upstream,
            format!("Autotask answered {what} without an itemId"),
        )
    })
}

impl AutotaskClient {
    /// `GET /E/{id}`: None when Autotask has no such row visible to the API user (it answers
    /// `{"item": null}`, or 404).
    pub async fn get_item(&self, entity: &Entity, id: i64) -> Result<Option<Value>> {
        let path = format!("{}/{id}", entity.path);
        match self
            .call(Method::GET, &path, None, &what_one(entity, id))
            .await
        {
            Ok(v) => Ok(v.get("item").cloned().filter(|i| !i.is_null())),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// [`Self::get_item`], or a not-found error naming the object.
    pub async fn get_existing(&self, entity: &Entity, id: i64) -> Result<Value> {
        self.get_item(entity, id).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "{} {id} was not found in Autotask (or the API user's security level \
                     cannot see it): check the id with autotask_search_{}",
                    entity.one,
                    entity.many.replace(' ', "_")
                ),
            )
        })
    }

    /// `POST /E/query` (or, with `next`, the `nextPageUrl` Autotask gave, with the same body).
    pub async fn query(&self, entity: &Entity, q: &Query, next: Option<&str>) -> Result<QueryPage> {
        let path = match next {
            Some(url) => url.to_string(),
            None => format!("{}/query", entity.path),
        };
        let what = format!("the {} search", entity.one);
        let v = self
            .call(Method::POST, &path, Some(&q.body()), &what)
            .await?;
        let items = v
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("Autotask answered {what} without items"),
                )
            })?;
        let next = v
            .pointer("/pageDetails/nextPageUrl")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Ok(QueryPage { items, next })
    }

    /// Every row of a query, following next pages, up to `max_rows`.
    pub async fn query_all(
        &self,
        entity: &Entity,
        q: &Query,
        max_rows: usize,
    ) -> Result<QueryPage> {
        let mut page = self.query(entity, q, None).await?;
        while page.items.len() < max_rows
            && let Some(next) = page.next.take()
        {
            let more = self.query(entity, q, Some(&next)).await?;
            page.items.extend(more.items);
            page.next = more.next;
        }
        Ok(page)
    }

    /// `POST /E/query/count`.
    pub async fn count(&self, entity: &Entity, q: &Query) -> Result<i64> {
        let what = format!("the {} count", entity.one);
        let path = format!("{}/query/count", entity.path);
        let v = self
            .call(Method::POST, &path, Some(&q.body()), &what)
            .await?;
        v.get("queryCount").and_then(Value::as_i64).ok_or_else(|| {
            Error::new(
                ErrorKind::Upstream,
                format!("Autotask answered {what} without queryCount"),
            )
        })
    }

    /// Creates one: `POST` at its path (under its parent for child entities). Returns the new
    /// id (Autotask answers `{"itemId": N}`; read it back for the object).
    pub async fn create_item(
        &self,
        entity: &Entity,
        parent_id: Option<i64>,
        body: &Map<String, Value>,
    ) -> Result<i64> {
        let path = self.write_path(entity, parent_id)?;
        let what = format!("the new {}", entity.one);
        let v = self
            .call(
                Method::POST,
                &path,
                Some(&Value::Object(body.clone())),
                &what,
            )
            .await?;
        item_id(&v, &what)
    }

    /// Changes the fields in `changes` of one: `PATCH` with the id in the body.
    pub async fn patch_item(
        &self,
        entity: &Entity,
        parent_id: Option<i64>,
        id: i64,
        changes: &Map<String, Value>,
    ) -> Result<i64> {
        let path = self.write_path(entity, parent_id)?;
        let mut body = changes.clone();
        body.insert("id".into(), json!(id));
        let what = what_one(entity, id);
        let v = self
            .call(Method::PATCH, &path, Some(&Value::Object(body)), &what)
            .await?;
        item_id(&v, &what)
    }

    /// `DELETE` one, where Autotask can.
    pub async fn delete_item(
        &self,
        entity: &Entity,
        parent_id: Option<i64>,
        id: i64,
    ) -> Result<()> {
        if !entity.delete {
            return Err(Error::invalid(
                "id",
                format!("Autotask cannot delete {}", entity.many),
            ));
        }
        let path = entity.delete_path(parent_id, id).ok_or_else(|| {
            Error::internal(format!("deleting a {} needs its parent", entity.one))
        })?;
        let what = what_one(entity, id);
        self.call(Method::DELETE, &path, None, &what).await?;
        Ok(())
    }

    fn write_path(&self, entity: &Entity, parent_id: Option<i64>) -> Result<String> {
        entity
            .write_path(parent_id)
            .ok_or_else(|| Error::internal(format!("a {} is written under its parent", entity.one)))
    }

    /// `GET /Tickets/{id}/Notes`: a ticket's notes (every page).
    pub async fn ticket_notes(&self, ticket_id: i64, max_rows: usize) -> Result<QueryPage> {
        let filter = vec![json!({"op": "eq", "field": "ticketID", "value": ticket_id})];
        self.query_all(&entities::TICKET_NOTES, &Query::of(filter), max_rows)
            .await
    }

    /// `GET /E/entityInformation/fields` and `.../userDefinedFields` (uncached: the cache is
    /// in `refs.rs`).
    pub(super) async fn fetch_fields(&self, entity: &Entity) -> Result<Fields> {
        let read = |suffix: &'static str| async move {
            let path = format!("{}/entityInformation/{suffix}", entity.path);
            let what = format!("the {} field information", entity.one);
            let v = self.call(Method::GET, &path, None, &what).await?;
            let fields = v.get("fields").cloned().unwrap_or(Value::Array(vec![]));
            serde_json::from_value::<Vec<FieldInfo>>(fields).map_err(|e| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("Autotask's {what} is not as expected ({e})"),
                )
            })
        };
        let fields = read("fields").await?;
        let has_udfs = matches!(
            entity.path,
            "Tickets"
                | "Companies"
                | "Contacts"
                | "Projects"
                | "ConfigurationItems"
                | "Contracts"
                | "Opportunities"
        );
        let udfs = if has_udfs {
            read("userDefinedFields").await?
        } else {
            Vec::new()
        };
        Ok(Fields { fields, udfs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_bodies() {
        let b = Query::all().body();
        assert_eq!(b["MaxRecords"], 500);
        assert_eq!(b["filter"][0]["op"], "gte");
        let mut q = Query::ids(&[3, 4]);
        q.include_fields = vec!["companyName".into()];
        q.max_records = 900;
        let b = q.body();
        assert_eq!(b["MaxRecords"], 500);
        assert_eq!(b["IncludeFields"], json!(["id", "companyName"]));
        assert_eq!(b["filter"][0]["value"], json!([3, 4]));
    }
}
