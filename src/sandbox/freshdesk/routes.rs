//! Routing: which store method answers each (path, method), and 405 for a known path with
//! another method; the per-request context routes receive.
//!
//! Owns: the route table under `/api/v2/`, [`Ctx`] (base URL, path, clock, `Link` and
//! `Location` values) and [`Req`] (what a route may read of the request).
//! Must not: check auth or the rate budget (the `service` does), or hold resource logic.

use axum::http::HeaderMap;
use axum::http::header::LINK;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::errors::{ApiError, check, not_allowed};
use super::input::{Params, is_id, json_body, parse_id};
use super::state::Store;
use crate::sandbox::kit::paginate;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;

/// Per-request context.
pub(super) struct Ctx<'a> {
    pub(super) base: &'a str,
    pub(super) path: &'a str,
    pub(super) now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub(super) fn location(&self, collection: &str, id: i64) -> String {
        format!("{}/api/v2/{collection}/{id}", self.base)
    }

    pub(super) fn list(&self, query: &Query, items: Vec<Value>, page: usize, more: bool) -> Reply {
        let r = Reply::ok(Value::Array(items));
        if more {
            let next = format!(
                "<{}{}?{}>; rel=\"next\"",
                self.base,
                self.path,
                query.with_page(page + 1)
            );
            r.header(LINK, next)
        } else {
            r
        }
    }

    /// A whole collection, paged, for lists that take only `page` and `per_page`.
    pub(super) fn paged<T>(
        &self,
        q: &Query,
        items: Vec<T>,
        json: impl Fn(T) -> Value,
    ) -> Result<Reply, ApiError> {
        q.allow(&["page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        check(errors)?;
        let (items, more) = paginate(items, page, per_page);
        Ok(self.list(q, items.into_iter().map(json).collect(), page, more))
    }
}

/// The parts of a request the routes need.
pub(super) struct Req<'a> {
    pub(super) method: &'a str,
    pub(super) query: &'a Query,
    pub(super) headers: &'a HeaderMap,
    pub(super) body: &'a [u8],
}

impl Req<'_> {
    pub(super) fn json(&self) -> Result<Map<String, Value>, ApiError> {
        json_body(self.headers, self.body)
    }
}

impl Store {
    pub(super) fn route(&mut self, ctx: &Ctx<'_>, req: &Req<'_>) -> Result<Reply, ApiError> {
        let rest = ctx
            .path
            .strip_prefix("/api/v2/")
            .ok_or(ApiError::NotFound)?;
        let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let m = req.method;
        let q = req.query;
        const GP: &[&str] = &["GET", "POST"];
        const GPD: &[&str] = &["GET", "PUT", "DELETE"];
        match (segs.as_slice(), m) {
            (["tickets"], "GET") => self.list_tickets(ctx, q),
            (["tickets"], "POST") => self.create_ticket(ctx, &req.json()?),
            (["tickets"], _) => Err(not_allowed(GP, m)),
            (["tickets", id], "GET") => self.get_ticket(parse_id(id)?, q),
            (["tickets", id], "PUT") => self.update_ticket(ctx, parse_id(id)?, &req.json()?),
            (["tickets", id], "DELETE") => self.delete_ticket(ctx, parse_id(id)?),
            (["tickets", id], _) if is_id(id) => Err(not_allowed(GPD, m)),
            (["tickets", id, "restore"], "PUT") => self.restore_ticket(ctx, parse_id(id)?),
            (["tickets", id, "restore"], _) if is_id(id) => Err(not_allowed(&["PUT"], m)),
            (["tickets", id, "conversations"], "GET") => {
                self.list_conversations(ctx, parse_id(id)?, q)
            }
            (["tickets", id, "conversations"], _) if is_id(id) => Err(not_allowed(&["GET"], m)),
            (["tickets", id, "reply"], "POST") => self.reply(ctx, parse_id(id)?, &req.json()?),
            (["tickets", id, "notes"], "POST") => self.note(ctx, parse_id(id)?, &req.json()?),
            (["tickets", id, "reply" | "notes"], _) if is_id(id) => Err(not_allowed(&["POST"], m)),
            (["tickets", id, "watchers"], "GET") => self.watchers(parse_id(id)?),
            (["tickets", id, "watch"], "POST") => self.watch(ctx, parse_id(id)?, true),
            (["tickets", id, "unwatch"], "PUT") => self.watch(ctx, parse_id(id)?, false),
            (["conversations", id], "PUT") => {
                self.update_conversation(ctx, parse_id(id)?, &req.json()?)
            }
            (["conversations", id], "DELETE") => self.delete_conversation(parse_id(id)?),
            (["conversations", id], _) if is_id(id) => Err(not_allowed(&["PUT", "DELETE"], m)),
            (["contacts"], "GET") => self.list_contacts(ctx, q),
            (["contacts"], "POST") => self.create_contact(ctx, &req.json()?),
            (["contacts"], _) => Err(not_allowed(GP, m)),
            (["contacts", id], "GET") => self.get_contact(parse_id(id)?),
            (["contacts", id], "PUT") => self.update_contact(ctx, parse_id(id)?, &req.json()?),
            (["contacts", id], "DELETE") => self.delete_contact(ctx, parse_id(id)?),
            (["contacts", id], _) if is_id(id) => Err(not_allowed(GPD, m)),
            (["contacts", id, "restore"], "PUT") => self.restore_contact(ctx, parse_id(id)?),
            (["contacts", id, "hard_delete"], "DELETE") => {
                self.hard_delete_contact(parse_id(id)?, q)
            }
            (["companies"], "GET") => self.list_companies(ctx, q),
            (["companies"], "POST") => self.create_company(ctx, &req.json()?),
            (["companies"], _) => Err(not_allowed(GP, m)),
            (["companies", id], "GET") => self.get_company(parse_id(id)?),
            (["companies", id], "PUT") => self.update_company(ctx, parse_id(id)?, &req.json()?),
            (["companies", id], "DELETE") => self.delete_company(parse_id(id)?),
            (["companies", id], _) if is_id(id) => Err(not_allowed(GPD, m)),
            (["agents"], "GET") => self.list_agents(ctx, q),
            (["agents", "me"], "GET") => self.get_agent(self.me),
            (["agents", id], "GET") => self.get_agent(parse_id(id)?),
            (["agents"] | ["agents", _], _) => Err(not_allowed(&["GET"], m)),
            (["groups"], "GET") => self.list_groups(ctx, q),
            (["groups", id], "GET") => self.get_group(parse_id(id)?),
            (["groups"] | ["groups", _], _) => Err(not_allowed(&["GET"], m)),
            (["ticket_fields"], "GET") => self.ticket_fields(q),
            (["ticket_fields"], _) => Err(not_allowed(&["GET"], m)),
            (["search", "tickets"], "GET") => self.search_tickets(q),
            (["search", "contacts"], "GET") => self.search_contacts(q),
            (["search", "companies"], "GET") => self.search_companies(q),
            (["search", _], _) => Err(not_allowed(&["GET"], m)),
            _ => Err(ApiError::NotFound),
        }
    }
}
