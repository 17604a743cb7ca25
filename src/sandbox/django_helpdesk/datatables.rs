//! The UI's session-only `datatables_ticket_list` view: its base64 query with the filter and
//! sort allow-lists, the search, ordering, slicing, and `DatatablesTicketSerializer`'s rows.
//!
//! Must not: accept token or basic auth (Django's session only), or a filter key outside the
//! allow-list (400).

use std::cmp::Ordering;

use axum::http::header::ALLOW;
use axum::http::{Method, StatusCode};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::dates::{naturaltime, parse_datetime_input};
use super::drf::auth::authenticate;
use super::drf::negotiation::{NOT_ACCEPTABLE, negotiate};
use super::encoding::python_int;
use super::http::{Cx, bad_request_html, detail, server_error_html};
use super::options::metadata;
use super::state::{Db, Ticket, get_status};
use super::views::redirect_to_login;
use crate::sandbox::kit::reply::Reply;

/// The view's docstring, which its OPTIONS answer carries.
const DATATABLES_DOC: &str = "Datatable on ticket_list.html uses this view from to get objects to display\non the table. query_tickets_by_args is at lib.py, DatatablesTicketSerializer is in\nserializers.py. The serializers and this view use django-rest_framework methods";

const ALLOWED_FILTER_FIELDS: [&str; 12] = [
    "queue__id__in",
    "queue__id__isnull",
    "assigned_to__id__in",
    "assigned_to__id__isnull",
    "status__in",
    "status__isnull",
    "priority__in",
    "priority__isnull",
    "kbitem__in",
    "kbitem__isnull",
    "created__gte",
    "created__lte",
];
const VALID_SORT_FIELDS: [&str; 11] = [
    "status",
    "assigned_to",
    "created",
    "title",
    "queue",
    "priority",
    "last_followup",
    "kbitem",
    "modified",
    "due_date",
    "id",
];
const ORDER_COLUMNS: [(&str, &str); 11] = [
    ("0", "id"),
    ("1", "title"),
    ("2", "priority"),
    ("3", "queue"),
    ("4", "status"),
    ("5", "created"),
    ("6", "due_date"),
    ("7", "assigned_to"),
    ("8", "submitter_email"),
    ("9", "last_followup"),
    ("11", "kbitem"),
];

#[derive(Debug, Clone)]
enum DtFilter {
    In(&'static str, Vec<i64>),
    IsNull(&'static str, bool),
    CreatedGte(DateTime<Utc>),
    CreatedLte(DateTime<Utc>),
}

/// Why a datatables query fails: 400 (a key outside the allow-list) or 500 (anything the ORM
/// or Python would choke on).
enum DtError {
    BadRequest,
    ServerError,
}

fn dt_field(key: &str) -> &'static str {
    ["queue", "assigned_to", "status", "priority"]
        .into_iter()
        .find(|f| {
            key.strip_prefix(f)
                .is_some_and(|rest| rest.starts_with("__"))
        })
        .unwrap_or("kbitem")
}

fn dt_int(v: &Value) -> Result<i64, DtError> {
    match v {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })
            .ok_or(DtError::ServerError),
        Value::String(s) => python_int(s).ok_or(DtError::ServerError),
        _ => Err(DtError::ServerError),
    }
}

fn dt_build(key: &str, v: &Value) -> Result<DtFilter, DtError> {
    if key == "created__gte" || key == "created__lte" {
        let d = v
            .as_str()
            .and_then(parse_datetime_input)
            .ok_or(DtError::ServerError)?;
        return Ok(if key == "created__gte" {
            DtFilter::CreatedGte(d)
        } else {
            DtFilter::CreatedLte(d)
        });
    }
    let field = dt_field(key);
    if key.ends_with("__isnull") {
        return match v {
            Value::Bool(b) => Ok(DtFilter::IsNull(field, *b)),
            _ => Err(DtError::ServerError),
        };
    }
    let values = match v {
        Value::Array(a) => a.iter().map(dt_int).collect::<Result<Vec<_>, _>>()?,
        Value::String(s) => s
            .chars()
            .map(|c| dt_int(&Value::String(c.to_string())))
            .collect::<Result<Vec<_>, _>>()?,
        Value::Object(m) => m
            .keys()
            .map(|k| dt_int(&Value::String(k.clone())))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(DtError::ServerError),
    };
    Ok(DtFilter::In(field, values))
}

fn dt_value(t: &Ticket, field: &str) -> Option<i64> {
    match field {
        "queue" => i64::try_from(t.queue).ok(),
        "assigned_to" => t.assigned_to.and_then(|u| i64::try_from(u).ok()),
        "status" => Some(t.status),
        "priority" => Some(t.priority),
        _ => None,
    }
}

fn dt_matches(f: &DtFilter, t: &Ticket) -> bool {
    match f {
        DtFilter::In(field, values) => dt_value(t, field).is_some_and(|v| values.contains(&v)),
        DtFilter::IsNull(field, null) => dt_value(t, field).is_none() == *null,
        DtFilter::CreatedGte(d) => t.created >= *d,
        DtFilter::CreatedLte(d) => t.created <= *d,
    }
}

