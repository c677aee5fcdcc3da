//! The report: `report.json`, the contract other tools read (`../shared/docs/report-contract.md`).

use serde::{Deserialize, Serialize};

use super::{CloudCategory, ContactScope, CutShort, Evidence, LimitHit, OpenPort, TrafficPattern};

/// Version of the report format; bumped only on an incompatible change.
pub const SCHEMA_VERSION: &str = "1";

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool: ToolInfo,
    pub signatures: SignatureSetInfo,
    pub scan: ScanInfo,
    /// The site declaration used, or null.
    pub site: Option<serde_json::Value>,
    pub devices: Vec<Device>,
    pub findings: Vec<Finding>,
    /// What an inspector must check on site before a rule can decide: facts the scan cannot see
    /// and the site declaration does not answer. Never a finding of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to_verify: Vec<VerifyItem>,
    pub evidence_files: Vec<EvidenceFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// Which signature set decided the identities, so a result can be reproduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureSetInfo {
    pub version: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanMode {
    Audit,
    Scan,
    Analyze,
    Demo,
}

/// When, what and how the scan ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanInfo {
    pub mode: ScanMode,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// False when interrupted or cut short.
    pub complete: bool,
    pub targets: Vec<String>,
    pub interface: Option<String>,
    pub captures: Vec<String>,
    /// Addresses swept (after expanding the targets).
    #[serde(default)]
    pub addresses_scanned: u64,
    /// TCP ports swept on each address.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// How hosts were discovered (`tcp_connect`, `neighbour`, later `arp`, …), and what was not available.
    #[serde(default)]
    pub discovery: Vec<String>,
    /// Why the scan is incomplete, or what was cut short (limits reached, probes timed out).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The same notes as keys and values, with their sentence in both languages, in the order
    /// of `notes` (each item's `en` is its line there): what lets a report be rendered again in
    /// either language. Absent in reports written before it existed; [`ScanInfo::push_note`]
    /// keeps the two in step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note_items: Vec<super::NoteItem>,
    /// Who authorised the scan, where given.
    #[serde(default)]
    pub authorised_by: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// Scan-wide bounds that were reached (hosts kept, discovery replies kept …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits_hit: Vec<LimitHit>,
    /// The signal (`SIGINT`, `SIGTERM`) that stopped the run before it finished; the report then
    /// holds what was found up to then and `complete` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted_by: Option<String>,
    /// Captures that were read only up to damage (truncated or corrupt), and where.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub damaged_captures: Vec<DamagedCapture>,
    /// True when MAC addresses, serial numbers and host names were removed (`--redact`) for
    /// sharing the report; `notes` says what was removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    /// Where the traffic analysed was seen from: `mirror_port`, `router_capture`,
    /// `interception`, `bridge`, `capture_file` or `none` (no traffic seen: uploads could not be
    /// observed). Absent in reports written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vantage: Option<String>,
    /// What an authorised ARP interception (`audit --intercept`) did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interception: Option<super::Interception>,
    /// What the inline bridge (`audit --bridge`) did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<super::Bridge>,
    /// Frames the kernel dropped during a live capture (its socket buffer was full): traffic
    /// that crossed the wire and was not counted. Absent without a live capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_kernel_drops: Option<u64>,
    /// Every address of the inspector's own machine during the scan (all its interfaces), or the
    /// addresses `analyze` was told are the scanner's: never a device's contact, since packets to
    /// and from them are the scan's probes and their replies. Absent when none is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scanner_addresses: Vec<String>,
}

impl ScanInfo {
    /// A scan record of `mode` that ran from `started_at` to `finished_at` and was complete,
    /// with nothing else recorded yet: the one place every field gets its starting value
    /// (`ScanInfo { targets, ..ScanInfo::new(…) }` fills in the rest).
    pub fn new(mode: ScanMode, started_at: String, finished_at: String) -> Self {
        ScanInfo {
            mode,
            started_at,
            finished_at,
            complete: true,
            targets: Vec::new(),
            interface: None,
            captures: Vec::new(),
            addresses_scanned: 0,
            ports: Vec::new(),
            discovery: Vec::new(),
            notes: Vec::new(),
            note_items: Vec::new(),
            authorised_by: None,
            lang: None,
            limits_hit: Vec::new(),
            interrupted_by: None,
            damaged_captures: Vec::new(),
            redacted: false,
            vantage: None,
            interception: None,
            bridge: None,
            capture_kernel_drops: None,
            scanner_addresses: Vec::new(),
        }
    }
}

