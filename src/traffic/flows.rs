//! The streaming flow table (pure): one entry per live connection, keyed by its 5-tuple in a
//! canonical order, with direction-aware counters, capture-time first/last seen, the TCP state
//! and the per-connection name sources (TLS SNI, HTTP Host). Finished and idle flows are evicted
//! and handed back so the caller can fold them into per-device summaries: memory stays bounded
//! by the number of concurrently live flows, never by the capture size.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::decode::{Packet, Proto};
use super::dns::DnsTcpStream;
use super::names::{NameProbe, Probe};

/// Client segments of a connection picked up mid-stream that start a fresh look for a name: the
/// first ones may be a keep-alive byte or the middle of a response, a later one the next request.
const MIDSTREAM_NAME_TRIES: u8 = 16;
/// Directions of finished flows remembered (per generation; two generations are kept).
const REMEMBERED_DIRECTIONS: usize = 65_536;
/// TCP service endpoints (address, port) remembered (per generation; two generations are kept).
const REMEMBERED_SERVICES: usize = 65_536;

/// Limits of the table.
#[derive(Debug, Clone, Copy)]
pub struct FlowLimits {
    /// A flow silent this long (capture time) is finished.
    pub idle_timeout_us: i64,
    /// Live flows kept at most; beyond it new flows are counted but not tracked.
    pub max_flows: usize,
}

impl Default for FlowLimits {
    fn default() -> Self {
        Self {
            idle_timeout_us: 120 * 1_000_000,
            max_flows: 200_000,
        }
    }
}

/// Canonical flow key: the lower endpoint first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub proto: Proto,
    pub lo: (IpAddr, u16),
    pub hi: (IpAddr, u16),
}