fn icontains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// `get_search_filter_args`.
fn search_matches(db: &Db, t: &Ticket, search: &str) -> bool {
    if search.is_empty() {
        return true;
    }
    if let Some(q) = search.strip_prefix("queue:") {
        return icontains(&db.queue_title(t.queue), q);
    }
    if let Some(p) = search.strip_prefix("priority:") {
        return icontains(&t.priority.to_string(), p);
    }
    let parts: Vec<&str> = search
        .split("OR")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return true;
    }
    let db_datetime = |d: &DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let assignee_email = t
        .assigned_to
        .and_then(|u| db.user(u))
        .map(|u| u.email.clone())
        .unwrap_or_default();
    parts.iter().any(|s| {
        icontains(&t.id.to_string(), s)
            || icontains(&t.title, s)
            || t.description.as_deref().is_some_and(|d| icontains(d, s))
            || icontains(&t.priority.to_string(), s)
            || t.resolution.as_deref().is_some_and(|r| icontains(r, s))
            || t.submitter_email
                .as_deref()
                .is_some_and(|e| icontains(e, s))
            || (!assignee_email.is_empty() && icontains(&assignee_email, s))
            || icontains(&db_datetime(&t.created), s)
            || t.due_date
                .as_ref()
                .is_some_and(|d| icontains(&db_datetime(d), s))
    })
}

pub(super) fn last_followup(db: &Db, t: &Ticket) -> Option<DateTime<Utc>> {
    db.followups
        .values()
        .filter(|f| f.ticket == t.id)
        .map(|f| f.date)
        .max()
}

/// `Ticket.time_spent` (the sum over its follow-ups), formatted by `format_time_spent`.
fn format_time_spent(db: &Db, t: &Ticket) -> String {
    let total: i64 = db
        .followups
        .values()
        .filter(|f| f.ticket == t.id)
        .filter_map(|f| f.time_spent)
        .sum();
    if total == 0 {
        return String::new();
    }
    let secs = total.div_euclid(1_000_000);
    format!(
        "{:02}h:{:02}m",
        secs.div_euclid(3600),
        secs.rem_euclid(3600).div_euclid(60)
    )
}

fn priority_css(p: i64) -> &'static str {
    match p {
        1 => "danger",
        2 => "warning",
        5 => "success",
        _ => "",
    }
}

/// `DatatablesTicketSerializer`.
fn datatables_row(db: &Db, t: &Ticket, at: DateTime<Utc>) -> Value {
    let assigned = match t.assigned_to.and_then(|u| db.user(u)) {
        Some(u) if !u.full_name().is_empty() => u.full_name(),
        Some(u) if !u.email.is_empty() => u.email.clone(),
        Some(u) => u.username.clone(),
        None => "None".to_string(),
    };
    json!({
        "ticket": format!("{} [{}]", t.id, db.ticket_for_url(t)),
        "id": t.id,
        "priority": t.priority,
        "title": t.title,
        "queue": { "title": db.queue_title(t.queue), "id": t.queue },
        "status": get_status(t),
        "created": naturaltime(t.created, at),
        "due_date": t.due_date.map(|d| naturaltime(d, at)),
        "assigned_to": assigned,
        "submitter": t.submitter_email,
        "last_followup": last_followup(db, t).map(|d| naturaltime(d, at)),
        "row_class": priority_css(t.priority),
        "time_spent": format_time_spent(db, t),
        "kbitem": "",
    })
}

pub(super) fn datatables_view(db: &mut Db, cx: &mut Cx, query: &str) -> Reply {
    // @helpdesk_staff_member_required: Django's session user only.
    if !cx.session_user(db).is_some_and(|u| db.is_staff(u)) {
        return redirect_to_login(cx);
    }
    // @api_view(["GET"])
    if negotiate(cx).is_err() {
        return Reply::json(StatusCode::NOT_ACCEPTABLE, detail(NOT_ACCEPTABLE));
    }
    if cx.is_unsafe()
        && let Err(reason) = authenticate(db, cx)
    {
        return Reply::json(StatusCode::FORBIDDEN, detail(&reason));
    }
    match cx.method {
        Method::GET | Method::HEAD => {}
        Method::OPTIONS => {
            let doc = metadata("Datatables Ticket List", DATATABLES_DOC);
            return Reply::ok(doc).header(ALLOW, "GET, OPTIONS");
        }
        _ => {
            let not_allowed = detail(&format!("Method \"{}\" not allowed.", cx.method));
            return Reply::json(StatusCode::METHOD_NOT_ALLOWED, not_allowed)
                .header(ALLOW, "GET, OPTIONS");
        }
    }
    match datatables_context(db, cx, query) {
        Ok(v) => Reply::django_json(200, &v),
        Err(DtError::BadRequest) => bad_request_html(),
        Err(DtError::ServerError) => server_error_html(),
    }
}

