//! `camsweep analyze --zeek DIR|FILE`: reads a site sensor's Zeek logs (conn.log, dns.log,
//! ssl.log, http.log; TSV or JSON lines) into the traffic analyser: another source of the same
//! traffic model as a capture. The file I/O lives here (inputs opened through the edge's guard);
//! parsing is `traffic::zeek` (pure).

use super::error::{AnalyzeError, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::files::HashingReader;
use super::{Edge, Metered};
use crate::model::EvidenceFile;
use crate::report::sanitize::terminal;
use crate::traffic::Analyzer;
use crate::traffic::flows::NameSource;
use crate::traffic::zeek::{LogKind, LogReader, MAX_LINE, Record, ZeekError};

/// Connection names (ssl.log, http.log) kept for joining with conn.log; more are counted.
const MAX_NAMED_CONNECTIONS: usize = 1_000_000;

/// What reading the logs gave, for the report.
#[derive(Debug, Default)]
pub struct ZeekOutcome {
    pub evidence_files: Vec<EvidenceFile>,
    pub notes: Vec<crate::model::Note>,
    /// Logs not read whole (a signal).
    pub interrupted: bool,
}

/// One log file and what it holds.
struct LogFile {
    path: PathBuf,
    kind: LogKind,
}

/// The logs of `inputs` (folders holding them, or the files), each with its kind, in the order
/// they must be read: names first (ssl, http), then DNS, then connections.
fn log_files(inputs: &[PathBuf], edge: &dyn Edge) -> Result<Vec<LogFile>> {
    let mut files = Vec::new();
    for input in inputs {
        let shown = terminal(&input.display().to_string()).into_owned();
        let meta = std::fs::metadata(input)
            .map_err(AnalyzeError::io(format!("reading Zeek logs {shown}")))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            for entry in
                std::fs::read_dir(input).map_err(AnalyzeError::io(format!("listing {shown}")))?
            {
                let path = entry
                    .map_err(AnalyzeError::io(format!("listing {shown}")))?
                    .path();
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let Some(kind) = name.as_deref().and_then(LogKind::from_path) else {
                    continue;
                };
                if !path.is_file() {
                    continue;
                }
                if name.as_deref().is_some_and(|n| n.ends_with(".gz")) {
                    return Err(AnalyzeError::Unusable(format!(
                        "{}: compressed Zeek logs are not read; decompress them first (gunzip)",
                        terminal(&path.display().to_string())
                    )));
                }
                found.push(LogFile { path, kind });
            }
            if !found.iter().any(|f| f.kind == LogKind::Conn) {
                return Err(AnalyzeError::Unusable(format!(
                    "{shown} holds no conn.log (Zeek's connection log, TSV or JSON): without it there is no traffic to analyse"
                )));
            }
            files.extend(found);
        } else {
            let name = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = match LogKind::from_path(&name) {
                Some(kind) => kind,
                None => sniff_kind(input, edge)?,
            };
            files.push(LogFile {
                path: input.clone(),
                kind,
            });
        }
    }
    files.sort_by(|a, b| {
        let order = |k: LogKind| match k {
            LogKind::Ssl | LogKind::Http => 0,
            LogKind::Dns => 1,
            LogKind::Conn => 2,
        };
        order(a.kind)
            .cmp(&order(b.kind))
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(files)
}

/// The kind of a log whose file name does not say, from its `#path` line or first entry.
fn sniff_kind(path: &Path, edge: &dyn Edge) -> Result<LogKind> {
    let shown = terminal(&path.display().to_string()).into_owned();
    let never = AtomicBool::new(false);
    let file = edge.open(path, "Zeek log", &never)?;
    let mut reader = LogReader::new(&shown, None);
    let mut lines = BufReader::new(file);
    let mut line = Vec::new();
    for number in 1..=64 {
        line.clear();
        if read_line(&mut lines, &mut line, &shown, number)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        reader.line(number, text.trim_end_matches('\n'))?;
        if let Some(kind) = reader.kind() {
            return Ok(kind);
        }
    }
    Err(AnalyzeError::Unusable(format!(
        "{shown}: not a Zeek conn, dns, ssl or http log (no #path line, no such entry, and the file name does not say)"
    )))
}

/// Reads one line of at most [`MAX_LINE`] bytes into `line`; the bytes read (0 at the end).
fn read_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    shown: &str,
    number: usize,
) -> Result<usize> {
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 2)
        .read_until(b'\n', line)
        .map_err(AnalyzeError::io(format!("reading {shown}")))?;
    if line.len() > MAX_LINE + 1 && !line.ends_with(b"\n") {
        return Err(ZeekError {
            file: shown.to_string(),
            line: number,
            reason: format!("line longer than {MAX_LINE} bytes"),
        }
        .into());
    }
    Ok(n)
}

