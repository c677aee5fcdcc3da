//! The accuracy command on the evaluation corpus (tests/fixtures/eval) and the regression set
//! (tests/fixtures/regression), and the wall between evaluation-only strings and the signatures.

use std::path::Path;
use std::process::Command;

const CORPUS: &str = "tests/fixtures/eval";
/// Strings signatures were written from: run to catch regressions, never reported as accuracy.
const REGRESSION: &str = "tests/fixtures/regression";
/// Terms devices send because a specification defines them: ONVIF's device type, and the UPnP,
/// DIAL and Wi-Fi Alliance type names the UPnP type table (signatures/devices/upnp-device-types.toml)
/// quotes from those specifications, not from any device.
const SPEC_TERMS: &[&str] = &[
    "NetworkVideoTransmitter",
    "upnp:rootdevice",
    "urn:schemas-upnp-org:device:MediaServer:1",
    "urn:schemas-upnp-org:device:MediaRenderer:1",
    "urn:dial-multiscreen-org:service:dial:1",
    "urn:schemas-wifialliance-org:service:WFAWLANConfig:1",
];

fn read(dir: &str) -> Vec<camsweep::accuracy::EvalDevice> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            camsweep::accuracy::parse_corpus_file(&name, &std::fs::read_to_string(p).unwrap())
                .unwrap()
        })
        .collect()
}

/// Both folders: the evaluation corpus, then the regression set.
fn corpus() -> Vec<camsweep::accuracy::EvalDevice> {
    let mut devices = read(CORPUS);
    devices.extend(read(REGRESSION));
    devices
}

/// The evaluation corpus holds only evaluation-only sources, and the regression set only
/// sources signatures were written from: the split is by folder as well as by flag.
#[test]
fn evaluation_corpus_and_regression_set_are_apart() {
    assert!(read(CORPUS).iter().all(|d| !d.used_for_signatures));
    assert!(read(REGRESSION).iter().all(|d| d.used_for_signatures));
}

/// The command runs on the corpus and the regression set, prints them apart (and the devices
/// known by their MAC alone apart again, and the corpus with them), and no decoy is called
/// surveillance in any part (it exits non-zero if one is).
#[test]
fn eval_runs_on_the_corpus_and_no_decoy_is_called_surveillance() {
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["signatures", "eval", CORPUS, "--regression", REGRESSION])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("evaluation corpus:"), "{stdout}");
    assert!(stdout.contains("regression set:"), "{stdout}");
    assert!(stdout.contains("both together"), "{stdout}");
    assert!(stdout.contains("known by their MAC alone"), "{stdout}");
    assert!(stdout.contains("with its MAC-only devices"), "{stdout}");
    assert_eq!(
        stdout
            .matches("non-surveillance called surveillance: 0 of")
            .count(),
        5,
        "{stdout}"
    );
}

/// Thresholds make the command fail, so CI can guard a figure.
#[test]
fn eval_fails_below_a_threshold() {
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["signatures", "eval", CORPUS, "--min-recognised", "100.1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("recognised"));
}

/// The corpus is big enough to mean something and keeps both kinds of source.
#[test]
fn corpus_has_surveillance_and_decoys_from_both_kinds_of_source() {
    let devices = corpus();
    use camsweep::accuracy::ExpectedClass::{Other, Surveillance};
    let count = |class, sig: bool| {
        devices
            .iter()
            .filter(|d| d.class == class && d.used_for_signatures == sig)
            .count()
    };
    assert!(count(Surveillance, false) >= 10);
    assert!(count(Other, false) >= 5);
    assert!(count(Surveillance, true) >= 80);
    assert!(count(Other, true) >= 30);
}

/// No evaluation-only string was copied into a signature: if one is, it was tuned on and its
/// device belongs to the "used for signatures" side (or says why the string is shared).
#[test]
fn no_evaluation_only_string_appears_in_signatures() {
    let dir = Path::new("signatures/devices");
    let texts: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    let mut leaks = Vec::new();
    for d in corpus()
        .iter()
        .filter(|d| !d.used_for_signatures && d.shared_with_signatures.is_none())
    {
        for (source, value) in &d.evidence {
            // Short generic values (nginx, 401) and the ONVIF specification's own vocabulary say
            // nothing about where a signature came from.
            if value.len() < 10 || SPEC_TERMS.contains(&value.as_str()) {
                continue;
            }
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            for (file, text) in &texts {
                if text.contains(value.as_str()) || text.contains(&escaped) {
                    leaks.push(format!("{}: {source}={value:?} in {file}", d.name));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
}
