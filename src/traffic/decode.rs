//! Link and network decoding of one frame into the few fields flow accounting needs (pure).
//!
//! etherparse's lax slicer is used on purpose: frames captured on a host with GRO/TSO are larger
//! than the MTU (and IPv4 total length may be 0), and frames cut by a snap length still carry
//! addresses and ports worth counting.

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, LinkSlice, TransportSlice};
use std::net::IpAddr;

use super::source::{Frame, LinkType};

/// Transport protocol of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    /// Another IP protocol (ICMP, IGMP, …), by number.
    Other(u8),
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Other(1) => "icmp",
            Proto::Other(58) => "icmpv6",
            Proto::Other(2) => "igmp",
            Proto::Other(_) => "ip",
        }
    }
}

/// TCP flags that drive the connection state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFlags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
}

/// What flow accounting needs from one IP packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    pub src_mac: Option<[u8; 6]>,
    /// Sent to the link's broadcast or a multicast group (Ethernet destination's group bit, or the
    /// cooked header's packet type): not a conversation with one host, whatever the IP address
    /// (a subnet broadcast such as 192.168.10.255/24 is known only from this; x.y.z.255 is an
    /// ordinary host in a /23 or on the internet).
    pub link_broadcast: bool,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: Proto,
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp: TcpFlags,
    /// TCP sequence number (0 for other protocols), for reassembling streams.
    pub tcp_seq: u32,
    /// Transport payload as captured (may be cut short by the snap length).
    pub payload: &'a [u8],
    /// Set for a fragment of a fragmented IP packet.
    pub fragment: Option<Fragment>,
}

/// Where a fragment sits in its IP packet: the first carries the transport header (ports), the
/// later ones only payload, found again by the packet's identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    pub id: u32,
    pub first: bool,
}

/// Decodes a frame; `None` for non-IP frames (ARP, LLDP, …) and undecodable link types.
pub fn decode<'a>(frame: &Frame<'a>) -> Option<Packet<'a>> {
    let data = frame.data;
    let (sliced, src_mac, link_broadcast) = match frame.link {
        LinkType::Ethernet => {
            let sliced = LaxSlicedPacket::from_ethernet(data).ok()?;
            let (mac, group) = ethernet_source(&sliced);
            (sliced, mac, group)
        }
        LinkType::LinuxSll => {
            // 16-byte header: packet type, ARPHRD, address length, 8 address bytes, protocol.
            let header = data.get(..16)?;
            let proto = u16::from_be_bytes([header[14], header[15]]);
            // Packet type 1 = to everyone (broadcast), 2 = to a group (multicast).
            let kind = u16::from_be_bytes([header[0], header[1]]);
            let mac = sll_sender_mac(kind, &header[4..6], &header[6..14]);
            (
                LaxSlicedPacket::from_ether_type(EtherType(proto), &data[16..]),
                mac,
                matches!(kind, 1 | 2),
            )
        }
        LinkType::LinuxSll2 => {
            // 20-byte header: protocol first, then ifindex, ARPHRD, type, address length, address.
            let header = data.get(..20)?;
            let proto = u16::from_be_bytes([header[0], header[1]]);
            let mac = sll_sender_mac(header[10].into(), &[0, header[11]], &header[12..20]);
            (
                LaxSlicedPacket::from_ether_type(EtherType(proto), &data[20..]),
                mac,
                matches!(header[10], 1 | 2),
            )
        }
        LinkType::RawIp => (LaxSlicedPacket::from_ip(data).ok()?, None, false),
        LinkType::Null => (LaxSlicedPacket::from_ip(data.get(4..)?).ok()?, None, false),
        LinkType::Other(_) => return None,
    };
    decode_ip(sliced, src_mac, link_broadcast, 0)
}

/// IP packets opened inside one another at most (IP in IP in IP …).
const MAX_TUNNELS: u8 = 3;

/// The sender's MAC of an Ethernet frame and whether it went to a group (broadcast, multicast).
fn ethernet_source(sliced: &LaxSlicedPacket<'_>) -> (Option<[u8; 6]>, bool) {
    match &sliced.link {
        Some(LinkSlice::Ethernet2(eth)) => (
            Some(eth.source()),
            crate::model::MacAddr(eth.destination()).is_multicast(),
        ),
        _ => (None, false),
    }
}

