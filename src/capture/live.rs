//! Frames from an interface for a fixed time: a Linux packet socket (AF_PACKET) in promiscuous
//! mode, read through a TPACKET_V3 receive ring the kernel shares with this process.
//!
//! Why a ring: a packet socket's receive buffer is capped by `net.core.rmem_max` (208 kB on many
//! machines, and `SO_RCVBUFFORCE` is refused inside a user namespace), a few milliseconds at
//! line rate, so a capture thread that a busy machine does not schedule for a moment loses
//! frames. The ring is not capped by that setting; [`RING_BLOCKS`] × [`RING_BLOCK`] bytes wait
//! in it, and a whole block of frames is read without a system call each.
//!
//! What crosses the wire is counted, not what fits a buffer: with GRO/TSO the kernel hands over
//! TCP super-frames of up to 64 kB (more with BIG TCP); each frame's header in the ring gives
//! its original length (`tp_len`), kept whole up to the block size. Timestamps are the kernel's
//! (taken when the frame arrived, not when it was read), a VLAN tag the driver stripped is put
//! back from the frame's header, and the kernel's drop counter (`PACKET_STATISTICS`: frames
//! that found the ring full) is read at the end. A receive error (the interface went down or
//! vanished) ends the capture; what was read so far stands.

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering, fence};
use std::time::{Duration, Instant};

use super::{PcapFile, PcapFileOutcome};
use crate::model::DamagedCapture;
use crate::traffic::{CaptureError, Frame, FrameSource, LinkType};

/// How often the receive loop wakes up to check the deadline and the stop flag.
const POLL: Duration = Duration::from_millis(200);
/// Bytes of one ring block. A frame is kept whole up to this size (less the headers), far above
/// any GRO/TSO super-frame, so only its length in the ring limits what the pcap keeps.
const RING_BLOCK: u32 = 1 << 20;
/// Blocks in the ring: 64 MiB wait for the analyser, over half a second of a saturated
/// gigabit link, so a capture briefly not scheduled on a busy machine drops nothing.
const RING_BLOCKS: u32 = 64;
/// A block partly filled is handed over after this long, so a quiet link's frames are not held
/// back until the block fills (milliseconds).
const RING_RETIRE_MS: u32 = 50;

/// What a live capture saw, beyond its frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Frames handed to the analyser.
    pub frames: u64,
    /// Bytes of the frames handed to the analyser, as kept in the ring.
    pub bytes: u64,
    /// Frames the kernel received for this socket (the dropped ones included).
    pub kernel_packets: u64,
    /// Frames the kernel dropped because the ring was full (they were not counted).
    pub kernel_drops: u64,
    /// Frames longer than a ring block keeps (their original length was still counted).
    pub truncated: u64,
    /// The receive error that ended the capture early, if any.
    pub error: Option<String>,
}

impl LiveStats {
    /// A capture a receive error ended early as a damaged capture: the report lists it in
    /// `scan.damaged_captures` and the run exits 3 (partial), as for a file read up to damage.
    pub fn damage(&self, interface: &str) -> Option<DamagedCapture> {
        self.error.as_ref().map(|error| DamagedCapture {
            path: format!("live capture on {interface}"),
            offset: self.bytes,
            reason: format!("receive error ({error}) after {} frames", self.frames),
        })
    }
}

/// The receive ring mapped into this process; unmapped when dropped.
struct Ring {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is owned by one `Ring` and only read through `&mut LiveSource`.
unsafe impl Send for Ring {}

impl Ring {
    fn block(&self, index: usize) -> *mut u8 {
        // SAFETY: `index < RING_BLOCKS`, so the offset stays inside the mapping.
        unsafe { self.base.as_ptr().add(index * RING_BLOCK as usize) }
    }

    fn status(&self, index: usize) -> *mut u32 {
        let desc = self.block(index).cast::<libc::tpacket_block_desc>();
        // SAFETY: every block starts with its descriptor; only the field's address is taken.
        unsafe { &raw mut (*desc).hdr.bh1.block_status }
    }

    /// The block's packet count and first packet's offset, when the kernel has handed it over.
    fn ready(&self, index: usize) -> Option<(u32, usize)> {
        // SAFETY: the status word is shared with the kernel, hence the volatile read.
        let status = unsafe { std::ptr::read_volatile(self.status(index)) };
        if status & libc::TP_STATUS_USER == 0 {
            return None;
        }
        // The kernel wrote the block before it set the status.
        fence(Ordering::Acquire);
        let desc = self.block(index).cast::<libc::tpacket_block_desc>();
        // SAFETY: the block belongs to this process until it is released.
        let header = unsafe { std::ptr::read(&raw const (*desc).hdr.bh1) };
        Some((header.num_pkts, header.offset_to_first_pkt as usize))
    }

