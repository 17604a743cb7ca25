//! Tool schemas every MCP client accepts, and the lint that keeps them so.
//!
//! Owns: [`portable`], which rewrites a schemars schema into the plain subset the official
//! TypeScript SDK (and the clients built on it: Claude Code, Claude Desktop, Cursor, VS Code,
//! the Inspector) and the Python SDK accept: `$ref`s inlined (no `$defs` left unless a type is
//! recursive), every union (`anyOf`/`oneOf`) given the `type` of its branches, and schemars'
//! Rust-only formats (`int64`, `uint32`, `double`, ...) dropped because JSON Schema validators
//! do not know them. [`lint`] names every place a tool's schema would still trip a client:
//! boolean sub-schemas, properties without a `type`, `$ref`s that do not resolve, and missing
//! annotations.
//! Must not: change what a schema accepts. Open objects are declared at the source (a
//! `schema_with` that says `{"type": "object", "additionalProperties": true}` and why), never
//! invented here.

use rmcp::model::{JsonObject, Tool};
use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

/// `schema_with` for a field that holds any JSON value (e.g. a field's value before and after
/// a change): every JSON type, said explicitly.
pub fn any_value(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "number", "boolean", "object", "array", "null"]
    })
}

/// `schema_with` for an object passed through as the upstream sends it: an open object,
/// said explicitly. The field's doc comment says which keys to expect.
pub fn open_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": true
    })
}

/// `schema_with` for a list of objects passed through as the upstream sends them.
pub fn open_objects(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": {"type": "object", "additionalProperties": true}
    })
}

/// Formats that JSON Schema (2020-12) defines; every other `format` is dropped.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Keys whose value is one sub-schema.
const ONE: &[&str] = &[
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
];
/// Keys whose value is a list of sub-schemas.
const LIST: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// Keys whose value maps names to sub-schemas.
const MAP: &[&str] = &["properties", "patternProperties", "$defs", "definitions"];
/// Where `true`/`false` is the ordinary way to say "open" or "closed".
const BOOLEAN_OK: &[&str] = &["additionalProperties", "unevaluatedProperties"];

/// A tool with both schemas made [`portable`], the output schema admitting the error result
/// (`{"error": {"kind", "message"}}`) too.
pub fn portable_tool(mut tool: Tool) -> Tool {
    tool.input_schema = std::sync::Arc::new(portable(&tool.input_schema));
    if let Some(out) = &tool.output_schema {
        let with_error = crate::mcp::output::with_error_branch(out);
        tool.output_schema = Some(std::sync::Arc::new(portable(&with_error)));
    }
    tool
}

