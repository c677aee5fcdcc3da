//! A capture running alongside an audit (`audit --listen`, `demo`): started before the scan on a
//! blocking thread — from the interface itself, an ARP interception or the inline bridge — and
//! finished after it, when its traffic is added to the devices the scan found.

use super::error::{AnalyzeError, Result};
use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::capture::{self, capture_live, keep_written_capture, live_note, pump};
use crate::app::Interrupt;
use crate::capture::{LiveStats, PcapFileOutcome};
use crate::fingerprint::SignatureDb;
use crate::intercept::{BridgePlan, Forwarder, InterceptPlan};
use crate::model::{Bridge, DamagedCapture, HostObservation, Interception, Note, Report};
use crate::traffic::{Analyzer, CloudDb, FlowLimits, UploadPolicy};

type Captured = Result<(Analyzer, LiveStats, Option<PcapFileOutcome>)>;

/// A live capture running alongside an audit.
pub struct Listening {
    interface: String,
    started: Instant,
    length: Duration,
    task: tokio::task::JoinHandle<Captured>,
    /// Where the traffic is seen from (`scan.vantage`).
    vantage: &'static str,
    /// Filled by the capture thread when it intercepted (`scan.interception`).
    interception: Arc<Mutex<Option<Interception>>>,
    /// Ends an interception early (and repairs) when the audit fails before finishing.
    stop: Arc<AtomicBool>,
    /// Filled by the capture thread when it bridged (`scan.bridge`).
    bridge: Arc<Mutex<Option<Bridge>>>,
    /// A passive audit: every local host seen becomes a device (identified from what it sent).
    adopt: Option<SignatureDb>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One flag set as soon as `interrupt` or `stop` is set, for a forwarder that watches a single
/// flag; the watching thread ends once the flag is set (by it or by the caller).
fn watch_stop(
    interrupt: Arc<AtomicBool>,
    stop: &Arc<AtomicBool>,
    name: &str,
) -> std::io::Result<Arc<AtomicBool>> {
    let either = Arc::new(AtomicBool::new(false));
    let (stop, flag) = (Arc::clone(stop), Arc::clone(&either));
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                if interrupt.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                    flag.store(true, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })?;
    Ok(either)
}

/// [`start_listening_excluding`] through an ARP interception: frames come from the
/// interceptor's forwarding loop instead of a plain capture, and the report gets
/// `scan.interception`.
///
/// # Errors
/// The interception cannot start (see `InterceptSource::start`).
pub fn start_intercepting(
    plan: &InterceptPlan,
    write_pcap: Option<&Path>,
    exclude: &[IpAddr],
    interrupt: Arc<AtomicBool>,
) -> Result<Listening> {
    let (task, interception, stop) =
        start_forwarding("interception", exclude, interrupt, |flag| {
            crate::intercept::InterceptSource::start(plan, flag, write_pcap)
        })?;
    Ok(Listening {
        interface: plan.interface.clone(),
        started: Instant::now(),
        length: plan.listen,
        task,
        vantage: "interception",
        interception,
        stop,
        bridge: Arc::new(Mutex::new(None)),
        adopt: None,
    })
}

/// [`start_listening_excluding`] through the inline bridge: frames come from the bridge's two
/// forwarding threads, and the report gets `scan.bridge`.
///
/// # Errors
/// The bridge cannot start (see `BridgeSource::start`).
pub fn start_bridging(
    plan: &BridgePlan,
    write_pcap: Option<&Path>,
    exclude: &[IpAddr],
    interrupt: Arc<AtomicBool>,
) -> Result<Listening> {
    let (task, bridge, stop) = start_forwarding("bridge", exclude, interrupt, |flag| {
        crate::intercept::BridgeSource::start(plan, flag, write_pcap)
    })?;
    Ok(Listening {
        interface: plan.ports.join(","),
        started: Instant::now(),
        length: plan.listen,
        task,
        vantage: "bridge",
        interception: Arc::new(Mutex::new(None)),
        stop,
        bridge,
        adopt: None,
    })
}

/// A started forwarder: its analysis task, the slot its summary lands in, its early-stop flag.
type Forwarding<S> = (
    tokio::task::JoinHandle<Captured>,
    Arc<Mutex<Option<S>>>,
    Arc<AtomicBool>,
);

