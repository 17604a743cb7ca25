//! The deterministic demo helpdesk. Tests and the backend rely on these facts:
//!
//! - Departments: 1 General, 2 Billing (visible to user groups 2 and 3 only), 3 Hardware
//!   (tickets), 4 Live Support (livechat, no tickets).
//! - Statuses: 1 Open, 2 In Progress, 3 Closed (`markasresolved` 1), all global; 4 Awaiting
//!   Parts, Hardware only (staff group 2 only). Priorities 1 Low, 2 Normal, 3 High, 4 Urgent
//!   (private); types 1 Issue, 2 Task, 3 Bug, 4 Feedback.
//! - Staff groups 1 Administrator (admin), 2 Staff; staff 1 Dana Whitfield (group 1), 2 Tomáš
//!   Dvořák, 3 Yuki Tanaka, 4 Priya Nair, 5 Marcus Lee (disabled). User groups 1 Guest,
//!   2 Registered, 3 Enterprise.
//! - Organisations 1 Acme Corp, 2 Pivovar Bohemia s.r.o., 3 東京システム株式会社; users 1..=12
//!   (see `data`), user 3 is called `true`, users 3, 7, 8, 10, 11 have no organisation.
//! - Tickets 1..=[`TICKETS`], created in id order over about three months from
//!   [`FIRST_CREATED`], with 1-6 posts each (user and staff alternating, ids ascending in
//!   ticket order) and staff notes on every fourth ticket from 1; every fifth ticket (5, 10,
//!   ...) is unassigned; Hardware tickets may be Awaiting Parts. Display ids look like
//!   `ABC-123-45678` and are unique.
//! - The well-known tickets are the `*_TICKET` constants below.
//!
//! Without `seed`, the helpdesk has the departments, statuses, priorities, types, staff
//! groups, staff and user groups, and no organisations, users or tickets.
//!
//! Owns: building the [`Store`] and the constants above. Must not: depend on the clock or on
//! randomness (the same build gives the same helpdesk), or serve anything.

mod data;

use std::collections::BTreeSet;

use self::data::*;
use super::store::{
    Author, Department, Note, Organization, Post, Priority, Staff, StaffGroup, Status, Store,
    Ticket, TicketType, User, UserGroup, Visibility,
};

pub const DEPARTMENT_GENERAL: u32 = 1;
pub const DEPARTMENT_BILLING: u32 = 2;
pub const DEPARTMENT_HARDWARE: u32 = 3;
pub const DEPARTMENT_LIVECHAT: u32 = 4;
pub const STATUS_OPEN: u32 = 1;
pub const STATUS_IN_PROGRESS: u32 = 2;
pub const STATUS_CLOSED: u32 = 3;
/// Hardware's own (unresolved) status.
pub const STATUS_AWAITING_PARTS: u32 = 4;
pub const TICKETS: usize = 60;
/// The first ticket's creation time (2024-10-01T00:00:00Z).
pub const FIRST_CREATED: i64 = 1_727_740_800;
/// Ticket 1: "Printer broken", General, Open, with [`TICKET_WITH_POSTS_POSTS`] posts and two
/// notes; its display id is [`TICKET_WITH_POSTS_DISPLAY_ID`].
pub const TICKET_WITH_POSTS: u32 = 1;
pub const TICKET_WITH_POSTS_DISPLAY_ID: &str = "OLJ-171-16930";
pub const TICKET_WITH_POSTS_POSTS: usize = 4;
/// The requester of several tickets: a user whose name is `true`.
pub const USER_NAMED_TRUE: u32 = 3;
/// The subject is `00123`.
pub const NUMERIC_SUBJECT_TICKET: u32 = 7;
/// The subject has `<b>`, `&amp;` and `R&D`; the first post is HTML.
pub const MARKUP_TICKET: u32 = 12;
/// The first post contains `]]>`.
pub const CDATA_TICKET: u32 = 15;
/// Emoji with zero-width joiners (👩‍💻) in the subject and the first post.
pub const EMOJI_TICKET: u32 = 20;
pub const CZECH_TICKET: u32 = 22;
pub const JAPANESE_TICKET: u32 = 25;
/// Its first post is at least [`LARGE_POST_BYTES`] long.
pub const LARGE_TICKET: u32 = 30;
pub const LARGE_POST_BYTES: usize = 90_000;
/// Its first post holds control characters (escape, bell) the XML writer strips.
pub const CONTROL_TICKET: u32 = 33;

