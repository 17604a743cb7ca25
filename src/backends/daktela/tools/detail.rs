//! The tools that combine reads: a ticket count, a ticket with its activities, an account's
//! tickets, reference lists from the cache, and a call with its transcript.
//!
//! Must not: write anything.

use super::super::api::{self, REFERENCE};
use super::super::client::DaktelaClient;
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
    q.filters.push(api::account_is(&account));
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

pub(super) async fn call_transcript(c: &DaktelaClient, p: &GetParams) -> Result<RecordOut> {
    let mut call = engine::one(c, &api::CALLS, &p.name).await?;
    let lines = api::transcript(c, &call.entry.record)
        .await?
        .into_iter()
        .map(|l| Line {
            text: if l.speaker.eq_ignore_ascii_case("agent") {
                l.text
            } else {
                crate::mcp::untrusted::mark("the caller", &l.text)
            },
            start: l.start,
            speaker: l.speaker,
        })
        .collect();
    call.transcript = Some(lines);
    Ok(call)
}
