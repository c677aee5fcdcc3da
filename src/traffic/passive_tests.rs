use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::traffic::decode::{self, TcpFlags};
use crate::traffic::source::{Frame, LinkType};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A UDP packet carrying `payload` (the real bytes a device sent; the headers are only what
/// the analyser reads of them).
fn udp<'a>(mac: [u8; 6], src: &str, sport: u16, dport: u16, payload: &'a [u8]) -> Packet<'a> {
    Packet {
        src_mac: Some(mac),
        link_broadcast: true,
        src: ip(src),
        dst: IpAddr::V4(Ipv4Addr::new(239, 255, 255, 250)),
        proto: Proto::Udp,
        src_port: sport,
        dst_port: dport,
        tcp: TcpFlags::default(),
        tcp_seq: 0,
        payload,
        fragment: None,
    }
}

fn values<'a>(found: &'a PassiveFindings, at: &str, source: &str) -> Vec<&'a str> {
    found
        .atoms
        .get(&ip(at))
        .into_iter()
        .flatten()
        .filter(|e| e.source == source)
        .map(|e| e.value.as_str())
        .collect()
}

const CAMERA: [u8; 6] = [0x00, 0x40, 0x8c, 0x73, 0xfe, 0x6e];
const ROUTER: [u8; 6] = [0x58, 0xef, 0x68, 0x10, 0x8f, 0x69];

/// An Axis camera's real mDNS answer: its service, instance, TXT keys and host name, under
/// the address that sent it, each atom marked passive.
#[test]
fn mdns_answer_becomes_passive_mdns_atoms_of_its_sender() {
    let data = include_bytes!("../../tests/fixtures/wire/mdns-reply-axis-redacted.bin");
    let mut passive = PassiveIdentity::default();
    passive.observe(&udp(CAMERA, "192.168.1.20", 5353, 5353, data));
    let found = passive.finish();
    assert_eq!(
        values(&found, "192.168.1.20", "mdns.service"),
        ["_axis-video._tcp.local"]
    );
    assert!(
        values(&found, "192.168.1.20", "mdns.txt")
            .iter()
            .any(|t| t.starts_with("macaddress="))
    );
    assert!(found.atoms[&ip("192.168.1.20")].iter().all(|e| e.passive));
    assert!(found.hostnames[&ip("192.168.1.20")].starts_with("axis-"));
}

/// A Hikvision camera's real ProbeMatches: model and maker scopes as `wsd.*` atoms.
#[test]
fn ws_discovery_probe_matches_become_passive_wsd_atoms() {
    let xml = include_str!("../../tests/fixtures/wire/wsd-probematches-hikvision-ds2cd2385g1.xml");
    let mut passive = PassiveIdentity::default();
    passive.observe(&udp(CAMERA, "192.168.1.64", 3702, 51000, xml.as_bytes()));
    let found = passive.finish();
    assert_eq!(
        values(&found, "192.168.1.64", "wsd.hardware"),
        ["DS-2CD2385G1-I"]
    );
    assert!(found.atoms[&ip("192.168.1.64")].iter().all(|e| e.passive));
}

/// A WS-Discovery Hello (synthetic: the fields of the real ProbeMatch above, in the Hello
/// element a device multicasts when it joins) reads like a ProbeMatch.
#[test]
fn ws_discovery_hello_is_read_like_a_probe_match() {
    let xml = concat!(
        "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" ",
        "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" ",
        "xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><s:Header>",
        "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action></s:Header>",
        "<s:Body><d:Hello><a:EndpointReference><a:Address>urn:uuid:1</a:Address></a:EndpointReference>",
        "<d:Types>dn:NetworkVideoTransmitter</d:Types>",
        "<d:Scopes>onvif://www.onvif.org/hardware/DS-2CD2385G1-I onvif://www.onvif.org/name/HIKVISION</d:Scopes>",
        "<d:XAddrs>http://192.168.1.64/onvif/device_service</d:XAddrs>",
        "<d:MetadataVersion>1</d:MetadataVersion></d:Hello></s:Body></s:Envelope>"
    );
    let mut passive = PassiveIdentity::default();
    passive.observe(&udp(CAMERA, "192.168.1.64", 3702, 3702, xml.as_bytes()));
    let found = passive.finish();
    assert_eq!(values(&found, "192.168.1.64", "wsd.name"), ["HIKVISION"]);
    assert_eq!(
        values(&found, "192.168.1.64", "wsd.types"),
        ["dn:NetworkVideoTransmitter"]
    );
}