    /// Gives the block back to the kernel.
    fn release(&self, index: usize) {
        fence(Ordering::Release);
        // SAFETY: as in `ready`.
        unsafe { std::ptr::write_volatile(self.status(index), libc::TP_STATUS_KERNEL) };
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: the mapping was made with this address and length and is no longer borrowed.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

/// Where the reader is in a block the kernel handed over.
#[derive(Clone, Copy)]
struct Cursor {
    block: usize,
    left: u32,
    offset: usize,
}

/// Captures on one interface until the listening time is over.
pub struct LiveSource {
    interface: String,
    // Declared before the socket: the ring is unmapped before the socket closes.
    ring: Ring,
    socket: OwnedFd,
    deadline: Instant,
    next_block: usize,
    cursor: Option<Cursor>,
    /// Blocks still read after the deadline or stop (frames that had already arrived).
    drain: Option<u32>,
    /// A frame with its VLAN tag put back.
    tagged: Vec<u8>,
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

/// A packet socket with its ring, bound to `interface` in promiscuous mode.
fn open_socket(interface: &str) -> io::Result<(OwnedFd, Ring)> {
    let name = CString::new(interface)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name with NUL"))?;
    // SAFETY: `name` is a NUL-terminated string alive for the call.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if ifindex == 0 {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no such interface"));
    }
    // Protocol 0: the socket receives nothing until it is bound, after its ring exists (frames
    // arriving before would queue where they are never read).
    // SAFETY: plain system call; the descriptor is owned right after.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
    setsockopt(&fd, libc::SOL_PACKET, libc::PACKET_VERSION, &version)?;
    let request = libc::tpacket_req3 {
        tp_block_size: RING_BLOCK,
        tp_block_nr: RING_BLOCKS,
        tp_frame_size: RING_BLOCK,
        tp_frame_nr: RING_BLOCKS,
        tp_retire_blk_tov: RING_RETIRE_MS,
        tp_sizeof_priv: 0,
        tp_feature_req_word: 0,
    };
    setsockopt(&fd, libc::SOL_PACKET, libc::PACKET_RX_RING, &request)
        .map_err(|e| io::Error::new(e.kind(), format!("setting up the receive ring: {e}")))?;
    let len = RING_BLOCK as usize * RING_BLOCKS as usize;
    // SAFETY: maps the ring the kernel just made for this socket; checked below.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_LOCKED,
            fd.as_raw_fd(),
            0,
        )
    };
    // MAP_LOCKED is refused beyond RLIMIT_MEMLOCK; the ring works unlocked as well.
    let map = if map == libc::MAP_FAILED {
        // SAFETY: as above, without locking.
        unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        }
    } else {
        map
    };
    if map == libc::MAP_FAILED {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(
            e.kind(),
            format!("mapping the receive ring: {e}"),
        ));
    }
    let ring = Ring {
        base: NonNull::new(map.cast()).ok_or_else(|| io::Error::other("ring mapped at 0"))?,
        len,
    };
    let protocol = (libc::ETH_P_ALL as u16).to_be();
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
    // Counters start now: reading them resets them.
    let _ = read_statistics(&fd);
    Ok((fd, ring))
}

/// The kernel's (packets, drops) since the last read (reading resets them).
fn read_statistics(fd: &OwnedFd) -> io::Result<(u64, u64)> {
    // SAFETY: tpacket_stats_v3 is plain data, and its size is passed.
    let mut stats: libc::tpacket_stats_v3 = unsafe { zeroed() };
    let mut len = size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
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

/// The socket's pending error (`SO_ERROR`, cleared by reading it).
fn socket_error(fd: &OwnedFd) -> io::Error {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writing for the call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        io::Error::last_os_error()
    } else if value == 0 {
        io::Error::other("error condition on the packet socket")
    } else {
        io::Error::from_raw_os_error(value)
    }
}

/// Waits up to `timeout` for the ring to have a block; `Err` for an error on the socket.
fn wait_readable(fd: &OwnedFd, timeout: Duration) -> io::Result<()> {
    let mut pollfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd.
    let rc = unsafe { libc::poll(&raw mut pollfd, 1, ms.max(1)) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(())
        } else {
            Err(e)
        };
    }
    if pollfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        return Err(socket_error(fd));
    }
    Ok(())
}

/// A frame's header in the ring, with its bytes.
struct RingFrame {
    ts_micros: i64,
    orig_len: usize,
    data: *const u8,
    kept: usize,
    vlan: Option<(u16, u16)>,
    next_offset: usize,
}

