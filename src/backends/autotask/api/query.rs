//! Search conditions as the tools take them, compiled to Autotask's query grammar.
//!
//! A [`Condition`] is structured and checked against the instance's own field metadata
//! before anything is sent: the field exists and is queryable (a tool parameter name or an
//! Autotask field name), the operator is one Autotask knows (`ne` is read as `noteq`, which
//! is all Autotask understands), the value fits the operator and the field's type, picklist
//! labels become the instance's numbers, names of companies, resources and contacts become
//! ids, at most one user-defined field and 500 `or` conditions. Anything that cannot be
//! expressed is refused with the field named; nothing is dropped.
//!
//! Owns: the grammar (`op`, `field`, `value`, `udf`, `items`). Must not: send anything but the
//! name lookups the caller does (see `resolve.rs`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::super::models::{FieldInfo, Fields, Param};
use crate::error::{Error, Result};

/// Most values in an `in` list and most `or` conditions in a query (Autotask's limit).
pub const MAX_OR: usize = 500;
/// Most conditions, nested ones included, in one search.
pub const MAX_CONDITIONS: usize = 100;

/// An operator of Autotask's query grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Op {
    #[serde(rename = "eq")]
    Eq,
    /// Not equal (Autotask calls it `noteq`; `ne` and `neq` are read as it).
    #[serde(
        rename = "noteq",
        alias = "ne",
        alias = "neq",
        alias = "not_eq",
        alias = "!="
    )]
    NotEq,
    #[serde(rename = "gt")]
    Gt,
    #[serde(rename = "gte")]
    Gte,
    #[serde(rename = "lt")]
    Lt,
    #[serde(rename = "lte")]
    Lte,
    #[serde(rename = "beginsWith")]
    BeginsWith,
    #[serde(rename = "endsWith")]
    EndsWith,
    #[serde(rename = "contains")]
    Contains,
    /// The field has a value.
    #[serde(rename = "exist")]
    Exist,
    /// The field is empty.
    #[serde(rename = "notExist")]
    NotExist,
    #[serde(rename = "in")]
    In,
    #[serde(rename = "notIn")]
    NotIn,
    /// All of `items`.
    #[serde(rename = "and")]
    And,
    /// Any of `items`.
    #[serde(rename = "or")]
    Or,
}

/// Every operator with the other names it is known by (`ne` is Autotask's `noteq`).
const OPS: &[(Op, &[&str])] = &[
    (Op::Eq, &["eq", "equals", "="]),
    (Op::NotEq, &["noteq", "ne", "neq", "not_eq", "!="]),
    (Op::Gt, &["gt", ">"]),
    (Op::Gte, &["gte", ">="]),
    (Op::Lt, &["lt", "<"]),
    (Op::Lte, &["lte", "<="]),
    (Op::BeginsWith, &["beginswith", "begins_with", "startswith"]),
    (Op::EndsWith, &["endswith", "ends_with"]),
    (Op::Contains, &["contains"]),
    (Op::Exist, &["exist", "exists"]),
    (Op::NotExist, &["notexist", "not_exist", "notexists"]),
    (Op::In, &["in"]),
    (Op::NotIn, &["notin", "not_in"]),
    (Op::And, &["and"]),
    (Op::Or, &["or"]),
];

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let lower = s.trim().to_ascii_lowercase();
        OPS.iter()
            .find(|(_, names)| names.contains(&lower.as_str()))
            .map(|(op, _)| *op)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "op {s:?} is not an operator of Autotask's query grammar: use eq, noteq, \
                     gt, gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in, \
                     notIn, or and/or with items"
                ))
            })
    }
}

impl Op {
    pub fn wire(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::NotEq => "noteq",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::BeginsWith => "beginsWith",
            Op::EndsWith => "endsWith",
            Op::Contains => "contains",
            Op::Exist => "exist",
            Op::NotExist => "notExist",
            Op::In => "in",
            Op::NotIn => "notIn",
            Op::And => "and",
            Op::Or => "or",
        }
    }

    fn is_text(self) -> bool {
        matches!(self, Op::BeginsWith | Op::EndsWith | Op::Contains)
    }

    fn is_order(self) -> bool {
        matches!(self, Op::Gt | Op::Gte | Op::Lt | Op::Lte)
    }
}

