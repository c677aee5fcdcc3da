//! Rendering a finished report: the files of its folder, the terminal table and summary, the
//! partial-report warnings and the exit code. Shared by the subcommands that write a report
//! (audit, analyze, demo), which all import it and nothing imports back.

use anyhow::Result;
use std::io::Write;
use std::path::Path;

use super::args::{Format, LangArg, OutputOptions};
use super::{EXIT_CLEAN, EXIT_FLAGGED, EXIT_PARTIAL, locale, output, summary};
use crate::app::Signal;
use crate::model::Report;
use crate::report::{self, Lang};

/// The report language a `--lang` names.
pub fn lang(arg: LangArg) -> Lang {
    match arg {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    }
}

/// Writes the files (redacted with `--redact`), prints the table (or the JSON), and picks the
/// exit code.
pub fn finish_report(
    report: &Report,
    out: &Path,
    options: &OutputOptions,
    quiet: bool,
) -> Result<u8> {
    finish_report_with(report, out, options, quiet, &[])
}

/// [`finish_report`], with files written beside the report (connections.csv) that SHA256SUMS
/// covers too.
pub fn finish_report_with(
    report: &Report,
    out: &Path,
    options: &OutputOptions,
    quiet: bool,
    extra: &[(&str, &[u8])],
) -> Result<u8> {
    let redacted;
    let report = if options.redact {
        redacted = report::redact(report);
        &redacted
    } else {
        report
    };
    let json_to_stdout = options.json;
    let lang = lang(options.lang);
    // The files are in the report's language; the terminal in the reader's (see cli::locale).
    let shown = locale::terminal_lang(lang);
    let json = report::to_json(report)?;
    output::write_report_files(
        out,
        report,
        output::ReportJson {
            text: &json,
            write: true,
        },
        &[Format::Html, Format::Md, Format::Csv],
        lang,
        extra,
    )?;
    let mut stdout = std::io::stdout().lock();
    if json_to_stdout {
        writeln!(stdout, "{json}")?;
    } else if !quiet {
        let columns = summary::terminal_columns();
        write!(
            stdout,
            "{}",
            report::render_table_within(report, shown, use_color(), columns)
        )?;
        let to_verify = summary::to_verify_count(&json);
        write!(
            stdout,
            "{}",
            summary::render(report, shown, to_verify, columns)
        )?;
        writeln!(
            stdout,
            "{}: {}",
            summary::labels(shown).report,
            out.join("report.html").display()
        )?;
    }
    tell_partial(report, Some(out));
    Ok(exit_code(
        report,
        if report.findings.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_FLAGGED
        },
    ))
}

/// Says on stderr why a report is partial: the signal that interrupted it, the capture damage.
pub fn tell_partial(report: &Report, out: Option<&Path>) {
    for damage in &report.scan.damaged_captures {
        eprintln!(
            "{}",
            locale::fill(
                "warning: {}",
                &[&output::terminal(
                    &damage.note().text(locale::ui() == Lang::Zh)
                )]
            )
        );
    }
    if let Some(signal) = &report.scan.interrupted_by {
        match out {
            Some(out) => eprintln!(
                "{}",
                locale::fill(
                    "interrupted by {}: partial report (scan.complete = false) written to {}",
                    &[signal, &output::terminal(&out.display().to_string())]
                )
            ),
            None => eprintln!(
                "{}",
                locale::fill(
                    "interrupted by {}: the results above are partial",
                    &[signal]
                )
            ),
        }
    }
}

/// The exit code of a run that wrote `report`: 130/143 when a signal interrupted it, 3 when a
/// capture was damaged, else `done` (0 or 1).
pub fn exit_code(report: &Report, done: u8) -> u8 {
    match report.scan.interrupted_by.as_deref() {
        Some("SIGTERM") => Signal::Terminate.exit_code(),
        Some(_) => Signal::Interrupt.exit_code(),
        None if !report.scan.damaged_captures.is_empty() => EXIT_PARTIAL,
        None => done,
    }
}

pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
