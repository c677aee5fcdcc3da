//! Dahua DHDiscover, UDP 37810: a 32-byte DHIP header and a JSON body. camsweep sends only the
//! `DHDiscover.search` inquiry; devices answer `client.notifyDevInfo` with their type (model),
//! serial, firmware version and vendor. Facts from julienblitte/UniversalScanner
//! (`UniversalScanner/Dahua2.cs`: header layout, multicast 239.255.255.251, method names). The
//! protocol's `DHDiscover.setConfig` (address change) is never built.

use super::discovery::{Field, Follow, Protocol, Reply};
use crate::model::AtomKind::{DeviceClass, Firmware, Mac, Model, Serial, Text, UnitName, Vendor};
use serde_json::{Value, json};
use thiserror::Error;

/// The UDP port of DHDiscover.
pub const PORT: u16 = 37810;
/// The multicast group Dahua's tools use.
pub const MULTICAST: std::net::Ipv4Addr = std::net::Ipv4Addr::new(239, 255, 255, 251);
/// Header length, also its first field.
pub const HEADER_LEN: usize = 32;
/// `DHIP` at offset 4.
const MAGIC: &[u8; 4] = b"DHIP";
/// Longest body accepted (a device's reply is well under 2 KiB).
const MAX_BODY: usize = 16 * 1024;

pub const METHOD_SEARCH: &str = "DHDiscover.search";
pub const METHOD_NOTIFY: &str = "client.notifyDevInfo";

/// Why a datagram is no DHDiscover message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DhError {
    #[error("shorter than the 32-byte DHIP header")]
    Short,
    #[error("no DHIP header")]
    NotDhip,
    #[error("body length fields disagree with the datagram ({0} bytes)")]
    Length(usize),
    #[error("body is not JSON: {0}")]
    Json(String),
}

/// Wraps a JSON body in the DHIP header (both length fields little-endian at 16 and 24).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes();
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&(HEADER_LEN as u32).to_le_bytes());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&len);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&len);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(body);
    out
}

/// The search inquiry, exactly as Dahua's ConfigTool family sends it.
pub fn search() -> Vec<u8> {
    frame(
        b"{ \"method\" : \"DHDiscover.search\", \"params\" : { \"mac\" : \"\", \"uni\" : 1 } }\r\n",
    )
}

/// The JSON body of a DHIP datagram.
///
/// # Errors
/// [`DhError`] when the header or lengths are wrong or the body is not JSON.
pub fn parse_frame(data: &[u8]) -> Result<Value, DhError> {
    let header = data.get(..HEADER_LEN).ok_or(DhError::Short)?;
    if header[..4] != (HEADER_LEN as u32).to_le_bytes() || &header[4..8] != MAGIC {
        return Err(DhError::NotDhip);
    }
    let field = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&header[at..at + 4]);
        u32::from_le_bytes(b) as usize
    };
    let body = &data[HEADER_LEN..];
    let (len1, len2) = (field(16), field(24));
    if len1 != len2 || len1 != body.len() || len1 > MAX_BODY {
        return Err(DhError::Length(body.len()));
    }
    // Devices end the JSON with "\n\0" (seen from a VTO2000A-2), which the declared length counts.
    let end = body
        .iter()
        .rposition(|b| !matches!(b, b'\0' | b'\n' | b'\r' | b' '))
        .map_or(0, |i| i + 1);
    serde_json::from_slice(&body[..end]).map_err(|e| DhError::Json(e.to_string()))
}

/// The method of a DHDiscover message.
pub fn method(body: &Value) -> Option<&str> {
    body.get("method")?.as_str()
}

/// What a `client.notifyDevInfo` reply says about the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `DeviceType`: the model (`IPC-HDW4431C-A`, `DHI-ASI7213X-T1`).
    pub device_type: Option<String>,
    pub serial: Option<String>,
    /// `Version`: the firmware (`2.622.0000000.31.R`).
    pub version: Option<String>,
    pub vendor: Option<String>,
    pub machine_name: Option<String>,
    pub mac: Option<String>,
    pub ipv4: Option<String>,
    pub http_port: Option<u16>,
}

