//! Dates, times and durations as Django writes and reads them: `DATETIME_FORMAT`, `timesince`,
//! `naturaltime`, `parse_datetime`, `parse_duration`, `duration_string`, and now at the
//! database's precision.
//!
//! Must not: depend on the local time zone (everything is UTC).

use std::sync::LazyLock;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, TimeDelta, TimeZone, Timelike, Utc,
};
use regex::Regex;

/// Now, at the database's precision (microseconds).
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Django's DATETIME_FORMAT for English, `N j, Y, P`: "Nov. 21, 2026, 6:43 a.m.".
pub(super) fn django_datetime(d: DateTime<Utc>) -> String {
    const MONTHS: [&str; 12] = [
        "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
        "Dec.",
    ];
    let month = MONTHS[(d.month0() as usize).min(11)];
    let (h, m) = (d.hour(), d.minute());
    let time = match (h, m) {
        (0, 0) => "midnight".to_string(),
        (12, 0) => "noon".to_string(),
        _ => {
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            let ampm = if h < 12 { "a.m." } else { "p.m." };
            if m == 0 {
                format!("{h12} {ampm}")
            } else {
                format!("{h12}:{m:02} {ampm}")
            }
        }
    };
    format!("{month} {}, {}, {time}", d.day(), d.year())
}

/// `django.utils.timesince.timesince` (depth 2, non-breaking spaces), with humanize's units.
fn timesince(d: DateTime<Utc>, now: DateTime<Utc>) -> String {
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const UNITS: [&str; 6] = ["year", "month", "week", "day", "hour", "minute"];
    let fmt = |n: i64, unit: &str| format!("{n}\u{a0}{unit}{}", if n == 1 { "" } else { "s" });
    if (now - d).num_seconds() <= 0 {
        return fmt(0, "minute");
    }
    let mut total_months = (now.year() - d.year()) * 12 + (now.month() as i32 - d.month() as i32);
    if d.day() > now.day() || (d.day() == now.day() && d.time() > now.time()) {
        total_months -= 1;
    }
    let (years, months) = (total_months.div_euclid(12), total_months.rem_euclid(12));
    let pivot = if years != 0 || months != 0 {
        let mut year = d.year() + years;
        let mut month = d.month() as i32 + months;
        if month > 12 {
            month -= 12;
            year += 1;
        }
        let month = u32::try_from(month).unwrap_or(1).clamp(1, 12);
        let day = d.day().min(MONTH_DAYS[(month - 1) as usize]);
        Utc.with_ymd_and_hms(year, month, day, d.hour(), d.minute(), d.second())
            .single()
            .unwrap_or(d)
    } else {
        d
    };
    let mut remaining = (now - pivot).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
    let mut partials: Vec<i64> = vec![i64::from(years), i64::from(months)];
    for chunk in [604_800.0, 86_400.0, 3_600.0, 60.0] {
        let count = (remaining / chunk).floor();
        partials.push(count as i64);
        remaining -= chunk * count;
    }
    let Some(first) = partials.iter().position(|p| *p != 0) else {
        return fmt(0, "minute");
    };
    let mut parts = Vec::new();
    let mut i = first;
    while i < UNITS.len() && parts.len() < 2 && partials[i] != 0 {
        parts.push(fmt(partials[i], UNITS[i]));
        i += 1;
    }
    parts.join(", ")
}

/// `django.contrib.humanize`'s `naturaltime`.
pub(super) fn naturaltime(value: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let (secs, suffix, (from, to)) = if value < now {
        ((now - value).num_seconds(), "ago", (value, now))
    } else {
        ((value - now).num_seconds(), "from now", (now, value))
    };
    let say = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("{one} {suffix}")
        } else {
            format!("{n} {many} {suffix}")
        }
    };
    let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    if days != 0 {
        format!("{} {suffix}", timesince(from, to))
    } else if s == 0 {
        "now".to_string()
    } else if s < 60 {
        say(s, "a second", "seconds")
    } else if s / 60 < 60 {
        say(s / 60, "a minute", "minutes")
    } else {
        say(s / 3600, "an hour", "hours")
    }
}

const DATETIME_PATTERN: &str = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$";
static DATETIME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(DATETIME_PATTERN).expect("a valid regex"));

