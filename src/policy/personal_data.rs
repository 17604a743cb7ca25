//! Personal data in what an agent writes: e-mail addresses and phone numbers, found on
//! normalised text rather than by a regex over the raw characters.
//!
//! Owns: [`normalise`] (HTML to text with entities decoded, Unicode NFKC, zero-width and bidi
//! controls removed, every dash made `-`, spelled-out `at`/`dot` and `[at]` forms turned into
//! `@` and `.`) and [`find`], which reports the first address or number in a text. Addresses
//! are found by `linkify` (a maintained e-mail/URL finder that gets boundaries right);
//! international numbers (`+` or `00`) are checked by `phonenumber` (libphonenumber's data),
//! and national numbers count when they are long enough to be one (10 to 15 digits), or
//! shorter but valid in a common region and written like a phone number.
//! Must not: do I/O, or decide anything: it answers "is there personal data here", and the
//! policy rules decide what that means (the shipped policy asks for confirmation).

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// What was found, for the decision's explanation (never logged with the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Email,
    Phone,
}

/// Characters a reader does not see but that change what text says or how it is shown:
/// zero-width characters, bidi controls, the soft hyphen, the BOM.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

fn dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{2E3A}'
                | '\u{2E3B}'
    )
}

static BRACKET_AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\s*[\[({<]\s*at\s*[\])}>]\s*").expect("static regex"));
static BRACKET_DOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\s*[\[({<]\s*dot\s*[\])}>]\s*").expect("static regex"));
/// `name at example dot com`: both words spelled out, so prose like "look at example.com"
/// is left alone.
static SPELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)([\w.+-]+)\s+at\s+([\w-]+(?:\s+dot\s+[\w-]+)+)").expect("static regex")
});
static SPELLED_DOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\s+dot\s+").expect("static regex"));
/// A run of digits with the separators people put in phone numbers.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+|\b00)?\(?\d(?:[\s().\-/]{0,3}\d){6,16}").expect("static regex")
});
/// Dates, times and IPv4 addresses are not phone numbers: they are blanked out first.
static NOT_A_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T\s]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
        r"|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b",
        r"|\b\d{1,2}:\d{2}(?::\d{2})?\b",
        r"|\b\d{1,3}(?:\.\d{1,3}){3}\b",
    ))
    .expect("static regex")
});

static EMAILS: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut f = LinkFinder::new();
    f.kinds(&[LinkKind::Email]);
    f
});

/// Regions whose numbers are checked when a short number (7 to 9 digits) has no `+`.
const REGIONS: &[phonenumber::country::Id] = &[
    phonenumber::country::Id::US,
    phonenumber::country::Id::GB,
    phonenumber::country::Id::DE,
    phonenumber::country::Id::FR,
];

/// The text as a person reads it: HTML rendered to text, compatibility forms folded (NFKC:
/// fullwidth `＠` is `@`), invisible characters removed, dashes unified, and spelled-out or
/// bracketed `at` / `dot` written as `@` and `.`.
pub fn normalise(raw: &str) -> String {
    let text = if raw.contains('<') || raw.contains('&') {
        html_text(raw)
    } else {
        raw.to_string()
    };
    let folded: String = text
        .nfkc()
        .filter(|c| !invisible(*c))
        .map(|c| if dash(c) { '-' } else { c })
        .collect();
    let s = BRACKET_AT.replace_all(&folded, "@");
    let s = BRACKET_DOT.replace_all(&s, ".");
    SPELLED
        .replace_all(&s, |c: &regex::Captures| {
            format!("{}@{}", &c[1], SPELLED_DOT.replace_all(&c[2], "."))
        })
        .into_owned()
}

/// HTML (as helpdesks store bodies) to the text a reader sees: tags dropped without adding
/// space (so `a<span>@</span>b` stays one word), entities decoded.
fn html_text(raw: &str) -> String {
    let doc = scraper::Html::parse_fragment(raw);
    doc.root_element().text().collect()
}

/// The first kind of personal data in `raw`, if any.
pub fn find(raw: &str) -> Option<Found> {
    let text = normalise(raw);
    if EMAILS.links(&text).next().is_some() {
        return Some(Found::Email);
    }
    let text = NOT_A_NUMBER.replace_all(&text, " ");
    // A number glued to letters (a hex id, "INV123...") is part of a word, not a phone number.
    let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    NUMBER
        .find_iter(&text)
        .filter(|m| {
            !glued(text[..m.start()].chars().next_back()) && !glued(text[m.end()..].chars().next())
        })
        .any(|m| is_phone(m.as_str().trim()))
        .then_some(Found::Phone)
}

fn is_phone(candidate: &str) -> bool {
    let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
    let international = candidate.starts_with('+') || candidate.starts_with("00");
    if international {
        let plus = format!("+{}", digits.trim_start_matches("00"));
        if phonenumber::parse(None, &plus).is_ok_and(|n| phonenumber::is_valid(&n)) {
            return true;
        }
    }
    match digits.len() {
        10..=15 => true,
        7..=9 => {
            // Short numbers only when written like one (with separators) and valid somewhere
            // common, so that "order 4711815" is not a phone number.
            candidate.chars().any(|c| !c.is_ascii_digit())
                && REGIONS.iter().any(|r| {
                    phonenumber::parse(Some(*r), &digits).is_ok_and(|n| phonenumber::is_valid(&n))
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_forms_are_found() {
        for s in [
            "pat.doe@example.com",
            "pat dot doe at example dot com",
            "pat.doe[at]example.com",
            "pat.doe (at) example (dot) com",
            "pat.doe@exa\u{200b}mple.com",
            "pat.doe\u{ff20}example.com",
            "pat.doe&#64;example.com",
            "pat.doe<span>@</span>example.com",
            "pat.\u{202e}doe@example.com",
        ] {
            assert_eq!(find(s), Some(Found::Email), "{s}");
        }
        for s in [
            "+4915112345678",
            "+49 151 1234 5678",
            "5551234567",
            "555\u{2011}123\u{2011}4567",
            "0 1 5 1 1 2 3 4 5 6 7 8",
            "(555) 123-4567",
            "0049 30 1234567",
        ] {
            assert_eq!(find(s), Some(Found::Phone), "{s}");
        }
    }

    #[test]
    fn ordinary_text_is_not_personal_data() {
        for s in [
            "Fixed in release 2026.12 after 3 tries",
            "ticket 4711 and 4712",
            "Look at example.com for the manual",
            "meet at noon",
            "due 2026-12-02 09:30",
            "on 02.12.2026",
            "order 4711815",
            "py-fault-fail-bfe0ee0a6a8b48798839233d595ed99d",
            "INV20261202000123",
            "version 1.2.3",
            "server 192.168.100.200 is down",
            "from 2026-12-02T09:30:00Z to 2026-12-03",
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }
}
