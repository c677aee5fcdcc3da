//! Frames from an interface for a fixed time: a Linux packet socket (AF_PACKET) in promiscuous
//! mode, read with `recvmsg`.
//!
//! What crosses the wire is counted, not what fits a buffer: with GRO/TSO the kernel hands over
//! TCP super-frames of up to 64 kB (more with BIG TCP), so every frame's original length comes
//! from the kernel (`MSG_TRUNC`), whatever part of it the receive buffer keeps. Timestamps are
//! the kernel's (`SO_TIMESTAMPNS`), a VLAN tag the driver stripped is put back from
//! `PACKET_AUXDATA`, and the kernel's drop counter (`PACKET_STATISTICS`) is read at the end. A
//! receive error ends the capture (what was read so far stands) instead of aborting the run.

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{PcapFile, PcapFileOutcome};
use crate::traffic::{CaptureError, Frame, FrameSource, LinkType};

/// How often the receive loop wakes up to check the deadline.
const POLL: Duration = Duration::from_millis(200);
/// Bytes of each frame kept (headers and the first bytes of payload are what the analyser
/// reads; the length counted is the kernel's, not this).
const SNAP: usize = 256 * 1024;
/// Socket receive buffer asked for, so bursts at line rate wait in the kernel, not get dropped.
const RCVBUF: libc::c_int = 64 * 1024 * 1024;
/// Room for the control messages (timestamp and auxdata).
const CONTROL: usize = 256;

/// What a live capture saw, beyond its frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Frames handed to the analyser.
    pub frames: u64,
    /// Frames the kernel received for this socket.
    pub kernel_packets: u64,
    /// Frames the kernel dropped because the socket's buffer was full (they were not counted).
    pub kernel_drops: u64,
    /// Frames cut to the snap length (their original length was still counted).
    pub truncated: u64,
    /// The receive error that ended the capture early, if any.
    pub error: Option<String>,
}

/// Captures on one interface until the listening time is over.
pub struct LiveSource {
    interface: String,
    socket: OwnedFd,
    deadline: Instant,
    frame: Vec<u8>,
    writer: Option<PcapFile>,
    /// Set when the run is interrupted: the capture ends as if its time were over.
    stop: Option<Arc<AtomicBool>>,
    /// Frames captured so far.
    pub frames: u64,
    stats: LiveStats,
}

fn setsockopt<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a live, properly sized option value for the whole call.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn open_socket(interface: &str) -> io::Result<OwnedFd> {
    let name = CString::new(interface)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name with NUL"))?;
    // SAFETY: `name` is a NUL-terminated string alive for the call.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if ifindex == 0 {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no such interface"));
    }
    let protocol = (libc::ETH_P_ALL as u16).to_be();
    // SAFETY: plain system call; the descriptor is owned right after.
    let raw = unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::c_int::from(protocol),
        )
    };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // A bigger buffer first: as root beyond rmem_max, else up to it.
    if setsockopt(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &RCVBUF).is_err() {
        let _ = setsockopt(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &RCVBUF);
    }
    // SAFETY: sockaddr_ll is plain data; all-zero is a valid start.
    let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = protocol;
    addr.sll_ifindex = ifindex as libc::c_int;
    // SAFETY: `addr` is a valid sockaddr_ll of the size given.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&raw const addr).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: packet_mreq is plain data.
    let mut mreq: libc::packet_mreq = unsafe { zeroed() };
    mreq.mr_ifindex = ifindex as libc::c_int;
    mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
    setsockopt(&fd, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mreq)?;
    let on: libc::c_int = 1;
    setsockopt(&fd, libc::SOL_PACKET, libc::PACKET_AUXDATA, &on)?;
    setsockopt(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &on)?;
    let timeout = libc::timeval {
        tv_sec: 0,
        tv_usec: POLL.as_micros() as libc::suseconds_t,
    };
    setsockopt(&fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &timeout)?;
    // Counters start now: reading them resets them.
    let _ = read_statistics(&fd);
    Ok(fd)
}

/// The kernel's (packets, drops) since the last read (reading resets them).
fn read_statistics(fd: &OwnedFd) -> io::Result<(u64, u64)> {
    // SAFETY: tpacket_stats is plain data, and its size is passed.
    let mut stats: libc::tpacket_stats = unsafe { zeroed() };
    let mut len = size_of::<libc::tpacket_stats>() as libc::socklen_t;
    // SAFETY: `stats` and `len` are valid for writing for the call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&raw mut stats).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((u64::from(stats.tp_packets), u64::from(stats.tp_drops)))
}

/// One frame as received: bytes kept, original length, kernel time, VLAN tag.
struct Received {
    kept: usize,
    orig_len: usize,
    ts_micros: Option<i64>,
    vlan_tci: Option<(u16, u16)>,
}

