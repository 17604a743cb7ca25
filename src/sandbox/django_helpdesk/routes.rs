//! The served [`Instance`] and the middleware stack it runs a request through: the fork's
//! middlewares, the URLconf's view (from [`super::urls`]), `APPEND_SLASH`'s 301, and CSRF for
//! the plain Django views.
//!
//! Must not: answer a request itself beyond the redirect and 404 the stack gives; the views
//! do.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::http::request::Parts;

use super::agent_sessions::fork_middleware;
use super::api::drf;
use super::csrf_check::{csrf_failure_page, csrf_protect};
use super::datatables::datatables_view;
use super::encoding::percent_decode;
use super::http::{Cx, JSON_TYPE, error_page, not_found_html};
use super::state::Db;
use super::urls::{Route, resolve};
use super::views::{dashboard_view, home_view, login_view, logout_view, media_view};
use crate::sandbox::kit::lock;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::server::Simulator;

const MAX_BODY: usize = 16 * 1024 * 1024;

/// The simulated instance as served: its database, shared with [`super::DjangoSim`].
pub(super) struct Instance {
    pub(super) db: Arc<Mutex<Db>>,
}

impl Simulator for Instance {
    const NAME: &'static str = "django-helpdesk";
    const MAX_BODY: usize = MAX_BODY;
    const JSON_TYPE: &'static str = JSON_TYPE;

    /// Parses the request, runs the middlewares and the view, adds cookies.
    fn answer(&self, parts: &Parts, body: &[u8]) -> Reply {
        let mut db = lock(&self.db);
        let mut cx = Cx::new(parts, Bytes::copy_from_slice(body), &db);
        let reply = dispatch(&mut db, &mut cx);
        cx.finish(reply)
    }

    /// Django's 400 page, answered before the request cycle (no content type, no cookies).
    fn too_large(&self) -> Reply {
        Reply::raw(
            StatusCode::BAD_REQUEST,
            None,
            error_page("Bad Request (400)", ""),
        )
    }

    /// Django's headers come with the request cycle ([`Cx::finish`]), not with every answer.
    fn stamp(&self, _headers: &mut HeaderMap) {}

    /// The request log holds decoded paths, as Django's `path_info`.
    fn logged_path<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        Cow::Owned(percent_decode(raw))
    }
}

/// The middleware stack and the URLconf: fork middlewares, APPEND_SLASH, CSRF for plain views.
fn dispatch(db: &mut Db, cx: &mut Cx) -> Reply {
    if db.opts.fork
        && let Some(r) = fork_middleware(db, cx)
    {
        return r;
    }
    let Some(route) = resolve(&cx.path, db.opts.fork) else {
        // CommonMiddleware's APPEND_SLASH, for every method.
        if !cx.path.ends_with('/') && resolve(&format!("{}/", cx.path), db.opts.fork).is_some() {
            let mut location = format!("{}/", cx.raw_path);
            if let Some(q) = &cx.raw_query {
                location.push('?');
                location.push_str(q);
            }
            return Reply::redirect(301, &location);
        }
        return not_found_html();
    };
    match route {
        Route::Home | Route::Dashboard | Route::Login | Route::Logout | Route::Media(_) => {
            // Plain Django views go through CsrfViewMiddleware.
            if let Err(reason) = csrf_protect(cx) {
                return csrf_failure_page(reason == "CSRF cookie not set.");
            }
            match route {
                Route::Home => home_view(db, cx),
                Route::Dashboard => dashboard_view(db, cx),
                Route::Login => login_view(db, cx),
                Route::Logout => logout_view(db, cx),
                Route::Media(p) => media_view(db, cx, &p),
                _ => not_found_html(),
            }
        }
        Route::Datatables(q) => datatables_view(db, cx, &q),
        other => drf(db, cx, other),
    }
}
