//! `/api/followups-attachments/` and the stored files: the extension allow-list, MIME types,
//! upload paths under `helpdesk/attachments/`, and the list, create and detail views.
//!
//! Must not: serve the files (that is `/media/` in [`super::views`]) or accept an extension
//! upstream refuses.

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::csrf::CSRF_CHARS;
use super::drf::Api;
use super::drf::serializers::attachment_json;
use super::drf::validation::{NOT_A_FILE, field, required_field, v_char, v_pk};
use super::http::{Cx, server_error_html};
use super::multipart::Upload;
use super::state::{Attachment, Db};
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::text::random_string;

const VALID_EXTENSIONS: [&str; 9] = [
    ".txt", ".asc", ".pdf", ".doc", ".docx", ".odt", ".jpg", ".png", ".eml",
];

/// `validate_file_extension`: the offending extension, if any.
pub(super) fn bad_extension(filename: &str) -> Option<String> {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let ext = match base.rfind('.') {
        Some(i) if i > 0 && !base[..i].chars().all(|c| c == '.') => &base[i..],
        _ => "",
    };
    (!VALID_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())).then(|| ext.to_string())
}

fn guess_mime(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "asc" => "text/plain",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "eml" => "message/rfc822",
        "html" | "htm" => "text/html",
        _ => return None,
    })
}

/// Saves an upload as a FollowUpAttachment; `Err` with the bad extension.
pub(super) fn store_attachment(
    db: &mut Db,
    followup: u64,
    u: &Upload,
    overrides: Option<(Option<String>, Option<String>)>,
) -> Result<u64, String> {
    if let Some(ext) = bad_extension(&u.filename) {
        return Err(ext);
    }
    let dir = db
        .followups
        .get(&followup)
        .and_then(|f| db.tickets.get(&f.ticket))
        .map(|t| {
            format!(
                "helpdesk/attachments/{}-{}/{followup}",
                db.ticket_for_url(t),
                t.secret_key
            )
        })
        .unwrap_or_else(|| format!("helpdesk/attachments/{followup}"));
    let base = u
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&u.filename)
        .to_string();
    let mut stored = base.clone();
    while db
        .attachments
        .values()
        .any(|a| a.path == format!("{dir}/{stored}"))
    {
        let (stem, ext) = match base.rfind('.') {
            Some(i) if i > 0 => (&base[..i], &base[i..]),
            _ => (base.as_str(), ""),
        };
        stored = format!("{stem}_{}{ext}", random_string(7, CSRF_CHARS));
    }
    let (filename, mime) = overrides.unwrap_or((None, None));
    let id = db.next_attachment;
    db.next_attachment += 1;
    let mime_type = mime.unwrap_or_else(|| {
        if u.content_type.is_empty() {
            guess_mime(&base)
                .unwrap_or("application/octet-stream")
                .to_string()
        } else {
            u.content_type.clone()
        }
    });
    db.attachments.insert(
        id,
        Attachment {
            id,
            followup,
            filename: filename.unwrap_or(base),
            mime_type,
            size: u.data.len(),
            path: format!("{dir}/{stored}"),
            data: u.data.clone(),
        },
    );
    Ok(id)
}

pub(super) fn attachments_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let all: Vec<&Attachment> = db.attachments.values().collect();
    api.paged(db, cx, &all, |_, cx, a| attachment_json(cx, a))
}

pub(super) fn attachment_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let (data, parsed) = match api.object_data(db, cx) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut e = Map::new();
    let followup = required_field(&mut e, &data, "followup", |v| {
        v_pk(v, false, |n| db.followups.contains_key(&n))
    });
    let upload = parsed.files.iter().find(|u| u.field == "file");
    match (upload, data.get("file")) {
        (Some(u), _) if u.data.is_empty() => {
            e.insert("file".into(), json!(["The submitted file is empty."]));
        }
        (Some(u), _) => {
            if let Some(ext) = bad_extension(&u.filename) {
                e.insert(
                    "file".into(),
                    json!([format!("Unsupported file extension: {ext}")]),
                );
            }
        }
        (None, Some(v)) if !v.is_null() && v.as_str() != Some("") => {
            e.insert("file".into(), json!([NOT_A_FILE]));
        }
        (None, _) => {
            e.insert("file".into(), json!(["No file was submitted."]));
        }
    }
    let filename = data
        .get("filename")
        .and_then(|v| field(&mut e, "filename", v_char(v, Some(1000), true, true)))
        .flatten()
        .filter(|s| !s.is_empty());
    let mime = data
        .get("mime_type")
        .and_then(|v| field(&mut e, "mime_type", v_char(v, Some(255), true, true)))
        .flatten()
        .filter(|s| !s.is_empty());
    if !e.is_empty() {
        return api.reply(db, cx, 400, Value::Object(e));
    }
    let (Some(fid), Some(u)) = (followup, upload) else {
        return server_error_html();
    };
    let u = u.clone();
    match store_attachment(db, fid, &u, Some((filename, mime))) {
        Ok(id) => {
            let body = db
                .attachments
                .get(&id)
                .map(|a| attachment_json(cx, a))
                .unwrap_or(Value::Null);
            api.reply(db, cx, 201, body)
        }
        Err(_) => server_error_html(),
    }
}

pub(super) fn attachment_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let mut a = match api.lookup(db, cx, pk, "FollowUpAttachment", &db.attachments) {
        Ok(row) => row,
        Err(r) => return r,
    };
    match cx.method {
        Method::DELETE => {
            db.attachments.remove(&a.id);
            api.reply(db, cx, 204, Value::Null)
        }
        Method::PUT | Method::PATCH => {
            let (data, _) = match api.object_data(db, cx) {
                Ok(d) => d,
                Err(r) => return r,
            };
            let mut e = Map::new();
            if let Some(v) = data.get("filename")
                && let Some(Some(s)) = field(&mut e, "filename", v_char(v, Some(1000), true, true))
            {
                a.filename = s;
            }
            if let Some(v) = data.get("mime_type")
                && let Some(Some(s)) = field(&mut e, "mime_type", v_char(v, Some(255), true, true))
            {
                a.mime_type = s;
            }
            if !e.is_empty() {
                return api.reply(db, cx, 400, Value::Object(e));
            }
            db.attachments.insert(a.id, a.clone());
            let body = attachment_json(cx, &a);
            api.reply(db, cx, 200, body)
        }
        _ => {
            let body = attachment_json(cx, &a);
            api.reply(db, cx, 200, body)
        }
    }
}
