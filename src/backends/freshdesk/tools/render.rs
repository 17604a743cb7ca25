//! The Freshdesk tools' output: [`FdObject`] (one object) and [`FdList`] (a page of a list
//! or search), their Markdown, and what is done to Freshdesk's objects on the way out (names
//! next to ids, customer-written text marked untrusted, empty fields left out of lists).
//!
//! Must not: call Freshdesk or change an object's fields beyond those additions.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use super::super::api::{Page, SearchPage};
use super::super::models::Refs;
use crate::mcp::output::Render;
use crate::mcp::untrusted;

/// Freshdesk's search returns at most 10 pages of 30.
const SEARCH_PAGE: u32 = 30;
const SEARCH_PAGES: i64 = 10;
const SEARCH_CAP: &str = "Freshdesk's search returns at most 300 (10 pages of 30): narrow the \
    conditions (e.g. dates) to see the rest.";
const NOT_ALL_SHOWN: &str = "Use a smaller per_page or narrower filters.";

/// One Freshdesk object, with names added next to ids.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FdObject {
    /// ticket, conversation, contact, company, agent.
    pub kind: String,
    /// The object as Freshdesk sends it, with names added next to ids (`status_name`,
    /// `agent_name`, `group_name`, ...). Each tool's output schema lists its documented fields.
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub object: Value,
    pub message: String,
}

/// A page (or several) of a Freshdesk list or search.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FdList {
    /// tickets, conversations, contacts, companies, agents, groups, ticket_fields.
    pub kind: String,
    /// The objects as Freshdesk sends them, with names added next to ids (see the get tools);
    /// fields that are null or empty are left out here.
    #[schemars(schema_with = "crate::mcp::schema::open_objects")]
    pub items: Vec<Value>,
    pub page: u32,
    pub per_page: u32,
    /// Whether Freshdesk has another page after the last one returned.
    pub has_more: bool,
    pub next_page: Option<u32>,
    /// Search only: how many match in all.
    pub total: Option<i64>,
    /// The search query that was sent, if any.
    pub query: Option<String>,
    pub note: Option<String>,
    pub truncated: bool,
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(x) => x.to_string(),
    }
}

fn cut(text: &str, n: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    if one_line.chars().count() > n {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    } else {
        one_line
    }
}

fn row(kind: &str, v: &Value) -> (Vec<&'static str>, Vec<String>) {
    match kind {
        "tickets" => (
            vec![
                "id", "subject", "status", "priority", "agent", "group", "updated",
            ],
            vec![
                s(v, "id"),
                cut(&s(v, "subject"), 60),
                s(v, "status_name"),
                s(v, "priority_name"),
                s(v, "agent_name"),
                s(v, "group_name"),
                s(v, "updated_at"),
            ],
        ),
        "conversations" => (
            vec!["id", "kind", "from user", "created", "text"],
            vec![
                s(v, "id"),
                if v["private"] == json!(true) {
                    "private note".into()
                } else if v["source"] == json!(2) {
                    "public note".into()
                } else {
                    "reply".into()
                },
                s(v, "user_id"),
                s(v, "created_at"),
                cut(
                    v.get("body_text")
                        .and_then(Value::as_str)
                        .or(v.get("body").and_then(Value::as_str))
                        .unwrap_or(""),
                    120,
                ),
            ],
        ),
        "contacts" => (
            vec!["id", "name", "email", "phone", "company"],
            vec![
                s(v, "id"),
                s(v, "name"),
                s(v, "email"),
                s(v, "phone"),
                s(v, "company_id"),
            ],
        ),
        "companies" => (
            vec!["id", "name", "domains"],
            vec![
                s(v, "id"),
                s(v, "name"),
                v.get("domains").map(|d| d.to_string()).unwrap_or_default(),
            ],
        ),
        "agents" => (
            vec!["id", "name", "email", "available"],
            vec![
                s(v, "id"),
                s(&v["contact"], "name"),
                s(&v["contact"], "email"),
                s(v, "available"),
            ],
        ),
        "groups" => (
            vec!["id", "name", "agents"],
            vec![
                s(v, "id"),
                s(v, "name"),
                v.get("agent_ids")
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ],
        ),
        _ => (
            vec!["name", "label", "type", "choices"],
            vec![
                s(v, "name"),
                s(v, "label"),
                s(v, "type"),
                cut(
                    &v.get("choices").map(|c| c.to_string()).unwrap_or_default(),
                    80,
                ),
            ],
        ),
    }
}

