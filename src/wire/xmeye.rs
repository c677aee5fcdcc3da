//! Xiongmai "NetSurveillance"/XMeye discovery, UDP 34569: a 20-byte header (`0xff`, version,
//! session, sequence, message id) and a JSON body. camsweep sends only message 1530 (the search);
//! devices answer 1531 with a `NetWork.NetCommon` object (host name, MAC, serial, firmware
//! version, ports). Facts from OpenIPC/python-dvr (`DeviceManager.py`, `dvrip.py`: header layout,
//! message ids, field names). The protocol's configuration-setting messages are never built.

use super::discovery::{Field, Follow, Protocol, Reply};
use crate::model::AtomKind::{DeviceClass, Firmware, Mac, Serial, Text, UnitName};
use serde_json::{Value, json};
use thiserror::Error;

/// The UDP port of the search.
pub const PORT: u16 = 34569;
/// Header length.
pub const HEADER_LEN: usize = 20;
/// The search request.
pub const MSG_SEARCH: u16 = 1530;
/// The search reply.
pub const MSG_SEARCH_REPLY: u16 = 1531;
/// Longest body accepted.
const MAX_BODY: usize = 16 * 1024;

/// Why a datagram is no XMeye message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum XmError {
    #[error("shorter than the 20-byte header")]
    Short,
    #[error("does not start with 0xff")]
    NotXmeye,
    #[error("length field disagrees with the datagram")]
    Length,
}

/// A header and body: `ff 00 00 00`, session, sequence (LE u32), 2 bytes of packet count,
/// message id (LE u16), body length (LE u32).
pub fn frame(message: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&[0xff, 0x00, 0x00, 0x00]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&[0; 2]);
    out.extend_from_slice(&message.to_le_bytes());
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The search: message 1530 with an empty body.
pub fn search() -> Vec<u8> {
    frame(MSG_SEARCH, &[])
}

/// (message id, body) of a datagram. The body may carry a trailing `\n\0`, as devices send it.
///
/// # Errors
/// [`XmError`] for a short datagram, a wrong first byte or a length that does not fit.
pub fn parse_frame(data: &[u8]) -> Result<(u16, &[u8]), XmError> {
    let header = data.get(..HEADER_LEN).ok_or(XmError::Short)?;
    if header[0] != 0xff {
        return Err(XmError::NotXmeye);
    }
    let message = u16::from_le_bytes([header[14], header[15]]);
    let len = u32::from_le_bytes([header[16], header[17], header[18], header[19]]) as usize;
    let body = &data[HEADER_LEN..];
    if len > body.len() || len > MAX_BODY {
        return Err(XmError::Length);
    }
    Ok((message, &body[..len]))
}

/// What a 1531 reply says about the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetCommon {
    pub hostname: Option<String>,
    /// Lower-case `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    pub serial: Option<String>,
    /// `Version`: the firmware (`V4.02.R11.34500140.12001.131600.00000`).
    pub version: Option<String>,
    pub build_date: Option<String>,
    /// `HostIP` decoded from its little-endian hex (`0x6400A8C0` = 192.168.0.100).
    pub ipv4: Option<std::net::Ipv4Addr>,
    pub tcp_port: Option<u16>,
    pub http_port: Option<u16>,
    pub device_type: Option<String>,
}

/// Reads a 1531 reply; `None` for other messages (someone else's search, garbage).
pub fn parse_search_reply(data: &[u8]) -> Option<NetCommon> {
    let (message, body) = parse_frame(data).ok()?;
    if message != MSG_SEARCH_REPLY {
        return None;
    }
    let end = body
        .iter()
        .rposition(|b| !matches!(b, b'\0' | b'\n' | b'\r' | b' '))?;
    let value: Value = serde_json::from_slice(&body[..=end]).ok()?;
    let net = value.get("NetWork.NetCommon")?;
    let text = |name: &str| match net.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let port = |name: &str| net.get(name)?.as_u64().and_then(|p| u16::try_from(p).ok());
    Some(NetCommon {
        hostname: text("HostName"),
        mac: text("MAC").map(|m| m.to_ascii_lowercase()),
        serial: text("SN"),
        version: text("Version"),
        build_date: text("BuildDate"),
        ipv4: text("HostIP").and_then(|h| decode_host_ip(&h)),
        tcp_port: port("TCPPort"),
        http_port: port("HttpPort"),
        device_type: text("DeviceType"),
    })
}

