//! django-helpdesk names to ids: statuses and priorities (fixed tables, also as the UI labels
//! them, "1. Critical"), queues and users (from the ticket form), on top of
//! [`crate::backends::resolve`].
//!
//! Owns: how django-helpdesk's names are spelled and which tool lists them. Must not: read
//! anything upstream (the caller passes the choices).

use super::client::Choices;
use super::models::{Choice, PRIORITIES, STATUSES};
use crate::backends::resolve::{self, Lookup, More, Named};
use crate::error::Result;
use crate::mcp::params::IdOrName;

impl Named for Choice {
    fn id(&self) -> i64 {
        self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

const QUEUES: Lookup<'static> = Lookup {
    what: "queue",
    see: "django_helpdesk_get_queues",
    shown: 30,
    trust_ids: false,
    refuse_several: false,
    more: More::Counted,
};

const USERS: Lookup<'static> = Lookup {
    what: "user",
    see: "django_helpdesk_get_users",
    ..QUEUES
};

/// A status or priority name as the tables spell it: "1. Critical" and "very low" are
/// "critical" and "very_low".
fn norm(s: &str) -> String {
    let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    norm.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '_')
        .to_string()
}

/// Resolves a status name or number (1-5) to its number.
pub fn resolve_status(field: &str, v: &IdOrName) -> Result<i64> {
    resolve::resolve_enum(field, v, STATUSES, norm)
}

/// Resolves a priority name or number (1-5) to its number.
pub fn resolve_priority(field: &str, v: &IdOrName) -> Result<i64> {
    resolve::resolve_enum(field, v, PRIORITIES, norm)
}

/// A queue by id or title.
pub fn resolve_queue(field: &str, v: &IdOrName, choices: &Choices) -> Result<Choice> {
    resolve::find_named(field, v, &choices.queues, &QUEUES).cloned()
}

/// A user by id or username.
pub fn resolve_user(field: &str, v: &IdOrName, choices: &Choices) -> Result<Choice> {
    resolve::find_named(field, v, &choices.users, &USERS).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_name_or_number() {
        assert_eq!(
            resolve_status("s", &IdOrName::Name("Closed".into())).unwrap(),
            4
        );
        assert_eq!(resolve_status("s", &IdOrName::Id(2)).unwrap(), 2);
        assert_eq!(resolve_status("s", &IdOrName::Name("3".into())).unwrap(), 3);
        let e = resolve_status("status", &IdOrName::Name("pending".into())).unwrap_err();
        assert!(
            e.message.starts_with("status:") && e.message.contains("open (1)"),
            "{}",
            e.message
        );
        assert!(resolve_status("status", &IdOrName::Id(9)).is_err());
    }

    #[test]
    fn priorities_accept_ui_labels() {
        assert_eq!(
            resolve_priority("p", &IdOrName::Name("1. Critical".into())).unwrap(),
            1
        );
        assert_eq!(
            resolve_priority("p", &IdOrName::Name("very low".into())).unwrap(),
            5
        );
        assert_eq!(
            resolve_priority("p", &IdOrName::Name("HIGH".into())).unwrap(),
            2
        );
    }

    #[test]
    fn queues_and_users_by_id_or_name() {
        let choice = |id, name: &str| Choice {
            id,
            name: name.into(),
        };
        let choices = Choices {
            queues: vec![choice(1, "Support")],
            users: vec![choice(3, "agent1")],
        };
        let q = resolve_queue("queue", &IdOrName::Name("support".into()), &choices);
        assert_eq!(q.map(|q| q.id).ok(), Some(1));
        let e = resolve_user("assigned_to", &IdOrName::Id(4), &choices).unwrap_err();
        assert_eq!(
            e.message,
            "assigned_to: no user matches id 4; known users: agent1 (3)"
        );
    }
}
