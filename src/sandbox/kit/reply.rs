//! The answer a simulator builds, and its HTTP response.
//!
//! Owns: [`Reply`] (status, payload, extra headers), the constructors shared by simulators
//! (JSON, empty, `Location` on creates, an injected fault's answer) and turning a reply into
//! a response with its content type and the simulator's own headers.
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
}

/// An answer before it becomes an HTTP response.
pub struct Reply {
    pub status: StatusCode,
    pub payload: Payload,
    pub headers: Vec<(HeaderName, String)>,
}

impl Reply {
    pub fn json(status: StatusCode, v: Value) -> Self {
        Reply {
            status,
            payload: Payload::Json(v),
            headers: Vec::new(),
        }
    }

    pub fn ok(v: Value) -> Self {
        Reply::json(StatusCode::OK, v)
    }

    pub fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            payload: Payload::Empty,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: HeaderName, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 201 with the new object and its `Location`.
    pub fn created(v: Value, location: String) -> Self {
        Reply::json(StatusCode::CREATED, v).header(LOCATION, location)
    }

    /// The answer of an injected status fault; an invalid code becomes 500.
    pub fn injected(code: u16, retry_after: Option<u64>, body: Option<String>) -> Self {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = Reply {
            status,
            payload: body.map_or(Payload::Empty, Payload::Text),
            headers: Vec::new(),
        };
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
        let (body, content_type) = match self.payload {
            Payload::Empty => (Body::empty(), None),
            Payload::Json(v) => (Body::from(v.to_string()), Some(json_type)),
            Payload::Text(s) => {
                let ct = if serde_json::from_str::<Value>(&s).is_ok() {
                    json_type
                } else {
                    "text/plain; charset=utf-8"
                };
                (Body::from(s), Some(ct))
            }
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = self.status;
        let headers = resp.headers_mut();
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
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
