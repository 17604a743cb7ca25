//! Companies: list, view, create, update and delete (for good), with unique names and domains.
//!
//! Owns: the company routes' validation and effects, and unlinking contacts of a deleted one.
//! Must not: touch tickets.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, FieldError};
use super::input::{F, Input};
use super::routes::Ctx;
use super::state::{ACCOUNT_TIERS, Company, HEALTH_SCORES, Store};
use super::views::company_json;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;

const COMPANY_KEYS: &[&str] = &[
    "name",
    "description",
    "domains",
    "note",
    "health_score",
    "account_tier",
    "renewal_date",
    "industry",
    "custom_fields",
];

impl Store {
    pub(super) fn list_companies(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        ctx.paged(q, self.companies.values().collect(), company_json)
    }

    pub(super) fn get_company(&self, id: i64) -> Result<Reply, ApiError> {
        let c = self.companies.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(company_json(c)))
    }

    fn apply_company(inp: &mut Input<'_>, c: &mut Company) {
        if inp.has("name")
            && let Some(n) = inp.required_text("name")
        {
            c.name = n.trim().to_string();
        }
        for key in ["description", "note", "industry"] {
            let Some(v) = inp.nullable_text(key) else {
                continue;
            };
            match key {
                "description" => c.description = v,
                "note" => c.note = v,
                _ => c.industry = v,
            }
        }
        for (key, allowed) in [
            ("health_score", HEALTH_SCORES),
            ("account_tier", ACCOUNT_TIERS),
        ] {
            let Some(v) = inp.nullable_text(key) else {
                continue;
            };
            if v.as_deref().is_some_and(|s| !allowed.contains(&s)) {
                inp.push(FieldError::choices(key, allowed));
            } else if key == "health_score" {
                c.health_score = v;
            } else {
                c.account_tier = v;
            }
        }
        match inp.texts("domains") {
            F::Val(v) => c.domains = v.into_iter().map(|d| d.trim().to_lowercase()).collect(),
            F::Null => c.domains.clear(),
            F::Absent | F::Bad => {}
        }
        match inp.time("renewal_date") {
            F::Val(t) => c.renewal_date = Some(t),
            F::Null => c.renewal_date = None,
            F::Absent | F::Bad => {}
        }
        if let F::Val(fields) = inp.object("custom_fields") {
            for key in fields.keys() {
                inp.push(FieldError::unknown(key));
            }
        }
    }

    fn company_conflicts(&self, c: &Company) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let others = || self.companies.values().filter(|o| o.id != c.id);
        if let Some(o) = others().find(|o| o.name.eq_ignore_ascii_case(&c.name)) {
            errors.push(FieldError::duplicate("name", json!({"company_id": o.id})));
        }
        for d in &c.domains {
            if let Some(o) = others().find(|o| o.domains.contains(d)) {
                errors.push(FieldError::duplicate(
                    "domains",
                    json!({"company_id": o.id}),
                ));
                break;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Conflict(errors))
        }
    }

    pub(super) fn create_company(
        &mut self,
        ctx: &Ctx<'_>,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut inp = Input::new(map, COMPANY_KEYS);
        if !inp.has("name") {
            inp.push(FieldError::missing("name"));
        }
        let mut c = Company {
            id: 0,
            name: String::new(),
            description: None,
            domains: Vec::new(),
            note: None,
            health_score: None,
            account_tier: None,
            renewal_date: None,
            industry: None,
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        Self::apply_company(&mut inp, &mut c);
        inp.finish()?;
        self.company_conflicts(&c)?;
        c.id = self.next_company;
        self.next_company += 1;
        let json = company_json(&c);
        let location = ctx.location("companies", c.id);
        self.companies.insert(c.id, c);
        Ok(Reply::created(json, location))
    }

    pub(super) fn update_company(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let mut c = self.companies.get(&id).ok_or(ApiError::NotFound)?.clone();
        let mut inp = Input::new(map, COMPANY_KEYS);
        Self::apply_company(&mut inp, &mut c);
        inp.finish()?;
        self.company_conflicts(&c)?;
        c.updated_at = ctx.now;
        let json = company_json(&c);
        self.companies.insert(id, c);
        Ok(Reply::ok(json))
    }

    /// Companies are deleted for good; their contacts lose the company.
    pub(super) fn delete_company(&mut self, id: i64) -> Result<Reply, ApiError> {
        self.companies.remove(&id).ok_or(ApiError::NotFound)?;
        for c in self.contacts.values_mut() {
            if c.company_id == Some(id) {
                c.company_id = None;
            }
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }
}
