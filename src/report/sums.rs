//! SHA-256 hashes of the report files, in the format `sha256sum -c` checks, so an inspector can
//! show that report.json, the rendered reports and the captures are the ones the scan wrote.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A `SHA256SUMS` file: one `<hash>  <name>` line per `(name, sha256 hex)` entry, in the given
/// order. Names holding a backslash or a line break are escaped the way GNU sha256sum does
/// (line starts with `\`), so `sha256sum -c SHA256SUMS` reads every line back.
pub fn sums_file(entries: &[(String, String)]) -> String {
    let mut out = String::new();
    for (name, hash) in entries {
        if name.contains(['\\', '\n', '\r']) {
            let escaped = name
                .replace('\\', "\\\\")
                .replace('\n', "\\n")
                .replace('\r', "\\r");
            out.push('\\');
            out.push_str(hash);
            out.push_str("  ");
            out.push_str(&escaped);
        } else {
            out.push_str(hash);
            out.push_str("  ");
            out.push_str(name);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lines_match_sha256sum() {
        let sums = sums_file(&[
            ("report.json".to_string(), sha256_hex(b"abc")),
            ("a\\b".to_string(), sha256_hex(b"")),
        ]);
        assert_eq!(
            sums,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  report.json\n\
             \\e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a\\\\b\n"
        );
    }
}
