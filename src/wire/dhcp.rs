//! DHCP (RFC 2131, options RFC 2132) as seen passively on the segment: the client's MAC, the
//! address it holds or asks for, its host name (option 12) and vendor class (option 60, e.g.
//! `AXIS,Network Camera,P3343,5.20.3`). Parses whole Ethernet frames (IPv4, UDP to port 67), as
//! an `AF_PACKET` socket hands them over. camsweep never sends DHCP to a real network; the
//! builder exists for the lab's personas and the tests. Pure.

use std::net::Ipv4Addr;

/// The BOOTP server port clients send to.
pub const SERVER_PORT: u16 = 67;
/// The BOOTP client port.
pub const CLIENT_PORT: u16 = 68;
const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// Fixed BOOTP header before the magic cookie.
const BOOTP_LEN: usize = 236;

/// DHCP message types (option 53).
pub const DHCPDISCOVER: u8 = 1;
pub const DHCPREQUEST: u8 = 3;
pub const DHCPINFORM: u8 = 8;

/// What a client's DHCP message says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMessage {
    pub message_type: Option<u8>,
    pub mac: [u8; 6],
    /// `ciaddr` when set, else option 50 (requested address).
    pub address: Option<Ipv4Addr>,
    pub hostname: Option<String>,
    pub vendor_class: Option<String>,
}

/// Reads a client → server BOOTP/DHCP payload (op 1); `None` for replies and garbage.
pub fn parse_client_message(payload: &[u8]) -> Option<ClientMessage> {
    let header = payload.get(..BOOTP_LEN)?;
    // op 1 = BOOTREQUEST, htype 1 = Ethernet, hlen 6.
    if header[0] != 1 || header[1] != 1 || header[2] != 6 {
        return None;
    }
    if payload.get(BOOTP_LEN..BOOTP_LEN + 4)? != MAGIC_COOKIE {
        return None;
    }
    let mut msg = ClientMessage::default();
    msg.mac.copy_from_slice(&header[28..34]);
    let ciaddr = Ipv4Addr::new(header[12], header[13], header[14], header[15]);
    let mut requested = None;
    let mut i = BOOTP_LEN + 4;
    while let Some(&code) = payload.get(i) {
        match code {
            0 => {
                i += 1;
                continue;
            }
            255 => break,
            _ => {}
        }
        let len = usize::from(*payload.get(i + 1)?);
        let value = payload.get(i + 2..i + 2 + len)?;
        match code {
            53 if len == 1 => msg.message_type = Some(value[0]),
            50 if len == 4 => {
                requested = Some(Ipv4Addr::new(value[0], value[1], value[2], value[3]))
            }
            12 => msg.hostname = text(value),
            60 => msg.vendor_class = text(value),
            _ => {}
        }
        i += 2 + len;
    }
    // A DISCOVER may carry option 50 = 0.0.0.0 (seen from a Grandstream phone): no address.
    msg.address = if ciaddr.is_unspecified() {
        requested.filter(|a: &Ipv4Addr| !a.is_unspecified())
    } else {
        Some(ciaddr)
    };
    Some(msg)
}

fn text(value: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(value)
        .trim_end_matches('\0')
        .trim()
        .to_string();
    (!s.is_empty()).then_some(s)
}

