//! The Host header of a plaintext HTTP request (pure).

/// Request methods that start an HTTP/1.x request (UPnP's SUBSCRIBE/NOTIFY and proxies' CONNECT
/// included: cameras use them for eventing and to tunnel to their cloud).
const METHODS: [&[u8]; 11] = [
    b"SUBSCRIBE ",
    b"UNSUBSCRIBE ",
    b"NOTIFY ",
    b"CONNECT ",
    b"GET ",
    b"POST ",
    b"PUT ",
    b"HEAD ",
    b"PATCH ",
    b"DELETE ",
    b"OPTIONS ",
];
/// Only the start of a request is searched: headers come first and are short.
const SEARCH: usize = 4096;

/// Whether `bytes` is, or may become once more bytes arrive, the start of an HTTP request.
pub fn may_be_request(bytes: &[u8]) -> bool {
    METHODS
        .iter()
        .any(|m| bytes.starts_with(m) || m.starts_with(bytes))
}

/// Whether the request headers in `bytes` are complete, or long enough to stop looking.
pub fn headers_over(bytes: &[u8]) -> bool {
    bytes.len() >= SEARCH || bytes.windows(4).any(|w| w == b"\r\n\r\n")
}

/// The lower-cased host (without port) of an HTTP request starting in `payload`.
pub fn request_host(payload: &[u8]) -> Option<String> {
    if !METHODS.iter().any(|m| payload.starts_with(m)) {
        return None;
    }
    let head = &payload[..payload.len().min(SEARCH)];
    let text = String::from_utf8_lossy(head);
    let headers = text.split("\r\n\r\n").next()?;
    headers.split("\r\n").skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("host") {
            return None;
        }
        let value = value.trim();
        let host = if value.starts_with('[') {
            value.split(']').next()?.trim_start_matches('[')
        } else {
            value.split(':').next()?
        };
        let host = host.to_ascii_lowercase();
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:_".contains(&b));
        valid.then_some(host)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_a_camera_upload_request() {
        let req = b"POST /api/face/upload HTTP/1.1\r\nHost: OpenAPI.Ovopark.com:8080\r\nContent-Length: 5\r\n\r\nabcde";
        assert_eq!(request_host(req).as_deref(), Some("openapi.ovopark.com"));
    }

    #[test]
    fn upnp_eventing_and_proxy_connect_requests_are_http() {
        // UPnP Device Architecture 2.0 §4.1.2 SUBSCRIBE, as a media renderer sends it.
        let sub = b"SUBSCRIBE /upnp/event/AVTransport1 HTTP/1.1\r\nHOST: 192.168.1.30:49152\r\nCALLBACK: <http://192.168.1.20:8058/>\r\nNT: upnp:event\r\n\r\n";
        assert_eq!(request_host(sub).as_deref(), Some("192.168.1.30"));
        let notify = b"NOTIFY /cb HTTP/1.1\r\nHost: 192.168.1.20:8058\r\nNT: upnp:event\r\n\r\n";
        assert_eq!(request_host(notify).as_deref(), Some("192.168.1.20"));
        let connect =
            b"CONNECT relay.example.net:443 HTTP/1.1\r\nHost: relay.example.net:443\r\n\r\n";
        assert_eq!(request_host(connect).as_deref(), Some("relay.example.net"));
        assert!(may_be_request(b"SUBSC"));
    }

    #[test]
    fn non_requests_and_hostile_hosts_are_ignored() {
        assert_eq!(request_host(b"HTTP/1.1 200 OK\r\nHost: x\r\n\r\n"), None);
        assert_eq!(
            request_host(b"GET / HTTP/1.1\r\nHost: <script>\r\n\r\n"),
            None
        );
        assert_eq!(request_host(b"GET / HTTP/1.1\r\n\r\n"), None);
    }
}
