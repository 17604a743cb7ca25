//! Follow-up comments as Django templates (`update_ticket`): the `{% %}` neutralisation, the
//! template context `safe_template_context` gives, and a subset of the engine (variables, a few
//! filters, comments, `verbatim`).
//!
//! Must not: run any tag but `verbatim` (others are the syntax errors upstream 500s on), or
//! output a value unescaped unless it is marked safe.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::dates::django_datetime;
use super::encoding::{esc, py_str};
use super::state::{Db, Ticket, get_status, priority_name, status_name};

static TAG_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}").expect("a valid regex"));
const CONSTANT_PATTERN: &str = r#"^(?:_\("[^"\\]*(?:\\.[^"\\]*)*"\)|_\('[^'\\]*(?:\\.[^'\\]*)*'\)|"[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*')"#;
static CONSTANT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(CONSTANT_PATTERN).expect("a valid regex"));
static VAR_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[\w.]+|[-+.]?\d[\d.e]*)").expect("a valid regex"));
const FILTER_PATTERN: &str = r#"^\s*\|\s*(\w+)(?::(_\("[^"\\]*(?:\\.[^"\\]*)*"\)|_\('[^'\\]*(?:\\.[^'\\]*)*'\)|"[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|[\w.]+|[-+.]?\d[\d.e]*))?"#;
static FILTER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(FILTER_PATTERN).expect("a valid regex"));

/// The template context `safe_template_context(ticket)` gives the comment.
pub(super) fn template_context(db: &Db, t: &Ticket) -> Value {
    let queue = json!({
        "title": db.queue_title(t.queue),
        "slug": db.queue_slug(t.queue),
        "email_address": null,
        "from_address": null,
        "locale": null,
    });
    let assigned = db.assigned_display(t);
    let for_url = db.ticket_for_url(t);
    let merged_to = t
        .merged_to
        .and_then(|m| db.tickets.get(&m))
        .map(|m| format!("{} {}", m.id, m.title));
    let ticket = json!({
        "title": t.title,
        "created": django_datetime(t.created),
        "modified": django_datetime(t.modified),
        "submitter_email": t.submitter_email,
        "status": t.status,
        "get_status_display": status_name(t.status),
        "on_hold": t.on_hold,
        "description": t.description,
        "resolution": t.resolution,
        "priority": t.priority,
        "get_priority_display": priority_name(t.priority),
        "last_escalation": null,
        "ticket": format!("[{for_url}]"),
        "ticket_for_url": for_url,
        "merged_to": merged_to,
        "get_status": get_status(t),
        "ticket_url": format!(
            "http://example.com/view/?ticket={for_url}&email={}&key={}",
            t.submitter_email.as_deref().unwrap_or("None"),
            t.secret_key
        ),
        "staff_url": format!("http://example.com/tickets/{}/", t.id),
        "_get_assigned_to": assigned,
        "assigned_to": assigned,
        "queue": queue.clone(),
    });
    json!({ "ticket": ticket, "queue": queue })
}

/// `update_ticket`'s neutralisation (`{% … %}` wrapped in `verbatim`), then rendering.
pub(super) fn render_followup_comment(comment: &str, context: &Value) -> Result<String, String> {
    let neutral = comment
        .replace("{%", "X-HELPDESK-COMMENT-VERBATIM")
        .replace("%}", "X-HELPDESK-COMMENT-ENDVERBATIM");
    let neutral = neutral
        .replace("X-HELPDESK-COMMENT-VERBATIM", "{% verbatim %}{%")
        .replace("X-HELPDESK-COMMENT-ENDVERBATIM", "%}{% endverbatim %}");
    render_template(&neutral, context)
}

/// A subset of the Django template engine: variables with a few filters, comments, and the
/// `verbatim` tag; any other tag is a syntax error (a 500 upstream). Autoescaping is on.
fn render_template(src: &str, context: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut verbatim_end: Option<String> = None;
    let mut last = 0;
    for m in TAG_RE.find_iter(src) {
        out.push_str(&src[last..m.start()]);
        last = m.end();
        let token = m.as_str();
        let inner = &token[2..token.len() - 2];
        if token.starts_with("{%") {
            let content = inner.trim();
            if let Some(end) = &verbatim_end {
                if content == end {
                    verbatim_end = None;
                } else {
                    out.push_str(token);
                }
                continue;
            }
            if content == "verbatim" || content.starts_with("verbatim ") {
                verbatim_end = Some(format!("end{content}"));
                continue;
            }
            let name = content.split_whitespace().next().unwrap_or("");
            return Err(if name.is_empty() {
                "Empty block tag".to_string()
            } else {
                format!("Invalid block tag: '{name}'")
            });
        }
        if verbatim_end.is_some() {
            out.push_str(token);
            continue;
        }
        if token.starts_with("{{") {
            let content = inner.trim();
            if content.is_empty() {
                return Err("Empty variable tag".to_string());
            }
            out.push_str(&render_variable(content, context)?);
        }
        // `{# … #}`: a comment, dropped.
    }
    out.push_str(&src[last..]);
    if verbatim_end.is_some() {
        return Err("Unclosed tag 'verbatim'".to_string());
    }
    Ok(out)
}

