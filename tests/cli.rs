//! The binary as a user meets it: exit codes, error messages, and an audit of a fake camera on loopback.

mod common;

use common::{camsweep, fake_hikvision, text};
use std::path::Path;

/// The built-in signature set checks clean.
#[test]
fn signatures_check_passes_on_the_bundled_set() {
    let out = camsweep(&["signatures", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("every example matches"));
    let list = camsweep(&["signatures", "list"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(text(&list.stdout).contains("hikvision-http-server-app-webs"));
}

/// A broken signature file is refused with the file and line of the mistake.
#[test]
fn signatures_check_names_file_and_line_of_a_broken_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signatures/unknown-field");
    let out = camsweep(&["signatures", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(".toml:") && err.contains("unknown field"),
        "{err}"
    );
}

/// A public address is refused before anything is sent, and the user is told why.
#[test]
fn public_targets_are_refused() {
    let out = camsweep(&["scan", "--targets", "8.8.8.8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--allow-public"),
        "{}",
        text(&out.stderr)
    );
    let out = camsweep(&["scan", "--targets", "198.18.0.300"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not an address"));
}

/// `audit` of a loopback camera writes every report file, names the camera, and `report` re-renders it.
#[test]
fn audit_of_a_loopback_camera_writes_a_report() {
    let port = fake_hikvision().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("audit");
    let out = camsweep(&[
        "audit",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--lang",
        "en",
        "--authorised-by",
        "Test Owner, IT",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    for file in [
        "report.json",
        "report.html",
        "report.md",
        "inventory.csv",
        "SHA256SUMS",
    ] {
        assert!(out_dir.join(file).is_file(), "{file} missing");
    }
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    camsweep::report::validate(&json).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    assert_eq!(report.scan.authorised_by.as_deref(), Some("Test Owner, IT"));
    let cam = &report.devices[0];
    assert_eq!(cam.ip, "127.0.0.1");
    assert_eq!(cam.identity.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(cam.identity.model.as_deref(), Some("DS-2CD2143G0-I"));
    assert_eq!(
        cam.identity.device_type,
        camsweep::model::DeviceType::Camera
    );
    assert!(
        cam.evidence
            .iter()
            .any(|e| e.source == "http.server" && e.value == "App-webs/")
    );

    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("DS-2CD2143G0-I"));

    let rerendered = dir.path().join("zh");
    let out = camsweep(&[
        "report",
        out_dir.join("report.json").to_str().unwrap(),
        "--lang",
        "zh",
        "--out",
        rerendered.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let html = std::fs::read_to_string(rerendered.join("report.html")).unwrap();
    assert!(html.contains("摄像机"));
}

/// `scan` prints the table and exits 1 when a camera is present.
#[test]
fn scan_prints_a_table_and_flags_cameras() {
    let port = fake_hikvision().to_string();
    let out = camsweep(&[
        "scan",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--lang",
        "en",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("Hikvision") && table.contains("127.0.0.1"),
        "{table}"
    );
}

/// A file that is not a report is refused with a reason.
#[test]
fn report_refuses_a_file_that_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, r#"{"schema_version": "1", "devices": "many"}"#).unwrap();
    let out = camsweep(&["report", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a valid camsweep report"),
        "{}",
        text(&out.stderr)
    );
}

/// More than a /16 is refused without --allow-large, before anything is sent.
#[test]
fn more_than_a_slash_16_is_refused_without_allow_large() {
    let out = camsweep(&["scan", "--targets", "10.0.0.0/15"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--allow-large"),
        "{}",
        text(&out.stderr)
    );
}

/// Run unattended without --authorised-by, `audit` carries on, warns, and the report says the
/// authorisation was not stated.
#[test]
fn an_unattended_audit_records_that_authorisation_was_not_stated() {
    let port = fake_hikvision().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("audit");
    let out = camsweep(&[
        "audit",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    assert!(stderr.contains("--authorised-by"), "{stderr}");
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    assert_eq!(report.scan.authorised_by, None);
    assert!(
        report
            .scan
            .notes
            .iter()
            .any(|n| n.starts_with("authorisation not stated")),
        "{:?}",
        report.scan.notes
    );
}
