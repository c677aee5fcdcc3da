//! The audit pipeline: sweep → probe → fingerprint → report.

use futures::stream::StreamExt;
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::interrupt::{Interrupt, Signal};
use super::report;
use crate::discover::arp::{ArpError, ArpSweep};
use crate::discover::{self, DiscoveryContext, ProgressSink, SweepConfig, SweepResult};
use crate::fingerprint::{self, SignatureDb};
use crate::model::{Device, HostObservation, LimitHit, Note, Report, ScanInfo, ScanMode};
use crate::probe::http::client::ClientError;
use crate::probe::{ProbeConfig, Prober};

/// Hosts probed at once; each host's own probes are further bounded by its deadline.
const HOSTS_IN_FLIGHT: usize = 128;
/// Most hosts held and reported: a segment where something answers for every address (a
/// tarpit, proxy ARP) cannot grow memory and the report without end. A /16 of real devices
/// is far below it.
pub const MAX_HOSTS: usize = 16_384;

/// Everything a scan needs, already validated.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    pub mode: ScanMode,
    /// The specifications as the user gave them (for the report).
    pub target_specs: Vec<String>,
    pub addresses: Vec<IpAddr>,
    pub interface: Option<String>,
    pub sweep: SweepConfig,
    pub probe: ProbeConfig,
    pub authorised_by: Option<String>,
    pub lang: String,
    /// Addresses of the targets that belong to this machine and were therefore not scanned.
    pub skipped_own: usize,
    /// This machine's own addresses (loopback aside), recorded in the report so a capture taken
    /// during the scan never files the scanner as a device's contact.
    pub scanner_addresses: Vec<IpAddr>,
    /// The discovery protocols' context (every row of `wire::discovery::TABLE`);
    /// `None` runs the TCP sweep alone.
    pub discovery: Option<DiscoveryContext>,
}

/// Runs the scan and returns the report (findings are left to the policy layer).
///
/// # Errors
/// Only when the HTTP client cannot be built; per-host failures become notes in the report.
pub async fn run(
    plan: &ScanPlan,
    db: &SignatureDb,
    progress: &dyn ProgressSink,
) -> Result<Report, ClientError> {
    run_until(plan, db, progress, &Interrupt::never()).await
}

/// [`run`], stopping early when `interrupt` is raised: the report then holds the hosts found so
/// far (probed ones with their evidence, the others with their open ports), `complete` is false
/// and `interrupted_by` names the signal.
///
/// # Errors
/// Only when the HTTP client cannot be built.
pub async fn run_until(
    plan: &ScanPlan,
    db: &SignatureDb,
    progress: &dyn ProgressSink,
    interrupt: &Interrupt,
) -> Result<Report, ClientError> {
    let started_at = now_rfc3339();
    let prober = Prober::new(plan.probe.clone())?;
    let ledger = Ledger::new(progress);
    let outcome = tokio::select! {
        biased;
        signal = interrupt.wait() => {
            progress.finish();
            ledger.interrupted(signal)
        }
        done = stages(plan, &prober, &ledger) => done,
    };
    let mut notes = outcome.notes;
    let mut limits_hit = outcome.limits_hit;
    let mut hosts = outcome.hosts;
    keep_at_most(&mut hosts, MAX_HOSTS, "found", &mut limits_hit);
    // The contract: `complete` is false when the run was interrupted or cut short, and a
    // scan-wide bound reached (hosts or discovery replies dropped) is a cut. Per-probe cuts
    // (`cut_short` on a device) are not: the scan itself still covered every target.
    let complete = outcome.interrupted_by.is_none() && limits_hit.is_empty();
    let mut devices: Vec<Device> = hosts
        .iter()
        .map(|h| fingerprint::build_device(db, h))
        .collect();
    devices.sort_by_key(|d| d.ip.parse::<IpAddr>().ok());
    notes.extend(fingerprint::attach_port_mappings(
        db.cloud_indications(),
        &mut devices,
    ));
    for host in &hosts {
        notes.extend(host.notes.iter().map(|n| n.clone().about(host.ip)));
    }

    let mut scan = ScanInfo {
        scanner_addresses: plan
            .scanner_addresses
            .iter()
            .map(ToString::to_string)
            .collect(),
        complete,
        targets: plan.target_specs.clone(),
        interface: plan.interface.clone(),
        addresses_scanned: (plan.addresses.len() + plan.skipped_own) as u64,
        ports: plan.sweep.ports.clone(),
        discovery: outcome.discovery,
        authorised_by: plan.authorised_by.clone(),
        limits_hit,
        interrupted_by: outcome.interrupted_by.map(|s| s.name().to_string()),
        ..report::scan_info(plan.mode, started_at, plan.lang.clone())
    };
    scan.extend_notes(notes);
    Ok(report::assemble(db.info(), scan, devices, Vec::new()))
}

