//! Reads the CSV files camsweep writes (RFC 4180, UTF-8 with a BOM) into rows keyed by column
//! name, for the tests that check them.

use std::collections::BTreeMap;

/// Every record of `text` after the header, as column → value.
pub fn rows(text: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let records = records(text.trim_start_matches('\u{feff}'));
    let mut records = records.into_iter();
    let header = records.next().unwrap_or_default();
    let rows = records
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect();
    (header, rows)
}

fn records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        out.push(record);
    }
    out
}
