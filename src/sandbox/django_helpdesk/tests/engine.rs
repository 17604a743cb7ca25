//! The pure parts: templates, durations, dates, CSRF masking and e-mail validation.

use chrono::{TimeDelta, TimeZone, Utc};

use super::super::csrf::{CSRF_CHARS, mask_secret, unmask_token};
use super::super::dates::{
    django_datetime, duration_string, naturaltime, parse_datetime_input, parse_duration,
};
use super::super::drf::serializers::drf_dt;
use super::super::drf::validation::valid_email;
use super::super::templates::render_followup_comment;
use super::*;

#[test]
fn templates_durations_and_times() {
    let ctx =
        json!({"ticket": {"title": "A & B", "status": 1, "on_hold": false, "resolution": null}});
    let r = |s: &str| render_followup_comment(s, &ctx);
    assert_eq!(r("{{ ticket.title }}").unwrap(), "A &amp; B");
    assert_eq!(r("{{ \"{{\" }}").unwrap(), "{{");
    assert_eq!(
        r("{% for x in y %}{{ x }}{% endfor %}").unwrap(),
        "{% for x in y %}{% endfor %}"
    );
    assert_eq!(r("a{# note #}b").unwrap(), "ab");
    assert_eq!(
        r(
            "{{ ticket.status }} {{ ticket.on_hold }} {{ ticket.resolution }} \
             {{ ticket.missing|default:\"none\" }}"
        )
        .unwrap(),
        "1 False None none"
    );
    assert!(r("{% unclosed").is_err());
    assert!(r("{{ }}").is_err());
    assert!(r("{{ ticket._secret }}").is_err());
    assert!(r("{{ a b }}").is_err());

    assert_eq!(parse_duration("01:30:00"), Some(5_400_000_000));
    assert_eq!(parse_duration("5400"), Some(5_400_000_000));
    assert_eq!(parse_duration("PT2H30M"), Some(9_000_000_000));
    assert_eq!(parse_duration("1 02:00:00"), Some(93_600_000_000));
    assert_eq!(parse_duration("nope"), None);
    assert_eq!(duration_string(5_400_000_000), "01:30:00");
    assert_eq!(
        duration_string(parse_duration("-00:10:00").unwrap()),
        "-1 23:50:00"
    );
    assert_eq!(duration_string(1_500_000), "00:00:01.500000");

    let at = Utc
        .with_ymd_and_hms(2026, 11, 21, 6, 43, 0)
        .single()
        .unwrap();
    assert_eq!(django_datetime(at), "Nov. 21, 2026, 6:43 a.m.");
    assert_eq!(naturaltime(at - TimeDelta::minutes(5), at), "5 minutes ago");
    assert_eq!(
        naturaltime(at - TimeDelta::hours(50), at),
        "2\u{a0}days, 2\u{a0}hours ago"
    );
    assert_eq!(
        naturaltime(at + TimeDelta::days(3), at),
        "3\u{a0}days from now"
    );
    assert_eq!(naturaltime(at, at), "now");
    assert_eq!(
        parse_datetime_input("2026-12-31")
            .map(|d| drf_dt(&d))
            .as_deref(),
        Some("2026-12-31T00:00:00Z")
    );
    assert_eq!(parse_datetime_input("2026-02-30T10:00"), None);

    let secret = random_string(32, CSRF_CHARS);
    assert_eq!(unmask_token(&mask_secret(&secret)), secret);
    assert!(valid_email("a.b+c@example.co.uk"));
    assert!(!valid_email("a@b"));
    assert!(!valid_email("nope"));
}
