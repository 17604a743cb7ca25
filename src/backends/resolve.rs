//! Id-or-name resolution of tool parameters: against a list of named choices read from the
//! helpdesk (queues, users, agents, groups) and against a fixed table of enum values
//! (statuses, priorities), with errors that list what is known.
//!
//! Owns: [`find_named`], [`resolve_named`], [`resolve_enum`] and their wording. Must not:
//! know any backend, or read anything upstream (the caller passes the list).

use crate::error::{Error, Result};
use crate::mcp::params::IdOrName;

/// Something a parameter can name: an id and a name (and maybe another name, e.g. an e-mail).
pub trait Named {
    fn id(&self) -> i64;
    fn name(&self) -> &str;
    /// Whether `given` (trimmed) names this one; by default its name, ignoring ASCII case.
    fn is_named(&self, given: &str) -> bool {
        self.name().eq_ignore_ascii_case(given)
    }
}

/// How a list of named choices is searched and how its errors read.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    /// What the list holds, singular: "queue", "user".
    pub what: &'a str,
    /// The tool that lists them all, for the error: "django_helpdesk_get_queues".
    pub see: &'a str,
    /// How many known names an error lists before "... N more".
    pub shown: usize,
    /// [`resolve_named`] takes an id as given, without looking for it in the list (for lists
    /// that may be incomplete).
    pub trust_ids: bool,
    /// A name that matches several entries is refused ("give the id"); otherwise the first
    /// one is taken.
    pub refuse_several: bool,
    /// How an error ends a list of known names that was cut at [`Lookup::shown`].
    pub more: More,
}

/// The end of a cut list of known names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum More {
    /// "..., ... 12 more (see TOOL)", with the tool [`Lookup::see`].
    Counted,
    /// "..., ...".
    Ellipsis,
}

impl<'a> Lookup<'a> {
    /// Ids are checked against the list, the first of several matches is taken, 30 shown.
    pub fn new(what: &'a str, see: &'a str) -> Lookup<'a> {
        Lookup {
            what,
            see,
            shown: 30,
            trust_ids: false,
            refuse_several: false,
            more: More::Counted,
        }
    }
}

/// How a given value reads in an error: `id 7` or `"Support"`.
pub fn given(v: &IdOrName) -> String {
    match v {
        IdOrName::Id(n) => format!("id {n}"),
        IdOrName::Name(s) => format!("\"{s}\""),
    }
}

/// How a given value reads in an error, a number as it is: `7` or `"Support"`.
pub fn given_bare(v: &IdOrName) -> String {
    match v {
        IdOrName::Id(n) => n.to_string(),
        IdOrName::Name(s) => format!("\"{s}\""),
    }
}

/// The entry of `list` that `v` names: by id, or by name (a name that is a number is an id).
pub fn find_named<'l, N: Named>(
    field: &str,
    v: &IdOrName,
    list: &'l [N],
    how: &Lookup,
) -> Result<&'l N> {
    let by_id = |n: i64| list.iter().find(|c| c.id() == n);
    let found = match v {
        IdOrName::Id(n) => by_id(*n),
        IdOrName::Name(s) => {
            let s = s.trim();
            let named: Vec<&N> = list.iter().filter(|c| c.is_named(s)).collect();
            if how.refuse_several && named.len() > 1 {
                return Err(several(field, v, &named, how));
            }
            named
                .first()
                .copied()
                .or_else(|| s.parse::<i64>().ok().and_then(by_id))
        }
    };
    found.ok_or_else(|| unknown(field, v, list, how))
}

/// The id that `v` names; with [`Lookup::trust_ids`], an id (or a number) is taken as given.
pub fn resolve_named<N: Named>(field: &str, v: &IdOrName, list: &[N], how: &Lookup) -> Result<i64> {
    if how.trust_ids {
        match v {
            IdOrName::Id(n) => return Ok(*n),
            IdOrName::Name(s) => {
                if let Ok(n) = s.trim().parse::<i64>() {
                    return Ok(n);
                }
            }
        }
    }
    find_named(field, v, list, how).map(Named::id)
}

fn unknown<N: Named>(field: &str, v: &IdOrName, list: &[N], how: &Lookup) -> Error {
    let what = how.what;
    let mut names: Vec<String> = list
        .iter()
        .take(how.shown)
        .map(|c| format!("{} ({})", c.name(), c.id()))
        .collect();
    if list.len() > how.shown {
        names.push(match how.more {
            More::Counted => format!("... {} more (see {})", list.len() - how.shown, how.see),
            More::Ellipsis => "...".to_string(),
        });
    }
    Error::invalid(
        field,
        format!(
            "no {what} matches {}; known {what}s: {}",
            given(v),
            names.join(", ")
        ),
    )
}

