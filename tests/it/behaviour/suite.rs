//! The behaviour suite's runner: what a backend entry declares (capabilities, each with the
//! tool names and argument builders its step needs), which steps a declaration runs, and the
//! steps, whose checks hold for every backend.
//!
//! Must not: depend on one backend's result shape (ids and fields are read through the
//! entry's accessors, or found by generic checks), or skip a declared step: a declaration the
//! suite cannot run in full fails, and so does a backend that declares nothing.

use std::time::{Duration, Instant};

use helpdesk_operator::audit::Event;
use helpdesk_operator::backends::http::MAX_RETRY_WAIT;
use serde_json::{Value, json};

use crate::common::Harness;

/// A tool's arguments for the object with this id.
pub type ArgsFor = fn(&Value) -> Value;
/// A value read out of a tool's structuredContent (`None`: it is not there).
pub type Accessor = fn(&Value) -> Option<Value>;

/// Reads one object; the not-found check reads one that does not exist.
pub struct Read {
    pub get: &'static str,
    pub args: ArgsFor,
    /// The id of a seeded object, for a backend that does not declare `create`.
    pub seeded: Option<Value>,
    /// An id that no object has.
    pub missing: Value,
}

impl Read {
    /// A get tool whose parameter is `ticket_id`, asked for JSON.
    pub fn by_ticket_id(get: &'static str) -> Read {
        Read {
            get,
            args: |id| json!({"ticket_id": id, "response_format": "json"}),
            seeded: None,
            missing: json!(987654321),
        }
    }
}

/// Creates the object the other steps work on.
pub struct Create {
    pub tool: &'static str,
    pub args: Value,
    /// The new object's id in the create result.
    pub id_of: Accessor,
}

/// Changes one field of the object; a fresh get must show the new value.
pub struct Update {
    pub tool: &'static str,
    pub args: ArgsFor,
    /// The changed field in a get result.
    pub field: Accessor,
    pub value: Value,
}

/// Deletes an object made for it (with `create`'s tool and `victim` as its arguments).
pub struct Delete {
    pub tool: &'static str,
    pub args: ArgsFor,
    pub victim: Value,
}

impl Delete {
    /// A delete tool whose parameter is `ticket_id`.
    pub fn by_ticket_id(tool: &'static str, victim: Value) -> Delete {
        Delete {
            tool,
            args: |id| json!({ "ticket_id": id }),
            victim,
        }
    }
}

/// Lists or searches objects; the object must be among the results.
pub struct List {
    pub tool: &'static str,
    pub args: Box<dyn Fn(&Value) -> Value + Send + Sync>,
    /// The ids of the listed objects.
    pub ids: fn(&Value) -> Vec<Value>,
}

/// Fault injection: the upstream rate limits a read (see [`Refuse`]).
pub struct RateLimited {
    pub refuse: Refuse,
}

/// Arms the upstream's answer: 429 to the next read of object `id`, Retry-After `secs`.
pub type Refuse = Box<dyn Fn(&Value, u64) + Send + Sync>;

/// A call with a wrong argument: refused as `invalid_input`, the message naming `field`.
pub struct BadInput {
    pub tool: &'static str,
    pub args: Value,
    pub field: &'static str,
}

/// What a backend can do, and what the suite needs to test each (`None`: not declared).
#[derive(Default)]
pub struct Capabilities {
    pub read: Option<Read>,
    pub create: Option<Create>,
    pub update: Option<Update>,
    pub delete: Option<Delete>,
    pub list: Option<List>,
    pub rate_limited: Option<RateLimited>,
    pub bad_input: Option<Vec<BadInput>>,
}

