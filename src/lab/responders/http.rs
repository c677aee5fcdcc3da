//! HTTP/1.x for personas: parse a request head, build the answer a device gives. Pure: bytes in,
//! bytes out; the connection loop lives in `lab::serve`.

use std::fmt::Write as _;

use crate::lab::persona::{AuthScheme, HttpService, OnvifService};

use super::Context;
use super::onvif;

/// Largest request head the personas read; scanners send far less.
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest request body read (ONVIF SOAP requests are a few KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Declared body length, capped: a larger body is refused by the caller.
    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length")?.trim().parse().ok()
    }

    /// Whether the client asked to keep the connection open.
    pub fn keep_alive(&self) -> bool {
        match self.header("connection") {
            Some(v) if v.eq_ignore_ascii_case("close") => false,
            Some(v) if v.eq_ignore_ascii_case("keep-alive") => true,
            _ => self.version == "HTTP/1.1",
        }
    }
}

/// Why a request head could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("request head is not UTF-8")]
    NotText,
    #[error("malformed request line")]
    RequestLine,
    #[error("malformed header line")]
    HeaderLine,
}

/// Index just past the blank line ending a head (`\r\n\r\n`, or a bare `\n\n`), if present.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Parses a request head (request line + headers, up to and including the blank line).
///
/// # Errors
/// [`ParseError`] when the head is not a plausible HTTP or RTSP request.
pub fn parse_request(head: &[u8]) -> Result<Request, ParseError> {
    let text = std::str::from_utf8(head).map_err(|_| ParseError::NotText)?;
    let mut lines = text.lines();
    let mut first = lines.next().ok_or(ParseError::RequestLine)?.split(' ');
    let (Some(method), Some(target), Some(version)) = (first.next(), first.next(), first.next())
    else {
        return Err(ParseError::RequestLine);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err(ParseError::RequestLine);
    }
    let mut headers = Vec::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(ParseError::HeaderLine)?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        version: version.to_owned(),
        headers,
    })
}

/// An answer ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Serialises as HTTP/1.1 with `Content-Length`.
    pub fn to_bytes(&self, head_only: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        let _ = write!(out, "Content-Length: {}\r\n\r\n", self.body.len());
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }

    fn header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_owned(), value.into()));
    }
}

/// The reason phrase of common status codes.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}

/// What a persona's web server needs to answer one request.
pub struct HttpContext<'a> {
    pub service: &'a HttpService,
    pub onvif: Option<&'a OnvifService>,
    pub ctx: Context<'a>,
}

/// Builds the persona's answer to `req` (with `body` already read).
pub fn respond(ctx: &HttpContext<'_>, req: &Request, body: &[u8]) -> Response {
    let service = ctx.service;
    let mut response = if req.path == onvif::DEVICE_SERVICE_PATH
        && let Some(device) = ctx.onvif
    {
        onvif::respond(device, &ctx.ctx, &req.method, body)
    } else if let Some(page) = service.paths.get(&req.path) {
        Response {
            status: page.status,
            headers: page
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body: page.body.clone().into_bytes(),
        }
    } else if req.path == "/" {
        Response {
            status: service.status,
            headers: service
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body: root_body(service).into_bytes(),
        }
    } else if req.path == "/favicon.ico"
        && let Some(bytes) = service
            .favicon_hex
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
    {
        let mut r = Response {
            status: 200,
            headers: Vec::new(),
            body: bytes,
        };
        r.header("Content-Type", "image/x-icon");
        r
    } else {
        not_found()
    };
    if response.status == 401
        && let (Some(scheme), Some(realm)) = (service.auth, service.realm.as_deref())
    {
        response.header("WWW-Authenticate", challenge(scheme, realm, ctx.ctx.nonce));
    }
    finish(response, service.server.as_deref())
}

/// Adds the `Server` header and a content type the way embedded servers do.
pub fn finish(mut response: Response, server: Option<&str>) -> Response {
    if let Some(server) = server {
        response
            .headers
            .insert(0, ("Server".to_owned(), server.to_owned()));
    }
    let has_type = response
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if !has_type && !response.body.is_empty() {
        response.header("Content-Type", "text/html");
    }
    response
}

/// The body of `/`: the given HTML, or a page carrying just the title.
fn root_body(service: &HttpService) -> String {
    match (&service.body, &service.title) {
        (Some(body), _) => body.clone(),
        (None, Some(title)) => format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body></body></html>\n"
        ),
        (None, None) => String::new(),
    }
}

fn not_found() -> Response {
    Response {
        status: 404,
        headers: Vec::new(),
        body: b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>"
            .to_vec(),
    }
}

/// A `WWW-Authenticate` value as embedded servers send it.
pub fn challenge(scheme: AuthScheme, realm: &str, nonce: &str) -> String {
    match scheme {
        AuthScheme::Basic => format!("Basic realm=\"{realm}\""),
        AuthScheme::Digest => {
            format!("Digest qop=\"auth\", realm=\"{realm}\", nonce=\"{nonce}\", stale=\"FALSE\"")
        }
    }
}

/// A plain `400 Bad Request` for input that is not HTTP.
pub fn bad_request(server: Option<&str>) -> Response {
    finish(
        Response {
            status: 400,
            headers: vec![("Connection".to_owned(), "close".to_owned())],
            body: b"<html><body><h1>400 Bad Request</h1></body></html>".to_vec(),
        },
        server,
    )
}
