//! A small, defensive XML reader shared by the discovery codecs: every text leaf with the local
//! names of the elements above it. A `<!DOCTYPE>` is refused, so entities are never declared or
//! expanded; depth and length are bounded, so hostile replies cannot blow up memory or time.

use quick_xml::Reader;
use quick_xml::events::Event;
use thiserror::Error;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 32;
/// Most XML events read from one document.
const MAX_EVENTS: usize = 10_000;

/// Why a document could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum XmlError {
    #[error("XML error: {0}")]
    Syntax(String),
    #[error("document type declarations are refused")]
    DocType,
    #[error("XML nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("XML longer than {MAX_EVENTS} events")]
    TooLong,
}

/// Every text leaf of a document: (local names from the root down, trimmed text).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Leaves {
    pub root: Option<String>,
    pub leaves: Vec<(Vec<String>, String)>,
}

impl Leaves {
    /// Text of the first leaf whose own local name is `name`.
    pub fn first<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).next()
    }

    /// Texts of every leaf whose own local name is `name`, in document order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.leaves
            .iter()
            .filter(move |(path, _)| path.last().is_some_and(|l| l == name))
            .map(|(_, text)| text.as_str())
    }

    /// Text of the first leaf named `name` with an element named `under` above it.
    pub fn under(&self, under: &str, name: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|(path, _)| {
                path.last().is_some_and(|l| l == name)
                    && path[..path.len().saturating_sub(1)]
                        .iter()
                        .any(|p| p == under)
            })
            .map(|(_, text)| text.as_str())
    }
}

/// Reads a document into its text leaves.
///
/// # Errors
/// [`XmlError`] for malformed XML, a DOCTYPE, excessive depth or length.
pub fn parse_leaves(xml: &str) -> Result<Leaves, XmlError> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Leaves::default();
    let mut text = String::new();
    for _ in 0..MAX_EVENTS {
        match reader
            .read_event()
            .map_err(|e| XmlError::Syntax(e.to_string()))?
        {
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if out.root.is_none() {
                    out.root = Some(name.clone());
                }
                path.push(name);
                if path.len() > MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                text.clear();
            }
            Event::Empty(e) if out.root.is_none() => {
                out.root = Some(e.local_name().as_ref().to_string());
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t),
            Event::GeneralRef(r) => text.push_str(&resolve_reference(&r)),
            Event::End(_) => {
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    out.leaves.push((path.clone(), trimmed.to_string()));
                }
                text.clear();
                path.pop();
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
    Err(XmlError::TooLong)
}

/// Character references and the five predefined entities; anything else is dropped, unexpanded.
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match &**r {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The billion-laughs shape never gets as far as an entity: the DOCTYPE is refused.
    #[test]
    fn refuses_doctype() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>"#;
        assert_eq!(parse_leaves(xml), Err(XmlError::DocType));
    }

    #[test]
    fn reads_leaves_with_paths_and_predefined_entities() {
        let doc =
            parse_leaves("<a:R xmlns:a='x'><a:B><C>x &amp; y</C></a:B><C>z</C></a:R>").unwrap();
        assert_eq!(doc.root.as_deref(), Some("R"));
        assert_eq!(doc.under("B", "C"), Some("x & y"));
        assert_eq!(doc.all("C").collect::<Vec<_>>(), vec!["x & y", "z"]);
    }

    #[test]
    fn bounds_depth() {
        let xml = "<a>".repeat(100);
        assert_eq!(parse_leaves(&xml), Err(XmlError::TooDeep));
    }
}
