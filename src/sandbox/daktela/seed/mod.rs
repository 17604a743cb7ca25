//! The deterministic demo instance. Tests and the backend rely on these facts:
//!
//! - Users (see `data`): `jnovak` ([`USER_TITLE`]), `pdvorakova`, `mcerny`, `lsvobodova`,
//!   `tprochazka`, `admin`, and the login's own user (type `api`), which `whoim` answers.
//! - Queues `1000` (in) … `6100` (vbr), one per type; five ticket categories with SLAs;
//!   six accounts and twelve contacts (contact `i` belongs to account `i % 6`).
//! - Tickets [`TICKET_WITH_ACTIVITIES`]`..` (`name` ints, [`TICKETS`] of them), created about
//!   a day apart from 2025-09-01 08:00, stages in a fixed round of eight (so
//!   [`TICKETS_OPEN`] open …), priorities LOW/MEDIUM/HIGH in turn, every seventh unassigned.
//! - The first ticket has [`TICKET_WITH_ACTIVITIES_COUNT`] activities: the e-mail with a quoted
//!   reply ([`EMAIL_ACTIVITY`], channel record [`EMAIL_WITH_QUOTE`]), an answer, the call with
//!   a transcript ([`CALL_WITH_TRANSCRIPT`]) and a comment; the others have 1-3 of every type.
//!
//! Names are `{model}_65f1` and 18 digits (22 characters after the `_`, as Daktela's are).
//! Without `seed`, only the login's user exists (every other model is served, empty).
//!
//! Owns: building the [`Store`] and the constants above. Must not: depend on the clock or on
//! randomness (the same build gives the same instance), or serve anything.

mod channels;
mod data;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use self::data::*;
use super::envelope::stamp;
use super::service::Store;
use crate::sandbox::kit::seeded;

pub const TICKETS: usize = 80;
/// Stages in rounds of eight: O O W C O C A W.
pub const TICKETS_OPEN: usize = 30;
pub const TICKETS_WAIT: usize = 20;
pub const TICKETS_CLOSE: usize = 20;
pub const TICKETS_ARCHIVE: usize = 10;
/// The first ticket's `name`, with [`TICKET_TITLE`] and its category [`CATEGORY_TITLE`].
pub const TICKET_WITH_ACTIVITIES: i64 = 4001;
pub const TICKET_TITLE: &str = "Nefunguje přihlášení do zákaznického portálu";
pub const TICKET_WITH_ACTIVITIES_COUNT: usize = 4;
pub const CATEGORY_TITLE: &str = "Technická podpora";
/// The `activities` record of the e-mail with a quoted reply, and its `activitiesEmail` name.
pub const EMAIL_ACTIVITY: &str = "activities_65f1000000000000000000";
pub const EMAIL_WITH_QUOTE: &str = "activitiesEmail_65f1000000000000000000";
/// The call with a transcript of [`CALL_TRANSCRIPT_TURNS`] turns, and its activity.
pub const CALL_WITH_TRANSCRIPT: &str = "1756710000.1000";
pub const CALL_ACTIVITY: &str = "activities_65f1000000000000000002";
pub const CALL_TRANSCRIPT_TURNS: usize = 7;
/// The first contact (of the first ticket) and its account.
pub const CONTACT_NAME: &str = "contacts_65f1000000000000000000";
pub const CONTACT_TITLE: &str = "Jana Dvořáková";
pub const ACCOUNT_NAME: &str = "accounts_65f1000000000000000000";
pub const ACCOUNT_TITLE: &str = "Pivovar Bohemia s.r.o.";
pub const USER_LOGIN: &str = "jnovak";
pub const USER_TITLE: &str = "Jan Novák";

/// A generated record name.
pub(super) fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}_65f1{i:018}")
}

pub(super) fn sys(model: &str) -> Value {
    json!({"hash": null, "model": model})
}

/// 2025-09-01 08:00:00 plus `secs`, as Daktela writes dates.
pub(super) fn at(secs: i64) -> String {
    let base = NaiveDate::from_ymd_opt(2025, 9, 1)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .unwrap_or(NaiveDateTime::MIN);
    stamp(base + chrono::Duration::seconds(secs))
}

/// The pieces records refer to, expanded as Daktela expands them.
pub(super) struct Refs {
    pub(super) users: Vec<Value>,
    pub(super) queues: Vec<Value>,
    pub(super) contacts: Vec<Value>,
}