/// The literal texts of the hostile tickets, for tests.
pub mod texts {
    pub use super::data::{
        CDATA_BODY, CONTROL_BODY, CZECH_BODY, CZECH_SUBJECT, EMOJI_BODY, EMOJI_SUBJECT,
        JAPANESE_BODY, JAPANESE_SUBJECT, MARKUP_BODY, MARKUP_SUBJECT, NUMERIC_SUBJECT,
    };
}

const DAY: i64 = 86_400;

use crate::sandbox::kit::seeded as r;

/// The helpdesk, with the demo users and tickets when `seed`.
pub(super) fn helpdesk(seed: bool) -> Store {
    let mut store = Store::default();
    reference(&mut store);
    if seed {
        people(&mut store);
        tickets(&mut store);
    }
    store
}

fn reference(s: &mut Store) {
    let dept = |id, title: &str, app, usergroups: Vec<u32>| Department {
        id,
        title: title.into(),
        kind: Visibility::Public,
        app,
        displayorder: id,
        parent: 0,
        usergroups,
    };
    s.departments = vec![
        dept(DEPARTMENT_GENERAL, "General", "tickets", vec![]),
        dept(DEPARTMENT_BILLING, "Billing", "tickets", vec![2, 3]),
        dept(DEPARTMENT_HARDWARE, "Hardware", "tickets", vec![]),
        dept(DEPARTMENT_LIVECHAT, "Live Support", "livechat", vec![]),
    ];
    let status = |id, title: &str, department, resolved: bool, color| Status {
        id,
        title: title.into(),
        displayorder: id,
        department,
        kind: Visibility::Public,
        displayinmainlist: !resolved,
        markasresolved: resolved,
        displaycount: !resolved,
        color,
        bgcolor: color,
        resetduetime: false,
        triggersurvey: resolved,
        staffgroups: vec![],
    };
    s.statuses = vec![
        status(STATUS_OPEN, "Open", 0, false, "#4eafcb"),
        status(STATUS_IN_PROGRESS, "In Progress", 0, false, "#e6a11f"),
        status(STATUS_CLOSED, "Closed", 0, true, "#36a15a"),
        Status {
            kind: Visibility::Private,
            staffgroups: vec![2],
            ..status(
                STATUS_AWAITING_PARTS,
                "Awaiting Parts",
                DEPARTMENT_HARDWARE,
                false,
                "#8b5cf6",
            )
        },
    ];
    let priority = |id, title: &str, bgcolor, kind, usergroups| Priority {
        id,
        title: title.into(),
        displayorder: id,
        frcolor: "#ffffff",
        bgcolor,
        kind,
        usergroups,
    };
    s.priorities = vec![
        priority(1, "Low", "#8bb467", Visibility::Public, vec![]),
        priority(2, "Normal", "#5e8bc9", Visibility::Public, vec![]),
        priority(3, "High", "#e6a11f", Visibility::Public, vec![2, 3]),
        priority(4, "Urgent", "#d94545", Visibility::Private, vec![]),
    ];
    let kind = |id, title: &str, visibility, usergroups| TicketType {
        id,
        title: title.into(),
        displayorder: id,
        department: 0,
        kind: visibility,
        usergroups,
    };
    s.types = vec![
        kind(1, "Issue", Visibility::Public, vec![]),
        kind(2, "Task", Visibility::Public, vec![]),
        kind(3, "Bug", Visibility::Public, vec![]),
        kind(4, "Feedback", Visibility::Public, vec![2, 3]),
    ];
    s.staffgroups = vec![
        StaffGroup {
            id: 1,
            title: "Administrator".into(),
            isadmin: true,
        },
        StaffGroup {
            id: 2,
            title: "Staff".into(),
            isadmin: false,
        },
    ];
    s.staff = STAFF
        .iter()
        .map(
            |&(id, group, first, last, username, designation, mobile, enabled, tz)| Staff {
                id,
                group,
                first: first.into(),
                last: last.into(),
                username: username.into(),
                email: format!("{username}@support.example"),
                designation: designation.into(),
                greeting: format!("Kind regards,\n{first}"),
                mobile: mobile.into(),
                enabled,
                timezone: tz.into(),
            },
        )
        .collect();
    s.usergroups = [(1, "Guest"), (2, "Registered"), (3, "Enterprise")]
        .into_iter()
        .map(|(id, title)| UserGroup {
            id,
            title: title.into(),
        })
        .collect();
}

