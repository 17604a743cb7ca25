//! Daktela's models as one table ([`Resource`]): path, key, the fields a list may sort by
//! and the filters a tool may use (each mapped to the model's own field), plus the typed
//! reads: a page of a list, one record (names percent-encoded; `..` and `/` refused), a
//! ticket's activities, and the reference data.
//!
//! Owns: model names, field names and the allow-lists (Daktela silently answers 0 rows for an
//! unknown sort or filter field, so nothing outside them is ever sent). Must not: know about
//! MCP, or format for people.

use std::sync::Arc;

use serde_json::Value;

use super::client::{DaktelaClient, ListPage};
use super::models::{Named, Refs};
use super::query::{Filter, ListQuery, Op};
use crate::error::{Error, ErrorKind, Result};

/// A filter a tool offers, and the model field it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Stage,
    Priority,
    Category,
    Queue,
    User,
    Contact,
    Account,
    Ticket,
    Type,
    Direction,
    Answered,
    Activity,
    /// The date range (`date_from`, `date_to`).
    Time,
    /// Text in the label.
    Title,
}

/// One Daktela model as the tools read it.
#[derive(Debug)]
pub struct Resource {
    pub model: &'static str,
    /// For messages: "ticket", "call".
    pub one: &'static str,
    pub key: &'static str,
    /// The fields a list may sort by, the first the default.
    pub sort: &'static [&'static str],
    /// Sort newest first by default.
    pub desc: bool,
    /// The filters, each with the model's field.
    pub facets: &'static [(Facet, &'static str)],
    /// Fields whose text a customer may have written (marked untrusted in answers).
    pub customer_text: &'static [&'static str],
    /// The web UI's page of a record: `{model}/update/{key}` under the instance root.
    pub web: bool,
}

impl Resource {
    /// The model field behind `facet`, or why this list has no such filter.
    pub fn field(&self, facet: Facet, param: &str) -> Result<&'static str> {
        self.facets
            .iter()
            .find(|(f, _)| *f == facet)
            .map(|(_, w)| *w)
            .ok_or_else(|| {
                Error::invalid(
                    param,
                    format!("the {} list has no {param} filter", self.one),
                )
            })
    }

    /// `given` as one of the sort fields, or the allowed ones.
    pub fn sort_field(&self, given: Option<&str>) -> Result<&'static str> {
        let Some(given) = given.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(self.sort[0]);
        };
        self.sort
            .iter()
            .find(|f| f.eq_ignore_ascii_case(given))
            .copied()
            .ok_or_else(|| {
                Error::invalid(
                    "sort",
                    format!(
                        "{given:?} is not a field {}s can be sorted by: use one of {}",
                        self.one,
                        self.sort.join(", ")
                    ),
                )
            })
    }
}

const ACTIVITY_FACETS: &[(Facet, &str)] = &[
    (Facet::Queue, "queue"),
    (Facet::User, "user"),
    (Facet::Contact, "contact.title"),
    (Facet::Time, "time"),
    (Facet::Title, "title"),
];
const CHAT_SORT: &[&str] = &["time", "duration", "wait_time", "name"];

macro_rules! channel {
    ($c:ident, $model:literal, $one:literal) => {
        pub const $c: Resource = Resource {
            model: $model,
            one: $one,
            key: "name",
            sort: CHAT_SORT,
            desc: true,
            facets: ACTIVITY_FACETS,
            customer_text: &["title", "text"],
            web: false,
        };
    };
}

pub const TICKETS: Resource = Resource {
    model: "tickets",
    one: "ticket",
    key: "name",
    sort: &[
        "last_activity",
        "created",
        "edited",
        "name",
        "title",
        "priority",
        "stage",
        "sla_deadtime",
        "closed",
    ],
    desc: true,
    facets: &[
        (Facet::Stage, "stage"),
        (Facet::Priority, "priority"),
        (Facet::Category, "category"),
        (Facet::User, "user"),
        (Facet::Contact, "contact.title"),
        (Facet::Account, "contact.account.title"),
        (Facet::Time, "created"),
        (Facet::Title, "title"),
    ],
    customer_text: &["title", "description"],
    web: true,
};

pub const ACTIVITIES: Resource = Resource {
    model: "activities",
    one: "activity",
    key: "name",
    sort: &["time", "time_open", "time_close", "duration", "name"],
    desc: true,
    facets: &[
        (Facet::Queue, "queue"),
        (Facet::User, "user"),
        (Facet::Contact, "contact.title"),
        (Facet::Ticket, "ticket"),
        (Facet::Type, "type"),
        (Facet::Time, "time"),
        (Facet::Title, "title"),
    ],
    customer_text: &["title", "description"],
    web: false,
};