/// The packet a tunnel carries inside an IP packet (`protocol`: the outer header's next
/// header), when it is whole: IPv4 (4) or IPv6 (41) in IP — also behind an IPv6 segment routing
/// header (RFC 8754) as SRv6 encapsulation (RFC 8986 H.Encaps) writes it — or an Ethernet frame
/// (143, SRv6's End.DX2 layer-2 service). The conversation is the inner packet's: the outer
/// addresses are the tunnel's ends (SR nodes, a 6in4 router), as Zeek files IP tunnels (its
/// conn.log holds the inner connection, tunnel.log the outer) and as tshark's TCP/UDP
/// conversations do. `None` for anything else, a fragment, or an inner packet that does not
/// decode (the outer one is counted then).
fn tunnelled<'a>(protocol: u8, payload: &'a [u8]) -> Option<(LaxSlicedPacket<'a>, bool)> {
    let inner = match protocol {
        4 | 41 => LaxSlicedPacket::from_ip(payload).ok()?,
        143 => LaxSlicedPacket::from_ethernet(payload).ok()?,
        _ => return None,
    };
    inner
        .net
        .as_ref()
        .is_some_and(|net| !matches!(net, LaxNetSlice::Arp(_)))
        .then_some((inner, protocol == 143))
}

fn decode_ip<'a>(
    sliced: LaxSlicedPacket<'a>,
    src_mac: Option<[u8; 6]>,
    link_broadcast: bool,
    tunnels: u8,
) -> Option<Packet<'a>> {
    let (src, dst, ip_payload, fragment) = match sliced.net.as_ref()? {
        LaxNetSlice::Ipv4(v4) => {
            let h = v4.header();
            let fragment = v4.payload().fragmented.then(|| Fragment {
                id: u32::from(h.identification()),
                first: h.fragments_offset().value() == 0,
            });
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                v4.payload(),
                fragment,
            )
        }
        LaxNetSlice::Ipv6(v6) => {
            let fragment = ipv6_fragment(v6.header().next_header().0, v6.extensions().slice());
            (
                IpAddr::V6(v6.header().source_addr()),
                IpAddr::V6(v6.header().destination_addr()),
                v6.payload(),
                fragment,
            )
        }
        LaxNetSlice::Arp(_) => return None,
    };
    if fragment.is_none()
        && tunnels < MAX_TUNNELS
        && let Some((inner, ethernet)) = tunnelled(ip_payload.ip_number.0, ip_payload.payload)
    {
        // The outer frame's MAC is the tunnel end's, not the inner sender's; an Ethernet frame
        // inside carries its own.
        let (mac, group) = if ethernet {
            ethernet_source(&inner)
        } else {
            (None, link_broadcast)
        };
        return decode_ip(inner, mac, group, tunnels + 1);
    }
    let mut packet = Packet {
        src_mac,
        link_broadcast,
        src,
        dst,
        proto: Proto::Other(ip_payload.ip_number.0),
        src_port: 0,
        dst_port: 0,
        tcp: TcpFlags::default(),
        tcp_seq: 0,
        payload: &[],
        fragment,
    };
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            packet.proto = Proto::Tcp;
            packet.src_port = tcp.source_port();
            packet.dst_port = tcp.destination_port();
            packet.tcp = TcpFlags {
                syn: tcp.syn(),
                ack: tcp.ack(),
                fin: tcp.fin(),
                rst: tcp.rst(),
            };
            packet.tcp_seq = tcp.sequence_number();
            packet.payload = tcp.payload();
        }
        Some(TransportSlice::Udp(udp)) => {
            packet.proto = Proto::Udp;
            packet.src_port = udp.source_port();
            packet.dst_port = udp.destination_port();
            packet.payload = udp.payload();
        }
        _ => {
            // A TCP/UDP header cut by the snap length, a first fragment (it carries the header)
            // or a later one (no header: the caller finds its ports from the first): keep the
            // protocol, read the ports where they were captured.
            let n = ip_payload.ip_number.0;
            if n == 6 || n == 17 {
                packet.proto = if n == 6 { Proto::Tcp } else { Proto::Udp };
                let header_here = fragment.is_none_or(|f| f.first);
                if header_here && let Some(ports) = ip_payload.payload.get(..4) {
                    packet.src_port = u16::from_be_bytes([ports[0], ports[1]]);
                    packet.dst_port = u16::from_be_bytes([ports[2], ports[3]]);
                }
            }
        }
    }
    Some(packet)
}

