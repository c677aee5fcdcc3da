//! The traffic half of the pipeline: frames (capture files, a live interface, the frames an
//! interception or the bridge forwarded) or Zeek logs → the traffic analyser → devices with
//! their cloud contacts, and the `analyze` report. `analyze FILE…` runs [`run`]; an audit that
//! listens starts a [`Listening`] before its scan and finishes it after.
//!
//! What only the command line can do — open an input under its guards (special files, the stop
//! flag), show progress — it lends through [`Edge`].

mod capture;
mod error;
mod files;
mod listening;
mod zeek;

use std::collections::HashSet;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{Interrupt, now_rfc3339, report};
use crate::bundle::SignatureBundle;
use crate::model::{DamagedCapture, Device, EvidenceFile, FaceRecognition, Note, Report, ScanMode};
use crate::traffic::{Analyzer, DeviceTraffic, FlowLimits, UploadPolicy};

pub use error::{AnalyzeError, Result};
pub use listening::{
    Listening, finish_listening, start_bridging, start_intercepting, start_listening_excluding,
};

/// The per-connection record written beside the report.
pub const CONNECTIONS_CSV: &str = "connections.csv";

/// What the command line lends an analysis.
pub trait Edge {
    /// Opens an input read as a stream (a capture, a Zeek log) under the command line's guards
    /// (special files refused unless allowed); a read fails once `stop` is set.
    ///
    /// # Errors
    /// The input is refused or cannot be opened, said with `what` it is.
    fn open<'s>(
        &self,
        path: &Path,
        what: &str,
        stop: &'s AtomicBool,
    ) -> Result<Box<dyn Read + Send + 's>>;
    /// Shows that `paths` are being read whole (`label`, in English); the meter returned is
    /// told every byte read, and the display ends when it is dropped.
    fn reading(&self, label: &str, paths: &[&Path]) -> Box<dyn ReadMeter>;
    /// Shows a live capture on `interface` lasting `length`, until the value returned is dropped.
    fn capturing(&self, interface: &str, length: Duration) -> Box<dyn Send>;
}

/// Counts the bytes read (a progress bar).
pub trait ReadMeter: Sync {
    fn add(&self, bytes: u64);
}

/// A reader telling a meter every byte read through it.
struct Metered<'m, R> {
    inner: R,
    meter: &'m dyn ReadMeter,
}

impl<'m, R> Metered<'m, R> {
    fn new(inner: R, meter: &'m dyn ReadMeter) -> Self {
        Self { inner, meter }
    }
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.add(n as u64);
        Ok(n)
    }
}

/// A live capture `analyze` runs before reading its files.
#[derive(Debug, Clone)]
pub struct LivePlan {
    pub interface: String,
    pub listen: Duration,
    pub write_pcap: Option<PathBuf>,
}

/// Everything `analyze` needs, already read and validated by the command line.
#[derive(Debug, Clone)]
pub struct AnalyzePlan {
    /// Capture files (pcap, pcapng), read in this order.
    pub files: Vec<PathBuf>,
    /// Zeek logs: folders holding them, or the files.
    pub zeek: Vec<PathBuf>,
    pub live: Option<LivePlan>,
    /// An earlier report whose devices get the traffic (`--inventory`); without one the devices
    /// are those of the traffic itself.
    pub inventory: Option<Report>,
    /// The scanner's own addresses, whose traffic is left out (`--exclude-host`).
    pub exclude_hosts: Vec<IpAddr>,
    pub upload: UploadPolicy,
    /// The report's language code (`zh`, `en`).
    pub lang: String,
}

/// An analysis done: the report (before the policy layer) and connections.csv.
pub struct Analysed {
    pub report: Report,
    pub connections: String,
}

