//! The traffic analyser (pure): frames in, per-device destinations and timelines out.
//!
//! Memory is bounded: the flow table holds live flows only; per-device summaries grow with the
//! number of distinct device × destination pairs (capped), names with the DNS answers (capped),
//! timelines with the capture's minutes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::cloud::{CloudDb, INFRASTRUCTURE, MatchedBy};
use super::decode::{self, Packet, Proto};
use super::dns;
use super::flows::{Flow, FlowKey, FlowLimits, FlowTable, NameSource};
use super::judge::{self, BurstTracker, Pattern, Totals, UploadPolicy};
use super::passive::{PassiveFindings, PassiveIdentity, names_one_interface};
use super::source::{Frame, LinkType};
use crate::model::{
    CloudCategory, CloudContact, ContactScope, Evidence, EvidenceSource, MacAddr, UpstreamMinute,
};

/// Distinct device × destination pairs kept; more (a port scan) are counted, not kept.
const MAX_CONTACTS: usize = 100_000;
/// Names learned from DNS, per host that asked and address answered: a DNS answer names an
/// address only for the host that received it, from the time it did (CDN and cloud addresses
/// serve many names; another host's lookup says nothing about this host's connection).
/// Each chain carries the capture time (µs) of the first answer that gave it.
type DnsNames = HashMap<(IpAddr, IpAddr), Vec<(i64, Vec<String>)>>;

/// Asker × address pairs with DNS names kept.
const MAX_NAMED_ADDRS: usize = 200_000;
/// Connections kept for connections.csv; more are counted (`connections_dropped`).
const MAX_CONNECTIONS: usize = 200_000;
/// Live device → internet connections whose upstream shape is followed for their own verdict.
const MAX_JUDGED_CONNECTIONS: usize = 200_000;
/// Fragmented packets whose first fragment's ports are remembered for the later ones.
const MAX_FRAGMENTED: usize = 4_096;
/// Names kept per address (CDN addresses serve many).
const MAX_CHAINS_PER_ADDR: usize = 4;

/// Whether an address belongs to the local network (private, link-local, CGNAT, the lab's
/// benchmark range, IPv6 unique-local and link-local).
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments()[0];
            (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// Unicast addresses that can be a host (not broadcast, multicast or unspecified).
///
/// Without the netmask a subnet's broadcast address cannot be told from a host: x.y.z.255 is a
/// host in a /23 and on the internet, so only 255.255.255.255 is the broadcast address here.
/// (Directed broadcasts are still left out of contacts: nobody answers from them, and
/// [`Analyzer`] only keeps a contact for the sender's side of a one-way flow.)
fn is_host(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !(v4.is_broadcast() || v4.is_multicast() || v4.is_unspecified()),
        IpAddr::V6(v6) => !(v6.is_multicast() || v6.is_unspecified()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ContactKey {
    device: IpAddr,
    remote: IpAddr,
    port: u16,
    proto: Proto,
}

#[derive(Debug, Clone, Default)]
struct ContactStats {
    totals: Totals,
    bursts: BurstTracker,
    connections: u64,
    sni: Option<String>,
    http_host: Option<String>,
}

/// A local host seen sending.
#[derive(Debug, Clone, Default)]
struct HostSeen {
    mac: Option<[u8; 6]>,
}

/// Counters for the report's notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub frames: u64,
    pub bytes: u64,
    pub ip_packets: u64,
    pub undecoded_frames: u64,
    pub dns_answers: u64,
    pub flows_untracked: u64,
    pub contacts_dropped: u64,
    /// Connections ended beyond what connections.csv keeps.
    pub connections_dropped: u64,
    /// Connections read from a connection log (Zeek's conn.log) instead of packets.
    pub logged_connections: u64,
}

/// A connection from a connection log (Zeek's conn.log): totals each way, no packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedConnection {
    pub first_us: i64,
    pub duration_us: i64,
    /// The side that opened the connection and the side that answered.
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
    pub proto: Proto,
    /// Bytes and packets each way: index 0 sent by `orig`, 1 by `resp`.
    pub bytes: [u64; 2],
    pub packets: [u64; 2],
    /// The name the opener asked for on it (TLS SNI, HTTP Host).
    pub name: Option<(NameSource, String)>,
    /// Link addresses of each side, when logged (a group address marks a broadcast).
    pub l2: [Option<[u8; 6]>; 2],
}

/// Most shares one logged connection's bytes are spread over (an hour of seconds: a longer
/// connection gets shares more than a second apart, so reading a log stays linear in its size).
const MAX_SHARES: u64 = 3_600;

/// `bytes` sent in `packets` between `first_us` and `last_us`, as shares one second apart (at
/// most one a packet, at least one), for the burst and timeline accounting of a logged
/// connection.
fn spread(first_us: i64, last_us: i64, bytes: u64, packets: u64) -> Vec<(i64, u64)> {
    if bytes == 0 {
        return Vec::new();
    }
    let span = (last_us - first_us).max(0) as u64;
    let n = (span / 1_000_000 + 1).min(packets.max(1)).min(MAX_SHARES);
    let each = bytes / n;
    let step = if n > 1 { span / (n - 1) } else { 0 };
    (0..n)
        .map(|i| {
            let extra = if i == 0 { bytes - each * n } else { 0 };
            (first_us + (i * step) as i64, each + extra)
        })
        .collect()
}

/// One connection (a flow with a device at one end), as connections.csv lists it: when, who,
/// how much each way, its name and where the name came from, and the verdict with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// RFC 3339 with microseconds.
    pub first_seen: String,
    pub last_seen: String,
    pub device: IpAddr,
    pub device_port: u16,
    pub remote: IpAddr,
    /// The port of the side that answered (the service's port).
    pub port: u16,
    pub protocol: &'static str,
    /// Whether the device opened the connection.
    pub device_opened: bool,
    pub bytes_up: u64,
    pub packets_up: u64,
    pub bytes_down: u64,
    pub packets_down: u64,
    pub name: Option<String>,
    /// `sni`, `http_host`, `dns`, `ip_range`.
    pub name_source: Option<&'static str>,
    pub category: CloudCategory,
    pub provider: Option<String>,
    /// `upload`, `heartbeat`, `telemetry`, `lan` or `infrastructure`.
    pub verdict: &'static str,
    pub reason: String,
}

