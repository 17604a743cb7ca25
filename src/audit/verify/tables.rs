//! The `confirmations` and `agent_sessions` tables against the chain: what the chain says each
//! session and confirmation should look like, and every row that disagrees (see the parent
//! module for how rows and events are tied).
//!
//! Must not: change anything.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::super::{Confirmation, Event, SessionRow, chain};
use super::{Problem, when};

/// What the chain says about one agent session.
#[derive(Default)]
struct ChainSession {
    /// The `agent_session_start` event and its after image (the row as written).
    start: Option<(i64, Value)>,
    intent: Option<String>,
    intent_seq: Option<i64>,
    /// Intents asked for since, whose outcome the chain does not show as succeeded.
    intent_maybe: Vec<Option<String>>,
    finish_requested: Option<DateTime<Utc>>,
    /// The `finish_agent_session` that succeeded: seq, requested at, succeeded at.
    finished: Option<(i64, DateTime<Utc>, DateTime<Utc>)>,
}

/// The issuing event of a confirmation.
struct Issued {
    seq: i64,
    session_id: Option<String>,
    agent: String,
    tool: String,
    rule: Option<String>,
    via: String,
    preview: Option<Value>,
    arguments: Option<Value>,
    /// `{token_hash, preview_hash, expires_at}` as issued (events since these were recorded).
    binding: Option<Value>,
}

/// An event that names a confirmation and moves it on.
struct Link {
    seq: i64,
    /// approved, rejected, expired, refused or used.
    kind: &'static str,
    agent: String,
}

#[derive(Default)]
struct ChainConfirmation {
    issued: Option<Issued>,
    links: Vec<Link>,
}

#[derive(Default)]
pub(super) struct ChainTables {
    sessions: HashMap<String, ChainSession>,
    session_order: Vec<String>,
    confirmations: HashMap<String, ChainConfirmation>,
    confirmation_order: Vec<String>,
    /// Refusals and expiries that name no confirmation: seq, session, tool, phase.
    unnamed: Vec<(i64, Option<String>, String, String)>,
}

