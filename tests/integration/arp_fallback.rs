//! Without CAP_NET_RAW the ARP sweep and the passive listener say why they did not run, the scan
//! goes on with the TCP sweep, and the report marks it: `arp` is missing from `scan.discovery`
//! and `scan.notes` names the capability. Runs the binary with CAP_NET_RAW dropped from its
//! bounding set (util-linux `setpriv`), on the loopback interface only.

use std::process::Command;

#[test]
fn without_cap_net_raw_the_scan_falls_back_and_says_so() {
    let out = Command::new("setpriv")
        .args(["--inh-caps=-all", "--bounding-set=-net_raw", "--"])
        .arg(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "scan",
            "--interface",
            "lo",
            "--targets",
            "127.0.0.0/30",
            "--ports",
            "9",
            "--json",
        ])
        .output()
        .expect("setpriv (util-linux) must be installed to drop CAP_NET_RAW for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "status {:?}: {stderr}",
        out.status
    );
    let report = camsweep::report::from_json(&stdout).expect("a JSON report on stdout");
    assert!(
        !report.scan.discovery.iter().any(|d| d == "arp"),
        "{:?}",
        report.scan.discovery
    );
    assert!(report.scan.discovery.iter().any(|d| d == "tcp_connect"));
    let note = report
        .scan
        .notes
        .iter()
        .find(|n| n.starts_with("ARP sweep not run"))
        .unwrap_or_else(|| panic!("no ARP note in {:?}", report.scan.notes));
    assert!(note.contains("CAP_NET_RAW"), "{note}");
    assert!(
        stderr.contains("CAP_NET_RAW"),
        "the user is told too: {stderr}"
    );
}
