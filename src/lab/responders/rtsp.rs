//! RTSP/1.0 for personas: OPTIONS, and an authentication challenge for everything that would
//! reveal a stream. Pure; the lab never streams video.

use std::fmt::Write as _;

use crate::lab::persona::RtspService;

use super::Context;
use super::http::{self, Request};

/// Builds the answer to one request on an RTSP port.
pub fn respond(service: &RtspService, ctx: &Context<'_>, req: &Request) -> Vec<u8> {
    if req.version.starts_with("HTTP/") {
        return answer_http(service);
    }
    let cseq = req.header("cseq").unwrap_or("0");
    let challenge = |out: &mut String| {
        if let (Some(scheme), Some(realm)) = (service.auth, service.realm.as_deref()) {
            let _ = write!(
                out,
                "WWW-Authenticate: {}\r\n",
                http::challenge(scheme, realm, ctx.nonce)
            );
        }
    };
    let mut out = String::new();
    let needs_auth = service.auth.is_some();
    match req.method.as_str() {
        "OPTIONS" if !(service.options_requires_auth && needs_auth) => {
            let _ = write!(out, "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n");
            server_header(&mut out, service);
            let _ = write!(out, "Public: {}\r\n", service.public);
        }
        "OPTIONS" | "DESCRIBE" | "SETUP" | "PLAY" | "GET_PARAMETER" | "ANNOUNCE" | "RECORD"
            if needs_auth =>
        {
            let _ = write!(out, "RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\n");
            server_header(&mut out, service);
            challenge(&mut out);
        }
        // Without authentication configured a device would stream; the lab has no stream.
        "DESCRIBE" => {
            let _ = write!(out, "RTSP/1.0 404 Not Found\r\nCSeq: {cseq}\r\n");
            server_header(&mut out, service);
        }
        "TEARDOWN" => {
            let _ = write!(out, "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n");
            server_header(&mut out, service);
        }
        _ => {
            let _ = write!(out, "RTSP/1.0 405 Method Not Allowed\r\nCSeq: {cseq}\r\n");
            server_header(&mut out, service);
            let _ = write!(out, "Allow: {}\r\n", service.public);
        }
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn server_header(out: &mut String, service: &RtspService) {
    if let Some(server) = &service.server {
        let _ = write!(out, "Server: {server}\r\n");
    }
}

/// What the port answers to an HTTP request (nmap's GetRequest probe, web crawlers).
fn answer_http(service: &RtspService) -> Vec<u8> {
    match &service.http_server {
        Some(server) => http::bad_request(Some(server)).to_bytes(false),
        None => {
            let mut out = String::from("RTSP/1.0 400 Bad Request\r\n");
            server_header(&mut out, service);
            out.push_str("\r\n");
            out.into_bytes()
        }
    }
}

/// A reply for bytes that are not an RTSP request at all.
pub fn bad_request(service: &RtspService) -> Vec<u8> {
    let mut out = String::from("RTSP/1.0 400 Bad Request\r\n");
    server_header(&mut out, service);
    out.push_str("\r\n");
    out.into_bytes()
}
