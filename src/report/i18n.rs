//! Every fixed label of the reports, in Chinese and English, in one table.
//!
//! Device-type names come from `DeviceType::label`; text written by rules (finding titles, remedies)
//! arrives already in both languages in the report.

use std::sync::LazyLock;

use serde::Serialize;

use crate::locale::{self, label_table};
use crate::model::{CloudCategory, FaceRecognition, ScanMode, Severity};

/// The language a report is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The code used in report.json (`scan.lang`), in `Localized` texts and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the HTML document.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The fixed labels of this language.
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// An unsupported language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report language `{0}` (expected `zh` or `en`)")]
pub struct UnknownLang(pub String);

impl std::str::FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

label_table! {
    /// The fixed labels of one language. Serialized into the HTML template as `t`.
    #[derive(Debug, Serialize)]
    pub struct Labels in "report" {
        pub doc_title: &'static str,
        pub site: &'static str,
        pub targets: &'static str,
        pub interface: &'static str,
        pub started: &'static str,
        pub finished: &'static str,
        pub mode: &'static str,
        pub tool: &'static str,
        pub signatures: &'static str,
        pub signatures_sha256: &'static str,
        pub authorised_by: &'static str,
        pub not_given: &'static str,
        pub status: &'static str,
        pub complete: &'static str,
        pub incomplete: &'static str,
        pub incomplete_warning: &'static str,
        pub addresses_scanned: &'static str,
        pub ports_scanned: &'static str,
        pub discovery: &'static str,
        pub captures: &'static str,
        pub site_declaration: &'static str,
        pub summary: &'static str,
        pub hosts: &'static str,
        pub cameras: &'static str,
        pub recorders: &'static str,
        pub face_terminals: &'static str,
        pub face_capable: &'static str,
        pub other_surveillance: &'static str,
        pub other_hosts: &'static str,
        pub cloud_uploads: &'static str,
        pub findings_count: &'static str,
        pub face_alert: &'static str,
        pub devices: &'static str,
        pub no_devices: &'static str,
        pub ip: &'static str,
        pub mac: &'static str,
        pub mac_vendor: &'static str,
        pub hostname: &'static str,
        pub vendor: &'static str,
        pub model: &'static str,
        pub firmware: &'static str,
        pub device_type: &'static str,
        pub face_recognition: &'static str,
        pub confidence: &'static str,
        pub open_ports: &'static str,
        pub matched_signatures: &'static str,
        pub device_details: &'static str,
        pub evidence: &'static str,
        pub source: &'static str,
        pub port: &'static str,
        pub value: &'static str,
        pub truncated: &'static str,
        pub no_evidence: &'static str,
        pub cloud_contacts: &'static str,
        pub destination: &'static str,
        pub name: &'static str,
        pub provider: &'static str,
        pub category: &'static str,
        pub country: &'static str,
        pub sent: &'static str,
        pub received: &'static str,
        pub first_seen: &'static str,
        pub last_seen: &'static str,
        pub upload: &'static str,
        pub upload_col: &'static str,
        pub heartbeat: &'static str,
        pub findings: &'static str,
        pub no_findings: &'static str,
        pub severity: &'static str,
        pub rule: &'static str,
        pub device: &'static str,
        pub site_wide: &'static str,
        pub detail: &'static str,
        pub remedy: &'static str,
        pub legal_basis: &'static str,
        pub conditional: &'static str,
        pub what_to_fix: &'static str,
        pub devices_affected: &'static str,
        pub scan_notes: &'static str,
        /// Heading of a device's probes that stopped early.
        pub cut_short: &'static str,
        pub cloud_indications: &'static str,
        pub cloud_indications_note: &'static str,
        /// The note on indications read from the gateway's UPnP port-mapping table.
        pub port_mapping_note: &'static str,
        pub indication_kind: &'static str,
        pub meaning_source: &'static str,
        pub cut_probe: &'static str,
        pub cut_reason: &'static str,
        pub cut_detail: &'static str,
        /// Heading of the scan-wide bounds reached.
        pub limits_hit: &'static str,
        pub limit: &'static str,
        pub no_notes: &'static str,
        pub evidence_files: &'static str,
        pub file: &'static str,
        pub sha256: &'static str,
        pub integrity_hint: &'static str,
        pub about_title: &'static str,
        pub about_does: &'static str,
        pub about_does_not: &'static str,
        pub about_evidence: &'static str,
        pub yes: &'static str,
        pub no: &'static str,
        pub unknown: &'static str,
        pub face_yes: &'static str,
        pub face_no: &'static str,
        pub face_unknown: &'static str,
        pub sev_critical: &'static str,
        pub sev_high: &'static str,
        pub sev_medium: &'static str,
        pub sev_low: &'static str,
        pub sev_info: &'static str,
        pub mode_audit: &'static str,
        pub mode_scan: &'static str,
        pub mode_analyze: &'static str,
        pub mode_demo: &'static str,
        /// Summary line of the terminal table; `{hosts}`, `{surveillance}` and `{face}` are filled in.
        pub table_summary: &'static str,
        /// Between a label and its value: `：` in Chinese, `: ` in English.
        pub colon: &'static str,
        /// Between the items of a list on one line (legal bases, conditions).
        pub list_separator: &'static str,
        /// A device type and why it is only likely; `{label}` and `{basis}` are filled in.
        pub type_with_basis: &'static str,
        /// After a fix: how many devices it concerns; `{n}` and `{devices}` are filled in.
        pub fix_device_count: &'static str,
    }
}

