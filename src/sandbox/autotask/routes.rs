//! Routing under `/ATServicesRest/V1.0/` (case-insensitive): the method matrix of every entity,
//! the child URLs (`/Tickets/{parentId}/Notes`, `/Companies/{parentId}/Contacts`,
//! `/Projects/{parentId}/Tasks`, `/Resources/{id}/ServiceDeskRoles`), queries with their
//! `query/next` pages, counts and `entityInformation`; 405 for a verb a known path lacks, 404
//! for any other path.
//!
//! Owns: [`Req`] (what a route reads of a request) and the envelopes (`item`, `items` with
//! `pageDetails`, `itemId`, `queryCount`). Must not: check auth or limits (`service` does).

use serde_json::{Value, json};

use super::errors::ApiError;
use super::query::{Cursor, Page, Search, count, page};
use super::schema::{Entity, entity};
use super::store::{Actor, Store, int};
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;

/// The parts of a request the routes need.
pub(super) struct Req<'a> {
    pub(super) method: &'a str,
    /// As sent (for 404 messages).
    pub(super) path: &'a str,
    pub(super) query: &'a Query,
    pub(super) body: &'a [u8],
    /// `http://127.0.0.1:PORT/ATServicesRest/V1.0/`.
    pub(super) base: &'a str,
    pub(super) actor: Actor,
}

impl Req<'_> {
    fn json(&self) -> Result<Value, ApiError> {
        serde_json::from_slice(self.body)
            .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}")))
    }

    /// The `search` parameter of a GET query.
    fn search_param(&self) -> Result<(String, Value), ApiError> {
        let raw = self
            .query
            .get("search")
            .ok_or_else(|| ApiError::invalid("The search parameter is required."))?;
        let v = serde_json::from_str(raw)
            .map_err(|e| ApiError::invalid(format!("The search is not valid JSON: {e}")))?;
        Ok((raw.to_string(), v))
    }
}

/// Children served under a parent: (parent path, child path, child entity, parent field).
const CHILDREN: &[(&str, &str, &str, &str)] = &[
    ("tickets", "notes", "TicketNotes", "ticketID"),
    ("companies", "contacts", "Contacts", "companyID"),
    ("projects", "tasks", "Tasks", "projectID"),
];

/// Entities created and updated only through their parent's URL.
fn child_only(def: &Entity) -> bool {
    CHILDREN.iter().any(|c| c.2 == def.name)
}

fn parse_id(s: &str) -> Option<i64> {
    s.parse().ok()
}

