//! The case-file parts of a report, reduced to display values: the cover page (counts by severity,
//! top findings), the network picture's links (device → destination), each device's upstream
//! timeline, the store-manager advice per finding, and the evidence appendix. Shared by the HTML,
//! Markdown and CSV renderers so all three carry the same content.

use serde::Serialize;

use crate::model::{
    Advice, CloudCategory, CloudContact, ContactScope, Device, FaceRecognition, Finding, Report,
    Severity, UpstreamMinute,
};

use super::case_i18n::CaseLabels;
use super::i18n::Lang;
use super::sanitize::visible;
use super::view::{bytes, reading_order, when};

/// How many rules the cover page lists.
pub const TOP_FINDINGS: usize = 5;

fn text(value: &str) -> String {
    visible(value).into_owned()
}

#[derive(Debug, Serialize)]
pub(crate) struct SeverityCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct TopFinding {
    pub rule: String,
    pub severity_code: &'static str,
    pub severity_label: &'static str,
    pub title: String,
    /// Addresses of the devices it concerns (empty for a site-wide finding).
    pub devices: Vec<String>,
    /// Every finding of the rule is conditional.
    pub conditional: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Cover {
    pub severities: Vec<SeverityCount>,
    /// The most severe rules broken, one entry per rule with the devices concerned.
    pub top: Vec<TopFinding>,
    /// Rules broken beyond those listed.
    pub more: usize,
    pub conditional: usize,
}

/// One line of the network picture: a device's contact with one destination.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Link {
    pub device_id: String,
    /// The device section's fragment id in the HTML page.
    pub device_anchor: String,
    pub device_ip: String,
    /// `vendor model` where known.
    pub device_name: String,
    pub face: bool,
    /// The destination as people know it: its name where seen, else the address.
    pub destination: String,
    pub address: String,
    pub port: u16,
    pub provider: Option<String>,
    /// The category code (`vendor_cloud`), and as people read it in the report's language.
    pub category: String,
    pub category_label: String,
    pub country: Option<String>,
    pub bytes_up: u64,
    pub sent: String,
    pub upload: bool,
}

impl Link {
    /// The destination is a data store on the store's own LAN (`store_link`), not a cloud.
    pub(crate) fn to_lan_store(&self) -> bool {
        matches!(self.category.as_str(), LAN_FACE_STORE | LAN_IMAGE_STORE)
    }
}

/// The category codes of a LAN data store's links.
const LAN_FACE_STORE: &str = "lan_face_store";
const LAN_IMAGE_STORE: &str = "lan_image_store";