impl Labels {
    pub fn face(&self, face: FaceRecognition) -> &'static str {
        match face {
            FaceRecognition::Yes => self.face_yes,
            FaceRecognition::No => self.face_no,
            FaceRecognition::Unknown => self.face_unknown,
        }
    }

    pub fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Critical => self.sev_critical,
            Severity::High => self.sev_high,
            Severity::Medium => self.sev_medium,
            Severity::Low => self.sev_low,
            Severity::Info => self.sev_info,
        }
    }

    pub fn mode(&self, mode: ScanMode) -> &'static str {
        match mode {
            ScanMode::Audit => self.mode_audit,
            ScanMode::Scan => self.mode_scan,
            ScanMode::Analyze => self.mode_analyze,
            ScanMode::Demo => self.mode_demo,
        }
    }

    /// Label of a cloud-contact category from report.json.
    pub fn cloud_category(&self, lang: Lang, category: CloudCategory) -> &'static str {
        locale::label("cloud_category", category.as_str(), lang == Lang::Zh)
    }
}

pub static ZH: LazyLock<Labels> = LazyLock::new(|| Labels::load(true));

pub static EN: LazyLock<Labels> = LazyLock::new(|| Labels::load(false));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_the_command_line() {
        assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        let err = "fr".parse::<Lang>().unwrap_err();
        assert!(err.to_string().contains("`fr`"));
    }

    #[test]
    fn chinese_labels_use_the_usual_terms() {
        let t = Lang::Zh.labels();
        assert_eq!(t.cameras, "摄像机");
        assert_eq!(t.recorders, "录像机");
        assert_eq!(t.face_terminals, "人脸识别终端");
        assert_eq!(t.face_recognition, "人脸识别能力");
        assert_eq!(t.remedy, "整改建议");
        assert_eq!(t.legal_basis, "法律依据");
    }

    /// Every typed label has its entry in the locale file in both languages, every word of the
    /// closed vocabularies has its label, and the file holds no section or entry nothing reads.
    #[test]
    fn locale_file_and_code_name_the_same_labels() {
        use crate::locale::{keys, sections, try_label};
        use crate::model::{DeviceType, TypeBasis};
        use crate::report::case_i18n::CaseLabels;
        use crate::report::findings_view::FindingsLabels;
        let sorted = |words: &[&str]| {
            let mut w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
            w.sort();
            w
        };
        for (section, fields) in [
            (Labels::SECTION, Labels::KEYS),
            (CaseLabels::SECTION, CaseLabels::KEYS),
            (FindingsLabels::SECTION, FindingsLabels::KEYS),
        ] {
            assert_eq!(keys(section), sorted(fields), "section {section}");
        }
        let device_types = DeviceType::ALL.map(DeviceType::as_str);
        assert_eq!(keys("device_type"), sorted(&device_types));
        let categories = CloudCategory::ALL.map(CloudCategory::as_str);
        assert_eq!(keys("cloud_category"), sorted(&categories));
        assert_eq!(
            keys("type_basis"),
            sorted(&[TypeBasis::MacMakerOnly.as_str()])
        );
        for zh in [true, false] {
            for section in sections() {
                for key in keys(&section) {
                    assert!(try_label(&section, &key, zh).is_some());
                }
            }
        }
        // Open vocabularies (themes, site.toml keys, declared fields) are looked up by the word
        // a rule or a declaration writes; nothing else may sit in the file unread.
        let read = [
            "report",
            "case",
            "findings",
            "device_type",
            "cloud_category",
            "type_basis",
            "theme",
            "site_key",
            "declared_field",
            "note",
            // src/policy: fields and values by their names (tested there), sentence tables.
            "field_noun",
            "field_yes",
            "field_no",
            "policy_value",
            "condition",
            "finding_text",
            "site_template",
            // src/fleet and src/cli.
            "fleet",
            "terminal_summary",
            "terminal",
        ];
        assert_eq!(sections(), sorted(&read));
    }
}
