//! `audit --credentials FILE`: the owner's own login answers the device's Digest challenge to
//! ONVIF GetDeviceInformation — once, with the listed login only — whether the device demands
//! SHA-256 or MD5, and the password appears nowhere: not in report.json/html/md/csv, not in the
//! `-vvv` logs.

use md5::Md5;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

const DATETIME: &str = include_str!("../fixtures/probe/onvif_get_system_date_and_time.xml");
const CAPABILITIES: &str = include_str!("../fixtures/probe/onvif_get_capabilities.xml");
const DEVICE_INFO: &str = include_str!("../fixtures/probe/onvif_get_device_information.xml");

const USER: &str = "owner";
const PASSWORD: &str = "Zq7-unique-Pa55word";
const REALM: &str = "IP Camera(C1234)";
const NONCE: &str = "4d4a31314e7a45774f6a63345a6a5a6c";

/// The hash a protected camera's Digest challenge names (RFC 7616 section 3.3's `algorithm`).
#[derive(Clone, Copy, Debug)]
enum Algorithm {
    Sha256,
    Md5,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Md5 => "MD5",
        }
    }

    fn hex(self, text: &str) -> String {
        match self {
            Self::Sha256 => hex::encode(Sha256::digest(text.as_bytes())),
            Self::Md5 => hex::encode(Md5::digest(text.as_bytes())),
        }
    }
}

/// Checks a Digest `Authorization` value the way the device would (RFC 7616 section 3.4.1).
fn digest_ok(authorization: &str, algorithm: Algorithm) -> bool {
    let field = |name: &str| {
        authorization
            .split(", ")
            .find_map(|p| {
                p.trim_start_matches("Digest ")
                    .strip_prefix(&format!("{name}="))
            })
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_default()
    };
    let ha1 = algorithm.hex(&format!("{USER}:{REALM}:{PASSWORD}"));
    let ha2 = algorithm.hex(&format!("POST:{}", field("uri")));
    let expect = algorithm.hex(&format!(
        "{ha1}:{NONCE}:{}:{}:auth:{ha2}",
        field("nc"),
        field("cnonce")
    ));
    field("username") == USER
        && field("algorithm") == algorithm.name()
        && field("qop") == "auth"
        && field("response") == expect
}

/// Reads one HTTP request: (request line, headers, body).
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<String>, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n").map(str::to_string);
    let request = lines.next()?;
    let headers: Vec<String> = lines.filter(|l| !l.is_empty()).collect();
    let length = headers
        .iter()
        .find_map(|h| {
            h.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..]).into_owned();
    Some((request, headers, body))
}

/// An ONVIF camera whose GetDeviceInformation needs the owner's Digest login with `algorithm`.
/// Records every Authorization header it is sent.
fn protected_camera(seen: Arc<Mutex<Vec<String>>>, algorithm: Algorithm) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let Some((request, headers, body)) = read_request(&mut stream) else {
                    return;
                };
                let authorization = headers.iter().find_map(|h| {
                    h.strip_prefix("Authorization: ")
                        .or_else(|| h.strip_prefix("authorization: "))
                        .map(str::to_string)
                });
                if let Some(a) = &authorization {
                    seen.lock().unwrap().push(a.clone());
                }
                let (status, extra, body) = if !request.starts_with("POST") {
                    (
                        "200 OK",
                        String::new(),
                        "<html><title>Camera</title></html>".to_string(),
                    )
                } else if body.contains("GetSystemDateAndTime") {
                    ("200 OK", String::new(), DATETIME.to_string())
                } else if body.contains("GetCapabilities") {
                    ("200 OK", String::new(), CAPABILITIES.to_string())
                } else if authorization
                    .as_deref()
                    .is_some_and(|a| digest_ok(a, algorithm))
                {
                    ("200 OK", String::new(), DEVICE_INFO.to_string())
                } else {
                    (
                        "401 Unauthorized",
                        format!(
                            "WWW-Authenticate: Digest realm=\"{REALM}\", qop=\"auth\", algorithm={}, nonce=\"{NONCE}\", stale=\"FALSE\"\r\n",
                            algorithm.name()
                        ),
                        String::new(),
                    )
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/soap+xml; charset=utf-8\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    port
}

