//! `camsweep report REPORT --redact --out DIR`: no MAC address, serial number or host name of the
//! original is left in report.json, report.html, report.md or inventory.csv; vendors and models stay.

use crate::common::{camsweep, text};

const SAMPLE: &str = include_str!("../fixtures/report/sample-report.json");

const SERIALS: [&str; 3] = [
    "DS-2CD2143G0-I20190101AAWRD12345678",
    "4K0A1B2PAZ7C9E1",
    "ACCC8E7F0011",
];
const MACS: [&str; 5] = [
    "44:47:cc:12:34:56",
    "bc:ad:28:01:02:03",
    "c0:56:e3:aa:bb:cc",
    "3c:d9:2b:10:20:30",
    "02:00:00:00:00:66",
];

/// The sample report with serial numbers in the places devices put them.
fn identifying_report() -> String {
    let mut report: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    let evidence = |source: &str, value: &str| serde_json::json!({ "source": source, "port": null, "value": value });
    let devices = report["devices"].as_array_mut().unwrap();
    let hik = devices[0]["evidence"].as_array_mut().unwrap();
    hik.push(evidence("sadp.serial", SERIALS[0]));
    hik.push(evidence("sadp.mac", "44-47-CC-12-34-56"));
    hik.push(evidence("onvif.serial", "D12345678"));
    let dahua = devices[1]["evidence"].as_array_mut().unwrap();
    dahua.push(evidence("dhdiscover.serial", SERIALS[1]));
    dahua.push(evidence(
        "tls.subject",
        &format!("C=CN, O=Dahua, CN={}", SERIALS[1]),
    ));
    let axis = devices[2]["evidence"].as_array_mut().unwrap();
    axis.push(evidence("ssdp.serial", SERIALS[2]));
    axis.push(evidence(
        "http.title",
        &format!("AXIS {} live view", SERIALS[2]),
    ));
    serde_json::to_string_pretty(&report).unwrap()
}

#[test]
fn no_mac_serial_or_host_name_remains_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("report.json");
    std::fs::write(&original, identifying_report()).unwrap();
    let out_dir = dir.path().join("shared");
    let out = camsweep(&[
        "report",
        original.to_str().unwrap(),
        "--redact",
        "--lang",
        "en",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let mut secrets: Vec<String> = SERIALS.iter().map(ToString::to_string).collect();
    secrets.push("D12345678".into());
    secrets.push("NPI102030".into());
    secrets.push("`y`".into());
    for mac in MACS {
        secrets.push(mac.to_string());
        secrets.push(mac.to_uppercase());
        secrets.push(mac.replace(':', "-"));
        secrets.push(mac[9..].to_string()); // the device part, whatever the prefix
    }
    for name in ["report.json", "report.html", "report.md", "inventory.csv"] {
        let file = std::fs::read_to_string(out_dir.join(name)).unwrap();
        for secret in &secrets {
            assert!(!file.contains(secret.as_str()), "{secret} left in {name}");
        }
    }
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    camsweep::report::validate(&json).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    assert!(report.scan.redacted);
    assert_eq!(
        report.devices[0].identity.vendor.as_deref(),
        Some("Hikvision")
    );
    assert!(report.devices[0].mac_vendor.is_some());
    assert!(json.contains("44:47:cc:xx:xx:xx"), "the OUI prefix stays");
    // The original is untouched.
    assert_eq!(
        std::fs::read_to_string(&original).unwrap(),
        identifying_report()
    );
}

#[test]
fn redacting_into_the_original_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("report.json");
    std::fs::write(&original, SAMPLE).unwrap();
    let out = camsweep(&[
        "report",
        original.to_str().unwrap(),
        "--redact",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&original).unwrap(), SAMPLE);
    // Without --out: a fresh folder beside the original's, which stays as it was.
    let case = dir.path().join("case");
    std::fs::create_dir(&case).unwrap();
    let original = case.join("report.json");
    std::fs::write(&original, SAMPLE).unwrap();
    let out = camsweep(&["report", original.to_str().unwrap(), "--redact"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&original).unwrap(), SAMPLE);
    assert_eq!(
        std::fs::read_dir(&case).unwrap().count(),
        1,
        "only report.json"
    );
}