/// `0x6400A8C0` → 192.168.0.100 (the device writes its address as a little-endian u32 in hex).
pub fn decode_host_ip(text: &str) -> Option<std::net::Ipv4Addr> {
    let hex = text
        .trim()
        .strip_prefix("0x")
        .or_else(|| text.trim().strip_prefix("0X"))?;
    let n = u32::from_str_radix(hex, 16).ok()?;
    Some(std::net::Ipv4Addr::from(n.to_le_bytes()))
}

/// `192.168.0.100` → `0x6400A8C0`.
pub fn encode_host_ip(ip: std::net::Ipv4Addr) -> String {
    format!("0x{:08X}", u32::from_le_bytes(ip.octets()))
}

/// A 1531 reply as a device sends it (for the lab's personas).
pub fn search_reply(net: &NetCommon) -> Vec<u8> {
    let mut common = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        common.insert(k.into(), v);
    };
    if let Some(v) = &net.hostname {
        put("HostName", json!(v));
    }
    if let Some(v) = &net.mac {
        put("MAC", json!(v));
    }
    if let Some(v) = &net.serial {
        put("SN", json!(v));
    }
    if let Some(v) = &net.version {
        put("Version", json!(v));
    }
    if let Some(v) = &net.build_date {
        put("BuildDate", json!(v));
    }
    if let Some(v) = net.ipv4 {
        put("HostIP", json!(encode_host_ip(v)));
    }
    if let Some(v) = net.tcp_port {
        put("TCPPort", json!(v));
    }
    if let Some(v) = net.http_port {
        put("HttpPort", json!(v));
    }
    if let Some(v) = &net.device_type {
        put("DeviceType", json!(v));
    }
    let body = json!({ "NetWork.NetCommon": common, "Ret": 100, "SessionID": "0x00000000" });
    let mut bytes = body.to_string().into_bytes();
    bytes.extend_from_slice(b"\n\0");
    frame(MSG_SEARCH_REPLY, &bytes)
}

/// XMeye search in the discovery table: message 1530 to the broadcast address and each host.
pub const DISCOVERY: Protocol = Protocol {
    name: "xmeye",
    port: PORT,
    group: None,
    broadcast: true,
    inquiry: |_| vec![search()],
    parse: |_, data| Some(net_reply(&parse_search_reply(data)?)),
    fields: FIELDS,
    maker: true,
    follow: Follow::Nothing,
};

const FIELDS: &[Field] = &[
    Field {
        source: "xmeye.hostname",
        kinds: &[Text, UnitName],
    },
    Field {
        source: "xmeye.serial",
        kinds: &[Serial],
    },
    Field {
        source: "xmeye.version",
        kinds: &[Firmware],
    },
    Field {
        source: "xmeye.build_date",
        kinds: &[],
    },
    Field {
        source: "xmeye.device_type",
        kinds: &[DeviceClass, Text],
    },
    Field {
        source: "xmeye.mac",
        kinds: &[Mac],
    },
];

