//! A progress bar in bytes while `analyze` reads capture files and Zeek logs, so a 5 GB capture
//! or a day of a sensor's logs is not minutes of silence: `reading Zeek logs [=====>    ]
//! 1.20 GiB/3.41 GiB 95 MiB/s 0:00:24`. Hidden with --quiet or --json or when stderr is not a
//! terminal; gone when dropped. The label is in the terminal's language (locales/).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

use super::locale;

pub struct ReadProgress {
    bar: ProgressBar,
}

impl ReadProgress {
    /// A bar labelled `label` (English, translated through the catalogue) for reading `paths`
    /// whole: its length is their total size, or none (bytes only) when one is not a regular
    /// file (a FIFO) and its size is unknown.
    pub fn start(label: &str, paths: &[&Path], quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Self::with_target(label, total_size(paths), target)
    }

    fn with_target(label: &str, total: Option<u64>, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(total, target);
        let template = if total.is_some() {
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed}"
        } else {
            "{prefix} {spinner} {bytes} {bytes_per_sec} {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(locale::text(label).into_owned());
        Self { bar }
    }
}

/// The analysis tells the bar every byte it reads.
impl crate::app::analyze::ReadMeter for ReadProgress {
    fn add(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}

impl Drop for ReadProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// The total size of `paths`, when every one is a regular file.
fn total_size(paths: &[&Path]) -> Option<u64> {
    paths
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_counts_every_byte_read_against_the_files_total() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("conn.log");
        let b = dir.path().join("dns.log");
        std::fs::write(&a, vec![b'x'; 3000]).unwrap();
        std::fs::write(&b, vec![b'y'; 1000]).unwrap();
        let total = total_size(&[&a, &b]);
        assert_eq!(total, Some(4000));
        let progress =
            ReadProgress::with_target("reading Zeek logs", total, ProgressDrawTarget::hidden());
        let read = std::fs::read(&a).unwrap();
        crate::app::analyze::ReadMeter::add(&progress, read.len() as u64);
        assert_eq!(progress.bar.position(), 3000);
        assert_eq!(progress.bar.length(), Some(4000));
    }

    #[test]
    fn a_fifo_or_missing_file_leaves_the_total_unknown() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(total_size(&[dir.path()]), None);
        assert_eq!(total_size(&[&dir.path().join("missing")]), None);
    }
}
