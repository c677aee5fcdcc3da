//! The inline bridge (`audit --bridge IF1,IF2`): the inspector's laptop with two wired ports
//! sits in a cable (between the shop's switch and its router, or a camera and the switch),
//! copies every frame from one port to the other unchanged, and hands each to the analyser.
//!
//! It sends nothing of its own: the only frames written to a port are frames read from the other
//! one, byte for byte (with the kernel's segmentation description, see [`super::socket`]). The
//! host itself is kept quiet on both ports for the audit: no IPv4 address (a port with one is
//! refused), ARP off (IFF_NOARP: Linux would otherwise answer ARP for the host's other
//! addresses on any interface), IPv6 off (`disable_ipv6`: no link-local address, no router or
//! neighbour solicitations, no MLD). Each port's flags and IPv6 setting are put back when the
//! bridge ends: at the end of the listening time, on Ctrl-C/SIGTERM, on an error, when the source
//! is dropped, and on a second signal (which quits at once) through [`restore_pending`].
//!
//! Why userspace forwarding and not a kernel bridge: docs/interception.md ("Inline bridge").

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::InterceptError;
use super::frames::{Captured, ForwardedFrames, Forwarder};
use super::link::{self, IFF_NOARP, IFF_UP};
use super::socket::{FRAME_BUFFER, PacketSocket, VNET_HDR_LEN};
use crate::capture::{PcapFile, PcapFileOutcome};
use crate::model::Bridge;

const READ_TIMEOUT: Duration = Duration::from_millis(50);
/// Frames queued for the analyser; beyond it they are forwarded but not analysed (counted).
const ANALYSER_QUEUE: usize = 16_384;

/// What to bridge, and for how long.
#[derive(Debug, Clone)]
pub struct BridgePlan {
    pub ports: [String; 2],
    pub listen: Duration,
}

/// What camsweep knows about a port before touching it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortFacts {
    pub name: String,
    pub exists: bool,
    pub loopback: bool,
    pub wireless: bool,
    /// Already a port of a kernel bridge or a bond.
    pub has_master: bool,
    /// Every address on it (IPv6 link-local ones included).
    pub addresses: Vec<IpAddr>,
    /// It carries this host's default route (IPv4 or IPv6).
    pub default_route: bool,
}

/// Why `port` cannot be a bridge port, if it cannot: it does not exist, is loopback or Wi-Fi, is
/// part of another bridge, is the host's own connection (default route), or has an address the
/// host uses (IPv4, or IPv6 beyond link-local: a link-local address is the kernel's own and goes
/// away with IPv6 for the audit).
pub fn refusal(port: &PortFacts) -> Option<String> {
    let name = &port.name;
    if !port.exists {
        return Some(format!("{name}: no such interface"));
    }
    if port.loopback {
        return Some(format!("{name} is the loopback interface"));
    }
    if port.wireless {
        return Some(format!(
            "{name} is a Wi-Fi interface: a Wi-Fi client cannot pass other hosts' frames; use two wired ports"
        ));
    }
    if port.has_master {
        return Some(format!(
            "{name} is already a port of a bridge or bond; take it out first"
        ));
    }
    if port.default_route {
        return Some(format!(
            "{name} carries this host's default route: it is the inspector's own connection, not a free port"
        ));
    }
    let in_use = port.addresses.iter().find(|ip| match ip {
        IpAddr::V4(_) => true,
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
    });
    in_use.map(|ip| {
        format!(
            "{name} has the address {ip} in use by this host; a bridge port must have none (remove it, or stop the network manager's DHCP on that port)"
        )
    })
}

/// Reads a port's facts from the kernel (interface list, routing tables, sysfs).
pub fn port_facts(name: &str) -> PortFacts {
    let iface = pnet_datalink::interfaces()
        .into_iter()
        .find(|i| i.name == name);
    let Some(iface) = iface else {
        return PortFacts {
            name: name.to_owned(),
            ..PortFacts::default()
        };
    };
    let route4 = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    let route6 = std::fs::read_to_string("/proc/net/ipv6_route").unwrap_or_default();
    PortFacts {
        name: name.to_owned(),
        exists: true,
        loopback: iface.is_loopback(),
        wireless: link::is_wireless(name),
        has_master: link::has_master(name),
        addresses: iface.ips.iter().map(|n| n.ip()).collect(),
        default_route: super::default_gateway_in(&route4, name).is_some()
            || default_route6_in(&route6, name),
    }
}

