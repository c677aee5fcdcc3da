//! `keygen`, `sign` and `verify`: the file side of report signing (the formats live in
//! crate::integrity).

use anyhow::{Context, Result, bail};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::{KeygenArgs, SignArgs, VerifyArgs};
use super::{EXIT_CLEAN, guard};
use crate::integrity::{self, IntegrityError};

const MANIFEST: &str = "SHA256SUMS";

pub fn keygen(args: &KeygenArgs) -> Result<u8> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|err| anyhow::anyhow!("drawing a random key from the operating system: {err}"))?;
    let key = integrity::signing_key_from_seed(&seed);
    let secret_path = with_suffix(&args.out, ".key");
    let public_path = with_suffix(&args.out, ".pub");
    write_new(
        &secret_path,
        integrity::encode_secret_key(&key).as_bytes(),
        0o600,
    )?;
    write_new(
        &public_path,
        integrity::encode_public_key(&key.verifying_key()).as_bytes(),
        0o644,
    )?;
    say(&format!(
        "wrote {} (secret, keep it private) and {} (share with whoever verifies)\nfingerprint {}",
        secret_path.display(),
        public_path.display(),
        integrity::fingerprint(&key.verifying_key())
    ))?;
    Ok(EXIT_CLEAN)
}

pub fn sign(args: &SignArgs) -> Result<u8> {
    let signed = signed_file(&args.target)?;
    let sig_path = sig_path(&signed.path);
    // A signature is evidence too: signing again (perhaps with another key) never silently
    // replaces the first one.
    if sig_path.exists() && !args.replace {
        bail!(
            "{} is already signed ({} exists); camsweep does not replace a signature unless told (--replace)",
            guard_path(&signed.path),
            guard_path(&sig_path)
        );
    }
    let key_text = guard::read_text(&args.key, "the secret key")?;
    let key = integrity::decode_secret_key(&key_text)
        .with_context(|| format!("{} is not a camsweep secret key", args.key.display()))?;
    let content = guard::read_bytes(&signed.path, "the signed file")?;
    if signed.is_manifest {
        // Refuse to sign a manifest that already disagrees with the folder: the signature would
        // vouch for files that are not there.
        check_manifest(&signed, &content)?;
    }
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let signed_at = now
        .format(&Rfc3339)
        .context("formatting the signing time")?;
    let record = integrity::sign(&key, &signed.name, &content, &signed_at, &tool());
    let sig_dir = sig_path.parent().filter(|p| !p.as_os_str().is_empty());
    let sig_name = sig_path
        .file_name()
        .and_then(|n| n.to_str())
        .context("the signature file needs a name")?;
    super::output::write_atomic(
        sig_dir.unwrap_or(Path::new(".")),
        sig_name,
        integrity::render_signature(&record).as_bytes(),
    )?;
    say(&format!(
        "signed {} with key {}\nwrote {}",
        signed.path.display(),
        record.key_fingerprint,
        sig_path.display()
    ))?;
    Ok(EXIT_CLEAN)
}

pub fn verify(args: &VerifyArgs) -> Result<u8> {
    let signed = signed_file(&args.target)?;
    let pub_text = guard::read_text(&args.pubkey, "the public key")?;
    let key = integrity::decode_public_key(&pub_text)
        .with_context(|| format!("{} is not a camsweep public key", args.pubkey.display()))?;
    let sig_path = sig_path(&signed.path);
    let sig_text = guard::read_text(&sig_path, "the signature")?;
    let record = integrity::parse_signature(&sig_text)
        .with_context(|| format!("{} is not a camsweep signature", sig_path.display()))?;
    if record.signed_file != signed.name {
        bail!(
            "NOT VERIFIED: {} signs \"{}\", not {}",
            sig_path.display(),
            record.signed_file.escape_debug(),
            signed.name
        );
    }
    let content = guard::read_bytes(&signed.path, "the signed file")?;
    integrity::verify(&key, &record, &content).map_err(|err| match err {
        IntegrityError::BadSignature { .. } => anyhow::anyhow!(
            "NOT VERIFIED: {} changed after it was signed, or {} was edited ({err})",
            signed.path.display(),
            sig_path.display()
        ),
        other => anyhow::anyhow!("NOT VERIFIED: {other}"),
    })?;
    let files = if signed.is_manifest {
        check_manifest(&signed, &content)?
    } else {
        1
    };
    say(&format!(
        "verified: {} intact ({files} file(s) checked)\nsigned by {} at {} with {}",
        args.target.display(),
        record.key_fingerprint,
        record.signed_at.escape_debug(),
        record.tool.escape_debug()
    ))?;
    Ok(EXIT_CLEAN)
}

