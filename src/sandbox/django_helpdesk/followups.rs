//! `/api/followups/`: creation through helpdesk's `update_ticket()` (status change and title
//! suffix, rename, resolution, e-mail recipients, the comment rendered as a template, the
//! attachments), the list, and plain row edits.
//!
//! Must not: touch the ticket on a row edit (upstream does not), or render comments other
//! than [`super::templates`] does.

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::attachments::store_attachment;
use super::dates::now;
use super::drf::Api;
use super::drf::serializers::followup_json;
use super::drf::validation::{
    NOT_A_FILE, blank_to_null, field, require, v_bool, v_char, v_choice, v_duration, v_pk,
};
use super::encoding::py_type;
use super::http::{Cx, server_error_html};
use super::state::{CLOSED, Db, FollowUp, RESOLVED, STATUSES, status_name};
use super::templates::{render_followup_comment, template_context};
use crate::sandbox::kit::reply::Reply;

#[derive(Default)]
struct FollowUpFields {
    pub(super) ticket: Option<u64>,
    pub(super) user: Option<Option<u64>>,
    pub(super) title: Option<Option<String>>,
    pub(super) comment: Option<Option<String>>,
    pub(super) public: Option<bool>,
    pub(super) new_status: Option<Option<i64>>,
    pub(super) time_spent: Option<Option<i64>>,
    pub(super) message_id: Option<Option<String>>,
}

const FOLLOWUP_FORM_NULLABLE: [&str; 4] = ["user", "new_status", "time_spent", "ticket"];

fn validate_followup(
    db: &Db,
    data: &Map<String, Value>,
    full: bool,
) -> Result<FollowUpFields, Map<String, Value>> {
    let mut e = Map::new();
    let mut out = FollowUpFields::default();
    match data.get("ticket") {
        None if full => require(&mut e, "ticket"),
        None => {}
        Some(v) => {
            out.ticket = field(
                &mut e,
                "ticket",
                v_pk(v, false, |n| db.tickets.contains_key(&n)),
            )
            .flatten();
        }
    }
    if let Some(v) = data.get("user") {
        out.user = field(&mut e, "user", v_pk(v, true, |n| db.user(n).is_some()));
    }
    if let Some(v) = data.get("title") {
        out.title = field(&mut e, "title", v_char(v, Some(200), true, true));
    }
    if let Some(v) = data.get("comment") {
        out.comment = field(&mut e, "comment", v_char(v, None, true, true));
    }
    if let Some(v) = data.get("public") {
        out.public = field(&mut e, "public", v_bool(v));
    }
    if let Some(v) = data.get("new_status") {
        out.new_status = field(&mut e, "new_status", v_choice(v, &STATUSES, true, true));
    }
    if let Some(v) = data.get("time_spent") {
        out.time_spent = field(&mut e, "time_spent", v_duration(v));
    }
    if let Some(v) = data.get("message_id") {
        out.message_id = field(&mut e, "message_id", v_char(v, Some(256), true, true));
    }
    match data.get("attachments") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(Value::Array(a)) => {
            let per_item: Map<String, Value> = (0..a.len())
                .map(|i| (i.to_string(), json!([NOT_A_FILE])))
                .collect();
            e.insert("attachments".into(), Value::Object(per_item));
        }
        Some(Value::String(s)) if s.is_empty() => {}
        Some(other) => {
            e.insert(
                "attachments".into(),
                json!([format!(
                    "Expected a list of items but got type \"{}\".",
                    py_type(other)
                )]),
            );
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

/// Blank nullable fields of a form mean null.
fn followup_form_fix(data: &mut Map<String, Value>) {
    blank_to_null(data, &FOLLOWUP_FORM_NULLABLE);
}

pub(super) fn followups_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let mut all: Vec<&FollowUp> = db.followups.values().collect();
    all.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
    api.paged(db, cx, &all, |db, cx, f| followup_json(db, cx, f))
}

/// `POST /api/followups/`: helpdesk's `update_ticket()`.
pub(super) fn followup_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let validate = |db: &Db, data: &Map<String, Value>| validate_followup(db, data, true);
    let (input, parsed) = match api.validated(db, cx, followup_form_fix, validate) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(tid), Some(uid)) = (input.ticket, api.user) else {
        return server_error_html();
    };
    let Some(mut ticket) = db.tickets.get(&tid).cloned() else {
        return server_error_html();
    };
    let comment = match input.comment {
        None => String::new(),
        // `comment.replace(...)` on None.
        Some(None) => return server_error_html(),
        Some(Some(c)) => c,
    };
    let context = template_context(db, &ticket);
    let Ok(rendered) = render_followup_comment(&comment, &context) else {
        return server_error_html();
    };
    let title = match input.title {
        None | Some(None) => ticket.title.clone(),
        Some(Some(t)) => t,
    };
    let new_status = input.new_status.flatten().unwrap_or(ticket.status);
    let at = now();
    let mut f = FollowUp {
        id: 0,
        ticket: tid,
        user: db.is_staff(uid).then_some(uid),
        title: Some(title.clone()),
        comment: Some(rendered.clone()),
        public: input.public.unwrap_or(false),
        new_status: None,
        time_spent: input.time_spent.flatten(),
        date: at,
        message_id: input.message_id.flatten(),
        email_recipients: Vec::new(),
    };
    if new_status != ticket.status {
        ticket.status = new_status;
        ticket.modified = at;
        f.new_status = Some(new_status);
        let shown = status_name(new_status);
        f.title = Some(if title.is_empty() {
            shown
        } else {
            format!("{title} and {shown}")
        });
        db.tickets.insert(tid, ticket.clone());
    }
    if f.title.as_deref() == Some("") {
        f.title = Some(
            if rendered.is_empty() {
                "Updated"
            } else {
                "Comment"
            }
            .to_string(),
        );
    }
    let mails =
        f.public && (!rendered.is_empty() || matches!(f.new_status, Some(RESOLVED | CLOSED)));
    if mails && let Some(to) = ticket.submitter_email.clone().filter(|e| !e.is_empty()) {
        f.email_recipients.push(to);
    }
    let fid = db.add_followup(f);
    for u in parsed.files.iter().filter(|u| u.field == "attachments") {
        if u.data.is_empty() {
            continue;
        }
        // The follow-up (and a status change) is already saved: no transaction upstream.
        if store_attachment(db, fid, u, None).is_err() {
            return server_error_html();
        }
    }
    if !title.is_empty() && title != ticket.title {
        ticket.title = title;
    }
    if new_status == RESOLVED || (new_status == CLOSED && ticket.resolution.is_none()) {
        ticket.resolution = Some(rendered);
    }
    ticket.modified = now();
    db.tickets.insert(tid, ticket);
    let body = match db.followups.get(&fid) {
        Some(f) => followup_json(db, cx, f),
        None => Value::Null,
    };
    api.reply(db, cx, 201, body)
}

