//! Behaviour of the bundled database and of `identify` on realistic hosts, with real strings
//! from public sources (see the `source` of each signature).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use super::*;
use crate::model::{DeviceType, Evidence, FaceRecognition, HostObservation, OpenPort};

fn db() -> SignatureDb {
    SignatureDb::bundled().unwrap_or_else(|e| panic!("bundled signatures must load: {e}"))
}

fn host(mac: Option<&str>, atoms: &[(&str, &str)]) -> HostObservation {
    let mut h = HostObservation::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)));
    h.mac = mac.map(str::to_string);
    for (source, value) in atoms {
        h.push_evidence(Evidence::new(*source, Some(80), *value));
    }
    h
}

fn with_ports(mut h: HostObservation, ports: &[u16]) -> HostObservation {
    for p in ports {
        h.open_ports.push(OpenPort { port: *p, protocol: "tcp".into(), service: "unknown".into() });
    }
    h
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signatures").join(name)
}

/// Every bundled file parses and every regex compiles.
#[test]
fn all_bundled_signatures_parse_and_compile() {
    let db = db();
    assert!(!db.signatures().is_empty());
    assert!(db.oui_len() > 0);
}

/// Each signature matches its own examples and none of its counterexamples.
#[test]
fn every_example_matches_and_no_counterexample_does() {
    let failures = check_examples(&db());
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", text.join("\n"));
}