/// Linux cooked header packet type of a packet the capturing host sent (`PACKET_OUTGOING`).
const SLL_OUTGOING: u16 = 4;

/// The sender's MAC from a Linux cooked header, when it is a 6-byte Ethernet address of the
/// packet's sender. On a packet the capturing host sent, the header holds the host's own
/// outgoing interface, also on the packets it forwards for other addresses (a router, a NAT or
/// a container host: on a Kubernetes node every pod's packets leave with the one veth address
/// ee:ee:ee:ee:ee:ee), so it names no machine for the packet's source address.
fn sll_sender_mac(packet_type: u16, addr_len: &[u8], addr: &[u8]) -> Option<[u8; 6]> {
    if packet_type != SLL_OUTGOING && addr_len.get(1) == Some(&6) {
        addr.get(..6)?.try_into().ok()
    } else {
        None
    }
}

/// The fragment header in a chain of IPv6 extension headers (`next`: the fixed header's next
/// header; `chain`: the extension bytes etherparse parsed), walked here with every length
/// checked. etherparse 0.21's own iterator over a lax slice reads past the end of a chain that
/// was cut short or malformed (an out-of-bounds read the `traffic_payloads` fuzz target found;
/// input kept in tests/fixtures/fuzz/traffic_payloads/).
fn ipv6_fragment(mut next: u8, mut chain: &[u8]) -> Option<Fragment> {
    // RFC 8200 §4: hop-by-hop (0), routing (43) and destination options (60) give their length
    // in 8-octet units after the first 8; the fragment header (44) is 8 octets; RFC 4302 §2.2:
    // the authentication header (51) gives its length in 4-octet units minus 2.
    loop {
        let len = match next {
            0 | 43 | 60 => (usize::from(*chain.get(1)?) + 1) * 8,
            51 => (usize::from(*chain.get(1)?) + 2) * 4,
            44 => {
                let header = chain.get(..8)?;
                let offset = u16::from_be_bytes([header[2], header[3]]) >> 3;
                let more = header[3] & 1 == 1;
                if offset == 0 && !more {
                    // An atomic fragment (RFC 6946): the whole datagram, not a piece of one.
                    next = header[0];
                    chain = &chain[8..];
                    continue;
                }
                return Some(Fragment {
                    id: u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
                    first: offset == 0,
                });
            }
            _ => return None,
        };
        next = *chain.first()?;
        chain = chain.get(len..)?;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_fragment_headers_are_found_and_cut_chains_end_the_walk() {
        use super::ipv6_fragment;
        // Destination options (8 octets) then a first fragment (offset 0, more) of id 7.
        let chain = [44, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0x00, 0x01, 0, 0, 0, 7];
        let first = ipv6_fragment(60, &chain).expect("fragment header found");
        assert_eq!((first.id, first.first), (7, true));
        // A later piece: offset 185 (×8 octets), no more.
        let later = [17, 0, 0x05, 0xc8, 0, 0, 0, 9];
        let later = ipv6_fragment(44, &later).expect("fragment header found");
        assert_eq!((later.id, later.first), (9, false));
        // An atomic fragment is no fragment; cut-short chains end without reading past them.
        assert!(ipv6_fragment(44, &[17, 0, 0, 0, 0, 0, 0, 1]).is_none());
        assert!(ipv6_fragment(60, &[44, 0, 0, 0]).is_none());
        assert!(ipv6_fragment(60, &chain[..8]).is_none());
        assert!(ipv6_fragment(0, &[]).is_none());
    }

    use super::*;

    fn ipv4_udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        etherparse::PacketBuilder::ipv4(src, dst, 64)
            .udp(sport, dport)
            .write(&mut out, payload)
            .unwrap();
        out
    }

    #[test]
    fn vlan_tagged_ethernet_frame_yields_addresses_and_ports() {
        let mut frame = Vec::new();
        etherparse::PacketBuilder::ethernet2([0x78, 0x11, 0xdc, 1, 2, 3], [0xff; 6])
            .single_vlan(etherparse::VlanId::try_new(10).unwrap())
            .ipv4([192, 168, 10, 204], [47, 88, 59, 209], 64)
            .udp(50_000, 32_100)
            .write(&mut frame, b"\xf1\x00\x00\x00")
            .unwrap();
        let f = Frame {
            ts_micros: 0,
            link: LinkType::Ethernet,
            data: &frame,
            orig_len: frame.len() as u32,
        };
        let p = decode(&f).unwrap();
        assert_eq!(p.src_mac, Some([0x78, 0x11, 0xdc, 1, 2, 3]));
        assert_eq!(p.src.to_string(), "192.168.10.204");
        assert_eq!(p.dst.to_string(), "47.88.59.209");
        assert_eq!((p.proto, p.dst_port), (Proto::Udp, 32_100));
        assert_eq!(p.payload, b"\xf1\x00\x00\x00");
    }

    #[test]
    fn linux_sll2_and_raw_ip_frames_decode() {
        let ip = ipv4_udp([10, 0, 0, 2], [8, 8, 8, 8], 40_000, 53, b"q");
        // Packet type 0: sent to the capturing host, by the machine the address names.
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6];
        sll2.extend_from_slice(&[2, 0, 0, 0, 0, 9, 0, 0]);
        sll2.extend_from_slice(&ip);
        let f = Frame {
            ts_micros: 0,
            link: LinkType::LinuxSll2,
            data: &sll2,
            orig_len: 0,
        };
        let p = decode(&f).unwrap();
        assert_eq!(p.src_mac, Some([2, 0, 0, 0, 0, 9]));
        assert_eq!(p.dst_port, 53);
        let raw = Frame {
            ts_micros: 0,
            link: LinkType::RawIp,
            data: &ip,
            orig_len: 0,
        };
        assert_eq!(decode(&raw).unwrap().src.to_string(), "10.0.0.2");
    }

    #[test]
    fn a_cooked_packet_the_capturing_host_sent_names_no_sender_mac() {
        let ip = ipv4_udp([10, 104, 236, 232], [172, 16, 166, 133], 1883, 49_081, b"q");
        let calico = [0xee; 6];
        // SLL v1: packet type, ARPHRD_ETHER, address length 6, address (padded to 8), protocol.
        let sll = |packet_type: u8| {
            let mut f = vec![0, packet_type, 0, 1, 0, 6];
            f.extend_from_slice(&calico);
            f.extend_from_slice(&[0, 0, 0x08, 0x00]);
            f.extend_from_slice(&ip);
            f
        };
        let mac_of = |data: &[u8], link| {
            decode(&Frame {
                ts_micros: 0,
                link,
                data,
                orig_len: 0,
            })
            .unwrap()
            .src_mac
        };
        assert_eq!(mac_of(&sll(0), LinkType::LinuxSll), Some(calico));
        assert_eq!(mac_of(&sll(4), LinkType::LinuxSll), None);
        // SLL v2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, length, address.
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 7, 0, 1, 4, 6];
        sll2.extend_from_slice(&calico);
        sll2.extend_from_slice(&[0, 0]);
        sll2.extend_from_slice(&ip);
        assert_eq!(mac_of(&sll2, LinkType::LinuxSll2), None);
        sll2[10] = 3;
        assert_eq!(mac_of(&sll2, LinkType::LinuxSll2), Some(calico));
    }

    /// tcpdump's real SRv6 captures (tests/fixtures/pcaps/tcpdump-srv6-*.pcap, one packet
    /// each): a packet encapsulated behind a segment routing header is the inner packet's
    /// conversation, with the inner Ethernet sender's MAC when it carries one and no MAC when
    /// the outer frame's is the SR node's; an SRH inserted without encapsulation leaves the
    /// packet on its wire addresses (Zeek's reading; tshark's UDP conversation uses the final
    /// segment instead, its IPv6 conversation the wire's).
    #[test]
    fn srv6_encapsulated_packets_are_their_inner_packets() {
        use crate::traffic::source::{FrameSource, PcapSource};
        let first = |bytes: &[u8]| {
            let mut source = PcapSource::new(bytes).unwrap();
            let frame = source.next_frame().unwrap().unwrap();
            let p = decode(&frame).unwrap();
            (
                p.src.to_string(),
                p.dst.to_string(),
                p.proto.as_str(),
                (p.src_port, p.dst_port),
                p.src_mac,
            )
        };
        assert_eq!(
            first(include_bytes!(
                "../../tests/fixtures/pcaps/tcpdump-srv6-encap-ipv6.pcap"
            )),
            ("a:b:c:12::1".into(), "b2::2".into(), "icmpv6", (0, 0), None)
        );
        assert_eq!(
            first(include_bytes!(
                "../../tests/fixtures/pcaps/tcpdump-srv6-encap-ethernet.pcap"
            )),
            (
                "a::2".into(),
                "e::2".into(),
                "icmpv6",
                (0, 0),
                Some([0xae, 0x64, 0x42, 0x3b, 0x5b, 0x9a])
            )
        );
        assert_eq!(
            first(include_bytes!(
                "../../tests/fixtures/pcaps/tcpdump-srv6-inserted-srh.pcap"
            )),
            (
                "12::1".into(),
                "2::f1:0".into(),
                "udp",
                (57_745, 5_001),
                Some([0x08, 0x00, 0x27, 0xe3, 0xba, 0x2d])
            )
        );
    }

    /// Built here: IPv4 inside IPv4 (protocol 4) is read like SRv6's encapsulation, and a
    /// chain of tunnels deeper than [`MAX_TUNNELS`] stops at the last one opened.
    #[test]
    fn ip_in_ip_is_the_inner_packet_and_nesting_is_bounded() {
        let mut inner = Vec::new();
        etherparse::PacketBuilder::ipv4([192, 168, 1, 5], [203, 0, 113, 9], 64)
            .udp(40_000, 443)
            .write(&mut inner, b"hi")
            .unwrap();
        let wrap = |payload: &[u8]| {
            let mut outer = Vec::new();
            etherparse::PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .write(&mut outer, etherparse::IpNumber(4), payload)
                .unwrap();
            outer
        };
        let read = |data: &[u8]| {
            let p = decode(&Frame {
                ts_micros: 0,
                link: LinkType::RawIp,
                data,
                orig_len: 0,
            })
            .unwrap();
            (p.src.to_string(), p.proto.as_str(), p.dst_port)
        };
        let once = wrap(&inner);
        assert_eq!(read(&once), ("192.168.1.5".into(), "udp", 443));
        let deep = wrap(&wrap(&wrap(&once)));
        assert_eq!(read(&deep), ("10.0.0.1".into(), "ip", 0));
    }

    #[test]
    fn frame_larger_than_the_mtu_keeps_its_whole_payload() {
        let payload = vec![0x42; 60_000];
        let mut frame = Vec::new();
        etherparse::PacketBuilder::ethernet2([2; 6], [4; 6])
            .ipv4([192, 168, 1, 5], [203, 0, 113, 9], 64)
            .tcp(40_000, 443, 1, 65_535)
            .write(&mut frame, &payload)
            .unwrap();
        let f = Frame {
            ts_micros: 0,
            link: LinkType::Ethernet,
            data: &frame,
            orig_len: frame.len() as u32,
        };
        let p = decode(&f).unwrap();
        assert_eq!(p.payload.len(), 60_000);
        assert_eq!(p.proto, Proto::Tcp);
    }

    #[test]
    fn garbage_frames_do_not_panic() {
        for len in 0..64 {
            let data = vec![0x45; len];
            for link in [
                LinkType::Ethernet,
                LinkType::LinuxSll,
                LinkType::LinuxSll2,
                LinkType::RawIp,
                LinkType::Null,
            ] {
                let _ = decode(&Frame {
                    ts_micros: 0,
                    link,
                    data: &data,
                    orig_len: 0,
                });
            }
        }
    }
}
