//! Rolling many shops' reports into one summary for a chain's compliance team or a regulator: per
//! shop what was found and where it uploads, totals across the chain, and device-level Parquet
//! tables that DuckDB, Spark and ClickHouse query in place. Everything is a fold over one report
//! at a time, so memory does not grow with the number of reports. Pure: the CLI reads the reports
//! and opens the files.

mod csv;
mod html;
mod intake;
mod json;
mod parquet_table;
mod shop;
mod summary;
mod tables;

pub use csv::{FLEET_CSV_COLUMNS, FleetCsv};
pub use html::FleetHtml;
pub use intake::{DEFAULT_MAX_REPORT_BYTES, Intake, IntakeError, Taken};
pub use json::{FleetJson, LISTED, SetAside, Trailer};
pub use parquet_table::{Cell, Kind, ParquetTable, TableError};
pub use shop::{ADDRESSES_FILE, AddressConvention, RuleJurisdictions, ShopContext};
pub use summary::{CloudUpload, FLEET_SCHEMA, FleetTotals, ShopSummary, shop_summary};
pub use tables::{FinishedFile, Partition, TABLES, TableSet, TablesError, columns, hive_safe};
