//! The audit pipeline: sweep → probe → fingerprint → report.

use futures::stream::{self, StreamExt};
use std::net::IpAddr;
use std::sync::Mutex;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::interrupt::{Interrupt, Signal};
use crate::discover::{self, DiscoveryContext, ProgressSink, SweepConfig};
use crate::fingerprint::{self, SignatureDb};
use crate::model::{
    Device, Evidence, EvidenceSource, HostObservation, Report, SCHEMA_VERSION, ScanInfo, ScanMode,
    ToolInfo,
};
use crate::probe::http::client::ClientError;
use crate::probe::{ProbeConfig, Prober};

/// Hosts probed at once; each host's own probes are further bounded by its deadline.
const HOSTS_IN_FLIGHT: usize = 32;

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
    /// The discovery protocols' context (WS-Discovery, SSDP, mDNS, SADP, DHDiscover, XMeye);
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
    let complete = outcome.interrupted_by.is_none();
    let mut notes = outcome.notes;
    let mut devices: Vec<Device> = outcome.hosts.iter().map(|h| build_device(db, h)).collect();
    devices.sort_by_key(|d| d.ip.parse::<IpAddr>().ok());
    for host in &outcome.hosts {
        notes.extend(host.notes.iter().map(|n| format!("{}: {n}", host.ip)));
    }

    Ok(Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: ToolInfo {
            name: "camsweep".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        signatures: db.info(),
        scan: ScanInfo {
            mode: plan.mode,
            started_at,
            finished_at: now_rfc3339(),
            complete,
            targets: plan.target_specs.clone(),
            interface: plan.interface.clone(),
            captures: Vec::new(),
            addresses_scanned: (plan.addresses.len() + plan.skipped_own) as u64,
            ports: plan.sweep.ports.clone(),
            discovery: outcome.discovery,
            notes,
            authorised_by: plan.authorised_by.clone(),
            lang: Some(plan.lang.clone()),
            interrupted_by: outcome.interrupted_by.map(|s| s.name().to_string()),
            damaged_captures: Vec::new(),
            redacted: false,
        },
        site: None,
        devices,
        findings: Vec::new(),
        evidence_files: Vec::new(),
    })
}

/// What the stages of a scan produced (all of it, or what an interrupt left).
struct Outcome {
    hosts: Vec<HostObservation>,
    notes: Vec<String>,
    discovery: Vec<String>,
    interrupted_by: Option<Signal>,
}

