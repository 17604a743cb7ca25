//! Tickets: list (filters, the default 30-day window, ordering, pagination), view with
//! `include=`, create (with the requester named by any of its keys), partial update, soft
//! delete, restore, and watching.
//!
//! Owns: the ticket routes' validation and effects, including creating a requester contact and
//! custom field checks.
//! Must not: build another resource's JSON or touch conversations beyond reading them.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::errors::{ApiError, FieldError, check};
use super::input::{F, Input, Params, to_html};
use super::routes::Ctx;
use super::state::{
    CUSTOM_FIELDS, CfKind, Contact, PRIORITIES, SOURCES, STATUSES, SUPPORT_EMAIL, Store,
    TICKET_TYPES, Ticket, Who, set_sla, status_changed,
};
use super::views::View;
use crate::sandbox::kit::paginate;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::text::{to_text, valid_email};
use crate::sandbox::kit::time::now;

const NO_REQUESTER_KEY: &str = "Please fill at least 1 of requester_id, phone, email, twitter_id, \
    facebook_id, unique_external_id attributes";

const REQUESTER_KEYS: &[&str] = &[
    "requester_id",
    "email",
    "phone",
    "twitter_id",
    "facebook_id",
    "unique_external_id",
];

/// What a ticket update may set; a create may also set `cc_emails`.
const TICKET_UPDATE_KEYS: &[&str] = &[
    "name",
    "requester_id",
    "email",
    "facebook_id",
    "phone",
    "twitter_id",
    "unique_external_id",
    "subject",
    "type",
    "status",
    "priority",
    "description",
    "responder_id",
    "custom_fields",
    "due_by",
    "email_config_id",
    "fr_due_by",
    "group_id",
    "product_id",
    "source",
    "tags",
    "company_id",
];

