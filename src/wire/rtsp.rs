//! RTSP/1.0 (RFC 2326) requests and responses; the response parser also reads HTTP/1.x replies,
//! since both share the status-line-plus-headers shape and RTSP ports often answer HTTP.

use thiserror::Error;

/// Why a response could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("empty response")]
    Empty,
    #[error("not an RTSP or HTTP response (starts with {0:?})")]
    NotAResponse(String),
    #[error("status line without a numeric status code: {0:?}")]
    BadStatusLine(String),
}

/// A parsed status line, headers and whatever body was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `RTSP/1.0`, `HTTP/1.1`, …
    pub protocol: String,
    pub status: u16,
    pub reason: String,
    /// In order received; names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// First value of a header, case-insensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All values of a header (a server may send several `WWW-Authenticate`).
    pub fn headers_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_rtsp(&self) -> bool {
        self.protocol.starts_with("RTSP/")
    }
}

/// Builds a request with `CSeq` and our `User-Agent`; never any credentials.
pub fn build_request(method: &str, url: &str, cseq: u32, extra_headers: &[(&str, &str)]) -> String {
    let mut req = format!("{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\nUser-Agent: camsweep\r\n");
    for (name, value) in extra_headers {
        req.push_str(name);
        req.push_str(": ");
        req.push_str(value);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    req
}

/// Where the header block ends (index just past the blank line), if it has arrived.
pub fn header_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The declared body length, if any and if sane.
pub fn content_length(headers: &[(String, String)]) -> Option<usize> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// Parses a response. Tolerates LF-only line ends, junk header lines and a missing blank line
/// (a truncated read); the body is whatever follows the headers in `bytes`.
///
/// # Errors
/// [`ParseError`] when the bytes do not start with an `RTSP/` or `HTTP/` status line.
pub fn parse_response(bytes: &[u8]) -> Result<Response, ParseError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or(ParseError::Empty)?;
    let bytes = &bytes[start..];
    let head_len = header_end(bytes).unwrap_or(bytes.len());
    let head = String::from_utf8_lossy(&bytes[..head_len]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().trim_end();
    if !(status_line.starts_with("RTSP/") || status_line.starts_with("HTTP/")) {
        return Err(ParseError::NotAResponse(
            status_line.chars().take(32).collect(),
        ));
    }
    let mut parts = status_line.splitn(3, ' ');
    let protocol = parts.next().unwrap_or_default().to_string();
    let status = parts
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .ok_or_else(|| ParseError::BadStatusLine(status_line.chars().take(64).collect()))?;
    let reason = parts.next().unwrap_or_default().trim().to_string();
    let headers = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.trim();
            (!name.is_empty() && !name.contains(' '))
                .then(|| (name.to_string(), value.trim().to_string()))
        })
        .collect();
    Ok(Response {
        protocol,
        status,
        reason,
        headers,
        body: bytes[head_len..].to_vec(),
    })
}

/// The `s=` (session name) line of an SDP body, if present.
pub fn sdp_session_name(body: &[u8]) -> Option<String> {
    sdp_line(body, "s=")
}

