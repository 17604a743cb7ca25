//! Deterministic demo data: the API key's agent and the groups always; with `seed`, more agents,
//! 12 companies, 60 contacts and 300 tickets over 90 days with up to 6 conversations each.
//!
//! Owns: building the account from the fixed tables in `data` with a fixed random seed, so
//! every start yields the same records (relative to the clock).
//! Must not: depend on anything but the seed and `now`.

mod data;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use self::data::{
    AGENT_REPLIES, AGENTS, COMPANIES, CUSTOMER_REPLIES, FIRST, GROUPS, JOBS, LAST, PRIVATE_NOTES,
    PUBLIC_NOTES, SPAM, TEMPLATES,
};
use super::state::{
    Agent, Company, Contact, Conversation, GROUP_BASE, Group, SUPPORT_EMAIL, Store, Ticket, set_sla,
};
use crate::sandbox::kit::text::{escape_html, to_text};

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if roll < *w {
            return *item;
        }
        roll -= w;
    }
    items[items.len() - 1].0
}

fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(|p| format!("<div>{}</div>", escape_html(p).replace('\n', "<br>")))
        .collect::<Vec<_>>()
        .join("<div><br></div>")
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// The account: always the API key's agent and the groups; the demo data when `demo`.
pub(super) fn account(store: &mut Store, demo: bool, now: DateTime<Utc>) {
    let mut rng = StdRng::seed_from_u64(0x00F0_5D35_C0DE);
    let agent_count = if demo { AGENTS.len() } else { 1 };
    let mut agent_ids = Vec::new();
    for (i, (name, email, phone, job, occasional)) in AGENTS.iter().take(agent_count).enumerate() {
        let id = store.user_id();
        let created = now - days(400 - 20 * i as i64);
        store.agents.insert(
            id,
            Agent {
                id,
                name: (*name).to_string(),
                email: (*email).to_string(),
                phone: Some((*phone).to_string()),
                job_title: Some((*job).to_string()),
                occasional: *occasional,
                available: !occasional,
                signature: Some(format!("<div>{name}<br>Sandbox Support</div>")),
                created_at: created,
                updated_at: now - days(1),
            },
        );
        agent_ids.push(id);
    }
    store.me = agent_ids[0];
    for (i, (name, description, members)) in GROUPS.iter().enumerate() {
        let id = GROUP_BASE + 1 + i as i64;
        store.groups.insert(
            id,
            Group {
                id,
                name: (*name).to_string(),
                description: (*description).to_string(),
                agent_ids: members
                    .iter()
                    .filter_map(|m| agent_ids.get(*m).copied())
                    .collect(),
                created_at: now - days(400),
                updated_at: now - days(30),
            },
        );
    }
    if demo {
        companies_and_contacts(store, &mut rng, now);
        tickets(store, &mut rng, now);
    }
}

fn companies_and_contacts(store: &mut Store, rng: &mut StdRng, now: DateTime<Utc>) {
    let mut company_ids = Vec::new();
    for (name, domain, industry, tier, health) in COMPANIES {
        let id = store.next_company;
        store.next_company += 1;
        let created = now - days(rng.random_range(200..700));
        store.companies.insert(
            id,
            Company {
                id,
                name: (*name).to_string(),
                description: Some(format!("{name}, a {industry} customer")),
                domains: vec![(*domain).to_string()],
                note: None,
                health_score: Some((*health).to_string()),
                account_tier: Some((*tier).to_string()),
                renewal_date: Some(now + days(rng.random_range(20..360))),
                industry: Some((*industry).to_string()),
                created_at: created,
                updated_at: created + days(rng.random_range(1..100)),
            },
        );
        company_ids.push((id, *domain));
    }
    for i in 0..60usize {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
        let (company_id, domain) = if i < 50 {
            let (id, domain) = company_ids[i % company_ids.len()];
            (Some(id), domain)
        } else {
            (None, "mail.example")
        };
        let mut email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
        if store.user_by_email(&email).is_some() {
            email = format!(
                "{}.{}{i}@{domain}",
                first.to_lowercase(),
                last.to_lowercase()
            );
        }
        let created = now - days(rng.random_range(95..500));
        let id = store.user_id();
        let mut c = Contact::blank(created);
        c.id = id;
        c.name = format!("{first} {last}");
        c.email = Some(email);
        c.phone = rng
            .random_bool(0.5)
            .then(|| format!("+1 555 01{:02}", 10 + i));
        c.mobile = rng
            .random_bool(0.3)
            .then(|| format!("+1 555 02{:02}", 10 + i));
        c.company_id = company_id;
        c.active = rng.random_bool(0.85);
        c.job_title = Some((*pick(rng, JOBS)).to_string());
        if rng.random_bool(0.1) {
            c.tags.push("vip".into());
        }
        c.updated_at = created + days(rng.random_range(0..90));
        store.contacts.insert(id, c);
    }
}

