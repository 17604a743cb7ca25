//! DRF field validation with the messages DRF 3.18 and Django 5.2 give: primary keys, choices,
//! strings, e-mail addresses, booleans, date-times, durations, and the form rule that a blank
//! nullable field means null.
//!
//! Must not: know which serializer a field belongs to (the view files do) or touch the
//! database.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde_json::{Map, Value, json};

use super::super::dates::{parse_datetime_input, parse_duration};
use super::super::encoding::{py_str, python_int};

/// DRF's `FileField` given something that is not an upload.
pub(in super::super) const NOT_A_FILE: &str =
    "The submitted data was not a file. Check the encoding type on the form.";
const REQUIRED: &str = "This field is required.";
const MAY_NOT_BE_NULL: &str = "This field may not be null.";
const DATETIME_FORMAT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
const DURATION_FORMAT_ERROR: &str =
    "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu].";

type FieldResult<T> = Result<T, String>;

/// Records a field error; `Some(value)` when the field is valid.
pub(in super::super) fn field<T>(
    errs: &mut Map<String, Value>,
    name: &str,
    r: FieldResult<T>,
) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errs.insert(name.to_string(), json!([e]));
            None
        }
    }
}

pub(in super::super) fn require(errs: &mut Map<String, Value>, name: &str) {
    errs.insert(name.to_string(), json!([REQUIRED]));
}

/// A required field: "This field is required." when it is absent, else `check`'s verdict.
pub(in super::super) fn required_field<T>(
    errs: &mut Map<String, Value>,
    data: &Map<String, Value>,
    name: &str,
    check: impl FnOnce(&Value) -> FieldResult<Option<T>>,
) -> Option<T> {
    match data.get(name) {
        None => {
            require(errs, name);
            None
        }
        Some(v) => field(errs, name, check(v)).flatten(),
    }
}

/// `PrimaryKeyRelatedField`.
pub(in super::super) fn v_pk(
    v: &Value,
    allow_null: bool,
    exists: impl Fn(u64) -> bool,
) -> FieldResult<Option<u64>> {
    let incorrect = |t: &str| format!("Incorrect type. Expected pk value, received {t}.");
    let n: i64 = match v {
        Value::Null => {
            return if allow_null {
                Ok(None)
            } else {
                Err(MAY_NOT_BE_NULL.into())
            };
        }
        Value::String(s) if s.is_empty() => {
            return if allow_null {
                Ok(None)
            } else {
                Err(MAY_NOT_BE_NULL.into())
            };
        }
        Value::Bool(_) => return Err(incorrect("bool")),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(f)) if f.is_finite() => f.trunc() as i64,
            _ => return Err(incorrect("float")),
        },
        Value::String(s) => match python_int(s) {
            Some(i) => i,
            None => return Err(incorrect("str")),
        },
        Value::Array(_) => return Err(incorrect("list")),
        Value::Object(_) => return Err(incorrect("dict")),
    };
    match u64::try_from(n) {
        Ok(id) if exists(id) => Ok(Some(id)),
        _ => Err(format!(
            "Invalid pk \"{}\" - object does not exist.",
            py_str(v)
        )),
    }
}

/// `ChoiceField` (model choices); `None` for null or blank where allowed.
pub(in super::super) fn v_choice(
    v: &Value,
    choices: &[(i64, &str)],
    allow_null: bool,
    allow_blank: bool,
) -> FieldResult<Option<i64>> {
    match v {
        Value::Null if allow_null => return Ok(None),
        Value::Null => return Err(MAY_NOT_BE_NULL.into()),
        Value::String(s) if s.is_empty() && allow_blank => return Ok(None),
        _ => {}
    }
    let key = py_str(v);
    choices
        .iter()
        .find(|(n, _)| n.to_string() == key)
        .map(|(n, _)| Some(*n))
        .ok_or_else(|| format!("\"{key}\" is not a valid choice."))
}

/// `CharField` (trims whitespace).
pub(in super::super) fn v_char(
    v: &Value,
    max: Option<usize>,
    allow_blank: bool,
    allow_null: bool,
) -> FieldResult<Option<String>> {
    let s = match v {
        Value::Null if allow_null => return Ok(None),
        Value::Null => return Err(MAY_NOT_BE_NULL.into()),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
            return Err("Not a valid string.".into());
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
    };
    if s.is_empty() && !allow_blank {
        return Err("This field may not be blank.".into());
    }
    if let Some(m) = max
        && s.chars().count() > m
    {
        return Err(format!(
            "Ensure this field has no more than {m} characters."
        ));
    }
    Ok(Some(s))
}

pub(in super::super) fn v_email(v: &Value, allow_null: bool) -> FieldResult<Option<String>> {
    let s = v_char(v, Some(254), true, allow_null)?;
    match &s {
        Some(e) if !e.is_empty() && !valid_email(e) => Err("Enter a valid email address.".into()),
        _ => Ok(s),
    }
}

/// `BooleanField`.
pub(in super::super) fn v_bool(v: &Value) -> FieldResult<bool> {
    const TRUE: [&str; 13] = [
        "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    ];
    const FALSE: [&str; 13] = [
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ];
    let invalid = || "Must be a valid boolean.".to_string();
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Err(MAY_NOT_BE_NULL.into()),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Ok(true),
            Some(0.0) => Ok(false),
            _ => Err(invalid()),
        },
        Value::String(s) if s == "1" || TRUE.contains(&s.as_str()) => Ok(true),
        Value::String(s) if s == "0" || FALSE.contains(&s.as_str()) => Ok(false),
        _ => Err(invalid()),
    }
}

pub(in super::super) fn v_datetime(v: &Value) -> FieldResult<Option<DateTime<Utc>>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => parse_datetime_input(s)
            .map(Some)
            .ok_or_else(|| DATETIME_FORMAT_ERROR.to_string()),
        _ => Err(DATETIME_FORMAT_ERROR.to_string()),
    }
}

pub(in super::super) fn v_duration(v: &Value) -> FieldResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::String(_) | Value::Number(_) => parse_duration(&py_str(v))
            .map(Some)
            .ok_or_else(|| DURATION_FORMAT_ERROR.to_string()),
        _ => Err(DURATION_FORMAT_ERROR.to_string()),
    }
}

/// HTML form input: an empty value of a nullable non-text field means null.
pub(in super::super) fn blank_to_null(data: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if data.get(*k).and_then(Value::as_str) == Some("") {
            data.insert((*k).to_string(), Value::Null);
        }
    }
}

static EMAIL_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$"#,
    )
    .expect("a valid regex")
});
static EMAIL_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}$")
        .expect("a valid regex")
});

/// Django's `EmailValidator` (IDN domains are accepted as letters).
pub(in super::super) fn valid_email(s: &str) -> bool {
    if s.len() > 320 {
        return false;
    }
    let Some((user, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if !EMAIL_USER.is_match(user) {
        return false;
    }
    if domain == "localhost" {
        return true;
    }
    let ascii: String = domain
        .chars()
        .map(|c| if c.is_ascii() { c } else { 'a' })
        .collect();
    if ascii.ends_with('-') {
        return false;
    }
    if EMAIL_DOMAIN.is_match(&ascii) {
        return true;
    }
    ascii
        .strip_prefix('[')
        .and_then(|d| d.strip_suffix(']'))
        .is_some_and(|lit| lit.parse::<std::net::IpAddr>().is_ok())
}
