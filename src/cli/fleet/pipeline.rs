//! Reading, hashing, validating and parsing reports on worker threads while the main thread folds
//! and writes, results handed back in input order. Channels are bounded, so at most a few reports
//! are in memory at once however many there are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Result, bail};
use std::fs::File;

use super::inputs::Inputs;
use crate::fleet::Intake;
use crate::model::Report;

/// One input, taken in (or why not).
pub struct Item {
    pub path: PathBuf,
    pub outcome: Result<(String, Report), String>,
}

/// Items in input order.
pub struct Pipeline {
    results: Receiver<(u64, Item)>,
    waiting: BTreeMap<u64, Item>,
    next: u64,
    threads: Vec<JoinHandle<()>>,
}

impl Pipeline {
    pub fn start(inputs: Inputs, intake: Intake) -> Self {
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let (job_tx, job_rx) = sync_channel::<(u64, std::io::Result<PathBuf>)>(workers * 2);
        let (result_tx, results) = sync_channel::<(u64, Item)>(workers);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let intake = Arc::new(intake);
        let mut threads = Vec::new();
        threads.push(std::thread::spawn(move || {
            for (seq, path) in (0u64..).zip(inputs) {
                if job_tx.send((seq, path)).is_err() {
                    break;
                }
            }
        }));
        for _ in 0..workers {
            let job_rx = Arc::clone(&job_rx);
            let result_tx = result_tx.clone();
            let intake = Arc::clone(&intake);
            threads.push(std::thread::spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, path)) = job else { break };
                    let item = match path {
                        Ok(path) => {
                            let outcome = take(&intake, &path).map_err(|e| format!("{e:#}"));
                            Item { path, outcome }
                        }
                        Err(err) => Item {
                            path: PathBuf::from("-"),
                            outcome: Err(err.to_string()),
                        },
                    };
                    if result_tx.send((seq, item)).is_err() {
                        break;
                    }
                }
            }));
        }
        Self {
            results,
            waiting: BTreeMap::new(),
            next: 0,
            threads,
        }
    }
}

impl Iterator for Pipeline {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.waiting.remove(&self.next) {
                self.next += 1;
                return Some(item);
            }
            match self.results.recv() {
                Ok((seq, item)) => {
                    self.waiting.insert(seq, item);
                }
                Err(_) => {
                    for thread in self.threads.drain(..) {
                        let _ = thread.join();
                    }
                    return None;
                }
            }
        }
    }
}

/// Opens (regular files only: a FIFO or device is refused instead of blocking), reads under the
/// cap, hashes, validates, parses.
fn take(intake: &Intake, path: &Path) -> Result<(String, Report)> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    let taken = intake.read(File::open(path)?)?;
    let report = intake.parse(&taken.bytes)?;
    Ok((taken.sha256, report))
}
