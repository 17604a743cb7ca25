//! `django.middleware.csrf`'s `CsrfViewMiddleware` (Django 5.2): the `Origin` and token checks
//! of an unsafe request, and the 403 failure page.
//!
//! Must not: decide which views are exempt (the callers do), or loosen a check the real
//! middleware makes.

use axum::http::{Method, StatusCode};

use super::csrf::{check_token_format, unmask_token};
use super::http::Cx;
use crate::sandbox::kit::reply::Reply;

/// `CsrfViewMiddleware.process_view` for an unsafe request: Ok, or the rejection reason.
fn csrf_check(cx: &Cx, form_token: Option<&str>) -> Result<(), String> {
    if let Some(origin) = cx.header("origin")
        && origin != format!("http://{}", cx.host)
    {
        return Err(format!(
            "Origin checking failed - {origin} does not match any trusted origins."
        ));
    }
    let secret = match cx.cookies.get("csrftoken") {
        None => return Err("CSRF cookie not set.".to_string()),
        Some(c) => {
            check_token_format(c).map_err(|r| format!("CSRF cookie {r}."))?;
            if c.len() == 64 {
                unmask_token(c)
            } else {
                c.clone()
            }
        }
    };
    let (token, source_is_post) = match form_token.filter(|t| !t.is_empty()) {
        Some(t) if cx.method == Method::POST => (t.to_string(), true),
        _ => match cx.header("x-csrftoken") {
            Some(t) => (t, false),
            None => return Err("CSRF token missing.".to_string()),
        },
    };
    let bad = |reason: &str| {
        if source_is_post {
            format!("CSRF token from POST {reason}.")
        } else {
            format!("CSRF token from the 'X-Csrftoken' HTTP header {reason}.")
        }
    };
    check_token_format(&token).map_err(bad)?;
    let given = if token.len() == 64 {
        unmask_token(&token)
    } else {
        token
    };
    if given != secret {
        return Err(bad("incorrect"));
    }
    Ok(())
}

/// The CSRF check of an unsafe request (a POST may carry the token as `csrfmiddlewaretoken`);
/// safe methods pass.
pub(super) fn csrf_protect(cx: &Cx) -> Result<(), String> {
    if !cx.is_unsafe() {
        return Ok(());
    }
    let form_token = if cx.method == Method::POST {
        cx.form_value("csrfmiddlewaretoken")
    } else {
        None
    };
    csrf_check(cx, form_token.as_deref())
}

/// Django's `csrf_failure` view (403, `DEBUG = False`).
pub(super) fn csrf_failure_page(no_cookie: bool) -> Reply {
    let cookie_help = if no_cookie {
        include_str!("templates/csrf_cookie_help.html")
    } else {
        ""
    };
    Reply::html(
        StatusCode::FORBIDDEN,
        format!(
            include_str!("templates/csrf_failure.html"),
            cookie_help = cookie_help
        ),
    )
}
