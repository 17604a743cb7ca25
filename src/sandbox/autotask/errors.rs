//! Autotask's error bodies: `{"errors": [...]}` (validation, bad queries, auth, limits, mostly
//! with HTTP 500) and the ASP.NET `{"Message": ...}` of 401, 404, 405 and 415.
//!
//! Owns: [`ApiError`] and its reply. Must not: decide when a request is wrong.

use axum::http::StatusCode;
use serde_json::json;

use crate::sandbox::kit::reply::Reply;

const DENIED: &str = "Authorization has been denied for this request.";

#[derive(Debug)]
pub(super) enum ApiError {
    /// `{"errors": [...]}` with this status.
    Errors(StatusCode, Vec<String>),
    /// `{"Message": ...}` with this status.
    Message(StatusCode, String),
}

impl ApiError {
    /// HTTP 500 `{"errors": [message]}`: how Autotask reports most refusals.
    pub(super) fn invalid(message: impl Into<String>) -> Self {
        ApiError::Errors(StatusCode::INTERNAL_SERVER_ERROR, vec![message.into()])
    }

    pub(super) fn many(messages: Vec<String>) -> Self {
        ApiError::Errors(StatusCode::INTERNAL_SERVER_ERROR, messages)
    }

    pub(super) fn denied() -> Self {
        ApiError::Message(StatusCode::UNAUTHORIZED, DENIED.into())
    }

    pub(super) fn not_allowed(method: &str) -> Self {
        ApiError::Message(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("The requested resource does not support http method '{method}'."),
        )
    }

    pub(super) fn not_found(path: &str) -> Self {
        ApiError::Message(
            StatusCode::NOT_FOUND,
            format!("No HTTP resource was found that matches the request URI '{path}'."),
        )
    }

    pub(super) fn media_type(mime: &str) -> Self {
        ApiError::Message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("The request entity's media type '{mime}' is not supported for this resource."),
        )
    }

    pub(super) fn throttled(message: impl Into<String>) -> Self {
        ApiError::Errors(StatusCode::TOO_MANY_REQUESTS, vec![message.into()])
    }

    pub(super) fn into_reply(self) -> Reply {
        match self {
            ApiError::Errors(status, errors) => Reply::json(status, json!({ "errors": errors })),
            ApiError::Message(status, message) => {
                Reply::json(status, json!({ "Message": message }))
            }
        }
    }
}
