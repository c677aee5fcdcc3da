//! Every Chinese and English label (the reports', the policy's sentences, fleet.html's, the
//! terminal summary's), read once from the one locale file, `locales/zh-CN.toml`, built into the
//! binary (the command line's own texts, keyed by their English, are in the same file and read by
//! `cli/locale.rs`).
//!
//! Labels are grouped in sections (`[report.doc_title]`, `[case.cover_title]`,
//! `[device_type.camera]` …), each entry with its `zh` and its `en`. Code names a label by a
//! typed field ([`label_table!`] makes a struct with one field per key of a section) or, for a
//! closed vocabulary, by the vocabulary's own word (`device_type` × `DeviceType::as_str`).
//! Tests check that the file parses, that every entry has both languages, that every field and
//! word has its entry and that no entry is left unused. Templates hold `{name}` holes that
//! [`fill`] puts values in.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The locale file, built into the binary.
const FILE: &str = include_str!("../locales/zh-CN.toml");

/// One label in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    zh: String,
    en: String,
}

/// The file: the command line's `[[text]]` list (not read here) and the label sections.
#[derive(Debug, Deserialize)]
struct File {
    #[serde(default, rename = "text")]
    _command_line: Vec<toml::Table>,
    #[serde(flatten)]
    sections: BTreeMap<String, BTreeMap<String, Pair>>,
}

/// Section → key → (zh, en), loaded once per process and kept for its life.
type Sections = BTreeMap<String, BTreeMap<String, (&'static str, &'static str)>>;

static LABELS: LazyLock<Result<Sections, String>> = LazyLock::new(|| load(FILE));

fn load(text: &str) -> Result<Sections, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Ok(file
        .sections
        .into_iter()
        .map(|(section, entries)| {
            let entries = entries
                .into_iter()
                .map(|(key, pair)| (key, (leak(pair.zh), leak(pair.en))))
                .collect();
            (section, entries)
        })
        .collect())
}

/// The label `section.key` in Chinese (`zh`) or English, if the file has it.
pub fn try_label(section: &str, key: &str, zh: bool) -> Option<&'static str> {
    let (z, e) = LABELS.as_ref().ok()?.get(section)?.get(key)?;
    Some(if zh { z } else { e })
}

/// The label `section.key`. A key the file lacks (a test forbids it for every typed key) shows
/// as "(missing label)" and is logged, never a crash.
pub fn label(section: &str, key: &str, zh: bool) -> &'static str {
    try_label(section, key, zh).unwrap_or_else(|| {
        tracing::error!("locales/zh-CN.toml has no label {section}.{key}");
        "(missing label)"
    })
}

/// A template with its `{name}` holes filled in from `values`; a hole without a value is left as
/// it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The template `section.key` in Chinese or English, filled in.
pub fn template(section: &str, key: &str, zh: bool, values: &[(&str, &str)]) -> String {
    fill(label(section, key, zh), values)
}

/// A scan note line (English, as report.json holds it) in Chinese (`zh`) when it fits one of the
/// locale file's `note` sentences: the values in its holes are put in the Chinese sentence. A
/// line a sentence fits after a host's address (`198.18.0.9: …`) keeps the address in front.
/// English, and a line no sentence fits, come back as they are. For lines without their typed
/// note (`scan.note_items`): reports written before it existed.
pub fn note(note: &str, zh: bool) -> String {
    if !zh {
        return note.to_string();
    }
    if let Some(said) = note_sentence(note) {
        return said;
    }
    note.split_once(": ")
        .and_then(|(subject, rest)| {
            let rest = note_sentence(rest)?;
            Some(template(
                "note",
                "about",
                true,
                &[("subject", subject), ("note", &rest)],
            ))
        })
        .unwrap_or_else(|| note.to_string())
}

/// `line` in the Chinese of the most specific `note` sentence (the most fixed text) it fits.
/// The sentences that only join other notes (`about`, `separator`, `{parts}`) fit nothing here.
fn note_sentence(line: &str) -> Option<String> {
    let templates = LABELS.as_ref().ok()?.get("note")?;
    templates
        .iter()
        .filter(|(key, (_, en))| {
            !matches!(key.as_str(), "about" | "separator") && !en.contains("{parts}")
        })
        .filter_map(|(_, (zh, en))| {
            let values = holes(en, line)?;
            let fixed = en.len() - values.iter().map(|(n, _)| n.len() + 2).sum::<usize>();
            // A sentence that is all hole fits any line and says nothing of it.
            (fixed > 0).then_some((fixed, zh, values))
        })
        .max_by_key(|(fixed, _, _)| *fixed)
        .map(|(_, zh, values)| fill(zh, &values))
}

/// The values of `template`'s `{name}` holes when `text` reads as the template: each hole takes
/// the shortest text up to the next fixed part, the last one runs to the template's end.
fn holes<'a>(template: &'a str, text: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    // Fixed parts and hole names, alternating: part, name, part, … part.
    let mut parts = vec![];
    let mut names = vec![];
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        parts.push(&rest[..open]);
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    parts.push(rest);
    let mut remaining = text.strip_prefix(parts[0])?;
    let mut values = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let next = parts[i + 1];
        let last = i + 1 == names.len();
        let at = if last {
            remaining.strip_suffix(next)?.len()
        } else if next.is_empty() {
            return None;
        } else {
            remaining.find(next)?
        };
        let value = &remaining[..at];
        if value.is_empty() {
            return None;
        }
        values.push((*name, value));
        remaining = &remaining[at + next.len()..];
    }
    (!names.is_empty() || remaining.is_empty()).then_some(values)
}

