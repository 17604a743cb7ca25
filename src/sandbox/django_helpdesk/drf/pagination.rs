//! DRF's `PageNumberPagination` (page size 25, `page_size` unbounded, `page=last`) and the
//! `next`/`previous` links it builds.
//!
//! Must not: render the answer (that is [`super::Api::paged`], its only user).

use serde_json::{Value, json};

use super::super::encoding::{python_int, quote_plus};
use super::super::http::Cx;

/// DRF's PageNumberPagination (page_size 25, `page_size` unbounded, `page=last`).
pub(super) struct Pagination {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) next: Option<String>,
    pub(super) previous: Option<String>,
}

pub(super) fn paginate(cx: &Cx, count: usize) -> Option<Pagination> {
    let size = cx
        .query_get("page_size")
        .and_then(|s| python_int(&s))
        .filter(|n| *n > 0)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .unwrap_or(25);
    let num_pages = count.div_ceil(size).max(1);
    let raw = cx.query_get("page").unwrap_or_else(|| "1".to_string());
    let number = if raw == "last" {
        num_pages
    } else {
        let n = python_int(&raw)?;
        if n < 1 {
            return None;
        }
        usize::try_from(n).ok()?
    };
    if number > num_pages {
        return None;
    }
    let start = (number - 1).saturating_mul(size).min(count);
    let end = start.saturating_add(size).min(count);
    let url = |page: Option<usize>| {
        let mut params: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in cx.query.pairs() {
            match params.iter_mut().find(|(pk, _)| pk == k) {
                Some((_, vals)) => vals.push(v.clone()),
                None => params.push((k.clone(), vec![v.clone()])),
            }
        }
        params.retain(|(k, _)| k != "page");
        if let Some(p) = page {
            params.push(("page".to_string(), vec![p.to_string()]));
        }
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let q: Vec<String> = params
            .iter()
            .flat_map(|(k, vals)| {
                vals.iter()
                    .map(move |v| format!("{}={}", quote_plus(k), quote_plus(v)))
            })
            .collect();
        let base = cx.absolute(&cx.raw_path);
        if q.is_empty() {
            base
        } else {
            format!("{base}?{}", q.join("&"))
        }
    };
    let next = (number < num_pages).then(|| url(Some(number + 1)));
    let previous = (number > 1).then(|| url(if number == 2 { None } else { Some(number - 1) }));
    Some(Pagination {
        start,
        end,
        next,
        previous,
    })
}

pub(super) fn page_body(p: &Pagination, count: usize, results: Vec<Value>) -> Value {
    json!({
        "count": count,
        "next": p.next,
        "previous": p.previous,
        "results": results,
    })
}