pub(super) fn followup_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let mut f = match api.lookup(db, cx, pk, "FollowUp", &db.followups) {
        Ok(row) => row,
        Err(r) => return r,
    };
    match cx.method {
        Method::DELETE => {
            db.followups.remove(&f.id);
            db.attachments.retain(|_, a| a.followup != f.id);
            api.reply(db, cx, 204, Value::Null)
        }
        Method::PUT | Method::PATCH => {
            let full = cx.method == Method::PUT;
            let validate = |db: &Db, data: &Map<String, Value>| validate_followup(db, data, full);
            let (input, _) = match api.validated(db, cx, followup_form_fix, validate) {
                Ok(v) => v,
                Err(r) => return r,
            };
            // A plain row edit: the ticket is not touched.
            if let Some(t) = input.ticket {
                f.ticket = t;
            }
            if let Some(u) = input.user {
                f.user = u;
            }
            if let Some(v) = input.title {
                f.title = v;
            }
            if let Some(v) = input.comment {
                f.comment = v;
            }
            if let Some(v) = input.public {
                f.public = v;
            }
            if let Some(v) = input.new_status {
                f.new_status = v;
            }
            if let Some(v) = input.time_spent {
                f.time_spent = v;
            }
            if let Some(v) = input.message_id {
                f.message_id = v;
            }
            db.followups.insert(f.id, f.clone());
            let body = followup_json(db, cx, &f);
            api.reply(db, cx, 200, body)
        }
        _ => {
            let body = followup_json(db, cx, &f);
            api.reply(db, cx, 200, body)
        }
    }
}
