//! Resource limits of the sweep: open-file budget and connection start rate.

use std::time::Duration;

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use tokio::sync::Mutex;
use tokio::time::{Interval, MissedTickBehavior};

/// We never need more descriptors than this, even when the hard limit is unlimited.
const WANTED_NOFILE: u64 = 65_536;
/// Descriptors kept free for everything that is not a sweep connection (stdio, logs, probes).
const RESERVED_FDS: u64 = 128;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (at most 65 536) and returns
/// how many sweep connections may be open at once. The note says what happened, for the report.
pub fn raise_nofile_limit() -> (usize, Option<crate::model::Note>) {
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Err(err) => (
            256,
            Some(crate::model::Note::new("open_file_limit_unreadable").arg("error", err)),
        ),
        Ok((soft, hard)) => {
            let wanted = hard.min(WANTED_NOFILE);
            let mut effective = soft;
            let mut note = None;
            if soft < wanted {
                match setrlimit(Resource::RLIMIT_NOFILE, wanted, hard) {
                    Ok(()) => effective = wanted,
                    Err(err) => {
                        note = Some(
                            crate::model::Note::new("open_file_limit_not_raised")
                                .arg("soft", soft)
                                .arg("error", err),
                        );
                    }
                }
            }
            let budget = effective.saturating_sub(RESERVED_FDS).max(16);
            (usize::try_from(budget).unwrap_or(usize::MAX), note)
        }
    }
}

/// Spaces out connection starts to at most `rate` per second, across all tasks.
pub struct RateGate {
    interval: Option<Mutex<Interval>>,
}

impl RateGate {
    /// `None` or `Some(0)` means unlimited.
    pub fn new(rate: Option<u32>) -> Self {
        let interval = rate.filter(|r| *r > 0).map(|r| {
            let mut iv = tokio::time::interval(Duration::from_secs(1) / r);
            // After a pause, do not burst to catch up: the point is to be gentle.
            iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
            Mutex::new(iv)
        });
        Self { interval }
    }

    /// Waits for the next slot.
    pub async fn wait(&self) {
        if let Some(iv) = &self.interval {
            iv.lock().await.tick().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sweep always gets a usable, bounded budget of descriptors.
    #[test]
    fn nofile_budget_is_positive() {
        let (budget, _) = raise_nofile_limit();
        assert!(budget >= 16);
    }

    /// With a rate of 10/s, eleven starts take about a second (paused clock, no real sleeping).
    #[tokio::test(start_paused = true)]
    async fn rate_gate_spaces_starts() {
        let gate = RateGate::new(Some(10));
        let start = tokio::time::Instant::now();
        for _ in 0..11 {
            gate.wait().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(999) && took < Duration::from_millis(1100),
            "{took:?}"
        );
    }

    /// No rate means no waiting.
    #[tokio::test(start_paused = true)]
    async fn no_rate_no_wait() {
        let gate = RateGate::new(None);
        let start = tokio::time::Instant::now();
        for _ in 0..100 {
            gate.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
