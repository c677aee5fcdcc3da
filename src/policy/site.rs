//! The site declaration (`site.toml`): what the operator or inspector states about the premises —
//! the notices actually posted and what they disclose, the devices and their purposes and recipients,
//! consent, alternatives, minors, private spaces. Facts a scan cannot see; rules read them.

use serde::{Deserialize, Serialize};

use super::error::PolicyError;
use super::vocab;

/// The only schema version this build understands.
pub const SITE_SCHEMA_VERSION: u32 = 1;

/// A whole `site.toml`. Fields left out are unknown, and findings that depend on them stay conditional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SiteDeclaration {
    pub schema_version: u32,
    /// Name as on the business licence.
    #[serde(default)]
    pub name: Option<String>,
    /// The operator (legal person) and its unified social credit code, where known.
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// `shop`, `sales_office`, `school_canteen`, `school`, `mall`, `hotel`, `gym`, `office`, `other`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Who filled this in (inspector or manager), and when.
    #[serde(default)]
    pub declared_by: Option<String>,
    #[serde(default)]
    pub declared_at: Option<String>,
    /// How consent to face or image processing is obtained: none, sign_only, general, separate, written, guardian.
    #[serde(default)]
    pub consent: Option<String>,
    /// Whether a reasonable, convenient non-face alternative is offered (card, PIN, staff check).
    #[serde(default)]
    pub non_face_alternative: Option<bool>,
    /// Whether children under 14 come to the site.
    #[serde(default)]
    pub minors_present: Option<bool>,
    /// Private spaces on the premises (fitting_room, toilet, …); an empty list says there are none.
    #[serde(default)]
    pub private_spaces: Option<Vec<String>>,
    /// Number of people whose face information is stored.
    #[serde(default)]
    pub stored_faces: Option<u64>,
    #[serde(default)]
    pub pia_on_file: Option<bool>,
    #[serde(default)]
    pub cac_filing: Option<bool>,
    #[serde(default)]
    pub police_filing: Option<bool>,
    #[serde(default)]
    pub xborder_mechanism: Option<bool>,
    /// Whether the operator is a critical information infrastructure operator (CIIO).
    #[serde(default)]
    pub ciio: Option<bool>,
    /// People whose (non-sensitive) personal information is sent abroad since 1 January of this
    /// year (CAC Order No. 16 Art. 5: under 100,000 and not a CIIO is exempt).
    #[serde(default)]
    pub export_people_per_year: Option<u64>,
    /// People whose sensitive personal information (faces) is sent abroad since 1 January
    /// (under 10,000: standard contract or certification; more: CAC security assessment).
    #[serde(default)]
    pub export_sensitive_people_per_year: Option<u64>,
    /// Whether an entrusted-processing contract (PIPL Art. 21) covers the cloud providers that
    /// store or analyse images for the site.
    #[serde(default)]
    pub processing_contract: Option<bool>,
    /// Whether a recipient of images uses them for its own purposes (PIPL Art. 23), not only on
    /// the site's behalf.
    #[serde(default)]
    pub recipient_own_use: Option<bool>,
    /// Whether a written biometric retention and destruction policy is public (BIPA 15(a)).
    #[serde(default)]
    pub retention_policy_public: Option<bool>,
    /// The notices posted; an empty list says none is posted.
    #[serde(default, rename = "notice")]
    pub notices: Option<Vec<Notice>>,
    #[serde(default, rename = "device")]
    pub devices: Vec<DeclaredDevice>,
}

/// One posted notice, as found on site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Where it hangs (entrance, cashier, fitting-room corridor).
    #[serde(default)]
    pub location: Option<String>,
    /// The exact wording.
    #[serde(default)]
    pub text: Option<String>,
    /// Photos of it (paths relative to site.toml).
    #[serde(default)]
    pub photos: Vec<String>,
    /// What it tells people: video_surveillance, face_recognition, processor_contact, purposes,
    /// retention, recipients, storage_location, cross_border, necessity_impact, rights, alternative.
    #[serde(default)]
    pub discloses: Vec<String>,
    /// Data recipients the notice names (vendor clouds, analytics providers).
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// A device the site says it operates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DeclaredDevice {
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub mac: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// Where it is mounted.
    #[serde(default)]
    pub location: Option<String>,
    /// security, footfall, marketing, customer_identification, attendance, access_control, payment, other.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Recipients the operator declares for this device's data.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Installed inside a fitting room, toilet or other private space.
    #[serde(default)]
    pub private_space: Option<bool>,
    /// `public` (customers come there), `staff` (back office, stock room) or `private`.
    #[serde(default)]
    pub area: Option<String>,
    /// Whether face recognition is switched on (a capable device may have it off).
    #[serde(default)]
    pub face_recognition: Option<bool>,
}

