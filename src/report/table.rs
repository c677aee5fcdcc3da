//! The terminal summary: an aligned table of devices and one summary line.

use unicode_width::UnicodeWidthStr;

use crate::model::{FaceRecognition, Report};

use super::i18n::Lang;
use super::sanitize::visible;
use super::view::{percent, reading_order, summary};

const RED_BOLD: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Widest a column may grow before its values are cut with `…`.
const MAX_COLUMN: usize = 28;

/// Display width in terminal columns (CJK characters count two).
pub fn display_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Cuts `text` to at most `max` columns, ending in `…` when cut.
fn fit(text: &str, max: usize) -> String {
    if display_width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if width + w + 1 > max {
            break;
        }
        out.push(c);
        width += w;
    }
    out.push('…');
    out
}

fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// Terminal-safe text: control characters shown escaped, then cut to the column limit.
fn cell(value: Option<&str>) -> String {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => fit(&visible(v), MAX_COLUMN),
        None => "-".to_string(),
    }
}

/// The device table (surveillance devices first, face-capable ones marked `!`) followed by the
/// summary line, e.g. `21 hosts, 17 surveillance devices (4 face-capable)`. With `color`, the
/// face-capable rows are red and the rest of the non-surveillance hosts dim.
pub fn render_table(report: &Report, lang: Lang, color: bool) -> String {
    render_table_within(report, lang, color, usize::MAX)
}

/// Narrowest the vendor, model and type columns get when the table is fitted to a terminal.
const MIN_NAME_COLUMN: usize = 8;

