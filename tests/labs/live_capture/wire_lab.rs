//! Two lab namespaces joined by a veth pair, traffic paced to a rate between them, and the
//! kernel's own interface counters to compare a capture with.
//!
//! ```text
//!  this process's namespace ("internet")          device namespace
//!  cap0 203.0.113.10 ──────────── veth ──────────── eth0 198.18.0.12 (store LAN)
//!  (camsweep captures here; receivers listen)        (senders run here)
//! ```
//!
//! Offloads stay on: the device's TCP hands the veth 64 kB TSO super-frames, which the veth
//! passes along whole. The interface counters and the capture both see each super-frame once,
//! at its length, so their byte counts are in the same unit (Ethernet header included, no FCS).

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, unshare};

pub const DEVICE_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 12);
pub const REMOTE_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
pub const CAPTURE_IF: &str = "cap0";
pub const TCP_PORT: u16 = 5001;
pub const UDP_PORT: u16 = 5002;
/// UDP payload per datagram: a full 1500-byte IP packet.
pub const UDP_PAYLOAD: usize = 1472;
/// Datagrams per sendmmsg call.
const UDP_BATCH: usize = 32;
/// Ethernet (14) + IPv4 (20) + UDP (8) headers of each datagram.
pub const UDP_HEADERS: u64 = 42;
/// How far behind its schedule a paced sender may fall before the backlog is forgiven, so a
/// sender that was not scheduled for a while does not catch up in one burst above its rate.
const MAX_BACKLOG: Duration = Duration::from_millis(20);

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("running {cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

pub fn ip(args: &[&str]) -> Result<(), String> {
    run("ip", args)
}

/// No IPv6 on the link: its neighbour discovery would add frames nobody asked for.
fn no_ipv6() {
    for conf in ["all", "default"] {
        // A kernel without IPv6 has no such file, and then there is nothing to turn off.
        let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{conf}/disable_ipv6"), "1");
    }
}

/// The device's namespace, linked to this process's namespace by `cap0` ⇄ `eth0`.
pub struct Link {
    pub device: File,
}

impl Link {
    pub fn make() -> Result<Link, String> {
        no_ipv6();
        let (made_tx, made_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let made = unshare(CloneFlags::CLONE_NEWNET)
                .map_err(|e| format!("unshare(CLONE_NEWNET): {e}"))
                .and_then(|()| {
                    no_ipv6();
                    File::open("/proc/thread-self/ns/net").map_err(|e| e.to_string())
                })
                // SAFETY: plain system call.
                .map(|ns| (ns, unsafe { libc::gettid() }));
            let _ = made_tx.send(made);
            // The thread, whose id names the namespace to `ip`, lives until the veth is in.
            let _ = done_rx.recv();
        });
        let (device, tid) = made_rx
            .recv()
            .map_err(|_| "namespace thread ended early".to_string())??;
        let moved = ip(&[
            "link",
            "add",
            CAPTURE_IF,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            &tid.to_string(),
        ]);
        drop(done_tx);
        let _ = holder.join();
        moved?;
        ip(&["addr", "add", "203.0.113.10/24", "dev", CAPTURE_IF])?;
        ip(&["link", "set", CAPTURE_IF, "up"])?;
        ip(&["route", "add", "198.18.0.0/15", "dev", CAPTURE_IF])?;
        in_device(&device, || {
            ip(&["link", "set", "lo", "up"])?;
            ip(&["addr", "add", "198.18.0.12/15", "dev", "eth0"])?;
            ip(&["link", "set", "eth0", "up"])?;
            ip(&["route", "add", "203.0.113.0/24", "dev", "eth0"])
        })?;
        Ok(Link { device })
    }
}

/// Runs `f` on a thread inside the device's namespace.
pub fn in_device<T: Send>(
    device: &File,
    f: impl FnOnce() -> Result<T, String> + Send,
) -> Result<T, String> {
    camsweep::lab::in_netns(device, "device namespace", f)
        .map_err(|e| crate::harness::with_causes(&e))?
}

/// An interface's counters in this namespace (`/proc/net/dev`, the numbers behind
/// `/sys/class/net/IF/statistics`, which shows the host's namespace here).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counters {
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
}

impl Counters {
    pub fn read(interface: &str) -> Result<Counters, String> {
        let text =
            std::fs::read_to_string("/proc/thread-self/net/dev").map_err(|e| e.to_string())?;
        let line = text
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{interface}:")))
            .ok_or_else(|| format!("{interface} not in /proc/net/dev"))?;
        let n: Vec<u64> = line
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        if n.len() < 10 {
            return Err(format!("short /proc/net/dev line: {line}"));
        }
        Ok(Counters {
            rx_bytes: n[0],
            rx_packets: n[1],
            tx_bytes: n[8],
            tx_packets: n[9],
        })
    }

    pub fn since(self, before: Counters) -> Counters {
        Counters {
            rx_bytes: self.rx_bytes - before.rx_bytes,
            rx_packets: self.rx_packets - before.rx_packets,
            tx_bytes: self.tx_bytes - before.tx_bytes,
            tx_packets: self.tx_packets - before.tx_packets,
        }
    }
}

