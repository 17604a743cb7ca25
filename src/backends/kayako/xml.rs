//! Kayako's XML answers as a tree of elements, read with quick-xml: CDATA sections (also when
//! the server splits `]]>` across two of them), entities, character references and non-ASCII
//! text intact, every value a string.
//!
//! Owns: [`parse`] and [`Element`]'s lookups. Must not: give a value a type (models.rs decides
//! which fields are numbers), or know Kayako's element names.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::{Error, ErrorKind, Result};

/// One element: its name, attributes, text (for a leaf) and children, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name` (empty when absent or empty).
    pub fn text_of(&self, name: &str) -> String {
        self.child(name).map(|c| c.text.clone()).unwrap_or_default()
    }

    /// The attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn bad(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Upstream,
        format!("Kayako answered {what} with XML that cannot be read ({e})"),
    )
}

/// A leaf's text while it is read: whether any part was CDATA.
#[derive(Default)]
struct Text {
    parts: Vec<(bool, String)>,
}

impl Text {
    fn finish(self) -> String {
        let cdata = self.parts.iter().any(|(c, _)| *c);
        if cdata {
            // Whitespace between CDATA sections is layout; text next to one is kept.
            self.parts
                .into_iter()
                .filter(|(c, s)| *c || !s.trim().is_empty())
                .map(|(_, s)| s)
                .collect()
        } else {
            let all: String = self.parts.into_iter().map(|(_, s)| s).collect();
            all.trim().to_string()
        }
    }
}

/// The document's root element. Anything before `<?xml` (PHP notices) is skipped.
pub fn parse(body: &str, what: &str) -> Result<Element> {
    let body = body.find("<?xml").map_or(body, |at| &body[at..]);
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<(Element, Text)> = Vec::new();
    let mut root = None;
    let start = |e: &quick_xml::events::BytesStart<'_>| -> Result<Element> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| bad(what, e))?;
            let key = String::from_utf8_lossy(a.key.local_name().as_ref()).to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::default())
                .map_err(|e| bad(what, e))?
                .to_string();
            attrs.push((key, value));
        }
        Ok(Element {
            name: String::from_utf8_lossy(e.local_name().as_ref()).to_string(),
            attrs,
            ..Element::default()
        })
    };
    loop {
        let event = reader.read_event().map_err(|e| bad(what, e))?;
        match event {
            Event::Start(e) => stack.push((start(&e)?, Text::default())),
            Event::Empty(e) => {
                let el = start(&e)?;
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some((mut el, text)) = stack.pop() else {
                    return Err(bad(what, "a closing tag without an opening one"));
                };
                let text = text.finish();
                if el.children.is_empty() {
                    el.text = text;
                }
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some((_, text)) = stack.last_mut() {
                    let s = t.decode().map_err(|e| bad(what, e))?;
                    text.parts.push((false, s.to_string()));
                }
            }
            Event::CData(c) => {
                if let Some((_, text)) = stack.last_mut() {
                    let s = c.decode().map_err(|e| bad(what, e))?;
                    text.parts.push((true, s.to_string()));
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, text)) = stack.last_mut() {
                    let resolved = match r.resolve_char_ref().map_err(|e| bad(what, e))? {
                        Some(c) => c.to_string(),
                        None => {
                            let name = r.decode().map_err(|e| bad(what, e))?;
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .map(str::to_string)
                                .ok_or_else(|| bad(what, format!("unknown entity &{name};")))?
                        }
                    };
                    text.parts.push((false, resolved));
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad(what, "the document ends inside an element"));
    }
    root.ok_or_else(|| bad(what, "no element in the answer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_entities_and_types_stay_strings() {
        let xml = "Notice: undefined index\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
            <tickets>\n<ticket id=\"7\" flagtype=\"0\" note=\"R&amp;D &quot;x&quot;\">\n\
            <displayid><![CDATA[ABC-123-00123]]></displayid>\n\
            <subject><![CDATA[00123]]></subject>\n\
            <fullname><![CDATA[true]]></fullname>\n\
            <contents><![CDATA[a ]]]]><![CDATA[> b <b>&amp; 👩‍💻 Příliš]]></contents>\n\
            <plain>R&amp;D &#x1F600; &lt;x&gt;</plain>\n\
            <ownerstaffname />\n<padded><![CDATA[  two  ]]></padded>\n\
            </ticket>\n</tickets>";
        let root = parse(xml, "a ticket").unwrap();
        assert_eq!(root.name, "tickets");
        let t = root.child("ticket").unwrap();
        assert_eq!(t.attr("id"), Some("7"));
        assert_eq!(t.attr("note"), Some("R&D \"x\""));
        assert_eq!(t.text_of("displayid"), "ABC-123-00123");
        assert_eq!(t.text_of("subject"), "00123");
        assert_eq!(t.text_of("fullname"), "true");
        assert_eq!(t.text_of("contents"), "a ]]> b <b>&amp; 👩‍💻 Příliš");
        assert_eq!(t.text_of("plain"), "R&D 😀 <x>");
        assert_eq!(t.text_of("ownerstaffname"), "");
        assert_eq!(t.text_of("padded"), "  two  ");
    }

    #[test]
    fn broken_xml_is_an_upstream_error() {
        let e = parse("<tickets><ticket>", "tickets").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Upstream);
        assert!(e.message.contains("tickets"), "{e}");
        assert!(parse("FAILED TO AUTHENTICATE", "tickets").is_err());
    }
}