impl Refs {
    /// A shortened user reference.
    pub(super) fn user(&self, i: usize) -> Value {
        let u = &self.users[i % USERS.len()];
        json!({"name": u["name"], "title": u["title"], "alias": u["alias"], "_sys": u["_sys"]})
    }

    /// The queue of a type (`email`, `in`).
    pub(super) fn queue(&self, kind: &str) -> Value {
        let q = self.queues.iter().find(|q| q["type"] == kind);
        q.map_or(Value::Null, |q| {
            json!({"name": q["name"], "title": q["title"], "type": q["type"], "_sys": q["_sys"]})
        })
    }

    pub(super) fn contact(&self, i: usize) -> Value {
        self.contacts[i % self.contacts.len()].clone()
    }
}

fn user(login: &str, first: &str, last: &str, kind: &str) -> Value {
    let ascii: String = login.chars().filter(char::is_ascii_alphanumeric).collect();
    json!({
        "name": login, "title": format!("{first} {last}"), "firstname": first,
        "lastname": last, "email": format!("{ascii}@daktela-demo.cz"), "alias": ascii,
        "type": kind, "timezone": "Europe/Prague", "_sys": sys("users"),
    })
}

fn sla(title: &str, response: u32, solution: u32) -> Value {
    let slug: String = title.chars().filter(char::is_ascii_alphabetic).collect();
    json!({
        "name": format!("ticketsSla_{}", slug.to_lowercase()), "title": title,
        "response_time": response, "solution_time": solution, "_sys": sys("ticketsSla"),
    })
}

fn accounts() -> Vec<Value> {
    ACCOUNTS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "name": key("accounts", i), "title": t, "database": "default", "sla": null,
                "user": null, "description": "", "created": at(-86_400 * 200 + i as i64 * 3600),
                "edited": at(-86_400 * 30),
                "customFields": {"ico": [format!("{:08}", 27_082_440 + i * 1_117)]},
                "_sys": sys("accounts"),
            })
        })
        .collect()
}

fn contacts(accounts: &[Value], refs_users: &[Value]) -> Vec<Value> {
    CONTACTS
        .iter()
        .enumerate()
        .map(|(i, (first, last, acc, email, phone))| {
            let a = &accounts[*acc];
            let u = &refs_users[i % refs_users.len()];
            json!({
                "name": key("contacts", i), "title": format!("{first} {last}"),
                "firstname": first, "lastname": last, "database": "default",
                "account": {"name": a["name"], "title": a["title"], "_sys": a["_sys"]},
                "user": {"name": u["name"], "title": u["title"], "alias": u["alias"]},
                "description": "", "nps_score": (i % 11) as i64,
                "created": at(-86_400 * 150 + i as i64 * 7200), "edited": at(-86_400 * 10),
                "customFields": {"email": [email], "number": [phone]},
                "_sys": sys("contacts"),
            })
        })
        .collect()
}

/// The stage of ticket `i`: rounds of O O W C O C A W.
fn stage(i: usize) -> &'static str {
    [
        "OPEN", "OPEN", "WAIT", "CLOSE", "OPEN", "CLOSE", "ARCHIVE", "WAIT",
    ][i % 8]
}

fn tickets(refs: &Refs, categories: &[Value], statuses: &[Value]) -> Vec<Value> {
    (0..TICKETS)
        .map(|i| {
            let created = i as i64 * 93_600 + (seeded(i, 11) % 3600) as i64;
            let edited = created + 3600 + (seeded(i, 12) % 40_000) as i64;
            let closed = matches!(stage(i), "CLOSE" | "ARCHIVE").then(|| at(edited));
            let user = if i % 7 == 6 {
                Value::Null
            } else {
                refs.user(i % 5)
            };
            let contact = refs.contact(i);
            let fields = if i % 3 == 0 {
                json!({"cislo_objednavky": [format!("OBJ-2025-{:04}", 100 + i)]})
            } else {
                json!([])
            };
            let status = if i % 4 == 1 {
                json!([statuses[i % statuses.len()]])
            } else {
                json!([])
            };
            json!({
                "name": TICKET_WITH_ACTIVITIES + i as i64,
                "title": SUBJECTS[i % SUBJECTS.len()],
                "category": categories[if i == 0 { 0 } else { seeded(i, 13) % categories.len() }],
                "stage": stage(i), "priority": (["LOW", "MEDIUM", "HIGH"][i % 3]),
                "user": user, "email": contact["customFields"]["email"][0],
                "contact": contact, "parentTicket": null,
                "description": DESCRIPTIONS[i % DESCRIPTIONS.len()],
                "statuses": status, "followers": [],
                "sla_deadtime": at(created + 86_400 * 2), "sla_overdue": (i % 9 == 4) as i64,
                "reopen": null, "created": at(created), "edited": at(edited), "closed": closed,
                "first_answer": at(created + 1800), "last_activity": at(edited),
                "id_merge": null, "isParent": false, "unread": i % 5 == 0,
                "has_attachment": false, "customFields": fields, "_sys": sys("tickets"),
            })
        })
        .collect()
}

