//! `fleet`: reads and validates every shop's report.json, then writes the chain summary.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

use super::EXIT_CLEAN;
use super::args::FleetArgs;
use super::commands::lang;
use super::output;
use crate::fleet;
use crate::model::Report;
use crate::report;

pub fn run(args: &FleetArgs) -> Result<u8> {
    let mut reports: Vec<(String, Report)> = Vec::new();
    for path in &args.reports {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        report::validate(&text)
            .with_context(|| format!("{} is not a valid camsweep report", path.display()))?;
        let parsed = report::from_json(&text)
            .with_context(|| format!("{} is not a camsweep report", path.display()))?;
        let parsed = if args.output.redact {
            report::redact(&parsed)
        } else {
            parsed
        };
        reports.push((shop_label(path), parsed));
    }
    let summary = fleet::summarize(&reports);
    let json = serde_json::to_string_pretty(&summary).context("serialising fleet.json")?;
    let out: PathBuf = args
        .out
        .clone()
        .unwrap_or_else(|| output::default_out_dir("-fleet"));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("creating output folder {}", out.display()))?;
    let files = [
        ("fleet.json", format!("{json}\n").into_bytes()),
        ("fleet.csv", fleet::render_csv(&summary).into_bytes()),
        (
            "fleet.html",
            fleet::render_html(&summary, lang(args.output.lang)).into_bytes(),
        ),
    ];
    let mut sums = Vec::new();
    for (name, bytes) in &files {
        output::write_atomic(&out, name, bytes)?;
        sums.push((name.to_string(), report::sha256_hex(bytes)));
    }
    // The same SHA256SUMS a report folder has, so `camsweep sign` works on a fleet folder too.
    output::write_atomic(&out, "SHA256SUMS", report::sums_file(&sums).as_bytes())?;
    if args.output.json {
        println!("{json}");
    }
    eprintln!(
        "{} shops, {} devices; wrote fleet.json, fleet.csv, fleet.html in {}",
        summary.totals.shops,
        summary.totals.devices,
        out.display()
    );
    Ok(EXIT_CLEAN)
}

/// A report's folder names the shop when the report declares no site name.
fn shop_label(path: &Path) -> String {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.display().to_string(),
        _ => path.display().to_string(),
    }
}