/// What [`Analyzer::finish_all`] hands back.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub devices: Vec<DeviceTraffic>,
    /// In the order they started.
    pub connections: Vec<Connection>,
    pub counters: Counters,
    /// What the devices announced about themselves, and which addresses are one machine.
    pub passive: PassiveFindings,
}

/// A connection ended during the capture, before it is named and judged.
#[derive(Debug, Clone)]
struct EndedConnection {
    key: ContactKey,
    device_port: u16,
    device_opened: bool,
    first_us: i64,
    last_us: i64,
    bytes: [u64; 2],
    packets: [u64; 2],
    name: Option<(NameSource, String)>,
    /// The device's upstream shape, for a connection to the internet.
    up: Option<Totals>,
}

/// What the analysis found for one device.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceTraffic {
    pub ip: IpAddr,
    pub mac: Option<String>,
    pub contacts: Vec<CloudContact>,
    pub timeline: Vec<UpstreamMinute>,
    /// Contacts that make it a face-recognition device, as evidence atoms.
    pub face_evidence: Vec<Evidence>,
    /// What its traffic says about who made it (`traffic.cloud_maker`), for the fingerprint.
    pub identity_evidence: Vec<Evidence>,
}

/// Streaming analyser.
pub struct Analyzer {
    policy: UploadPolicy,
    flows: FlowTable,
    evicted: Vec<(FlowKey, Flow)>,
    names: DnsNames,
    contacts: HashMap<ContactKey, ContactStats>,
    hosts: HashMap<IpAddr, HostSeen>,
    timelines: HashMap<IpAddr, BTreeMap<i64, (u64, u64)>>,
    /// With an inventory, only these addresses are devices.
    inventory: Option<HashSet<IpAddr>>,
    /// Hosts whose packets are not the devices' own traffic (the scanner probing them).
    excluded: HashSet<IpAddr>,
    /// Ports of fragmented packets by (source, destination, identification), from their first
    /// fragment, so later fragments are filed under the same connection.
    fragments: HashMap<(IpAddr, IpAddr, u32), (u16, u16)>,
    /// The upstream shape of each live device → internet connection (its own verdict).
    judged: HashMap<FlowKey, (Totals, BurstTracker)>,
    /// Connections ended so far (bounded).
    ended: Vec<EndedConnection>,
    /// DHCP, mDNS, SSDP and WS-Discovery announcements, ARP statements.
    passive: PassiveIdentity,
    pub counters: Counters,
}

impl Analyzer {
    pub fn new(
        policy: UploadPolicy,
        limits: FlowLimits,
        inventory: Option<HashSet<IpAddr>>,
    ) -> Self {
        Self {
            policy,
            flows: FlowTable::new(limits),
            evicted: Vec::new(),
            names: HashMap::new(),
            contacts: HashMap::new(),
            hosts: HashMap::new(),
            timelines: HashMap::new(),
            inventory,
            excluded: HashSet::new(),
            fragments: HashMap::new(),
            judged: HashMap::new(),
            ended: Vec::new(),
            passive: PassiveIdentity::default(),
            counters: Counters::default(),
        }
    }

    /// Leaves out packets to or from `hosts`: a capture taken on the scanning machine during
    /// the scan would otherwise file every probe's reply as a contact of the device.
    pub fn exclude_hosts(&mut self, hosts: impl IntoIterator<Item = IpAddr>) {
        self.excluded.extend(hosts);
    }

    fn is_device(&self, ip: IpAddr) -> bool {
        match &self.inventory {
            Some(set) => set.contains(&ip),
            None => is_local(ip) && is_host(ip),
        }
    }

    /// Accounts one frame.
    pub fn push(&mut self, frame: &Frame<'_>) {
        self.counters.frames += 1;
        let wire = wire_length(frame);
        self.counters.bytes += wire;
        let Some(packet) = decode::decode(frame) else {
            self.counters.undecoded_frames += 1;
            if frame.link == LinkType::Ethernet {
                self.passive.observe_frame(frame.data);
            }
            return;
        };
        self.counters.ip_packets += 1;
        let packet = self.ports_of_fragment(packet);
        self.push_packet(&packet, wire, frame.ts_micros);
    }

