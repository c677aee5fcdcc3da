//! Pure: favicon hashes as public fingerprint sets quote them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

/// Lower-case hex MD5, as rapid7/recog's `favicons.xml` lists icons.
pub fn favicon_md5(icon: &[u8]) -> String {
    hex::encode(Md5::digest(icon))
}

/// Shodan's `http.favicon.hash`: MurmurHash3 (x86, 32-bit, seed 0) of the icon's base64 text as
/// Python's `base64.encodebytes` writes it (a newline after every 76 characters and at the end),
/// read as a signed 32-bit integer.
pub fn favicon_mmh3(icon: &[u8]) -> i32 {
    mmh3_signed(shodan_base64(icon).as_bytes())
}

fn shodan_base64(icon: &[u8]) -> String {
    let b64 = STANDARD.encode(icon);
    let mut out = String::with_capacity(b64.len() + b64.len() / 76 + 1);
    for chunk in b64.as_bytes().chunks(76) {
        // base64 output is ASCII, so every 76-byte chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

fn mmh3_signed(data: &[u8]) -> i32 {
    // Reading from an in-memory slice cannot fail; 0 is never reached in practice.
    let unsigned = murmur3::murmur3_32(&mut std::io::Cursor::new(data), 0).unwrap_or(0);
    i32::from_ne_bytes(unsigned.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mmh3 Python package's README: `mmh3.hash("foo")` is -156908512 (signed, seed 0).
    #[test]
    fn mmh3_matches_python_mmh3() {
        assert_eq!(mmh3_signed(b"foo"), -156_908_512);
        assert_eq!(mmh3_signed(b""), 0);
    }

    /// Python's `base64.encodebytes`: 76-character lines, each ended by a newline.
    #[test]
    fn base64_lines_like_python() {
        assert_eq!(shodan_base64(b"foo"), "Zm9v\n");
        let long = shodan_base64(&[0u8; 60]); // 80 base64 chars: one full line, one of 4
        let lines: Vec<&str> = long.split_terminator('\n').collect();
        assert_eq!(
            lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
            vec![76, 4]
        );
        assert!(long.ends_with('\n'));
        assert_eq!(shodan_base64(b""), "");
    }

    /// RFC 1321 test suite value for MD5("abc").
    #[test]
    fn md5_hex() {
        assert_eq!(favicon_md5(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }
}