/// A struct of `&'static str` labels, one field per key of a section of the locale file, with
/// `KEYS` (the field names, for the tests) and `load(zh)`.
macro_rules! label_table {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident in $section:literal {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : &'static str ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field: &'static str, )*
        }

        impl $name {
            /// The locale file's section these labels are read from.
            #[allow(dead_code, reason = "read by the locale tests")]
            pub const SECTION: &'static str = $section;
            /// The keys of the section, one per field.
            #[allow(dead_code, reason = "read by the locale tests")]
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The labels in Chinese (`zh`) or English.
            pub fn load(zh: bool) -> Self {
                Self { $( $field: $crate::locale::label($section, stringify!($field), zh), )* }
            }
        }
    };
}
pub(crate) use label_table;

/// The keys of a section of the locale file (tests).
#[cfg(test)]
pub(crate) fn keys(section: &str) -> Vec<String> {
    LABELS
        .as_ref()
        .ok()
        .and_then(|s| s.get(section))
        .map(|e| e.keys().cloned().collect())
        .unwrap_or_default()
}

/// The sections of the locale file (tests).
#[cfg(test)]
pub(crate) fn sections() -> Vec<String> {
    LABELS
        .as_ref()
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default()
}

/// Asserts that a section of the locale file has exactly `keys`, each in both languages
/// (tests of the typed tables and of the sections keyed by a vocabulary's words).
#[cfg(test)]
pub(crate) fn assert_section_has_exactly(section: &str, keys: &[&str]) {
    let mut wanted: Vec<String> = keys.iter().map(|k| (*k).to_string()).collect();
    wanted.sort();
    wanted.dedup();
    let have = self::keys(section);
    let missing: Vec<&String> = wanted.iter().filter(|k| !have.contains(k)).collect();
    let unread: Vec<&String> = have.iter().filter(|k| !wanted.contains(k)).collect();
    assert!(
        missing.is_empty() && unread.is_empty(),
        "locales/zh-CN.toml [{section}.*]: missing {missing:?}, read by nothing {unread:?}"
    );
    for key in keys {
        for zh in [true, false] {
            assert!(try_label(section, key, zh).is_some(), "{section}.{key}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file parses, and every label has both languages and neither is empty.
    #[test]
    fn every_label_has_chinese_and_english() {
        let sections = LABELS.as_ref().unwrap();
        assert!(sections.len() >= 8, "{:?}", sections.keys());
        for (section, entries) in sections {
            for (key, (zh, en)) in entries {
                let blank = |s: &str| s.trim().is_empty() && !s.is_empty();
                assert!(
                    !blank(zh) && !blank(en),
                    "{section}.{key}: a language is blank"
                );
                // A template's holes are the same in both languages.
                let holes = |s: &str| {
                    let mut h: Vec<String> = s
                        .split('{')
                        .skip(1)
                        .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                        .collect();
                    h.sort();
                    h
                };
                // The one template whose languages say different things, by design.
                if (section.as_str(), key.as_str()) == ("finding_text", "provision") {
                    continue;
                }
                assert_eq!(holes(zh), holes(en), "{section}.{key}: holes differ");
            }
        }
        // Missing a language is a parse error, so a test of the loader shows it.
        let err = load("[report.x]\nen = \"x\"\n").unwrap_err();
        assert!(err.contains("zh"), "{err}");
    }

    /// A note of the model or the report reads in Chinese in a Chinese report, values kept;
    /// English and notes no template fits are left alone.
    #[test]
    fn notes_fitting_a_template_read_in_chinese() {
        let damaged = crate::model::DamagedCapture {
            path: "shop.pcap".into(),
            offset: 4096,
            reason: "truncated record".into(),
        }
        .note()
        .en();
        assert_eq!(
            damaged,
            "shop.pcap: capture damaged at byte 4096: truncated record; analysed up to there"
        );
        assert_eq!(note(&damaged, false), damaged);
        let zh = note(&damaged, true);
        assert!(
            zh.starts_with("shop.pcap：") && zh.contains("4096") && zh.contains("truncated record"),
            "{zh}"
        );
        let redacted = label("note", "redacted", false);
        assert_ne!(note(redacted, true), redacted);
        assert_eq!(
            note("1 address(es) of this machine skipped", true),
            "已跳过本机的 1 个地址"
        );
        // After a host's address, the address kept in front.
        assert_eq!(
            note("198.18.0.9: zk 4370: terminal did not tell its name", true),
            "198.18.0.9：ZK 端口 4370：终端未报告其名称"
        );
        assert_eq!(
            note(
                "198.18.0.66: HTTP probe on port 8080 timed out after 5 s",
                true
            ),
            "198.18.0.66: HTTP probe on port 8080 timed out after 5 s"
        );
        assert_eq!(
            note("shop.pcap: capture damaged", true),
            "shop.pcap: capture damaged"
        );
    }

    #[test]
    fn templates_fill_named_holes() {
        assert_eq!(
            fill("{n} of {total} ({n})", &[("n", "3"), ("total", "5")]),
            "3 of 5 (3)"
        );
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
    }
}
