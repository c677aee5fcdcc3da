//! The interception's three parts: finding the devices' and gateway's MACs, keeping their ARP
//! entries pointed at the inspector (rate-limited) and then repairing them, and the forwarding
//! loop, which also hands every frame it reads to the analyser.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::InterceptError;
use super::arp::{self, Mac};
use super::frames::{Captured, ForwardedFrames, Forwarder};
use super::socket::{FRAME_BUFFER, PacketSocket, PacketType, VNET_HDR_LEN};
use crate::capture::{PcapFile, PcapFileOutcome};
use crate::model::{InterceptedDevice, Interception};

/// How often the ARP entries are refreshed: well inside Linux's shortest reachable time (15 s)
/// and past its neighbour lock time (1 s), which ignores a second change within a second.
const POISON_EVERY: Duration = Duration::from_millis(1_500);
/// A triggered reply (a device asking for the gateway) for the same device and direction at
/// most this often.
const TRIGGERED_GAP: Duration = Duration::from_millis(300);
/// ARP replies per second in all, whatever happens.
const ARP_PER_SECOND: u32 = 200;
/// Repair rounds and the pause between them; together longer than the lock time, so the last
/// ordinary reply lands even where a gratuitous one is not honoured.
const RESTORE_ROUNDS: u32 = 5;
const RESTORE_GAP: Duration = Duration::from_millis(500);
/// Consecutive send failures after which a device is no longer intercepted.
const GIVE_UP_AFTER: u64 = 64;
/// How long the ARP requests that find the MACs are answered.
const RESOLVE_WAIT: Duration = Duration::from_millis(1_500);
/// Requests per millisecond while resolving (a /24 takes a quarter second).
const RESOLVE_PACING: Duration = Duration::from_micros(1_000);
/// The most in-scope addresses resolved (a /20).
const MAX_TARGETS: usize = 4_096;
/// Frames queued for the analyser; beyond it they are forwarded but not analysed (counted).
const ANALYSER_QUEUE: usize = 16_384;
const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// What to intercept.
#[derive(Debug, Clone)]
pub struct InterceptPlan {
    pub interface: String,
    pub gateway: Ipv4Addr,
    /// The in-scope addresses (from `--targets`); only those that answer ARP are intercepted,
    /// never the inspector's own address nor the gateway.
    pub targets: Vec<Ipv4Addr>,
    pub listen: Duration,
}

/// One intercepted device and its counters (shared by the threads, lock-free on the hot path).
struct Device {
    ip: Ipv4Addr,
    mac: Mac,
    to_gateway: (AtomicU64, AtomicU64),
    to_device: (AtomicU64, AtomicU64),
    dropped: (AtomicU64, AtomicU64),
    failures_in_a_row: AtomicU64,
    given_up: AtomicBool,
    stopped_early: Mutex<Option<(String, Instant)>>,
    last_triggered: Mutex<[Option<Instant>; 2]>,
}

impl Device {
    fn new(ip: Ipv4Addr, mac: Mac) -> Device {
        Device {
            ip,
            mac,
            to_gateway: Default::default(),
            to_device: Default::default(),
            dropped: Default::default(),
            failures_in_a_row: AtomicU64::new(0),
            given_up: AtomicBool::new(false),
            stopped_early: Mutex::new(None),
            last_triggered: Mutex::new([None, None]),
        }
    }
}

/// A token bucket: at most [`ARP_PER_SECOND`] replies in any second.
struct ArpBudget {
    window: Instant,
    used: u32,
}

/// What both threads share.
struct Shared {
    socket: PacketSocket,
    own_mac: Mac,
    own_ip: Ipv4Addr,
    gateway_ip: Ipv4Addr,
    gateway_mac: Mac,
    by_mac: HashMap<Mac, Arc<Device>>,
    by_ip: HashMap<Ipv4Addr, Arc<Device>>,
    /// False once the repair has begun: no more replies pointing at the inspector.
    poisoning: AtomicBool,
    /// Set when the forwarding loop may end (after the repair).
    done: AtomicBool,
    arp_sent: AtomicU64,
    budget: Mutex<ArpBudget>,
    not_analysed: AtomicU64,
}

