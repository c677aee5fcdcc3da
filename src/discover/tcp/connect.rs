//! One TCP connect attempt and what its outcome says about the host.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

/// What a single connect attempt ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectOutcome {
    /// The handshake completed: the port is open.
    Open,
    /// RST in answer to SYN (`ECONNREFUSED`): the host is up, the port closed.
    Refused,
    /// The host's stack answered in some other way (reset, abort): up, port unusable.
    Answered,
    /// `EHOSTUNREACH`/`ENETUNREACH`: ARP failed or no route; says nothing good about the host.
    Unreachable,
    /// No answer within the connect timeout: down, or a firewall dropping SYNs.
    TimedOut,
    /// A local failure (out of file descriptors, address not available…): no information.
    LocalError(String),
}

impl ConnectOutcome {
    /// The remote TCP stack answered, so the host is certainly up.
    pub fn host_answered(&self) -> bool {
        matches!(self, Self::Open | Self::Refused | Self::Answered)
    }
}

/// Tries one connect, closing the connection at once if it opens. Never sends data.
pub async fn connect_once(addr: SocketAddr, timeout: Duration) -> ConnectOutcome {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => ConnectOutcome::TimedOut,
        Ok(Ok(stream)) => {
            drop(stream);
            ConnectOutcome::Open
        }
        Ok(Err(err)) => classify_error(&err),
    }
}

fn classify_error(err: &std::io::Error) -> ConnectOutcome {
    match err.kind() {
        ErrorKind::ConnectionRefused => ConnectOutcome::Refused,
        // A reset *after* the handshake (the listener accepted, then sent RST before the
        // connect was polled complete, as accept-then-reset stacks do) means the port listens:
        // a closed port refuses the SYN instead. Reported open, so the probes record the reset.
        ErrorKind::ConnectionReset => ConnectOutcome::Open,
        ErrorKind::ConnectionAborted => ConnectOutcome::Answered,
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => ConnectOutcome::Unreachable,
        ErrorKind::TimedOut => ConnectOutcome::TimedOut,
        _ => ConnectOutcome::LocalError(err.to_string()),
    }
}

/// Whether a host is up, judged from its first connect wave and the neighbour table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Some port answered (open or refused).
    Answered,
    /// No port answered, but the address resolved in ARP: up behind a SYN-dropping firewall.
    Filtered,
    /// Nothing answered and ARP did not resolve.
    Down,
}

/// Pure decision: an answer from any port wins; otherwise a resolved neighbour entry means filtered.
pub fn judge_liveness(first_wave: &[ConnectOutcome], neighbour_resolved: bool) -> Liveness {
    if first_wave.iter().any(ConnectOutcome::host_answered) {
        Liveness::Answered
    } else if neighbour_resolved {
        Liveness::Filtered
    } else {
        Liveness::Down
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A single refused port proves the host is up, whatever the other ports did.
    #[test]
    fn refused_means_alive() {
        let wave = [ConnectOutcome::TimedOut, ConnectOutcome::Refused];
        assert_eq!(judge_liveness(&wave, false), Liveness::Answered);
    }

    /// Timeouts plus a resolved ARP entry: a firewalled host, reported with no open ports.
    #[test]
    fn timeouts_with_arp_mean_filtered() {
        let wave = [ConnectOutcome::TimedOut, ConnectOutcome::TimedOut];
        assert_eq!(judge_liveness(&wave, true), Liveness::Filtered);
    }

    /// EHOSTUNREACH and timeouts with no ARP entry: nobody is there.
    #[test]
    fn unreachable_without_arp_means_down() {
        let wave = [ConnectOutcome::Unreachable, ConnectOutcome::TimedOut];
        assert_eq!(judge_liveness(&wave, false), Liveness::Down);
        assert_eq!(judge_liveness(&[], false), Liveness::Down);
    }

    /// Error kinds the kernel reports map to the outcomes the sweep reasons about.
    #[test]
    fn classifies_kernel_errors() {
        let refused = std::io::Error::from(ErrorKind::ConnectionRefused);
        assert_eq!(classify_error(&refused), ConnectOutcome::Refused);
        let unreach = std::io::Error::from_raw_os_error(113); // EHOSTUNREACH on Linux
        assert_eq!(classify_error(&unreach), ConnectOutcome::Unreachable);
        let netunreach = std::io::Error::from_raw_os_error(101); // ENETUNREACH on Linux
        assert_eq!(classify_error(&netunreach), ConnectOutcome::Unreachable);
        let emfile = std::io::Error::from_raw_os_error(24); // EMFILE
        assert!(matches!(
            classify_error(&emfile),
            ConnectOutcome::LocalError(_)
        ));
    }
}