/// Sweep, discovery and probes, to the end.
async fn stages(plan: &ScanPlan, prober: &Prober, ledger: &Ledger<'_>) -> Outcome {
    // Passive DHCP/ARP listening runs while the sweep and discovery do; it sends nothing.
    let passive = match (&plan.interface, &plan.discovery) {
        (Some(iface), Some(_)) => Some(discover::passive::PassiveListener::start(iface)),
        _ => None,
    };
    let arp = async {
        match (&plan.interface, &plan.discovery) {
            (Some(iface), Some(_)) => Some(
                discover::arp::sweep(iface, &plan.addresses, discover::arp::DEFAULT_RATE).await,
            ),
            _ => None,
        }
    };
    let (mut swept, arp) = tokio::join!(discover::sweep(&plan.addresses, &plan.sweep, ledger), arp);
    let mut discovery = vec!["tcp_connect".to_string(), "neighbour_table".to_string()];
    match arp {
        Some(Ok(found)) => {
            discovery.push("arp".into());
            swept.notes.extend(found.notes);
            discover::merge_observations(&mut swept.hosts, found.hosts);
        }
        Some(Err(e)) => {
            tracing::warn!("ARP sweep not run: {e}");
            swept.notes.push(format!(
                "ARP sweep not run ({e}); hosts were found by the TCP sweep and the kernel neighbour table only"
            ));
        }
        None => {}
    }
    let mut notes = swept.notes;
    if plan.skipped_own > 0 {
        notes.push(format!(
            "{} address(es) of this machine skipped",
            plan.skipped_own
        ));
    }
    ledger.swept(&swept.hosts, &notes, &discovery);

    // The discovery protocols wait for replies while the probes work: neither needs the other,
    // and discovery-only hosts have no open TCP port to probe.
    let live: Vec<IpAddr> = swept.hosts.iter().map(|h| h.ip).collect();
    let discovered = async {
        match &plan.discovery {
            Some(ctx) => Some(run_discovery(ctx, &plan.addresses, &live).await),
            None => None,
        }
    };
    ledger.set_total("probe", swept.hosts.len() as u64);
    let probing = stream::iter(swept.hosts)
        .map(|mut host| async move {
            prober.probe_host(&mut host).await;
            ledger.probed(&host);
            ledger.advance(1);
            host
        })
        .buffer_unordered(HOSTS_IN_FLIGHT)
        .collect::<Vec<HostObservation>>();
    let (mut probed, discovered) = tokio::join!(probing, discovered);
    ledger.finish();
    if let Some(found) = discovered {
        notes.extend(found.notes);
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
            Err(e) => notes.push(format!("passive DHCP/ARP listening not run ({e})")),
        }
    }
    Outcome {
        hosts: probed,
        notes,
        discovery,
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
    notes: Vec<String>,
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
    fn swept(&self, hosts: &[HostObservation], notes: &[String], discovery: &[String]) {
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
            notes.push(format!(
                "interrupted by {} during the {}: {} host(s) found, {probed_count} fully probed; \
                 {unprobed_count} listed with the open ports found so far only; discovery \
                 protocols still waiting for replies were not reported",
                signal.name(),
                if s.phase.is_empty() {
                    "start"
                } else {
                    &s.phase
                },
                hosts.len(),
            ));
            Outcome {
                hosts,
                notes,
                discovery: std::mem::take(&mut s.discovery),
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
    notes: Vec<String>,
    /// The protocols that ran.
    protocols: Vec<String>,
}

/// Runs every discovery protocol at once: unicast to the hosts the sweep found, multicast and
/// broadcast on the interface. Replies from addresses outside the targets are dropped; the rest
/// (discovery-only hosts included) are returned merged by address.
async fn run_discovery(ctx: &DiscoveryContext, targets: &[IpAddr], live: &[IpAddr]) -> Discovered {
    let discoverers = discover::protocols::all(ctx);
    let results = futures::future::join_all(discoverers.iter().map(|d| d.discover(live))).await;
    let wanted: std::collections::HashSet<&IpAddr> = targets.iter().collect();
    let mut found = Discovered {
        hosts: Vec::new(),
        notes: Vec::new(),
        protocols: discoverers.iter().map(|d| d.name().to_string()).collect(),
    };
    for result in results {
        found.notes.extend(result.notes);
        let hosts = result
            .hosts
            .into_iter()
            .filter(|h| wanted.contains(&h.ip))
            .collect();
        discover::merge_observations(&mut found.hosts, hosts);
    }
    found
}

/// Turns one host's observations into a report device (pure).
pub fn build_device(db: &SignatureDb, host: &HostObservation) -> Device {
    let analysis = fingerprint::identify(db, host);
    let mut evidence = host.evidence.clone();
    if let Some(vendor) = &analysis.mac_vendor {
        evidence.insert(
            0,
            Evidence::new(EvidenceSource::MAC_VENDOR, None, vendor.clone()),
        );
    }
    let ip = host.ip.to_string();
    Device {
        id: Device::id_for(&ip),
        ip,
        mac: host.mac.clone(),
        mac_vendor: analysis.mac_vendor,
        hostname: host.hostname.clone(),
        open_ports: host.open_ports.clone(),
        identity: analysis.identity,
        evidence,
        cloud_contacts: Vec::new(),
        upstream_timeline: Vec::new(),
    }
}

/// The current time as RFC 3339 (UTC). The one clock read of a scan, at the edge.
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .unwrap_or_default()
}
