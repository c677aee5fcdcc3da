//! Orchestration: a plan in, a report out. The scan half runs discovery and probes (which do
//! the I/O), then the pure fingerprint core; the traffic half (`analyze`) runs captures and logs
//! through the traffic analyser; both assemble their report through `report`. The run's
//! signatures are loaded here, once. Presentation (progress bars, files) is the CLI's job.

pub mod analyze;
mod capture_devices;
pub mod interrupt;
mod pipeline;
mod report;

use std::path::Path;

use crate::bundle::{BundleError, SignatureBundle};

pub use capture_devices::devices_from_capture;
pub use interrupt::{Interrupt, InterruptTrigger, Signal};
pub use pipeline::{ScanPlan, find_hosts, now_rfc3339, run, run_until};

/// The run's knowledge: the signature set of `--signatures DIR` when given, else the built-in
/// one. Called once per run; every step gets its part of the bundle from the caller.
///
/// # Errors
/// A file of DIR that cannot be read or does not validate, with its path.
pub fn load_signatures(dir: Option<&Path>) -> Result<SignatureBundle, BundleError> {
    let bundle = SignatureBundle::load(dir)?;
    tracing::info!(
        signatures = %dir.map_or_else(|| "built-in".to_string(), |d| d.display().to_string()),
        devices = bundle.devices.signatures().len(),
        "signatures loaded"
    );
    Ok(bundle)
}