fn several<N: Named>(field: &str, v: &IdOrName, named: &[&N], how: &Lookup) -> Error {
    let ids: Vec<String> = named.iter().map(|c| c.id().to_string()).collect();
    Error::invalid(
        field,
        format!(
            "{} matches several {}s ({}); give the id",
            given(v),
            how.what,
            ids.join(", ")
        ),
    )
}

/// `name (id), ...` for an enum table, names as `norm` spells them.
pub fn enum_names<S: AsRef<str>>(table: &[(i64, S)], norm: fn(&str) -> String) -> String {
    table
        .iter()
        .map(|(n, s)| format!("{} ({n})", norm(s.as_ref())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value of a fixed table by number, or by name as `norm` spells names (a name that is a
/// number is that number); the error names the value as it was given: `9 is not valid`.
pub fn resolve_enum<S: AsRef<str>>(
    field: &str,
    v: &IdOrName,
    table: &[(i64, S)],
    norm: fn(&str) -> String,
) -> Result<i64> {
    resolve_enum_as(field, v, table, norm, given_bare)
}

/// [`resolve_enum`], the error naming the value as `shown` writes it: [`given`] makes it
/// `id 9 is not valid`.
pub fn resolve_enum_as<S: AsRef<str>>(
    field: &str,
    v: &IdOrName,
    table: &[(i64, S)],
    norm: fn(&str) -> String,
    shown: fn(&IdOrName) -> String,
) -> Result<i64> {
    let found = match v {
        IdOrName::Id(n) => table.iter().find(|(id, _)| id == n),
        IdOrName::Name(s) => {
            let given = norm(s);
            table
                .iter()
                .find(|(id, name)| norm(name.as_ref()) == given || s.trim() == id.to_string())
        }
    };
    found.map(|(id, _)| *id).ok_or_else(|| {
        Error::invalid(
            field,
            format!(
                "{} is not valid; use one of: {}",
                shown(v),
                enum_names(table, norm)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Q(i64, &'static str);

    impl Named for Q {
        fn id(&self) -> i64 {
            self.0
        }
        fn name(&self) -> &str {
            self.1
        }
    }

    const QUEUES: &[Q] = &[Q(1, "Support"), Q(2, "Billing"), Q(3, "support")];

    fn name(s: &str) -> IdOrName {
        IdOrName::Name(s.into())
    }

    #[test]
    fn names_and_ids_are_found() {
        let how = Lookup::new("queue", "get_queues");
        let found = |v: &IdOrName| find_named("queue", v, QUEUES, &how).map(|q| q.0);
        assert_eq!(found(&name(" billing ")).ok(), Some(2));
        assert_eq!(
            found(&name("SUPPORT")).ok(),
            Some(1),
            "the first of several"
        );
        assert_eq!(found(&name("3")).ok(), Some(3));
        assert_eq!(found(&IdOrName::Id(2)).ok(), Some(2));
        let e = found(&IdOrName::Id(9)).unwrap_err();
        assert_eq!(
            e.message,
            "queue: no queue matches id 9; known queues: Support (1), Billing (2), support (3)"
        );
    }

    #[test]
    fn long_lists_point_to_the_tool_and_trusted_ids_pass() {
        let how = Lookup {
            shown: 1,
            ..Lookup::new("queue", "get_queues")
        };
        let e = resolve_named("q", &name("x"), QUEUES, &how).unwrap_err();
        assert!(
            e.message
                .ends_with("Support (1), ... 2 more (see get_queues)")
        );
        let trusted = Lookup {
            trust_ids: true,
            refuse_several: true,
            ..how
        };
        assert_eq!(
            resolve_named("q", &IdOrName::Id(77), QUEUES, &trusted).ok(),
            Some(77)
        );
        let e = resolve_named("q", &name("support"), QUEUES, &trusted).unwrap_err();
        assert_eq!(
            e.message,
            "q: \"support\" matches several queues (1, 3); give the id"
        );
    }

    #[test]
    fn enums_by_number_or_name() {
        let norm = |s: &str| s.trim().to_ascii_lowercase();
        let table = [(1, "open"), (2, "closed")];
        assert_eq!(
            resolve_enum("s", &name("Closed"), &table, norm).ok(),
            Some(2)
        );
        assert_eq!(resolve_enum("s", &name("1"), &table, norm).ok(), Some(1));
        assert_eq!(
            resolve_enum("s", &IdOrName::Id(2), &table, norm).ok(),
            Some(2)
        );
        let e = resolve_enum("s", &IdOrName::Id(9), &table, norm).unwrap_err();
        assert_eq!(
            e.message,
            "s: 9 is not valid; use one of: open (1), closed (2)"
        );
    }
}