/// What a 1531 reply says, as atoms, with the device's MAC.
pub fn net_reply(net: &NetCommon) -> Reply {
    let mut out = Reply::default();
    out.add(&FIELDS[0], net.hostname.as_deref());
    out.add(&FIELDS[1], net.serial.as_deref());
    out.add(&FIELDS[2], net.version.as_deref());
    out.add(&FIELDS[3], net.build_date.as_deref());
    out.add(&FIELDS[4], net.device_type.as_deref());
    if let Some(mac) = net.mac.as_deref().and_then(super::sadp::normalise_mac) {
        out.add(&FIELDS[5], Some(&mac));
        out.mac = Some(mac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// python-dvr's search: `struct.pack('BBHIIHHI', 255, 0, 0, 0, 0, 0, 1530, 0)`.
    #[test]
    fn search_matches_python_dvr() {
        assert_eq!(
            search(),
            vec![
                0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfa, 0x05, 0, 0, 0, 0
            ]
        );
        assert_eq!(parse_frame(&search()), Ok((MSG_SEARCH, &[][..])));
        assert!(parse_search_reply(&search()).is_none());
    }

    /// A 1531 reply as python-dvr's DeviceManager reads it (fields and the hex HostIP).
    #[test]
    fn reads_a_search_reply() {
        let body = br#"{ "NetWork.NetCommon" : { "BuildDate" : "2018-07-12 10:27:45", "ChannelNum" : 1, "DeviceType" : 1, "GateWay" : "0x0100A8C0", "HostIP" : "0x6400A8C0", "HostName" : "LocalHost", "HttpPort" : 80, "MAC" : "00:12:41:2B:3C:4D", "MaxBps" : 0, "MonMode" : "TCP", "SN" : "7c3d5e2a1b0f9e8d", "SSLPort" : 8443, "Submask" : "0x00FFFFFF", "TCPMaxConn" : 10, "TCPPort" : 34567, "TransferPlan" : "Quality", "UDPPort" : 34568, "UseHSDownLoad" : false, "Version" : "V4.02.R11.34500140.12001.131600.00000" }, "Ret" : 100, "SessionID" : "0x00000000" }"#;
        let mut body = body.to_vec();
        body.extend_from_slice(b"\n\0");
        let net = parse_search_reply(&frame(MSG_SEARCH_REPLY, &body)).unwrap();
        assert_eq!(net.hostname.as_deref(), Some("LocalHost"));
        assert_eq!(net.mac.as_deref(), Some("00:12:41:2b:3c:4d"));
        assert_eq!(net.serial.as_deref(), Some("7c3d5e2a1b0f9e8d"));
        assert_eq!(
            net.version.as_deref(),
            Some("V4.02.R11.34500140.12001.131600.00000")
        );
        assert_eq!(net.ipv4, Some("192.168.0.100".parse().unwrap()));
        assert_eq!(net.tcp_port, Some(34567));
        assert_eq!(net.device_type.as_deref(), Some("1"));
    }

    proptest! {
        #[test]
        fn reply_round_trips(host in "[A-Za-z0-9]{1,16}", sn in "[0-9a-f]{16}", ip in any::<[u8; 4]>()) {
            let net = NetCommon {
                hostname: Some(host),
                mac: Some("00:12:41:2b:3c:4d".into()),
                serial: Some(sn),
                version: Some("V4.02.R11.34500140.12001.131600.00000".into()),
                ipv4: Some(std::net::Ipv4Addr::from(ip)),
                tcp_port: Some(34567),
                ..NetCommon::default()
            };
            prop_assert_eq!(parse_search_reply(&search_reply(&net)), Some(net));
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_search_reply(&data);
            let mut framed = frame(MSG_SEARCH_REPLY, &data);
            framed.truncate(framed.len() / 2 + 10);
            let _ = parse_search_reply(&framed);
        }
    }
}

/// A real factory-reset camera's 1531 body, as published (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_ipc_reply_with_tabs_and_lower_case_hex_gives_identity() {
        let body = include_bytes!("../../tests/fixtures/wire/xmeye-1531-ipc.json");
        let net = parse_search_reply(&frame(MSG_SEARCH_REPLY, body)).expect("a real 1531 body");
        assert_eq!(net.hostname.as_deref(), Some("IPC_6a6b"));
        assert_eq!(net.mac.as_deref(), Some("00:12:31:09:b7:9e"));
        assert_eq!(net.serial.as_deref(), Some("a5b23b431b14712e"));
        assert_eq!(
            net.version.as_deref(),
            Some("V4.02.R12.E7335520.12012.047502.00000")
        );
        assert_eq!(net.build_date.as_deref(), Some("2018-09-17 10:47:30"));
        // "0x0a01a8c0": lower-case little-endian hex.
        assert_eq!(net.ipv4, Some(std::net::Ipv4Addr::new(192, 168, 1, 10)));
        assert_eq!(net.tcp_port, Some(34567));
        assert_eq!(net.http_port, Some(80));
        assert_eq!(net.device_type.as_deref(), Some("43"));
    }

    #[test]
    fn real_datagram_with_version_byte_and_trailing_nuls_frames_but_is_no_search_reply() {
        // A whole datagram (header byte 1 = 0x01, message 1533, length counting two NULs).
        let data = include_bytes!("../../tests/fixtures/wire/xmeye-1533-reply-header.bin");
        let (message, body) = parse_frame(data).expect("a real XMeye datagram");
        assert_eq!(message, 1533);
        assert_eq!(body.len(), 44);
        assert!(body.starts_with(br#"{"Ret" : 100"#));
        assert_eq!(parse_search_reply(data), None);
    }
}
