//! Personas as data: which device each lab host imitates, what it answers on which port, and what
//! camsweep is expected to conclude about it. Parsing and validation only; no I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Deserialize;

use super::LabError;
use super::discovery::DeviceDiscovery;
use crate::model::{DeviceType, FaceRecognition};

/// The personas shipped with camsweep, embedded at build time.
const BUNDLED_PERSONAS: &str = include_str!("personas.toml");
/// The hostile lab: personas that fight back, plus legitimate ones reused from the store.
const HOSTILE_PERSONAS: &str = include_str!("hostile.toml");

/// The lab's subnet (RFC 2544 benchmarking range: never routed on the internet).
// Evaluated at compile time: a wrong prefix length fails the build, never a run.
pub const LAB_SUBNET: Ipv4Net = match Ipv4Net::new(Ipv4Addr::new(198, 18, 0, 0), 24) {
    Ok(net) => net,
    Err(_) => panic!("198.18.0.0/24 is a valid network"),
};
/// The scanner's own address on the lab LAN.
pub const SCANNER_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The default gateway every persona routes through (a router persona may hold it).
pub const GATEWAY_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);

/// Everything the lab needs to come up: the personas to run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSpec {
    #[serde(rename = "persona")]
    pub personas: Vec<Persona>,
    /// What the personas answer to discovery (keyed by persona name).
    #[serde(default, rename = "device")]
    pub discovery: Vec<DeviceDiscovery>,
    /// The LAN the lab spans (default [`LAB_SUBNET`]); the benchmark campus is a /16.
    #[serde(skip)]
    pub subnet: Option<Ipv4Net>,
    /// Ordinary hosts that share one namespace per group (benchmark labs): each member has its
    /// own address and MAC but answers like the group's template persona.
    #[serde(skip)]
    pub groups: Vec<HostGroup>,
}

/// `hostile.toml`: hostile personas and their discovery replies, and the store personas that
/// run beside them and must still be identified.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostileFile {
    /// Names of bundled personas (personas.toml, discovery.toml) to run unchanged.
    legitimate: Vec<String>,
    #[serde(rename = "persona")]
    personas: Vec<Persona>,
    #[serde(default, rename = "device")]
    discovery: Vec<DeviceDiscovery>,
}

/// Many hosts behaving alike (office PCs, phones): one namespace, one macvlan per member.
#[derive(Debug, Clone)]
pub struct HostGroup {
    /// What every member imitates; its own `ip` and `mac` are not used.
    pub template: Persona,
    pub members: Vec<GroupMember>,
}

/// One host of a [`HostGroup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMember {
    pub ip: Ipv4Addr,
    pub mac: [u8; 6],
}

/// One simulated device on the lab LAN.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// Short unique name, used in logs and errors (`hik-bullet`).
    pub name: String,
    /// The real model imitated (`DS-2CD2143G0-I`).
    pub model: String,
    /// The real maker (`Hikvision`).
    pub vendor: String,
    pub ip: Ipv4Addr,
    /// `aa:bb:cc:dd:ee:ff`: the vendor's real OUI with a made-up NIC part.
    pub mac: String,
    /// What camsweep should conclude about this host.
    pub expect: Expectation,
    /// The rule ids camsweep's findings name for this host when the demo runs with the lab's site
    /// declaration (`signatures/sites/demo-store.toml`), sorted; tests/integration/demo.rs asserts them.
    #[serde(default)]
    pub expected_rules: Option<Vec<String>>,
    /// The public facts the behaviour is reproduced from.
    pub source: String,
    #[serde(default, rename = "service")]
    pub services: Vec<Service>,
    /// For a copy made by a benchmark lab: the persona copied, whose discovery data it shares.
    #[serde(skip)]
    pub copy_of: Option<String>,
}

/// What the integration test asserts camsweep reports for a persona.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// `None` for a no-name device whose maker cannot be told from the outside.
    pub vendor: Option<String>,
    pub device_type: DeviceType,
    pub face_recognition: FaceRecognition,
    #[serde(default)]
    pub model: Option<String>,
}