/// Reads the frame header at `offset` of a block; `None` when it points outside the block.
///
/// # Safety
/// `block` must be a block the kernel handed over, `RING_BLOCK` bytes long.
unsafe fn frame_at(block: *const u8, offset: usize) -> Option<RingFrame> {
    if offset + size_of::<libc::tpacket3_hdr>() > RING_BLOCK as usize {
        return None;
    }
    // SAFETY: in bounds (checked above); the kernel wrote the header before handing the block.
    let header: libc::tpacket3_hdr = unsafe { std::ptr::read_unaligned(block.add(offset).cast()) };
    let start = offset + usize::from(header.tp_mac);
    let kept = header.tp_snaplen as usize;
    if start + kept > RING_BLOCK as usize {
        return None;
    }
    let vlan = (header.tp_status & libc::TP_STATUS_VLAN_VALID != 0).then(|| {
        let tpid = if header.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
            header.hv1.tp_vlan_tpid
        } else {
            0x8100
        };
        (tpid, header.hv1.tp_vlan_tci as u16)
    });
    Some(RingFrame {
        ts_micros: i64::from(header.tp_sec) * 1_000_000 + i64::from(header.tp_nsec / 1_000),
        orig_len: header.tp_len as usize,
        // SAFETY: in bounds (checked above).
        data: unsafe { block.add(start) },
        kept,
        vlan,
        next_offset: header.tp_next_offset as usize,
    })
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
        let (socket, ring) = open_socket(interface).map_err(|e| match e.kind() {
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
            ring,
            socket,
            deadline: Instant::now() + listen,
            next_block: 0,
            cursor: None,
            drain: None,
            tagged: Vec::new(),
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

    /// Whether the listening time is over or the run was interrupted.
    fn time_is_up(&self) -> bool {
        Instant::now() >= self.deadline
            || self
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// The next frame in the ring, waiting for the kernel to hand over a block; `None` at the
    /// end of the capture.
    fn next_in_ring(&mut self) -> Option<RingFrame> {
        loop {
            if let Some(cursor) = self.cursor.as_mut() {
                if cursor.left > 0 {
                    // SAFETY: the cursor's block was handed over and is not yet released.
                    let frame = unsafe { frame_at(self.ring.block(cursor.block), cursor.offset) };
                    match frame {
                        Some(frame) => {
                            cursor.left -= 1;
                            cursor.offset += frame.next_offset;
                            return Some(frame);
                        }
                        None => {
                            tracing::warn!(interface = %self.interface, "malformed ring block skipped");
                            cursor.left = 0;
                        }
                    }
                }
                let block = cursor.block;
                self.ring.release(block);
                self.cursor = None;
                self.next_block = (block + 1) % RING_BLOCKS as usize;
            }
            if self.drain.is_none() && (self.stats.error.is_some() || self.time_is_up()) {
                // Frames that arrived in time are still read, but no more than one ring's worth.
                self.drain = Some(RING_BLOCKS);
            }
            if let Some(left) = self.drain.as_mut() {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
            }
            if let Some((left, offset)) = self.ring.ready(self.next_block) {
                self.cursor = Some(Cursor {
                    block: self.next_block,
                    left,
                    offset,
                });
                continue;
            }
            if self.drain.is_some() {
                return None;
            }
            let wait = POLL.min(self.deadline.saturating_duration_since(Instant::now()));
            if let Err(e) = wait_readable(&self.socket, wait) {
                // What was read so far stands; the caller reports why the capture ended.
                tracing::warn!(interface = %self.interface, "capture ended early: {e}");
                self.stats.error = Some(e.to_string());
            }
        }
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        let Some(frame) = self.next_in_ring() else {
            return Ok(None);
        };
        if frame.orig_len > frame.kept {
            self.stats.truncated += 1;
        }
        // SAFETY: the frame's block stays handed over until the next call, which needs
        // `&mut self` and so ends this borrow first.
        let bytes = unsafe { std::slice::from_raw_parts(frame.data, frame.kept) };
        let (data, orig_len): (&[u8], usize) = match frame.vlan {
            Some((tpid, tci)) if bytes.len() >= 12 => {
                // Put the tag back after the two MAC addresses: [dst, src, tpid, tci, type…].
                self.tagged.clear();
                self.tagged.extend_from_slice(&bytes[..12]);
                self.tagged.extend_from_slice(&tpid.to_be_bytes());
                self.tagged.extend_from_slice(&tci.to_be_bytes());
                self.tagged.extend_from_slice(&bytes[12..]);
                (&self.tagged, frame.orig_len + 4)
            }
            _ => (bytes, frame.orig_len),
        };
        if let Some(w) = self.writer.as_mut() {
            w.write_frame(frame.ts_micros, data);
        }
        self.frames += 1;
        self.stats.bytes += data.len() as u64;
        Ok(Some(Frame {
            ts_micros: frame.ts_micros,
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

    /// The interface going down mid-capture: the report says where the capture ended and why
    /// (scan.damaged_captures), so the run exits 3 like any partial capture.
    #[test]
    fn a_receive_error_is_a_damaged_capture() {
        let mut stats = LiveStats {
            frames: 20,
            bytes: 2840,
            ..LiveStats::default()
        };
        assert_eq!(stats.damage("err0"), None, "a capture that ran its time");
        stats.error = Some("Network is down (os error 100)".into());
        let damage = stats.damage("err0").expect("damage");
        assert_eq!(
            damage.note().en(),
            "live capture on err0: capture damaged at byte 2840: receive error (Network is down \
             (os error 100)) after 20 frames; analysed up to there"
        );
    }
}
