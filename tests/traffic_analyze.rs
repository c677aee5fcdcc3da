//! `camsweep analyze` on real captures: what an inspector reads in the report.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pcaps")
        .join(name)
}

fn analyze(files: &[&Path], extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_camsweep"));
    cmd.arg("analyze")
        .args(files)
        .arg("--out")
        .arg(out_dir.path());
    cmd.args(["--json", "--lang", "en"]).args(extra);
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert!(out_dir.path().join("report.json").is_file());
    (out.status.code(), report)
}

fn device<'a>(report: &'a serde_json::Value, ip: &str) -> &'a serde_json::Value {
    report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ip"] == ip)
        .unwrap_or_else(|| panic!("no device {ip}"))
}

fn contacts<'a>(device: &'a serde_json::Value, dest: &str) -> Vec<&'a serde_json::Value> {
    device["cloud_contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["destination"] == dest)
        .collect()
}

#[test]
fn yi_camera_video_goes_to_the_lan_and_alibaba_sees_only_p2p_rendezvous() {
    let pcap = fixture("yi_camera_sample.pcap");
    let (code, report) = analyze(&[&pcap], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["scan"]["mode"], "analyze");
    assert_eq!(report["scan"]["complete"], true);
    assert_eq!(report["scan"]["captures"][0], pcap.display().to_string());
    // SHA-256 of the published file (sha256sum yi_camera_sample.pcap).
    assert_eq!(
        report["evidence_files"][0]["sha256"],
        "dd8a08de927424279c28f4a7426212edf5a804c0d66b05eda45df73204ec39ae"
    );

    let camera = device(&report, "192.168.10.204");
    assert_eq!(camera["mac"], "b0:d5:9d:b9:f0:b4");
    // The ≈718 kB P2P video to the phone: content-sized, on the LAN, not a cloud upload.
    let video = contacts(camera, "192.168.10.248");
    let biggest = video
        .iter()
        .max_by_key(|c| c["bytes_up"].as_u64().unwrap())
        .unwrap();
    assert!(biggest["bytes_up"].as_u64().unwrap() > 700_000, "{biggest}");
    assert_eq!(biggest["scope"], "lan");
    assert_eq!(biggest["pattern"], "video_stream");
    assert_eq!(biggest["upload"], false);

    // The three Alibaba rendezvous servers: UDP 32100, known only by address range.
    for ip in ["47.88.59.209", "47.90.240.160", "47.74.255.9"] {
        let c = contacts(camera, ip);
        assert_eq!(c.len(), 1, "{ip}");
        let c = c[0];
        assert_eq!(c["port"], 32100);
        assert_eq!(c["protocol"], "udp");
        assert_eq!(c["name"], serde_json::Value::Null);
        assert_eq!(c["name_source"], "ip_range");
        assert_eq!(c["category"], "vendor_p2p");
        assert!(c["provider"].as_str().unwrap().contains("Alibaba"), "{c}");
        assert_eq!(c["scope"], "internet");
        assert_eq!(c["upload"], false);
        assert!(c["bytes_up"].as_u64().unwrap() < 2_000, "{c}");
    }
    // Upstream timeline: the half minute of video is there, and none of it went to the internet
    // beyond the rendezvous messages.
    let timeline = camera["upstream_timeline"].as_array().unwrap();
    let up: u64 = timeline
        .iter()
        .map(|m| m["bytes_up"].as_u64().unwrap())
        .sum();
    let internet: u64 = timeline
        .iter()
        .map(|m| m["bytes_up_internet"].as_u64().unwrap())
        .sum();
    assert!(up > 800_000, "{up}");
    assert!(internet < 2_000, "{internet}");
    assert_ne!(camera["identity"]["face_recognition"], "yes");
}

#[test]
fn truncated_capture_is_analysed_up_to_the_damage() {
    let bytes = std::fs::read(fixture("yi_camera_sample.pcap")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..500_000]).unwrap();
    let (code, report) = analyze(&[&cut], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["scan"]["complete"], false);
    let notes = report["scan"]["notes"].to_string();
    assert!(notes.contains("damaged at byte 499056"), "{notes}");
    // Frames before the damage count: the rendezvous happened early in the capture.
    let camera = device(&report, "192.168.10.204");
    assert_eq!(contacts(camera, "47.88.59.209").len(), 1);
    // The hash is over the whole file as read.
    use sha2::Digest;
    let expect = hex::encode(sha2::Sha256::digest(&bytes[..500_000]));
    assert_eq!(report["evidence_files"][0]["sha256"], expect);
}

#[test]
fn pcapng_and_several_files_in_one_report() {
    let a = fixture("test001-le.pcapng");
    let b = fixture("yi_camera_sample.pcap");
    let (code, report) = analyze(&[&a, &b], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["evidence_files"].as_array().unwrap().len(), 2);
    assert!(
        report["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["ip"] == "192.168.0.1")
    );
    assert!(
        report["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["ip"] == "192.168.10.204")
    );
}

#[test]
fn a_file_that_is_not_a_capture_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pcap");
    std::fs::write(&junk, b"this is not a capture").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .arg("analyze")
        .arg(&junk)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a pcap or pcapng file"));
}

#[test]
fn inventory_devices_get_the_traffic_of_their_address() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = fixture("yi_camera_sample.pcap");
    let (_, first) = analyze(&[&pcap], &[]);
    // An "earlier audit" that knew only the camera.
    let mut inventory = first.clone();
    inventory["devices"] = serde_json::Value::Array(vec![device(&first, "192.168.10.204").clone()]);
    inventory["devices"][0]["cloud_contacts"] = serde_json::json!([]);
    inventory["scan"]["mode"] = "audit".into();
    let inv = dir.path().join("report.json");
    std::fs::write(&inv, serde_json::to_string(&inventory).unwrap()).unwrap();
    let (_, report) = analyze(&[&pcap], &["--inventory", inv.to_str().unwrap()]);
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(contacts(&devices[0], "47.74.255.9").len(), 1);
    assert_eq!(report["scan"]["mode"], "analyze");
}