/// A listening service and how it behaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Service {
    Http(HttpService),
    Https(HttpService),
    Rtsp(RtspService),
    Onvif(OnvifService),
    Banner(BannerService),
    Silent(SilentService),
    Zk(ZkService),
    /// A port that fights back (the hostile lab, `hostile.toml`).
    Hostile(HostileService),
}

impl Service {
    pub fn port(&self) -> u16 {
        match self {
            Service::Http(s) | Service::Https(s) => s.port,
            Service::Rtsp(s) => s.port,
            Service::Onvif(s) => s.port,
            Service::Banner(s) => s.port,
            Service::Silent(s) => s.port,
            Service::Zk(s) => s.port,
            Service::Hostile(s) => s.port,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Service::Http(_) => "http",
            Service::Https(_) => "https",
            Service::Rtsp(_) => "rtsp",
            Service::Onvif(_) => "onvif",
            Service::Banner(_) => "banner",
            Service::Silent(_) => "silent",
            Service::Zk(_) => "zk",
            Service::Hostile(_) => "hostile",
        }
    }
}

/// HTTP authentication scheme a device challenges with.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthScheme {
    Basic,
    Digest,
}

/// An HTTP (or, with `certificate`, HTTPS) web interface.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HttpService {
    pub port: u16,
    /// `Server` header; absent when the device sends none.
    #[serde(default)]
    pub server: Option<String>,
    /// Status of `/` (200, or 302 with a `Location` header, or 401).
    #[serde(default = "status_ok")]
    pub status: u16,
    /// Realm of the `WWW-Authenticate` challenge sent with every 401.
    #[serde(default)]
    pub realm: Option<String>,
    #[serde(default)]
    pub auth: Option<AuthScheme>,
    /// `<title>` of `/` when `body` is not given.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Other paths the device answers (vendor login pages, APIs).
    #[serde(default)]
    pub paths: BTreeMap<String, PathResponse>,
    /// `/favicon.ico` bytes, hex encoded.
    #[serde(default)]
    pub favicon_hex: Option<String>,
    /// Certificate subject (HTTPS only): generated at start with these names.
    #[serde(default)]
    pub certificate: Option<CertificateSubject>,
}

fn status_ok() -> u16 {
    200
}

/// The answer to one extra path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathResponse {
    #[serde(default = "status_ok")]
    pub status: u16,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Distinguished-name parts of a generated self-signed certificate.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CertificateSubject {
    pub cn: String,
    #[serde(default)]
    pub o: Option<String>,
    #[serde(default)]
    pub ou: Option<String>,
    #[serde(default)]
    pub l: Option<String>,
    #[serde(default)]
    pub st: Option<String>,
    #[serde(default)]
    pub c: Option<String>,
}

/// An RTSP server (video stream endpoint; the lab never streams).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RtspService {
    pub port: u16,
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub realm: Option<String>,
    #[serde(default)]
    pub auth: Option<AuthScheme>,
    /// The `Public` header of an OPTIONS reply.
    #[serde(default = "default_rtsp_public")]
    pub public: String,
    /// Some servers challenge even OPTIONS.
    #[serde(default)]
    pub options_requires_auth: bool,
    /// `Server` header when an HTTP request arrives on the RTSP port; `None` answers in RTSP.
    #[serde(default)]
    pub http_server: Option<String>,
}

fn default_rtsp_public() -> String {
    "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER".to_owned()
}

/// ONVIF device service at `/onvif/device_service`, on the persona's HTTP service with the same
/// port, or on a small HTTP server of its own when there is none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnvifService {
    pub port: u16,
    pub manufacturer: String,
    pub model: String,
    pub firmware: String,
    pub serial: String,
    pub hardware_id: String,
    /// When true, `GetDeviceInformation` without credentials answers a `NotAuthorized` fault.
    #[serde(default)]
    pub device_info_requires_auth: bool,
    /// `Server` header when ONVIF runs on a port of its own.
    #[serde(default)]
    pub server: Option<String>,
}

/// Bytes sent as soon as a client connects (telnet, SSH, printer or vendor SDK ports).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannerService {
    pub port: u16,
    pub banner: String,
}

/// ZKTeco's terminal protocol (TCP 4370): answers a client's connect and option reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZkService {
    pub port: u16,
    /// `~DeviceName`, the model name the terminal reports.
    pub device_name: String,
    /// `~SerialNumber`, if the persona tells it.
    #[serde(default)]
    pub serial: Option<String>,
}

