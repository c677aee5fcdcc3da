//! The signature file (`SHA256SUMS.sig`, `report.json.sig`): who signed which file, when, with
//! which tool, and the ed25519 signature over all of that plus the file's SHA-256.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use super::{IntegrityError, fingerprint};
use crate::report::sha256_hex;

/// First line of a signature file.
pub const SIGNATURE_HEADER: &str = "camsweep signature v1";

/// What a signature file records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRecord {
    /// File name of what was signed (`SHA256SUMS` or `report.json`), beside the signature file.
    pub signed_file: String,
    /// Fingerprint of the signer's public key ([`fingerprint`]).
    pub key_fingerprint: String,
    /// RFC 3339 UTC time of signing.
    pub signed_at: String,
    /// `camsweep <version>` that signed.
    pub tool: String,
    /// The ed25519 signature over [`message_to_sign`].
    pub signature: [u8; 64],
}

/// The exact bytes signed: a fixed domain line, every recorded field, and the SHA-256 of the
/// signed file, so neither the content nor the metadata can change unnoticed.
pub fn message_to_sign(
    signed_file: &str,
    key_fingerprint: &str,
    signed_at: &str,
    tool: &str,
    content: &[u8],
) -> Vec<u8> {
    format!(
        "{SIGNATURE_HEADER}\nsigned-file: {signed_file}\nkey-fingerprint: {key_fingerprint}\n\
         signed-at: {signed_at}\ntool: {tool}\nsha256: {}\n",
        sha256_hex(content)
    )
    .into_bytes()
}

/// Signs `content` (the bytes of `signed_file`).
pub fn sign(
    key: &SigningKey,
    signed_file: &str,
    content: &[u8],
    signed_at: &str,
    tool: &str,
) -> SignatureRecord {
    let key_fingerprint = fingerprint(&key.verifying_key());
    let message = message_to_sign(signed_file, &key_fingerprint, signed_at, tool, content);
    SignatureRecord {
        signed_file: signed_file.to_string(),
        key_fingerprint,
        signed_at: signed_at.to_string(),
        tool: tool.to_string(),
        signature: key.sign(&message).to_bytes(),
    }
}

/// Checks that `record` was made by `key` over `content`.
pub fn verify(
    key: &VerifyingKey,
    record: &SignatureRecord,
    content: &[u8],
) -> Result<(), IntegrityError> {
    let given = fingerprint(key);
    if given != record.key_fingerprint {
        return Err(IntegrityError::WrongKey {
            signed_by: record.key_fingerprint.clone(),
            given,
        });
    }
    let message = message_to_sign(
        &record.signed_file,
        &record.key_fingerprint,
        &record.signed_at,
        &record.tool,
        content,
    );
    key.verify(&message, &Signature::from_bytes(&record.signature))
        .map_err(|_| IntegrityError::BadSignature {
            file: record.signed_file.clone(),
        })
}

/// Signature file text: the header, then `field: value` lines.
pub fn render_signature(record: &SignatureRecord) -> String {
    format!(
        "{SIGNATURE_HEADER}\nsigned-file: {}\nkey-fingerprint: {}\nsigned-at: {}\ntool: {}\n\
         signature: {}\n",
        record.signed_file,
        record.key_fingerprint,
        record.signed_at,
        record.tool,
        STANDARD.encode(record.signature)
    )
}

/// Reads a signature file.
pub fn parse_signature(text: &str) -> Result<SignatureRecord, IntegrityError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    if lines.next().map(str::trim) != Some(SIGNATURE_HEADER) {
        return Err(IntegrityError::Header {
            expected: "signature",
            header: SIGNATURE_HEADER,
        });
    }
    let malformed = |reason: String| IntegrityError::Malformed {
        what: "signature file",
        reason,
    };
    let mut fields: [Option<String>; 5] = Default::default();
    const NAMES: [&str; 5] = [
        "signed-file",
        "key-fingerprint",
        "signed-at",
        "tool",
        "signature",
    ];
    for line in lines {
        let (name, value) = line.split_once(": ").ok_or_else(|| {
            malformed(format!(
                "line \"{}\" is not `field: value`",
                line.escape_debug()
            ))
        })?;
        let slot = NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| malformed(format!("unknown field \"{}\"", name.escape_debug())))?;
        if fields[slot].replace(value.to_string()).is_some() {
            return Err(malformed(format!("field \"{name}\" appears twice")));
        }
    }
    let [signed_file, key_fingerprint, signed_at, tool, signature] = fields;
    let take = |value: Option<String>, name: &str| {
        value.ok_or_else(|| malformed(format!("field \"{name}\" is missing")))
    };
    let signature_text = take(signature, "signature")?;
    let signature: [u8; 64] = STANDARD
        .decode(signature_text.trim())
        .map_err(|err| malformed(format!("signature is not base64: {err}")))?
        .try_into()
        .map_err(|raw: Vec<u8>| {
            malformed(format!("signature is {} bytes, ed25519 uses 64", raw.len()))
        })?;
    Ok(SignatureRecord {
        signed_file: take(signed_file, "signed-file")?,
        key_fingerprint: take(key_fingerprint, "key-fingerprint")?,
        signed_at: take(signed_at, "signed-at")?,
        tool: take(tool, "tool")?,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::signing_key_from_seed;

    const SUMS: &[u8] =
        b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  report.json\n";

    fn key(byte: u8) -> SigningKey {
        signing_key_from_seed(&[byte; 32])
    }

    fn signed() -> SignatureRecord {
        sign(
            &key(7),
            "SHA256SUMS",
            SUMS,
            "2026-11-23T21:30:00Z",
            "camsweep 0.1.0",
        )
    }

    #[test]
    fn signature_file_round_trips_and_verifies() {
        let record = signed();
        let text = render_signature(&record);
        assert!(text.starts_with("camsweep signature v1\nsigned-file: SHA256SUMS\n"));
        assert!(text.contains("signed-at: 2026-11-23T21:30:00Z\n"));
        let parsed = parse_signature(&text).unwrap();
        assert_eq!(parsed, record);
        verify(&key(7).verifying_key(), &parsed, SUMS).unwrap();
    }

    #[test]
    fn one_changed_byte_breaks_it() {
        let mut altered = SUMS.to_vec();
        altered[0] = b'c';
        assert_eq!(
            verify(&key(7).verifying_key(), &signed(), &altered),
            Err(IntegrityError::BadSignature {
                file: "SHA256SUMS".into()
            })
        );
    }

    #[test]
    fn edited_metadata_breaks_it() {
        let mut record = signed();
        record.signed_at = "2020-01-01T00:00:00Z".into();
        assert!(verify(&key(7).verifying_key(), &record, SUMS).is_err());
    }

    #[test]
    fn another_key_is_named_as_such() {
        let err = verify(&key(8).verifying_key(), &signed(), SUMS).unwrap_err();
        assert!(matches!(err, IntegrityError::WrongKey { .. }));
        assert!(err.to_string().contains("not with the given public key"));
    }

    #[test]
    fn truncated_signature_files_are_refused() {
        let text = render_signature(&signed());
        let without_sig: String = text
            .lines()
            .filter(|l| !l.starts_with("signature:"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            parse_signature(&without_sig)
                .unwrap_err()
                .to_string()
                .contains("\"signature\" is missing")
        );
        assert!(parse_signature("hello\n").is_err());
    }
}
