//! The upload judgement per device × destination (pure): is this a transfer of content
//! (pictures, video, files) or only signalling (heartbeats, DNS, NTP, keep-alives)?
//!
//! Bytes alone say nothing: a 180-byte heartbeat every second adds up to 100 kB in ten minutes,
//! an MQTT session to megabytes over days. What marks content is its shape in time. Defaults
//! (documented in docs/traffic.md, configurable on `camsweep analyze`):
//! - a *burst* is a run of packets less than 0.5 s apart that totals at least 32 KiB (a JPEG
//!   face crop or scene picture is 30–500 kB) at 8 KiB/s or more (≈ 6 full-size segments a
//!   second, over at least one second); any burst, with the device sending at least 1.5× what
//!   it received, is content;
//! - without bursts, at least 64 KiB sent at an average above the heartbeat floor (4 kB/s,
//!   32 kbit/s) over the contact's span is content too (a file trickled out);
//! - continuous video: content on at least 10 distinct seconds at an average of ≥ 12.5 kB/s
//!   (100 kbit/s, below the lowest sub-stream bitrate of a camera);
//! - DNS, DHCP, NTP, NetBIOS, SSDP and mDNS ports are never uploads.
//!
//! Every judgement comes with its reason in words ("12 bursts of ≥ 32 kB in 10 min",
//! "steady 180 B/s over 10 min, no burst: heartbeat"), which the report shows.

use serde::Serialize;

/// Thresholds of the judgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadPolicy {
    pub min_upload_bytes: u64,
    /// Bytes a run of busy seconds must total to be a burst.
    pub burst_bytes_per_second: u64,
    /// Least average rate (bytes per second, over at least a second) of a burst.
    pub busy_bytes_per_second: u64,
    /// Silence (µs) that ends a burst.
    pub burst_gap_us: i64,
    /// Average upstream rate (bytes per second) at or below which traffic without bursts is
    /// signalling: heartbeats and telemetry.
    pub heartbeat_floor_bytes_per_second: u64,
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
            busy_bytes_per_second: 8 * 1024,
            burst_gap_us: 500_000,
            heartbeat_floor_bytes_per_second: 4_000,
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
    /// Seconds in which the device sent at least the burst threshold on its own.
    pub burst_seconds: u64,
    /// Runs of packets (see [`BurstTracker`]) totalling at least the burst threshold.
    pub bursts: u64,
    /// Bytes of the largest such run.
    pub largest_burst: u64,
    pub max_up_per_second: u64,
    pub port: u16,
}

/// Follows a contact's upstream packet by packet: seconds with traffic, and bursts — runs of
/// packets less than the burst gap apart that total at least the burst threshold at a rate of at
/// least the busy rate (a heartbeat every 100 ms makes one long run, but a slow one).
#[derive(Debug, Clone, Default)]
pub struct BurstTracker {
    current_second: Option<i64>,
    current_up: u64,
    run_bytes: u64,
    run_start_us: i64,
    run_last_us: i64,
}

impl BurstTracker {
    /// Accounts `bytes` sent at `ts_us` (capture time; a packet earlier than the last one is
    /// added to the current second and run).
    pub fn add(&mut self, t: &mut Totals, policy: &UploadPolicy, ts_us: i64, bytes: u64) {
        let second = ts_us.div_euclid(1_000_000);
        match self.current_second {
            Some(current) if second > current => {
                self.close_second(t, policy);
                self.current_second = Some(second);
            }
            Some(_) => {}
            None => self.current_second = Some(second),
        }
        self.current_up += bytes;
        if self.run_bytes > 0 && ts_us - self.run_last_us > policy.burst_gap_us {
            self.close_run(t, policy);
        }
        if self.run_bytes == 0 {
            self.run_start_us = ts_us;
        }
        self.run_bytes += bytes;
        self.run_last_us = self.run_last_us.max(ts_us);
    }

    /// Closes the second in progress and any open run (end of the capture).
    pub fn finish(&mut self, t: &mut Totals, policy: &UploadPolicy) {
        self.close_second(t, policy);
        self.close_run(t, policy);
    }

    fn close_second(&mut self, t: &mut Totals, policy: &UploadPolicy) {
        let up = std::mem::take(&mut self.current_up);
        if up == 0 {
            return;
        }
        t.active_up_seconds += 1;
        t.max_up_per_second = t.max_up_per_second.max(up);
        if up >= policy.burst_bytes_per_second {
            t.burst_seconds += 1;
        }
    }