#[derive(Debug, Serialize)]
pub(crate) struct Timeline {
    pub minutes: usize,
    pub total: String,
    pub internet: String,
    pub peak: String,
    pub first: String,
    pub last: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct NoticeItemView {
    pub discloses: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct AdviceView {
    pub notice_basis: Option<String>,
    pub must_say: Vec<NoticeItemView>,
    /// The finding printed earlier with the same list: the print refers to it instead of
    /// repeating the list (the page shows it in full).
    pub must_say_as_in: Option<String>,
    /// The notice text, line by line (values never carry raw line breaks into a page).
    pub template: Option<Vec<String>>,
    pub product: Option<String>,
    pub steps: Vec<String>,
    /// The finding printed earlier with the same device-settings steps: the print refers to it
    /// instead of repeating them (the page shows them in full).
    pub steps_as_in: Option<String>,
    pub source: Option<String>,
    pub status: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AppendixRow {
    pub kind: &'static str,
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Case {
    pub cover: Cover,
    pub links: Vec<Link>,
    /// The network picture's lead, naming what its right column holds: clouds, data stores on
    /// the LAN, or both.
    pub network_lead: &'static str,
    /// A traffic capture was analysed (so no links means no contacts, not unknown).
    pub traffic_analysed: bool,
    /// Traffic was seen only from the inspector's own switch port (`scan.vantage` =
    /// `own_port`): on an ordinary switch uploads cannot be observed there, so seeing none
    /// proves nothing.
    pub own_port_only: bool,
    /// Where the traffic was seen from, and what interception or the bridge did.
    pub vantage: super::vantage::Vantage,
    pub report_sha256: String,
    pub appendix: Vec<AppendixRow>,
}

pub(crate) fn cover(report: &Report, lang: Lang) -> Cover {
    let t = lang.labels();
    let severities = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|s| SeverityCount {
        code: s.as_str(),
        label: t.severity(s),
        count: report.findings.iter().filter(|f| f.severity == s).count(),
    })
    .collect();
    let mut ordered: Vec<&Finding> = report.findings.iter().collect();
    ordered.sort_by_key(|f| (f.severity, f.conditional));
    let mut by_rule: Vec<TopFinding> = Vec::new();
    for f in ordered {
        let ip = f
            .device
            .as_deref()
            .and_then(|id| report.devices.iter().find(|d| d.id == id))
            .map(|d| text(&d.ip));
        if let Some(entry) = by_rule.iter_mut().find(|e| e.rule == f.rule) {
            entry.devices.extend(ip);
            entry.conditional &= f.conditional;
            continue;
        }
        by_rule.push(TopFinding {
            rule: text(&f.rule),
            severity_code: f.severity.as_str(),
            severity_label: t.severity(f.severity),
            title: text(f.title.get(lang.code())),
            devices: ip.into_iter().collect(),
            conditional: f.conditional,
        });
    }
    let more = by_rule.len().saturating_sub(TOP_FINDINGS);
    by_rule.truncate(TOP_FINDINGS);
    Cover {
        severities,
        top: by_rule,
        more,
        conditional: report.findings.iter().filter(|f| f.conditional).count(),
    }
}

fn device_name(device: &Device) -> String {
    [
        device.identity.vendor.as_deref(),
        device.identity.model.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(text)
    .collect::<Vec<_>>()
    .join(" ")
}

/// Every contact of every device with a destination outside the LAN, and every upload to a LAN
/// data store (a host receiving its pictures), in reading order of devices and, within a device,
/// most bytes first. Infrastructure (DNS, NTP, DHCP) is no cloud destination and is left out.
pub(crate) fn links(report: &Report, lang: Lang) -> Vec<Link> {
    let mut out = Vec::new();
    let c = lang.case_labels();
    for device in reading_order(report) {
        let store_of = |address: &str| {
            report.devices.iter().find(|d| {
                d.ip == address
                    && d.data_store
                        .as_ref()
                        .is_some_and(|s| s.from.iter().any(|f| f.device == device.id))
            })
        };
        let mut contacts: Vec<_> = device
            .cloud_contacts
            .iter()
            .filter(|c| {
                (c.scope != Some(ContactScope::Lan)
                    && !matches!(
                        c.category,
                        CloudCategory::Infrastructure | CloudCategory::Lan
                    ))
                    || store_of(&c.destination).is_some()
            })
            .collect();
        contacts.sort_by_key(|c| std::cmp::Reverse(c.bytes_up));
        for contact in contacts {
            if let Some(store) = store_of(&contact.destination) {
                out.push(store_link(device, contact, store, c));
                continue;
            }
            let c = contact;
            let name = c.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            out.push(Link {
                device_id: text(&device.id),
                device_anchor: super::view::anchor(&device.id),
                device_ip: text(&device.ip),
                device_name: device_name(device),
                face: device.identity.face_recognition == FaceRecognition::Yes,
                destination: text(name.unwrap_or(&c.destination)),
                address: text(&c.destination),
                port: c.port,
                provider: c.provider.as_deref().map(text),
                category: c.category.as_str().to_string(),
                category_label: lang.labels().cloud_category(lang, c.category).to_string(),
                country: c.country.as_deref().map(text),
                bytes_up: c.bytes_up,
                sent: bytes(c.bytes_up),
                upload: c.upload,
            });
        }
    }
    out
}

/// A device's uploads to a data store on the LAN: the store named as the scan identified it.
fn store_link(device: &Device, contact: &CloudContact, store: &Device, c: &CaseLabels) -> Link {
    let name = device_name(store);
    let holds_faces = store
        .data_store
        .as_ref()
        .is_some_and(|s| s.holds == "face_images");
    Link {
        device_id: text(&device.id),
        device_anchor: super::view::anchor(&device.id),
        device_ip: text(&device.ip),
        device_name: device_name(device),
        face: device.identity.face_recognition == FaceRecognition::Yes,
        // The store as people know it (its product), its address beside it.
        destination: if name.is_empty() {
            text(&contact.destination)
        } else {
            format!("{} ({name})", text(&contact.destination))
        },
        address: text(&contact.destination),
        port: contact.port,
        provider: None,
        category: if holds_faces {
            LAN_FACE_STORE
        } else {
            LAN_IMAGE_STORE
        }
        .to_string(),
        category_label: if holds_faces {
            c.lan_face_store
        } else {
            c.lan_image_store
        }
        .to_string(),
        country: None,
        bytes_up: contact.bytes_up,
        sent: bytes(contact.bytes_up),
        upload: true,
    }
}

/// A timeline needs this many minutes of capture to show a shape rather than a triangle.
pub const MIN_TIMELINE_MINUTES: usize = 5;

pub(crate) fn timeline(minutes: &[UpstreamMinute]) -> Option<Timeline> {
    if minutes.len() < MIN_TIMELINE_MINUTES {
        return None;
    }
    let first = minutes.first()?;
    let last = minutes.last()?;
    Some(Timeline {
        minutes: minutes.len(),
        total: bytes(minutes.iter().map(|m| m.bytes_up).sum()),
        internet: bytes(minutes.iter().map(|m| m.bytes_up_internet).sum()),
        peak: bytes(minutes.iter().map(|m| m.bytes_up).max().unwrap_or(0)),
        first: when(&first.minute),
        last: when(&last.minute),
    })
}

pub(crate) fn advice(advice: Option<&Advice>, lang: Lang, c: &CaseLabels) -> Option<AdviceView> {
    let advice = advice?;
    let code = lang.code();
    let notice = advice.notice.as_ref();
    let settings = advice.device_settings.as_ref();
    Some(AdviceView {
        notice_basis: notice.map(|n| text(n.basis.get(code))),
        must_say: notice
            .map(|n| {
                n.must_say
                    .iter()
                    .map(|m| NoticeItemView {
                        discloses: text(&m.discloses),
                        text: text(m.text.get(code)),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        must_say_as_in: None,
        template: notice.map(|n| n.template.get(code).lines().map(text).collect()),
        product: settings.map(|s| text(s.product.get(code))),
        steps_as_in: None,
        steps: settings
            .map(|s| s.steps.iter().map(|x| text(x.get(code))).collect())
            .unwrap_or_default(),
        source: settings.map(|s| text(&s.source)),
        status: settings.map(|s| match s.status.as_str() {
            "S" => c.status_s,
            "-" => c.status_generic,
            _ => c.status_unsure,
        }),
    })
}

/// What kind of evidence a file is, from its name.
fn kind_of(path: &str, c: &CaseLabels) -> &'static str {
    let lower = path.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "pcap" | "pcapng" | "cap" => c.kind_capture,
        "log" => c.kind_sensor_log,
        "jpg" | "jpeg" | "png" | "heic" | "webp" | "gif" | "tif" | "tiff" => c.kind_photo,
        "toml" => c.kind_declaration,
        _ => c.kind_other,
    }
}

pub(crate) fn build(report: &Report, lang: Lang, report_sha256: &str) -> Case {
    let c = lang.case_labels();
    let mut appendix = vec![AppendixRow {
        kind: c.kind_report,
        path: "report.json".to_string(),
        sha256: text(report_sha256),
    }];
    appendix.extend(report.evidence_files.iter().map(|f| AppendixRow {
        kind: kind_of(&f.path, c),
        path: text(&f.path),
        sha256: text(&f.sha256),
    }));
    let links = links(report, lang);
    Case {
        cover: cover(report, lang),
        network_lead: c.network_lead_for(&links),
        links,
        traffic_analysed: report.scan.vantage.as_deref() != Some("none")
            && (!report.scan.captures.is_empty()
                || report
                    .devices
                    .iter()
                    .any(|d| !d.upstream_timeline.is_empty())),
        own_port_only: report.scan.vantage.as_deref() == Some("own_port"),
        vantage: super::vantage::build(report, lang),
        report_sha256: text(report_sha256),
        appendix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn cover_counts_findings_by_severity_and_lists_the_worst_first() {
        let cover = cover(&sample_report(), Lang::En);
        let high = cover.severities.iter().find(|s| s.code == "high").unwrap();
        assert_eq!(high.count, 1);
        assert_eq!(cover.severities.iter().map(|s| s.count).sum::<usize>(), 2);
        assert_eq!(cover.top[0].severity_code, "critical");
        assert_eq!(cover.top[0].devices, ["198.18.0.12"]);
        assert_eq!(cover.top.len(), 2);
    }

    #[test]
    fn links_name_the_destination_and_mark_face_devices() {
        let links = links(&sample_report(), Lang::En);
        assert!(!links.is_empty());
        let first = &links[0];
        assert_eq!(first.device_ip, "198.18.0.12");
        assert!(first.face && first.upload);
        assert_eq!(first.destination, "apiieu.ezvizlife.com");
        assert_eq!(first.address, "203.0.113.10");
    }

    #[test]
    fn appendix_starts_with_report_json_and_sorts_files_by_kind() {
        let case = build(&sample_report(), Lang::En, &"ab".repeat(32));
        assert_eq!(case.appendix[0].path, "report.json");
        assert_eq!(case.appendix[0].sha256, "ab".repeat(32));
        assert!(
            case.appendix
                .iter()
                .any(|r| r.kind == "traffic capture" && r.path.ends_with(".pcapng"))
        );
    }

    #[test]
    fn zeek_logs_are_named_as_sensor_logs() {
        let zh = Lang::Zh.case_labels();
        assert_eq!(kind_of("sensor/conn.log", zh), "网络传感器日志（Zeek）");
        let en = Lang::En.case_labels();
        assert_eq!(
            kind_of("sensor/dns.2025-01-01-00-00-00.log", en),
            "network sensor log (Zeek)"
        );
        assert_eq!(kind_of("notes.txt", en), "other file");
    }
}