    /// A later fragment carries no ports: it gets its first fragment's (when that came first).
    fn ports_of_fragment<'a>(&mut self, mut p: Packet<'a>) -> Packet<'a> {
        let Some(fragment) = p.fragment else {
            return p;
        };
        if !matches!(p.proto, Proto::Tcp | Proto::Udp) {
            return p;
        }
        let key = (p.src, p.dst, fragment.id);
        if fragment.first {
            if self.fragments.len() >= MAX_FRAGMENTED {
                self.fragments.clear();
            }
            self.fragments.insert(key, (p.src_port, p.dst_port));
        } else if let Some(&(src_port, dst_port)) = self.fragments.get(&key) {
            p.src_port = src_port;
            p.dst_port = dst_port;
        }
        p
    }

    fn push_packet(&mut self, p: &Packet<'_>, wire: u64, ts: i64) {
        if !self.excluded.is_empty()
            && (self.excluded.contains(&p.src) || self.excluded.contains(&p.dst))
        {
            return;
        }
        self.passive.observe(p);
        if p.src_port == 53 && p.proto == Proto::Udp {
            self.learn_dns(p.payload, p.dst, ts);
        }
        let obs = self.flows.observe(p, wire, ts, &mut self.evicted);
        // DNS over TCP: the flow table puts the server's stream together into messages.
        for message in &obs.dns_messages {
            self.learn_dns(message, p.dst, ts);
        }
        self.fold_evicted();
        let src_dev = self.is_device(p.src);
        let dst_dev = self.is_device(p.dst);
        if src_dev {
            let host = self.hosts.entry(p.src).or_default();
            if host.mac.is_none() {
                host.mac = p.src_mac.filter(|m| names_one_interface(*m));
            }
        }
        if p.link_broadcast || !is_host(p.dst) || !is_host(p.src) {
            return;
        }
        let port = obs.responder_port;
        let client_is_src = obs.initiator == (p.src, p.src_port);
        if src_dev {
            let key = ContactKey {
                device: p.src,
                remote: p.dst,
                port,
                proto: p.proto,
            };
            self.account(
                key,
                true,
                wire,
                ts,
                client_is_src
                    .then_some(&obs.learned)
                    .and_then(Option::as_ref),
            );
            let minute = ts.div_euclid(60_000_000);
            let slot = self
                .timelines
                .entry(p.src)
                .or_default()
                .entry(minute)
                .or_default();
            slot.0 += wire;
            if !is_local(p.dst) {
                slot.1 += wire;
            }
        }
        if dst_dev {
            let key = ContactKey {
                device: p.dst,
                remote: p.src,
                port,
                proto: p.proto,
            };
            self.account(key, false, wire, ts, None);
        }
        let up = src_dev && !is_local(p.dst);
        if up || (dst_dev && !is_local(p.src)) {
            self.judge_connection(p, up, port, wire, ts);
        }
    }

    /// Follows one device → internet connection's upstream shape for its own verdict.
    fn judge_connection(&mut self, p: &Packet<'_>, up: bool, port: u16, wire: u64, ts: i64) {
        let (key, _) = FlowKey::of(p);
        if self.judged.len() >= MAX_JUDGED_CONNECTIONS && !self.judged.contains_key(&key) {
            return;
        }
        let (t, bursts) = self.judged.entry(key).or_insert_with(|| {
            (
                Totals {
                    first_us: ts,
                    last_us: ts,
                    port,
                    ..Totals::default()
                },
                BurstTracker::default(),
            )
        });
        t.first_us = t.first_us.min(ts);
        t.last_us = t.last_us.max(ts);
        if up {
            t.bytes_up += wire;
            t.packets_up += 1;
            bursts.add(t, &self.policy, ts, wire);
        } else {
            t.bytes_down += wire;
        }
    }

    fn account(
        &mut self,
        key: ContactKey,
        up: bool,
        wire: u64,
        ts: i64,
        learned: Option<&(NameSource, String)>,
    ) {
        let full = self.contacts.len() >= MAX_CONTACTS;
        let stats = match self.contacts.get_mut(&key) {
            Some(s) => s,
            None if full => {
                self.counters.contacts_dropped += 1;
                return;
            }
            None => self.contacts.entry(key).or_insert_with(|| ContactStats {
                totals: Totals {
                    first_us: ts,
                    last_us: ts,
                    port: key.port,
                    ..Totals::default()
                },
                ..ContactStats::default()
            }),
        };
        let t = &mut stats.totals;
        t.first_us = t.first_us.min(ts);
        t.last_us = t.last_us.max(ts);
        if up {
            t.bytes_up += wire;
            t.packets_up += 1;
            stats.bursts.add(t, &self.policy, ts, wire);
        } else {
            t.bytes_down += wire;
        }
        match learned {
            Some((NameSource::Sni, name)) if stats.sni.is_none() => stats.sni = Some(name.clone()),
            Some((NameSource::HttpHost, name)) if stats.http_host.is_none() => {
                stats.http_host = Some(name.clone());
            }
            _ => {}
        }
    }

    fn learn_dns(&mut self, message: &[u8], asker: IpAddr, ts: i64) {
        for binding in dns::bindings(message) {
            self.learn_binding(binding, asker, ts);
        }
    }

    fn learn_binding(&mut self, binding: dns::DnsBinding, asker: IpAddr, ts: i64) {
        self.counters.dns_answers += 1;
        let key = (asker, binding.addr);
        if self.names.len() >= MAX_NAMED_ADDRS && !self.names.contains_key(&key) {
            return;
        }
        let chains = self.names.entry(key).or_default();
        if chains.len() < MAX_CHAINS_PER_ADDR && !chains.iter().any(|(_, c)| *c == binding.chain) {
            chains.push((ts, binding.chain));
        }
    }

    /// Learns one DNS answer from a log (Zeek's dns.log): `asker` received `chain` (the name it
    /// asked for, then the CNAME targets) for `addr` at `ts` — as [`Analyzer::push`] learns it
    /// from the answer's packet.
    pub fn learn_logged_dns(
        &mut self,
        asker: IpAddr,
        server: IpAddr,
        addr: IpAddr,
        chain: Vec<String>,
        ts: i64,
    ) {
        if self.excluded.contains(&asker) || self.excluded.contains(&server) {
            return;
        }
        self.learn_binding(dns::DnsBinding { addr, chain }, asker, ts);
    }

    /// Accounts one connection from a connection log (Zeek's conn.log) as the packets of a
    /// capture would be: the same contacts, names, connections and verdicts, from totals. A log
    /// has no packet times: the bytes each way are spread evenly over the connection's
    /// duration, one share a second (see docs/traffic.md for what this cannot show).
    pub fn push_logged(&mut self, c: &LoggedConnection) {
        let (mut orig, mut resp) = (c.orig, c.resp);
        if matches!(c.proto, Proto::Other(_)) {
            // A log's ICMP "ports" are its type and code; a capture's contacts have none.
            (orig.1, resp.1) = (0, 0);
        }
        if !self.excluded.is_empty()
            && (self.excluded.contains(&orig.0) || self.excluded.contains(&resp.0))
        {
            return;
        }
        self.counters.logged_connections += 1;
        self.counters.ip_packets = self
            .counters
            .ip_packets
            .saturating_add(c.packets[0].saturating_add(c.packets[1]));
        self.counters.bytes = self
            .counters
            .bytes
            .saturating_add(c.bytes[0].saturating_add(c.bytes[1]));
        for (side, ip) in [orig.0, resp.0].into_iter().enumerate() {
            if self.is_device(ip) {
                let host = self.hosts.entry(ip).or_default();
                if host.mac.is_none() {
                    host.mac = c.l2[side].filter(|m| names_one_interface(*m));
                }
            }
        }
        let link_group = c.l2[1].is_some_and(|m| MacAddr(m).is_multicast());
        if link_group || !is_host(orig.0) || !is_host(resp.0) {
            return;
        }
        let last_us = c.first_us.saturating_add(c.duration_us.max(0));
        // Each side of the connection that is a device: (device, remote, what it sent, what it
        // received, whether it opened the connection).
        for (device, remote, up, down, opened) in
            [(orig, resp, 0, 1, true), (resp, orig, 1, 0, false)]
        {
            if !self.is_device(device.0) {
                continue;
            }
            let key = ContactKey {
                device: device.0,
                remote: remote.0,
                port: resp.1,
                proto: c.proto,
            };
            let shares = spread(c.first_us, last_us, c.bytes[up], c.packets[up]);
            let minutes = self.timelines.entry(device.0).or_default();
            for &(ts, bytes) in &shares {
                let slot = minutes.entry(ts.div_euclid(60_000_000)).or_default();
                slot.0 += bytes;
                if !is_local(remote.0) {
                    slot.1 += bytes;
                }
            }
            let full = self.contacts.len() >= MAX_CONTACTS;
            let stats = match self.contacts.get_mut(&key) {
                Some(s) => s,
                None if full => {
                    self.counters.contacts_dropped += 1;
                    continue;
                }
                None => self.contacts.entry(key).or_insert_with(|| ContactStats {
                    totals: Totals {
                        first_us: c.first_us,
                        last_us,
                        port: key.port,
                        ..Totals::default()
                    },
                    ..ContactStats::default()
                }),
            };
            let t = &mut stats.totals;
            t.first_us = t.first_us.min(c.first_us);
            t.last_us = t.last_us.max(last_us);
            t.bytes_up = t.bytes_up.saturating_add(c.bytes[up]);
            t.packets_up = t.packets_up.saturating_add(c.packets[up]);
            t.bytes_down = t.bytes_down.saturating_add(c.bytes[down]);
            for &(ts, bytes) in &shares {
                stats.bursts.add(t, &self.policy, ts, bytes);
            }
            if opened {
                match &c.name {
                    Some((NameSource::Sni, name)) if stats.sni.is_none() => {
                        stats.sni = Some(name.clone());
                    }
                    Some((NameSource::HttpHost, name)) if stats.http_host.is_none() => {
                        stats.http_host = Some(name.clone());
                    }
                    _ => {}
                }
            }
            stats.connections += 1;
            if self.ended.len() >= MAX_CONNECTIONS {
                self.counters.connections_dropped += 1;
                continue;
            }
            // This connection's own upstream shape, for its verdict.
            let own = (!is_local(remote.0)).then(|| {
                let mut t = Totals {
                    first_us: c.first_us,
                    last_us,
                    port: key.port,
                    bytes_up: c.bytes[up],
                    bytes_down: c.bytes[down],
                    packets_up: c.packets[up],
                    ..Totals::default()
                };
                let mut bursts = BurstTracker::default();
                for &(ts, bytes) in &shares {
                    bursts.add(&mut t, &self.policy, ts, bytes);
                }
                bursts.finish(&mut t, &self.policy);
                t
            });
            self.ended.push(EndedConnection {
                key,
                device_port: device.1,
                device_opened: opened,
                first_us: c.first_us,
                last_us,
                bytes: [c.bytes[up], c.bytes[down]],
                packets: [c.packets[up], c.packets[down]],
                name: c.name.clone(),
                up: own,
            });
        }
    }

    /// Folds finished flows into the per-device summaries: each counts as one connection, and
    /// is kept for connections.csv with each device at one end of it.
    fn fold_evicted(&mut self) {
        for (key, flow) in self.evicted.drain(..) {
            let (initiator, responder) = if flow.lo_initiated {
                (key.lo, key.hi)
            } else {
                (key.hi, key.lo)
            };
            let mut judged = self.judged.remove(&key).map(|(mut t, mut bursts)| {
                bursts.finish(&mut t, &self.policy);
                t
            });
            for (device, remote, opened) in
                [(initiator, responder, true), (responder, initiator, false)]
            {
                let ck = ContactKey {
                    device: device.0,
                    remote: remote.0,
                    port: responder.1,
                    proto: key.proto,
                };
                // Only where a contact exists: the same hosts, broadcasts and exclusions.
                let Some(stats) = self.contacts.get_mut(&ck) else {
                    continue;
                };
                stats.connections += 1;
                if self.ended.len() >= MAX_CONNECTIONS {
                    self.counters.connections_dropped += 1;
                    continue;
                }
                // Index 0 of the flow's counters is lo → hi.
                let (up, down) = if device == key.lo { (0, 1) } else { (1, 0) };
                self.ended.push(EndedConnection {
                    key: ck,
                    device_port: device.1,
                    device_opened: opened,
                    first_us: flow.first_us,
                    last_us: flow.last_us,
                    bytes: [flow.bytes[up], flow.bytes[down]],
                    packets: [flow.packets[up], flow.packets[down]],
                    name: flow.name.clone(),
                    up: if is_local(ck.remote) {
                        None
                    } else {
                        judged.take()
                    },
                });
            }
        }
    }

    /// Ends the analysis: judges every device × destination and names it.
    pub fn finish(self, cloud: &CloudDb) -> (Vec<DeviceTraffic>, Counters) {
        let finished = self.finish_all(cloud);
        (finished.devices, finished.counters)
    }

    /// [`Analyzer::finish`], with every connection named and judged on its own too.
    pub fn finish_all(mut self, cloud: &CloudDb) -> Finished {
        self.flows.drain(&mut self.evicted);
        self.fold_evicted();
        self.counters.flows_untracked = self.flows.untracked;
        let mut by_device: BTreeMap<IpAddr, DeviceTraffic> = BTreeMap::new();
        for (ip, host) in &self.hosts {
            by_device.insert(
                *ip,
                DeviceTraffic {
                    ip: *ip,
                    mac: host.mac.map(|m| MacAddr(m).to_string()),
                    contacts: Vec::new(),
                    timeline: self.timelines.get(ip).map(timeline).unwrap_or_default(),
                    face_evidence: Vec::new(),
                    identity_evidence: Vec::new(),
                },
            );
        }
        let mut contacts: Vec<(ContactKey, ContactStats)> = self.contacts.into_iter().collect();
        contacts.sort_by_key(|(k, _)| *k);
        for (key, mut stats) in contacts {
            stats.bursts.finish(&mut stats.totals, &self.policy);
            let device = by_device
                .entry(key.device)
                .or_insert_with(|| DeviceTraffic {
                    ip: key.device,
                    mac: None,
                    contacts: Vec::new(),
                    timeline: self
                        .timelines
                        .get(&key.device)
                        .map(timeline)
                        .unwrap_or_default(),
                    face_evidence: Vec::new(),
                    identity_evidence: Vec::new(),
                });
            let (contact, maker) = describe(&key, &stats, &self.names, cloud, &self.policy);
            // The device's own cloud names its maker: only what the device itself sent there.
            if let Some(maker) = maker.filter(|_| contact.bytes_up > 0) {
                let via = contact.name.as_deref().unwrap_or(&contact.destination);
                let atom = Evidence::new(
                    EvidenceSource::TRAFFIC_CLOUD_MAKER,
                    Some(contact.port),
                    format!("{maker} via {via}:{}", contact.port),
                )
                .observed_passively();
                if !device.identity_evidence.contains(&atom) {
                    device.identity_evidence.push(atom);
                }
            }
            // Any face-API contact is listed; it marks the device only when the device itself sent
            // to it (inbound-only packets from such an address prove nothing about the device).
            let face = (contact.category == CloudCategory::FaceApi && contact.bytes_up > 0)
                || (contact.upload && face_analytics(&contact, cloud, &key, &self.names, &stats));
            if face {
                device.face_evidence.push(Evidence::new(
                    "traffic.face_cloud",
                    Some(contact.port),
                    format!(
                        "{} {}:{} ({}; {}) bytes_up={}",
                        contact.protocol,
                        contact.destination,
                        contact.port,
                        contact.name.as_deref().unwrap_or("no name"),
                        contact.provider.as_deref().unwrap_or("unknown provider"),
                        contact.bytes_up
                    ),
                ));
            }
            device.contacts.push(contact);
        }
        for device in by_device.values_mut() {
            // Biggest uploads first: what an inspector reads first.
            device
                .contacts
                .sort_by(|a, b| b.upload.cmp(&a.upload).then(b.bytes_up.cmp(&a.bytes_up)));
        }
        let mut ended = std::mem::take(&mut self.ended);
        ended.sort_by_key(|c| (c.first_us, c.key));
        let connections = ended
            .iter()
            .map(|c| describe_connection(c, &self.names, cloud, &self.policy))
            .collect();
        Finished {
            devices: by_device.into_values().collect(),
            connections,
            counters: self.counters,
            passive: self.passive.finish(),
        }
    }
}

