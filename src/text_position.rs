//! Where a byte offset of a text sits as the 1-based line and column an editor shows: one place
//! for every loader that names a file's line in its errors (signatures, rules, cloud endpoints,
//! site declarations).

/// 1-based line and column (in characters) of a byte offset in `text`. Scans the text: for an
/// error or two; a file with many offsets to place builds a [`LineIndex`] once.
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
    /// was built from. An offset past the end is the end; one inside a character is that
    /// character.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
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

    /// Offsets inside a line, at its newline, after and inside multi-byte characters.
    #[test]
    fn line_index_places_offsets_like_an_editor() {
        let text = "ab\n摄像机x\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 2), (1, 3));
        assert_eq!(index.line_col(text, 3), (2, 1));
        assert_eq!(index.line_col(text, 12), (2, 4));
        assert_eq!(index.line_col(text, 14), (3, 1));
        assert_eq!(index.line_col(text, 15), (4, 1));
        assert_eq!(index.line_col(text, 4), (2, 1));
        assert_eq!(index.line_col("", 0), (1, 1));
    }
}
