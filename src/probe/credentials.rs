//! `--credentials FILE`: the owner's own logins, for self-checks only. A device listed there that
//! refuses ONVIF `GetDeviceInformation` with an HTTP Digest challenge (SHA-256 or MD5) is asked
//! once more with its listed login. Nothing is ever guessed: no list, no default passwords, one listed login per
//! address. The password is never printed: [`Secret`] hides it from `Debug`, errors about the
//! file name the line, never its text, and reports record only that a login was used.
//!
//! ```toml
//! [[device]]
//! address = "198.18.0.11"
//! user = "admin"
//! password = "…"
//! ```

use http_auth::digest::{Algorithm, DigestClient};
use http_auth::{ChallengeParser, PasswordParams};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

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

/// The `Authorization` value answering the strongest HTTP Digest challenge among the
/// `WWW-Authenticate` values `challenges` (RFC 7616: SHA-512-256, SHA-256 or MD5, each also as
/// `-sess`; `qop=auth`) for `method uri`, and the algorithm it used. The hashing and the header's
/// syntax are the `http-auth` crate's. `qop=auth-int` is not used: http-auth 0.1 hashes the body
/// itself into A2 where RFC 7616 section 3.4.3 puts its hash, so a device offering only
/// `auth-int` gets no answer rather than a wrong one.
///
/// `None` when no Digest challenge can be answered: any other scheme (Basic would send the
/// password in clear text over plain HTTP, so it is never answered), an unknown algorithm, or a
/// challenge without realm or nonce.
pub fn digest_authorization<'c>(
    challenges: impl IntoIterator<Item = &'c str>,
    cred: &Credential,
    method: &str,
    uri: &str,
) -> Option<DigestAnswer> {
    let mut client = strongest_digest(challenges)?;
    let authorization = client.respond(&password_params(cred, method, uri)).ok()?;
    Some(DigestAnswer {
        authorization,
        algorithm: algorithm_name(client.algorithm()),
    })
}

/// An answer to a Digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestAnswer {
    /// The `Authorization` header value.
    pub authorization: String,
    /// The hash algorithm the device asked for (`SHA-256`, `MD5`, …), for the report's note.
    pub algorithm: &'static str,
}

/// The Digest challenge with the strongest hash among `challenges` (a header value may hold
/// several challenges; a device may send several headers, RFC 7616 section 3.7).
fn strongest_digest<'c>(challenges: impl IntoIterator<Item = &'c str>) -> Option<DigestClient> {
    challenges
        .into_iter()
        .flat_map(|value| ChallengeParser::new(value).map_while(Result::ok))
        .filter(|c| c.scheme.eq_ignore_ascii_case("digest"))
        .filter_map(|c| DigestClient::try_from(&c).ok())
        .max_by_key(|client| strength(client.algorithm()))
}

/// Orders the Digest algorithms from weakest to strongest.
fn strength(algorithm: Algorithm) -> u8 {
    match algorithm {
        Algorithm::Md5 => 0,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512Trunc256 => 3,
        // An algorithm a later http-auth adds: above MD5, below the known SHA-2 ones.
        _ => 1,
    }
}

fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Md5 => "MD5",
        Algorithm::Sha256 => "SHA-256",
        Algorithm::Sha512Trunc256 => "SHA-512-256",
        _ => "another algorithm",
    }
}

/// What http-auth needs for an answer; no body, so `qop=auth` (see [`digest_authorization`]).
fn password_params<'a>(cred: &'a Credential, method: &'a str, uri: &'a str) -> PasswordParams<'a> {
    PasswordParams {
        username: &cred.user,
        password: cred.password.expose(),
        uri,
        method,
        body: None,
    }
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

    fn mufasa() -> Credential {
        Credential {
            address: "127.0.0.1".parse().unwrap(),
            user: "Mufasa".into(),
            password: Secret("Circle of Life".into()),
        }
    }

    /// The answer to `challenge` with RFC 7616's client nonce, as the RFC's examples compute it.
    fn answer_with_rfc_cnonce(challenge: &str) -> String {
        let cred = mufasa();
        strongest_digest([challenge])
            .unwrap()
            .respond_with_testing_cnonce(
                &password_params(&cred, "GET", "/dir/index.html"),
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            )
            .unwrap()
    }

    const RFC7616_SHA256: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
        algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
        opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    const RFC7616_MD5: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
        algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
        opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

    /// RFC 7616 section 3.9.1's worked example, SHA-256 and MD5 (the responses are the RFC's).
    #[test]
    fn digest_responses_match_the_rfc_7616_examples() {
        let sha256 = answer_with_rfc_cnonce(RFC7616_SHA256);
        assert!(sha256.contains("algorithm=SHA-256"), "{sha256}");
        assert!(
            sha256.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{sha256}"
        );
        assert!(sha256.contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
        let md5 = answer_with_rfc_cnonce(RFC7616_MD5);
        assert!(
            md5.contains("response=\"8ca523f5e9506fed4657c9700eebdbec\""),
            "{md5}"
        );
        for header in [&sha256, &md5] {
            assert!(!header.contains("Circle"), "{header}");
        }
    }

    /// A device offering both (RFC 7616 section 3.7 lists the preferred first, but order is not
    /// trusted) gets the SHA-256 answer; one header may carry both challenges.
    #[test]
    fn the_strongest_offered_algorithm_is_answered() {
        let cred = mufasa();
        let answer =
            digest_authorization([RFC7616_MD5, RFC7616_SHA256], &cred, "GET", "/").unwrap();
        assert_eq!(answer.algorithm, "SHA-256");
        assert!(answer.authorization.contains("algorithm=SHA-256"));
        let both = format!("{RFC7616_MD5}, {RFC7616_SHA256}");
        let answer = digest_authorization([both.as_str()], &cred, "GET", "/").unwrap();
        assert_eq!(answer.algorithm, "SHA-256");
    }

    /// RFC 2617 section 3.5's worked example (MD5, no algorithm named), still answered.
    #[test]
    fn digest_response_matches_the_rfc_2617_example() {
        let challenge = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
                         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
                         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        let cred = Credential {
            password: Secret("Circle Of Life".into()),
            ..mufasa()
        };
        let header = strongest_digest([challenge])
            .unwrap()
            .respond_with_testing_cnonce(
                &password_params(&cred, "GET", "/dir/index.html"),
                "0a4f113b",
            )
            .unwrap();
        assert!(
            header.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{header}"
        );
    }

    /// Basic, unknown schemes and algorithms, and malformed challenges get no answer.
    #[test]
    fn nothing_but_digest_is_answered() {
        let cred = mufasa();
        for challenge in [
            "Basic realm=\"x\"",
            "Negotiate",
            "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-1",
            "Digest nonce=\"n\"",
            "Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"",
            "Digest ===,,\"",
            "",
        ] {
            assert!(
                digest_authorization([challenge], &cred, "GET", "/").is_none(),
                "{challenge}"
            );
        }
    }
}
