//! `camsweep analyze` on real captures: what an inspector reads in the report.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, csv_rows};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pcaps")
        .join(name)
}

fn analyze(files: &[&Path], extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let (code, report, _) = analyze_with_stderr(files, extra);
    (code, report)
}

/// [`analyze`], also returning what was said on stderr.
fn analyze_with_stderr(
    files: &[&Path],
    extra: &[&str],
) -> (Option<i32>, serde_json::Value, String) {
    let out_dir = tempfile::tempdir().unwrap();
    let args = ["analyze".as_ref()]
        .into_iter()
        .chain(files.iter().map(|f| f.as_os_str()))
        .chain(["--lang", "en"].iter().chain(extra).map(AsRef::as_ref));
    let (out, report) = common::run_and_read_report(args, out_dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), report, stderr)
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
    assert_eq!(biggest["category"], "lan", "a LAN peer is not a cloud");
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
    let (code, report, stderr) = analyze_with_stderr(&[&cut], &[]);
    // 3: a report was written, but from a damaged capture.
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(report["scan"]["complete"], false);
    let notes = report["scan"]["notes"].to_string();
    assert!(notes.contains("damaged at byte 499056"), "{notes}");
    assert!(stderr.contains("damaged at byte 499056"), "{stderr}");
    let damage = &report["scan"]["damaged_captures"][0];
    assert_eq!(damage["offset"], 499_056);
    assert_eq!(damage["path"], cut.display().to_string());
    // Frames before the damage count: the rendezvous happened early in the capture.
    let camera = device(&report, "192.168.10.204");
    assert_eq!(contacts(camera, "47.88.59.209").len(), 1);
    // The hash is over the whole file as read.
    use sha2::Digest;
    let expect = hex::encode(sha2::Sha256::digest(&bytes[..500_000]));
    assert_eq!(report["evidence_files"][0]["sha256"], expect);
}