/// A real DHCPREQUEST (a Grandstream device asking for 192.168.0.10) states the address of its
/// MAC, so the address belongs to that machine.
#[test]
fn dhcp_request_states_the_address_of_its_mac() {
    let data = include_bytes!("../../tests/fixtures/wire/dhcp-request-frame3.bin");
    let frame = Frame {
        ts_micros: 0,
        link: LinkType::Ethernet,
        data,
        orig_len: data.len() as u32,
    };
    let packet = decode::decode(&frame).unwrap();
    let mut passive = PassiveIdentity::default();
    passive.observe(&packet);
    let found = passive.finish();
    assert_eq!(
        found.owners.get(&ip("192.168.0.10")),
        Some(&[0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42])
    );
}

/// Searches say what a client looks for, not what it is: a real Chrome M-SEARCH adds nothing.
#[test]
fn ssdp_searches_are_not_identity() {
    let data = include_bytes!("../../tests/fixtures/wire/ssdp-msearch-chrome-frame299.txt");
    let mut passive = PassiveIdentity::default();
    passive.observe(&udp(CAMERA, "192.168.152.3", 50000, 1900, data));
    assert!(passive.finish().atoms.is_empty());
}

/// The gateway's MAC fronts every remote address and a routed LAN: only the addresses it
/// states itself (ARP) are the router's; a camera VLAN behind it stays separate devices.
#[test]
fn router_with_three_addresses_is_one_device_and_what_it_routes_is_not() {
    let mut passive = PassiveIdentity::default();
    for (src, payload) in [
        ("203.0.113.9", &b"x"[..]),
        ("198.51.100.7", b"x"),
        ("192.168.1.1", b"x"),
        ("10.0.0.1", b"x"),
        ("172.16.0.1", b"x"),
        ("192.168.2.50", b"x"),
        ("192.168.2.51", b"x"),
    ] {
        passive.observe(&udp(ROUTER, src, 4000, 4000, payload));
    }
    for own in ["192.168.1.1", "10.0.0.1", "172.16.0.1"] {
        let IpAddr::V4(v4) = ip(own) else {
            unreachable!()
        };
        passive.observe_frame(&crate::wire::arp::request(ROUTER, v4, v4));
    }
    // The camera's own packets and one ARP: its address is its own.
    passive.observe(&udp(CAMERA, "192.168.1.20", 4000, 4000, b"x"));
    let found = passive.finish();
    let seen = [
        "192.168.1.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.2.50",
        "192.168.2.51",
        "192.168.1.20",
        "203.0.113.9",
    ]
    .map(ip);
    let groups = group_by_machine(seen, &found.owners);
    assert!(groups.contains(&vec![ip("10.0.0.1"), ip("172.16.0.1"), ip("192.168.1.1")]));
    assert!(groups.contains(&vec![ip("192.168.2.50")]));
    assert!(groups.contains(&vec![ip("192.168.2.51")]));
    assert!(groups.contains(&vec![ip("192.168.1.20")]));
    assert!(groups.contains(&vec![ip("203.0.113.9")]));
    assert_eq!(groups.len(), 5);
}

