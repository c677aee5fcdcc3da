//! ARP frames the interceptor sends and reads (RFC 826), built and parsed without I/O.
//!
//! Every frame leaves with the inspector's own MAC as the Ethernet source: a learning switch then
//! never learns a device's or the router's MAC on the inspector's port, so hosts that are not
//! intercepted keep reaching each other directly.

use std::net::Ipv4Addr;

/// An Ethernet MAC address.
pub type Mac = [u8; 6];

const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV4: u16 = 0x0800;
/// Ethernet header (14) + ARP for Ethernet/IPv4 (28).
pub const ARP_FRAME_LEN: usize = 42;
const OP_REQUEST: u16 = 1;
const OP_REPLY: u16 = 2;

/// One ARP message for Ethernet/IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    pub request: bool,
    pub sender_mac: Mac,
    pub sender_ip: Ipv4Addr,
    pub target_mac: Mac,
    pub target_ip: Ipv4Addr,
}

/// A request from `own` asking who has `ip`, broadcast.
pub fn request(own_mac: Mac, own_ip: Ipv4Addr, ip: Ipv4Addr) -> [u8; ARP_FRAME_LEN] {
    frame(
        [0xff; 6],
        own_mac,
        &Arp {
            request: true,
            sender_mac: own_mac,
            sender_ip: own_ip,
            target_mac: [0; 6],
            target_ip: ip,
        },
    )
}

/// A reply sent to `to` (at `to_mac`) saying that `claimed_ip` is at `claimed_mac`; with
/// `claimed_mac` = the inspector's MAC this is the interception, with the true MAC a repair.
pub fn reply(
    own_mac: Mac,
    to_mac: Mac,
    to_ip: Ipv4Addr,
    claimed_ip: Ipv4Addr,
    claimed_mac: Mac,
) -> [u8; ARP_FRAME_LEN] {
    frame(
        to_mac,
        own_mac,
        &Arp {
            request: false,
            sender_mac: claimed_mac,
            sender_ip: claimed_ip,
            target_mac: to_mac,
            target_ip: to_ip,
        },
    )
}

/// A gratuitous reply for `ip` at `mac` (sender = target, RFC 5227 announcement form), sent
/// unicast to `to_mac` only. Linux applies a gratuitous ARP to an existing entry even within the
/// neighbour lock time (`locktime`, 1 s), which an ordinary reply does not override: that is
/// what makes the repair take at once.
pub fn gratuitous(own_mac: Mac, to_mac: Mac, ip: Ipv4Addr, mac: Mac) -> [u8; ARP_FRAME_LEN] {
    frame(
        to_mac,
        own_mac,
        &Arp {
            request: false,
            sender_mac: mac,
            sender_ip: ip,
            target_mac: mac,
            target_ip: ip,
        },
    )
}

fn frame(eth_dst: Mac, eth_src: Mac, arp: &Arp) -> [u8; ARP_FRAME_LEN] {
    let mut f = [0u8; ARP_FRAME_LEN];
    f[0..6].copy_from_slice(&eth_dst);
    f[6..12].copy_from_slice(&eth_src);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&1u16.to_be_bytes()); // Ethernet
    f[16..18].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    f[18] = 6;
    f[19] = 4;
    let op = if arp.request { OP_REQUEST } else { OP_REPLY };
    f[20..22].copy_from_slice(&op.to_be_bytes());
    f[22..28].copy_from_slice(&arp.sender_mac);
    f[28..32].copy_from_slice(&arp.sender_ip.octets());
    f[32..38].copy_from_slice(&arp.target_mac);
    f[38..42].copy_from_slice(&arp.target_ip.octets());
    f
}

