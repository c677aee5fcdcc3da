//! Every input a fuzzer found troublesome, replayed through the same entry point the fuzz
//! target uses (`camsweep::fuzzing`), so a fixed crash stays fixed. Inputs live in
//! tests/fixtures/fuzz/TARGET/; scripts/fuzz.sh says how they get there.
//!
//! The real-byte fixtures are replayed too, under every selector, so each target's dispatch is
//! exercised on every `cargo test` even where no crash was ever found.

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("wire_discovery", camsweep::fuzzing::wire_discovery),
    ("http_rtsp", camsweep::fuzzing::http_rtsp),
    ("onvif_xml", camsweep::fuzzing::onvif_xml),
    ("pcap", camsweep::fuzzing::pcap),
    ("traffic_payloads", camsweep::fuzzing::traffic_payloads),
    ("signatures", camsweep::fuzzing::signatures),
    ("site_rules", camsweep::fuzzing::site_rules),
    ("zeek_logs", camsweep::fuzzing::zeek_logs),
];

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable fixture directory").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_recorded_fuzz_input_is_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    for (name, target) in TARGETS {
        for file in files_under(&root.join(name)) {
            let bytes = std::fs::read(&file).expect("readable fixture");
            target(&bytes);
        }
    }
    // A regression folder named after no target would silently never run.
    for dir in std::fs::read_dir(&root).expect("tests/fixtures/fuzz exists") {
        let path = dir.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "tests/fixtures/fuzz/{name} names no fuzz target"
            );
        }
    }
}

#[test]
fn real_fixtures_pass_through_every_target_and_selector() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fixtures = Vec::new();
    for dir in [
        "tests/fixtures/wire",
        "tests/fixtures/probe",
        "tests/fixtures/pcaps",
        "tests/fixtures/zeek/named_uploads/tsv",
        "tests/fixtures/zeek/named_uploads/json",
    ] {
        fixtures.extend(files_under(&root.join(dir)));
    }
    assert!(
        fixtures.len() > 20,
        "fixtures went missing: {}",
        fixtures.len()
    );
    for file in &fixtures {
        let bytes = std::fs::read(file).unwrap();
        for (_, target) in TARGETS {
            for selector in 0..10u8 {
                let mut input = vec![selector];
                input.extend_from_slice(&bytes);
                target(&input);
            }
        }
    }
}
