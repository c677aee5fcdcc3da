//! Where the traffic in a report was seen from (`scan.vantage`) and, when camsweep intercepted
//! devices by ARP (`audit --intercept`), what it did (`scan.interception`).

use serde::{Deserialize, Serialize};

/// What an authorised ARP interception did: which devices, for how long, what was forwarded
/// and dropped, and whether every ARP entry it changed was put back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interception {
    pub interface: String,
    pub gateway_ip: String,
    pub gateway_mac: String,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339: when the last repair of the ARP entries was sent.
    pub finished_at: String,
    pub devices: Vec<InterceptedDevice>,
    /// In-scope addresses that answered no ARP request, so were not intercepted.
    #[serde(default)]
    pub not_answering: u64,
    /// ARP replies sent in all (interception and repair).
    pub arp_replies_sent: u64,
    /// True once the repair rounds were sent to every device and to the gateway.
    pub restored: bool,
    /// Frames the kernel dropped before camsweep could read them (socket buffer full).
    #[serde(default)]
    pub frames_dropped_by_kernel: u64,
    /// Frames forwarded but not analysed because the analyser fell behind.
    #[serde(default)]
    pub frames_not_analysed: u64,
}

/// One intercepted device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterceptedDevice {
    pub ip: String,
    pub mac: String,
    /// Seconds between the first interception and the repair (or giving up on the device).
    pub seconds: f64,
    pub packets_to_gateway: u64,
    pub bytes_to_gateway: u64,
    pub packets_to_device: u64,
    pub bytes_to_device: u64,
    /// Frames of this device (either direction) that could not be forwarded.
    pub packets_dropped: u64,
    pub bytes_dropped: u64,
    /// Why interception of this device ended before the others (forwarding failed), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<String>,
}

/// What the inline bridge (`audit --bridge IF1,IF2`) did: it passed every frame between the two
/// ports unchanged and sent none of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bridge {
    /// The two ports, as given: frames "forward" go from the first to the second.
    pub interfaces: Vec<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339: when forwarding stopped (the ports were put back right after).
    pub finished_at: String,
    pub frames_forward: u64,
    pub bytes_forward: u64,
    pub frames_back: u64,
    pub bytes_back: u64,
    /// Frames that could not be passed on (too large, or the port refused them).
    pub frames_dropped: u64,
    pub bytes_dropped: u64,
    /// Frames the kernel dropped before camsweep could read them (socket buffer full): they
    /// were not passed on either.
    #[serde(default)]
    pub frames_dropped_by_kernel: u64,
    /// Frames passed on but not analysed because the analyser fell behind.
    #[serde(default)]
    pub frames_not_analysed: u64,
    /// True when both ports' state, ARP and IPv6 settings were put back as found.
    pub restored: bool,
    /// What could not be put back, if anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restore_errors: Vec<String>,
}
