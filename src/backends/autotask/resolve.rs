//! A tool's parameters as Autotask's request body: picklist labels (or numbers) to the
//! instance's values, names of companies, resources, contacts and projects to ids, dates to
//! Autotask's UTC form, `isActive`-style flags to 1/0; and the canonical values policy sees
//! (labels, lower case; ids).
//!
//! Owns: [`Resolved`] and [`AutotaskClient::resolve_params`]. Must not: write anything, or
//! guess: an unknown label or a name that matches nothing or several is refused with the
//! known values (or the matches) listed.

use serde_json::{Map, Value, json};

use super::api::entities::Entity;
use super::api::query::{date, pick_value};
use super::client::AutotaskClient;
use std::collections::HashMap;

use super::api::entities;
use super::api::query::{Condition, NameRef, Schema, compile, names_to_find};
use super::models::{Fields, Given, Kind, Param, params_of};
use crate::error::{Error, Result};
use crate::mcp::params::IdOrName;

/// A call's parameters, resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// Upstream field -> value, for the request body.
    pub body: Map<String, Value>,
    /// Parameter -> canonical value, for policy (picklists by label in lower case).
    pub view: Map<String, Value>,
}

impl Resolved {
    /// The body value of a parameter, if given.
    pub fn get(&self, params: &[Param], param: &str) -> Option<&Value> {
        let p = params.iter().find(|p| p.param == param)?;
        self.body.get(p.wire)
    }
}

/// The lower-case label policy compares (`complete`, `internal project team`).
pub fn norm(label: &str) -> String {
    label.trim().to_lowercase()
}

fn given_value(g: &Given) -> Value {
    match g {
        Given::Text(s) => json!(s),
        Given::Int(n) => json!(n),
        Given::Number(n) => json!(n),
        Given::Bool(b) => json!(b),
        Given::Named(IdOrName::Id(n)) => json!(n),
        Given::Named(IdOrName::Name(s)) => json!(s),
    }
}