/// One search condition, or a group of them (`and`/`or` with `items`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// eq, noteq, gt, gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in,
    /// notIn; or `and`/`or` with `items`.
    pub op: Op,
    /// The field: one of the tool's filter names (status, priority, company, ...) or an
    /// Autotask field name as autotask_get_field_info lists it (queueID, createDate). For a
    /// user-defined field, its name with `udf: true`.
    #[serde(default)]
    pub field: Option<String>,
    /// The value: a picklist label or number, a name or id for references (company,
    /// resource, contact), an ISO 8601 date for dates, a list for in/notIn, nothing for
    /// exist/notExist.
    #[serde(default)]
    #[schemars(schema_with = "crate::mcp::schema::any_value")]
    pub value: Option<Value>,
    /// `field` is a user-defined field (one per search).
    #[serde(default)]
    pub udf: bool,
    /// The conditions of an `and`/`or` group.
    #[serde(default)]
    pub items: Option<Vec<Condition>>,
}

impl Condition {
    pub fn new(field: &str, op: Op, value: Value) -> Condition {
        Condition {
            op,
            field: Some(field.to_string()),
            value: Some(value),
            udf: false,
            items: None,
        }
    }
}

/// A name to look up before a condition can be sent: the entity and the name given.
#[derive(Debug, Clone, PartialEq)]
pub struct NameRef {
    pub reference: String,
    pub name: String,
}

/// What compiling needs from the instance.
pub struct Schema<'a> {
    /// The entity as people say it: "tickets".
    pub many: &'a str,
    pub fields: &'a Fields,
    pub params: &'a [Param],
}

/// A condition's field after checking: the upstream name, its metadata, whether it is a UDF.
struct Target<'f> {
    wire: String,
    info: &'f FieldInfo,
    udf: bool,
}

/// Counts as it compiles: conditions, `or` conditions, UDF conditions.
#[derive(Default)]
struct Counts {
    conditions: usize,
    ors: usize,
    udfs: usize,
}

