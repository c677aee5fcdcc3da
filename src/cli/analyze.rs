//! `camsweep analyze FILE…`: reads captures, hashes them, runs the traffic analyser and writes
//! the report. The file I/O of traffic analysis lives here; `traffic` itself is pure.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::args::AnalyzeArgs;
use super::countdown::Countdown;
use super::read_progress::ReadProgress;
use super::{guard, output};
use crate::app::{self, Interrupt, now_rfc3339};
use crate::bundle::SignatureBundle;
use crate::capture::{LiveSource, LiveStats, PcapFileOutcome, parse_duration};
use crate::model::{
    DamagedCapture, Device, EvidenceFile, FaceRecognition, HostObservation, Report, SCHEMA_VERSION,
    ScanInfo, ScanMode, ToolInfo,
};
use crate::report;
use crate::traffic::{
    Analyzer, CloudDb, DeviceTraffic, FlowLimits, FrameSource, PcapSource, UploadPolicy,
};

/// The per-connection record written beside the report.
pub const CONNECTIONS_CSV: &str = "connections.csv";

/// connections.csv for what an analysis found, and the report's note when it is not whole.
fn connections_csv(finished: &crate::traffic::Finished, notes: &mut Vec<String>) -> String {
    let dropped = finished.counters.connections_dropped;
    if dropped > 0 {
        notes.push(format!(
            "traffic: {} connections in {CONNECTIONS_CSV}, {dropped} more not kept there (memory bound)",
            finished.connections.len()
        ));
    }
    report::render_connections_csv(&finished.connections, dropped)
}

