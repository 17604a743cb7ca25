//! What the `daktela_*` tools answer: records as Daktela sends them (with the names a person
//! uses: every expanded reference's title), customer-written text marked untrusted, e-mail
//! bodies cleaned, transcripts as dialogue, a link to the record in the web UI where it has
//! one, and lists that say the total and where the next page starts. The shared output budget
//! drops whole records from the end of a list.
//!
//! Must not: fetch anything.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::super::api::Resource;
use super::super::models::{key_of, title_of};
use super::text::clean_email;
use crate::mcp::output::Render;
use crate::mcp::untrusted;

/// Fields shown first in Markdown, when a record has them.
const SHOWN: &[&str] = &[
    "stage",
    "priority",
    "state",
    "type",
    "action",
    "direction",
    "answered",
    "category",
    "queue",
    "id_queue",
    "user",
    "id_agent",
    "contact",
    "account",
    "ticket",
    "clid",
    "address",
    "email",
    "created",
    "edited",
    "last_activity",
    "time",
    "call_time",
    "start",
    "duration",
    "sla_deadtime",
];

/// One line of a call transcript.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Line {
    pub start: Option<String>,
    /// Who spoke (agent, customer, ...).
    pub speaker: String,
    pub text: String,
}

/// One record of a list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Entry {
    /// ticket, call, e-mail, contact, ...
    pub kind: String,
    /// The record's key.
    pub name: String,
    pub title: String,
    /// The record in Daktela's web UI.
    pub url: Option<String>,
    /// E-mails: the body as text, quoted replies and signature folded (the full text stays in
    /// `record.text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The record as Daktela sends it (references expanded), customer text marked.
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub record: Value,
}

/// One record, with what belongs to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecordOut {
    #[serde(flatten)]
    pub entry: Entry,
    /// Calls: the transcript, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Vec<Line>>,
    /// Tickets with detail: their activities, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activities: Option<Vec<Entry>>,
}

/// The title of an expanded reference (`{"name": .., "title": ..}`), or the value itself.
fn shown(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(_) => Some(title_of(v)),
        Value::Array(a) if a.is_empty() => None,
        Value::Array(a) => Some(a.iter().filter_map(shown).collect::<Vec<_>>().join(", ")),
    }
}

impl Entry {
    pub fn new(r: &Resource, mut record: Value, base_url: &str) -> Entry {
        let name = key_of(&record, r.key);
        let title = title_of(&record);
        let inbound = !matches!(
            record["direction"]
                .as_str()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("out")
        );
        let body = (r.model == "activitiesEmail")
            .then(|| record["text"].as_str().map(clean_email))
            .flatten()
            .map(|b| {
                if inbound {
                    untrusted::mark("the sender", &b)
                } else {
                    b
                }
            });
        if inbound && let Value::Object(m) = &mut record {
            for f in r.customer_text {
                if let Some(Value::String(s)) = m.get(*f)
                    && !s.is_empty()
                {
                    let marked = untrusted::mark(&format!("the {}'s customer", r.one), s);
                    m.insert((*f).to_string(), Value::String(marked));
                }
            }
        }
        Entry {
            kind: r.one.to_string(),
            url: r
                .web
                .then(|| format!("{base_url}{}/update/{name}", r.model)),
            name,
            title,
            body,
            record,
        }
    }

    fn markdown_at(&self, level: &str) -> String {
        let title = self.record["title"]
            .as_str()
            .map_or_else(|| self.title.clone(), str::to_string);
        let mut s = format!("{level} {} {}: {title}\n", self.kind, self.name);
        if let Value::Object(m) = &self.record {
            for f in SHOWN {
                if let Some(v) = m.get(*f).and_then(shown) {
                    s.push_str(&format!("- {f}: {v}\n"));
                }
            }
            if let Some(d) = m.get("description").and_then(shown) {
                s.push_str(&format!("- description: {d}\n"));
            }
        }
        if let Some(u) = &self.url {
            s.push_str(&format!("- link: {u}\n"));
        }
        if let Some(b) = &self.body {
            s.push_str(&format!("\n{b}\n"));
        } else if let Some(t) = self.record["text"].as_str().filter(|t| !t.is_empty()) {
            s.push_str(&format!("\n{t}\n"));
        }
        s
    }
}

