//! `/api/tickets/`: the list with its `status` filter, creation through helpdesk's TicketForm
//! (always Open, the "Ticket Opened" follow-up, the 500 for a missing `description`), plain
//! GET/PUT/PATCH, and the cascading DELETE.
//!
//! Must not: fix the upstream's quirks (`?status=Open` ignored, the 500), which the product
//! copes with.

use axum::http::Method;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::attachments::{bad_extension, store_attachment};
use super::dates::now;
use super::drf::Api;
use super::drf::serializers::ticket_json;
use super::drf::validation::{
    blank_to_null, field, require, v_bool, v_char, v_choice, v_datetime, v_email, v_pk,
};
use super::http::{Cx, server_error_html};
use super::multipart::Upload;
use super::state::{Db, FollowUp, PRIORITIES, STATUSES, Ticket};
use crate::sandbox::kit::reply::Reply;

#[derive(Default)]
struct TicketFields {
    pub(super) queue: Option<u64>,
    pub(super) title: Option<String>,
    pub(super) description: Option<Option<String>>,
    pub(super) resolution: Option<Option<String>>,
    pub(super) submitter_email: Option<Option<String>>,
    pub(super) assigned_to: Option<Option<u64>>,
    pub(super) status: Option<i64>,
    pub(super) on_hold: Option<bool>,
    /// `Some(None)`: sent blank (the model field has `blank=True`).
    pub(super) priority: Option<Option<i64>>,
    pub(super) due_date: Option<Option<DateTime<Utc>>>,
    pub(super) merged_to: Option<Option<u64>>,
}

/// `TicketSerializer` validation; `full` for create and PUT (queue and title required).
fn validate_ticket(
    db: &Db,
    data: &Map<String, Value>,
    full: bool,
) -> Result<TicketFields, Map<String, Value>> {
    let mut e = Map::new();
    let mut out = TicketFields::default();
    match data.get("queue") {
        None if full => require(&mut e, "queue"),
        None => {}
        Some(v) => {
            out.queue = field(&mut e, "queue", v_pk(v, false, |n| db.queue(n).is_some())).flatten();
        }
    }
    match data.get("title") {
        None if full => require(&mut e, "title"),
        None => {}
        Some(v) => out.title = field(&mut e, "title", v_char(v, Some(200), false, false)).flatten(),
    }
    if let Some(v) = data.get("description") {
        out.description = field(&mut e, "description", v_char(v, None, true, true));
    }
    if let Some(v) = data.get("resolution") {
        out.resolution = field(&mut e, "resolution", v_char(v, None, true, true));
    }
    if let Some(v) = data.get("submitter_email") {
        out.submitter_email = field(&mut e, "submitter_email", v_email(v, true));
    }
    if let Some(v) = data.get("assigned_to") {
        out.assigned_to = field(
            &mut e,
            "assigned_to",
            v_pk(v, true, |n| db.user(n).is_some()),
        );
    }
    if let Some(v) = data.get("status") {
        out.status = field(&mut e, "status", v_choice(v, &STATUSES, false, false)).flatten();
    }
    if let Some(v) = data.get("on_hold") {
        out.on_hold = field(&mut e, "on_hold", v_bool(v));
    }
    if let Some(v) = data.get("priority") {
        out.priority = field(&mut e, "priority", v_choice(v, &PRIORITIES, false, true));
    }
    if let Some(v) = data.get("due_date") {
        out.due_date = field(&mut e, "due_date", v_datetime(v));
    }
    if let Some(v) = data.get("merged_to") {
        out.merged_to = field(
            &mut e,
            "merged_to",
            v_pk(v, true, |n| db.tickets.contains_key(&n)),
        );
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

const TICKET_FORM_NULLABLE: [&str; 4] = ["assigned_to", "merged_to", "due_date", "status"];

pub(super) fn tickets_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let mut tickets: Vec<&Ticket> = db.tickets.values().collect();
    // `?status=1,3`: numbers only; when none is a known status the filter is dropped.
    if let Some(s) = cx.query_get("status").filter(|s| !s.is_empty()) {
        let wanted: Vec<i64> = s
            .split(',')
            .filter_map(|p| {
                STATUSES
                    .iter()
                    .find(|(n, _)| n.to_string() == p)
                    .map(|(n, _)| *n)
            })
            .collect();
        if !wanted.is_empty() {
            tickets.retain(|t| wanted.contains(&t.status));
        }
    }
    api.paged(db, cx, &tickets, |db, cx, t| ticket_json(db, cx, t))
}

pub(super) fn ticket_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let form_fix = |data: &mut Map<String, Value>| blank_to_null(data, &TICKET_FORM_NULLABLE);
    let validate = |db: &Db, data: &Map<String, Value>| validate_ticket(db, data, true);
    let (input, parsed) = match api.validated(db, cx, form_fix, validate) {
        Ok(v) => v,
        Err(r) => return r,
    };
    // TicketSerializer.create: `data["body"] = data["description"]`, a KeyError when absent.
    let Some(description) = input.description.clone() else {
        return server_error_html();
    };
    // Then helpdesk's TicketForm.
    let mut form_errors = Map::new();
    let body = description.filter(|d| !d.is_empty());
    if body.is_none() {
        require(&mut form_errors, "body");
    }
    let priority = input.priority.flatten();
    if priority.is_none() {
        require(&mut form_errors, "priority");
    }
    let uploads: Vec<&Upload> = parsed
        .files
        .iter()
        .filter(|u| u.field == "attachment")
        .collect();
    if let Some(ext) = uploads.iter().find_map(|u| bad_extension(&u.filename)) {
        form_errors.insert(
            "attachment".into(),
            json!([format!("Unsupported file extension: {ext}")]),
        );
    }
    if !form_errors.is_empty() {
        return api.reply(db, cx, 400, Value::Object(form_errors));
    }
    let (Some(queue), Some(title), Some(body), Some(priority), Some(uid)) =
        (input.queue, input.title.clone(), body, priority, api.user)
    else {
        return server_error_html();
    };
    let at = now();
    let id = db.next_ticket;
    db.next_ticket += 1;
    let ticket = Ticket {
        id,
        queue,
        title,
        description: Some(body.clone()),
        resolution: None,
        submitter_email: Some(input.submitter_email.flatten().unwrap_or_default()),
        assigned_to: input.assigned_to.flatten(),
        status: 1,
        on_hold: false,
        priority,
        due_date: input.due_date.flatten(),
        merged_to: None,
        created: at,
        modified: at,
        secret_key: uuid::Uuid::new_v4().to_string(),
    };
    let opened = match ticket.assigned_to {
        Some(_) => format!(
            "Ticket Opened & Assigned to {}",
            db.assigned_display(&ticket)
        ),
        None => "Ticket Opened".to_string(),
    };
    let recipients: Vec<String> = ticket
        .submitter_email
        .clone()
        .filter(|e| !e.is_empty())
        .into_iter()
        .collect();
    db.tickets.insert(id, ticket.clone());
    let fid = db.add_followup(FollowUp {
        id: 0,
        ticket: id,
        user: Some(uid),
        title: Some(opened),
        comment: Some(body),
        public: true,
        new_status: None,
        time_spent: None,
        date: at,
        message_id: None,
        email_recipients: recipients,
    });
    for u in uploads {
        // The extension was checked by the form.
        let _ = store_attachment(db, fid, u, None);
    }
    let body = ticket_json(db, cx, &ticket);
    api.reply(db, cx, 201, body)
}

