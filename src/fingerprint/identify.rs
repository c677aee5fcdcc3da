//! From one host's evidence to an identity: which signatures match, which vendor and device
//! class the matches support, what model and firmware they extracted, and how sure that is.
//! Pure: reads only the [`HostObservation`] and the [`SignatureDb`].

use std::collections::BTreeMap;

use super::confidence::{Vote, combine, penalise};
use super::db::SignatureDb;
use super::matcher::{Hit, match_signature};
use super::oui::{is_locally_administered, parse_mac};
use crate::model::{
    DeviceType, Evidence, EvidenceSource, FaceRecognition, HostObservation, Identity,
};

/// Weight of a MAC prefix as vendor evidence. Low on purpose: it says who made the network
/// card, never what the device is, so alone it sets a vendor and never a device type.
pub const OUI_WEIGHT: f64 = 0.25;

/// Derived atom: one per open port (value = port number), so signatures can use ports.
pub const TCP_OPEN: &str = "tcp.open";
/// Derived atom: the host name (DHCP, DNS or NetBIOS), where known.
pub const HOST_NAME: &str = "host.name";

/// What the engine concluded about one host, and the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub identity: Identity,
    /// Vendor of the MAC prefix; `None` when unknown or locally administered.
    pub mac_vendor: Option<String>,
    /// The MAC is locally administered (randomised or virtual), so its prefix was ignored.
    pub mac_locally_administered: bool,
    /// The atoms that matched signatures (plus `mac.vendor` / `mac.locally_administered`).
    pub matched: Vec<Evidence>,
}

/// Broad class a signature or host falls in: the decision between them comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Surveillance,
    Other,
}

fn class_of(t: DeviceType) -> Option<Class> {
    match t {
        DeviceType::Other => Some(Class::Other),
        DeviceType::Unknown => None,
        _ => Some(Class::Surveillance),
    }
}

/// More specific types beat `camera` when a model family says so.
fn specificity(t: DeviceType) -> u8 {
    match t {
        DeviceType::FaceTerminal => 6,
        DeviceType::PeopleCounter => 5,
        DeviceType::AccessControl => 4,
        DeviceType::Doorbell => 3,
        DeviceType::Nvr => 2,
        DeviceType::Camera => 1,
        DeviceType::Other | DeviceType::Unknown => 0,
    }
}

/// Which extraction source to believe first for a model (lower is better).
fn model_rank(source: &str) -> u8 {
    match source.split('.').next().unwrap_or("") {
        _ if source == "onvif.model" => 0,
        "sadp" | "dhdiscover" | "xmeye" => 1,
        "dhcp" => 2,
        "ssdp" | "wsd" | "mdns" | "upnp" => 3,
        _ if source == "http.realm" => 4,
        _ if source == "rtsp.realm" => 5,
        "tls" => 6,
        _ if source == "http.title" => 7,
        _ => 8,
    }
}

fn firmware_rank(source: &str) -> u8 {
    if source == "onvif.firmware" {
        0
    } else {
        model_rank(source).saturating_add(1)
    }
}