/// What the stages of a scan produced (all of it, or what an interrupt left).
struct Outcome {
    hosts: Vec<HostObservation>,
    notes: Vec<Note>,
    discovery: Vec<String>,
    limits_hit: Vec<LimitHit>,
    interrupted_by: Option<Signal>,
}

/// Sweep, discovery and probes, to the end.
async fn stages(plan: &ScanPlan, prober: &Prober, ledger: &Ledger<'_>) -> Outcome {
    // Passive DHCP/ARP listening runs while the sweep and discovery do; it sends nothing.
    let passive = match (&plan.interface, &plan.discovery) {
        (Some(iface), Some(_)) => Some(discover::passive::PassiveListener::start(iface)),
        _ => None,
    };
    // Each live host is probed as soon as its sweep is done (a firewalled host's connect timeouts
    // hold up nobody else). The discovery protocols need the live hosts (for unicast): when ARP
    // alone knows them (every target on the link) they run alongside the TCP sweep, otherwise
    // after it.
    let arp = arp_sweep(plan).await;
    let early_live = live_from_arp(plan, arp.as_ref());
    let (live_tx, live_rx) = futures::channel::mpsc::unbounded::<HostObservation>();
    let sweep_done = AtomicBool::new(false);
    let probed_early = AtomicU64::new(0);
    let sweeping = async {
        let live_tx = live_tx;
        let (swept, discovery) = sweep_after_arp(plan, arp, ledger, true, Some(&live_tx)).await;
        drop(live_tx);
        ledger.swept(&swept.hosts, &swept.notes, &discovery);
        ledger.set_total("probe", swept.hosts.len() as u64);
        sweep_done.store(true, Ordering::SeqCst);
        ledger.advance(probed_early.load(Ordering::SeqCst));
        let discovered = match (&plan.discovery, &early_live) {
            (Some(ctx), None) => {
                let live: Vec<IpAddr> = swept.hosts.iter().map(|h| h.ip).collect();
                Some(run_discovery(ctx, &plan.addresses, &live).await)
            }
            _ => None,
        };
        (swept, discovery, discovered)
    };
    let discovering_early = async {
        match (&plan.discovery, &early_live) {
            (Some(ctx), Some(live)) => Some(run_discovery(ctx, &plan.addresses, live).await),
            _ => None,
        }
    };
    let probing = live_rx
        .map(|mut host| {
            let (sweep_done, probed_early) = (&sweep_done, &probed_early);
            async move {
                prober.probe_host(&mut host).await;
                ledger.probed(&host);
                if sweep_done.load(Ordering::SeqCst) {
                    ledger.advance(1);
                } else {
                    probed_early.fetch_add(1, Ordering::SeqCst);
                }
                host
            }
        })
        .buffer_unordered(HOSTS_IN_FLIGHT)
        .collect::<Vec<HostObservation>>();
    let ((mut swept, mut discovery, discovered_late), mut probed, discovered_early) =
        tokio::join!(sweeping, probing, discovering_early);
    let discovered = discovered_late.or(discovered_early);
    ledger.finish();
    // The sweep's own copies add what only they know (ARP's MAC and sighting, ARP-only hosts);
    // their notes went along with the probed copies.
    for host in &mut swept.hosts {
        host.notes.clear();
    }
    let mut limits_hit = swept.limits_hit;
    keep_at_most(&mut swept.hosts, MAX_HOSTS, "swept", &mut limits_hit);
    discover::merge_observations(&mut probed, swept.hosts);
    let mut notes = swept.notes;
    if plan.skipped_own > 0 {
        notes.push(Note::new("own_addresses_skipped").arg("count", plan.skipped_own));
    }

    if let Some(found) = discovered {
        notes.extend(found.notes);
        limits_hit.extend(found.limits_hit);
        discover::merge_observations(&mut probed, found.hosts);
        discovery.extend(found.protocols);
    }
    if let Some(listener) = passive {
        match listener.stop().await {
            Ok(heard) => {
                discovery.push("passive_dhcp_arp".into());
                let wanted: std::collections::HashSet<&IpAddr> = plan.addresses.iter().collect();
                let heard = heard
                    .hosts
                    .into_iter()
                    .filter(|h| wanted.contains(&h.ip))
                    .collect();
                discover::merge_observations(&mut probed, heard);
            }
            Err(e) => notes.push(Note::new("passive_not_run").arg("error", e)),
        }
    }

    Outcome {
        hosts: probed,
        notes,
        discovery,
        limits_hit,
        interrupted_by: None,
    }
}

