//! The report paths of a fleet run, found one at a time: file arguments, folders searched
//! recursively for report.json, and `-` for a list of paths on stdin. Nothing holds the whole list.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// The file every report folder holds.
const REPORT_NAME: &str = "report.json";

/// Yields report paths in a stable order (arguments in order, folder entries sorted by name).
pub struct Inputs {
    args: VecDeque<PathBuf>,
    /// Folders still to search, deepest last.
    folders: Vec<PathBuf>,
    /// Reading paths from stdin (`-`).
    stdin: Option<std::io::Stdin>,
    /// A folder the search never enters (the output folder).
    skip: Option<PathBuf>,
}

impl Inputs {
    pub fn new(args: &[PathBuf], skip: Option<PathBuf>) -> Self {
        Self {
            args: args.iter().cloned().collect(),
            folders: Vec::new(),
            stdin: None,
            skip: skip.and_then(|p| p.canonicalize().ok()),
        }
    }

    /// The number of reports when every argument is a plain file (for a progress bar's length).
    pub fn known_len(args: &[PathBuf]) -> Option<u64> {
        args.iter()
            .all(|a| a.as_os_str() != "-" && !a.is_dir())
            .then_some(args.len() as u64)
    }

    fn search(&mut self, folder: &Path) -> std::io::Result<Option<PathBuf>> {
        if let (Some(skip), Ok(here)) = (&self.skip, folder.canonicalize())
            && *skip == here
        {
            return Ok(None);
        }
        let mut subfolders = Vec::new();
        let mut report = None;
        for entry in std::fs::read_dir(folder)? {
            let entry = entry?;
            // Symlinked folders are not followed: no loops, no escaping the folder given.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                subfolders.push(entry.path());
            } else if entry.file_name() == REPORT_NAME {
                report = Some(entry.path());
            }
        }
        subfolders.sort();
        self.folders.extend(subfolders.into_iter().rev());
        Ok(report)
    }
}

impl Iterator for Inputs {
    type Item = std::io::Result<PathBuf>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(folder) = self.folders.pop() {
                match self.search(&folder) {
                    Ok(Some(report)) => return Some(Ok(report)),
                    Ok(None) => continue,
                    Err(err) => {
                        return Some(Err(std::io::Error::new(
                            err.kind(),
                            format!("searching {}: {err}", folder.display()),
                        )));
                    }
                }
            }
            if let Some(stdin) = &self.stdin {
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(n) if n > 0 => {
                        let line = line.trim_end_matches(['\r', '\n']);
                        if line.trim().is_empty() {
                            continue;
                        }
                        let path = PathBuf::from(line);
                        if path.is_dir() {
                            self.folders.push(path);
                            continue;
                        }
                        return Some(Ok(path));
                    }
                    Ok(_) => self.stdin = None,
                    Err(err) => return Some(Err(err)),
                }
                continue;
            }
            let arg = self.args.pop_front()?;
            if arg.as_os_str() == "-" {
                self.stdin = Some(std::io::stdin());
            } else if arg.is_dir() {
                self.folders.push(arg);
            } else {
                return Some(Ok(arg));
            }
        }
    }
}
