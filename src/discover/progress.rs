//! Progress reporting seam: discovery and probing tell a sink how far they are; the CLI draws bars.

/// Receives progress from a long-running phase. Implementations must be cheap and thread-safe:
/// `advance` is called from many tasks at once.
pub trait ProgressSink: Send + Sync {
    /// Starts a phase (`"tcp sweep"`, `"probe"`) of `n` steps.
    fn set_total(&self, phase: &str, n: u64);
    /// `n` more steps are done.
    fn advance(&self, n: u64);
    /// The phase is over (possibly before every step was counted).
    fn finish(&self);
    /// The sweep found `host` up (its open ports known, not yet probed). Lets the pipeline keep
    /// what was found so far when a scan is interrupted.
    fn host_up(&self, _host: &crate::model::HostObservation) {}
}

/// A sink that ignores everything, for tests and quiet runs.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn set_total(&self, _phase: &str, _n: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
