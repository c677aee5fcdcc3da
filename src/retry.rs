//! Trying again after a timeout, with backoff, and never past a deadline.
//!
//! On a lossy link (shop Wi-Fi, a busy switch) a lost datagram, SYN or SYN-ACK shows up as a
//! timeout. The kernel recovers lost segments of an *established* TCP connection by itself
//! (retransmission after about 200 ms), but it resends a lost SYN only after 1 s and 3 s, and
//! never resends a UDP inquiry: those are the steps that retry here. A refusal, reset or TLS
//! failure is an answer and is never retried.
//!
//! Every retry is bounded by the deadline of its host: an attempt starts only when its whole
//! timeout still fits before the deadline, so a retry can never make a host take longer than
//! without it. The probes of one host run inside [`within_host_deadline`], which makes that
//! host's deadline known to [`Backoff::in_host_budget`].

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Attempts after the first one that timed out.
pub const RETRIES: u32 = 2;
/// Pause before the first retry; doubled before each further one.
pub const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// Whether retries happen at all. Always on in camsweep; the lab's packet-loss test switches
/// it off for one scan to show that the retries, not luck, keep identification intact.
static ENABLED: AtomicBool = AtomicBool::new(true);

tokio::task_local! {
    static HOST_DEADLINE: Instant;
}

/// Switches retries on or off for the whole process. For the packet-loss lab test only
/// (`tests/labs/lab_namespaces/loss_checks.rs`); nothing in camsweep turns them off.
#[doc(hidden)]
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::SeqCst);
}

/// Whether retries are on (see [`set_enabled`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::SeqCst)
}

/// Runs `work` (the probes of one host) with `deadline` as the bound of every retry inside it.
pub async fn within_host_deadline<F: Future>(deadline: Instant, work: F) -> F::Output {
    HOST_DEADLINE.scope(deadline, work).await
}

/// The retries left for one step, their pauses, and the deadline they must fit before.
#[derive(Debug, Clone)]
pub struct Backoff {
    retries_left: u32,
    pause: Duration,
    deadline: Option<Instant>,
}

impl Backoff {
    /// [`RETRIES`] retries after [`FIRST_PAUSE`], doubling, none of them ending after `deadline`.
    pub fn until(deadline: Option<Instant>) -> Self {
        Self {
            retries_left: if enabled() { RETRIES } else { 0 },
            pause: FIRST_PAUSE,
            deadline,
        }
    }

    /// [`Self::until`] the deadline of the host being probed ([`within_host_deadline`]); no
    /// deadline outside one (only the retry count bounds them then).
    pub fn in_host_budget() -> Self {
        Self::until(HOST_DEADLINE.try_with(|d| *d).ok())
    }

    /// Whether to try again: when a retry is left and the pause plus an `attempt` of that
    /// length still end before the deadline, sleeps the pause and says yes; otherwise says no
    /// at once.
    pub async fn another(&mut self, attempt: Duration) -> bool {
        if self.retries_left == 0 {
            return false;
        }
        if let Some(deadline) = self.deadline
            && Instant::now() + self.pause + attempt >= deadline
        {
            return false;
        }
        tokio::time::sleep(self.pause).await;
        self.pause *= 2;
        self.retries_left -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two retries with doubling pauses, then no more.
    #[tokio::test(start_paused = true)]
    async fn retries_back_off_and_stop() {
        let start = Instant::now();
        let mut backoff = Backoff::until(None);
        assert!(backoff.another(Duration::from_secs(1)).await);
        assert_eq!(start.elapsed(), FIRST_PAUSE);
        assert!(backoff.another(Duration::from_secs(1)).await);
        assert_eq!(start.elapsed(), FIRST_PAUSE * 3);
        assert!(!backoff.another(Duration::from_secs(1)).await);
        assert_eq!(start.elapsed(), FIRST_PAUSE * 3);
    }

    /// No retry starts whose attempt would end at or after the deadline, and refusing costs no time.
    #[tokio::test(start_paused = true)]
    async fn no_retry_outlives_the_deadline() {
        let start = Instant::now();
        let deadline = start + Duration::from_millis(1000);
        let mut backoff = Backoff::until(Some(deadline));
        assert!(backoff.another(Duration::from_millis(700)).await);
        assert!(!backoff.another(Duration::from_millis(700)).await);
        assert_eq!(start.elapsed(), FIRST_PAUSE);
    }

    /// Inside a host's scope the host deadline bounds the retries.
    #[tokio::test(start_paused = true)]
    async fn host_scope_sets_the_deadline() {
        let deadline = Instant::now() + Duration::from_millis(500);
        let allowed = within_host_deadline(deadline, async {
            Backoff::in_host_budget()
                .another(Duration::from_millis(400))
                .await
        })
        .await;
        assert!(!allowed);
        assert!(Backoff::in_host_budget().deadline.is_none());
    }
}
