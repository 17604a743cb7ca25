//! The demo activities and their channel records: every activity belongs to a ticket and,
//! but comments, carries its channel record as `item`. The conversation of each channel is in
//! `text` (`activitiesEmail`: the body, HTML or plain; `activitiesWeb`, `Sms`, `Fbm`, `Igdm`,
//! `Wap`, `Vbr`: one line per message, `Zákazník:` / `Operátor:`), the subject or first words
//! in `title`; a call's words are in `activitiesCallTranscripts` (`activity`, `start`, `end`
//! in seconds from the call's start, `text`, `type` `agent` or `customer`).
//!
//! Owns: [`add`] and the channel models' key fields. Must not: depend on the clock or on
//! randomness.

use serde_json::{Value, json};

use super::data::{COMMENTS, CONVERSATIONS, DIALOGUES, HTML_EMAILS, QUOTED_EMAIL};
use super::{Refs, at, key, sys};
use crate::sandbox::daktela::service::Store;
use crate::sandbox::kit::seeded;

/// The activity models: (name, key field).
pub(super) const MODELS: &[(&str, Option<&str>)] = &[
    ("activities", Some("name")),
    ("activitiesCall", Some("id_call")),
    ("activitiesCallTranscripts", Some("name")),
    ("activitiesEmail", Some("name")),
    ("activitiesWeb", Some("name")),
    ("activitiesSms", Some("name")),
    ("activitiesFbm", Some("name")),
    ("activitiesIgdm", Some("name")),
    ("activitiesWap", Some("name")),
    ("activitiesVbr", Some("name")),
];

/// Activity type → (channel model, queue type).
const CHANNELS: &[(&str, &str, &str)] = &[
    ("EMAIL", "activitiesEmail", "email"),
    ("CALL", "activitiesCall", "in"),
    ("CHAT", "activitiesWeb", "chat"),
    ("SMS", "activitiesSms", "sms"),
    ("FBM", "activitiesFbm", "fbm"),
    ("IGDM", "activitiesIgdm", "igdm"),
    ("WAP", "activitiesWap", "wap"),
    ("VBR", "activitiesVbr", "vbr"),
    ("COMMENT", "", ""),
];

/// What is being built: every model's rows and counters.
struct Build<'a> {
    refs: &'a Refs,
    rows: Vec<Vec<Value>>,
    transcripts: Vec<Value>,
}

impl Build<'_> {
    fn count(&self, model: &str) -> usize {
        MODELS
            .iter()
            .position(|m| m.0 == model)
            .map_or(0, |i| self.rows[i].len())
    }

    fn push(&mut self, model: &str, row: Value) {
        if let Some(i) = MODELS.iter().position(|m| m.0 == model) {
            self.rows[i].push(row);
        }
    }

    /// The channel record of an activity of `kind` at `time` (seconds), `n`th of the ticket.
    fn item(&mut self, kind: &str, act: &Value, ticket: &Value, time: i64) -> Value {
        let Some((_, model, qtype)) = CHANNELS.iter().find(|c| c.0 == kind) else {
            return Value::Null;
        };
        if model.is_empty() {
            return Value::Null;
        }
        let k = self.count(model);
        let user = act["user"].clone();
        let contact = &ticket["contact"];
        let queue = self.refs.queue(qtype);
        let duration = 60 + (seeded(k, 21) % 600) as i64;
        let when = at(time);
        let row = match *model {
            "activitiesCall" => self.call(k, act, &queue, contact, &when, duration),
            "activitiesEmail" => {
                let (text, dir) = if k == 0 {
                    (QUOTED_EMAIL, "in")
                } else {
                    (
                        HTML_EMAILS[(k - 1) % HTML_EMAILS.len()],
                        ["in", "out"][k % 2],
                    )
                };
                let subject = if dir == "in" {
                    String::new()
                } else {
                    "Re: ".into()
                };
                json!({
                    "name": key(model, k), "queue": queue, "user": user, "contact": contact,
                    "title": format!("{subject}{}", ticket["title"].as_str().unwrap_or("")),
                    "address": contact["customFields"]["email"][0], "direction": dir,
                    "text": text, "time": when, "state": "SENT", "answered": true,
                    "duration": duration, "options": null, "_sys": sys(model),
                })
            }
            _ => {
                let text = CONVERSATIONS[k % CONVERSATIONS.len()];
                let first = text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("Zákazník: ");
                let mut row = json!({
                    "name": key(model, k), "title": first, "state": "", "user": user,
                    "queue": queue, "contact": contact, "answered": true, "time": when,
                    "wait_time": 5 + k as i64, "duration": duration, "text": text,
                    "disconnection": "CLIENT", "missed": "NO", "_sys": sys(model),
                });
                if *model == "activitiesWeb" {
                    row["email"] = contact["customFields"]["email"][0].clone();
                    row["phone"] = contact["customFields"]["number"][0].clone();
                    row["disconnection"] = json!(["USER", "CLIENT", "TIMEOUT"][k % 3]);
                } else {
                    row["sender"] = contact["customFields"]["number"][0].clone();
                    row["direction"] = json!(["IN", "OUT"][k % 2]);
                }
                if *model == "activitiesIgdm" {
                    row["type"] = json!(["DM", "STORY_REPLY"][k % 2]);
                }
                row
            }
        };
        self.push(model, row.clone());
        row
    }

    fn call(
        &mut self,
        k: usize,
        act: &Value,
        queue: &Value,
        contact: &Value,
        when: &str,
        duration: i64,
    ) -> Value {
        let id_call = format!("{}.{}", 1_756_710_000 + k * 3541, 1000 + k);
        let answered = k % 5 != 4;
        if let Some(turns) = DIALOGUES.get(k) {
            for (t, (who, text)) in turns.iter().enumerate() {
                let n = self.transcripts.len();
                self.transcripts.push(json!({
                    "name": key("activitiesCallTranscripts", n),
                    "activity": {"name": act["name"], "title": act["title"]},
                    "start": t as i64 * 12, "end": t as i64 * 12 + 10, "text": text,
                    "type": who, "_sys": sys("activitiesCallTranscripts"),
                }));
            }
        }
        json!({
            "id_call": id_call, "call_time": when, "direction": (["in", "out", "internal"][k % 3]),
            "answered": answered, "id_queue": queue, "id_agent": act["user"],
            "clid": contact["customFields"]["number"][0], "did": "+420228881000",
            "contact": contact, "waiting_time": 4 + k as i64 % 20, "ringing_time": 6,
            "hold_time": 0, "duration": if answered { duration } else { 0 },
            "disposition_cause": null, "disconnection_cause": "NORMAL_CLEARING",
            "missed_call": !answered, "activities": [act["name"]], "_sys": sys("activitiesCall"),
        })
    }
}

