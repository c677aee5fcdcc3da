//! `WWW-Authenticate` challenges (RFC 7235 / RFC 7616), as HTTP and RTSP servers send them.

/// One challenge: the scheme and, where given, the realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `Basic`, `Digest`, … as the server wrote it.
    pub scheme: String,
    pub realm: Option<String>,
}

/// Parses a challenge header value. Returns `None` for an empty value.
pub fn parse_challenge(value: &str) -> Option<Challenge> {
    let value = value.trim();
    let scheme_end = value
        .find(|c: char| c.is_whitespace())
        .unwrap_or(value.len());
    let scheme = &value[..scheme_end];
    if scheme.is_empty() {
        return None;
    }
    Some(Challenge {
        scheme: scheme.to_string(),
        realm: param(&value[scheme_end..], "realm"),
    })
}

/// The value of one `name=value` or `name="value"` parameter, case-insensitive on the name.
pub fn param(params: &str, name: &str) -> Option<String> {
    let mut rest = params;
    while !rest.is_empty() {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        let after = &rest[eq + 1..];
        let (val, next) = if let Some(quoted) = after.strip_prefix('"') {
            let (val, consumed) = read_quoted(quoted);
            (val, &quoted[consumed.min(quoted.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(val);
        }
        rest = next;
    }
    None
}

/// Reads a quoted string body (after the opening quote), honouring backslash escapes.
/// Returns the value and how many bytes were consumed, closing quote included.
fn read_quoted(s: &str) -> (String, usize) {
    let mut out = String::new();
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match (escaped, c) {
            (true, _) => {
                out.push(c);
                escaped = false;
            }
            (false, '\\') => escaped = true,
            (false, '"') => return (out, i + 1),
            (false, _) => out.push(c),
        }
    }
    (out, s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hikvision's RTSP Digest challenge, as logged in google/ExoPlayer issue #9800.
    #[test]
    fn hikvision_digest_realm() {
        let c = parse_challenge(
            r#"Digest realm="IP Camera(C1214)", nonce="0191a41d87c28cd52b3e9c8adc99291c", stale="FALSE""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "Digest");
        assert_eq!(c.realm.as_deref(), Some("IP Camera(C1214)"));
    }

    /// Realm need not come first, and commas inside quotes do not split parameters.
    #[test]
    fn realm_after_other_params() {
        let c =
            parse_challenge(r#"Digest qop="auth", nonce="a,b", realm="Login to 4K05A8BPAJ9A5C1""#)
                .unwrap();
        assert_eq!(c.realm.as_deref(), Some("Login to 4K05A8BPAJ9A5C1"));
    }

    /// Basic, unquoted, escaped and missing realms; garbage yields no realm rather than a panic.
    #[test]
    fn odd_forms() {
        assert_eq!(
            parse_challenge("Basic realm=Camera")
                .unwrap()
                .realm
                .as_deref(),
            Some("Camera")
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="a\"b""#)
                .unwrap()
                .realm
                .as_deref(),
            Some("a\"b")
        );
        assert_eq!(parse_challenge("Negotiate").unwrap().realm, None);
        assert_eq!(
            parse_challenge(r#"Digest realm="unterminated"#)
                .unwrap()
                .realm
                .as_deref(),
            Some("unterminated")
        );
        assert!(parse_challenge("   ").is_none());
        assert_eq!(parse_challenge("Digest ===,,\"").unwrap().realm, None);
    }
}

/// Real challenges cameras sent (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_hikvision_rtsp_challenge_names_the_realm() {
        let c = parse_challenge(
            r#"Digest realm="IP Camera(C2875)", nonce="938032d91ffc30ca80b5da94c18887ac", stale="FALSE""#,
        )
        .expect("a challenge");
        assert_eq!(c.scheme, "Digest");
        assert_eq!(c.realm.as_deref(), Some("IP Camera(C2875)"));
    }

    #[test]
    fn real_hikvision_isapi_challenge_with_qop_first_names_the_realm() {
        // From a Hikvision camera's 401 on /ISAPI/Event/notification/alertStream (2018).
        let c = parse_challenge(
            r#"Digest qop="auth", realm="IP Camera(C2183)", nonce="4e5468694e7a42694e7a4d364f4449354d7a6b354d54513d", stale="FALSE""#,
        )
        .expect("a challenge");
        assert_eq!(c.realm.as_deref(), Some("IP Camera(C2183)"));
    }
}
