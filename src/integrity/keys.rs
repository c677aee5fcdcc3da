//! ed25519 key files: a header line naming what the file is, then the 32 key bytes in hex.

use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::IntegrityError;

/// First line of a secret key file.
pub const SECRET_KEY_HEADER: &str = "camsweep ed25519 secret key";
/// First line of a public key file.
pub const PUBLIC_KEY_HEADER: &str = "camsweep ed25519 public key";

/// The signing key for a 32-byte seed (the CLI draws the seed from the operating system).
pub fn signing_key_from_seed(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

/// Secret key file text.
pub fn encode_secret_key(key: &SigningKey) -> String {
    format!("{SECRET_KEY_HEADER}\n{}\n", hex::encode(key.to_bytes()))
}

/// Public key file text.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    format!("{PUBLIC_KEY_HEADER}\n{}\n", hex::encode(key.to_bytes()))
}

/// Reads a secret key file.
pub fn decode_secret_key(text: &str) -> Result<SigningKey, IntegrityError> {
    let bytes = key_bytes(text, "secret key", SECRET_KEY_HEADER)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Reads a public key file.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, IntegrityError> {
    let bytes = key_bytes(text, "public key", PUBLIC_KEY_HEADER)?;
    VerifyingKey::from_bytes(&bytes).map_err(|err| IntegrityError::Malformed {
        what: "public key",
        reason: err.to_string(),
    })
}

/// `sha256:` and the hex SHA-256 of the public key bytes: short enough to read over the phone,
/// and what the signature file records as the signer.
pub fn fingerprint(key: &VerifyingKey) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(key.to_bytes())))
}

fn key_bytes(
    text: &str,
    expected: &'static str,
    header: &'static str,
) -> Result<[u8; 32], IntegrityError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some(header) {
        return Err(IntegrityError::Header { expected, header });
    }
    let body = lines.next().ok_or(IntegrityError::Malformed {
        what: expected,
        reason: "the key line is missing".into(),
    })?;
    if lines.next().is_some() {
        return Err(IntegrityError::Malformed {
            what: expected,
            reason: "unexpected text after the key line".into(),
        });
    }
    let raw = hex::decode(body).map_err(|err| IntegrityError::Malformed {
        what: expected,
        reason: format!("the key line is not hex: {err}"),
    })?;
    raw.try_into()
        .map_err(|raw: Vec<u8>| IntegrityError::Malformed {
            what: expected,
            reason: format!("the key is {} bytes, an ed25519 key is 32", raw.len()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 §7.1, TEST 1.
    const RFC_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    #[test]
    fn key_files_round_trip_and_derive_the_rfc_public_key() {
        let seed: [u8; 32] = hex::decode(RFC_SECRET).unwrap().try_into().unwrap();
        let key = signing_key_from_seed(&seed);
        let secret_text = encode_secret_key(&key);
        assert_eq!(
            secret_text,
            format!("camsweep ed25519 secret key\n{RFC_SECRET}\n")
        );
        let public_text = encode_public_key(&key.verifying_key());
        assert_eq!(
            public_text,
            format!("camsweep ed25519 public key\n{RFC_PUBLIC}\n")
        );
        assert_eq!(decode_secret_key(&secret_text).unwrap().to_bytes(), seed);
        assert_eq!(
            decode_public_key(&public_text).unwrap(),
            key.verifying_key()
        );
    }

    #[test]
    fn a_public_key_is_not_accepted_as_a_secret_key() {
        let text = format!("{PUBLIC_KEY_HEADER}\n{RFC_PUBLIC}\n");
        assert!(matches!(
            decode_secret_key(&text),
            Err(IntegrityError::Header { .. })
        ));
    }

    #[test]
    fn short_or_non_hex_keys_are_refused() {
        let short = format!("{PUBLIC_KEY_HEADER}\nd75a98\n");
        assert!(
            decode_public_key(&short)
                .unwrap_err()
                .to_string()
                .contains("3 bytes")
        );
        let junk = format!("{PUBLIC_KEY_HEADER}\nzz{}\n", &RFC_PUBLIC[2..]);
        assert!(decode_public_key(&junk).is_err());
    }
}