fn item_id(id: i64) -> Reply {
    Reply::ok(json!({ "itemId": id }))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Store {
    /// Answers a request under `/ATServicesRest/V1.0/` whose credentials were checked.
    pub(super) fn route(&mut self, segs: &[&str], req: &Req<'_>) -> Result<Reply, ApiError> {
        let not_found = || ApiError::not_found(req.path);
        let m = req.method;
        let first = segs.first().copied().unwrap_or("");
        let def = entity(first).ok_or_else(not_found)?;
        let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        let top_write = !child_only(def);
        match (&l[1..], m) {
            ([], "POST") if def.can_create && top_write => {
                let id = self.create(def, &req.json()?, None, &req.actor)?;
                Ok(item_id(id))
            }
            ([], "PATCH" | "PUT") if def.can_update && top_write => {
                let id = self.update(def, &req.json()?, m == "PUT", None, &req.actor)?;
                Ok(item_id(id))
            }
            (["query"], "GET") => {
                let (raw, v) = req.search_param()?;
                self.query(def, req, &v, None, Some(&raw))
            }
            (["query"], "POST") => self.query(def, req, &req.json()?, None, None),
            (["query", "count"], "GET") => self.count_reply(def, &req.search_param()?.1),
            (["query", "count"], "POST") => self.count_reply(def, &req.json()?),
            (["query", "next"], "GET") if req.query.get("search").is_some() => {
                let (raw, v) = req.search_param()?;
                self.query(def, req, &v, Some(cursor(req)?), Some(&raw))
            }
            (["query", "next"], "POST") => {
                let body = match req.query.get("search") {
                    Some(_) if req.body.is_empty() => req.search_param()?.1,
                    _ => req.json()?,
                };
                self.query(def, req, &body, Some(cursor(req)?), None)
            }
            (["entityinformation"], "GET") => Ok(Reply::ok(def.info())),
            (["entityinformation", "fields"], "GET") => Ok(Reply::ok(def.fields_json())),
            (["entityinformation", "userdefinedfields"], "GET") => Ok(Reply::ok(def.udfs_json())),
            ([] | ["query" | "entityinformation"], _)
            | (["query", "count" | "next"] | ["entityinformation", _], _) => {
                Err(ApiError::not_allowed(m))
            }
            ([id], "GET") => {
                let id = parse_id(id).ok_or_else(not_found)?;
                let item = self.get(def.name, id).cloned().map(Value::Object);
                Ok(Reply::ok(json!({ "item": item })))
            }
            ([id], "DELETE") if def.name == "TimeEntries" => {
                let id = parse_id(id).ok_or_else(not_found)?;
                Ok(item_id(self.delete(def, id, None)?))
            }
            ([id], _) if parse_id(id).is_some() => Err(ApiError::not_allowed(m)),
            ([pid, "servicedeskroles"], "GET") if def.name == "Resources" => {
                let pid = parse_id(pid).ok_or_else(not_found)?;
                let rows = self.children("ResourceServiceDeskRoles", "resourceID", pid);
                Ok(list(rows))
            }
            ([pid, child, rest @ ..], _) => {
                let pid = parse_id(pid).ok_or_else(not_found)?;
                let &(_, _, name, field) = CHILDREN
                    .iter()
                    .find(|c| c.0 == l[0] && c.1 == *child)
                    .ok_or_else(not_found)?;
                let def = entity(name).ok_or_else(not_found)?;
                self.child(def, field, pid, rest, req)
            }
            _ => Err(not_found()),
        }
    }

    fn child(
        &mut self,
        def: &'static Entity,
        field: &str,
        pid: i64,
        rest: &[&str],
        req: &Req<'_>,
    ) -> Result<Reply, ApiError> {
        let m = req.method;
        let parent = Some((field, pid));
        match (rest, m) {
            ([], "GET") => Ok(list(self.children(def.name, field, pid))),
            ([], "POST") => Ok(item_id(self.create(
                def,
                &req.json()?,
                parent,
                &req.actor,
            )?)),
            ([], "PATCH" | "PUT") => {
                let id = self.update(def, &req.json()?, m == "PUT", parent, &req.actor)?;
                Ok(item_id(id))
            }
            ([], _) => Err(ApiError::not_allowed(m)),
            ([id], _) if parse_id(id).is_some() => {
                let id = parse_id(id).unwrap_or(0);
                match m {
                    "GET" => {
                        let item = self
                            .get(def.name, id)
                            .filter(|r| int(r, field) == Some(pid))
                            .cloned()
                            .map(Value::Object);
                        Ok(Reply::ok(json!({ "item": item })))
                    }
                    "DELETE" if def.can_delete => Ok(item_id(self.delete(def, id, parent)?)),
                    _ => Err(ApiError::not_allowed(m)),
                }
            }
            _ => Err(ApiError::not_found(req.path)),
        }
    }

    fn children(&self, entity: &str, field: &str, pid: i64) -> Vec<Value> {
        self.table(entity)
            .values()
            .filter(|r| int(r, field) == Some(pid))
            .map(|r| Value::Object(r.clone()))
            .collect()
    }

    fn count_reply(&self, def: &'static Entity, body: &Value) -> Result<Reply, ApiError> {
        let s = Search::parse(def, body)?;
        Ok(Reply::ok(json!({ "queryCount": count(self, def, &s) })))
    }

    /// A query page; `search` is the raw `search` of a GET-started query, which its page URLs
    /// repeat (a POST-started query's URLs carry only the token and must be POSTed).
    fn query(
        &self,
        def: &'static Entity,
        req: &Req<'_>,
        body: &Value,
        cursor: Option<Cursor>,
        search: Option<&str>,
    ) -> Result<Reply, ApiError> {
        let s = Search::parse(def, body)?;
        let size = cursor.as_ref().map_or(s.max, |c| c.size);
        let Page { items, next, prev } = page(self, def, &s, cursor);
        let url = |c: Option<Cursor>| -> Value {
            c.map_or(Value::Null, |c| {
                let mut u = format!(
                    "{}{}/query/next?paging={}",
                    req.base,
                    def.name,
                    encode(&c.token())
                );
                if let Some(raw) = search {
                    u.push_str("&search=");
                    u.push_str(&encode(raw));
                }
                json!(u)
            })
        };
        let details = json!({
            "count": items.len(),
            "requestCount": size,
            "prevPageUrl": url(prev),
            "nextPageUrl": url(next),
        });
        Ok(Reply::ok(json!({ "items": items, "pageDetails": details })))
    }
}

fn cursor(req: &Req<'_>) -> Result<Cursor, ApiError> {
    let token = req
        .query
        .get("paging")
        .ok_or_else(|| ApiError::invalid("The paging parameter is required."))?;
    Cursor::parse(token)
}

/// A child collection: every row, one page.
fn list(items: Vec<Value>) -> Reply {
    let details = json!({
        "count": items.len(),
        "requestCount": super::query::MAX_RECORDS,
        "prevPageUrl": null,
        "nextPageUrl": null,
    });
    Reply::ok(json!({ "items": items, "pageDetails": details }))
}
