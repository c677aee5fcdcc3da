//! TCP connect for the probes that open their own sockets (banner, RTSP, ZKTeco), tried again
//! after a timeout within the host's budget: a lost SYN or SYN-ACK is otherwise resent by the
//! kernel only after 1 s and 3 s, and would cost the port's evidence.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::retry::Backoff;

/// Why no connection was made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("connect timed out")]
    TimedOut,
    #[error("connect failed: {0}")]
    Failed(#[from] std::io::Error),
}

/// Connects to `addr`, each attempt bounded by `timeout`; after a timeout tries again with
/// backoff while the host's deadline leaves room ([`Backoff::in_host_budget`]). A refusal or
/// other error ends it at once.
pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectError> {
    let mut backoff = Backoff::in_host_budget();
    loop {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(connected) => return Ok(connected?),
            Err(_) => {
                if !backoff.another(timeout).await {
                    return Err(ConnectError::TimedOut);
                }
                tracing::debug!(%addr, "connect timed out; retrying");
            }
        }
    }
}