impl Render for FdList {
    fn markdown(&self) -> String {
        let mut out = match self.total {
            Some(t) => format!(
                "## {}: {t} match (page {}, {} shown)\n\n",
                self.kind,
                self.page,
                self.items.len()
            ),
            None => format!(
                "## {} (page {}, {} shown)\n\n",
                self.kind,
                self.page,
                self.items.len()
            ),
        };
        if self.items.is_empty() {
            out.push_str("Nothing matches.\n");
        } else {
            let (head, _) = row(&self.kind, &self.items[0]);
            out.push_str(&format!(
                "| {} |\n|{}\n",
                head.join(" | "),
                "---|".repeat(head.len())
            ));
            for it in &self.items {
                out.push_str(&format!("| {} |\n", row(&self.kind, it).1.join(" | ")));
            }
        }
        if let Some(p) = self.next_page {
            out.push_str(&format!("\nMore results: call again with page={p}.\n"));
        }
        if let Some(q) = &self.query {
            out.push_str(&format!("\nQuery sent: `{q}`\n"));
        }
        if let Some(n) = &self.note {
            out.push_str(&format!("\n_{n}_\n"));
        }
        out
    }
    fn shrink(&mut self) -> bool {
        self.items.pop().is_some()
    }
    fn items(&self) -> usize {
        self.items.len()
    }
    fn mark_truncated(&mut self, kept: usize) {
        self.truncated = true;
        let limit = format!("Output limit reached: only {kept} items shown. {NOT_ALL_SHOWN}");
        self.note = Some(match &self.note {
            Some(n) => format!("{n} {limit}"),
            None => limit,
        });
    }
}