impl FlowKey {
    /// The key of a packet and whether the packet goes lo → hi.
    pub fn of(p: &Packet<'_>) -> (Self, bool) {
        let a = (p.src, p.src_port);
        let b = (p.dst, p.dst_port);
        if a <= b {
            (
                FlowKey {
                    proto: p.proto,
                    lo: a,
                    hi: b,
                },
                true,
            )
        } else {
            (
                FlowKey {
                    proto: p.proto,
                    lo: b,
                    hi: a,
                },
                false,
            )
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    /// Not TCP.
    None,
    SynSent,
    Established,
    /// First packet seen was not a SYN: the capture started mid-connection.
    Midstream,
    /// One side sent FIN, or both and the last FIN is not yet acknowledged.
    Closing,
    Closed,
    Reset,
}

/// One live flow.
#[derive(Debug)]
pub struct Flow {
    /// True when the lo endpoint opened the flow (sent the SYN, or the first packet seen).
    pub lo_initiated: bool,
    /// Bytes (frame lengths on the wire) and packets, index 0 = lo → hi, 1 = hi → lo.
    pub bytes: [u64; 2],
    pub packets: [u64; 2],
    pub first_us: i64,
    pub last_us: i64,
    pub tcp: TcpState,
    fins: [bool; 2],
    /// Reading the client's first bytes for a name (boxed: most flows never need it, or only
    /// for their first packet).
    name_probe: Option<Box<NameProbe>>,
    name_done: bool,
    /// Fresh looks for a name taken so far on a connection picked up mid-stream.
    name_tries: u8,
    /// The server's side of DNS over TCP (port 53), split into messages.
    dns_tcp: Option<Box<DnsTcpStream>>,
    /// The name the client asked for on this connection (SNI, HTTP Host), once read.
    pub name: Option<(NameSource, String)>,
}

impl Flow {
    pub fn finished(&self) -> bool {
        matches!(self.tcp, TcpState::Closed | TcpState::Reset)
    }

    /// A TCP connection whose opening was not captured.
    fn tcp_picked_up_midstream(&self) -> bool {
        self.tcp == TcpState::Midstream
    }
}

/// What one packet told the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The endpoint that opened the flow, and the port of the one that answered.
    pub initiator: (IpAddr, u16),
    pub responder_port: u16,
    /// A name the flow's client asked for, learned from this packet.
    pub learned: Option<(NameSource, String)>,
    /// DNS messages a server sent over TCP that this packet completed.
    pub dns_messages: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameSource {
    Dns,
    Sni,
    HttpHost,
}

impl NameSource {
    pub fn as_str(self) -> &'static str {
        match self {
            NameSource::Dns => "dns",
            NameSource::Sni => "sni",
            NameSource::HttpHost => "http_host",
        }
    }
}

#[derive(Debug, Default)]
pub struct FlowTable {
    limits: FlowLimits,
    flows: HashMap<FlowKey, Flow>,
    /// Which side opened flows already evicted (`lo_initiated`), so a late FIN/ACK or a
    /// connection resumed after the idle timeout keeps its client and server instead of being
    /// guessed again from port numbers. Two generations bound the memory.
    directions: [HashMap<FlowKey, bool>; 2],
    /// TCP endpoints (address, port) that answered a connection whose opener the
    /// capture showed (its SYN or SYN-ACK, or port numbers that say it): a service listening
    /// there. A connection picked up mid-stream with such an endpoint is that service answering,
    /// whatever the other side's port. Not UDP: one UDP port answering one peer says nothing
    /// about the next (P2P and STUN clients talk to many peers from one port). Two generations
    /// bound the memory.
    services: [HashSet<(IpAddr, u16)>; 2],
    last_sweep_us: i64,
    /// Flows seen while the table was full (counted, not tracked).
    pub untracked: u64,
    /// Flows evicted so far.
    pub evicted: u64,
}

impl FlowTable {
    pub fn new(limits: FlowLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    fn limits(&self) -> FlowLimits {
        self.limits
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Accounts one packet of `wire_len` bytes at `ts_us`; evicted flows go to `done`.
    pub fn observe(
        &mut self,
        p: &Packet<'_>,
        wire_len: u64,
        ts_us: i64,
        done: &mut Vec<(FlowKey, Flow)>,
    ) -> Observation {
        let limits = self.limits();
        if ts_us.saturating_sub(self.last_sweep_us) >= limits.idle_timeout_us / 4 {
            self.sweep(ts_us, done);
        }
        let (key, lo_to_hi) = FlowKey::of(p);
        let full = self.flows.len() >= limits.max_flows;
        let opens = p.proto == Proto::Tcp && p.tcp.syn;
        // Which side opened a flow not in the table: what the table remembers of it, else what
        // this packet and the capture so far tell.
        let lo_initiated = if self.flows.contains_key(&key) {
            lo_to_hi
        } else {
            match self.remembered(&key).filter(|_| !opens) {
                Some(lo_initiated) => lo_initiated,
                None => {
                    let (sender_opened, told) = self.opener_of(p);
                    if p.proto == Proto::Tcp && told != Told::FirstSender {
                        let service = if sender_opened {
                            (p.dst, p.dst_port)
                        } else {
                            (p.src, p.src_port)
                        };
                        self.remember_service(service);
                    }
                    sender_opened == lo_to_hi
                }
            }
        };
        let flow = match self.flows.get_mut(&key) {
            Some(flow) => flow,
            None if full => {
                // Not tracked: the direction still comes from memory or the packet itself, so
                // replies do not become contacts on the client's port.
                self.untracked += 1;
                let (initiator, responder) = if lo_initiated {
                    (key.lo, key.hi)
                } else {
                    (key.hi, key.lo)
                };
                return Observation {
                    initiator,
                    responder_port: responder.1,
                    learned: None,
                    dns_messages: Vec::new(),
                };
            }
            None => self.flows.entry(key).or_insert_with(|| Flow {
                lo_initiated,
                bytes: [0; 2],
                packets: [0; 2],
                first_us: ts_us,
                last_us: ts_us,
                tcp: match p.proto {
                    Proto::Tcp if p.tcp.syn && !p.tcp.ack => TcpState::SynSent,
                    Proto::Tcp => TcpState::Midstream,
                    _ => TcpState::None,
                },
                fins: [false; 2],
                name_probe: None,
                name_done: false,
                name_tries: 0,
                dns_tcp: None,
                name: None,
            }),
        };
        let dir = usize::from(!lo_to_hi);
        flow.bytes[dir] += wire_len;
        flow.packets[dir] += 1;
        flow.last_us = flow.last_us.max(ts_us);
        if p.proto == Proto::Tcp {
            advance_tcp(flow, p, dir);
        }
        let from_client = lo_to_hi == flow.lo_initiated;
        let (initiator, responder) = if flow.lo_initiated {
            (key.lo, key.hi)
        } else {
            (key.hi, key.lo)
        };
        let mut learned = None;
        let mut dns_messages = Vec::new();
        if from_client {
            learned = learn_name(flow, p);
            if learned.is_some() && flow.name.is_none() {
                flow.name.clone_from(&learned);
            }
        } else if p.proto == Proto::Tcp && responder.1 == 53 {
            dns_messages = read_dns_tcp(flow, p);
        }
        if flow.finished()
            && let Some(flow) = self.flows.remove(&key)
        {
            self.evicted += 1;
            self.remember(key, flow.lo_initiated);
            done.push((key, flow));
        }
        Observation {
            initiator,
            responder_port: responder.1,
            learned,
            dns_messages,
        }
    }

    /// Evicts flows idle for longer than the timeout.
    pub fn sweep(&mut self, now_us: i64, done: &mut Vec<(FlowKey, Flow)>) {
        let timeout = self.limits().idle_timeout_us;
        self.last_sweep_us = now_us;
        let before = done.len();
        done.extend(
            self.flows
                .extract_if(|_, flow| now_us.saturating_sub(flow.last_us) > timeout),
        );
        self.evicted += (done.len() - before) as u64;
        for (key, flow) in &done[before..] {
            self.remember(*key, flow.lo_initiated);
        }
    }

    /// Whether the sender of the first packet seen of a flow opened it, and what told so: a SYN
    /// or SYN-ACK; else a TCP endpoint already seen answering another connection (the peer that
    /// listens on that port elsewhere in the capture: an MQTT broker's first packet to a client
    /// whose port is in no ephemeral range, 172.26.13.4's 3576 in pypacker's Kubernetes
    /// capture, is the broker answering); else the port numbers; else the sender is taken for
    /// the opener.
    fn opener_of(&self, p: &Packet<'_>) -> (bool, Told) {
        if p.proto == Proto::Tcp && p.tcp.syn {
            return (!p.tcp.ack, Told::Syn);
        }
        let sender_serves = self.serves((p.src, p.src_port));
        if p.proto == Proto::Tcp && sender_serves != self.serves((p.dst, p.dst_port)) {
            return (!sender_serves, Told::Service);
        }
        match sender_is_server_by_port(p) {
            Some(sender_serves) => (!sender_serves, Told::PortNumbers),
            None => (true, Told::FirstSender),
        }
    }

    fn remember_service(&mut self, endpoint: (IpAddr, u16)) {
        if self.serves(endpoint) {
            return;
        }
        if self.services[0].len() >= REMEMBERED_SERVICES {
            self.services[1] = std::mem::take(&mut self.services[0]);
        }
        self.services[0].insert(endpoint);
    }

    fn serves(&self, endpoint: (IpAddr, u16)) -> bool {
        self.services.iter().any(|g| g.contains(&endpoint))
    }

    fn remember(&mut self, key: FlowKey, lo_initiated: bool) {
        if self.directions[0].len() >= REMEMBERED_DIRECTIONS {
            self.directions[1] = std::mem::take(&mut self.directions[0]);
        }
        self.directions[0].insert(key, lo_initiated);
    }

    fn remembered(&self, key: &FlowKey) -> Option<bool> {
        self.directions
            .iter()
            .find_map(|generation| generation.get(key).copied())
    }

    /// Hands back every remaining flow (end of capture).
    pub fn drain(&mut self, done: &mut Vec<(FlowKey, Flow)>) {
        self.evicted += self.flows.len() as u64;
        done.extend(self.flows.drain());
    }
}

fn advance_tcp(flow: &mut Flow, p: &Packet<'_>, dir: usize) {
    if p.tcp.rst {
        flow.tcp = TcpState::Reset;
        return;
    }
    if p.tcp.fin {
        flow.fins[dir] = true;
    }
    flow.tcp = match flow.tcp {
        // Both sides sent FIN: the packet after the last FIN (its ACK) ends the connection, so
        // the final ACK is counted with it, not as a connection of its own (tshark's stream).
        // A capture missing that ACK ends the flow at the idle timeout.
        _ if flow.fins[0] && flow.fins[1] && !p.tcp.fin => TcpState::Closed,
        _ if flow.fins[0] || flow.fins[1] => TcpState::Closing,
        TcpState::SynSent if p.tcp.syn && p.tcp.ack => TcpState::Established,
        state => state,
    };
}

/// The name the client asks for (TLS or QUIC SNI, HTTP Host), from its first bytes.
fn learn_name(flow: &mut Flow, p: &Packet<'_>) -> Option<(NameSource, String)> {
    if flow.name_done {
        return None;
    }
    if p.proto == Proto::Tcp && p.tcp.syn && !p.tcp.ack {
        // The SYN fixes where the stream starts: later segments are put in order from it.
        flow.name_probe = Some(Box::new(NameProbe::tcp_after_syn(p.tcp_seq)));
        return None;
    }
    if p.payload.is_empty() {
        return None;
    }
    let probe = match &mut flow.name_probe {
        Some(probe) => probe,
        None => match NameProbe::for_first_payload(p) {
            Some(probe) => flow.name_probe.insert(Box::new(probe)),
            None => {
                flow.name_done = true;
                return None;
            }
        },
    };
    match probe.feed(p) {
        Probe::Wait => None,
        Probe::Done(None)
            if p.proto == Proto::Tcp
                && flow.tcp_picked_up_midstream()
                && flow.name_tries < MIDSTREAM_NAME_TRIES =>
        {
            // Picked up mid-stream, these bytes were not a connection's start (a keep-alive
            // byte, the rest of a request): the next client segment gets a fresh look.
            flow.name_tries += 1;
            flow.name_probe = None;
            None
        }
        Probe::Done(name) => {
            flow.name_done = true;
            flow.name_probe = None;
            name
        }
    }
}

/// DNS answers a server sends over TCP: the stream is put in order and cut into messages.
fn read_dns_tcp(flow: &mut Flow, p: &Packet<'_>) -> Vec<Vec<u8>> {
    if p.tcp.syn {
        flow.dns_tcp = Some(Box::new(DnsTcpStream::after_syn(p.tcp_seq)));
        return Vec::new();
    }
    if p.payload.is_empty() {
        return Vec::new();
    }
    flow.dns_tcp
        .get_or_insert_with(|| Box::new(DnsTcpStream::default()))
        .push(p.tcp_seq, p.payload)
}

/// What told which side opened a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    /// The SYN or SYN-ACK.
    Syn,
    /// One endpoint answered another connection earlier in the capture.
    Service,
    /// A system port against a higher one, or a port below every ephemeral range against one in.
    PortNumbers,
    /// Nothing: the first packet's sender is taken for the opener.
    FirstSender,
}

/// Whether the port numbers of a flow's first packet seen say its sender is the server
/// (`Some(true)`), its receiver is (`Some(false)`), or nothing (`None`), for UDP and TCP picked
/// up mid-stream, where the opening was not captured: a system port (below 1024) against a
/// higher one (a DNS answer, an NTP reply), or a port below every ephemeral range against one in
/// it. Without this, a capture that starts with a reply would file the device's own ephemeral
/// port as the destination port. Linux — and so most cameras and IoT devices — picks client
/// ports from 32768 up (ip_local_port_range 32768–60999), below the IANA range (49152 up) that
/// Windows and BSDs use: a broker's MQTT message to a client's port 49081 is the broker
/// answering, not opening a connection to a service on 49081.
fn sender_is_server_by_port(p: &Packet<'_>) -> Option<bool> {
    /// Start of the lowest common ephemeral port range (Linux's; IANA's starts at 49152).
    const EPHEMERAL: u16 = 32_768;
    let serves = |port: u16, other: u16| {
        (port < 1024 && other >= 1024) || (other >= EPHEMERAL && port < EPHEMERAL)
    };
    if serves(p.src_port, p.dst_port) {
        Some(true)
    } else if serves(p.dst_port, p.src_port) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::decode::TcpFlags;

    fn tcp<'a>(
        src: &str,
        sp: u16,
        dst: &str,
        dp: u16,
        flags: TcpFlags,
        payload: &'a [u8],
    ) -> Packet<'a> {
        Packet {
            src_mac: None,
            link_broadcast: false,
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: Proto::Tcp,
            src_port: sp,
            dst_port: dp,
            tcp: flags,
            tcp_seq: 0,
            payload,
            fragment: None,
        }
    }

