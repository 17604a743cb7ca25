//! The serializers' output: tickets with their follow-ups, follow-ups with their attachments,
//! attachments, and DRF's date-time format (status and priority names are the models', in
//! `state`).
//!
//! Must not: validate input or change state.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::super::dates::duration_string;
use super::super::encoding::quote_path;
use super::super::http::Cx;
use super::super::state::{Attachment, Db, FollowUp, Ticket};

/// DRF's `DateTimeField` output: ISO 8601 in UTC, `Z`, microseconds when there are any.
pub(in super::super) fn drf_dt(d: &DateTime<Utc>) -> String {
    if d.timestamp_subsec_micros() == 0 {
        d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

pub(in super::super) fn attachment_json(cx: &Cx, a: &Attachment) -> Value {
    json!({
        "id": a.id,
        "followup": a.followup,
        "file": cx.absolute(&format!("/media/{}", quote_path(&a.path))),
        "filename": a.filename,
        "mime_type": a.mime_type,
        "size": a.size,
    })
}

pub(in super::super) fn followup_json(db: &Db, cx: &Cx, f: &FollowUp) -> Value {
    let attachments: Vec<Value> = db
        .attachments
        .values()
        .filter(|a| a.followup == f.id)
        .map(|a| attachment_json(cx, a))
        .collect();
    json!({
        "id": f.id,
        "ticket": f.ticket,
        "user": f.user,
        "title": f.title,
        "comment": f.comment,
        "public": f.public,
        "new_status": f.new_status,
        "time_spent": f.time_spent.map(duration_string),
        "followupattachment_set": attachments,
        "date": drf_dt(&f.date),
        "message_id": f.message_id,
        "email_recipients": f.email_recipients,
    })
}

pub(in super::super) fn ticket_json(db: &Db, cx: &Cx, t: &Ticket) -> Value {
    let followups: Vec<Value> = db
        .followups_of(t.id)
        .into_iter()
        .map(|f| followup_json(db, cx, f))
        .collect();
    json!({
        "id": t.id,
        "queue": t.queue,
        "title": t.title,
        "description": t.description,
        "resolution": t.resolution,
        "submitter_email": t.submitter_email,
        "assigned_to": t.assigned_to,
        "status": t.status,
        "on_hold": t.on_hold,
        "priority": t.priority,
        "due_date": t.due_date.as_ref().map(drf_dt),
        "merged_to": t.merged_to,
        "followup_set": followups,
    })
}
