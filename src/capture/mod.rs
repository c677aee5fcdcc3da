//! Live capture (I/O): frames from a network interface through a Linux packet socket, and
//! the pcap writer that keeps them as evidence with `--write-pcap`. The analysis itself stays
//! in the pure `traffic` module; this is only another [`crate::traffic::FrameSource`].

mod live;
mod pcap_file;
mod pcap_writer;

pub use live::{LiveSource, LiveStats, parse_duration};
pub use pcap_file::{PcapFile, PcapFileOutcome};
pub use pcap_writer::PcapWriter;
