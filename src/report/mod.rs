//! Rendering a [`Report`](crate::model::Report): report.json (the contract) and its JSON Schema,
//! a self-contained HTML page, Markdown, the inventory CSV, the terminal table, and SHA-256 sums.
//!
//! Pure: every renderer returns a `String`; where the files go is the CLI's job. Device-supplied
//! text is treated as hostile in every format (see [`sanitize`]).

mod case;
mod case_csv;
mod case_i18n;
mod connections_csv;
mod csv;
mod findings_view;
mod html;
mod i18n;
mod json;
mod markdown;
mod nmap_xml;
pub mod redact;
pub mod sanitize;
mod sums;
mod svg;
mod table;
mod vantage;
mod view;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
pub(crate) mod testdata;

pub use case_csv::render_case_csvs;
pub use connections_csv::{CONNECTION_COLUMNS, render_connections_csv};
pub use csv::{CSV_BOM, CSV_COLUMNS, render_csv};
pub(crate) use html::page_environment;
pub use html::{render_html, render_html_for};
pub use i18n::{EN, Labels, Lang, UnknownLang, ZH};
pub use json::{from_json, schema, to_json, validate};
pub use markdown::{render_markdown, render_markdown_for};
pub use nmap_xml::render_nmap_xml;
pub use redact::redact;
pub use sums::{sha256_hex, sums_file};
pub use table::{display_width, render_table, render_table_within};

/// Why a report could not be read or rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The text is not JSON.
    #[error("report.json is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON, but a field is missing or has the wrong type or value.
    #[error("report.json field `{path}` is wrong: {message}")]
    Shape { path: String, message: String },
    /// Written by an incompatible version of the report format.
    #[error("report.json has schema_version {found}, this camsweep reads \"{expected}\"")]
    SchemaVersion {
        found: String,
        expected: &'static str,
    },
    /// Valid JSON that does not match the report schema.
    #[error("report.json does not match the report schema: {}", errors.join("; "))]
    Schema { errors: Vec<String> },
    #[error("could not serialize the report: {0}")]
    Serialize(#[source] serde_json::Error),
    #[error("could not render the HTML report: {0:#}")]
    Template(#[source] minijinja::Error),
}
