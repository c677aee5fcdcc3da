//! An AF_PACKET socket on one interface that receives every frame (promiscuous) and sends frames
//! as they are, with a `virtio_net_hdr` in front of each (PACKET_VNET_HDR).
//!
//! Why the header: with GRO on the receiving side, or TSO on a veth as in the lab, the kernel
//! hands AF_PACKET "super-frames" of up to 64 KiB whose TCP checksum is only partly computed.
//! Written back out as plain frames they would be too large for the link and carry a wrong
//! checksum. With PACKET_VNET_HDR the kernel describes each frame's segmentation (gso_type,
//! gso_size) and checksum state on receive, and honours the same description on send: it
//! segments and checksums on the way out (in software or in the NIC). So the interface's
//! offload settings are left alone, and the inspector's host configuration is not changed.
//!
//! This is the one place in camsweep with `unsafe`: libc calls on a socket this type owns.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Bytes of `struct virtio_net_hdr` in front of every frame.
pub const VNET_HDR_LEN: usize = 10;
/// Receive buffer per frame: header + the largest GSO frame (64 KiB) + room to notice truncation.
pub const FRAME_BUFFER: usize = VNET_HDR_LEN + 65_536 + 1_024;
/// Socket receive buffer asked for: cameras stream, and a short stall must not drop frames.
const SOCKET_BUFFER: usize = 32 << 20;

const SOL_PACKET: libc::c_int = 263;
const PACKET_ADD_MEMBERSHIP: libc::c_int = 1;
const PACKET_MR_PROMISC: libc::c_ushort = 1;
const PACKET_STATISTICS: libc::c_int = 6;
const PACKET_VNET_HDR: libc::c_int = 15;
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
const ETH_P_ALL: u16 = 0x0003;
/// `virtio_net_hdr.flags` bit saying the checksum was already checked (receive only).
const VNET_F_DATA_VALID: u8 = 2;

/// A received frame's kind (sockaddr_ll.sll_pkttype).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// Addressed to this host's MAC.
    Host,
    Broadcast,
    Multicast,
    /// Addressed to another host (seen because the socket is promiscuous).
    OtherHost,
}

/// One AF_PACKET socket bound to an interface.
pub struct PacketSocket {
    fd: OwnedFd,
    ifindex: libc::c_int,
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl PacketSocket {
    /// Opens the socket on `ifindex`, promiscuous, not seeing its own host's outgoing frames.
    ///
    /// # Errors
    /// The kernel's error; `EPERM` without CAP_NET_RAW.
    pub fn open(ifindex: u32, read_timeout: Duration) -> io::Result<PacketSocket> {
        let ifindex = libc::c_int::try_from(ifindex).map_err(io::Error::other)?;
        // SAFETY: plain socket(2); the descriptor is owned by `OwnedFd` from here on.
        let fd = unsafe {
            check(libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::c_int::from(ETH_P_ALL.to_be()),
            ))?
        };
        // SAFETY: `fd` was just returned by socket(2) and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let socket = PacketSocket { fd, ifindex };
        socket.set_int(SOL_PACKET, PACKET_VNET_HDR, 1)?;
        socket.set_int(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)?;
        // SO_RCVBUFFORCE passes the rmem_max cap with CAP_NET_ADMIN; without it, take what is
        // allowed.
        let buffer = libc::c_int::try_from(SOCKET_BUFFER).unwrap_or(libc::c_int::MAX);
        if socket
            .set_int(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, buffer)
            .is_err()
        {
            socket.set_int(libc::SOL_SOCKET, libc::SO_RCVBUF, buffer)?;
        }
        let _ = socket.set_int(libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, buffer);
        socket.bind()?;
        socket.promiscuous()?;
        socket.set_timeout(read_timeout)?;
        Ok(socket)
    }