/// Starts a forwarder (`what`: the interception or the bridge) and the analysis of its frames.
/// A forwarder watches one flag, set by an interrupt or by the audit ending early (the returned
/// `stop`); its summary lands in the returned slot when it ends.
fn start_forwarding<F: Forwarder, E>(
    what: &str,
    exclude: &[IpAddr],
    interrupt: Arc<AtomicBool>,
    start: impl FnOnce(Arc<AtomicBool>) -> std::result::Result<F, E>,
) -> Result<Forwarding<F::Summary>>
where
    AnalyzeError: From<E>,
{
    let stop = Arc::new(AtomicBool::new(false));
    let either = watch_stop(interrupt, &stop, &format!("{what}-stop")).map_err(
        AnalyzeError::io(format!("starting the {what}'s stop watcher")),
    )?;
    let source =
        start(Arc::clone(&either)).inspect_err(|_| either.store(true, Ordering::Relaxed))?;
    let summary = Arc::new(Mutex::new(None));
    let task = analyse_forwarded(source, exclude, either, Arc::clone(&summary));
    Ok((task, summary, stop))
}

/// An analyser for a capture alongside a scan: default thresholds, the scanner's own addresses
/// left out (its probes and their replies are not what the devices send).
fn scan_analyzer(exclude: Vec<IpAddr>) -> Analyzer {
    let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
    analyzer.exclude_hosts(exclude);
    analyzer
}

/// Analyses a forwarder's frames on a blocking thread until it ends; then puts its summary in
/// `summary` and sets `done` (which also ends the stop watcher).
fn analyse_forwarded<F: Forwarder>(
    mut source: F,
    exclude: &[IpAddr],
    done: Arc<AtomicBool>,
    summary: Arc<Mutex<Option<F::Summary>>>,
) -> tokio::task::JoinHandle<Captured> {
    let exclude = exclude.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut analyzer = scan_analyzer(exclude);
        pump(source.frames(), &mut analyzer, &AtomicBool::new(false))?;
        // The forwarder counts its own drops (scan.interception / scan.bridge); the analyser
        // saw every frame it was handed.
        let stats = LiveStats {
            frames: source.frames().count(),
            ..LiveStats::default()
        };
        let (finished, written) = source.finish();
        done.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = summary.lock() {
            *slot = Some(finished);
        }
        let written = written
            .transpose()
            .map_err(AnalyzeError::io("renaming the capture file into place"))?;
        Ok((analyzer, stats, written))
    })
}

/// Opens the interface and captures on a blocking thread until the listening time is over or
/// `stop` is set (an interrupted audit), leaving out the traffic of `exclude` (the scanner's own
/// addresses, whose probes and their replies are not what the devices send).
///
/// # Errors
/// The interface is missing or down (checked now, before the scan starts).
pub fn start_listening_excluding(
    interface: &str,
    listen: Duration,
    write_pcap: Option<&Path>,
    exclude: &[IpAddr],
    stop: Arc<AtomicBool>,
) -> Result<Listening> {
    let source = capture::open_live(interface, listen, write_pcap, stop)?;
    let exclude = exclude.to_vec();
    let task = tokio::task::spawn_blocking(move || {
        let mut analyzer = scan_analyzer(exclude);
        let (stats, written) = capture_live(source, &mut analyzer)?;
        Ok((analyzer, stats, written))
    });
    Ok(Listening {
        interface: interface.to_string(),
        started: Instant::now(),
        length: listen,
        task,
        vantage: "own_port",
        interception: Arc::new(Mutex::new(None)),
        stop: Arc::new(AtomicBool::new(false)),
        bridge: Arc::new(Mutex::new(None)),
        adopt: None,
    })
}

impl Listening {
    /// Makes every local host seen in the traffic a device (a passive audit, which scanned
    /// nothing), identified from its MAC and what it sent.
    #[must_use]
    pub fn adopting_hosts_seen(mut self, db: SignatureDb) -> Listening {
        self.adopt = Some(db);
        self
    }

    /// What it listens on (an interface, or the bridge's two ports).
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// When it started and for how long it listens, for a countdown.
    pub fn timing(&self) -> (Instant, Duration) {
        (self.started, self.length)
    }
}

