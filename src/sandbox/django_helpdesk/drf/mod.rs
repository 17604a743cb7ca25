//! Django REST framework around the API views: [`Api`] renders a response as JSON or as the
//! browsable page and holds the shared shapes of list, detail and write views; the files here
//! hold negotiation, the request, authentication, parsers, pagination, validation, serializers
//! and the browsable page.
//!
//! Must not: hold a view's own rules (they live in the view files), or know which view a route
//! runs (that is [`super::api`]).

pub(super) mod auth;
mod browsable;
pub(super) mod negotiation;
mod pagination;
pub(super) mod parsers;
pub(super) mod request;
pub(super) mod serializers;
pub(super) mod validation;

use std::collections::BTreeMap;

use axum::http::header::{ALLOW, VARY};
use serde_json::{Map, Value};

use super::http::{Cx, detail};
use super::state::Db;
use super::urls::url_pk;
use crate::sandbox::kit::reply::{Reply, status as http_status};
use browsable::browsable_page;
use negotiation::Render;
use pagination::{page_body, paginate};
use parsers::{Parsed, not_a_dict, parse_data};
pub(super) use request::Api;

/// The `Vary` header of every DRF answer.
pub(super) const VARY_ACCEPT: &str = "Accept, Cookie";

impl Api {
    /// A DRF `Response`, rendered as JSON or as the browsable API page.
    pub(super) fn reply(&self, db: &Db, cx: &mut Cx, status: u16, body: Value) -> Reply {
        let code = http_status(status);
        let r = match self.render {
            Render::Json if status == 204 => Reply::empty(code),
            Render::Json => Reply::json(code, body),
            Render::Html => Reply::html(code, browsable_page(db, cx, self, status, &body)),
        };
        r.header(ALLOW, self.allow).header(VARY, VARY_ACCEPT)
    }

    pub(super) fn not_found(&self, db: &Db, cx: &mut Cx, model: &str) -> Reply {
        self.reply(
            db,
            cx,
            404,
            detail(&format!("No {model} matches the given query.")),
        )
    }

    /// The row a detail URL names, or DRF's 404: "Not found." when the pk is no integer, else
    /// "No <model> matches the given query.".
    pub(super) fn lookup<T: Clone>(
        &self,
        db: &Db,
        cx: &mut Cx,
        pk: &str,
        model: &str,
        rows: &BTreeMap<u64, T>,
    ) -> Result<T, Reply> {
        let Some(id) = url_pk(pk) else {
            return Err(self.reply(db, cx, 404, detail("Not found.")));
        };
        match u64::try_from(id).ok().and_then(|i| rows.get(&i)) {
            Some(row) => Ok(row.clone()),
            None => Err(self.not_found(db, cx, model)),
        }
    }

    /// `request.data` when it must be a dict, with what else the parsers found; `Err` is the
    /// parser's error or DRF's "Expected a dictionary" answer.
    pub(super) fn object_data(
        &self,
        db: &Db,
        cx: &mut Cx,
    ) -> Result<(Map<String, Value>, Parsed), Reply> {
        let mut parsed = match parse_data(cx) {
            Ok(p) => p,
            Err((status, body)) => return Err(self.reply(db, cx, status, body)),
        };
        match std::mem::take(&mut parsed.data) {
            Value::Object(m) => Ok((m, parsed)),
            other => Err(self.reply(db, cx, 400, not_a_dict(&other))),
        }
    }

    /// A write's validated input: the dict, adjusted by `form_fix` when it came as a form (blank
    /// nullable fields mean null), then the serializer's `validate`; `Err` is the parser's
    /// answer or the 400 with the field errors.
    pub(super) fn validated<T>(
        &self,
        db: &Db,
        cx: &mut Cx,
        form_fix: impl FnOnce(&mut Map<String, Value>),
        validate: impl FnOnce(&Db, &Map<String, Value>) -> Result<T, Map<String, Value>>,
    ) -> Result<(T, Parsed), Reply> {
        let (mut data, parsed) = self.object_data(db, cx)?;
        if parsed.form {
            form_fix(&mut data);
        }
        match validate(db, &data) {
            Ok(input) => Ok((input, parsed)),
            Err(e) => Err(self.reply(db, cx, 400, Value::Object(e))),
        }
    }

    /// One page of `items` (`{count,next,previous,results}`), or 404 "Invalid page.".
    pub(super) fn paged<T>(
        &self,
        db: &Db,
        cx: &mut Cx,
        items: &[T],
        render: impl Fn(&Db, &Cx, &T) -> Value,
    ) -> Reply {
        let count = items.len();
        let Some(p) = paginate(cx, count) else {
            return self.reply(db, cx, 404, detail("Invalid page."));
        };
        let results = items[p.start..p.end]
            .iter()
            .map(|t| render(db, cx, t))
            .collect();
        let body = page_body(&p, count, results);
        self.reply(db, cx, 200, body)
    }
}
