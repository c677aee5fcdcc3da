//! A realistic small-store report for the renderer tests: a Hikvision camera, a recorder, a
//! DS-K1T671M face terminal that uploads to a vendor cloud, a printer, and one hostile device whose
//! banners try terminal, HTML, Markdown and spreadsheet injection.
//!
//! `tests/fixtures/report/sample-report.json` is this report as JSON (checked by a test), so the
//! integration tests see exactly the same data.

use crate::model::{
    CloudContact, Device, DeviceType, Evidence, EvidenceFile, FaceRecognition, Finding, Identity,
    Localized, OpenPort, Report, SCHEMA_VERSION, ScanInfo, ScanMode, Severity, SignatureSetInfo,
    ToolInfo, UpstreamMinute,
};

/// What the hostile device announces; renderers must never emit it raw.
pub const HOSTILE_TITLE: &str =
    "<script>alert(1)</script> \"quoted\" & 'single' \u{202e}gnp.exe \x1b[31mRED\x1b[0m";
pub const HOSTILE_BANNER: &str =
    "220 FTP | `rm -rf` [click](http://evil.example)\r\n\x1b]0;pwned\x07";
/// A banner a spreadsheet would run as a formula (DDE).
pub const HOSTILE_FORMULA: &str = "=cmd|' /C calc'!A0";
pub const HOSTILE_MODEL: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