impl SiteDeclaration {
    /// Parses and checks a `site.toml`. `file` names it in errors.
    ///
    /// # Errors
    /// Not TOML, an unknown field, a value of the wrong type, a word outside a field's list, or an
    /// unsupported schema version — each with file, line, column and what was expected.
    pub fn parse(file: &str, text: &str) -> Result<Self, PolicyError> {
        let site: SiteDeclaration =
            toml::from_str(text).map_err(|e| PolicyError::toml(file, text, &e))?;
        let at = |key: &str, value: &str, message: String| {
            PolicyError::at(file, text, find_value(text, key, value), message)
        };
        if site.schema_version != SITE_SCHEMA_VERSION {
            return Err(at(
                "schema_version",
                &site.schema_version.to_string(),
                format!(
                    "schema_version {} is not supported, expected {SITE_SCHEMA_VERSION}",
                    site.schema_version
                ),
            ));
        }
        let check = |key: &str, value: &str, allowed: &[&str]| {
            if allowed.contains(&value) {
                Ok(())
            } else {
                Err(at(
                    key,
                    value,
                    format!(
                        "`{value}` is not a valid `{key}`; expected one of {}",
                        allowed.join(", ")
                    ),
                ))
            }
        };
        if let Some(kind) = &site.kind {
            check("kind", kind, vocab::SITE_KINDS)?;
        }
        if let Some(consent) = &site.consent {
            check("consent", consent, vocab::CONSENT)?;
        }
        for space in site.private_spaces.iter().flatten() {
            check("private_spaces", space, vocab::PRIVATE_SPACES)?;
        }
        for notice in site.notices.iter().flatten() {
            for d in &notice.discloses {
                check("discloses", d, vocab::DISCLOSURES)?;
            }
        }
        for device in &site.devices {
            if let Some(purpose) = &device.purpose {
                check("purpose", purpose, vocab::PURPOSES)?;
            }
            if let Some(area) = &device.area {
                check("area", area, vocab::AREAS)?;
            }
            if device.ip.is_none() && device.mac.is_none() && device.model.is_none() {
                return Err(at(
                    "[[device]]",
                    "",
                    "a [[device]] needs at least one of `ip`, `mac` or `model` to match a found device".into(),
                ));
            }
        }
        Ok(site)
    }

    /// The declaration as report.json carries it (`report.site`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The declared device matching a found one: by IP, else MAC, else exact model.
    pub fn device_for(
        &self,
        ip: &str,
        mac: Option<&str>,
        model: Option<&str>,
    ) -> Option<&DeclaredDevice> {
        let eq = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        self.devices
            .iter()
            .find(|d| d.ip.as_deref().is_some_and(|i| eq(i, ip)))
            .or_else(|| {
                let mac = mac?;
                self.devices
                    .iter()
                    .find(|d| d.mac.as_deref().is_some_and(|m| eq(m, mac)))
            })
            .or_else(|| {
                let model = model?;
                self.devices.iter().find(|d| {
                    d.ip.is_none()
                        && d.mac.is_none()
                        && d.model.as_deref().is_some_and(|m| eq(m, model))
                })
            })
    }
}

/// Byte offset of `key = value` (or of `key`, or of `value`) in the text, for pointing at a bad value.
fn find_value(text: &str, key: &str, value: &str) -> usize {
    let quoted = format!("\"{value}\"");
    let mut key_at = None;
    for (line_start, line) in line_starts(text) {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with(key) {
            key_at.get_or_insert(line_start + (line.len() - trimmed.len()));
            if value.is_empty() {
                return line_start + (line.len() - trimmed.len());
            }
            if let Some(i) = line.find(&quoted) {
                return line_start + i;
            }
        }
    }
    key_at.unwrap_or_else(|| text.find(&quoted).unwrap_or(0))
}

fn line_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |line| {
        let at = start;
        start += line.len();
        (at, line.trim_end_matches(['\n', '\r']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typo in a key names the file, the line and the fields that were expected.
    #[test]
    fn unknown_keys_name_file_line_and_expected_fields() {
        let text = "schema_version = 1\nname = \"Shop\"\nconsnet = \"separate\"\n";
        let err = SiteDeclaration::parse("shop/site.toml", text).unwrap_err();
        assert_eq!(
            (err.file.as_str(), err.line, err.column),
            ("shop/site.toml", 3, 1)
        );
        assert!(err.message.contains("unknown field `consnet`"), "{err}");
        assert!(err.message.contains("consent"), "{err}");
    }

    /// A word outside a field's list points at the value and lists the valid ones.
    #[test]
    fn bad_values_point_at_the_value() {
        let text =
            "schema_version = 1\n\n[[notice]]\nlocation = \"entrance\"\ndiscloses = [\"cctv\"]\n";
        let err = SiteDeclaration::parse("site.toml", text).unwrap_err();
        assert_eq!((err.line, err.column), (5, 14), "{err}");
        assert!(
            err.message.contains("`cctv` is not a valid `discloses`"),
            "{err}"
        );
        assert!(err.message.contains("video_surveillance"), "{err}");

        let text = "schema_version = 1\nminors_present = \"maybe\"\n";
        let err = SiteDeclaration::parse("site.toml", text).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.to_string().starts_with("site.toml:2:"), "{err}");

        let text = "schema_version = 1\nconsent = \"sign\"\n";
        let err = SiteDeclaration::parse("site.toml", text).unwrap_err();
        assert_eq!((err.line, err.column), (2, 11), "{err}");
    }

    #[test]
    fn devices_match_by_ip_then_mac() {
        let text = "schema_version = 1\n[[device]]\nip = \"198.18.0.13\"\npurpose = \"attendance\"\n[[device]]\nmac = \"44:47:CC:3A:10:11\"\n";
        let site = SiteDeclaration::parse("site.toml", text).unwrap();
        assert_eq!(
            site.device_for("198.18.0.13", None, None)
                .and_then(|d| d.purpose.as_deref()),
            Some("attendance")
        );
        assert!(
            site.device_for("198.18.0.11", Some("44:47:cc:3a:10:11"), None)
                .is_some()
        );
        assert!(
            site.device_for("198.18.0.99", None, Some("DS-K1T671M"))
                .is_none()
        );
    }
}
