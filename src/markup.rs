//! The one escaper for the markup camsweep writes: report.html and fleet.html (their templates
//! auto-escape with it), the SVG pictures in the report, report.nmap.xml, and the XML requests the
//! probes send (WS-Discovery, SSDP, SADP) and the lab's devices answer. It is minijinja's HTML
//! escaper, so a value reads the same wherever it lands: `&`, `<`, `>`, `"`, `'` and `/` become
//! entities that XML 1.0 and HTML5 both read, in text and in attribute values alike.
//!
//! Device text must have its hidden characters made visible first
//! ([`report::sanitize::markup`](crate::report::sanitize::markup) does both).

/// `text` with every markup character escaped.
pub fn escape(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What XML and HTML parsers read back is the text itself (checked with quick-xml's
    /// unescaper, a second implementation).
    #[test]
    fn parsers_read_back_the_text() {
        for text in [
            "a<b>&'c\"d/e",
            "<script>alert(1)</script>",
            "&amp; already",
            "plain 中文",
        ] {
            let escaped = escape(text);
            assert!(!escaped.contains('<') && !escaped.contains('"') && !escaped.contains('\''));
            assert_eq!(quick_xml::escape::unescape(&escaped).unwrap(), text);
        }
    }
}