fn tickets(store: &mut Store, rng: &mut StdRng, now: DateTime<Utc>) {
    let contacts: Vec<(i64, String, Option<i64>, Option<String>)> = store
        .contacts
        .values()
        .map(|c| {
            let first = c.name.split(' ').next().unwrap_or("there").to_string();
            (c.id, first, c.company_id, c.email.clone())
        })
        .collect();
    let group_of = |store: &Store, name: &str| {
        store
            .groups
            .values()
            .find(|g| g.name == name)
            .map(|g| (g.id, g.agent_ids.clone()))
    };
    let mut ages: Vec<i64> = (0..300)
        .map(|_| rng.random_range(600..90 * 86_400))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    for (i, age) in ages.into_iter().enumerate() {
        let created = now - chrono::Duration::seconds(age);
        let (requester, first, company_id, email) = pick(rng, &contacts).clone();
        let spam = i % 75 == 13;
        let mut t = Ticket::blank(created);
        t.id = store.next_ticket;
        store.next_ticket += 1;
        t.requester_id = requester;
        t.company_id = company_id;
        t.source = weighted(rng, &[(1, 45), (2, 30), (3, 15), (7, 10)]);
        t.priority = weighted(rng, &[(1, 30), (2, 40), (3, 20), (4, 10)]);
        let body;
        let category;
        if spam {
            let (subject, text) = *pick(rng, SPAM);
            t.subject = subject.to_string();
            body = text.to_string();
            category = "Other";
            t.spam = true;
            t.priority = 1;
        } else {
            let (cat, ty, subject, text, tags) = *pick(rng, TEMPLATES);
            let n = rng.random_range(2..900).to_string();
            t.subject = subject.replace("{n}", &n);
            let company = company_id
                .and_then(|c| store.companies.get(&c))
                .map(|c| format!("\n{}", c.name))
                .unwrap_or_default();
            body = format!(
                "Hi team,\n\n{}\n\nThanks,\n{first}{company}",
                text.replace("{n}", &n)
            );
            category = cat;
            t.ticket_type = Some(ty.to_string());
            t.tags = tags.iter().map(|s| s.to_string()).collect();
            if rng.random_bool(0.1) {
                t.tags.push("vip".into());
            }
            if t.priority >= 3 && rng.random_bool(0.3) {
                t.tags.push("sla-risk".into());
            }
            t.custom_fields
                .insert("cf_category".into(), json!(category));
            if category == "Billing" {
                t.custom_fields.insert(
                    "cf_order_number".into(),
                    json!(format!("ORD-{}", rng.random_range(10_000..99_999))),
                );
            }
            if rng.random_bool(0.4) {
                t.custom_fields
                    .insert("cf_affected_users".into(), json!(rng.random_range(1..60)));
            }
        }
        t.description = paragraphs(&body);
        t.description_text = to_text(&t.description);
        if t.source == 1 {
            t.to_emails = Some(vec![SUPPORT_EMAIL.to_string()]);
        }
        let group_name = match category {
            "Billing" => "Billing",
            "Onboarding" => "Onboarding",
            _ if t.priority == 4 && rng.random_bool(0.5) => "Escalations",
            _ => "Technical",
        };
        if !spam && let Some((gid, members)) = group_of(store, group_name) {
            t.group_id = Some(gid);
            if !members.is_empty() && rng.random_bool(0.8) {
                t.responder_id = Some(*pick(rng, &members));
            }
        }
        if rng.random_bool(0.1) {
            t.watchers.push(store.me);
        }
        let age_days = age / 86_400;
        t.status = if spam {
            2
        } else if age_days < 7 {
            weighted(rng, &[(2, 50), (3, 25), (4, 15), (5, 10)])
        } else if age_days < 30 {
            weighted(rng, &[(2, 30), (3, 20), (4, 25), (5, 25)])
        } else {
            weighted(rng, &[(2, 10), (3, 8), (4, 22), (5, 60)])
        };
        set_sla(&mut t);
        let last = conversations(store, rng, &mut t, &first, email.as_deref(), now);
        let mut updated = last.unwrap_or(created);
        let mut status_at = created;
        if t.status >= 4 {
            let resolved = (updated + chrono::Duration::hours(rng.random_range(1..48)))
                .min(now - chrono::Duration::minutes(5))
                .max(created);
            t.stats.resolved_at = Some(resolved);
            status_at = resolved;
            if t.status == 5 {
                let closed = (resolved + chrono::Duration::hours(rng.random_range(0..72)))
                    .min(now - chrono::Duration::minutes(1))
                    .max(resolved);
                t.stats.closed_at = Some(closed);
                status_at = closed;
            }
            updated = updated.max(status_at);
        } else if t.status == 3 {
            status_at = updated;
            t.stats.pending_since = Some(updated);
        }
        t.stats.status_updated_at = Some(status_at);
        t.updated_at = updated;
        let open = matches!(t.status, 2 | 3);
        t.is_escalated = open && t.due_by < now;
        t.fr_escalated = match t.stats.first_responded_at {
            Some(at) => at > t.fr_due_by,
            None => open && t.fr_due_by < now,
        };
        // A few recent tickets are in the trash (visible with filter=deleted).
        if i >= 240 && i % 12 == 5 {
            t.deleted = true;
        }
        store.tickets.insert(t.id, t);
    }
}