pub const CALLS: Resource = Resource {
    model: "activitiesCall",
    one: "call",
    key: "id_call",
    sort: &["call_time", "duration", "waiting_time", "id_call"],
    desc: true,
    facets: &[
        (Facet::Queue, "id_queue"),
        (Facet::User, "id_agent"),
        (Facet::Contact, "contact.title"),
        (Facet::Direction, "direction"),
        (Facet::Answered, "answered"),
        (Facet::Time, "call_time"),
        (Facet::Title, "clid"),
    ],
    customer_text: &[],
    web: false,
};

pub const TRANSCRIPTS: Resource = Resource {
    model: "activitiesCallTranscripts",
    one: "transcript line",
    key: "name",
    sort: &["start", "end"],
    desc: false,
    facets: &[(Facet::Activity, "activity"), (Facet::Time, "start")],
    customer_text: &["text"],
    web: false,
};

pub const EMAILS: Resource = Resource {
    model: "activitiesEmail",
    one: "e-mail",
    key: "name",
    sort: &["time", "duration", "name", "title"],
    desc: true,
    facets: &[
        (Facet::Queue, "queue"),
        (Facet::User, "user"),
        (Facet::Contact, "contact.title"),
        (Facet::Direction, "direction"),
        (Facet::Answered, "answered"),
        (Facet::Time, "time"),
        (Facet::Title, "title"),
    ],
    customer_text: &["title", "text"],
    web: false,
};

channel!(WEB_CHATS, "activitiesWeb", "web chat");
channel!(SMS, "activitiesSms", "SMS chat");
channel!(MESSENGER, "activitiesFbm", "Messenger chat");
channel!(INSTAGRAM, "activitiesIgdm", "Instagram chat");
channel!(WHATSAPP, "activitiesWap", "WhatsApp chat");
channel!(VIBER, "activitiesVbr", "Viber chat");

pub const CONTACTS: Resource = Resource {
    model: "contacts",
    one: "contact",
    key: "name",
    sort: &["title", "lastname", "created", "edited", "name"],
    desc: false,
    facets: &[
        (Facet::Account, "account.title"),
        (Facet::User, "user"),
        (Facet::Time, "created"),
        (Facet::Title, "title"),
    ],
    customer_text: &[],
    web: true,
};

pub const ACCOUNTS: Resource = Resource {
    model: "accounts",
    one: "account",
    key: "name",
    sort: &["title", "created", "edited", "name"],
    desc: false,
    facets: &[
        (Facet::User, "user"),
        (Facet::Time, "created"),
        (Facet::Title, "title"),
    ],
    customer_text: &[],
    web: true,
};

pub const CRM_RECORDS: Resource = Resource {
    model: "crmRecords",
    one: "CRM record",
    key: "name",
    sort: &["created", "edited", "title", "name"],
    desc: true,
    facets: &[
        (Facet::Stage, "stage"),
        (Facet::User, "user"),
        (Facet::Contact, "contact.title"),
        (Facet::Account, "account.title"),
        (Facet::Ticket, "ticket"),
        (Facet::Time, "created"),
        (Facet::Title, "title"),
    ],
    customer_text: &[],
    web: false,
};

pub const CAMPAIGN_RECORDS: Resource = Resource {
    model: "campaignsRecords",
    one: "campaign record",
    key: "name",
    sort: &["nextcall", "edited", "created", "name"],
    desc: false,
    facets: &[
        (Facet::User, "user"),
        (Facet::Contact, "contact.title"),
        (Facet::Time, "nextcall"),
    ],
    customer_text: &[],
    web: false,
};

pub const CAMPAIGN_TYPES: Resource = Resource {
    model: "campaignsTypes",
    one: "campaign type",
    key: "name",
    sort: &["title", "name"],
    desc: false,
    facets: &[(Facet::Queue, "queue"), (Facet::Title, "title")],
    customer_text: &[],
    web: false,
};

pub const REALTIME: Resource = Resource {
    model: "realtimeSessions",
    one: "realtime session",
    key: "id_agent",
    sort: &["logintime", "statetime", "state", "id_agent"],
    desc: false,
    facets: &[(Facet::User, "id_agent"), (Facet::Queue, "lastqueue")],
    customer_text: &[],
    web: false,
};

/// The cached reference lists: model, and what one is called.
pub const REFERENCE: &[(&str, &str)] = &[
    ("queues", "queue"),
    ("users", "user"),
    ("groups", "group"),
    ("statuses", "status"),
    ("pauses", "pause"),
    ("ticketsCategories", "ticket category"),
    ("templates", "template"),
];

/// A record name as an agent gave it, safe for a path segment, or why not.
pub fn record_name(field: &str, raw: &str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Error::invalid(
            field,
            "is empty: give the record's name (its key)",
        ));
    }
    if s.contains('/') || s.contains('\\') || s.contains("..") || s == "." {
        return Err(Error::invalid(
            field,
            format!("{s:?} is not a record name: names contain no '/' and no '..'"),
        ));
    }
    if s.len() > 200 || s.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "is not a record name (too long, or with control characters)",
        ));
    }
    Ok(s.to_string())
}