impl AutotaskClient {
    /// Resolves `given` (parameter name -> value) for `entity` against the instance.
    pub async fn resolve_params(
        &self,
        entity: &'static Entity,
        given: Vec<(&'static str, Given)>,
    ) -> Result<Resolved> {
        let fields = self.fields(entity, false).await?;
        let table = params_of(entity);
        let mut out = Resolved::default();
        for (param, g) in given {
            let p = table.iter().find(|p| p.param == param).ok_or_else(|| {
                Error::internal(format!("{param} is not a parameter of {}", entity.many))
            })?;
            let (wire, canonical) = self.resolve_one(&fields, entity, p, &g).await?;
            out.body.insert(p.wire.to_string(), wire);
            out.view.insert(p.param.to_string(), canonical);
        }
        Ok(out)
    }

    async fn resolve_one(
        &self,
        fields: &Fields,
        entity: &'static Entity,
        p: &Param,
        g: &Given,
    ) -> Result<(Value, Value)> {
        let info = fields.get(p.wire);
        if info.is_none() {
            return Err(Error::invalid(
                p.param,
                format!(
                    "this Autotask instance has no {} field on {} (nothing was sent)",
                    p.wire, entity.many
                ),
            ));
        }
        if let Some(f) = info
            && f.is_read_only
        {
            return Err(Error::invalid(
                p.param,
                format!(
                    "is read-only in Autotask's {} (it is set by Autotask)",
                    entity.many
                ),
            ));
        }
        let bad = |what: &str| Error::invalid(p.param, what.to_string());
        match (p.kind, g) {
            (Kind::Text, Given::Text(s)) => Ok((json!(s), json!(s))),
            (Kind::Int, Given::Int(n)) => Ok((json!(n), json!(n))),
            (Kind::Number, Given::Number(n)) => Ok((json!(n), json!(n))),
            (Kind::Number, Given::Int(n)) => Ok((json!(n), json!(n))),
            (Kind::Bool, Given::Bool(b)) => Ok((json!(b), json!(b))),
            (Kind::Flag, Given::Bool(b)) => Ok((json!(i64::from(*b)), json!(b))),
            (Kind::DateTime, Given::Text(s)) => {
                let d = date(s).ok_or_else(|| {
                    bad(&format!(
                        "{s:?} is not a date: give ISO 8601 (2026-12-01 or \
                         2026-12-01T09:30:00Z, UTC)"
                    ))
                })?;
                Ok((json!(d), json!(d)))
            }
            (Kind::Pick, g @ (Given::Named(_) | Given::Int(_) | Given::Text(_))) => {
                let info = info.filter(|f| f.is_pick_list).ok_or_else(|| {
                    bad(&format!(
                        "this Autotask instance has no {} picklist",
                        p.wire
                    ))
                })?;
                let raw = given_value(g);
                let value = pick_value(info, &raw, p.param)?;
                let label = info.label_of(&value).map(norm).unwrap_or_default();
                Ok((value, json!(label)))
            }
            (Kind::Ref(target), Given::Named(IdOrName::Id(n)) | Given::Int(n)) => {
                let _ = target;
                Ok((json!(n), json!(n)))
            }
            (Kind::Ref(target), Given::Named(IdOrName::Name(s)) | Given::Text(s)) => {
                if let Ok(n) = s.trim().parse::<i64>() {
                    return Ok((json!(n), json!(n)));
                }
                let id = self.id_for_name(target, p.param, s).await?;
                Ok((json!(id), json!(id)))
            }
            (kind, g) => Err(bad(&format!(
                "has the wrong type ({g:?} given, {kind:?} expected)"
            ))),
        }
    }

    /// The one `target` named `name`, or an error naming what was found.
    pub async fn id_for_name(
        &self,
        target: &'static Entity,
        param: &str,
        name: &str,
    ) -> Result<i64> {
        let found = self.find_by_name(target, name).await?;
        match found.as_slice() {
            [(id, _)] => Ok(*id),
            [] => Err(Error::invalid(
                param,
                format!(
                    "no {} is named {name:?}: give its id, or look it up with autotask_search_{}",
                    target.one,
                    target.many.replace(' ', "_")
                ),
            )),
            several => Err(Error::invalid(
                param,
                format!(
                    "{} {} are named {name:?} ({}): give the id",
                    several.len(),
                    target.many,
                    several
                        .iter()
                        .take(10)
                        .map(|(i, n)| format!("{n} #{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The picklist's highest value: the value whose label says critical, urgent or
    /// emergency, else high, else the first in Autotask's order.
    pub async fn top_priority(&self, entity: &'static Entity) -> Result<Option<Value>> {
        let fields = self.fields(entity, false).await?;
        let Some(f) = fields.get("priority") else {
            return Ok(None);
        };
        let active = f.active();
        let rank = |l: &str| {
            let l = l.to_lowercase();
            if ["critical", "urgent", "emergency", "p1"]
                .iter()
                .any(|w| l.contains(w))
            {
                0
            } else if l.contains("high") {
                1
            } else {
                2
            }
        };
        let best = active.iter().min_by_key(|p| (rank(&p.label), p.sort_order));
        Ok(best.and_then(|p| pick_value(f, &json!(p.value), "priority").ok()))
    }

    /// Whether a ticket status value is the instance's "Complete" (by label: complete,
    /// completed, closed or resolved; Autotask's system value 5 when the labels say nothing).
    pub async fn is_complete_status(&self, entity: &'static Entity, value: &Value) -> Result<bool> {
        let fields = self.fields(entity, false).await?;
        let Some(f) = fields.get("status") else {
            return Ok(false);
        };
        Ok(f.label_of(value).is_some_and(is_complete_label))
    }
}

/// Labels that mean the work is done.
pub fn is_complete_label(label: &str) -> bool {
    matches!(
        norm(label).as_str(),
        "complete" | "completed" | "closed" | "resolved" | "done"
    )
}

/// Whether a note's publish label keeps it inside the company ("Internal Only", "Internal
/// Project Team", "Internal & Co-managed"); every other value reaches the customer.
pub fn is_internal_publish(label: &str) -> bool {
    norm(label).contains("internal")
}

impl AutotaskClient {
    /// The publish value for a note: the instance's internal value (its default when that is
    /// internal) or, with `customer`, its value for everyone. Refused when it has none.
    pub async fn publish_value(&self, customer: bool) -> Result<(Value, String)> {
        let fields = self
            .fields(&super::api::entities::TICKET_NOTES, false)
            .await?;
        let f = fields
            .get("publish")
            .filter(|f| f.is_pick_list)
            .ok_or_else(|| {
                Error::invalid(
                    "visibility",
                    "this Autotask instance has no publish picklist on notes",
                )
            })?;
        let active = f.active();
        let wanted = |p: &super::models::Pick| is_internal_publish(&p.label) != customer;
        let chosen = active
            .iter()
            .find(|p| wanted(p) && p.is_default_value)
            .or_else(|| {
                active
                    .iter()
                    .find(|p| wanted(p) && customer && norm(&p.label).contains("all"))
            })
            .or_else(|| active.iter().find(|p| wanted(p)));
        let p = chosen.ok_or_else(|| {
            let known: Vec<String> = active
                .iter()
                .map(|p| format!("{} ({})", p.label, p.value))
                .collect();
            Error::invalid(
                "visibility",
                format!(
                    "this instance has no {} publish value for notes (it has {}); nothing was \
                     sent",
                    if customer {
                        "customer-visible"
                    } else {
                        "internal"
                    },
                    known.join(", ")
                ),
            )
        })?;
        Ok((
            pick_value(f, &json!(p.value), "visibility")?,
            p.label.clone(),
        ))
    }
}

impl AutotaskClient {
    /// Compiles conditions against the instance's metadata, looking up the names they give.
    pub async fn compile_conditions(
        &self,
        entity: &'static Entity,
        conds: &[Condition],
    ) -> Result<Vec<Value>> {
        let fields = self.fields(entity, false).await?;
        let schema = Schema {
            many: entity.many,
            fields: &fields,
            params: params_of(entity),
        };
        let mut found: HashMap<(String, String), Result<i64>> = HashMap::new();
        for n in names_to_find(&schema, conds) {
            let r = match entities::by_reference(&n.reference) {
                Some(t) if !t.name_fields.is_empty() => self.id_for_name(t, "value", &n.name).await,
                _ => Err(Error::invalid(
                    "value",
                    format!("{} is referenced by id only: give the id", n.reference),
                )),
            };
            found.insert((n.reference, n.name), r);
        }
        let lookup = |n: &NameRef| found.get(&(n.reference.clone(), n.name.clone())).cloned();
        compile(&schema, conds, &lookup)
    }
}

impl AutotaskClient {
    /// Field names as Autotask has them, from Autotask names or tool parameter names; an
    /// unknown one is refused, naming it.
    pub async fn field_names(
        &self,
        entity: &'static Entity,
        given: &[String],
    ) -> Result<Vec<String>> {
        if given.is_empty() {
            return Ok(Vec::new());
        }
        let fields = self.fields(entity, false).await?;
        let table = params_of(entity);
        given
            .iter()
            .map(|g| {
                let wire = table
                    .iter()
                    .find(|p| p.param.eq_ignore_ascii_case(g.trim()))
                    .map(|p| p.wire)
                    .unwrap_or(g.trim());
                fields.get(wire).map(|f| f.name.clone()).ok_or_else(|| {
                    Error::invalid(
                        "fields",
                        format!(
                            "{g:?} is not a field of {} (autotask_get_field_info lists them)",
                            entity.many
                        ),
                    )
                })
            })
            .collect()
    }
}