    const SYN: TcpFlags = TcpFlags {
        syn: true,
        ack: false,
        fin: false,
        rst: false,
    };
    const SYNACK: TcpFlags = TcpFlags {
        syn: true,
        ack: true,
        fin: false,
        rst: false,
    };
    const ACK: TcpFlags = TcpFlags {
        syn: false,
        ack: true,
        fin: false,
        rst: false,
    };
    const FIN: TcpFlags = TcpFlags {
        syn: false,
        ack: true,
        fin: true,
        rst: false,
    };

    /// A capture that begins with a reply still files the server's port as the destination port.
    #[test]
    fn a_reply_seen_first_keeps_the_server_port() {
        let mut table = FlowTable::new(FlowLimits::default());
        let mut done = Vec::new();
        let cam = "198.18.0.22";
        let dns = "203.0.113.53";
        let mut answer = tcp(dns, 53, cam, 36_475, ACK, b"");
        answer.proto = Proto::Udp;
        let obs = table.observe(&answer, 90, 1_000, &mut done);
        assert_eq!(obs.responder_port, 53);
        assert_eq!(obs.initiator, (cam.parse().unwrap(), 36_475));
        // Mid-stream TCP from an ephemeral port to a service port is the client speaking.
        let obs = table.observe(
            &tcp(cam, 50_000, dns, 8443, ACK, b"x"),
            60,
            2_000,
            &mut done,
        );
        assert_eq!(obs.responder_port, 8443);
        let obs = table.observe(
            &tcp(dns, 8443, cam, 50_001, ACK, b"y"),
            60,
            3_000,
            &mut done,
        );
        assert_eq!(obs.responder_port, 8443);
    }

