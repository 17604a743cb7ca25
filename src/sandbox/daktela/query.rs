//! The query grammar of every list (§5): bracketed keys (`filter[filters][0][value][1]`) read
//! into a tree, flat `filter[i][..]` conditions (AND) and nested `filter[logic]` /
//! `filter[filters][i]` groups, every operator of §5 with `ignoreCase`, dotted paths into
//! expanded objects, `sort[i][field|dir]`, `fields[i]`, `skip`/`take` and `q`.
//!
//! Semantics: a condition on an expanded object compares its `name` (or `id_call`), on an
//! array any element (all, for the negated operators); a record's boolean matches `true`/`1`
//! and `false`/`0`; numbers compare as numbers when both sides are; any comparison with null
//! is false, as in SQL, but `isnull`. An unknown filter or sort field (no record of the model
//! has it) matches nothing, without an error (§10).
//!
//! Owns: [`ListQuery`]. Must not: know models or records beyond their JSON.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::envelope::ApiError;
use crate::sandbox::kit::query::Query;

/// Most records one list answers, and the default page.
pub(super) const MAX_TAKE: usize = 1000;
pub(super) const DEFAULT_TAKE: usize = 100;

/// What `q` searches: these top-level text fields, case-insensitively.
const FULL_TEXT: &[&str] = &[
    "title",
    "description",
    "text",
    "firstname",
    "lastname",
    "email",
    "subject",
    "content",
    "clid",
    "address",
];

/// A bracketed parameter tree.
#[derive(Debug)]
enum Node {
    Leaf(String),
    Map(BTreeMap<String, Node>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.get(key),
            Node::Leaf(_) => None,
        }
    }

    fn leaf(&self) -> Option<&str> {
        match self {
            Node::Leaf(s) => Some(s),
            Node::Map(_) => None,
        }
    }

    /// The children of a map in index order (numeric keys by number, others after); a leaf
    /// is its own single child.
    fn items(&self) -> Vec<&Node> {
        match self {
            Node::Leaf(_) => vec![self],
            Node::Map(m) => {
                let mut v: Vec<(&String, &Node)> = m.iter().collect();
                v.sort_by_key(|(k, _)| (k.parse::<usize>().unwrap_or(usize::MAX), k.to_string()));
                v.into_iter().map(|(_, n)| n).collect()
            }
        }
    }

    /// The strings of a value: a leaf, or a map of leaves in index order.
    fn strings(&self) -> Vec<String> {
        self.items()
            .into_iter()
            .filter_map(|n| n.leaf().map(str::to_string))
            .collect()
    }
}

/// `a[b][c]` as `["a", "b", "c"]`; a key without brackets is one segment.
fn segments(key: &str) -> Vec<&str> {
    let Some((head, rest)) = key.split_once('[') else {
        return vec![key];
    };
    let mut out = vec![head];
    let rest = rest.strip_suffix(']').unwrap_or(rest);
    out.extend(rest.split("]["));
    out
}

fn insert(map: &mut BTreeMap<String, Node>, segs: &[&str], value: &str) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    let key = if first.is_empty() {
        map.len().to_string()
    } else {
        first.to_string()
    };
    if rest.is_empty() {
        map.insert(key, Node::Leaf(value.to_string()));
        return;
    }
    let child = map.entry(key).or_insert_with(|| Node::Map(BTreeMap::new()));
    if let Node::Leaf(_) = child {
        *child = Node::Map(BTreeMap::new());
    }
    if let Node::Map(m) = child {
        insert(m, rest, value);
    }
}

fn tree(q: &Query) -> BTreeMap<String, Node> {
    let mut root = BTreeMap::new();
    for (k, v) in q.pairs() {
        insert(&mut root, &segments(k), v);
    }
    root
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    NotLike,
    Begins,
    NotBegins,
    Ends,
    NotEnds,
    Contains,
    NotContains,
    In,
    NotIn,
    IsNull,
    IsNotNull,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" | "" => Op::Eq,
            "neq" => Op::Neq,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "like" => Op::Like,
            "notlike" => Op::NotLike,
            "begins" | "startswith" => Op::Begins,
            "notbegins" => Op::NotBegins,
            "ends" | "endswith" => Op::Ends,
            "notends" => Op::NotEnds,
            "contains" => Op::Contains,
            "doesnotcontain" => Op::NotContains,
            "in" => Op::In,
            "notin" => Op::NotIn,
            "isnull" => Op::IsNull,
            "isnotnull" => Op::IsNotNull,
            _ => return None,
        })
    }

    /// The positive operator of a negated one.
    fn negated(self) -> Option<Op> {
        Some(match self {
            Op::Neq => Op::Eq,
            Op::NotLike => Op::Like,
            Op::NotBegins => Op::Begins,
            Op::NotEnds => Op::Ends,
            Op::NotContains => Op::Contains,
            Op::NotIn => Op::In,
            _ => return None,
        })
    }
}

