//! Rule files: parsing with source positions, validation against the tool catalogue, and
//! matching a call. Pure: no I/O beyond the text it is given.

use std::collections::{BTreeMap, HashMap};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use super::catalog::{FieldKind, OpKind, ToolMeta};
use super::{BackendPolicy, DecisionKind, Settings, Via};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    settings: Option<SettingsDoc>,
    #[serde(default)]
    backends: BTreeMap<String, Spanned<BackendDoc>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsDoc {
    read_only: Option<bool>,
    confirmation_ttl_secs: Option<Spanned<i64>>,
    default_via: Option<Spanned<OneOrMany>>,
    rate_limit_wait_secs: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackendDoc {
    read_only: Option<bool>,
    requests_per_minute: Option<Spanned<i64>>,
    requests_per_hour: Option<Spanned<i64>>,
    max_concurrent: Option<Spanned<i64>>,
    max_concurrent_per_endpoint: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    name: Spanned<String>,
    backend: Option<Spanned<String>>,
    tool: Option<Spanned<OneOrMany>>,
    operation: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    when: Vec<Spanned<PredDoc>>,
    decision: Spanned<String>,
    reason: Option<String>,
    via: Option<Spanned<OneOrMany>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PredDoc {
    field: Spanned<String>,
    equals: Option<toml::Value>,
    #[serde(rename = "in")]
    in_: Option<Vec<toml::Value>>,
    matches: Option<String>,
    changes: Option<ChangesDoc>,
    more_than: Option<toml::Value>,
    present: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesDoc {
    from: Option<toml::Value>,
    to: Option<toml::Value>,
}

/// A condition on one field of a call.
#[derive(Debug, Clone)]
pub enum Predicate {
    Equals(String, Value),
    In(String, Vec<Value>),
    Matches(String, Regex),
    /// The call sets the field to a value different from the before image, optionally only
    /// from / to these values.
    Changes {
        field: String,
        from: Option<Vec<Value>>,
        to: Option<Vec<Value>>,
    },
    MoreThan(String, f64),
    Present(String, bool),
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub backend: Option<String>,
    pub tools: Option<(Vec<String>, GlobSet)>,
    /// When unset, the rule covers creates, updates and deletes (not reads or session tools).
    pub operations: Option<Vec<OpKind>>,
    pub when: Vec<Predicate>,
    pub decision: DecisionKind,
    pub reason: String,
    pub via: Vec<Via>,
    /// `file:line`.
    pub location: String,
}

impl Rule {
    /// Whether the rule covers this tool at all (before looking at arguments).
    pub fn applies_to(&self, tool: &ToolMeta) -> bool {
        if self.backend.as_deref().is_some_and(|b| b != tool.backend) {
            return false;
        }
        if let Some((_, set)) = &self.tools
            && !set.is_match(tool.name)
        {
            return false;
        }
        match &self.operations {
            Some(ops) => ops.contains(&tool.operation),
            None => tool.operation.is_write(),
        }
    }

    /// Whether every condition holds for these arguments.
    pub fn matches(&self, args: &Value, before: Option<&Value>) -> bool {
        self.when.iter().all(|p| p.holds(args, before))
    }
}

/// A field's value in the call's facts (the canonical view with the virtual fields added by
/// [`super::facts::facts`]).
fn field_value(args: &Value, field: &str) -> Option<Value> {
    args.get(field).filter(|v| !v.is_null()).cloned()
}

/// Equality as a person means it: strings without regard to case, numbers by value.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::Number(y)) | (Value::Number(y), Value::String(x)) => {
            x.parse::<f64>().ok() == y.as_f64()
        }
        _ => a == b,
    }
}

impl Predicate {
    pub fn field(&self) -> &str {
        match self {
            Predicate::Equals(f, _)
            | Predicate::In(f, _)
            | Predicate::Matches(f, _)
            | Predicate::MoreThan(f, _)
            | Predicate::Present(f, _) => f,
            Predicate::Changes { field, .. } => field,
        }
    }