    /// A Linux client's port (32768–60999) below the IANA range still marks the server: a
    /// capture that begins with an MQTT broker's message to its client (seen in a real
    /// Kubernetes capture: broker 1883 to client 49081) files 1883 as the service port.
    #[test]
    fn a_reply_to_a_linux_client_port_seen_first_keeps_the_server_port() {
        let mut table = FlowTable::new(FlowLimits::default());
        let mut done = Vec::new();
        let (broker, client) = ("172.16.166.183", "172.16.166.133");
        let obs = table.observe(
            &tcp(broker, 1883, client, 49_081, ACK, b"0"),
            216,
            1_000,
            &mut done,
        );
        assert_eq!(obs.responder_port, 1883);
        assert_eq!(obs.initiator, (client.parse().unwrap(), 49_081));
        // Two ports in ephemeral ranges say nothing: the first sender is taken for the opener.
        let obs = table.observe(
            &tcp(broker, 40_000, client, 50_000, ACK, b"0"),
            60,
            2_000,
            &mut done,
        );
        assert_eq!(obs.initiator, (broker.parse().unwrap(), 40_000));
    }

    /// pypacker's Kubernetes capture: the broker 172.16.166.183:1883 answers 172.26.13.4 on
    /// port 3576 (a NAT's port, in no ephemeral range) before that client speaks. The broker was
    /// seen answering another client on 1883 first, so it is the broker answering; without that
    /// (or a SYN, or telling port numbers) the first sender is still taken for the opener.
    #[test]
    fn an_endpoint_seen_answering_elsewhere_is_the_server_whatever_the_other_port() {
        let (broker, nat, pod) = ("172.16.166.183", "172.26.13.4", "172.16.192.116");
        let fresh = || FlowTable::new(FlowLimits::default());
        let mut done = Vec::new();
        let answer = tcp(broker, 1883, nat, 3576, ACK, b"0");
        // Alone, nothing says who opened it.
        let obs = fresh().observe(&answer, 224, 1_000, &mut done);
        assert_eq!(obs.initiator, (broker.parse().unwrap(), 1883));
        // A client's PUBLISH from a Linux client port marks 1883 as the broker's service ...
        let mut table = fresh();
        let obs = table.observe(
            &tcp(pod, 40_961, broker, 1883, ACK, b"0"),
            216,
            0,
            &mut done,
        );
        assert_eq!(obs.responder_port, 1883);
        let obs = table.observe(&answer, 224, 1_000, &mut done);
        assert_eq!(obs.initiator, (nat.parse().unwrap(), 3576));
        assert_eq!(obs.responder_port, 1883);
        // ... and so does a captured handshake, also with a client port that tells nothing.
        let mut table = fresh();
        table.observe(
            &tcp("10.0.0.9", 5_000, broker, 1883, SYN, b""),
            74,
            0,
            &mut done,
        );
        let obs = table.observe(&answer, 224, 1_000, &mut done);
        assert_eq!(obs.initiator, (nat.parse().unwrap(), 3576));
        // The same port of another host, or over UDP, is no evidence.
        let mut other = tcp("172.16.166.184", 1883, nat, 3577, ACK, b"0");
        let obs = table.observe(&other, 224, 2_000, &mut done);
        assert_eq!(obs.initiator, ("172.16.166.184".parse().unwrap(), 1883));
        other.proto = Proto::Udp;
        other.src = broker.parse().unwrap();
        let obs = table.observe(&other, 224, 3_000, &mut done);
        assert_eq!(obs.initiator, (broker.parse().unwrap(), 1883));
    }

