//! The command-line edge: argument parsing, logging, progress, files, exit codes.
//! Library code below never prints; this module decides what the user sees.

mod analyze;
pub mod args;
mod authorisation;
mod commands;
mod countdown;
mod demo;
mod examples;
mod fleet;
mod guard;
mod integrity;
mod lab;
mod locale;
pub mod output;
mod packaging;
pub mod plan;
mod policy;
mod progress;
mod read_progress;
mod render;
mod signals;
mod summary;
mod targets_file;

use std::process::ExitCode;

pub use args::Cli;

/// Exit code: done, nothing to flag.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: done, and findings (for `scan`: camera or face devices) present.
pub const EXIT_FLAGGED: u8 = 1;
/// Exit code: error.
pub const EXIT_ERROR: u8 = 2;
/// Exit code: the report was written but is partial because a capture was damaged (read up to
/// the damage, offset in `scan.damaged_captures`; a live capture a receive error ended early is
/// listed there too) or the `--write-pcap` file could not be written in full (disk full).
pub const EXIT_PARTIAL: u8 = 3;
// An interrupted run (SIGINT, SIGTERM) writes its partial report and exits 130 or 143
// (128 + the signal number, `app::Signal::exit_code`).

/// How long, after the command is done, threads still blocked in I/O (a capture waiting for a
/// frame) may take before the process exits anyway.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// The program: parse arguments, run the command, map the outcome to an exit code.
pub fn main() -> ExitCode {
    locale::init_from_env();
    // clap's own messages quote the bad value; it goes through the terminal escaping too.
    let parsed = locale::localize(<Cli as clap::CommandFactory>::command())
        .try_get_matches()
        .and_then(|matches| {
            locale::set_lang_explicit(locale::lang_given(&matches));
            <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
        });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            eprint!("{}", output::terminal(&err.to_string()));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    guard::set_limits(guard::InputLimits {
        max_input_size: cli.max_input_size,
        allow_special_files: cli.allow_special_files,
    });
    init_logging(cli.verbose);
    // The demo enters its own user and network namespaces; that must happen while the process is
    // still single-threaded, so before the async runtime starts.
    let builds_lab = match &cli.command {
        args::Command::Demo(_) => true,
        args::Command::Lab(lab) => !lab.list,
        _ => false,
    };
    if builds_lab && let Err(err) = crate::lab::enter_lab_namespaces() {
        eprintln!(
            "{}",
            locale::fill(
                "error: cannot build the simulated store: {}",
                // With its cause (the lab's errors keep the OS error as their source).
                &[&output::terminal(&format!("{:#}", anyhow::Error::new(err)))]
            )
        );
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
    let outcome = runtime.block_on(commands::run(cli));
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    match outcome {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`camsweep rules list | head`): nothing left to say to anyone.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(EXIT_CLEAN),
        Err(err) => {
            guard::remove_unused_out_dirs();
            eprintln!("{}", output::terminal(&locale::error_message(&err)));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// True when the error comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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