/// The bundled signatures, with the fake camera's (random) port named as ONVIF's, so the ONVIF
/// probe runs on it as on a real camera's 80 or 8899.
fn signatures_with_onvif_port(dir: &std::path::Path, port: &str) -> std::path::PathBuf {
    let copy = dir.join("signatures");
    let status = Command::new("cp")
        .arg("-r")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/signatures"))
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let ports = copy.join("ports.toml");
    let mut text = std::fs::read_to_string(&ports).unwrap();
    assert!(
        !text.contains(&format!("port = {port}\n")),
        "port {port} already named"
    );
    text.push_str(&format!("[[port]]\nport = {port}\nservice = \"onvif\"\n"));
    std::fs::write(&ports, text).unwrap();
    copy
}

#[test]
fn the_owners_login_answers_a_sha256_digest_challenge_and_is_never_written() {
    self_check_against(Algorithm::Sha256);
}

#[test]
fn the_owners_login_answers_an_md5_digest_challenge_and_is_never_written() {
    self_check_against(Algorithm::Md5);
}

fn self_check_against(algorithm: Algorithm) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let port = protected_camera(Arc::clone(&seen), algorithm).to_string();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("logins.toml");
    std::fs::write(
        &creds,
        format!(
            "[[device]]\naddress = \"127.0.0.1\"\nuser = \"{USER}\"\npassword = \"{PASSWORD}\"\n"
        ),
    )
    .unwrap();
    let signatures = signatures_with_onvif_port(dir.path(), &port);
    let out_dir = dir.path().join("audit");
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "audit",
            "-vvv",
            "--quiet",
            "--targets",
            "127.0.0.1",
            "--ports",
            &port,
        ])
        .args(["--timeout-ms", "800", "--lang", "en"])
        .args(["--authorised-by", "Test Owner, IT", "--signatures"])
        .arg(&signatures)
        .arg("--credentials")
        .arg(&creds)
        .arg("--out")
        .arg(&out_dir)
        .env("CAMSWEEP_LOG", "trace")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    let device = &report.devices[0];
    assert!(
        device
            .evidence
            .iter()
            .any(|e| e.source == "onvif.serial" && e.value == "DS-2CD2143G0-I20190101AAWRC12345678"),
        "{:?}",
        device.evidence
    );
    // One answer to one challenge, with the listed login only.
    let attempts = seen.lock().unwrap().clone();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert!(digest_ok(&attempts[0], algorithm), "{}", attempts[0]);
    let answered = format!("HTTP Digest {}", algorithm.name());
    assert!(
        report.scan.notes.iter().any(|n| n.contains(&answered)),
        "{:?}",
        report.scan.notes
    );
    // The password is nowhere: report files, logs (everything at trace level), stdout.
    assert!(!stderr.is_empty(), "-vvv logs expected");
    for name in [
        "report.json",
        "report.html",
        "report.md",
        "inventory.csv",
        "SHA256SUMS",
    ] {
        let file = std::fs::read_to_string(out_dir.join(name)).unwrap();
        assert!(!file.contains(PASSWORD), "password in {name}");
    }
    assert!(!stderr.contains(PASSWORD), "password in the logs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(PASSWORD));
}

/// A malformed credentials file is refused before anything is sent, without quoting it.
#[test]
fn a_bad_credentials_file_is_refused_without_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("logins.toml");
    std::fs::write(
        &creds,
        format!(
            "[[device]]\naddress = \"127.0.0.1\"\nuser = \"{USER}\"\npasword = \"{PASSWORD}\"\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "audit",
            "--targets",
            "127.0.0.1",
            "--authorised-by",
            "x",
            "--credentials",
        ])
        .arg(&creds)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line"), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}