/// A hostile port: after the client's first request (or at once, for `reset`), it answers in a
/// way meant to stall, exhaust or fool a scanner. See docs/robustness.md.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostileService {
    pub port: u16,
    pub behaviour: HostileBehaviour,
    /// The bytes sent (`drip`, `raw`) or the head sent before the endless part
    /// (`endless_body`, `huge_length`, `gzip_bomb`). TOML escapes (`\u001b`) are allowed.
    #[serde(default)]
    pub reply: String,
    /// Bytes spliced in where `reply` says `{hex}` (binary, invalid UTF-8), hex encoded.
    #[serde(default)]
    pub hex: Option<String>,
}

/// What a hostile port does.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HostileBehaviour {
    /// Sends `reply` one byte a second.
    Drip,
    /// Sends `reply`, then chunked body chunks for as long as the client reads.
    EndlessBody,
    /// Sends `reply` (which declares `Content-Length: 10737418240`), then filler for as long as
    /// the client reads.
    HugeLength,
    /// Sends `reply` (which declares `Content-Encoding: gzip`), then a gzip stream of zeros that
    /// never ends (about 1000:1).
    GzipBomb,
    /// Accepts and resets the connection at once (RST, no FIN).
    Reset,
    /// Sends `reply` verbatim and closes.
    Raw,
}

impl HostileService {
    /// `reply` with `{hex}` replaced by the decoded `hex` bytes.
    ///
    /// # Errors
    /// A message when `hex` is not hex.
    pub fn reply_bytes(&self) -> Result<Vec<u8>, String> {
        let spliced = match &self.hex {
            Some(h) => hex::decode(h).map_err(|e| format!("port {}: hex: {e}", self.port))?,
            None => Vec::new(),
        };
        let mut out = Vec::with_capacity(self.reply.len() + spliced.len());
        let mut parts = self.reply.split("{hex}");
        if let Some(first) = parts.next() {
            out.extend_from_slice(first.as_bytes());
        }
        for part in parts {
            out.extend_from_slice(&spliced);
            out.extend_from_slice(part.as_bytes());
        }
        Ok(out)
    }
}

/// A port that accepts connections and never says anything (many vendor SDK ports).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilentService {
    pub port: u16,
    /// Reads up to this many bytes per connection before dropping it (default 64 KiB): a
    /// server that receives uploads (pictures pushed to a platform) takes whole messages.
    #[serde(default)]
    pub accepts_bytes: Option<usize>,
}

impl LabSpec {
    /// The personas shipped with camsweep.
    ///
    /// # Errors
    /// [`LabError::Spec`] if the embedded data does not parse or validate (a build defect).
    pub fn bundled() -> Result<LabSpec, LabError> {
        let mut spec: LabSpec = toml::from_str(BUNDLED_PERSONAS).map_err(|e| LabError::Spec {
            persona: None,
            reason: e.to_string(),
        })?;
        // Personas that exist for discovery alone live beside their discovery data.
        let discovery = super::discovery::bundled()?;
        spec.personas.extend(discovery.personas);
        spec.discovery.extend(discovery.devices);
        spec.validate()?;
        Ok(spec)
    }