fn people(s: &mut Store) {
    s.organizations = ORGANIZATIONS
        .iter()
        .map(|&(id, name)| Organization {
            id,
            name: name.into(),
        })
        .collect();
    s.users = USERS
        .iter()
        .map(
            |&(
                id,
                group,
                role,
                organization,
                salutation,
                fullname,
                email,
                designation,
                phone,
                enabled,
            )| {
                let joined = FIRST_CREATED - 200 * DAY + i64::from(id) * 9 * DAY;
                User {
                    id,
                    group,
                    role,
                    organization,
                    salutation: salutation.into(),
                    fullname: fullname.into(),
                    email: email.into(),
                    designation: designation.into(),
                    phone: phone.into(),
                    dateline: joined,
                    lastvisit: FIRST_CREATED + i64::from(id) * 7 * DAY,
                    enabled,
                    timezone: if id % 3 == 0 {
                        "Europe/Prague".into()
                    } else {
                        String::new()
                    },
                }
            },
        )
        .collect();
}

/// The subject and first post of ticket `i`.
fn topic(i: u32) -> (String, String) {
    let special = match i {
        TICKET_WITH_POSTS => Some(("Printer broken", "The printer is on fire")),
        NUMERIC_SUBJECT_TICKET => Some((NUMERIC_SUBJECT, "Order 00123 never arrived.")),
        MARKUP_TICKET => Some((MARKUP_SUBJECT, MARKUP_BODY)),
        CDATA_TICKET => Some(("XML export breaks on CDATA", CDATA_BODY)),
        EMOJI_TICKET => Some((EMOJI_SUBJECT, EMOJI_BODY)),
        CZECH_TICKET => Some((CZECH_SUBJECT, CZECH_BODY)),
        JAPANESE_TICKET => Some((JAPANESE_SUBJECT, JAPANESE_BODY)),
        CONTROL_TICKET => Some(("Console output garbled", CONTROL_BODY)),
        _ => None,
    };
    if i == LARGE_TICKET {
        let mut body = String::from("Here is the full log since boot:\n");
        let mut n = 0;
        while body.len() < LARGE_POST_BYTES + 1_000 {
            body.push_str(&log_line(n));
            n += 1;
        }
        return ("Kernel log attached: USB errors".into(), body);
    }
    match special {
        Some((subject, body)) => (subject.into(), body.into()),
        None => {
            let (subject, body) = TOPICS[i as usize % TOPICS.len()];
            (subject.into(), body.into())
        }
    }
}

/// A display id `ABC-123-45678` not yet in `taken`.
fn display_id(i: usize, taken: &mut BTreeSet<String>) -> String {
    let mut salt = 11;
    loop {
        let letters: String = (0..3)
            .map(|k| char::from(b'A' + (r(i, salt + k) % 26) as u8))
            .collect();
        let id = format!(
            "{letters}-{:03}-{:05}",
            r(i, salt + 3) % 1000,
            r(i, salt + 4) % 100_000
        );
        if taken.insert(id.clone()) {
            return id;
        }
        salt += 7;
    }
}