#[derive(Debug)]
struct Cond {
    field: String,
    op: Op,
    values: Vec<String>,
    ignore_case: bool,
    pattern: Option<Regex>,
}

#[derive(Debug)]
enum Filter {
    Cond(Cond),
    Group { or: bool, filters: Vec<Filter> },
}

fn truthy(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes")
}

/// SQL `LIKE` as a regex: `%` any run, `_` one character.
fn like_regex(pattern: &str, ignore_case: bool) -> Option<Regex> {
    let mut re = String::from(if ignore_case { "(?is)^" } else { "(?s)^" });
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re).ok()
}

fn filter_of(node: &Node) -> Result<Option<Filter>, ApiError> {
    if let Node::Leaf(_) = node {
        return Ok(None);
    }
    if let Some(field) = node.get("field").and_then(Node::leaf) {
        let raw_op = node.get("operator").and_then(Node::leaf).unwrap_or("eq");
        let op = Op::parse(raw_op).ok_or_else(|| {
            ApiError::bad(
                &format!("Unknown filter operator: {raw_op}"),
                json!({"operator": raw_op}),
            )
        })?;
        let values = node.get("value").map(Node::strings).unwrap_or_default();
        let ignore_case = node
            .get("ignoreCase")
            .and_then(Node::leaf)
            .is_some_and(truthy);
        let pattern = match op {
            Op::Like | Op::NotLike => {
                like_regex(values.first().map_or("", String::as_str), ignore_case)
            }
            _ => None,
        };
        return Ok(Some(Filter::Cond(Cond {
            field: field.to_string(),
            op,
            values,
            ignore_case,
            pattern,
        })));
    }
    let (or, children) = match (node.get("logic"), node.get("filters")) {
        (None, None) => (false, node.items()),
        (logic, filters) => (
            logic
                .and_then(Node::leaf)
                .is_some_and(|l| l.eq_ignore_ascii_case("or")),
            filters.map(Node::items).unwrap_or_default(),
        ),
    };
    let mut filters = Vec::new();
    for c in children {
        if let Some(f) = filter_of(c)? {
            filters.push(f);
        }
    }
    Ok(Some(Filter::Group { or, filters }))
}

/// The values at a dotted path (arrays on the way are walked into), and whether the path
/// exists in this record.
fn resolve<'a>(v: &'a Value, segs: &[&str], out: &mut Vec<&'a Value>) -> bool {
    let Some((first, rest)) = segs.split_first() else {
        out.push(v);
        return true;
    };
    match v {
        Value::Object(m) => m.get(*first).is_some_and(|c| resolve(c, rest, out)),
        Value::Array(a) => {
            // Every element adds its values (no short circuit).
            let mut seen = false;
            for e in a {
                seen |= resolve(e, segs, out);
            }
            seen
        }
        Value::Null => {
            out.push(v);
            false
        }
        _ => false,
    }
}

/// The values at a dotted path; none (a missing key, an empty array) reads as one null.
fn values_at<'a>(record: &'a Value, path: &str) -> Vec<&'a Value> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    resolve(record, &segs, &mut out);
    if out.is_empty() {
        out.push(&Value::Null);
    }
    out
}

/// Whether any record has the path.
fn known(records: &[Value], path: &str) -> bool {
    let segs: Vec<&str> = path.split('.').collect();
    records.iter().any(|r| resolve(r, &segs, &mut Vec::new()))
}

/// A value as text for comparing: an object by its key, a boolean as `1`/`0`.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Object(m) => m.get("name").or_else(|| m.get("id_call")).and_then(text),
        _ => None,
    }
}