fn categories() -> Vec<Value> {
    CATEGORIES
        .iter()
        .enumerate()
        .map(|(i, (title, sla_title, resp, sol))| {
            json!({
                "name": key("categories", i), "title": title, "sla": sla(sla_title, *resp, *sol),
                "email_queue": "2000", "call_queue": "1000", "sms_queue": "4000",
                "status_required": (["never", "closing_ticket", "always"][i % 3]),
                "multiple_statuses": i % 2 == 0, "auto_archive_tickets": 30,
                "_sys": sys("ticketsCategories"),
            })
        })
        .collect()
}

fn simple(model: &'static str, rows: &[Value]) -> Vec<Value> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            r["name"] = json!(key(model, i));
            r["_sys"] = sys(model);
            r
        })
        .collect()
}

/// The instance: the login's user always, the demo data when `seed`.
pub(super) fn instance(seed: bool, username: &str) -> Store {
    let api_user = user(username, "Agent", "Novák (API)", "api");
    let mut store = Store::default();
    if !seed {
        store.add("users", Some("name"), vec![api_user]);
        for m in channels::MODELS.iter().chain(OTHER_MODELS) {
            store.add(m.0, m.1, Vec::new());
        }
        return store;
    }
    let mut users: Vec<Value> = USERS.iter().map(|u| user(u.0, u.1, u.2, u.3)).collect();
    let queues: Vec<Value> = QUEUES
        .iter()
        .map(|(n, t, k)| json!({"name": n, "title": t, "type": k, "_sys": sys("queues")}))
        .collect();
    let accounts = accounts();
    let contacts = contacts(&accounts, &users);
    let refs = Refs {
        users: users.clone(),
        queues,
        contacts,
    };
    let statuses = statuses();
    let categories = categories();
    let tickets = tickets(&refs, &categories, &statuses);
    channels::add(&mut store, &refs, &tickets);
    store.add("crmRecords", Some("name"), crm(&refs, &tickets));
    store.add("campaignsTypes", Some("name"), campaign_types(&refs));
    store.add("campaignsRecords", Some("name"), campaign_records(&refs));
    store.add("realtimeSessions", None, sessions(&refs));
    store.add("groups", Some("name"), simple("groups", &groups()));
    store.add("pauses", Some("name"), simple("pauses", &pauses()));
    store.add("templates", Some("name"), simple("templates", &templates()));
    store.add("statuses", Some("name"), statuses);
    store.add("ticketsCategories", Some("name"), categories.clone());
    let slas: Vec<Value> = categories.iter().map(|c| c["sla"].clone()).collect();
    let mut slas_unique: Vec<Value> = Vec::new();
    for s in slas {
        if !slas_unique.contains(&s) {
            slas_unique.push(s);
        }
    }
    store.add("ticketsSla", Some("name"), slas_unique);
    store.add("tickets", Some("name"), tickets);
    store.add("accounts", Some("name"), accounts);
    store.add("contacts", Some("name"), refs.contacts);
    store.add("queues", Some("name"), refs.queues);
    users.push(api_user);
    store.add("users", Some("name"), users);
    store
}

/// The models besides the channels and users: (name, key field).
const OTHER_MODELS: &[(&str, Option<&str>)] = &[
    ("tickets", Some("name")),
    ("ticketsCategories", Some("name")),
    ("ticketsSla", Some("name")),
    ("contacts", Some("name")),
    ("accounts", Some("name")),
    ("crmRecords", Some("name")),
    ("campaignsRecords", Some("name")),
    ("campaignsTypes", Some("name")),
    ("queues", Some("name")),
    ("groups", Some("name")),
    ("pauses", Some("name")),
    ("statuses", Some("name")),
    ("templates", Some("name")),
    ("realtimeSessions", None),
];

