//! `--redact`: a report fit for public sharing. MAC addresses (the vendor name and the OUI prefix
//! stay), serial numbers and host names are removed wherever they appear — device fields,
//! evidence, findings' quoted evidence, notes, the site declaration — and the report says it was
//! redacted. Pure: a report in, a report out.

use regex::Regex;
use std::sync::LazyLock;

use crate::fingerprint::atom_kinds;
use crate::model::{AtomKind, Report};

/// What replaces a removed value.
pub const REDACTED: &str = "[redacted]";

/// Shortest value removed wherever it appears as text (shorter ones would hit unrelated words).
const MIN_LITERAL: usize = 4;

static MAC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})(?:[:-][0-9a-f]{2}){3}\b")
        .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
});

/// A certificate subject's common name that is not an address (device certificates often carry
/// the serial number or the unit's name there).
static SUBJECT_CN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(CN=)([^,/]+)").unwrap_or_else(|e| unreachable!("constant regex: {e}"))
});

/// Returns `report` with MAC addresses, serial numbers and host names removed.
pub fn redact(report: &Report) -> Report {
    let mut report = report.clone();
    // Each value removed, and what replaces it wherever else it occurs as text.
    let mut literals: Vec<(String, String)> = Vec::new();
    for device in &mut report.devices {
        if let Some(mac) = device.mac.take() {
            literals.extend(mac_forms(&mac));
        }
        if let Some(host) = device.hostname.take() {
            removed(host, &mut literals);
        }
        for ev in &mut device.evidence {
            // What the atom states decides (serials, unit names and identifiers go whole, a
            // MAC keeps its prefix), whichever protocol or probe read it.
            let kinds = atom_kinds(&ev.source);
            if kinds.iter().any(|k| k.identifies_unit()) {
                let value = std::mem::replace(&mut ev.value, REDACTED.to_string());
                removed(value, &mut literals);
            } else if kinds.contains(&AtomKind::Mac) {
                literals.extend(mac_forms(&ev.value));
                ev.value = oui_only(&ev.value);
            } else if ev.source == "tls.subject" {
                let mut names = Vec::new();
                ev.value = redact_subject(&ev.value, &mut names);
                for name in names {
                    removed(name, &mut literals);
                }
            }
        }
    }
    literals.retain(|(l, _)| l.chars().count() >= MIN_LITERAL && l != REDACTED);
    // Longest first, so a serial is removed whole before a shorter value inside it.
    literals.sort_by_key(|(l, _)| std::cmp::Reverse(l.len()));
    literals.dedup();

    let mut value = match serde_json::to_value(&report) {
        Ok(value) => value,
        Err(_) => return report,
    };
    scrub(&mut value, &literals);
    let mut report: Report = serde_json::from_value(value).unwrap_or(report);
    report.scan.redacted = true;
    report.scan.push_note(crate::model::Note::new("redacted"));
    report
}

/// Remembers a removed value, to be replaced by [`REDACTED`] wherever else it occurs.
fn removed(value: String, literals: &mut Vec<(String, String)>) {
    literals.push((value, REDACTED.to_string()));
}

/// Every string in the JSON tree, with the literals and MAC addresses replaced.
fn scrub(value: &mut serde_json::Value, literals: &[(String, String)]) {
    match value {
        serde_json::Value::String(text) => *text = scrub_text(text, literals),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, literals)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| scrub(v, literals)),
        _ => {}
    }
}

fn scrub_text(text: &str, literals: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (literal, replacement) in literals {
        if out.contains(literal.as_str()) {
            out = out.replace(literal.as_str(), replacement);
        }
    }
    if MAC.is_match(&out) {
        out = MAC.replace_all(&out, "$1:$2:$3:xx:xx:xx").into_owned();
    }
    out
}

/// `44:47:cc:12:34:56` → `44:47:cc:xx:xx:xx`; anything not shaped like a MAC is removed whole.
fn oui_only(mac: &str) -> String {
    let hex: String = mac.chars().filter(char::is_ascii_hexdigit).collect();
    if hex.len() == 12 {
        format!(
            "{}:{}:{}:xx:xx:xx",
            &hex[0..2].to_ascii_lowercase(),
            &hex[2..4].to_ascii_lowercase(),
            &hex[4..6].to_ascii_lowercase()
        )
    } else {
        REDACTED.to_string()
    }
}

