//! HTTP(S) probe of one port: the landing page (following same-host redirects), favicon, TLS
//! certificate and a few public vendor paths. GET only, no credentials.

pub mod client;
pub mod favicon;
pub mod observe;
pub mod tls;

use std::net::IpAddr;

use reqwest::Url;

use self::client::{FetchError, Fetched, HttpClient};
use super::findings::Findings;
use crate::model::{CutReason, Evidence, EvidenceSource as Src};

/// Redirects followed at most, and only to the same host.
const MAX_REDIRECTS: usize = 3;

/// Probes `ip:port` over HTTP and/or HTTPS. `tls_first` for ports that usually carry TLS.
/// Returns the base URL that answered (for ONVIF), if any.
pub async fn probe_http(
    client: &HttpClient,
    ip: IpAddr,
    port: u16,
    tls_first: bool,
    vendor_paths: &[String],
    findings: &Findings,
) -> Option<Url> {
    let schemes = if tls_first {
        ["https", "http"]
    } else {
        ["http", "https"]
    };
    for scheme in schemes {
        let Ok(base) = Url::parse(&format!("{scheme}://{}/", host_port(ip, port))) else {
            return None;
        };
        match landing_page(client, base.clone(), findings).await {
            Ok(page) => {
                findings.service(port, scheme);
                favicons(client, &page, findings).await;
                vendor_path_hits(client, &base, vendor_paths, findings).await;
                return Some(base);
            }
            Err(FetchError::Timeout(t)) => {
                // A port that does not answer one protocol in time will not answer the other.
                findings.note(
                    crate::model::Note::new("http_no_answer")
                        .arg("port", port)
                        .arg("scheme", scheme)
                        .arg("timeout", format_args!("{t:?}")),
                );
                findings.cut(
                    scheme,
                    Some(port),
                    CutReason::Timeout,
                    format!("no answer within {t:?}"),
                );
                return None;
            }
            Err(FetchError::Failed(err)) => {
                if scheme == "https" {
                    findings.push(Evidence::new(Src::TLS_ERROR, Some(port), err));
                } else {
                    findings.note(
                        crate::model::Note::new("http_plain_failed")
                            .arg("port", port)
                            .arg("error", &err),
                    );
                    let reason = failure_reason(&err);
                    findings.cut(scheme, Some(port), reason, err);
                    // Firmware that writes control bytes into a header is still a web server:
                    // read its answer with the tolerant parser rather than lose the port.
                    if reason == CutReason::Malformed
                        && lenient_root(client.timeout(), ip, port, findings).await
                    {
                        return None;
                    }
                }
            }
        }
    }
    None
}

/// `GET /` over a plain socket, read with the tolerant parser of `wire::rtsp` (HTTP/1.x too),
/// for a server whose reply the HTTP client refused; returns whether an HTTP reply came back.
async fn lenient_root(
    timeout: std::time::Duration,
    ip: IpAddr,
    port: u16,
    findings: &Findings,
) -> bool {
    let request = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: camsweep\r\n\r\n",
        host_port(ip, port)
    );
    let addr = std::net::SocketAddr::new(ip, port);
    let mut stream = None;
    let Ok(reply) = super::rtsp::exchange(&mut stream, addr, request.as_bytes(), timeout).await
    else {
        return false;
    };
    match crate::wire::rtsp::parse_response(&reply) {
        Ok(resp) if !resp.is_rtsp() => {
            findings.extend(observe::observe(
                resp.status,
                &resp.headers,
                &resp.body,
                Some(port),
            ));
            findings.service(port, "http");
            true
        }
        _ => false,
    }
}

/// A failed exchange: the device hung up, or it answered something that is not HTTP.
fn failure_reason(err: &str) -> CutReason {
    let lower = err.to_ascii_lowercase();
    if ["reset", "closed", "incomplete", "broken pipe", "eof"]
        .iter()
        .any(|w| lower.contains(w))
    {
        CutReason::Reset
    } else {
        CutReason::Malformed
    }
}

