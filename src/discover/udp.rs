//! The shared UDP inquiry loop of the discovery protocols: send one inquiry to a multicast group
//! and/or the subnet broadcast through the chosen interface, and to every live host by unicast;
//! then collect every datagram that comes back until the window closes.
//!
//! Multicast and broadcast are only sent when an interface is named (`--interface`): without it
//! camsweep cannot tell which segment a group packet would reach, so it sends unicast only.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// Largest datagram read.
const MAX_DATAGRAM: usize = 9000;
/// Most datagrams kept from one inquiry (a hostile segment cannot make memory grow without end).
const MAX_REPLIES: usize = 4096;
/// Most datagrams kept from one sender per inquiry: a device flooding replies can neither crowd
/// out the others nor fill memory (a real device answers with one to a few).
pub const MAX_REPLIES_PER_SENDER: usize = 16;
/// Most bytes of datagrams kept per inquiry, all senders together.
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;
/// Pause between unicast inquiries: 2 000 datagrams a second at most.
const UNICAST_GAP: Duration = Duration::from_micros(500);

/// Each inquiry is sent this many times ([`crate::retry`]): on a lossy link (shop Wi-Fi) one
/// datagram, or its reply, is easily lost, and a device that misses it stays unnamed. Replies
/// to the repeats merge by sender like any others and count towards the per-sender cap.
const INQUIRY_ROUNDS: u32 = 2;
/// Pause before an inquiry is sent again (replies to the first round arrive meanwhile).
const RESEND_AFTER: Duration = Duration::from_millis(300);

/// Where and how long discovery asks.
#[derive(Debug, Clone)]
pub struct DiscoveryContext {
    /// The scanning interface's IPv4 address: multicast leaves through it.
    pub local: Option<Ipv4Addr>,
    /// The interface subnet's broadcast address.
    pub broadcast: Option<Ipv4Addr>,
    /// How long replies are awaited after the last inquiry left.
    pub window: Duration,
    /// The store LAN's gateway (`--gateway`, else the default route of `--interface`). When it
    /// is among the targets and its SSDP description names a WAN connection service, its UPnP
    /// port-mapping table is read (IGD `GetGenericPortMappingEntry`, read-only); no other host
    /// is ever asked.
    pub gateway: Option<Ipv4Addr>,
    /// Every address the user authorised (`--targets`). Replies are heard from anyone on the
    /// segment, but a follow-up request (the UPnP description behind an SSDP LOCATION) goes
    /// only to these: camsweep sends nothing to a machine it was not pointed at. Empty: no
    /// follow-up request at all.
    pub authorised: Arc<HashSet<IpAddr>>,
}

impl Default for DiscoveryContext {
    fn default() -> Self {
        Self {
            local: None,
            broadcast: None,
            window: Duration::from_millis(1500),
            gateway: None,
            authorised: Arc::default(),
        }
    }
}

impl DiscoveryContext {
    /// The first IPv4 address of `interface` and its subnet's broadcast address.
    pub fn for_interface(interface: &str, window: Duration) -> Self {
        let mut ctx = Self {
            window,
            ..Self::default()
        };
        let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
            return ctx;
        };
        for a in addrs.filter(|a| a.interface_name == interface) {
            let ip = a
                .address
                .as_ref()
                .and_then(|s| s.as_sockaddr_in())
                .map(|s| s.ip());
            let mask = a
                .netmask
                .as_ref()
                .and_then(|s| s.as_sockaddr_in())
                .map(|s| s.ip());
            if let (Some(ip), Some(mask)) = (ip, mask) {
                ctx.local = Some(ip);
                ctx.broadcast = Some(Ipv4Addr::from(u32::from(ip) | !u32::from(mask)));
                break;
            }
        }
        ctx
    }

    /// Whether a follow-up request may go to `ip` (see [`Self::authorised`]).
    pub fn authorises(&self, ip: IpAddr) -> bool {
        self.authorised.contains(&ip)
    }
}

/// One inquiry: where it goes and what it says.
#[derive(Debug, Clone)]
pub struct Inquiry {
    pub port: u16,
    /// Multicast group to send to (through [`DiscoveryContext::local`]).
    pub group: Option<Ipv4Addr>,
    /// Also send to the subnet broadcast address.
    pub broadcast: bool,
    /// The datagrams sent to each destination, in order.
    pub payloads: Vec<Vec<u8>>,
}

/// Every datagram received, with its sender, and notes on what could not be sent.
#[derive(Debug, Default)]
pub struct Collected {
    pub replies: Vec<(IpAddr, Vec<u8>)>,
    pub notes: Vec<crate::model::Note>,
    /// Per sender, what was not kept: datagrams over the per-sender cap, and datagrams that
    /// filled the whole receive buffer (longer ones are cut by the kernel).
    pub dropped: BTreeMap<IpAddr, Dropped>,
    /// Inquiry-wide caps reached.
    pub limits_hit: Vec<crate::model::LimitHit>,
}