fn text_at(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn is_id(s: &str) -> bool {
    (6..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// `confirmation ID via VIA: reason` (the `confirmation_required` event's text).
fn issued_id(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix("confirmation ")?;
    let (id, rest) = rest.split_once(" via ")?;
    let via = rest.split(':').next()?.trim();
    is_id(id).then(|| (id.to_string(), via.to_string()))
}

/// The first `confirmation ID` in a text.
fn named_id(text: &str) -> Option<String> {
    text.match_indices("confirmation ").find_map(|(i, m)| {
        let word: String = text[i + m.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        is_id(&word).then_some(word)
    })
}

/// Whether redaction changed the recorded arguments (then the binding cannot be recomputed).
fn redacted(v: &Value, top: bool) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| !(top && k == "confirmation_token") && redacted(v, false)),
        Value::Array(a) => a.iter().any(|v| redacted(v, false)),
        Value::String(s) => s == "[redacted]",
        _ => false,
    }
}

impl ChainTables {
    fn session(&mut self, id: &str) -> &mut ChainSession {
        if !self.sessions.contains_key(id) {
            self.session_order.push(id.to_string());
        }
        self.sessions.entry(id.to_string()).or_default()
    }

    fn confirmation(&mut self, id: &str) -> &mut ChainConfirmation {
        if !self.confirmations.contains_key(id) {
            self.confirmation_order.push(id.to_string());
        }
        self.confirmations.entry(id.to_string()).or_default()
    }

    pub(super) fn event(&mut self, ev: &Event) {
        let after = ev.after_image.as_ref().map(|j| &j.0);
        let phase = ev.phase.as_str();
        match (ev.tool.as_str(), phase) {
            ("agent_session_start", "succeeded") => {
                if let Some(id) = ev.target_id.as_ref().or(ev.session_id.as_ref()) {
                    let after = after.cloned().unwrap_or(Value::Null);
                    let s = self.session(id);
                    s.intent = text_at(&after, "intent");
                    s.intent_seq = Some(ev.seq);
                    s.start = Some((ev.seq, after));
                }
            }
            ("set_agent_intent", "requested") => {
                if let Some(id) = &ev.session_id {
                    let asked = ev.arguments.as_ref().and_then(|a| text_at(&a.0, "intent"));
                    self.session(id).intent_maybe.push(asked);
                }
            }
            ("set_agent_intent", "succeeded") => {
                if let Some(id) = &ev.session_id {
                    let s = self.session(id);
                    s.intent = after.and_then(|a| text_at(a, "intent"));
                    s.intent_seq = Some(ev.seq);
                    s.intent_maybe.clear();
                }
            }
            ("finish_agent_session", "requested") => {
                if let Some(id) = &ev.session_id {
                    self.session(id).finish_requested = Some(ev.at);
                }
            }
            ("finish_agent_session", "succeeded") => {
                if let Some(id) = &ev.session_id {
                    let s = self.session(id);
                    s.finished = Some((ev.seq, s.finish_requested.unwrap_or(ev.at), ev.at));
                }
            }
            _ => {}
        }

        let text = ev.error.as_deref().unwrap_or("");
        if phase == "confirmation_required" {
            if let Some((id, via)) = issued_id(text) {
                let issued = Issued {
                    seq: ev.seq,
                    session_id: ev.session_id.clone(),
                    agent: ev.agent.clone(),
                    tool: ev.tool.clone(),
                    rule: ev.rule.clone(),
                    via,
                    preview: after.cloned(),
                    arguments: ev.arguments.as_ref().map(|a| a.0.clone()),
                    binding: ev.before_image.as_ref().map(|b| b.0.clone()),
                };
                let c = self.confirmation(&id);
                if c.issued.is_none() {
                    c.issued = Some(issued);
                }
            }
            return;
        }
        let named = if ev.target_entity.as_deref() == Some("confirmation") {
            ev.target_id.clone().filter(|i| is_id(i))
        } else {
            named_id(text)
        };
        // A refused `approve`/`deny` attempt (bad operator credentials) changes nothing.
        if ev.operation == "confirmation" && phase == "refused" {
            return;
        }
        let kind = match phase {
            "approved" => "approved",
            "rejected" => "rejected",
            "expired" => "expired",
            "refused" => "refused",
            "confirmed" => "used",
            _ => return,
        };
        match named {
            Some(id) => self.confirmation(&id).links.push(Link {
                seq: ev.seq,
                kind,
                agent: ev.agent.clone(),
            }),
            None if kind == "refused" || kind == "expired" => self.unnamed.push((
                ev.seq,
                ev.session_id.clone(),
                ev.tool.clone(),
                kind.to_string(),
            )),
            None => {}
        }
    }

    pub(super) fn check_sessions(&self, rows: &[SessionRow], problems: &mut Vec<Problem>) {
        let mut seen = HashSet::new();
        for row in rows {
            seen.insert(row.id.as_str());
            let mut problem = |seq: Option<i64>, message: String| {
                problems.push(Problem {
                    area: "session",
                    seq,
                    message,
                })
            };
            let chain = self.sessions.get(&row.id);
            let Some((start_seq, start)) = chain.and_then(|c| c.start.as_ref()) else {
                problem(
                    None,
                    format!(
                        "agent session {} (branch {}, started {}) is in agent_sessions, but the chain has no agent_session_start for it: the row was written outside the server (or the audit log failed just after it)",
                        row.id,
                        row.branch,
                        when(row.started_at)
                    ),
                );
                continue;
            };
            let chain = chain.expect("has a start");
            let fields = [
                ("agent", Value::from(row.agent.clone())),
                ("backend", Value::from(row.backend.clone())),
                ("username", Value::from(row.username.clone())),
                ("branch", Value::from(row.branch.clone())),
                ("mode", Value::from(row.mode.clone())),
            ];
            for (name, table) in fields {
                let recorded = start.get(name).cloned().unwrap_or(Value::Null);
                if recorded != table {
                    problem(
                        Some(*start_seq),
                        format!(
                            "agent session {}: agent_sessions.{name} is {table}, but the chain recorded {recorded} at its start (event {start_seq})",
                            row.id
                        ),
                    );
                }
            }
            let started = start
                .get("started_at")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc));
            if started != Some(row.started_at) {
                problem(
                    Some(*start_seq),
                    format!(
                        "agent session {}: agent_sessions.started_at is {}, but the chain recorded {} at its start (event {start_seq})",
                        row.id,
                        row.started_at.to_rfc3339(),
                        started
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_else(|| "none".into())
                    ),
                );
            }
            if row.intent != chain.intent && !chain.intent_maybe.contains(&row.intent) {
                problem(
                    chain.intent_seq,
                    format!(
                        "agent session {}: agent_sessions.intent is {}, but the chain's latest intent is {} (event {})",
                        row.id,
                        Value::from(row.intent.clone()),
                        Value::from(chain.intent.clone()),
                        chain.intent_seq.unwrap_or(*start_seq)
                    ),
                );
            }
            let slack = chrono::Duration::seconds(2);
            match (row.finished_at, chain.finished, chain.finish_requested) {
                (Some(f), Some((seq, asked, done)), _) if f < asked - slack || f > done + slack => {
                    problem(
                        Some(seq),
                        format!(
                            "agent session {}: agent_sessions.finished_at is {}, but the chain recorded its finish between {} and {} (event {seq})",
                            row.id,
                            f.to_rfc3339(),
                            asked.to_rfc3339(),
                            done.to_rfc3339()
                        ),
                    )
                }
                (None, Some((seq, _, _)), _) => problem(
                    Some(seq),
                    format!(
                        "agent session {} is not finished in agent_sessions, but the chain recorded finish_agent_session at event {seq}",
                        row.id
                    ),
                ),
                (Some(f), None, None) => problem(
                    None,
                    format!(
                        "agent session {} is finished in agent_sessions (at {}), but the chain has no finish_agent_session for it",
                        row.id,
                        when(f)
                    ),
                ),
                _ => {}
            }
        }
        for id in &self.session_order {
            if let Some((seq, _)) = &self.sessions[id].start
                && !seen.contains(id.as_str())
            {
                problems.push(Problem {
                    area: "session",
                    seq: Some(*seq),
                    message: format!(
                        "agent session {id} (started at event {seq}) is missing from agent_sessions: the row was deleted"
                    ),
                });
            }
        }
    }

    pub(super) fn check_confirmations(&self, rows: &[Confirmation], problems: &mut Vec<Problem>) {
        let mut seen = HashSet::new();
        for row in rows {
            seen.insert(row.id.as_str());
            let mut problem = |seq: Option<i64>, message: String| {
                problems.push(Problem {
                    area: "confirmation",
                    seq,
                    message,
                })
            };
            let chain = self.confirmations.get(&row.id);
            let Some(issued) = chain.and_then(|c| c.issued.as_ref()) else {
                problem(
                    None,
                    format!(
                        "confirmation {} ({}, session {}) is in the confirmations table, but no confirmation_required event in the chain issued it: the row was written outside the server (or the audit log failed just after it)",
                        row.id, row.tool, row.session_id
                    ),
                );
                continue;
            };
            let links = &chain.expect("issued").links;
            let seq = issued.seq;
            let fields = [
                (
                    "session_id",
                    Some(row.session_id.as_str()),
                    issued.session_id.as_deref(),
                ),
                (
                    "agent",
                    Some(row.agent.as_str()),
                    Some(issued.agent.as_str()),
                ),
                ("tool", Some(row.tool.as_str()), Some(issued.tool.as_str())),
                ("via", Some(row.via.as_str()), Some(issued.via.as_str())),
                (
                    "rule",
                    Some(row.rule.as_str()),
                    issued.rule.as_deref().or(Some(row.rule.as_str())),
                ),
            ];
            for (name, table, recorded) in fields {
                if table != recorded {
                    problem(
                        Some(seq),
                        format!(
                            "confirmation {}: its {name} in the table is {}, but the chain issued it with {} (event {seq})",
                            row.id,
                            Value::from(table),
                            Value::from(recorded)
                        ),
                    );
                }
            }
            let preview = row.preview.as_ref().map(|p| chain::canonical(&p.0));
            if preview != issued.preview.as_ref().map(chain::canonical) {
                problem(
                    Some(seq),
                    format!(
                        "confirmation {}: its preview in the table differs from the one the chain recorded when it was issued (event {seq})",
                        row.id
                    ),
                );
            }
            // The token, the bound object state and the expiry as issued: a row edited to take
            // another token, another state or more time is named.
            if let Some(b) = &issued.binding {
                // A shorter life is harmless (and is how an operator ends one early); a longer
                // one is named.
                let recorded_expiry = b
                    .get("expires_at")
                    .and_then(Value::as_str)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                if recorded_expiry.is_none_or(|r| row.expires_at > r) {
                    problem(
                        Some(seq),
                        format!(
                            "confirmation {}: its expires_at in the table is later than the chain recorded when it was issued (event {seq}): its life was extended",
                            row.id
                        ),
                    );
                }
                for (name, table, recorded) in [
                    (
                        "token_hash",
                        Some(row.token_hash.clone()),
                        b.get("token_hash")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ),
                    (
                        "preview_hash",
                        row.preview_hash.clone(),
                        b.get("preview_hash")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ),
                ] {
                    if table != recorded {
                        problem(
                            Some(seq),
                            format!(
                                "confirmation {}: its {name} in the table differs from the one the chain recorded when it was issued (event {seq})",
                                row.id
                            ),
                        );
                    }
                }
            }
            let args = issued.arguments.clone().unwrap_or(Value::Null);
            if super::chain::args_hash(&row.tool, &args) != row.args_hash && !redacted(&args, true)
            {
                problem(
                    Some(seq),
                    format!(
                        "confirmation {}: its args_hash does not match the arguments the chain recorded when it was issued (event {seq}): the token was bound to another call",
                        row.id
                    ),
                );
            }

            let find = |kinds: &[&str]| links.iter().find(|l| kinds.contains(&l.kind));
            let unnamed = |kind: &str| {
                self.unnamed.iter().any(|(s, session, tool, k)| {
                    *s > seq
                        && k == kind
                        && session.as_deref() == Some(row.session_id.as_str())
                        && *tool == row.tool
                })
            };
            // The event's agent is the decider, possibly with a prefix (`operator:NAME`).
            let decided_by = |link: &Link, problem: &mut dyn FnMut(Option<i64>, String)| {
                if let Some(by) = &row.decided_by
                    && *by != link.agent
                    && !link.agent.ends_with(&format!(":{by}"))
                {
                    problem(
                        Some(link.seq),
                        format!(
                            "confirmation {}: decided_by is {by}, but the chain recorded the decision by {} (event {})",
                            row.id, link.agent, link.seq
                        ),
                    );
                }
            };
            match row.state.as_str() {
                // A refusal names a confirmation without always closing it (a replayed or
                // mismatched token), so only the other links contradict an open state.
                "pending" => {
                    if let Some(l) = find(&["approved", "rejected", "expired", "used"]) {
                        problem(
                            Some(l.seq),
                            format!(
                                "confirmation {} is pending in the confirmations table, but the chain recorded it {} at event {} (by {})",
                                row.id, l.kind, l.seq, l.agent
                            ),
                        );
                    }
                }
                "approved" => {
                    if let Some(l) = find(&["used", "rejected", "expired"]) {
                        problem(
                            Some(l.seq),
                            format!(
                                "confirmation {} is approved in the confirmations table, but the chain recorded it {} at event {}",
                                row.id, l.kind, l.seq
                            ),
                        );
                    } else if let Some(l) = find(&["approved"]) {
                        decided_by(l, &mut problem);
                    } else {
                        problem(
                            Some(seq),
                            format!(
                                "confirmation {} is approved in the confirmations table, but the chain has no approval of it (issued at event {seq}): it was approved outside `helpdesk-operator approve`",
                                row.id
                            ),
                        );
                    }
                }
                "used" => {
                    if find(&["used"]).is_none() {
                        problem(
                            Some(seq),
                            format!(
                                "confirmation {} is used in the confirmations table, but the chain has no confirmed event for it (issued at event {seq})",
                                row.id
                            ),
                        );
                    } else if row.via == "human" && find(&["approved"]).is_none() {
                        problem(
                            Some(seq),
                            format!(
                                "confirmation {} (via human) is used, but the chain has no approval of it (issued at event {seq})",
                                row.id
                            ),
                        );
                    }
                }
                "rejected" => match find(&["rejected"]) {
                    Some(l) => decided_by(l, &mut problem),
                    None => problem(
                        Some(seq),
                        format!(
                            "confirmation {} is rejected in the confirmations table, but the chain has no rejection of it (issued at event {seq})",
                            row.id
                        ),
                    ),
                },
                state @ ("expired" | "refused") => {
                    if let Some(l) = find(&["used", "rejected"]) {
                        problem(
                            Some(l.seq),
                            format!(
                                "confirmation {} is {state} in the confirmations table, but the chain recorded it {} at event {}",
                                row.id, l.kind, l.seq
                            ),
                        );
                    } else if find(&[if state == "expired" {
                        "expired"
                    } else {
                        "refused"
                    }])
                    .is_none()
                        && !unnamed(state)
                    {
                        problem(
                            Some(seq),
                            format!(
                                "confirmation {} is {state} in the confirmations table, but the chain has no {state} event for its session and tool after it was issued (event {seq})",
                                row.id
                            ),
                        );
                    }
                    if state == "expired" && row.decided_at.is_some_and(|d| d < row.expires_at) {
                        problem(
                            Some(seq),
                            format!(
                                "confirmation {} is expired, but it was decided before it expired ({})",
                                row.id,
                                row.expires_at.to_rfc3339()
                            ),
                        );
                    }
                }
                other => problem(
                    Some(seq),
                    format!(
                        "confirmation {} has the unknown state {}",
                        row.id,
                        Value::from(other)
                    ),
                ),
            }
        }
        for id in &self.confirmation_order {
            if let Some(issued) = &self.confirmations[id].issued
                && !seen.contains(id.as_str())
            {
                problems.push(Problem {
                    area: "confirmation",
                    seq: Some(issued.seq),
                    message: format!(
                        "confirmation {id} was issued at event {} ({}) but is missing from the confirmations table: the row was deleted",
                        issued.seq, issued.tool
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmation_ids_are_read_from_event_texts() {
        assert_eq!(
            issued_id("confirmation 3f9a1c0b2e via human: Only a person may delete."),
            Some(("3f9a1c0b2e".into(), "human".into()))
        );
        assert_eq!(issued_id("confirmation required"), None);
        assert_eq!(
            named_id("confirmation 3f9a1c0b2e approved by a person (via human)").as_deref(),
            Some("3f9a1c0b2e")
        );
        assert_eq!(
            named_id("human:x approved confirmation 0123456789: tool").as_deref(),
            Some("0123456789")
        );
        assert_eq!(named_id("the confirmation is refused"), None);
        assert_eq!(named_id("confirmation expired"), None);
    }

    #[test]
    fn redaction_other_than_the_token_is_noticed() {
        assert!(!redacted(
            &serde_json::json!({"confirmation_token": "[redacted]", "a": 1}),
            true
        ));
        assert!(redacted(
            &serde_json::json!({"custom": {"api_key": "[redacted]"}}),
            true
        ));
    }
}
