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

pub mod arp;
mod forward;
mod socket;

pub use forward::{InterceptPlan, InterceptSource};

/// What can stop an interception from starting.
#[derive(Debug, thiserror::Error)]
pub enum InterceptError {
    #[error("interception on {interface}: {reason}")]
    Setup { interface: String, reason: String },
}