fn host_port(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// GETs `url`, records every response on the way, and follows same-host redirects (HTTP 3xx or
/// `<meta http-equiv=refresh>`). Returns the last response.
async fn landing_page(
    client: &HttpClient,
    mut url: Url,
    findings: &Findings,
) -> Result<Fetched, FetchError> {
    let mut hops = 0;
    let mut previous: Option<Fetched> = None;
    loop {
        let page = match client.get(url.clone()).await {
            Ok(page) => page,
            // A redirect target that fails leaves the page that pointed to it as the answer.
            Err(err) => return previous.ok_or(err),
        };
        record_response(&page, findings);
        let location = if (300..400).contains(&page.status) {
            let location = page.header("Location").map(str::to_string);
            if let Some(loc) = &location {
                findings.push(Evidence::new(
                    Src::HTTP_REDIRECT,
                    page.url.port_or_known_default(),
                    loc.as_str(),
                ));
            }
            location
        } else {
            observe::meta_refresh(&page.body)
        };
        let target = location.and_then(|loc| page.url.join(&loc).ok());
        let port = page.url.port_or_known_default();
        let scheme = page.url.scheme();
        let next = match target {
            Some(next) if !same_host(&next, &page.url) => {
                // Never leave the device being probed: the target is recorded, not fetched.
                findings.cut(
                    scheme,
                    port,
                    CutReason::RedirectOffHost,
                    format!("redirect to {next} not followed"),
                );
                None
            }
            Some(next) if hops >= MAX_REDIRECTS || next == page.url => {
                findings.cut(
                    scheme,
                    port,
                    CutReason::RedirectLimit,
                    format!("stopped after {hops} redirect(s), at {next}"),
                );
                None
            }
            other => other,
        };
        match next {
            Some(next) => {
                hops += 1;
                url = next;
                previous = Some(page);
            }
            None => return Ok(page),
        }
    }
}

fn same_host(a: &Url, b: &Url) -> bool {
    a.host_str().is_some() && a.host_str() == b.host_str()
}

/// Observation of one full response, plus certificate and cap notes.
fn record_response(page: &Fetched, findings: &Findings) {
    let port = page.url.port_or_known_default();
    findings.extend(observe::observe(
        page.status,
        &page.headers,
        &page.body,
        port,
    ));
    if let Some(der) = &page.peer_certificate {
        findings.extend(tls::certificate_evidence(der, port));
    }
    if page.body_capped {
        findings.note(
            crate::model::Note::new("http_body_capped")
                .arg("port", port.unwrap_or_default())
                .arg("url", &page.url)
                .arg("bytes", page.body.len()),
        );
        findings.cut(
            page.url.scheme(),
            port,
            CutReason::SizeCap,
            format!(
                "body of {} cut at {} bytes",
                page.url.path(),
                page.body.len()
            ),
        );
    }
}

/// Hashes `<link rel=icon>` (same host) and `/favicon.ico`.
async fn favicons(client: &HttpClient, page: &Fetched, findings: &Findings) {
    let mut candidates: Vec<Url> = observe::icon_hrefs(&page.body)
        .iter()
        .filter_map(|href| page.url.join(href).ok())
        .filter(|u| same_host(u, &page.url))
        .take(1)
        .collect();
    if let Ok(default) = page.url.join("/favicon.ico")
        && !candidates.contains(&default)
    {
        candidates.push(default);
    }
    for url in candidates {
        let Ok(icon) = client.get(url).await else {
            continue;
        };
        if icon.status != 200
            || icon.body.is_empty()
            || icon.body_capped
            || looks_like_html(&icon.body)
        {
            continue;
        }
        let port = icon.url.port_or_known_default();
        findings.push(Evidence::new(
            Src::HTTP_FAVICON_MD5,
            port,
            favicon::favicon_md5(&icon.body),
        ));
        findings.push(Evidence::new(
            Src::HTTP_FAVICON_MMH3,
            port,
            favicon::favicon_mmh3(&icon.body).to_string(),
        ));
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    body[start..].starts_with(b"<")
}

/// GETs each vendor path once; a 2xx or 401 records `http.path` and the response's identifying atoms.
/// A server that answers 2xx to a random path answers every path: its hits would name whichever
/// vendor's path came first, so none is recorded.
async fn vendor_path_hits(client: &HttpClient, base: &Url, paths: &[String], findings: &Findings) {
    let canary = format!("/camsweep-{:016x}.html", crate::discover::udp::random_u64());
    if let Ok(url) = base.join(&canary)
        && let Ok(resp) = client.get(url).await
        && (200..300).contains(&resp.status)
    {
        findings.note(
            crate::model::Note::new("http_answers_any_path")
                .arg("port", base.port_or_known_default().unwrap_or_default())
                .arg("status", resp.status)
                .arg("canary", &canary),
        );
        return;
    }
    for path in paths {
        let Ok(url) = base.join(path) else { continue };
        let resp = match client.get(url).await {
            Ok(resp) => resp,
            Err(FetchError::Timeout(t)) => {
                findings.cut(
                    base.scheme(),
                    base.port_or_known_default(),
                    CutReason::Timeout,
                    format!("{path}: no answer within {t:?}"),
                );
                continue;
            }
            Err(FetchError::Failed(_)) => continue,
        };
        if resp.body_capped {
            findings.cut(
                base.scheme(),
                base.port_or_known_default(),
                CutReason::SizeCap,
                format!("body of {path} cut at {} bytes", resp.body.len()),
            );
        }
        if !((200..300).contains(&resp.status) || resp.status == 401) {
            continue;
        }
        let port = resp.url.port_or_known_default();
        findings.push(Evidence::new(Src::HTTP_PATH, port, path.as_str()));
        let atoms = observe::header_evidence(&resp.headers, port)
            .into_iter()
            .chain(observe::body_evidence(&resp.body, port))
            .filter(|e| {
                [
                    Src::HTTP_SERVER,
                    Src::HTTP_WWW_AUTHENTICATE,
                    Src::HTTP_REALM,
                    Src::HTTP_TITLE,
                ]
                .contains(&e.source.as_str())
            });
        findings.extend(atoms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redirects are followed only to the address being probed, never to another host.
    #[test]
    fn only_same_host_redirects_are_followed() {
        let here = Url::parse("http://192.0.2.64:8080/").unwrap();
        assert!(same_host(&here.join("/doc/page/login.asp").unwrap(), &here));
        assert!(same_host(
            &Url::parse("https://192.0.2.64/").unwrap(),
            &here
        ));
        assert!(!same_host(
            &Url::parse("http://198.51.100.7/").unwrap(),
            &here
        ));
        assert!(!same_host(
            &Url::parse("http://cloud.example/login").unwrap(),
            &here
        ));
    }

    /// IPv6 hosts are bracketed in URLs.
    #[test]
    fn ipv6_host_port() {
        assert_eq!(host_port("fe80::1".parse().unwrap(), 80), "[fe80::1]:80");
        assert_eq!(
            host_port("192.0.2.1".parse().unwrap(), 443),
            "192.0.2.1:443"
        );
    }
}