/// Waits for the capture, then adds its traffic to the devices the scan found; returns
/// connections.csv.
///
/// # Errors
/// The capture thread failed, or the `--write-pcap` file cannot be read back for its hash.
pub async fn finish_listening(
    mut listening: Listening,
    report: &mut Report,
    cloud: &CloudDb,
    interrupt: &Interrupt,
) -> Result<String> {
    let (analyzer, stats, written) = (&mut listening.task)
        .await
        .map_err(AnalyzeError::Thread)??;
    report.scan.vantage = Some(listening.vantage.to_string());
    if let Some(interception) = listening
        .interception
        .lock()
        .ok()
        .and_then(|mut i| i.take())
    {
        let intercepted = interception.devices.len();
        let key = if interception.restored {
            "interception_restored"
        } else {
            "interception_not_restored"
        };
        report.scan.push_note(
            Note::new(key)
                .arg("interface", &interception.interface)
                .arg("devices", intercepted)
                .arg("gateway", &interception.gateway_ip),
        );
        report.scan.discovery.push("arp_interception".into());
        report.scan.interception = Some(interception);
    }
    if let Some(bridge) = listening.bridge.lock().ok().and_then(|mut b| b.take()) {
        // A bridge joins two ports; anything else is named as one list.
        let note = match (bridge.interfaces.as_slice(), bridge.restored) {
            ([first, second], true) => Note::new("bridge_restored")
                .arg("first", first)
                .arg("second", second),
            ([first, second], false) => Note::new("bridge_not_restored")
                .arg("first", first)
                .arg("second", second),
            (all, true) => Note::new("bridge_one_restored").arg("first", all.join(", ")),
            (all, false) => Note::new("bridge_one_not_restored").arg("first", all.join(", ")),
        };
        report.scan.push_note(
            note.arg("forward", bridge.frames_forward)
                .arg("back", bridge.frames_back),
        );
        report.scan.discovery.push("inline_bridge".into());
        report.scan.bridge = Some(bridge);
    }
    let finished = analyzer.finish_all(cloud);
    let mut csv_notes = Vec::new();
    let connections = super::connections_csv(&finished, &mut csv_notes);
    report.scan.extend_notes(csv_notes);
    let traffic = finished.devices;
    let found: HashSet<IpAddr> = report
        .devices
        .iter()
        .filter_map(|d| d.ip.parse().ok())
        .collect();
    let unscanned = traffic.iter().filter(|t| !found.contains(&t.ip)).count();
    if let Some(db) = &listening.adopt {
        for t in traffic.iter().filter(|t| !found.contains(&t.ip)) {
            let mut host = HostObservation::new(t.ip);
            host.mac.clone_from(&t.mac);
            report
                .devices
                .push(crate::fingerprint::build_device(db, &host));
        }
        report.devices.sort_by_key(|d| d.ip.parse::<IpAddr>().ok());
    }
    super::attach(&mut report.devices, traffic);
    report.scan.push_note(
        Note::new("live_capture_unscanned")
            .parts(vec![live_note(&listening.interface, &stats)])
            .arg("unscanned", unscanned),
    );
    if let Some(damage) = stats.damage(&listening.interface) {
        report.scan.complete = false;
        report.scan.damaged_captures.push(damage);
    }
    report.scan.capture_kernel_drops =
        Some(report.scan.capture_kernel_drops.unwrap_or(0) + stats.kernel_drops);
    report.scan.discovery.push("live_capture".into());
    if let Some(signal) = interrupt.raised()
        && report.scan.interrupted_by.is_none()
    {
        report.scan.complete = false;
        report.scan.interrupted_by = Some(signal.name().to_string());
        report
            .scan
            .push_note(Note::new("live_capture_interrupted").arg("signal", signal.name()));
    }
    if let Some(written) = written {
        let (file, damage) = keep_written_capture(&written)?;
        report
            .scan
            .extend_notes(damage.iter().map(DamagedCapture::note));
        report.scan.damaged_captures.extend(damage);
        report.evidence_files.push(file);
        report
            .scan
            .captures
            .push(written.path.display().to_string());
    }
    Ok(connections)
}
