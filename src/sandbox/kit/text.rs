//! Text helpers: e-mail address checks, HTML escaping, HTML to plain text, percent-decoding and
//! random strings.
//!
//! Owns: the small, lenient conversions simulators apply to bodies, and the random strings
//! they hand out as keys and tokens.
//! Must not: decide how an upstream stores a body (that convention is the simulator's).

use std::sync::LazyLock;

use rand::Rng;
use regex::Regex;

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$").expect("valid regex"));
static BREAKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr|blockquote)>").expect("valid regex")
});
static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
static BLANK_LINES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\n[ \t]*\n[\s]*\n").expect("valid regex"));

/// `local@domain.tld`, ignoring surrounding blanks.
pub fn valid_email(s: &str) -> bool {
    EMAIL.is_match(s.trim())
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plain text of an HTML body: block ends and `<br>` become line breaks, tags go, common
/// entities are decoded and runs of blank lines collapse to one.
pub fn to_text(html: &str) -> String {
    let s = BREAKS.replace_all(html, "\n");
    let s = TAGS.replace_all(&s, "");
    let s = s
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    BLANK_LINES.replace_all(&s, "\n\n").trim().to_string()
}

/// `len` characters drawn from `alphabet` (empty when `alphabet` is).
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    if alphabet.is_empty() {
        return String::new();
    }
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// `%XX` escapes decoded (a `+` stays a `+`, as in a path); a malformed escape is kept as it
/// is and invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && hex.bytes().all(|x| x.is_ascii_hexdigit())
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
