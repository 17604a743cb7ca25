//! The dolthub fork's agent sessions: its middlewares (agent access control, the branch name
//! minted into the HTTP session) and its endpoints (`helpdesk/views/api.py`):
//! `agent-session-info`, `set-agent-intent`, `finish-agent-session`.
//!
//! Must not: be reachable when [`super::DjangoSimOptions::fork`] is off (the routes 404), or
//! persist a finished session anywhere but the in-memory list tests read.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::drf::Api;
use super::drf::parsers::parse_data;
use super::http::{Cx, SESSION_CHARS, server_error_html};
use super::state::{Db, User};
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::text::random_string;

const AGENT_WEB_ACCESS_DENIED: &str =
    "Agent accounts can only access the API. Web interface access is restricted.";

/// The fork's agent middlewares (access control, then the branch name).
pub(super) fn fork_middleware(db: &mut Db, cx: &mut Cx) -> Option<Reply> {
    const AGENT_ALLOWED_PATHS: [&str; 3] = ["/api/", "/login/", "/logout/"];
    let uid = cx.session_user(db)?;
    let user = db.user(uid)?.clone();
    if !user.agent {
        return None;
    }
    if db.agent_access_control && !AGENT_ALLOWED_PATHS.iter().any(|p| cx.path.starts_with(p)) {
        let xhr = cx.header("x-requested-with").as_deref() == Some("XMLHttpRequest");
        let wants_json = cx
            .header("accept")
            .is_some_and(|a| a.contains("application/json"));
        if xhr || wants_json {
            return Some(Reply::django_json(
                403,
                &json!({
                    "error": "Access denied",
                    "message": AGENT_WEB_ACCESS_DENIED,
                    "code": "AGENT_WEB_ACCESS_DENIED",
                }),
            ));
        }
        cx.flush_session(db);
        return Some(Reply::html(
            StatusCode::FORBIDDEN,
            include_str!("templates/agent_access_restricted.html"),
        ));
    }
    let session = cx.ensure_session(db);
    if session.branch_name.is_none() {
        session.branch_name = Some(mint_branch(&user.username));
        cx.session_dirty = true;
    }
    None
}

/// `<username>-<8 random chars from [a-z0-9]>`, as `AgentBranchNameMiddleware` makes it.
fn mint_branch(username: &str) -> String {
    format!("{username}-{}", random_string(8, SESSION_CHARS))
}

fn not_an_agent() -> Value {
    json!({
        "error": "Not an agent user",
        "message": "This endpoint is only available for agent users.",
    })
}

pub(super) fn agent(db: &Db, api: &Api) -> Option<User> {
    api.user
        .and_then(|u| db.user(u))
        .filter(|u| u.agent)
        .cloned()
}

pub(super) fn fork_info(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let Some(user) = agent(db, api) else {
        return api.reply(db, cx, 403, not_an_agent());
    };
    let session = cx.ensure_session(db);
    let minted = session.branch_name.is_none();
    if minted {
        session.branch_name = Some(mint_branch(&user.username));
    }
    let (branch, intent) = (session.branch_name.clone(), session.intent.clone());
    if minted {
        cx.session_dirty = true;
    }
    let body = json!({
        "user_id": user.id,
        "username": user.username,
        "is_agent": true,
        "branch_name": branch,
        "intent": intent,
        "session_key": cx.session_key,
        "session_available": true,
        "authentication_method": "session",
    });
    api.reply(db, cx, 200, body)
}

pub(super) fn fork_set_intent(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let Some(user) = agent(db, api) else {
        return api.reply(db, cx, 403, not_an_agent());
    };
    let parsed = match parse_data(cx) {
        Ok(p) => p,
        Err((status, body)) => return api.reply(db, cx, status, body),
    };
    // `request.data.get("intent")`: anything but a dict has no `.get`.
    let Value::Object(data) = parsed.data else {
        return server_error_html();
    };
    let error = |e: &str, m: &str| json!({ "error": e, "message": m });
    let intent = match data.get("intent") {
        None | Some(Value::Null) => {
            return api.reply(
                db,
                cx,
                400,
                error("Intent required", "The intent field is required."),
            );
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return api.reply(
                db,
                cx,
                400,
                error("Invalid intent type", "Intent must be a string."),
            );
        }
    };
    if intent.chars().count() > 512 {
        return api.reply(
            db,
            cx,
            400,
            error("Intent too long", "Intent must be 512 characters or less."),
        );
    }
    let key_before = cx.session_key.clone();
    let session = cx.ensure_session(db);
    session.intent = Some(intent.clone());
    let branch = session.branch_name.clone();
    cx.session_dirty = true;
    let body = json!({
        "success": true,
        "message": "Intent set successfully",
        "intent": intent,
        "user_id": user.id,
        "username": user.username,
        "branch_name": branch,
        "session_key": key_before,
    });
    api.reply(db, cx, 200, body)
}

pub(super) fn fork_finish(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let Some(user) = agent(db, api) else {
        return api.reply(db, cx, 403, not_an_agent());
    };
    let (branch, intent) = cx
        .session(db)
        .map(|s| (s.branch_name.clone(), s.intent.clone()))
        .unwrap_or((None, None));
    let key = cx.session_key.clone();
    // on_session_finished -> CALL FinishSession(branch, intent); errors there are swallowed.
    db.finished
        .push((user.username.clone(), branch.clone(), intent.clone()));
    // Drop the keys, then log out (the session is flushed).
    cx.flush_session(db);
    let body = json!({
        "success": true,
        "message": "Session finished successfully",
        "user_id": user.id,
        "username": user.username,
        "session_key": key,
        "branch_name": branch,
        "intent": intent,
    });
    api.reply(db, cx, 200, body)
}
