//! Where report files go and how they are written: each to a temporary file, then renamed, so no
//! half-written report is ever left behind; a SHA256SUMS beside them lets an inspector prove them unchanged.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

use crate::cli::args::Format;
use crate::model::Report;
use crate::report::{self, Lang};

/// `reports/<UTC timestamp><suffix>/` under the current directory.
pub fn default_out_dir(suffix: &str) -> PathBuf {
    let now = OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    PathBuf::from("reports").join(format!("{stamp}{suffix}"))
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(path)
}

/// Writes report.json (unless `json` is None) and the chosen renderings, then SHA256SUMS over all of them.
pub fn write_report_files(
    dir: &Path,
    report: &Report,
    json: Option<&str>,
    formats: &[Format],
    lang: Lang,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating output folder {}", dir.display()))?;
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(json) = json {
        written.push(("report.json".into(), json.as_bytes().to_vec()));
    }
    for format in formats {
        let (name, bytes) = match format {
            Format::Html => (
                "report.html",
                report::render_html(report, lang)?.into_bytes(),
            ),
            Format::Md => (
                "report.md",
                report::render_markdown(report, lang).into_bytes(),
            ),
            Format::Csv => ("inventory.csv", report::render_csv(report).into_bytes()),
        };
        written.push((name.into(), bytes));
    }
    let mut paths = Vec::new();
    let mut sums = Vec::new();
    for (name, bytes) in &written {
        paths.push(write_atomic(dir, name, bytes)?);
        sums.push((name.clone(), report::sha256_hex(bytes)));
    }
    paths.push(write_atomic(
        dir,
        "SHA256SUMS",
        report::sums_file(&sums).as_bytes(),
    )?);
    Ok(paths)
}
