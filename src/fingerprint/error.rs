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
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// 1-based line and column of a byte offset in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Where in a file something was found, for building errors.
#[derive(Debug, Clone)]
pub(crate) struct FileCtx<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl FileCtx<'_> {
    pub fn parse_error(&self, err: &toml::de::Error) -> SignatureError {
        let (line, column) = err
            .span()
            .map_or((1, 1), |span| line_col(self.text, span.start));
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
        let (line, column) = line_col(self.text, span.start);
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
}
