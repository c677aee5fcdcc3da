//! The command-line edge: argument parsing, logging, progress, files, exit codes.
//! Library code below never prints; this module decides what the user sees.

mod analyze;
pub mod args;
mod commands;
mod demo;
mod fleet;
mod integrity;
mod lab;
pub mod output;
pub mod plan;
mod policy;
mod progress;

use clap::Parser;
use std::process::ExitCode;

pub use args::Cli;

/// Exit code: done, nothing to flag.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: done, and findings (for `scan`: camera or face devices) present.
pub const EXIT_FLAGGED: u8 = 1;
/// Exit code: error.
pub const EXIT_ERROR: u8 = 2;

/// The program: parse arguments, run the command, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    // The demo enters its own user and network namespaces; that must happen while the process is
    // still single-threaded, so before the async runtime starts.
    let builds_lab = match &cli.command {
        args::Command::Demo(_) => true,
        args::Command::Lab(lab) => !lab.list,
        _ => false,
    };
    if builds_lab && let Err(err) = crate::lab::enter_lab_namespaces() {
        eprintln!("error: cannot build the simulated store: {err}");
        return ExitCode::from(EXIT_ERROR);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: starting the async runtime: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "camsweep=info",
        2 => "camsweep=debug",
        _ => "camsweep=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAMSWEEP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
