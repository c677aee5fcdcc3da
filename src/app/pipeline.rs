//! The audit pipeline: sweep → probe → fingerprint → report.

use futures::stream::{self, StreamExt};
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::discover::{self, DiscoveryContext, ProgressSink, SweepConfig};
use crate::fingerprint::{self, SignatureDb};
use crate::model::{
    CutReason, CutShort, Device, Evidence, EvidenceSource, HostObservation, LimitHit, Report,
    SCHEMA_VERSION, ScanInfo, ScanMode, ToolInfo,
};
use crate::probe::http::client::ClientError;
use crate::probe::{ProbeConfig, Prober};

/// Hosts probed at once; each host's own probes are further bounded by its deadline.
const HOSTS_IN_FLIGHT: usize = 32;
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
    let started_at = now_rfc3339();
    let prober = Prober::new(plan.probe.clone())?;
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
    let (mut swept, arp) =
        tokio::join!(discover::sweep(&plan.addresses, &plan.sweep, progress), arp);
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
    let mut limits_hit = swept.limits_hit;
    keep_at_most(&mut swept.hosts, MAX_HOSTS, "swept", &mut limits_hit);
    if plan.skipped_own > 0 {
        notes.push(format!(
            "{} address(es) of this machine skipped",
            plan.skipped_own
        ));
    }

    // The discovery protocols wait for replies while the probes work: neither needs the other,
    // and discovery-only hosts have no open TCP port to probe.
    let live: Vec<IpAddr> = swept.hosts.iter().map(|h| h.ip).collect();
    let discovered = async {
        match &plan.discovery {
            Some(ctx) => Some(run_discovery(ctx, &plan.addresses, &live).await),
            None => None,
        }
    };
    progress.set_total("probe", swept.hosts.len() as u64);
    let probing = stream::iter(swept.hosts)
        .map(|mut host| {
            let prober = &prober;
            async move {
                prober.probe_host(&mut host).await;
                progress.advance(1);
                host
            }
        })
        .buffer_unordered(HOSTS_IN_FLIGHT)
        .collect::<Vec<HostObservation>>();
    let (mut probed, discovered) = tokio::join!(probing, discovered);
    progress.finish();
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
            Err(e) => notes.push(format!("passive DHCP/ARP listening not run ({e})")),
        }
    }

    keep_at_most(&mut probed, MAX_HOSTS, "found", &mut limits_hit);
    let mut devices: Vec<Device> = probed.iter().map(|h| build_device(db, h)).collect();
    devices.sort_by_key(|d| d.ip.parse::<IpAddr>().ok());
    for host in &probed {
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
            complete: true,
            targets: plan.target_specs.clone(),
            interface: plan.interface.clone(),
            captures: Vec::new(),
            addresses_scanned: (plan.addresses.len() + plan.skipped_own) as u64,
            ports: plan.sweep.ports.clone(),
            discovery,
            notes,
            authorised_by: plan.authorised_by.clone(),
            lang: Some(plan.lang.clone()),
            limits_hit,
        },
        site: None,
        devices,
        findings: Vec::new(),
        evidence_files: Vec::new(),
    })
}

/// What the discovery protocols found.
struct Discovered {
    hosts: Vec<HostObservation>,
    notes: Vec<String>,
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
    let discoverers = discover::protocols::all(ctx);
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
    let mut cut_short = host.cut_short.clone();
    // An over-long value is kept cut and marked on the atom; the device lists the cut too.
    for ev in evidence.iter().filter(|e| e.truncated) {
        let probe = ev.source.split('.').next().unwrap_or(&ev.source);
        let cut = CutShort::new(
            probe,
            ev.port,
            CutReason::ValueCap,
            format!("{} value cut to {} bytes", ev.source, ev.value.len()),
        );
        if !cut_short
            .iter()
            .any(|c| c.probe == cut.probe && c.port == cut.port && c.reason == cut.reason)
        {
            cut_short.push(cut);
        }
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
        cut_short,
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