    #[test]
    fn connection_counts_each_direction_learns_sni_and_is_folded_when_closed() {
        let hello =
            hex::decode(include_str!("../../tests/fixtures/traffic/client_hello.hex").trim())
                .unwrap();
        let mut table = FlowTable::new(FlowLimits::default());
        let mut done = Vec::new();
        let cam = "192.168.1.20";
        let cloud = "203.0.113.10";
        table.observe(&tcp(cam, 40000, cloud, 443, SYN, b""), 74, 1_000, &mut done);
        table.observe(
            &tcp(cloud, 443, cam, 40000, SYNACK, b""),
            74,
            2_000,
            &mut done,
        );
        let (a, b) = hello.split_at(100);
        let mut first = tcp(cam, 40000, cloud, 443, ACK, a);
        first.tcp_seq = 1; // the SYN's sequence number was 0
        let mut second = tcp(cam, 40000, cloud, 443, ACK, b);
        second.tcp_seq = 101;
        // The second segment arrives first.
        let o1 = table.observe(&second, 500, 3_000, &mut done);
        assert_eq!(o1.learned, None);
        let o2 = table.observe(&first, 166, 3_500, &mut done);
        assert_eq!(o2.learned, Some((NameSource::Sni, "server".into())));
        assert_eq!(o2.initiator, (cam.parse().unwrap(), 40000));
        assert_eq!(o2.responder_port, 443);
        table.observe(&tcp(cam, 40000, cloud, 443, FIN, b""), 66, 4_000, &mut done);
        assert!(done.is_empty());
        table.observe(&tcp(cloud, 443, cam, 40000, FIN, b""), 66, 5_000, &mut done);
        assert!(done.is_empty(), "the last FIN's ACK is still to come");
        table.observe(&tcp(cam, 40000, cloud, 443, ACK, b""), 66, 5_100, &mut done);
        assert_eq!(done.len(), 1);
        let (_, flow) = &done[0];
        assert_eq!(flow.tcp, TcpState::Closed);
        assert_eq!(flow.packets.iter().sum::<u64>(), 7);
        assert_eq!(flow.first_us, 1_000);
        assert_eq!(flow.last_us, 5_100);
        assert!(table.is_empty());
    }