/// A page of `r`'s list.
pub async fn list(c: &DaktelaClient, r: &Resource, q: &ListQuery) -> Result<ListPage> {
    c.list(r.model, &q.pairs(), &format!("the {} list", r.one))
        .await
}

/// One record of `r` by its key.
pub async fn get(c: &DaktelaClient, r: &Resource, name: &str) -> Result<Value> {
    let what = format!("{} {name}", r.one);
    let v = c.get(&[r.model, name], &[], &what).await?;
    if v.is_null() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("{what} not found in Daktela"),
        ));
    }
    Ok(v)
}

/// A ticket's activities, oldest first.
pub async fn ticket_activities(c: &DaktelaClient, ticket: &str) -> Result<ListPage> {
    let q = ListQuery {
        sort: vec![("time".into(), false)],
        take: 200,
        ..Default::default()
    };
    c.list_at(
        &["tickets", ticket, "activities"],
        &q.pairs(),
        &format!("the activities of ticket {ticket}"),
    )
    .await
}

/// Tickets of the account named `account` (its key or, ignoring case, its title).
pub fn account_is(account: &str) -> Filter {
    Filter::Group {
        or: true,
        filters: vec![
            Filter::eq("contact.account.name", account),
            Filter::Cond {
                field: "contact.account.title".into(),
                op: Op::Eq,
                values: vec![account.to_string()],
                ignore_case: true,
            },
        ],
    }
}

/// One line of a call transcript as Daktela stores it.
#[derive(Debug, Clone)]
pub struct TranscriptLine {
    pub start: Option<String>,
    /// agent, customer, ...
    pub speaker: String,
    pub text: String,
}

/// The activity names a call record links to (a list of names or of expanded activities).
fn call_activities(call: &Value) -> Vec<String> {
    match &call["activities"] {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                other => other["name"].as_str().map(str::to_string),
            })
            .collect(),
        Value::String(s) => vec![s.clone()],
        Value::Object(m) => m
            .get("name")
            .and_then(Value::as_str)
            .map(|n| vec![n.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A call's transcript (the call record as read), in order, across its activities.
pub async fn transcript(c: &DaktelaClient, call: &Value) -> Result<Vec<TranscriptLine>> {
    let mut lines = Vec::new();
    for activity in call_activities(call) {
        let q = ListQuery {
            filters: vec![Filter::eq("activity", activity)],
            sort: vec![("start".into(), false)],
            skip: 0,
            take: 1000,
            q: None,
        };
        for l in list(c, &TRANSCRIPTS, &q).await?.data {
            lines.push(TranscriptLine {
                start: l["start"].as_str().map(str::to_string),
                speaker: l["type"].as_str().unwrap_or("?").to_string(),
                text: l["text"].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(lines)
}

/// The reference data, fetched once per `client::REFS_TTL` per instance and identity.
pub async fn refs(c: &DaktelaClient, refresh: bool) -> Result<Arc<Refs>> {
    c.refs_cache().get(refresh, || fetch_refs(c)).await
}

async fn all_of(c: &DaktelaClient, model: &str) -> Result<Vec<Named>> {
    let q = ListQuery {
        sort: vec![("title".into(), false)],
        take: 1000,
        ..Default::default()
    };
    let page = c.list(model, &q.pairs(), &format!("the {model}")).await?;
    Ok(page.data.iter().map(Named::from_record).collect())
}

async fn fetch_refs(c: &DaktelaClient) -> Result<Refs> {
    let (queues, users, groups, statuses, pauses, categories, templates) = tokio::try_join!(
        all_of(c, "queues"),
        all_of(c, "users"),
        all_of(c, "groups"),
        all_of(c, "statuses"),
        all_of(c, "pauses"),
        all_of(c, "ticketsCategories"),
        all_of(c, "templates"),
    )?;
    Ok(Refs {
        queues,
        users,
        groups,
        statuses,
        pauses,
        categories,
        templates,
    })
}

/// The current user (`whoim.json`), for `check`.
pub async fn whoami(c: &DaktelaClient) -> Result<Value> {
    c.get(&["whoim"], &[], "the current user").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_leave_their_segment() {
        assert_eq!(
            record_name("name", " contacts_5f3a ").unwrap(),
            "contacts_5f3a"
        );
        assert_eq!(record_name("name", "Novák & syn").unwrap(), "Novák & syn");
        for bad in ["", "../users/admin", "a/b", "..", "x\\y", "a..b"] {
            let e = record_name("name", bad).unwrap_err();
            assert!(e.message.contains("name"), "{bad}: {e}");
        }
    }

    #[test]
    fn sort_fields_are_checked() {
        assert_eq!(TICKETS.sort_field(None).unwrap(), "last_activity");
        assert_eq!(TICKETS.sort_field(Some("Created")).unwrap(), "created");
        let e = TICKETS.sort_field(Some("colour")).unwrap_err();
        assert!(
            e.message.contains("sort") && e.message.contains("last_activity"),
            "{e}"
        );
        assert!(CALLS.field(Facet::Stage, "stage").is_err());
    }
}