/// Adds 0-6 conversations; returns the time of the last.
fn conversations(
    store: &mut Store,
    rng: &mut StdRng,
    t: &mut Ticket,
    first: &str,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let count = rng.random_range(0..=6);
    let mut at = t.created_at;
    let mut last = None;
    let agents: Vec<(i64, String)> = store
        .agents
        .values()
        .map(|a| (a.id, a.name.split(' ').next().unwrap_or("").to_string()))
        .collect();
    for k in 0..count {
        at += chrono::Duration::minutes(rng.random_range(15..2_880));
        if at > now - chrono::Duration::minutes(2) {
            break;
        }
        // 0 agent reply, 1 customer reply, 2 private note, 3 public note.
        let kind = if k == 0 {
            weighted(rng, &[(0, 70), (2, 30)])
        } else {
            weighted(rng, &[(0, 35), (1, 35), (2, 20), (3, 10)])
        };
        let (agent_id, agent_name) = match t.responder_id {
            Some(r) => agents
                .iter()
                .find(|(id, _)| *id == r)
                .cloned()
                .unwrap_or_else(|| agents[0].clone()),
            None => pick(rng, &agents).clone(),
        };
        let (text, user_id, incoming, private, source, category) = match kind {
            0 => (
                pick(rng, AGENT_REPLIES)
                    .replace("{first}", first)
                    .replace("{agent}", &agent_name),
                agent_id,
                false,
                false,
                0,
                3,
            ),
            1 => (
                (*pick(rng, CUSTOMER_REPLIES)).to_string(),
                t.requester_id,
                true,
                false,
                0,
                1,
            ),
            2 => (
                (*pick(rng, PRIVATE_NOTES)).to_string(),
                agent_id,
                false,
                true,
                2,
                2,
            ),
            _ => (
                (*pick(rng, PUBLIC_NOTES)).to_string(),
                agent_id,
                false,
                false,
                2,
                2,
            ),
        };
        let body = paragraphs(&text);
        let id = store.next_conversation;
        store.next_conversation += 1;
        let (to_emails, from_email, support_email) = match kind {
            0 => (
                email.map(str::to_string).into_iter().collect(),
                Some(SUPPORT_EMAIL.to_string()),
                Some(SUPPORT_EMAIL.to_string()),
            ),
            1 => (
                vec![SUPPORT_EMAIL.to_string()],
                email.map(str::to_string),
                Some(SUPPORT_EMAIL.to_string()),
            ),
            _ => (Vec::new(), None, None),
        };
        store.conversations.insert(
            id,
            Conversation {
                id,
                incoming,
                private,
                support_email,
                source,
                category,
                to_emails,
                from_email,
                ..Conversation::new(t.id, user_id, body, at)
            },
        );
        match kind {
            0 => {
                t.stats.agent_responded_at = Some(at);
                t.stats.first_responded_at.get_or_insert(at);
            }
            1 => t.stats.requester_responded_at = Some(at),
            _ => {}
        }
        last = Some(at);
    }
    last
}
