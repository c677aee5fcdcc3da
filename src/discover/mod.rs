//! Host discovery: which addresses are up, with which MAC and which TCP ports open.
//!
//! Does network I/O (TCP connects) and reads the kernel neighbour table; decides nothing about
//! what a device is. Its output is [`HostObservation`]s for the probes and the fingerprint core.
//!
//! # Seams for later discovery protocols
//! - [`NeighbourSource`]: where the TCP sweep learns which addresses answered ARP. Today
//!   [`ProcNetArp`] reads `/proc/net/arp`; a raw ARP sweep (pnet) can supply a
//!   [`StaticNeighbours`] of what it saw, so firewalled hosts are still found.
//! - [`HostDiscoverer`]: a protocol that finds hosts on its own (ARP, WS-Discovery, SSDP, mDNS,
//!   SADP). Each returns observations with its evidence; [`merge_observations`] folds them into
//!   the sweep's result by address.

pub mod arp;
pub mod igd;
pub mod neighbour;
pub mod passive;
pub mod progress;
pub mod protocols;
pub mod tcp;
pub mod udp;

use std::net::IpAddr;

use futures::future::BoxFuture;

pub use neighbour::{
    NeighbourEntry, NeighbourSource, ProcNetArp, StaticNeighbours, parse_proc_net_arp,
};
pub use progress::{NoProgress, ProgressSink};
pub use tcp::{LiveSink, SweepConfig, SweepResult, sweep, sweep_with, sweep_with_sink};
pub use udp::DiscoveryContext;

use crate::model::HostObservation;

/// A way of finding hosts other than the TCP sweep. Implementations only observe: they return
/// what answered, with evidence (`ssdp.*`, `wsd.*`…), and never judge what a device is.
pub trait HostDiscoverer: Send + Sync {
    /// Short name for the report's `scan.discovery` list (`arp`, `ws_discovery`, …).
    fn name(&self) -> &'static str;
    /// Finds hosts among `targets`; failures are notes on the result, not errors.
    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult>;
}

/// Folds `found` into `hosts` by address: new hosts are added, known ones gain the MAC, hostname,
/// ways seen, ports and evidence they lacked. `hosts` stays sorted by address.
pub fn merge_observations(hosts: &mut Vec<HostObservation>, found: Vec<HostObservation>) {
    for new in found {
        match hosts.iter_mut().find(|h| h.ip == new.ip) {
            None => hosts.push(new),
            Some(old) => {
                if old.mac.is_none() {
                    old.mac = new.mac;
                }
                if old.hostname.is_none() {
                    old.hostname = new.hostname;
                }
                for how in new.seen_by {
                    old.mark_seen(how);
                }
                for port in new.open_ports {
                    if !old
                        .open_ports
                        .iter()
                        .any(|p| p.port == port.port && p.protocol == port.protocol)
                    {
                        old.open_ports.push(port);
                    }
                }
                old.open_ports.sort();
                for ev in new.evidence {
                    old.push_evidence(ev);
                }
                old.notes.extend(new.notes);
                for cut in new.cut_short {
                    old.cut(cut);
                }
            }
        }
    }
    hosts.sort_by_key(|h| h.ip);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, OpenPort, SeenBy};

    /// A host found by a discovery protocol is merged into the swept one, not listed twice.
    #[test]
    fn merge_adds_and_combines_by_address() {
        let ip1: IpAddr = "192.168.1.64".parse().unwrap();
        let ip2: IpAddr = "192.168.1.10".parse().unwrap();
        let mut swept = HostObservation::new(ip1);
        swept.mark_seen(SeenBy::TcpConnect);
        swept.open_ports.push(OpenPort {
            port: 80,
            protocol: "tcp".into(),
            service: "http".into(),
        });
        let mut hosts = vec![swept];

        let mut seen = HostObservation::new(ip1);
        seen.mac = Some("44:19:b6:01:02:03".into());
        seen.mark_seen(SeenBy::Discovery);
        seen.push_evidence(Evidence::new(
            "wsd.types",
            None,
            "dn:NetworkVideoTransmitter",
        ));
        let other = HostObservation::new(ip2);
        merge_observations(&mut hosts, vec![seen, other]);

        assert_eq!(hosts.len(), 2);
        assert_eq!(hosts[0].ip, ip2, "kept sorted by address");
        let cam = &hosts[1];
        assert_eq!(cam.mac.as_deref(), Some("44:19:b6:01:02:03"));
        assert_eq!(cam.seen_by, vec![SeenBy::TcpConnect, SeenBy::Discovery]);
        assert_eq!(cam.open_ports.len(), 1);
        assert_eq!(cam.evidence.len(), 1);
    }
}