/// What DRF's `DateTimeField` accepts (Django's `parse_datetime`, Python's `fromisoformat`, a
/// bare date meaning midnight); naive values are UTC.
pub(super) fn parse_datetime_input(s: &str) -> Option<DateTime<Utc>> {
    let c = DATETIME_RE.captures(s)?;
    let num = |i: usize| -> Option<u32> {
        match c.get(i) {
            Some(m) => m.as_str().parse().ok(),
            None => Some(0),
        }
    };
    let year: i32 = c.get(1)?.as_str().parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(2)?, num(3)?)?;
    if c.get(4).is_none() && c.get(8).is_some() {
        return None;
    }
    let micros = match c.get(7) {
        Some(m) => format!("{:0<6}", m.as_str()).parse::<u32>().ok()?,
        None => 0,
    };
    let time = NaiveTime::from_hms_micro_opt(num(4)?, num(5)?, num(6)?, micros)?;
    let naive = date.and_time(time);
    let offset_secs = match c.get(8).map(|m| m.as_str()) {
        None | Some("Z") => 0,
        Some(tz) => {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            let digits: String = tz[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = digits.get(0..2)?.parse().ok()?;
            let minutes: i32 = digits
                .get(2..4)
                .map(|m| m.parse().ok())
                .unwrap_or(Some(0))?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let utc = naive - TimeDelta::seconds(i64::from(offset_secs));
    Some(Utc.from_utc_datetime(&utc))
}

const DURATION_STANDARD_PATTERN: &str = r"^(?:(?P<days>-?\d+) (?:days?, )?)?(?P<sign>-?)(?:(?P<h>\d+):(?P<m1>\d+):|(?P<m2>\d+):)?(?P<s>\d+)(?:[.,](?P<us>\d{1,6})\d{0,6})?$";
static DURATION_STANDARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(DURATION_STANDARD_PATTERN).expect("a valid regex"));
const DURATION_ISO_PATTERN: &str = r"^(?P<sign>[-+]?)P(?:(?P<days>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$";
static DURATION_ISO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(DURATION_ISO_PATTERN).expect("a valid regex"));
const DURATION_PG_PATTERN: &str = r"^(?:(?P<days>-?\d+) (?:days? ?))?(?:(?P<sign>[-+])?(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d)(?:\.(?P<us>\d{1,6}))?)?$";
static DURATION_PG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(DURATION_PG_PATTERN).expect("a valid regex"));

/// Python's `timedelta` bound (999999999 days), in microseconds.
const MAX_DURATION_US: i128 = 999_999_999 * 86_400_000_000 + 86_399_999_999;

/// Django's `parse_duration`, in microseconds.
pub(super) fn parse_duration(s: &str) -> Option<i64> {
    let int = |c: &regex::Captures<'_>, name: &str| -> Option<i128> {
        match c.name(name) {
            Some(m) => m.as_str().parse::<i128>().ok(),
            None => Some(0),
        }
    };
    let micros_of = |c: &regex::Captures<'_>, name: &str| -> Option<i128> {
        match c.name(name) {
            Some(m) => format!("{:0<6}", m.as_str()).parse::<i128>().ok(),
            None => Some(0),
        }
    };
    let total: i128 = if let Some(c) = DURATION_STANDARD.captures(s) {
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") {
            -1
        } else {
            1
        };
        let minutes = if c.name("m1").is_some() {
            int(&c, "m1")?
        } else {
            int(&c, "m2")?
        };
        let secs = int(&c, "h")? * 3600 + minutes * 60 + int(&c, "s")?;
        int(&c, "days")? * 86_400_000_000 + sign * (secs * 1_000_000 + micros_of(&c, "us")?)
    } else if let Some(c) = DURATION_ISO.captures(s) {
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") {
            -1.0
        } else {
            1.0
        };
        let float = |name: &str| -> Option<f64> {
            match c.name(name) {
                Some(m) => m.as_str().replace(',', ".").parse::<f64>().ok(),
                None => Some(0.0),
            }
        };
        let secs = float("days")? * 86_400.0
            + float("hours")? * 3_600.0
            + float("minutes")? * 60.0
            + float("seconds")?;
        let us = (sign * secs * 1e6).round();
        if !us.is_finite() || us.abs() > 9.0e22 {
            return None;
        }
        us as i128
    } else if let Some(c) = DURATION_PG.captures(s) {
        let sign = if c.name("sign").is_some_and(|m| m.as_str() == "-") {
            -1
        } else {
            1
        };
        let secs = int(&c, "hours")? * 3600 + int(&c, "minutes")? * 60 + int(&c, "seconds")?;
        int(&c, "days")? * 86_400_000_000 + sign * (secs * 1_000_000 + micros_of(&c, "us")?)
    } else {
        return None;
    };
    if total.abs() > MAX_DURATION_US {
        return None;
    }
    i64::try_from(total).ok()
}

/// Django's `duration_string`: `HH:MM:SS[.ffffff]`, with `D ` in front for whole days.
pub(super) fn duration_string(us: i64) -> String {
    let day = 86_400_000_000i64;
    let (days, rest) = (us.div_euclid(day), us.rem_euclid(day));
    let (secs, micros) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if days != 0 {
        out = format!("{days} {out}");
    }
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    out
}
