//! Errors of the signature database: every one names the file and, where it has one, the
//! line and column, so a broken signature file can be fixed without guessing.

use std::ops::Range;
use std::path::PathBuf;

use crate::text_position::LineIndex;

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
