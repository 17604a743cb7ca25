//! The steps every Daktela tool shares: compile a tool's filters into the list query
//! (names resolved through the cached reference data, enums and dates checked, everything
//! refused before anything is sent), then read a page, a count or one record and render it.
//!
//! Must not: know endpoint paths or field names beyond the resource table of `api.rs`.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use super::super::api::{self, Facet, Resource};
use super::super::client::DaktelaClient;
use super::super::models::{Named, Refs};
use super::super::query::{Filter, ListQuery, Op};
use super::super::session::DaktelaSession;
use super::params::{ListParams, SortDir, TicketListParams};
use super::render::{Entry, ListOut, RecordOut};
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::params::{IdOrName, OneOrMany};
use crate::policy::catalog::ToolMeta;

pub const STAGES: &[&str] = &["OPEN", "WAIT", "CLOSE", "ARCHIVE"];
pub const PRIORITIES: &[&str] = &["LOW", "MEDIUM", "HIGH"];
pub const CRM_STAGES: &[&str] = &["OPEN", "CLOSE"];
pub const ACTIVITY_TYPES: &[&str] = &[
    "CALL",
    "EMAIL",
    "CHAT",
    "SMS",
    "FBM",
    "IGDM",
    "WAP",
    "VBR",
    "CUSTOM",
    "FBCOMMENT",
    "IGCOMMENT",
    "COMMENT",
];

/// `given` (any case) as values of `allowed`, or the allowed ones.
fn enum_values(param: &str, given: &OneOrMany<String>, allowed: &[&str]) -> Result<Vec<String>> {
    given
        .to_vec()
        .iter()
        .flat_map(|v| {
            v.split(',')
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty())
        .map(|v| {
            allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&v))
                .map(|a| (*a).to_string())
                .ok_or_else(|| {
                    Error::invalid(param, format!("{v:?} is not one of {}", allowed.join(", ")))
                })
        })
        .collect()
}

/// A date (`YYYY-MM-DD`, or with `HH:MM[:SS]`) as Daktela compares them; a bare `date_to`
/// means the end of that day.
pub fn date(param: &str, raw: &str, end_of_day: bool) -> Result<String> {
    let s = raw.trim().replace('T', " ");
    let bad = || {
        Error::invalid(
            param,
            format!("{raw:?} is not a date: give YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]"),
        )
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        let t = if end_of_day { "23:59:59" } else { "00:00:00" };
        return Ok(format!("{} {t}", d.format("%Y-%m-%d")));
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(&s, f) {
            return Ok(dt.format("%Y-%m-%d %H:%M:%S").to_string());
        }
    }
    Err(bad())
}

/// The key of the entry of `list` that `given` names (its key or title, ignoring case), or
/// the known ones.
pub fn resolve(param: &str, given: &str, list: &[Named], what: &str, see: &str) -> Result<String> {
    let g = given.trim();
    list.iter()
        .find(|n| n.name.eq_ignore_ascii_case(g))
        .or_else(|| list.iter().find(|n| n.title.eq_ignore_ascii_case(g)))
        .map(|n| n.name.clone())
        .ok_or_else(|| {
            let mut known: Vec<String> = list
                .iter()
                .take(30)
                .map(|n| format!("{} ({})", n.title, n.name))
                .collect();
            if list.len() > 30 {
                known.push(format!("... {} more (see {see})", list.len() - 30));
            }
            Error::invalid(
                param,
                format!(
                    "no {what} matches {g:?}; known {what}s: {}",
                    known.join(", ")
                ),
            )
        })
}

/// The shared parts of a list query: sort (checked), paging, date range.
fn base(
    r: &Resource,
    sort: Option<&str>,
    dir: Option<SortDir>,
    skip: u64,
    take: u32,
    range: (&Option<String>, &Option<String>),
) -> Result<ListQuery> {
    let field = r.sort_field(sort)?;
    let desc = dir.map_or(r.desc, |d| d == SortDir::Desc);
    let mut filters = Vec::new();
    if let Some(from) = range.0 {
        let f = r.field(Facet::Time, "date_from")?;
        filters.push(Filter::cond(
            f,
            Op::Gte,
            vec![date("date_from", from, false)?],
        ));
    }
    if let Some(to) = range.1 {
        let f = r.field(Facet::Time, "date_to")?;
        filters.push(Filter::cond(f, Op::Lte, vec![date("date_to", to, true)?]));
    }
    Ok(ListQuery {
        filters,
        sort: vec![(field.to_string(), desc)],
        skip,
        take,
        q: None,
    })
}

/// The reference data, only when a filter needs a name resolved.
async fn refs_if(c: &DaktelaClient, needed: bool) -> Result<Option<Arc<Refs>>> {
    if needed {
        Ok(Some(api::refs(c, false).await?))
    } else {
        Ok(None)
    }
}