/// Feeds the logs of `inputs` to the analyser (until `stop` is set): names from ssl.log and
/// http.log joined to conn.log's connections by uid, DNS answers from dns.log. The edge shows
/// the bytes read.
pub fn read(
    inputs: &[PathBuf],
    analyzer: &mut Analyzer,
    stop: &AtomicBool,
    edge: &dyn Edge,
) -> Result<ZeekOutcome> {
    let files = log_files(inputs, edge)?;
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let progress = edge.reading("reading Zeek logs", &paths);
    let mut outcome = ZeekOutcome::default();
    let mut names: HashMap<String, (NameSource, String)> = HashMap::new();
    let mut names_dropped = 0u64;
    let mut counts: HashMap<LogKind, (usize, u64)> = HashMap::new();
    for file in &files {
        let shown = terminal(&file.path.display().to_string()).into_owned();
        if stop.load(Ordering::Relaxed) {
            outcome.interrupted = true;
            outcome
                .notes
                .push(crate::model::Note::new("capture_not_read").arg("path", &shown));
            continue;
        }
        let handle = edge.open(&file.path, "Zeek log", stop)?;
        let mut hashing = HashingReader {
            inner: Metered::new(handle, progress.as_ref()),
            hasher: Sha256::new(),
        };
        let mut reader = LogReader::new(&shown, Some(file.kind));
        let mut records = 0u64;
        {
            let mut lines = BufReader::new(&mut hashing);
            let mut line = Vec::new();
            let mut number = 0usize;
            loop {
                line.clear();
                number += 1;
                let n = match read_line(&mut lines, &mut line, &shown, number) {
                    Ok(n) => n,
                    Err(_) if stop.load(Ordering::Relaxed) => {
                        outcome.interrupted = true;
                        break;
                    }
                    Err(e) => return Err(e),
                };
                if n == 0 {
                    break;
                }
                let Ok(text) = std::str::from_utf8(&line) else {
                    return Err(ZeekError {
                        file: shown.clone(),
                        line: number,
                        reason: "not UTF-8 text".into(),
                    }
                    .into());
                };
                let Some(record) = reader.line(number, text.trim_end_matches('\n'))? else {
                    continue;
                };
                records += 1;
                match record {
                    Record::Sni(named) | Record::HttpHost(named)
                        if names.len() >= MAX_NAMED_CONNECTIONS
                            && !names.contains_key(&named.uid) =>
                    {
                        names_dropped += 1;
                    }
                    Record::Sni(named) => {
                        names
                            .entry(named.uid)
                            .or_insert((NameSource::Sni, named.name));
                    }
                    Record::HttpHost(named) => {
                        names
                            .entry(named.uid)
                            .or_insert((NameSource::HttpHost, named.name));
                    }
                    Record::Dns(answer) => {
                        for (addr, chain) in answer.bindings() {
                            analyzer.learn_logged_dns(
                                answer.asker,
                                answer.server,
                                addr,
                                chain,
                                answer.ts_us,
                            );
                        }
                    }
                    Record::Conn(c) => analyzer.push_logged(&c.logged(names.get(&c.uid).cloned())),
                }
            }
        }
        let entry = counts.entry(file.kind).or_default();
        entry.0 += 1;
        entry.1 += records;
        if outcome.interrupted {
            outcome
                .notes
                .push(crate::model::Note::new("zeek_log_interrupted").arg("path", &shown));
            continue;
        }
        // The hash covers the whole file.
        std::io::copy(&mut hashing, &mut std::io::sink())
            .map_err(AnalyzeError::io(format!("reading {shown}")))?;
        outcome.evidence_files.push(EvidenceFile {
            path: file.path.display().to_string(),
            sha256: hex::encode(hashing.hasher.finalize()),
        });
    }
    let mut kinds: Vec<_> = counts.into_iter().collect();
    kinds.sort();
    let read: Vec<crate::model::Note> = kinds
        .iter()
        .map(|(kind, (files, records))| {
            crate::model::Note::new("zeek_kind_read")
                .arg("kind", kind.as_str())
                .arg("records", records)
                .arg("files", files)
        })
        .collect();
    outcome
        .notes
        .push(crate::model::Note::new("zeek_read").parts(read));
    if names_dropped > 0 {
        outcome.notes.push(
            crate::model::Note::new("zeek_names_dropped")
                .arg("dropped", names_dropped)
                .arg("max", MAX_NAMED_CONNECTIONS),
        );
    }
    Ok(outcome)
}