    /// A hub's connection idle for longer than the timeout, then closed: the late FIN/ACK from
    /// the server must not start a flow "to" the hub's client port.
    #[test]
    fn direction_is_remembered_past_the_idle_timeout() {
        let mut table = FlowTable::new(FlowLimits {
            idle_timeout_us: 1_000_000,
            max_flows: 10,
        });
        let mut done = Vec::new();
        let hub = "192.168.1.20";
        let cloud = "203.0.113.10";
        // 8883 < 40000 would make the port heuristic right anyway: use a server on a high port.
        table.observe(&tcp(hub, 40_000, cloud, 50_443, SYN, b""), 74, 0, &mut done);
        table.observe(
            &tcp(cloud, 50_443, hub, 40_000, SYNACK, b""),
            74,
            1,
            &mut done,
        );
        table.sweep(10_000_000, &mut done);
        assert_eq!(done.len(), 1);
        let obs = table.observe(
            &tcp(cloud, 50_443, hub, 40_000, FIN, b""),
            66,
            10_000_001,
            &mut done,
        );
        assert_eq!(obs.initiator, (hub.parse().unwrap(), 40_000));
        assert_eq!(obs.responder_port, 50_443);
    }

    /// A connection picked up mid-stream whose first client bytes are a 1-byte keep-alive still
    /// reads the Host of its next request.
    #[test]
    fn midstream_keepalive_byte_does_not_end_the_look_for_a_name() {
        let mut table = FlowTable::new(FlowLimits::default());
        let mut done = Vec::new();
        let cam = "192.168.1.20";
        let cloud = "203.0.113.10";
        let mut keepalive = tcp(cam, 40_000, cloud, 80, ACK, b"\0");
        keepalive.tcp_seq = 999;
        assert_eq!(table.observe(&keepalive, 61, 0, &mut done).learned, None);
        let mut request = tcp(
            cam,
            40_000,
            cloud,
            80,
            ACK,
            b"POST /upload HTTP/1.1\r\nHost: pic.example.com\r\n\r\n",
        );
        request.tcp_seq = 1_000;
        assert_eq!(
            table.observe(&request, 120, 1, &mut done).learned,
            Some((NameSource::HttpHost, "pic.example.com".into()))
        );
    }

