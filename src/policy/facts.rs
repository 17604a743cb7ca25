//! The virtual fields rules test, computed once from a call: the same meaning on every
//! backend, so that one rule covers them all.
//!
//! Owns: [`facts`], which adds to a call's canonical view
//! - `text`: the call's free-text fields, normalised as a reader sees them (see
//!   [`personal_data::normalise`]) and joined;
//! - `personal_data`: true when any value the agent sends (every string of the arguments, in
//!   any field, list or custom field, and the free-text fields read together, so an address
//!   split across subject and description counts) holds an e-mail address or a phone number.
//!   Fields that exist to hold an address (the requester's or submitter's e-mail) do not count;
//! - `objects`: how many objects the call touches: the tool's own count, or the number of
//!   items in its lists (tags, recipients), whichever is larger;
//! - `customer_visible`: the backend's verdict that a customer can see or receive the write
//!   (replies, public notes and follow-ups, notes that notify), from the call or from the
//!   object it changes (an edit of a public note);
//! - `closes`: the backend's verdict that the write closes or resolves a ticket (whatever
//!   the status is called there);
//! - `top_priority`: the backend's verdict that the write raises a ticket to the highest
//!   priority its instance has, from a lower one (where priorities are per instance).
//!
//! Must not: do I/O; backends say what their calls mean through their views, this module only
//! combines them.

use serde_json::{Map, Value};

use super::catalog::{FieldKind, ToolMeta};
use super::personal_data;

/// `view` with the virtual fields added. `arguments` are the call's arguments as the agent
/// sent them (the view when the caller has nothing else); `before` the canonical before image.
pub fn facts(
    tool: &ToolMeta,
    view: &Value,
    arguments: Option<&Value>,
    before: Option<&Value>,
) -> Value {
    let mut m = match view {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let texts: Vec<String> = tool
        .text_fields()
        .filter_map(|f| view.get(f).and_then(Value::as_str))
        .map(personal_data::normalise)
        .collect();
    if !texts.is_empty() {
        m.insert("text".into(), Value::String(texts.join("\n")));
    }
    let sent = arguments.unwrap_or(view);
    let address_fields: Vec<&str> = tool
        .fields
        .iter()
        .filter(|f| f.kind == FieldKind::Plain)
        .map(|f| f.name)
        .collect();
    let mut strings = Vec::new();
    collect_strings(sent, &address_fields, true, &mut strings);
    let joined: String = tool
        .text_fields()
        .filter_map(|f| sent.get(f).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .concat();
    let found = strings
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(joined.as_str()))
        .any(|s| personal_data::find(s).is_some());
    m.insert("personal_data".into(), Value::Bool(found));
    let listed = count_items(sent);
    let own = view.get("objects").and_then(Value::as_u64).unwrap_or(1);
    m.insert("objects".into(), Value::from(own.max(listed)));
    let visible = |v: Option<&Value>| {
        v.and_then(|v| v.get("customer_visible"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    m.insert(
        "customer_visible".into(),
        Value::Bool(visible(Some(view)) || visible(before)),
    );
    for verdict in ["closes", "top_priority"] {
        let v = view.get(verdict).and_then(Value::as_bool).unwrap_or(false);
        m.insert(verdict.into(), Value::Bool(v));
    }
    Value::Object(m)
}

/// Every string in `v`, skipping the top-level fields that exist to hold an address.
fn collect_strings(v: &Value, skip: &[&str], top: bool, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => {
            for i in items {
                collect_strings(i, skip, false, out);
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                if top && skip.contains(&k.as_str()) {
                    continue;
                }
                collect_strings(v, skip, false, out);
            }
        }
        _ => {}
    }
}

/// The items of the call's list-valued arguments (tags, cc, notify), added up.
fn count_items(v: &Value) -> u64 {
    v.as_object()
        .map(|m| {
            m.values()
                .filter_map(Value::as_array)
                .map(|a| a.len() as u64)
                .sum()
        })
        .unwrap_or(0)
}