fn datatables_context(db: &Db, cx: &Cx, query: &str) -> Result<Value, DtError> {
    use DtError::{BadRequest, ServerError};
    let raw = base64::engine::general_purpose::STANDARD
        .decode(query)
        .map_err(|_| ServerError)?;
    let text = String::from_utf8(raw).map_err(|_| ServerError)?;
    let Value::Object(params) = serde_json::from_str::<Value>(&text).map_err(|_| ServerError)?
    else {
        return Err(ServerError);
    };
    let search = match params.get("search_string") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ServerError),
    };
    let object = |key: &str| -> Result<Vec<(String, Value)>, DtError> {
        match params.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            Some(_) => Err(ServerError),
        }
    };
    let mut value_filters = object("filtering")?;
    let mut null_filters = object("filtering_null")?;
    if value_filters
        .iter()
        .chain(null_filters.iter())
        .any(|(k, _)| !ALLOWED_FILTER_FIELDS.contains(&k.as_str()))
    {
        return Err(BadRequest);
    }
    match params.get("sorting") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::String(s)) if s.is_empty() || VALID_SORT_FIELDS.contains(&s.as_str()) => {}
        Some(Value::String(_)) => return Err(BadRequest),
        Some(_) => return Err(ServerError),
    }
    // An `__isnull` filter and a value filter on the same field are OR-ed.
    let mut groups: Vec<Vec<DtFilter>> = Vec::new();
    if !null_filters.is_empty() && !value_filters.is_empty() {
        let mut matched = Vec::new();
        for (nk, nv) in &null_filters {
            let field_path = &nk[..nk.len().saturating_sub(8)];
            if let Some(pos) = value_filters
                .iter()
                .position(|(vk, _)| vk.starts_with(field_path))
            {
                let (vk, vv) = value_filters.remove(pos);
                groups.push(vec![dt_build(&vk, &vv)?, dt_build(nk, nv)?]);
                matched.push(nk.clone());
            }
        }
        null_filters.retain(|(k, _)| !matched.contains(k));
    }
    for (k, v) in value_filters.iter().chain(null_filters.iter()) {
        groups.push(vec![dt_build(k, v)?]);
    }
    let mut rows: Vec<&Ticket> = db
        .tickets
        .values()
        .filter(|t| groups.iter().all(|g| g.iter().any(|f| dt_matches(f, t))))
        .filter(|t| search_matches(db, t, &search))
        .collect();
    let total = rows.len();
    let param = |k: &str| cx.query_get(k);
    let int_param = |k: &str, default: i64| -> Result<i64, DtError> {
        match param(k) {
            None => Ok(default),
            Some(s) => python_int(&s).ok_or(ServerError),
        }
    };
    let draw = int_param("draw", 0)?;
    let length = int_param("length", 25)?;
    let start = int_param("start", 0)?;
    if let Some(sv) = param("search[value]").filter(|s| !s.is_empty()) {
        rows.retain(|t| search_matches(db, t, &sv));
    }
    let count = rows.len();
    let column = param("order[0][column]").unwrap_or_else(|| "5".to_string());
    let Some((_, order_by)) = ORDER_COLUMNS.iter().find(|(n, _)| *n == column) else {
        return Err(ServerError);
    };
    let desc = param("order[0][dir]").as_deref() == Some("desc");
    let key_cmp = |a: &&Ticket, b: &&Ticket| -> Ordering {
        match *order_by {
            "id" => a.id.cmp(&b.id),
            "title" => a.title.cmp(&b.title),
            "priority" => a.priority.cmp(&b.priority),
            "queue" => db.queue_title(a.queue).cmp(&db.queue_title(b.queue)),
            "status" => a.status.cmp(&b.status),
            "created" => a.created.cmp(&b.created),
            "due_date" => a.due_date.cmp(&b.due_date),
            "assigned_to" => a.assigned_to.cmp(&b.assigned_to),
            "submitter_email" => a.submitter_email.cmp(&b.submitter_email),
            "last_followup" => last_followup(db, a).cmp(&last_followup(db, b)),
            _ => Ordering::Equal,
        }
    };
    rows.sort_by(|a, b| {
        let o = key_cmp(a, b);
        if desc { o.reverse() } else { o }.then(a.id.cmp(&b.id))
    });
    // Django refuses negative slice bounds.
    let stop = start.checked_add(length).ok_or(ServerError)?;
    if start < 0 || stop < 0 {
        return Err(ServerError);
    }
    let from = usize::try_from(start).unwrap_or(usize::MAX).min(rows.len());
    let to = usize::try_from(stop)
        .unwrap_or(usize::MAX)
        .min(rows.len())
        .max(from);
    let at = Utc::now();
    let data: Vec<Value> = rows[from..to]
        .iter()
        .map(|t| datatables_row(db, t, at))
        .collect();
    Ok(json!({
        "data": data,
        "recordsFiltered": count,
        "recordsTotal": total,
        "draw": draw,
    }))
}
