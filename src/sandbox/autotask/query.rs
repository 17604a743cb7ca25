//! The query engine of `/E/query` and `/E/query/count`: the JSON grammar (every operator,
//! nested `and`/`or` groups, one user-defined field condition, `IncludeFields`, `MaxRecords`),
//! evaluation against rows (strings case-insensitive, numbers as numbers, dates as instants),
//! and keyset paging by ascending id with Autotask's `paging` token.
//!
//! Owns: [`Search`] (a parsed query), [`Cursor`] (the token of `query/next`) and [`page`].
//! Comparisons with an empty (`null`) field are false, as in SQL, except `notExist`.
//! Must not: build URLs or envelopes (`routes` does).

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::schema::{Entity, Field, Ty};
use super::store::{Row, Store, int};
use super::validate::coerce;
use crate::sandbox::kit::time::parse_time;

/// The most rows a page holds (and the default `MaxRecords`).
pub(super) const MAX_RECORDS: usize = 500;
const TOO_MANY_OR: &str =
    "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions.";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    NotEq,
    Gt,
    Gte,
    Lt,
    Lte,
    BeginsWith,
    EndsWith,
    Contains,
    Exist,
    NotExist,
    In,
    NotIn,
}

const OPS: &[(&str, Op)] = &[
    ("eq", Op::Eq),
    ("noteq", Op::NotEq),
    ("gt", Op::Gt),
    ("gte", Op::Gte),
    ("lt", Op::Lt),
    ("lte", Op::Lte),
    ("beginswith", Op::BeginsWith),
    ("endswith", Op::EndsWith),
    ("contains", Op::Contains),
    ("exist", Op::Exist),
    ("notexist", Op::NotExist),
    ("in", Op::In),
    ("notin", Op::NotIn),
];

enum Target {
    Field(&'static Field),
    Udf(&'static str),
}

enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Test {
        target: Target,
        op: Op,
        value: Value,
    },
}

/// A parsed query.
pub(super) struct Search {
    pub(super) max: usize,
    include: Option<Vec<&'static str>>,
    conds: Vec<Cond>,
}

/// A `paging` token: the page size, the cursors of the pages before, and the id after which
/// this page starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cursor {
    pub(super) size: usize,
    pub(super) previous: Vec<i64>,
    pub(super) after: i64,
}

impl Cursor {
    pub(super) fn token(&self) -> String {
        json!({"pageSize": self.size, "previousIds": self.previous, "nextIds": [self.after]})
            .to_string()
    }

    pub(super) fn parse(token: &str) -> Result<Cursor, ApiError> {
        let bad = || ApiError::invalid("The paging token is invalid.");
        let v: Value = serde_json::from_str(token).map_err(|_| bad())?;
        let size = v["pageSize"].as_u64().ok_or_else(bad)? as usize;
        let ids =
            |k: &str| -> Option<Vec<i64>> { v[k].as_array()?.iter().map(Value::as_i64).collect() };
        let previous = ids("previousIds").ok_or_else(bad)?;
        let after = *ids("nextIds").ok_or_else(bad)?.first().ok_or_else(bad)?;
        if !(1..=MAX_RECORDS).contains(&size) {
            return Err(bad());
        }
        Ok(Cursor {
            size,
            previous,
            after,
        })
    }
}

/// The value of `key` in `obj`, matching the key case-insensitively.
fn key<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

struct Parser {
    def: &'static Entity,
    udfs: usize,
    ors: usize,
}

impl Parser {
    fn list(&mut self, items: &Value, in_or: bool) -> Result<Vec<Cond>, ApiError> {
        let items = items
            .as_array()
            .ok_or_else(|| ApiError::invalid("A filter group's items must be a list."))?;
        if in_or {
            self.ors += items.len();
        }
        items.iter().map(|c| self.cond(c)).collect()
    }

