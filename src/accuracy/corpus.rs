//! The evaluation corpus format: one TOML file per public source, each listing devices with the
//! evidence strings they sent and what a correct identification says. See
//! tests/fixtures/eval/README.md.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use serde::Deserialize;

use crate::model::{DeviceType, Evidence, FaceRecognition, HostObservation, OpenPort};

/// Broad class the device belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedClass {
    Surveillance,
    Other,
}

/// One atom value or several for the same source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: String,
    used_for_signatures: bool,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, rename = "device")]
    devices: Vec<RawDevice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    name: String,
    #[serde(default)]
    source: Option<String>,
    class: ExpectedClass,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    vendor_aliases: Vec<String>,
    #[serde(default, rename = "type")]
    device_type: Option<String>,
    #[serde(default)]
    face: Option<String>,
    #[serde(default)]
    mac: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    ports: Vec<u16>,
    /// Why an evaluation-only string may also be in signatures/ (written from another source
    /// before this corpus existed); the no-leak test skips such devices.
    #[serde(default)]
    shared_with_signatures: Option<String>,
    evidence: BTreeMap<String, OneOrMany>,
}

/// One device of the corpus: its evidence and the right answer.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalDevice {
    /// Corpus file it came from (relative name).
    pub file: String,
    pub name: String,
    /// Public source of this device's strings.
    pub source: String,
    /// True when the source was used to write signatures (so a hit proves little).
    pub used_for_signatures: bool,
    pub class: ExpectedClass,
    /// Expected vendor and other names that count as right (brand vs. maker).
    pub vendors: Vec<String>,
    pub device_type: Option<DeviceType>,
    pub face: Option<FaceRecognition>,
    pub mac: Option<String>,
    pub hostname: Option<String>,
    pub ports: Vec<u16>,
    /// Set when an evaluation-only string is also in signatures/ for an independent reason.
    pub shared_with_signatures: Option<String>,
    /// (source, value) atoms, as the device sent them.
    pub evidence: Vec<(String, String)>,
}

impl EvalDevice {
    /// True when the device is known by its MAC address alone: no port answered, no string was
    /// sent (no banner, no discovery reply, no host name). Such a device says nothing
    /// identification could read but its IEEE prefix, which names the network chip's or the
    /// brand's maker, never the kind of device; it is scored apart (see `Scores::mac_only`).
    pub fn mac_only(&self) -> bool {
        self.evidence.is_empty() && self.ports.is_empty() && self.hostname.is_none()
    }

    /// The observation the scanner would have built from this device's evidence: open ports
    /// carry the service the run's port knowledge (`services`, from `ports.toml` in the
    /// signature bundle) names, as the sweep would have filed them.
    pub fn observation(&self, services: &BTreeMap<u16, String>) -> HostObservation {
        let mut host = HostObservation::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        host.mac = self.mac.clone();
        host.hostname = self.hostname.clone();
        host.open_ports = self
            .ports
            .iter()
            .map(|p| OpenPort {
                port: *p,
                protocol: "tcp".into(),
                service: services.get(p).cloned().unwrap_or_else(|| "unknown".into()),
            })
            .collect();
        host.evidence = self
            .evidence
            .iter()
            .map(|(s, v)| Evidence::new(s.clone(), None, v.clone()))
            .collect();
        host
    }
}

/// A corpus file that does not parse or states something impossible.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CorpusError {
    pub file: String,
    pub message: String,
}

fn parse_face(s: &str) -> Option<FaceRecognition> {
    match s {
        "yes" => Some(FaceRecognition::Yes),
        "no" => Some(FaceRecognition::No),
        "unknown" => Some(FaceRecognition::Unknown),
        _ => None,
    }
}

/// Parses one corpus file. `file` names it in errors and in the results.
pub fn parse_corpus_file(file: &str, text: &str) -> Result<Vec<EvalDevice>, CorpusError> {
    let err = |message: String| CorpusError {
        file: file.to_string(),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    if raw.source.trim().is_empty() {
        return Err(err("empty `source`: name the public source".into()));
    }
    let _ = raw.note;
    raw.devices
        .into_iter()
        .map(|d| {
            let device_type = d
                .device_type
                .as_deref()
                .map(|t| t.parse::<DeviceType>())
                .transpose()
                .map_err(|e| err(format!("device `{}`: {e}", d.name)))?;
            if d.class == ExpectedClass::Surveillance
                && device_type.is_some_and(|t| !t.is_surveillance())
            {
                return Err(err(format!(
                    "device `{}`: class surveillance with type {}",
                    d.name,
                    device_type.map_or("", |t| t.as_str())
                )));
            }
            let face = match d.face.as_deref() {
                None => None,
                Some(f) => Some(parse_face(f).ok_or_else(|| {
                    err(format!(
                        "device `{}`: face must be yes, no or unknown",
                        d.name
                    ))
                })?),
            };
            let mut evidence = Vec::new();
            for (source, values) in d.evidence {
                match values {
                    OneOrMany::One(v) => evidence.push((source, v)),
                    OneOrMany::Many(vs) => {
                        evidence.extend(vs.into_iter().map(|v| (source.clone(), v)));
                    }
                }
            }
            if evidence.is_empty() && d.mac.is_none() {
                return Err(err(format!("device `{}`: no evidence", d.name)));
            }
            let mut vendors: Vec<String> = d.vendor.into_iter().collect();
            vendors.extend(d.vendor_aliases);
            Ok(EvalDevice {
                file: file.to_string(),
                name: d.name,
                source: d.source.unwrap_or_else(|| raw.source.clone()),
                used_for_signatures: raw.used_for_signatures,
                class: d.class,
                vendors,
                device_type,
                face,
                mac: d.mac,
                hostname: d.hostname,
                ports: d.ports,
                shared_with_signatures: d.shared_with_signatures,
                evidence,
            })
        })
        .collect()
}
