//! RTSP probe: `OPTIONS` and `DESCRIBE` only, never credentials, never `SETUP`/`PLAY` (no video).
//! Also asks the port for HTTP `GET /`, since some cameras answer both protocols on 554.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::findings::Findings;
use crate::model::{CutReason, Evidence, EvidenceSource as Src};
use crate::wire::auth::parse_challenge;
use crate::wire::rtsp::{
    Response, build_request, content_length, header_end, parse_response, sdp_line,
    sdp_media_header, sdp_session_name, stream_paths,
};

/// Most bytes read for one reply (headers plus SDP).
const REPLY_CAP: usize = 16 * 1024;

/// Probes `addr` with `OPTIONS`, `DESCRIBE` and an HTTP `GET /`; returns whether RTSP answered.
pub async fn probe_rtsp(addr: SocketAddr, timeout: Duration, findings: &Findings) -> bool {
    let port = addr.port();
    let url = format!("rtsp://{}/", addr);
    let requests = [
        build_request("OPTIONS", &url, 1, &[]),
        build_request("DESCRIBE", &url, 2, &[("Accept", "application/sdp")]),
    ];
    let mut answered = false;
    let mut stream: Option<TcpStream> = None;
    for request in &requests {
        // Reuse the connection; a device that closed it after OPTIONS gets a fresh one.
        let reply = match exchange(&mut stream, addr, request.as_bytes(), timeout).await {
            Ok(reply) => reply,
            // A timeout was already retried inside `exchange`.
            Err(err) if exchange_reason(&err) == CutReason::Timeout => {
                findings.note(
                    crate::model::Note::new("rtsp_failed")
                        .arg("port", port)
                        .arg("error", &err),
                );
                findings.cut("rtsp", Some(port), CutReason::Timeout, err);
                break;
            }
            Err(err) => {
                stream = None;
                match exchange(&mut stream, addr, request.as_bytes(), timeout).await {
                    Ok(reply) => reply,
                    Err(again) => {
                        findings.note(
                            crate::model::Note::new("rtsp_retry_failed")
                                .arg("port", port)
                                .arg("error", &err)
                                .arg("retry_error", &again),
                        );
                        findings.cut("rtsp", Some(port), exchange_reason(&again), again);
                        break;
                    }
                }
            }
        };
        if reply.len() >= REPLY_CAP {
            findings.cut(
                "rtsp",
                Some(port),
                CutReason::SizeCap,
                format!("reply read stopped at {REPLY_CAP} bytes"),
            );
        }
        match parse_response(&reply) {
            Ok(resp) if resp.is_rtsp() => {
                answered = true;
                findings.extend(rtsp_evidence(&resp, port));
            }
            Ok(_) => break, // an HTTP server: the GET below records it
            Err(err) => {
                findings.note(
                    crate::model::Note::new("rtsp_unreadable")
                        .arg("port", port)
                        .arg("error", &err),
                );
                findings.cut("rtsp", Some(port), CutReason::Malformed, err.to_string());
                break;
            }
        }
    }
    drop(stream);
    if answered {
        findings.service(port, "rtsp");
    }
    http_on_rtsp_port(addr, timeout, findings).await;
    answered
}

/// How a reply timeout's message starts.
const NO_REPLY: &str = "no reply within";

/// Why an exchange failed, from its message.
fn exchange_reason(err: &str) -> CutReason {
    if err.starts_with(NO_REPLY) || err == super::connect::ConnectError::TimedOut.to_string() {
        CutReason::Timeout
    } else {
        CutReason::Reset
    }
}