    fn cond(&mut self, v: &Value) -> Result<Cond, ApiError> {
        let obj = v
            .as_object()
            .ok_or_else(|| ApiError::invalid("Each filter must be an object."))?;
        let op = key(obj, "op").and_then(Value::as_str).unwrap_or("");
        let lower = op.to_ascii_lowercase();
        if lower == "and" || lower == "or" {
            let items = key(obj, "items")
                .ok_or_else(|| ApiError::invalid(format!("The '{op}' filter needs items.")))?;
            let list = self.list(items, lower == "or")?;
            return Ok(if lower == "and" {
                Cond::All(list)
            } else {
                Cond::Any(list)
            });
        }
        let Some(&(_, op)) = OPS.iter().find(|(name, _)| *name == lower) else {
            return Err(ApiError::invalid(format!(
                "Invalid query operator: '{op}' is not a supported filter operation."
            )));
        };
        let name = key(obj, "field").and_then(Value::as_str).unwrap_or("");
        let udf = key(obj, "udf").and_then(Value::as_bool).unwrap_or(false);
        let target = if udf {
            self.udfs += 1;
            if self.udfs > 1 {
                return Err(ApiError::invalid(
                    "Only one user-defined field condition is allowed per query.",
                ));
            }
            let found = self.def.udfs.iter().find(|u| u.eq_ignore_ascii_case(name));
            Target::Udf(found.ok_or_else(|| {
                ApiError::invalid(format!("Unknown user-defined field in query: {name}."))
            })?)
        } else {
            let f = self.def.field(name).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Unknown field in query: {name} is not a field of {}.",
                    self.def.singular
                ))
            })?;
            if !f.queryable {
                return Err(ApiError::invalid(format!(
                    "The field {} is not queryable.",
                    f.name
                )));
            }
            Target::Field(f)
        };
        let raw = key(obj, "value").cloned().unwrap_or(Value::Null);
        let value = match op {
            Op::Exist | Op::NotExist => Value::Null,
            Op::In | Op::NotIn => {
                let items = raw.as_array().ok_or_else(|| {
                    ApiError::invalid(format!("The '{lower}' filter on {name} needs a list."))
                })?;
                let vals: Result<Vec<Value>, ApiError> =
                    items.iter().map(|i| operand(&target, op, i)).collect();
                Value::Array(vals?)
            }
            _ if raw.is_null() => {
                return Err(ApiError::invalid(format!(
                    "The '{lower}' filter on {name} needs a value."
                )));
            }
            _ => operand(&target, op, &raw)?,
        };
        Ok(Cond::Test { target, op, value })
    }
}

/// A filter value as the field's type (strings for the string operators and UDFs).
fn operand(target: &Target, op: Op, v: &Value) -> Result<Value, ApiError> {
    let text = matches!(op, Op::BeginsWith | Op::EndsWith | Op::Contains);
    match target {
        Target::Field(f) if !text && f.ty != Ty::Str => {
            let unbounded = Field {
                length: usize::MAX,
                ..(*f).clone()
            };
            coerce(&unbounded, v).map_err(ApiError::invalid)
        }
        _ => Ok(json!(as_text(v))),
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Search {
    pub(super) fn parse(def: &'static Entity, body: &Value) -> Result<Search, ApiError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ApiError::invalid("The search must be a JSON object."))?;
        let max = match key(obj, "MaxRecords") {
            None | Some(Value::Null) => MAX_RECORDS,
            Some(v) => match v.as_u64() {
                Some(n @ 1..=500) => n as usize,
                _ => {
                    return Err(ApiError::invalid(format!(
                        "MaxRecords must be between 1 and {MAX_RECORDS}; got {v}."
                    )));
                }
            },
        };
        let include = match key(obj, "IncludeFields") {
            None | Some(Value::Null) => None,
            Some(Value::Array(names)) if names.is_empty() => None,
            Some(Value::Array(names)) => Some(include_fields(def, names)?),
            Some(_) => return Err(ApiError::invalid("IncludeFields must be a list of names.")),
        };
        let filter = key(obj, "filter").cloned().unwrap_or(Value::Null);
        if filter.as_array().is_none_or(Vec::is_empty) {
            return Err(ApiError::invalid(
                "A query requires at least one filter (for all rows: id gte 0).",
            ));
        }
        let mut p = Parser {
            def,
            udfs: 0,
            ors: 0,
        };
        let conds = p.list(&filter, false)?;
        if p.ors > 500 {
            return Err(ApiError::invalid(TOO_MANY_OR));
        }
        Ok(Search {
            max,
            include,
            conds,
        })
    }

    pub(super) fn matches(&self, row: &Row) -> bool {
        self.conds.iter().all(|c| eval(c, row))
    }

    /// A row as the query shows it: all fields, or `id` and the included ones.
    pub(super) fn project(&self, row: &Row) -> Value {
        match &self.include {
            None => Value::Object(row.clone()),
            Some(names) => {
                let mut out = Map::new();
                out.insert("id".into(), row.get("id").cloned().unwrap_or(Value::Null));
                for n in names {
                    out.insert((*n).into(), row.get(*n).cloned().unwrap_or(Value::Null));
                }
                Value::Object(out)
            }
        }
    }
}

fn include_fields(def: &Entity, names: &[Value]) -> Result<Vec<&'static str>, ApiError> {
    names
        .iter()
        .map(|n| {
            let n = n.as_str().unwrap_or("");
            if n.eq_ignore_ascii_case("userDefinedFields") && !def.udfs.is_empty() {
                return Ok("userDefinedFields");
            }
            def.field(n).map(|f| f.name).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Unknown field in IncludeFields: {n} is not a field of {}.",
                    def.singular
                ))
            })
        })
        .collect()
}

