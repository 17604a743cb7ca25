//! The XML writer, as the server's `SWIFT_XML` writes: the declaration, one element a line
//! indented with tabs, every scalar value in CDATA, an empty value as a self-closing tag,
//! parent tags always written (even with nothing inside), control characters stripped, `]]>`
//! inside a value split across two CDATA sections, attribute values HTML-escaped.
//!
//! Owns: [`Xml`] and the text cleaning it applies. Must not: know any record or element name.

use crate::sandbox::kit::text::escape_html;

const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Whether `c` is left out of a value: the characters XML 1.0 does not allow (C0 controls but
/// tab, line feed and carriage return; U+FFFE and U+FFFF).
fn stripped(c: char) -> bool {
    let c0 = matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}');
    c0 || matches!(c, '\u{fffe}' | '\u{ffff}')
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !stripped(*c)).collect()
}

/// `s` in CDATA, a `]]>` inside it split as `]]]]><![CDATA[>`.
pub(super) fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", clean(s).replace("]]>", "]]]]><![CDATA[>"))
}

fn attributes(attrs: &[(&str, String)]) -> String {
    attrs
        .iter()
        .map(|(k, v)| format!(" {k}=\"{}\"", escape_html(&clean(v))))
        .collect()
}

/// A document being written.
pub(super) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// A document with its declaration.
    pub(super) fn new() -> Self {
        Xml {
            out: String::from(DECLARATION),
            depth: 0,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push('\t');
        }
    }

    /// `<tag attrs>` on its own line; what follows is inside it until [`Xml::close`].
    pub(super) fn open(&mut self, tag: &str, attrs: &[(&str, String)]) {
        self.indent();
        self.out
            .push_str(&format!("<{tag}{}>\n", attributes(attrs)));
        self.depth += 1;
    }

    pub(super) fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str(&format!("</{tag}>\n"));
    }

    /// `<tag><![CDATA[value]]></tag>`, or `<tag />` when the value is empty.
    pub(super) fn value(&mut self, tag: &str, value: impl ToString) {
        self.text(tag, &[], &value.to_string());
    }

    /// A value with attributes: `<tag a="..."><![CDATA[text]]></tag>`, or `<tag a="..." />`.
    pub(super) fn text(&mut self, tag: &str, attrs: &[(&str, String)], text: &str) {
        self.indent();
        let attrs = attributes(attrs);
        if clean(text).is_empty() {
            self.out.push_str(&format!("<{tag}{attrs} />\n"));
        } else {
            self.out
                .push_str(&format!("<{tag}{attrs}>{}</{tag}>\n", cdata(text)));
        }
    }

    /// `<tag a="..." />`.
    pub(super) fn empty(&mut self, tag: &str, attrs: &[(&str, String)]) {
        self.text(tag, attrs, "");
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// One attribute for [`Xml::open`] and [`Xml::text`].
pub(super) fn attr(name: &'static str, value: impl ToString) -> (&'static str, String) {
    (name, value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_splits_its_terminator_and_drops_controls() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        assert_eq!(cdata("x\u{1}y\tz"), "<![CDATA[xy\tz]]>");
        let mut x = Xml::new();
        x.open("r", &[("id", "1".into()), ("n", "a\"<&>".into())]);
        x.value("e", "");
        x.value("v", 0);
        x.close("r");
        assert_eq!(
            x.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <r id=\"1\" n=\"a&quot;&lt;&amp;&gt;\">\n\t<e />\n\t<v><![CDATA[0]]></v>\n</r>\n"
        );
    }
}
