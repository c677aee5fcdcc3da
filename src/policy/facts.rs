//! Reading one fact for a condition: from the scanned device and its cloud contacts, or from the
//! site declaration. Declared facts are unknown when there is no declaration or it is silent.

use super::site::{DeclaredDevice, SiteDeclaration};
use crate::model::{CloudCategory, CloudContact, ContactScope, Device, TrafficPattern};

/// A fact's value, or that it is not known.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Unknown,
    Bool(bool),
    Number(f64),
    Word(String),
    Set(Vec<String>),
}

impl Fact {
    /// How an evidence line shows it.
    pub fn display(&self) -> String {
        match self {
            Fact::Unknown => "unknown".into(),
            Fact::Bool(b) => b.to_string(),
            Fact::Number(n) => format!("{n}"),
            Fact::Word(w) => w.clone(),
            Fact::Set(items) => format!("[{}]", items.join(", ")),
        }
    }
}

/// What a condition is evaluated against at one point: the site, and maybe a device and a contact.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub site: Option<&'a SiteDeclaration>,
    /// The place words a declared location is read with (`places.toml`).
    pub places: &'a super::places::Places,
    pub devices: &'a [Device],
    pub device: Option<&'a Device>,
    pub declared: Option<&'a DeclaredDevice>,
    pub contact: Option<&'a CloudContact>,
}

impl<'a> Ctx<'a> {
    /// The context for one device, with its declaration entry if any.
    pub fn for_device(self, device: &'a Device) -> Self {
        let declared = self.site.and_then(|s| {
            s.device_for(
                &device.ip,
                device.mac.as_deref(),
                device.identity.model.as_deref(),
            )
        });
        Self {
            device: Some(device),
            declared,
            contact: None,
            ..self
        }
    }

