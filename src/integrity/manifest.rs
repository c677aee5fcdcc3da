//! Reading a SHA256SUMS file the way `sha256sum -c` does, refusing names that would leave the
//! report folder.

use super::IntegrityError;

/// One line of SHA256SUMS: a file in the report folder and its expected hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Relative path inside the report folder, `/`-separated.
    pub name: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Parses SHA256SUMS text (`<hash>  <name>`, or `<hash> *<name>`; a leading `\` marks an escaped
/// name). Absolute names and `..` components are refused: a manifest only ever speaks of files
/// inside its own folder.
pub fn parse_manifest(text: &str) -> Result<Vec<ManifestEntry>, IntegrityError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let err = |reason: &str| IntegrityError::Manifest {
            line: line_no,
            reason: reason.to_string(),
        };
        if raw.trim().is_empty() {
            continue;
        }
        let (escaped, line) = match raw.strip_prefix('\\') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let (hash, rest) = line
            .split_at_checked(64)
            .ok_or_else(|| err("shorter than a SHA-256 hash"))?;
        if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err("the hash is not 64 hex digits"));
        }
        let name = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or_else(|| err("expected two spaces between hash and file name"))?;
        let name = if escaped {
            unescape(name).ok_or_else(|| err("bad escape in the file name"))?
        } else {
            name.to_string()
        };
        if name.is_empty() {
            return Err(err("empty file name"));
        }
        if name.starts_with('/')
            || name.contains('\0')
            || name.split(['/', '\\']).any(|part| part == "..")
            || name.get(1..2) == Some(":")
        {
            return Err(err(&format!(
                "\"{}\" is outside the report folder",
                name.escape_debug()
            )));
        }
        entries.push(ManifestEntry {
            name,
            sha256: hash.to_ascii_lowercase(),
        });
    }
    if entries.is_empty() {
        return Err(IntegrityError::Manifest {
            line: 0,
            reason: "no files listed".into(),
        });
    }
    Ok(entries)
}

fn unescape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{sha256_hex, sums_file};

    #[test]
    fn reads_back_what_the_cli_writes() {
        let sums = sums_file(&[
            ("report.json".to_string(), sha256_hex(b"abc")),
            ("a\\b".to_string(), sha256_hex(b"")),
        ]);
        let entries = parse_manifest(&sums).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].name, "report.json");
        assert_eq!(
            entries[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(entries[1].name, "a\\b");
    }

    #[test]
    fn binary_mode_marker_is_accepted() {
        let line = format!("{} *capture.pcapng\n", sha256_hex(b""));
        assert_eq!(parse_manifest(&line).unwrap()[0].name, "capture.pcapng");
    }

    #[test]
    fn names_outside_the_folder_are_refused() {
        for name in ["/etc/passwd", "../secret", "captures/../../x", "C:\\x"] {
            let line = format!("{}  {name}\n", sha256_hex(b""));
            let err = parse_manifest(&line).unwrap_err().to_string();
            assert!(err.contains("outside the report folder"), "{name}: {err}");
        }
    }

    #[test]
    fn malformed_lines_name_their_line_number() {
        let text = format!("{}  ok\nnot a hash line\n", sha256_hex(b""));
        assert_eq!(
            parse_manifest(&text).unwrap_err().to_string(),
            "SHA256SUMS line 2: shorter than a SHA-256 hash"
        );
        assert!(parse_manifest("").is_err());
    }
}
