//! Frame sources: where captured frames come from (a pcap or pcapng stream here; live capture
//! would be another implementation of [`FrameSource`]).
//!
//! The reader is generic over [`std::io::Read`] so this module never opens a file itself; the
//! CLI hands it one. A capture cut short or damaged part-way is read up to the damage and the
//! byte offset of the damage is reported, so an inspector still gets what was recorded.

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{Linktype, PcapBlockOwned, PcapError};
use std::io::Read;

/// Buffer for the pcap reader; grown on demand up to [`MAX_BLOCK`] for jumbo/GRO frames.
const READ_BUFFER: usize = 1 << 20;
/// Largest single block accepted (a GRO/TSO super-frame is at most 64 KiB plus headers; pcapng
/// blocks with options stay far below this). Anything larger is treated as damage.
const MAX_BLOCK: usize = 16 << 20;

/// Link-layer framing of a capture's frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    Ethernet,
    /// Linux cooked capture v1 (`any` interface).
    LinuxSll,
    /// Linux cooked capture v2.
    LinuxSll2,
    /// Bare IPv4 or IPv6 packets (LINKTYPE_RAW, IPV4, IPV6).
    RawIp,
    /// BSD loopback: 4-byte address family, then IP.
    Null,
    /// A link type this analyser does not decode; its frames are counted and skipped.
    Other(i32),
}

impl LinkType {
    fn from_pcap(link: Linktype) -> Self {
        match link {
            Linktype::ETHERNET => LinkType::Ethernet,
            Linktype::LINUX_SLL => LinkType::LinuxSll,
            Linktype::LINUX_SLL2 => LinkType::LinuxSll2,
            // 12 and 14 are raw IP as OpenBSD and BSD/OS write DLT_RAW into pcap files.
            Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 | Linktype(12) | Linktype(14) => {
                LinkType::RawIp
            }
            Linktype::NULL => LinkType::Null,
            Linktype(other) => LinkType::Other(other),
        }
    }
}

/// One captured frame.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Capture timestamp, microseconds since the Unix epoch.
    pub ts_micros: i64,
    pub link: LinkType,
    /// The captured bytes (may be shorter than `orig_len` with a snap length).
    pub data: &'a [u8],
    /// Length of the frame on the wire.
    pub orig_len: u32,
}

/// Why reading a capture stopped early.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("not a pcap or pcapng file: {0}")]
    NotACapture(String),
    #[error("capture damaged at byte {offset}: {reason}")]
    Damaged { offset: u64, reason: String },
    #[error("read error at byte {offset}")]
    Read { offset: u64 },
    #[error("capture on {interface} failed: {reason}")]
    Live { interface: String, reason: String },
}

impl CaptureError {
    /// What went wrong, without the offset (for reports that record the offset apart).
    pub fn reason(&self) -> String {
        match self {
            CaptureError::Damaged { reason, .. } => reason.clone(),
            CaptureError::Read { .. } => "read error".into(),
            other => other.to_string(),
        }
    }

    /// The byte offset where reading stopped, when the file was readable up to there.
    pub fn offset(&self) -> Option<u64> {
        match self {
            CaptureError::Damaged { offset, .. } | CaptureError::Read { offset } => Some(*offset),
            CaptureError::NotACapture(_) | CaptureError::Live { .. } => None,
        }
    }
}

/// Anything that yields frames in capture order.
pub trait FrameSource {
    /// The next frame, `Ok(None)` at the clean end, `Err` when the source is damaged or failed
    /// (frames before the error were valid and already returned).
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError>;
}

/// Per-interface timestamp decoding of a pcapng section.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: LinkType,
    /// Timestamp units per second.
    resolution: u64,
    offset_secs: i64,
}

/// Reads pcap (micro- and nanosecond) and pcapng streams.
pub struct PcapSource<'r> {
    reader: Box<dyn PcapReaderIterator + Send + 'r>,
    /// Bytes of the block returned last, consumed on the next call (the frame borrows the buffer).
    pending: usize,
    legacy_link: LinkType,
    legacy_nanos: bool,
    interfaces: Vec<Interface>,
}

impl<'r> PcapSource<'r> {
    /// Starts reading; fails when the stream does not begin like a pcap or pcapng file.
    pub fn new<R: Read + Send + 'r>(input: R) -> Result<Self, CaptureError> {
        let reader = pcap_parser::create_reader(READ_BUFFER, input)
            .map_err(|e| CaptureError::NotACapture(e.to_string()))?;
        Ok(Self {
            reader,
            pending: 0,
            legacy_link: LinkType::Ethernet,
            legacy_nanos: false,
            interfaces: Vec::new(),
        })
    }

    /// Bytes of the stream read and accepted so far.
    pub fn offset(&self) -> u64 {
        (self.reader.consumed() + self.pending) as u64
    }

    fn damaged(&self, reason: impl Into<String>) -> CaptureError {
        CaptureError::Damaged {
            offset: self.offset(),
            reason: reason.into(),
        }
    }
}

