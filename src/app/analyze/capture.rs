//! The capture loop, one for every source of frames (a capture file, a live interface, the
//! frames an interception or the inline bridge forwarded), and what a live capture adds to the
//! report: its note, its kernel drops, its `--write-pcap` file.

use super::error::{AnalyzeError, Result};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::capture::{LiveSource, LiveStats, PcapFileOutcome};
use crate::model::{DamagedCapture, EvidenceFile, Note};
use crate::traffic::{Analyzer, CaptureError, FrameSource};

/// Hands every frame of `source` to the analyser until the source ends or fails, or `stop` is
/// set (for a source that does not watch a stop flag itself, `&AtomicBool::new(false)` for one
/// that does).
///
/// # Errors
/// The source's error; the frames before it were analysed.
pub fn pump<S: FrameSource + ?Sized>(
    source: &mut S,
    analyzer: &mut Analyzer,
    stop: &AtomicBool,
) -> Result<(), CaptureError> {
    while !stop.load(Ordering::Relaxed) {
        match source.next_frame()? {
            Some(frame) => analyzer.push(&frame),
            None => break,
        }
    }
    Ok(())
}

/// Opens a live capture on `interface` for `listen`, ending early when `stop` is set.
///
/// # Errors
/// The interface is missing or down, or the socket cannot be opened (a missing capability):
/// said before any capturing starts.
pub fn open_live(
    interface: &str,
    listen: Duration,
    write_pcap: Option<&Path>,
    stop: Arc<AtomicBool>,
) -> Result<LiveSource> {
    check_interface(interface)?;
    Ok(LiveSource::open(interface, listen, write_pcap)?.stop_on(stop))
}

/// Runs an opened live capture into the analyser to its end; the capture's counters and the
/// `--write-pcap` file written, if one was asked for.
///
/// # Errors
/// The capture failed mid-way, or the file written cannot be put in place.
pub fn capture_live(
    mut source: LiveSource,
    analyzer: &mut Analyzer,
) -> Result<(LiveStats, Option<PcapFileOutcome>)> {
    // The live source watches the stop flag itself.
    pump(&mut source, analyzer, &AtomicBool::new(false)).map_err(live_error)?;
    let stats = source.stats();
    let written = source.finish()?;
    Ok((stats, written))
}

/// The report's note on a live capture: frames, the kernel's drops, and why it ended early.
pub fn live_note(interface: &str, stats: &LiveStats) -> Note {
    let key = match (stats.truncated > 0, stats.error.is_some()) {
        (false, false) => "live_capture",
        (true, false) => "live_capture_truncated",
        (false, true) => "live_capture_error",
        (true, true) => "live_capture_truncated_error",
    };
    let note = Note::new(key)
        .arg("interface", interface)
        .arg("frames", stats.frames)
        .arg("drops", stats.kernel_drops)
        .arg("truncated", stats.truncated);
    match &stats.error {
        Some(error) => note.arg("error", error),
        None => note,
    }
}

/// The evidence-file entry of a `--write-pcap` capture, and its damage if writing it failed
/// part-way (disk full): the file keeps the frames before the failure.
pub fn keep_written_capture(
    written: &PcapFileOutcome,
) -> Result<(EvidenceFile, Option<DamagedCapture>)> {
    let path = &written.path;
    let bytes =
        std::fs::read(path).map_err(AnalyzeError::io(format!("reading {}", path.display())))?;
    let damage = written.error.as_ref().map(|error| DamagedCapture {
        path: path.display().to_string(),
        offset: bytes.len() as u64,
        reason: format!(
            "writing the capture failed ({error}); the file keeps the {} frames before",
            written.frames
        ),
    });
    Ok((
        EvidenceFile {
            path: path.display().to_string(),
            sha256: hex::encode(Sha256::digest(&bytes)),
        },
        damage,
    ))
}

/// Refuses an interface that does not exist or is down, in words (the capture library would say
/// "Unexpected poll event" once it is already running).
fn check_interface(interface: &str) -> Result<()> {
    use nix::net::if_::InterfaceFlags;
    let shown = crate::report::sanitize::terminal(interface).into_owned();
    let addrs = nix::ifaddrs::getifaddrs().map_err(AnalyzeError::Interfaces)?;
    let mut up = None;
    for addr in addrs.filter(|a| a.interface_name == interface) {
        up = Some(up.unwrap_or(false) || addr.flags.contains(InterfaceFlags::IFF_UP));
    }
    match up {
        None => Err(AnalyzeError::Unusable(format!(
            "there is no network interface named {shown}"
        ))),
        Some(false) => Err(AnalyzeError::Unusable(format!(
            "interface {shown} is down (no link): bring it up (`ip link set {shown} up`) or choose another --interface"
        ))),
        Some(true) => Ok(()),
    }
}

/// A live capture that failed mid-way, said in words.
fn live_error(err: CaptureError) -> AnalyzeError {
    let text = err.to_string();
    if text.contains("Unexpected poll event") {
        AnalyzeError::Unusable(format!(
            "{}: the interface went down or disappeared during the capture",
            crate::report::sanitize::terminal(&text)
        ))
    } else {
        AnalyzeError::Capture(err)
    }
}
