//! SIGINT and SIGTERM while a scan, capture or demo runs: the first one interrupts the run, which
//! then writes its partial report (`scan.complete: false`); a second one stops at once.

use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};

use crate::app::{Interrupt, Signal};

/// Starts watching for the signals; the returned interrupt is raised by the first one.
///
/// # Errors
/// When the signal handlers cannot be installed.
pub fn watch() -> Result<Interrupt> {
    let (trigger, interrupt) = Interrupt::channel();
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::spawn(async move {
        let first = tokio::select! {
            _ = int.recv() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
        };
        trigger.raise(first);
        eprintln!(
            "\n{}",
            super::locale::fill(
                "{} received: stopping and writing the partial report (send it again to quit at once)",
                &[first.name()]
            )
        );
        let second = tokio::select! {
            _ = int.recv() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
        };
        eprintln!(
            "{}",
            super::locale::fill(
                "{} received again: quitting without a report",
                &[second.name()]
            )
        );
        // Destructors do not run on this path: an inline bridge's ports are put back here.
        crate::intercept::bridge::restore_pending();
        std::process::exit(i32::from(second.exit_code()));
    });
    Ok(interrupt)
}
