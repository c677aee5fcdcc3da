//! Passive identity: what devices say about themselves, unasked, in a capture. DHCP client
//! messages (host name, vendor class), mDNS/DNS-SD answers (instances, services, TXT keys),
//! SSDP NOTIFY and search responses (SERVER, LOCATION, NT/ST, USN) and WS-Discovery Hello and
//! ProbeMatches become the same evidence atoms the active discovery emits (`dhcp.hostname`,
//! `mdns.txt`, `ssdp.server`, `wsd.types` …), marked as observed passively, so the claims and
//! the fingerprint read them the same way.
//!
//! It also learns which LAN addresses one machine holds (one MAC), so a router seen with three
//! addresses is one device. The gateway's MAC fronts every remote address, so a MAC is trusted
//! for its own packets' addresses only when it never forwards (never sources a public IPv4
//! address, sources few LAN addresses and never carries both sides of one conversation); an ARP or DHCP message in which a MAC states its
//! own address is proof whatever the MAC. Pure: bytes in, atoms out, bounded memory.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use super::analyze::is_local;
use super::decode::{Packet, Proto};
use crate::model::Evidence;
use crate::wire::discovery::Atom;
use crate::wire::{arp, dhcp, mdns, ssdp, wsd};

/// Most addresses (and MACs) remembered: a flood of forged packets cannot grow memory without end.
const MAX_ENTRIES: usize = 65_536;
/// Atoms kept per address or MAC (the host keeps at most its own cap too).
const MAX_ATOMS: usize = 256;
/// A MAC sending from more LAN addresses than this is taken for a router (an internal gateway
/// routing a camera VLAN fronts many LAN addresses): its own packets then prove nothing.
const MAX_ADDRESSES_PER_MACHINE: usize = 8;

/// What a capture's announcements said, being collected.
#[derive(Debug, Default)]
pub struct PassiveIdentity {
    atoms: HashMap<IpAddr, Vec<Evidence>>,
    hostnames: HashMap<IpAddr, String>,
    /// DHCP atoms by client MAC: a DISCOVER carries no address yet.
    mac_atoms: HashMap<[u8; 6], Vec<Evidence>>,
    /// Addresses a MAC stated as its own (ARP sender, DHCP client address).
    stated: HashMap<IpAddr, [u8; 6]>,
    /// LAN addresses each MAC sent from.
    sent_from: HashMap<[u8; 6], BTreeSet<IpAddr>>,
    /// MACs that front other machines: routers (they sent packets from public IPv4 addresses)
    /// and MACs seen on both sides of one conversation (see [`PassiveIdentity::observe_source`]).
    forwarders: HashSet<[u8; 6]>,
}

/// What [`PassiveIdentity::finish`] hands back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassiveFindings {
    /// Atoms by the address that sent them (DHCP atoms under the address their MAC holds).
    pub atoms: BTreeMap<IpAddr, Vec<Evidence>>,
    /// Host names the device announced (mDNS host records, DHCP option 12).
    pub hostnames: BTreeMap<IpAddr, String>,
    /// The machine (MAC) each LAN address belongs to, where the capture shows it.
    pub owners: BTreeMap<IpAddr, [u8; 6]>,
}

impl PassiveIdentity {
    /// Looks at one decoded packet: its source MAC and address, and discovery payloads.
    pub fn observe(&mut self, p: &Packet<'_>) {
        if let Some(mac) = p.src_mac {
            self.observe_source(mac, p.src, p.dst);
        }
        if p.proto != Proto::Udp || p.fragment.is_some_and(|f| !f.first) {
            return;
        }
        let (sport, dport) = (p.src_port, p.dst_port);
        if dport == dhcp::SERVER_PORT && sport == dhcp::CLIENT_PORT {
            self.observe_dhcp(p.payload);
        } else if sport == mdns::PORT {
            self.observe_mdns(p.src, p.payload);
        } else if sport == ssdp::PORT || dport == ssdp::PORT {
            self.observe_ssdp(p.src, p.payload);
        } else if sport == wsd::PORT || dport == wsd::PORT {
            self.observe_wsd(p.src, p.payload);
        }
    }

    /// Looks at a non-IP Ethernet frame: an ARP sender states its own address.
    pub fn observe_frame(&mut self, frame: &[u8]) {
        if let Some((mac, ip)) = arp::parse_sender(frame)
            && !ip.is_unspecified()
        {
            self.state(IpAddr::V4(ip), mac);
        }
    }

