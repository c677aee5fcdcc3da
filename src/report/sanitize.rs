//! Making device-supplied text harmless in each output format.
//!
//! Banners, titles and names come from devices that may be hostile: they can carry terminal escape
//! sequences, bidi overrides that reorder what an inspector reads, Markdown that forges links, or
//! spreadsheet formulas. Every renderer passes such values through one of these functions.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that must never reach an output raw: C0/C1 controls, DEL, bidi controls,
/// zero-width characters and the BOM (they change what is displayed without being visible).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Shows hidden characters as visible escapes (`\n`, `\t`, `\x1b`, `\u{202e}`); keeps everything else.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// Text for the terminal: control and bidi characters (ESC, OSC, BEL, U+202E …) shown as visible
/// escapes so nothing from an input or a device reaches the terminal raw; line breaks and tabs
/// are kept. Every message camsweep prints (errors, warnings, tables) goes through this.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.contains(|c: char| c != '\n' && c != '\t' && is_hidden(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            line.split('\t')
                .map(|part| visible(part).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        // Writing to a String cannot fail.
        c if (c as u32) < 0x80 && is_hidden(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_hidden(c) => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// A value for HTML, SVG or XML text or an attribute: hidden characters made visible, then every
/// markup character escaped ([`crate::markup::escape`]).
pub fn markup(text: &str) -> String {
    crate::markup::escape(&visible(text))
}

/// A value for a Markdown table cell or paragraph: hidden characters made visible, then every
/// character that could start Markdown or HTML markup escaped, so a banner cannot break a table,
/// forge a link or inject a tag.
pub fn markdown(text: &str) -> String {
    let shown = visible(text);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One CSV field (RFC 4180): hidden characters other than line breaks and tabs made visible, a
/// leading `'` before anything a spreadsheet would run as a formula, and quoted when needed.
pub fn csv_field(text: &str) -> String {
    let mut value = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => value.push(c),
            c => push_visible(&mut value, c),
        }
    }
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        value.insert(0, '\'');
    }
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_sent() {
        assert_eq!(visible("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
        assert_eq!(visible("a\r\nb\tc\x7f"), "a\\r\\nb\\tc\\x7f");
        assert_eq!(visible("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(visible("\u{9b}2J"), "\\u{009b}2J");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        assert!(matches!(
            visible("海康威视 DS-2CD2143G0-I"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn markdown_cannot_break_tables_or_inject_html() {
        assert_eq!(
            markdown("a|b `c` <script>&"),
            "a\\|b \\`c\\` &lt;script&gt;&amp;"
        );
        assert_eq!(markdown("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(markdown("line\nbreak"), "line\\\\nbreak");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("\rx"), "\"'\rx\"");
        assert_eq!(csv_field("\x1b[2J"), "\\x1b[2J");
    }
}
