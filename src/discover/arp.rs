//! Raw ARP sweep of the chosen interface's subnet (pnet datalink, `AF_PACKET`): one who-has per
//! address at a bounded rate, one retry for the silent ones, replies matched in this process.
//! Finds hosts whose every TCP port is filtered, with their MAC. Needs CAP_NET_RAW; without it
//! [`sweep`] says so and the caller keeps the TCP sweep and the kernel neighbour table.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use pnet_datalink::{Channel, Config, DataLinkReceiver, DataLinkSender, NetworkInterface};
use thiserror::Error;
use tokio::time::Instant;

use super::SweepResult;
use crate::model::{HostObservation, SeenBy};
use crate::wire::arp;

/// Requests per second: a /24 leaves in about 0.13 s, far below what a switch notices.
pub const DEFAULT_RATE: u32 = 2000;
/// Requests go out to the addresses still silent up to this many times (a lost request or reply
/// on a lossy link must not hide a device); a pass only runs when someone has not answered.
const ARP_PASSES: usize = 3;
/// Wait after the first pass before a retry, and after the last pass before giving up.
const SETTLE_FIRST: Duration = Duration::from_millis(250);
const SETTLE_LAST: Duration = Duration::from_millis(400);
/// How long one receive may block, so the receiver notices the end of the sweep.
const READ_TIMEOUT: Duration = Duration::from_millis(20);

/// Why the ARP sweep did not run.
#[derive(Debug, Error)]
pub enum ArpError {
    #[error("no network interface named {0}")]
    NoInterface(String),
    #[error("interface {0} has no MAC or IPv4 address")]
    NotEthernet(String),
    #[error(
        "opening a raw socket on {interface} needs CAP_NET_RAW ({source}); run as root or give the binary `cap_net_raw+ep` (setcap)"
    )]
    NoRawSocket {
        interface: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no target lies in {0}'s IPv4 subnet (ARP does not cross routers)")]
    NoTargetOnLink(String),
    #[error("raw socket on {interface}: {reason}")]
    Channel { interface: String, reason: String },
}

/// What an ARP sweep found, and which part of the targets it could see.
#[derive(Debug, Clone)]
pub struct ArpSweep {
    /// One observation per address that answered.
    pub found: SweepResult,
    /// The interface's subnet: every target in it was asked, so one that did not answer is not
    /// there (an IPv4 host on the link must answer ARP to talk at all).
    pub subnet: ipnet::Ipv4Net,
}

impl ArpSweep {
    /// Whether the sweep asked `ip` (it lies on the link).
    pub fn covers(&self, ip: &IpAddr) -> bool {
        matches!(ip, IpAddr::V4(v4) if self.subnet.contains(v4))
    }
}

/// ARP-sweeps the targets that lie in `interface`'s IPv4 subnet (others are skipped: ARP does
/// not cross routers). Returns one observation per address that answered.
///
/// # Errors
/// [`ArpError`] when the interface is unusable or raw sockets are not permitted.
pub async fn sweep(
    interface: &str,
    targets: &[IpAddr],
    rate: u32,
) -> Result<SweepResult, ArpError> {
    sweep_subnet(interface, targets, rate)
        .await
        .map(|s| s.found)
}

/// [`sweep`], also saying which subnet was swept.
///
/// # Errors
/// [`ArpError`] when the interface is unusable or raw sockets are not permitted.
pub async fn sweep_subnet(
    interface: &str,
    targets: &[IpAddr],
    rate: u32,
) -> Result<ArpSweep, ArpError> {
    let interface = interface.to_string();
    let targets = targets.to_vec();
    tokio::task::spawn_blocking(move || sweep_blocking(&interface, &targets, rate))
        .await
        .map_err(|e| ArpError::Channel {
            interface: String::new(),
            reason: e.to_string(),
        })?
}

