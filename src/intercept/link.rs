//! An interface's settings that decide whether the host itself speaks on it: up or down,
//! ARP on or off (IFF_NOARP), IPv6 on or off (`disable_ipv6`). The inline bridge turns ARP and
//! IPv6 off on its two ports for the audit and puts back exactly what it found.
//!
//! Flags are read and set with SIOCGIFFLAGS/SIOCSIFFLAGS on a throwaway datagram socket (in the
//! calling thread's network namespace); `disable_ipv6` is the per-interface sysctl file, which
//! `/proc/sys/net` shows for the reading thread's namespace too.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The flags the bridge changes.
pub const IFF_UP: u32 = libc::IFF_UP as u32;
pub const IFF_NOARP: u32 = libc::IFF_NOARP as u32;

fn control_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the descriptor is owned by `OwnedFd` from here on.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn request(name: &str) -> io::Result<libc::ifreq> {
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= req.ifr_name.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not an interface name",
        ));
    }
    for (slot, byte) in req.ifr_name.iter_mut().zip(bytes) {
        *slot = *byte as libc::c_char;
    }
    Ok(req)
}

/// The interface's flags (IFF_*).
///
/// # Errors
/// The kernel's error (`ENODEV` for no such interface).
pub fn flags(name: &str) -> io::Result<u32> {
    let socket = control_socket()?;
    let mut req = request(name)?;
    // SAFETY: `req` is a valid ifreq naming the interface; the kernel fills ifru_flags.
    let ret = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &raw mut req) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFFLAGS wrote the flags member of the union.
    let raw = unsafe { req.ifr_ifru.ifru_flags };
    Ok(u32::from(raw as u16))
}

/// Sets the bits of `mask` to those of `value`, leaving the other flags as they are.
///
/// # Errors
/// The kernel's error (`EPERM` without CAP_NET_ADMIN).
pub fn set_flags(name: &str, mask: u32, value: u32) -> io::Result<()> {
    let current = flags(name)?;
    let wanted = (current & !mask) | (value & mask);
    if wanted == current {
        return Ok(());
    }
    let socket = control_socket()?;
    let mut req = request(name)?;
    req.ifr_ifru.ifru_flags = wanted as u16 as libc::c_short;
    // SAFETY: `req` is a valid ifreq with the flags member set; the kernel only reads it.
    let ret = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &raw mut req) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn ipv6_sysctl(name: &str) -> String {
    format!("/proc/sys/net/ipv6/conf/{name}/disable_ipv6")
}

/// The interface's `disable_ipv6` setting ("0" or "1"); `None` when the host has no IPv6.
pub fn ipv6_disabled(name: &str) -> Option<String> {
    std::fs::read_to_string(ipv6_sysctl(name))
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Writes the interface's `disable_ipv6` setting.
///
/// # Errors
/// The file's error (`EACCES`/`EPERM` without CAP_NET_ADMIN).
pub fn set_ipv6_disabled(name: &str, value: &str) -> io::Result<()> {
    std::fs::write(ipv6_sysctl(name), value)
}

/// True when the interface is a Wi-Fi interface (sysfs says so). A Wi-Fi client cannot send
/// frames with other hosts' source addresses, so it cannot be a bridge port.
pub fn is_wireless(name: &str) -> bool {
    let base = std::path::Path::new("/sys/class/net").join(name);
    base.join("wireless").exists() || base.join("phy80211").exists()
}

/// True when the interface is a port of a bridge or a bond already (sysfs `master`).
pub fn has_master(name: &str) -> bool {
    std::path::Path::new("/sys/class/net")
        .join(name)
        .join("master")
        .exists()
}