/// Names and judges one connection: its own SNI or Host, else the DNS answer the device got for
/// the address before the connection ended; infrastructure and LAN peers by where they are, the
/// rest by the shape of what the device sent on this connection alone.
fn describe_connection(
    c: &EndedConnection,
    names: &DnsNames,
    cloud: &CloudDb,
    policy: &UploadPolicy,
) -> Connection {
    let lan = is_local(c.key.remote);
    let mut named: Vec<(&str, NameSource)> = Vec::new();
    if let Some((source, name)) = &c.name {
        named.push((name, *source));
    }
    if let Some(chains) = names.get(&(c.key.device, c.key.remote)) {
        for (_, chain) in chains.iter().filter(|(at, _)| *at <= c.last_us) {
            named.extend(chain.iter().map(|n| (n.as_str(), NameSource::Dns)));
        }
    }
    let plain: Vec<&str> = named.iter().map(|(n, _)| *n).collect();
    let matched = if lan {
        cloud.by_port(c.key.port).map(|e| (e, MatchedBy::Port))
    } else {
        cloud.classify_on(&plain, c.key.remote, Some(c.key.port))
    };
    let (name, name_source) = match (named.first(), &matched) {
        (Some((n, src)), _) => (Some(n.to_string()), Some(src.as_str())),
        (None, Some((_, MatchedBy::Range))) => (None, Some("ip_range")),
        _ => (None, None),
    };
    let by_port = matches!(matched, Some((_, MatchedBy::Port)));
    let category = matched.map_or(
        if lan {
            CloudCategory::Lan
        } else {
            CloudCategory::Unknown
        },
        |(e, _)| e.category,
    );
    let (verdict, reason) = match matched {
        Some((e, by)) if e.category == INFRASTRUCTURE => (
            "infrastructure",
            if by == MatchedBy::Port {
                format!("port {}: {}", c.key.port, e.service)
            } else {
                format!("{}: {}", e.provider, e.service)
            },
        ),
        _ if lan => (
            "lan",
            "a peer on the local network, not a cloud".to_string(),
        ),
        _ => {
            let totals = c.up.unwrap_or(Totals {
                bytes_up: c.bytes[0],
                bytes_down: c.bytes[1],
                packets_up: c.packets[0],
                first_us: c.first_us,
                last_us: c.last_us,
                port: c.key.port,
                ..Totals::default()
            });
            let verdict = judge::judge(&totals, policy);
            let word = match verdict.pattern {
                p if p.is_content() => "upload",
                Pattern::Heartbeat => "heartbeat",
                Pattern::NetworkService => "infrastructure",
                _ => "telemetry",
            };
            (word, verdict.reason)
        }
    };
    Connection {
        first_seen: rfc3339_micros(c.first_us),
        last_seen: rfc3339_micros(c.last_us),
        device: c.key.device,
        device_port: c.device_port,
        remote: c.key.remote,
        port: c.key.port,
        protocol: c.key.proto.as_str(),
        device_opened: c.device_opened,
        bytes_up: c.bytes[0],
        packets_up: c.packets[0],
        bytes_down: c.bytes[1],
        packets_down: c.packets[1],
        name,
        name_source,
        category,
        provider: matched
            .filter(|_| !by_port)
            .map(|(e, _)| e.provider.clone()),
        verdict,
        reason,
    }
}

