//! Hikvision SADP (Search Active Devices Protocol), XML over UDP 37020: the `inquiry` Probe and
//! the `ProbeMatch` a device answers with its model, serial, firmware, MAC, activation state and
//! Hik-Connect (cloud) setting. Facts from julienblitte/UniversalScanner
//! (`UniversalScanner/Hikvision.cs`, `Hikvision.selftest`). Only the inquiry is ever built: SADP's
//! modify/activate/reset messages are not.

use super::discovery::{Field, Follow, Protocol, Reply};
use super::xml::{self, XmlError};
use crate::markup::escape;
use crate::model::AtomKind::{DeviceClass, Firmware, Mac, Model, Serial, Text, Vendor};

/// The UDP port of SADP.
pub const PORT: u16 = 37020;
/// The multicast group SADP tools send to (devices also answer broadcast and unicast).
pub const MULTICAST: std::net::Ipv4Addr = std::net::Ipv4Addr::new(239, 255, 255, 250);

/// The inquiry: "who is there?". `uuid` is echoed in the reply.
pub fn inquiry(uuid: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{}</Uuid><Types>inquiry</Types></Probe>"#,
        escape(uuid)
    )
}

/// Reads an inquiry (for the lab's responders): its UUID, or `None` for any other message —
/// a responder must never act on anything but an inquiry.
pub fn parse_inquiry(text: &str) -> Option<String> {
    let doc = xml::parse_leaves(text).ok()?;
    (doc.root.as_deref() == Some("Probe") && doc.first("Types") == Some("inquiry"))
        .then(|| doc.first("Uuid").unwrap_or_default().to_string())
}

/// The fields of a `ProbeMatch` camsweep records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeMatch {
    pub uuid: Option<String>,
    /// `DeviceType`: a numeric class code.
    pub device_type: Option<String>,
    /// `DeviceDescription`: the model (`DS-2CD2143G0-I`, `DS-K1T671M`).
    pub description: Option<String>,
    /// `DeviceSN`: model + date + serial.
    pub serial: Option<String>,
    /// `MAC`, as sent (`c0-56-e3-aa-bb-cc`).
    pub mac: Option<String>,
    pub ipv4: Option<String>,
    /// `SoftwareVersion` (`V5.5.0build 170725`).
    pub software_version: Option<String>,
    pub dsp_version: Option<String>,
    pub http_port: Option<String>,
    pub command_port: Option<String>,
    /// `Activated`: false = the device still waits for its first password.
    pub activated: Option<String>,
    pub dhcp: Option<String>,
    pub support_hc_platform: Option<String>,
    /// `HCPlatformEnable`: Hik-Connect (the vendor's cloud) switched on.
    pub hc_platform_enable: Option<String>,
}

impl ProbeMatch {
    /// The MAC as lower-case `aa:bb:cc:dd:ee:ff`, when it is one.
    pub fn mac_normalised(&self) -> Option<String> {
        normalise_mac(self.mac.as_deref()?)
    }
}

/// `C0-56-E3-AA-BB-CC` or `c0:56:e3:aa:bb:cc` → `c0:56:e3:aa:bb:cc`.
pub fn normalise_mac(text: &str) -> Option<String> {
    crate::model::MacAddr::parse(text).map(|m| m.to_string())
}

/// Reads a `ProbeMatch`; `Ok(None)` for other SADP messages (other tools' inquiries, which
/// devices and SADP clients also see on the multicast group).
///
/// # Errors
/// [`XmlError`] when the datagram is not readable XML.
pub fn parse_probe_match(text: &str) -> Result<Option<ProbeMatch>, XmlError> {
    let doc = xml::parse_leaves(text)?;
    if doc.root.as_deref() != Some("ProbeMatch") {
        return Ok(None);
    }
    let get = |name: &str| doc.first(name).map(str::to_string);
    Ok(Some(ProbeMatch {
        uuid: get("Uuid"),
        device_type: get("DeviceType"),
        description: get("DeviceDescription"),
        serial: get("DeviceSN"),
        mac: get("MAC"),
        ipv4: get("IPv4Address"),
        software_version: get("SoftwareVersion"),
        dsp_version: get("DSPVersion"),
        http_port: get("HttpPort"),
        command_port: get("CommandPort"),
        activated: get("Activated"),
        dhcp: get("DHCP"),
        support_hc_platform: get("SupportHCPlatform"),
        hc_platform_enable: get("HCPlatformEnable"),
    }))
}