/// True when `/proc/net/ipv6_route` has a default route (::/0) out of `interface`.
pub fn default_route6_in(table: &str, interface: &str) -> bool {
    table.lines().any(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        f.len() >= 10
            && f[0].chars().all(|c| c == '0')
            && f[1] == "00"
            && f[9] == interface
            // Unreachable and blackhole defaults name `lo`; a gateway of all zeros on the
            // interface itself is still a default route out of it.
            && interface != "lo"
    })
}

/// A port's settings as found, to be put back.
#[derive(Debug, Clone)]
struct SavedPort {
    name: String,
    flags: u32,
    ipv6_disabled: Option<String>,
}

/// Ports changed and not yet put back, for the exit path that skips destructors
/// ([`restore_pending`]).
static PENDING: Mutex<Vec<SavedPort>> = Mutex::new(Vec::new());

/// Puts back every bridge port still changed. For the path that quits at once (a second
/// Ctrl-C): destructors do not run there.
pub fn restore_pending() {
    let ports: Vec<SavedPort> = PENDING.lock().map(|p| p.clone()).unwrap_or_default();
    for port in &ports {
        if let Err(e) = restore(port) {
            eprintln!("bridge: {e}");
        }
    }
    if let Ok(mut pending) = PENDING.lock() {
        pending.clear();
    }
}

/// Quietens a port: down (so turning IPv6 off sends no "leaving" report), IPv6 off, ARP off, up.
fn quieten(name: &str) -> Result<SavedPort, String> {
    let saved = SavedPort {
        name: name.to_owned(),
        flags: link::flags(name).map_err(|e| format!("{name}: reading its flags: {e}"))?,
        ipv6_disabled: link::ipv6_disabled(name),
    };
    if let Ok(mut pending) = PENDING.lock() {
        pending.push(saved.clone());
    }
    let ipv6_on = saved.ipv6_disabled.as_deref() == Some("0");
    let fail = |what: &str, e: std::io::Error| {
        format!("{name}: {what}: {e} (the bridge needs CAP_NET_ADMIN and CAP_NET_RAW)")
    };
    if ipv6_on && saved.flags & IFF_UP != 0 {
        link::set_flags(name, IFF_UP, 0).map_err(|e| fail("setting it down", e))?;
    }
    if ipv6_on {
        link::set_ipv6_disabled(name, "1").map_err(|e| fail("turning IPv6 off", e))?;
    }
    link::set_flags(name, IFF_NOARP | IFF_UP, IFF_NOARP | IFF_UP)
        .map_err(|e| fail("turning ARP off and setting it up", e))?;
    Ok(saved)
}

/// Puts a port's flags and IPv6 setting back as found (down while IPv6 comes back, so the host
/// starts IPv6 on it as after any link change).
fn restore(saved: &SavedPort) -> Result<(), String> {
    let name = &saved.name;
    let fail = |what: &str, e: std::io::Error| format!("{name}: putting back {what}: {e}");
    link::set_flags(name, IFF_UP, 0).map_err(|e| fail("its state", e))?;
    if let Some(value) = &saved.ipv6_disabled
        && link::ipv6_disabled(name).as_deref() != Some(value.as_str())
    {
        link::set_ipv6_disabled(name, value).map_err(|e| fail("its IPv6 setting", e))?;
    }
    link::set_flags(name, IFF_NOARP | IFF_UP, saved.flags)
        .map_err(|e| fail("its ARP setting and state", e))?;
    if let Ok(mut pending) = PENDING.lock() {
        pending.retain(|p| p.name != *name);
    }
    Ok(())
}

/// Counters of one direction.
#[derive(Default)]
struct Direction {
    frames: AtomicU64,
    bytes: AtomicU64,
    dropped_frames: AtomicU64,
    dropped_bytes: AtomicU64,
}

struct Shared {
    sockets: [PacketSocket; 2],
    /// [0]: port 0 → port 1; [1]: port 1 → port 0.
    directions: [Direction; 2],
    not_analysed: AtomicU64,
}

/// The bridge as a [`FrameSource`]: frames come from both forwarding threads until the
/// listening time is over or a stop; then the ports are put back. Dropping it ends the bridge
/// early (and still puts the ports back).
pub struct BridgeSource {
    ports: [String; 2],
    saved: Vec<SavedPort>,
    frames: ForwardedFrames,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    started_at: String,
    finished_at: Option<String>,
    restore_errors: Vec<String>,
}

