//! The tools that combine reads: a ticket count, a ticket with its activities, an account's
//! tickets, reference lists from the cache, and a call with its transcript.
//!
//! Must not: write anything.

use super::super::api::{self, REFERENCE};
use super::super::client::DaktelaClient;
use super::super::query::Filter;
use super::engine;
use super::params::{AccountTicketsParams, GetParams, RefParams, TicketListParams};
use super::render::{CountOut, Entry, Line, ListOut, RecordOut, RefItem, RefOut};
use crate::error::Result;

pub(super) async fn count_tickets(c: &DaktelaClient, p: &TicketListParams) -> Result<CountOut> {
    let mut q = engine::ticket_query(c, p).await?;
    q.skip = 0;
    q.take = 1;
    let got = api::list(c, &api::TICKETS, &q).await?;
    let filters = serde_json::to_value(crate::mcp::params::args_of(p)).unwrap_or_default();
    Ok(CountOut {
        kind: "ticket".into(),
        total: got.total,
        filters,
    })
}

pub(super) async fn ticket_detail(c: &DaktelaClient, p: &GetParams) -> Result<RecordOut> {
    let mut t = engine::one(c, &api::TICKETS, &p.name).await?;
    let acts = api::ticket_activities(c, &t.entry.name).await?;
    let base = c.base_url().to_string();
    t.activities = Some(
        acts.data
            .into_iter()
            .map(|a| Entry::new(&api::ACTIVITIES, a, &base))
            .collect(),
    );
    Ok(t)
}

pub(super) async fn account_tickets(
    c: &DaktelaClient,
    p: &AccountTicketsParams,
) -> Result<ListOut> {
    let account = api::record_name("account", &p.account)?;
    let mut q = engine::ticket_query(
        c,
        &TicketListParams {
            stage: p.stage.clone(),
            priority: None,
            category: None,
            user: None,
            contact: None,
            account: None,
            search: None,
            date_from: None,
            date_to: None,
            skip: p.skip,
            take: p.take,
            sort: None,
            sort_dir: None,
            response_format: p.response_format,
        },
    )
    .await?;
    q.filters.push(Filter::Group {
        or: true,
        filters: vec![
            Filter::eq("contact.account.name", account.clone()),
            Filter::Cond {
                field: "contact.account.title".into(),
                op: super::super::query::Op::Eq,
                values: vec![account],
                ignore_case: true,
            },
        ],
    });
    engine::page(c, &api::TICKETS, &q).await
}

pub(super) async fn reference(c: &DaktelaClient, model: &str, p: &RefParams) -> Result<RefOut> {
    let refs = api::refs(c, p.refresh).await?;
    let one = REFERENCE
        .iter()
        .find(|(m, _)| *m == model)
        .map_or(model, |(_, one)| *one);
    let wanted = |s: &str| {
        p.search
            .as_deref()
            .is_none_or(|q| s.to_lowercase().contains(&q.trim().to_lowercase()))
    };
    let items: Vec<RefItem> = refs
        .list(model)
        .iter()
        .filter(|n| wanted(&n.title) || wanted(&n.name))
        .map(|n| RefItem {
            name: n.name.clone(),
            title: n.title.clone(),
            record: n.record.clone(),
        })
        .collect();
    Ok(RefOut {
        kind: one.to_string(),
        total: items.len() as u64,
        items,
    })
}

/// The activity names a call record links to (a list of names or of expanded activities).
fn call_activities(call: &serde_json::Value) -> Vec<String> {
    match &call["activities"] {
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                serde_json::Value::String(s) => Some(s.clone()),
                other => other["name"].as_str().map(str::to_string),
            })
            .collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Object(m) => m
            .get("name")
            .and_then(|n| n.as_str())
            .map(|n| vec![n.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

pub(super) async fn call_transcript(c: &DaktelaClient, p: &GetParams) -> Result<RecordOut> {
    let mut call = engine::one(c, &api::CALLS, &p.name).await?;
    let mut lines = Vec::new();
    for activity in call_activities(&call.entry.record) {
        let q = super::super::query::ListQuery {
            filters: vec![Filter::eq("activity", activity)],
            sort: vec![("start".into(), false)],
            skip: 0,
            take: 1000,
            q: None,
        };
        let got = api::list(c, &api::TRANSCRIPTS, &q).await?;
        for l in got.data {
            let text = l["text"].as_str().unwrap_or_default().to_string();
            let speaker = l["type"].as_str().unwrap_or("?").to_string();
            let text = if speaker.eq_ignore_ascii_case("agent") {
                text
            } else {
                crate::mcp::untrusted::mark("the caller", &text)
            };
            lines.push(Line {
                start: l["start"].as_str().map(str::to_string),
                speaker,
                text,
            });
        }
    }
    call.transcript = Some(lines);
    Ok(call)
}