/// The spellings a MAC address may appear in elsewhere (`aa:bb:…`, `AA-BB-…`, `aabbcc…`), each
/// with its replacement (the OUI prefix only).
fn mac_forms(mac: &str) -> Vec<(String, String)> {
    let hex: String = mac.chars().filter(char::is_ascii_hexdigit).collect();
    let replacement = oui_only(mac);
    if hex.len() != 12 {
        return vec![(mac.to_string(), replacement)];
    }
    let lower = hex.to_ascii_lowercase();
    let upper = hex.to_ascii_uppercase();
    let pairs = |h: &str, sep: &str| {
        (0..6)
            .map(|i| &h[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(sep)
    };
    [
        mac.to_string(),
        pairs(&lower, ":"),
        pairs(&upper, ":"),
        pairs(&lower, "-"),
        pairs(&upper, "-"),
        lower,
        upper,
    ]
    .into_iter()
    .map(|form| (form, replacement.clone()))
    .collect()
}

/// A certificate subject with a common name other than an IP address removed (and remembered,
/// so the same name is removed elsewhere).
fn redact_subject(subject: &str, literals: &mut Vec<String>) -> String {
    SUBJECT_CN
        .replace_all(subject, |caps: &regex::Captures<'_>| {
            let name = caps[2].trim();
            if name.parse::<std::net::IpAddr>().is_ok() {
                caps[0].to_string()
            } else {
                literals.push(name.to_string());
                format!("{}{REDACTED}", &caps[1])
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Evidence;
    use crate::report::testdata::sample_report;

    const MAC_TEXT: &str = "44:47:cc:12:34:56";
    const SERIAL: &str = "DS-2CD2143G0-I20190101AAWRD12345678";

    fn identifying_report() -> Report {
        let mut report = sample_report();
        let device = &mut report.devices[0];
        device.mac = Some(MAC_TEXT.into());
        device.hostname = Some("cam-entrance-01".into());
        device.evidence.extend([
            Evidence::new("sadp.serial", None, SERIAL),
            Evidence::new("sadp.mac", None, "44-47-CC-12-34-56"),
            Evidence::new("onvif.serial", Some(80), "D12345678"),
            Evidence::new("tls.subject", Some(443), "C=CN, CN=D12345678"),
            Evidence::new(
                "mdns.instance",
                None,
                "HIKVISION DS-2CD2143G0-I - D12345678",
            ),
            Evidence::new(
                "http.title",
                Some(80),
                "Camera cam-entrance-01 (44:47:cc:12:34:56)",
            ),
        ]);
        report.findings[0]
            .evidence
            .push(format!("sadp.serial={SERIAL}"));
        report.scan.notes.push(format!("{MAC_TEXT} answered SADP"));
        // A typed note whose value is a device's string holding the serial and the MAC.
        report.scan.push_note(
            crate::model::Note::new("probe_failed")
                .arg("error", format!("{SERIAL} at {MAC_TEXT}"))
                .about("192.0.2.10"),
        );
        report
    }

    #[test]
    fn no_mac_serial_or_host_name_is_left_anywhere() {
        let report = redact(&identifying_report());
        let json = serde_json::to_string(&report).unwrap();
        for secret in [
            MAC_TEXT,
            "12:34:56",
            "12-34-56",
            SERIAL,
            "D12345678",
            "cam-entrance-01",
        ] {
            assert!(!json.contains(secret), "{secret} left in {json}");
        }
        assert!(report.scan.redacted);
        let device = &report.devices[0];
        assert_eq!(device.mac, None);
        assert_eq!(device.hostname, None);
        assert!(device.mac_vendor.is_some(), "the vendor name stays");
        assert!(
            device
                .evidence
                .iter()
                .any(|e| e.source == "sadp.mac" && e.value == "44:47:cc:xx:xx:xx")
        );
        assert!(
            json.contains("Camera [redacted] (44:47:cc:xx:xx:xx)"),
            "{json}"
        );
        // Typed notes are scrubbed like their English lines, and stay each line's note.
        let scan = &report.scan;
        let item = &scan.note_items[0];
        let line = scan.notes.iter().position(|n| *n == item.en).unwrap();
        assert_eq!(scan.notes_in(true)[line], item.zh);
        assert_eq!(scan.notes_in(false)[line], item.en);
        assert!(item.zh.contains("44:47:cc:xx:xx:xx"), "{}", item.zh);
    }

    #[test]
    fn what_identifies_the_model_stays() {
        let original = identifying_report();
        let report = redact(&original);
        assert_eq!(report.devices[0].identity, original.devices[0].identity);
        assert_eq!(report.findings.len(), original.findings.len());
        assert_eq!(report.devices[0].ip, original.devices[0].ip);
    }

    #[test]
    fn an_address_as_certificate_name_is_kept() {
        let mut literals = Vec::new();
        assert_eq!(
            redact_subject("CN=192.168.1.64, O=Hikvision", &mut literals),
            "CN=192.168.1.64, O=Hikvision"
        );
        assert!(literals.is_empty());
    }
}
