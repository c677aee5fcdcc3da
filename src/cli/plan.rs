//! Turns command-line options into a validated scan plan.

use anyhow::{Context, Result, bail};
use ipnet::Ipv4Net;
use std::net::IpAddr;
use std::time::Duration;

use crate::app::ScanPlan;
use crate::bundle::PortSet;
use crate::cli::args::{LangArg, ScanOptions};
use crate::discover::{DiscoveryContext, SweepConfig};
use crate::model::ScanMode;
use crate::probe::ProbeConfig;
use crate::targets::{self, TargetPolicy};

/// How long the discovery protocols wait for replies after their inquiries.
const DISCOVERY_WINDOW: Duration = Duration::from_millis(1500);

/// Sockets kept free for the process itself when bounding concurrency by the open-file limit.
const FD_RESERVE: u64 = 64;

/// A plan that scans nothing (`audit --bridge` without targets: the devices are those seen
/// crossing the bridge). Sends nothing: no addresses, no interface, no discovery.
pub fn build_passive(
    opts: &ScanOptions,
    ports: &PortSet,
    mode: ScanMode,
    lang: LangArg,
    authorised_by: Option<String>,
) -> Result<ScanPlan> {
    let mut plan = assemble(
        opts,
        ports,
        mode,
        lang,
        authorised_by,
        (Vec::new(), Vec::new(), 0, own_addresses()),
    )?;
    plan.interface = None;
    plan.discovery = None;
    plan.sweep.ports.clear();
    Ok(plan)
}

/// Builds the plan; targets come from --targets or, failing that, from the interface's IPv4 subnets.
pub fn build(
    opts: &ScanOptions,
    ports: &PortSet,
    mode: ScanMode,
    lang: LangArg,
    authorised_by: Option<String>,
) -> Result<ScanPlan> {
    let policy = TargetPolicy {
        allow_public: opts.allow_public,
        allow_large: opts.allow_large,
    };
    let mut specs = opts.targets.clone();
    if let Some(file) = &opts.targets_file {
        specs.extend(super::targets_file::read(file, policy)?);
    }
    if specs.is_empty() {
        let Some(iface) = &opts.interface else {
            bail!(
                "no targets: give --targets (e.g. 198.18.0.0/24), --targets-file or --interface to scan that interface's subnet"
            );
        };
        specs = interface_subnets(iface)?
            .iter()
            .map(ToString::to_string)
            .collect();
        if specs.is_empty() {
            bail!("interface {iface} has no IPv4 address to take a subnet from; give --targets");
        }
    }
    let mut addresses = targets::expand(&specs, policy)?;
    // This machine's own LAN addresses are not devices of the site; loopback stays scannable for tests.
    let own = own_addresses();
    let before = addresses.len();
    addresses.retain(|ip| ip.is_loopback() || !own.contains(ip));
    let skipped_own = before - addresses.len();
    assemble(
        opts,
        ports,
        mode,
        lang,
        authorised_by,
        (specs, addresses, skipped_own, own),
    )
}

/// The plan for these targets (the specifications, their addresses, how many of them were this
/// host's own, this host's addresses).
fn assemble(
    opts: &ScanOptions,
    ports: &PortSet,
    mode: ScanMode,
    lang: LangArg,
    authorised_by: Option<String>,
    (specs, addresses, skipped_own, own): (Vec<String>, Vec<IpAddr>, usize, Vec<IpAddr>),
) -> Result<ScanPlan> {
    let ports = ports.clone().with_ports(&opts.ports);
    let timeout = Duration::from_millis(opts.timeout_ms.max(50));
    let host_deadline = Duration::from_secs(opts.host_deadline.max(1));
    if opts.per_host == 0 || opts.concurrency == 0 {
        bail!("--concurrency and --per-host must be at least 1");
    }
    let sweep = SweepConfig {
        ports: ports.ports.clone(),
        services: ports.services.clone(),
        first_wave: ports.first_wave.clone(),
        global_concurrency: opts.concurrency.min(fd_budget()),
        per_host_concurrency: opts.per_host,
        connect_timeout: timeout,
        host_deadline,
        rate: opts.rate,
    };
    let probe = ProbeConfig {
        timeout,
        host_deadline,
        port_kinds: ports.probe.clone(),
        ..ProbeConfig::default()
    };
    Ok(ScanPlan {
        mode,
        target_specs: specs,
        addresses,
        interface: opts.interface.clone(),
        sweep,
        probe,
        authorised_by,
        lang: lang_code(lang).into(),
        skipped_own,
        scanner_addresses: scanner_addresses(own),
        discovery: Some(match &opts.interface {
            Some(iface) => DiscoveryContext {
                // Read only when the gateway is also a target (see discover::igd).
                gateway: crate::intercept::default_gateway(iface).ok(),
                ..DiscoveryContext::for_interface(iface, DISCOVERY_WINDOW)
            },
            None => DiscoveryContext::default(),
        }),
    })
}

pub fn lang_code(lang: LangArg) -> &'static str {
    match lang {
        LangArg::Zh => "zh",
        LangArg::En => "en",
    }
}

/// Raises the open-file soft limit to the hard limit and returns how many sockets a sweep may hold.
fn fd_budget() -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 256;
    };
    let limit = if setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        hard
    } else {
        soft
    };
    usize::try_from(limit.saturating_sub(FD_RESERVE).max(16)).unwrap_or(usize::MAX)
}

/// This machine's addresses as the report records them: loopback left out (it never crosses a
/// wire), each once, in order.
fn scanner_addresses(own: Vec<IpAddr>) -> Vec<IpAddr> {
    let mut addresses: Vec<IpAddr> = own.into_iter().filter(|ip| !ip.is_loopback()).collect();
    addresses.sort();
    addresses.dedup();
    addresses
}

/// Every address configured on this machine's interfaces.
fn own_addresses() -> Vec<IpAddr> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    addrs
        .filter_map(|a| a.address)
        .filter_map(|a| {
            a.as_sockaddr_in()
                .map(|v4| IpAddr::V4(v4.ip()))
                .or_else(|| a.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip())))
        })
        .collect()
}

/// The IPv4 subnets configured on an interface.
pub fn interface_subnets(iface: &str) -> Result<Vec<Ipv4Net>> {
    let addrs = nix::ifaddrs::getifaddrs().context("listing network interfaces")?;
    let mut nets = Vec::new();
    let mut seen = false;
    for a in addrs.filter(|a| a.interface_name == iface) {
        seen = true;
        let (Some(addr), Some(mask)) = (a.address, a.netmask) else {
            continue;
        };
        let (Some(addr), Some(mask)) = (addr.as_sockaddr_in(), mask.as_sockaddr_in()) else {
            continue;
        };
        let prefix = u32::from(mask.ip()).count_ones();
        let prefix = u8::try_from(prefix).unwrap_or(32);
        if let Ok(net) = Ipv4Net::new(addr.ip(), prefix) {
            nets.push(net.trunc());
        }
    }
    if !seen {
        bail!("no network interface named {iface}");
    }
    Ok(nets)
}
