//! Id-or-name resolution against the account's reference data: agents, groups, companies,
//! statuses (with the account's custom ones), priorities, sources, ticket types and custom
//! fields. An unknown name is refused with the known ones listed, naming the tool argument.
//!
//! Must not: call Freshdesk (the caller passes [`Refs`]) or build request bodies.

use serde_json::{Map, Value};

use super::models::{self, Named, PRIORITIES, Refs, SOURCES, norm};
use crate::error::{Error, Result};
use crate::mcp::params::IdOrName;

/// How many known names a refusal lists.
const LISTED: usize = 25;

fn given(v: &IdOrName) -> String {
    match v {
        IdOrName::Id(n) => format!("id {n}"),
        IdOrName::Name(s) => format!("\"{s}\""),
    }
}

/// An agent, group or company by id, name (or e-mail for agents).
fn named(field: &str, v: &IdOrName, list: &[Named], what: &str) -> Result<i64> {
    let s = match v {
        IdOrName::Id(n) => return Ok(*n),
        IdOrName::Name(s) => s.trim(),
    };
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let matches = |n: &&Named| {
        n.name.eq_ignore_ascii_case(s)
            || n.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(s))
    };
    let found: Vec<&Named> = list.iter().filter(matches).collect();
    match found.as_slice() {
        [one] => Ok(one.id),
        [] => {
            let names: Vec<String> = list
                .iter()
                .take(LISTED)
                .map(|n| format!("{} ({})", n.name, n.id))
                .collect();
            let more = if list.len() > LISTED { ", ..." } else { "" };
            let message = format!(
                "no {what} matches {}; known {what}s: {}{more}",
                given(v),
                names.join(", "),
            );
            Err(Error::invalid(field, message))
        }
        many => {
            let ids: Vec<String> = many.iter().map(|n| n.id.to_string()).collect();
            let message = format!(
                "{} matches several {what}s ({}); give the id",
                given(v),
                ids.join(", ")
            );
            Err(Error::invalid(field, message))
        }
    }
}

/// An agent by id, name or e-mail (the `assigned_to` argument).
pub fn agent(refs: &Refs, v: &IdOrName) -> Result<i64> {
    named("assigned_to", v, &refs.agents, "agent")
}

/// A group by id or name.
pub fn group(refs: &Refs, v: &IdOrName) -> Result<i64> {
    named("group", v, &refs.groups, "group")
}

/// A company by id or name.
pub fn company(refs: &Refs, v: &IdOrName) -> Result<i64> {
    named("company", v, &refs.companies, "company")
}

/// A status by name (including the account's custom statuses) or number.
pub fn status(refs: &Refs, v: &IdOrName) -> Result<i64> {
    if refs.statuses.is_empty() {
        table("status", v, &static_table(models::STATUSES))
    } else {
        table("status", v, &refs.statuses)
    }
}

/// A priority by name or number.
pub fn priority(v: &IdOrName) -> Result<i64> {
    table("priority", v, &static_table(PRIORITIES))
}

/// A source by name or number.
pub fn source(v: &IdOrName) -> Result<i64> {
    table("source", v, &static_table(SOURCES))
}

fn table(field: &str, v: &IdOrName, table: &[(i64, String)]) -> Result<i64> {
    let found = match v {
        IdOrName::Id(n) => table.iter().find(|(i, _)| i == n).map(|(i, _)| *i),
        IdOrName::Name(s) => table
            .iter()
            .find(|(i, n)| norm(n) == norm(s) || s.trim() == i.to_string())
            .map(|(i, _)| *i),
    };
    found.ok_or_else(|| {
        let names: Vec<String> = table
            .iter()
            .map(|(i, n)| format!("{} ({i})", norm(n)))
            .collect();
        let message = format!(
            "{} is not valid; use one of: {}",
            given(v),
            names.join(", ")
        );
        Error::invalid(field, message)
    })
}

fn static_table(t: &[(i64, &str)]) -> Vec<(i64, String)> {
    t.iter().map(|(i, n)| (*i, n.to_string())).collect()
}

/// A ticket type, spelt as the account spells it; refused if the account lists types and
/// this is not one of them.
pub fn ticket_type(refs: &Refs, t: &str) -> Result<String> {
    if refs.types.is_empty() {
        return Ok(t.to_string());
    }
    match refs.types.iter().find(|x| x.eq_ignore_ascii_case(t)) {
        Some(known) => Ok(known.clone()),
        None => Err(Error::invalid(
            "ticket_type",
            format!(
                "\"{t}\" is not a ticket type here; use one of: {}",
                refs.types.join(", ")
            ),
        )),
    }
}

/// Custom fields by name (with or without `cf_`) or label, checked against the account's;
/// the result is keyed by their API names.
pub fn custom_fields(given: &Map<String, Value>, refs: &Refs) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (k, v) in given {
        let key = k.trim();
        let field = refs.custom_fields.iter().find(|f| {
            f.name.eq_ignore_ascii_case(key)
                || f.name
                    .trim_start_matches("cf_")
                    .eq_ignore_ascii_case(key.trim_start_matches("cf_"))
                || f.label.eq_ignore_ascii_case(key)
        });
        let Some(f) = field else {
            let names: Vec<&str> = refs.custom_fields.iter().map(|f| f.name.as_str()).collect();
            let known = if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            };
            return Err(Error::invalid(
                "custom_fields",
                format!("\"{key}\" is not a custom field of this account; known: {known}"),
            ));
        };
        if !f.choices.is_empty()
            && let Some(s) = v.as_str()
            && !f.choices.iter().any(|c| c == s)
        {
            let message = format!(
                "{}: \"{s}\" is not one of: {}",
                f.name,
                f.choices.join(", ")
            );
            return Err(Error::invalid("custom_fields", message));
        }
        out.insert(f.name.clone(), v.clone());
    }
    Ok(out)
}