/// What one sender lost to the caps.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// Datagrams beyond [`MAX_REPLIES_PER_SENDER`] (or the inquiry's caps).
    pub over_cap: usize,
    /// Datagrams of at least the receive buffer's size, kept cut.
    pub oversized: usize,
}

fn socket(ctx: &DiscoveryContext) -> io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_broadcast(true)?;
    s.set_multicast_ttl_v4(1)?;
    s.set_multicast_loop_v4(false)?;
    if let Some(local) = ctx.local {
        s.set_multicast_if_v4(&local)?;
    }
    s.set_nonblocking(true)?;
    let bind = SocketAddrV4::new(ctx.local.unwrap_or(Ipv4Addr::UNSPECIFIED), 0);
    s.bind(&SocketAddr::V4(bind).into())?;
    UdpSocket::from_std(s.into())
}

/// Sends the inquiry and collects replies until `ctx.window` after the last send.
pub async fn collect(
    name: &str,
    inquiry: &Inquiry,
    targets: &[IpAddr],
    ctx: &DiscoveryContext,
) -> Collected {
    let mut out = Collected::default();
    let sock = match socket(ctx) {
        Ok(s) => s,
        Err(e) => {
            out.notes.push(
                crate::model::Note::new("no_udp_socket")
                    .arg("protocol", name)
                    .arg("error", e),
            );
            return out;
        }
    };
    let mut destinations: Vec<SocketAddr> = Vec::new();
    if ctx.local.is_some() {
        if let Some(group) = inquiry.group {
            destinations.push(SocketAddr::from((group, inquiry.port)));
        }
        if inquiry.broadcast
            && let Some(b) = ctx.broadcast
        {
            destinations.push(SocketAddr::from((b, inquiry.port)));
        }
    }
    destinations.extend(
        targets
            .iter()
            .filter(|ip| ip.is_ipv4())
            .map(|ip| SocketAddr::new(*ip, inquiry.port)),
    );
    let mut failures = 0usize;
    let mut last_error = None;
    let rounds = if crate::retry::enabled() {
        INQUIRY_ROUNDS
    } else {
        1
    };
    for round in 0..rounds {
        if round > 0 {
            tokio::time::sleep(RESEND_AFTER).await;
        }
        for dest in &destinations {
            for payload in &inquiry.payloads {
                if let Err(e) = sock.send_to(payload, dest).await {
                    failures += 1;
                    last_error = Some(format!("{dest}: {e}"));
                }
            }
            tokio::time::sleep(UNICAST_GAP).await;
        }
    }
    if let Some(e) = last_error {
        out.notes.push(
            crate::model::Note::new("inquiry_not_sent")
                .arg("protocol", name)
                .arg("count", failures)
                .arg("last_error", e),
        );
    }
    let deadline = Instant::now() + ctx.window;
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut per_sender: BTreeMap<IpAddr, usize> = BTreeMap::new();
    let mut kept_bytes = 0usize;
    let mut inquiry_full = None;
    // Read until the window closes whatever the caps: draining the socket keeps a flood from
    // filling the kernel's buffer and crowding out other devices' replies.
    loop {
        match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) => {
                let ip = from.ip();
                let count = per_sender.entry(ip).or_default();
                *count += 1;
                if n >= MAX_DATAGRAM {
                    out.dropped.entry(ip).or_default().oversized += 1;
                }
                let room = out.replies.len() < MAX_REPLIES && kept_bytes + n <= MAX_REPLY_BYTES;
                if *count > MAX_REPLIES_PER_SENDER || !room {
                    out.dropped.entry(ip).or_default().over_cap += 1;
                    if !room && inquiry_full.is_none() {
                        inquiry_full = Some(if out.replies.len() >= MAX_REPLIES {
                            ("discovery_replies", format!("{MAX_REPLIES} datagrams"))
                        } else {
                            ("discovery_bytes", format!("{MAX_REPLY_BYTES} bytes"))
                        });
                    }
                    continue;
                }
                kept_bytes += n;
                out.replies.push((ip, buf[..n].to_vec()));
            }
            // ICMP port unreachable from a host without the service surfaces as an error on
            // Linux; it says nothing about other hosts, so keep listening.
            Ok(Err(_)) => {}
            Err(_) => break,
        }
    }
    if let Some((limit, what)) = inquiry_full {
        out.limits_hit.push(crate::model::LimitHit::new(
            limit,
            format!("{name}: replies beyond {what} per inquiry were dropped"),
        ));
    }
    for (ip, dropped) in &out.dropped {
        if dropped.over_cap > 0 {
            out.limits_hit.push(crate::model::LimitHit::new(
                "discovery_replies_per_host",
                format!(
                    "{name}: {} datagram(s) from {ip} beyond {MAX_REPLIES_PER_SENDER} dropped",
                    dropped.over_cap
                ),
            ));
        }
    }
    out
}

/// A pseudo-random identifier for message ids, without a clock read in the pure codecs:
/// std's randomly keyed hasher is the entropy.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5ca1_ab1e);
    h.finish()
}

/// A random UUID string (version 4 layout).
pub fn random_uuid() -> String {
    let (a, b) = (random_u64(), random_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}
