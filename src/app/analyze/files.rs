//! Capture files read into the analyser, hashed whole for the evidence list, their damage
//! (where a file stops being readable) kept for the report.

use super::error::{AnalyzeError, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Edge, Metered};
use crate::traffic::{Analyzer, PcapSource};

/// Where a capture file is damaged.
pub struct Damage {
    pub offset: u64,
    pub reason: String,
}

/// Feeds one capture to the analyser (until `stop` is set); returns its SHA-256 (None when a
/// signal stopped the hashing) and, if it was damaged, where.
pub fn read_capture(
    path: &Path,
    analyzer: &mut Analyzer,
    stop: &AtomicBool,
    edge: &dyn Edge,
    meter: &dyn super::ReadMeter,
) -> Result<(Option<String>, Option<Damage>)> {
    // A FIFO or device is refused unless allowed, and opened without blocking either way: a FIFO
    // nobody writes to must not hang camsweep in open() or read() past Ctrl-C.
    let input = edge.open(path, "capture", stop)?;
    let mut reader = HashingReader {
        inner: Metered::new(input, meter),
        hasher: Sha256::new(),
    };
    let damage = match PcapSource::new(&mut reader) {
        Err(_) if stop.load(Ordering::Relaxed) => None,
        Err(err) => {
            return Err(AnalyzeError::Unusable(format!(
                "{}: {}",
                path.display(),
                plain_reason(&err.to_string())
            )));
        }
        Ok(mut source) => match super::capture::pump(&mut source, analyzer, stop) {
            Ok(()) => None,
            // Stopped by a signal mid-read: not damage, the report says it was interrupted.
            Err(_) if stop.load(Ordering::Relaxed) => None,
            Err(err) => Some(Damage {
                offset: err.offset().unwrap_or(0),
                reason: plain_reason(&err.reason()),
            }),
        },
    };
    // The hash covers the whole file, also past damage and past what the parser buffered; a
    // signal stops it too (a 20 GB file or an endless stream must not delay the partial report).
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) if stop.load(Ordering::Relaxed) => return Ok((None, damage)),
            Err(err) => {
                return Err(AnalyzeError::io(format!("reading {}", path.display()))(err));
            }
        }
    }
    Ok((Some(hex::encode(reader.hasher.finalize())), damage))
}

/// A parser's reason made fit for a person: the pcap parser's internal errors quote the input
/// bytes (megabytes of `[0, 0, …]`); the byte offset is reported apart.
fn plain_reason(reason: &str) -> String {
    const LONGEST: usize = 200;
    if reason.contains("Internal parser error") || reason.contains("input [") {
        let kind = if reason.contains("Verify") {
            "a block whose length field is invalid (0, too small or not a multiple of 4)"
        } else {
            "a block the parser cannot read"
        };
        return format!("malformed capture: {kind}");
    }
    match reason.char_indices().nth(LONGEST) {
        Some((at, _)) => format!("{}…", &reason[..at]),
        None => reason.to_string(),
    }
}

/// Hashes every byte read through it.
pub struct HashingReader<R> {
    pub inner: R,
    pub hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