/// Reads a `client.notifyDevInfo` reply; `None` for other messages (other tools' searches).
pub fn parse_device_info(body: &Value) -> Option<DeviceInfo> {
    if method(body)? != METHOD_NOTIFY {
        return None;
    }
    let info = body.get("params")?.get("deviceInfo")?;
    let text = |name: &str| {
        info.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Some(DeviceInfo {
        device_type: text("DeviceType"),
        serial: text("SerialNo"),
        version: text("Version"),
        vendor: text("Vendor"),
        machine_name: text("MachineName"),
        // Recorders put `Mac` in deviceInfo; cameras (IPC-HDW5421S, 2.400) only send a top-level
        // `mac` beside `method`.
        mac: text("Mac").or_else(|| {
            body.get("mac")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        }),
        ipv4: info
            .get("IPv4Address")
            .and_then(|a| a.get("IPAddress"))
            .and_then(Value::as_str)
            .map(str::to_string),
        http_port: info
            .get("HttpPort")
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok()),
    })
}

/// A `client.notifyDevInfo` reply as a device sends it (for the lab's personas).
pub fn notify_dev_info(info: &DeviceInfo) -> Vec<u8> {
    let mut dev = serde_json::Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            dev.insert(k.into(), Value::String(v.clone()));
        }
    };
    put("DeviceType", &info.device_type);
    put("SerialNo", &info.serial);
    put("Version", &info.version);
    put("Vendor", &info.vendor);
    put("MachineName", &info.machine_name);
    put("Mac", &info.mac);
    if let Some(ip) = &info.ipv4 {
        dev.insert(
            "IPv4Address".into(),
            json!({ "IPAddress": ip, "DhcpEnable": false }),
        );
    }
    if let Some(port) = info.http_port {
        dev.insert("HttpPort".into(), json!(port));
    }
    let body = json!({ "mac": info.mac.clone().unwrap_or_default(), "method": METHOD_NOTIFY, "params": { "deviceInfo": dev } });
    frame(format!("{body}\n").as_bytes())
}

/// DHDiscover in the discovery table: the search, to the group, the broadcast address and each
/// host.
pub const DISCOVERY: Protocol = Protocol {
    name: "dhdiscover",
    port: PORT,
    group: Some(MULTICAST),
    broadcast: true,
    inquiry: |_| vec![search()],
    parse: |_, data| {
        let body = parse_frame(data).ok()?;
        Some(info_reply(&parse_device_info(&body)?))
    },
    fields: FIELDS,
    maker: true,
    follow: Follow::Nothing,
};

const FIELDS: &[Field] = &[
    Field {
        source: "dhdiscover.device_type",
        kinds: &[Model, DeviceClass, Text],
    },
    Field {
        source: "dhdiscover.serial",
        kinds: &[Serial],
    },
    Field {
        source: "dhdiscover.version",
        kinds: &[Firmware],
    },
    Field {
        source: "dhdiscover.vendor",
        kinds: &[Vendor, Text],
    },
    Field {
        source: "dhdiscover.machine_name",
        kinds: &[Text, UnitName],
    },
    Field {
        source: "dhdiscover.mac",
        kinds: &[Mac],
    },
];

