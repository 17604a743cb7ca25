//! Reading Freshdesk request input: JSON object bodies, query parameters and path ids, with
//! every error collected in Freshdesk's shape, and the HTML form plain-text bodies are stored in.
//!
//! Owns: [`Input`] (a body being validated field by field), [`Params`] (query parameter checks:
//! unknown keys, integers, paging, `include`, times), [`json_body`], [`parse_id`], [`to_html`].
//! Must not: know any resource's fields (the resource files name them) or touch the store.

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::errors::{ApiError, FieldError, check};
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::request::content_mime;
use crate::sandbox::kit::text::{escape_html, valid_email};
use crate::sandbox::kit::time::parse_time;

/// Freshdesk stores plain-text bodies as HTML wrapped in a `<div>`.
pub(super) fn to_html(s: &str) -> String {
    if s.contains('<') {
        s.to_string()
    } else {
        format!("<div>{}</div>", escape_html(s).replace('\n', "<br>"))
    }
}

/// Freshdesk's checks of query parameters, reporting errors in its shape.
pub(super) trait Params {
    /// Unknown parameters are `invalid_field`, as Freshdesk does.
    fn allow(&self, keys: &[&str]) -> Result<(), ApiError>;
    fn int(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<i64>;
    fn positive(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<usize>;
    /// `page` (default 1) and `per_page` (default 30, at most 100).
    fn paging(&self, errors: &mut Vec<FieldError>, max_page: Option<usize>) -> (usize, usize);
    fn includes(&self, allowed: &[&str], errors: &mut Vec<FieldError>) -> Vec<String>;
    fn time(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>>;
}

impl Params for Query {
    fn allow(&self, keys: &[&str]) -> Result<(), ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        for (k, _) in self.pairs() {
            if !keys.contains(&k.as_str()) && !errors.iter().any(|e| &e.field == k) {
                errors.push(FieldError::unknown(k));
            }
        }
        check(errors)
    }

    fn int(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
        let v = self.get(key)?;
        match v.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::mismatch(key, "Integer"));
                None
            }
        }
    }

    fn positive(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<usize> {
        let v = self.get(key)?;
        match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.push(FieldError::mismatch(key, "Positive Integer"));
                None
            }
        }
    }

    fn paging(&self, errors: &mut Vec<FieldError>, max_page: Option<usize>) -> (usize, usize) {
        let page = self.positive("page", errors).unwrap_or(1);
        if let Some(max) = max_page
            && page > max
        {
            errors.push(FieldError::invalid(
                "page",
                format!("It should be less than or equal to {max}"),
            ));
        }
        let per_page = self.positive("per_page", errors).unwrap_or(30);
        if per_page > 100 {
            errors.push(FieldError::invalid(
                "per_page",
                "It should be less than or equal to 100",
            ));
        }
        (page, per_page)
    }

    fn includes(&self, allowed: &[&str], errors: &mut Vec<FieldError>) -> Vec<String> {
        let Some(v) = self.get("include") else {
            return Vec::new();
        };
        let items: Vec<String> = v.split(',').map(|s| s.trim().to_string()).collect();
        if items.iter().any(|i| !allowed.contains(&i.as_str())) {
            errors.push(FieldError::choices("include", allowed));
        }
        items
    }

    fn time(&self, key: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
        let v = self.get(key)?;
        let t = parse_time(v);
        if t.is_none() {
            errors.push(FieldError::invalid(
                key,
                "It should be in the 'valid date time' format",
            ));
        }
        t
    }
}

/// A JSON object body; 415 for another content type, 400 `invalid_json` for anything else.
pub(super) fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let mime = content_mime(headers);
    if mime != "application/json" {
        return Err(ApiError::code(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_content_type",
            "Content-Type header should have application/json",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::code(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Request body has invalid json format",
        )),
    }
}

pub(super) fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().map_err(|_| ApiError::NotFound)
}

pub(super) fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// One field of a JSON body: absent, `null`, a value, or of the wrong type (error recorded).
pub(super) enum F<T> {
    Absent,
    Null,
    Val(T),
    Bad,
}

