//! DRF's `DefaultContentNegotiation` over `[JSONRenderer, BrowsableAPIRenderer]`, with
//! `?format=`.
//!
//! Must not: look at anything but the `Accept` header and the `format` parameter.

use super::super::http::Cx;

/// The renderer negotiation picks: `JSONRenderer` or `BrowsableAPIRenderer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in super::super) enum Render {
    Json,
    Html,
}

/// DRF's `NotAcceptable` detail.
pub(in super::super) const NOT_ACCEPTABLE: &str = "Could not satisfy the request Accept header.";

pub(in super::super) enum NegotiationError {
    NotAcceptable,
    UnknownFormat,
}

/// DRF's DefaultContentNegotiation over `[JSONRenderer, BrowsableAPIRenderer]`.
pub(in super::super) fn negotiate(cx: &Cx) -> Result<Render, NegotiationError> {
    if let Some(format) = cx.query_get("format") {
        return match format.as_str() {
            "json" => Ok(Render::Json),
            "api" => Ok(Render::Html),
            _ => Err(NegotiationError::UnknownFormat),
        };
    }
    let accept = cx.header("accept").unwrap_or_else(|| "*/*".to_string());
    let mut by_precedence: [Vec<(String, String)>; 4] = Default::default();
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let full = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if full.is_empty() {
            continue;
        }
        let params: Vec<String> = parts
            .filter_map(|p| {
                p.split_once('=')
                    .map(|(k, _)| k.trim().to_ascii_lowercase())
            })
            .collect();
        let (main, sub) = full.split_once('/').unwrap_or((full.as_str(), ""));
        let precedence = if main == "*" {
            0
        } else if sub == "*" {
            1
        } else if params.is_empty() || params == ["q"] {
            2
        } else {
            3
        };
        by_precedence[3 - precedence].push((main.to_string(), sub.to_string()));
    }
    for group in &by_precedence {
        for (render, (rmain, rsub)) in [
            (Render::Json, ("application", "json")),
            (Render::Html, ("text", "html")),
        ] {
            if group
                .iter()
                .any(|(m, s)| (m == "*" || m == rmain) && (s == "*" || s == rsub))
            {
                return Ok(render);
            }
        }
    }
    Err(NegotiationError::NotAcceptable)
}
