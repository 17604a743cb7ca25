//! Freshdesk's error bodies: field errors (`{description, errors: [{field, message, code}]}`),
//! `{code, message}` errors, 404 without a body, 405 with `Allow`, and the 429 answer.
//!
//! Owns: [`FieldError`], [`ApiError`] and their replies, in the shapes the reference notes give.
//! Must not: decide when a request is wrong (the resource files do).

use axum::http::StatusCode;
use axum::http::header::{ALLOW, RETRY_AFTER};
use serde_json::{Value, json};

use crate::sandbox::kit::reply::Reply;

const RATE_LIMITED: &str = "You have exceeded the limit of requests per minute";

/// `{"code": code, "message": message}` with `status`.
pub(super) fn code_reply(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"code": code, "message": message}))
}

/// 429 with `Retry-After` and no rate-limit headers.
pub(super) fn rate_limited(wait_secs: u64) -> Reply {
    Reply::json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({ "message": RATE_LIMITED }),
    )
    .header(RETRY_AFTER, wait_secs.to_string())
}

#[derive(Debug, Clone)]
pub(super) struct FieldError {
    pub(super) field: String,
    pub(super) message: String,
    pub(super) code: &'static str,
    pub(super) additional_info: Option<Value>,
}

const MISSING: &str = "Mandatory attribute missing";

impl FieldError {
    pub(super) fn new(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message: message.into(),
            code,
            additional_info: None,
        }
    }
    pub(super) fn missing(field: &str) -> Self {
        Self::new(field, "missing_field", MISSING)
    }
    pub(super) fn mismatch(field: &str, ty: &str) -> Self {
        Self::new(
            field,
            "datatype_mismatch",
            format!("It should be a/an {ty}"),
        )
    }
    pub(super) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(field, "invalid_value", message)
    }
    pub(super) fn choices(field: &str, values: &[&str]) -> Self {
        Self::invalid(
            field,
            format!("It should be one of these values: '{}'", values.join(",")),
        )
    }
    pub(super) fn unknown(field: &str) -> Self {
        Self::new(
            field,
            "invalid_field",
            "Unexpected/invalid field in request",
        )
    }
    pub(super) fn duplicate(field: &str, info: Value) -> Self {
        FieldError {
            additional_info: Some(info),
            ..Self::new(field, "duplicate_value", "It should be a unique value")
        }
    }
    fn to_json(&self) -> Value {
        let mut o = json!({"field": self.field, "message": self.message, "code": self.code});
        if let (Some(info), Value::Object(m)) = (&self.additional_info, &mut o) {
            m.insert("additional_info".into(), info.clone());
        }
        o
    }
}

#[derive(Debug)]
pub(super) enum ApiError {
    NotFound,
    Validation(Vec<FieldError>),
    Conflict(Vec<FieldError>),
    Code {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    MethodNotAllowed {
        allowed: &'static [&'static str],
        method: String,
    },
}

impl ApiError {
    pub(super) fn code(status: StatusCode, code: &'static str, message: &str) -> Self {
        ApiError::Code {
            status,
            code,
            message: message.to_string(),
        }
    }

    pub(super) fn one(e: FieldError) -> Self {
        ApiError::Validation(vec![e])
    }

    pub(super) fn into_reply(self) -> Reply {
        let body = |errors: Vec<FieldError>| {
            json!({
                "description": "Validation failed",
                "errors": errors.iter().map(FieldError::to_json).collect::<Vec<_>>(),
            })
        };
        match self {
            ApiError::NotFound => Reply::empty(StatusCode::NOT_FOUND),
            ApiError::Validation(errors) => Reply::json(StatusCode::BAD_REQUEST, body(errors)),
            ApiError::Conflict(errors) => Reply::json(StatusCode::CONFLICT, body(errors)),
            ApiError::Code {
                status,
                code,
                message,
            } => code_reply(status, code, &message),
            ApiError::MethodNotAllowed { allowed, method } => {
                let list = allowed.join(", ");
                code_reply(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    &format!("{list} method is allowed. {method} method is not supported"),
                )
                .header(ALLOW, list)
            }
        }
    }
}

pub(super) fn not_allowed(allowed: &'static [&'static str], method: &str) -> ApiError {
    ApiError::MethodNotAllowed {
        allowed,
        method: method.to_string(),
    }
}

/// `Err(Validation)` when there are errors.
pub(super) fn check(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}
