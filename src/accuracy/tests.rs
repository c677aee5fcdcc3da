use super::*;
use crate::model::{DeviceType, FaceRecognition, Identity};
use std::collections::BTreeMap;

const FILE: &str = r#"
source = "example: a public issue thread"
used_for_signatures = false

[[device]]
name = "a camera"
class = "surveillance"
vendor = "Hanwha Vision"
vendor_aliases = ["Samsung"]
type = "camera"
face = "unknown"
evidence = { "http.server" = "x", "tcp.banner" = ["a", "b"] }

[[device]]
name = "a printer"
class = "other"
evidence = { "http.title" = "HP LaserJet" }
"#;

fn identity(vendor: Option<&str>, t: DeviceType) -> Identity {
    Identity {
        vendor: vendor.map(str::to_string),
        device_type: t,
        type_basis: None,
        face_recognition: FaceRecognition::Unknown,
        ..Identity::default()
    }
}

#[test]
fn parses_devices_with_repeated_sources() {
    let devices = parse_corpus_file("x.toml", FILE).unwrap();
    assert_eq!(devices.len(), 2);
    let cam = &devices[0];
    assert_eq!(cam.vendors, ["Hanwha Vision", "Samsung"]);
    assert_eq!(cam.device_type, Some(DeviceType::Camera));
    assert_eq!(cam.evidence.len(), 3);
    assert!(!cam.used_for_signatures);
    assert_eq!(cam.observation(&BTreeMap::new()).evidence.len(), 3);
}

#[test]
fn rejects_bad_files_with_the_file_name() {
    let bad = FILE.replace("type = \"camera\"", "type = \"printer\"");
    let err = parse_corpus_file("bad.toml", &bad).unwrap_err();
    assert!(err.to_string().starts_with("bad.toml:"), "{err}");
    let other = FILE.replace("type = \"camera\"", "type = \"other\"");
    assert!(parse_corpus_file("bad.toml", &other).is_err());
    let unknown_field = FILE.replace("face = ", "faces = ");
    assert!(parse_corpus_file("bad.toml", &unknown_field).is_err());
}

#[test]
fn vendor_compares_loosely_and_accepts_aliases() {
    let devices = parse_corpus_file("x.toml", FILE).unwrap();
    let o = score(
        &devices[0],
        identity(Some("HANWHA-VISION"), DeviceType::Camera),
    );
    assert_eq!(o.vendor_right, Some(true));
    assert!(o.recognised && !o.is_miss());
    let o = score(&devices[0], identity(Some("Samsung"), DeviceType::Nvr));
    assert_eq!(o.vendor_right, Some(true));
    assert_eq!(o.type_right, Some(false));
    assert!(o.is_miss());
    let o = score(&devices[0], identity(Some("Dahua"), DeviceType::Camera));
    assert_eq!(o.vendor_right, Some(false));
}

#[test]
fn a_decoy_typed_surveillance_is_counted() {
    let devices = parse_corpus_file("x.toml", FILE).unwrap();
    let o = score(&devices[1], identity(Some("HP"), DeviceType::Camera));
    assert!(o.decoy_called_surveillance && o.is_miss());
    let o = score(&devices[1], identity(None, DeviceType::Unknown));
    assert!(!o.decoy_called_surveillance && !o.is_miss());
}

#[test]
fn tallies_split_evaluation_only_sources() {
    let mut devices = parse_corpus_file("x.toml", FILE).unwrap();
    let mut sig = devices[0].clone();
    sig.used_for_signatures = true;
    devices.push(sig);
    let db = crate::bundle::builtin_devices().unwrap();
    let services = crate::bundle::builtin_ports().unwrap().services;
    let scores = evaluate(&db, &services, &devices);
    assert_eq!(scores.whole.surveillance, 2);
    assert_eq!(scores.eval_only.surveillance, 1);
    assert_eq!(scores.regression.surveillance, 1);
    assert_eq!(scores.regression.decoys, 0);
    assert_eq!(scores.whole.decoys, 1);
    let text = render(&scores);
    assert!(
        text.contains("evaluation corpus: evaluation-only sources"),
        "{text}"
    );
    assert!(text.contains("regression set:"), "{text}");
    assert!(text.contains("not a measure of accuracy"), "{text}");
    assert!(text.contains("[eval] a camera"), "{text}");
    assert!(text.contains("[sig] a camera"), "{text}");
}

#[test]
fn empty_parts_score_full_marks() {
    assert_eq!(percent(0, 0), 100.0);
    assert_eq!(percent(1, 4), 25.0);
}

/// A device known by its MAC alone is scored apart: it leaves the accuracy figure (no string
/// was sent that identification could read) but is counted in its own tally and in the
/// evaluation corpus taken with its MAC-only devices, both printed.
#[test]
fn mac_only_devices_are_scored_apart_and_still_printed() {
    let mut devices = parse_corpus_file("x.toml", FILE).unwrap();
    let mut silent = devices[0].clone();
    silent.name = "a silent camera".into();
    silent.evidence.clear();
    silent.ports.clear();
    silent.hostname = None;
    silent.mac = Some("9c:3d:cf:94:aa:c3".into());
    assert!(silent.mac_only() && !devices[0].mac_only());
    devices.push(silent);
    let db = crate::bundle::builtin_devices().unwrap();
    let services = crate::bundle::builtin_ports().unwrap().services;
    let scores = evaluate(&db, &services, &devices);
    assert_eq!(scores.eval_only.surveillance, 1);
    assert_eq!(scores.mac_only.surveillance, 1);
    assert_eq!(scores.mac_only.recognised, 0);
    assert_eq!(scores.eval_with_mac_only.surveillance, 2);
    assert_eq!(scores.whole.surveillance, 1);
    let text = render(&scores);
    assert!(text.contains("known by their MAC alone"), "{text}");
    assert!(text.contains("with its MAC-only devices"), "{text}");
    assert!(text.contains("[eval] a silent camera"), "{text}");
}
