//! Authorised ARP interception (`audit --intercept`): on an ordinary switch the inspector's port
//! sees only its own and broadcast traffic, so camsweep places itself between the in-scope
//! devices and their gateway by ARP, forwards every frame unchanged at layer 2, hands each frame
//! to the traffic analyser, and on the way out puts every ARP entry it changed back.
//!
//! What it touches, and what it never does (docs/interception.md):
//! - It answers ARP only about the gateway (to in-scope devices) and about in-scope devices (to
//!   the gateway); never about the inspector's own host, and never to a host outside the scope.
//! - It forwards frames itself (AF_PACKET, [`socket`]): the kernel's ip_forward stays off, so
//!   no TTL is decremented, no ICMP redirect is sent, and the host's configuration is unchanged.
//! - It stops intercepting a device whose frames it cannot forward, and repairs its entries.
//! - On exit (end of the listening time, Ctrl-C, SIGTERM, an error, dropping the source) it
//!   sends correct ARP (gratuitous and ordinary replies, unicast) to each device and to the
//!   gateway, several times. After SIGKILL nothing is sent: the entries recover when the
//!   kernel's neighbour timers expire them (see the docs).
//!
//! The inline bridge ([`bridge`], `audit --bridge IF1,IF2`) is the other way to see a device's
//! traffic: two wired ports in the cable, every frame passed on unchanged, nothing sent of its
//! own.

pub mod arp;
pub mod bridge;
mod forward;
mod frames;
mod link;
mod socket;

pub use bridge::{BridgePlan, BridgeSource};
pub use forward::{InterceptPlan, InterceptSource};
pub use frames::{ForwardedFrames, Forwarder};

/// What can stop an interception from starting.
#[derive(Debug, thiserror::Error)]
pub enum InterceptError {
    #[error("interception on {interface}: {reason}")]
    Setup { interface: String, reason: String },
}

/// The IPv4 default gateway of `interface`, from the kernel's routing table.
///
/// # Errors
/// [`InterceptError`] when the table cannot be read or has no default route on `interface`.
pub fn default_gateway(interface: &str) -> Result<std::net::Ipv4Addr, InterceptError> {
    let fail = |reason: String| InterceptError::Setup {
        interface: interface.to_owned(),
        reason,
    };
    let table = std::fs::read_to_string("/proc/net/route")
        .map_err(|e| fail(format!("reading /proc/net/route: {e}")))?;
    default_gateway_in(&table, interface).ok_or_else(|| {
        fail("no default route on this interface; give the gateway with --gateway".into())
    })
}

/// The default route's gateway for `interface` in the text of `/proc/net/route` (addresses are
/// hexadecimal in the kernel's byte order, little-endian on the machines camsweep runs on).
pub fn default_gateway_in(table: &str, interface: &str) -> Option<std::net::Ipv4Addr> {
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (iface, dest, gateway) = (fields.first()?, fields.get(1)?, fields.get(2)?);
        if *iface != interface || *dest != "00000000" {
            return None;
        }
        let raw = u32::from_str_radix(gateway, 16).ok()?;
        (raw != 0).then(|| std::net::Ipv4Addr::from(raw.to_le_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_gateway_is_read_from_the_route_table() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
                     eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n";
        assert_eq!(
            default_gateway_in(table, "eth0"),
            Some(std::net::Ipv4Addr::new(192, 168, 0, 1))
        );
        assert_eq!(default_gateway_in(table, "lan0"), None);
    }
}