/// The ARP message in an Ethernet frame, if it is one for Ethernet/IPv4.
pub fn parse(frame: &[u8]) -> Option<Arp> {
    if frame.len() < ARP_FRAME_LEN || ethertype(frame) != Some(ETHERTYPE_ARP) {
        return None;
    }
    if frame[14..16] != [0, 1] || frame[16..18] != [0x08, 0x00] || frame[18] != 6 || frame[19] != 4
    {
        return None;
    }
    let op = u16::from_be_bytes([frame[20], frame[21]]);
    if op != OP_REQUEST && op != OP_REPLY {
        return None;
    }
    let mac = |at: usize| -> Mac {
        let mut m = [0u8; 6];
        m.copy_from_slice(&frame[at..at + 6]);
        m
    };
    let ip = |at: usize| Ipv4Addr::new(frame[at], frame[at + 1], frame[at + 2], frame[at + 3]);
    Some(Arp {
        request: op == OP_REQUEST,
        sender_mac: mac(22),
        sender_ip: ip(28),
        target_mac: mac(32),
        target_ip: ip(38),
    })
}

/// The frame's EtherType (untagged frames only).
pub fn ethertype(frame: &[u8]) -> Option<u16> {
    frame.get(12..14).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Destination and source MAC of an Ethernet frame.
pub fn macs(frame: &[u8]) -> Option<(Mac, Mac)> {
    let dst: Mac = frame.get(0..6)?.try_into().ok()?;
    let src: Mac = frame.get(6..12)?.try_into().ok()?;
    Some((dst, src))
}

/// Destination address of an untagged IPv4 frame.
pub fn ipv4_destination(frame: &[u8]) -> Option<Ipv4Addr> {
    if ethertype(frame) != Some(ETHERTYPE_IPV4) {
        return None;
    }
    let d = frame.get(30..34)?;
    Some(Ipv4Addr::new(d[0], d[1], d[2], d[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: Mac = [2, 0, 0, 0, 0, 2];
    const CAM: Mac = [0x44, 0x19, 0xb6, 1, 2, 3];
    const GW: Mac = [0x60, 0x3a, 0x7c, 0x11, 0x22, 0x01];

    #[test]
    fn a_poisoning_reply_names_the_gateway_at_our_mac_and_goes_only_to_the_device() {
        let f = reply(
            OWN,
            CAM,
            Ipv4Addr::new(198, 18, 0, 12),
            Ipv4Addr::new(198, 18, 0, 1),
            OWN,
        );
        assert_eq!(macs(&f), Some((CAM, OWN)));
        let arp = parse(&f).unwrap();
        assert!(!arp.request);
        assert_eq!(arp.sender_ip, Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(arp.sender_mac, OWN);
        assert_eq!(arp.target_ip, Ipv4Addr::new(198, 18, 0, 12));
    }

    #[test]
    fn a_repair_is_gratuitous_with_the_true_mac_but_the_ethernet_source_stays_ours() {
        let f = gratuitous(OWN, CAM, Ipv4Addr::new(198, 18, 0, 1), GW);
        assert_eq!(macs(&f), Some((CAM, OWN)));
        let arp = parse(&f).unwrap();
        assert_eq!(arp.sender_mac, GW);
        assert_eq!(arp.target_mac, GW);
        assert_eq!(arp.sender_ip, arp.target_ip);
    }

    #[test]
    fn requests_are_broadcast_and_parse_back() {
        let f = request(
            OWN,
            Ipv4Addr::new(198, 18, 0, 2),
            Ipv4Addr::new(198, 18, 0, 1),
        );
        assert_eq!(macs(&f).unwrap().0, [0xff; 6]);
        assert!(parse(&f).unwrap().request);
        assert_eq!(parse(&f[..41]), None);
    }

    #[test]
    fn ipv4_destination_only_for_ipv4() {
        let mut f = vec![0u8; 60];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[30..34].copy_from_slice(&[203, 0, 113, 10]);
        assert_eq!(ipv4_destination(&f), Some(Ipv4Addr::new(203, 0, 113, 10)));
        f[12..14].copy_from_slice(&[0x86, 0xdd]);
        assert_eq!(ipv4_destination(&f), None);
    }
}