/// Runs `plan` with the run's signatures: the live capture first, then the capture files, then
/// the Zeek logs, all into one analyser; stops reading when `interrupt` is raised (the report
/// then covers what was read).
///
/// # Errors
/// An input refused or unreadable (not damage inside a capture: that is in the report), a live
/// capture that cannot start.
pub fn run(
    plan: &AnalyzePlan,
    bundle: &SignatureBundle,
    edge: &dyn Edge,
    interrupt: &Interrupt,
) -> Result<Analysed> {
    let inventory_ips: Option<HashSet<IpAddr>> = plan
        .inventory
        .as_ref()
        .map(|r| r.devices.iter().filter_map(|d| d.ip.parse().ok()).collect());
    let started_at = now_rfc3339();
    // The scanner's addresses: those given, and those the inventory's scan recorded.
    let mut scanner_addresses: Vec<IpAddr> = plan.exclude_hosts.clone();
    if let Some(base) = &plan.inventory {
        scanner_addresses.extend(
            base.scan
                .scanner_addresses
                .iter()
                .filter_map(|a| a.parse::<IpAddr>().ok()),
        );
    }
    scanner_addresses.sort();
    scanner_addresses.dedup();
    let mut analyzer = Analyzer::new(plan.upload.clone(), FlowLimits::default(), inventory_ips);
    analyzer.exclude_hosts(scanner_addresses.iter().copied());
    let scanner_addresses: Vec<String> =
        scanner_addresses.iter().map(ToString::to_string).collect();
    let mut notes = Vec::new();
    let mut damaged_captures = Vec::new();
    let mut evidence_files = Vec::new();
    let stop = interrupt.flag();
    let mut complete = true;
    let mut captures: Vec<String> = plan.files.iter().map(|p| p.display().to_string()).collect();
    let mut interface = None;
    let mut kernel_drops = None;
    if let Some(live) = &plan.live {
        let showing = edge.capturing(&live.interface, live.listen);
        let source = capture::open_live(
            &live.interface,
            live.listen,
            live.write_pcap.as_deref(),
            std::sync::Arc::clone(&stop),
        )?;
        let (stats, written) = capture::capture_live(source, &mut analyzer)?;
        drop(showing);
        notes.push(capture::live_note(&live.interface, &stats));
        if let Some(damage) = stats.damage(&live.interface) {
            complete = false;
            damaged_captures.push(damage);
        }
        kernel_drops = Some(stats.kernel_drops);
        interface = Some(live.interface.clone());
        if let Some(written) = written {
            let (file, damage) = capture::keep_written_capture(&written)?;
            notes.extend(damage.iter().map(DamagedCapture::note));
            damaged_captures.extend(damage);
            evidence_files.push(file);
            captures.push(written.path.display().to_string());
        }
    }
    let paths: Vec<&Path> = plan.files.iter().map(PathBuf::as_path).collect();
    if !paths.is_empty() {
        let meter = edge.reading("reading captures", &paths);
        for path in &plan.files {
            if stop.load(Ordering::Relaxed) {
                notes.push(Note::new("capture_not_read").arg("path", path.display()));
                continue;
            }
            let (sha256, damage) =
                files::read_capture(path, &mut analyzer, &stop, edge, meter.as_ref())?;
            if let Some(damage) = damage {
                complete = false;
                let damage = DamagedCapture {
                    path: path.display().to_string(),
                    offset: damage.offset,
                    reason: damage.reason,
                };
                notes.push(damage.note());
                damaged_captures.push(damage);
            }
            let Some(sha256) = sha256 else {
                notes.push(Note::new("capture_hash_missing").arg("path", path.display()));
                continue;
            };
            evidence_files.push(EvidenceFile {
                path: path.display().to_string(),
                sha256,
            });
        }
    }
    if !plan.zeek.is_empty() {
        let zeek = zeek::read(&plan.zeek, &mut analyzer, &stop, edge)?;
        if zeek.interrupted {
            complete = false;
        }
        notes.extend(zeek.notes);
        evidence_files.extend(zeek.evidence_files);
    }
    let interrupted_by = interrupt.raised();
    if let Some(signal) = interrupted_by {
        complete = false;
        notes.push(Note::new("analysis_interrupted").arg("signal", signal.name()));
    }
    let finished = analyzer.finish_all(&bundle.cloud);
    let connections = connections_csv(&finished, &mut notes);
    let (traffic, counters, passive) = (finished.devices, finished.counters, finished.passive);
    if counters.frames > 0 || counters.logged_connections == 0 {
        notes.push(
            Note::new("traffic_frames")
                .arg("frames", counters.frames)
                .arg("bytes", counters.bytes)
                .arg("ip_packets", counters.ip_packets)
                .arg("undecoded", counters.undecoded_frames)
                .arg("dns_answers", counters.dns_answers),
        );
    }
    if counters.logged_connections > 0 {
        notes.push(
            Note::new("traffic_logged")
                .arg("connections", counters.logged_connections)
                .arg("dns_answers", counters.dns_answers),
        );
    }
    if counters.flows_untracked > 0 || counters.contacts_dropped > 0 {
        complete = false;
        notes.push(
            Note::new("traffic_bounds")
                .arg("untracked", counters.flows_untracked)
                .arg("dropped", counters.contacts_dropped),
        );
    }
    let mut report = match plan.inventory.clone() {
        Some(mut base) => {
            attach(&mut base.devices, traffic);
            base.scan.mode = ScanMode::Analyze;
            base.scan.captures = captures;
            if interface.is_some() {
                base.scan.interface = interface;
            }
            base.scan.complete = base.scan.complete && complete;
            base.scan.interrupted_by = interrupted_by.map(|s| s.name().to_string());
            base.scan.damaged_captures.extend(damaged_captures);
            base.scan.extend_notes(notes);
            if kernel_drops.is_some() {
                base.scan.capture_kernel_drops = kernel_drops;
            }
            base.scan.scanner_addresses = scanner_addresses;
            base.scan.discovery.extend(discovery(plan));
            base.evidence_files.extend(evidence_files);
            base
        }
        None => {
            let mut scan = crate::model::ScanInfo {
                complete,
                interface,
                captures,
                discovery: discovery(plan),
                interrupted_by: interrupted_by.map(|s| s.name().to_string()),
                damaged_captures,
                // A file's vantage is not known to camsweep; a live capture here is the
                // inspector's own port.
                vantage: Some(
                    if plan.files.is_empty() && plan.zeek.is_empty() {
                        "own_port"
                    } else {
                        "capture_file"
                    }
                    .into(),
                ),
                capture_kernel_drops: kernel_drops,
                scanner_addresses,
                ..report::scan_info(ScanMode::Analyze, started_at, plan.lang.clone())
            };
            scan.extend_notes(notes);
            let devices = super::devices_from_capture(&bundle.devices, traffic, &passive);
            report::assemble(bundle.devices.info(), scan, devices, evidence_files)
        }
    };
    crate::traffic::mark_data_stores(&mut report.devices);
    Ok(Analysed {
        report,
        connections,
    })
}