fn sweep_blocking(name: &str, targets: &[IpAddr], rate: u32) -> Result<ArpSweep, ArpError> {
    let iface = find_interface(name)?;
    let (mac, local, prefix) =
        addressing(&iface).ok_or_else(|| ArpError::NotEthernet(name.to_string()))?;
    let subnet = ipnet::Ipv4Net::new(local, prefix)
        .map_err(|e| ArpError::Channel {
            interface: name.to_string(),
            reason: e.to_string(),
        })?
        .trunc();
    let wanted: Vec<Ipv4Addr> = targets
        .iter()
        .filter_map(|ip| match ip {
            IpAddr::V4(v4) if subnet.contains(v4) && *v4 != local => Some(*v4),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Err(ArpError::NoTargetOnLink(name.to_string()));
    }
    let (mut tx, mut rx) = open_channel(&iface)?;
    let want_set: HashSet<Ipv4Addr> = wanted.iter().copied().collect();
    let gap = Duration::from_secs(1) / rate.max(1);
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut notes = Vec::new();
    let answered = std::sync::Mutex::new(BTreeMap::<Ipv4Addr, [u8; 6]>::new());
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(frame) = rx.next() else { continue };
                if let Some(reply) = arp::parse_reply(frame)
                    && reply.target_ip == local
                    && want_set.contains(&reply.sender_ip)
                    && let Ok(mut map) = answered.lock()
                {
                    map.entry(reply.sender_ip).or_insert(reply.sender_mac);
                }
            }
        });
        let mut send_failures = 0usize;
        // Without retries (the loss test's control run) the sweep keeps its one repeat pass.
        let passes = if crate::retry::enabled() {
            ARP_PASSES
        } else {
            2
        };
        for pass in 0..passes {
            let pending: Vec<Ipv4Addr> = {
                let map = answered.lock().map(|m| m.clone()).unwrap_or_default();
                wanted
                    .iter()
                    .copied()
                    .filter(|ip| !map.contains_key(ip))
                    .collect()
            };
            // Everyone answered the first pass: no retry, and nothing more to wait for.
            if pending.is_empty() {
                break;
            }
            let mut next = Instant::now().into_std();
            for ip in pending {
                let frame = arp::request(mac, local, ip);
                if !matches!(tx.send_to(&frame, None), Some(Ok(()))) {
                    send_failures += 1;
                }
                next += gap;
                let now = std::time::Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                }
            }
            std::thread::sleep(if pass + 1 < passes {
                SETTLE_FIRST
            } else {
                SETTLE_LAST
            });
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        if send_failures > 0 {
            notes.push(
                crate::model::Note::new("arp_send_failed")
                    .arg("count", send_failures)
                    .arg("interface", name),
            );
        }
    });
    let map = answered.into_inner().unwrap_or_default();
    let hosts = map
        .into_iter()
        .map(|(ip, mac)| {
            let mut h = HostObservation::new(IpAddr::V4(ip));
            h.mac = Some(crate::model::MacAddr(mac).to_string());
            h.mark_seen(SeenBy::Arp);
            h
        })
        .collect();
    Ok(ArpSweep {
        found: SweepResult {
            hosts,
            notes,
            limits_hit: Vec::new(),
        },
        subnet,
    })
}

type RawSender = Box<dyn DataLinkSender>;
type RawReceiver = Box<dyn DataLinkReceiver>;

/// Raw Ethernet channel on `iface` (not promiscuous: frames to us and broadcasts).
pub(crate) fn open_channel(iface: &NetworkInterface) -> Result<(RawSender, RawReceiver), ArpError> {
    let name = &iface.name;
    let config = Config {
        read_timeout: Some(READ_TIMEOUT),
        promiscuous: false,
        ..Config::default()
    };
    match pnet_datalink::channel(iface, config) {
        Ok(Channel::Ethernet(tx, rx)) => Ok((tx, rx)),
        Ok(_) => Err(ArpError::Channel {
            interface: name.clone(),
            reason: "not an Ethernet channel".into(),
        }),
        Err(source) if source.kind() == std::io::ErrorKind::PermissionDenied => {
            Err(ArpError::NoRawSocket {
                interface: name.clone(),
                source,
            })
        }
        Err(e) => Err(ArpError::Channel {
            interface: name.clone(),
            reason: e.to_string(),
        }),
    }
}

/// The interface named `name`.
pub(crate) fn find_interface(name: &str) -> Result<NetworkInterface, ArpError> {
    pnet_datalink::interfaces()
        .into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| ArpError::NoInterface(name.to_string()))
}

fn addressing(iface: &NetworkInterface) -> Option<([u8; 6], Ipv4Addr, u8)> {
    let mac = iface.mac?.octets();
    let (ip, prefix) = iface.ips.iter().find_map(|n| match n.ip() {
        IpAddr::V4(v4) => Some((v4, n.prefix())),
        IpAddr::V6(_) => None,
    })?;
    Some((mac, ip, prefix))
}