pub fn run(args: &AnalyzeArgs, quiet: bool, interrupt: &Interrupt) -> Result<u8> {
    let out = guard::prepare_out_dir(args.out.as_deref(), "-analyze", args.output.force)?;
    let bundle = SignatureBundle::load(args.signatures.as_deref())?;
    let inventory = args.inventory.as_deref().map(read_inventory).transpose()?;
    let policy = UploadPolicy {
        min_upload_bytes: args.min_upload_bytes,
        burst_bytes_per_second: args.burst_bytes,
        min_up_down_ratio: args.min_up_down_ratio,
        ..UploadPolicy::default()
    };
    let inventory_ips: Option<HashSet<IpAddr>> = inventory
        .as_ref()
        .map(|r| r.devices.iter().filter_map(|d| d.ip.parse().ok()).collect());
    let started_at = now_rfc3339();
    // The scanner's addresses: those given, and those the inventory's scan recorded.
    let mut scanner_addresses: Vec<IpAddr> = args.exclude_hosts.clone();
    if let Some(base) = &inventory {
        scanner_addresses.extend(
            base.scan
                .scanner_addresses
                .iter()
                .filter_map(|a| a.parse::<IpAddr>().ok()),
        );
    }
    scanner_addresses.sort();
    scanner_addresses.dedup();
    let mut analyzer = Analyzer::new(policy, FlowLimits::default(), inventory_ips);
    analyzer.exclude_hosts(scanner_addresses.iter().copied());
    let scanner_addresses: Vec<String> =
        scanner_addresses.iter().map(ToString::to_string).collect();
    let mut notes = Vec::new();
    let mut damaged_captures = Vec::new();
    let mut evidence_files = Vec::new();
    let stop = interrupt.flag();
    let mut complete = true;
    let mut captures: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let mut interface = None;
    let mut kernel_drops = None;
    if let (Some(iface), Some(listen)) = (&args.interface, &args.listen) {
        let listen = parse_duration(listen).map_err(|e| anyhow::anyhow!(e))?;
        let countdown = Countdown::start(
            super::locale::fill("capturing on {}", &[iface]),
            std::time::Instant::now(),
            listen,
            quiet || args.output.json,
        );
        let (stats, written) = capture_live(
            iface,
            listen,
            args.write_pcap.as_deref(),
            &mut analyzer,
            Arc::clone(&stop),
        )?;
        drop(countdown);
        notes.push(live_note(iface, &stats));
        if let Some(damage) = stats.damage(iface) {
            complete = false;
            damaged_captures.push(damage);
        }
        kernel_drops = Some(stats.kernel_drops);
        interface = Some(iface.clone());
        if let Some(written) = written {
            let (file, damage) = keep_written_capture(&written)?;
            notes.extend(damage.iter().map(DamagedCapture::note));
            damaged_captures.extend(damage);
            evidence_files.push(file);
            captures.push(written.path.display().to_string());
        }
    }
    let paths: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    let hidden = quiet || args.output.json || paths.is_empty();
    let reading = ReadProgress::start("reading captures", &paths, hidden);
    for path in &args.files {
        if stop.load(Ordering::Relaxed) {
            notes.push(format!("{}: not read (interrupted)", path.display()));
            continue;
        }
        let (sha256, damage) = read_capture(path, &mut analyzer, &stop, &reading)?;
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
            notes.push(format!(
                "{}: SHA-256 not computed (interrupted while reading it)",
                path.display()
            ));
            continue;
        };
        evidence_files.push(EvidenceFile {
            path: path.display().to_string(),
            sha256,
        });
    }
    drop(reading);
    if !args.zeek.is_empty() {
        let zeek =
            super::zeek_logs::read(&args.zeek, &mut analyzer, &stop, quiet || args.output.json)?;
        if zeek.interrupted {
            complete = false;
        }
        notes.extend(zeek.notes);
        evidence_files.extend(zeek.evidence_files);
    }
    let interrupted_by = interrupt.raised();
    if let Some(signal) = interrupted_by {
        complete = false;
        notes.push(format!(
            "interrupted by {}: the report covers the frames read until then",
            signal.name()
        ));
    }
    let finished = analyzer.finish_all(&bundle.cloud);
    let connections = connections_csv(&finished, &mut notes);
    let (traffic, counters, passive) = (finished.devices, finished.counters, finished.passive);
    if counters.frames > 0 || counters.logged_connections == 0 {
        notes.push(format!(
            "traffic: {} frames, {} bytes, {} IP packets, {} frames not IP or of an undecoded link type, {} DNS answers",
            counters.frames, counters.bytes, counters.ip_packets, counters.undecoded_frames, counters.dns_answers
        ));
    }
    if counters.logged_connections > 0 {
        notes.push(format!(
            "traffic: {} logged connections, {} DNS answers",
            counters.logged_connections, counters.dns_answers
        ));
    }
    if counters.flows_untracked > 0 || counters.contacts_dropped > 0 {
        complete = false;
        notes.push(format!(
            "traffic: memory bounds reached: {} packets of untracked flows, {} of destinations not kept",
            counters.flows_untracked, counters.contacts_dropped
        ));
    }
    let mut report = match inventory {
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
            base.scan.notes.extend(notes);
            if kernel_drops.is_some() {
                base.scan.capture_kernel_drops = kernel_drops;
            }
            base.scan.scanner_addresses = scanner_addresses;
            base.scan.discovery.extend(discovery(args));
            base.evidence_files.extend(evidence_files);
            base
        }
        None => Report {
            schema_version: SCHEMA_VERSION.to_string(),
            tool: ToolInfo {
                name: "camsweep".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            signatures: bundle.devices.info(),
            scan: ScanInfo {
                mode: ScanMode::Analyze,
                started_at,
                finished_at: now_rfc3339(),
                complete,
                targets: Vec::new(),
                interface,
                captures,
                addresses_scanned: 0,
                ports: Vec::new(),
                discovery: discovery(args),
                notes,
                authorised_by: None,
                lang: Some(lang_code(args)),
                limits_hit: Vec::new(),
                interrupted_by: interrupted_by.map(|s| s.name().to_string()),
                damaged_captures,
                redacted: false,
                // A file's vantage is not known to camsweep; a live capture here is the
                // inspector's own port.
                vantage: Some(
                    if args.files.is_empty() && args.zeek.is_empty() {
                        "own_port"
                    } else {
                        "capture_file"
                    }
                    .into(),
                ),
                interception: None,
                bridge: None,
                capture_kernel_drops: kernel_drops,
                scanner_addresses,
            },
            site: None,
            devices: app::devices_from_capture(&bundle.devices, traffic, &passive),
            findings: Vec::new(),
            to_verify: Vec::new(),
            evidence_files,
        },
    };
    crate::traffic::mark_data_stores(&mut report.devices);
    // Cloud contacts are new evidence: the rules are evaluated again with them.
    super::policy::apply(
        &mut report,
        &args.policy,
        &bundle,
        super::policy::DefaultSite::FromReport,
    )?;
    super::render::finish_report_with(
        &report,
        &out,
        &args.output,
        quiet,
        &[(CONNECTIONS_CSV, connections.as_bytes())],
    )
}

/// How the traffic was read (`scan.discovery`): `pcap` for captures (files or live), `zeek_logs`
/// for Zeek logs.
fn discovery(args: &AnalyzeArgs) -> Vec<String> {
    let mut how = Vec::new();
    if !args.files.is_empty() || args.interface.is_some() {
        how.push("pcap".to_string());
    }
    if !args.zeek.is_empty() {
        how.push("zeek_logs".to_string());
    }
    how
}