fn port(port: u16, service: &str) -> OpenPort {
    OpenPort {
        port,
        protocol: "tcp".to_string(),
        service: service.to_string(),
    }
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

fn camera() -> Device {
    Device {
        id: Device::id_for("198.18.0.11"),
        ip: "198.18.0.11".to_string(),
        mac: s("44:47:cc:12:34:56"),
        mac_vendor: s("Hangzhou Hikvision Digital Technology Co.,Ltd."),
        hostname: None,
        open_ports: vec![port(80, "http"), port(554, "rtsp"), port(8000, "unknown")],
        identity: Identity {
            vendor: s("Hikvision"),
            maker: None,
            model: s("DS-2CD2143G0-I"),
            firmware: s("V5.5.82"),
            device_type: DeviceType::Camera,
            type_basis: None,
            face_recognition: FaceRecognition::No,
            confidence: 0.93,
            signatures: vec![
                "hikvision-http-appwebs".to_string(),
                "hikvision-rtsp-realm".to_string(),
            ],
        },
        evidence: vec![
            Evidence::new("mac.vendor", None, "Hangzhou Hikvision Digital Technology"),
            Evidence::new("http.server", Some(80), "App-webs/"),
            Evidence::new("rtsp.realm", Some(554), "Hikvision"),
            Evidence::new("onvif.model", Some(80), "DS-2CD2143G0-I"),
        ],
        cloud_contacts: vec![],
        upstream_timeline: Vec::new(),
        cloud_indications: Vec::new(),
        cut_short: Vec::new(),
        data_store: None,
        other_addresses: Vec::new(),
    }
}

fn recorder() -> Device {
    Device {
        id: Device::id_for("198.18.0.10"),
        ip: "198.18.0.10".to_string(),
        mac: s("bc:ad:28:01:02:03"),
        mac_vendor: s("Hangzhou Hikvision Digital Technology Co.,Ltd."),
        hostname: None,
        open_ports: vec![port(80, "http"), port(554, "rtsp")],
        identity: Identity {
            vendor: s("Hikvision"),
            maker: None,
            model: s("DS-7608NI-K2"),
            firmware: s("V4.30.085"),
            device_type: DeviceType::Nvr,
            type_basis: None,
            face_recognition: FaceRecognition::Unknown,
            confidence: 0.81,
            signatures: vec!["hikvision-http-dnvrs".to_string()],
        },
        evidence: vec![
            Evidence::new("http.server", Some(80), "DNVRS-Webs"),
            Evidence::new(
                "http.www_authenticate",
                Some(80),
                "Basic realm=\"hikvision\"",
            ),
        ],
        cloud_contacts: vec![],
        upstream_timeline: Vec::new(),
        cloud_indications: Vec::new(),
        cut_short: Vec::new(),
        data_store: None,
        other_addresses: Vec::new(),
    }
}

fn face_terminal() -> Device {
    Device {
        id: Device::id_for("198.18.0.12"),
        ip: "198.18.0.12".to_string(),
        mac: s("c0:56:e3:aa:bb:cc"),
        mac_vendor: s("Hangzhou Hikvision Digital Technology Co.,Ltd."),
        hostname: None,
        open_ports: vec![port(80, "http"), port(443, "https"), port(8000, "unknown")],
        identity: Identity {
            vendor: s("Hikvision"),
            maker: None,
            model: s("DS-K1T671M"),
            firmware: s("V3.2.30"),
            device_type: DeviceType::FaceTerminal,
            type_basis: None,
            face_recognition: FaceRecognition::Yes,
            confidence: 0.88,
            signatures: vec![
                "hikvision-isapi-deviceinfo".to_string(),
                "hikvision-face-terminal-model".to_string(),
            ],
        },
        evidence: vec![
            Evidence::new("http.server", Some(80), "face-webs"),
            Evidence::new("onvif.model", Some(80), "DS-K1T671M"),
            Evidence::new("onvif.firmware", Some(80), "V3.2.30 build 220309"),
            Evidence::new("sadp.hc_platform_enable", Some(37020), "true"),
        ],
        cloud_contacts: vec![
            CloudContact {
                destination: "203.0.113.10".to_string(),
                port: 443,
                protocol: "tcp".to_string(),
                name: s("apiieu.ezvizlife.com"),
                name_source: s("sni"),
                provider: s("Hikvision / EZVIZ"),
                service: s("EZVIZ cloud REST API"),
                category: crate::model::CloudCategory::VendorCloud,
                country: s("NL"),
                bytes_up: 1_048_576,
                bytes_down: 4096,
                packets_up: 800,
                first_seen: "2026-11-23T09:02:11Z".to_string(),
                last_seen: "2026-11-23T09:14:52Z".to_string(),
                upload: true,
                scope: None,
                pattern: None,
                upload_reason: None,
            },
            CloudContact {
                destination: "203.0.113.20".to_string(),
                port: 6800,
                protocol: "udp".to_string(),
                name: s("litedev.ezvizlife.com"),
                name_source: s("dns"),
                provider: s("Hikvision / EZVIZ"),
                service: s("EZVIZ P2P"),
                category: crate::model::CloudCategory::VendorP2p,
                country: s("NL"),
                bytes_up: 18_432,
                bytes_down: 9_216,
                packets_up: 96,
                first_seen: "2026-11-23T09:00:40Z".to_string(),
                last_seen: "2026-11-23T09:14:40Z".to_string(),
                upload: false,
                scope: Some(crate::model::ContactScope::Internet),
                pattern: Some(crate::model::TrafficPattern::Heartbeat),
                upload_reason: s("steady 180 B/s over 10 min, no burst: heartbeat"),
            },
        ],
        upstream_timeline: face_terminal_timeline(),
        cloud_indications: vec![crate::model::CloudIndication {
            kind: "hik_connect_enabled".to_string(),
            source: "sadp.hc_platform_enable".to_string(),
            value: "true".to_string(),
            meaning_source: "Hikvision SADP ProbeMatch HCPlatformEnable".to_string(),
            port_mapping: None,
        }],
        cut_short: Vec::new(),
        data_store: None,
        other_addresses: Vec::new(),
    }
}

/// Twelve minutes of the face terminal's upstream traffic: heartbeats, then an upload burst.
fn face_terminal_timeline() -> Vec<UpstreamMinute> {
    let per_minute: [u64; 12] = [
        1_536, 1_536, 1_600, 98_304, 262_144, 327_680, 196_608, 131_072, 65_536, 1_536, 1_600,
        1_536,
    ];
    per_minute
        .iter()
        .enumerate()
        .map(|(i, &up)| UpstreamMinute {
            minute: format!("2026-11-23T09:{:02}:00Z", 2 + i),
            bytes_up: up + 512,
            bytes_up_internet: up,
        })
        .collect()
}

fn printer() -> Device {
    Device {
        id: Device::id_for("198.18.0.50"),
        ip: "198.18.0.50".to_string(),
        mac: s("3c:d9:2b:10:20:30"),
        mac_vendor: s("Hewlett Packard"),
        hostname: s("NPI102030"),
        open_ports: vec![port(80, "http"), port(631, "ipp"), port(9100, "unknown")],
        identity: Identity {
            vendor: s("HP"),
            maker: None,
            model: s("LaserJet Pro M404dn"),
            firmware: None,
            device_type: DeviceType::Other,
            type_basis: None,
            face_recognition: FaceRecognition::No,
            confidence: 0.6,
            signatures: vec!["hp-printer-title".to_string()],
        },
        evidence: vec![Evidence::new(
            "http.title",
            Some(80),
            "HP LaserJet Pro M404dn",
        )],
        cloud_contacts: vec![],
        upstream_timeline: Vec::new(),
        cloud_indications: Vec::new(),
        cut_short: Vec::new(),
        data_store: None,
        other_addresses: Vec::new(),
    }
}

fn hostile() -> Device {
    Device {
        id: Device::id_for("198.18.0.66"),
        ip: "198.18.0.66".to_string(),
        mac: s("02:00:00:00:00:66"),
        mac_vendor: None,
        hostname: s("x|`y`<b>"),
        open_ports: vec![port(21, "ftp"), port(80, "http")],
        identity: Identity {
            vendor: s("Acme\x1b[31m<i>"),
            maker: None,
            model: s(HOSTILE_MODEL),
            firmware: s("+1, \"two\""),
            device_type: DeviceType::Unknown,
            type_basis: None,
            face_recognition: FaceRecognition::Unknown,
            confidence: 0.2,
            signatures: vec![],
        },
        evidence: vec![
            Evidence::new("http.title", Some(80), HOSTILE_TITLE),
            Evidence::new("tcp.banner", Some(21), HOSTILE_BANNER),
            Evidence::new("http.server", Some(80), HOSTILE_FORMULA),
        ],
        cloud_contacts: vec![],
        upstream_timeline: Vec::new(),
        cloud_indications: Vec::new(),
        cut_short: Vec::new(),
        data_store: None,
        other_addresses: Vec::new(),
    }
}

fn finding() -> Finding {
    Finding {
        id: "F-1".to_string(),
        rule: "CN-PIPL-26".to_string(),
        severity: Severity::High,
        device: Some(Device::id_for("198.18.0.12")),
        title: Localized {
            zh: "人脸识别设备将数据上传至境外云端".to_string(),
            en: "Face-recognition device uploads data to a cloud abroad".to_string(),
        },
        detail: Localized {
            zh: "该人脸识别终端在 12 分钟内向 apiieu.ezvizlife.com 上传约 1.0 MiB 数据，场所未申报云端上传。".to_string(),
            en: "The face terminal sent about 1.0 MiB to apiieu.ezvizlife.com in 12 minutes; the site declared no cloud upload.".to_string(),
        },
        legal_basis: vec![
            "《个人信息保护法》第二十六条".to_string(),
            "《个人信息保护法》第二十九条".to_string(),
        ],
        remedy: Localized {
            zh: "关闭设备的云平台接入（萤石/海康互联），或在显著位置告知并取得个人单独同意。".to_string(),
            en: "Turn off the device's cloud access (EZVIZ/Hik-Connect), or give prominent notice and obtain separate consent.".to_string(),
        },
        evidence: vec![
            "onvif.model=DS-K1T671M".to_string(),
            "cloud: 1.0 MiB to apiieu.ezvizlife.com".to_string(),
        ],
        conditional: false,
        conditions: Vec::new(),
        advice: None,
            theme: None,
            rules: Vec::new(),
            lawful_if: Vec::new(),
    }
}

/// A definite finding with store-manager advice: face data leaves the device.
fn local_store_finding() -> Finding {
    Finding {
        id: "F-2".to_string(),
        rule: "CN-FRM-8-LOCALSTORE".to_string(),
        severity: Severity::Critical,
        device: Some(Device::id_for("198.18.0.12")),
        title: Localized {
            zh: "人脸信息未存储于设备内，经互联网对外传输".to_string(),
            en: "Face data leaves the device over the internet".to_string(),
        },
        detail: Localized {
            zh: "该人脸识别终端向云端上传内容，未取得单独同意。".to_string(),
            en: "The face terminal uploads content to a cloud without separate consent."
                .to_string(),
        },
        legal_basis: vec![
            "《人脸识别技术应用安全管理办法》第八条 (Face Recognition Measures Art. 8)".to_string(),
        ],
        remedy: Localized {
            zh: "关闭设备的云端上传，人脸信息只存储于设备内。".to_string(),
            en: "Turn the device's cloud upload off and keep face data in the device.".to_string(),
        },
        evidence: vec!["cloud: 1.0 MiB to apiieu.ezvizlife.com (upload)".to_string()],
        conditional: false,
        conditions: Vec::new(),
        advice: None,
        theme: None,
        rules: Vec::new(),
        lawful_if: Vec::new(),
    }
}

/// The sample report the renderer tests share.
pub fn sample_report() -> Report {
    let devices = vec![camera(), recorder(), face_terminal(), printer(), hostile()];
    let mut findings = vec![local_store_finding(), finding()];
    crate::bundle::builtin_advice()
        .expect("bundled advice")
        .attach(&mut findings, &devices);
    Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: ToolInfo {
            name: "camsweep".to_string(),
            version: "0.1.0".to_string(),
        },
        signatures: SignatureSetInfo {
            version: "2026.11.1".to_string(),
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_string(),
        },
        scan: ScanInfo {
            complete: false,
            targets: vec!["198.18.0.0/24".to_string()],
            interface: s("lan0"),
            captures: vec!["capture.pcapng".to_string()],
            addresses_scanned: 254,
            ports: vec![80, 443, 554, 8000],
            discovery: vec!["tcp_connect".to_string(), "neighbour".to_string()],
            notes: vec!["198.18.0.66: HTTP probe on port 8080 timed out after 5 s".to_string()],
            authorised_by: s("王店长 (store manager)"),
            lang: s("zh"),
            ..ScanInfo::new(
                ScanMode::Audit,
                "2026-11-23T09:00:00Z".to_string(),
                "2026-11-23T09:15:30Z".to_string(),
            )
        },
        site: Some(serde_json::json!({
            "name": "示例便利店 Example Mart #12",
            "address": "上海市徐汇区示例路 1 号",
            "notice_posted": "generic_cctv"
        })),
        devices,
        findings,
        to_verify: Vec::new(),
        evidence_files: vec![
            EvidenceFile {
                path: "capture.pcapng".to_string(),
                sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                    .to_string(),
            },
            EvidenceFile {
                path: "site.toml".to_string(),
                sha256: "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
                    .to_string(),
            },
            EvidenceFile {
                path: "photos/entrance-notice.jpg".to_string(),
                sha256: "0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f"
                    .to_string(),
            },
        ],
    }
}

/// Compares `actual` with the reviewed file `tests/fixtures/report/<name>`. After a deliberate
/// change, rewrite the files with `CAMSWEEP_BLESS=1 cargo test --lib report::` and review the diff.
pub fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report")
        .join(name);
    if std::env::var_os("CAMSWEEP_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; bless it first", path.display()));
    assert!(
        expected == actual,
        "{name} differs from the golden file; bless and review the diff"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integration tests read this fixture; it must stay the JSON of the sample report.
    #[test]
    fn fixture_matches_the_sample_report() {
        let json = crate::report::to_json(&sample_report()).unwrap();
        golden("sample-report.json", &json);
    }
}
