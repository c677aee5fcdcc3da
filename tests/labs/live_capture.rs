//! `camsweep analyze --interface … --listen …`: live capture in private network namespaces
//! (nothing reaches a real network): on the namespace's loopback (`--write-pcap`, `audit
//! --listen`), and on a veth between two lab namespaces, where what camsweep counts is checked
//! against the kernel's interface counters (wire_lab.rs, wire_checks.rs). A suite of the lab
//! runner (tests/labs/harness.rs, its own process): a user namespace is granted only to a
//! single-threaded process. When namespaces cannot be created the suite fails with the kernel's
//! reason; it never skips.
//!
//! `labs --bench-rates [SECONDS]` (scripts/bench-live-capture.sh) steps the rate up instead and
//! prints the table of docs/benchmarks.md.

#[path = "live_capture/wire_checks.rs"]
mod wire_checks;
#[path = "live_capture/wire_lab.rs"]
mod wire_lab;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{Tally, with_causes};

const LOOPBACK: &str = "loopback_capture_writes_a_pcap_and_audit_listens";
const RATES: &str = "tcp_200mbit_and_udp_800mbit_counted_within_2_percent_of_the_wire";
const TIMESTAMPS: &str = "kernel_timestamps_and_vlan_tags_are_kept";
const RECEIVE_ERROR: &str = "receive_error_ends_the_capture_with_a_partial_report";

/// Every check's name, in order.
pub fn checks() -> Vec<&'static str> {
    vec![LOOPBACK, RATES, TIMESTAMPS, RECEIVE_ERROR]
}

pub fn main(tally: &mut Tally) {
    if let Err(err) = camsweep::lab::enter_lab_namespaces() {
        tally.abort("enter_lab_namespaces", &with_causes(&err));
    }
    if tally.wants(LOOPBACK) {
        tally.report(LOOPBACK, run());
    }
    if tally.wants(RATES) || tally.wants(TIMESTAMPS) {
        match wire_lab::Link::make() {
            Ok(link) => {
                if tally.wants(RATES) {
                    tally.report(
                        RATES,
                        wire_checks::tcp_and_udp_counted_within_2_percent(&link),
                    );
                }
                if tally.wants(TIMESTAMPS) {
                    tally.report(
                        TIMESTAMPS,
                        wire_checks::kernel_timestamps_and_vlan_tags(&link),
                    );
                }
            }
            Err(why) => tally.report(
                "veth_between_two_lab_namespaces",
                Err(format!("cannot build the link: {why}")),
            ),
        }
    }
    if tally.wants(RECEIVE_ERROR) {
        tally.report(
            RECEIVE_ERROR,
            wire_checks::receive_error_ends_with_a_partial_report(),
        );
    }
}

/// `--bench-rates SECONDS` (scripts/bench-live-capture.sh): steps the rate up on the veth and
/// prints the table of docs/benchmarks.md. Called before any thread starts.
pub fn bench_rates(secs: f64) {
    if let Err(err) = camsweep::lab::enter_lab_namespaces() {
        eprintln!(
            "live_capture --bench-rates: FAILED: cannot create the test namespaces: {}",
            with_causes(&err)
        );
        std::process::exit(1);
    }
    let result = wire_lab::Link::make().and_then(|link| wire_checks::bench_rates(&link, secs));
    if let Err(err) = result {
        eprintln!("live_capture --bench-rates: FAILED: {err}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    // A private address on the namespace's loopback, so the sender counts as a local device.
    let ip = Command::new("ip")
        .args(["addr", "add", "10.99.0.1/8", "dev", "lo"])
        .status()
        .map_err(|e| format!("running ip: {e}"))?;
    if !ip.success() {
        return Err("ip addr add 10.99.0.1/8 dev lo failed".into());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pcap = dir.path().join("live.pcap");
    let child = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "analyze",
            "--interface",
            "lo",
            "--listen",
            "3s",
            "--json",
            "--lang",
            "en",
        ])
        .arg("--write-pcap")
        .arg(&pcap)
        .arg("--out")
        .arg(dir.path().join("out"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(1000));
    // 140 kB of "picture" from 10.99.0.1 to 10.99.0.2, within half a second (paced, so the
    // socket buffer of an unoptimised test build does not overflow).
    let sock = UdpSocket::bind("10.99.0.1:0").map_err(|e| e.to_string())?;
    for _ in 0..100 {
        sock.send_to(&[0x42; 1400], "10.99.0.2:5000")
            .map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_millis(3));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "camsweep exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let report: serde_json::Value =
        serde_json::from_str(&stdout).map_err(|e| format!("{e}: {stdout}"))?;
    check(&report, true)?;
    // The written pcap is the evidence: its hash is in the report and it analyses the same.
    let bytes = std::fs::read(&pcap).map_err(|e| e.to_string())?;
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    if report["evidence_files"][0]["sha256"] != sha.as_str() {
        return Err(format!(
            "evidence hash {} != {sha}",
            report["evidence_files"]
        ));
    }
    let again = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["analyze", "--json", "--lang", "en"])
        .arg(&pcap)
        .arg("--out")
        .arg(dir.path().join("again"))
        .output()
        .map_err(|e| e.to_string())?;
    let report: serde_json::Value = serde_json::from_slice(&again.stdout)
        .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&again.stderr)))?;
    check(&report, false)?;
    audit_listens_alongside_the_scan(dir.path())
}

/// `audit --listen`: the capture runs during the scan; its pcap is evidence in the audit report,
/// and traffic of a host the scan did not find is counted in the notes.
fn audit_listens_alongside_the_scan(dir: &std::path::Path) -> Result<(), String> {
    let pcap = dir.join("audit.pcap");
    let child = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["audit", "--quiet", "--json", "--lang", "en"])
        .args([
            "--targets",
            "10.99.0.1",
            "--interface",
            "lo",
            "--listen",
            "2s",
        ])
        .arg("--write-pcap")
        .arg(&pcap)
        .arg("--out")
        .arg(dir.join("audit"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(800));
    let sock = UdpSocket::bind("10.99.0.1:0").map_err(|e| e.to_string())?;
    for _ in 0..10 {
        sock.send_to(&[0x42; 200], "10.99.0.2:5000")
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stderr)))?;
    let notes = report["scan"]["notes"].to_string();
    if !notes.contains("live capture on lo") || !notes.contains("local host(s) seen in the traffic")
    {
        return Err(format!("audit notes: {notes}"));
    }
    let files = report["evidence_files"].to_string();
    if !files.contains("audit.pcap") {
        return Err(format!("audit evidence_files: {files}"));
    }
    Ok(())
}

fn check(report: &serde_json::Value, live: bool) -> Result<(), String> {
    if live && report["scan"]["interface"] != "lo" {
        return Err(format!("scan.interface is {}", report["scan"]["interface"]));
    }
    let device = report["devices"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["ip"] == "10.99.0.1"))
        .ok_or_else(|| format!("no device 10.99.0.1 in {}", report["devices"]))?;
    let contact = device["cloud_contacts"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["destination"] == "10.99.0.2"))
        .ok_or_else(|| format!("no contact to 10.99.0.2 in {}", device["cloud_contacts"]))?;
    // Loopback shows each frame once or twice (outgoing and incoming); at least all were seen.
    let up = contact["bytes_up"].as_u64().unwrap_or(0);
    if up < 140_000 || contact["port"] != 5000 || contact["scope"] != "lan" {
        return Err(format!("unexpected contact {contact}"));
    }
    Ok(())
}