fn compare(a: &str, b: &str, ignore_case: bool) -> Ordering {
    if let (Ok(x), Ok(y)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    if ignore_case {
        a.to_lowercase().cmp(&b.to_lowercase())
    } else {
        a.cmp(b)
    }
}

impl Cond {
    /// Whether one value satisfies a positive operator.
    fn holds(&self, op: Op, v: &Value) -> bool {
        let Some(mut s) = text(v) else {
            return op == Op::IsNull;
        };
        let boolean = v.is_boolean();
        let norm = |x: &str| {
            let x = if boolean {
                if truthy(x) { "1" } else { "0" }.to_string()
            } else {
                x.to_string()
            };
            if self.ignore_case {
                x.to_lowercase()
            } else {
                x
            }
        };
        let first = norm(self.values.first().map_or("", String::as_str));
        if self.ignore_case {
            s = s.to_lowercase();
        }
        let ord = || compare(&s, &first, false);
        match op {
            Op::IsNull => false,
            Op::IsNotNull => true,
            Op::Eq => ord() == Ordering::Equal,
            Op::Gt => ord() == Ordering::Greater,
            Op::Gte => ord() != Ordering::Less,
            Op::Lt => ord() == Ordering::Less,
            Op::Lte => ord() != Ordering::Greater,
            Op::Like => self.pattern.as_ref().is_some_and(|p| p.is_match(&s)),
            Op::Begins => s.starts_with(&first),
            Op::Ends => s.ends_with(&first),
            Op::Contains => s.contains(&first),
            Op::In => self
                .values
                .iter()
                .any(|x| compare(&s, &norm(x), false) == Ordering::Equal),
            _ => false,
        }
    }

    fn matches(&self, record: &Value) -> bool {
        let vals = values_at(record, &self.field);
        match self.op.negated() {
            // SQL: a negated comparison with null is false too.
            Some(pos) => vals.iter().all(|v| !v.is_null() && !self.holds(pos, v)),
            None if self.op == Op::IsNull => vals.iter().all(|v| self.holds(Op::IsNull, v)),
            None => vals.iter().any(|v| self.holds(self.op, v)),
        }
    }
}

impl Filter {
    fn matches(&self, record: &Value) -> bool {
        match self {
            Filter::Cond(c) => c.matches(record),
            Filter::Group { or: true, filters } if !filters.is_empty() => {
                filters.iter().any(|f| f.matches(record))
            }
            Filter::Group { filters, .. } => filters.iter().all(|f| f.matches(record)),
        }
    }

    fn fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Filter::Cond(c) => out.push(&c.field),
            Filter::Group { filters, .. } => filters.iter().for_each(|f| f.fields(out)),
        }
    }
}

/// A list request's filter, order, projection, page and search.
#[derive(Debug)]
pub(super) struct ListQuery {
    filter: Option<Filter>,
    sort: Vec<(String, bool)>,
    fields: Vec<String>,
    skip: usize,
    take: usize,
    q: Option<String>,
}

impl ListQuery {
    pub(super) fn parse(query: &Query) -> Result<ListQuery, ApiError> {
        let root = tree(query);
        let filter = match root.get("filter") {
            Some(n) => filter_of(n)?,
            None => None,
        };
        let sort = root.get("sort").map_or_else(Vec::new, |n| {
            let items = match n.get("field") {
                Some(_) => vec![n],
                None => n.items(),
            };
            items
                .into_iter()
                .filter_map(|s| {
                    let field = s.get("field").and_then(Node::leaf)?;
                    let dir = s.get("dir").and_then(Node::leaf).unwrap_or("asc");
                    Some((field.to_string(), dir.eq_ignore_ascii_case("desc")))
                })
                .collect()
        });
        let fields = root.get("fields").map(Node::strings).unwrap_or_default();
        let number = |k: &str| query.get(k).and_then(|v| v.trim().parse::<usize>().ok());
        Ok(ListQuery {
            filter,
            sort,
            fields,
            skip: number("skip").unwrap_or(0),
            take: number("take").unwrap_or(DEFAULT_TAKE).min(MAX_TAKE),
            q: query
                .get("q")
                .map(str::to_lowercase)
                .filter(|q| !q.is_empty()),
        })
    }