/// Waits until a packet socket (any protocol, `ETH_P_ALL`) is bound to `interface` in this
/// namespace, i.e. camsweep's capture has started; fails if `child` exits first.
pub fn wait_for_capture(interface: &str, child: &mut Child) -> Result<(), String> {
    let index = nix::net::if_::if_nametoindex(interface).map_err(|e| e.to_string())?;
    let started = Instant::now();
    loop {
        let table =
            std::fs::read_to_string("/proc/thread-self/net/packet").map_err(|e| e.to_string())?;
        // Columns: sk RefCnt Type Proto Iface R Rmem User Inode
        let bound = table.lines().skip(1).any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 4 && f[3] == "0003" && f[4].parse::<u32>() == Ok(index)
        });
        if bound {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("camsweep exited ({status}) before capturing"));
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("camsweep did not open its capture within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What a paced sender achieved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent {
    /// Payload bytes handed to the socket.
    pub bytes: u64,
    /// Successful sends (for UDP: datagrams).
    pub sends: u64,
    pub secs: f64,
}

impl Sent {
    pub fn mbit_per_s(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.secs.max(1e-9) / 1e6
    }
}

/// Calls `send(n)` with chunks of at most `chunk` bytes for `secs`, keeping to `bits_per_s`.
fn paced(
    bits_per_s: u64,
    secs: f64,
    chunk: usize,
    mut send: impl FnMut(usize) -> io::Result<usize>,
) -> Result<Sent, String> {
    let per_s = bits_per_s as f64 / 8.0;
    let max_backlog = per_s * MAX_BACKLOG.as_secs_f64();
    let start = Instant::now();
    let mut sent = Sent::default();
    // Bytes the schedule forgave (time the sender was not running).
    let mut forgiven = 0.0;
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= secs {
            break;
        }
        let due = per_s * elapsed - forgiven;
        let behind = due - sent.bytes as f64;
        if behind > max_backlog {
            forgiven += behind - max_backlog;
        }
        if behind < chunk as f64 {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        match send(chunk) {
            Ok(n) => {
                sent.bytes += n as u64;
                sent.sends += 1;
            }
            // A full queue in the sender's own stack: the frame never left, try again.
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => std::thread::yield_now(),
            Err(e) => return Err(format!("sending: {e}")),
        }
    }
    sent.secs = start.elapsed().as_secs_f64();
    Ok(sent)
}

/// A TCP transfer from the device to the remote at `bits_per_s` for `secs`; returns what was
/// sent and what the remote received.
pub fn tcp_transfer(device: &File, bits_per_s: u64, secs: f64) -> Result<(Sent, u64), String> {
    let listener = TcpListener::bind((REMOTE_IP, TCP_PORT)).map_err(|e| e.to_string())?;
    std::thread::scope(|scope| {
        let receiver = scope.spawn(move || -> Result<u64, String> {
            let (mut conn, _) = listener.accept().map_err(|e| e.to_string())?;
            let mut buf = vec![0u8; 256 * 1024];
            let mut total = 0u64;
            loop {
                match conn.read(&mut buf) {
                    Ok(0) => return Ok(total),
                    Ok(n) => total += n as u64,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
        });
        let sent = in_device(device, || {
            let mut conn = TcpStream::connect(SocketAddr::from((REMOTE_IP, TCP_PORT)))
                .map_err(|e| format!("connecting to the remote: {e}"))?;
            let block = vec![0x5a_u8; 64 * 1024];
            let sent = paced(bits_per_s, secs, block.len(), |n| {
                conn.write_all(&block[..n]).map(|()| n)
            })?;
            conn.shutdown(std::net::Shutdown::Write)
                .map_err(|e| e.to_string())?;
            // Wait for the remote's FIN, so the whole exchange is on the wire before returning.
            let _ = conn.read(&mut [0u8; 1]);
            Ok(sent)
        });
        let received = receiver
            .join()
            .map_err(|_| "TCP receiver panicked".to_string())?;
        Ok((sent?, received?))
    })
}

/// A UDP stream of full-size datagrams from the device to the remote at `bits_per_s` for
/// `secs`. The remote has a socket bound (so no ICMP comes back) that is never read: what
/// crosses the wire is what counts here, and reading it would only take CPU from the capture.
pub fn udp_stream(device: &File, bits_per_s: u64, secs: f64) -> Result<Sent, String> {
    let _sink = UdpSocket::bind((REMOTE_IP, UDP_PORT)).map_err(|e| e.to_string())?;
    in_device(device, || {
        let sock = UdpSocket::bind((DEVICE_IP, 0)).map_err(|e| e.to_string())?;
        sock.connect((REMOTE_IP, UDP_PORT))
            .map_err(|e| e.to_string())?;
        let payload = [0xa5_u8; UDP_PAYLOAD];
        // Datagrams go out UDP_BATCH to a system call (sendmmsg), so the sender, not the
        // capture, is not what limits the rate on a small machine.
        let mut iov: Vec<libc::iovec> = (0..UDP_BATCH)
            .map(|_| libc::iovec {
                iov_base: payload.as_ptr() as *mut libc::c_void,
                iov_len: UDP_PAYLOAD,
            })
            .collect();
        let mut messages: Vec<libc::mmsghdr> = iov
            .iter_mut()
            .map(|iov| {
                // SAFETY: mmsghdr is plain data; all-zero is valid.
                let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
                m.msg_hdr.msg_iov = iov;
                m.msg_hdr.msg_iovlen = 1;
                m
            })
            .collect();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&sock);
        let mut sent = paced(bits_per_s, secs, UDP_PAYLOAD * UDP_BATCH, |bytes| {
            let count = (bytes / UDP_PAYLOAD).clamp(1, UDP_BATCH);
            // SAFETY: `messages` points at `iov` and `payload`, alive for the call.
            let n = unsafe { libc::sendmmsg(fd, messages.as_mut_ptr(), count as u32, 0) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize * UDP_PAYLOAD)
            }
        })?;
        sent.sends = sent.bytes / UDP_PAYLOAD as u64;
        Ok(sent)
    })
}
