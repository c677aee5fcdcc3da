//! One Parquet file of flat, nullable columns, written a row group at a time: rows are buffered
//! column by column and flushed once the buffer holds `ROW_GROUP_ROWS` rows or `ROW_GROUP_BYTES`
//! bytes of text, so memory stays bounded however many reports flow through.
//!
//! The low-level column writer of the `parquet` crate is enough for flat rows; arrow is not needed.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// Rows per row group at most (DuckDB and Spark read row groups of this size well).
const ROW_GROUP_ROWS: usize = 65_536;
/// Buffered bytes per file before a row group is flushed early.
const ROW_GROUP_BYTES: usize = 8 * 1024 * 1024;
/// What one buffered text value costs besides its bytes (the `ByteArray` handle and its allocation).
const VALUE_OVERHEAD: usize = 48;

/// A column's type as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    Text,
    /// 64-bit integer.
    Int,
    Bool,
    /// 64-bit float.
    Float,
    /// UTC instant, milliseconds since the epoch (Parquet TIMESTAMP(MILLIS, true)).
    Timestamp,
    /// Calendar date, days since 1970-01-01 (Parquet DATE).
    Date,
}

impl Kind {
    fn parquet(self) -> &'static str {
        match self {
            Kind::Text => "BYTE_ARRAY",
            Kind::Int | Kind::Timestamp => "INT64",
            Kind::Bool => "BOOLEAN",
            Kind::Float => "DOUBLE",
            Kind::Date => "INT32",
        }
    }

    fn annotation(self) -> &'static str {
        match self {
            Kind::Text => " (STRING)",
            Kind::Timestamp => " (TIMESTAMP(MILLIS,true))",
            Kind::Date => " (DATE)",
            Kind::Int | Kind::Bool | Kind::Float => "",
        }
    }
}

/// One value of a row; `None` inside is NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Float(Option<f64>),
    /// Milliseconds since the epoch.
    Timestamp(Option<i64>),
    /// Days since 1970-01-01.
    Date(Option<i32>),
}

