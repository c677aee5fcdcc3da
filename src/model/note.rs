//! A scan note (a probe that timed out, a sweep cut short, a capture's kernel drops) as a key
//! and named values, so the report can say it in either language.
//!
//! The key names a sentence of the locale file's `[note.*]` section, which has it in Chinese and
//! English with `{name}` holes; the values are put in the holes as they are (an OS error's
//! message, a device's string or a path stays untranslated inside the sentence). report.json
//! keeps the English sentences in `scan.notes`, as it always did, and the notes themselves
//! beside them in `scan.note_items` ([`NoteItem`]), which lets `render` say them again in either
//! language.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

/// The locale file's section holding every note sentence.
pub const NOTE_SECTION: &str = "note";

/// The key of the sentence that puts a note after what it is about (`{subject}: {note}`).
const ABOUT_KEY: &str = "about";

/// The key of what goes between the parts of a note (`, `).
const SEPARATOR_KEY: &str = "separator";

/// A note, not yet said in a language: the key of its sentence and the values of its holes,
/// and what it is about (a host's address), if it was said of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The sentence's key in the locale file's `[note.*]` section.
    pub key: String,
    /// The values of the sentence's `{name}` holes, by name.
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    /// What the note is about (a host's address), put before the sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Notes of their own that go in the sentence's `{parts}` hole, in the same language,
    /// one after the other (a list of what was read, a capture's own note).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Note>,
}

impl Note {
    /// The note whose sentence is `[note.<key>]`, holes still empty.
    pub fn new(key: &'static str) -> Self {
        Note {
            key: key.to_string(),
            args: BTreeMap::new(),
            subject: None,
            parts: Vec::new(),
        }
    }

    /// The note with `value` in its `{name}` hole.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Display) -> Self {
        self.args.insert(name.to_string(), value.to_string());
        self
    }

    /// The note with `parts` in its `{parts}` hole.
    #[must_use]
    pub fn parts(mut self, parts: Vec<Note>) -> Self {
        self.parts = parts;
        self
    }

    /// The note said of `subject` (a host's address): `{subject}: {note}`.
    #[must_use]
    pub fn about(mut self, subject: impl Display) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    /// The note in Chinese (`zh`) or English, when the locale file has its sentence.
    pub fn try_text(&self, zh: bool) -> Option<String> {
        let template = crate::locale::try_label(NOTE_SECTION, &self.key, zh)?;
        let mut parts = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            parts.push(part.try_text(zh)?);
        }
        let parts = parts.join(crate::locale::label(NOTE_SECTION, SEPARATOR_KEY, zh));
        let mut values: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        values.push(("parts", &parts));
        let sentence = crate::locale::fill(template, &values);
        Some(match &self.subject {
            None => sentence,
            Some(subject) => crate::locale::template(
                NOTE_SECTION,
                ABOUT_KEY,
                zh,
                &[("subject", subject), ("note", &sentence)],
            ),
        })
    }

    /// The note in Chinese (`zh`) or English. A key the locale file lacks (a test forbids it for
    /// every key the code uses) shows as "(missing label)" and is logged, never a crash.
    pub fn text(&self, zh: bool) -> String {
        self.try_text(zh).unwrap_or_else(|| {
            tracing::error!("locales/zh-CN.toml has no label note.{}", self.key);
            "(missing label)".to_string()
        })
    }

    /// The note in English: the line of `scan.notes` and of the terminal.
    pub fn en(&self) -> String {
        self.text(false)
    }
}

/// A note as report.json holds it in `scan.note_items`: the note and its sentence in both
/// languages as the run said it (a reader without the locale file still has both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteItem {
    #[serde(flatten)]
    pub note: Note,
    pub en: String,
    pub zh: String,
}

impl NoteItem {
    /// The item of `note`, said in both languages.
    pub fn new(note: Note) -> Self {
        NoteItem {
            en: note.en(),
            zh: note.text(true),
            note,
        }
    }

    /// The note in Chinese (`zh`) or English: said again from its key and values when this
    /// build's locale file has the key, else as the run said it.
    pub fn text(&self, zh: bool) -> String {
        self.note
            .try_text(zh)
            .unwrap_or_else(|| if zh { self.zh.clone() } else { self.en.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_says_its_values_in_either_language() {
        let note = Note::new("arp_silent")
            .arg("count", 222)
            .arg("subnet", "198.18.0.0/24");
        assert_eq!(
            note.en(),
            "222 address(es) on 198.18.0.0/24 did not answer ARP: nobody there, no TCP connects sent"
        );
        let zh = note.text(true);
        assert!(
            zh.contains("222") && zh.contains("198.18.0.0/24") && zh.contains("ARP"),
            "{zh}"
        );
        assert!(!zh.contains("nobody there"), "{zh}");
    }

    #[test]
    fn outside_text_stays_as_it_is_inside_the_sentence() {
        let note = Note::new("http_plain_failed")
            .arg("port", 8080)
            .arg("error", "Connection refused (os error 111)");
        assert_eq!(
            note.en(),
            "http 8080: plain HTTP failed: Connection refused (os error 111)"
        );
        let zh = note.text(true);
        assert!(zh.contains("Connection refused (os error 111)"), "{zh}");
        assert_ne!(zh, note.en());
    }

    #[test]
    fn parts_are_said_in_the_note_s_language() {
        let part = |kind: &str, records: u64| {
            Note::new("zeek_kind_read")
                .arg("kind", kind)
                .arg("records", records)
                .arg("files", 1)
        };
        let note = Note::new("zeek_read").parts(vec![part("conn", 12), part("ssl", 3)]);
        assert_eq!(
            note.en(),
            "traffic from Zeek logs (conn: 12 entries in 1 file(s), ssl: 3 entries in 1 file(s)): \
             connection totals only, no packets — bytes are IP bytes without link headers, and a \
             burst inside a long connection is spread over its duration (docs/traffic.md)"
        );
        let zh = note.text(true);
        assert!(
            zh.contains("conn") && zh.contains("12") && zh.contains("ssl"),
            "{zh}"
        );
        assert!(!zh.contains("entries"), "{zh}");
    }

    #[test]
    fn a_note_about_a_host_puts_the_host_first() {
        let note = Note::new("zk_no_name")
            .arg("port", 4370)
            .about("198.18.0.9");
        assert_eq!(
            note.en(),
            "198.18.0.9: zk 4370: terminal did not tell its name"
        );
        assert!(
            note.text(true).starts_with("198.18.0.9："),
            "{}",
            note.text(true)
        );
    }

    #[test]
    fn an_item_keeps_both_sentences_and_falls_back_to_them() {
        let item = NoteItem::new(Note::new("own_addresses_skipped").arg("count", 2));
        assert_eq!(item.en, "2 address(es) of this machine skipped");
        assert_eq!(item.text(false), item.en);
        assert_eq!(item.text(true), item.zh);
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["key"], "own_addresses_skipped");
        assert_eq!(json["args"]["count"], "2");
        assert_eq!(serde_json::from_value::<NoteItem>(json).unwrap(), item);
        // A key this build does not know (a newer run's): the sentences the run wrote.
        let newer = NoteItem {
            note: Note::new("from_a_newer_build"),
            en: "said in English".into(),
            zh: "中文".into(),
        };
        assert_eq!(newer.text(true), "中文");
        assert_eq!(newer.text(false), "said in English");
    }
}
