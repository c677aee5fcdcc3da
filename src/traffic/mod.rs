//! Traffic analysis: what the devices send out, and to whom.
//!
//! frames ([`source`]) → packets ([`decode`]) → flows ([`flows`], with names from [`dns`]
//! (UDP and TCP), [`tls`], [`quic`] and [`http`] via [`names`], streams put in order by
//! [`reassembly`]) → per-device × destination summaries judged by [`judge`] and
//! classified by [`cloud`] (`signatures/cloud/*.toml`), all driven by [`analyze::Analyzer`].
//!
//! Pure: nothing here opens a file, a socket or reads the clock; the CLI hands in readers.

pub mod analyze;
pub mod cloud;
pub mod decode;
pub mod dns;
pub mod flows;
pub mod http;
pub mod judge;
pub mod names;
pub mod passive;
pub mod quic;
pub mod reassembly;
pub mod source;
pub mod stores;
pub mod tls;
pub mod zeek;

pub use analyze::{
    Analyzer, Connection, Counters, DeviceTraffic, Finished, LoggedConnection, is_local,
};
pub use cloud::{CloudDb, CloudEntry};
pub use flows::FlowLimits;
pub use judge::UploadPolicy;
pub use passive::{PassiveFindings, group_by_machine};
pub use source::{CaptureError, Frame, FrameSource, LinkType, PcapSource};
pub use stores::mark_data_stores;
