//! `camsweep analyze --zeek` of the Zeek logs of a capture gives the same contacts as
//! `camsweep analyze` of the capture itself: the same devices (address, MAC), destinations,
//! ports, protocols, names and where they came from, categories, providers, first and last seen,
//! packets, upload verdicts and patterns; bytes as far as conn.log can say them (IP bytes: a
//! capture's frame bytes less the 14-byte Ethernet header of each packet).
//!
//! The logs under tests/fixtures/zeek/ were written by scripts/pcap-to-zeek.py from the
//! captures in tests/fixtures/pcaps/ (Zeek is not packaged here; the script writes Zeek's
//! documented TSV and JSON layouts from tshark's fields). tests/integration/tshark_agreement.rs checks that
//! the script still writes them.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, csv_rows};

/// Ethernet header bytes a capture counts per packet and conn.log's IP bytes do not.
const ETHERNET_HEADER: u64 = 14;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// `camsweep analyze ARGS`: its report and connections.csv.
fn analyze(args: &[&OsStr]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let command: [&OsStr; 3] = ["analyze".as_ref(), "--lang".as_ref(), "en".as_ref()];
    let (out, report) =
        common::run_and_read_report(command.into_iter().chain(args.iter().copied()), dir.path());
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let connections = std::fs::read_to_string(dir.path().join("connections.csv")).unwrap();
    (report, connections)
}

type ContactKey = (String, String, u64, String);

/// Per device × destination × port × protocol: what the report says, with the bytes apart.
fn contacts(report: &serde_json::Value) -> BTreeMap<ContactKey, (serde_json::Value, [u64; 3])> {
    let mut out = BTreeMap::new();
    for d in report["devices"].as_array().unwrap() {
        for c in d["cloud_contacts"].as_array().unwrap() {
            let key = (
                d["ip"].as_str().unwrap().to_string(),
                c["destination"].as_str().unwrap().to_string(),
                c["port"].as_u64().unwrap(),
                c["protocol"].as_str().unwrap().to_string(),
            );
            let same = serde_json::json!({
                "mac": d["mac"],
                "name": c["name"],
                "name_source": c["name_source"],
                "category": c["category"],
                "provider": c["provider"],
                "service": c["service"],
                "first_seen": c["first_seen"],
                "last_seen": c["last_seen"],
                "packets_up": c["packets_up"],
                "upload": c["upload"],
                "pattern": c["pattern"],
                "scope": c["scope"],
            });
            let bytes = [
                c["bytes_up"].as_u64().unwrap(),
                c["bytes_down"].as_u64().unwrap(),
                c["packets_up"].as_u64().unwrap(),
            ];
            out.insert(key, (same, bytes));
        }
    }
    out
}

/// Packets each device received per contact, from connections.csv (the report gives packets
/// up only).
fn packets_down(connections: &str) -> BTreeMap<ContactKey, u64> {
    let (_, rows) = csv_rows::rows(connections);
    let mut out = BTreeMap::new();
    for r in rows {
        let key = (
            r["device"].clone(),
            r["remote"].clone(),
            r["port"].parse().unwrap(),
            r["protocol"].clone(),
        );
        *out.entry(key).or_insert(0) += r["packets_down"].parse::<u64>().unwrap();
    }
    out
}

fn same_contacts(capture: &str, logs: &str) {
    let (pcap_report, _) = analyze(&[fixture(capture).as_os_str()]);
    let from_capture = contacts(&pcap_report);
    assert!(!from_capture.is_empty(), "{capture} has contacts");
    for form in ["tsv", "json"] {
        let dir = fixture(logs).join(form);
        let (report, connections) = analyze(&["--zeek".as_ref(), dir.as_os_str()]);
        let from_logs = contacts(&report);
        let down = packets_down(&connections);
        assert_eq!(
            from_capture.keys().collect::<Vec<_>>(),
            from_logs.keys().collect::<Vec<_>>(),
            "{form} logs of {capture}: contacts"
        );
        for (key, (pcap_same, pcap_bytes)) in &from_capture {
            let (zeek_same, zeek_bytes) = &from_logs[key];
            assert_eq!(pcap_same, zeek_same, "{form} logs of {capture}: {key:?}");
            let [up, bytes_down, packets_up] = *zeek_bytes;
            let packets_down = down.get(key).copied().unwrap_or(0);
            assert_eq!(
                [
                    up + ETHERNET_HEADER * packets_up,
                    bytes_down + ETHERNET_HEADER * packets_down
                ],
                [pcap_bytes[0], pcap_bytes[1]],
                "{form} logs of {capture}: bytes of {key:?} (IP bytes + 14 per packet = frame bytes)"
            );
        }
        assert!(
            report["scan"]["discovery"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d == "zeek_logs"),
            "the report says its traffic came from Zeek logs"
        );
        let hashed: Vec<&str> = report["evidence_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert!(
            hashed.iter().any(|p| p.ends_with("conn.log")),
            "the logs are hashed as evidence: {hashed:?}"
        );
    }
}

/// Synthetic capture (scripts/make-named-capture.py): names from DNS with a CNAME chain, TLS SNI
/// and HTTP Host; picture uploads over TLS and HTTP; a heartbeat, NTP and a LAN RTSP session.
#[test]
fn logs_of_the_named_upload_capture_give_its_contacts() {
    same_contacts("pcaps/named_uploads.pcap", "zeek/named_uploads");
}

/// The real Yi camera capture: P2P video to a phone on the LAN, a CS2 rendezvous with three
/// cloud addresses, ICMP, subnet broadcasts (no contact either way).
#[test]
fn logs_of_the_yi_camera_capture_give_its_contacts() {
    same_contacts("pcaps/yi_camera_sample.pcap", "zeek/yi_camera_sample");
}

#[test]
fn a_folder_without_conn_log_and_a_bad_line_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dns.log"), "").unwrap();
    let run = |path: &Path| {
        Command::new(env!("CARGO_BIN_EXE_camsweep"))
            .args(["analyze", "--lang", "en", "--out"])
            .arg(dir.path().join("out"))
            .arg("--zeek")
            .arg(path)
            .output()
            .unwrap()
    };
    let out = run(dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("holds no conn.log"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = dir.path().join("conn.log");
    let good = std::fs::read_to_string(fixture("zeek/named_uploads/tsv/conn.log")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines[9] = "1764979200.000000\tCx\t192.168.1.20\tnot-a-port";
    std::fs::write(&conn, lines.join("\n")).unwrap();
    let out = run(&conn);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("conn.log:10: 4 fields where #fields names 23"),
        "{stderr}"
    );
}
