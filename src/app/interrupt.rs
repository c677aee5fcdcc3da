//! Cancelling a running scan or capture: the CLI turns SIGINT/SIGTERM into an [`Interrupt`], the
//! pipeline and the capture loops watch it and stop with what they have, so a partial report
//! (`scan.complete: false`) can still be written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// The signal that interrupted a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Interrupt,
    /// `kill`, a service manager stopping us, a container shutting down.
    Terminate,
}

impl Signal {
    /// Its conventional name, as recorded in `scan.interrupted_by`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The exit code of a run that this signal cut short: 128 + the signal number, as a shell
    /// reports a process the signal killed (130, 143), so scripts see "stopped by a signal".
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// A handle every long-running stage can watch; cheap to clone.
#[derive(Debug, Clone)]
pub struct Interrupt {
    rx: watch::Receiver<Option<Signal>>,
    /// The same state for blocking loops (capture threads) that cannot await.
    flag: Arc<AtomicBool>,
}

/// The side that raises an interrupt (the CLI's signal task, tests).
#[derive(Debug)]
pub struct InterruptTrigger {
    tx: watch::Sender<Option<Signal>>,
    flag: Arc<AtomicBool>,
}

impl InterruptTrigger {
    /// Raises the interrupt; the first signal is the one recorded.
    pub fn raise(&self, signal: Signal) {
        self.flag.store(true, Ordering::SeqCst);
        self.tx.send_if_modified(|slot| {
            if slot.is_none() {
                *slot = Some(signal);
                true
            } else {
                false
            }
        });
    }
}

impl Interrupt {
    /// A trigger and the interrupt it raises.
    pub fn channel() -> (InterruptTrigger, Interrupt) {
        let (tx, rx) = watch::channel(None);
        let flag = Arc::new(AtomicBool::new(false));
        (
            InterruptTrigger {
                tx,
                flag: Arc::clone(&flag),
            },
            Interrupt { rx, flag },
        )
    }

    /// An interrupt that never comes (library callers, tests of complete runs).
    pub fn never() -> Self {
        Self::channel().1
    }

    /// The signal, once one arrived.
    pub fn raised(&self) -> Option<Signal> {
        *self.rx.borrow()
    }

    /// Set once a signal arrived; for blocking loops to poll.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }

    /// Resolves when a signal arrives; never, if the trigger is gone without raising one.
    pub async fn wait(&self) -> Signal {
        let mut rx = self.rx.clone();
        // Copied out at once: the borrow of the channel must not live across an await.
        let raised = rx.wait_for(Option::is_some).await.map(|signal| *signal);
        match raised {
            Ok(signal) => signal.unwrap_or(Signal::Interrupt),
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_first_signal_is_kept_and_wakes_every_waiter() {
        let (trigger, interrupt) = Interrupt::channel();
        let other = interrupt.clone();
        let waiter = tokio::spawn(async move { other.wait().await });
        assert_eq!(interrupt.raised(), None);
        trigger.raise(Signal::Terminate);
        trigger.raise(Signal::Interrupt);
        assert_eq!(waiter.await.unwrap(), Signal::Terminate);
        assert_eq!(interrupt.raised(), Some(Signal::Terminate));
        assert!(interrupt.flag().load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn never_does_not_resolve() {
        let never = Interrupt::never();
        let waited = tokio::time::timeout(Duration::from_millis(50), never.wait()).await;
        assert!(waited.is_err());
    }
}