    fn holds(&self, args: &Value, before: Option<&Value>) -> bool {
        let value = field_value(args, self.field());
        match self {
            Predicate::Present(_, want) => value.is_some() == *want,
            Predicate::Equals(_, v) => value.is_some_and(|x| any_item(&x, |i| same(i, v))),
            Predicate::In(_, vs) => {
                value.is_some_and(|x| any_item(&x, |i| vs.iter().any(|v| same(i, v))))
            }
            Predicate::Matches(_, re) => value.is_some_and(|x| match x {
                Value::String(s) => re.is_match(&s),
                other => re.is_match(&other.to_string()),
            }),
            Predicate::MoreThan(_, n) => value.and_then(|x| x.as_f64()).is_some_and(|x| x > *n),
            Predicate::Changes { field, from, to } => {
                let Some(new) = value else { return false };
                let old = before
                    .and_then(|b| b.get(field.as_str()))
                    .filter(|v| !v.is_null());
                if old.is_some_and(|o| same(o, &new)) {
                    return false;
                }
                let to_ok = to.as_ref().is_none_or(|t| t.iter().any(|v| same(&new, v)));
                let from_ok = from
                    .as_ref()
                    .is_none_or(|f| old.is_some_and(|o| f.iter().any(|v| same(o, v))));
                to_ok && from_ok
            }
        }
    }
}