    fn close_run(&mut self, t: &mut Totals, policy: &UploadPolicy) {
        let run = std::mem::take(&mut self.run_bytes);
        let span_us = (self.run_last_us - self.run_start_us).max(1_000_000) as u64;
        let rate = run.saturating_mul(1_000_000) / span_us;
        if run >= policy.burst_bytes_per_second && rate >= policy.busy_bytes_per_second {
            t.bursts += 1;
            t.largest_burst = t.largest_burst.max(run);
        }
    }
}

/// What the traffic looks like: the report's own vocabulary.
pub use crate::model::TrafficPattern as Pattern;

/// A judgement and why, in words an inspector can check against the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub pattern: Pattern,
    pub reason: String,
}

/// Judges one device × destination.
pub fn judge(t: &Totals, policy: &UploadPolicy) -> Verdict {
    let verdict = |pattern, reason: String| Verdict { pattern, reason };
    if policy.service_ports.contains(&t.port) {
        return verdict(
            Pattern::NetworkService,
            format!(
                "port {}: a network service (DNS, DHCP, NTP, discovery)",
                t.port
            ),
        );
    }
    let span_us = (t.last_us - t.first_us).max(0) as u64;
    let seconds = (span_us / 1_000_000).max(1);
    let rate = t.bytes_up / seconds;
    let span = human_span(span_us);
    #[allow(clippy::cast_precision_loss)] // a ratio test; 2^52 bytes is far beyond any capture
    let ratio_ok = t.bytes_up as f64 >= policy.min_up_down_ratio * t.bytes_down as f64;
    let trickle =
        t.bytes_up >= policy.min_upload_bytes && rate > policy.heartbeat_floor_bytes_per_second;
    if ratio_ok && (t.bursts > 0 || trickle) {
        if t.active_up_seconds >= policy.video_min_seconds && rate >= policy.video_bytes_per_second
        {
            return verdict(
                Pattern::VideoStream,
                format!(
                    "steady {} upstream on {} seconds over {span}: video",
                    human_rate(rate),
                    t.active_up_seconds
                ),
            );
        }
        if t.bursts > 0 {
            return verdict(
                Pattern::Snapshots,
                format!(
                    "{} burst{} of ≥ {} in {span} (largest {})",
                    t.bursts,
                    if t.bursts == 1 { "" } else { "s" },
                    human_bytes(policy.burst_bytes_per_second),
                    human_bytes(t.largest_burst)
                ),
            );
        }
        return verdict(
            Pattern::Bulk,
            format!(
                "{} sent at {} over {span}, above the {} heartbeat floor",
                human_bytes(t.bytes_up),
                human_rate(rate),
                human_rate(policy.heartbeat_floor_bytes_per_second)
            ),
        );
    }
    if !ratio_ok && (t.bursts > 0 || trickle) {
        return verdict(
            Pattern::Heartbeat,
            format!(
                "receives more than it sends ({} up, {} down): a download or a session",
                human_bytes(t.bytes_up),
                human_bytes(t.bytes_down)
            ),
        );
    }
    if t.packets_up >= 3 {
        verdict(
            Pattern::Heartbeat,
            format!(
                "steady {} over {span}, no burst: heartbeat",
                human_rate(rate)
            ),
        )
    } else {
        verdict(
            Pattern::Control,
            format!(
                "{} packet(s), {}: control",
                t.packets_up,
                human_bytes(t.bytes_up)
            ),
        )
    }
}

#[allow(clippy::cast_precision_loss)] // display only
fn human_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{} kB", n / 1_000),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn human_rate(bytes_per_second: u64) -> String {
    format!("{}/s", human_bytes(bytes_per_second))
}

