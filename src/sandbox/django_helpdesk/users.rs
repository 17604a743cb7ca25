//! `/api/users/` (create only, superusers only, the answer without an id) and
//! `/api/user_tickets/` (the tickets submitted with the user's e-mail address).
//!
//! Must not: make a created user staff, or show a user another submitter's tickets.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::drf::Api;
use super::drf::serializers::drf_dt;
use super::drf::validation::{field, required_field, v_char, v_email};
use super::http::{Cx, detail, server_error_html};
use super::state::{Db, Ticket, User, get_status};
use super::urls::url_pk;
use crate::sandbox::kit::reply::Reply;

/// Django's `UnicodeUsernameValidator` message.
const INVALID_USERNAME: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
static USERNAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w.@+-]+$").expect("a valid regex"));

/// `POST /api/users/`: create only, the answer has no id, new users are not staff.
pub(super) fn user_create(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    if !api
        .user
        .and_then(|u| db.user(u))
        .is_some_and(|u| u.superuser)
    {
        return api.reply(
            db,
            cx,
            403,
            detail("You do not have permission to perform this action."),
        );
    }
    let (data, _) = match api.object_data(db, cx) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut e = Map::new();
    let username = required_field(&mut e, &data, "username", |v| {
        v_char(v, Some(150), false, false)
    })
    .and_then(|u| {
        if !USERNAME.is_match(&u) {
            e.insert("username".into(), json!([INVALID_USERNAME]));
            None
        } else if db.user_by_name(&u).is_some() {
            e.insert(
                "username".into(),
                json!(["A user with that username already exists."]),
            );
            None
        } else {
            Some(u)
        }
    });
    let password = required_field(&mut e, &data, "password", |v| {
        v_char(v, Some(128), false, false)
    });
    let email = data
        .get("email")
        .and_then(|v| field(&mut e, "email", v_email(v, false)))
        .flatten()
        .unwrap_or_default();
    let first_name = data
        .get("first_name")
        .and_then(|v| field(&mut e, "first_name", v_char(v, Some(150), true, false)))
        .flatten()
        .unwrap_or_default();
    let last_name = data
        .get("last_name")
        .and_then(|v| field(&mut e, "last_name", v_char(v, Some(150), true, false)))
        .flatten()
        .unwrap_or_default();
    if !e.is_empty() {
        return api.reply(db, cx, 400, Value::Object(e));
    }
    let (Some(username), Some(password)) = (username, password) else {
        return server_error_html();
    };
    let id = db.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
    db.users.push(User {
        id,
        username: username.clone(),
        password,
        email: email.clone(),
        first_name: first_name.clone(),
        last_name: last_name.clone(),
        staff: false,
        superuser: false,
        agent: false,
        active: true,
    });
    let body = json!({
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "email": email,
    });
    api.reply(db, cx, 201, body)
}

/// `PublicTicketListingSerializer`.
fn public_ticket_json(db: &Db, t: &Ticket) -> Value {
    json!({
        "ticket": format!("{} [{}]", t.id, db.ticket_for_url(t)),
        "id": t.id,
        "title": t.title,
        "queue": { "title": db.queue_title(t.queue), "id": t.queue },
        "status": get_status(t),
        "created": drf_dt(&t.created),
        "due_date": t.due_date.as_ref().map(drf_dt),
        "submitter": t.submitter_email,
        "kbitem": "",
        "secret_key": t.secret_key,
    })
}

fn own_tickets(db: &Db, uid: Option<u64>) -> Vec<&Ticket> {
    let email = uid
        .and_then(|u| db.user(u))
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let mut v: Vec<&Ticket> = db
        .tickets
        .values()
        .filter(|t| !email.is_empty() && t.submitter_email.as_deref() == Some(email.as_str()))
        .collect();
    v.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
    v
}

pub(super) fn user_tickets_list(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let mine = own_tickets(db, api.user);
    api.paged(db, cx, &mine, |db, _, t| public_ticket_json(db, t))
}

pub(super) fn user_ticket_detail(db: &mut Db, cx: &mut Cx, api: &Api, pk: &str) -> Reply {
    let Some(id) = url_pk(pk) else {
        return api.reply(db, cx, 404, detail("Not found."));
    };
    let found = own_tickets(db, api.user)
        .into_iter()
        .find(|t| i64::try_from(t.id).ok() == Some(id))
        .map(|t| public_ticket_json(db, t));
    match found {
        Some(body) => api.reply(db, cx, 200, body),
        None => api.not_found(db, cx, "Ticket"),
    }
}
