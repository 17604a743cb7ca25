//! The hash chain: canonical form of an event and its SHA-256.
//!
//! Owns: how an event is turned into bytes for hashing, so that what is written and what
//! `audit verify` reads back hash the same in PostgreSQL (JSONB reorders keys) and SQLite.
//! Must not: do I/O.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Recursively sorts object keys and replaces NUL characters (PostgreSQL JSONB cannot store
/// `\u0000`), so a value hashes the same before storing and after reading back.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.replace('\0', "\u{fffd}"), canonical(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        Value::String(s) if s.contains('\0') => Value::String(s.replace('\0', "\u{fffd}")),
        other => other.clone(),
    }
}

/// Serializes a canonical value with keys in sorted order (independent of serde_json's
/// `preserve_order` feature, which another crate may turn on).
pub fn canonical_string(value: &Value) -> String {
    let mut out = String::new();
    write_sorted(value, &mut out);
    out
}

fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_sorted(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 of the canonical serialization, as lowercase hex.
pub fn hash(value: &Value) -> String {
    let digest = Sha256::digest(canonical_string(value).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash a confirmation is bound to: the tool and its canonical arguments (the
/// confirmation token and the output format are not part of the change). `audit verify`
/// recomputes it from a confirmation's recorded arguments.
pub fn args_hash(tool: &str, arguments: &Value) -> String {
    let mut args = arguments.clone();
    if let Value::Object(m) = &mut args {
        m.remove("confirmation_token");
        m.remove("response_format");
        m.retain(|_, v| !v.is_null());
    }
    hash(&canonical(
        &serde_json::json!({ "tool": tool, "arguments": args }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": null}});
        let b = json!({"a": {"x": null, "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(hash(&canonical(&a)), hash(&canonical(&b)));
    }

    #[test]
    fn any_change_changes_the_hash() {
        let a = json!({"title": "Printer"});
        let b = json!({"title": "Printer "});
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn nul_is_replaced() {
        assert_eq!(canonical(&json!("a\u{0}b")), json!("a\u{fffd}b"));
    }
}
