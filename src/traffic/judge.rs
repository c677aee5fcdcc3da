//! The upload judgement per device × destination (pure): is this a transfer of content
//! (pictures, video, files) or only signalling (heartbeats, DNS, NTP, keep-alives)?
//!
//! Defaults (documented in docs/traffic.md, configurable on `camsweep analyze`):
//! - content-sized: at least 64 KiB sent, or at least one second in which 32 KiB or more was
//!   sent (a snapshot burst: a JPEG face crop or scene picture), with the device sending at
//!   least 1.5× what it received;
//! - continuous video: upstream on at least 10 distinct seconds at an average of ≥ 12.5 kB/s
//!   (100 kbit/s, below the lowest sub-stream bitrate of a camera);
//! - DNS, DHCP, NTP, NetBIOS, SSDP and mDNS ports are never uploads.

use serde::Serialize;

/// Thresholds of the judgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadPolicy {
    pub min_upload_bytes: u64,
    pub burst_bytes_per_second: u64,
    pub min_up_down_ratio: f64,
    pub video_bytes_per_second: u64,
    pub video_min_seconds: u64,
    /// Ports of network services whose traffic is never content (either side of the flow).
    pub service_ports: Vec<u16>,
}

impl Default for UploadPolicy {
    fn default() -> Self {
        Self {
            min_upload_bytes: 64 * 1024,
            burst_bytes_per_second: 32 * 1024,
            min_up_down_ratio: 1.5,
            video_bytes_per_second: 12_500,
            video_min_seconds: 10,
            service_ports: vec![53, 67, 68, 123, 137, 138, 853, 1900, 5353, 5355],
        }
    }
}

/// Totals of one device × destination, as the judgement needs them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub packets_up: u64,
    pub first_us: i64,
    pub last_us: i64,
    /// Seconds in which the device sent anything.
    pub active_up_seconds: u64,
    /// Seconds in which the device sent at least the burst threshold.
    pub burst_seconds: u64,
    pub max_up_per_second: u64,
    pub port: u16,
}

/// What the traffic looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Continuous upstream at video rates.
    VideoStream,
    /// Picture-sized bursts.
    Snapshots,
    /// Content-sized, neither steady nor bursty (a file).
    Bulk,
    /// Repeated small messages.
    Heartbeat,
    /// A few small messages.
    Control,
    /// DNS, NTP, DHCP and the like.
    NetworkService,
}

impl Pattern {
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::VideoStream => "video_stream",
            Pattern::Snapshots => "snapshots",
            Pattern::Bulk => "bulk",
            Pattern::Heartbeat => "heartbeat",
            Pattern::Control => "control",
            Pattern::NetworkService => "network_service",
        }
    }

    /// A transfer of content rather than signalling.
    pub fn is_content(self) -> bool {
        matches!(
            self,
            Pattern::VideoStream | Pattern::Snapshots | Pattern::Bulk
        )
    }
}

/// Judges one device × destination.
pub fn judge(t: &Totals, policy: &UploadPolicy) -> Pattern {
    if policy.service_ports.contains(&t.port) {
        return Pattern::NetworkService;
    }
    let ratio_ok = t.bytes_up as f64 >= policy.min_up_down_ratio * t.bytes_down as f64;
    let content = ratio_ok && (t.bytes_up >= policy.min_upload_bytes || t.burst_seconds > 0);
    let seconds = ((t.last_us - t.first_us).max(0) as u64 / 1_000_000).max(1);
    if content {
        if t.active_up_seconds >= policy.video_min_seconds
            && t.bytes_up / seconds >= policy.video_bytes_per_second
        {
            Pattern::VideoStream
        } else if t.burst_seconds > 0 {
            Pattern::Snapshots
        } else {
            Pattern::Bulk
        }
    } else if t.packets_up >= 3 {
        Pattern::Heartbeat
    } else {
        Pattern::Control
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(bytes_up: u64, bytes_down: u64, packets_up: u64, secs: i64, port: u16) -> Totals {
        Totals {
            bytes_up,
            bytes_down,
            packets_up,
            first_us: 0,
            last_us: secs * 1_000_000,
            active_up_seconds: secs as u64,
            burst_seconds: 0,
            max_up_per_second: 0,
            port,
        }
    }

    #[test]
    fn yi_rendezvous_is_a_heartbeat_and_its_lan_video_a_stream() {
        let p = UploadPolicy::default();
        // 47.88.59.209:32100 in yi_camera_sample.pcap: a handful of ~50-byte UDP messages.
        assert_eq!(
            judge(&totals(1_100, 600, 12, 20, 32100), &p),
            Pattern::Heartbeat
        );
        // The ≈718 kB over 30 s to the phone.
        assert_eq!(
            judge(&totals(718_000, 4_000, 600, 30, 20_000), &p),
            Pattern::VideoStream
        );
    }

    #[test]
    fn a_face_snapshot_is_content_and_ntp_never_is() {
        let p = UploadPolicy::default();
        let mut snap = totals(48_000, 3_000, 40, 1, 443);
        snap.burst_seconds = 1;
        snap.active_up_seconds = 1;
        assert_eq!(judge(&snap, &p), Pattern::Snapshots);
        assert_eq!(
            judge(&totals(10_000_000, 0, 9_000, 60, 123), &p),
            Pattern::NetworkService
        );
        // Downloads (firmware) are not uploads even when large.
        assert_eq!(
            judge(&totals(200_000, 5_000_000, 3_000, 60, 443), &p),
            Pattern::Heartbeat
        );
    }
}