fn eval(c: &Cond, row: &Row) -> bool {
    match c {
        Cond::All(items) => items.iter().all(|c| eval(c, row)),
        Cond::Any(items) => items.iter().any(|c| eval(c, row)),
        Cond::Test { target, op, value } => {
            let (actual, ty) = match target {
                Target::Field(f) => (row.get(f.name).cloned().unwrap_or(Value::Null), f.ty),
                Target::Udf(name) => (udf_value(row, name), Ty::Str),
            };
            test(&actual, ty, *op, value)
        }
    }
}

fn udf_value(row: &Row, name: &str) -> Value {
    row.get("userDefinedFields")
        .and_then(Value::as_array)
        .and_then(|l| l.iter().find(|u| u["name"] == name))
        .map_or(Value::Null, |u| u["value"].clone())
}

fn test(actual: &Value, ty: Ty, op: Op, value: &Value) -> bool {
    match op {
        Op::Exist => !actual.is_null(),
        Op::NotExist => actual.is_null(),
        _ if actual.is_null() => false,
        Op::In | Op::NotIn => {
            let found = value.as_array().is_some_and(|vals| {
                vals.iter()
                    .any(|v| compare(actual, ty, v) == Some(Ordering::Equal))
            });
            found == (op == Op::In)
        }
        Op::BeginsWith | Op::EndsWith | Op::Contains => {
            let a = as_text(actual).to_lowercase();
            let v = as_text(value).to_lowercase();
            match op {
                Op::BeginsWith => a.starts_with(&v),
                Op::EndsWith => a.ends_with(&v),
                _ => a.contains(&v),
            }
        }
        _ => compare(actual, ty, value).is_some_and(|o| match op {
            Op::Eq => o == Ordering::Equal,
            Op::NotEq => o != Ordering::Equal,
            Op::Gt => o == Ordering::Greater,
            Op::Gte => o != Ordering::Less,
            Op::Lt => o == Ordering::Less,
            _ => o != Ordering::Greater,
        }),
    }
}

fn compare(a: &Value, ty: Ty, b: &Value) -> Option<Ordering> {
    match ty {
        Ty::Long | Ty::Integer | Ty::Decimal => a.as_f64()?.partial_cmp(&b.as_f64()?),
        Ty::DateTime => {
            let a = parse_time(a.as_str()?)?;
            Some(a.cmp(&parse_time(b.as_str()?)?))
        }
        Ty::Boolean => Some(a.as_bool()?.cmp(&b.as_bool()?)),
        Ty::Str => Some(as_text(a).to_lowercase().cmp(&as_text(b).to_lowercase())),
    }
}

/// One page of a query's matches, by ascending id, after `cursor` (the first page without one);
/// with the cursors of the next and previous pages where there are such.
pub(super) struct Page {
    pub(super) items: Vec<Value>,
    pub(super) next: Option<Cursor>,
    pub(super) prev: Option<Cursor>,
}

pub(super) fn page(store: &Store, def: &Entity, s: &Search, cursor: Option<Cursor>) -> Page {
    let cur = cursor.unwrap_or(Cursor {
        size: s.max,
        previous: Vec::new(),
        after: -1,
    });
    let mut rows = store
        .table(def.name)
        .range(cur.after.saturating_add(1)..)
        .map(|(_, r)| r)
        .filter(|r| s.matches(r));
    let taken: Vec<&Row> = rows.by_ref().take(cur.size).collect();
    let more = rows.next().is_some();
    let next = match taken.last() {
        Some(last) if more => Some(Cursor {
            size: cur.size,
            previous: [cur.previous.clone(), vec![cur.after]].concat(),
            after: int(last, "id").unwrap_or(cur.after),
        }),
        _ => None,
    };
    let prev = cur.previous.split_last().map(|(after, before)| Cursor {
        size: cur.size,
        previous: before.to_vec(),
        after: *after,
    });
    Page {
        items: taken.into_iter().map(|r| s.project(r)).collect(),
        next,
        prev,
    }
}

/// How many rows match.
pub(super) fn count(store: &Store, def: &Entity, s: &Search) -> usize {
    store
        .table(def.name)
        .values()
        .filter(|r| s.matches(r))
        .count()
}