/// [`render_table`] fitted to a terminal `columns` wide: the vendor, model and type columns are
/// narrowed, down to [`MIN_NAME_COLUMN`], until a row fits, so an 80-column
/// terminal shows one line per device instead of wrapped ones.
pub fn render_table_within(report: &Report, lang: Lang, color: bool, columns: usize) -> String {
    let t = lang.labels();
    let headers = [
        t.ip,
        t.vendor,
        t.model,
        t.device_type,
        t.face_recognition,
        t.confidence,
    ];
    let devices = reading_order(report);
    let full: Vec<[String; 6]> = devices
        .iter()
        .map(|d| {
            let id = &d.identity;
            [
                cell(Some(&d.ip)),
                cell(id.vendor.as_deref()),
                cell(id.model.as_deref()),
                id.type_label(lang.code()),
                t.face(id.face_recognition).to_string(),
                percent(id.confidence),
            ]
        })
        .collect();
    let measure = |rows: &[[String; 6]]| {
        let mut widths = headers.map(display_width);
        for row in rows {
            for (width, value) in widths.iter_mut().zip(row) {
                *width = (*width).max(display_width(value));
            }
        }
        widths
    };
    // Mark (2) + cells + two spaces between each.
    let total = |widths: &[usize; 6]| 2 + widths.iter().sum::<usize>() + 2 * 5;
    // The vendor, model and type columns give way, widest first, down to MIN_NAME_COLUMN.
    let mut caps = [MAX_COLUMN; 3];
    let mut widths = measure(&full);
    while total(&widths) > columns {
        let Some(widest) = (1..=3)
            .filter(|&i| widths[i] > MIN_NAME_COLUMN)
            .max_by_key(|&i| widths[i])
        else {
            break;
        };
        caps[widest - 1] = widths[widest] - 1;
        widths[widest] -= 1;
    }
    let rows: Vec<[String; 6]> = full
        .into_iter()
        .map(|mut row| {
            for (value, cap) in row[1..=3].iter_mut().zip(caps) {
                *value = fit(value, cap);
            }
            row
        })
        .collect();
    let widths = measure(&rows);
    let line = |cells: &[String; 6]| -> String {
        cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (value, width))| pad(value, width, i == 5))
            .collect::<Vec<_>>()
            .join("  ")
    };

    let mut out = String::new();
    let header = line(&headers.map(str::to_string));
    let header = format!("  {}", header.trim_end());
    if color {
        out.push_str(&format!("{BOLD}{header}{RESET}\n"));
    } else {
        out.push_str(&header);
        out.push('\n');
    }
    for (device, row) in devices.iter().zip(&rows) {
        let face = device.identity.face_recognition == FaceRecognition::Yes;
        let mark = if face { "! " } else { "  " };
        let text = format!("{mark}{}", line(row).trim_end());
        match (color, face, device.is_surveillance()) {
            (true, true, _) => out.push_str(&format!("{RED_BOLD}{text}{RESET}")),
            (true, false, false) => out.push_str(&format!("{DIM}{text}{RESET}")),
            _ => out.push_str(&text),
        }
        out.push('\n');
    }
    let s = summary(report);
    let summary_line = t
        .table_summary
        .replace("{hosts}", &s.hosts.to_string())
        .replace("{surveillance}", &s.surveillance.to_string())
        .replace("{face}", &s.face_capable.to_string());
    out.push_str(&summary_line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{golden, sample_report};

    /// Column where each cell starts, in display columns, found from the header's labels.
    fn starts(line: &str, cells: &[&str]) -> Vec<usize> {
        cells
            .iter()
            .map(|c| display_width(&line[..line.find(c).unwrap()]))
            .collect()
    }

    #[test]
    fn chinese_columns_line_up() {
        let table = render_table(&sample_report(), Lang::Zh, false);
        let lines: Vec<&str> = table.lines().collect();
        let header = starts(
            lines[0],
            &["IP 地址", "品牌", "型号", "设备类型", "人脸识别能力"],
        );
        let face_row = starts(
            lines[1],
            &[
                "198.18.0.12",
                "Hikvision",
                "DS-K1T671M",
                "人脸识别终端",
                "具备",
            ],
        );
        assert_eq!(header, face_row, "\n{table}");
        let printer = lines.iter().find(|l| l.contains("198.18.0.50")).unwrap();
        assert_eq!(
            header,
            starts(
                printer,
                &["198.18.0.50", "HP", "LaserJet", "其他设备", "不具备"]
            ),
            "\n{table}"
        );
        // Right-aligned confidence ends in the same column on every row.
        let ends: Vec<usize> = lines[..lines.len() - 1]
            .iter()
            .map(|l| display_width(l))
            .collect();
        assert!(ends.iter().all(|&e| e == ends[0]), "{ends:?}\n{table}");
        assert_eq!(
            lines.last().unwrap(),
            &"共 5 台主机，其中监控设备 3 台（具备人脸识别能力 1 台）"
        );
    }

    #[test]
    fn table_matches_the_reviewed_golden_files() {
        for lang in [Lang::Zh, Lang::En] {
            let text = render_table(&sample_report(), lang, false);
            golden(&format!("sample-table.{lang}.txt"), &text);
        }
    }

    #[test]
    fn fits_an_80_column_terminal_in_both_languages() {
        let mut report = sample_report();
        report.devices[0].identity.vendor = Some("Zhejiang Uniview Technologies Co., Ltd.".into());
        report.devices[0].identity.model = Some("IPC3614SB-ADF28KM-I0 Smart Face Bullet".into());
        for lang in [Lang::Zh, Lang::En] {
            let wide = render_table(&report, lang, false);
            assert!(wide.lines().any(|l| display_width(l) > 80), "{wide}");
            let table = render_table_within(&report, lang, false, 80);
            for line in table.lines().take(report.devices.len() + 1) {
                assert!(display_width(line) <= 80, "{}: {line}", display_width(line));
            }
            assert!(table.contains("Zhejiang"), "{table}");
            assert!(table.contains("198.18.0.12"), "{table}");
        }
    }

    #[test]
    fn face_capable_first_and_marked() {
        let table = render_table(&sample_report(), Lang::En, false);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[1].starts_with("! 198.18.0.12 "), "{table}");
        assert!(lines[2].starts_with("  198.18.0.11 "), "{table}");
        assert!(lines[5].starts_with("  198.18.0.50 "), "{table}");
        assert_eq!(lines[6], "5 hosts, 3 surveillance devices (1 face-capable)");
    }

    #[test]
    fn device_values_cannot_drive_the_terminal() {
        let plain = render_table(&sample_report(), Lang::En, false);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(plain.contains("Acme\\x1b[31m<i>"));
        let colored = render_table(&sample_report(), Lang::En, true);
        // Only our own colour codes: every ESC starts one of them.
        for (i, _) in colored.match_indices('\x1b') {
            let rest = &colored[i..];
            assert!(
                [RED_BOLD, DIM, BOLD, RESET]
                    .iter()
                    .any(|c| rest.starts_with(c)),
                "{rest:?}"
            );
        }
        assert!(colored.contains(&format!("{RED_BOLD}! 198.18.0.12")));
    }

    #[test]
    fn long_values_are_cut_to_the_column_limit() {
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(fit("abcdefgh", 5), "abcd…");
        assert_eq!(fit("海康威视数字技术", 7), "海康威…");
        assert!(display_width(&fit(&"W".repeat(100), MAX_COLUMN)) <= MAX_COLUMN);
    }
}