fn statuses() -> Vec<Value> {
    let rows = [
        ("Vyřešeno", "#2e7d32"),
        ("Čeká na zákazníka", "#f9a825"),
        ("Eskalováno", "#c62828"),
        ("Nevyřešeno", "#6d4c41"),
        ("Spam", "#9e9e9e"),
    ];
    let rows: Vec<Value> = rows
        .iter()
        .map(|(t, c)| {
            json!({"title": t, "description": "", "color": c, "validation": null,
            "nextcall": null})
        })
        .collect();
    simple("statuses", &rows)
}

fn groups() -> Vec<Value> {
    [
        ("Podpora první linie", "users"),
        ("Fakturace", "users"),
        ("Hlasové fronty", "queues"),
        ("Kategorie podpory", "categories"),
    ]
    .iter()
    .map(|(t, k)| json!({"title": t, "type": k}))
    .collect()
}

fn pauses() -> Vec<Value> {
    [
        ("Oběd", None, true, 1800),
        ("Po hovoru", Some("wrap"), true, 120),
        ("Nerušit", Some("dnd"), false, 900),
        ("Školení", None, true, 7200),
    ]
    .iter()
    .map(|(t, k, paid, max)| {
        json!({"title": t, "type": k, "paid": paid,
            "max_duration": max, "repeatable": true, "max_amount": 0})
    })
    .collect()
}

fn templates() -> Vec<Value> {
    [
        (
            "Potvrzení přijetí",
            "RICH",
            "EMAIL",
            "Přijali jsme Váš požadavek",
        ),
        (
            "Uzavření požadavku",
            "RICH",
            "EMAIL",
            "Váš požadavek byl vyřešen",
        ),
        ("Připomínka SMS", "PLAIN", "SMS", ""),
        ("Pozdrav v chatu", "PLAIN", "CHAT", ""),
    ]
    .iter()
    .map(|(t, f, u, s)| {
        json!({"title": t, "format": f, "usingtype": u, "subject": s,
            "content": format!("Dobrý den, {}.", t.to_lowercase()), "user": null})
    })
    .collect()
}

fn crm(refs: &Refs, tickets: &[Value]) -> Vec<Value> {
    (0..6)
        .map(|i| {
            let c = refs.contact(i);
            json!({
                "name": key("crmRecords", i), "type": {"name": "crmRecordTypes_obchod",
                    "title": "Obchodní případ"},
                "title": format!("Obchodní případ – {}", c["account"]["title"].as_str()
                    .unwrap_or("")),
                "stage": if i % 3 == 2 { "CLOSE" } else { "OPEN" }, "user": refs.user(i),
                "contact": c, "account": c["account"], "ticket": {"name": tickets[i]["name"],
                    "title": tickets[i]["title"]},
                "status": null, "description": "Jednání o rozšíření služeb.",
                "customFields": [], "_sys": sys("crmRecords"),
            })
        })
        .collect()
}

fn campaign_types(refs: &Refs) -> Vec<Value> {
    [
        "Průzkum spokojenosti",
        "Prodloužení smluv",
        "Upomínky plateb",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| {
        json!({"name": key("campaignsTypes", i), "title": t,
            "queue": refs.queue("out"), "config": {}, "_sys": sys("campaignsTypes")})
    })
    .collect()
}

fn campaign_records(refs: &Refs) -> Vec<Value> {
    (0..6)
        .map(|i| json!({
            "name": key("campaignsRecords", i),
            "record_type": {"name": key("campaignsTypes", i % 3)}, "user": refs.user(i),
            "database": "default", "contact": refs.contact(i + 3),
            "nextcall": at(86_400 * (60 + i as i64)), "action": (i % 7).to_string(),
            "call_id": null, "statuses": [], "customFields": [], "_sys": sys("campaignsRecords"),
        }))
        .collect()
}

fn sessions(refs: &Refs) -> Vec<Value> {
    ["Session", "Idle", "Paused", "Session"]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id_agent": refs.user(i), "state": s, "exten": format!("{}", 201 + i),
                "exten_status": if *s == "Session" { "INUSE" } else { "NOT_INUSE" },
                "logintime": at(86_400 * 70), "lastqueue": refs.queue("in"),
                "id_pause": if *s == "Paused" { json!({"title": "Oběd"}) } else { Value::Null },
                "onpause": (*s == "Paused") as i64, "statetime": at(86_400 * 70 + 600),
                "id_call": null, "_sys": sys("realtimeSessions"),
            })
        })
        .collect()
}
