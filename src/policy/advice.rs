//! Store-manager advice as data (`signatures/advice/`): for each finding, the notice to post (what it
//! must say, a zh/en text to adapt) and, for uploads, where the device vendor's own settings turn
//! cloud / P2P access off, with the public documentation each entry follows.
//!
//! Pure: the texts come in as (name, text) pairs; [`AdviceBook::attach`] only reads the findings and
//! devices it is given.

use serde::Deserialize;

use super::error::PolicyError;
use super::rules::RuleSet;
use super::vocab::DISCLOSURES;
use crate::model::{
    Advice, Device, DeviceSettingsAdvice, Finding, Localized, NoticeAdvice, NoticeItem,
};

const NOTICES: &str = "advice/notices.toml";
const DEVICE_SETTINGS: &str = "advice/device-settings.toml";
/// The device-settings entry used when no vendor entry matches.
const GENERIC: &str = "generic";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticesFile {
    #[allow(dead_code)]
    schema_version: u32,
    #[allow(dead_code)]
    source: String,
    #[serde(rename = "notice")]
    notices: Vec<NoticeEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeEntry {
    id: String,
    rules: Vec<String>,
    basis: Localized,
    must_say: Vec<MustSay>,
    template: Localized,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MustSay {
    discloses: String,
    zh: String,
    en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceSettingsFile {
    #[allow(dead_code)]
    schema_version: u32,
    /// The rules about uploads: their findings get the device-settings steps.
    rules: Vec<String>,
    #[serde(rename = "vendor")]
    vendors: Vec<VendorEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorEntry {
    id: String,
    #[serde(default)]
    vendors: Vec<String>,
    product: Localized,
    steps: Vec<Localized>,
    source: String,
    status: String,
}

/// The advice data, loaded and checked.
#[derive(Debug, Clone)]
pub struct AdviceBook {
    notices: Vec<NoticeEntry>,
    upload_rules: Vec<String>,
    vendors: Vec<VendorEntry>,
}

fn parse<'a, T: Deserialize<'a>>(file: &str, text: &'a str) -> Result<T, PolicyError> {
    toml::from_str(text).map_err(|e| PolicyError::toml(file, text, &e))
}

fn problem(file: &str, message: String) -> PolicyError {
    PolicyError {
        file: file.to_string(),
        line: 1,
        column: 1,
        message,
    }
}

impl AdviceBook {
    /// The notices file, relative to `signatures/`.
    pub const NOTICES: &'static str = NOTICES;
    /// The device-settings file, relative to `signatures/`.
    pub const DEVICE_SETTINGS: &'static str = DEVICE_SETTINGS;

    /// Parses `notices.toml` and `device-settings.toml` (given as name and text).
    ///
    /// # Errors
    /// A TOML or shape problem with file, line and column; an unknown `discloses` value; a
    /// device-settings file without its `generic` entry.
    pub fn parse(
        notices_name: &str,
        notices_text: &str,
        settings_name: &str,
        settings_text: &str,
    ) -> Result<Self, PolicyError> {
        let notices: NoticesFile = parse(notices_name, notices_text)?;
        for entry in &notices.notices {
            for item in &entry.must_say {
                if !DISCLOSURES.contains(&item.discloses.as_str()) {
                    let offset = notices_text
                        .find(&format!("discloses = \"{}\"", item.discloses))
                        .unwrap_or(0);
                    return Err(PolicyError::at(
                        notices_name,
                        notices_text,
                        offset,
                        format!(
                            "notice `{}`: `{}` is not a value of notice.discloses (one of {})",
                            entry.id,
                            item.discloses,
                            DISCLOSURES.join(", ")
                        ),
                    ));
                }
            }
        }
        let settings: DeviceSettingsFile = parse(settings_name, settings_text)?;
        if !settings.vendors.iter().any(|v| v.id == GENERIC) {
            return Err(problem(
                settings_name,
                format!("a `[[vendor]]` with id = \"{GENERIC}\" (no vendors) is required"),
            ));
        }
        Ok(Self {
            notices: notices.notices,
            upload_rules: settings.rules,
            vendors: settings.vendors,
        })
    }

    /// Rule ids the advice names that no loaded rule has (a typo in the advice files).
    pub fn unknown_rules(&self, rules: &RuleSet) -> Vec<String> {
        let known = |id: &String| rules.rules.iter().any(|r| &r.id == id);
        self.notices
            .iter()
            .flat_map(|n| n.rules.iter())
            .chain(self.upload_rules.iter())
            .filter(|id| !known(id))
            .cloned()
            .collect()
    }

    /// The advice for one finding about `device` (None for a site-wide finding).
    pub fn advise(&self, finding: &Finding, device: Option<&Device>) -> Option<Advice> {
        let notice = self
            .notices
            .iter()
            .find(|n| n.rules.contains(&finding.rule))
            .or_else(|| {
                self.notices
                    .iter()
                    .find(|n| finding.rules.iter().any(|r| n.rules.contains(r)))
            })
            .map(|n| NoticeAdvice {
                id: n.id.clone(),
                basis: n.basis.clone(),
                must_say: n
                    .must_say
                    .iter()
                    .map(|m| NoticeItem {
                        discloses: m.discloses.clone(),
                        text: Localized {
                            zh: m.zh.clone(),
                            en: m.en.clone(),
                        },
                    })
                    .collect(),
                template: n.template.clone(),
            });
        let device_settings = std::iter::once(&finding.rule)
            .chain(&finding.rules)
            .any(|r| self.upload_rules.contains(r))
            .then(|| self.vendor_entry(device))
            .map(|v| DeviceSettingsAdvice {
                id: v.id.clone(),
                product: v.product.clone(),
                steps: v.steps.clone(),
                source: v.source.clone(),
                status: v.status.clone(),
            });
        (notice.is_some() || device_settings.is_some()).then_some(Advice {
            notice,
            device_settings,
        })
    }

    /// The entry for the device's vendor, else the generic one.
    fn vendor_entry(&self, device: Option<&Device>) -> &VendorEntry {
        let vendor = device.and_then(|d| d.identity.vendor.as_deref());
        vendor
            .and_then(|name| {
                self.vendors.iter().find(|v| {
                    v.vendors
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(name.trim()))
                })
            })
            .or_else(|| self.vendors.iter().find(|v| v.id == GENERIC))
            .unwrap_or(&self.vendors[0])
    }

    /// Fills in `advice` on every finding.
    pub fn attach(&self, findings: &mut [Finding], devices: &[Device]) {
        for finding in findings {
            let device = finding
                .device
                .as_deref()
                .and_then(|id| devices.iter().find(|d| d.id == id));
            finding.advice = self.advise(finding, device);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Identity, Severity};

    fn finding(rule: &str, device: Option<&str>) -> Finding {
        Finding {
            id: "F-1".into(),
            rule: rule.into(),
            severity: Severity::High,
            device: device.map(str::to_string),
            title: Localized::default(),
            detail: Localized::default(),
            legal_basis: vec![],
            remedy: Localized::default(),
            evidence: vec![],
            conditional: false,
            conditions: vec![],
            advice: None,
            theme: None,
            rules: Vec::new(),
            lawful_if: Vec::new(),
        }
    }

    fn device(vendor: Option<&str>) -> Device {
        Device {
            id: "d-198.18.0.12".into(),
            ip: "198.18.0.12".into(),
            mac: None,
            mac_vendor: None,
            hostname: None,
            open_ports: vec![],
            identity: Identity {
                vendor: vendor.map(str::to_string),
                ..Identity::default()
            },
            evidence: vec![],
            cloud_contacts: vec![],
            upstream_timeline: vec![],
            cloud_indications: Vec::new(),
            cut_short: vec![],
            data_store: None,
            other_addresses: Vec::new(),
        }
    }

    #[test]
    fn bundled_advice_loads_and_names_only_real_rules() {
        let book = crate::bundle::builtin_advice().unwrap();
        let rules = crate::bundle::builtin_rules().unwrap();
        assert_eq!(book.unknown_rules(&rules), Vec::<String>::new());
        for entry in &book.vendors {
            assert!(
                !entry.source.is_empty() && !entry.steps.is_empty(),
                "{}",
                entry.id
            );
            assert!(
                ["S", "?", "-"].contains(&entry.status.as_str()),
                "{}",
                entry.id
            );
        }
        for notice in &book.notices {
            assert!(notice.template.zh.contains('【') && notice.template.en.contains('['));
        }
    }

    #[test]
    fn face_notice_finding_gets_a_template_that_says_what_the_rule_requires() {
        let book = crate::bundle::builtin_advice().unwrap();
        let advice = book
            .advise(&finding("CN-FRM-5-NOTICE", Some("d-198.18.0.12")), None)
            .unwrap();
        let notice = advice.notice.unwrap();
        let says: Vec<&str> = notice
            .must_say
            .iter()
            .map(|m| m.discloses.as_str())
            .collect();
        for needed in [
            "face_recognition",
            "processor_contact",
            "retention",
            "necessity_impact",
            "storage_location",
        ] {
            assert!(says.contains(&needed), "{needed} missing from {says:?}");
        }
        assert!(notice.template.zh.contains("人脸识别"));
        assert!(advice.device_settings.is_none(), "not an upload rule");
    }

    #[test]
    fn upload_findings_get_the_vendors_cloud_off_steps() {
        let book = crate::bundle::builtin_advice().unwrap();
        let f = finding("CN-FRM-8-LOCALSTORE", Some("d-198.18.0.12"));
        let for_vendor = |vendor: Option<&str>| {
            book.advise(&f, Some(&device(vendor)))
                .unwrap()
                .device_settings
                .unwrap()
        };
        let hik = for_vendor(Some("Hikvision"));
        assert_eq!(hik.id, "hikvision");
        assert!(hik.steps.iter().any(|s| s.en.contains("Platform Access")));
        assert!(hik.source.contains("manualshelf.com"));
        assert_eq!(for_vendor(Some("dahua")).id, "dahua");
        assert!(
            for_vendor(Some("Dahua"))
                .steps
                .iter()
                .any(|s| s.en.contains("P2P"))
        );
        assert_eq!(for_vendor(Some("Reolink")).id, "reolink");
        assert_eq!(for_vendor(Some("Acme")).id, "generic");
        assert_eq!(for_vendor(None).id, "generic");
    }

    #[test]
    fn a_notice_item_outside_the_vocabulary_is_refused_with_its_line() {
        let notices = "schema_version = 1\nsource = \"x\"\n[[notice]]\nid = \"n\"\nrules = []\nbasis = { zh = \"a\", en = \"a\" }\nmust_say = [\n  { discloses = \"retension\", zh = \"a\", en = \"a\" },\n]\ntemplate = { zh = \"a\", en = \"a\" }\n";
        let settings = "schema_version = 1\nrules = []\n[[vendor]]\nid = \"generic\"\nproduct = { zh = \"a\", en = \"a\" }\nsteps = []\nsource = \"x\"\nstatus = \"-\"\n";
        let err = AdviceBook::parse("n.toml", notices, "s.toml", settings).unwrap_err();
        assert_eq!((err.line, err.column), (8, 5), "{err}");
        assert!(err.message.contains("`retension` is not a value"), "{err}");
        let err = AdviceBook::parse(
            "n.toml",
            &notices.replace("retension", "retention"),
            "s.toml",
            &settings.replace("generic", "hik"),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("s.toml:1:1: "), "{err}");
    }
}