enum Buffer {
    Text(Vec<ByteArray>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    Float(Vec<f64>),
    Date(Vec<i32>),
}

struct Column {
    defs: Vec<i16>,
    values: Buffer,
}

/// A Parquet file being written.
pub struct ParquetTable<W: Write + Send> {
    kinds: Vec<Kind>,
    columns: Vec<Column>,
    rows: usize,
    text_bytes: usize,
    writer: SerializedFileWriter<W>,
    /// Rows written in total, flushed or not.
    pub total_rows: u64,
    /// Row groups written so far; the writer keeps each one's metadata until the file is closed.
    pub row_groups: usize,
}

/// A problem writing a table.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("writing Parquet: {0}")]
    Parquet(#[from] ParquetError),
    #[error("row for table {table} has {got} values, the table has {want} columns")]
    Width {
        table: String,
        got: usize,
        want: usize,
    },
    #[error("column {column} of table {table} is {want:?}, the row gave {got:?}")]
    Type {
        table: String,
        column: usize,
        want: Kind,
        got: String,
    },
}

impl<W: Write + Send> ParquetTable<W> {
    /// Starts a file named `table` with the given `(name, kind)` columns, all nullable.
    pub fn new(table: &str, columns: &[(&str, Kind)], sink: W) -> Result<Self, TableError> {
        let mut message = format!("message {table} {{\n");
        for (name, kind) in columns {
            message.push_str(&format!(
                "  OPTIONAL {} {name}{};\n",
                kind.parquet(),
                kind.annotation()
            ));
        }
        message.push('}');
        let schema = Arc::new(parse_message_type(&message)?);
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                // Row-group statistics (what DuckDB and Spark prune with) but no page index: the
                // writer keeps every page's index entries in memory until the file is closed, which
                // with hive partitions (hundreds of open files) grew to hundreds of MB. Long text
                // bounds are cut to 64 bytes for the same reason.
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .set_statistics_truncate_length(Some(64))
                .set_created_by(format!("camsweep {}", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        let writer = SerializedFileWriter::new(sink, schema, props)?;
        Ok(Self {
            kinds: columns.iter().map(|(_, kind)| *kind).collect(),
            columns: columns
                .iter()
                .map(|(_, kind)| Column {
                    defs: Vec::new(),
                    values: match kind {
                        Kind::Text => Buffer::Text(Vec::new()),
                        Kind::Int | Kind::Timestamp => Buffer::Int(Vec::new()),
                        Kind::Bool => Buffer::Bool(Vec::new()),
                        Kind::Float => Buffer::Float(Vec::new()),
                        Kind::Date => Buffer::Date(Vec::new()),
                    },
                })
                .collect(),
            rows: 0,
            text_bytes: 0,
            writer,
            total_rows: 0,
            row_groups: 0,
        })
    }

    /// Adds one row; flushes a row group when the buffer is full.
    pub fn push(&mut self, table: &str, row: &[Cell<'_>]) -> Result<(), TableError> {
        if row.len() != self.columns.len() {
            return Err(TableError::Width {
                table: table.to_string(),
                got: row.len(),
                want: self.columns.len(),
            });
        }
        for (index, (cell, column)) in row.iter().zip(self.columns.iter_mut()).enumerate() {
            let present = match (cell, &mut column.values) {
                (Cell::Text(v), Buffer::Text(values)) => v.map(|text| {
                    self.text_bytes += text.len() + VALUE_OVERHEAD;
                    values.push(ByteArray::from(text.as_bytes().to_vec()));
                }),
                (Cell::Int(v) | Cell::Timestamp(v), Buffer::Int(values)) => {
                    v.map(|n| values.push(n))
                }
                (Cell::Bool(v), Buffer::Bool(values)) => v.map(|b| values.push(b)),
                (Cell::Float(v), Buffer::Float(values)) => v.map(|f| values.push(f)),
                (Cell::Date(v), Buffer::Date(values)) => v.map(|d| values.push(d)),
                (other, _) => {
                    return Err(TableError::Type {
                        table: table.to_string(),
                        column: index,
                        want: self.kinds[index],
                        got: format!("{other:?}"),
                    });
                }
            };
            column.defs.push(i16::from(present.is_some()));
        }
        self.rows += 1;
        self.total_rows += 1;
        if self.rows >= ROW_GROUP_ROWS || self.buffered_bytes() >= ROW_GROUP_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// About how much memory the buffered rows take.
    pub fn buffered_bytes(&self) -> usize {
        self.text_bytes + self.rows * self.columns.len() * 8
    }

    /// Writes the buffered rows as one row group.
    pub fn flush(&mut self) -> Result<(), TableError> {
        if self.rows == 0 {
            return Ok(());
        }
        self.row_groups += 1;
        let mut group = self.writer.next_row_group()?;
        for column in &mut self.columns {
            let Some(mut writer) = group.next_column()? else {
                break;
            };
            let defs = Some(column.defs.as_slice());
            match &mut column.values {
                Buffer::Text(values) => {
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(values, defs, None)?;
                    values.clear();
                }
                Buffer::Int(values) => {
                    writer
                        .typed::<Int64Type>()
                        .write_batch(values, defs, None)?;
                    values.clear();
                }
                Buffer::Bool(values) => {
                    writer.typed::<BoolType>().write_batch(values, defs, None)?;
                    values.clear();
                }
                Buffer::Float(values) => {
                    writer
                        .typed::<DoubleType>()
                        .write_batch(values, defs, None)?;
                    values.clear();
                }
                Buffer::Date(values) => {
                    writer
                        .typed::<Int32Type>()
                        .write_batch(values, defs, None)?;
                    values.clear();
                }
            }
            column.defs.clear();
            writer.close()?;
        }
        group.close()?;
        self.rows = 0;
        self.text_bytes = 0;
        Ok(())
    }

    /// Flushes the last row group and writes the footer. Returns the sink.
    pub fn finish(mut self) -> Result<W, TableError> {
        self.flush()?;
        Ok(self.writer.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::FileReader;
    use parquet::file::serialized_reader::SerializedFileReader;

    #[test]
    fn rows_round_trip_with_nulls_across_row_groups() {
        let columns = [
            ("name", Kind::Text),
            ("n", Kind::Int),
            ("ok", Kind::Bool),
            ("score", Kind::Float),
            ("at", Kind::Timestamp),
            ("day", Kind::Date),
        ];
        let mut table = ParquetTable::new("t", &columns, Vec::new()).unwrap();
        let rows = ROW_GROUP_ROWS + 10;
        for i in 0..rows {
            let name = format!("门店 {i}");
            table
                .push(
                    "t",
                    &[
                        Cell::Text(if i % 2 == 0 { Some(&name) } else { None }),
                        Cell::Int(Some(i as i64)),
                        Cell::Bool(Some(i % 3 == 0)),
                        Cell::Float(None),
                        Cell::Timestamp(Some(1_764_000_000_000)),
                        Cell::Date(Some(20_000)),
                    ],
                )
                .unwrap();
        }
        let bytes = table.finish().unwrap();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().num_rows(), rows as i64);
        assert_eq!(meta.num_row_groups(), 2);
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_an_error_not_a_corrupt_file() {
        let mut table = ParquetTable::new("t", &[("n", Kind::Int)], Vec::new()).unwrap();
        assert!(matches!(
            table.push("t", &[Cell::Text(Some("x"))]),
            Err(TableError::Type { .. })
        ));
        assert!(matches!(
            table.push("t", &[]),
            Err(TableError::Width { .. })
        ));
    }
}
