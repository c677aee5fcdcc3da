//! Frames from an interface for a fixed time (promiscuous, pnet datalink channel).

use pnet_datalink::{self as datalink, Channel, Config, DataLinkReceiver};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{PcapFile, PcapFileOutcome};
use crate::traffic::{CaptureError, Frame, FrameSource, LinkType};

/// How often the receive loop wakes up to check the deadline.
const POLL: Duration = Duration::from_millis(200);

/// Captures on one interface until the listening time is over.
pub struct LiveSource {
    interface: String,
    rx: Box<dyn DataLinkReceiver>,
    deadline: Instant,
    frame: Vec<u8>,
    writer: Option<PcapFile>,
    /// Set when the run is interrupted: the capture ends as if its time were over.
    stop: Option<Arc<AtomicBool>>,
    /// Frames captured so far.
    pub frames: u64,
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
        let iface = datalink::interfaces()
            .into_iter()
            .find(|i| i.name == interface)
            .ok_or_else(|| fail("no such interface".into()))?;
        let config = Config {
            read_timeout: Some(POLL),
            promiscuous: true,
            ..Config::default()
        };
        let rx = match datalink::channel(&iface, config) {
            Ok(Channel::Ethernet(_tx, rx)) => rx,
            Ok(_) => return Err(fail("not an Ethernet-like interface".into())),
            Err(e) => return Err(fail(format!("{e} (capturing needs CAP_NET_RAW)"))),
        };
        let writer = match write_pcap {
            Some(path) => Some(
                PcapFile::create(path)
                    .map_err(|e| fail(format!("creating {}: {e}", path.display())))?,
            ),
            None => None,
        };
        Ok(Self {
            interface: interface.to_string(),
            rx,
            deadline: Instant::now() + listen,
            frame: Vec::with_capacity(65_536),
            writer,
            stop: None,
            frames: 0,
        })
    }

    /// Ends the capture early once `flag` is set (an interrupted run).
    #[must_use]
    pub fn stop_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
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
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        loop {
            if Instant::now() >= self.deadline
                || self
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.load(Ordering::Relaxed))
            {
                return Ok(None);
            }
            match self.rx.next() {
                Ok(data) => {
                    self.frame.clear();
                    self.frame.extend_from_slice(data);
                    break;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    return Err(CaptureError::Live {
                        interface: self.interface.clone(),
                        reason: e.to_string(),
                    });
                }
            }
        }
        let ts_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        if let Some(w) = self.writer.as_mut() {
            w.write_frame(ts_micros, &self.frame);
        }
        self.frames += 1;
        Ok(Some(Frame {
            ts_micros,
            link: LinkType::Ethernet,
            data: &self.frame,
            orig_len: u32::try_from(self.frame.len()).unwrap_or(u32::MAX),
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
}
