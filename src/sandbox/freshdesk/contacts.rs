//! Contacts: list with filters and states, view, create, update, soft delete, restore and hard
//! delete, with Freshdesk's uniqueness rules (409).
//!
//! Owns: the contact routes' validation and effects.
//! Must not: touch tickets (a deleted contact keeps its tickets).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, FieldError, check};
use super::input::{F, Input, Params};
use super::routes::Ctx;
use super::state::{Contact, Store};
use super::views::contact_json;
use crate::sandbox::kit::paginate;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;

const NO_CONTACT_KEY: &str =
    "Please fill at least 1 of email, mobile, phone, twitter_id, unique_external_id attributes";

const CONTACT_KEYS: &[&str] = &[
    "name",
    "email",
    "phone",
    "mobile",
    "twitter_id",
    "unique_external_id",
    "other_emails",
    "company_id",
    "view_all_tickets",
    "address",
    "description",
    "job_title",
    "language",
    "tags",
    "time_zone",
    "custom_fields",
];

impl Store {
    pub(super) fn list_contacts(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&[
            "email",
            "phone",
            "mobile",
            "company_id",
            "state",
            "unique_external_id",
            "_updated_since",
            "page",
            "per_page",
        ])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        let company_id = q.int("company_id", &mut errors);
        let since = q.time("_updated_since", &mut errors);
        const STATES: &[&str] = &["blocked", "deleted", "unverified", "verified"];
        let state = q.get("state");
        if state.is_some_and(|s| !STATES.contains(&s)) {
            errors.push(FieldError::choices("state", STATES));
        }
        check(errors)?;
        let eq = |v: &Option<String>, key: &str| {
            q.get(key)
                .is_none_or(|want| v.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(want)))
        };
        let items: Vec<&Contact> = self
            .contacts
            .values()
            .filter(|c| match state {
                Some("deleted") => c.deleted,
                Some("blocked") => c.blocked && !c.deleted,
                Some("verified") => c.active && !c.blocked && !c.deleted,
                Some("unverified") => !c.active && !c.blocked && !c.deleted,
                _ => !c.deleted && !c.blocked,
            })
            .filter(|c| q.get("email").is_none_or(|e| c.has_email(e)))
            .filter(|c| eq(&c.phone, "phone") && eq(&c.mobile, "mobile"))
            .filter(|c| eq(&c.unique_external_id, "unique_external_id"))
            .filter(|c| company_id.is_none_or(|id| c.company_id == Some(id)))
            .filter(|c| since.is_none_or(|s| c.updated_at >= s))
            .collect();
        let (items, more) = paginate(items, page, per_page);
        let json = items.into_iter().map(contact_json).collect();
        Ok(ctx.list(q, json, page, more))
    }

    pub(super) fn get_contact(&self, id: i64) -> Result<Reply, ApiError> {
        let c = self.contacts.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(contact_json(c)))
    }

    fn apply_contact(&self, inp: &mut Input<'_>, c: &mut Contact) {
        if inp.has("name")
            && let Some(n) = inp.required_text("name")
        {
            c.name = n;
        }
        match inp.email("email") {
            F::Val(e) => c.email = Some(e),
            F::Null => c.email = None,
            F::Absent | F::Bad => {}
        }
        for key in [
            "phone",
            "mobile",
            "twitter_id",
            "unique_external_id",
            "address",
            "description",
            "job_title",
        ] {
            let Some(v) = inp.nullable_text(key) else {
                continue;
            };
            let v = v.filter(|s| !s.trim().is_empty());
            match key {
                "phone" => c.phone = v,
                "mobile" => c.mobile = v,
                "twitter_id" => c.twitter_id = v,
                "unique_external_id" => c.unique_external_id = v,
                "address" => c.address = v,
                "description" => c.description = v,
                _ => c.job_title = v,
            }
        }
        for key in ["language", "time_zone"] {
            if let F::Val(v) = inp.text(key) {
                if key == "language" {
                    c.language = v;
                } else {
                    c.time_zone = v;
                }
            }
        }
        match inp.emails("other_emails") {
            F::Val(v) => c.other_emails = v,
            F::Null => c.other_emails.clear(),
            F::Absent | F::Bad => {}
        }
        match inp.int("company_id") {
            F::Val(id) if self.companies.contains_key(&id) => c.company_id = Some(id),
            F::Val(_) => inp.push(FieldError::invalid(
                "company_id",
                "There is no company matching the given company_id",
            )),
            F::Null => c.company_id = None,
            F::Absent | F::Bad => {}
        }
        if let F::Val(b) = inp.flag("view_all_tickets") {
            c.view_all_tickets = b;
        }
        match inp.texts("tags") {
            F::Val(v) => c.tags = v,
            F::Null => c.tags.clear(),
            F::Absent | F::Bad => {}
        }
        if let F::Val(fields) = inp.object("custom_fields") {
            for key in fields.keys() {
                inp.push(FieldError::unknown(key));
            }
        }
    }

    /// 409 when an email, twitter id or external id already belongs to another user.
    fn contact_conflicts(&self, c: &Contact) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let others = || self.contacts.values().filter(|o| o.id != c.id);
        for e in c.email.iter().chain(&c.other_emails) {
            let owner = others().find(|o| o.has_email(e)).map(|o| o.id).or_else(|| {
                self.agents
                    .values()
                    .find(|a| a.email.eq_ignore_ascii_case(e))
                    .map(|a| a.id)
            });
            if let Some(owner) = owner {
                let field = if c.email.as_deref() == Some(e.as_str()) {
                    "email"
                } else {
                    "other_emails"
                };
                errors.push(FieldError::duplicate(field, json!({"user_id": owner})));
            }
        }
        for (field, value) in [
            ("twitter_id", &c.twitter_id),
            ("unique_external_id", &c.unique_external_id),
        ] {
            let Some(v) = value else { continue };
            let owner = others().find(|o| {
                let theirs = if field == "twitter_id" {
                    &o.twitter_id
                } else {
                    &o.unique_external_id
                };
                theirs.as_deref() == Some(v.as_str())
            });
            if let Some(o) = owner {
                errors.push(FieldError::duplicate(field, json!({"user_id": o.id})));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Conflict(errors))
        }
    }

    pub(super) fn create_contact(
        &mut self,
        ctx: &Ctx<'_>,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut inp = Input::new(map, CONTACT_KEYS);
        if !inp.has("name") {
            inp.push(FieldError::missing("name"));
        }
        let mut c = Contact::blank(ctx.now);
        self.apply_contact(&mut inp, &mut c);
        let identified = c.email.is_some()
            || c.phone.is_some()
            || c.mobile.is_some()
            || c.twitter_id.is_some()
            || c.unique_external_id.is_some();
        let tried = [
            "email",
            "phone",
            "mobile",
            "twitter_id",
            "unique_external_id",
        ]
        .iter()
        .any(|k| map.get(*k).is_some_and(|v| !v.is_null()));
        if !identified && !tried {
            inp.push(FieldError::new("email", "missing_field", NO_CONTACT_KEY));
        }
        inp.finish()?;
        self.contact_conflicts(&c)?;
        c.id = self.user_id();
        let json = contact_json(&c);
        let location = ctx.location("contacts", c.id);
        self.contacts.insert(c.id, c);
        Ok(Reply::created(json, location))
    }

    pub(super) fn update_contact(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut c = self
            .contacts
            .get(&id)
            .filter(|c| !c.deleted)
            .ok_or(ApiError::NotFound)?
            .clone();
        let mut inp = Input::new(map, CONTACT_KEYS);
        self.apply_contact(&mut inp, &mut c);
        inp.finish()?;
        self.contact_conflicts(&c)?;
        c.updated_at = ctx.now;
        let json = contact_json(&c);
        self.contacts.insert(id, c);
        Ok(Reply::ok(json))
    }

    pub(super) fn delete_contact(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        let c = self
            .contacts
            .get_mut(&id)
            .filter(|c| !c.deleted)
            .ok_or(ApiError::NotFound)?;
        c.deleted = true;
        c.updated_at = ctx.now;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    pub(super) fn restore_contact(&mut self, ctx: &Ctx<'_>, id: i64) -> Result<Reply, ApiError> {
        let c = self
            .contacts
            .get_mut(&id)
            .filter(|c| c.deleted)
            .ok_or(ApiError::NotFound)?;
        c.deleted = false;
        c.updated_at = ctx.now;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    pub(super) fn hard_delete_contact(&mut self, id: i64, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["force"])?;
        let c = self.contacts.get(&id).ok_or(ApiError::NotFound)?;
        if !c.deleted && q.get("force") != Some("true") {
            return Err(ApiError::one(FieldError::invalid(
                "force",
                "The contact should be soft deleted first, or force=true given",
            )));
        }
        self.contacts.remove(&id);
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }
}
