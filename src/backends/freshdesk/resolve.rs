//! Id-or-name resolution against the account's reference data: agents, groups, companies,
//! statuses (with the account's custom ones), priorities, sources, ticket types and custom
//! fields. An unknown name is refused with the known ones listed, naming the tool argument.
//! Agents, groups, companies and the enum tables go through [`crate::backends::resolve`].
//!
//! Owns: Freshdesk's lookup options and wording. Must not: call Freshdesk (the caller passes
//! [`Refs`]) or build request bodies.

use serde_json::{Map, Value};

use super::models::{self, Named, PRIORITIES, Refs, SOURCES, norm};
use crate::backends::resolve::{self, Lookup, More};
use crate::error::{Error, Result};
use crate::mcp::params::IdOrName;

impl resolve::Named for Named {
    fn id(&self) -> i64 {
        self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    /// By name or e-mail (agents and contacts have one), ignoring ASCII case.
    fn is_named(&self, given: &str) -> bool {
        self.name.eq_ignore_ascii_case(given)
            || self
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(given))
    }
}

/// Ids are taken as given (the lists may be incomplete), a name of several is refused, 25
/// known names are listed.
const AGENTS: Lookup<'static> = Lookup {
    what: "agent",
    see: "freshdesk_list_agents",
    shown: 25,
    trust_ids: true,
    refuse_several: true,
    more: More::Ellipsis,
};

const GROUPS: Lookup<'static> = Lookup {
    what: "group",
    see: "freshdesk_list_groups",
    ..AGENTS
};

const COMPANIES: Lookup<'static> = Lookup {
    what: "company",
    see: "freshdesk_list_companies",
    ..AGENTS
};

/// An agent by id, name or e-mail (the `assigned_to` argument).
pub fn agent(refs: &Refs, v: &IdOrName) -> Result<i64> {
    resolve::resolve_named("assigned_to", v, &refs.agents, &AGENTS)
}

/// A group by id or name.
pub fn group(refs: &Refs, v: &IdOrName) -> Result<i64> {
    resolve::resolve_named("group", v, &refs.groups, &GROUPS)
}

/// A company by id or name.
pub fn company(refs: &Refs, v: &IdOrName) -> Result<i64> {
    resolve::resolve_named("company", v, &refs.companies, &COMPANIES)
}

/// A status by name (including the account's custom statuses) or number.
pub fn status(refs: &Refs, v: &IdOrName) -> Result<i64> {
    if refs.statuses.is_empty() {
        table("status", v, models::STATUSES)
    } else {
        table("status", v, &refs.statuses)
    }
}

/// A priority by name or number.
pub fn priority(v: &IdOrName) -> Result<i64> {
    table("priority", v, PRIORITIES)
}

/// A source by name or number.
pub fn source(v: &IdOrName) -> Result<i64> {
    table("source", v, SOURCES)
}

/// A value of a fixed table; the error says "id 9 is not valid".
fn table<S: AsRef<str>>(field: &str, v: &IdOrName, table: &[(i64, S)]) -> Result<i64> {
    resolve::resolve_enum_as(field, v, table, norm, resolve::given)
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