/// A `ProbeMatch` as a device sends it (for the lab's personas).
pub fn probe_match(m: &ProbeMatch) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><ProbeMatch>"#);
    let fields = [
        ("Uuid", &m.uuid),
        ("Types", &Some("inquiry".to_string())),
        ("DeviceType", &m.device_type),
        ("DeviceDescription", &m.description),
        ("DeviceSN", &m.serial),
        ("CommandPort", &m.command_port),
        ("HttpPort", &m.http_port),
        ("MAC", &m.mac),
        ("IPv4Address", &m.ipv4),
        ("DHCP", &m.dhcp),
        ("SoftwareVersion", &m.software_version),
        ("DSPVersion", &m.dsp_version),
        ("Activated", &m.activated),
        ("SupportHCPlatform", &m.support_hc_platform),
        ("HCPlatformEnable", &m.hc_platform_enable),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            out.push_str(&format!("<{name}>{}</{name}>", escape(v)));
        }
    }
    out.push_str("</ProbeMatch>");
    out
}

/// Evidence that a device's vendor-cloud service is switched on, from its own discovery reply
/// (not from traffic): the policy layer and the report read it by this source name.
pub const CLOUD_INDICATION: &str = "cloud.indication";
/// The value for a Hikvision device whose SADP reply says `HCPlatformEnable=true`.
pub const HIK_CONNECT_ON: &str =
    "Hik-Connect (Hikvision cloud) enabled: SADP HCPlatformEnable=true";

/// SADP in the discovery table: the inquiry, to the group, the broadcast address and each host.
pub const DISCOVERY: Protocol = Protocol {
    name: "sadp",
    port: PORT,
    group: Some(MULTICAST),
    broadcast: true,
    inquiry: |nonce| vec![inquiry(&nonce().to_uppercase()).into_bytes()],
    parse: |_, data| {
        let m = parse_probe_match(&String::from_utf8_lossy(data)).ok()??;
        Some(match_reply(&m))
    },
    fields: FIELDS,
    maker: true,
    follow: Follow::Nothing,
};

const FIELDS: &[Field] = &[
    Field {
        source: "sadp.model",
        kinds: &[Model, Text],
    },
    Field {
        source: "sadp.device_type",
        kinds: &[Model, DeviceClass],
    },
    Field {
        source: "sadp.serial",
        kinds: &[Serial],
    },
    Field {
        source: "sadp.firmware",
        kinds: &[Firmware],
    },
    Field {
        source: "sadp.dsp_version",
        kinds: &[],
    },
    Field {
        source: "sadp.activated",
        kinds: &[],
    },
    Field {
        source: "sadp.support_hc_platform",
        kinds: &[],
    },
    Field {
        source: "sadp.hc_platform_enable",
        kinds: &[],
    },
    // Only Hikvision's own firmware (and its OEM builds) speaks SADP.
    Field {
        source: "sadp.manufacturer",
        kinds: &[Vendor],
    },
    Field {
        source: CLOUD_INDICATION,
        kinds: &[],
    },
    Field {
        source: "sadp.mac",
        kinds: &[Mac],
    },
];

