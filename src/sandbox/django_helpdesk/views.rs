//! The plain Django views: login (with `next` and the CSRF rotation), logout (POST only), the
//! home page, the staff dashboard, and `/media/` for attachments.
//!
//! Must not: go through DRF (no negotiation or token auth here), or skip the CSRF check
//! [`super::routes`] makes before them.

use axum::http::header::{ALLOW, VARY};
use axum::http::{Method, StatusCode};

use super::encoding::{esc, percent_decode, quote_path};
use super::http::{Cx, new_session_key, not_found_html};
use super::state::{CLOSED, Db, HttpSession, RESOLVED};
use crate::sandbox::kit::reply::Reply;

/// `url_has_allowed_host_and_scheme` for the `next` parameter.
fn safe_next(next: &str, host: &str) -> Option<String> {
    if next.is_empty() || next.starts_with("//") || next.starts_with("/\\") {
        return None;
    }
    if next.starts_with('/') {
        return Some(next.to_string());
    }
    let u = url::Url::parse(next).ok()?;
    let same_host = match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}") == host,
        (Some(h), None) => h == host,
        _ => false,
    };
    (matches!(u.scheme(), "http" | "https") && same_host).then(|| next.to_string())
}

/// helpdesk's base template around a page body.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        include_str!("templates/page.html"),
        title = esc(title),
        body = body
    )
}

fn login_page(cx: &mut Cx, next: &str, failed: bool) -> Reply {
    let token = cx.get_token();
    let error = if failed {
        "<p class=\"text-danger\">Your username and password didn't match. Please try again.</p>\n"
    } else {
        ""
    };
    let body = format!(
        include_str!("templates/login.html"),
        error = error,
        token = token,
        next = esc(next)
    );
    Reply::html(StatusCode::OK, page("Login", &body)).header(VARY, "Cookie")
}

/// `django.contrib.auth.login`: keeps, cycles or flushes the session, then rotates the CSRF
/// secret.
fn do_login(db: &mut Db, cx: &mut Cx, uid: u64) {
    let old = cx
        .session_key
        .take()
        .and_then(|k| db.sessions.remove(&k).map(|s| (k, s)));
    let (key, data) = match old {
        // Same user: the session is kept as it is.
        Some((k, s)) if s.user == Some(uid) => (k, s),
        // Anonymous session: cycle_key() keeps the data under a new key.
        Some((_, s)) if s.user.is_none() => (new_session_key(db), s),
        // Another user's session, or none: a fresh one.
        _ => (new_session_key(db), HttpSession::default()),
    };
    db.sessions.insert(
        key.clone(),
        HttpSession {
            user: Some(uid),
            ..data
        },
    );
    cx.session_key = Some(key);
    cx.session_dirty = true;
    cx.rotate_csrf();
}

pub(super) fn login_view(db: &mut Db, cx: &mut Cx) -> Reply {
    match cx.method {
        Method::GET | Method::HEAD => {
            let next = cx.query_get("next").unwrap_or_default();
            login_page(cx, &next, false)
        }
        Method::POST | Method::PUT => {
            let username = cx.form_value("username").unwrap_or_default();
            let password = cx.form_value("password").unwrap_or_default();
            let next = cx
                .form_value("next")
                .or_else(|| cx.query_get("next"))
                .unwrap_or_default();
            match db.authenticate(&username, &password) {
                Some(uid) if !username.is_empty() && !password.is_empty() => {
                    do_login(db, cx, uid);
                    let to = safe_next(&next, &cx.host).unwrap_or_else(|| "/".to_string());
                    Reply::redirect(302, &to).header(VARY, "Cookie")
                }
                _ => login_page(cx, &next, true),
            }
        }
        Method::OPTIONS => Reply::empty(StatusCode::OK).header(ALLOW, "GET, POST, PUT, OPTIONS"),
        _ => Reply::method_not_allowed("GET, POST, PUT, OPTIONS"),
    }
}

pub(super) fn logout_view(db: &mut Db, cx: &mut Cx) -> Reply {
    match cx.method {
        Method::POST => {
            cx.flush_session(db);
            let next = cx
                .form_value("next")
                .or_else(|| cx.query_get("next"))
                .unwrap_or_default();
            if let Some(to) = safe_next(&next, &cx.host) {
                return Reply::redirect(302, &to);
            }
            Reply::html(
                StatusCode::OK,
                page("Logged Out", include_str!("templates/logged_out.html")),
            )
        }
        Method::OPTIONS => Reply::empty(StatusCode::OK).header(ALLOW, "POST, OPTIONS"),
        _ => Reply::method_not_allowed("POST, OPTIONS"),
    }
}

/// `redirect_to_login`: `302 /login/?next=<the full path>`.
pub(super) fn redirect_to_login(cx: &Cx) -> Reply {
    let next = percent_decode(&cx.full_path());
    Reply::redirect(302, &format!("/login/?next={}", quote_path(&next)))
}

pub(super) fn home_view(db: &mut Db, cx: &mut Cx) -> Reply {
    if !matches!(cx.method, Method::GET | Method::HEAD | Method::POST) {
        return Reply::method_not_allowed("GET, HEAD, POST");
    }
    if let Some(uid) = cx.session_user(db)
        && db.is_staff(uid)
    {
        return Reply::redirect(302, "/dashboard/");
    }
    Reply::html(
        StatusCode::OK,
        page("Welcome to Helpdesk", include_str!("templates/home.html")),
    )
}

pub(super) fn dashboard_view(db: &mut Db, cx: &mut Cx) -> Reply {
    let Some(uid) = cx.session_user(db).filter(|u| db.is_staff(*u)) else {
        return redirect_to_login(cx);
    };
    let mut rows = String::new();
    for q in &db.queues {
        let count = |statuses: &[i64]| {
            db.tickets
                .values()
                .filter(|t| t.queue == q.id && statuses.contains(&t.status))
                .count()
        };
        rows.push_str(&format!(
            include_str!("templates/dashboard_row.html"),
            id = q.id,
            title = esc(&q.title),
            open = count(&[1, 2]),
            resolved = count(&[RESOLVED]),
            closed = count(&[CLOSED])
        ));
    }
    let username = db.user(uid).map(|u| u.username.clone()).unwrap_or_default();
    Reply::html(
        StatusCode::OK,
        page(
            "Helpdesk Dashboard",
            &format!(
                include_str!("templates/dashboard.html"),
                username = esc(&username),
                rows = rows
            ),
        ),
    )
    .header(VARY, "Cookie")
}

/// `django.views.static.serve` for attachments (no auth, as in the reference setup).
pub(super) fn media_view(db: &mut Db, cx: &mut Cx, path: &str) -> Reply {
    if !matches!(cx.method, Method::GET | Method::HEAD) {
        return Reply::method_not_allowed("GET, HEAD");
    }
    match db.attachments.values().find(|a| a.path == path) {
        Some(a) => {
            let content_type = Some(a.mime_type.clone());
            Reply::raw(StatusCode::OK, content_type, a.data.clone())
        }
        None => not_found_html(),
    }
}