/// Prints `text` on stdout with control characters escaped. An error (a reader that closed the
/// pipe) is returned, not a panic as `println!` would: the CLI ends quietly on a broken pipe.
fn say(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", super::output::terminal(text))?;
    Ok(())
}

/// The file a signature covers.
struct SignedFile {
    path: PathBuf,
    /// Its file name, as the signature records it.
    name: String,
    /// True for a SHA256SUMS manifest, whose listed files are re-hashed as well.
    is_manifest: bool,
}

fn signed_file(target: &Path) -> Result<SignedFile> {
    let path = if target.is_dir() {
        target.join(MANIFEST)
    } else {
        target.to_path_buf()
    };
    if !path.is_file() {
        bail!(
            "{} not found (sign a report folder holding SHA256SUMS, or a report.json)",
            path.display()
        );
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} has no usable file name", path.display()))?
        .to_string();
    let is_manifest = name == MANIFEST;
    Ok(SignedFile {
        path,
        name,
        is_manifest,
    })
}

/// Re-hashes every file the manifest lists; the error names each one that changed or is missing.
fn check_manifest(signed: &SignedFile, manifest: &[u8]) -> Result<usize> {
    let text = std::str::from_utf8(manifest)
        .with_context(|| format!("{} is not UTF-8 text", signed.path.display()))?;
    let entries = integrity::parse_manifest(text)
        .with_context(|| format!("reading {}", signed.path.display()))?;
    let dir = signed.path.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    for entry in &entries {
        let path = dir.join(&entry.name);
        match hash_file(&path) {
            Ok(actual) => {
                if actual != entry.sha256 {
                    problems.push(format!(
                        "{} has changed since it was signed (SHA-256 {} listed, {} now)",
                        entry.name.escape_debug(),
                        entry.sha256,
                        actual
                    ));
                }
            }
            Err(err) => problems.push(format!(
                "{} is listed but cannot be read: {err}",
                entry.name.escape_debug()
            )),
        }
    }
    problems.extend(unlisted_files(dir, &entries)?);
    if !problems.is_empty() {
        bail!("NOT VERIFIED: {}", problems.join("; "));
    }
    Ok(entries.len())
}

/// Files in the signed folder that SHA256SUMS does not list (a photo or a second report added
/// after signing): each is a problem, since the signature says nothing about it.
fn unlisted_files(dir: &Path, entries: &[integrity::ManifestEntry]) -> Result<Vec<String>> {
    let listed: std::collections::HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let mut extra = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let own = name == MANIFEST || name == format!("{MANIFEST}.sig");
        if !own && !listed.contains(name.as_str()) {
            extra.push(name);
        }
    }
    extra.sort();
    Ok(extra
        .into_iter()
        .map(|name| {
            format!(
                "{} is in the folder but not listed in {MANIFEST} (added after signing?)",
                name.escape_debug()
            )
        })
        .collect())
}

/// SHA-256 of a file, read in pieces (a listed capture may be larger than memory).
fn hash_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn guard_path(path: &Path) -> String {
    super::output::terminal(&path.display().to_string()).into_owned()
}

fn tool() -> String {
    format!("camsweep {}", env!("CARGO_PKG_VERSION"))
}

fn sig_path(signed: &Path) -> PathBuf {
    with_suffix(signed, ".sig")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| {
            format!(
                "creating {} (an existing key is never overwritten)",
                path.display()
            )
        })?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}
