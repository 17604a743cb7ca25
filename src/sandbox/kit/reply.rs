//! The answer a simulator builds, and its HTTP response.
//!
//! Owns: [`Reply`] (status, payload, extra headers), the constructors shared by simulators
//! (JSON, HTML, raw bytes, empty, `Location` on creates, an injected fault's answer) and
//! turning a reply into a response with its content type and the simulator's own headers.
//! Must not: hold any upstream's error bodies or header names (a simulator passes them in).

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// What an answer carries.
pub enum Payload {
    Empty,
    Json(Value),
    /// Sent as JSON when it parses as JSON, as plain text otherwise.
    Text(String),
    /// An HTML page, sent as [`HTML_TYPE`].
    Html(String),
    /// Bytes sent as they are, with this `Content-Type` if any (one that is not a valid header
    /// value is left out).
    Raw {
        content_type: Option<String>,
        body: Vec<u8>,
    },
}

/// The `Content-Type` of [`Payload::Html`].
pub const HTML_TYPE: &str = "text/html; charset=utf-8";

/// The status with this code; one that is not a valid status becomes 500.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An answer before it becomes an HTTP response.
pub struct Reply {
    pub status: StatusCode,
    pub payload: Payload,
    pub headers: Vec<(HeaderName, String)>,
}

impl Reply {
    pub fn json(status: StatusCode, v: Value) -> Self {
        Reply::with_payload(status, Payload::Json(v))
    }

    pub fn ok(v: Value) -> Self {
        Reply::json(StatusCode::OK, v)
    }

    pub fn empty(status: StatusCode) -> Self {
        Reply::with_payload(status, Payload::Empty)
    }

    pub fn html(status: StatusCode, page: impl Into<String>) -> Self {
        Reply::with_payload(status, Payload::Html(page.into()))
    }

    /// `body` as it is, with `content_type` if any.
    pub fn raw(status: StatusCode, content_type: Option<String>, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        Reply::with_payload(status, Payload::Raw { content_type, body })
    }

    fn with_payload(status: StatusCode, payload: Payload) -> Self {
        Reply {
            status,
            payload,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 201 with the new object and its `Location`.
    pub fn created(v: Value, location: String) -> Self {
        Reply::json(StatusCode::CREATED, v).header(LOCATION, location)
    }

    /// The answer of an injected status fault; an invalid code becomes 500.
    pub fn injected(code: u16, retry_after: Option<u64>, body: Option<String>) -> Self {
        let mut r = Reply::with_payload(status(code), body.map_or(Payload::Empty, Payload::Text));
        if let Some(secs) = retry_after {
            r = r.header(RETRY_AFTER, secs.to_string());
        }
        r
    }

    /// The response: `Content-Type` (`json_type` for JSON), then the headers `stamp` adds,
    /// then the reply's own headers (values that are not valid header values are left out).
    pub fn into_response(
        self,
        json_type: &'static str,
        stamp: impl FnOnce(&mut HeaderMap),
    ) -> Response {
        let fixed = |ct: &'static str| Some(HeaderValue::from_static(ct));
        let (body, content_type) = match self.payload {
            Payload::Empty => (Body::empty(), None),
            Payload::Json(v) => (Body::from(v.to_string()), fixed(json_type)),
            Payload::Text(s) => {
                let ct = if serde_json::from_str::<Value>(&s).is_ok() {
                    json_type
                } else {
                    "text/plain; charset=utf-8"
                };
                (Body::from(s), fixed(ct))
            }
            Payload::Html(s) => (Body::from(s), fixed(HTML_TYPE)),
            Payload::Raw { content_type, body } => {
                let ct = content_type.and_then(|c| HeaderValue::from_str(&c).ok());
                (Body::from(body), ct)
            }
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = self.status;
        let headers = resp.headers_mut();
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, ct);
        }
        stamp(headers);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.append(name, v);
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_type(r: &Response) -> Option<&str> {
        r.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn html_and_raw_bodies_carry_their_content_type() {
        let html = Reply::html(StatusCode::OK, "<p>hi</p>").into_response("app/json", |_| {});
        assert_eq!(content_type(&html), Some(HTML_TYPE));
        let raw = Reply::raw(StatusCode::OK, Some("image/png".into()), vec![1, 2]);
        let raw = raw.into_response("app/json", |_| {});
        assert_eq!(content_type(&raw), Some("image/png"));
        let bare = Reply::raw(StatusCode::BAD_REQUEST, None, "x").into_response("j", |_| {});
        assert_eq!(content_type(&bare), None);
        let bad = Reply::raw(StatusCode::OK, Some("a\nb".into()), "x").into_response("j", |_| {});
        assert_eq!(content_type(&bad), None);
        assert_eq!(status(99), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status(418), StatusCode::IM_A_TEAPOT);
    }
}