fn tickets(s: &mut Store) {
    let mut taken = BTreeSet::from([TICKET_WITH_POSTS_DISPLAY_ID.to_string()]);
    let mut post_id = 0u32;
    let mut note_id = 0u32;
    for i in 1..=TICKETS as u32 {
        let n = i as usize;
        let department = match i {
            TICKET_WITH_POSTS => DEPARTMENT_GENERAL,
            _ => [1, 1, 2, 3, 1, 3, 2][r(n, 1) % 7],
        };
        let status = match (i, department, r(n, 2) % 20) {
            (TICKET_WITH_POSTS, ..) => STATUS_OPEN,
            (_, DEPARTMENT_HARDWARE, 0..=3) => STATUS_AWAITING_PARTS,
            (_, _, 0..=7) => STATUS_OPEN,
            (_, _, 8..=12) => STATUS_IN_PROGRESS,
            _ => STATUS_CLOSED,
        };
        let user_id = match i {
            TICKET_WITH_POSTS => 1,
            4 | 18 | 41 => USER_NAMED_TRUE,
            CZECH_TICKET => 4,
            JAPANESE_TICKET => 6,
            _ => (i * 7) % 12 + 1,
        };
        let owner = match i {
            2 => 5,
            _ if i % 5 == 0 => 0,
            _ => [1, 2, 3, 4][r(n, 3) % 4],
        };
        let created = FIRST_CREATED + i64::from(i - 1) * 130_000 + (r(n, 4) % 40_000) as i64;
        let (subject, first_body) = topic(i);
        let user = s
            .user(user_id)
            .map(|u| (u.fullname.clone(), u.email.clone()));
        let (fullname, email) = user.unwrap_or_default();
        let posts = match i {
            TICKET_WITH_POSTS => TICKET_WITH_POSTS_POSTS,
            _ => 1 + r(n, 5) % 6,
        };
        let replier = if owner == 0 { 1 } else { owner };
        let mut at = created;
        for j in 0..posts {
            post_id += 1;
            let by_user = j % 2 == 0;
            let (author, name, mail, body) = if by_user {
                let body = if j == 0 {
                    first_body.clone()
                } else {
                    FOLLOW_UPS[(n + j) % FOLLOW_UPS.len()].to_string()
                };
                (Author::User(user_id), fullname.clone(), email.clone(), body)
            } else {
                let staff = s.staff_member(replier);
                let name = staff.map(Staff::fullname).unwrap_or_default();
                let mail = staff.map(|m| m.email.clone()).unwrap_or_default();
                let first = fullname.split(' ').next().unwrap_or("");
                let body = REPLIES[(n + j) % REPLIES.len()].replace("{name}", first);
                (Author::Staff(replier), name, mail, body)
            };
            s.posts.insert(
                post_id,
                Post {
                    id: post_id,
                    ticket: i,
                    dateline: at,
                    author,
                    fullname: name,
                    email: mail,
                    emailto: if by_user {
                        String::new()
                    } else {
                        email.clone()
                    },
                    ipaddress: if by_user {
                        format!("203.0.113.{}", user_id)
                    } else {
                        String::new()
                    },
                    ishtml: i == MARKUP_TICKET && j == 0,
                    isemailed: !by_user,
                    isprivate: !by_user && i % 10 == 3,
                    contents: body,
                },
            );
            at += 3_600 + (r(n * 10 + j, 6) % 20_000) as i64;
        }
        if i % 4 == 1 {
            let count = if i % 8 == 1 { 2 } else { 1 };
            for k in 0..count {
                note_id += 1;
                s.notes.insert(
                    note_id,
                    Note {
                        id: note_id,
                        ticket: i,
                        color: 1 + (k as u32 + i) % 5,
                        creator: [1, 2][k % 2],
                        for_staff: if k == 1 { replier } else { 0 },
                        dateline: created + 1_800 * (k as i64 + 1),
                        contents: NOTES[(n + k) % NOTES.len()].into(),
                    },
                );
            }
        }
        let billing = department == DEPARTMENT_BILLING;
        let display = match i {
            TICKET_WITH_POSTS => TICKET_WITH_POSTS_DISPLAY_ID.to_string(),
            _ => display_id(n, &mut taken),
        };
        let tags = match r(n, 7) % 3 {
            0 => vec![],
            1 => vec![TAGS[r(n, 8) % TAGS.len()].to_string()],
            _ => {
                let a = r(n, 8) % TAGS.len();
                vec![TAGS[a].to_string(), TAGS[(a + 3) % TAGS.len()].to_string()]
            }
        };
        s.tickets.insert(
            i,
            Ticket {
                id: i,
                display,
                flag: if r(n, 9).is_multiple_of(7) {
                    1 + (r(n, 10) % 6) as u32
                } else {
                    0
                },
                department,
                status,
                priority: 1 + (r(n, 11) % 4) as u32,
                kind: 1 + (r(n, 12) % 4) as u32,
                user: user_id,
                owner,
                fullname,
                email,
                subject,
                created,
                ipaddress: format!("203.0.113.{user_id}"),
                creator: 2,
                creationmode: [1, 3, 3, 4][r(n, 13) % 4],
                creationtype: if r(n, 14).is_multiple_of(9) { 2 } else { 1 },
                escalated: i == 9,
                slaplan: u32::from(billing),
                nextreplydue: if billing { created + DAY } else { 0 },
                resolutiondue: if billing { created + 3 * DAY } else { 0 },
                tags,
                watchers: if i % 6 == 0 { vec![1] } else { vec![] },
            },
        );
    }
}
