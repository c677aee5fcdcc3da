//! What the HTML and Markdown reports show: the report reduced to display strings, labels
//! resolved in one language, devices in reading order, every device-supplied text made visible
//! (control characters escaped). Escaping for the output format is the renderer's job.

use std::cmp::Ordering;
use std::net::IpAddr;

use serde::Serialize;

use crate::model::{CloudContact, Device, DeviceType, FaceRecognition, Finding, Report};

use super::i18n::{Labels, Lang};
use super::sanitize::visible;

#[derive(Debug, Serialize)]
pub(crate) struct View {
    pub lang: &'static str,
    pub html_lang: &'static str,
    pub header: Header,
    pub site_fields: Vec<KeyValue>,
    pub summary: Summary,
    pub devices: Vec<DeviceView>,
    pub findings: Vec<FindingView>,
    /// One line per rule broken, most severe first: what a store manager has to change.
    pub fixes: Vec<FixView>,
    pub notes: Vec<String>,
    /// Scan-wide bounds reached: limit code → where.
    pub limits_hit: Vec<KeyValue>,
    pub evidence_files: Vec<KeyValue>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Header {
    pub site_name: Option<String>,
    pub targets: String,
    pub interface: Option<String>,
    pub started: String,
    pub finished: String,
    pub mode: &'static str,
    pub tool: String,
    pub signatures_version: String,
    pub signatures_sha256: String,
    pub authorised_by: Option<String>,
    pub complete: bool,
    pub addresses_scanned: u64,
    pub ports: String,
    pub discovery: String,
    pub captures: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Summary {
    pub hosts: usize,
    pub surveillance: usize,
    pub cameras: usize,
    pub recorders: usize,
    pub face_terminals: usize,
    pub face_capable: usize,
    pub other_surveillance: usize,
    pub other_hosts: usize,
    pub uploading: usize,
    pub findings: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct DeviceView {
    pub anchor: String,
    pub id: String,
    pub ip: String,
    pub mac: Option<String>,
    pub mac_vendor: Option<String>,
    pub hostname: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub type_code: &'static str,
    pub type_label: String,
    pub surveillance: bool,
    pub face_code: &'static str,
    pub face_label: &'static str,
    pub face_capable: bool,
    pub confidence: String,
    pub ports: String,
    pub signatures: String,
    pub evidence: Vec<EvidenceView>,
    pub cloud: Vec<CloudView>,
    pub findings: Vec<String>,
    pub cut_short: Vec<CutView>,
    pub cloud_indications: Vec<IndicationView>,
    /// Some indications are the device's own reply / some come from the gateway's table: each
    /// kind gets its own note.
    pub own_indications: bool,
    pub gateway_indications: bool,
}

/// A cloud or P2P service the device reports as switched on.
#[derive(Debug, Serialize)]
pub(crate) struct IndicationView {
    pub kind: String,
    pub source: String,
    pub value: String,
    pub meaning_source: String,
    /// Read from the gateway's UPnP port-mapping table, not from the device.
    pub from_gateway: bool,
}

/// A probe of the device that stopped early, and why.
#[derive(Debug, Serialize)]
pub(crate) struct CutView {
    pub probe: String,
    pub port: String,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct EvidenceView {
    pub source: String,
    pub port: String,
    pub value: String,
    pub truncated: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct CloudView {
    pub destination: String,
    pub name: Option<String>,
    pub name_source: Option<String>,
    pub provider: Option<String>,
    pub service: Option<String>,
    pub category: String,
    pub country: Option<String>,
    pub sent: String,
    pub received: String,
    pub first_seen: String,
    pub last_seen: String,
    pub upload: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct FindingView {
    pub id: String,
    pub rule: String,
    pub severity_code: &'static str,
    pub severity_label: &'static str,
    pub device: Option<String>,
    pub device_anchor: Option<String>,
    pub title: String,
    pub detail: String,
    pub remedy: String,
    pub legal_basis: Vec<String>,
    pub evidence: Vec<String>,
    pub conditional: bool,
    /// Every rule the finding merges (its theme on this device).
    pub rules: String,
    pub theme: Option<String>,
    /// What the observed pattern would need to be lawful.
    pub lawful_if: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FixView {
    pub severity_code: &'static str,
    pub severity_label: &'static str,
    pub title: String,
    pub remedy: String,
    pub devices: usize,
    /// Every finding of the rule is conditional on undeclared facts.
    pub conditional: bool,
}

fn text(value: &str) -> String {
    visible(value).into_owned()
}

fn opt(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(text)
}

/// A timestamp as people read it: `2026-11-23 09:00:00 UTC`; text that is not RFC 3339 is shown as is.
pub(crate) fn when(stamp: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(at) = time::OffsetDateTime::parse(stamp, &Rfc3339) else {
        return text(stamp);
    };
    let offset = at.offset();
    let zone = if offset.is_utc() {
        "UTC".to_string()
    } else {
        let (h, m, _) = offset.as_hms();
        format!(
            "UTC{}{:02}:{:02}",
            if h < 0 || m < 0 { '-' } else { '+' },
            h.abs(),
            m.abs()
        )
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {zone}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Byte counts in binary units, one decimal: `1.0 MiB`.
pub(crate) fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    // Precision loss above 2^53 bytes does not matter for a display value.
    #[allow(clippy::cast_precision_loss)]
    let mut size = count as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// `93%`; out-of-range values are clamped so a bad report cannot print `-5%` or `930%`.
pub(crate) fn percent(confidence: f64) -> String {
    let clamped = if confidence.is_finite() {
        confidence.clamp(0.0, 1.0)
    } else {
        0.0
    };
    format!("{:.0}%", clamped * 100.0)
}

pub(crate) fn ports(device: &Device) -> String {
    device
        .open_ports
        .iter()
        .map(|p| {
            if p.service.is_empty() || p.service == "unknown" {
                p.port.to_string()
            } else {
                format!("{}/{}", p.port, text(&p.service))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reading order of device types: what matters to a privacy inspector first.
fn type_rank(t: DeviceType) -> u8 {
    match t {
        DeviceType::FaceTerminal => 0,
        DeviceType::Camera => 1,
        DeviceType::Nvr => 2,
        DeviceType::PeopleCounter => 3,
        DeviceType::AccessControl => 4,
        DeviceType::Doorbell => 5,
        DeviceType::PlateCamera => 6,
        DeviceType::Unknown => 7,
        DeviceType::Other => 8,
    }
}

fn compare_ip(a: &str, b: &str) -> Ordering {
    match (a.parse::<IpAddr>(), b.parse::<IpAddr>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// Face-capable devices first, then surveillance devices by type, then the rest; by address within.
pub(crate) fn reading_order(report: &Report) -> Vec<&Device> {
    let mut devices: Vec<&Device> = report.devices.iter().collect();
    devices.sort_by(|a, b| {
        let face = |d: &Device| d.identity.face_recognition != FaceRecognition::Yes;
        face(a)
            .cmp(&face(b))
            .then(type_rank(a.identity.device_type).cmp(&type_rank(b.identity.device_type)))
            .then_with(|| compare_ip(&a.ip, &b.ip))
    });
    devices
}

pub(crate) fn summary(report: &Report) -> Summary {
    let mut s = Summary {
        hosts: report.devices.len(),
        findings: report.findings.len(),
        ..Summary::default()
    };
    for device in &report.devices {
        match device.identity.device_type {
            DeviceType::Camera => s.cameras += 1,
            DeviceType::Nvr => s.recorders += 1,
            DeviceType::FaceTerminal => s.face_terminals += 1,
            DeviceType::Other | DeviceType::Unknown => s.other_hosts += 1,
            _ => s.other_surveillance += 1,
        }
        if device.is_surveillance() {
            s.surveillance += 1;
        }
        if device.identity.face_recognition == FaceRecognition::Yes {
            s.face_capable += 1;
        }
        if device.cloud_contacts.iter().any(|c| c.upload) {
            s.uploading += 1;
        }
    }
    s
}

pub(crate) fn anchor(id: &str) -> String {
    // Ids are `d-<ip>`; keep only characters that are safe in a fragment.
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("dev-{safe}")
}

fn cloud_view(contact: &CloudContact, lang: Lang, t: &Labels) -> CloudView {
    let category = t.cloud_category(lang, contact.category).to_string();
    CloudView {
        destination: format!(
            "{}:{}/{}",
            text(&contact.destination),
            contact.port,
            text(&contact.protocol)
        ),
        name: opt(&contact.name),
        name_source: opt(&contact.name_source),
        provider: opt(&contact.provider),
        service: opt(&contact.service),
        category,
        country: opt(&contact.country),
        sent: bytes(contact.bytes_up),
        received: bytes(contact.bytes_down),
        first_seen: when(&contact.first_seen),
        last_seen: when(&contact.last_seen),
        upload: contact.upload,
    }
}

fn device_view(device: &Device, report: &Report, lang: Lang, t: &Labels) -> DeviceView {
    let id = &device.identity;
    DeviceView {
        anchor: anchor(&device.id),
        id: text(&device.id),
        ip: text(&device.ip),
        mac: opt(&device.mac),
        mac_vendor: opt(&device.mac_vendor),
        hostname: opt(&device.hostname),
        vendor: opt(&id.vendor),
        model: opt(&id.model),
        firmware: opt(&id.firmware),
        type_code: id.device_type.as_str(),
        type_label: id.type_label(lang.code()),
        surveillance: device.is_surveillance(),
        face_code: id.face_recognition.as_str(),
        face_label: t.face(id.face_recognition),
        face_capable: id.face_recognition == FaceRecognition::Yes,
        confidence: percent(id.confidence),
        ports: ports(device),
        signatures: id
            .signatures
            .iter()
            .map(|s| text(s))
            .collect::<Vec<_>>()
            .join(", "),
        evidence: device
            .evidence
            .iter()
            .map(|e| EvidenceView {
                source: text(&e.source),
                port: e.port.map(|p| p.to_string()).unwrap_or_default(),
                value: text(&e.value),
                truncated: e.truncated,
            })
            .collect(),
        cloud: device
            .cloud_contacts
            .iter()
            .map(|c| cloud_view(c, lang, t))
            .collect(),
        findings: report
            .findings
            .iter()
            .filter(|f| f.device.as_deref() == Some(device.id.as_str()))
            .map(|f| text(&f.id))
            .collect(),
        cloud_indications: device
            .cloud_indications
            .iter()
            .map(|i| IndicationView {
                kind: text(&i.kind),
                source: text(&i.source),
                value: text(&i.value),
                meaning_source: text(&i.meaning_source),
                from_gateway: i.port_mapping.is_some(),
            })
            .collect(),
        own_indications: device
            .cloud_indications
            .iter()
            .any(|i| i.port_mapping.is_none()),
        gateway_indications: device
            .cloud_indications
            .iter()
            .any(|i| i.port_mapping.is_some()),
        cut_short: device
            .cut_short
            .iter()
            .map(|c| CutView {
                probe: text(&c.probe),
                port: c.port.map(|p| p.to_string()).unwrap_or_default(),
                reason: text(&c.reason),
                detail: text(&c.detail),
            })
            .collect(),
    }
}

fn finding_view(finding: &Finding, report: &Report, lang: Lang, t: &Labels) -> FindingView {
    let device = super::findings_view::device_label(report, finding.device.as_deref());
    FindingView {
        id: text(&finding.id),
        rule: text(&finding.rule),
        severity_code: finding.severity.as_str(),
        severity_label: t.severity(finding.severity),
        device,
        device_anchor: finding.device.as_deref().map(anchor),
        title: text(finding.title.get(lang.code())),
        detail: text(finding.detail.get(lang.code())),
        remedy: text(finding.remedy.get(lang.code())),
        legal_basis: finding.legal_basis.iter().map(|s| text(s)).collect(),
        evidence: finding.evidence.iter().map(|s| text(s)).collect(),
        conditional: finding.conditional,
        rules: finding
            .rules
            .iter()
            .map(|r| text(r))
            .collect::<Vec<_>>()
            .join(", "),
        theme: finding
            .theme
            .as_deref()
            .map(|th| super::findings_view::theme_label(th, lang)),
        lawful_if: finding
            .lawful_if
            .iter()
            .map(|c| text(c.get(lang.code())))
            .collect(),
    }
}

/// Findings grouped by rule, in the order of their most severe finding.
fn fixes(findings: &[&Finding], lang: Lang, t: &Labels) -> Vec<FixView> {
    let mut out: Vec<(String, FixView)> = Vec::new();
    for f in findings {
        if let Some((_, fix)) = out.iter_mut().find(|(rule, _)| *rule == f.rule) {
            fix.devices += usize::from(f.device.is_some());
            fix.conditional &= f.conditional;
            continue;
        }
        out.push((
            f.rule.clone(),
            FixView {
                severity_code: f.severity.as_str(),
                severity_label: t.severity(f.severity),
                title: text(f.title.get(lang.code())),
                remedy: text(f.remedy.get(lang.code())),
                devices: usize::from(f.device.is_some()),
                conditional: f.conditional,
            },
        ));
    }
    out.into_iter().map(|(_, fix)| fix).collect()
}

/// The site declaration's top-level scalar fields, in key order; a `name` field becomes the title.
fn site_fields(site: Option<&serde_json::Value>) -> (Option<String>, Vec<KeyValue>) {
    let Some(serde_json::Value::Object(map)) = site else {
        return (None, Vec::new());
    };
    let mut name = None;
    let mut fields = Vec::new();
    for (key, value) in map {
        let shown = match value {
            serde_json::Value::String(s) => text(s),
            serde_json::Value::Bool(_) | serde_json::Value::Number(_) => value.to_string(),
            serde_json::Value::Array(items) if items.iter().all(|i| !i.is_object()) => items
                .iter()
                .map(|i| i.as_str().map(text).unwrap_or_else(|| i.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            _ => continue,
        };
        if key == "name" && name.is_none() {
            name = Some(shown.clone());
        }
        fields.push(KeyValue {
            key: text(key),
            value: shown,
        });
    }
    (name, fields)
}

pub(crate) fn build(report: &Report, lang: Lang) -> View {
    let t = lang.labels();
    let scan = &report.scan;
    let (site_name, site_fields) = site_fields(report.site.as_ref());
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by_key(|f| (f.severity, f.conditional));
    let fixes = fixes(&findings, lang, t);
    View {
        lang: lang.code(),
        html_lang: lang.html_lang(),
        header: Header {
            site_name,
            targets: scan
                .targets
                .iter()
                .map(|s| text(s))
                .collect::<Vec<_>>()
                .join(", "),
            interface: opt(&scan.interface),
            started: when(&scan.started_at),
            finished: when(&scan.finished_at),
            mode: t.mode(scan.mode),
            tool: format!("{} {}", text(&report.tool.name), text(&report.tool.version)),
            signatures_version: text(&report.signatures.version),
            signatures_sha256: text(&report.signatures.sha256),
            authorised_by: opt(&scan.authorised_by),
            complete: scan.complete,
            addresses_scanned: scan.addresses_scanned,
            ports: scan
                .ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            discovery: scan
                .discovery
                .iter()
                .map(|s| text(s))
                .collect::<Vec<_>>()
                .join(", "),
            captures: scan
                .captures
                .iter()
                .map(|s| text(s))
                .collect::<Vec<_>>()
                .join(", "),
        },
        site_fields,
        summary: summary(report),
        devices: reading_order(report)
            .into_iter()
            .map(|d| device_view(d, report, lang, t))
            .collect(),
        findings: findings
            .into_iter()
            .map(|f| finding_view(f, report, lang, t))
            .collect(),
        fixes,
        notes: scan
            .notes_in(lang == Lang::Zh)
            .iter()
            .map(|s| text(s))
            .collect(),
        limits_hit: scan
            .limits_hit
            .iter()
            .map(|l| KeyValue {
                key: text(&l.limit),
                value: text(&l.detail),
            })
            .collect(),
        evidence_files: report
            .evidence_files
            .iter()
            .map(|f| KeyValue {
                key: text(&f.path),
                value: text(&f.sha256),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn face_capable_devices_come_first_and_printers_last() {
        let report = sample_report();
        let order: Vec<&str> = reading_order(&report)
            .iter()
            .map(|d| d.ip.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "198.18.0.12",
                "198.18.0.11",
                "198.18.0.10",
                "198.18.0.66",
                "198.18.0.50"
            ]
        );
    }

    #[test]
    fn summary_counts_what_an_inspector_asks_for() {
        let s = summary(&sample_report());
        assert_eq!((s.hosts, s.surveillance, s.face_capable), (5, 3, 1));
        assert_eq!(
            (s.cameras, s.recorders, s.face_terminals, s.other_hosts),
            (1, 1, 1, 2)
        );
        assert_eq!(s.uploading, 1);
    }

    #[test]
    fn display_helpers() {
        assert_eq!(when("2026-11-23T09:00:00Z"), "2026-11-23 09:00:00 UTC");
        assert_eq!(
            when("2026-11-23T17:00:00+08:00"),
            "2026-11-23 17:00:00 UTC+08:00"
        );
        assert_eq!(when("yesterday\x1b"), "yesterday\\x1b");
        assert_eq!(bytes(4096), "4.0 KiB");
        assert_eq!(bytes(1_048_576), "1.0 MiB");
        assert_eq!(bytes(12), "12 B");
        assert_eq!(percent(0.934), "93%");
        assert_eq!(percent(7.0), "100%");
        assert_eq!(percent(f64::NAN), "0%");
    }
}
