//! The bounds on every file camsweep reads whole (reports, site declarations, keys, signature,
//! rule and port files): set once from the command line (`--max-input-size`,
//! `--allow-special-files`), read by the CLI's guard and by the library's loaders, so a file in a
//! `--signatures DIR` is bounded like any other input. docs/robustness.md lists the bounds.

use std::io::{self, Read as _};
use std::path::Path;
use std::sync::OnceLock;

/// Default for `--max-input-size`: larger than any report of a /16 (a few MB), small enough that
/// reading it can never exhaust memory.
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 64 * 1024 * 1024;

/// The bounds on input files, set once from the command line.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// Largest report.json, site.toml, signature, key, rule or credentials file read.
    pub max_input_size: u64,
    /// Whether FIFOs and devices may be read (`--allow-special-files`).
    pub allow_special_files: bool,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_input_size: DEFAULT_MAX_INPUT_SIZE,
            allow_special_files: false,
        }
    }
}

static LIMITS: OnceLock<InputLimits> = OnceLock::new();

/// Sets the bounds for the rest of the process (the first call wins).
pub fn set_limits(limits: InputLimits) {
    let _ = LIMITS.set(limits);
}

/// The bounds in force (the defaults until [`set_limits`] is called).
pub fn limits() -> InputLimits {
    LIMITS.get().copied().unwrap_or_default()
}

/// Reads a regular text file of at most `--max-input-size` bytes. A signature or port file is
/// data the user points at; it is never a FIFO or a device, so those are refused outright
/// (reading one could block for ever or never end).
///
/// # Errors
/// Not a regular file (`InvalidInput`), larger than the bound (`FileTooLarge`), not UTF-8
/// (`InvalidData`), or any I/O error.
pub fn read_text_file(path: &Path) -> io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let limit = limits().max_input_size;
    let too_large = || {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "larger than {limit} bytes, the limit for an input file (--max-input-size raises it)"
            ),
        )
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut text = String::new();
    // The file may grow between the check and the read: the read is bounded too.
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("devices.toml");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let err = read_text_file(&fifo).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_regular_file_within_the_bound_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "schema_version = 1\n").unwrap();
        assert_eq!(read_text_file(&path).unwrap(), "schema_version = 1\n");
    }
}