    /// The hostile lab: the personas of `hostile.toml` (slow, lying, flooding, injecting) and the
    /// legitimate store personas it names, which must still be identified beside them.
    ///
    /// # Errors
    /// [`LabError::Spec`] if the embedded data does not parse or validate, or names an unknown
    /// store persona.
    pub fn hostile() -> Result<LabSpec, LabError> {
        let file: HostileFile = toml::from_str(HOSTILE_PERSONAS).map_err(|e| LabError::Spec {
            persona: None,
            reason: format!("hostile.toml: {e}"),
        })?;
        let store = LabSpec::bundled()?;
        let mut spec = LabSpec {
            personas: Vec::new(),
            discovery: file.discovery,
            subnet: None,
            groups: Vec::new(),
        };
        for name in &file.legitimate {
            let persona = store
                .personas
                .iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| LabError::Spec {
                    persona: Some(name.clone()),
                    reason: "hostile.toml names a store persona that does not exist".into(),
                })?;
            spec.personas.push(persona.clone());
            spec.discovery.extend(store.discovery_for(name).cloned());
        }
        spec.personas.extend(file.personas);
        spec.validate()?;
        Ok(spec)
    }

    /// The discovery data of one persona, if any.
    pub fn discovery_for(&self, persona: &str) -> Option<&DeviceDiscovery> {
        self.discovery.iter().find(|d| d.persona == persona)
    }

    /// Parses and validates persona data.
    ///
    /// # Errors
    /// [`LabError::Spec`] naming the persona and what is wrong with it.
    pub fn from_toml(text: &str) -> Result<LabSpec, LabError> {
        let spec: LabSpec = toml::from_str(text).map_err(|e| LabError::Spec {
            persona: None,
            reason: e.to_string(),
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// The LAN the lab spans.
    pub fn subnet(&self) -> Ipv4Net {
        self.subnet.unwrap_or(LAB_SUBNET)
    }

    /// Checks names, addresses and MACs are unique and every service is well formed.
    ///
    /// # Errors
    /// [`LabError::Spec`] naming the persona and what is wrong with it.
    pub fn validate(&self) -> Result<(), LabError> {
        let subnet = self.subnet();
        let mut names = BTreeSet::new();
        let mut ips = BTreeSet::new();
        let mut macs = BTreeSet::new();
        for persona in &self.personas {
            let fail = |reason: String| LabError::Spec {
                persona: Some(persona.name.clone()),
                reason,
            };
            if !names.insert(persona.name.as_str()) {
                return Err(fail("duplicate name".into()));
            }
            validate_address(subnet, persona.ip).map_err(&fail)?;
            if !ips.insert(persona.ip) {
                return Err(fail(format!("duplicate ip {}", persona.ip)));
            }
            let mac = persona.mac_bytes().map_err(&fail)?;
            if !macs.insert(mac) {
                return Err(fail(format!("duplicate mac {}", persona.mac)));
            }
            persona.validate_services().map_err(&fail)?;
        }
        for group in &self.groups {
            let fail = |reason: String| LabError::Spec {
                persona: Some(group.template.name.clone()),
                reason,
            };
            group.template.validate_services().map_err(&fail)?;
            for member in &group.members {
                validate_address(subnet, member.ip).map_err(&fail)?;
                if !ips.insert(member.ip) {
                    return Err(fail(format!("duplicate ip {}", member.ip)));
                }
                if member.mac[0] & 1 == 1 || !macs.insert(member.mac) {
                    return Err(fail(format!("bad or duplicate mac for {}", member.ip)));
                }
            }
        }
        Ok(())
    }
}

fn validate_address(subnet: Ipv4Net, ip: Ipv4Addr) -> Result<(), String> {
    if !subnet.contains(&ip) || ip == subnet.network() || ip == subnet.broadcast() {
        return Err(format!("ip {ip} is not a host address in {subnet}"));
    }
    if ip == SCANNER_IP {
        return Err(format!("ip {ip} is the scanner's"));
    }
    Ok(())
}

impl Persona {
    /// The name of the persona this one imitates: its own, or the original's for a copy.
    pub fn original_name(&self) -> &str {
        self.copy_of.as_deref().unwrap_or(&self.name)
    }

    /// The MAC as bytes.
    ///
    /// # Errors
    /// A message when the text is not six hex octets or names a multicast address.
    pub fn mac_bytes(&self) -> Result<[u8; 6], String> {
        parse_mac(&self.mac)
    }

    fn validate_services(&self) -> Result<(), String> {
        let mut ports = BTreeMap::new();
        for service in &self.services {
            let port = service.port();
            if port == 0 {
                return Err(format!("{} service on port 0", service.kind()));
            }
            match (service, ports.insert(port, service.kind())) {
                // ONVIF rides on the HTTP service of the same port.
                (Service::Onvif(_), Some("http")) | (_, None) => {}
                (_, Some(other)) => {
                    return Err(format!(
                        "port {port} used by both {other} and {}",
                        service.kind()
                    ));
                }
            }
            match service {
                Service::Https(s) if s.certificate.is_none() => {
                    return Err(format!("https on port {port} has no certificate subject"));
                }
                Service::Http(s) if s.certificate.is_some() => {
                    return Err(format!(
                        "http on port {port} has a certificate: use kind https"
                    ));
                }
                Service::Http(s) | Service::Https(s) => validate_http(s)?,
                Service::Hostile(s) => {
                    s.reply_bytes()?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The HTTP service ONVIF shares a port with, if any.
    pub fn http_on_port(&self, port: u16) -> Option<&HttpService> {
        self.services.iter().find_map(|s| match s {
            Service::Http(h) if h.port == port => Some(h),
            _ => None,
        })
    }

    /// The ONVIF service riding on `port`, if any.
    pub fn onvif_on_port(&self, port: u16) -> Option<&OnvifService> {
        self.services.iter().find_map(|s| match s {
            Service::Onvif(o) if o.port == port => Some(o),
            _ => None,
        })
    }
}

fn validate_http(s: &HttpService) -> Result<(), String> {
    let statuses = std::iter::once(s.status).chain(s.paths.values().map(|p| p.status));
    for status in statuses {
        if !(100..=599).contains(&status) {
            return Err(format!(
                "port {}: HTTP status {status} out of range",
                s.port
            ));
        }
        if status == 401 && (s.auth.is_none() || s.realm.is_none()) {
            return Err(format!("port {}: a 401 needs `auth` and `realm`", s.port));
        }
    }
    if let Some(hex_text) = &s.favicon_hex {
        hex::decode(hex_text).map_err(|e| format!("port {}: favicon_hex: {e}", s.port))?;
    }
    if s.paths.keys().any(|p| !p.starts_with('/')) {
        return Err(format!("port {}: every path must start with '/'", s.port));
    }
    Ok(())
}

/// Parses `aa:bb:cc:dd:ee:ff` (or with `-`).
///
/// # Errors
/// A message when the text is not six hex octets or is a multicast address.
pub fn parse_mac(text: &str) -> Result<[u8; 6], String> {
    let mut mac = [0u8; 6];
    let mut parts = text.split([':', '-']);
    for octet in &mut mac {
        let part = parts
            .next()
            .ok_or_else(|| format!("mac {text}: too short"))?;
        if part.len() != 2 {
            return Err(format!("mac {text}: octet `{part}` is not two hex digits"));
        }
        *octet = u8::from_str_radix(part, 16).map_err(|e| format!("mac {text}: {e}"))?;
    }
    if parts.next().is_some() {
        return Err(format!("mac {text}: too long"));
    }
    if mac[0] & 1 == 1 {
        return Err(format!("mac {text}: multicast bit set"));
    }
    Ok(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IEEE (and, for MA-S blocks, nmap-mac-prefixes) registrants of the prefixes the personas use,
    /// checked against Debian's `ieee-data` and shared/data/oui-camera-vendors.tsv.
    const OUI_REGISTRANTS: &[(&str, &str)] = &[
        ("44:47:cc", "Hangzhou Hikvision Digital Technology"),
        ("bc:ad:28", "Hangzhou Hikvision Digital Technology"),
        ("58:03:fb", "Hangzhou Hikvision Digital Technology"),
        ("c0:56:e3", "Hangzhou Hikvision Digital Technology"),
        ("54:c4:15", "Hangzhou Hikvision Digital Technology"),
        ("e0:50:8b", "Zhejiang Dahua Technology"),
        ("3c:ef:8c", "Zhejiang Dahua Technology"),
        ("9c:14:63", "Zhejiang Dahua Technology"),
        ("48:ea:63", "Zhejiang Uniview Technologies"),
        ("ac:cc:8e", "Axis Communications AB"),
        ("64:f2:fb", "Hangzhou Ezviz Software"),
        ("ec:71:db", "Reolink Innovation Limited"),
        ("50:c7:bf", "TP-LINK TECHNOLOGIES"),
        ("60:3a:7c", "TP-LINK TECHNOLOGIES"),
        ("8c:1f:64:73:4", "Zkteco Europe"),
        ("24:e1:24", "Xiamen Milesight IoT"),
        ("00:02:d1", "Vivotek"),
        ("3c:da:6d", "Tiandy Technologies"),
        ("e4:30:22", "Hanwha Techwin Security Vietnam"),
        ("00:09:18", "SAMSUNG TECHWIN CO.,LTD"),
        ("10:a4:be", "SHENZHEN BILIAN ELECTRONIC"),
        ("0c:8c:24", "SHENZHEN BILIAN ELECTRONIC"),
        ("3c:d9:2b", "Hewlett Packard"),
        ("00:11:32", "Synology Incorporated"),
        ("a4:bb:6d", "Dell Inc."),
        ("dc:a6:32", "Raspberry Pi Trading"),
    ];

    /// Which registrant may stand behind each persona vendor. Xiongmai and no-name boards have no
    /// OUI of their own and ship a NIC module maker's.
    fn registrant_allowed(vendor: &str, registrant: &str) -> bool {
        let wanted = match vendor {
            "Hikvision" => "Hikvision",
            "Dahua" => "Dahua",
            "Uniview" => "Uniview",
            "Axis" => "Axis",
            "EZVIZ" => "Ezviz",
            "Reolink" => "Reolink",
            "TP-Link" => "TP-LINK",
            "ZKTeco" => "Zkteco",
            "Milesight" => "Milesight",
            "Vivotek" => "Vivotek",
            "Tiandy" => "Tiandy",
            // Hanwha Vision was Samsung Techwin: older blocks carry the old name.
            "Hanwha Vision" => {
                return ["hanwha", "samsung techwin"]
                    .iter()
                    .any(|w| registrant.to_lowercase().contains(w));
            }
            "Xiongmai" | "unknown" => "BILIAN",
            "HP" => "Hewlett Packard",
            "Synology" => "Synology",
            "Dell" => "Dell",
            "Raspberry Pi" => "Raspberry Pi",
            _ => return false,
        };
        registrant.to_lowercase().contains(&wanted.to_lowercase())
    }

    fn bundled() -> LabSpec {
        LabSpec::bundled().expect("bundled personas parse and validate")
    }

    /// The shipped personas parse, and every address is a unique host in the lab subnet.
    #[test]
    fn bundled_personas_have_unique_addresses_in_the_lab_subnet() {
        let spec = bundled();
        let ips: BTreeSet<_> = spec.personas.iter().map(|p| p.ip).collect();
        let macs: BTreeSet<_> = spec
            .personas
            .iter()
            .map(|p| p.mac_bytes().unwrap())
            .collect();
        assert_eq!(ips.len(), spec.personas.len());
        assert_eq!(macs.len(), spec.personas.len());
        assert!(
            spec.personas
                .iter()
                .all(|p| LAB_SUBNET.contains(&p.ip) && p.ip != SCANNER_IP)
        );
        assert!(
            spec.personas.iter().any(|p| p.ip == GATEWAY_IP),
            "a router persona holds .1"
        );
    }

    /// Every MAC carries a real OUI registered to the persona's vendor (or its NIC maker).
    #[test]
    fn every_mac_oui_belongs_to_the_persona_vendor() {
        for persona in bundled().personas {
            let mac = persona.mac.to_lowercase();
            let (_, registrant) = OUI_REGISTRANTS
                .iter()
                .find(|(prefix, _)| mac.starts_with(prefix))
                .unwrap_or_else(|| panic!("{}: OUI of {mac} not in the table", persona.name));
            assert!(
                registrant_allowed(&persona.vendor, registrant),
                "{}: {mac} is registered to {registrant}, not {}",
                persona.name,
                persona.vendor
            );
            assert!(
                !mac_bytes_locally_administered(&persona),
                "{}",
                persona.name
            );
        }
    }

    fn mac_bytes_locally_administered(persona: &Persona) -> bool {
        persona.mac_bytes().unwrap()[0] & 0b10 != 0
    }

    /// The lab holds at least 15 surveillance devices, 4 decoys, and face-recognition devices
    /// of both kinds (camera and terminal).
    #[test]
    fn lab_mixes_surveillance_devices_face_devices_and_decoys() {
        let spec = bundled();
        let surveillance = spec
            .personas
            .iter()
            .filter(|p| p.expect.device_type.is_surveillance());
        let decoys = spec
            .personas
            .iter()
            .filter(|p| p.expect.device_type == DeviceType::Other);
        assert!(surveillance.count() >= 15);
        assert!(decoys.clone().count() >= 4);
        // A decoy never recognises faces for sure; devices that cannot (printers, NAS, routers)
        // say so, and at least those are `no`.
        assert!(
            decoys
                .clone()
                .all(|p| p.expect.face_recognition != FaceRecognition::Yes)
        );
        assert!(
            decoys
                .clone()
                .filter(|p| p.expect.face_recognition == FaceRecognition::No)
                .count()
                >= 3
        );
        let face: Vec<_> = spec
            .personas
            .iter()
            .filter(|p| p.expect.face_recognition == FaceRecognition::Yes)
            .map(|p| p.expect.device_type)
            .collect();
        assert!(face.contains(&DeviceType::Camera) && face.contains(&DeviceType::FaceTerminal));
        let unknown_vendor = spec
            .personas
            .iter()
            .find(|p| p.expect.vendor.is_none())
            .unwrap();
        assert_eq!(unknown_vendor.expect.device_type, DeviceType::Camera);
    }

    /// Every persona names its public sources and listens somewhere (a TCP service, or a
    /// discovery protocol in `discovery.toml`).
    #[test]
    fn every_persona_cites_sources_and_has_services() {
        for persona in bundled().personas {
            assert!(persona.source.len() > 20, "{}", persona.name);
            assert!(
                !persona.services.is_empty()
                    || crate::lab::discovery::for_persona(&persona.name).is_some(),
                "{}",
                persona.name
            );
        }
    }

    const ONE: &str = r#"
[[persona]]
name = "cam"
model = "M"
vendor = "V"
ip = "198.18.0.40"
mac = "44:47:cc:00:00:01"
expect = { vendor = "V", device_type = "camera", face_recognition = "no" }
source = "test"
"#;

    /// Typos in persona data are rejected rather than silently ignored.
    #[test]
    fn unknown_fields_are_rejected() {
        let text = ONE.replace("source = ", "colour = \"red\"\nsource = ");
        let err = LabSpec::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
        let text =
            format!("{ONE}\n[[persona.service]]\nkind = \"http\"\nport = 80\nservr = \"x\"\n");
        assert!(LabSpec::from_toml(&text).is_err());
    }

    /// Addresses outside the lab, the scanner's address and duplicate MACs are refused.
    #[test]
    fn bad_addresses_are_refused_with_the_persona_named() {
        for bad in ["10.0.0.5", "198.18.0.2", "198.18.0.255", "198.18.1.4"] {
            let err = LabSpec::from_toml(&ONE.replace("198.18.0.40", bad)).unwrap_err();
            assert!(err.to_string().contains("persona cam"), "{err}");
        }
        let twice = format!(
            "{ONE}{}",
            ONE.replace("\"cam\"", "\"cam2\"").replace(".40", ".41")
        );
        assert!(
            LabSpec::from_toml(&twice)
                .unwrap_err()
                .to_string()
                .contains("duplicate mac")
        );
    }

    /// A 401 without a realm, an HTTPS service without a certificate and a port used twice are errors.
    #[test]
    fn inconsistent_services_are_refused() {
        let cases = [
            "[[persona.service]]\nkind = \"http\"\nport = 80\nstatus = 401\n",
            "[[persona.service]]\nkind = \"https\"\nport = 443\n",
            "[[persona.service]]\nkind = \"silent\"\nport = 80\n[[persona.service]]\nkind = \"banner\"\nport = 80\nbanner = \"x\"\n",
        ];
        for case in cases {
            assert!(
                LabSpec::from_toml(&format!("{ONE}{case}")).is_err(),
                "{case}"
            );
        }
    }

    #[test]
    fn mac_parsing_rejects_garbage_and_multicast() {
        assert_eq!(
            parse_mac("AC-CC-8E-01-02-03").unwrap(),
            [0xac, 0xcc, 0x8e, 1, 2, 3]
        );
        for bad in [
            "",
            "ac:cc:8e",
            "ac:cc:8e:01:02:03:04",
            "zz:cc:8e:01:02:03",
            "01:00:5e:00:00:01",
            "a:cc:8e:01:02:033",
        ] {
            assert!(parse_mac(bad).is_err(), "{bad}");
        }
    }
}