impl Store {
    pub(super) fn list_tickets(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&[
            "filter",
            "requester_id",
            "email",
            "unique_external_id",
            "company_id",
            "updated_since",
            "order_by",
            "order_type",
            "include",
            "page",
            "per_page",
        ])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, Some(300));
        const FILTERS: &[&str] = &["new_and_my_open", "watching", "spam", "deleted"];
        let filter = q.get("filter");
        if filter.is_some_and(|f| !FILTERS.contains(&f)) {
            errors.push(FieldError::choices("filter", FILTERS));
        }
        let requester_id = q.int("requester_id", &mut errors);
        let company_id = q.int("company_id", &mut errors);
        let updated_since = q.time("updated_since", &mut errors);
        const ORDER_BY: &[&str] = &["created_at", "due_by", "updated_at", "status"];
        let order_by = q.get("order_by").unwrap_or("created_at");
        if !ORDER_BY.contains(&order_by) {
            errors.push(FieldError::choices("order_by", ORDER_BY));
        }
        let order_type = q.get("order_type").unwrap_or("desc");
        if !["asc", "desc"].contains(&order_type) {
            errors.push(FieldError::choices("order_type", &["asc", "desc"]));
        }
        let includes = q.includes(&["stats", "requester", "description"], &mut errors);
        let email = q.get("email");
        if email.is_some_and(|e| !valid_email(e)) {
            errors.push(FieldError::invalid(
                "email",
                "It should be a valid email address",
            ));
        }
        check(errors)?;
        // An unknown email or external id matches nobody.
        let by_email = email.map(|e| self.user_by_email(e));
        let by_external = q.get("unique_external_id").map(|x| {
            self.contacts
                .values()
                .find(|c| c.unique_external_id.as_deref() == Some(x))
                .map(|c| c.id)
        });
        let cutoff = ctx.now - chrono::Duration::days(30);
        let mut items: Vec<&Ticket> = self
            .tickets
            .values()
            .filter(|t| match filter {
                Some("deleted") => t.deleted,
                Some("spam") => t.spam && !t.deleted,
                _ => !t.deleted && !t.spam,
            })
            .filter(|t| match filter {
                Some("new_and_my_open") => {
                    t.status == 2 && t.responder_id.is_none_or(|r| r == self.me)
                }
                Some("watching") => t.watchers.contains(&self.me),
                _ => true,
            })
            .filter(|t| requester_id.is_none_or(|r| t.requester_id == r))
            .filter(|t| company_id.is_none_or(|c| t.company_id == Some(c)))
            .filter(|t| by_email.is_none_or(|u| u == Some(t.requester_id)))
            .filter(|t| by_external.is_none_or(|u| u == Some(t.requester_id)))
            .filter(|t| match updated_since {
                Some(since) => t.updated_at >= since,
                None => t.created_at >= cutoff,
            })
            .collect();
        let desc = order_type == "desc";
        items.sort_by(|a, b| {
            let ord = match order_by {
                "due_by" => a.due_by.cmp(&b.due_by),
                "updated_at" => a.updated_at.cmp(&b.updated_at),
                "status" => a.status.cmp(&b.status),
                _ => a.created_at.cmp(&b.created_at),
            }
            .then(a.id.cmp(&b.id));
            if desc { ord.reverse() } else { ord }
        });
        let view = View::of(&includes);
        let (items, more) = paginate(items, page, per_page);
        let json = items.iter().map(|t| self.ticket_json(t, view)).collect();
        Ok(ctx.list(q, json, page, more))
    }

    pub(super) fn get_ticket(&self, id: i64, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["include"])?;
        let mut errors = Vec::new();
        let includes = q.includes(
            &["conversations", "requester", "company", "stats"],
            &mut errors,
        );
        check(errors)?;
        let t = self.tickets.get(&id).ok_or(ApiError::NotFound)?;
        let view = View {
            description: true,
            ..View::of(&includes)
        };
        Ok(Reply::ok(self.ticket_json(t, view)))
    }

    /// Applies the body's fields to `t` (a copy), recording errors; returns the requester named.
    fn apply_ticket(&self, inp: &mut Input<'_>, t: &mut Ticket) -> Option<Who> {
        if let Some(s) = inp.required_text("subject") {
            t.subject = s;
        }
        if let Some(d) = inp.required_text("description") {
            t.description = to_html(&d);
            t.description_text = to_text(&t.description);
        }
        for (key, allowed) in [
            ("status", STATUSES),
            ("priority", PRIORITIES),
            ("source", SOURCES),
        ] {
            match inp.int(key) {
                F::Val(n) if allowed.contains(&n.to_string().as_str()) => match key {
                    "status" => t.status = n,
                    "priority" => t.priority = n,
                    _ => t.source = n,
                },
                F::Val(_) => inp.push(FieldError::choices(key, allowed)),
                F::Null => inp.push(FieldError::mismatch(key, "Integer")),
                F::Absent | F::Bad => {}
            }
        }
        match inp.text("type") {
            F::Val(s) if TICKET_TYPES.contains(&s.as_str()) => t.ticket_type = Some(s),
            F::Val(_) => inp.push(FieldError::choices("type", TICKET_TYPES)),
            F::Null => t.ticket_type = None,
            F::Absent | F::Bad => {}
        }
        match inp.int("responder_id") {
            F::Val(id) if self.agents.contains_key(&id) => t.responder_id = Some(id),
            F::Val(_) => inp.push(FieldError::invalid(
                "responder_id",
                "There is no agent matching the given responder_id",
            )),
            F::Null => t.responder_id = None,
            F::Absent | F::Bad => {}
        }
        match inp.int("group_id") {
            F::Val(id) if self.groups.contains_key(&id) => t.group_id = Some(id),
            F::Val(_) => inp.push(FieldError::invalid(
                "group_id",
                "There is no group matching the given group_id",
            )),
            F::Null => t.group_id = None,
            F::Absent | F::Bad => {}
        }
        let mut company_given = false;
        match inp.int("company_id") {
            F::Val(id) if self.companies.contains_key(&id) => {
                t.company_id = Some(id);
                company_given = true;
            }
            F::Val(_) => inp.push(FieldError::invalid(
                "company_id",
                "There is no company matching the given company_id",
            )),
            F::Null => {
                t.company_id = None;
                company_given = true;
            }
            F::Absent | F::Bad => {}
        }
        for key in ["product_id", "email_config_id"] {
            if let F::Val(_) = inp.int(key) {
                let what = key.trim_end_matches("_id").replace('_', " ");
                inp.push(FieldError::invalid(
                    key,
                    format!("There is no {what} matching the given {key}"),
                ));
            }
        }
        match inp.texts("tags") {
            F::Val(tags) => t.tags = tags,
            F::Null => t.tags.clear(),
            F::Absent | F::Bad => {}
        }
        match inp.emails("cc_emails") {
            F::Val(cc) => t.cc_emails = cc,
            F::Null => t.cc_emails.clear(),
            F::Absent | F::Bad => {}
        }
        if let F::Val(due) = inp.time("due_by") {
            t.due_by = due;
        }
        if let F::Val(fr) = inp.time("fr_due_by") {
            t.fr_due_by = fr;
        }
        if let F::Val(fields) = inp.object("custom_fields") {
            apply_custom_fields(inp, fields, &mut t.custom_fields);
        }
        let who = self.requester(inp);
        if !company_given && let Some(who) = &who {
            t.company_id = match who {
                Who::Existing(id) => self.contacts.get(id).and_then(|c| c.company_id),
                Who::New(_) => None,
            };
        }
        who
    }

    /// The requester named by `requester_id`, `email`, `phone` (+ `name`), `twitter_id`,
    /// `facebook_id` or `unique_external_id`; a contact is created for an unknown one.
    pub(super) fn requester(&self, inp: &mut Input<'_>) -> Option<Who> {
        let rid = inp.int("requester_id");
        let email = inp.email("email");
        let phone = inp.text("phone");
        let twitter = inp.text("twitter_id");
        let facebook = inp.text("facebook_id");
        let external = inp.text("unique_external_id");
        let name = match inp.text("name") {
            F::Val(n) if !n.trim().is_empty() => Some(n),
            _ => None,
        };
        if let F::Val(id) = rid {
            if self.user_exists(id) {
                return Some(Who::Existing(id));
            }
            inp.push(FieldError::invalid(
                "requester_id",
                "There is no contact matching the given requester_id",
            ));
            return None;
        }
        let now = now();
        if let F::Val(e) = email {
            if let Some(id) = self.user_by_email(&e) {
                return Some(Who::Existing(id));
            }
            let mut c = Contact::blank(now);
            c.name = name.unwrap_or_else(|| e.split('@').next().unwrap_or("").to_string());
            c.email = Some(e);
            return Some(Who::New(Box::new(c)));
        }
        if let F::Val(p) = phone {
            let found = self.contacts.values().find(|c| {
                c.phone.as_deref() == Some(p.as_str()) || c.mobile.as_deref() == Some(p.as_str())
            });
            if let Some(c) = found {
                return Some(Who::Existing(c.id));
            }
            let Some(n) = name else {
                inp.push(FieldError::missing("name"));
                return None;
            };
            let mut c = Contact::blank(now);
            c.name = n;
            c.phone = Some(p);
            return Some(Who::New(Box::new(c)));
        }
        for (value, which) in [(twitter, 0), (facebook, 1), (external, 2)] {
            let F::Val(v) = value else { continue };
            let found = self.contacts.values().find(|c| {
                let field = match which {
                    0 => &c.twitter_id,
                    1 => &c.facebook_id,
                    _ => &c.unique_external_id,
                };
                field.as_deref() == Some(v.as_str())
            });
            if let Some(c) = found {
                return Some(Who::Existing(c.id));
            }
            let mut c = Contact::blank(now);
            c.name = name.clone().unwrap_or_else(|| v.clone());
            match which {
                0 => c.twitter_id = Some(v),
                1 => c.facebook_id = Some(v),
                _ => c.unique_external_id = Some(v),
            }
            return Some(Who::New(Box::new(c)));
        }
        None
    }

    /// Creates the contact if needed; the requester's id.
    fn commit_requester(&mut self, who: Who, now: DateTime<Utc>) -> i64 {
        match who {
            Who::Existing(id) => id,
            Who::New(mut c) => {
                let id = self.user_id();
                c.id = id;
                c.created_at = now;
                c.updated_at = now;
                self.contacts.insert(id, *c);
                id
            }
        }
    }

    pub(super) fn create_ticket(
        &mut self,
        ctx: &Ctx<'_>,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let allowed: Vec<&str> = TICKET_UPDATE_KEYS
            .iter()
            .copied()
            .chain(["cc_emails"])
            .collect();
        let mut inp = Input::new(map, &allowed);
        for key in ["subject", "description", "status", "priority"] {
            if !inp.has(key) {
                inp.push(FieldError::missing(key));
            }
        }
        let mut t = Ticket::blank(ctx.now);
        let who = self.apply_ticket(&mut inp, &mut t);
        if who.is_none() && !REQUESTER_KEYS.iter().any(|k| inp.has(k)) {
            inp.push(FieldError::new(
                "requester_id",
                "missing_field",
                NO_REQUESTER_KEY,
            ));
        }
        inp.finish()?;
        let Some(who) = who else {
            return Err(ApiError::one(FieldError::missing("requester_id")));
        };
        t.requester_id = self.commit_requester(who, ctx.now);
        if t.company_id.is_none() && !map.contains_key("company_id") {
            t.company_id = self
                .contacts
                .get(&t.requester_id)
                .and_then(|c| c.company_id);
        }
        let (given_due, given_fr) = (t.due_by, t.fr_due_by);
        set_sla(&mut t);
        if map.contains_key("due_by") {
            t.due_by = given_due;
        }
        if map.contains_key("fr_due_by") {
            t.fr_due_by = given_fr;
        }
        status_changed(&mut t, 0, ctx.now);
        if t.source == 1 {
            t.to_emails = Some(vec![SUPPORT_EMAIL.to_string()]);
        }
        t.id = self.next_ticket;
        self.next_ticket += 1;
        let json = self.ticket_json(
            &t,
            View {
                description: true,
                ..View::default()
            },
        );
        let location = ctx.location("tickets", t.id);
        self.tickets.insert(t.id, t);
        Ok(Reply::created(json, location))
    }

    pub(super) fn live_ticket(&self, id: i64) -> Result<&Ticket, ApiError> {
        self.tickets
            .get(&id)
            .filter(|t| !t.deleted)
            .ok_or(ApiError::NotFound)
    }

    pub(super) fn update_ticket(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let old = self.live_ticket(id)?.clone();
        let mut inp = Input::new(map, TICKET_UPDATE_KEYS);
        let mut t = old.clone();
        let who = self.apply_ticket(&mut inp, &mut t);
        inp.finish()?;
        if let Some(who) = who {
            t.requester_id = self.commit_requester(who, ctx.now);
            if !map.contains_key("company_id") {
                t.company_id = self
                    .contacts
                    .get(&t.requester_id)
                    .and_then(|c| c.company_id);
            }
        }
        // A new priority moves the SLA targets, unless the body sets them.
        if t.priority != old.priority && !map.contains_key("due_by") {
            let fr = t.fr_due_by;
            set_sla(&mut t);
            if map.contains_key("fr_due_by") {
                t.fr_due_by = fr;
            }
        }
        status_changed(&mut t, old.status, ctx.now);
        t.updated_at = ctx.now;
        let json = self.ticket_json(
            &t,
            View {
                description: true,
                ..View::default()
            },
        );
        self.tickets.insert(id, t);
        Ok(Reply::ok(json))
    }

    pub(super) fn delete_ticket(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        self.live_ticket(id)?;
        if let Some(t) = self.tickets.get_mut(&id) {
            t.deleted = true;
            t.updated_at = ctx.now;
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    pub(super) fn restore_ticket(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        let t = self
            .tickets
            .get_mut(&id)
            .filter(|t| t.deleted)
            .ok_or(ApiError::NotFound)?;
        t.deleted = false;
        t.updated_at = ctx.now;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    pub(super) fn watchers(&self, id: i64) -> Result<Reply, ApiError> {
        let t = self.tickets.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(json!({"watcher_ids": t.watchers})))
    }

    pub(super) fn watch(&mut self, ctx: &Ctx<'_>, id: i64, on: bool) -> Result<Reply, ApiError> {
        self.live_ticket(id)?;
        let me = self.me;
        if let Some(t) = self.tickets.get_mut(&id) {
            t.watchers.retain(|w| *w != me);
            if on {
                t.watchers.push(me);
            }
            t.updated_at = ctx.now;
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }
}

fn apply_custom_fields(
    inp: &mut Input<'_>,
    fields: &Map<String, Value>,
    target: &mut BTreeMap<String, Value>,
) {
    for (key, value) in fields {
        let Some(def) = CUSTOM_FIELDS.iter().find(|f| f.name == key) else {
            inp.push(FieldError::unknown(key));
            continue;
        };
        if value.is_null() {
            target.insert(key.clone(), Value::Null);
            continue;
        }
        match def.kind {
            CfKind::Dropdown => match value.as_str() {
                Some(s) if def.choices.contains(&s) => {
                    target.insert(key.clone(), json!(s));
                }
                Some(_) => inp.push(FieldError::choices(key, def.choices)),
                None => inp.push(FieldError::mismatch(key, "String")),
            },
            CfKind::Text => match value.as_str() {
                Some(s) if s.chars().count() <= 255 => {
                    target.insert(key.clone(), json!(s));
                }
                Some(_) => inp.push(FieldError::invalid(
                    key,
                    "It should have at most 255 characters",
                )),
                None => inp.push(FieldError::mismatch(key, "String")),
            },
            CfKind::Number => match value.as_i64().filter(|_| value.is_i64() || value.is_u64()) {
                Some(n) => {
                    target.insert(key.clone(), json!(n));
                }
                None => inp.push(FieldError::mismatch(key, "Integer")),
            },
        }
    }
}
