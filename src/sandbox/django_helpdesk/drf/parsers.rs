//! DRF's parsers: JSON (with Python's error messages), url-encoded and multipart forms (text
//! fields and uploads), 415 for anything else, and "Expected a dictionary".
//!
//! Must not: validate fields (that is [`super::validation`]) or panic on any body.

use serde_json::{Map, Value, json};

use super::super::encoding::py_type;
use super::super::http::{Cx, detail};

/// `request.data` after DRF's parsers: the data (a JSON value, or the form as an object of
/// strings) and any uploaded files.
pub(in super::super) struct Parsed {
    pub(in super::super) data: Value,
    pub(in super::super) files: Vec<Upload>,
    pub(in super::super) form: bool,
}

#[derive(Debug, Clone)]
pub(in super::super) struct Upload {
    pub(in super::super) field: String,
    pub(in super::super) filename: String,
    pub(in super::super) content_type: String,
    pub(in super::super) data: Vec<u8>,
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

/// Text fields of a form, in order.
type FormFields = Vec<(String, String)>;

/// A minimal `multipart/form-data` reader: text fields and files.
pub(in super::super) fn parse_multipart(
    content_type: &str,
    body: &[u8],
) -> Option<(FormFields, Vec<Upload>)> {
    let boundary = content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })?;
    if boundary.is_empty() {
        return None;
    }
    let delim = format!("--{boundary}").into_bytes();
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut chunks = split_bytes(body, &delim).into_iter();
    chunks.next()?; // preamble
    for chunk in chunks {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let split = find_bytes(chunk, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&chunk[..split]).into_owned();
        let content = chunk[split + 4..].to_vec();
        let mut name = None;
        let mut filename = None;
        let mut ctype = String::new();
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for p in v.split(';') {
                    if let Some((pk, pv)) = p.trim().split_once('=') {
                        let pv = pv.trim().trim_matches('"').to_string();
                        match pk.trim() {
                            "name" => name = Some(pv),
                            "filename" => filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                ctype = v.trim().to_string();
            }
        }
        let name = name?;
        match filename {
            Some(f) => files.push(Upload {
                field: name,
                filename: f,
                content_type: ctype,
                data: content,
            }),
            None => fields.push((name, String::from_utf8_lossy(&content).into_owned())),
        }
    }
    Some((fields, files))
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(hay: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = hay;
    while let Some(i) = find_bytes(rest, delim) {
        out.push(&rest[..i]);
        rest = &rest[i + delim.len()..];
    }
    out.push(rest);
    out
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