pub(super) fn ticket_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let mut t = match api.lookup(db, cx, pk, "Ticket", &db.tickets) {
        Ok(row) => row,
        Err(r) => return r,
    };
    match cx.method {
        Method::DELETE => {
            db.delete_ticket(t.id);
            api.reply(db, cx, 204, Value::Null)
        }
        Method::PUT | Method::PATCH => {
            let full = cx.method == Method::PUT;
            let form_fix = |data: &mut Map<String, Value>| {
                blank_to_null(data, &TICKET_FORM_NULLABLE);
                if full && !data.contains_key("on_hold") {
                    data.insert("on_hold".into(), Value::Bool(false));
                }
            };
            let validate = |db: &Db, data: &Map<String, Value>| validate_ticket(db, data, full);
            let (input, _) = match api.validated(db, cx, form_fix, validate) {
                Ok(v) => v,
                Err(r) => return r,
            };
            if let Some(q) = input.queue {
                t.queue = q;
            }
            if let Some(v) = input.title {
                t.title = v;
            }
            if let Some(v) = input.description {
                t.description = v;
            }
            if let Some(v) = input.resolution {
                t.resolution = v;
            }
            if let Some(v) = input.submitter_email {
                t.submitter_email = v;
            }
            if let Some(v) = input.assigned_to {
                t.assigned_to = v;
            }
            if let Some(v) = input.status {
                t.status = v;
            }
            if let Some(v) = input.on_hold {
                t.on_hold = v;
            }
            if let Some(Some(v)) = input.priority {
                t.priority = v;
            }
            if let Some(v) = input.due_date {
                t.due_date = v;
            }
            if let Some(v) = input.merged_to {
                t.merged_to = v;
            }
            t.modified = now();
            db.tickets.insert(t.id, t.clone());
            let body = ticket_json(db, cx, &t);
            api.reply(db, cx, 200, body)
        }
        _ => {
            let body = ticket_json(db, cx, &t);
            api.reply(db, cx, 200, body)
        }
    }
}
