//! Confirmations bound to the exact change: tokens, what they are bound to, and previews.
//!
//! Owns: minting tokens (only their SHA-256 is stored), the canonical hash of a call's
//! arguments, and the preview shown to the agent or person. Must not: do I/O (the MCP core
//! stores confirmations in the audit store).

use rand::RngCore;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::audit::chain;

/// A new token (256 random bits, URL-safe) and the id people use to approve it.
pub fn mint() -> (String, String) {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "hoc_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let mut id = [0u8; 5];
    rand::rng().fill_bytes(&mut id);
    let id = id.iter().map(|b| format!("{b:02x}")).collect::<String>();
    (token, id)
}

pub fn token_hash(token: &str) -> String {
    chain::hash(&Value::String(token.to_string()))
}

/// The hash a confirmation is bound to (kept with the audit chain, whose `verify` recomputes
/// it from the recorded arguments).
pub use crate::audit::chain::args_hash;

/// The object as it was previewed: any change to it voids the confirmation.
pub fn state_hash(before: &Value) -> String {
    chain::hash(&chain::canonical(before))
}

/// One field's change.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, PartialEq)]
pub struct FieldChange {
    /// The field's name, as the tool's arguments name it.
    pub field: String,
    /// Its value now (null when it is not set).
    #[schemars(schema_with = "crate::mcp::schema::any_value")]
    pub before: Value,
    /// Its value after the change.
    #[schemars(schema_with = "crate::mcp::schema::any_value")]
    pub after: Value,
}

/// What would happen: updates field by field (before -> after, from a fresh read), creates as
/// the object, deletes as what will be lost.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Preview {
    /// create, update or delete.
    pub operation: String,
    /// e.g. "ticket 42".
    pub target: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub changes: Vec<FieldChange>,
    /// For creates: the object that would be created, field by field as the call names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub object: Option<Value>,
    /// For deletes: what would be lost, the object as last read from the helpdesk.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub will_be_lost: Option<Value>,
    /// For writes a customer can see or receive: who receives it, resolved from the ticket
    /// (the requester) and the call (cc, bcc, notify). The confirmation is bound to them: if
    /// they change before the call is confirmed, the token is refused and a new preview issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Recipients>,
    /// For deletes: how much goes with the object, e.g. {"conversations": 12} or
    /// {"follow_ups": 3}.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::mcp::schema::open_object")]
    pub loses: Option<Value>,
}

/// Who receives a customer-visible write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Recipients {
    /// The requester or submitter (or the addresses a note notifies).
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
}

impl Recipients {
    /// The recipients a view or before view names under `recipients`, if any.
    fn of(v: Option<&Value>) -> Recipients {
        let list = |k: &str| -> Vec<String> {
            v.and_then(|v| v.get("recipients"))
                .and_then(|r| r.get(k))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        Recipients {
            to: list("to"),
            cc: list("cc"),
            bcc: list("bcc"),
        }
    }

    fn merge(mut self, other: Recipients) -> Recipients {
        for (mine, theirs) in [
            (&mut self.to, other.to),
            (&mut self.cc, other.cc),
            (&mut self.bcc, other.bcc),
        ] {
            for a in theirs {
                if !mine.iter().any(|m| m.eq_ignore_ascii_case(&a)) {
                    mine.push(a);
                }
            }
        }
        self
    }
}

/// Keys of a view that are facts about the call, not fields it changes.
fn is_fact(key: &str) -> bool {
    key == "recipients"
        || key == "loses"
        || super::catalog::VIRTUAL_FIELDS.iter().any(|f| f.name == key)
}

/// Builds the preview from the canonical arguments and the canonical before state.
pub fn preview(
    operation: &str,
    target: String,
    view: &Value,
    before_view: Option<&Value>,
    before_raw: Option<&Value>,
) -> Preview {
    let empty = Map::new();
    let args = view.as_object().unwrap_or(&empty);
    let visible = |v: Option<&Value>| {
        v.and_then(|v| v.get("customer_visible"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let recipients = (visible(Some(view)) || visible(before_view))
        .then(|| Recipients::of(before_view).merge(Recipients::of(Some(view))));
    let mut p = Preview {
        operation: operation.to_string(),
        target,
        changes: vec![],
        object: None,
        will_be_lost: None,
        recipients,
        loses: None,
    };
    match operation {
        "create" => {
            let mut object = args.clone();
            object.retain(|k, _| !is_fact(k));
            p.object = Some(Value::Object(object));
        }
        "delete" => {
            p.will_be_lost = before_raw.cloned().or_else(|| before_view.cloned());
            p.loses = before_view.and_then(|b| b.get("loses")).cloned();
        }
        _ => {
            for (k, v) in args {
                if is_fact(k) {
                    continue;
                }
                if k == "ticket_id"
                    || k.ends_with("_id") && before_view.and_then(|b| b.get(k)).is_none()
                {
                    continue;
                }
                let old = before_view
                    .and_then(|b| b.get(k))
                    .cloned()
                    .unwrap_or(Value::Null);
                p.changes.push(FieldChange {
                    field: k.clone(),
                    before: old,
                    after: v.clone(),
                });
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_are_unique_and_only_hashes_are_kept() {
        let (a, ida) = mint();
        let (b, idb) = mint();
        assert_ne!(a, b);
        assert_ne!(ida, idb);
        assert!(a.len() > 40);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn binding_ignores_token_and_format_but_not_values() {
        let a = args_hash("t", &json!({"x": 1, "y": "z"}));
        assert_eq!(
            a,
            args_hash(
                "t",
                &json!({"y": "z", "x": 1, "confirmation_token": "abc", "response_format": "json"})
            )
        );
        assert_ne!(a, args_hash("t", &json!({"x": 2, "y": "z"})));
        assert_ne!(a, args_hash("u", &json!({"x": 1, "y": "z"})));
    }

    #[test]
    fn update_preview_is_field_by_field() {
        let p = preview(
            "update",
            "ticket 1".into(),
            &json!({"ticket_id": 1, "priority": "critical"}),
            Some(&json!({"priority": "normal"})),
            None,
        );
        assert_eq!(
            p.changes,
            vec![FieldChange {
                field: "priority".into(),
                before: json!("normal"),
                after: json!("critical")
            }]
        );
    }
}