    /// The page of `records` this query selects, and the count of all matches.
    pub(super) fn apply(&self, records: &[Value]) -> (Vec<Value>, usize) {
        let mut fields = Vec::new();
        if let Some(f) = &self.filter {
            f.fields(&mut fields);
        }
        fields.extend(self.sort.iter().map(|(f, _)| f.as_str()));
        if fields.iter().any(|f| !known(records, f)) {
            return (Vec::new(), 0);
        }
        let mut hits: Vec<&Value> = records
            .iter()
            .filter(|r| self.filter.as_ref().is_none_or(|f| f.matches(r)))
            .filter(|r| self.q.as_ref().is_none_or(|q| full_text(r, q)))
            .collect();
        hits.sort_by(|a, b| {
            for (field, desc) in &self.sort {
                let x = text(values_at(a, field)[0]);
                let y = text(values_at(b, field)[0]);
                let o = match (x, y) {
                    (Some(x), Some(y)) => compare(&x, &y, true),
                    (x, y) => x.is_some().cmp(&y.is_some()),
                };
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        let total = hits.len();
        let page = hits
            .into_iter()
            .skip(self.skip)
            .take(self.take)
            .map(|r| self.project(r))
            .collect();
        (page, total)
    }

    fn project(&self, r: &Value) -> Value {
        let (Value::Object(m), false) = (r, self.fields.is_empty()) else {
            return r.clone();
        };
        let mut out = Map::new();
        for f in &self.fields {
            let top = f.split('.').next().unwrap_or("");
            if let Some(v) = m.get(top) {
                out.insert(top.to_string(), v.clone());
            }
        }
        Value::Object(out)
    }
}

fn full_text(r: &Value, q: &str) -> bool {
    FULL_TEXT.iter().any(|f| {
        r.get(*f)
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_lowercase().contains(q))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> ListQuery {
        ListQuery::parse(&Query::parse(Some(s))).expect("parses")
    }

    #[test]
    fn brackets_build_nested_groups() {
        let rows = vec![
            json!({"stage": "OPEN", "priority": "LOW", "user": {"name": "a"}, "on": true}),
            json!({"stage": "WAIT", "priority": "HIGH", "user": null, "on": false}),
            json!({"stage": "CLOSE", "priority": "HIGH", "user": {"name": "b"}, "on": true}),
        ];
        let nested = "filter[logic]=or&filter[filters][0][field]=stage&\
            filter[filters][0][operator]=eq&filter[filters][0][value]=OPEN&\
            filter[filters][1][logic]=and&filter[filters][1][filters][0][field]=priority&\
            filter[filters][1][filters][0][value]=HIGH&\
            filter[filters][1][filters][1][field]=user&\
            filter[filters][1][filters][1][operator]=isnull";
        assert_eq!(q(nested).apply(&rows).1, 2);
        assert_eq!(
            q("filter[0][field]=on&filter[0][value]=1").apply(&rows).1,
            2
        );
        assert_eq!(
            q("filter[0][field]=on&filter[0][value]=false")
                .apply(&rows)
                .1,
            1
        );
        let like = "filter[0][field]=stage&filter[0][operator]=like&filter[0][value]=%25o%25";
        assert_eq!(q(like).apply(&rows).1, 0);
        assert_eq!(
            q(&format!("{like}&filter[0][ignoreCase]=true"))
                .apply(&rows)
                .1,
            2
        );
        assert_eq!(
            q("filter[0][field]=user&filter[0][operator]=neq&filter[0][value]=a")
                .apply(&rows)
                .1,
            1
        );
        assert_eq!(
            q("filter[0][field]=nope&filter[0][value]=x").apply(&rows).1,
            0
        );
        assert!(
            ListQuery::parse(&Query::parse(Some(
                "filter[0][field]=a&filter[0][operator]=x"
            )))
            .is_err()
        );
    }

    #[test]
    fn take_is_capped_and_defaults() {
        let rows: Vec<Value> = (0..1500).map(|i| json!({"name": i})).collect();
        assert_eq!(q("take=5000").apply(&rows).0.len(), MAX_TAKE);
        assert_eq!(q("").apply(&rows), (rows[..DEFAULT_TAKE].to_vec(), 1500));
        assert_eq!(
            q("skip=1499&take=5").apply(&rows).0,
            vec![json!({"name": 1499})]
        );
    }
}