impl Render for FdObject {
    fn markdown(&self) -> String {
        let o = &self.object;
        let mut out = String::new();
        if !self.message.is_empty() {
            out.push_str(&format!("{}\n\n", self.message));
        }
        let title = o
            .get("subject")
            .or(o.get("name"))
            .or(o["contact"].get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        out.push_str(&format!("## {} #{}: {title}\n", self.kind, s(o, "id")));
        for k in [
            "status_name",
            "priority_name",
            "source_name",
            "type",
            "agent_name",
            "group_name",
            "company_name",
            "requester_id",
            "email",
            "phone",
            "tags",
            "due_by",
            "created_at",
            "updated_at",
            "deleted",
            "private",
        ] {
            if let Some(v) = o.get(k).filter(|v| !v.is_null()) {
                out.push_str(&format!(
                    "- **{k}:** {}\n",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                ));
            }
        }
        if let Some(cf) = o
            .get("custom_fields")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        {
            out.push_str(&format!(
                "- **custom_fields:** {}\n",
                Value::Object(cf.clone())
            ));
        }
        if let Some(text) = o
            .get("description_text")
            .or(o.get("body_text"))
            .and_then(Value::as_str)
        {
            out.push_str(&format!("\n{text}\n"));
        }
        if let Some(convs) = o.get("conversations").and_then(Value::as_array) {
            out.push_str(&format!(
                "\n### Conversations ({}, the oldest 10 at most)\n",
                convs.len()
            ));
            for c in convs {
                out.push_str(&format!(
                    "\n**#{}** {} by user {} ({})\n{}\n",
                    s(c, "id"),
                    s(c, "created_at"),
                    s(c, "user_id"),
                    if c["private"] == json!(true) {
                        "private"
                    } else {
                        "public"
                    },
                    c.get("body_text").and_then(Value::as_str).unwrap_or("")
                ));
            }
        }
        out
    }
    fn shrink(&mut self) -> bool {
        match self
            .object
            .get_mut("conversations")
            .and_then(Value::as_array_mut)
        {
            Some(c) if !c.is_empty() => c.pop().is_some(),
            _ => false,
        }
    }
}

/// A ticket with names next to its ids, its requester's text marked untrusted.
pub fn enrich(refs: &Refs, mut t: Value) -> Value {
    refs.enrich_ticket(&mut t);
    mark_ticket(&mut t);
    t
}

/// Marks what the requester wrote (subject, description) and what customers wrote in the
/// embedded conversations as untrusted text.
fn mark_ticket(t: &mut Value) {
    let author = match (
        t.pointer("/requester/email").and_then(Value::as_str),
        t.get("requester_id").and_then(Value::as_i64),
    ) {
        (Some(e), _) => format!("the requester ({e})"),
        (None, Some(id)) => format!("the requester (contact {id})"),
        _ => "the requester".into(),
    };
    for k in ["subject", "description", "description_text"] {
        if let Some(Value::String(v)) = t.get_mut(k)
            && !v.is_empty()
        {
            *v = untrusted::mark(&author, v);
        }
    }
    if let Some(Value::Array(cs)) = t.get_mut("conversations") {
        cs.iter_mut().for_each(mark_conversation);
    }
}

/// Marks a conversation a customer wrote (`incoming`) as untrusted text.
fn mark_conversation(c: &mut Value) {
    if c.get("incoming").and_then(Value::as_bool) != Some(true) {
        return;
    }
    let author = match c.get("from_email").and_then(Value::as_str) {
        Some(e) if !e.is_empty() => format!("a customer ({e})"),
        _ => "a customer".into(),
    };
    for k in ["body", "body_text"] {
        if let Some(Value::String(v)) = c.get_mut(k)
            && !v.is_empty()
        {
            *v = untrusted::mark(&author, v);
        }
    }
}

/// One object as the tools return it; a conversation written by a customer is marked.
pub fn obj(kind: &str, mut object: Value, message: String) -> FdObject {
    if kind == "conversation" {
        mark_conversation(&mut object);
    }
    FdObject {
        kind: kind.into(),
        object,
        message,
    }
}

/// A page of a list as the tools return it; conversations written by customers are marked.
pub fn list_out(kind: &str, page: Page, note: Option<String>) -> FdList {
    let mut items = page.items;
    if kind == "conversations" {
        items.iter_mut().for_each(mark_conversation);
    }
    FdList {
        kind: kind.into(),
        items: items.into_iter().map(compact).collect(),
        page: page.page,
        per_page: page.per_page,
        has_more: page.has_more,
        next_page: page.has_more.then_some(page.page + 1),
        total: None,
        query: None,
        note,
        truncated: false,
    }
}

/// A list item without its null and empty fields (Freshdesk sends many), so that a page of
/// whole records fits the output budget; the get tools return every field.
fn compact(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, compact(v)))
                .filter(|(_, v)| match v {
                    Value::Null => false,
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    _ => true,
                })
                .collect(),
        ),
        other => other,
    }
}

/// A page of a search as the tools return it, with the query that was sent.
pub fn search_out(kind: &str, found: SearchPage, page: u32, query: String) -> FdList {
    let total = found.total;
    let pages = ((total + 29) / 30).min(SEARCH_PAGES) as u32;
    let has_more = page < pages;
    let note = (total > 300).then(|| format!("{total} tickets match, but {SEARCH_CAP}"));
    FdList {
        kind: kind.into(),
        items: found.results.into_iter().map(compact).collect(),
        page,
        per_page: SEARCH_PAGE,
        has_more,
        next_page: has_more.then_some(page + 1),
        total: Some(total),
        query: Some(query),
        note,
        truncated: false,
    }
}
