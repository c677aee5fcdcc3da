//! What can stop an analysis before its report: an input refused or unreadable, a live capture
//! that cannot start or fails, a forwarder that cannot start. (Damage inside a capture file is
//! not an error: the report records it.)

use crate::intercept::InterceptError;
use crate::traffic::CaptureError;
use crate::traffic::zeek::ZeekError;

/// An analysis that could not go on, said with the input or step it concerns.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The command line's guard refused an input or could not open it (its own words).
    #[error(transparent)]
    Input(Box<dyn std::error::Error + Send + Sync>),
    /// A file or folder could not be read or listed; `what` names the step and the path.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// An input camsweep cannot analyse, or an interface it cannot capture on, in words.
    #[error("{0}")]
    Unusable(String),
    /// The live capture (its socket, its ring, the pcap file written beside it).
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// A Zeek log line that does not read, at its file and line.
    #[error(transparent)]
    Zeek(#[from] ZeekError),
    /// The interception or the inline bridge could not start.
    #[error(transparent)]
    Forwarder(#[from] InterceptError),
    #[error("listing the network interfaces")]
    Interfaces(#[source] nix::Error),
    #[error("the capture thread failed")]
    Thread(#[source] tokio::task::JoinError),
}

impl AnalyzeError {
    /// An I/O error of the step `what` (`reading x.pcap`).
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| AnalyzeError::Io { what, source }
    }
}

pub type Result<T, E = AnalyzeError> = std::result::Result<T, E>;
