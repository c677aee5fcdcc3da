//! Rolling many shops' reports into one summary for a chain's compliance team: per shop what was
//! found and where it uploads, and totals across the chain. Pure: the CLI reads the reports.

mod csv;
mod html;
mod summary;

pub use csv::render_csv;
pub use html::render_html;
pub use summary::{CloudUpload, Fleet, FleetTotals, ShopSummary, summarize};
