//! Pure: turns one HTTP response (status, headers, body) into evidence atoms. No I/O; `scraper`
//! lives here and nowhere else.

use scraper::{Html, Selector};

use crate::model::{Evidence, EvidenceSource as Src};
use crate::wire::auth::parse_challenge;

/// Body text kept as `http.body`.
const BODY_PREFIX: usize = 2048;
/// Script and image names kept per page.
const MAX_NAMES: usize = 10;
/// Response headers that tell products apart and are worth quoting whole (lower-case).
const TELLING_HEADERS: &[&str] = &[
    "x-powered-by",
    "x-generator",
    "x-aspnet-version",
    "x-server",
    "x-device",
];

/// Evidence from one response. Headers are `(name, value)` as received.
pub fn observe(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    port: Option<u16>,
) -> Vec<Evidence> {
    let mut out = vec![Evidence::new(Src::HTTP_STATUS, port, status.to_string())];
    out.extend(header_evidence(headers, port));
    out.extend(body_evidence(body, port));
    out
}

/// Evidence carried by headers alone: server, challenge, realm, telling headers, cookie names.
pub fn header_evidence(headers: &[(String, String)], port: Option<u16>) -> Vec<Evidence> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "server" => out.push(Evidence::new(Src::HTTP_SERVER, port, value.trim())),
            "www-authenticate" => {
                out.push(Evidence::new(
                    Src::HTTP_WWW_AUTHENTICATE,
                    port,
                    value.trim(),
                ));
                if let Some(realm) = parse_challenge(value).and_then(|c| c.realm) {
                    out.push(Evidence::new(Src::HTTP_REALM, port, realm));
                }
            }
            // Cookie names (never values: those are session secrets) often name the product.
            "set-cookie" => {
                if let Some((cookie, _)) = value.split_once('=') {
                    out.push(Evidence::new(
                        Src::HTTP_HEADER,
                        port,
                        format!("Set-Cookie: {}", cookie.trim()),
                    ));
                }
            }
            _ if TELLING_HEADERS.contains(&lower.as_str()) => {
                out.push(Evidence::new(
                    Src::HTTP_HEADER,
                    port,
                    format!("{name}: {}", value.trim()),
                ));
            }
            _ => {}
        }
    }
    out
}

/// Evidence from the body: title, generator, script and image names, and its first 2 KiB.
pub fn body_evidence(body: &[u8], port: Option<u16>) -> Vec<Evidence> {
    let mut out = Vec::new();
    if body.is_empty() {
        return out;
    }
    let text = String::from_utf8_lossy(body);
    let doc = Html::parse_document(&text);
    if let Some(title) = first_text(&doc, "title") {
        out.push(Evidence::new(Src::HTTP_TITLE, port, title));
    }
    for meta in doc.select(&selector("meta")) {
        let el = meta.value();
        if el
            .attr("name")
            .is_some_and(|n| n.eq_ignore_ascii_case("generator"))
            && let Some(content) = el
                .attr("content")
                .map(collapse_ws)
                .filter(|c| !c.is_empty())
        {
            out.push(Evidence::new(Src::HTTP_GENERATOR, port, content));
        }
    }
    if let Some(target) = meta_refresh_in(&doc) {
        out.push(Evidence::new(Src::HTTP_REDIRECT, port, target));
    }
    for (sel, source) in [
        ("script[src]", Src::HTTP_SCRIPT),
        ("img[src]", Src::HTTP_IMAGE),
    ] {
        let sel = selector(sel);
        let names = doc
            .select(&sel)
            .filter_map(|e| e.value().attr("src"))
            .filter_map(file_name)
            .take(MAX_NAMES);
        out.extend(names.map(|n| Evidence::new(source, port, n)));
    }
    let cut = floor_char_boundary(&text, BODY_PREFIX);
    let mut ev = Evidence::new(Src::HTTP_BODY, port, &text[..cut]);
    ev.truncated = cut < text.len();
    out.push(ev);
    out
}

/// `href`s of `<link rel="icon">` / `rel="shortcut icon"` elements, in page order.
pub fn icon_hrefs(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let doc = Html::parse_document(&text);
    doc.select(&selector("link[rel][href]"))
        .filter(|l| {
            l.value().attr("rel").is_some_and(|r| {
                r.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case("icon"))
            })
        })
        .filter_map(|l| l.value().attr("href").map(str::to_string))
        .collect()
}

/// The target of a `<meta http-equiv="refresh" content="0; url=…">`, if the page has one.
pub fn meta_refresh(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    meta_refresh_in(&Html::parse_document(&text))
}

fn meta_refresh_in(doc: &Html) -> Option<String> {
    doc.select(&selector("meta[http-equiv][content]"))
        .find_map(|m| {
            let el = m.value();
            if !el.attr("http-equiv")?.eq_ignore_ascii_case("refresh") {
                return None;
            }
            let content = el.attr("content")?;
            let lower = content.to_ascii_lowercase();
            let at = lower.find("url=")?;
            let target = content[at + 4..]
                .trim()
                .trim_matches(|c| c == '\'' || c == '"')
                .trim();
            (!target.is_empty()).then(|| target.to_string())
        })
}

/// Builds a selector from a constant. The inputs are literals in this file and are valid CSS,
/// which `all_selectors_parse` checks, so the fallback never happens in practice.
fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|_| {
        tracing::error!(css, "invalid built-in selector");
        #[allow(clippy::expect_used)] // "*" is always a valid selector
        Selector::parse("*").expect("universal selector parses")
    })
}