impl ScanInfo {
    /// Adds `note`: its English line to `notes`, itself to `note_items`.
    pub fn push_note(&mut self, note: super::Note) {
        let item = super::NoteItem::new(note);
        self.notes.push(item.en.clone());
        self.note_items.push(item);
    }

    /// Adds every note of `notes`, in order.
    pub fn extend_notes(&mut self, notes: impl IntoIterator<Item = super::Note>) {
        for note in notes {
            self.push_note(note);
        }
    }

    /// Each line of `notes` in Chinese (`zh`) or English: from its item (the items follow the
    /// lines in order; a line is an item's when it is the item's English), else (a report written
    /// before items existed, or a line another tool added) the line read against the locale
    /// file's note sentences.
    pub fn notes_in(&self, zh: bool) -> Vec<String> {
        let mut items = self.note_items.iter().peekable();
        self.notes
            .iter()
            .map(|line| match items.next_if(|item| item.en == *line) {
                Some(item) => item.text(zh),
                None => crate::locale::note(line, zh),
            })
            .collect()
    }
}

/// A capture file read only up to the byte where it is damaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamagedCapture {
    pub path: String,
    /// Bytes of the file read and analysed before the damage.
    pub offset: u64,
    pub reason: String,
}

impl DamagedCapture {
    /// The note for `scan.notes` and the terminal.
    pub fn note(&self) -> super::Note {
        super::Note::new("capture_damaged")
            .arg("path", &self.path)
            .arg("offset", self.offset)
            .arg("reason", &self.reason)
    }
}

/// One host on the network and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub ip: String,
    pub mac: Option<String>,
    pub mac_vendor: Option<String>,
    pub hostname: Option<String>,
    pub open_ports: Vec<OpenPort>,
    pub identity: Identity,
    pub evidence: Vec<Evidence>,
    pub cloud_contacts: Vec<CloudContact>,
    /// Bytes the device sent per minute of capture time, for plotting (traffic analysis only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream_timeline: Vec<UpstreamMinute>,
    /// Probes of this device that stopped before they were done, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut_short: Vec<CutShort>,
    /// What the device itself says about its vendor-cloud or P2P access (no traffic needed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cloud_indications: Vec<CloudIndication>,
    /// What this host receives from surveillance or face devices on the LAN (traffic analysis):
    /// present when it is a local data store, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_store: Option<DataStore>,
    /// Further LAN addresses of the same device (one MAC): it is listed once, under `ip`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_addresses: Vec<String>,
}

/// A cloud or P2P service the device reports as switched on, from one evidence atom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudIndication {
    /// What is on: `hik_connect_enabled`, …
    pub kind: String,
    /// The evidence atom it rests on (`sadp.hc_platform_enable`).
    pub source: String,
    /// The atom's value as the device sent it.
    pub value: String,
    /// The public source for what the value means.
    pub meaning_source: String,
    /// For `upnp_port_mapping`: the entry of the gateway's port-mapping table that forwards a
    /// port on its internet side to this device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_mapping: Option<PortMapping>,
}

/// One entry of the store gateway's UPnP port-mapping table (IGD `GetGenericPortMappingEntry`),
/// read-only: a port on the gateway's internet side forwarded to a LAN device, which the device
/// (or software on it) asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// The gateway that holds the mapping.
    pub gateway: String,
    /// `TCP` or `UDP`.
    pub protocol: String,
    /// The port open on the gateway's internet side (0: any port, where the gateway allows it).
    pub external_port: u16,
    pub internal_client: String,
    pub internal_port: u16,
    /// The only internet host let in; absent: any host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
    pub enabled: bool,
    /// Free text chosen by whoever asked for the mapping.
    pub description: String,
    /// Seconds left on the mapping; 0: permanent.
    pub lease_seconds: u32,
}

/// A LAN host that receives image-sized uploads (snapshots, video) from surveillance or face
/// devices: a local server, recorder or PC where the pictures end up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataStore {
    /// `face_images` when a face-capable device sends it snapshots, else `images`.
    pub holds: String,
    /// Each sending device, biggest first.
    pub from: Vec<ReceivedUpload>,
}

