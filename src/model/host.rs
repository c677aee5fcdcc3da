//! What discovery and probing learned about one address, before any decision is made.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use super::{CutReason, CutShort, Evidence};

/// Most evidence atoms kept for one host: a device that floods distinct replies (one USN per
/// datagram, a new header per request) cannot grow a report without end.
pub const MAX_EVIDENCE_PER_HOST: usize = 512;

/// How a host was found. Later discovery protocols add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeenBy {
    /// A TCP connect succeeded or was actively refused.
    TcpConnect,
    /// The kernel's neighbour (ARP) table holds a resolved entry for the address.
    Neighbour,
    /// A layer-2 ARP reply (raw socket).
    Arp,
    /// An unsolicited or discovery-protocol packet.
    Discovery,
    /// Traffic seen in a capture.
    Traffic,
}

/// An open TCP (or UDP) port and the service the probes recognised on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpenPort {
    pub port: u16,
    pub protocol: String,
    /// `http`, `https`, `rtsp`, `onvif`, `telnet`, … or `unknown`.
    pub service: String,
}

/// Everything collected about one host. Produced by I/O modules, consumed by the pure fingerprint core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostObservation {
    pub ip: IpAddr,
    /// Lower-case colon-separated MAC, where known.
    pub mac: Option<String>,
    pub hostname: Option<String>,
    pub seen_by: Vec<SeenBy>,
    pub open_ports: Vec<OpenPort>,
    pub evidence: Vec<Evidence>,
    /// Probes that could not finish (timeouts, caps reached), kept for the report.
    #[serde(default)]
    pub notes: Vec<super::Note>,
    /// Probes that stopped before they were done, with the reason (for the report).
    #[serde(default)]
    pub cut_short: Vec<CutShort>,
}

impl HostObservation {
    pub fn new(ip: IpAddr) -> Self {
        Self {
            ip,
            mac: None,
            hostname: None,
            seen_by: Vec::new(),
            open_ports: Vec::new(),
            evidence: Vec::new(),
            notes: Vec::new(),
            cut_short: Vec::new(),
        }
    }

    /// Adds an atom unless the very same one is already there; past [`MAX_EVIDENCE_PER_HOST`]
    /// atoms the rest are dropped and the cut recorded once.
    pub fn push_evidence(&mut self, ev: Evidence) {
        if self.evidence.contains(&ev) {
            return;
        }
        if self.evidence.len() >= MAX_EVIDENCE_PER_HOST {
            self.cut(CutShort::new(
                "evidence",
                None,
                CutReason::EvidenceCap,
                format!("more than {MAX_EVIDENCE_PER_HOST} evidence atoms; later ones dropped"),
            ));
            return;
        }
        self.evidence.push(ev);
    }

    /// Records a cut, once (the same probe, port and reason are not repeated).
    pub fn cut(&mut self, cut: CutShort) {
        let seen = self
            .cut_short
            .iter()
            .any(|c| c.probe == cut.probe && c.port == cut.port && c.reason == cut.reason);
        if !seen {
            self.cut_short.push(cut);
        }
    }

    /// Marks a way the host was seen, once.
    pub fn mark_seen(&mut self, how: SeenBy) {
        if !self.seen_by.contains(&how) {
            self.seen_by.push(how);
        }
    }

    /// Values of all atoms of one source.
    pub fn values<'a>(&'a self, source: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.evidence
            .iter()
            .filter(move |e| e.source == source)
            .map(|e| e.value.as_str())
    }
}
