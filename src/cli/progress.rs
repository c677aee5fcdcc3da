//! Progress bars (indicatif) for long phases; hidden when stderr is not a terminal or with --quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

use crate::discover::ProgressSink;

/// One bar, re-used for each phase (sweep, probe).
pub struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
    visible: bool,
}

impl BarProgress {
    pub fn new(quiet: bool) -> Self {
        Self {
            bar: Mutex::new(None),
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }
}

impl ProgressSink for BarProgress {
    fn set_total(&self, phase: &str, n: u64) {
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        if let Some(old) = slot.take() {
            old.finish_and_clear();
        }
        let bar = ProgressBar::with_draw_target(
            Some(n),
            if self.visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>7} [{bar:30}] {pos}/{len} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(phase.to_string());
        *slot = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}
