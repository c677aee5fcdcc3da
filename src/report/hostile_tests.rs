//! One hostile device, every renderer: a title with a script tag, both quote kinds, an RTL
//! override (U+202E) and an ANSI colour escape, and banners that try Markdown and spreadsheet
//! injection, come out escaped or neutralised in the HTML page, the Markdown and every CSV file.

use super::testdata::{HOSTILE_FORMULA, HOSTILE_TITLE, sample_report};
use super::{Lang, render_case_csvs, render_csv, render_html, render_markdown};

const RLO: char = '\u{202e}';
const ESC: char = '\x1b';

#[test]
fn the_hostile_title_is_escaped_in_html() {
    for lang in [Lang::Zh, Lang::En] {
        let page = render_html(&sample_report(), lang).unwrap();
        assert!(!page.contains(HOSTILE_TITLE));
        assert!(!page.contains("<script"), "raw script tag");
        assert!(!page.contains(RLO) && !page.contains(ESC), "raw RLO or ESC");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(page.contains("&quot;quoted&quot; &amp; &#x27;single&#x27;"));
        assert!(page.contains("\\u{202e}gnp.exe"), "RLO shown as an escape");
        assert!(page.contains("\\x1b[31mRED"), "ESC shown as an escape");
    }
}

#[test]
fn the_hostile_title_is_escaped_in_markdown() {
    for lang in [Lang::Zh, Lang::En] {
        let text = render_markdown(&sample_report(), lang);
        assert!(!text.contains("<script") && !text.contains("</script"));
        assert!(!text.contains(RLO) && !text.contains(ESC));
        assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt; \"quoted\" &amp; 'single'"));
        // The escape's own backslash is escaped for Markdown, so it shows literally.
        assert!(
            text.contains("\\\\u{202e}gnp.exe"),
            "RLO shown as an escape"
        );
        assert!(text.contains("\\\\x1b\\[31mRED"), "ESC shown as an escape");
    }
}

#[test]
fn the_hostile_title_is_quoted_and_formulas_defused_in_every_csv() {
    let report = sample_report();
    let mut files = vec![("inventory.csv", render_csv(&report))];
    files.extend(render_case_csvs(&report, Lang::En, &"0".repeat(64)));
    for (name, csv) in &files {
        assert!(
            !csv.contains(RLO) && !csv.contains(ESC),
            "{name}: raw RLO or ESC"
        );
        assert!(!csv.contains('\x07'), "{name}: raw BEL");
        // No field may start with a formula character: after a separator or a line start,
        // = + - @ only ever follow the ' guard (or are inside a quoted field that starts with ').
        for line in csv.lines() {
            for field in line.split(',') {
                let field = field.trim_start_matches('"');
                assert!(
                    !field.starts_with(['=', '+', '@']),
                    "{name}: field starts a formula: {line}"
                );
            }
        }
    }
    let evidence = &files.iter().find(|(n, _)| *n == "evidence.csv").unwrap().1;
    assert!(
        evidence.contains(
            "\"<script>alert(1)</script> \"\"quoted\"\" & 'single' \\u{202e}gnp.exe \\x1b[31mRED\\x1b[0m\""
        ),
        "{evidence}"
    );
    assert!(
        evidence.contains(&format!("'{HOSTILE_FORMULA}")) || evidence.contains("\"'=cmd|"),
        "{evidence}"
    );
    let inventory = &files[0].1;
    assert!(inventory.contains("\"'=HYPERLINK("), "{inventory}");
}