fn lang_code(args: &AnalyzeArgs) -> String {
    match args.output.lang {
        super::args::LangArg::Zh => "zh".into(),
        super::args::LangArg::En => "en".into(),
    }
}

/// A live capture running alongside an audit.
pub struct Listening {
    interface: String,
    started: std::time::Instant,
    length: std::time::Duration,
    task: tokio::task::JoinHandle<Result<(Analyzer, LiveStats, Option<PcapFileOutcome>)>>,
    /// Where the traffic is seen from (`scan.vantage`).
    vantage: &'static str,
    /// Filled by the capture thread when it intercepted (`scan.interception`).
    interception: Arc<Mutex<Option<crate::model::Interception>>>,
    /// Ends an interception early (and repairs) when the audit fails before finishing.
    stop: Arc<AtomicBool>,
    /// Filled by the capture thread when it bridged (`scan.bridge`).
    bridge: Arc<Mutex<Option<crate::model::Bridge>>>,
    /// A passive audit: every local host seen becomes a device (identified from what it sent).
    adopt: Option<crate::fingerprint::SignatureDb>,
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
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })?;
    Ok(either)
}

/// [`start_listening_excluding`] through an ARP interception: frames come from the
/// interceptor's forwarding loop instead of a plain capture, and the report gets
/// `scan.interception`.
pub fn start_intercepting(
    plan: &crate::intercept::InterceptPlan,
    write_pcap: Option<&Path>,
    exclude: &[IpAddr],
    interrupt: Arc<AtomicBool>,
) -> Result<Listening> {
    let stop = Arc::new(AtomicBool::new(false));
    // The interceptor watches one flag: set by an interrupt or by the audit ending early.
    let either = watch_stop(interrupt, &stop, "intercept-stop")
        .context("starting the interception's stop watcher")?;
    let source = crate::intercept::InterceptSource::start(plan, Arc::clone(&either), write_pcap)
        .inspect_err(|_| either.store(true, Ordering::Relaxed))?;
    let interception = Arc::new(Mutex::new(None));
    let task = analyse_forwarded(source, exclude, either, Arc::clone(&interception));
    Ok(Listening {
        interface: plan.interface.clone(),
        started: std::time::Instant::now(),
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
pub fn start_bridging(
    plan: &crate::intercept::BridgePlan,
    write_pcap: Option<&Path>,
    exclude: &[IpAddr],
    interrupt: Arc<AtomicBool>,
) -> Result<Listening> {
    let stop = Arc::new(AtomicBool::new(false));
    // The bridge watches one flag: set by an interrupt or by the audit ending early.
    let either = watch_stop(interrupt, &stop, "bridge-stop")
        .context("starting the bridge's stop watcher")?;
    let source = crate::intercept::BridgeSource::start(plan, Arc::clone(&either), write_pcap)
        .inspect_err(|_| either.store(true, Ordering::Relaxed))?;
    let bridge = Arc::new(Mutex::new(None));
    let task = analyse_forwarded(source, exclude, either, Arc::clone(&bridge));
    Ok(Listening {
        interface: plan.ports.join(","),
        started: std::time::Instant::now(),
        length: plan.listen,
        task,
        vantage: "bridge",
        interception: Arc::new(Mutex::new(None)),
        stop,
        bridge,
        adopt: None,
    })
}

/// Analyses a forwarder's frames on a blocking thread until it ends; then puts its summary in
/// `summary` and sets `done` (which also ends the stop watcher).
fn analyse_forwarded<F: crate::intercept::Forwarder>(
    mut source: F,
    exclude: &[IpAddr],
    done: Arc<AtomicBool>,
    summary: Arc<Mutex<Option<F::Summary>>>,
) -> tokio::task::JoinHandle<Result<(Analyzer, LiveStats, Option<PcapFileOutcome>)>> {
    let exclude = exclude.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        analyzer.exclude_hosts(exclude);
        while let Some(frame) = source.next_frame()? {
            analyzer.push(&frame);
        }
        // The forwarder counts its own drops (scan.interception / scan.bridge); the analyser
        // saw every frame it was handed.
        let stats = LiveStats {
            frames: source.frames_analysed(),
            ..LiveStats::default()
        };
        let (finished, written) = source.finish();
        done.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = summary.lock() {
            *slot = Some(finished);
        }
        let written = written
            .transpose()
            .context("renaming the capture file into place")?;
        Ok((analyzer, stats, written))
    })
}

/// Opens the interface and captures on a blocking thread until the listening time is over or
/// `stop` is set (an interrupted audit), leaving out the traffic of `exclude` (the scanner's own
/// addresses, whose probes and their replies are not what the devices send).
pub fn start_listening_excluding(
    interface: &str,
    listen: &str,
    write_pcap: Option<&Path>,
    exclude: &[IpAddr],
    stop: Arc<AtomicBool>,
) -> Result<Listening> {
    let listen = parse_duration(listen).map_err(|e| anyhow::anyhow!(e))?;
    check_interface(interface)?;
    let mut source = LiveSource::open(interface, listen, write_pcap)?.stop_on(stop);
    let exclude = exclude.to_vec();
    let task = tokio::task::spawn_blocking(move || {
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        analyzer.exclude_hosts(exclude);
        while let Some(frame) = source.next_frame().map_err(live_error)? {
            analyzer.push(&frame);
        }
        let stats = source.stats();
        let written = source.finish()?;
        Ok((analyzer, stats, written))
    });
    Ok(Listening {
        interface: interface.to_string(),
        started: std::time::Instant::now(),
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
    pub fn adopting_hosts_seen(mut self, db: crate::fingerprint::SignatureDb) -> Listening {
        self.adopt = Some(db);
        self
    }

    /// A countdown to the end of the capture, shown until it is dropped.
    pub fn countdown(&self, quiet: bool) -> Countdown {
        Countdown::start(
            super::locale::fill("capturing on {}", &[&self.interface]),
            self.started,
            self.length,
            quiet,
        )
    }
}

/// Waits for the capture, then adds its traffic to the devices the scan found; returns
/// connections.csv.
pub async fn finish_listening(
    mut listening: Listening,
    report: &mut Report,
    cloud: &CloudDb,
    interrupt: &Interrupt,
) -> Result<String> {
    let (analyzer, stats, written) = (&mut listening.task)
        .await
        .context("the capture thread failed")??;
    report.scan.vantage = Some(listening.vantage.to_string());
    if let Some(interception) = listening
        .interception
        .lock()
        .ok()
        .and_then(|mut i| i.take())
    {
        let intercepted = interception.devices.len();
        let restored = if interception.restored {
            "ARP entries repaired"
        } else {
            "ARP entries NOT confirmed repaired"
        };
        report.scan.notes.push(format!(
            "ARP interception on {} between {intercepted} device(s) and the gateway {}; {restored}",
            interception.interface, interception.gateway_ip
        ));
        report.scan.discovery.push("arp_interception".into());
        report.scan.interception = Some(interception);
    }
    if let Some(bridge) = listening.bridge.lock().ok().and_then(|mut b| b.take()) {
        let restored = if bridge.restored {
            "both ports put back as found"
        } else {
            "the ports were NOT all put back"
        };
        report.scan.notes.push(format!(
            "inline bridge between {}: {} frames passed one way, {} the other, none of its own sent; {restored}",
            bridge.interfaces.join(" and "),
            bridge.frames_forward,
            bridge.frames_back
        ));
        report.scan.discovery.push("inline_bridge".into());
        report.scan.bridge = Some(bridge);
    }
    let finished = analyzer.finish_all(cloud);
    let connections = connections_csv(&finished, &mut report.scan.notes);
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
    attach(&mut report.devices, traffic);
    report.scan.notes.push(format!(
        "{}; {unscanned} local host(s) seen in the traffic but not found by the scan",
        live_note(&listening.interface, &stats)
    ));
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
        report.scan.notes.push(format!(
            "interrupted by {} during the live capture: it covers the time until then",
            signal.name()
        ));
    }
    if let Some(written) = written {
        let (file, damage) = keep_written_capture(&written)?;
        report
            .scan
            .notes
            .extend(damage.iter().map(DamagedCapture::note));
        report.scan.damaged_captures.extend(damage);
        report.evidence_files.push(file);
        report
            .scan
            .captures
            .push(written.path.display().to_string());
    }
    Ok(connections)
}

/// The evidence-file entry of a `--write-pcap` capture, and its damage if writing it failed
/// part-way (disk full): the file keeps the frames before the failure.
fn keep_written_capture(
    written: &PcapFileOutcome,
) -> Result<(EvidenceFile, Option<DamagedCapture>)> {
    let path = &written.path;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
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

/// Where a capture file is damaged.
struct Damage {
    offset: u64,
    reason: String,
}

/// Feeds one capture to the analyser (until `stop` is set); returns its SHA-256 (None when a
/// signal stopped the hashing) and, if it was damaged, where.
fn read_capture(
    path: &Path,
    analyzer: &mut Analyzer,
    stop: &AtomicBool,
    progress: &ReadProgress,
) -> Result<(Option<String>, Option<Damage>)> {
    // A FIFO or device is refused unless allowed, and opened without blocking either way: a FIFO
    // nobody writes to must not hang camsweep in open() or read() past Ctrl-C.
    let file = guard::open_input(path, "capture")?;
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    let mut reader = HashingReader {
        inner: progress.counting(guard::StoppableReader::new(file, stop)),
        hasher: Arc::clone(&hasher),
    };
    let damage = {
        let mut source = match PcapSource::new(&mut reader) {
            Ok(source) => Some(source),
            Err(_) if stop.load(Ordering::Relaxed) => None,
            Err(err) => anyhow::bail!("{}: {}", path.display(), plain_reason(&err.to_string())),
        };
        loop {
            let Some(source) = source.as_mut() else {
                break None;
            };
            if stop.load(Ordering::Relaxed) {
                break None;
            }
            match source.next_frame() {
                Ok(Some(frame)) => analyzer.push(&frame),
                Ok(None) => break None,
                // Stopped by a signal mid-read: not damage, the report says it was interrupted.
                Err(_) if stop.load(Ordering::Relaxed) => break None,
                Err(err) => {
                    break Some(Damage {
                        offset: err.offset().unwrap_or(0),
                        reason: plain_reason(&err.reason()),
                    });
                }
            }
        }
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
                return Err(anyhow::Error::new(err).context(format!("reading {}", path.display())));
            }
        }
    }
    let digest = hasher
        .lock()
        .map_err(|_| anyhow::anyhow!("hash state poisoned"))?
        .clone()
        .finalize();
    Ok((Some(hex::encode(digest)), damage))
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

/// Feeds frames captured live on `interface` for `listen` to the analyser.
fn capture_live(
    interface: &str,
    listen: std::time::Duration,
    write_pcap: Option<&Path>,
    analyzer: &mut Analyzer,
    stop: Arc<AtomicBool>,
) -> Result<(LiveStats, Option<PcapFileOutcome>)> {
    check_interface(interface)?;
    let mut source = LiveSource::open(interface, listen, write_pcap)?.stop_on(stop);
    while let Some(frame) = source.next_frame().map_err(live_error)? {
        analyzer.push(&frame);
    }
    let stats = source.stats();
    let written = source.finish()?;
    Ok((stats, written))
}

/// The report's note on a live capture: frames, the kernel's drops, and why it ended early.
fn live_note(interface: &str, stats: &LiveStats) -> String {
    let mut note = format!(
        "live capture on {interface}: {} frames, {} dropped by the kernel (not counted)",
        stats.frames, stats.kernel_drops
    );
    if stats.truncated > 0 {
        note.push_str(&format!(
            ", {} frames larger than the snap length (their full length was counted)",
            stats.truncated
        ));
    }
    if let Some(error) = &stats.error {
        note.push_str(&format!(
            "; ended early on a receive error ({error}): the report covers the traffic until then"
        ));
    }
    note
}

/// Refuses an interface that does not exist or is down, in words (the capture library would say
/// "Unexpected poll event" once it is already running).
fn check_interface(interface: &str) -> Result<()> {
    use nix::net::if_::InterfaceFlags;
    let shown = output::terminal(interface).into_owned();
    let addrs = nix::ifaddrs::getifaddrs().context("listing the network interfaces")?;
    let mut up = None;
    for addr in addrs.filter(|a| a.interface_name == interface) {
        up = Some(up.unwrap_or(false) || addr.flags.contains(InterfaceFlags::IFF_UP));
    }
    match up {
        None => anyhow::bail!("there is no network interface named {shown}"),
        Some(false) => anyhow::bail!(
            "interface {shown} is down (no link): bring it up (`ip link set {shown} up`) or choose another --interface"
        ),
        Some(true) => Ok(()),
    }
}

/// A live capture that failed mid-way, said in words.
fn live_error(err: crate::traffic::CaptureError) -> anyhow::Error {
    let text = err.to_string();
    if text.contains("Unexpected poll event") {
        anyhow::anyhow!(
            "{}: the interface went down or disappeared during the capture",
            output::terminal(&text)
        )
    } else {
        anyhow::Error::new(err)
    }
}

/// Hashes every byte read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hasher.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

fn read_inventory(path: &Path) -> Result<Report> {
    let text = guard::read_text(path, "inventory report")?;
    report::validate(&text)
        .with_context(|| format!("{} is not a valid camsweep report", path.display()))?;
    report::from_json(&text).with_context(|| format!("{} is not a camsweep report", path.display()))
}