/// A capture corrupted in the middle (a record header claiming a 4 GiB frame) is analysed up to
/// that record; the report and stderr name the record's offset and the exit code is 3.
#[test]
fn corrupt_capture_is_analysed_up_to_the_damage() {
    let mut bytes = std::fs::read(fixture("yi_camera_sample.pcap")).unwrap();
    // Walk the records (24-byte file header, 16-byte record headers) to the middle of the file.
    let mut at = 24;
    let mut frames_before = 0;
    while at < bytes.len() / 2 {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
        frames_before += 1;
    }
    bytes[at + 8..at + 12].copy_from_slice(&0xffff_ff00u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("corrupt.pcap");
    std::fs::write(&bad, &bytes).unwrap();
    let (code, report, stderr) = analyze_with_stderr(&[&bad], &[]);
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(report["scan"]["complete"], false);
    let damage = &report["scan"]["damaged_captures"][0];
    assert_eq!(damage["offset"], at as u64, "{damage}");
    assert!(
        stderr.contains(&format!("damaged at byte {at}")),
        "{stderr}"
    );
    let frames = report["scan"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|n| n.as_str()?.strip_prefix("traffic: "))
        .and_then(|n| n.split(' ').next()?.parse::<u64>().ok())
        .unwrap();
    assert_eq!(
        frames, frames_before,
        "every frame before the damage is analysed"
    );
    // The whole file is still hashed.
    use sha2::Digest;
    let expect = hex::encode(sha2::Sha256::digest(&bytes));
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

/// The scanner's addresses are never a contact: recorded by an earlier audit
/// (`scan.scanner_addresses` of the inventory) or given with `--scanner`. The real Yi capture
/// holds no scan, so its phone (192.168.10.248, which the camera streams to) stands in for the
/// scanner: every packet to and from it is left out, the rest of the analysis is unchanged.
#[test]
fn the_scanners_addresses_are_never_a_contact() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = fixture("yi_camera_sample.pcap");
    let (_, first) = analyze(&[&pcap], &[]);
    let camera = device(&first, "192.168.10.204");
    assert!(!contacts(camera, "192.168.10.248").is_empty());
    let mut inventory = first.clone();
    inventory["devices"] = serde_json::Value::Array(vec![camera.clone()]);
    inventory["devices"][0]["cloud_contacts"] = serde_json::json!([]);
    inventory["scan"]["mode"] = "audit".into();
    inventory["scan"]["scanner_addresses"] = serde_json::json!(["192.168.10.248"]);
    let inv = dir.path().join("report.json");
    std::fs::write(&inv, serde_json::to_string(&inventory).unwrap()).unwrap();
    let from_inventory = analyze(&[&pcap], &["--inventory", inv.to_str().unwrap()]).1;
    let given = analyze(&[&pcap], &["--scanner", "192.168.10.248"]).1;
    for report in [&from_inventory, &given] {
        assert_eq!(
            report["scan"]["scanner_addresses"],
            serde_json::json!(["192.168.10.248"])
        );
        for d in report["devices"].as_array().unwrap() {
            assert_ne!(d["ip"], "192.168.10.248", "the scanner is no device");
            for c in d["cloud_contacts"].as_array().unwrap() {
                assert_ne!(c["destination"], "192.168.10.248", "{c}");
            }
        }
        let camera = device(report, "192.168.10.204");
        assert_eq!(contacts(camera, "47.88.59.209").len(), 1);
    }
}

/// connections.csv on the real Yi capture: one row per connection with its columns, numbers
/// that tshark shows for the same conversations (`tshark -z conv,udp`: 3 frames / 346 bytes up
/// and 3 / 162 down to each rendezvous server), the verdicts, every contact the sum of its rows,
/// and the file in SHA256SUMS.
#[test]
fn connections_csv_lists_each_connection_with_its_verdict_and_sums_to_the_contacts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case");
    let pcap = fixture("yi_camera_sample.pcap");
    let run = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .arg("analyze")
        .arg(&pcap)
        .arg("--out")
        .arg(&out)
        .args(["--json", "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let text = std::fs::read_to_string(out.join("connections.csv")).unwrap();
    let (header, rows) = csv_rows::rows(&text);
    assert_eq!(header, camsweep::report::CONNECTION_COLUMNS);
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert!(
        sums.contains(&format!(
            "{}  connections.csv",
            camsweep::report::sha256_hex(text.as_bytes())
        )),
        "{sums}"
    );
    for ip in ["47.88.59.209", "47.90.240.160", "47.74.255.9"] {
        let mine: Vec<_> = rows.iter().filter(|r| r["remote"] == ip).collect();
        assert_eq!(mine.len(), 1, "{ip}: {mine:#?}");
        let r = mine[0];
        let got: Vec<&str> = [
            "device",
            "device_port",
            "port",
            "protocol",
            "device_opened",
            "bytes_up",
            "packets_up",
            "bytes_down",
            "packets_down",
            "name_source",
            "category",
            "verdict",
        ]
        .iter()
        .map(|k| r[*k].as_str())
        .collect();
        assert_eq!(
            got,
            [
                "192.168.10.204",
                "25508",
                "32100",
                "udp",
                "yes",
                "346",
                "3",
                "162",
                "3",
                "ip_range",
                "vendor_p2p",
                "heartbeat"
            ],
            "{r:#?}"
        );
        assert!(r["reason"].contains("heartbeat"), "{r:#?}");
        assert!(r["first_seen"].ends_with('Z') && r["first_seen"].contains('.'));
    }
    let lan: Vec<_> = rows
        .iter()
        .filter(|r| r["remote"] == "192.168.10.248")
        .collect();
    assert!(!lan.is_empty());
    assert!(
        lan.iter()
            .all(|r| r["verdict"] == "lan" && r["category"] == "lan"),
        "{lan:#?}"
    );
    // Every contact of report.json is the sum of its connections.
    for d in report["devices"].as_array().unwrap() {
        for c in d["cloud_contacts"].as_array().unwrap() {
            let of_contact: Vec<_> = rows
                .iter()
                .filter(|r| {
                    r["device"] == d["ip"].as_str().unwrap()
                        && r["remote"] == c["destination"].as_str().unwrap()
                        && r["port"].parse::<u64>().ok() == c["port"].as_u64()
                        && r["protocol"] == c["protocol"].as_str().unwrap()
                })
                .collect();
            let sum = |k: &str| {
                of_contact
                    .iter()
                    .map(|r| r[k].parse::<u64>().unwrap())
                    .sum::<u64>()
            };
            assert_eq!(sum("bytes_up"), c["bytes_up"].as_u64().unwrap(), "{c}");
            assert_eq!(sum("bytes_down"), c["bytes_down"].as_u64().unwrap(), "{c}");
        }
    }
}

/// A small capture built from real protocol messages: a DNS answer, TLS ClientHellos (the
/// draft-thomson-tls-tls13-vectors ClientHello with its server name replaced) and uploads.
mod synthetic {
    use etherparse::PacketBuilder;

    type Endpoint = ([u8; 4], u16);

    pub struct Pcap {
        pub bytes: Vec<u8>,
        pub ts_us: u64,
        /// Next TCP sequence number of each direction (src, dst), as a real stack numbers bytes:
        /// a SYN takes one number, a segment as many as it carries.
        next_seq: std::collections::HashMap<(Endpoint, Endpoint), u32>,
    }

    impl Pcap {
        pub fn new() -> Self {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
            bytes.extend_from_slice(&2u16.to_le_bytes());
            bytes.extend_from_slice(&4u16.to_le_bytes());
            bytes.extend_from_slice(&[0; 8]);
            bytes.extend_from_slice(&65_535u32.to_le_bytes());
            bytes.extend_from_slice(&1u32.to_le_bytes());
            Self {
                bytes,
                ts_us: 1_795_000_000_000_000,
                next_seq: std::collections::HashMap::new(),
            }
        }

        fn frame(&mut self, frame: &[u8]) {
            let (s, us) = (self.ts_us / 1_000_000, self.ts_us % 1_000_000);
            self.bytes.extend_from_slice(&(s as u32).to_le_bytes());
            self.bytes.extend_from_slice(&(us as u32).to_le_bytes());
            self.bytes
                .extend_from_slice(&(frame.len() as u32).to_le_bytes());
            self.bytes
                .extend_from_slice(&(frame.len() as u32).to_le_bytes());
            self.bytes.extend_from_slice(frame);
        }

        pub fn udp(&mut self, src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) {
            let mut f = Vec::new();
            PacketBuilder::ethernet2(mac(src.0), mac(dst.0))
                .ipv4(src.0, dst.0, 64)
                .udp(src.1, dst.1)
                .write(&mut f, payload)
                .unwrap();
            self.frame(&f);
        }

        #[allow(clippy::too_many_arguments)]
        pub fn tcp(
            &mut self,
            src: ([u8; 4], u16),
            dst: ([u8; 4], u16),
            syn: bool,
            ack: bool,
            fin: bool,
            payload: &[u8],
        ) {
            let seq = self.next_seq.entry((src, dst)).or_insert(1_000);
            let this_seq = *seq;
            *seq = seq.wrapping_add(payload.len() as u32 + u32::from(syn || fin));
            let mut b = PacketBuilder::ethernet2(mac(src.0), mac(dst.0))
                .ipv4(src.0, dst.0, 64)
                .tcp(src.1, dst.1, this_seq, 65_535);
            if syn {
                b = b.syn();
            }
            if ack {
                b = b.ack(1);
            }
            if fin {
                b = b.fin();
            }
            let mut f = Vec::new();
            b.write(&mut f, payload).unwrap();
            self.frame(&f);
        }

        pub fn advance_ms(&mut self, ms: u64) {
            self.ts_us += ms * 1000;
        }

        /// A TLS connection: handshake with `sni`, then `up` bytes sent in 1400-byte segments
        /// over `seconds`, and a small answer.
        pub fn tls_upload(
            &mut self,
            client: ([u8; 4], u16),
            server: ([u8; 4], u16),
            sni: &str,
            up: usize,
            seconds: u64,
        ) {
            self.tcp(client, server, true, false, false, b"");
            self.tcp(server, client, true, true, false, b"");
            let hello = client_hello(sni);
            let (a, b) = hello.split_at(60);
            self.tcp(client, server, false, true, false, a);
            self.tcp(client, server, false, true, false, b);
            self.tcp(server, client, false, true, false, &[0x16; 1200]);
            let segments = up.div_ceil(1400).max(1);
            let step_ms = (seconds * 1000 / segments as u64).max(1);
            for _ in 0..segments {
                self.tcp(client, server, false, true, false, &[0x17; 1400]);
                self.advance_ms(step_ms);
            }
            self.tcp(server, client, false, true, false, &[0x17; 200]);
            self.tcp(client, server, false, true, true, b"");
            self.tcp(server, client, false, true, true, b"");
        }
    }

    fn mac(ip: [u8; 4]) -> [u8; 6] {
        [0x02, 0, ip[0], ip[1], ip[2], ip[3]]
    }

    /// The test-vector ClientHello with its SNI `server` replaced by `name`, lengths fixed.
    pub fn client_hello(name: &str) -> Vec<u8> {
        let hex_text = include_str!("../fixtures/traffic/client_hello.hex");
        let orig = hex::decode(hex_text.trim()).unwrap();
        let old_ext = [&[0u8, 0, 0, 0x0b, 0, 0x09, 0, 0, 6][..], b"server"].concat();
        let at = orig
            .windows(old_ext.len())
            .position(|w| w == old_ext)
            .unwrap();
        let n = name.len() as u16;
        let mut new_ext = vec![0, 0];
        new_ext.extend_from_slice(&(n + 5).to_be_bytes());
        new_ext.extend_from_slice(&(n + 3).to_be_bytes());
        new_ext.push(0);
        new_ext.extend_from_slice(&n.to_be_bytes());
        new_ext.extend_from_slice(name.as_bytes());
        let delta = new_ext.len() as i64 - old_ext.len() as i64;
        let mut out = [&orig[..at], &new_ext[..], &orig[at + old_ext.len()..]].concat();
        let fix16 = |buf: &mut Vec<u8>, pos: usize| {
            let v = u16::from_be_bytes([buf[pos], buf[pos + 1]]) as i64 + delta;
            buf[pos..pos + 2].copy_from_slice(&(v as u16).to_be_bytes());
        };
        fix16(&mut out, 3); // record length
        let hs = ((out[6] as i64) << 16 | (out[7] as i64) << 8 | out[8] as i64) + delta;
        out[6..9].copy_from_slice(&(hs as u32).to_be_bytes()[1..]);
        // extensions length: after version, random, session id, cipher suites, compression.
        let mut p = 9 + 2 + 32;
        p += 1 + out[p] as usize;
        p += 2 + u16::from_be_bytes([out[p], out[p + 1]]) as usize;
        p += 1 + out[p] as usize;
        fix16(&mut out, p);
        out
    }

    pub fn dns_answer(name: &str, addr: [u8; 4]) -> Vec<u8> {
        use simple_dns::{
            CLASS, Name, Packet, Question, ResourceRecord,
            rdata::{A, RData},
        };
        let mut p = Packet::new_reply(0x1234);
        p.questions.push(Question::new(
            Name::new_unchecked(name),
            simple_dns::TYPE::A.into(),
            CLASS::IN.into(),
            false,
        ));
        p.answers.push(ResourceRecord::new(
            Name::new_unchecked(name),
            CLASS::IN,
            60,
            RData::A(A {
                address: u32::from_be_bytes(addr),
            }),
        ));
        p.build_bytes_vec().unwrap()
    }
}

#[test]
fn face_api_and_face_analytics_uploads_are_found_by_name_and_heartbeats_are_not_uploads() {
    let mut pcap = synthetic::Pcap::new();
    let router = [192, 168, 1, 1];
    let cam_a = [192, 168, 1, 50];
    let cam_b = [192, 168, 1, 51];
    let clock = [192, 168, 1, 52];
    let baidu = [203, 0, 113, 7];
    let ovopark = [203, 0, 113, 8];
    // Camera A resolves Baidu's face API, then sends a 96 kB picture within half a second.
    pcap.udp(
        (cam_a, 40_000),
        (router, 53),
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",
    );
    pcap.udp(
        (router, 53),
        (cam_a, 40_000),
        &synthetic::dns_answer("aip.baidubce.com", baidu),
    );
    pcap.tls_upload((cam_a, 41_000), (baidu, 443), "aip.baidubce.com", 96_000, 0);
    // Camera B: no DNS seen, only the SNI; 30 s of steady upstream to Ovopark.
    pcap.tls_upload(
        (cam_b, 42_000),
        (ovopark, 443),
        "openapi.ovopark.com",
        600_000,
        30,
    );
    // A third device: NTP, and a keep-alive to the same Baidu address, which it resolved itself
    // (camera A's DNS answer names the address for camera A only).
    pcap.udp(
        (router, 53),
        (clock, 40_001),
        &synthetic::dns_answer("aip.baidubce.com", baidu),
    );
    for _ in 0..5 {
        pcap.udp((clock, 123), ([203, 0, 113, 9], 123), &[0x23; 48]);
        pcap.tcp(
            (clock, 43_000),
            (baidu, 443),
            false,
            true,
            false,
            &[0x17; 40],
        );
        pcap.advance_ms(1000);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.pcap");
    std::fs::write(&file, &pcap.bytes).unwrap();
    let (_, report) = analyze(&[&file], &[]);

    let a = device(&report, "192.168.1.50");
    let c = contacts(a, "203.0.113.7")[0];
    assert_eq!(c["name"], "aip.baidubce.com");
    // The connection's own SNI names it before the DNS answer for the address does.
    assert_eq!(c["name_source"], "sni");
    assert!(
        c["upload_reason"].as_str().unwrap().contains("burst"),
        "{c}"
    );
    assert_eq!(c["category"], "face_api");
    assert_eq!(c["country"], "CN");
    assert_eq!(c["upload"], true, "{c}");
    assert_eq!(c["pattern"], "snapshots");
    assert_eq!(a["identity"]["face_recognition"], "yes");
    assert!(
        a["evidence"].to_string().contains("traffic.face_cloud"),
        "{}",
        a["evidence"]
    );

    let b = device(&report, "192.168.1.51");
    let c = contacts(b, "203.0.113.8")[0];
    assert_eq!(c["name"], "openapi.ovopark.com");
    assert_eq!(c["name_source"], "sni");
    assert_eq!(c["category"], "vendor_cloud");
    assert_eq!(c["upload"], true);
    assert_eq!(c["pattern"], "video_stream");
    assert_eq!(b["identity"]["face_recognition"], "yes");

    let clock = device(&report, "192.168.1.52");
    let ntp = contacts(clock, "203.0.113.9")[0];
    assert_eq!(
        (ntp["pattern"].as_str(), ntp["upload"].as_bool()),
        (Some("network_service"), Some(false))
    );
    // Any contact with a face API is reported, even a keep-alive; it marks the device too.
    let keepalive = contacts(clock, "203.0.113.7")[0];
    assert_eq!(keepalive["category"], "face_api");
    assert_eq!(keepalive["upload"], false);
    assert_eq!(keepalive["pattern"], "heartbeat");
}

/// Hostile input: a real capture with bytes overwritten all over its first 64 KiB (record
/// headers, lengths, link headers) is read to the end or to the damage, never panics or hangs.
#[test]
fn corrupted_captures_never_panic_or_hang() {
    use camsweep::traffic::{Analyzer, FlowLimits, FrameSource, PcapSource, UploadPolicy};
    let original = std::fs::read(fixture("yi_camera_sample.pcap")).unwrap();
    let cloud = camsweep::bundle::builtin_cloud().unwrap();
    let start = std::time::Instant::now();
    for (i, offset) in (24..65_536).step_by(613).enumerate() {
        let mut bytes = original[..200_000].to_vec();
        let junk: &[u8] = match i % 3 {
            0 => &[0xff; 8],
            1 => &[0; 8],
            _ => &[0x7f, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00],
        };
        bytes[offset..offset + 8].copy_from_slice(junk);
        let mut source = PcapSource::new(&bytes[..]).unwrap();
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        while let Ok(Some(frame)) = source.next_frame() {
            analyzer.push(&frame);
        }
        let _ = analyzer.finish(&cloud);
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

/// Announcements in a real capture (Wireshark's sample, trimmed to its SSDP NOTIFYs, mDNS
/// answers and one ARP per sender): the capture alone names the Swann DVR from what it
/// announced, each machine is one device whatever its addresses, and the evidence says it was
/// observed passively.
#[test]
fn announcements_in_a_capture_name_devices_and_one_machine_is_one_device() {
    let capture = fixture("wireshark-samples-announcements.pcapng");
    let (code, report) = analyze(&[&capture], &[]);
    assert_eq!(code, Some(0));
    let devices = report["devices"].as_array().unwrap();
    // The DIRECTV box (18:16:c9:e0:a6:33) announces from 192.168.152.15 and from its
    // link-local 169.254.8.219: one device, listed under the routable address.
    let directv = device(&report, "192.168.152.15");
    assert_eq!(
        directv["other_addresses"],
        serde_json::json!(["169.254.8.219"])
    );
    assert!(!devices.iter().any(|d| d["ip"] == "169.254.8.219"));
    // Two Windows machines announce over IPv4 and IPv6 link-local.
    for (v4, v6) in [
        ("192.168.152.26", "fe80::f1e4:9cfd:8de0:5a4"),
        ("192.168.152.33", "fe80::25bb:e203:3dbe:5bea"),
    ] {
        assert_eq!(
            device(&report, v4)["other_addresses"],
            serde_json::json!([v6])
        );
    }
    let macs: Vec<&str> = devices.iter().filter_map(|d| d["mac"].as_str()).collect();
    let mut unique = macs.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(macs.len(), unique.len(), "a MAC listed twice: {macs:?}");
    // The Swann DVR (bc:51:fe, USN uuid:DVR8-4500) is named from its NOTIFY and its MAC.
    let dvr = device(&report, "192.168.152.115");
    assert_eq!(dvr["identity"]["vendor"], "Swann");
    let evidence = dvr["evidence"].as_array().unwrap();
    let usn = evidence
        .iter()
        .find(|e| e["source"] == "ssdp.usn")
        .expect("the DVR's USN as evidence");
    assert_eq!(usn["passive"], true);
    assert!(usn["value"].as_str().unwrap().contains("DVR8-4500"));
    assert!(
        evidence
            .iter()
            .filter(|e| e["source"] != "mac.vendor")
            .all(|e| e["passive"] == true),
        "{evidence:?}"
    );
}

/// The connections.csv rows of `analyze` on `files`, with the report.
fn analyze_with_connections(
    files: &[&Path],
) -> (
    serde_json::Value,
    Vec<std::collections::BTreeMap<String, String>>,
) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .arg("analyze")
        .args(files)
        .arg("--out")
        .arg(dir.path())
        .args(["--json", "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = std::fs::read_to_string(dir.path().join("connections.csv")).unwrap();
    let (_, rows) = csv_rows::rows(&text);
    (report, rows)
}

/// The real TLS 1.3 capture (rtshark's test_tls.pcap): one connection from a LAN host to a
/// Google address, named by its own ClientHello. tshark counts 22 frames / 3032 bytes up and
/// 26 / 23288 down (`tshark -z conv,tcp`).
#[test]
fn a_real_tls_connection_is_named_by_its_own_sni() {
    let (report, rows) = analyze_with_connections(&[&fixture("google-tls13.pcap")]);
    let host = device(&report, "172.23.128.80");
    let c = contacts(host, "172.217.20.206");
    assert_eq!(c.len(), 1, "{c:?}");
    let c = c[0];
    assert_eq!(c["port"], 443);
    assert_eq!(c["protocol"], "tcp");
    assert_eq!(c["name"], "ogs.google.fr");
    assert_eq!(c["name_source"], "sni");
    assert_eq!(c["bytes_up"], 3032);
    assert_eq!(c["packets_up"], 22);
    assert_eq!(c["bytes_down"], 23288);
    assert_eq!(c["scope"], "internet");
    // 3 kB of requests in 76 ms, 23 kB back: a page fetched, nothing uploaded.
    assert_eq!(c["upload"], false, "{c}");
    assert_eq!(host["cloud_contacts"].as_array().unwrap().len(), 1);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["device_opened"], "yes");
    assert_eq!(rows[0]["device_port"], "59266");
    assert_eq!(rows[0]["name"], "ogs.google.fr");
}

/// Item 1 on real packets: the same capture with the server's address rewritten to the public
/// 203.0.113.255 (`tcprewrite --srcipmap/--dstipmap … --fixcsum`, the link destination is still
/// the gateway's unicast MAC). An internet host whose address ends in .255 is a contact like
/// any other, with the same bytes and name.
#[test]
fn a_public_address_ending_in_255_is_a_contact() {
    let (report, _) = analyze_with_connections(&[&fixture("google-tls13-dot255.pcap")]);
    let c = contacts(device(&report, "172.23.128.80"), "203.0.113.255");
    assert_eq!(c.len(), 1, "the .255 server vanished: {report}");
    assert_eq!(c[0]["name"], "ogs.google.fr");
    assert_eq!(c[0]["bytes_up"], 3032);
    assert_eq!(c[0]["bytes_down"], 23288);
    let timeline: u64 = device(&report, "172.23.128.80")["upstream_timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["bytes_up_internet"].as_u64().unwrap())
        .sum();
    assert_eq!(timeline, 3032);
}

/// Item 3 on real packets: the capture with its closing FIN/ACK exchange (the last four frames)
/// moved 200 s later (`editcap -t 200` on frames 45–48, merged back), past the 120-s idle
/// timeout. The late FIN/ACKs belong to the same client→server direction: still one contact,
/// to port 443, and none on the client's port 59266.
#[test]
fn a_fin_after_the_idle_timeout_keeps_the_connections_direction() {
    let (report, rows) = analyze_with_connections(&[&fixture("google-tls13-idle-fin.pcap")]);
    let host = device(&report, "172.23.128.80");
    let all = host["cloud_contacts"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["destination"], "172.217.20.206");
    assert_eq!(all[0]["port"], 443);
    assert_eq!(all[0]["bytes_up"], 3032);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(
            (
                r["device"].as_str(),
                r["device_port"].as_str(),
                r["port"].as_str()
            ),
            ("172.23.128.80", "59266", "443"),
            "{r:#?}"
        );
    }
}

/// Item 5 on real packets: the capture as BSD tools write raw IP (link type 12; Ethernet headers
/// cut with `editcap -C 14 -T rawip`, the header's link type set to 12, each record's original
/// length set to what it holds) reads like the Ethernet original, 14 bytes a frame lighter.
#[test]
fn raw_ip_link_type_12_reads_like_the_ethernet_capture() {
    let (ether, _) = analyze_with_connections(&[&fixture("google-tls13.pcap")]);
    let (raw, _) = analyze_with_connections(&[&fixture("google-tls13-linktype12.pcap")]);
    let a = contacts(device(&ether, "172.23.128.80"), "172.217.20.206")[0];
    let b = contacts(device(&raw, "172.23.128.80"), "172.217.20.206")[0];
    for k in [
        "port",
        "protocol",
        "name",
        "name_source",
        "packets_up",
        "upload",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(
        a["bytes_up"].as_u64().unwrap(),
        b["bytes_up"].as_u64().unwrap() + 14 * b["packets_up"].as_u64().unwrap()
    );
    // 26 frames down (tshark -z conv,tcp).
    assert_eq!(
        a["bytes_down"].as_u64().unwrap(),
        b["bytes_down"].as_u64().unwrap() + 14 * 26
    );
}

/// Items 1 and 7 on a real home LAN (Wireshark's sample, trimmed to its DNS, NTP and subnet
/// broadcasts): the time server 64.113.32.5 and the router's resolver are infrastructure, never
/// an upload; NetBIOS and port-15600 broadcasts to 192.168.152.255 (link destination
/// ff:ff:ff:ff:ff:ff) are no contact of anybody.
#[test]
fn dns_and_ntp_are_infrastructure_and_a_subnet_broadcast_is_no_contact() {
    let (report, _) = analyze_with_connections(&[&fixture("wireshark-samples-dns-ntp.pcapng")]);
    let pc = device(&report, "192.168.152.101");
    let ntp = contacts(pc, "64.113.32.5");
    assert_eq!(ntp.len(), 1, "{pc}");
    assert_eq!(ntp[0]["port"], 123);
    assert_eq!(ntp[0]["category"], "infrastructure");
    assert_eq!(ntp[0]["scope"], "internet");
    assert_eq!(ntp[0]["upload"], false);
    let dns = contacts(pc, "192.168.152.1");
    assert!(!dns.is_empty(), "{pc}");
    assert!(
        dns.iter()
            .all(|c| c["port"] == 53 && c["category"] == "infrastructure" && c["upload"] == false),
        "{dns:#?}"
    );
    for d in report["devices"].as_array().unwrap() {
        assert_ne!(d["ip"], "192.168.152.255");
        for c in d["cloud_contacts"].as_array().unwrap() {
            assert_ne!(c["destination"], "192.168.152.255", "{c}");
        }
    }
}

/// Item 9: a device's own cloud names its maker. SYNTHETIC (no real capture of an EZVIZ camera
/// was found): a camera opens TLS to EZVIZ's device platform (`dev.ezvizlife.com`, the "EZVIZ
/// access" domain cameras are configured with) and sends a few kB. With nothing else said about
/// it, the capture alone names it EZVIZ (maker Hikvision), from passive evidence.
#[test]
fn a_devices_own_cloud_names_its_maker() {
    let mut pcap = synthetic::Pcap::new();
    let camera = [192, 168, 1, 60];
    pcap.tls_upload(
        (camera, 40_100),
        ([203, 0, 113, 20], 443),
        "dev.ezvizlife.com",
        4_000,
        10,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ezviz.pcap");
    std::fs::write(&file, &pcap.bytes).unwrap();
    let (_, report) = analyze(&[&file], &[]);
    let cam = device(&report, "192.168.1.60");
    assert_eq!(cam["identity"]["vendor"], "EZVIZ", "{}", cam["identity"]);
    assert_eq!(cam["identity"]["maker"], "Hikvision");
    let atom = cam["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "traffic.cloud_maker")
        .expect("the cloud as evidence");
    assert_eq!(atom["value"], "EZVIZ via dev.ezvizlife.com:443");
    assert_eq!(atom["passive"], true);
    assert!(
        cam["identity"]["signatures"]
            .to_string()
            .contains("cloud-maker:ezviz"),
        "{}",
        cam["identity"]
    );
}

/// The rows of `connections.csv` for one device, without its DNS to the router.
fn rows_of<'a>(
    rows: &'a [std::collections::BTreeMap<String, String>],
    device: &str,
) -> Vec<&'a std::collections::BTreeMap<String, String>> {
    rows.iter()
        .filter(|r| r["device"] == device && r["port"] != "53")
        .collect()
}

/// Item 5 on real packets (nDPI's dnscrypt-v1-and-resolver-pings.pcap, its first 12 frames):
/// 10.0.0.1 sends DNSCrypt certificate queries to 149.56.228.45:443 over UDP; three of them are
/// too big for one frame and leave as a 1514-byte first fragment (which carries the UDP
/// header) and a 94-byte last one. tshark: 9 frames / 6486 bytes up, 3 / 678 down. Each
/// fragmented query is one connection on its own client port, both fragments counted, and no
/// fragment is filed as protocol `ip` or port 0.
#[test]
fn a_real_fragmented_udp_datagram_is_filed_under_its_ports() {
    let (report, rows) = analyze_with_connections(&[&fixture("ndpi-udp-fragments.pcap")]);
    let host = device(&report, "10.0.0.1");
    let all = host["cloud_contacts"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    let c = &all[0];
    assert_eq!(c["destination"], "149.56.228.45");
    assert_eq!(
        (c["port"].as_u64(), c["protocol"].as_str()),
        (Some(443), Some("udp"))
    );
    assert_eq!(c["bytes_up"], 6486);
    assert_eq!(c["packets_up"], 9);
    assert_eq!(c["bytes_down"], 678);
    assert!(
        rows.iter()
            .all(|r| r["protocol"] == "udp" && r["port"] == "443"),
        "{rows:#?}"
    );
    for client_port in ["45722", "35495", "35228"] {
        let r = rows
            .iter()
            .find(|r| r["device_port"] == client_port)
            .unwrap_or_else(|| panic!("no connection from port {client_port}: {rows:#?}"));
        // 1514 + 94: the first fragment and the last, one datagram.
        assert_eq!(
            (r["bytes_up"].as_str(), r["packets_up"].as_str()),
            ("1608", "2")
        );
    }
}

/// Item 7 on real packets: public resolvers are infrastructure, never a cloud, on port 443 too
/// where the port says nothing. Firefox's DNS over HTTPS to `mozilla.cloudflare-dns.com`
/// (nDPI's dns_doh.pcap, unchanged), a DoH session to Quad9's unfiltered 9.9.9.10
/// (`dns10.quad9.net`, one TCP stream of nDPI's dnscrypt-v2-doh.pcap) and an Android phone's
/// DNS over TLS and ping to Google's 8.8.8.8 (nDPI's googledns_android10.pcap: one TCP stream
/// and the ICMP to 8.8.8.8); the ping is placed by address alone.
#[test]
fn public_resolvers_on_real_captures_are_infrastructure() {
    let (report, _) = analyze_with_connections(&[
        &fixture("ndpi-doh-cloudflare.pcap"),
        &fixture("ndpi-doh-quad9.pcap"),
        &fixture("ndpi-dot-icmp-google.pcap"),
    ]);
    let check = |ip: &str, dest: &str, port: u64, provider: Option<&str>| {
        let c = contacts(device(&report, ip), dest);
        let c = c
            .iter()
            .find(|c| c["port"] == port)
            .unwrap_or_else(|| panic!("{ip} → {dest}:{port}: {c:#?}"));
        assert_eq!(c["category"], "infrastructure", "{c}");
        assert_eq!(c["upload"], false, "{c}");
        if let Some(p) = provider {
            assert_eq!(c["provider"], p, "{c}");
        }
        (*c).clone()
    };
    let cf = check(
        "172.20.10.4",
        "104.16.248.249",
        443,
        Some("Cloudflare (1.1.1.1)"),
    );
    assert_eq!(cf["name"], "mozilla.cloudflare-dns.com");
    assert_eq!(cf["bytes_up"], 8460);
    let q9 = check("10.0.0.1", "9.9.9.10", 443, Some("Quad9"));
    assert_eq!(q9["name"], "dns10.quad9.net");
    let ping = check("192.168.1.159", "8.8.8.8", 0, Some("Google Public DNS"));
    assert_eq!(ping["protocol"], "icmp");
    assert_eq!(ping["name_source"], "ip_range");
    let dot = check("192.168.1.159", "8.8.8.8", 853, Some("Google Public DNS"));
    assert_eq!(dot["name"], "dns.google");
}

/// Item 6 on real packets (nDPI's nest_log_sink.pcap: a Nest device, 192.168.242.15, trimmed to
/// its DNS and two of its Weave sessions on TCP 11095): a session held open for 29 minutes
/// with a few bytes a second each way, and a 15-kB log delivered in 4 s. Neither is an upload
/// of pictures; the long one is called a heartbeat and says why.
#[test]
fn a_real_devices_half_hour_keepalive_session_is_no_upload() {
    let (report, rows) = analyze_with_connections(&[&fixture("ndpi-nest-keepalive.pcap")]);
    let nest = device(&report, "192.168.242.15");
    for c in nest["cloud_contacts"].as_array().unwrap() {
        assert_eq!(c["upload"], false, "{c}");
    }
    let mine = rows_of(&rows, "192.168.242.15");
    assert_eq!(mine.len(), 2, "{mine:#?}");
    let long = mine.iter().find(|r| r["device_port"] == "63343").unwrap();
    assert_eq!(long["remote"], "35.174.82.237");
    assert_eq!(long["bytes_up"], "5549");
    assert_eq!(long["verdict"], "heartbeat", "{long:#?}");
    assert!(long["reason"].contains("29 min"), "{long:#?}");
    assert!(mine.iter().all(|r| r["verdict"] != "upload"), "{mine:#?}");
}

/// Item 6 on a real MQTT session (nDPI's mqtt.pcap, unchanged): a client connects to a broker
/// on the LAN, subscribes, publishes 458 bytes and disconnects; later a CGNAT host sends one
/// CONNECT to a broker on the internet. The LAN session is a LAN contact and the CONNECT is
/// control traffic: neither is an upload. The capture's MACs are anonymised: client and broker
/// send from one MAC. A machine reaches its own addresses over loopback, so a MAC on both
/// sides of one conversation makes neither address a machine of the other: the broker's
/// replies are no contact of the client, whose one contact is the broker (was: one machine
/// holding both addresses, its only contact dropped as one to its own address).
#[test]
fn a_real_mqtt_session_is_no_upload() {
    let (report, rows) = analyze_with_connections(&[&fixture("ndpi-mqtt.pcap")]);
    let lan = rows
        .iter()
        .find(|r| r["device"] == "192.168.0.1" && r["device_port"] == "41892")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(lan["remote"], "10.10.10.1");
    assert_eq!(lan["port"], "1883");
    assert_eq!(lan["device_opened"], "yes");
    assert_eq!(
        (lan["bytes_up"].as_str(), lan["packets_up"].as_str()),
        ("756", "4")
    );
    assert_eq!(lan["verdict"], "lan", "{lan:#?}");
    let client = device(&report, "192.168.0.1");
    let broker = device(&report, "10.10.10.1");
    for d in [client, broker] {
        assert!(
            d["other_addresses"]
                .as_array()
                .is_none_or(|others| others.is_empty()),
            "{d:#}"
        );
    }
    let mine = client["cloud_contacts"].as_array().unwrap();
    assert_eq!(
        mine.len(),
        1,
        "the client's one contact is the broker: {client:#}"
    );
    assert_eq!(mine[0]["destination"], "10.10.10.1");
    assert_eq!(mine[0]["port"], 1883);
    assert_eq!(
        (&mine[0]["bytes_up"], &mine[0]["bytes_down"]),
        (&serde_json::json!(756), &serde_json::json!(370)),
        "{}",
        mine[0]
    );
    // The broker answered: the session is filed under its service port, opened by the client.
    let answered = rows
        .iter()
        .find(|r| r["device"] == "10.10.10.1")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(
        (
            answered["device_port"].as_str(),
            answered["port"].as_str(),
            answered["device_opened"].as_str()
        ),
        ("1883", "1883", "no"),
        "{answered:#?}"
    );
    let remote = contacts(device(&report, "100.67.35.238"), "51.137.28.239");
    assert_eq!(remote.len(), 1, "{remote:#?}");
    assert_eq!(remote[0]["port"], 1883);
    assert_eq!(remote[0]["scope"], "internet");
    assert_eq!(remote[0]["upload"], false);
    assert!(rows.iter().all(|r| r["verdict"] != "upload"), "{rows:#?}");
    for d in report["devices"].as_array().unwrap() {
        for c in d["cloud_contacts"].as_array().unwrap() {
            assert_eq!(c["upload"], false, "{c}");
        }
    }
}

/// Item 6 on real MQTT keep-alives, DERIVED from nDPI's coap_mqtt.pcap: two MQTT sessions of
/// a bus-telemetry client (192.168.56.1) on TCP 17501, picked up mid-stream, each a PINGREQ /
/// PINGRESP exchange, then ~1 s of 60-byte PUBLISHes answered by commands. The broker's
/// address is rewritten to the public 203.0.113.101 (scripts/pcap-rewrite-address.py), so
/// the sessions are judged as internet contacts: each is a heartbeat ("steady 81 B/s over 28 s,
/// no burst"), neither an upload.
#[test]
fn real_mqtt_keepalives_to_a_broker_on_the_internet_are_no_upload() {
    let (report, rows) = analyze_with_connections(&[&fixture("ndpi-mqtt-keepalive.pcap")]);
    let client = device(&report, "192.168.56.1");
    let sessions = contacts(client, "203.0.113.101");
    assert_eq!(sessions.len(), 1, "{client:#}");
    assert_eq!(sessions[0]["port"], 17501, "{}", sessions[0]);
    assert_eq!(sessions[0]["scope"], "internet");
    assert_eq!(sessions[0]["bytes_up"], 2 * 2286, "{}", sessions[0]);
    assert_eq!(sessions[0]["upload"], false, "{}", sessions[0]);
    assert_eq!(sessions[0]["pattern"], "heartbeat", "{}", sessions[0]);
    let mine = rows_of(&rows, "192.168.56.1");
    assert_eq!(mine.len(), 2, "{mine:#?}");
    for row in &mine {
        assert_eq!(row["remote"], "203.0.113.101", "{row:#?}");
        assert_eq!(row["port"], "17501", "{row:#?}");
        assert_eq!(row["bytes_up"], "2286", "{row:#?}");
        assert_eq!(row["device_opened"], "yes", "{row:#?}");
        assert_eq!(row["verdict"], "heartbeat", "{row:#?}");
        assert!(row["reason"].ends_with("no burst: heartbeat"), "{row:#?}");
    }
    assert!(report["devices"].as_array().unwrap().iter().all(|d| {
        d["cloud_contacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["upload"] == false)
    }));
}

/// Item 2 on real packets, DERIVED from the Nest excerpt: the Weave log-sink session
/// (client port 63342) moved to another LAN machine, 192.168.242.16 with its own MAC (its
/// frames rewritten with `tcprewrite --enet-smac/--enet-dmac --srcipmap/--dstipmap`). Only the
/// Nest asked DNS for `weave-logsink.nest.com` (35.188.154.186), so the other machine's
/// connection there, which carries no name of its own, stays unnamed; the Nest's own session
/// is still named by the answer it received.
#[test]
fn a_dns_answer_another_host_received_does_not_name_a_connection() {
    let (report, rows) = analyze_with_connections(&[&fixture("ndpi-nest-other-host.pcap")]);
    let other = contacts(device(&report, "192.168.242.16"), "35.188.154.186");
    assert_eq!(other.len(), 1, "{report}");
    assert!(other[0]["name"].is_null(), "{}", other[0]);
    assert_eq!(other[0]["bytes_up"], 14650);
    let theirs = rows_of(&rows, "192.168.242.16");
    assert_eq!(theirs.len(), 1, "{theirs:#?}");
    assert_eq!(theirs[0]["name"], "");
    let nest = contacts(device(&report, "192.168.242.15"), "35.174.82.237");
    assert_eq!(
        nest[0]["name"], "czfe105.front01.iad01.production.nest.com",
        "{}",
        nest[0]
    );
    assert_eq!(nest[0]["name_source"], "dns");
    assert!(contacts(device(&report, "192.168.242.15"), "35.188.154.186").is_empty());
}

/// Item 9 on real packets (the Nest excerpt): the device looks up `*.nest.com` names and talks
/// Nest's own device protocol to them on TCP 11095, which names its maker as passive evidence
/// (`traffic.cloud_maker`). In the derived capture the other machine's unnamed session to
/// the same server says nothing about who made it.
#[test]
fn a_real_devices_own_cloud_names_its_maker() {
    let (_, report) = analyze(&[&fixture("ndpi-nest-keepalive.pcap")], &[]);
    let nest = device(&report, "192.168.242.15");
    let atoms: Vec<&serde_json::Value> = nest["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "traffic.cloud_maker")
        .collect();
    assert!(!atoms.is_empty(), "{}", nest["evidence"]);
    for a in &atoms {
        let v = a["value"].as_str().unwrap();
        assert!(
            v.starts_with("Google Nest via ") && v.ends_with(".nest.com:11095"),
            "{v}"
        );
        assert_eq!(a["passive"], true);
    }
    assert_eq!(nest["identity"]["vendor"], "Google Nest");
    let c = contacts(nest, "35.174.82.237");
    assert_eq!(c[0]["category"], "vendor_cloud", "{}", c[0]);
    assert_eq!(c[0]["provider"], "Google Nest");

    let (_, derived) = analyze(&[&fixture("ndpi-nest-other-host.pcap")], &[]);
    let other = device(&derived, "192.168.242.16");
    assert!(
        other["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["source"] != "traffic.cloud_maker"),
        "{}",
        other["evidence"]
    );
}

/// Items 9 and 4 on a real capture from a Kubernetes node (pypacker's mqtt_over_linuxcc.pcap,
/// Linux cooked, its first 23 frames): MQTT clients (172.16.192.116, 172.16.192.90,
/// 172.26.13.4, and 172.16.166.133 through the service address 10.104.236.232) and their broker
/// 172.16.166.183:1883, picked up mid-stream. The node forwards every pod's packets out of the
/// one Calico veth address ee:ee:ee:ee:ee:ee (cooked packet type 4, "sent by us"), so that MAC
/// names no machine: the five addresses were one device holding the others' contacts. The
/// broker's first packets to 49081 and 54341 (Linux client ports, below the IANA range) are it
/// answering, not opening a connection to a service there; so is its first packet to
/// 172.26.13.4's port 3576 (a NAT's, in no ephemeral range): the broker was already seen
/// answering on 1883. Byte counts are tshark's
/// (`tshark -T fields -e ip.src -e ip.dst -e frame.len`): the file's records hold 16 bytes of
/// padding past each packet, counted in the captured length only.
#[test]
fn a_forwarding_hosts_own_mac_groups_no_addresses_and_a_broker_answering_opens_nothing() {
    let (report, rows) = analyze_with_connections(&[&fixture("pypacker-k8s-cooked-mqtt.pcap")]);
    let pods = [
        "10.104.236.232",
        "172.16.166.133",
        "172.16.192.116",
        "172.16.192.90",
        "172.26.13.4",
    ];
    for ip in pods {
        let d = device(&report, ip);
        assert!(
            d["other_addresses"]
                .as_array()
                .is_none_or(|others| others.is_empty()),
            "{d:#}"
        );
    }
    let client = device(&report, "172.16.192.116");
    let sessions = contacts(client, "172.16.166.183");
    assert_eq!(sessions.len(), 1, "{client:#}");
    assert_eq!(sessions[0]["port"], 1883);
    assert_eq!(
        (&sessions[0]["bytes_up"], &sessions[0]["packets_up"]),
        (&serde_json::json!(864), &serde_json::json!(4)),
        "{}",
        sessions[0]
    );
    assert_eq!(sessions[0]["bytes_down"], 288, "{}", sessions[0]);
    for (client, port, server) in [
        ("172.16.166.133", "49081", "10.104.236.232"),
        ("172.16.166.133", "49081", "172.16.166.183"),
        ("172.16.192.90", "54341", "172.16.166.183"),
        ("172.26.13.4", "3576", "172.16.166.183"),
    ] {
        let row = rows
            .iter()
            .find(|r| r["device"] == client && r["remote"] == server)
            .unwrap_or_else(|| panic!("{rows:#?}"));
        assert_eq!(
            (row["device_port"].as_str(), row["port"].as_str()),
            (port, "1883"),
            "{row:#?}"
        );
        assert_eq!(row["device_opened"], "yes", "{row:#?}");
    }
    // The broker opens nothing, and no client is reached on its own port.
    assert!(
        rows.iter().all(|r| r["port"] == "1883"
            && (r["device_opened"] == "yes") != (r["device_port"] == "1883")),
        "{rows:#?}"
    );
    let nat = device(&report, "172.26.13.4");
    let to_broker = contacts(nat, "172.16.166.183");
    assert_eq!(to_broker.len(), 1, "{nat:#}");
    assert_eq!(to_broker[0]["port"], 1883, "{nat:#}");
}

/// Issue #13 on real tunnelled packets (nDPI's 4in6tunnel.pcap and 4in4tunnel.pcap,
/// unchanged): a TLS session of 192.168.0.1 with 10.10.10.1:443 (SNI `www.bing.com`) carried in
/// IPv6 between two tunnel ends, its SYN-ACK and the server's reply included; and five UDP
/// datagrams of 10.10.100.25 to 10.10.101.2:17000 carried in IPv4 between two public tunnel
/// ends. Each is counted under its inner addresses and ports, replies too, as Zeek files a
/// tunnel's inner connection (tshark: 2 frames / 520 bytes up, 2 / 1668 down); the tunnel's
/// public ends are nobody's contact.
#[test]
fn tunnelled_sessions_and_their_replies_are_counted_under_the_inner_addresses() {
    let (report, rows) = analyze_with_connections(&[
        &fixture("ndpi-4in6-tunnel-tls.pcap"),
        &fixture("ndpi-4in4-tunnel-udp.pcap"),
    ]);
    let client = device(&report, "192.168.0.1");
    let tls = contacts(client, "10.10.10.1");
    assert_eq!(tls.len(), 1, "{client:#}");
    assert_eq!(tls[0]["port"], 443);
    assert_eq!(tls[0]["name"], "www.bing.com");
    assert_eq!(tls[0]["name_source"], "sni");
    assert_eq!(
        (&tls[0]["bytes_up"], &tls[0]["bytes_down"]),
        (&serde_json::json!(520), &serde_json::json!(1668)),
        "{}",
        tls[0]
    );
    let server = rows
        .iter()
        .find(|r| r["device"] == "10.10.10.1")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(
        (server["port"].as_str(), server["device_opened"].as_str()),
        ("443", "no"),
        "{server:#?}"
    );
    let udp = contacts(device(&report, "10.10.100.25"), "10.10.101.2");
    assert_eq!(udp.len(), 1, "{report:#}");
    assert_eq!(
        (&udp[0]["port"], &udp[0]["protocol"], &udp[0]["bytes_up"]),
        (
            &serde_json::json!(17000),
            &serde_json::json!("udp"),
            &serde_json::json!(5 * 170)
        )
    );
    for outer in ["69.67.35.146", "41.202.46.110"] {
        assert!(
            report["devices"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| contacts(d, outer).is_empty()),
            "{outer}"
        );
    }
}

/// Issue #13 on a real SRv6 capture (pypacker's ip6_sr-header.pcap, unchanged): an HTTP
/// session of fc00:2:0:2::1 with fc00:2:0:1::1:8080 whose server sends every reply through SRv6:
/// encapsulated by an SR node (outer fc00:42:0:1::2 → fc00:2:0:5::1, a segment routing header
/// with three segments). The replies are counted under the inner addresses, with the session
/// (tshark: 6 frames / 617 bytes up, 4 / 983 down); the SR nodes are nobody's device or contact
/// (was: a device each, the replies a contact between them, protocol `ip`, port 0).
#[test]
fn srv6_encapsulated_replies_are_counted_under_the_inner_addresses() {
    let (report, rows) = analyze_with_connections(&[&fixture("pypacker-srv6-http.pcap")]);
    let client = device(&report, "fc00:2:0:2::1");
    let session = contacts(client, "fc00:2:0:1::1");
    assert_eq!(session.len(), 1, "{client:#}");
    assert_eq!(session[0]["port"], 8080);
    assert_eq!(session[0]["protocol"], "tcp");
    assert_eq!(session[0]["name"], "fc00:2:0:1::1", "{}", session[0]);
    assert_eq!(
        (&session[0]["bytes_up"], &session[0]["bytes_down"]),
        (&serde_json::json!(617), &serde_json::json!(983)),
        "{}",
        session[0]
    );
    let server = rows
        .iter()
        .find(|r| r["device"] == "fc00:2:0:1::1")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(
        (
            server["port"].as_str(),
            server["device_opened"].as_str(),
            server["bytes_up"].as_str()
        ),
        ("8080", "no", "983"),
        "{server:#?}"
    );
    let devices: Vec<&str> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["ip"].as_str().unwrap())
        .collect();
    assert_eq!(devices, ["fc00:2:0:1::1", "fc00:2:0:2::1"], "{report:#}");
    assert_eq!(rows.len(), 2, "{rows:#?}");
}

/// Issue #13 on real SRv6 packets (tcpdump's test captures ipv6-srh-ext-header.pcap and
/// ipv6-srh-ipproto-ether.pcap, one ICMPv6 echo request each, encapsulated behind a segment
/// routing header): each is counted under its inner packet's addresses, as Zeek files IP
/// tunnels and tshark's conversations show the inner one, not under the SR nodes' outer
/// addresses (a:b:c:2::f1:0, a::1 → c::2). The addresses are global, so the devices are given
/// as an inventory (a capture alone makes devices of local addresses only).
#[test]
fn srv6_encapsulated_packets_are_counted_under_their_inner_addresses() {
    use camsweep::traffic::{Analyzer, CloudDb, FlowLimits, FrameSource, PcapSource, UploadPolicy};
    let inventory: std::collections::HashSet<std::net::IpAddr> = ["a:b:c:12::1", "a::2", "a::1"]
        .iter()
        .map(|ip| ip.parse().unwrap())
        .collect();
    let mut analyzer = Analyzer::new(
        UploadPolicy::default(),
        FlowLimits::default(),
        Some(inventory),
    );
    for name in [
        "tcpdump-srv6-encap-ipv6.pcap",
        "tcpdump-srv6-encap-ethernet.pcap",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let mut source = PcapSource::new(&bytes[..]).unwrap();
        while let Some(frame) = source.next_frame().unwrap() {
            analyzer.push(&frame);
        }
    }
    let (devices, _) = analyzer.finish(&CloudDb::default());
    let seen: Vec<(String, String, String, u64)> = devices
        .iter()
        .flat_map(|d| {
            d.contacts.iter().map(|c| {
                (
                    d.ip.to_string(),
                    c.destination.clone(),
                    c.protocol.clone(),
                    c.bytes_up,
                )
            })
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("a::2".into(), "e::2".into(), "icmpv6".into(), 196),
            ("a:b:c:12::1".into(), "b2::2".into(), "icmpv6".into(), 198),
        ],
        "{devices:#?}"
    );
}
