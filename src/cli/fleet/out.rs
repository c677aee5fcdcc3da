//! The fleet output folder: checked before any work, files written under partial names and
//! renamed when complete, everything this run wrote removed again when it fails.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::report::sanitize::visible;

/// What a folder holding a report, a signature or an earlier roll-up contains.
const OCCUPIED_BY: &[&str] = &[
    "report.json",
    "SHA256SUMS",
    "SHA256SUMS.sig",
    "fleet.json",
    "tables",
];

/// The name a file has while it is being written.
pub fn partial(name: &str) -> String {
    format!("{name}.partial")
}

/// Refuses a folder that holds a report or an earlier roll-up, creates the folder and checks it is
/// writable. Returns whether this run created it.
pub fn prepare(out: &Path) -> Result<bool> {
    let shown = visible(&out.display().to_string()).into_owned();
    let existed = out.exists();
    if existed {
        if !out.is_dir() {
            bail!("--out {shown} is not a folder");
        }
        if let Some(found) = OCCUPIED_BY.iter().find(|name| out.join(name).exists()) {
            bail!(
                "--out {shown} already holds {found}: fleet never writes into a folder with a \
                 report or an earlier roll-up (evidence is not overwritten); choose a new folder"
            );
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating output folder {shown}"))?;
    let probe = out.join(".camsweep-write-test");
    File::create(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .with_context(|| format!("output folder {shown} is not writable"))?;
    Ok(!existed)
}

/// Removes what a failed run wrote: the tables, partial files, and the folder if this run made it.
pub fn discard(out: &Path, created: bool) {
    let _ = std::fs::remove_dir_all(out.join("tables"));
    for name in ["fleet.json", "fleet.csv", "fleet.html", "fleet-rows.html"] {
        let _ = std::fs::remove_file(out.join(partial(name)));
    }
    if created {
        let _ = std::fs::remove_dir(out);
    }
}

/// Flushes and syncs a finished file.
pub fn sync_done(writer: BufWriter<File>) -> Result<()> {
    let file = writer
        .into_inner()
        .map_err(|err| anyhow::anyhow!("writing: {}", err.error()))?;
    file.sync_all()?;
    Ok(())
}

/// Renames `rel`'s partial file to `rel`.
pub fn publish(out: &Path, rel: &str) -> Result<()> {
    let done = out.join(rel);
    let name = done
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial_path = done.with_file_name(partial(&name));
    std::fs::rename(&partial_path, &done).with_context(|| format!("writing {}", done.display()))
}

/// SHA-256 of a file, read in blocks.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut file = File::open(path).with_context(|| format!("hashing {}", path.display()))?;
    let mut block = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut file, &mut block)?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
