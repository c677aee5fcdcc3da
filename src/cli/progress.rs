//! Progress bars (indicatif) for long phases; hidden when stderr is not a terminal or with --quiet.
//! A phase's name is its label, in the terminal's language (locales/).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

use super::locale;
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
        bar.set_prefix(locale::text(phase).into_owned());
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

#[cfg(test)]
mod tests {
    use super::locale::{fill_in, text_in};
    use crate::report::Lang;

    /// Every label a progress bar or the capture countdown shows reads in Chinese under a zh
    /// locale, with its values kept.
    #[test]
    fn progress_labels_read_in_chinese() {
        for label in [
            "tcp sweep",
            "probe",
            "reports",
            "reading captures",
            "reading Zeek logs",
        ] {
            let zh = text_in(Lang::Zh, label);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{label}: {zh}"
            );
            assert_eq!(text_in(Lang::En, label), label);
        }
        assert_eq!(
            fill_in(Lang::Zh, "capturing on {}", &["eth0"]),
            "正在 eth0 上抓包"
        );
        assert_eq!(fill_in(Lang::Zh, "{} left", &["4:12"]), "剩余 4:12");
        assert_eq!(fill_in(Lang::En, "{} left", &["4:12"]), "4:12 left");
    }
}