/// A template value and whether it is marked safe (not escaped on output).
struct TplValue {
    pub(super) value: Value,
    pub(super) safe: bool,
}

fn unescape_literal(s: &str) -> String {
    let s = s
        .strip_prefix("_(")
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(s);
    let quote = s.chars().next().unwrap_or('"');
    let body = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
    body.replace(&format!("\\{quote}"), &quote.to_string())
        .replace("\\\\", "\\")
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

fn number_literal(s: &str) -> Option<Value> {
    if s.contains('.') || s.contains('e') {
        s.parse::<f64>().ok().map(|f| json!(f))
    } else {
        s.parse::<i64>().ok().map(|i| json!(i))
    }
}

/// A variable or literal: `None` for a missing variable (rendered as "").
fn resolve_operand(token: &str, context: &Value) -> Result<Option<TplValue>, String> {
    if CONSTANT_RE
        .find(token)
        .is_some_and(|m| m.end() == token.len())
    {
        return Ok(Some(TplValue {
            value: Value::String(unescape_literal(token)),
            safe: true,
        }));
    }
    if let Some(n) = number_literal(token) {
        return Ok(Some(TplValue {
            value: n,
            safe: true,
        }));
    }
    if token.starts_with('_') || token.contains("._") {
        return Err(format!(
            "Variables and attributes may not begin with underscores: '{token}'"
        ));
    }
    let builtin = match token {
        "True" => Some(Value::Bool(true)),
        "False" => Some(Value::Bool(false)),
        "None" => Some(Value::Null),
        _ => None,
    };
    if let Some(v) = builtin {
        return Ok(Some(TplValue {
            value: v,
            safe: false,
        }));
    }
    let mut cur = context;
    for part in token.split('.') {
        let next = match cur {
            Value::Object(m) => m.get(part),
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    Ok(Some(TplValue {
        value: cur.clone(),
        safe: false,
    }))
}

fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_str(other),
    }
}

fn apply_filter(name: &str, arg: Option<TplValue>, input: TplValue) -> TplValue {
    let text = || render_value(&input.value);
    let string = |s: String, safe: bool| TplValue {
        value: Value::String(s),
        safe,
    };
    match name {
        "upper" => string(text().to_uppercase(), input.safe),
        "lower" => string(text().to_lowercase(), input.safe),
        "capfirst" => {
            let t = text();
            let mut c = t.chars();
            let s = match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            };
            string(s, input.safe)
        }
        "title" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for ch in text().chars() {
                if ch.is_alphabetic() {
                    if prev_alpha {
                        out.extend(ch.to_lowercase());
                    } else {
                        out.extend(ch.to_uppercase());
                    }
                    prev_alpha = true;
                } else {
                    out.push(ch);
                    prev_alpha = false;
                }
            }
            string(out, input.safe)
        }
        "length" => TplValue {
            value: json!(match &input.value {
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                _ => 0,
            }),
            safe: true,
        },
        "default" => match arg {
            Some(a) if !truthy(&input.value) => a,
            _ => input,
        },
        "default_if_none" => match arg {
            Some(a) if input.value.is_null() => a,
            _ => input,
        },
        "safe" => TplValue {
            value: input.value,
            safe: true,
        },
        "escape" | "force_escape" => {
            let s = if input.safe { text() } else { esc(&text()) };
            string(s, true)
        }
        "cut" => {
            let a = arg.map(|a| render_value(&a.value)).unwrap_or_default();
            string(text().replace(&a, ""), input.safe)
        }
        // Other filters are not simulated: the value passes through unchanged.
        _ => input,
    }
}

fn render_variable(expr: &str, context: &Value) -> Result<String, String> {
    let head = match CONSTANT_RE.find(expr) {
        Some(m) => m.end(),
        None => match VAR_RE.find(expr) {
            Some(m) => m.end(),
            None => return Err(format!("Could not find variable at start of {expr}.")),
        },
    };
    let mut value = resolve_operand(&expr[..head], context)?.unwrap_or(TplValue {
        value: Value::String(String::new()),
        safe: false,
    });
    let mut rest = &expr[head..];
    while !rest.trim().is_empty() {
        let Some(c) = FILTER_RE.captures(rest) else {
            return Err(format!(
                "Could not parse the remainder: '{}' from '{expr}'",
                rest.trim()
            ));
        };
        let whole = c.get(0).map(|m| m.end()).unwrap_or(rest.len());
        let name = c.get(1).map(|m| m.as_str()).unwrap_or("");
        let arg = match c.get(2) {
            Some(a) => Some(resolve_operand(a.as_str(), context)?.unwrap_or(TplValue {
                value: Value::String(String::new()),
                safe: false,
            })),
            None => None,
        };
        value = apply_filter(name, arg, value);
        rest = &rest[whole..];
    }
    let text = render_value(&value.value);
    Ok(if value.safe { text } else { esc(&text) })
}