#[allow(clippy::cast_precision_loss)] // display only
fn human_span(us: u64) -> String {
    let s = us / 1_000_000;
    match s {
        0..120 => format!("{s} s"),
        120..7_200 => format!("{} min", s / 60),
        _ => format!("{:.1} h", s as f64 / 3600.0),
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
            port,
            ..Totals::default()
        }
    }

    /// Feeds `(time in µs, bytes)` sends through the burst tracker.
    fn traced(sends: impl IntoIterator<Item = (i64, u64)>, bytes_down: u64, port: u16) -> Totals {
        let policy = UploadPolicy::default();
        let mut t = Totals {
            port,
            bytes_down,
            first_us: i64::MAX,
            ..Totals::default()
        };
        let mut tracker = BurstTracker::default();
        for (ts, bytes) in sends {
            t.bytes_up += bytes;
            t.packets_up += 1;
            t.first_us = t.first_us.min(ts);
            t.last_us = t.last_us.max(ts);
            tracker.add(&mut t, &policy, ts, bytes);
        }
        tracker.finish(&mut t, &policy);
        t
    }

    #[test]
    fn yi_rendezvous_is_a_heartbeat_and_its_lan_video_a_stream() {
        let p = UploadPolicy::default();
        // 47.88.59.209:32100 in yi_camera_sample.pcap: a handful of ~50-byte UDP messages.
        assert_eq!(
            judge(&totals(1_100, 600, 12, 20, 32100), &p).pattern,
            Pattern::Heartbeat
        );
        // The ≈718 kB over 30 s to the phone, every second.
        let video = traced((0..30).map(|s| (s * 1_000_000, 24_000)), 4_000, 20_000);
        let v = judge(&video, &p);
        assert_eq!(v.pattern, Pattern::VideoStream, "{}", v.reason);
    }

    /// The EZVIZ persona's keep-alive: 180 bytes every second for ten minutes is 108 kB, more than
    /// the content threshold, and still no upload.
    #[test]
    fn ten_minutes_of_a_180_byte_heartbeat_is_not_an_upload() {
        let t = traced((0..600).map(|s| (s * 1_000_000 + 300, 180)), 40_000, 443);
        assert!(t.bytes_up > UploadPolicy::default().min_upload_bytes);
        let v = judge(&t, &UploadPolicy::default());
        assert_eq!(v.pattern, Pattern::Heartbeat);
        assert_eq!(v.reason, "steady 180 B/s over 9 min, no burst: heartbeat");
    }

    /// An MQTT session kept open for three days with a PINGREQ (2 bytes + headers, 66 B on the
    /// wire) every 60 s and a 300-byte telemetry publish every 5 minutes.
    #[test]
    fn a_days_long_mqtt_keepalive_session_is_not_an_upload() {
        let day = 86_400i64;
        let sends = (0..3 * day)
            .step_by(60)
            .map(|s| (s * 1_000_000, if s % 300 == 0 { 366 } else { 66 }));
        let t = traced(sends, 60_000, 8883);
        let v = judge(&t, &UploadPolicy::default());
        assert_eq!(v.pattern, Pattern::Heartbeat, "{}", v.reason);
    }

    /// The lab's face-capture persona: a 300 kB POST every 1.5 s, each crossing ≤ 2 seconds.
    #[test]
    fn picture_sized_bursts_are_snapshots_with_their_count() {
        let mut sends = Vec::new();
        for n in 0..8i64 {
            let start = n * 1_500_000;
            for k in 0..200 {
                sends.push((start + k * 1_000, 1_500));
            }
        }
        let t = traced(sends, 9_000, 443);
        let v = judge(&t, &UploadPolicy::default());
        assert_eq!(v.pattern, Pattern::Snapshots, "{}", v.reason);
        assert!(
            v.reason
                .starts_with("8 bursts of ≥ 32 kB in 10 s (largest 300 kB)"),
            "{}",
            v.reason
        );
    }

    #[test]
    fn a_face_snapshot_is_content_and_ntp_never_is() {
        let p = UploadPolicy::default();
        let snap = traced((0..32).map(|k| (k * 10_000, 1_500)), 3_000, 443);
        assert_eq!(judge(&snap, &p).pattern, Pattern::Snapshots);
        assert_eq!(
            judge(&totals(10_000_000, 0, 9_000, 60, 123), &p).pattern,
            Pattern::NetworkService
        );
        // Downloads (firmware) are not uploads even when large.
        let mut fw = totals(200_000, 5_000_000, 3_000, 60, 443);
        fw.bursts = 2;
        assert_eq!(judge(&fw, &p).pattern, Pattern::Heartbeat);
        // A file trickled out at 10 kB/s without busy seconds is still content.
        let trickle = traced((0..20).map(|s| (s * 1_000_000, 7_000)), 1_000, 443);
        assert_eq!(judge(&trickle, &p).pattern, Pattern::Bulk);
    }
}
