//! The lab suites: camsweep against simulated stores built in network namespaces of their own
//! (nothing reaches a real network). One test binary without libtest's harness (`harness =
//! false` in Cargo.toml): the kernel grants a user namespace only to a single-threaded process,
//! and libtest starts threads. harness.rs runs each suite in a process of its own.
//!
//!   cargo test --release --test labs                          every suite
//!   cargo test --release --test labs -- hostile_lab           one suite
//!   cargo test --release --test labs -- identification_under one check
//!   cargo test --release --test labs -- --list                the checks
//!   cargo test --release --test labs -- --bench-rates 5       live capture's rate table
//!
//! When namespaces cannot be created a suite fails with the kernel's reason; it never skips.

// A test fails by panicking: expect() is its assertion (clippy.toml allows it inside #[test]
// functions; this covers the helpers they share).
#![allow(clippy::expect_used)]
// Measurements (rates, percentages, MiB) are printed and compared within tolerances.
#![allow(clippy::cast_precision_loss)]

mod harness;

mod bench_lab;
mod bridge_lab;
mod hostile_lab;
mod intercept_lab;
mod lab_namespaces;
mod lab_no_listen;
mod live_capture;

use harness::Suite;

/// Every lab suite, in the order they run (the order cargo ran them as separate binaries).
const SUITES: &[Suite] = &[
    Suite {
        name: "bench_lab",
        checks: bench_lab::checks,
        main: bench_lab::main,
    },
    Suite {
        name: "bridge_lab",
        checks: bridge_lab::checks,
        main: bridge_lab::main,
    },
    Suite {
        name: "hostile_lab",
        checks: hostile_lab::checks,
        main: hostile_lab::main,
    },
    Suite {
        name: "intercept_lab",
        checks: intercept_lab::checks,
        main: intercept_lab::main,
    },
    Suite {
        name: "lab_namespaces",
        checks: lab_namespaces::checks,
        main: lab_namespaces::main,
    },
    Suite {
        name: "lab_no_listen",
        checks: lab_no_listen::checks,
        main: lab_no_listen::main,
    },
    Suite {
        name: "live_capture",
        checks: live_capture::checks,
        main: live_capture::main,
    },
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // scripts/bench-live-capture.sh: a measurement, not a test (prints docs/benchmarks.md's table).
    if let Some(at) = args.iter().position(|a| a == "--bench-rates") {
        let secs = args.get(at + 1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
        live_capture::bench_rates(secs);
        return;
    }
    harness::main(SUITES);
}