    /// With the table full, a reply is still filed under the server's port.
    #[test]
    fn a_full_table_files_replies_under_the_server_port() {
        let mut table = FlowTable::new(FlowLimits {
            idle_timeout_us: 1_000_000_000,
            max_flows: 1,
        });
        let mut done = Vec::new();
        table.observe(
            &tcp("10.0.0.2", 1, "10.0.0.3", 2, SYN, b""),
            60,
            0,
            &mut done,
        );
        let obs = table.observe(
            &tcp("203.0.113.5", 443, "10.0.0.2", 51_000, ACK, b"x"),
            60,
            1,
            &mut done,
        );
        assert_eq!(table.untracked, 1);
        assert_eq!(obs.responder_port, 443);
        assert_eq!(obs.initiator, ("10.0.0.2".parse().unwrap(), 51_000));
    }

    #[test]
    fn idle_flows_are_evicted_and_the_table_stays_bounded() {
        let limits = FlowLimits {
            idle_timeout_us: 1_000_000,
            max_flows: 10,
        };
        let mut table = FlowTable::new(limits);
        let mut done = Vec::new();
        for port in 0..50u16 {
            table.observe(
                &tcp("10.0.0.2", 1000 + port, "10.0.0.3", 80, SYN, b""),
                60,
                0,
                &mut done,
            );
        }
        assert_eq!(table.len(), 10);
        assert_eq!(table.untracked, 40);
        table.observe(
            &tcp("10.0.0.2", 9, "10.0.0.3", 80, SYN, b""),
            60,
            5_000_000,
            &mut done,
        );
        assert_eq!(done.len(), 10);
        assert_eq!(table.len(), 1);
    }
}
