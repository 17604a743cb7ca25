//! The envelope of every Daktela answer, `{"error": .., "result": .., "_time": ..}`, the
//! local-time stamp, and the simulator's error answers.
//!
//! Owns: [`ok`], [`list`], [`ApiError`] and the error texts (the 401 and login texts are
//! guesses, see the folder's doc). Must not: decide when an error applies (routes and auth do).

use axum::http::StatusCode;
use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::{Value, json};

use crate::sandbox::kit::reply::Reply;

pub(super) const INVALID_TOKEN: &str = "Invalid access token";
pub(super) const BAD_LOGIN: &str = "Invalid username or password";
pub(super) const BAD_REFRESH: &str = "Invalid refresh token";
pub(super) const NOT_EXIST: &str = "Object not exist";
pub(super) const NO_MODEL: &str = "Model not exist";
pub(super) const READ_ONLY: &str = "Method not allowed: the simulator is read-only";

/// The instance's local time: Europe/Prague, taken as a fixed +01:00.
pub(super) fn local_now() -> NaiveDateTime {
    (Utc::now() + Duration::hours(1)).naive_utc()
}

/// `YYYY-MM-DD HH:MM:SS`, no zone.
pub(super) fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn envelope(error: Value, result: Value) -> Value {
    json!({"error": error, "result": result, "_time": stamp(local_now())})
}

/// 200 with `result`.
pub(super) fn ok(result: Value) -> Reply {
    Reply::ok(envelope(json!([]), result))
}

/// 200 with a list's page and the count of all matches.
pub(super) fn list(data: Vec<Value>, total: usize) -> Reply {
    ok(json!({"data": data, "total": total}))
}

/// An error answer: its status, the `error` member, `result` null.
#[derive(Debug)]
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    pub(super) error: Value,
}

impl ApiError {
    fn strings(status: StatusCode, text: &str) -> Self {
        ApiError {
            status,
            error: json!([text]),
        }
    }

    pub(super) fn unauthorized(text: &str) -> Self {
        ApiError::strings(StatusCode::UNAUTHORIZED, text)
    }

    pub(super) fn not_found(text: &str) -> Self {
        ApiError::strings(StatusCode::NOT_FOUND, text)
    }

    pub(super) fn read_only() -> Self {
        ApiError::strings(StatusCode::METHOD_NOT_ALLOWED, READ_ONLY)
    }

    /// 400 with the `{"primary": [..], "form": {..}}` form.
    pub(super) fn bad(primary: &str, form: Value) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: json!({"primary": [primary], "form": form}),
        }
    }

    pub(super) fn into_reply(self) -> Reply {
        Reply::json(self.status, envelope(self.error, Value::Null))
    }
}
