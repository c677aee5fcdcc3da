//! The facts rules may test: each field's name, what it ranges over, whether the scan observes it or
//! the operator declares it. How to say a field and its values in Chinese and English is in the
//! locale file (`[field_noun.*]`, `[field_yes.*]`, `[field_no.*]`, `[policy_value.*]`). This is
//! the condition language's vocabulary, not rule logic: which facts matter for which law lives in
//! `signatures/rules/`.

use crate::locale;

/// What a field's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of a fixed list of words.
    Enum(&'static [&'static str]),
    /// A set of words from a fixed list (`has`, `lacks`).
    Set(&'static [&'static str]),
    Bool,
    Number,
    /// Free text (compared case-insensitively).
    Text,
}

/// Where a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Observed by the scan (identity, cloud contacts); always known.
    Scan,
    /// Declared by the operator in `site.toml`; unknown without a declaration.
    Declared,
}

/// What a field is about, which decides where a rule may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Device,
    Cloud,
    Site,
}

/// One fact a condition can test.
#[derive(Debug, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub origin: Origin,
    pub subject: Subject,
}

impl Field {
    /// What the field is, for sentences, in Chinese (`zh`) or English (locale file,
    /// `[field_noun.<name>]`); `{it}` stands for the device or destination. Booleans have none.
    pub fn noun(&self, zh: bool) -> &'static str {
        if self.kind == Kind::Bool {
            return "";
        }
        locale::label("field_noun", self.name, zh)
    }

    /// For booleans: the sentence when true (`[field_yes.<name>]`).
    pub fn yes(&self, zh: bool) -> &'static str {
        locale::label("field_yes", self.name, zh)
    }

    /// For booleans: the sentence when false (`[field_no.<name>]`).
    pub fn no(&self, zh: bool) -> &'static str {
        locale::label("field_no", self.name, zh)
    }
}

const DEVICE_TYPES: &[&str] = &[
    "camera",
    "nvr",
    "face_terminal",
    "people_counter",
    "access_control",
    "doorbell",
    "plate_camera",
    "other",
    "unknown",
];
const FACE: &[&str] = &["yes", "no", "unknown"];
pub const CLOUD_CATEGORIES: &[&str] = &[
    "vendor_cloud",
    "vendor_p2p",
    "face_api",
    "people_analytics",
    "object_storage",
    "iot_mqtt",
    "generic_cloud",
    "infrastructure",
    "lan",
    "unknown",
];
pub const PURPOSES: &[&str] = &[
    "security",
    "footfall",
    "marketing",
    "customer_identification",
    "attendance",
    "access_control",
    "payment",
    "other",
];
pub const SITE_KINDS: &[&str] = &[
    "shop",
    "sales_office",
    "school_canteen",
    "school",
    "mall",
    "hotel",
    "gym",
    "office",
    "kindergarten",
    "children_venue",
    "other",
];
/// Where a declared device hangs: where customers go, staff-only rooms, or a private space.
pub const AREAS: &[&str] = &["public", "staff", "private"];
pub const PRIVATE_SPACES: &[&str] = &[
    "fitting_room",
    "changing_room",
    "toilet",
    "bath",
    "nursing_room",
    "hotel_room",
    "dormitory",
];
pub const CONSENT: &[&str] = &[
    "none",
    "sign_only",
    "general",
    "separate",
    "written",
    "guardian",
];
pub const DISCLOSURES: &[&str] = &[
    "video_surveillance",
    "face_recognition",
    "processor_contact",
    "purposes",
    "retention",
    "recipients",
    "storage_location",
    "cross_border",
    "necessity_impact",
    "rights",
    "alternative",
];

const fn field(name: &'static str, kind: Kind, origin: Origin, subject: Subject) -> Field {
    Field {
        name,
        kind,
        origin,
        subject,
    }
}

const fn flag(name: &'static str, origin: Origin, subject: Subject) -> Field {
    Field {
        name,
        kind: Kind::Bool,
        origin,
        subject,
    }
}

use Origin::{Declared, Scan};
use Subject::{Cloud, Device, Site};

/// Every field of the language.
pub static FIELDS: &[Field] = &[
    field("device.type", Kind::Enum(DEVICE_TYPES), Scan, Device),
    field("device.face", Kind::Enum(FACE), Scan, Device),
    flag("device.surveillance", Scan, Device),
    field("device.vendor", Kind::Text, Scan, Device),
    field("device.model", Kind::Text, Scan, Device),
    flag("device.declared", Declared, Device),
    flag("device.private_space", Declared, Device),
    field("device.purpose", Kind::Enum(PURPOSES), Declared, Device),
    flag("cloud.upload", Scan, Cloud),
    field("cloud.category", Kind::Enum(CLOUD_CATEGORIES), Scan, Cloud),
    field("cloud.country", Kind::Text, Scan, Cloud),
    field("cloud.port", Kind::Number, Scan, Cloud),
    field("cloud.provider", Kind::Text, Scan, Cloud),
    flag("cloud.named", Declared, Cloud),
    field("site.kind", Kind::Enum(SITE_KINDS), Declared, Site),
    flag("site.minors_present", Declared, Site),
    field(
        "site.private_spaces",
        Kind::Set(PRIVATE_SPACES),
        Declared,
        Site,
    ),
    field("site.consent", Kind::Enum(CONSENT), Declared, Site),
    flag("site.non_face_alternative", Declared, Site),
    field("site.stored_faces", Kind::Number, Declared, Site),
    flag("site.pia_on_file", Declared, Site),
    flag("site.cac_filing", Declared, Site),
    flag("site.police_filing", Declared, Site),
    flag("site.xborder_mechanism", Declared, Site),
    flag("device.face_store", Scan, Device),
    flag("device.attribute_analytics", Scan, Device),
    flag("device.face_identification", Scan, Device),
    flag("device.captures_images", Scan, Device),
    flag("device.cloud_platform_enabled", Scan, Device),
    flag("device.internet_port_mapping", Scan, Device),
    flag("device.face_in_use", Scan, Device),
    flag("device.public_area", Declared, Device),
    flag("cloud.images", Scan, Cloud),
    flag("cloud.faces", Scan, Cloud),
    flag("cloud.abroad", Scan, Cloud),
    flag("site.minors", Declared, Site),
    flag("site.ciio", Declared, Site),
    field("site.export_people", Kind::Number, Declared, Site),
    field("site.export_sensitive_people", Kind::Number, Declared, Site),
    flag("site.processing_contract", Declared, Site),
    flag("site.recipient_own_use", Declared, Site),
    flag("site.retention_policy_public", Declared, Site),
    flag("notice.posted", Declared, Site),
    field("notice.discloses", Kind::Set(DISCLOSURES), Declared, Site),
];

/// The field of that name.
pub fn field_named(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The label of a value word in Chinese (`zh`) or English (locale file, `[policy_value.<word>]`).
/// A word without an entry (free text, a word with no Chinese yet) reads as itself, in English
/// with its underscores as spaces.
pub fn value_label(word: &str, zh: bool) -> String {
    match locale::try_label("policy_value", word, zh) {
        Some(label) => label.to_string(),
        None if zh => word.to_string(),
        None => word.replace('_', " "),
    }
}

/// Every word of the closed lists a condition's values come from.
#[cfg(test)]
pub(crate) fn value_words() -> Vec<&'static str> {
    [
        DEVICE_TYPES,
        FACE,
        CLOUD_CATEGORIES,
        PURPOSES,
        SITE_KINDS,
        AREAS,
        PRIVATE_SPACES,
        CONSENT,
        DISCLOSURES,
    ]
    .concat()
}
