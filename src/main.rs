//! The camsweep binary: all work is in the library.

fn main() -> std::process::ExitCode {
    camsweep::cli::main()
}
