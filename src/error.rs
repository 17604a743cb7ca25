//! One error type for the whole server.
//!
//! Owns: [`Error`] and the small [`ErrorKind`] that callers branch on (tool error vs. retry vs.
//! audit outcome). Messages are written for the model: they say what went wrong, which field,
//! and what to do next. Must not: carry secrets (passwords, cookies, tokens) in any message.

use std::fmt;

/// What kind of failure this is; callers branch on this, never on message text. Tool results
/// carry it as `error.kind` (snake_case), so a model can tell an ambiguous outcome from a
/// missing object without reading prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The caller's input is wrong; nothing was sent upstream.
    InvalidInput,
    /// The object does not exist upstream.
    NotFound,
    /// Credentials were rejected, or the session could not be established.
    Unauthorized,
    /// The account is authenticated but not allowed to do this.
    Forbidden,
    /// The upstream rejected the request as conflicting with its state.
    Conflict,
    /// The upstream asked us to slow down.
    RateLimited,
    /// The upstream failed (5xx, unparseable answer).
    Upstream,
    /// The upstream could not be reached, or did not answer in time.
    Unavailable,
    /// The outcome of a write cannot be known (e.g. a timeout after the request was sent).
    Ambiguous,
    /// The audit store cannot record the call, so the write was not sent (fail closed).
    AuditUnavailable,
    /// A write was attempted before the agent declared an intent.
    IntentRequired,
    /// Policy refused the call.
    PolicyDenied,
    /// A confirmation was refused (wrong call, replayed, declined, not yet approved).
    ConfirmationRefused,
    /// A confirmation was presented after it expired.
    ConfirmationExpired,
    /// The server's own configuration is missing or wrong.
    Config,
    /// A bug or an unexpected state in this server.
    Internal,
}

/// An error with a kind and a message meant for a model or an operator. Whether a request is
/// retried is decided in one place, `backends::http`, from the attempt itself.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// HTTP status of the upstream answer, when there was one.
    pub status: Option<u16>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
        }
    }

    pub fn invalid(field: &str, problem: impl fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidInput, format!("{field}: {problem}"))
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<validator::ValidationErrors> for Error {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut lines = Vec::new();
        for (field, kinds) in errors.field_errors() {
            for e in kinds {
                let detail = e
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| describe_validation(e));
                lines.push(format!("{field}: {detail}"));
            }
        }
        lines.sort();
        Error::new(
            ErrorKind::InvalidInput,
            format!("invalid arguments:\n{}", lines.join("\n")),
        )
    }
}

fn describe_validation(e: &validator::ValidationError) -> String {
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            _ => "has the wrong length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        "email" => "must be a valid e-mail address, like name@example.com".into(),
        other => format!("is invalid ({other})"),
    }
}
