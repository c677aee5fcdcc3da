//! What a scan cut short, and why: the bounds that keep a hostile device from stalling an audit
//! or exhausting memory are reported, never silent.

use serde::{Deserialize, Serialize};

/// One probe or collection on a device that stopped before it was done.
///
/// `reason` is a stable code (see [`CutReason`]); `detail` is for people and may quote what the
/// device sent, so renderers escape it like any device-supplied text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CutShort {
    /// What was cut: `http`, `https`, `rtsp`, `onvif`, `banner`, `zk`, `host`, `evidence`, or a
    /// discovery protocol (`ssdp`, `ws_discovery`, …).
    pub probe: String,
    pub port: Option<u16>,
    pub reason: String,
    #[serde(default)]
    pub detail: String,
}

impl CutShort {
    pub fn new(
        probe: impl Into<String>,
        port: Option<u16>,
        reason: CutReason,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            probe: probe.into(),
            port,
            reason: reason.code().to_string(),
            detail: detail.into(),
        }
    }
}

/// Why something was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutReason {
    /// One request got no (complete) answer within the per-request timeout.
    Timeout,
    /// The host's time budget ran out with probes still running.
    HostDeadline,
    /// A reply was longer than the bytes read from it.
    SizeCap,
    /// More redirects than followed.
    RedirectLimit,
    /// A redirect pointed at another host; it was not followed.
    RedirectOffHost,
    /// The device reset or closed the connection before answering.
    Reset,
    /// The reply was not the protocol asked for (or refused XML: a DOCTYPE, too deep, too long).
    Malformed,
    /// An evidence value was longer than kept.
    ValueCap,
    /// The host produced more evidence atoms than kept.
    EvidenceCap,
    /// More discovery datagrams from the host than kept.
    ReplyCap,
}

impl CutReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::HostDeadline => "host_deadline",
            Self::SizeCap => "size_cap",
            Self::RedirectLimit => "redirect_limit",
            Self::RedirectOffHost => "redirect_off_host",
            Self::Reset => "reset",
            Self::Malformed => "malformed",
            Self::ValueCap => "value_cap",
            Self::EvidenceCap => "evidence_cap",
            Self::ReplyCap => "reply_cap",
        }
    }
}

/// A scan-wide bound that was reached (`limit` is a stable code, `detail` says where).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LimitHit {
    /// `hosts`, `discovery_replies`, `discovery_bytes`, `discovery_replies_per_host`,
    /// `descriptions`.
    pub limit: String,
    #[serde(default)]
    pub detail: String,
}

impl LimitHit {
    pub fn new(limit: &str, detail: impl Into<String>) -> Self {
        Self {
            limit: limit.to_string(),
            detail: detail.into(),
        }
    }
}