impl RecordOut {
    pub fn new(entry: Entry) -> RecordOut {
        RecordOut {
            entry,
            transcript: None,
            activities: None,
        }
    }
}

impl Render for RecordOut {
    fn markdown(&self) -> String {
        let mut s = self.entry.markdown_at("##");
        if let Some(lines) = &self.transcript {
            s.push_str("\nTranscript:\n");
            for l in lines {
                let at = l
                    .start
                    .as_deref()
                    .map(|t| format!("[{t}] "))
                    .unwrap_or_default();
                s.push_str(&format!("{at}{}: {}\n", l.speaker, l.text));
            }
        }
        if let Some(acts) = &self.activities {
            s.push_str(&format!("\n{} activities, oldest first:\n\n", acts.len()));
            for a in acts {
                s.push_str(&a.markdown_at("####"));
            }
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.activities.as_mut().is_some_and(|a| a.pop().is_some())
            || self.transcript.as_mut().is_some_and(|t| t.pop().is_some())
    }

    fn items(&self) -> usize {
        self.activities
            .as_ref()
            .map(Vec::len)
            .or_else(|| self.transcript.as_ref().map(Vec::len))
            .unwrap_or(1)
    }
}

/// A page of a list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListOut {
    /// tickets, calls, e-mails, ...
    pub kind: String,
    pub items: Vec<Entry>,
    /// Matches in all.
    pub total: u64,
    pub skip: u64,
    pub more: bool,
    /// The skip of the next page, when more exist.
    pub next_skip: Option<u64>,
    pub note: Option<String>,
}

impl ListOut {
    pub fn new(kind: &str, items: Vec<Entry>, total: u64, skip: u64) -> ListOut {
        let end = skip + items.len() as u64;
        ListOut {
            kind: kind.to_string(),
            items,
            total,
            skip,
            more: end < total,
            next_skip: (end < total).then_some(end),
            note: None,
        }
    }
}

impl Render for ListOut {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## {} {}s of {} (from {})\n\n",
            self.items.len(),
            self.kind,
            self.total,
            self.skip
        );
        if self.items.is_empty() {
            s.push_str("Nothing matches.\n");
        }
        for i in &self.items {
            s.push_str(&i.markdown_at("###"));
            s.push('\n');
        }
        if let Some(n) = self.next_skip {
            s.push_str(&format!("More exist: call again with skip {n}.\n"));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!("\n{n}\n"));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }

    fn items(&self) -> usize {
        self.items.len()
    }

    fn mark_truncated(&mut self, kept: usize) {
        let next = self.skip + kept as u64;
        self.more = true;
        self.next_skip = Some(next);
        self.note = Some(format!(
            "Output limit reached: {kept} records shown. Call again with skip {next} (or a \
             smaller take) for the rest."
        ));
    }
}

/// A count.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CountOut {
    pub kind: String,
    pub total: u64,
    /// The filters as sent.
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub filters: Value,
}

impl Render for CountOut {
    fn markdown(&self) -> String {
        format!("{} {}s match.\n", self.total, self.kind)
    }
}

/// Reference data.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefOut {
    pub kind: String,
    pub items: Vec<RefItem>,
    /// Entries in all (the list is never paged: reference data is small).
    pub total: u64,
}

/// One entry of reference data.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefItem {
    pub name: String,
    pub title: String,
    /// The record as Daktela sends it.
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub record: Value,
}

impl Render for RefOut {
    fn markdown(&self) -> String {
        let mut s = format!("## Daktela {}s ({})\n", self.kind, self.items.len());
        for i in &self.items {
            let mut extra: Vec<String> = Vec::new();
            for f in ["type", "email", "format", "usingtype", "paid", "color"] {
                if let Some(v) = i.record.get(f).and_then(shown) {
                    extra.push(format!("{f} {v}"));
                }
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(": {}", extra.join(", "))
            };
            s.push_str(&format!("- {} (name {}){extra}\n", i.title, i.name));
        }
        s
    }

    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }

    fn items(&self) -> usize {
        self.items.len()
    }
}

/// An empty object, for answers without filters.
pub fn no_filters() -> Value {
    Value::Object(Map::new())
}