impl Capabilities {
    /// The capability names, each with whether it is declared.
    fn declared(&self) -> [(&'static str, bool); 7] {
        [
            ("read", self.read.is_some()),
            ("create", self.create.is_some()),
            ("update", self.update.is_some()),
            ("delete", self.delete.is_some()),
            ("list", self.list.is_some()),
            ("rate_limited", self.rate_limited.is_some()),
            ("bad_input", self.bad_input.is_some()),
        ]
    }

    fn writes(&self) -> bool {
        self.create.is_some() || self.update.is_some() || self.delete.is_some()
    }

    /// Whether the steps have an object to work on: a created one or a seeded one.
    fn has_object(&self) -> bool {
        self.create.is_some() || self.read.as_ref().is_some_and(|r| r.seeded.is_some())
    }
}

/// One step of the suite, with the capabilities it uses.
pub enum Step<'a> {
    Create(&'a Create),
    Get(&'a Read),
    Update(&'a Update, &'a Read),
    List(&'a List),
    NotFound(&'a Read),
    BadInput(&'a [BadInput]),
    Delete(&'a Delete, &'a Create),
    /// Last: after a long Retry-After the server pauses the account.
    RateLimited(&'a RateLimited, &'a Read),
}

impl Step<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Step::Create(_) => "create",
            Step::Get(_) => "get",
            Step::Update(..) => "update",
            Step::List(_) => "list",
            Step::NotFound(_) => "not_found",
            Step::BadInput(_) => "bad_input",
            Step::Delete(..) => "delete",
            Step::RateLimited(..) => "rate_limited",
        }
    }
}

/// The steps a declaration runs, in order; an error when it declares nothing or a
/// capability whose step the suite could not run in full.
pub fn plan(c: &Capabilities) -> Result<Vec<Step<'_>>, String> {
    if c.declared().iter().all(|(_, d)| !d) {
        return Err("declares no capabilities: the suite would test nothing".into());
    }
    let seeded = c.read.as_ref().is_some_and(|r| r.seeded.is_some());
    if c.create.is_some() && seeded {
        return Err("declares create and a seeded id: the steps need one object".into());
    }
    let needs_object = c.read.is_some() || c.update.is_some() || c.list.is_some();
    if needs_object && !c.has_object() {
        return Err("read, update and list need create or a seeded id (read.seeded)".into());
    }
    let read = c.read.as_ref();
    let mut steps = Vec::new();
    if let Some(cr) = &c.create {
        steps.push(Step::Create(cr));
    }
    if let Some(r) = read {
        steps.push(Step::Get(r));
    }
    if let Some(u) = &c.update {
        let r = read.ok_or("update needs read: the new value is checked in a fresh get")?;
        steps.push(Step::Update(u, r));
    }
    if let Some(l) = &c.list {
        steps.push(Step::List(l));
    }
    if let Some(r) = read {
        steps.push(Step::NotFound(r));
    }
    if let Some(cases) = &c.bad_input {
        if cases.is_empty() {
            return Err("declares bad_input without a case".into());
        }
        steps.push(Step::BadInput(cases));
    }
    if let Some(d) = &c.delete {
        let cr = c
            .create
            .as_ref()
            .ok_or("delete needs create: it deletes what it made")?;
        steps.push(Step::Delete(d, cr));
    }
    if let Some(rl) = &c.rate_limited {
        let r = read.ok_or("rate_limited needs read: it limits a get")?;
        steps.push(Step::RateLimited(rl, r));
    }
    Ok(steps)
}

/// Runs exactly the steps of the capabilities backend `name` declares, on a server connected
/// to it, saying which ran.
pub async fn run(name: &str, h: &Harness, caps: Capabilities) {
    let steps = plan(&caps).unwrap_or_else(|e| panic!("{name}: {e}"));
    if caps.writes() {
        let intent = format!("behaviour suite for {name}");
        h.ok("set_agent_intent", json!({ "intent": intent })).await;
    }
    let mut object = caps.read.as_ref().and_then(|r| r.seeded.clone());
    let mut ran = Vec::new();
    for step in &steps {
        println!("behaviour suite, {name}: {} ...", step.name());
        let current = object.clone();
        let id = || {
            current
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: {} has no object", step.name()))
        };
        match step {
            Step::Create(c) => object = Some(create(h, name, c).await),
            Step::Get(r) => get(h, name, r, id()).await,
            Step::Update(u, r) => update(h, name, u, r, id()).await,
            Step::List(l) => list(h, name, l, id()).await,
            Step::NotFound(r) => not_found(h, name, r).await,
            Step::BadInput(cases) => bad_input(h, name, cases).await,
            Step::Delete(d, c) => delete(h, name, d, c).await,
            Step::RateLimited(rl, r) => rate_limited(h, name, rl, r, id()).await,
        }
        ran.push(step.name());
    }
    let undeclared: Vec<&str> = caps
        .declared()
        .iter()
        .filter(|(_, d)| !d)
        .map(|c| c.0)
        .collect();
    println!(
        "behaviour suite, {name}: ran {}; not declared: {}",
        ran.join(", "),
        if undeclared.is_empty() {
            "-".into()
        } else {
            undeclared.join(", ")
        }
    );
}

/// Whether `id` is one of the values in `v` (as a number or as its text).
pub fn holds(v: &Value, id: &Value) -> bool {
    let text = match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Array(items) => items.iter().any(|x| holds(x, id)),
        Value::Object(m) => m.values().any(|x| holds(x, id)),
        Value::String(s) => *s == text,
        Value::Number(n) => n.to_string() == text,
        Value::Bool(_) | Value::Null => false,
    }
}