/// The names of a contact in order of trust: the connection's own SNI and HTTP Host, then the
/// DNS chains the device itself received for the address before the contact's last packet.
fn names_of<'a>(
    key: &ContactKey,
    stats: &'a ContactStats,
    names: &'a DnsNames,
) -> Vec<(&'a str, NameSource)> {
    let mut out: Vec<(&str, NameSource)> = Vec::new();
    if let Some(sni) = &stats.sni {
        out.push((sni, NameSource::Sni));
    }
    if let Some(host) = &stats.http_host {
        out.push((host, NameSource::HttpHost));
    }
    if let Some(chains) = names.get(&(key.device, key.remote)) {
        for (_, chain) in chains
            .iter()
            .filter(|(answered, _)| *answered <= stats.totals.last_us)
        {
            out.extend(chain.iter().map(|n| (n.as_str(), NameSource::Dns)));
        }
    }
    out
}

fn face_analytics(
    _contact: &CloudContact,
    cloud: &CloudDb,
    key: &ContactKey,
    names: &DnsNames,
    stats: &ContactStats,
) -> bool {
    let named = names_of(key, stats, names);
    let plain: Vec<&str> = named.iter().map(|(n, _)| *n).collect();
    cloud
        .classify(&plain, key.remote)
        .is_some_and(|(e, _)| e.face_analytics)
}