impl Shared {
    /// Sends an ARP frame if the budget allows; false when it did not.
    fn send_arp(&self, frame: &[u8]) -> bool {
        let allowed = self.budget.lock().is_ok_and(|mut b| {
            let now = Instant::now();
            if now.duration_since(b.window) >= Duration::from_secs(1) {
                b.window = now;
                b.used = 0;
            }
            b.used += 1;
            b.used <= ARP_PER_SECOND
        });
        if allowed && self.socket.send(&[0; VNET_HDR_LEN], frame).is_ok() {
            self.arp_sent.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Tells `device` the gateway is at the inspector, and the gateway `device` is.
    fn poison(&self, device: &Device) {
        self.send_arp(&arp::reply(
            self.own_mac,
            device.mac,
            device.ip,
            self.gateway_ip,
            self.own_mac,
        ));
        self.send_arp(&arp::reply(
            self.own_mac,
            self.gateway_mac,
            self.gateway_ip,
            device.ip,
            self.own_mac,
        ));
    }

    /// Tells `device` and the gateway each other's true MAC: a gratuitous reply (applied even
    /// within the lock time) and an ordinary one, each unicast.
    fn repair(&self, device: &Device) {
        let (own, gw_ip, gw_mac) = (self.own_mac, self.gateway_ip, self.gateway_mac);
        self.send_arp(&arp::gratuitous(own, device.mac, gw_ip, gw_mac));
        self.send_arp(&arp::reply(own, device.mac, device.ip, gw_ip, gw_mac));
        self.send_arp(&arp::gratuitous(own, gw_mac, device.ip, device.mac));
        self.send_arp(&arp::reply(own, gw_mac, gw_ip, device.ip, device.mac));
    }

    /// A device or the gateway asked for the other: answer at once (rate-limited) so the true
    /// answer does not win for long.
    fn answer_request(&self, request: &arp::Arp) {
        if !self.poisoning.load(Ordering::Relaxed) {
            return;
        }
        let (device, direction) = if request.target_ip == self.gateway_ip {
            match self.by_mac.get(&request.sender_mac) {
                Some(d) if d.ip == request.sender_ip => (d, 0),
                _ => return,
            }
        } else if request.sender_ip == self.gateway_ip && request.sender_mac == self.gateway_mac {
            match self.by_ip.get(&request.target_ip) {
                Some(d) => (d, 1),
                None => return,
            }
        } else {
            return;
        };
        if device.given_up.load(Ordering::Relaxed) {
            return;
        }
        let now = Instant::now();
        let due = device.last_triggered.lock().is_ok_and(|mut last| {
            let due = last[direction].is_none_or(|t| now.duration_since(t) >= TRIGGERED_GAP);
            if due {
                last[direction] = Some(now);
            }
            due
        });
        if !due {
            return;
        }
        let frame = if direction == 0 {
            arp::reply(
                self.own_mac,
                device.mac,
                device.ip,
                self.gateway_ip,
                self.own_mac,
            )
        } else {
            arp::reply(
                self.own_mac,
                self.gateway_mac,
                self.gateway_ip,
                device.ip,
                self.own_mac,
            )
        };
        self.send_arp(&frame);
    }
}

/// The interception as a [`FrameSource`]: frames come from the forwarding loop until the
/// interception has ended and its repair is done. Dropping it ends the interception early
/// (and still repairs).
pub struct InterceptSource {
    interface: String,
    frames: ForwardedFrames,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    started_at: String,
    finished_at: Arc<Mutex<Option<String>>>,
    began: Instant,
    not_answering: u64,
}

impl InterceptSource {
    /// Finds the gateway's and the in-scope devices' MACs, then starts intercepting them for
    /// `plan.listen` or until `interrupt` is set.
    ///
    /// # Errors
    /// [`InterceptError`] when the interface has no MAC or IPv4 address, the socket cannot be
    /// opened (CAP_NET_RAW), or the gateway does not answer ARP.
    pub fn start(
        plan: &InterceptPlan,
        interrupt: Arc<AtomicBool>,
        write_pcap: Option<&Path>,
    ) -> Result<InterceptSource, InterceptError> {
        let fail = |reason: String| InterceptError::Setup {
            interface: plan.interface.clone(),
            reason,
        };
        let iface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == plan.interface)
            .ok_or_else(|| fail("no such interface".into()))?;
        let own_mac = iface
            .mac
            .map(|m| m.octets())
            .ok_or_else(|| fail("the interface has no MAC address".into()))?;
        let own_ip = iface
            .ips
            .iter()
            .find_map(|n| match n.ip() {
                std::net::IpAddr::V4(v4) => Some(v4),
                std::net::IpAddr::V6(_) => None,
            })
            .ok_or_else(|| fail("the interface has no IPv4 address".into()))?;
        if plan.gateway == own_ip {
            return Err(fail("the gateway is this host's own address".into()));
        }
        let socket = PacketSocket::open(iface.index, READ_TIMEOUT).map_err(|e| {
            fail(format!(
                "{e} (interception needs CAP_NET_RAW and CAP_NET_ADMIN)"
            ))
        })?;
        let candidates: Vec<Ipv4Addr> = plan
            .targets
            .iter()
            .copied()
            .filter(|ip| *ip != own_ip && *ip != plan.gateway)
            .take(MAX_TARGETS)
            .collect();
        let found = resolve(&socket, own_mac, own_ip, plan.gateway, &candidates);
        let gateway_mac = *found.get(&plan.gateway).ok_or_else(|| {
            fail(format!(
                "the gateway {} did not answer ARP; nothing was intercepted",
                plan.gateway
            ))
        })?;
        let mut by_mac = HashMap::new();
        let mut by_ip = HashMap::new();
        for ip in &candidates {
            let Some(mac) = found.get(ip) else { continue };
            // A device sharing the gateway's or the inspector's MAC is not one to intercept.
            if *mac == gateway_mac || *mac == own_mac || by_mac.contains_key(mac) {
                continue;
            }
            let device = Arc::new(Device::new(*ip, *mac));
            by_mac.insert(*mac, Arc::clone(&device));
            by_ip.insert(*ip, device);
        }
        let not_answering = (candidates.len() - by_ip.len()) as u64;
        let writer = match write_pcap {
            Some(path) => Some(
                PcapFile::create(path)
                    .map_err(|e| fail(format!("creating {}: {e}", path.display())))?,
            ),
            None => None,
        };
        let shared = Arc::new(Shared {
            socket,
            own_mac,
            own_ip,
            gateway_ip: plan.gateway,
            gateway_mac,
            by_mac,
            by_ip,
            poisoning: AtomicBool::new(true),
            done: AtomicBool::new(false),
            arp_sent: AtomicU64::new(0),
            budget: Mutex::new(ArpBudget {
                window: Instant::now(),
                used: 0,
            }),
            not_analysed: AtomicU64::new(0),
        });
        tracing::info!(
            devices = shared.by_ip.len(),
            gateway = %plan.gateway,
            "intercepting"
        );
        let (tx, frames) = std::sync::mpsc::sync_channel(ANALYSER_QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let finished_at = Arc::new(Mutex::new(None));
        let forwarding = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("intercept-forward".into())
                .spawn(move || forward_loop(&shared, &tx))
                .map_err(|e| fail(format!("starting the forwarding thread: {e}")))?
        };
        let control = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            let finished_at = Arc::clone(&finished_at);
            let deadline = Instant::now() + plan.listen;
            std::thread::Builder::new()
                .name("intercept-arp".into())
                .spawn(move || {
                    control_loop(&shared, deadline, &stop, &interrupt);
                    if let Ok(mut at) = finished_at.lock() {
                        *at = Some(crate::app::now_rfc3339());
                    }
                })
                .map_err(|e| fail(format!("starting the ARP thread: {e}")))?
        };
        Ok(InterceptSource {
            interface: plan.interface.clone(),
            frames: ForwardedFrames::new(frames, writer),
            stop,
            shared,
            threads: vec![control, forwarding],
            started_at: crate::app::now_rfc3339(),
            finished_at,
            began: Instant::now(),
            not_answering,
        })
    }