    /// The value of a field here.
    pub fn fact(&self, name: &str) -> Fact {
        let word = |s: Option<&str>| s.map_or(Fact::Unknown, |s| Fact::Word(s.to_string()));
        let flag = |b: Option<bool>| b.map_or(Fact::Unknown, Fact::Bool);
        let site = self.site;
        match name {
            "device.type" => word(self.device.map(|d| d.identity.device_type.as_str())),
            "device.face" => word(self.device.map(|d| d.identity.face_recognition.as_str())),
            "device.surveillance" => flag(self.device.map(Device::is_surveillance)),
            "device.vendor" => word(self.device.and_then(|d| d.identity.vendor.as_deref())),
            "device.model" => word(self.device.and_then(|d| d.identity.model.as_deref())),
            "device.declared" => flag(site.map(|_| self.declared.is_some())),
            "device.private_space" => match (site, self.declared) {
                (_, Some(d)) => Fact::Bool(d.private_space.unwrap_or(false)),
                // A site that says it has no private spaces has no camera in one.
                (Some(s), None) if s.private_spaces.as_ref().is_some_and(Vec::is_empty) => {
                    Fact::Bool(false)
                }
                _ => Fact::Unknown,
            },
            "device.purpose" => word(self.declared.and_then(|d| d.purpose.as_deref())),
            "device.captures_images" => flag(self.device.map(captures_images)),
            "device.attribute_analytics" => flag(self.device.map(attribute_analytics)),
            "device.face_identification" => self.device.map_or(Fact::Unknown, |d| {
                face_identification(d).map_or(Fact::Unknown, Fact::Bool)
            }),
            // Only a device's own "on" is known: its silence is not "off".
            "device.cloud_platform_enabled" => match self.device {
                Some(d) if d.cloud_indications.iter().any(|i| i.port_mapping.is_none()) => {
                    Fact::Bool(true)
                }
                _ => Fact::Unknown,
            },
            // Only the gateway's table says so, and only when it was read: an unread or empty
            // table is not "no port open".
            "device.internet_port_mapping" => match self.device {
                Some(d) if d.cloud_indications.iter().any(|i| i.port_mapping.is_some()) => {
                    Fact::Bool(true)
                }
                _ => Fact::Unknown,
            },
            // Traffic decides it: a host seen receiving face snapshots stores faces; one not seen
            // receiving any is not shown to.
            "device.face_store" => flag(self.device.map(|d| {
                d.data_store
                    .as_ref()
                    .is_some_and(|s| s.from.iter().any(|f| f.faces))
            })),
            "device.face_in_use" => self.device.map_or(Fact::Unknown, |d| {
                face_in_use(d, self.declared).map_or(Fact::Unknown, Fact::Bool)
            }),
            "device.public_area" => match self.declared {
                Some(d) => match d.area.as_deref() {
                    Some("public") => Fact::Bool(true),
                    Some(_) => Fact::Bool(false),
                    None if d.private_space == Some(true) => Fact::Bool(false),
                    // No area declared: a location naming an entrance or a till is public, one
                    // naming a stock room is not; any other location says nothing.
                    None => d
                        .location
                        .as_deref()
                        .and_then(|l| self.places.public_from_location(l))
                        .map_or(Fact::Unknown, Fact::Bool),
                },
                None => Fact::Unknown,
            },
            "cloud.images" => match (self.device, self.contact) {
                (Some(d), Some(c)) => carries_images(d, c).map_or(Fact::Unknown, Fact::Bool),
                _ => Fact::Unknown,
            },
            "cloud.faces" => match (self.device, self.contact) {
                (Some(d), Some(c)) => carries_faces(d, c).map_or(Fact::Unknown, Fact::Bool),
                _ => Fact::Unknown,
            },
            // An unknown country is not "abroad": the fact stays unknown.
            "cloud.abroad" => match self.contact.and_then(|c| c.country.as_deref()) {
                Some(cc) => Fact::Bool(!cc.eq_ignore_ascii_case("CN")),
                None => Fact::Unknown,
            },
            "cloud.upload" => flag(self.contact.map(|c| c.upload)),
            "cloud.category" => word(self.contact.map(|c| c.category.as_str())),
            "cloud.country" => word(self.contact.and_then(|c| c.country.as_deref())),
            "cloud.port" => self
                .contact
                .map_or(Fact::Unknown, |c| Fact::Number(f64::from(c.port))),
            "cloud.provider" => word(self.contact.and_then(|c| c.provider.as_deref())),
            "cloud.named" => match (site, self.contact) {
                (Some(s), Some(c)) => Fact::Bool(recipient_named(s, self.declared, c)),
                _ => Fact::Unknown,
            },
            "site.kind" => word(site.and_then(|s| s.kind.as_deref())),
            "site.minors_present" => flag(site.and_then(|s| s.minors_present)),
            "site.minors" => match site {
                Some(s) if s.minors_present == Some(true) => Fact::Bool(true),
                Some(s)
                    if s.kind.as_deref().is_some_and(|k| {
                        ["school", "kindergarten", "school_canteen", "children_venue"].contains(&k)
                    }) =>
                {
                    Fact::Bool(true)
                }
                Some(s) => flag(s.minors_present),
                None => Fact::Unknown,
            },
            "site.ciio" => flag(site.and_then(|s| s.ciio)),
            #[allow(clippy::cast_precision_loss)] // head counts far below 2^52
            "site.export_people" => site
                .and_then(|s| s.export_people_per_year)
                .map_or(Fact::Unknown, |n| Fact::Number(n as f64)),
            #[allow(clippy::cast_precision_loss)] // head counts far below 2^52
            "site.export_sensitive_people" => site
                .and_then(|s| s.export_sensitive_people_per_year)
                .map_or(Fact::Unknown, |n| Fact::Number(n as f64)),
            "site.processing_contract" => flag(site.and_then(|s| s.processing_contract)),
            "site.recipient_own_use" => flag(site.and_then(|s| s.recipient_own_use)),
            "site.retention_policy_public" => flag(site.and_then(|s| s.retention_policy_public)),
            "site.private_spaces" => site
                .and_then(|s| s.private_spaces.clone())
                .map_or(Fact::Unknown, Fact::Set),
            "site.consent" => word(site.and_then(|s| s.consent.as_deref())),
            "site.non_face_alternative" => flag(site.and_then(|s| s.non_face_alternative)),
            #[allow(clippy::cast_precision_loss)] // head counts far below 2^52
            "site.stored_faces" => site
                .and_then(|s| s.stored_faces)
                .map_or(Fact::Unknown, |n| Fact::Number(n as f64)),
            "site.pia_on_file" => flag(site.and_then(|s| s.pia_on_file)),
            "site.cac_filing" => flag(site.and_then(|s| s.cac_filing)),
            "site.police_filing" => flag(site.and_then(|s| s.police_filing)),
            "site.xborder_mechanism" => flag(site.and_then(|s| s.xborder_mechanism)),
            "notice.posted" => flag(site.and_then(|s| s.notices.as_ref()).map(|n| !n.is_empty())),
            "notice.discloses" => {
                site.and_then(|s| s.notices.as_ref())
                    .map_or(Fact::Unknown, |notices| {
                        let mut all: Vec<String> = notices
                            .iter()
                            .flat_map(|n| n.discloses.iter().cloned())
                            .collect();
                        all.sort();
                        all.dedup();
                        Fact::Set(all)
                    })
            }
            _ => Fact::Unknown,
        }
    }
}

/// Device types that capture images themselves (a recorder only stores what cameras send it).
const IMAGE_CAPTURING: &[&str] = &[
    "camera",
    "face_terminal",
    "people_counter",
    "access_control",
    "doorbell",
    "plate_camera",
];

fn captures_images(d: &Device) -> bool {
    IMAGE_CAPTURING.contains(&d.identity.device_type.as_str())
}