fn receive(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<Received> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control = [0u64; CONTROL / 8];
    // SAFETY: msghdr is plain data; the pointers set below outlive the call.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = CONTROL as _;
    // SAFETY: `msg` describes buffers valid for writing.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let orig_len = n as usize;
    let mut received = Received {
        kept: orig_len.min(buf.len()),
        orig_len,
        ts_micros: None,
        vlan_tci: None,
    };
    // SAFETY: walking the control messages the kernel wrote into `control`, with libc's macros.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let data = libc::CMSG_DATA(cmsg);
            match ((*cmsg).cmsg_level, (*cmsg).cmsg_type) {
                (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => {
                    let ts: libc::timespec = std::ptr::read_unaligned(data.cast());
                    received.ts_micros = Some(ts.tv_sec * 1_000_000 + ts.tv_nsec / 1_000);
                }
                (libc::SOL_PACKET, libc::PACKET_AUXDATA) => {
                    let aux: libc::tpacket_auxdata = std::ptr::read_unaligned(data.cast());
                    if aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0 {
                        let tpid = if aux.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                            aux.tp_vlan_tpid
                        } else {
                            0x8100
                        };
                        received.vlan_tci = Some((tpid, aux.tp_vlan_tci));
                    }
                }
                _ => {}
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(received)
}

impl LiveSource {
    /// Opens `interface` in promiscuous mode for `listen`; with `write_pcap`, every frame is
    /// also written there.
    pub fn open(
        interface: &str,
        listen: Duration,
        write_pcap: Option<&Path>,
    ) -> Result<Self, CaptureError> {
        let fail = |reason: String| CaptureError::Live {
            interface: interface.to_string(),
            reason,
        };
        let socket = open_socket(interface).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => fail("no such interface".into()),
            _ => fail(format!("{e} (capturing needs CAP_NET_RAW)")),
        })?;
        let writer = match write_pcap {
            Some(path) => Some(
                PcapFile::create(path)
                    .map_err(|e| fail(format!("creating {}: {e}", path.display())))?,
            ),
            None => None,
        };
        Ok(Self {
            interface: interface.to_string(),
            socket,
            deadline: Instant::now() + listen,
            frame: vec![0; SNAP + 4],
            writer,
            stop: None,
            frames: 0,
            stats: LiveStats::default(),
        })
    }

    /// Ends the capture early once `flag` is set (an interrupted run).
    #[must_use]
    pub fn stop_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }

    /// What the capture saw so far, with the kernel's counters read now.
    pub fn stats(&mut self) -> LiveStats {
        if let Ok((packets, drops)) = read_statistics(&self.socket) {
            self.stats.kernel_packets += packets;
            self.stats.kernel_drops += drops;
        }
        self.stats.frames = self.frames;
        self.stats.clone()
    }

    /// Flushes the pcap being written, if any, and renames it into place.
    pub fn finish(self) -> Result<Option<PcapFileOutcome>, CaptureError> {
        let interface = self.interface;
        self.writer
            .map(|w| {
                w.finish().map_err(|e| CaptureError::Live {
                    interface: interface.clone(),
                    reason: format!("renaming the capture file into place: {e}"),
                })
            })
            .transpose()
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        let received = loop {
            if self.stats.error.is_some()
                || Instant::now() >= self.deadline
                || self
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.load(Ordering::Relaxed))
            {
                return Ok(None);
            }
            // Room at the front for a VLAN tag the driver stripped.
            match receive(&self.socket, &mut self.frame[4..]) {
                Ok(r) => break r,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut
                            | io::ErrorKind::WouldBlock
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    // What was read so far stands; the caller reports why the capture ended.
                    tracing::warn!(interface = %self.interface, "capture ended early: {e}");
                    self.stats.error = Some(e.to_string());
                    return Ok(None);
                }
            }
        };
        if received.orig_len > received.kept {
            self.stats.truncated += 1;
        }
        let ts_micros = received.ts_micros.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        });
        let (start, orig_len) = match received.vlan_tci {
            Some((tpid, tci)) if received.kept >= 12 => {
                // Put the tag back after the two MAC addresses: [dst, src, tpid, tci, type…].
                self.frame.copy_within(4..16, 0);
                self.frame[12..14].copy_from_slice(&tpid.to_be_bytes());
                self.frame[14..16].copy_from_slice(&tci.to_be_bytes());
                (0, received.orig_len + 4)
            }
            _ => (4, received.orig_len),
        };
        let data = &self.frame[start..4 + received.kept];
        if let Some(w) = self.writer.as_mut() {
            w.write_frame(ts_micros, data);
        }
        self.frames += 1;
        Ok(Some(Frame {
            ts_micros,
            link: LinkType::Ethernet,
            data,
            orig_len: u32::try_from(orig_len).unwrap_or(u32::MAX),
        }))
    }
}

/// `20s`, `10m`, `1h` or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (20s, 10m, 1h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: unit must be s, m or h")),
    };
    if secs == 0 {
        return Err("the listening time must be more than 0".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("").is_err());
    }
}