/// How the traffic was read (`scan.discovery`): `pcap` for captures (files or live), `zeek_logs`
/// for Zeek logs.
fn discovery(plan: &AnalyzePlan) -> Vec<String> {
    let mut how = Vec::new();
    if !plan.files.is_empty() || plan.live.is_some() {
        how.push("pcap".to_string());
    }
    if !plan.zeek.is_empty() {
        how.push("zeek_logs".to_string());
    }
    how
}

/// connections.csv for what an analysis found, and the report's note when it is not whole.
fn connections_csv(finished: &crate::traffic::Finished, notes: &mut Vec<Note>) -> String {
    let dropped = finished.counters.connections_dropped;
    if dropped > 0 {
        notes.push(
            Note::new("connections_capped")
                .arg("kept", finished.connections.len())
                .arg("file", CONNECTIONS_CSV)
                .arg("dropped", dropped),
        );
    }
    crate::report::render_connections_csv(&finished.connections, dropped)
}

/// Puts each device's traffic on the inventory device with its address; traffic of hosts
/// not in the inventory is not attributed (the analyser only tracks inventory addresses).
fn attach(devices: &mut [Device], traffic: Vec<DeviceTraffic>) {
    for t in traffic {
        if let Some(device) = devices
            .iter_mut()
            .find(|d| d.ip.parse::<IpAddr>().ok() == Some(t.ip))
        {
            attach_one(device, t);
        }
    }
    // With every device's contacts in place, the LAN hosts receiving their pictures show.
    crate::traffic::mark_data_stores(devices);
}

fn attach_one(device: &mut Device, t: DeviceTraffic) {
    if !t.face_evidence.is_empty() {
        device.identity.face_recognition = FaceRecognition::Yes;
        device.evidence.extend(t.face_evidence);
    }
    if device.mac.is_none() {
        device.mac = t.mac;
    }
    device.cloud_contacts = t.contacts;
    device.upstream_timeline = t.timeline;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    struct Counter(AtomicU64);

    impl ReadMeter for Counter {
        fn add(&self, bytes: u64) {
            self.0.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    #[test]
    fn the_meter_is_told_every_byte_read() {
        let counter = Counter(AtomicU64::new(0));
        let data = vec![7u8; 3000];
        let mut read = Vec::new();
        Metered::new(data.as_slice(), &counter)
            .read_to_end(&mut read)
            .unwrap();
        assert_eq!(read, data);
        assert_eq!(counter.0.load(Ordering::Relaxed), 3000);
    }
}