/// Names and judges one device × destination; also gives the maker whose own cloud it is.
fn describe(
    key: &ContactKey,
    stats: &ContactStats,
    names: &DnsNames,
    cloud: &CloudDb,
    policy: &UploadPolicy,
) -> (CloudContact, Option<String>) {
    let lan = is_local(key.remote);
    let named = names_of(key, stats, names);
    let plain: Vec<&str> = named.iter().map(|(n, _)| *n).collect();
    // On the LAN only a service known by its port (the router's DNS, DHCP) is named; outside,
    // the port comes first too: DNS, NTP and DHCP are infrastructure whoever runs them.
    let matched = if lan {
        cloud.by_port(key.port).map(|e| (e, MatchedBy::Port))
    } else {
        cloud.classify_on(&plain, key.remote, Some(key.port))
    };
    let by_port = matches!(matched, Some((_, MatchedBy::Port)));
    let infrastructure = matched.is_some_and(|(e, _)| e.category == INFRASTRUCTURE);
    let (name, name_source) = match (named.first(), &matched) {
        (Some((n, src)), _) => (Some(n.to_string()), Some(src.as_str().to_string())),
        (None, Some((_, MatchedBy::Range))) => (None, Some("ip_range".to_string())),
        _ => (None, None),
    };
    let verdict = judge::judge(&stats.totals, policy);
    let pattern = verdict.pattern;
    let t = &stats.totals;
    let maker = matched.and_then(|(e, _)| e.maker.clone());
    let contact = CloudContact {
        destination: key.remote.to_string(),
        port: key.port,
        protocol: key.proto.as_str().to_string(),
        name,
        name_source,
        // A service known by its port is not known by who runs it.
        provider: matched
            .filter(|_| !by_port)
            .map(|(e, _)| e.provider.clone()),
        service: matched.map(|(e, _)| e.service.clone()),
        // A peer on the local network is a LAN contact, not an unknown cloud.
        category: matched.map_or(
            if lan {
                CloudCategory::Lan
            } else {
                CloudCategory::Unknown
            },
            |(e, _)| e.category,
        ),
        country: matched.and_then(|(e, _)| e.country.clone()),
        bytes_up: t.bytes_up,
        bytes_down: t.bytes_down,
        packets_up: t.packets_up,
        first_seen: rfc3339(t.first_us),
        last_seen: rfc3339(t.last_us),
        // A resolver or time server receives no content, whatever the bytes look like.
        upload: !lan && !infrastructure && pattern.is_content(),
        scope: Some(if lan {
            ContactScope::Lan
        } else {
            ContactScope::Internet
        }),
        pattern: Some(pattern),
        upload_reason: Some(verdict.reason),
    };
    (contact, maker)
}

fn timeline(minutes: &BTreeMap<i64, (u64, u64)>) -> Vec<UpstreamMinute> {
    minutes
        .iter()
        .map(|(minute, (all, internet))| UpstreamMinute {
            minute: rfc3339(minute * 60_000_000),
            bytes_up: *all,
            bytes_up_internet: *internet,
        })
        .collect()
}

/// Capture time as RFC 3339 with its microseconds (UTC).
pub fn rfc3339_micros(micros: i64) -> String {
    let seconds = rfc3339(micros);
    let fraction = micros.rem_euclid(1_000_000);
    match seconds.strip_suffix('Z') {
        Some(whole) => format!("{whole}.{fraction:06}Z"),
        None => seconds,
    }
}

