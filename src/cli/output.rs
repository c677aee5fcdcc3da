//! Where report files go and how they are written: each to a temporary file, then renamed, so no
//! half-written report is ever left behind; a SHA256SUMS beside them lets an inspector prove them unchanged.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

use crate::cli::args::Format;
use crate::model::Report;
use crate::report::{self, Lang};

pub use crate::report::sanitize::terminal;

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

/// Writes `bytes` to `dir/name` through a temporary file and a rename. A failed write (disk full)
/// removes the temporary file and leaves any earlier `dir/name` as it was.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let written = write_synced(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(err) = written {
        let _ = std::fs::remove_file(&tmp);
        let hint = if err.raw_os_error() == Some(NO_SPACE) {
            " (the disk is full: free space or choose another --out)"
        } else {
            ""
        };
        return Err(anyhow::Error::new(err).context(format!("writing {}{hint}", path.display())));
    }
    Ok(path)
}

/// ENOSPC.
const NO_SPACE: i32 = 28;

/// Writes and syncs a file, so a rename never publishes bytes still only in the page cache.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The report.json text the renderings are made from, and whether to write it into the folder.
pub struct ReportJson<'a> {
    pub text: &'a str,
    pub write: bool,
}

/// Writes report.json (when asked) and the chosen renderings, then SHA256SUMS over all of them. The
/// renderings name the SHA-256 of `json.text`, the report.json they are rendered from.
pub fn write_report_files(
    dir: &Path,
    report: &Report,
    json: ReportJson<'_>,
    formats: &[Format],
    lang: Lang,
    extra: &[(&str, &[u8])],
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating output folder {}", dir.display()))?;
    let json_sha256 = report::sha256_hex(json.text.as_bytes());
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    if json.write {
        written.push(("report.json".into(), json.text.as_bytes().to_vec()));
    }
    // Beside report.json, for the tools that import nmap's XML (runZero, DefectDojo, Metasploit).
    written.push((
        "report.nmap.xml".into(),
        report::render_nmap_xml(report).into_bytes(),
    ));
    for format in formats {
        match format {
            Format::Html => written.push((
                "report.html".into(),
                report::render_html_for(report, lang, &json_sha256)?.into_bytes(),
            )),
            Format::Md => written.push((
                "report.md".into(),
                report::render_markdown_for(report, lang, &json_sha256).into_bytes(),
            )),
            Format::Csv => {
                written.push((
                    "inventory.csv".into(),
                    report::render_csv(report).into_bytes(),
                ));
                for (name, text) in report::render_case_csvs(report, lang, &json_sha256) {
                    written.push((name.into(), text.into_bytes()));
                }
            }
        }
    }
    // Files beside the report that it is not rendered from (connections.csv): covered by
    // SHA256SUMS like the rest.
    written.extend(
        extra
            .iter()
            .map(|(name, bytes)| ((*name).to_string(), bytes.to_vec())),
    );
    let mut paths = Vec::new();
    let mut sums = Vec::new();
    for (name, bytes) in &written {
        let path = write_atomic(dir, name, bytes)
            .map_err(|e| anyhow::anyhow!("{e:#}; {}", kept(&paths)))?;
        paths.push(path);
        sums.push((name.clone(), report::sha256_hex(bytes)));
    }
    let sums_path = write_atomic(dir, "SHA256SUMS", report::sums_file(&sums).as_bytes())
        .map_err(|e| anyhow::anyhow!("{e:#}; {}", kept(&paths)))?;
    paths.push(sums_path);
    Ok(paths)
}

/// What a failed write leaves: the files written whole before it.
fn kept(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        "no report file was written".to_string()
    } else {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        format!("kept, complete: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::terminal;

    #[test]
    fn escapes_and_bidi_never_reach_the_terminal() {
        let shown = terminal("bad \u{1b}]0;owned\u{7}name \u{202e}gpj.exe\nnext\tline");
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}') && !shown.contains('\u{202e}')
        );
        assert!(
            shown.contains("\\x1b") && shown.contains("\\u{202e}"),
            "{shown}"
        );
        assert!(shown.contains("\nnext\tline"), "{shown}");
    }
}