    /// Learns which LAN addresses `mac` sends from. A MAC that sends a packet to an address it
    /// also sent from carries both sides of one conversation: a machine reaches its own
    /// addresses over loopback, never across the wire, so the MAC is a router's between two
    /// subnets (or the capture's MACs are anonymised, as in nDPI's mqtt.pcap, where an MQTT
    /// client and its broker share one) and says nothing about who holds either address.
    fn observe_source(&mut self, mac: [u8; 6], src: IpAddr, dst: IpAddr) {
        if !names_one_interface(mac) {
            return;
        }
        if src != dst
            && self
                .sent_from
                .get(&mac)
                .is_some_and(|ips| ips.contains(&dst))
            && self.forwarders.len() < MAX_ENTRIES
        {
            self.forwarders.insert(mac);
        }
        match src {
            // A public IPv4 source (not 0.0.0.0 of a DHCP client): this MAC forwards.
            IpAddr::V4(v4)
                if !(is_local(src)
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_multicast())
                    && self.forwarders.len() < MAX_ENTRIES =>
            {
                self.forwarders.insert(mac);
            }
            _ if is_local(src) => {
                if self.sent_from.len() >= MAX_ENTRIES && !self.sent_from.contains_key(&mac) {
                    return;
                }
                let set = self.sent_from.entry(mac).or_default();
                // One past the limit is enough to know the MAC is a router.
                if set.len() <= MAX_ADDRESSES_PER_MACHINE {
                    set.insert(src);
                }
            }
            _ => {}
        }
    }

    fn state(&mut self, ip: IpAddr, mac: [u8; 6]) {
        if names_one_interface(mac)
            && is_local(ip)
            && (self.stated.len() < MAX_ENTRIES || self.stated.contains_key(&ip))
        {
            // The first statement holds: a later one for the same address is a change or a spoof.
            self.stated.entry(ip).or_insert(mac);
        }
    }

    fn add(&mut self, ip: IpAddr, source: &str, port: u16, value: Option<&str>) {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        if !is_local(ip) || (self.atoms.len() >= MAX_ENTRIES && !self.atoms.contains_key(&ip)) {
            return;
        }
        let atom = Evidence::new(source, Some(port), value).observed_passively();
        push_atom(self.atoms.entry(ip).or_default(), atom);
    }

    fn set_hostname(&mut self, ip: IpAddr, name: &str) {
        let name = name.trim_end_matches('.').trim_end_matches(".local").trim();
        if name.is_empty() || !is_local(ip) || self.hostnames.len() >= MAX_ENTRIES {
            return;
        }
        self.hostnames.entry(ip).or_insert_with(|| name.to_string());
    }

    fn observe_dhcp(&mut self, payload: &[u8]) {
        let Some(msg) = dhcp::parse_client_message(payload) else {
            return;
        };
        if let Some(address) = msg.address {
            self.state(IpAddr::V4(address), msg.mac);
        }
        if self.mac_atoms.len() >= MAX_ENTRIES && !self.mac_atoms.contains_key(&msg.mac) {
            return;
        }
        let atoms = self.mac_atoms.entry(msg.mac).or_default();
        for (source, value) in [
            ("dhcp.hostname", &msg.hostname),
            ("dhcp.vendor_class", &msg.vendor_class),
        ] {
            if let Some(v) = value {
                let atom = Evidence::new(source, Some(dhcp::SERVER_PORT), v.clone());
                push_atom(atoms, atom.observed_passively());
            }
        }
    }

    /// Atoms read by a codec of the discovery table, as seen in traffic.
    fn add_atoms(&mut self, ip: IpAddr, port: u16, atoms: &[Atom]) {
        for atom in atoms {
            self.add(ip, atom.source(), port, Some(&atom.value));
        }
    }

    fn observe_mdns(&mut self, ip: IpAddr, payload: &[u8]) {
        // The same reading as discovery's: the atoms, and the replier's own host name.
        let Some(reply) = (mdns::DISCOVERY.parse)(ip, payload) else {
            return;
        };
        self.add_atoms(ip, mdns::PORT, &reply.atoms);
        if let Some(name) = &reply.host_name {
            self.set_hostname(ip, name);
        }
    }

    fn observe_ssdp(&mut self, ip: IpAddr, payload: &[u8]) {
        // Searches (M-SEARCH) say what a client looks for, not what it is: parse_response
        // reads only NOTIFY and search responses.
        let Some(r) = ssdp::parse_response(payload) else {
            return;
        };
        self.add_atoms(ip, ssdp::PORT, &ssdp::response_atoms(&r));
    }

    fn observe_wsd(&mut self, ip: IpAddr, payload: &[u8]) {
        let text = String::from_utf8_lossy(payload);
        let mut matches = wsd::parse_probe_matches(&text)
            .map(|r| r.matches)
            .unwrap_or_default();
        if matches.is_empty()
            && let Ok(Some(hello)) = wsd::parse_hello(&text)
        {
            matches.push(hello);
        }
        for m in matches {
            self.add_atoms(ip, wsd::PORT, &wsd::match_atoms(&m));
        }
    }