/// One device's uploads to a local data store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedUpload {
    /// The sender's device id (`d-<ip>`) and address.
    pub device: String,
    pub ip: String,
    /// The store's port the uploads went to.
    pub port: u16,
    /// Bytes the sender sent to the store.
    pub bytes: u64,
    /// The traffic's shape (`snapshots`, `video_stream`, `bulk`).
    pub pattern: TrafficPattern,
    /// The sender is face-capable and sent snapshots: face images.
    pub faces: bool,
}

/// One minute of a device's upstream traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamMinute {
    /// Start of the minute, RFC 3339.
    pub minute: String,
    /// Everything the device sent.
    pub bytes_up: u64,
    /// What it sent to destinations outside the local network.
    pub bytes_up_internet: u64,
}

impl Device {
    /// The stable id of a device at an address: `d-<ip>`.
    pub fn id_for(ip: &str) -> String {
        format!("d-{ip}")
    }

    /// A surveillance device: camera, recorder, face terminal, counter, access control or doorbell.
    pub fn is_surveillance(&self) -> bool {
        self.identity.device_type.is_surveillance()
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    Camera,
    Nvr,
    FaceTerminal,
    PeopleCounter,
    AccessControl,
    Doorbell,
    /// Reads vehicle licence plates (ANPR/LPR, 车牌识别): vehicle and plate data, not faces.
    PlateCamera,
    Other,
    #[default]
    Unknown,
}

impl DeviceType {
    pub const ALL: [DeviceType; 9] = [
        DeviceType::Camera,
        DeviceType::Nvr,
        DeviceType::FaceTerminal,
        DeviceType::PeopleCounter,
        DeviceType::AccessControl,
        DeviceType::Doorbell,
        DeviceType::PlateCamera,
        DeviceType::Other,
        DeviceType::Unknown,
    ];

    /// The name used in report.json.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Camera => "camera",
            DeviceType::Nvr => "nvr",
            DeviceType::FaceTerminal => "face_terminal",
            DeviceType::PeopleCounter => "people_counter",
            DeviceType::AccessControl => "access_control",
            DeviceType::Doorbell => "doorbell",
            DeviceType::PlateCamera => "plate_camera",
            DeviceType::Other => "other",
            DeviceType::Unknown => "unknown",
        }
    }

    /// Human labels for reports (`locales/zh-CN.toml`, section `device_type`).
    pub fn label(self, lang: &str) -> &'static str {
        crate::locale::label("device_type", self.as_str(), lang == "zh")
    }

    pub fn is_surveillance(self) -> bool {
        !matches!(self, DeviceType::Other | DeviceType::Unknown)
    }
}

impl std::str::FromStr for DeviceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown device type `{s}`"))
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum FaceRecognition {
    Yes,
    No,
    #[default]
    Unknown,
}

impl FaceRecognition {
    pub fn as_str(self) -> &'static str {
        match self {
            FaceRecognition::Yes => "yes",
            FaceRecognition::No => "no",
            FaceRecognition::Unknown => "unknown",
        }
    }
}

/// Why a device type is only likely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeBasis {
    /// Only the MAC prefix of a maker that builds only surveillance gear.
    MacMakerOnly,
}

impl TypeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeBasis::MacMakerOnly => "mac_maker_only",
        }
    }

    /// The qualifier reports put after the type label (`locales/zh-CN.toml`, `type_basis`).
    pub fn label(self, lang: &str) -> &'static str {
        crate::locale::label("type_basis", self.as_str(), lang == "zh")
    }
}

impl Identity {
    /// The device type as reports show it: `camera`, or `camera (likely; from the MAC maker
    /// only)` when only the MAC prefix's maker says so.
    pub fn type_label(&self, lang: &str) -> String {
        let label = self.device_type.label(lang);
        match self.type_basis {
            None => label.to_string(),
            Some(b) => crate::locale::template(
                "report",
                "type_with_basis",
                lang == "zh",
                &[("label", label), ("basis", b.label(lang))],
            ),
        }
    }
}

/// What the signature engine concluded a device is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Identity {
    pub vendor: Option<String>,
    /// The maker whose firmware the vendor's device runs, when it is not the vendor itself
    /// (Amcrest → Dahua, Annke → Hikvision). Absent when they are the same or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub device_type: DeviceType,
    /// Set when the device type is only likely: `mac_maker_only` = nothing but the MAC prefix of
    /// a maker that builds only surveillance gear says so. Absent when evidence decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_basis: Option<TypeBasis>,
    pub face_recognition: FaceRecognition,
    /// 0.0 ..= 1.0; grows with independent agreeing evidence.
    pub confidence: f64,
    /// Ids of the signatures that matched.
    pub signatures: Vec<String>,
}