impl BridgeSource {
    /// Checks both ports, quietens them, and starts forwarding between them for `plan.listen`
    /// or until `interrupt` is set.
    ///
    /// # Errors
    /// [`InterceptError`] when a port is refused ([`refusal`]), the two are the same, or the
    /// capabilities are missing; whatever was changed by then is put back first.
    pub fn start(
        plan: &BridgePlan,
        interrupt: Arc<AtomicBool>,
        write_pcap: Option<&Path>,
    ) -> Result<BridgeSource, InterceptError> {
        let both = format!("{},{}", plan.ports[0], plan.ports[1]);
        let fail = |reason: String| InterceptError::Setup {
            interface: both.clone(),
            reason,
        };
        if plan.ports[0] == plan.ports[1] {
            return Err(fail(
                "the two bridge ports must be different interfaces".into(),
            ));
        }
        let facts = [port_facts(&plan.ports[0]), port_facts(&plan.ports[1])];
        if let Some(why) = facts.iter().find_map(refusal) {
            return Err(fail(format!("{why}; nothing was changed")));
        }
        let indexes = facts.clone().map(|f| {
            pnet_datalink::interfaces()
                .into_iter()
                .find(|i| i.name == f.name)
                .map_or(0, |i| i.index)
        });
        let mut saved = Vec::new();
        let undo = |saved: &[SavedPort]| {
            for port in saved.iter().rev() {
                let _ = restore(port);
            }
        };
        for name in &plan.ports {
            match quieten(name) {
                Ok(port) => saved.push(port),
                Err(why) => {
                    // Every port changed so far, the one that failed half-way included.
                    restore_pending();
                    return Err(fail(format!("{why}; the ports were put back")));
                }
            }
        }
        let open = |index: u32| {
            PacketSocket::open(index, READ_TIMEOUT)
                .map_err(|e| format!("{e} (the bridge needs CAP_NET_RAW and CAP_NET_ADMIN)"))
        };
        let sockets = match (open(indexes[0]), open(indexes[1])) {
            (Ok(a), Ok(b)) => [a, b],
            (Err(why), _) | (_, Err(why)) => {
                undo(&saved);
                return Err(fail(format!("{why}; the ports were put back")));
            }
        };
        let writer = match write_pcap {
            Some(path) => match PcapFile::create(path) {
                Ok(w) => Some(w),
                Err(e) => {
                    undo(&saved);
                    return Err(fail(format!("creating {}: {e}", path.display())));
                }
            },
            None => None,
        };
        let shared = Arc::new(Shared {
            sockets,
            directions: Default::default(),
            not_analysed: AtomicU64::new(0),
        });
        let (tx, frames) = std::sync::mpsc::sync_channel(ANALYSER_QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + plan.listen;
        let mut threads = Vec::new();
        for from in 0..2 {
            let (shared, tx) = (Arc::clone(&shared), tx.clone());
            let (halt, interrupt) = (Arc::clone(&stop), Arc::clone(&interrupt));
            let spawned = std::thread::Builder::new()
                .name(format!("bridge-{from}"))
                .spawn(move || {
                    let running = || {
                        Instant::now() < deadline
                            && !halt.load(Ordering::Relaxed)
                            && !interrupt.load(Ordering::Relaxed)
                    };
                    forward(&shared, from, &tx, running);
                });
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    for t in threads {
                        let _ = t.join();
                    }
                    undo(&saved);
                    return Err(fail(format!("starting a forwarding thread: {e}")));
                }
            }
        }
        tracing::info!(ports = %both, "bridging");
        Ok(BridgeSource {
            ports: plan.ports.clone(),
            saved,
            frames: ForwardedFrames::new(frames, writer),
            stop,
            shared,
            threads,
            started_at: crate::app::now_rfc3339(),
            finished_at: None,
            restore_errors: Vec::new(),
        })
    }

    /// Ends the bridge (putting the ports back, if not done yet), and says what it did.
    pub fn finish(mut self) -> (Bridge, Option<std::io::Result<PcapFileOutcome>>) {
        self.end();
        let d = &self.shared.directions;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let report = Bridge {
            interfaces: self.ports.to_vec(),
            started_at: self.started_at.clone(),
            finished_at: self
                .finished_at
                .clone()
                .unwrap_or_else(crate::app::now_rfc3339),
            frames_forward: load(&d[0].frames),
            bytes_forward: load(&d[0].bytes),
            frames_back: load(&d[1].frames),
            bytes_back: load(&d[1].bytes),
            frames_dropped: load(&d[0].dropped_frames) + load(&d[1].dropped_frames),
            bytes_dropped: load(&d[0].dropped_bytes) + load(&d[1].dropped_bytes),
            frames_dropped_by_kernel: self.shared.sockets[0].kernel_drops()
                + self.shared.sockets[1].kernel_drops(),
            frames_not_analysed: load(&self.shared.not_analysed),
            restored: self.restore_errors.is_empty(),
            restore_errors: self.restore_errors.clone(),
        };
        let written = self.frames.finish_writing();
        (report, written)
    }

    /// Stops and waits for both threads, then puts the ports back (once).
    fn end(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        if self.finished_at.is_none() {
            self.finished_at = Some(crate::app::now_rfc3339());
        }
        for port in self.saved.drain(..).rev() {
            if let Err(e) = restore(&port) {
                tracing::warn!("bridge: {e}");
                self.restore_errors.push(e);
            }
        }
    }
}