/// What a `client.notifyDevInfo` says, as atoms, with the device's MAC.
pub fn info_reply(info: &DeviceInfo) -> Reply {
    let mut out = Reply::default();
    out.add(&FIELDS[0], info.device_type.as_deref());
    out.add(&FIELDS[1], info.serial.as_deref());
    out.add(&FIELDS[2], info.version.as_deref());
    out.add(&FIELDS[3], info.vendor.as_deref());
    out.add(&FIELDS[4], info.machine_name.as_deref());
    if let Some(mac) = info.mac.as_deref().and_then(super::sadp::normalise_mac) {
        out.add(&FIELDS[5], Some(&mac));
        out.mac = Some(mac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The search UniversalScanner's `Dahua2.cs` sends: header size 0x20, "DHIP", the body
    /// length twice (0x4a = 74 bytes).
    #[test]
    fn search_has_the_dhip_header() {
        let bytes = search();
        assert_eq!(&bytes[..8], b"\x20\x00\x00\x00DHIP");
        assert_eq!(&bytes[16..20], &[74, 0, 0, 0]);
        assert_eq!(&bytes[24..28], &[74, 0, 0, 0]);
        assert_eq!(bytes.len(), 32 + 74);
        let body = parse_frame(&bytes).unwrap();
        assert_eq!(method(&body), Some(METHOD_SEARCH));
        assert!(parse_device_info(&body).is_none(), "a search is no device");
    }

    /// A notifyDevInfo body shaped like an IPC-HDW4431C-A's reply (fields as in Dahua's
    /// published DHDiscover captures).
    #[test]
    fn reads_a_camera_reply() {
        let body = br#"{"mac":"3c:ef:8c:01:02:03","method":"client.notifyDevInfo","params":{"deviceInfo":{"AlarmInputChannels":2,"DeviceClass":"IPC","DeviceType":"IPC-HDW4431C-A","HttpPort":80,"IPv4Address":{"DefaultGateway":"192.168.1.1","DhcpEnable":false,"IPAddress":"192.168.1.108","SubnetMask":"255.255.255.0"},"Mac":"3c:ef:8c:01:02:03","MachineName":"3G01234PAA00000","Port":37777,"SerialNo":"3G01234PAA00000","Vendor":"Dahua","Version":"2.622.0000000.31.R"}}}"#;
        let info = parse_device_info(&parse_frame(&frame(body)).unwrap()).unwrap();
        assert_eq!(info.device_type.as_deref(), Some("IPC-HDW4431C-A"));
        assert_eq!(info.serial.as_deref(), Some("3G01234PAA00000"));
        assert_eq!(info.version.as_deref(), Some("2.622.0000000.31.R"));
        assert_eq!(info.vendor.as_deref(), Some("Dahua"));
        assert_eq!(info.ipv4.as_deref(), Some("192.168.1.108"));
        assert_eq!(info.http_port, Some(80));
    }

    #[test]
    fn rejects_bad_frames() {
        assert_eq!(parse_frame(b"DHIP"), Err(DhError::Short));
        let mut lying = search();
        lying[16] = 0xff;
        assert!(matches!(parse_frame(&lying), Err(DhError::Length(_))));
        let mut other = search();
        other[4] = b'X';
        assert_eq!(parse_frame(&other), Err(DhError::NotDhip));
    }

    proptest! {
        #[test]
        fn reply_round_trips(model in "[ -~]{1,30}", version in "[0-9.A-Z]{1,24}") {
            let info = DeviceInfo {
                device_type: Some(model.trim().to_string()).filter(|s| !s.is_empty()),
                version: Some(version),
                vendor: Some("Dahua".into()),
                ipv4: Some("198.18.0.20".into()),
                http_port: Some(80),
                ..DeviceInfo::default()
            };
            let back = parse_device_info(&parse_frame(&notify_dev_info(&info)).unwrap()).unwrap();
            prop_assert_eq!(back, info);
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(v) = parse_frame(&data) {
                let _ = parse_device_info(&v);
            }
            let mut framed = b"\x20\x00\x00\x00DHIP".to_vec();
            framed.extend_from_slice(&data);
            let _ = parse_frame(&framed);
        }
    }
}

/// A real camera's reply body, as published (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_ipc_hdw5421s_reply_gives_model_serial_firmware_and_mac() {
        let body = include_bytes!("../../tests/fixtures/wire/dhdiscover-notify-ipc-hdw5421s.json");
        let value = parse_frame(&frame(body)).expect("a real notifyDevInfo body");
        let info = parse_device_info(&value).expect("a device info");
        assert_eq!(info.device_type.as_deref(), Some("IPC-HDW5421S"));
        assert_eq!(info.serial.as_deref(), Some("1F006E4PAX00075"));
        assert_eq!(info.machine_name.as_deref(), Some("1F006E4PAX00075"));
        assert_eq!(info.version.as_deref(), Some("2.400.0.8"));
        assert_eq!(info.vendor.as_deref(), Some("Dahua"));
        assert_eq!(info.mac.as_deref(), Some("4c:11:bf:c2:0b:9d"));
        assert_eq!(info.ipv4.as_deref(), Some("218.5.136.140"));
        assert_eq!(info.http_port, Some(80));
    }

    #[test]
    fn real_vto2000a_frame_with_trailing_newline_and_nul_parses() {
        // Whole datagram with its DHIP header; the publisher's redactions (XX) are now '0'.
        let data =
            include_bytes!("../../tests/fixtures/wire/dhdiscover-frame-vto2000a-redacted.bin");
        let value = parse_frame(data).expect("a real DHIP frame");
        let info = parse_device_info(&value).expect("a device info");
        assert_eq!(info.device_type.as_deref(), Some("VTO2000A-2"));
        assert_eq!(info.machine_name.as_deref(), Some("5F04690PAZF0934"));
        assert_eq!(info.version.as_deref(), Some("4.300.0000000.1.R"));
        assert_eq!(info.vendor.as_deref(), Some("General"));
        assert_eq!(info.ipv4.as_deref(), Some("192.168.1.202"));
        assert_eq!(info.http_port, Some(80));
    }
}