/// Compiles `conds` (ANDed) to Autotask's filter list. Names in reference conditions are
/// looked up with `lookup` (reference entity, name) -> id.
pub fn compile(
    schema: &Schema<'_>,
    conds: &[Condition],
    lookup: &dyn Fn(&NameRef) -> Option<Result<i64>>,
) -> Result<Vec<Value>> {
    let mut counts = Counts::default();
    let out = conds
        .iter()
        .enumerate()
        .map(|(i, c)| {
            one(
                schema,
                c,
                &format!("conditions[{i}]"),
                lookup,
                &mut counts,
                false,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    if counts.ors > MAX_OR {
        return Err(Error::invalid(
            "conditions",
            format!(
                "has {} 'or' conditions; Autotask allows at most {MAX_OR}: split the search",
                counts.ors
            ),
        ));
    }
    Ok(out)
}

/// The names `conds` mention in reference conditions, to look up before compiling.
pub fn names_to_find(schema: &Schema<'_>, conds: &[Condition]) -> Vec<NameRef> {
    let mut out = Vec::new();
    let mut stack: Vec<&Condition> = conds.iter().collect();
    while let Some(c) = stack.pop() {
        if let Some(items) = &c.items {
            stack.extend(items.iter());
        }
        let Some(t) = c
            .field
            .as_deref()
            .and_then(|f| target(schema, f, c.udf).ok())
        else {
            continue;
        };
        let Some(reference) = t
            .info
            .reference_entity_type
            .clone()
            .filter(|_| t.info.is_reference)
        else {
            continue;
        };
        let values: Vec<&Value> = match &c.value {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => vec![],
        };
        for v in values {
            if let Some(s) = v.as_str().filter(|s| s.trim().parse::<i64>().is_err()) {
                out.push(NameRef {
                    reference: reference.clone(),
                    name: s.trim().to_string(),
                });
            }
        }
    }
    out.dedup();
    out
}

fn target<'f>(schema: &Schema<'f>, field: &str, udf: bool) -> Result<Target<'f>> {
    let f = field.trim();
    if udf {
        let info = schema.fields.udf(f).ok_or_else(|| {
            let known: Vec<&str> = schema.fields.udfs.iter().map(|u| u.name.as_str()).collect();
            Error::invalid(
                "field",
                format!(
                    "{f:?} is not a user-defined field of {}: known ones are {}",
                    schema.many,
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })?;
        return Ok(Target {
            wire: info.name.clone(),
            info,
            udf: true,
        });
    }
    let wire = schema
        .params
        .iter()
        .find(|p| p.param.eq_ignore_ascii_case(f))
        .map(|p| p.wire)
        .unwrap_or(f);
    let info = schema.fields.get(wire).ok_or_else(|| {
        let params: Vec<&str> = schema.params.iter().map(|p| p.param).collect();
        Error::invalid(
            "field",
            format!(
                "{f:?} is not a field of {}: use one of {} or an Autotask field name \
                 (autotask_get_field_info lists them; add udf: true for a user-defined field)",
                schema.many,
                params.join(", ")
            ),
        )
    })?;
    if !info.is_queryable {
        return Err(Error::invalid(
            "field",
            format!("{f:?} cannot be searched in Autotask (it is not queryable)"),
        ));
    }
    Ok(Target {
        wire: info.name.clone(),
        info,
        udf: false,
    })
}

fn one(
    schema: &Schema<'_>,
    c: &Condition,
    at: &str,
    lookup: &dyn Fn(&NameRef) -> Option<Result<i64>>,
    counts: &mut Counts,
    in_or: bool,
) -> Result<Value> {
    counts.conditions += 1;
    if counts.conditions > MAX_CONDITIONS {
        return Err(Error::invalid(
            "conditions",
            format!("has more than {MAX_CONDITIONS} conditions: narrow the search"),
        ));
    }
    if in_or {
        counts.ors += 1;
    }
    if matches!(c.op, Op::And | Op::Or) {
        let items = c.items.as_deref().unwrap_or_default();
        if items.is_empty() || c.field.is_some() || c.value.is_some() {
            return Err(Error::invalid(
                at,
                format!(
                    "a {} group takes `items` (a non-empty list of conditions) and no field or \
                     value",
                    c.op.wire()
                ),
            ));
        }
        let or = c.op == Op::Or;
        let compiled = items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                one(
                    schema,
                    x,
                    &format!("{at}.items[{i}]"),
                    lookup,
                    counts,
                    or || in_or,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok(json!({"op": c.op.wire(), "items": compiled}));
    }
    if c.items.is_some() {
        return Err(Error::invalid(
            at,
            "`items` belongs to an and/or group only",
        ));
    }
    let field = c
        .field
        .as_deref()
        .ok_or_else(|| Error::invalid(at, format!("a {} condition needs a field", c.op.wire())))?;
    let t = target(schema, field, c.udf).map_err(|e| Error::invalid(at, e.message))?;
    if t.udf {
        counts.udfs += 1;
        if counts.udfs > 1 {
            return Err(Error::invalid(
                at,
                "Autotask allows one user-defined field condition per search",
            ));
        }
    }
    let value = value_for(&t, c, at, lookup)?;
    if matches!(c.op, Op::In | Op::NotIn) && in_or {
        counts.ors += value.as_ref().and_then(Value::as_array).map_or(0, Vec::len);
    }
    let mut out = json!({"op": c.op.wire(), "field": t.wire});
    if let Some(v) = value {
        out["value"] = v;
    }
    if t.udf {
        out["udf"] = json!(true);
    }
    Ok(out)
}

fn value_for(
    t: &Target<'_>,
    c: &Condition,
    at: &str,
    lookup: &dyn Fn(&NameRef) -> Option<Result<i64>>,
) -> Result<Option<Value>> {
    let name = &t.wire;
    match (c.op, &c.value) {
        (Op::Exist | Op::NotExist, None) => Ok(None),
        (Op::Exist | Op::NotExist, Some(_)) => Err(Error::invalid(
            at,
            format!(
                "{} takes no value (it tests whether {name} is empty)",
                c.op.wire()
            ),
        )),
        (_, None) => Err(Error::invalid(
            at,
            format!("{} on {name} needs a value", c.op.wire()),
        )),
        (Op::In | Op::NotIn, Some(Value::Array(a))) => {
            if a.is_empty() || a.len() > MAX_OR {
                return Err(Error::invalid(
                    at,
                    format!("{} takes a list of 1 to {MAX_OR} values", c.op.wire()),
                ));
            }
            let vs = a
                .iter()
                .map(|v| scalar(t, c.op, v, at, lookup))
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(Value::Array(vs)))
        }
        (Op::In | Op::NotIn, Some(_)) => Err(Error::invalid(
            at,
            format!(
                "{} takes a list of values, e.g. [\"New\", \"In Progress\"]",
                c.op.wire()
            ),
        )),
        (_, Some(Value::Array(_))) => Err(Error::invalid(
            at,
            format!("{} takes one value; use in for a list", c.op.wire()),
        )),
        (op, Some(v)) => scalar(t, op, v, at, lookup).map(Some),
    }
}

fn scalar(
    t: &Target<'_>,
    op: Op,
    v: &Value,
    at: &str,
    lookup: &dyn Fn(&NameRef) -> Option<Result<i64>>,
) -> Result<Value> {
    let info = t.info;
    let name = &t.wire;
    let dtype = info.data_type.to_ascii_lowercase();
    if op.is_text() {
        return match v {
            Value::String(s) if !info.is_pick_list && !info.is_reference => Ok(json!(s)),
            _ if info.is_pick_list || info.is_reference || dtype != "string" && !t.udf => {
                Err(Error::invalid(
                    at,
                    format!(
                        "{} works on text; {name} is not text: use eq or in",
                        op.wire()
                    ),
                ))
            }
            _ => Err(Error::invalid(at, format!("{} needs text", op.wire()))),
        };
    }
    if info.is_pick_list {
        return pick_value(info, v, at);
    }
    if info.is_reference {
        return match v {
            Value::Number(n) if n.is_i64() => Ok(v.clone()),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                Ok(json!(s.trim().parse::<i64>().unwrap_or_default()))
            }
            Value::String(s) => {
                let reference = info.reference_entity_type.clone().unwrap_or_default();
                let found = lookup(&NameRef {
                    reference: reference.clone(),
                    name: s.trim().to_string(),
                });
                match found {
                    Some(r) => r
                        .map(Value::from)
                        .map_err(|e| Error::invalid(at, e.message)),
                    None => Err(Error::invalid(
                        at,
                        format!("{name} takes the id of a {reference}, not a name"),
                    )),
                }
            }
            _ => Err(Error::invalid(at, format!("{name} takes an id or a name"))),
        };
    }
    match dtype.as_str() {
        "integer" | "long" | "short" | "byte" => match v {
            Value::Number(n) if n.is_i64() => Ok(v.clone()),
            // Flags such as contacts' isActive are integers 1/0 in Autotask.
            Value::Bool(b) => Ok(json!(i64::from(*b))),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                Ok(json!(s.trim().parse::<i64>().unwrap_or_default()))
            }
            _ => Err(Error::invalid(at, format!("{name} takes a whole number"))),
        },
        "double" | "decimal" | "float" => match v {
            Value::Number(_) => Ok(v.clone()),
            _ => Err(Error::invalid(at, format!("{name} takes a number"))),
        },
        "boolean" => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(json!(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(json!(false)),
            _ => Err(Error::invalid(at, format!("{name} takes true or false"))),
        },
        "datetime" | "date" => match v {
            Value::String(s) => date(s).map(Value::String).ok_or_else(|| {
                Error::invalid(
                    at,
                    format!(
                        "{name} takes an ISO 8601 date (2026-11-30 or 2026-11-30T08:00:00Z, UTC), \
                     not {s:?}"
                    ),
                )
            }),
            _ => Err(Error::invalid(at, format!("{name} takes an ISO 8601 date"))),
        },
        _ => match v {
            Value::String(_) => Ok(v.clone()),
            Value::Number(n) => Ok(json!(n.to_string())),
            Value::Bool(b) => Ok(json!(b.to_string())),
            _ => Err(Error::invalid(at, format!("{name} takes text"))),
        },
    }
    .and_then(|v| {
        if op.is_order() && dtype == "boolean" {
            Err(Error::invalid(
                at,
                format!("{} does not apply to true/false", op.wire()),
            ))
        } else {
            Ok(v)
        }
    })
}

/// A picklist value given by label or number, as the instance's value.
pub fn pick_value(info: &FieldInfo, v: &Value, at: &str) -> Result<Value> {
    let given = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(Error::invalid(
                at,
                format!("{} takes a label or number", info.name),
            ));
        }
    };
    let values = info.picklist_values.as_deref().unwrap_or_default();
    let found = values
        .iter()
        .find(|p| p.value == given)
        .or_else(|| values.iter().find(|p| p.label.eq_ignore_ascii_case(&given)));
    match found {
        Some(p) if info.is_numeric() => Ok(p
            .value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(p.value))),
        Some(p) => Ok(json!(p.value)),
        None => {
            let known: Vec<String> = info
                .active()
                .iter()
                .map(|p| format!("{} ({})", p.label, p.value))
                .collect();
            Err(Error::invalid(
                at,
                format!(
                    "{given:?} is not a {} of this Autotask instance: it has {}",
                    info.name,
                    known.join(", ")
                ),
            ))
        }
    }
}

/// `2026-11-30` or an RFC 3339 time, as Autotask's UTC form `2026-11-30T00:00:00Z`.
pub fn date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| format!("{}T00:00:00Z", d.format("%Y-%m-%d")))
}

#[cfg(test)]
mod tests;
