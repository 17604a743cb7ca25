//! Text for models: e-mail bodies as plain text with quoted replies and signatures folded
//! away (HTML to text first), and call transcripts as dialogue.
//!
//! Must not: change what it cannot recognise: a body without a quote or signature comes back
//! whole.

/// Plain text of an HTML body (text nodes, block elements and `<br>` as line breaks).
pub fn html_to_text(html: &str) -> String {
    if !html.contains('<') {
        return html.to_string();
    }
    let spaced = regex::Regex::new(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6]|blockquote)>")
        .map(|re| re.replace_all(html, "$0\n").to_string())
        .unwrap_or_else(|_| html.to_string());
    let doc = scraper::Html::parse_fragment(&spaced);
    let text: String = doc.root_element().text().collect();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = Vec::new();
    for l in lines {
        if l.trim().is_empty() && out.last().is_some_and(|p: &&str| p.trim().is_empty()) {
            continue;
        }
        out.push(l);
    }
    out.join("\n").trim().to_string()
}

/// Where a quoted earlier message starts: `> ` lines, or an attribution line
/// ("On ... wrote:", "Dne ... napsal(a):", "-----Original Message-----").
fn starts_quote(line: &str) -> bool {
    let l = line.trim();
    l.starts_with('>')
        || (l.starts_with("On ") && l.ends_with("wrote:"))
        || (l.starts_with("Dne ") && (l.ends_with("napsal(a):") || l.ends_with("napsal:")))
        || l.contains("-----Original Message-----")
        || l.contains("-----Původní zpráva-----")
}

/// An e-mail body for a model: the new text, with the quoted reply and the signature folded
/// into one line each that says what was left out.
pub fn clean_email(body: &str) -> String {
    let text = html_to_text(body);
    let lines: Vec<&str> = text.lines().collect();
    let quote = lines.iter().position(|l| starts_quote(l));
    let signature = lines.iter().position(|l| *l == "-- " || l.trim() == "--");
    let cut = match (quote, signature) {
        (Some(q), Some(s)) => Some(q.min(s)),
        (q, s) => q.or(s),
    };
    let Some(cut) = cut else {
        return text;
    };
    let mut kept = lines[..cut].join("\n").trim_end().to_string();
    let rest = &lines[cut..];
    let quoted = rest
        .iter()
        .filter(|l| starts_quote(l) || l.trim_start().starts_with('>'));
    let quoted = quoted.count();
    if signature.is_some_and(|s| quote.is_none_or(|q| s < q)) {
        kept.push_str("\n[signature folded]");
    }
    if quote.is_some() {
        kept.push_str(&format!(
            "\n[quoted earlier message folded: {} lines]",
            rest.len().max(quoted)
        ));
    }
    kept.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_signatures_fold() {
        let body = "Dobrý den,\ntiskárna stále nefunguje.\n\n-- \nJan Novák\nAcme s.r.o.\n\n\
            Dne 2. 12. 2026 v 10:00 podpora napsal(a):\n> Zkuste ji restartovat.\n> Díky";
        let c = clean_email(body);
        assert!(
            c.starts_with("Dobrý den,\ntiskárna stále nefunguje."),
            "{c}"
        );
        assert!(c.contains("[signature folded]"), "{c}");
        assert!(c.contains("[quoted earlier message folded"), "{c}");
        assert!(!c.contains("restartovat"), "{c}");
        let html = "<p>Hello <b>team</b>,</p><p>it works.</p><blockquote>On Mon, Dec 1 \
            wrote:<br>&gt; old</blockquote>";
        let c = clean_email(html);
        assert!(c.starts_with("Hello team,"), "{c}");
        assert!(!c.contains("> old"), "{c}");
        assert_eq!(clean_email("Just text."), "Just text.");
    }
}
