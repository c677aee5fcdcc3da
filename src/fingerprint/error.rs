//! Errors of the signature database: every one names the file and, where it has one, the
//! line and column, so a broken signature file can be fixed without guessing.

use std::ops::Range;
use std::path::PathBuf;

/// A signature file or directory that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The file is not valid TOML or does not fit the format (unknown field, wrong type, …).
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The file parses but a signature in it breaks a rule (bad regex, duplicate id, …).
    #[error("{file}:{line}:{column}: signature `{id}`: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        id: String,
        message: String,
    },
    /// A line of the MAC prefix table is malformed.
    #[error("{file}:{line}: {message}")]
    Oui {
        file: String,
        line: usize,
        message: String,
    },
    /// A required part of a signature directory is missing.
    #[error("{path}: {what} is missing")]
    Missing { path: PathBuf, what: &'static str },
    /// Reading a signature directory failed.
    #[error("reading {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// 1-based line and column of a byte offset in `text`. Scans the text: for one-off use (tests);
/// a file with many offsets to place builds a [`LineIndex`] once.
#[cfg(test)]
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

/// Where each line of a text starts, computed once per file so placing every signature and
/// example of a large generated file (hundreds of them) costs a binary search each instead of a
/// scan from the file's start.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    /// Byte offset of the first character of each line; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of a byte offset in `text`, the text this index
    /// was built from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        // The last line start at or before the offset.
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let column = text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

/// Where in a file something was found, for building errors.
#[derive(Debug, Clone)]
pub(crate) struct FileCtx<'a> {
    pub name: &'a str,
    pub text: &'a str,
    lines: LineIndex,
}

impl<'a> FileCtx<'a> {
    pub fn new(name: &'a str, text: &'a str) -> FileCtx<'a> {
        FileCtx {
            name,
            text,
            lines: LineIndex::new(text),
        }
    }

    /// 1-based line and column of a byte offset in this file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(self.text, offset)
    }

    /// 1-based line of a byte offset in this file.
    pub fn line(&self, offset: usize) -> usize {
        self.line_col(offset).0
    }

    pub fn parse_error(&self, err: &toml::de::Error) -> SignatureError {
        let (line, column) = err.span().map_or((1, 1), |span| self.line_col(span.start));
        SignatureError::Parse {
            file: self.name.to_string(),
            line,
            column,
            message: err.message().trim().to_string(),
        }
    }

    pub fn invalid(
        &self,
        span: Range<usize>,
        id: &str,
        message: impl Into<String>,
    ) -> SignatureError {
        let (line, column) = self.line_col(span.start);
        SignatureError::Invalid {
            file: self.name.to_string(),
            line,
            column,
            id: id.to_string(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets map to the 1-based line and column an editor shows.
    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbb = 2\n  regx = 3\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 15), (3, 3));
        assert_eq!(line_col(text, 10_000), (4, 1));
    }

    /// Offsets inside a line, at its newline, and after multi-byte characters.
    #[test]
    fn line_index_places_offsets_like_an_editor() {
        let text = "ab\n摄像机x\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 2), (1, 3));
        assert_eq!(index.line_col(text, 3), (2, 1));
        assert_eq!(index.line_col(text, 12), (2, 4));
        assert_eq!(index.line_col(text, 14), (3, 1));
        assert_eq!(index.line_col(text, 15), (4, 1));
        assert_eq!(index.line_col("", 0), (1, 1));
    }
}
