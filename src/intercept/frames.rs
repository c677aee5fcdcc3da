//! The frames a forwarder (the ARP interception or the inline bridge) hands to the analyser: its
//! forwarding threads queue a copy of each frame they pass on, and the analyser reads them one at
//! a time as a [`FrameSource`], optionally writing each to a pcap file as it goes.

use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::socket::FRAME_BUFFER;
use crate::capture::{PcapFile, PcapFileOutcome};
use crate::traffic::{CaptureError, Frame, FrameSource, LinkType};

/// How long the reader waits for a frame before looking again (the queue's senders ending is
/// what ends the capture, not a quiet spell).
const WAIT: Duration = Duration::from_millis(200);

/// One forwarded frame, queued for the analyser.
pub(super) struct Captured {
    pub ts_micros: i64,
    pub data: Vec<u8>,
}

impl Captured {
    /// A copy of `data`, stamped now.
    pub fn now(data: &[u8]) -> Self {
        let ts_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Self {
            ts_micros,
            data: data.to_vec(),
        }
    }
}

/// The queue of forwarded frames as the analyser reads it, the one frame source of every
/// forwarder. The capture is over when every forwarding thread has dropped its sender.
pub struct ForwardedFrames {
    queue: Receiver<Captured>,
    current: Vec<u8>,
    writer: Option<PcapFile>,
    /// Frames handed to the analyser so far.
    count: u64,
}

impl ForwardedFrames {
    pub(super) fn new(queue: Receiver<Captured>, writer: Option<PcapFile>) -> Self {
        Self {
            queue,
            current: Vec::with_capacity(FRAME_BUFFER),
            writer,
            count: 0,
        }
    }

    /// Frames handed to the analyser so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Closes the pcap file being written, if any.
    pub(super) fn finish_writing(&mut self) -> Option<io::Result<PcapFileOutcome>> {
        self.writer.take().map(PcapFile::finish)
    }
}

impl FrameSource for ForwardedFrames {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        let captured = loop {
            match self.queue.recv_timeout(WAIT) {
                Ok(c) => break c,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
            }
        };
        self.current = captured.data;
        if let Some(w) = self.writer.as_mut() {
            w.write_frame(captured.ts_micros, &self.current);
        }
        self.count += 1;
        Ok(Some(Frame {
            ts_micros: captured.ts_micros,
            link: LinkType::Ethernet,
            data: &self.current,
            orig_len: u32::try_from(self.current.len()).unwrap_or(u32::MAX),
        }))
    }
}

/// A forwarder whose frames the analyser reads: the interception or the bridge. `finish` ends
/// it (putting back what it changed) and says what it did.
pub trait Forwarder: Send + 'static {
    /// What the report records of it (`scan.interception` or `scan.bridge`).
    type Summary: Send + 'static;
    /// The frames it forwarded, as the analyser reads them.
    fn frames(&mut self) -> &mut ForwardedFrames;
    /// Ends forwarding and returns its summary and the pcap file written, if one was asked for.
    fn finish(self) -> (Self::Summary, Option<io::Result<PcapFileOutcome>>);
}