    /// The machine holding a LAN address: the MAC that stated it (ARP, DHCP), else the one MAC
    /// that sent from it, when that MAC is no router.
    fn owner(&self, ip: IpAddr) -> Option<[u8; 6]> {
        if let Some(mac) = self.stated.get(&ip) {
            return Some(*mac);
        }
        let mut senders = self
            .sent_from
            .iter()
            .filter(|(mac, ips)| {
                ips.contains(&ip)
                    && ips.len() <= MAX_ADDRESSES_PER_MACHINE
                    && !self.forwarders.contains(*mac)
            })
            .map(|(mac, _)| *mac);
        let first = senders.next()?;
        // Two MACs sending from one address (a moved address, a spoof): no owner.
        senders.next().is_none().then_some(first)
    }

    /// Ends the collection: atoms per address, DHCP atoms under their MAC's address(es).
    pub fn finish(self) -> PassiveFindings {
        let mut addresses: BTreeSet<IpAddr> = self.stated.keys().copied().collect();
        addresses.extend(self.sent_from.values().flatten().copied());
        addresses.extend(self.atoms.keys().copied());
        let owners: BTreeMap<IpAddr, [u8; 6]> = addresses
            .into_iter()
            .filter_map(|ip| self.owner(ip).map(|mac| (ip, mac)))
            .collect();
        let mut atoms: BTreeMap<IpAddr, Vec<Evidence>> = self.atoms.into_iter().collect();
        let mut hostnames: BTreeMap<IpAddr, String> = self.hostnames.into_iter().collect();
        for (ip, mac) in &owners {
            let Some(dhcp_atoms) = self.mac_atoms.get(mac) else {
                continue;
            };
            let list = atoms.entry(*ip).or_default();
            for atom in dhcp_atoms {
                if atom.source == "dhcp.hostname" {
                    hostnames.entry(*ip).or_insert_with(|| atom.value.clone());
                }
                push_atom(list, atom.clone());
            }
        }
        PassiveFindings {
            atoms,
            hostnames,
            owners,
        }
    }
}

fn push_atom(list: &mut Vec<Evidence>, atom: Evidence) {
    if list.len() < MAX_ATOMS && !list.contains(&atom) {
        list.push(atom);
    }
}

/// Whether a MAC names one network interface, so the addresses sent from it are one machine's.
/// The all-zero MAC (every frame of a Linux loopback capture, some anonymised captures) and
/// group MACs (broadcast ff:ff:…, multicast: low bit of the first octet set) are shared by
/// many senders and name none. A locally administered MAC (second-lowest bit set: a phone's
/// private Wi-Fi address, a VM's or container's interface) does name one interface — it is
/// unique on its link, only not assigned by a maker — so it still groups: ignoring it would
/// split every phone that randomises its MAC per network into one device per address.
pub fn names_one_interface(mac: [u8; 6]) -> bool {
    let mac = crate::model::MacAddr(mac);
    !mac.is_zero() && !mac.is_multicast()
}

/// LAN addresses grouped by the machine holding them: each group is one device, its first
/// address (see [`listing_rank`]) the one it is listed under. Addresses with no known owner
/// stand alone, and so do those whose owner is a MAC that names no single interface (see
/// [`names_one_interface`]).
pub fn group_by_machine(
    addresses: impl IntoIterator<Item = IpAddr>,
    owners: &BTreeMap<IpAddr, [u8; 6]>,
) -> Vec<Vec<IpAddr>> {
    let mut by_mac: BTreeMap<[u8; 6], Vec<IpAddr>> = BTreeMap::new();
    let mut groups: Vec<Vec<IpAddr>> = Vec::new();
    let unique: BTreeSet<IpAddr> = addresses.into_iter().collect();
    for ip in unique {
        match owners.get(&ip) {
            Some(mac) if is_local(ip) && names_one_interface(*mac) => {
                by_mac.entry(*mac).or_default().push(ip)
            }
            _ => groups.push(vec![ip]),
        }
    }
    for mut group in by_mac.into_values() {
        group.sort_by_key(|ip| (listing_rank(*ip), *ip));
        groups.push(group);
    }
    groups.sort();
    groups
}

/// Which of a machine's addresses it is listed under: a routable IPv4 address before a
/// link-local one (169.254/16, what a device falls back to without DHCP), then IPv6
/// unique-local before link-local.
fn listing_rank(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(v4) if !v4.is_link_local() => 0,
        IpAddr::V4(_) => 1,
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) != 0xfe80 => 2,
        IpAddr::V6(_) => 3,
    }
}

#[cfg(test)]
#[path = "passive_tests.rs"]
mod tests;