/// The same schema with references inlined, unions typed and Rust-only formats dropped.
pub fn portable(schema: &JsonObject) -> JsonObject {
    let mut root = schema.clone();
    let defs: Map<String, Value> = root
        .remove("$defs")
        .or_else(|| root.remove("definitions"))
        .and_then(|d| match d {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let mut kept = Map::new();
    let mut stack = Vec::new();
    let mut value = Value::Object(root);
    rewrite(&mut value, &defs, &mut stack, &mut kept);
    let Value::Object(mut root) = value else {
        return schema.clone();
    };
    // Recursive types keep their definitions (resolvable at the root), nothing else does.
    while !kept.is_empty() {
        let mut more = Map::new();
        let mut done = root
            .remove("$defs")
            .and_then(|d| match d {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default();
        for (name, mut def) in std::mem::take(&mut kept) {
            if done.contains_key(&name) {
                continue;
            }
            let mut stack = vec![name.clone()];
            rewrite(&mut def, &defs, &mut stack, &mut more);
            done.insert(name, def);
        }
        more.retain(|k, _| !done.contains_key(k));
        kept = more;
        root.insert("$defs".into(), Value::Object(done));
    }
    root
}

fn def_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
}

fn rewrite(
    value: &mut Value,
    defs: &Map<String, Value>,
    stack: &mut Vec<String>,
    kept: &mut Map<String, Value>,
) {
    let Value::Object(obj) = value else {
        return;
    };
    // Inline a reference, keeping sibling keywords (a description overrides the definition's).
    if let Some(name) = obj.get("$ref").and_then(Value::as_str).and_then(def_name) {
        let name = name.to_string();
        if let Some(def) = defs.get(&name) {
            if stack.contains(&name) {
                obj.insert("$ref".into(), Value::String(format!("#/$defs/{name}")));
                kept.insert(name, def.clone());
            } else if let Value::Object(def) = def {
                obj.remove("$ref");
                let mut merged = def.clone();
                for (k, v) in std::mem::take(obj) {
                    merged.insert(k, v);
                }
                *obj = merged;
                stack.push(name);
                rewrite(value, defs, stack, kept);
                stack.pop();
                return;
            }
        }
    }
    for key in ONE {
        if let Some(v) = obj.get_mut(*key) {
            rewrite(v, defs, stack, kept);
        }
    }
    for key in LIST {
        if let Some(Value::Array(items)) = obj.get_mut(*key) {
            for v in items {
                rewrite(v, defs, stack, kept);
            }
        }
    }
    for key in MAP {
        if *key == "$defs" || *key == "definitions" {
            continue;
        }
        if let Some(Value::Object(m)) = obj.get_mut(*key) {
            for v in m.values_mut() {
                rewrite(v, defs, stack, kept);
            }
        }
    }
    if obj
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| !STANDARD_FORMATS.contains(&f))
    {
        obj.remove("format");
    }
    if !obj.contains_key("type")
        && let Some(t) = inferred_type(obj)
    {
        obj.insert("type".into(), t);
    }
}

/// The JSON type(s) a schema without `type` admits, from its branches, `const` or `enum`.
fn inferred_type(obj: &Map<String, Value>) -> Option<Value> {
    let mut types: Vec<String> = Vec::new();
    let mut add = |t: &str| {
        if !types.iter().any(|x| x == t) {
            types.push(t.to_string());
        }
    };
    if let Some(c) = obj.get("const") {
        add(type_of(c));
    } else if let Some(Value::Array(values)) = obj.get("enum") {
        for v in values {
            add(type_of(v));
        }
    } else {
        let branches = obj
            .get("anyOf")
            .or_else(|| obj.get("oneOf"))
            .and_then(Value::as_array)?;
        for b in branches {
            match b.get("type")? {
                Value::String(t) => add(t),
                Value::Array(ts) => {
                    for t in ts {
                        add(t.as_str()?);
                    }
                }
                _ => return None,
            }
        }
    }
    // "integer" is inside "number": say only the wider one.
    if types.iter().any(|t| t == "number") {
        types.retain(|t| t != "integer");
    }
    match types.len() {
        0 => None,
        1 => Some(Value::String(types.remove(0))),
        _ => Some(Value::Array(types.into_iter().map(Value::String).collect())),
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every problem a client could have with this tool, each naming where it is.
pub fn lint(tool: &Tool) -> Vec<String> {
    let mut problems = Vec::new();
    let name = tool.name.as_ref();
    match &tool.annotations {
        None => problems.push(format!("{name}: no annotations")),
        Some(a) => {
            if a.title.is_none() {
                problems.push(format!("{name}: annotations have no title"));
            }
            for (hint, v) in [
                ("readOnlyHint", a.read_only_hint),
                ("destructiveHint", a.destructive_hint),
                ("idempotentHint", a.idempotent_hint),
                ("openWorldHint", a.open_world_hint),
            ] {
                if v.is_none() {
                    problems.push(format!("{name}: {hint} is not explicit"));
                }
            }
        }
    }
    let mut schemas = vec![("inputSchema", tool.input_schema.as_ref())];
    if let Some(out) = &tool.output_schema {
        schemas.push(("outputSchema", out.as_ref()));
    }
    for (which, schema) in schemas {
        let at = format!("{name}.{which}");
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            problems.push(format!("{at}: the root must have \"type\": \"object\""));
        }
        let root = Value::Object(schema.clone());
        lint_schema(&root, schema, &at, &mut problems);
    }
    problems
}

fn lint_schema(v: &Value, root: &JsonObject, at: &str, problems: &mut Vec<String>) {
    let Value::Object(obj) = v else {
        problems.push(format!(
            "{at}: a boolean sub-schema; write an object schema with a type"
        ));
        return;
    };
    if let Some(r) = obj.get("$ref") {
        let resolves = r.as_str().and_then(def_name).is_some_and(|n| {
            root.get("$defs")
                .or_else(|| root.get("definitions"))
                .and_then(|d| d.get(n))
                .is_some()
        });
        if !resolves {
            problems.push(format!("{at}: $ref {r} does not resolve inside the schema"));
        }
    }
    if let Some(f) = obj.get("format").and_then(Value::as_str)
        && !STANDARD_FORMATS.contains(&f)
    {
        problems.push(format!("{at}: format \"{f}\" is not a JSON Schema format"));
    }
    for key in ONE {
        match obj.get(*key) {
            Some(Value::Bool(_)) if BOOLEAN_OK.contains(key) => {}
            Some(sub) => {
                let here = format!("{at}/{key}");
                if *key == "items" {
                    require_type(sub, &here, problems);
                }
                lint_schema(sub, root, &here, problems);
            }
            None => {}
        }
    }
    for key in LIST {
        if let Some(items) = obj.get(*key).and_then(Value::as_array) {
            for (i, sub) in items.iter().enumerate() {
                lint_schema(sub, root, &format!("{at}/{key}/{i}"), problems);
            }
        }
    }
    for key in MAP {
        if let Some(m) = obj.get(*key).and_then(Value::as_object) {
            for (prop, sub) in m {
                let here = format!("{at}/{key}/{prop}");
                if *key == "properties" {
                    require_type(sub, &here, problems);
                }
                lint_schema(sub, root, &here, problems);
            }
        }
    }
}

fn require_type(sub: &Value, at: &str, problems: &mut Vec<String>) {
    if let Value::Object(o) = sub
        && !o.contains_key("type")
        && !o.contains_key("$ref")
    {
        problems.push(format!("{at}: no \"type\""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn references_are_inlined_and_unions_typed() {
        let s = portable(&obj(json!({
            "type": "object",
            "properties": {
                "who": {"anyOf": [{"$ref": "#/$defs/IdOrName"}, {"type": "null"}], "description": "x"},
                "n": {"type": "integer", "format": "uint32", "minimum": 0},
                "when": {"type": "string", "format": "date-time"},
                "fmt": {"oneOf": [{"const": "markdown"}, {"const": "json"}]}
            },
            "$defs": {"IdOrName": {"anyOf": [{"type": "integer", "format": "int64"}, {"type": "string"}]}}
        })));
        assert!(s.get("$defs").is_none(), "{s:?}");
        let p = &s["properties"];
        assert_eq!(p["who"]["type"], json!(["integer", "string", "null"]));
        assert_eq!(p["who"]["anyOf"][0]["type"], json!(["integer", "string"]));
        assert!(p["n"].get("format").is_none());
        assert_eq!(p["when"]["format"], "date-time");
        assert_eq!(p["fmt"]["type"], "string");
    }

    #[test]
    fn recursive_types_keep_a_resolvable_definition() {
        let s = portable(&obj(json!({
            "type": "object",
            "properties": {"node": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}}}}
        })));
        assert_eq!(s["properties"]["node"]["type"], "object");
        assert!(s["$defs"]["Node"].is_object(), "{s:?}");
        let tool = Tool::new("t", "d", std::sync::Arc::new(s));
        assert!(
            lint(&tool).iter().all(|p| !p.contains("$ref")),
            "{:?}",
            lint(&tool)
        );
    }

    #[test]
    fn the_lint_names_what_a_client_would_reject() {
        let tool = Tool::new(
            "t",
            "d",
            std::sync::Arc::new(obj(json!({
                "type": "object",
                "properties": {
                    "object": true,
                    "untyped": {"description": "no type"},
                    "list": {"type": "array", "items": true},
                    "open": {"type": "object", "additionalProperties": true},
                    "gone": {"$ref": "#/$defs/Missing"}
                }
            }))),
        );
        let problems = lint(&tool).join("\n");
        assert!(problems.contains("t: no annotations"), "{problems}");
        assert!(
            problems.contains("properties/object: a boolean sub-schema"),
            "{problems}"
        );
        assert!(
            problems.contains("properties/untyped: no \"type\""),
            "{problems}"
        );
        assert!(
            problems.contains("properties/list/items: a boolean"),
            "{problems}"
        );
        assert!(
            problems.contains("$ref \"#/$defs/Missing\" does not resolve"),
            "{problems}"
        );
        assert!(!problems.contains("open"), "{problems}");
    }
}