/// The first session-level SDP line starting with `prefix` (`i=`, `a=tool:`), without the
/// prefix; media sections (`m=` onwards) describe streams, not the session, and are not read.
pub fn sdp_line(body: &[u8], prefix: &str) -> Option<String> {
    String::from_utf8_lossy(body)
        .lines()
        .take_while(|l| !l.starts_with("m="))
        .find_map(|l| l.strip_prefix(prefix).map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// At most this many stream paths are kept from one reply (a DESCRIBE names a few tracks).
const MAX_STREAM_PATHS: usize = 4;

/// The paths of the streams a reply names: its `Content-Base` and the SDP's absolute
/// `a=control:` URLs (session and media level), each as path and query without scheme, host or
/// port (`rtsp://192.0.2.1:554/h264/ch1/main/av_stream/trackID=1` →
/// `/h264/ch1/main/av_stream/trackID=1`). Relative controls (`trackID=1`, `*`) name no path.
/// Deduplicated, in order, at most [`MAX_STREAM_PATHS`].
pub fn stream_paths(content_base: Option<&str>, body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let controls = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("a=control:"))
        .map(str::trim);
    let mut out: Vec<String> = Vec::new();
    for url in content_base.into_iter().chain(controls) {
        let Some(path) = url_path(url) else { continue };
        if !out.contains(&path) {
            out.push(path);
        }
        if out.len() == MAX_STREAM_PATHS {
            break;
        }
    }
    out
}

/// Path and query of an absolute `rtsp://` / `rtsps://` URL; `None` for anything else or a bare
/// root.
fn url_path(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("rtsp://") {
        &url[7..]
    } else if lower.starts_with("rtsps://") {
        &url[8..]
    } else {
        return None;
    };
    let path = &rest[rest.find('/')?..];
    (path.len() > 1).then(|| path.to_string())
}

/// The first SDP `a=Media_header:` value, at any level.
pub fn sdp_media_header(body: &[u8]) -> Option<String> {
    String::from_utf8_lossy(body)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("a=Media_header:")
                .map(|s| s.trim().to_string())
        })
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::noise::noise;

    /// OPTIONS reply of a Hikvision camera (google/ExoPlayer issue #9800).
    const HIK_OPTIONS: &[u8] = b"RTSP/1.0 200 OK\r\nCSeq: 0\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\nDate:  Tue, Dec 21 2021 12:08:36 GMT\r\n\r\n";
    /// DESCRIBE reply of the same camera: Digest and Basic challenges.
    const HIK_DESCRIBE: &[u8] = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"IP Camera(C1214)\", nonce=\"0191a41d87c28cd52b3e9c8adc99291c\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"IP Camera(C1214)\"\r\nDate:  Tue, Dec 21 2021 12:08:36 GMT\r\n\r\n";
    /// Hanwha (Samsung) iPOLiS DESCRIBE reply (Ullaakut/cameradar issue #199).
    const IPOLIS_DESCRIBE: &[u8] = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nDate: Thu, 23 May 2019 02:57:00 GMT\r\nExpires: Thu, 23 May 2019 02:57:00 GMT\r\nCache-Control: must-revalidate\r\nWWW-Authenticate: Digest realm=\"iPOLiS\", nonce=\"BA2BBD4E602A4CD5E08ACC0896D1234E\"\r\n\r\n";

    /// The Public method list of a real camera is read whole.
    #[test]
    fn parses_options_reply() {
        let r = parse_response(HIK_OPTIONS).unwrap();
        assert!(r.is_rtsp());
        assert_eq!(r.status, 200);
        assert_eq!(r.reason, "OK");
        assert_eq!(
            r.header("public"),
            Some("OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER")
        );
        assert!(r.body.is_empty());
    }

    /// Both challenges of a 401 are kept, in order.
    #[test]
    fn parses_describe_challenges() {
        let r = parse_response(HIK_DESCRIBE).unwrap();
        assert_eq!(r.status, 401);
        let auth: Vec<&str> = r.headers_all("WWW-Authenticate").collect();
        assert_eq!(auth.len(), 2);
        assert!(auth[0].starts_with("Digest realm=\"IP Camera(C1214)\""));
        let r = parse_response(IPOLIS_DESCRIBE).unwrap();
        assert_eq!(
            r.header("www-authenticate"),
            Some("Digest realm=\"iPOLiS\", nonce=\"BA2BBD4E602A4CD5E08ACC0896D1234E\"")
        );
    }

    /// An SDP body (mpromonet/webrtc-streamer issue #138) follows the headers; its session name is read.
    #[test]
    fn reads_sdp_information_and_tool() {
        // SDP of LIVE555's test server (live555 testProgs, as quoted in its own sources).
        let body = b"v=0\r\no=- 1073934419791938 1 IN IP4 10.0.0.2\r\ns=Session streamed by \"testOnDemandRTSPServer\"\r\ni=aacAudioTest\r\nt=0 0\r\na=tool:LIVE555 Streaming Media v2011.03.05\r\na=type:broadcast\r\nm=audio 0 RTP/AVP 96\r\ni=track\r\n";
        assert_eq!(
            sdp_session_name(body).as_deref(),
            Some("Session streamed by \"testOnDemandRTSPServer\"")
        );
        assert_eq!(sdp_line(body, "i=").as_deref(), Some("aacAudioTest"));
        assert_eq!(
            sdp_line(body, "a=tool:").as_deref(),
            Some("LIVE555 Streaming Media v2011.03.05")
        );
        assert_eq!(
            sdp_line(b"v=0\r\nm=video 0 RTP/AVP 96\r\ni=x\r\n", "i="),
            None
        );
    }

    #[test]
    fn reads_body_and_sdp_session() {
        let reply = b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: 36\r\n\r\nv=0\r\ns=Media Presentation\r\ne=NONE\r\n";
        let r = parse_response(reply).unwrap();
        assert_eq!(content_length(&r.headers), Some(36));
        assert_eq!(
            sdp_session_name(&r.body).as_deref(),
            Some("Media Presentation")
        );
    }

    /// HTTP replies on an RTSP port are recognised as HTTP; LF-only line ends are fine.
    #[test]
    fn reads_http_with_bare_lf() {
        let r = parse_response(b"HTTP/1.1 404 Not Found\nServer: App-webs/\n\n").unwrap();
        assert!(!r.is_rtsp());
        assert_eq!(r.header("Server"), Some("App-webs/"));
    }

    /// Binary garbage, empty input and a bad status code are errors, not panics.
    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_response(b""), Err(ParseError::Empty));
        assert!(matches!(
            parse_response(b"\x00\xff\xfe junk"),
            Err(ParseError::NotAResponse(_))
        ));
        assert!(matches!(
            parse_response(b"RTSP/1.0 abc OK\r\n\r\n"),
            Err(ParseError::BadStatusLine(_))
        ));
        assert!(
            parse_response(b"RTSP/1.0 200").is_ok(),
            "a truncated reply still yields its status"
        );
    }

    /// Requests carry CSeq and User-Agent and end with a blank line.
    #[test]
    fn builds_options() {
        let req = build_request("OPTIONS", "rtsp://192.0.2.10:554/", 1, &[]);
        assert_eq!(
            req,
            "OPTIONS rtsp://192.0.2.10:554/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camsweep\r\n\r\n"
        );
        let req = build_request(
            "DESCRIBE",
            "rtsp://192.0.2.10:554/",
            2,
            &[("Accept", "application/sdp")],
        );
        assert!(req.contains("\r\nAccept: application/sdp\r\n\r\n"));
    }

    /// Arbitrary bytes, bare or behind a valid status line, never panic the parser.
    #[test]
    fn never_panics_on_noise() {
        for bytes in noise(2000) {
            let _ = parse_response(&bytes);
            let mut prefixed = b"RTSP/1.0 200 OK\r\nContent-Length: 99999999999\r\n".to_vec();
            prefixed.extend_from_slice(&bytes);
            let _ = parse_response(&prefixed);
            let _ = sdp_session_name(&bytes);
            let _ = crate::wire::auth::parse_challenge(&String::from_utf8_lossy(&bytes));
        }
    }
}

/// A real Hikvision camera's RTSP answers to ffplay, as published (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_hikvision_options_lists_methods() {
        let bytes = include_bytes!("../../tests/fixtures/wire/rtsp-hikvision-options.txt");
        let r = parse_response(bytes).expect("a real OPTIONS reply");
        assert!(r.is_rtsp());
        assert_eq!(r.status, 200);
        assert_eq!(r.header("cseq"), Some("1"));
        assert_eq!(
            r.header("Public"),
            Some("OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER")
        );
        assert_eq!(r.header("Date"), Some("Thu, May 14 2020 16:45:35 GMT"));
    }

    #[test]
    fn real_hikvision_401_carries_the_digest_challenge() {
        let bytes = include_bytes!("../../tests/fixtures/wire/rtsp-hikvision-401.txt");
        let r = parse_response(bytes).expect("a real 401");
        assert_eq!(r.status, 401);
        assert_eq!(r.reason, "Unauthorized");
        let challenge = crate::wire::auth::parse_challenge(r.header("WWW-Authenticate").unwrap())
            .expect("a challenge");
        assert_eq!(challenge.scheme, "Digest");
        assert_eq!(challenge.realm.as_deref(), Some("IP Camera(C2875)"));
    }
}
