//! Kayako's answers that are not XML: the plain-text errors of the controllers (400 and 404,
//! still labelled `text/xml` because the header is set before the controller runs) and of
//! authentication (401, not labelled `text/xml`), and the success reply that carries XML.
//!
//! Owns: [`ApiError`], the exact messages, and [`xml_reply`]. Must not: decide when a request
//! is wrong.

use axum::http::StatusCode;

use crate::sandbox::kit::reply::Reply;

/// The `Content-Type` of every answer a controller gives.
pub(super) const XML_TYPE: &str = "text/xml";
/// PHP's default `Content-Type`, which a 401 keeps.
const PHP_DEFAULT_TYPE: &str = "text/html; charset=UTF-8";

pub(super) const NO_SALT: &str = "NO SALT PROVIDED!";
pub(super) const FAILED_AUTH: &str = "FAILED TO AUTHENTICATE";
pub(super) const TICKET_NOT_FOUND: &str = "Ticket not Found";
pub(super) const POST_NOT_FOUND: &str = "Ticket Post not Found";
pub(super) const POST_ELSEWHERE: &str = "Post does not belong to the specified ticket";
pub(super) const NOTE_NOT_FOUND: &str = "Ticket Note not Found";
pub(super) const NOTE_ELSEWHERE: &str = "Note does not belong to the specified ticket";
pub(super) const CALL_TICKET_LISTALL: &str =
    "Not Implemented, Call /Tickets/Ticket/ListAll instead.";
pub(super) const CALL_POST_LISTALL: &str =
    "Not Implemented, Call /Tickets/TicketPost/ListAll instead.";
pub(super) const CALL_NOTE_LISTALL: &str =
    "Not Implemented, Call /Tickets/TicketNote/ListAll instead.";
pub(super) const CALL_SEARCH_POST: &str =
    "Not Implemented, Call POST /Tickets/TicketSearch instead.";
/// The simulator's own answer to a write (it serves reads only).
pub(super) const READ_ONLY: &str = "Not Implemented (the simulator is read-only)";

#[derive(Debug)]
pub(super) enum ApiError {
    /// 401, plain text.
    Unauthorized(&'static str),
    /// 400, plain text labelled `text/xml`.
    BadRequest(String),
    /// 404, plain text labelled `text/xml`.
    NotFound(String),
}

impl ApiError {
    pub(super) fn bad(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    pub(super) fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }

    pub(super) fn into_reply(self) -> Reply {
        match self {
            ApiError::Unauthorized(m) => {
                Reply::raw(StatusCode::UNAUTHORIZED, Some(PHP_DEFAULT_TYPE.into()), m)
            }
            ApiError::BadRequest(m) => {
                Reply::raw(StatusCode::BAD_REQUEST, Some(XML_TYPE.into()), m)
            }
            ApiError::NotFound(m) => Reply::raw(StatusCode::NOT_FOUND, Some(XML_TYPE.into()), m),
        }
    }
}

/// 200 with an XML document.
pub(super) fn xml_reply(doc: String) -> Reply {
    Reply::raw(StatusCode::OK, Some(XML_TYPE.into()), doc)
}
