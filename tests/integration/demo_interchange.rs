//! What the demo hands to people and to other tools: its terminal output (device table fitted to
//! an 80-column terminal, then findings by severity, uploading devices and the points to verify)
//! and report.nmap.xml, which must validate against nmap's own DTD and list every simulated device
//! with its identification. Needs unprivileged user namespaces (the demo fails with its reason
//! otherwise) and xmllint with nmap's DTD (scripts/test.sh installs libxml2-utils and nmap-common).

use camsweep::lab::LabSpec;
use camsweep::model::Report;
use std::path::Path;
use std::process::Command;

/// Where Debian's nmap-common package puts the DTD nmap's XML output follows.
const NMAP_DTD: &str = "/usr/share/nmap/nmap.dtd";

#[test]
fn demo_prints_a_summary_and_writes_an_nmap_xml_that_validates() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("demo");
    let result = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["demo", "--lang", "en", "--out"])
        .arg(&dir)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        matches!(result.status.code(), Some(0 | 1)),
        "demo failed ({:?}): {stderr}",
        result.status
    );
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();

    // The terminal: one line per device within 80 columns, then the summary.
    let table_lines = report.devices.len() + 1;
    for line in stdout.lines().take(table_lines) {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "wider than 80 columns: {line}\n{stdout}"
        );
    }
    let findings = format!("Findings: {} (", report.findings.len());
    assert!(stdout.contains(&findings), "{stdout}");
    let uploaders: Vec<_> = report
        .devices
        .iter()
        .filter(|d| d.cloud_contacts.iter().any(|c| c.upload))
        .collect();
    assert!(!uploaders.is_empty(), "the demo has uploading personas");
    assert!(
        stdout.contains(&format!(
            "Devices uploading to a cloud: {}",
            uploaders.len()
        )),
        "{stdout}"
    );
    for device in &uploaders {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("  {} ", device.ip)) && l.contains('→')),
            "{} not listed as uploading:\n{stdout}",
            device.ip
        );
    }
    assert!(stdout.contains("To verify on site: "), "{stdout}");

    // report.nmap.xml: valid against nmap.dtd, listed in SHA256SUMS, every device with its identity.
    let xml_path = dir.join("report.nmap.xml");
    validate_against_nmap_dtd(&xml_path);
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    assert!(
        sums.lines().any(|l| l.ends_with("  report.nmap.xml")),
        "{sums}"
    );
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let spec = LabSpec::bundled().unwrap();
    assert_eq!(xml.matches("<host ").count(), spec.personas.len(), "{xml}");
    for device in &report.devices {
        let start = xml
            .find(&format!(
                "<address addr=\"{}\" addrtype=\"ipv4\"/>",
                device.ip
            ))
            .unwrap_or_else(|| panic!("{} not in report.nmap.xml", device.ip));
        let host = &xml[start..start + xml[start..].find("</host>").unwrap()];
        if let Some(mac) = &device.mac {
            assert!(
                host.contains(&format!("addr=\"{}\" addrtype=\"mac\"", mac.to_uppercase())),
                "{}: {host}",
                device.ip
            );
        }
        if let Some(vendor) = &device.identity.vendor
            && !device.open_ports.is_empty()
        {
            assert!(
                host.contains(&format!("product=\"{vendor}")),
                "{}: vendor {vendor} missing: {host}",
                device.ip
            );
            let extrainfo = format!("camsweep type: {}", device.identity.device_type.as_str());
            assert!(host.contains(&extrainfo), "{}: {host}", device.ip);
        }
        for port in &device.open_ports {
            assert!(
                host.contains(&format!("portid=\"{}\"", port.port)),
                "{}: port {} missing: {host}",
                device.ip,
                port.port
            );
        }
    }
}

fn validate_against_nmap_dtd(xml: &Path) {
    assert!(
        Path::new(NMAP_DTD).is_file(),
        "{NMAP_DTD} is missing: install nmap-common (scripts/test.sh does)"
    );
    let result = Command::new("xmllint")
        .args(["--noout", "--dtdvalid", NMAP_DTD])
        .arg(xml)
        .output()
        .expect("xmllint (libxml2-utils) must be installed: scripts/test.sh installs it");
    assert!(
        result.status.success(),
        "report.nmap.xml does not validate against nmap.dtd: {}",
        String::from_utf8_lossy(&result.stderr)
    );
}
