//! Orchestration: a scan plan in, a report out. Runs discovery and probes (which do the I/O), then the
//! pure fingerprint core, and assembles the report. Presentation (progress bars, files) is the CLI's job.

mod capture_devices;
pub mod interrupt;
mod pipeline;

pub use capture_devices::devices_from_capture;
pub use interrupt::{Interrupt, InterruptTrigger, Signal};
pub use pipeline::{ScanPlan, find_hosts, now_rfc3339, run, run_until};