/// The types of ticket `i`'s activities.
fn kinds(i: usize) -> Vec<&'static str> {
    if i == 0 {
        return vec!["EMAIL", "EMAIL", "CALL", "COMMENT"];
    }
    (0..1 + seeded(i, 2) % 3)
        .map(|j| CHANNELS[(i * 3 + j) % CHANNELS.len()].0)
        .collect()
}

/// Adds the activities and every channel model.
pub(super) fn add(store: &mut Store, refs: &Refs, tickets: &[Value]) {
    let mut b = Build {
        refs,
        rows: vec![Vec::new(); MODELS.len()],
        transcripts: Vec::new(),
    };
    for (i, ticket) in tickets.iter().enumerate() {
        for (j, kind) in kinds(i).into_iter().enumerate() {
            let n = b.count("activities");
            let time = i as i64 * 93_600 + j as i64 * 7200 + 600;
            let user = if ticket["user"].is_null() {
                refs.user(i)
            } else {
                ticket["user"].clone()
            };
            let title = ticket["title"].as_str().unwrap_or("").to_string();
            let mut act = json!({
                "name": key("activities", n),
                "ticket": {"name": ticket["name"], "title": ticket["title"],
                    "stage": ticket["stage"], "_sys": sys("tickets")},
                "title": title, "type": kind,
                "action": (["CLOSE", "OPEN", "WAIT", "POSTPONE"][n % 4]), "item": null,
                "queue": null, "user": user, "contact": ticket["contact"], "record": null,
                "priority": ticket["priority"], "description": "", "options": null,
                "time": at(time), "time_open": at(time), "time_close": at(time + 900),
                "duration": 900, "statuses": [], "customFields": [], "_sys": sys("activities"),
            });
            if kind == "COMMENT" {
                act["description"] = json!(COMMENTS[n % COMMENTS.len()]);
            } else {
                let item = b.item(kind, &act, ticket, time);
                let queue = item.get("queue").or_else(|| item.get("id_queue"));
                act["queue"] = queue.cloned().unwrap_or(Value::Null);
                act["item"] = item;
            }
            b.push("activities", act);
        }
    }
    let transcripts = std::mem::take(&mut b.transcripts);
    for ((model, key_field), rows) in MODELS.iter().zip(b.rows) {
        let rows = if *model == "activitiesCallTranscripts" {
            transcripts.clone()
        } else {
            rows
        };
        store.add(model, *key_field, rows);
    }
}