impl FrameSource for PcapSource<'_> {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.pending > 0 {
            self.reader.consume(self.pending);
            self.pending = 0;
        }
        loop {
            // The borrow checker cannot see that the non-returning arms end the borrow of
            // `self.reader`, so the block is classified first and turned into a frame afterwards.
            let step = match self.reader.next() {
                Ok((len, block)) => Step::Block(len, classify_block(block)),
                Err(PcapError::Eof) => return Ok(None),
                Err(PcapError::Incomplete(_)) => Step::Refill,
                Err(PcapError::BufferTooSmall) => Step::Grow,
                Err(PcapError::UnexpectedEof) => Step::Fail("file ends inside a block".into()),
                Err(PcapError::ReadError) => {
                    return Err(CaptureError::Read {
                        offset: self.offset(),
                    });
                }
                Err(e) => Step::Fail(e.to_string()),
            };
            match step {
                Step::Refill => {
                    if self.reader.refill().is_err() {
                        return Err(CaptureError::Read {
                            offset: self.offset(),
                        });
                    }
                }
                Step::Grow => {
                    let cap = self.reader.data().len().max(READ_BUFFER) * 2;
                    if cap > MAX_BLOCK || !self.reader.grow(cap) {
                        return Err(self.damaged("block larger than 16 MiB"));
                    }
                    if self.reader.refill().is_err() {
                        return Err(CaptureError::Read {
                            offset: self.offset(),
                        });
                    }
                }
                Step::Fail(reason) => return Err(self.damaged(reason)),
                Step::Block(len, kind) => match kind {
                    BlockKind::LegacyHeader { link, nanos } => {
                        self.legacy_link = link;
                        self.legacy_nanos = nanos;
                        self.reader.consume(len);
                    }
                    BlockKind::Section => {
                        self.interfaces.clear();
                        self.reader.consume(len);
                    }
                    BlockKind::Interface(iface) => {
                        self.interfaces.push(iface);
                        self.reader.consume(len);
                    }
                    BlockKind::Packet => {
                        self.pending = len;
                        return self.current_frame();
                    }
                    BlockKind::Ignored => self.reader.consume(len),
                },
            }
        }
    }
}

impl PcapSource<'_> {
    /// Re-parses the block at the head of the buffer (already known to be a packet) into a frame.
    fn current_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        let legacy_link = self.legacy_link;
        let legacy_nanos = self.legacy_nanos;
        let interfaces = &self.interfaces;
        let offset = self.reader.consumed() as u64;
        let frame = match self.reader.next() {
            Ok((_, PcapBlockOwned::Legacy(b))) => Some(Frame {
                ts_micros: i64::from(b.ts_sec) * 1_000_000
                    + if legacy_nanos {
                        i64::from(b.ts_usec) / 1000
                    } else {
                        i64::from(b.ts_usec)
                    },
                link: legacy_link,
                data: clip(b.data, b.caplen),
                orig_len: b.origlen,
            }),
            Ok((_, PcapBlockOwned::NG(Block::EnhancedPacket(b)))) => {
                let iface = interfaces.get(b.if_id as usize).copied();
                iface.map(|iface| Frame {
                    ts_micros: ng_micros(b.ts_high, b.ts_low, iface),
                    link: iface.link,
                    data: clip(b.data, b.caplen),
                    orig_len: b.origlen,
                })
            }
            Ok((_, PcapBlockOwned::NG(Block::SimplePacket(b)))) => {
                interfaces.first().copied().map(|iface| Frame {
                    ts_micros: 0,
                    link: iface.link,
                    data: b.data,
                    orig_len: b.origlen,
                })
            }
            _ => None,
        };
        match frame {
            // Frames of undecodable link types are returned too: the analyser counts them.
            Some(f) => Ok(Some(f)),
            // A packet block for an interface never described: the file is inconsistent.
            None => Err(CaptureError::Damaged {
                offset,
                reason: "packet block refers to an undeclared interface".into(),
            }),
        }
    }
}

enum Step {
    Block(usize, BlockKind),
    Refill,
    Grow,
    Fail(String),
}

enum BlockKind {
    LegacyHeader { link: LinkType, nanos: bool },
    Section,
    Interface(Interface),
    Packet,
    Ignored,
}

fn classify_block(block: PcapBlockOwned<'_>) -> BlockKind {
    match block {
        PcapBlockOwned::LegacyHeader(h) => BlockKind::LegacyHeader {
            link: LinkType::from_pcap(h.network),
            nanos: h.is_nanosecond_precision(),
        },
        PcapBlockOwned::Legacy(_) => BlockKind::Packet,
        PcapBlockOwned::NG(Block::SectionHeader(_)) => BlockKind::Section,
        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => BlockKind::Interface(Interface {
            link: LinkType::from_pcap(idb.linktype),
            // An invalid resolution falls back to the pcapng default of microseconds.
            resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
            offset_secs: idb.ts_offset(),
        }),
        PcapBlockOwned::NG(Block::EnhancedPacket(_) | Block::SimplePacket(_)) => BlockKind::Packet,
        PcapBlockOwned::NG(_) => BlockKind::Ignored,
    }
}

/// The captured bytes, without the pcapng padding.
fn clip(data: &[u8], caplen: u32) -> &[u8] {
    &data[..data.len().min(caplen as usize)]
}

fn ng_micros(high: u32, low: u32, iface: Interface) -> i64 {
    let ticks = (u128::from(high) << 32) | u128::from(low);
    let micros = ticks * 1_000_000 / u128::from(iface.resolution);
    i64::try_from(micros)
        .unwrap_or(i64::MAX)
        .saturating_add(iface.offset_secs.saturating_mul(1_000_000))
}