/// A destination a device talked to, from traffic analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudContact {
    pub destination: String,
    pub port: u16,
    pub protocol: String,
    pub name: Option<String>,
    pub name_source: Option<String>,
    pub provider: Option<String>,
    pub service: Option<String>,
    pub category: CloudCategory,
    pub country: Option<String>,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub packets_up: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub upload: bool,
    /// `lan` for a destination on the local network, `internet` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ContactScope>,
    /// What the traffic looks like: video_stream, snapshots, bulk, heartbeat, control, network_service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<TrafficPattern>,
    /// Why the pattern (and so `upload`) was judged so, in words: "12 bursts of ≥ 32 kB in
    /// 10 min (largest 410 kB)", "steady 180 B/s over 10 min, no burst: heartbeat".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// Text in both report languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Localized {
    pub zh: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: &str) -> &str {
        if lang == "zh" { &self.zh } else { &self.en }
    }
}

/// A rule a device (or the site) appears to break, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub rule: String,
    pub severity: Severity,
    pub device: Option<String>,
    pub title: Localized,
    pub detail: Localized,
    pub legal_basis: Vec<String>,
    pub remedy: Localized,
    pub evidence: Vec<String>,
    /// True when the finding holds only if facts the operator may have declared are as assumed
    /// (no site declaration was given, or it is silent on them); `conditions` says which.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
    /// What must be true of the site for a conditional finding to hold ("no posted notice names …").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Localized>,
    /// What a store manager can do about it (from `signatures/advice/`), where camsweep has advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<Advice>,
    /// The legal theme the finding groups (notice, consent, purpose, transfer, cross_border,
    /// security, retention, minors, private_space, filing, inventory); `rule` is its primary rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// Every rule that fired for this device and theme (`rule` first); `legal_basis` cites them all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// What the observed pattern would need to be lawful (separate consent, a notice naming the
    /// recipient, …); whether it exists is in `to_verify` unless the site declaration answers it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lawful_if: Vec<Localized>,
}

/// One thing to check on site: a rule (or the lawfulness of a finding) waits on facts nobody has
/// declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyItem {
    /// `V-1`, `V-2`, … in report order.
    pub id: String,
    /// The theme's primary rule this check decides.
    pub rule: String,
    /// Every rule the check decides.
    pub rules: Vec<String>,
    pub theme: String,
    /// Device id, or null for a site-wide check.
    pub device: Option<String>,
    /// Where to look: the declared location, else the device's address.
    pub location: Option<String>,
    /// `applies_if`: the rule applies if these hold; `lawful_if`: the finding named in `finding`
    /// is answered (lawful) if these hold.
    pub kind: String,
    /// What to check, as sentences.
    pub check: Vec<Localized>,
    /// What the check decides (the rule's title).
    pub decides: Localized,
    /// Severity the rule carries if the check goes against the site.
    pub severity: Severity,
    pub legal_basis: Vec<String>,
    /// The finding whose lawfulness this check decides (`kind = lawful_if`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

/// Concrete steps for a finding: a notice to post and, for uploads, where in the device's own
/// settings the cloud or P2P access is turned off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Advice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeAdvice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_settings: Option<DeviceSettingsAdvice>,
}

/// What a compliant notice must say, and a text to adapt and post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeAdvice {
    /// Template id in `signatures/advice/notices.toml`.
    pub id: String,
    pub basis: Localized,
    /// Each item names the site.toml `discloses` value it satisfies.
    pub must_say: Vec<NoticeItem>,
    pub template: Localized,
}

/// One thing a notice must say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeItem {
    pub discloses: String,
    pub text: Localized,
}

/// Where a vendor's settings turn cloud / P2P access off, with the documentation it follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSettingsAdvice {
    /// Entry id in `signatures/advice/device-settings.toml` (`generic` when no vendor matched).
    pub id: String,
    pub product: Localized,
    pub steps: Vec<Localized>,
    /// The public documentation the steps follow.
    pub source: String,
    /// S = vendor or integrator documentation, ? = path not confirmed in a vendor document, - = generic.
    pub status: String,
}

/// A file the report rests on, with its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub path: String,
    pub sha256: String,
}