impl Drop for BridgeSource {
    fn drop(&mut self) {
        self.end();
    }
}

impl Forwarder for BridgeSource {
    type Summary = Bridge;

    fn frames(&mut self) -> &mut ForwardedFrames {
        &mut self.frames
    }

    fn finish(self) -> (Self::Summary, Option<std::io::Result<PcapFileOutcome>>) {
        BridgeSource::finish(self)
    }
}

/// Copies every frame read on port `from` to the other port, unchanged, while `running`; queues
/// each for the analyser.
fn forward(
    shared: &Shared,
    from: usize,
    analyser: &SyncSender<Captured>,
    running: impl Fn() -> bool,
) {
    let (input, output) = (&shared.sockets[from], &shared.sockets[1 - from]);
    let counters = &shared.directions[from];
    let mut buf = vec![0u8; FRAME_BUFFER];
    while running() {
        let (n, truncated, _) = match input.recv(&mut buf) {
            Ok(Some(got)) => got,
            Ok(None) => continue,
            Err(e) => {
                tracing::debug!("bridge: reading frames failed: {e}");
                std::thread::sleep(READ_TIMEOUT);
                continue;
            }
        };
        if n < VNET_HDR_LEN + 14 {
            continue;
        }
        let (head, frame) = buf[..n].split_at(VNET_HDR_LEN);
        let len = frame.len() as u64;
        if truncated {
            // Larger than any GSO frame the kernel hands out: cannot be passed on whole.
            counters.dropped_frames.fetch_add(1, Ordering::Relaxed);
            counters.dropped_bytes.fetch_add(len, Ordering::Relaxed);
            continue;
        }
        let vnet: [u8; VNET_HDR_LEN] = head.try_into().unwrap_or([0; VNET_HDR_LEN]);
        match output.send(&vnet, frame) {
            Ok(()) => {
                counters.frames.fetch_add(1, Ordering::Relaxed);
                counters.bytes.fetch_add(len, Ordering::Relaxed);
            }
            Err(e) => {
                counters.dropped_frames.fetch_add(1, Ordering::Relaxed);
                counters.dropped_bytes.fetch_add(len, Ordering::Relaxed);
                tracing::debug!("bridge: passing a frame on failed: {e}");
            }
        }
        if let Err(TrySendError::Full(_)) = analyser.try_send(Captured::now(frame)) {
            shared.not_analysed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> PortFacts {
        PortFacts {
            name: "enx1".into(),
            exists: true,
            addresses: vec!["fe80::1".parse().expect("address")],
            ..PortFacts::default()
        }
    }

    #[test]
    fn a_free_wired_port_with_only_a_link_local_address_is_accepted() {
        assert_eq!(refusal(&free_port()), None);
    }

    #[test]
    fn a_port_the_host_uses_is_refused_with_the_reason() {
        let mut p = free_port();
        p.addresses.push("192.168.1.20".parse().expect("address"));
        assert!(refusal(&p).is_some_and(|r| r.contains("192.168.1.20")));
        let mut p = free_port();
        p.addresses.push("2001:db8::5".parse().expect("address"));
        assert!(refusal(&p).is_some_and(|r| r.contains("2001:db8::5")));
        let mut p = free_port();
        p.default_route = true;
        assert!(refusal(&p).is_some_and(|r| r.contains("default route")));
        let mut p = free_port();
        p.wireless = true;
        assert!(refusal(&p).is_some_and(|r| r.contains("Wi-Fi")));
        let mut p = free_port();
        p.exists = false;
        assert!(refusal(&p).is_some_and(|r| r.contains("no such interface")));
        let mut p = free_port();
        p.has_master = true;
        assert!(refusal(&p).is_some_and(|r| r.contains("bridge or bond")));
    }

    #[test]
    fn an_ipv6_default_route_is_found_by_interface() {
        let table = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 enp3s0\n\
                     fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 enp4s0\n";
        assert!(default_route6_in(table, "enp3s0"));
        assert!(!default_route6_in(table, "enp4s0"));
    }
}