/// Whether an upload carries images or video: a face API, traffic shaped like a stream or
/// snapshots, or content an image-capturing device sends to its vendor's cloud or object storage.
/// Heartbeats and control traffic do not; other uploads of an image-capturing device might.
fn carries_images(d: &Device, c: &CloudContact) -> Option<bool> {
    if !c.upload {
        return Some(false);
    }
    if c.category == CloudCategory::FaceApi {
        return Some(true);
    }
    match c.pattern {
        Some(TrafficPattern::VideoStream | TrafficPattern::Snapshots) => Some(true),
        Some(
            TrafficPattern::Heartbeat | TrafficPattern::Control | TrafficPattern::NetworkService,
        ) => Some(false),
        _ if !captures_images(d) => Some(false),
        // Content a camera sends to its vendor's cloud or to object storage is footage or
        // pictures, whatever its shape; elsewhere it may be anything.
        _ if matches!(
            c.category,
            CloudCategory::VendorCloud | CloudCategory::VendorP2p | CloudCategory::ObjectStorage
        ) =>
        {
            Some(true)
        }
        _ => None,
    }
}

/// A service that counts people or estimates age and gender, with no face library and no
/// matching (`signatures/cloud`, category `people_analytics`).
const PEOPLE_ANALYTICS: CloudCategory = CloudCategory::PeopleAnalytics;

/// Whether the device's evidence shows people counting or attribute analytics: it is a people
/// counter (the vocabulary's and the model signatures' counting category), or it uploads to a
/// people-analytics service. Evidence decides: no such evidence is "no".
fn attribute_analytics(d: &Device) -> bool {
    d.identity.device_type.as_str() == "people_counter"
        || d.cloud_contacts
            .iter()
            .any(|c| c.upload && c.category == PEOPLE_ANALYTICS)
}

/// Whether the device recognises faces in the Face Recognition Measures' sense (identifying or
/// verifying people): yes when its model family, a face API or a face-analytics cloud says so;
/// no when it cannot, or when all its evidence shows is counting or age/gender analytics, or
/// plate recognition (it reads vehicles), which may be personal information processing (PIPL)
/// but is not face recognition; else unknown.
fn face_identification(d: &Device) -> Option<bool> {
    if d.cloud_contacts
        .iter()
        .any(|c| c.upload && c.category == CloudCategory::FaceApi)
    {
        return Some(true);
    }
    match d.identity.face_recognition.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ if attribute_analytics(d) || d.identity.device_type.as_str() == "plate_camera" => {
            Some(false)
        }
        _ => None,
    }
}

/// Whether an upload carries face information for recognition: evidence is a face-API
/// destination, or snapshot-sized bursts from a face-capable device. Video from a capable device
/// may or may not; what a counting or attribute-analytics device or service handles does not.
fn carries_faces(d: &Device, c: &CloudContact) -> Option<bool> {
    if c.upload && c.category == CloudCategory::FaceApi {
        return Some(true);
    }
    if c.category == PEOPLE_ANALYTICS {
        return Some(false);
    }
    let face = d.identity.face_recognition.as_str();
    match carries_images(d, c) {
        Some(false) => Some(false),
        _ if face_identification(d) == Some(false) => Some(false),
        Some(true) if face == "yes" && c.pattern == Some(TrafficPattern::Snapshots) => Some(true),
        _ => None,
    }
}

/// Whether face recognition is in use, not only available: what traffic shows wins, then the
/// device's kind (a face terminal exists to recognise faces), then the declaration.
fn face_in_use(d: &Device, declared: Option<&DeclaredDevice>) -> Option<bool> {
    if d.cloud_contacts
        .iter()
        .any(|c| carries_faces(d, c) == Some(true))
    {
        return Some(true);
    }
    let face = d.identity.face_recognition.as_str();
    if face == "no" {
        return Some(false);
    }
    // Face snapshots pushed to a server on the LAN: faces are captured and kept, only not online.
    if face == "yes"
        && d.cloud_contacts.iter().any(|c| {
            c.scope == Some(ContactScope::Lan) && c.pattern == Some(TrafficPattern::Snapshots)
        })
    {
        return Some(true);
    }
    if face == "yes" && d.identity.device_type.as_str() == "face_terminal" {
        return Some(true);
    }
    if let Some(on) = declared.and_then(|x| x.face_recognition) {
        return Some(on);
    }
    if face == "yes"
        && declared
            .and_then(|x| x.purpose.as_deref())
            .is_some_and(|p| p == "customer_identification")
    {
        return Some(true);
    }
    None
}

/// Whether a notice or the device's declaration names this destination (case-insensitive, either
/// way round: "Alibaba Cloud" names a contact whose provider is "Alibaba Cloud (Aliyun)").
fn recipient_named(
    site: &SiteDeclaration,
    declared: Option<&DeclaredDevice>,
    c: &CloudContact,
) -> bool {
    let names: Vec<String> = [
        Some(&c.destination),
        c.name.as_ref(),
        c.provider.as_ref(),
        c.service.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|s| s.to_lowercase())
    .filter(|s| !s.is_empty())
    .collect();
    let declared_recipients = declared
        .map(|d| d.recipients.as_slice())
        .unwrap_or_default();
    site.notices
        .iter()
        .flatten()
        .flat_map(|n| n.recipients.iter())
        .chain(declared_recipients)
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty())
        .any(|r| {
            names
                .iter()
                .any(|n| n.contains(&r) || r.contains(n.as_str()))
        })
}
