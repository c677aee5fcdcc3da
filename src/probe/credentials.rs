//! `--credentials FILE`: the owner's own logins, for self-checks only. A device listed there that
//! refuses ONVIF `GetDeviceInformation` with an HTTP Digest challenge is asked once more with its
//! listed login. Nothing is ever guessed: no list, no default passwords, one listed login per
//! address. The password is never printed: [`Secret`] hides it from `Debug`, errors about the
//! file name the line, never its text, and reports record only that a login was used.
//!
//! ```toml
//! [[device]]
//! address = "198.18.0.11"
//! user = "admin"
//! password = "…"
//! ```

use md5::{Digest, Md5};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use crate::wire::auth;

/// A password: usable, never shown.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The password itself, for computing an authentication response; nothing else.
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One device's login.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub address: IpAddr,
    pub user: String,
    password: Secret,
}

/// The logins of a credentials file, by device address.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    by_address: HashMap<IpAddr, Credential>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    #[serde(default)]
    device: Vec<Credential>,
}

/// Why a credentials file was refused (never quoting its text: it holds passwords).
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("credentials file, line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("credentials file lists {0} twice: one login per device")]
    Duplicate(IpAddr),
}

impl Credentials {
    /// Parses a credentials file.
    ///
    /// # Errors
    /// [`CredentialsError`] naming the line of a malformed entry, or a device listed twice.
    pub fn parse(text: &str) -> Result<Self, CredentialsError> {
        let file: CredentialsFile = toml::from_str(text).map_err(|e| CredentialsError::Syntax {
            line: e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            }),
            // The message alone: toml's full Display quotes the offending line.
            message: e.message().to_string(),
        })?;
        let mut by_address = HashMap::new();
        for cred in file.device {
            let address = cred.address;
            if by_address.insert(address, cred).is_some() {
                return Err(CredentialsError::Duplicate(address));
            }
        }
        Ok(Self { by_address })
    }

    /// The login listed for `address`.
    pub fn for_address(&self, address: IpAddr) -> Option<&Credential> {
        self.by_address.get(&address)
    }

    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }

    /// How many devices have a login.
    pub fn len(&self) -> usize {
        self.by_address.len()
    }
}

/// The `Authorization` value answering a Digest challenge (RFC 7616, MD5, `qop=auth` or none)
/// for `method uri`, or `None` for any other scheme or algorithm (Basic would send the password
/// in clear text over plain HTTP, so it is never answered).
pub fn digest_authorization(
    challenge: &str,
    cred: &Credential,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> Option<String> {
    let parsed = auth::parse_challenge(challenge)?;
    if !parsed.scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let params = &challenge.trim()[parsed.scheme.len()..];
    let realm = parsed.realm.unwrap_or_default();
    let nonce = auth::param(params, "nonce")?;
    if let Some(algorithm) = auth::param(params, "algorithm")
        && !algorithm.eq_ignore_ascii_case("md5")
    {
        return None;
    }
    let qop_auth = auth::param(params, "qop")
        .is_some_and(|q| q.split(',').any(|v| v.trim().eq_ignore_ascii_case("auth")));
    let ha1 = md5_hex(&format!("{}:{realm}:{}", cred.user, cred.password.expose()));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let nc = "00000001";
    let response = if qop_auth {
        md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
    } else {
        md5_hex(&format!("{ha1}:{nonce}:{ha2}"))
    };
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=MD5, response=\"{response}\"",
        cred.user
    );
    if qop_auth {
        header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
    }
    if let Some(opaque) = auth::param(params, "opaque") {
        header.push_str(&format!(", opaque=\"{opaque}\""));
    }
    Some(header)
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str =
        "[[device]]\naddress = \"198.18.0.11\"\nuser = \"admin\"\npassword = \"s3cret-Pa55\"\n";

    #[test]
    fn the_password_never_shows_in_debug_or_errors() {
        let creds = Credentials::parse(FILE).unwrap();
        let cred = creds.for_address("198.18.0.11".parse().unwrap()).unwrap();
        assert_eq!(cred.user, "admin");
        assert!(!format!("{creds:?}").contains("s3cret"));
        let bad = "[[device]]\naddress = \"198.18.0.11\"\nuser = \"admin\"\npassword = \"s3cret-Pa55\"\nport = \"x\"\n";
        let err = Credentials::parse(bad).unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("line"), "{err}");
        let twice = format!("{FILE}{FILE}");
        assert!(matches!(
            Credentials::parse(&twice),
            Err(CredentialsError::Duplicate(_))
        ));
    }

    /// RFC 2617 section 3.5's worked example.
    #[test]
    fn digest_response_matches_the_rfc_example() {
        let cred = Credential {
            address: "127.0.0.1".parse().unwrap(),
            user: "Mufasa".into(),
            password: Secret("Circle Of Life".into()),
        };
        let challenge = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
                         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
                         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        let header =
            digest_authorization(challenge, &cred, "GET", "/dir/index.html", "0a4f113b").unwrap();
        assert!(
            header.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{header}"
        );
        assert!(header.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
        assert!(!header.contains("Circle"));
        assert!(digest_authorization("Basic realm=\"x\"", &cred, "GET", "/", "c").is_none());
    }
}