/// A Linux loopback capture gives every frame the all-zero MAC: the addresses behind it are
/// separate machines, as are those behind a group MAC (an ARP reply can name any MAC). A
/// locally administered MAC (a phone's private Wi-Fi address) still names one machine.
#[test]
fn shared_macs_name_no_machine_but_a_private_wifi_mac_does() {
    const LOOPBACK: [u8; 6] = [0; 6];
    const PRIVATE_WIFI: [u8; 6] = [0x6a, 0x1f, 0x03, 0x44, 0x10, 0x2e];
    let mut passive = PassiveIdentity::default();
    for src in ["10.99.0.1", "10.99.0.2"] {
        passive.observe(&udp(LOOPBACK, src, 5000, 5000, b"x"));
    }
    for (mac, own) in [([0xff; 6], "10.99.0.3"), ([0xff; 6], "10.99.0.4")] {
        let IpAddr::V4(v4) = ip(own) else {
            unreachable!()
        };
        passive.observe_frame(&crate::wire::arp::request(mac, v4, v4));
    }
    for src in ["192.168.1.30", "fe80::681f:3ff:fe44:102e"] {
        passive.observe(&udp(PRIVATE_WIFI, src, 5353, 5353, b"x"));
    }
    let found = passive.finish();
    assert!(!found.owners.values().any(|mac| !names_one_interface(*mac)));
    let seen = [
        "10.99.0.1",
        "10.99.0.2",
        "10.99.0.3",
        "10.99.0.4",
        "192.168.1.30",
        "fe80::681f:3ff:fe44:102e",
    ]
    .map(ip);
    let groups = group_by_machine(seen, &found.owners);
    assert_eq!(
        groups,
        [
            vec![ip("10.99.0.1")],
            vec![ip("10.99.0.2")],
            vec![ip("10.99.0.3")],
            vec![ip("10.99.0.4")],
            vec![ip("192.168.1.30"), ip("fe80::681f:3ff:fe44:102e")],
        ]
    );
    // Owners handed in from elsewhere are held to the same rule.
    let zero_owned = [(ip("10.99.0.1"), LOOPBACK), (ip("10.99.0.2"), LOOPBACK)].into();
    assert_eq!(
        group_by_machine([ip("10.99.0.1"), ip("10.99.0.2")], &zero_owned),
        [vec![ip("10.99.0.1")], vec![ip("10.99.0.2")]]
    );
}

/// nDPI's mqtt.pcap: an MQTT client (192.168.0.1) and its broker (10.10.10.1) on two subnets,
/// every frame from one anonymised MAC. A machine reaches its own addresses over loopback, so a
/// MAC carrying both sides of one conversation fronts them (a router, or anonymisation) and
/// groups neither; a machine's own two addresses, each talking to others, still group.
#[test]
fn a_mac_on_both_sides_of_a_conversation_groups_neither_address() {
    const SHARED: [u8; 6] = [0x00, 0x0c, 0x00, 0x4d, 0x2c, 0xb0];
    let tcp = |src: &str, dst: &str| {
        let mut p = udp(SHARED, src, 1883, 41_892, b"");
        (p.dst, p.proto, p.link_broadcast) = (ip(dst), Proto::Tcp, false);
        p
    };
    let mut passive = PassiveIdentity::default();
    passive.observe(&tcp("10.10.10.1", "192.168.0.1"));
    passive.observe(&tcp("192.168.0.1", "10.10.10.1"));
    // A router with two LAN addresses, each talking to hosts that are not its own.
    for (src, dst) in [("192.168.1.1", "192.168.1.20"), ("10.0.0.1", "10.0.0.9")] {
        let mut p = udp(ROUTER, src, 53, 40_000, b"");
        p.dst = ip(dst);
        passive.observe(&p);
    }
    let found = passive.finish();
    let seen = ["10.10.10.1", "192.168.0.1", "10.0.0.1", "192.168.1.1"].map(ip);
    assert_eq!(
        group_by_machine(seen, &found.owners),
        [
            vec![ip("10.0.0.1"), ip("192.168.1.1")],
            vec![ip("10.10.10.1")],
            vec![ip("192.168.0.1")],
        ]
    );
}

/// A device that fell back to a link-local address is listed under its routable one.
#[test]
fn a_machine_is_listed_under_its_routable_address() {
    let mut passive = PassiveIdentity::default();
    for src in ["169.254.8.219", "192.168.152.15", "fe80::1"] {
        passive.observe(&udp(CAMERA, src, 1900, 1900, b"x"));
    }
    let found = passive.finish();
    let groups = group_by_machine(
        [ip("169.254.8.219"), ip("192.168.152.15"), ip("fe80::1")],
        &found.owners,
    );
    assert_eq!(
        groups,
        [vec![
            ip("192.168.152.15"),
            ip("169.254.8.219"),
            ip("fe80::1")
        ]]
    );
}

/// Garbage on the discovery ports never panics and adds nothing.
#[test]
fn garbage_on_discovery_ports_adds_nothing() {
    let mut passive = PassiveIdentity::default();
    for port in [67, 5353, 1900, 3702] {
        for junk in [&b""[..], b"\xff\xfe<", b"NOTIFY", &[0u8; 300]] {
            let mut p = udp(CAMERA, "192.168.1.20", 68, port, junk);
            if port != 67 {
                p.src_port = port;
            }
            passive.observe(&p);
        }
    }
    assert!(passive.finish().atoms.is_empty());
}