    fn set_int(&self, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
        // SAFETY: `value` lives for the call and its size is passed.
        unsafe {
            check(libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&raw const value).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            ))?;
        }
        Ok(())
    }

    fn address(&self) -> libc::sockaddr_ll {
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as libc::c_ushort;
        addr.sll_protocol = ETH_P_ALL.to_be();
        addr.sll_ifindex = self.ifindex;
        addr
    }

    fn bind(&self) -> io::Result<()> {
        let addr = self.address();
        // SAFETY: `addr` is a valid sockaddr_ll and its size is passed.
        unsafe {
            check(libc::bind(
                self.fd.as_raw_fd(),
                (&raw const addr).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            ))?;
        }
        Ok(())
    }

    fn promiscuous(&self) -> io::Result<()> {
        // SAFETY: packet_mreq is plain old data; all-zero is a valid value.
        let mut mreq: libc::packet_mreq = unsafe { std::mem::zeroed() };
        mreq.mr_ifindex = self.ifindex;
        mreq.mr_type = PACKET_MR_PROMISC;
        // SAFETY: `mreq` lives for the call and its size is passed.
        unsafe {
            check(libc::setsockopt(
                self.fd.as_raw_fd(),
                SOL_PACKET,
                PACKET_ADD_MEMBERSHIP,
                (&raw const mreq).cast(),
                size_of::<libc::packet_mreq>() as libc::socklen_t,
            ))?;
        }
        Ok(())
    }

    fn set_timeout(&self, timeout: Duration) -> io::Result<()> {
        let tv = libc::timeval {
            tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(1),
            tv_usec: libc::suseconds_t::from(timeout.subsec_micros()),
        };
        // SAFETY: `tv` lives for the call and its size is passed.
        unsafe {
            check(libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&raw const tv).cast(),
                size_of::<libc::timeval>() as libc::socklen_t,
            ))?;
        }
        Ok(())
    }

    /// Receives one frame (header included) into `buf`: its length as received, whether it was
    /// cut to fit `buf`, and its kind. `Ok(None)` when the read timed out.
    ///
    /// # Errors
    /// The kernel's error.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<(usize, bool, PacketType)>> {
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut from_len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        // SAFETY: `buf` is writable for its length; `from` and `from_len` outlive the call.
        let n = unsafe {
            libc::recvfrom(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_TRUNC,
                (&raw mut from).cast(),
                &raw mut from_len,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::WouldBlock
                | io::ErrorKind::TimedOut
                | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(err),
            };
        }
        let n = usize::try_from(n).unwrap_or(0);
        let kind = match from.sll_pkttype {
            1 => PacketType::Broadcast,
            2 => PacketType::Multicast,
            3 => PacketType::OtherHost,
            _ => PacketType::Host,
        };
        Ok(Some((n.min(buf.len()), n > buf.len(), kind)))
    }

    /// Sends `frame` with the receive-side header `vnet` (the kernel segments and checksums as it
    /// says); `vnet` all zero for a frame of our own (ARP).
    ///
    /// # Errors
    /// The kernel's error (`ENOBUFS` when the interface queue is full).
    pub fn send(&self, vnet: &[u8; VNET_HDR_LEN], frame: &[u8]) -> io::Result<()> {
        let mut header = *vnet;
        // "Already checked" means nothing on the way out; clear it so the kernel judges only
        // the flags that apply to sending.
        header[0] &= !VNET_F_DATA_VALID;
        let mut iov = [
            libc::iovec {
                iov_base: header.as_mut_ptr().cast(),
                iov_len: header.len(),
            },
            libc::iovec {
                iov_base: frame.as_ptr().cast_mut().cast(),
                iov_len: frame.len(),
            },
        ];
        let mut addr = self.address();
        // SAFETY: msghdr is plain old data; all-zero is a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&raw mut addr).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        msg.msg_iov = iov.as_mut_ptr();
        msg.msg_iovlen = iov.len();
        // SAFETY: every pointer in `msg` refers to memory that outlives the call; the kernel
        // only reads the frame.
        let sent = unsafe { libc::sendmsg(self.fd.as_raw_fd(), &raw const msg, 0) };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Frames the kernel dropped because this socket's buffer was full, since the last call.
    pub fn kernel_drops(&self) -> u64 {
        let mut stats = [0u32; 2];
        let mut len = size_of::<[u32; 2]>() as libc::socklen_t;
        // SAFETY: `struct tpacket_stats` is two u32 (packets, drops); `stats` holds them.
        let ret = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                SOL_PACKET,
                PACKET_STATISTICS,
                stats.as_mut_ptr().cast(),
                &raw mut len,
            )
        };
        if ret < 0 { 0 } else { u64::from(stats[1]) }
    }
}
