//! Raw banner read: connect, send nothing, keep what the service volunteers.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use super::findings::Findings;
use crate::model::{CutReason, Evidence, EvidenceSource as Src};

/// Most bytes kept from a banner.
const BANNER_CAP: usize = 1024;
/// How long a service gets to speak first.
const FIRST_BYTE_WAIT: Duration = Duration::from_secs(1);
/// After the first bytes, how long to wait for the rest of the banner.
const MORE_WAIT: Duration = Duration::from_millis(200);

/// Reads the banner of `addr` and records `tcp.banner`; returns the raw bytes (empty if silent).
pub async fn probe_banner(
    addr: SocketAddr,
    connect_timeout: Duration,
    findings: &Findings,
) -> Vec<u8> {
    let port = addr.port();
    // A silent service is asked again on a fresh connection while the host's deadline leaves
    // room: after a handshake that lost a packet, the kernel resends a lost greeting only after
    // 3 s, past the wait for the first byte.
    let mut backoff = crate::retry::Backoff::in_host_budget();
    let banner = loop {
        let mut stream = match super::connect::connect(addr, connect_timeout).await {
            Ok(s) => s,
            Err(err) => {
                findings.note(
                    crate::model::Note::new("banner_failed")
                        .arg("port", port)
                        .arg("error", &err),
                );
                return Vec::new();
            }
        };
        let banner = read_banner(&mut stream).await;
        if !banner.is_empty() || !backoff.another(connect_timeout + FIRST_BYTE_WAIT).await {
            break banner;
        }
    };
    if banner.is_empty() {
        return banner;
    }
    let mut ev = Evidence::new(Src::TCP_BANNER, Some(port), escape_banner(&banner));
    ev.truncated |= banner.len() >= BANNER_CAP;
    if banner.len() >= BANNER_CAP {
        findings.cut(
            "banner",
            Some(port),
            CutReason::SizeCap,
            format!("banner read stopped at {BANNER_CAP} bytes"),
        );
    }
    findings.push(ev);
    if let Some(service) = service_from_banner(&banner) {
        findings.service(port, service);
    }
    banner
}

async fn read_banner(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = vec![0u8; BANNER_CAP];
    let mut len = 0;
    let mut wait = FIRST_BYTE_WAIT;
    while len < BANNER_CAP {
        match tokio::time::timeout(wait, stream.read(&mut buf[len..])).await {
            Ok(Ok(n)) if n > 0 => len += n,
            _ => break,
        }
        wait = MORE_WAIT;
    }
    buf.truncate(len);
    buf
}

/// The service a banner announces, when it is unmistakable.
pub fn service_from_banner(banner: &[u8]) -> Option<&'static str> {
    match banner {
        [0xff, 0xfb..=0xfe, ..] => Some("telnet"), // IAC WILL/WONT/DO/DONT
        b if b.starts_with(b"SSH-") => Some("ssh"),
        b if b.starts_with(b"RTSP/") => Some("rtsp"),
        b if b.starts_with(b"HTTP/") => Some("http"),
        b if b.starts_with(b"220") => Some("ftp"),
        _ => None,
    }
}

/// Lossless, printable form: valid UTF-8 kept, control characters other than `\r\n\t` and
/// invalid bytes written as `\xNN`.
pub fn escape_banner(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() && !matches!(c, '\r' | '\n' | '\t') {
                for b in c.to_string().bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A telnet server's option negotiation (IAC DO ECHO …) is kept visible, not dropped.
    #[test]
    fn escapes_telnet_negotiation() {
        let banner = b"\xff\xfd\x01\xff\xfd\x1f\r\nlogin: ";
        assert_eq!(
            escape_banner(banner),
            "\\xff\\xfd\\x01\\xff\\xfd\\x1f\r\nlogin: "
        );
        assert_eq!(service_from_banner(banner), Some("telnet"));
    }

    /// Printable banners (Axis FTP banner from rapid7/recog) pass through untouched.
    #[test]
    fn keeps_text_banners() {
        let banner = b"220 AXIS Q7401 Video Encoder 5.01 (Aug 01 2008) ready.\r\n";
        assert_eq!(escape_banner(banner), String::from_utf8_lossy(banner));
        assert_eq!(service_from_banner(banner), Some("ftp"));
        assert_eq!(
            service_from_banner(b"SSH-2.0-dropbear_2019.78\r\n"),
            Some("ssh")
        );
        assert_eq!(service_from_banner(b"\x00\x01"), None);
        assert_eq!(escape_banner("摄像机\u{7}".as_bytes()), "摄像机\\x07");
    }
}