    /// Ends the interception (repairing the ARP entries, if not done yet), and says what it did.
    pub fn finish(mut self) -> (Interception, Option<std::io::Result<PcapFileOutcome>>) {
        self.end();
        let shared = &self.shared;
        let total = self.began.elapsed().as_secs_f64();
        let mut devices: Vec<InterceptedDevice> = shared
            .by_ip
            .values()
            .map(|d| {
                let stopped = d.stopped_early.lock().ok().and_then(|s| s.clone());
                let seconds = stopped
                    .as_ref()
                    .map_or(total, |(_, at)| at.duration_since(self.began).as_secs_f64());
                InterceptedDevice {
                    ip: d.ip.to_string(),
                    mac: crate::model::MacAddr(d.mac).to_string(),
                    seconds: (seconds * 10.0).round() / 10.0,
                    packets_to_gateway: d.to_gateway.0.load(Ordering::Relaxed),
                    bytes_to_gateway: d.to_gateway.1.load(Ordering::Relaxed),
                    packets_to_device: d.to_device.0.load(Ordering::Relaxed),
                    bytes_to_device: d.to_device.1.load(Ordering::Relaxed),
                    packets_dropped: d.dropped.0.load(Ordering::Relaxed),
                    bytes_dropped: d.dropped.1.load(Ordering::Relaxed),
                    stopped_early: stopped.map(|(why, _)| why),
                }
            })
            .collect();
        devices.sort_by_key(|d| d.ip.parse::<Ipv4Addr>().ok());
        let finished_at = self
            .finished_at
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .unwrap_or_else(crate::app::now_rfc3339);
        let report = Interception {
            interface: self.interface.clone(),
            gateway_ip: shared.gateway_ip.to_string(),
            gateway_mac: crate::model::MacAddr(shared.gateway_mac).to_string(),
            started_at: self.started_at.clone(),
            finished_at,
            devices,
            not_answering: self.not_answering,
            arp_replies_sent: shared.arp_sent.load(Ordering::Relaxed),
            restored: shared.done.load(Ordering::Relaxed),
            frames_dropped_by_kernel: shared.socket.kernel_drops(),
            frames_not_analysed: shared.not_analysed.load(Ordering::Relaxed),
        };
        let written = self.frames.finish_writing();
        (report, written)
    }