/// What the stages have found so far, kept aside so an interrupt can still report it. Also the
/// progress sink the stages report to (it forwards to the user's).
struct Ledger<'a> {
    inner: &'a dyn ProgressSink,
    state: Mutex<LedgerState>,
}

#[derive(Default)]
struct LedgerState {
    phase: String,
    /// Hosts the sweep found up (open ports only).
    swept: Vec<HostObservation>,
    /// Hosts whose probes finished.
    probed: Vec<HostObservation>,
    notes: Vec<Note>,
    discovery: Vec<String>,
}

impl<'a> Ledger<'a> {
    fn new(inner: &'a dyn ProgressSink) -> Self {
        Self {
            inner,
            state: Mutex::new(LedgerState {
                discovery: vec!["tcp_connect".to_string()],
                ..LedgerState::default()
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut LedgerState) -> T) -> T {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// The sweep (and ARP) is over: these are all the hosts, with the notes so far.
    fn swept(&self, hosts: &[HostObservation], notes: &[Note], discovery: &[String]) {
        self.with(|s| {
            s.swept = hosts.to_vec();
            s.notes = notes.to_vec();
            s.discovery = discovery.to_vec();
        });
    }

    fn probed(&self, host: &HostObservation) {
        self.with(|s| s.probed.push(host.clone()));
    }

    /// What an interrupt leaves: probed hosts whole, the others as the sweep saw them.
    fn interrupted(&self, signal: Signal) -> Outcome {
        self.with(|s| {
            let probed_count = s.probed.len();
            let mut hosts = std::mem::take(&mut s.probed);
            let unprobed: Vec<HostObservation> = std::mem::take(&mut s.swept)
                .into_iter()
                .filter(|h| !hosts.iter().any(|p| p.ip == h.ip))
                .collect();
            let unprobed_count = unprobed.len();
            discover::merge_observations(&mut hosts, unprobed);
            let mut notes = std::mem::take(&mut s.notes);
            // The stages the ledger is told of (`set_total`), said in the note's language.
            let phase = match s.phase.as_str() {
                "" => Note::new("phase_start"),
                "tcp sweep" => Note::new("phase_tcp_sweep"),
                "probe" => Note::new("phase_probe"),
                other => Note::new("phase_other").arg("phase", other),
            };
            notes.push(
                Note::new("scan_interrupted")
                    .parts(vec![phase])
                    .arg("signal", signal.name())
                    .arg("hosts", hosts.len())
                    .arg("probed", probed_count)
                    .arg("unprobed", unprobed_count),
            );
            Outcome {
                hosts,
                notes,
                discovery: std::mem::take(&mut s.discovery),
                limits_hit: Vec::new(),
                interrupted_by: Some(signal),
            }
        })
    }
}

impl ProgressSink for Ledger<'_> {
    fn set_total(&self, phase: &str, n: u64) {
        self.with(|s| s.phase = phase.to_string());
        self.inner.set_total(phase, n);
    }

    fn advance(&self, n: u64) {
        self.inner.advance(n);
    }

    fn finish(&self) {
        self.inner.finish();
    }

    fn host_up(&self, host: &HostObservation) {
        self.with(|s| {
            if !s.swept.iter().any(|h| h.ip == host.ip) {
                s.swept.push(host.clone());
            }
        });
        self.inner.host_up(host);
    }
}

/// What the discovery protocols found.
struct Discovered {
    hosts: Vec<HostObservation>,
    notes: Vec<Note>,
    /// The protocols that ran.
    protocols: Vec<String>,
    limits_hit: Vec<LimitHit>,
}

/// Keeps the first `max` hosts (by address) and records the cut.
fn keep_at_most(
    hosts: &mut Vec<HostObservation>,
    max: usize,
    stage: &str,
    limits_hit: &mut Vec<LimitHit>,
) {
    if hosts.len() > max {
        limits_hit.push(LimitHit::new(
            "hosts",
            format!(
                "{} hosts {stage}; the first {max} by address were kept",
                hosts.len()
            ),
        ));
        hosts.sort_by_key(|h| h.ip);
        hosts.truncate(max);
    }
}

/// Runs every discovery protocol at once: unicast to the hosts the sweep found, multicast and
/// broadcast on the interface. Replies from addresses outside the targets are dropped; the rest
/// (discovery-only hosts included) are returned merged by address.
async fn run_discovery(ctx: &DiscoveryContext, targets: &[IpAddr], live: &[IpAddr]) -> Discovered {
    // Follow-up requests (UPnP descriptions) go only to the targets, never to any replier.
    let ctx = DiscoveryContext {
        authorised: std::sync::Arc::new(targets.iter().copied().collect()),
        ..ctx.clone()
    };
    let discoverers = discover::protocols::all(&ctx);
    let results = futures::future::join_all(discoverers.iter().map(|d| d.discover(live))).await;
    let wanted: std::collections::HashSet<&IpAddr> = targets.iter().collect();
    let mut found = Discovered {
        hosts: Vec::new(),
        notes: Vec::new(),
        protocols: discoverers.iter().map(|d| d.name().to_string()).collect(),
        limits_hit: Vec::new(),
    };
    for result in results {
        found.notes.extend(result.notes);
        found.limits_hit.extend(result.limits_hit);
        let hosts = result
            .hosts
            .into_iter()
            .filter(|h| wanted.contains(&h.ip))
            .collect();
        discover::merge_observations(&mut found.hosts, hosts);
    }
    found
}

/// Which targets are up. ARP first: on the link every live IPv4 host answers it, so only those
/// that did (and targets beyond the link) get TCP connects, instead of one connect timeout per
/// empty address. With `connect_on_link` false the hosts that answered ARP are not connected to
/// (host discovery alone). Without a usable raw socket the TCP sweep covers every target.
/// Returns the hosts and the discovery methods that ran.
pub async fn find_hosts(
    plan: &ScanPlan,
    progress: &dyn ProgressSink,
    connect_on_link: bool,
    sink: Option<&discover::LiveSink>,
) -> (SweepResult, Vec<String>) {
    let arp = arp_sweep(plan).await;
    sweep_after_arp(plan, arp, progress, connect_on_link, sink).await
}

/// The ARP sweep of the targets on `--interface`'s link, when there is an interface to use.
async fn arp_sweep(plan: &ScanPlan) -> Option<Result<ArpSweep, ArpError>> {
    match (&plan.interface, &plan.discovery) {
        (Some(iface), Some(_)) => Some(
            discover::arp::sweep_subnet(iface, &plan.addresses, discover::arp::DEFAULT_RATE).await,
        ),
        _ => None,
    }
}

/// Every live host when ARP alone can tell: it worked and every target lies on its link.
fn live_from_arp(plan: &ScanPlan, arp: Option<&Result<ArpSweep, ArpError>>) -> Option<Vec<IpAddr>> {
    match arp {
        Some(Ok(arp)) if plan.addresses.iter().all(|ip| arp.covers(ip)) => {
            Some(arp.found.hosts.iter().map(|h| h.ip).collect())
        }
        _ => None,
    }
}

/// The TCP sweep once ARP has (or has not) answered; see [`find_hosts`].
async fn sweep_after_arp(
    plan: &ScanPlan,
    arp: Option<Result<ArpSweep, ArpError>>,
    progress: &dyn ProgressSink,
    connect_on_link: bool,
    sink: Option<&discover::LiveSink>,
) -> (SweepResult, Vec<String>) {
    let mut discovery = vec!["tcp_connect".to_string(), "neighbour_table".to_string()];
    let tcp_only = || {
        discover::sweep_with_sink(
            &plan.addresses,
            &plan.sweep,
            progress,
            &discover::ProcNetArp,
            sink,
        )
    };
    let Some(arp) = arp else {
        return (tcp_only().await, discovery);
    };
    let arp = match arp {
        Ok(arp) => arp,
        Err(e) => {
            tracing::warn!("ARP sweep not run: {e}");
            let mut swept = tcp_only().await;
            swept
                .notes
                .push(Note::new("arp_sweep_not_run").arg("error", e));
            return (swept, discovery);
        }
    };
    let answered: HashSet<IpAddr> = arp.found.hosts.iter().map(|h| h.ip).collect();
    let targets: Vec<IpAddr> = plan
        .addresses
        .iter()
        .copied()
        .filter(|ip| !arp.covers(ip) || (connect_on_link && answered.contains(ip)))
        .collect();
    let neighbours = discover::StaticNeighbours(
        arp.found
            .hosts
            .iter()
            .filter_map(|h| {
                Some(discover::NeighbourEntry {
                    ip: h.ip,
                    mac: h.mac.clone()?,
                    device: plan.interface.clone().unwrap_or_default(),
                    resolved: true,
                })
            })
            .collect(),
    );
    let mut swept =
        discover::sweep_with_sink(&targets, &plan.sweep, progress, &neighbours, sink).await;
    let silent = plan
        .addresses
        .iter()
        .filter(|ip| arp.covers(ip) && !answered.contains(ip))
        .count();
    if silent > 0 {
        swept.notes.push(
            Note::new("arp_silent")
                .arg("count", silent)
                .arg("subnet", arp.subnet),
        );
    }
    discovery.push("arp".into());
    swept.notes.extend(arp.found.notes);
    discover::merge_observations(&mut swept.hosts, arp.found.hosts);
    (swept, discovery)
}

/// The current time as RFC 3339 (UTC). The one clock read of a scan, at the edge.
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .unwrap_or_default()
}