/// Capture time as RFC 3339 (UTC, microseconds dropped).
pub fn rfc3339(micros: i64) -> String {
    OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// The bytes a frame took on the wire: its record's original length, as tshark counts it, also
/// when the record holds more (a writer's mistake: pypacker's cooked captures store 16 bytes of
/// padding past each packet and count them in the captured length only). A record without an
/// original length (0) counts what it holds.
fn wire_length(frame: &Frame<'_>) -> u64 {
    match frame.orig_len {
        0 => frame.data.len() as u64,
        n => u64::from(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::source::LinkType;

    #[test]
    fn a_frame_counts_its_original_length_not_the_bytes_its_record_holds() {
        let held = [0u8; 232];
        let frame = |orig_len| Frame {
            ts_micros: 0,
            link: LinkType::LinuxSll,
            data: &held,
            orig_len,
        };
        assert_eq!(wire_length(&frame(216)), 216);
        assert_eq!(wire_length(&frame(1_514)), 1_514);
        assert_eq!(wire_length(&frame(0)), 232);
    }

    fn frame(ts: i64, build: impl FnOnce(&mut Vec<u8>)) -> (i64, Vec<u8>) {
        let mut bytes = Vec::new();
        build(&mut bytes);
        (ts, bytes)
    }

    fn push_all(analyzer: &mut Analyzer, frames: &[(i64, Vec<u8>)]) {
        for (ts, bytes) in frames {
            analyzer.push(&Frame {
                ts_micros: *ts,
                link: LinkType::Ethernet,
                data: bytes,
                orig_len: bytes.len() as u32,
            });
        }
    }

    /// Splits an Ethernet + IPv4 frame's IP payload at `at` (a multiple of 8) into two
    /// fragments, as a host sending a datagram larger than the MTU does.
    fn fragments_of(frame: &[u8], at: usize) -> (Vec<u8>, Vec<u8>) {
        let (eth, ip) = frame.split_at(14);
        let (header, payload) = ip.split_at(20);
        let piece = |data: &[u8], offset: usize, more: bool| {
            let mut h = header.to_vec();
            h[2..4].copy_from_slice(&((20 + data.len()) as u16).to_be_bytes());
            h[4..6].copy_from_slice(&0x1234u16.to_be_bytes());
            let flags = ((offset / 8) as u16) | if more { 0x2000 } else { 0 };
            h[6..8].copy_from_slice(&flags.to_be_bytes());
            [eth, &h, data].concat()
        };
        (
            piece(&payload[..at], 0, true),
            piece(&payload[at..], at, false),
        )
    }

    /// Synthetic (built here): a 3,000-byte UDP datagram to a public address ending in .255,
    /// sent as two fragments. Both are filed under UDP port 5000 of that address.
    #[test]
    fn fragments_are_filed_under_their_datagram_and_dot_255_is_a_host() {
        let mut whole = Vec::new();
        etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 5], [2, 0, 0, 0, 0, 1])
            .ipv4([192, 168, 1, 5], [47, 96, 1, 255], 64)
            .udp(40_000, 5_000)
            .write(&mut whole, &[7u8; 3_000])
            .unwrap();
        let (first, later) = fragments_of(&whole, 1_480);
        let frames = [(1_000_000, first.clone()), (1_000_100, later.clone())];
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        push_all(&mut analyzer, &frames);
        let (devices, _) = analyzer.finish(&CloudDb::default());
        let device = devices
            .iter()
            .find(|d| d.ip.to_string() == "192.168.1.5")
            .unwrap();
        assert_eq!(device.contacts.len(), 1, "{:#?}", device.contacts);
        let c = &device.contacts[0];
        assert_eq!(
            (c.destination.as_str(), c.protocol.as_str(), c.port),
            ("47.96.1.255", "udp", 5_000)
        );
        assert_eq!(c.bytes_up, (first.len() + later.len()) as u64);
    }

    /// Synthetic (built here): a subnet broadcast (192.168.1.255 of a /24, sent to the Ethernet
    /// broadcast address, as the Yi camera's discovery does) is no contact; the same address sent
    /// to one host's MAC (a host at .255 of a /23) is.
    #[test]
    fn a_link_broadcast_is_no_contact_but_a_unicast_dot_255_is() {
        let frame = |dst_mac: [u8; 6]| {
            let mut bytes = Vec::new();
            etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 5], dst_mac)
                .ipv4([192, 168, 1, 5], [192, 168, 1, 255], 64)
                .udp(40_000, 6_666)
                .write(&mut bytes, &[1u8; 100])
                .unwrap();
            bytes
        };
        let contacts = |dst_mac: [u8; 6]| {
            let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
            push_all(&mut analyzer, &[(1_000_000, frame(dst_mac))]);
            let (devices, _) = analyzer.finish(&CloudDb::default());
            devices
                .iter()
                .filter(|d| d.ip.to_string() == "192.168.1.5")
                .map(|d| d.contacts.len())
                .sum::<usize>()
        };
        assert_eq!(
            contacts([0xff; 6]),
            0,
            "a link broadcast is nobody's contact"
        );
        assert_eq!(
            contacts([2, 0, 0, 0, 0, 9]),
            1,
            "a unicast to .255 is a contact"
        );
    }

    /// A connection's own SNI names it, not a DNS answer another host received for the same
    /// (CDN) address; a DNS answer the device itself received names its SNI-less connection.
    #[test]
    fn own_sni_wins_and_dns_names_only_for_the_host_that_asked() {
        let hello =
            hex::decode(include_str!("../../tests/fixtures/traffic/client_hello.hex").trim())
                .unwrap();
        let hello_sni = include_str!("../../tests/fixtures/traffic/client_hello_sni.txt").trim();
        let answer =
            hex::decode(include_str!("../../tests/fixtures/traffic/dns_time_nist_gov.hex").trim())
                .unwrap();
        let eth = || etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 5], [2, 0, 0, 0, 0, 1]);
        let udp = |src: [u8; 4], dst: [u8; 4], sp: u16, dp: u16, data: &[u8]| {
            let mut b = Vec::new();
            eth()
                .ipv4(src, dst, 64)
                .udp(sp, dp)
                .write(&mut b, data)
                .unwrap();
            b
        };
        let tcp = |src: [u8; 4], dst: [u8; 4], sp: u16, dp: u16, data: &[u8]| {
            let mut b = Vec::new();
            eth()
                .ipv4(src, dst, 64)
                .tcp(sp, dp, 1, 64_000)
                .ack(1)
                .write(&mut b, data)
                .unwrap();
            b
        };
        let nist = [132, 163, 97, 6];
        let (asker, other) = ([192, 168, 1, 5], [192, 168, 1, 6]);
        let frames = [
            // The DNS answer goes to .5 only.
            (1_000_000, udp([192, 168, 1, 1], asker, 53, 41_000, &answer)),
            // .5 and .6 both open TLS to the address with their own SNI; .6 also sends UDP.
            (2_000_000, tcp(asker, nist, 40_000, 443, &hello)),
            (2_000_000, tcp(other, nist, 40_001, 443, &hello)),
            (3_000_000, udp(other, nist, 123, 123, &[0x23; 48])),
            (3_000_000, udp(asker, nist, 123, 123, &[0x23; 48])),
        ];
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        push_all(&mut analyzer, &frames);
        let (devices, _) = analyzer.finish(&CloudDb::default());
        let name = |dev: &str, port: u16| {
            let d = devices.iter().find(|d| d.ip.to_string() == dev).unwrap();
            let c = d.contacts.iter().find(|c| c.port == port).unwrap();
            (c.name.clone(), c.name_source.clone())
        };
        let sni = (Some(hello_sni.to_string()), Some("sni".to_string()));
        assert_eq!(name("192.168.1.5", 443), sni);
        assert_eq!(name("192.168.1.6", 443), sni);
        assert_eq!(
            name("192.168.1.5", 123),
            (Some("time.nist.gov".into()), Some("dns".into()))
        );
        assert_eq!(name("192.168.1.6", 123), (None, None));
    }

    #[test]
    fn dns_over_tcp_answer_names_the_contact_and_ntp_is_a_network_service() {
        let answer =
            hex::decode(include_str!("../../tests/fixtures/traffic/dns_time_nist_gov.hex").trim())
                .unwrap();
        let mut tcp_dns = (answer.len() as u16).to_be_bytes().to_vec();
        tcp_dns.extend_from_slice(&answer);
        let eth = || etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 5], [2, 0, 0, 0, 0, 1]);
        let frames = [
            frame(1_000_000, |b| {
                eth()
                    .ipv4([192, 168, 1, 1], [192, 168, 1, 5], 64)
                    .tcp(53, 40_000, 1, 1000)
                    .ack(1)
                    .write(b, &tcp_dns)
                    .unwrap()
            }),
            frame(2_000_000, |b| {
                eth()
                    .ipv4([192, 168, 1, 5], [132, 163, 97, 6], 64)
                    .udp(123, 123)
                    .write(b, &[0x23; 48])
                    .unwrap()
            }),
        ];
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        push_all(&mut analyzer, &frames);
        let (devices, counters) = analyzer.finish(&CloudDb::default());
        assert_eq!(counters.dns_answers, 1);
        let device = devices
            .iter()
            .find(|d| d.ip.to_string() == "192.168.1.5")
            .unwrap();
        let ntp = device
            .contacts
            .iter()
            .find(|c| c.destination == "132.163.97.6")
            .unwrap();
        assert_eq!(ntp.name.as_deref(), Some("time.nist.gov"));
        assert_eq!(ntp.name_source.as_deref(), Some("dns"));
        assert_eq!(ntp.pattern, Some(Pattern::NetworkService));
        assert!(!ntp.upload);
        assert_eq!(ntp.first_seen, "1970-01-01T00:00:02Z");
        assert_eq!(device.timeline.len(), 1);
        assert_eq!(
            device.timeline[0].bytes_up_internet,
            frames[1].1.len() as u64
        );
    }

    /// What a camera's connections look like on a mirror port when the network reorders and
    /// repeats segments: a QUIC connection to UDP/443, a TLS ClientHello in three TCP segments
    /// arriving last-first with a retransmission, and a DNS-over-TCP answer split in two
    /// segments arriving out of order.
    #[test]
    fn quic_sni_reordered_client_hello_and_split_tcp_dns_name_their_contacts() {
        let quic = hex::decode(
            include_str!("../../tests/fixtures/traffic/quic_rfc9001_a2_client_initial.hex").trim(),
        )
        .unwrap();
        let hello =
            hex::decode(include_str!("../../tests/fixtures/traffic/client_hello.hex").trim())
                .unwrap();
        let hello_sni = include_str!("../../tests/fixtures/traffic/client_hello_sni.txt").trim();
        let answer =
            hex::decode(include_str!("../../tests/fixtures/traffic/dns_time_nist_gov.hex").trim())
                .unwrap();
        let mut tcp_dns = (answer.len() as u16).to_be_bytes().to_vec();
        tcp_dns.extend_from_slice(&answer);
        let cam = [192, 168, 1, 5];
        let eth = || etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 5], [2, 0, 0, 0, 0, 1]);
        let tcp_frame =
            |src: [u8; 4], dst: [u8; 4], sp: u16, dp: u16, seq: u32, syn: bool, data: &[u8]| {
                let mut b = Vec::new();
                let builder = eth().ipv4(src, dst, 64).tcp(sp, dp, seq, 64_000);
                if syn {
                    builder.syn().write(&mut b, data).unwrap();
                } else {
                    builder.ack(1).write(&mut b, data).unwrap();
                }
                b
            };
        let isn = 7_000u32;
        let (a, rest) = hello.split_at(50);
        let (b, c) = rest.split_at(60);
        let dns_isn = 90_000u32;
        let (d1, d2) = tcp_dns.split_at(9);
        let mut frames: Vec<(i64, Vec<u8>)> = Vec::new();
        let mut quic_frame = Vec::new();
        eth()
            .ipv4(cam, [93, 184, 216, 34], 64)
            .udp(50_000, 443)
            .write(&mut quic_frame, &quic)
            .unwrap();
        frames.push((1_000_000, quic_frame));
        frames.push((
            2_000_000,
            tcp_frame(cam, [203, 0, 113, 10], 40_000, 443, isn, true, b""),
        ));
        let first = isn + 1;
        for (seq, data) in [
            (first + 110, c),
            (first + 50, b),
            (first + 110, c),
            (first, a),
        ] {
            frames.push((
                2_100_000,
                tcp_frame(cam, [203, 0, 113, 10], 40_000, 443, seq, false, data),
            ));
        }
        frames.push((
            3_000_000,
            tcp_frame(
                [192, 168, 1, 1],
                cam,
                53,
                41_000,
                dns_isn + 1 + 9,
                false,
                d2,
            ),
        ));
        frames.push((
            3_000_100,
            tcp_frame([192, 168, 1, 1], cam, 53, 41_000, dns_isn + 1, false, d1),
        ));
        frames.push((4_000_000, {
            let mut b = Vec::new();
            eth()
                .ipv4(cam, [132, 163, 97, 6], 64)
                .udp(123, 123)
                .write(&mut b, &[0x23; 48])
                .unwrap();
            b
        }));
        let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
        push_all(&mut analyzer, &frames);
        let (devices, counters) = analyzer.finish(&CloudDb::default());
        assert_eq!(counters.dns_answers, 1);
        let device = devices
            .iter()
            .find(|d| d.ip.to_string() == "192.168.1.5")
            .unwrap();
        let named = |dest: &str| {
            let c = device
                .contacts
                .iter()
                .find(|c| c.destination == dest)
                .unwrap_or_else(|| panic!("no contact to {dest}: {:#?}", device.contacts));
            (
                c.name.clone(),
                c.name_source.clone(),
                c.protocol.clone(),
                c.port,
            )
        };
        assert_eq!(
            named("93.184.216.34"),
            (
                Some("example.com".into()),
                Some("sni".into()),
                "udp".into(),
                443
            )
        );
        assert_eq!(
            named("203.0.113.10"),
            (
                Some(hello_sni.into()),
                Some("sni".into()),
                "tcp".into(),
                443
            )
        );
        assert_eq!(
            named("132.163.97.6"),
            (
                Some("time.nist.gov".into()),
                Some("dns".into()),
                "udp".into(),
                123
            )
        );
    }
}
