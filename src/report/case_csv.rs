//! The case file as CSV, beside inventory.csv: findings (with legal basis and the store-manager
//! advice), the network picture as device → destination rows, every evidence atom, the upstream
//! timelines, and the evidence files with their SHA-256 (report.json first). UTF-8 with BOM, RFC
//! 4180, every field guarded against formula injection like inventory.csv.

use crate::model::Report;

use super::case;
use super::csv::{CSV_BOM, push_row};
use super::i18n::Lang;

fn table<const N: usize>(columns: [&str; N], rows: Vec<[String; N]>) -> String {
    let mut out = String::with_capacity(256 + rows.len() * 160);
    out.push_str(CSV_BOM);
    push_row(&mut out, columns);
    for row in &rows {
        push_row(&mut out, row.iter().map(String::as_str));
    }
    out
}

fn findings(report: &Report, lang: Lang) -> String {
    let code = lang.code();
    let ip_of = |id: &str| {
        report
            .devices
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.ip.clone())
            .unwrap_or_default()
    };
    let rows = report
        .findings
        .iter()
        .map(|f| {
            let advice = f.advice.as_ref();
            let notice = advice.and_then(|a| a.notice.as_ref());
            let settings = advice.and_then(|a| a.device_settings.as_ref());
            [
                f.id.clone(),
                f.rule.clone(),
                f.severity.as_str().to_string(),
                f.conditional.to_string(),
                f.device.clone().unwrap_or_default(),
                f.device.as_deref().map(ip_of).unwrap_or_default(),
                f.title.get(code).to_string(),
                f.legal_basis.join("; "),
                f.detail.get(code).to_string(),
                f.evidence.join("; "),
                f.remedy.get(code).to_string(),
                notice.map(|n| n.id.clone()).unwrap_or_default(),
                notice
                    .map(|n| {
                        n.must_say
                            .iter()
                            .map(|m| m.discloses.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default(),
                notice
                    .map(|n| n.template.get(code).to_string())
                    .unwrap_or_default(),
                settings
                    .map(|s| {
                        s.steps
                            .iter()
                            .enumerate()
                            .map(|(i, step)| format!("{}. {}", i + 1, step.get(code)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
                settings.map(|s| s.source.clone()).unwrap_or_default(),
                f.theme.clone().unwrap_or_default(),
                f.rules.join(" "),
                f.lawful_if
                    .iter()
                    .map(|c| c.get(code))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    table(
        [
            "id",
            "rule",
            "severity",
            "conditional",
            "device",
            "ip",
            "title",
            "legal_basis",
            "detail",
            "evidence",
            "remedy",
            "notice_template",
            "notice_must_disclose",
            "notice_text",
            "device_settings_steps",
            "device_settings_source",
            "theme",
            "rules",
            "lawful_if",
        ],
        rows,
    )
}

/// The checks left to the inspector: what to check, where, and which rules it decides.
fn to_verify(report: &Report, lang: Lang) -> String {
    let code = lang.code();
    let ip_of = |id: &str| {
        report
            .devices
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.ip.clone())
            .unwrap_or_default()
    };
    let rows = report
        .to_verify
        .iter()
        .map(|v| {
            [
                v.id.clone(),
                v.theme.clone(),
                v.kind.clone(),
                v.severity.as_str().to_string(),
                v.device.clone().unwrap_or_default(),
                v.device.as_deref().map(ip_of).unwrap_or_default(),
                v.location.clone().unwrap_or_default(),
                v.check
                    .iter()
                    .map(|c| c.get(code))
                    .collect::<Vec<_>>()
                    .join("; "),
                v.decides.get(code).to_string(),
                v.rule.clone(),
                v.rules.join(" "),
                v.legal_basis.join("; "),
                v.finding.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        [
            "id",
            "theme",
            "kind",
            "severity",
            "device",
            "ip",
            "location",
            "check",
            "decides",
            "rule",
            "rules",
            "legal_basis",
            "finding",
        ],
        rows,
    )
}

fn network(report: &Report) -> String {
    let rows = case::links(report, Lang::En)
        .into_iter()
        .map(|l| {
            [
                l.device_id,
                l.device_ip,
                l.device_name,
                l.face.to_string(),
                l.destination,
                l.address,
                l.port.to_string(),
                l.provider.unwrap_or_default(),
                l.category,
                l.country.unwrap_or_default(),
                l.bytes_up.to_string(),
                l.upload.to_string(),
            ]
        })
        .collect();
    table(
        [
            "device",
            "ip",
            "device_name",
            "face_capable",
            "destination",
            "address",
            "port",
            "provider",
            "category",
            "country",
            "bytes_up",
            "upload",
        ],
        rows,
    )
}

fn evidence(report: &Report) -> String {
    let rows = report
        .devices
        .iter()
        .flat_map(|d| {
            d.evidence.iter().map(|e| {
                [
                    d.id.clone(),
                    d.ip.clone(),
                    e.source.clone(),
                    e.port.map(|p| p.to_string()).unwrap_or_default(),
                    e.value.clone(),
                    e.truncated.to_string(),
                ]
            })
        })
        .collect();
    table(
        ["device", "ip", "source", "port", "value", "truncated"],
        rows,
    )
}

fn timeline(report: &Report) -> String {
    let rows = report
        .devices
        .iter()
        .flat_map(|d| {
            d.upstream_timeline.iter().map(|m| {
                [
                    d.id.clone(),
                    d.ip.clone(),
                    m.minute.clone(),
                    m.bytes_up.to_string(),
                    m.bytes_up_internet.to_string(),
                ]
            })
        })
        .collect();
    table(
        ["device", "ip", "minute", "bytes_up", "bytes_up_internet"],
        rows,
    )
}

fn files(report: &Report, lang: Lang, report_sha256: &str) -> String {
    let rows = case::build(report, lang, report_sha256)
        .appendix
        .into_iter()
        .map(|r| [r.kind.to_string(), r.path, r.sha256])
        .collect();
    table(["kind", "path", "sha256"], rows)
}

/// The case-file CSVs as (file name, contents), for a report.json whose SHA-256 is `report_sha256`.
pub fn render_case_csvs(
    report: &Report,
    lang: Lang,
    report_sha256: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("findings.csv", findings(report, lang)),
        ("to_verify.csv", to_verify(report, lang)),
        ("network.csv", network(report)),
        ("evidence.csv", evidence(report)),
        ("timeline.csv", timeline(report)),
        ("files.csv", files(report, lang, report_sha256)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    fn file(name: &str) -> String {
        render_case_csvs(&sample_report(), Lang::En, &"0".repeat(64))
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1
    }

    #[test]
    fn network_csv_is_the_pictures_text_equivalent() {
        let csv = file("network.csv");
        let body = csv.strip_prefix(CSV_BOM).unwrap();
        assert!(body.starts_with("device,ip,device_name,face_capable,destination,"));
        assert!(
            body.contains("d-198.18.0.12,198.18.0.12,Hikvision DS-K1T671M,true,apiieu.ezvizlife.com,203.0.113.10,443,Hikvision / EZVIZ,vendor_cloud,NL,1048576,true"),
            "{body}"
        );
    }

    #[test]
    fn findings_and_files_carry_legal_basis_and_hashes() {
        let findings = file("findings.csv");
        assert!(findings.contains("CN-PIPL-26,high,false,d-198.18.0.12,198.18.0.12"));
        assert!(findings.contains("《个人信息保护法》第二十六条"));
        let files = file("files.csv");
        let mut lines = files.lines().skip(1);
        assert_eq!(
            lines.next().unwrap(),
            format!("report data (report.json),report.json,{}", "0".repeat(64))
        );
        assert!(files.contains("traffic capture,capture.pcapng,e3b0c442"));
    }
}
