//! What camsweep reads and where it writes, checked before any work starts: input files are
//! regular files of bounded size (a FIFO, a device or `/dev/zero` is refused, or read within
//! bounds when allowed), and an output folder never already holds a report that would be
//! overwritten. docs/robustness.md lists every bound and what happens when it is hit.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::output::{default_out_dir, terminal};

use crate::input::limits;
pub use crate::input::{InputLimits, set_limits};

/// What kind of file system object a path is, for a message.
fn kind_of(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a folder")
    } else if kind.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Opens an input without ever blocking in open() (a FIFO nobody writes to), after checking that
/// it is a regular file or that special files are allowed. The file stays non-blocking when it
/// is special; see [`StoppableReader`].
pub fn open_input(path: &Path, what: &str) -> Result<File> {
    let shown = terminal(&path.display().to_string()).into_owned();
    let meta = std::fs::metadata(path).with_context(|| format!("reading {what} {shown}"))?;
    if let Some(kind) = kind_of(&meta) {
        if meta.is_dir() {
            bail!("{what} {shown} is a folder, not a file");
        }
        if !limits().allow_special_files {
            bail!(
                "{what} {shown} is {kind}, not a regular file; refused because reading it could block or never end (--allow-special-files reads it anyway, within --max-input-size)"
            );
        }
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("opening {what} {shown}"))?;
    if meta.is_file() {
        // A regular file never blocks; make it an ordinary blocking file again.
        let fd = std::os::fd::AsFd::as_fd(&file);
        let flags = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL)
            .map(nix::fcntl::OFlag::from_bits_truncate)
            .context("reading the file flags")?;
        nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFL(flags - nix::fcntl::OFlag::O_NONBLOCK),
        )
        .context("clearing O_NONBLOCK")?;
    }
    Ok(file)
}

/// Reads a text input (report.json, site.toml, a key, a signature, a rule file) whole, refusing
/// special files (unless allowed) and anything larger than `--max-input-size`.
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = read_bytes(path, what)?;
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "{what} {} is not UTF-8 text",
            terminal(&path.display().to_string())
        )
    })
}

/// [`read_text`] without the UTF-8 check.
pub fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>> {
    let limit = limits().max_input_size;
    let file = open_input(path, what)?;
    let never = AtomicBool::new(false);
    let mut reader = StoppableReader::new(file, &never).with_deadline(TEXT_READ_DEADLINE);
    let mut bytes = Vec::new();
    (&mut reader)
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {what} {}", terminal(&path.display().to_string())))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{what} {} is larger than {} bytes, the limit for an input file (--max-input-size raises it)",
            terminal(&path.display().to_string()),
            limit
        );
    }
    Ok(bytes)
}

/// How long reading a special text input may wait for data before giving up.
const TEXT_READ_DEADLINE: Duration = Duration::from_secs(10);

/// How often a reader waiting on a non-blocking input looks at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Reads a possibly non-blocking file: waits for data in short polls, and ends with an
/// `Interrupted`-free error as soon as `stop` is set (so Ctrl-C is never stuck in a read).
pub struct StoppableReader<'s> {
    file: File,
    stop: &'s AtomicBool,
    deadline: Option<Duration>,
    /// A FIFO that has given no byte yet: its end-of-file only means no writer has opened it yet.
    awaiting_writer: bool,
}

/// The error a [`StoppableReader`] returns once its stop flag is set.
pub const STOPPED: &str = "reading stopped by a signal";

impl<'s> StoppableReader<'s> {
    pub fn new(file: File, stop: &'s AtomicBool) -> Self {
        let awaiting_writer = file.metadata().is_ok_and(|m| m.file_type().is_fifo());
        Self {
            file,
            stop,
            deadline: None,
            awaiting_writer,
        }
    }

    /// Gives up when no data came for this long.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
}

impl Read for StoppableReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let started = std::time::Instant::now();
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Err(std::io::Error::other(STOPPED));
            }
            let waiting = match self.file.read(buf) {
                Ok(0) if self.awaiting_writer && !buf.is_empty() => true,
                Ok(n) => {
                    self.awaiting_writer = false;
                    return Ok(n);
                }
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => true,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => false,
                Err(err) => return Err(err),
            };
            if waiting {
                if self.deadline.is_some_and(|d| started.elapsed() >= d) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no data arrived (a FIFO or device nobody writes to)",
                    ));
                }
                // A short sleep rather than poll(2): the stop flag is looked at every interval
                // either way, and a waiting input is no hot path.
                std::thread::sleep(POLL_INTERVAL);
            }
        }
    }
}