/// Evidence from one RTSP reply.
pub fn rtsp_evidence(resp: &Response, port: u16) -> Vec<Evidence> {
    let p = Some(port);
    let mut out = vec![Evidence::new(Src::RTSP_STATUS, p, resp.status.to_string())];
    if let Some(server) = resp.header("Server") {
        out.push(Evidence::new(Src::RTSP_SERVER, p, server));
    }
    if let Some(public) = resp.header("Public") {
        out.push(Evidence::new(Src::RTSP_PUBLIC, p, public));
    }
    for challenge in resp
        .headers_all("WWW-Authenticate")
        .filter_map(parse_challenge)
    {
        out.push(Evidence::new(Src::RTSP_AUTH, p, challenge.scheme));
        if let Some(realm) = challenge.realm {
            out.push(Evidence::new(Src::RTSP_REALM, p, realm));
        }
    }
    if resp.status == 200
        && resp
            .header("Content-Type")
            .is_some_and(|t| t.contains("sdp"))
    {
        if let Some(name) = sdp_session_name(&resp.body) {
            out.push(Evidence::new(Src::RTSP_SDP_SESSION, p, name));
        }
        if let Some(info) = sdp_line(&resp.body, "i=") {
            out.push(Evidence::new(Src::RTSP_SDP_INFO, p, info));
        }
        if let Some(tool) = sdp_line(&resp.body, "a=tool:") {
            out.push(Evidence::new(Src::RTSP_SDP_TOOL, p, tool));
        }
        if let Some(header) = sdp_media_header(&resp.body) {
            out.push(Evidence::new(Src::RTSP_SDP_MEDIA_HEADER, p, header));
        }
        for path in stream_paths(resp.header("Content-Base"), &resp.body) {
            out.push(Evidence::new(Src::RTSP_STREAM_PATH, p, path));
        }
    }
    out
}

async fn http_on_rtsp_port(addr: SocketAddr, timeout: Duration, findings: &Findings) {
    let request = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: camsweep\r\n\r\n",
        addr.ip()
    );
    let mut stream = None;
    let Ok(reply) = exchange(&mut stream, addr, request.as_bytes(), timeout).await else {
        return;
    };
    if let Ok(resp) = parse_response(&reply)
        && !resp.is_rtsp()
        && let Some(server) = resp.header("Server")
    {
        findings.push(Evidence::new(
            Src::RTSP_HTTP_SERVER,
            Some(addr.port()),
            server,
        ));
    }
}

/// Sends `request` (connecting first if needed) and reads one reply under `timeout` and the cap.
/// After a timeout it tries again on a fresh connection, with backoff, while the host's deadline
/// leaves room ([`crate::retry`]): after a handshake that lost a packet the kernel resends a lost
/// request or reply only after 3 s. Other failures are answers and end it at once.
pub(super) async fn exchange(
    stream: &mut Option<TcpStream>,
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let mut backoff = crate::retry::Backoff::in_host_budget();
    loop {
        match exchange_once(stream, addr, request, timeout).await {
            // A connect timeout was already retried by `connect`.
            Err(e) if e.starts_with(NO_REPLY) && backoff.another(timeout).await => {
                tracing::debug!(%addr, "exchange timed out; retrying");
                *stream = None;
            }
            done => return done,
        }
    }
}

async fn exchange_once(
    stream: &mut Option<TcpStream>,
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    if stream.is_none() {
        *stream = Some(
            super::connect::connect(addr, timeout)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let Some(s) = stream.as_mut() else {
        return Err("no connection".to_string());
    };
    let work = async {
        s.write_all(request)
            .await
            .map_err(|e| format!("send: {e}"))?;
        read_reply(s).await
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("{NO_REPLY} {timeout:?}"))?
}

async fn read_reply(stream: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = header_end(&buf) {
            let wanted = parse_response(&buf[..end])
                .ok()
                .and_then(|r| content_length(&r.headers))
                .unwrap_or(0);
            // A hostile Content-Length (2^64 - 1) must not overflow: saturate, then cap.
            if buf.len() >= end.saturating_add(wanted).min(REPLY_CAP) {
                buf.truncate(REPLY_CAP);
                return Ok(buf);
            }
        }
        if buf.len() >= REPLY_CAP {
            buf.truncate(REPLY_CAP);
            return Ok(buf);
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return if buf.is_empty() {
                Err("closed without reply".to_string())
            } else {
                Ok(buf)
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Hikvision DESCRIBE 401 (google/ExoPlayer issue #9800) gives both schemes and the realm.
    #[test]
    fn evidence_from_describe_401() {
        let reply = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"IP Camera(C1214)\", nonce=\"0191a41d87c28cd52b3e9c8adc99291c\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"IP Camera(C1214)\"\r\n\r\n";
        let ev = rtsp_evidence(&parse_response(reply).unwrap(), 554);
        let short: Vec<String> = ev.iter().map(Evidence::short).collect();
        assert!(short.contains(&"rtsp.status=401".to_string()));
        assert!(short.contains(&"rtsp.auth=Digest".to_string()));
        assert!(short.contains(&"rtsp.auth=Basic".to_string()));
        assert!(short.contains(&"rtsp.realm=IP Camera(C1214)".to_string()));
    }
}