/// What a `ProbeMatch` says, as atoms, with the device's MAC.
pub fn match_reply(m: &ProbeMatch) -> Reply {
    let mut out = Reply::default();
    out.add(&FIELDS[0], m.description.as_deref());
    out.add(&FIELDS[1], m.device_type.as_deref());
    out.add(&FIELDS[2], m.serial.as_deref());
    out.add(&FIELDS[3], m.software_version.as_deref());
    out.add(&FIELDS[4], m.dsp_version.as_deref());
    out.add(&FIELDS[5], m.activated.as_deref());
    out.add(&FIELDS[6], m.support_hc_platform.as_deref());
    out.add(&FIELDS[7], m.hc_platform_enable.as_deref());
    out.add(&FIELDS[8], Some("Hikvision"));
    if m.hc_platform_enable.as_deref().map(str::trim) == Some("true") {
        out.add(&FIELDS[9], Some(HIK_CONNECT_ON));
    }
    if let Some(mac) = m.mac_normalised() {
        out.add(&FIELDS[10], Some(&mac));
        out.mac = Some(mac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reply UniversalScanner's self-test replays (`UniversalScanner/Hikvision.selftest`),
    /// byte for byte, including the device's own `flase` typo.
    const SELFTEST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProbeMatch><Uuid>11223344-5566-7788-9900-112233445566</Uuid>\n<Types>inquiry</Types>\n<DeviceType>123456</DeviceType>\n<DeviceDescription>Virtual</DeviceDescription>\n<DeviceSN>Virtual-123456789</DeviceSN>\n<CommandPort>8000</CommandPort>\n<HttpPort>80</HttpPort>\n<MAC>00-11-22-33-44-55</MAC>\n<IPv4Address>127.0.0.1</IPv4Address>\n<IPv4SubnetMask>255.0.0.0</IPv4SubnetMask>\n<IPv4Gateway>127.0.0.1</IPv4Gateway>\n<IPv6Address>::</IPv6Address>\n<IPv6Gateway>::</IPv6Gateway>\n<IPv6MaskLen>64</IPv6MaskLen>\n<DHCP>false</DHCP>\n<AnalogChannelNum>0</AnalogChannelNum>\n<DigitalChannelNum>1</DigitalChannelNum>\n<SoftwareVersion>V1.0build 200101</SoftwareVersion>\n<DSPVersion>V1.0build 200101</DSPVersion>\n<BootTime>1970-01-01 00:00:00</BootTime>\n<ResetAbility>false</ResetAbility>\n<DiskNumber>0</DiskNumber>\n<Activated>true</Activated>\n<PasswordResetAbility>true</PasswordResetAbility>\n<PasswordResetModeSecond>true</PasswordResetModeSecond>\n<SupportHCPlatform>true</SupportHCPlatform>\n<HCPlatformEnable>flase</HCPlatformEnable>\n<IsModifyVerificationCode>true</IsModifyVerificationCode>\n</ProbeMatch>\n";

    #[test]
    fn reads_the_selftest_reply() {
        let m = parse_probe_match(SELFTEST).unwrap().unwrap();
        assert_eq!(m.description.as_deref(), Some("Virtual"));
        assert_eq!(m.serial.as_deref(), Some("Virtual-123456789"));
        assert_eq!(m.software_version.as_deref(), Some("V1.0build 200101"));
        assert_eq!(m.mac_normalised().as_deref(), Some("00:11:22:33:44:55"));
        assert_eq!(m.activated.as_deref(), Some("true"));
        assert_eq!(m.support_hc_platform.as_deref(), Some("true"));
        assert_eq!(m.hc_platform_enable.as_deref(), Some("flase"));
        assert_eq!(m.ipv4.as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn inquiry_is_an_inquiry_and_nothing_else_is() {
        let text = inquiry("11223344-5566-7788-9900-112233445566");
        assert_eq!(
            text,
            r#"<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>11223344-5566-7788-9900-112233445566</Uuid><Types>inquiry</Types></Probe>"#
        );
        assert_eq!(
            parse_inquiry(&text).as_deref(),
            Some("11223344-5566-7788-9900-112233445566")
        );
        assert!(parse_probe_match(&text).unwrap().is_none());
        // SADP's modify messages carry other types; a responder ignores them.
        assert!(parse_inquiry("<Probe><Uuid>1</Uuid><Types>update</Types></Probe>").is_none());
    }

    proptest! {
        #[test]
        fn reply_round_trips(model in "[ -~]{1,30}", fw in "[ -~]{1,30}", cloud in proptest::bool::ANY) {
            let m = ProbeMatch {
                uuid: Some("u".into()),
                description: Some(model.trim().to_string()).filter(|s| !s.is_empty()),
                software_version: Some(fw.trim().to_string()).filter(|s| !s.is_empty()),
                mac: Some("44-19-b6-01-02-03".into()),
                hc_platform_enable: Some(cloud.to_string()),
                ..ProbeMatch::default()
            };
            let back = parse_probe_match(&probe_match(&m)).unwrap().unwrap();
            prop_assert_eq!(back, m);
        }

        #[test]
        fn never_panics(text in "\\PC{0,300}") {
            let _ = parse_probe_match(&text);
            let _ = parse_inquiry(&text);
        }
    }
}