/// Whether a folder holds a camsweep report (or its signature).
fn holds_report(dir: &Path) -> Option<Holding> {
    let has = |name: &str| dir.join(name).exists();
    let signed = has("SHA256SUMS.sig") || has("report.json.sig");
    if signed {
        Some(Holding::Signed)
    } else if has("report.json") || has("SHA256SUMS") || has("fleet.json") {
        Some(Holding::Unsigned)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holding {
    Signed,
    Unsigned,
}

/// Decides and prepares the output folder before any work starts: `requested` (the `--out`) or
/// a fresh `reports/<time><suffix>/`. The folder is created and proven writable now, so a scan
/// never runs only to fail at the end. A folder holding a report is refused; `force` replaces
/// an unsigned one, never a signed one.
pub fn prepare_out_dir(
    requested: Option<&Path>,
    default_suffix: &str,
    force: bool,
) -> Result<PathBuf> {
    let dir = match requested {
        Some(dir) => dir.to_path_buf(),
        None => fresh(&default_out_dir(default_suffix)),
    };
    check_out_dir(&dir, force)?;
    Ok(dir)
}

/// Output folders this run created, deepest last: a command that fails before writing into
/// them removes them again, so a mistyped input leaves no empty `reports/<time>/` behind.
static CREATED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// `dir` and those of its ancestors that do not exist yet, outermost first.
fn missing_ancestors(dir: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| std::fs::symlink_metadata(a).is_err())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    missing
}

/// Removes the output folders this run created that are still empty (a failed command's), the
/// deepest first. A folder with anything in it is kept: evidence is never removed.
pub fn remove_unused_out_dirs() {
    let created = std::mem::take(
        &mut *CREATED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    remove_empty(&created);
}

/// Removes `folders` (outermost first) from the deepest up, stopping at the first that is not
/// empty: remove_dir fails on a folder with anything in it, which is what keeps written files.
fn remove_empty(folders: &[PathBuf]) {
    for dir in folders.iter().rev() {
        if std::fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// A path beside `base` that does not exist yet (`base`, then `base-2`, `base-3` …).
pub fn fresh(base: &Path) -> PathBuf {
    if !base.exists() {
        return base.to_path_buf();
    }
    for n in 2u32.. {
        let mut name = base.as_os_str().to_owned();
        name.push(format!("-{n}"));
        let candidate = PathBuf::from(name);
        if !candidate.exists() {
            return candidate;
        }
    }
    base.to_path_buf()
}

/// Refuses a folder that is a file or holds a report, then creates it and proves it writable.
pub fn check_out_dir(dir: &Path, force: bool) -> Result<()> {
    let shown = terminal(&dir.display().to_string()).into_owned();
    if let Ok(meta) = std::fs::metadata(dir) {
        if !meta.is_dir() {
            bail!("output folder {shown} exists and is not a folder; choose another --out");
        }
        match holds_report(dir) {
            Some(Holding::Signed) => bail!(
                "output folder {shown} holds a signed report; camsweep never writes into it (even with --force): choose another --out"
            ),
            Some(Holding::Unsigned) if !force => bail!(
                "output folder {shown} already holds a report; camsweep does not overwrite it: choose another --out (or --force to replace that unsigned report)"
            ),
            _ => {}
        }
    }
    let new_folders = missing_ancestors(dir);
    std::fs::create_dir_all(dir).with_context(|| format!("creating output folder {shown}"))?;
    CREATED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .extend(new_folders);
    let probe = dir.join(".camsweep-write-check");
    std::fs::write(&probe, b"")
        .with_context(|| format!("output folder {shown} is not writable; choose another --out"))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_a_failed_command_created_are_removed_unless_written_to() {
        let root = tempfile::tempdir().unwrap();
        // The global list is shared with the other tests of this binary: these check the
        // parts on lists of their own.
        let empty = root.path().join("reports/20261205T000000Z");
        let created_empty = missing_ancestors(&empty);
        assert_eq!(created_empty.len(), 2, "{created_empty:?}");
        check_out_dir(&empty, false).unwrap();
        let kept = root.path().join("kept/run");
        let created_kept = missing_ancestors(&kept);
        check_out_dir(&kept, false).unwrap();
        std::fs::write(kept.join("report.json"), b"{}").unwrap();
        remove_empty(&created_empty);
        remove_empty(&created_kept);
        assert!(!root.path().join("reports").exists(), "empty folders stay");
        assert!(
            kept.join("report.json").exists(),
            "a written file was removed"
        );
    }

    #[test]
    fn a_folder_with_a_report_is_refused_and_force_spares_a_signed_one() {
        let dir = std::env::temp_dir().join(format!("camsweep-guard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        check_out_dir(&dir, false).unwrap();
        std::fs::write(dir.join("report.json"), "{}").unwrap();
        assert!(check_out_dir(&dir, false).is_err());
        check_out_dir(&dir, true).unwrap();
        std::fs::write(dir.join("SHA256SUMS.sig"), "x").unwrap();
        let err = check_out_dir(&dir, true).unwrap_err().to_string();
        assert!(err.contains("signed"), "{err}");
        let file = dir.join("report.json");
        assert!(check_out_dir(&file, false).is_err());
        assert_ne!(fresh(&dir), dir);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