/// `tickets`' query for the arguments.
pub async fn ticket_query(c: &DaktelaClient, p: &TicketListParams) -> Result<ListQuery> {
    let r = &api::TICKETS;
    let mut q = base(
        r,
        p.sort.as_deref(),
        p.sort_dir,
        p.skip,
        p.take,
        (&p.date_from, &p.date_to),
    )?;
    if let Some(s) = &p.stage {
        q.filters.push(Filter::any_of(
            r.field(Facet::Stage, "stage")?,
            enum_values("stage", s, STAGES)?,
        ));
    }
    if let Some(s) = &p.priority {
        let v = enum_values("priority", s, PRIORITIES)?;
        q.filters
            .push(Filter::any_of(r.field(Facet::Priority, "priority")?, v));
    }
    let refs = refs_if(c, p.category.is_some() || p.user.is_some()).await?;
    if let (Some(g), Some(refs)) = (&p.category, &refs) {
        let k = resolve(
            "category",
            g,
            &refs.categories,
            "ticket category",
            "daktela_list_ticket_categories",
        )?;
        q.filters
            .push(Filter::eq(r.field(Facet::Category, "category")?, k));
    }
    if let (Some(g), Some(refs)) = (&p.user, &refs) {
        let k = resolve("user", g, &refs.users, "user", "daktela_list_users")?;
        q.filters.push(Filter::eq(r.field(Facet::User, "user")?, k));
    }
    for (given, facet) in [(&p.contact, Facet::Contact), (&p.account, Facet::Account)] {
        if let Some(g) = given {
            q.filters
                .push(Filter::contains(r.field(facet, "contact or account")?, g));
        }
    }
    if let Some(s) = &p.search {
        q.filters
            .push(Filter::contains(r.field(Facet::Title, "search")?, s));
    }
    Ok(q)
}

/// Any other list's query for the arguments; a filter the list does not have is refused.
pub async fn list_query(c: &DaktelaClient, r: &Resource, p: &ListParams) -> Result<ListQuery> {
    let mut q = base(
        r,
        p.sort.as_deref(),
        p.sort_dir,
        p.skip,
        p.take,
        (&p.date_from, &p.date_to),
    )?;
    let refs = refs_if(c, p.user.is_some() || p.queue.is_some()).await?;
    if let (Some(g), Some(refs)) = (&p.user, &refs) {
        let f = r.field(Facet::User, "user")?;
        q.filters.push(Filter::eq(
            f,
            resolve("user", g, &refs.users, "user", "daktela_list_users")?,
        ));
    }
    if let (Some(g), Some(refs)) = (&p.queue, &refs) {
        let f = r.field(Facet::Queue, "queue")?;
        q.filters.push(Filter::eq(
            f,
            resolve("queue", g, &refs.queues, "queue", "daktela_list_queues")?,
        ));
    }
    if let Some(g) = &p.contact {
        q.filters
            .push(Filter::contains(r.field(Facet::Contact, "contact")?, g));
    }
    if let Some(g) = &p.account {
        q.filters
            .push(Filter::contains(r.field(Facet::Account, "account")?, g));
    }
    if let Some(t) = &p.ticket {
        let f = r.field(Facet::Ticket, "ticket")?;
        let v = match t {
            IdOrName::Id(n) => n.to_string(),
            IdOrName::Name(s) => api::record_name("ticket", s)?,
        };
        q.filters.push(Filter::eq(f, v));
    }
    if let Some(a) = &p.activity {
        let f = r.field(Facet::Activity, "activity")?;
        q.filters
            .push(Filter::eq(f, api::record_name("activity", a)?));
    }
    if let Some(k) = &p.kind {
        let f = r.field(Facet::Type, "type")?;
        q.filters
            .push(Filter::any_of(f, enum_values("type", k, ACTIVITY_TYPES)?));
    }
    if let Some(s) = &p.stage {
        let f = r.field(Facet::Stage, "stage")?;
        q.filters
            .push(Filter::any_of(f, enum_values("stage", s, CRM_STAGES)?));
    }
    if let Some(d) = &p.direction {
        let f = r.field(Facet::Direction, "direction")?;
        let allowed: &[&str] = if r.model == "activitiesCall" {
            &["in", "out", "internal"]
        } else {
            &["in", "out"]
        };
        let v = enum_values("direction", &OneOrMany::One(d.clone()), allowed)?;
        q.filters.push(Filter::any_of(f, v));
    }
    if let Some(a) = p.answered {
        let f = r.field(Facet::Answered, "answered")?;
        q.filters.push(Filter::eq(f, if a { "1" } else { "0" }));
    }
    if let Some(s) = &p.search {
        q.filters
            .push(Filter::contains(r.field(Facet::Title, "search")?, s));
    }
    Ok(q)
}

/// A record key as the agent gave it.
pub fn key(v: &IdOrName) -> Result<String> {
    match v {
        IdOrName::Id(n) => Ok(n.to_string()),
        IdOrName::Name(s) => api::record_name("name", s),
    }
}

impl HelpdeskOperator {
    /// A read through `Core::read` with the session's client.
    pub(super) async fn dk_read<T, F, Fut>(&self, decl: &'static ToolMeta, op: F) -> Result<T>
    where
        F: FnOnce(Arc<DaktelaClient>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.core
            .read(decl, |s| async move { op(s.daktela()?.clone()).await })
            .await
    }
}

/// A page of `r` for `q`, rendered.
pub async fn page(c: &DaktelaClient, r: &'static Resource, q: &ListQuery) -> Result<ListOut> {
    let got = api::list(c, r, q).await?;
    let base = c.base_url().to_string();
    let items = got
        .data
        .into_iter()
        .map(|v| Entry::new(r, v, &base))
        .collect();
    Ok(ListOut::new(r.one, items, got.total, q.skip))
}

/// One record of `r`, rendered.
pub async fn one(c: &DaktelaClient, r: &'static Resource, name: &IdOrName) -> Result<RecordOut> {
    let k = key(name)?;
    let v: Value = api::get(c, r, &k).await?;
    Ok(RecordOut::new(Entry::new(r, v, c.base_url().as_str())))
}