/// The `id` of each object in a list (an array of objects).
pub fn ids_of(items: &Value) -> Vec<Value> {
    let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(|t| t["id"].clone()).collect()
}

async fn events(h: &Harness, name: &str) -> Vec<Event> {
    h.store
        .list(None, 200)
        .await
        .unwrap_or_else(|e| panic!("{name}: reading the audit log: {e}"))
}

async fn assert_succeeded(h: &Harness, name: &str, tool: &str) {
    let events = events(h, name).await;
    let done = events
        .iter()
        .any(|e| e.tool == tool && e.phase == "succeeded");
    assert!(done, "{name}: {tool} audited");
}

async fn create(h: &Harness, name: &str, c: &Create) -> Value {
    let created = h.ok(c.tool, c.args.clone()).await;
    let id = (c.id_of)(&created).unwrap_or_else(|| panic!("{name}: no id in {created}"));
    assert_succeeded(h, name, c.tool).await;
    id
}

async fn get(h: &Harness, name: &str, r: &Read, id: &Value) {
    let got = h.ok(r.get, (r.args)(id)).await;
    assert!(holds(&got, id), "{name}: get {id}: {got}");
}

async fn update(h: &Harness, name: &str, u: &Update, r: &Read, id: &Value) {
    let before = h.ok(r.get, (r.args)(id)).await;
    let unchanged = (u.field)(&before).as_ref() == Some(&u.value);
    assert!(
        !unchanged,
        "{name}: the update would change nothing: {before}"
    );
    h.ok(u.tool, (u.args)(id)).await;
    let got = h.ok(r.get, (r.args)(id)).await;
    let now = (u.field)(&got);
    assert_eq!(
        now.as_ref(),
        Some(&u.value),
        "{name}: update not visible: {got}"
    );
    assert_succeeded(h, name, u.tool).await;
}

async fn list(h: &Harness, name: &str, l: &List, id: &Value) {
    let listed = h.ok(l.tool, (l.args)(id)).await;
    let ids = (l.ids)(&listed);
    assert!(
        ids.iter().any(|x| holds(x, id)),
        "{name}: {id} not listed by {}: {listed}",
        l.tool
    );
}

async fn not_found(h: &Harness, name: &str, r: &Read) {
    let (kind, msg) = h.err_kind(r.get, (r.args)(&r.missing)).await;
    assert_eq!(kind, "not_found", "{name}: {msg}");
    assert!(msg.contains("not found"), "{name}: {msg}");
}

/// Each case is a clear `invalid_input` error naming the field.
async fn bad_input(h: &Harness, name: &str, cases: &[BadInput]) {
    for BadInput { tool, args, field } in cases {
        let (kind, msg) = h.err_kind(tool, args.clone()).await;
        assert_eq!(kind, "invalid_input", "{name} {tool} {args}: {msg}");
        assert!(msg.contains(field), "{name} {tool} {args}: {msg}");
    }
}

async fn delete(h: &Harness, name: &str, d: &Delete, c: &Create) {
    let created = h.ok(c.tool, d.victim.clone()).await;
    let id = (c.id_of)(&created).unwrap_or_else(|| panic!("{name}: no id in {created}"));
    let deleted = h.ok(d.tool, (d.args)(&id)).await;
    assert!(holds(&deleted, &id), "{name}: delete {id}: {deleted}");
    assert_succeeded(h, name, d.tool).await;
    let kept = events(h, name)
        .await
        .iter()
        .any(|e| e.tool == d.tool && e.phase == "requested" && e.before_image.is_some());
    assert!(kept, "{name}: what is deleted is kept");
}

/// A Retry-After the retries honour is waited out; a longer one is a clear `rate_limited`
/// error that says when to retry.
async fn rate_limited(h: &Harness, name: &str, rl: &RateLimited, r: &Read, id: &Value) {
    let short = 1;
    (rl.refuse)(id, short);
    let started = Instant::now();
    let got = h.ok(r.get, (r.args)(id)).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(short),
        "{name}: retried after {waited:?}"
    );
    assert!(holds(&got, id), "{name}: get {id} after waiting: {got}");
    let long = 600;
    assert!(Duration::from_secs(long) > MAX_RETRY_WAIT);
    (rl.refuse)(id, long);
    let (kind, msg) = h.err_kind(r.get, (r.args)(id)).await;
    assert_eq!(kind, "rate_limited", "{name}: {msg}");
    assert!(msg.contains("Retry in about"), "{name}: {msg}");
}
