//! The on-disk signature format (serde types only): one TOML file per vendor under
//! `signatures/devices/`. See `signatures/README.md` for the documented shape.
//!
//! Unknown fields are rejected (`deny_unknown_fields`) so a typo such as `regx` is an error
//! with a file:line, never a signature that silently matches nothing.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The only schema version this build understands.
pub const SCHEMA_VERSION: u32 = 1;

/// One `signatures/devices/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceFile {
    pub schema_version: Spanned<u32>,
    /// Vendor of every signature in the file unless a signature overrides it; absent in the
    /// generic and decoy files, whose signatures name no vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// The maker whose firmware this brand runs (`Dahua` for Imou and Amcrest, `Hikvision` for
    /// EZVIZ): evidence for the two agrees instead of conflicting.
    #[serde(default)]
    pub vendor_family: Option<String>,
    /// Public source for the file as a whole.
    pub source: Spanned<String>,
    #[serde(default, rename = "signature")]
    pub signatures: Vec<Spanned<RawSignature>>,
}

/// One `[[signature]]` table before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSignature {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// Public source of the fact (repository and path, or vendor document). Required.
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// How much this signature alone says, in (0, 1].
    pub weight: Spanned<f64>,
    #[serde(default)]
    pub device_type: Option<Spanned<String>>,
    #[serde(default)]
    pub face_recognition: Option<Spanned<String>>,
    /// Overrides the file's vendor (OEM brands).
    #[serde(default)]
    pub vendor: Option<String>,
    /// All clauses must hold (AND). Use several signatures for OR.
    #[serde(rename = "match")]
    pub clauses: Vec<Spanned<RawClause>>,
    #[serde(default)]
    pub extract: Option<RawExtract>,
    /// Evidence sets that must match: source → value, plus optional `expect.model` / `expect.firmware`.
    #[serde(default)]
    pub example: Vec<Spanned<BTreeMap<String, String>>>,
    /// Evidence sets that must not match.
    #[serde(default)]
    pub counterexample: Vec<Spanned<BTreeMap<String, String>>>,
}

/// One match clause: an evidence source (or any of several) and one test on its value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClause {
    /// A claim kind (`model`, `vendor`, `firmware`, `device_class`, `text`) instead of sources:
    /// the clause reads that claim whatever evidence source stated it.
    #[serde(default)]
    pub claim: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub contains: Option<String>,
    /// Matching ignores case unless this is true.
    #[serde(default)]
    pub case_sensitive: bool,
}

/// What to pull out of the evidence once a signature matched.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtract {
    #[serde(default)]
    pub model: Option<Spanned<RawExtractor>>,
    #[serde(default)]
    pub firmware: Option<Spanned<RawExtractor>>,
}

/// One capture: the first atom of `source`(s) whose value matches `regex`; `group` (default 1,
/// or 0 when the regex has no group) is the value kept. Without `regex`, the whole value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtractor {
    /// A claim kind instead of sources, as in a clause.
    #[serde(default)]
    pub claim: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    #[serde(default)]
    pub group: Option<usize>,
}
