//! Daktela's records as the tools use them. Records stay JSON (Daktela's models are wide and
//! differ by instance); this module knows the few fields the tools read: the key (`name`, or
//! `id_call` for calls), the label (`title`), and the reference data the names come from.
//!
//! Must not: fetch anything, or format for people (the tools' render.rs does).

use serde_json::Value;

/// A record's key as text: Daktela sends strings, and integers for tickets.
pub fn key_of(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// A record's label: `title`, else its key.
pub fn title_of(v: &Value) -> String {
    match &v["title"] {
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => key_of(v, "name"),
    }
}

/// One entry of reference data: its key and its label, and the record.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub title: String,
    pub record: Value,
}

impl Named {
    pub fn from_record(v: &Value) -> Named {
        Named {
            name: key_of(v, "name"),
            title: title_of(v),
            record: v.clone(),
        }
    }
}

/// The instance's reference data, cached per instance and identity: what names resolve
/// through, and what ids are shown with.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub queues: Vec<Named>,
    pub users: Vec<Named>,
    pub groups: Vec<Named>,
    pub statuses: Vec<Named>,
    pub pauses: Vec<Named>,
    pub categories: Vec<Named>,
    pub templates: Vec<Named>,
}

impl Refs {
    /// The reference list named `what` (as in [`super::api::REFERENCE`]).
    pub fn list(&self, what: &str) -> &[Named] {
        match what {
            "queues" => &self.queues,
            "users" => &self.users,
            "groups" => &self.groups,
            "statuses" => &self.statuses,
            "pauses" => &self.pauses,
            "ticketsCategories" => &self.categories,
            _ => &self.templates,
        }
    }
}