fn first_text(doc: &Html, css: &str) -> Option<String> {
    doc.select(&selector(css))
        .next()
        .map(|e| collapse_ws(&e.text().collect::<String>()))
        .filter(|t| !t.is_empty())
}

/// Trims and collapses runs of whitespace to one space.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last path segment of a URL or path, without query or fragment.
fn file_name(src: &str) -> Option<String> {
    let path = src.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::noise::noise;

    fn hdrs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect()
    }

    fn values<'a>(ev: &'a [Evidence], source: &str) -> Vec<&'a str> {
        ev.iter()
            .filter(|e| e.source == source)
            .map(|e| e.value.as_str())
            .collect()
    }

    /// Xiongmai NETSurveillance login page (title listed in rapid7/recog html_title.xml).
    const XIONGMAI_PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>
   NETSurveillance   WEB
</title>
<script type="text/javascript" src="js/jquery-1.8.3.min.js?ver=2"></script>
<script src="/js/lib/NetSDK.js"></script>
<link rel="shortcut icon" href="/favicon.ico"></head>
<body><img src="images/logo_xm.png"><div id="login">Login</div></body></html>"#;

    /// A camera login page yields its collapsed title, script and image names, and body text.
    #[test]
    fn observes_login_page() {
        let ev = observe(
            200,
            &hdrs(&[("Server", "gSOAP/2.8")]),
            XIONGMAI_PAGE.as_bytes(),
            Some(80),
        );
        assert_eq!(values(&ev, Src::HTTP_STATUS), vec!["200"]);
        assert_eq!(values(&ev, Src::HTTP_SERVER), vec!["gSOAP/2.8"]);
        assert_eq!(values(&ev, Src::HTTP_TITLE), vec!["NETSurveillance WEB"]);
        assert_eq!(
            values(&ev, Src::HTTP_SCRIPT),
            vec!["jquery-1.8.3.min.js", "NetSDK.js"]
        );
        assert_eq!(values(&ev, Src::HTTP_IMAGE), vec!["logo_xm.png"]);
        assert!(values(&ev, Src::HTTP_BODY)[0].starts_with("<!DOCTYPE html>"));
        assert!(ev.iter().all(|e| e.port == Some(80)));
        assert_eq!(icon_hrefs(XIONGMAI_PAGE.as_bytes()), vec!["/favicon.ico"]);
    }

    /// A Hikvision 401: the whole challenge and the parsed realm, plus the vendor server string.
    #[test]
    fn observes_digest_challenge() {
        let headers = hdrs(&[
            ("Server", "App-webs/"),
            (
                "WWW-Authenticate",
                r#"Digest qop="auth", realm="IP Camera(C6496)", nonce="4e6a6b35", stale="FALSE""#,
            ),
            ("Set-Cookie", "WebSession=abcdef; path=/"),
            ("X-Frame-Options", "SAMEORIGIN"),
        ]);
        let ev = observe(401, &headers, b"", Some(80));
        assert_eq!(values(&ev, Src::HTTP_REALM), vec!["IP Camera(C6496)"]);
        assert!(values(&ev, Src::HTTP_WWW_AUTHENTICATE)[0].starts_with("Digest qop="));
        assert_eq!(
            values(&ev, Src::HTTP_HEADER),
            vec!["Set-Cookie: WebSession"],
            "cookie value never kept"
        );
        assert!(values(&ev, Src::HTTP_BODY).is_empty());
    }

    /// A meta-refresh landing page (Mobotix style) is recorded as a redirect, and generator kept.
    #[test]
    fn observes_meta_refresh_and_generator() {
        let page = br#"<html><head><META HTTP-EQUIV="Refresh" CONTENT="0; URL='/control/userimage.html'">
<meta name="Generator" content="  Mobotix   Web  "><title>Redirect to userimage: /control/userimage.html</title></head></html>"#;
        let ev = observe(200, &[], page, None);
        assert_eq!(
            values(&ev, Src::HTTP_REDIRECT),
            vec!["/control/userimage.html"]
        );
        assert_eq!(values(&ev, Src::HTTP_GENERATOR), vec!["Mobotix Web"]);
        assert_eq!(
            meta_refresh(page).as_deref(),
            Some("/control/userimage.html")
        );
    }

    /// A huge non-UTF-8 body is cut to 2 KiB, marked, and does not panic.
    #[test]
    fn long_binary_body_is_cut() {
        let mut body = vec![0xffu8; 10_000];
        body.extend_from_slice(b"<title>x</title>");
        let ev = observe(200, &[], &body, Some(8080));
        let b = ev.iter().find(|e| e.source == Src::HTTP_BODY).unwrap();
        assert!(b.truncated);
        assert!(b.value.len() <= BODY_PREFIX);
    }

    /// Every built-in selector is valid CSS.
    #[test]
    fn all_selectors_parse() {
        for css in [
            "meta",
            "title",
            "script[src]",
            "img[src]",
            "link[rel][href]",
            "meta[http-equiv][content]",
        ] {
            assert!(Selector::parse(css).is_ok(), "{css}");
        }
    }

    /// Arbitrary bytes never panic the page observer.
    #[test]
    fn never_panics_on_noise() {
        for bytes in noise(300) {
            let _ = observe(
                200,
                &[(
                    "WWW-Authenticate".into(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                )],
                &bytes,
                None,
            );
            let _ = icon_hrefs(&bytes);
        }
    }
}