    /// Stops and waits for both threads; the ARP thread repairs before it returns.
    fn end(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for InterceptSource {
    fn drop(&mut self) {
        self.end();
    }
}

impl Forwarder for InterceptSource {
    type Summary = Interception;

    fn frames(&mut self) -> &mut ForwardedFrames {
        &mut self.frames
    }

    fn finish(self) -> (Self::Summary, Option<std::io::Result<PcapFileOutcome>>) {
        InterceptSource::finish(self)
    }
}

/// Asks every address for its MAC and collects the replies for [`RESOLVE_WAIT`].
fn resolve(
    socket: &PacketSocket,
    own_mac: Mac,
    own_ip: Ipv4Addr,
    gateway: Ipv4Addr,
    candidates: &[Ipv4Addr],
) -> HashMap<Ipv4Addr, Mac> {
    let wanted: std::collections::HashSet<Ipv4Addr> =
        candidates.iter().copied().chain([gateway]).collect();
    let mut found = HashMap::new();
    let mut buf = vec![0u8; FRAME_BUFFER];
    let mut collect = |socket: &PacketSocket, found: &mut HashMap<Ipv4Addr, Mac>| {
        while let Ok(Some((n, _, _))) = socket.recv(&mut buf) {
            if let Some(reply) = arp::parse(&buf[VNET_HDR_LEN..n])
                && !reply.request
                && reply.target_ip == own_ip
                && wanted.contains(&reply.sender_ip)
            {
                found.entry(reply.sender_ip).or_insert(reply.sender_mac);
            }
            if n == 0 {
                break;
            }
        }
    };
    for round in 0..2 {
        for ip in std::iter::once(&gateway).chain(candidates) {
            if round == 1 && found.contains_key(ip) {
                continue;
            }
            let _ = socket.send(&[0; VNET_HDR_LEN], &arp::request(own_mac, own_ip, *ip));
            std::thread::sleep(RESOLVE_PACING);
        }
        let until = Instant::now() + RESOLVE_WAIT / 2;
        while Instant::now() < until {
            collect(socket, &mut found);
        }
    }
    found
}

/// Keeps the entries pointed at the inspector until the deadline or a stop, gives up on devices
/// whose frames cannot be forwarded, then repairs every entry.
fn control_loop(shared: &Shared, deadline: Instant, stop: &AtomicBool, interrupt: &AtomicBool) {
    let stopping = || {
        Instant::now() >= deadline
            || stop.load(Ordering::Relaxed)
            || interrupt.load(Ordering::Relaxed)
    };
    let mut next = Instant::now();
    while !stopping() {
        if Instant::now() >= next {
            for device in shared.by_ip.values() {
                if device.given_up.load(Ordering::Relaxed) {
                    continue;
                }
                if device.failures_in_a_row.load(Ordering::Relaxed) >= GIVE_UP_AFTER {
                    give_up(
                        shared,
                        device,
                        "frames could not be forwarded (send errors)",
                    );
                    continue;
                }
                shared.poison(device);
            }
            next = Instant::now() + POISON_EVERY;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    shared.poisoning.store(false, Ordering::Relaxed);
    for round in 0..RESTORE_ROUNDS {
        if round > 0 {
            std::thread::sleep(RESTORE_GAP);
        }
        for device in shared.by_ip.values() {
            shared.repair(device);
        }
    }
    // Frames already on their way to the inspector are still forwarded.
    std::thread::sleep(RESTORE_GAP);
    shared.done.store(true, Ordering::Relaxed);
}

fn give_up(shared: &Shared, device: &Device, why: &str) {
    device.given_up.store(true, Ordering::Relaxed);
    if let Ok(mut stopped) = device.stopped_early.lock() {
        *stopped = Some((why.to_owned(), Instant::now()));
    }
    tracing::warn!(ip = %device.ip, "interception stopped for this device: {why}");
    for _ in 0..2 {
        shared.repair(device);
    }
}

/// Reads every frame on the interface: forwards those a device sends to the gateway through
/// the inspector, and the gateway's replies back; answers ARP requests that would undo the
/// interception; and queues every frame for the analyser.
fn forward_loop(shared: &Shared, analyser: &SyncSender<Captured>) {
    let mut buf = vec![0u8; FRAME_BUFFER];
    while !shared.done.load(Ordering::Relaxed) {
        let (n, truncated, kind) = match shared.socket.recv(&mut buf) {
            Ok(Some(got)) => got,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("interception: reading frames failed: {e}");
                std::thread::sleep(READ_TIMEOUT);
                continue;
            }
        };
        if n < VNET_HDR_LEN + 14 {
            continue;
        }
        let (head, frame) = buf[..n].split_at_mut(VNET_HDR_LEN);
        let Some((dst, src)) = arp::macs(frame) else {
            continue;
        };
        if truncated {
            // Larger than any GSO frame the kernel hands out: cannot be forwarded whole.
            if let Some(device) = shared.by_mac.get(&src) {
                device.dropped.0.fetch_add(1, Ordering::Relaxed);
                device
                    .dropped
                    .1
                    .fetch_add(frame.len() as u64, Ordering::Relaxed);
            }
            continue;
        }
        if let Err(TrySendError::Full(_)) = analyser.try_send(Captured::now(frame)) {
            shared.not_analysed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(request) = arp::parse(frame).filter(|a| a.request) {
            shared.answer_request(&request);
            continue;
        }
        if kind != PacketType::Host || dst != shared.own_mac {
            continue;
        }
        let Some(ip_dst) = arp::ipv4_destination(frame) else {
            continue;
        };
        if ip_dst == shared.own_ip {
            continue;
        }
        let (device, towards, to_gateway) = if let Some(device) = shared.by_mac.get(&src) {
            (device, shared.gateway_mac, true)
        } else if src == shared.gateway_mac {
            match shared.by_ip.get(&ip_dst) {
                Some(device) => (device, device.mac, false),
                None => continue,
            }
        } else {
            continue;
        };
        frame[0..6].copy_from_slice(&towards);
        frame[6..12].copy_from_slice(&shared.own_mac);
        let vnet: [u8; VNET_HDR_LEN] = head.try_into().unwrap_or([0; VNET_HDR_LEN]);
        let len = frame.len() as u64;
        match shared.socket.send(&vnet, frame) {
            Ok(()) => {
                device.failures_in_a_row.store(0, Ordering::Relaxed);
                let counters = if to_gateway {
                    &device.to_gateway
                } else {
                    &device.to_device
                };
                counters.0.fetch_add(1, Ordering::Relaxed);
                counters.1.fetch_add(len, Ordering::Relaxed);
            }
            Err(e) => {
                device.failures_in_a_row.fetch_add(1, Ordering::Relaxed);
                device.dropped.0.fetch_add(1, Ordering::Relaxed);
                device.dropped.1.fetch_add(len, Ordering::Relaxed);
                tracing::debug!(ip = %device.ip, "forwarding a frame failed: {e}");
            }
        }
    }
}