/// For list-valued fields (several statuses), a condition holds if it holds for any item.
fn any_item(x: &Value, f: impl Fn(&Value) -> bool) -> bool {
    match x {
        Value::Array(items) => items.iter().any(f),
        other => f(other),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

fn to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn list_of(v: &toml::Value) -> Vec<Value> {
    match v {
        toml::Value::Array(a) => a.iter().map(to_json).collect(),
        other => vec![to_json(other)],
    }
}

/// Parses one file, appending its rules and applying its settings; returns every problem.
pub(super) fn parse_file(
    file: &str,
    text: &str,
    tools: &[ToolMeta],
    settings: &mut Settings,
    backends: &mut HashMap<String, BackendPolicy>,
    rules: &mut Vec<Rule>,
) -> Result<(), Vec<String>> {
    let doc: FileDoc = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        vec![format!("{file}:{line}: {}", e.message().trim())]
    })?;
    let mut problems = Vec::new();
    let at = |offset: usize| format!("{file}:{}", line_of(text, offset));
    let known_backends: Vec<&str> = {
        let mut b: Vec<&str> = tools.iter().map(|t| t.backend).collect();
        b.sort();
        b.dedup();
        b
    };

    let vias = |s: &Spanned<OneOrMany>, problems: &mut Vec<String>| -> Vec<Via> {
        let mut out = Vec::new();
        for v in s.get_ref().items() {
            match Via::parse(&v) {
                Some(x) => out.push(x),
                None => problems.push(format!(
                    "{}: via \"{v}\" is not known; use token, elicitation or human",
                    at(s.span().start)
                )),
            }
        }
        out
    };

    if let Some(s) = &doc.settings {
        if let Some(r) = s.read_only {
            settings.read_only = r;
        }
        if let Some(t) = &s.confirmation_ttl_secs {
            match *t.get_ref() {
                n @ 10..=86_400 => {
                    settings.confirmation_ttl = std::time::Duration::from_secs(n as u64)
                }
                n => problems.push(format!(
                    "{}: confirmation_ttl_secs = {n}: use 10 to 86400 seconds",
                    at(t.span().start)
                )),
            }
        }
        if let Some(w) = &s.rate_limit_wait_secs {
            match *w.get_ref() {
                n @ 0..=600 => settings.rate_limit_wait = std::time::Duration::from_secs(n as u64),
                n => problems.push(format!(
                    "{}: rate_limit_wait_secs = {n}: use 0 to 600 seconds",
                    at(w.span().start)
                )),
            }
        }
        if let Some(v) = &s.default_via {
            let list = vias(v, &mut problems);
            if list.is_empty() {
                problems.push(format!(
                    "{}: default_via must name at least one path",
                    at(v.span().start)
                ));
            }
            settings.default_via = list;
        }
    }

    for (name, b) in &doc.backends {
        let line = at(b.span().start);
        if !known_backends.contains(&name.as_str()) {
            problems.push(format!(
                "{line}: backend \"{name}\" is not known; known backends: {}",
                known_backends.join(", ")
            ));
            continue;
        }
        let entry = backends.entry(name.clone()).or_default();
        let b = b.get_ref();
        if let Some(r) = b.read_only {
            entry.read_only = r;
        }
        if let Some(n) = &b.requests_per_minute {
            match *n.get_ref() {
                v @ 1..=1_000_000 => entry.requests_per_minute = v as u32,
                v => problems.push(format!(
                    "{}: requests_per_minute = {v}: use 1 to 1000000",
                    at(n.span().start)
                )),
            }
        }
        if let Some(n) = &b.max_concurrent {
            match *n.get_ref() {
                v @ 1..=1000 => entry.max_concurrent = v as u32,
                v => problems.push(format!(
                    "{}: max_concurrent = {v}: use 1 to 1000",
                    at(n.span().start)
                )),
            }
        }
        if let Some(n) = &b.requests_per_hour {
            match *n.get_ref() {
                v @ 1..=1_000_000 => entry.requests_per_hour = Some(v as u32),
                v => problems.push(format!(
                    "{}: requests_per_hour = {v}: use 1 to 1000000 (requests in any rolling hour)",
                    at(n.span().start)
                )),
            }
        }
        if let Some(n) = &b.max_concurrent_per_endpoint {
            match *n.get_ref() {
                v @ 1..=64 => entry.max_concurrent_per_endpoint = Some(v as u32),
                v => problems.push(format!(
                    "{}: max_concurrent_per_endpoint = {v}: use 1 to 64",
                    at(n.span().start)
                )),
            }
        }
    }

    for spanned in &doc.rules {
        let r = spanned.get_ref();
        let location = at(spanned.span().start);
        let name = r.name.get_ref().clone();
        let here = |span: std::ops::Range<usize>| format!("{} (rule \"{name}\")", at(span.start));
        if name.trim().is_empty() {
            problems.push(format!(
                "{}: a rule needs a non-empty name",
                here(r.name.span())
            ));
        }
        let backend = r.backend.as_ref().map(|b| b.get_ref().clone());
        if let Some(b) = &r.backend
            && !known_backends.contains(&b.get_ref().as_str())
        {
            problems.push(format!(
                "{}: backend \"{}\" is not known; known backends: {}",
                here(b.span()),
                b.get_ref(),
                known_backends.join(", ")
            ));
        }
        let operations = match &r.operation {
            None => None,
            Some(ops) => {
                let mut out = Vec::new();
                for o in ops.get_ref().items() {
                    match OpKind::parse(&o) {
                        Some(k) => out.push(k),
                        None => problems.push(format!(
                            "{}: operation \"{o}\" is not known; \
                             use read, create, update, delete or session",
                            here(ops.span())
                        )),
                    }
                }
                Some(out)
            }
        };
        let tool_globs = match &r.tool {
            None => None,
            Some(t) => {
                let mut builder = GlobSetBuilder::new();
                let patterns = t.get_ref().items();
                for p in &patterns {
                    match Glob::new(p) {
                        Ok(g) => {
                            let m = g.compile_matcher();
                            if !tools.iter().any(|tool| {
                                m.is_match(tool.name)
                                    && backend.as_deref().is_none_or(|b| b == tool.backend)
                            }) {
                                problems.push(format!(
                                    "{}: tool \"{p}\" matches no tool{}",
                                    here(t.span()),
                                    backend
                                        .as_ref()
                                        .map(|b| format!(" of backend {b}"))
                                        .unwrap_or_default()
                                ));
                            }
                            builder.add(g);
                        }
                        Err(e) => problems.push(format!(
                            "{}: tool pattern \"{p}\" is not a valid glob: {e}",
                            here(t.span())
                        )),
                    }
                }
                builder.build().ok().map(|set| (patterns, set))
            }
        };
        let decision = match DecisionKind::parse(r.decision.get_ref()) {
            Some(d) => d,
            None => {
                problems.push(format!(
                    "{}: decision \"{}\" is not known; use allow, deny, confirm or require_intent",
                    here(r.decision.span()),
                    r.decision.get_ref()
                ));
                DecisionKind::Deny
            }
        };
        let via = match &r.via {
            Some(v) => {
                if decision != DecisionKind::Confirm {
                    problems.push(format!(
                        "{}: via only applies to decision = \"confirm\"",
                        here(v.span())
                    ));
                }
                vias(v, &mut problems)
            }
            None => vec![],
        };
        let mut rule = Rule {
            name: name.clone(),
            backend,
            tools: tool_globs,
            operations,
            when: vec![],
            decision,
            reason: r
                .reason
                .clone()
                .unwrap_or_else(|| format!("policy rule \"{name}\"")),
            via,
            location: location.clone(),
        };
        let covered: Vec<&ToolMeta> = tools.iter().filter(|t| rule.applies_to(t)).collect();
        if matches!(
            decision,
            DecisionKind::Confirm | DecisionKind::RequireIntent
        ) && let Some(t) = covered.iter().find(|t| !t.operation.is_write())
        {
            problems.push(format!(
                "{location}: rule \"{name}\" asks to {} {}, a {} tool; only creates, updates and deletes can be confirmed or gated on intent (use allow or deny)",
                decision.as_str(),
                t.name,
                t.operation.as_str()
            ));
        }
        if covered.is_empty() && problems.is_empty() {
            problems.push(format!(
                "{location}: rule \"{name}\" covers no tool \
                 (rules without `operation` cover creates, updates and deletes)"
            ));
        }
        for p in &r.when {
            match predicate(p.get_ref(), &covered) {
                Ok(pred) => rule.when.push(pred),
                Err(msg) => problems.push(format!("{}: {msg}", here(p.span()))),
            }
        }
        rules.push(rule);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn predicate(p: &PredDoc, covered: &[&ToolMeta]) -> Result<Predicate, String> {
    let field = p.field.get_ref().clone();
    let kinds: Vec<FieldKind> = covered
        .iter()
        .filter_map(|t| t.field(&field))
        .map(|f| f.kind)
        .collect();
    let Some(kind) = kinds.first().copied() else {
        let mut names: Vec<&str> = covered
            .iter()
            .flat_map(|t| t.fields.iter().map(|f| f.name))
            .collect();
        names.extend(super::catalog::VIRTUAL_FIELDS.iter().map(|f| f.name));
        names.sort();
        names.dedup();
        return Err(format!(
            "field \"{field}\" is not a field of the tools this rule covers; known fields: {}",
            names.join(", ")
        ));
    };
    let ops = [
        p.equals.is_some(),
        p.in_.is_some(),
        p.matches.is_some(),
        p.changes.is_some(),
        p.more_than.is_some(),
        p.present.is_some(),
    ];
    if ops.iter().filter(|x| **x).count() != 1 {
        return Err(format!(
            "condition on \"{field}\" needs exactly one of: equals, in, matches, changes, more_than, present"
        ));
    }
    let check = |v: &Value| -> Result<(), String> {
        match kind {
            FieldKind::Enum(names) => match v {
                Value::String(s) if names.iter().any(|n| n.eq_ignore_ascii_case(s)) => Ok(()),
                _ => Err(format!(
                    "{v} is not a valid value of \"{field}\"; use one of: {}",
                    names.join(", ")
                )),
            },
            FieldKind::Bool if !v.is_boolean() => {
                Err(format!("\"{field}\" is true or false, not {v}"))
            }
            FieldKind::Integer if !v.is_number() => {
                Err(format!("\"{field}\" is a number, not {v}"))
            }
            _ => Ok(()),
        }
    };
    if let Some(v) = &p.equals {
        let v = to_json(v);
        check(&v)?;
        return Ok(Predicate::Equals(field, v));
    }
    if let Some(vs) = &p.in_ {
        let vs: Vec<Value> = vs.iter().map(to_json).collect();
        if vs.is_empty() {
            return Err(format!("\"in\" for \"{field}\" needs at least one value"));
        }
        for v in &vs {
            check(v)?;
        }
        return Ok(Predicate::In(field, vs));
    }
    if let Some(re) = &p.matches {
        let re = Regex::new(re).map_err(|e| {
            format!("matches for \"{field}\" is not a valid regular expression: {e}")
        })?;
        return Ok(Predicate::Matches(field, re));
    }
    if let Some(c) = &p.changes {
        let from = c.from.as_ref().map(list_of);
        let to = c.to.as_ref().map(list_of);
        for v in from.iter().chain(to.iter()).flatten() {
            check(v)?;
        }
        return Ok(Predicate::Changes { field, from, to });
    }
    if let Some(n) = &p.more_than {
        let n = to_json(n)
            .as_f64()
            .ok_or_else(|| format!("more_than for \"{field}\" must be a number"))?;
        if !matches!(kind, FieldKind::Integer) {
            return Err(format!(
                "more_than needs a number field; \"{field}\" is not one"
            ));
        }
        return Ok(Predicate::MoreThan(field, n));
    }
    Ok(Predicate::Present(field, p.present.unwrap_or(true)))
}
