//! Proving a report folder unaltered: ed25519 keys as text files, the SHA256SUMS manifest, and the
//! signature file that travels with it. Pure: the CLI reads and writes the files.
//!
//! What is signed is never the raw file alone but a short message that also binds the signed file's
//! name, the signing time, the tool version and the key fingerprint, so none of the recorded
//! metadata can be edited without breaking the signature.

mod keys;
mod manifest;
mod signature;

pub use keys::{
    PUBLIC_KEY_HEADER, SECRET_KEY_HEADER, decode_public_key, decode_secret_key, encode_public_key,
    encode_secret_key, fingerprint, signing_key_from_seed,
};
pub use manifest::{ManifestEntry, parse_manifest};
pub use signature::{
    SIGNATURE_HEADER, SignatureRecord, message_to_sign, parse_signature, render_signature, sign,
    verify,
};

/// Why a key, manifest or signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IntegrityError {
    #[error("not a camsweep {expected} file: the first line must be \"{header}\"")]
    Header {
        expected: &'static str,
        header: &'static str,
    },
    #[error("{what}: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("SHA256SUMS line {line}: {reason}")]
    Manifest { line: usize, reason: String },
    #[error("the signature was made with key {signed_by}, not with the given public key {given}")]
    WrongKey { signed_by: String, given: String },
    #[error(
        "the signature over {file} does not match: the file or the signature record was altered"
    )]
    BadSignature { file: String },
}
