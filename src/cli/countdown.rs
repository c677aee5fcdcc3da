//! A countdown on stderr while a live capture (`--listen`) runs, so a ten-minute capture is not
//! ten silent minutes: `capturing on eth0 [=====>      ] 4:12 left`. Hidden with --quiet or when
//! stderr is not a terminal; gone when dropped (the capture ended or was interrupted).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::locale;

/// How often the countdown is redrawn.
const TICK: Duration = Duration::from_millis(250);

pub struct Countdown {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Countdown {
    /// Counts down from `started + length`, labelled `label`.
    pub fn start(label: String, started: Instant, length: Duration, quiet: bool) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Self { done, thread: None };
        }
        let bar = ProgressBar::with_draw_target(
            Some(length.as_secs().max(1)),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label);
        let flag = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let elapsed = started.elapsed();
                bar.set_position(elapsed.as_secs());
                let left = clock(length.saturating_sub(elapsed));
                bar.set_message(locale::fill("{} left", &[&left]));
                if elapsed >= length {
                    break;
                }
                std::thread::sleep(TICK);
            }
            bar.finish_and_clear();
        });
        Self {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Countdown {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `h:mm:ss` or `m:ss`.
fn clock(left: Duration) -> String {
    let s = left.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_like_a_clock() {
        assert_eq!(clock(Duration::from_secs(252)), "4:12");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
        assert_eq!(clock(Duration::from_millis(900)), "0:00");
    }
}