fn same_vendor(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The host's evidence plus derived atoms (open ports, host name).
fn atoms_for(host: &HostObservation) -> Vec<Evidence> {
    let mut atoms = host.evidence.clone();
    for p in &host.open_ports {
        atoms.push(Evidence::new(TCP_OPEN, Some(p.port), p.port.to_string()));
    }
    if let Some(name) = host.hostname.as_deref().filter(|n| !n.is_empty()) {
        atoms.push(Evidence::new(HOST_NAME, None, name));
    }
    atoms
}

/// A hit's vote, keyed by the sources of the atoms it actually matched: two signatures reading
/// the same atom source are one piece of evidence, not two.
fn vote(hit: &Hit<'_>) -> Vote {
    let mut sources: Vec<&str> = hit.atoms.iter().map(|a| a.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    Vote {
        key: sources.join("+"),
        weight: hit.signature.weight,
    }
}

#[derive(Clone, Copy)]
enum Extracted {
    Model,
    Firmware,
}

/// The extracted value from the most trusted source; ties go to the heavier signature.
fn best_extracted(hits: &[&Hit<'_>], which: Extracted) -> Option<String> {
    hits.iter()
        .filter_map(|h| {
            let (value, source) = match which {
                Extracted::Model => h.model.as_ref()?,
                Extracted::Firmware => h.firmware.as_ref()?,
            };
            let rank = match which {
                Extracted::Model => model_rank(source),
                Extracted::Firmware => firmware_rank(source),
            };
            Some((rank, -h.signature.weight, value))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, v)| v.clone())
}

/// Identifies one host. Never fails: no evidence gives an unknown device with confidence 0.
pub fn identify(db: &SignatureDb, host: &HostObservation) -> Analysis {
    let atoms = atoms_for(host);
    let hits: Vec<Hit<'_>> = db
        .signatures()
        .iter()
        .filter_map(|s| match_signature(s, &atoms))
        .collect();

    let mac = host.mac.as_deref().and_then(parse_mac);
    let local = mac.is_some_and(is_locally_administered);
    let mac_vendor = if local {
        None
    } else {
        mac.and_then(|m| db.oui.lookup(m)).map(|e| e.vendor.clone())
    };

    // 1. Class: surveillance or other, by independent weight.
    let class_votes = |class: Class| -> Vec<Vote> {
        hits.iter()
            .filter(|h| h.signature.device_type.and_then(class_of) == Some(class))
            .map(|h| vote(h))
            .collect()
    };
    let surveillance = combine(&class_votes(Class::Surveillance));
    let other = combine(&class_votes(Class::Other));
    let (class, class_conflict) = if surveillance <= 0.0 && other <= 0.0 {
        (None, 0.0)
    } else if surveillance >= other {
        (Some(Class::Surveillance), other)
    } else {
        (Some(Class::Other), surveillance)
    };
    let fits_class = |h: &&Hit<'_>| match h.signature.device_type.and_then(class_of) {
        None => true,
        Some(c) => Some(c) == class,
    };

    // 2. Vendor: the best-supported one; the runner-up is a conflict.
    let mut vendor_votes: BTreeMap<String, Vec<Vote>> = BTreeMap::new();
    for h in &hits {
        if let Some(v) = &h.signature.vendor {
            let key = vendor_votes
                .keys()
                .find(|k| same_vendor(k, v))
                .cloned()
                .unwrap_or_else(|| v.clone());
            vendor_votes.entry(key).or_default().push(vote(h));
        }
    }
    if let Some(v) = &mac_vendor {
        let key = vendor_votes
            .keys()
            .find(|k| same_vendor(k, v))
            .cloned()
            .unwrap_or_else(|| v.clone());
        vendor_votes.entry(key).or_default().push(Vote {
            key: "mac.oui".into(),
            weight: OUI_WEIGHT,
        });
    }
    let mut ranked: Vec<(String, f64)> = vendor_votes
        .iter()
        .map(|(v, votes)| (v.clone(), combine(votes)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let vendor = ranked.first().map(|(v, _)| v.clone());
    let vendor_conflict = ranked.get(1).map_or(0.0, |(_, s)| *s);
    let fits_vendor = |h: &&Hit<'_>| match (&h.signature.vendor, &vendor) {
        (None, _) => true,
        (Some(a), Some(b)) => same_vendor(a, b),
        (Some(_), None) => false,
    };

    // 3. Support: everything agreeing with the chosen vendor and class.
    let agreeing: Vec<&Hit<'_>> = hits.iter().filter(fits_vendor).filter(fits_class).collect();
    let mut support: Vec<Vote> = agreeing.iter().map(|h| vote(h)).collect();
    if let (Some(m), Some(v)) = (&mac_vendor, &vendor)
        && same_vendor(m, v)
    {
        support.push(Vote {
            key: "mac.oui".into(),
            weight: OUI_WEIGHT,
        });
    }
    let confidence = penalise(combine(&support), &[vendor_conflict, class_conflict]);

    let device_type = match class {
        None => DeviceType::Unknown,
        Some(Class::Other) => DeviceType::Other,
        Some(Class::Surveillance) => agreeing
            .iter()
            .chain(hits.iter().filter(fits_class).collect::<Vec<_>>().iter())
            .filter_map(|h| h.signature.device_type)
            .max_by_key(|t| specificity(*t))
            .unwrap_or(DeviceType::Camera),
    };

    let face_recognition = {
        let says = |f: FaceRecognition| {
            hits.iter()
                .filter(fits_class)
                .any(|h| h.signature.face_recognition == Some(f))
        };
        if says(FaceRecognition::Yes) {
            FaceRecognition::Yes
        } else if says(FaceRecognition::No) {
            FaceRecognition::No
        } else {
            FaceRecognition::Unknown
        }
    };

    let model = best_extracted(&agreeing, Extracted::Model);
    let firmware = best_extracted(&agreeing, Extracted::Firmware);

    let mut matched: Vec<Evidence> = Vec::new();
    for atom in hits.iter().flat_map(|h| h.atoms.iter()) {
        if !matched.contains(atom) {
            matched.push((*atom).clone());
        }
    }
    if let (Some(v), Some(m)) = (&mac_vendor, &host.mac) {
        matched.push(Evidence::new(
            EvidenceSource::MAC_VENDOR,
            None,
            format!("{v} ({m})"),
        ));
    }
    if local && let Some(m) = &host.mac {
        matched.push(Evidence::new(EvidenceSource::MAC_LOCAL, None, m.clone()));
    }

    Analysis {
        identity: Identity {
            vendor,
            model,
            firmware,
            device_type,
            face_recognition,
            confidence,
            signatures: hits.iter().map(|h| h.signature.id.clone()).collect(),
        },
        mac_vendor,
        mac_locally_administered: local,
        matched,
    }
}