/// Reads an Ethernet frame carrying IPv4/UDP to port 67 as a client DHCP message.
pub fn parse_frame(frame: &[u8]) -> Option<ClientMessage> {
    if frame.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let ip = frame.get(14..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if ip.first()? >> 4 != 4 || ihl < 20 || *ip.get(9)? != 17 {
        return None;
    }
    let udp = ip.get(ihl..)?;
    let dst = u16::from_be_bytes([*udp.get(2)?, *udp.get(3)?]);
    if dst != SERVER_PORT {
        return None;
    }
    parse_client_message(udp.get(8..)?)
}

/// A client message (DHCPREQUEST/INFORM) as a device sends it (for the lab and tests).
pub fn client_message(msg: &ClientMessage, xid: u32) -> Vec<u8> {
    let mut out = vec![0u8; BOOTP_LEN];
    out[0] = 1;
    out[1] = 1;
    out[2] = 6;
    out[4..8].copy_from_slice(&xid.to_be_bytes());
    out[28..34].copy_from_slice(&msg.mac);
    out.extend_from_slice(&MAGIC_COOKIE);
    let mut option = |code: u8, value: &[u8]| {
        let len = u8::try_from(value.len().min(255)).unwrap_or(255);
        out.push(code);
        out.push(len);
        out.extend_from_slice(&value[..usize::from(len)]);
    };
    if let Some(t) = msg.message_type {
        option(53, &[t]);
    }
    if let Some(a) = msg.address {
        option(50, &a.octets());
    }
    if let Some(h) = &msg.hostname {
        option(12, h.as_bytes());
    }
    if let Some(v) = &msg.vendor_class {
        option(60, v.as_bytes());
    }
    out.push(255);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An Axis camera's DHCPREQUEST as the Wireshark sample captures show its options: host name
    /// `axis-accc8e4a3221`, vendor class `AXIS,Network Camera,P3225-LV Mk II,9.80.3.8` (the
    /// format rapid7/recog `dhcp_vendor_class.xml` documents), inside Ethernet/IPv4/UDP.
    #[test]
    fn reads_an_axis_request_frame() {
        let msg = ClientMessage {
            message_type: Some(DHCPREQUEST),
            mac: [0xac, 0xcc, 0x8e, 0x4a, 0x32, 0x21],
            address: Some(Ipv4Addr::new(192, 168, 1, 90)),
            hostname: Some("axis-accc8e4a3221".into()),
            vendor_class: Some("AXIS,Network Camera,P3225-LV Mk II,9.80.3.8".into()),
        };
        let payload = client_message(&msg, 0x3903_f326);
        let mut frame = hex::decode("ffffffffffffaccc8e4a32210800").unwrap();
        let udp_len = 8 + payload.len();
        let total = 20 + udp_len;
        frame.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0,
            0,
            64,
            17,
            0,
            0,
        ]);
        frame.extend_from_slice(&[0, 0, 0, 0, 255, 255, 255, 255]);
        frame.extend_from_slice(&[0, 68, 0, 67, (udp_len >> 8) as u8, udp_len as u8, 0, 0]);
        frame.extend_from_slice(&payload);
        assert_eq!(parse_frame(&frame), Some(msg));
        // Byte 0 of the BOOTP header is op: a server's reply (op 2) is not a client message.
        let mut reply = payload.clone();
        reply[0] = 2;
        assert_eq!(parse_client_message(&reply), None);
    }

    proptest! {
        #[test]
        fn round_trips(mac in any::<[u8; 6]>(), ip in any::<[u8; 4]>(), host in "[a-z0-9-]{1,30}", vc in "[ -~]{1,60}") {
            let msg = ClientMessage {
                message_type: Some(DHCPINFORM),
                mac,
                address: Some(Ipv4Addr::from(ip)).filter(|a| !a.is_unspecified()),
                hostname: Some(host),
                vendor_class: Some(vc.trim().to_string()).filter(|s| !s.is_empty()),
            };
            prop_assert_eq!(parse_client_message(&client_message(&msg, 1)), Some(msg));
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_frame(&data);
            let _ = parse_client_message(&data);
        }
    }
}

/// Real frames of a Grandstream device's DHCP exchange, from the pcapng test suite
/// (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    const GRANDSTREAM_MAC: [u8; 6] = [0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42];

    #[test]
    fn real_discover_names_the_mac_and_no_address() {
        let frame = include_bytes!("../../tests/fixtures/wire/dhcp-discover-frame1.bin");
        let msg = parse_frame(frame).expect("a real DHCPDISCOVER");
        assert_eq!(msg.message_type, Some(DHCPDISCOVER));
        assert_eq!(msg.mac, GRANDSTREAM_MAC);
        // Option 50 is present but 0.0.0.0: the device has no address yet.
        assert_eq!(msg.address, None);
        assert_eq!(msg.hostname, None);
        assert_eq!(msg.vendor_class, None);
    }

    #[test]
    fn real_request_names_the_requested_address() {
        let frame = include_bytes!("../../tests/fixtures/wire/dhcp-request-frame3.bin");
        let msg = parse_frame(frame).expect("a real DHCPREQUEST");
        assert_eq!(msg.message_type, Some(DHCPREQUEST));
        assert_eq!(msg.mac, GRANDSTREAM_MAC);
        assert_eq!(msg.address, Some(Ipv4Addr::new(192, 168, 0, 10)));
    }
}
