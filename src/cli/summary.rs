//! What the terminal shows after `audit`, `analyze` and `demo`, below the device table: findings
//! by severity, the devices that upload and where to, and how many points are left to verify on
//! site. An inspector sees the outcome without opening report.html.

use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::locale::{fill, label_table};
use crate::model::{Report, Severity};
use crate::report::sanitize::visible;
use crate::report::{Lang, display_width};

label_table! {
    /// The summary's lines (locale file, `[terminal_summary.*]`).
    pub struct SummaryLabels in "terminal_summary" {
        pub severity_count: &'static str,
        pub counts_sep: &'static str,
        pub findings: &'static str,
        pub uploaders: &'static str,
        pub more: &'static str,
        pub to_verify: &'static str,
        pub report: &'static str,
    }
}

static ZH: LazyLock<SummaryLabels> = LazyLock::new(|| SummaryLabels::load(true));
static EN: LazyLock<SummaryLabels> = LazyLock::new(|| SummaryLabels::load(false));

/// The summary's labels in `lang`.
pub fn labels(lang: Lang) -> &'static SummaryLabels {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// Destinations named per uploading device before "+N more".
const DESTINATIONS_SHOWN: usize = 3;

/// The terminal width to fit output to: the terminal's when stdout is one, else `COLUMNS`,
/// else unlimited (a pipe or a file gets whole lines).
pub fn terminal_columns() -> usize {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return usize::from(w).max(40);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&c| c >= 40)
        .unwrap_or(usize::MAX)
}

/// How many points report.json lists under `to_verify` (things only a visit can settle); 0 when
/// the report has no such field. Read from the JSON text so reports with and without the field
/// both work.
pub fn to_verify_count(report_json: &str) -> usize {
    serde_json::from_str::<serde_json::Value>(report_json)
        .ok()
        .and_then(|v| v.get("to_verify").and_then(|t| t.as_array()).map(Vec::len))
        .unwrap_or(0)
}

/// The summary lines, each cut to `columns`.
pub fn render(report: &Report, lang: Lang, to_verify: usize, columns: usize) -> String {
    let t = lang.labels();
    let l = labels(lang);
    let mut lines = Vec::new();

    let counts: Vec<String> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|sev| {
        let n = report.findings.iter().filter(|f| f.severity == sev).count();
        let severity = t.severity(sev).to_lowercase();
        fill(
            l.severity_count,
            &[("severity", &severity), ("n", &n.to_string())],
        )
    })
    .collect();
    let conditional = report.findings.iter().filter(|f| f.conditional).count();
    lines.push(fill(
        l.findings,
        &[
            ("total", &report.findings.len().to_string()),
            ("counts", &counts.join(l.counts_sep)),
            ("conditional", &conditional.to_string()),
        ],
    ));

    let uploaders: Vec<_> = report
        .devices
        .iter()
        .filter(|d| d.cloud_contacts.iter().any(|c| c.upload))
        .collect();
    lines.push(fill(l.uploaders, &[("n", &uploaders.len().to_string())]));
    for device in uploaders {
        let mut uploads: Vec<_> = device.cloud_contacts.iter().filter(|c| c.upload).collect();
        uploads.sort_by_key(|c| std::cmp::Reverse(c.bytes_up));
        let names: Vec<String> = uploads
            .iter()
            .take(DESTINATIONS_SHOWN)
            .map(|c| {
                let name = c.name.as_deref().unwrap_or(&c.destination);
                match &c.provider {
                    Some(provider) => format!("{name} ({provider}, {})", bytes(c.bytes_up)),
                    None => format!("{name} ({})", bytes(c.bytes_up)),
                }
            })
            .collect();
        let more = uploads.len().saturating_sub(DESTINATIONS_SHOWN);
        let more = match more {
            0 => String::new(),
            n => fill(l.more, &[("n", &n.to_string())]),
        };
        let who = [
            Some(device.ip.as_str()),
            device.identity.vendor.as_deref(),
            device.identity.model.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        lines.push(format!("  {who} → {}{more}", names.join(", ")));
    }

    lines.push(fill(l.to_verify, &[("to_verify", &to_verify.to_string())]));

    let mut out = String::new();
    for line in lines {
        let _ = writeln!(out, "{}", cut(&visible(&line), columns));
    }
    out
}

/// Bytes as the report shows them: B, KB, MB, GB (powers of 1000).
#[allow(clippy::cast_precision_loss)] // display only
fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.1} GB", n as f64 / 1e9),
    }
}

/// `text` cut to `columns` display columns, ending in `…` when cut.
fn cut(text: &str, columns: usize) -> String {
    if display_width(text) <= columns {
        return text.to_string();
    }
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if width + w + 1 > columns {
            break;
        }
        out.push(c);
        width += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn labels_are_in_the_locale_file() {
        crate::locale::assert_section_has_exactly(SummaryLabels::SECTION, SummaryLabels::KEYS);
        assert_eq!(labels(Lang::Zh).report, "报告");
        assert_eq!(labels(Lang::En).report, "report");
    }

    #[test]
    fn counts_findings_uploads_and_points_to_verify() {
        let mut report = sample_report();
        let mut extra = report.findings[1].clone();
        extra.severity = Severity::High;
        report.findings.push(extra);
        let critical = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Critical)
            .count();
        let high = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::High)
            .count();
        let uploader = report
            .devices
            .iter()
            .find(|d| d.cloud_contacts.iter().any(|c| c.upload))
            .expect("the sample has an uploading device");
        let contact = uploader.cloud_contacts.iter().find(|c| c.upload).unwrap();
        let destination = contact
            .name
            .clone()
            .unwrap_or_else(|| contact.destination.clone());
        let ip = uploader.ip.clone();

        let en = render(&report, Lang::En, 4, usize::MAX);
        let total = report.findings.len();
        assert!(
            en.contains(&format!(
                "Findings: {total} ({critical} critical, {high} high, 0 medium"
            )),
            "{en}"
        );
        assert!(en.contains("Devices uploading to a cloud: 1"), "{en}");
        let line = en
            .lines()
            .find(|l| l.contains(&ip))
            .expect("uploader listed");
        assert!(line.contains(&format!("→ {destination}")), "{en}");
        assert!(en.contains("To verify on site: 4"), "{en}");

        let zh = render(&report, Lang::Zh, 0, usize::MAX);
        assert!(zh.contains(&format!("问题 {total} 项")), "{zh}");
        assert!(zh.contains("向云端上传内容的设备：1 台"), "{zh}");
        assert!(zh.contains("需现场核实：0 项"), "{zh}");
        for line in render(&report, Lang::Zh, 0, 40).lines() {
            assert!(display_width(line) <= 40, "{line}");
        }
    }

    #[test]
    fn to_verify_is_read_when_present_and_zero_when_absent() {
        assert_eq!(to_verify_count(r#"{"to_verify": [{}, {}]}"#), 2);
        assert_eq!(to_verify_count(r#"{"devices": []}"#), 0);
        assert_eq!(to_verify_count("not json"), 0);
    }

    #[test]
    fn sizes_read_like_the_report() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(2_500_000), "2.5 MB");
    }
}
