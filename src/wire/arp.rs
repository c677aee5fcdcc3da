//! ARP over Ethernet (RFC 826): the who-has request camsweep broadcasts and the reply that names
//! the MAC of an address. Whole Ethernet frames, as a raw `AF_PACKET` socket sends them. Pure.

use std::net::Ipv4Addr;

/// Ethernet + ARP for IPv4: 14 + 28 bytes.
pub const FRAME_LEN: usize = 42;
const ETHERTYPE_ARP: [u8; 2] = [0x08, 0x06];
const HTYPE_ETHERNET: [u8; 2] = [0x00, 0x01];
const PTYPE_IPV4: [u8; 2] = [0x08, 0x00];
const OP_REQUEST: [u8; 2] = [0x00, 0x01];
const OP_REPLY: [u8; 2] = [0x00, 0x02];

/// A who-has `target` from (`sender_mac`, `sender_ip`), to the Ethernet broadcast.
pub fn request(sender_mac: [u8; 6], sender_ip: Ipv4Addr, target: Ipv4Addr) -> [u8; FRAME_LEN] {
    frame(
        [0xff; 6], sender_mac, OP_REQUEST, sender_mac, sender_ip, [0; 6], target,
    )
}

/// An is-at reply (for tests and the lab).
pub fn reply(
    sender_mac: [u8; 6],
    sender_ip: Ipv4Addr,
    target_mac: [u8; 6],
    target_ip: Ipv4Addr,
) -> [u8; FRAME_LEN] {
    frame(
        target_mac, sender_mac, OP_REPLY, sender_mac, sender_ip, target_mac, target_ip,
    )
}

fn frame(
    dst: [u8; 6],
    src: [u8; 6],
    op: [u8; 2],
    sha: [u8; 6],
    spa: Ipv4Addr,
    tha: [u8; 6],
    tpa: Ipv4Addr,
) -> [u8; FRAME_LEN] {
    let mut f = [0u8; FRAME_LEN];
    f[0..6].copy_from_slice(&dst);
    f[6..12].copy_from_slice(&src);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP);
    f[14..16].copy_from_slice(&HTYPE_ETHERNET);
    f[16..18].copy_from_slice(&PTYPE_IPV4);
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&op);
    f[22..28].copy_from_slice(&sha);
    f[28..32].copy_from_slice(&spa.octets());
    f[32..38].copy_from_slice(&tha);
    f[38..42].copy_from_slice(&tpa.octets());
    f
}

/// An ARP reply: who answered, with which MAC, to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    pub sender_mac: [u8; 6],
    pub sender_ip: Ipv4Addr,
    pub target_ip: Ipv4Addr,
}

/// Reads an Ethernet frame as an ARP reply; `None` for anything else (requests included).
pub fn parse_reply(frame: &[u8]) -> Option<Reply> {
    let f = frame.get(..FRAME_LEN)?;
    let ok = f[12..14] == ETHERTYPE_ARP
        && f[14..16] == HTYPE_ETHERNET
        && f[16..18] == PTYPE_IPV4
        && f[18] == 6
        && f[19] == 4
        && f[20..22] == OP_REPLY;
    if !ok {
        return None;
    }
    let mut sender_mac = [0u8; 6];
    sender_mac.copy_from_slice(&f[22..28]);
    let ip = |at: usize| Ipv4Addr::new(f[at], f[at + 1], f[at + 2], f[at + 3]);
    Some(Reply {
        sender_mac,
        sender_ip: ip(28),
        target_ip: ip(38),
    })
}

/// The sender (MAC, IPv4) of any ARP packet, request or reply: what a passive listener learns.
pub fn parse_sender(frame: &[u8]) -> Option<([u8; 6], Ipv4Addr)> {
    let f = frame.get(..FRAME_LEN)?;
    if f[12..14] != ETHERTYPE_ARP || f[14..16] != HTYPE_ETHERNET || f[16..18] != PTYPE_IPV4 {
        return None;
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&f[22..28]);
    Some((mac, Ipv4Addr::new(f[28], f[29], f[30], f[31])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MacAddr;
    use proptest::prelude::*;

    /// A reply as tcpdump shows it (`arp reply 192.168.1.64 is-at 44:19:b6:01:02:03`), bytes as
    /// on the wire (padding to the Ethernet minimum left off, as the kernel hands it over).
    #[test]
    fn reads_a_real_reply() {
        let bytes = hex::decode(concat!(
            "02005e180002",
            "4419b6010203",
            "0806",
            "0001",
            "0800",
            "06",
            "04",
            "0002",
            "4419b6010203",
            "c0a80140",
            "02005e180002",
            "c0a80102"
        ))
        .unwrap();
        let r = parse_reply(&bytes).unwrap();
        assert_eq!(MacAddr(r.sender_mac).to_string(), "44:19:b6:01:02:03");
        assert_eq!(r.sender_ip, Ipv4Addr::new(192, 168, 1, 64));
        assert_eq!(r.target_ip, Ipv4Addr::new(192, 168, 1, 2));
    }

    #[test]
    fn a_request_is_broadcast_and_not_a_reply() {
        let req = request(
            [2, 0, 0x5e, 0x18, 0, 2],
            Ipv4Addr::new(198, 18, 0, 2),
            Ipv4Addr::new(198, 18, 0, 10),
        );
        assert_eq!(&req[0..6], &[0xff; 6]);
        assert_eq!(&req[20..22], &[0, 1]);
        assert!(parse_reply(&req).is_none());
        assert_eq!(
            parse_sender(&req),
            Some(([2, 0, 0x5e, 0x18, 0, 2], Ipv4Addr::new(198, 18, 0, 2)))
        );
    }

    proptest! {
        #[test]
        fn reply_round_trips(mac in any::<[u8; 6]>(), ip in any::<[u8; 4]>(), to in any::<[u8; 4]>()) {
            let f = reply(mac, Ipv4Addr::from(ip), [2; 6], Ipv4Addr::from(to));
            prop_assert_eq!(parse_reply(&f), Some(Reply { sender_mac: mac, sender_ip: Ipv4Addr::from(ip), target_ip: Ipv4Addr::from(to) }));
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = parse_reply(&data);
        }
    }
}

/// Real frames from Wireshark's sample capture (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;
    use crate::model::MacAddr;

    #[test]
    fn real_reply_names_the_answering_host_and_its_mac() {
        let frame = include_bytes!("../../tests/fixtures/wire/arp-reply-frame30.bin");
        let reply = parse_reply(frame).expect("a real ARP reply");
        assert_eq!(MacAddr(reply.sender_mac).to_string(), "d4:ae:52:d3:77:26");
        assert_eq!(reply.sender_ip, Ipv4Addr::new(192, 168, 152, 101));
        assert_eq!(reply.target_ip, Ipv4Addr::new(192, 168, 152, 1));
    }

    #[test]
    fn real_padded_request_is_no_reply_but_names_its_sender() {
        // 60 bytes: the sender padded the 42-byte ARP frame to Ethernet's minimum.
        let frame = include_bytes!("../../tests/fixtures/wire/arp-request-frame10.bin");
        assert_eq!(frame.len(), 60);
        assert_eq!(parse_reply(frame), None);
        let (mac, ip) = parse_sender(frame).expect("a real ARP request");
        assert_eq!(MacAddr(mac).to_string(), "b8:bb:af:0b:24:0b");
        assert_eq!(ip, Ipv4Addr::new(192, 168, 152, 153));
    }
}