/// A request body being validated; collects every error, as Freshdesk does.
pub(super) struct Input<'a> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) errors: Vec<FieldError>,
}

impl<'a> Input<'a> {
    pub(super) fn new(map: &'a Map<String, Value>, allowed: &[&str]) -> Self {
        let errors = map
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| FieldError::unknown(k))
            .collect();
        Input { map, errors }
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(super) fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    pub(super) fn raw(&self, key: &str) -> F<&'a Value> {
        match self.map.get(key) {
            None => F::Absent,
            Some(Value::Null) => F::Null,
            Some(v) => F::Val(v),
        }
    }

    fn typed<T>(&mut self, key: &str, ty: &str, f: impl Fn(&'a Value) -> Option<T>) -> F<T> {
        match self.raw(key) {
            F::Val(v) => match f(v) {
                Some(t) => F::Val(t),
                None => {
                    self.push(FieldError::mismatch(key, ty));
                    F::Bad
                }
            },
            F::Absent => F::Absent,
            F::Null => F::Null,
            F::Bad => F::Bad,
        }
    }

    pub(super) fn int(&mut self, key: &str) -> F<i64> {
        self.typed(key, "Integer", |v| {
            if v.is_i64() || v.is_u64() {
                v.as_i64()
            } else {
                None
            }
        })
    }

    pub(super) fn text(&mut self, key: &str) -> F<String> {
        self.typed(key, "String", |v| v.as_str().map(str::to_string))
    }

    pub(super) fn flag(&mut self, key: &str) -> F<bool> {
        self.typed(key, "Boolean", Value::as_bool)
    }

    pub(super) fn texts(&mut self, key: &str) -> F<Vec<String>> {
        self.typed(key, "Array", |v| {
            v.as_array()?
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    }

    pub(super) fn object(&mut self, key: &str) -> F<&'a Map<String, Value>> {
        self.typed(key, "key/value pair", Value::as_object)
    }

    pub(super) fn email(&mut self, key: &str) -> F<String> {
        match self.text(key) {
            F::Val(e) if valid_email(&e) => F::Val(e.trim().to_string()),
            F::Val(_) => {
                self.push(FieldError::invalid(
                    key,
                    "It should be a valid email address",
                ));
                F::Bad
            }
            other => other,
        }
    }

    pub(super) fn emails(&mut self, key: &str) -> F<Vec<String>> {
        match self.texts(key) {
            F::Val(list) if list.iter().all(|e| valid_email(e)) => F::Val(list),
            F::Val(_) => {
                self.push(FieldError::invalid(
                    key,
                    "It should contain elements that are valid email addresses",
                ));
                F::Bad
            }
            other => other,
        }
    }

    pub(super) fn time(&mut self, key: &str) -> F<DateTime<Utc>> {
        match self.text(key) {
            F::Val(s) => match parse_time(&s) {
                Some(t) => F::Val(t),
                None => {
                    self.push(FieldError::invalid(
                        key,
                        "It should be in the 'valid date time' format",
                    ));
                    F::Bad
                }
            },
            F::Absent => F::Absent,
            F::Null => F::Null,
            F::Bad => F::Bad,
        }
    }

    /// A non-blank string; `null` and blanks are errors.
    pub(super) fn required_text(&mut self, key: &str) -> Option<String> {
        match self.text(key) {
            F::Val(s) if !s.trim().is_empty() => Some(s),
            F::Val(_) | F::Null => {
                self.push(FieldError::missing(key));
                None
            }
            F::Absent | F::Bad => None,
        }
    }

    /// An optional string field: `Some(None)` clears it.
    pub(super) fn nullable_text(&mut self, key: &str) -> Option<Option<String>> {
        match self.text(key) {
            F::Val(s) => Some(Some(s)),
            F::Null => Some(None),
            F::Absent | F::Bad => None,
        }
    }

    pub(super) fn finish(self) -> Result<(), ApiError> {
        check(self.errors)
    }
}
