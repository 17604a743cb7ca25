//! DRF's parsers: JSON (with Python's error messages), url-encoded and multipart forms (text
//! fields and uploads), 415 for anything else, and "Expected a dictionary".
//!
//! Must not: validate fields (that is [`super::validation`]) or panic on any body.

use serde_json::{Map, Value, json};

use super::super::encoding::py_type;
use super::super::http::{Cx, detail};
use super::super::multipart::{Upload, parse_multipart};

/// `request.data` after DRF's parsers: the data (a JSON value, or the form as an object of
/// strings) and any uploaded files.
pub(in super::super) struct Parsed {
    pub(in super::super) data: Value,
    pub(in super::super) files: Vec<Upload>,
    pub(in super::super) form: bool,
}

pub(in super::super) fn parse_data(cx: &Cx) -> Result<Parsed, (u16, Value)> {
    let media = cx.media_type();
    let is_form = matches!(
        media.as_str(),
        "application/x-www-form-urlencoded" | "multipart/form-data"
    );
    if cx.body.is_empty() {
        return Ok(Parsed {
            data: Value::Object(Map::new()),
            files: Vec::new(),
            form: is_form,
        });
    }
    let to_object = |pairs: Vec<(String, String)>| {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k, Value::String(v));
        }
        Value::Object(m)
    };
    match media.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(&cx.body) {
            Ok(v) => Ok(Parsed {
                data: v,
                files: Vec::new(),
                form: false,
            }),
            Err(e) => Err((
                400,
                detail(&format!(
                    "JSON parse error - {}",
                    python_json_error(&e, &cx.body)
                )),
            )),
        },
        "application/x-www-form-urlencoded" => Ok(Parsed {
            data: to_object(url::form_urlencoded::parse(&cx.body).into_owned().collect()),
            files: Vec::new(),
            form: true,
        }),
        "multipart/form-data" => match parse_multipart(&cx.content_type(), &cx.body) {
            Some((fields, files)) => Ok(Parsed {
                data: to_object(fields),
                files,
                form: true,
            }),
            None => Err((
                400,
                detail("Multipart form parse error - Invalid boundary in multipart: None"),
            )),
        },
        _ => Err((
            415,
            detail(&format!(
                "Unsupported media type \"{}\" in request.",
                cx.content_type()
            )),
        )),
    }
}

/// serde_json's error (a part of its text) and what Python's `json` module says instead, in
/// the order they are tried; anything else is "Expecting value".
const JSON_ERRORS: [(&str, &str); 8] = [
    (
        "key must be a string",
        "Expecting property name enclosed in double quotes",
    ),
    ("expected `:`", "Expecting ':' delimiter"),
    ("expected `,` or", "Expecting ',' delimiter"),
    (
        "trailing comma",
        "Illegal trailing comma before end of object",
    ),
    ("trailing characters", "Extra data"),
    (
        "EOF while parsing a string",
        "Unterminated string starting at",
    ),
    ("invalid escape", "Invalid \\escape"),
    ("control character", "Invalid control character at"),
];

/// A message in the words of Python's `json` module, which DRF passes on.
fn python_json_error(e: &serde_json::Error, body: &[u8]) -> String {
    let text = e.to_string();
    let what = JSON_ERRORS
        .iter()
        .find(|(needle, _)| text.contains(needle))
        .map_or("Expecting value", |(_, message)| *message);
    let line = e.line().max(1);
    let column = e.column().max(1);
    let body = String::from_utf8_lossy(body);
    let line_start: usize = body
        .split_inclusive('\n')
        .take(line - 1)
        .map(|l| l.chars().count())
        .sum();
    let char_pos = line_start + column - 1;
    format!("{what}: line {line} column {column} (char {char_pos})")
}

/// `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}` and friends.
pub(in super::super) fn not_a_dict(v: &Value) -> Value {
    let msg = match v {
        Value::Null => "This field may not be null.".to_string(),
        other => format!(
            "Invalid data. Expected a dictionary, but got {}.",
            py_type(other)
        ),
    };
    json!({ "non_field_errors": [msg] })
}
