//! The integration tests: the built binary and the library's public API, end to end, in one test
//! binary (one link instead of twenty; libtest runs the modules' tests in parallel). Each module
//! was a test file of its own; helpers they share are in tests/common/.
//!
//!   cargo test --release --test integration                        every test here
//!   cargo test --release --test integration -- demo::              one module
//!   cargo test --release --test integration -- --ignored tshark_agreement::
//!                                                                   the tshark comparison
//!
//! The lab suites (namespaces, single-threaded processes) are tests/labs/; the browser test of
//! the case file is tests/html_chromium.rs.

// A test fails by panicking: expect() is its assertion (clippy.toml allows it inside #[test]
// functions; this covers the helpers they share).
#![allow(clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod arp_fallback;
mod cli;
mod credentials;
mod demo;
mod demo_interchange;
mod fleet_duckdb;
mod follow_up_scope;
mod full_disk;
mod fuzz_regressions;
mod integrity_fleet;
mod interrupt;
mod policy_cli;
mod probe_loopback;
mod redact;
mod report_schema;
mod signatures_eval;
mod supply_chain;
mod traffic_analyze;
mod tshark_agreement;
mod zeek_logs;
