//! mDNS / DNS-SD (RFC 6762, RFC 6763): the PTR queries camsweep sends (the service-type
//! enumeration `_services._dns-sd._udp.local` and the camera service types) and what replies
//! say: service types, instances with their SRV port and TXT records, host names and addresses.
//! Queries are sent from an ephemeral port, so devices answer by unicast ("legacy unicast",
//! RFC 6762 §6.7). Pure: no I/O. DNS wire format via `simple-dns`.

use std::net::{IpAddr, Ipv4Addr};

use super::discovery::{self, Atom, Field, Follow, Protocol};
use crate::model::AtomKind::{DeviceClass, Text, TxtEntry, UnitName};

use simple_dns::rdata::{A, PTR, RData, SRV, TXT};
use simple_dns::{CLASS, Name, Packet, PacketFlag, QCLASS, QTYPE, Question, ResourceRecord, TYPE};

/// The UDP port of mDNS.
pub const PORT: u16 = 5353;
/// The IPv4 multicast group of mDNS.
pub const MULTICAST: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
/// The DNS-SD service-type enumeration name.
pub const SERVICES: &str = "_services._dns-sd._udp.local";
/// Service types cameras and recorders announce (Axis, Arecont, ONVIF, generic RTSP/HTTP).
pub const CAMERA_SERVICES: &[&str] = &[
    "_axis-video._tcp.local",
    "_axis-nvr._tcp.local",
    "_rtsp._tcp.local",
    "_onvif._tcp.local",
    "_arec._tcp.local",
    "_http._tcp.local",
];

/// A query asking PTR records for each name, with the unicast-response bit set.
pub fn query(id: u16, names: &[&str]) -> Option<Vec<u8>> {
    let mut packet = Packet::new_query(id);
    for name in names {
        packet.questions.push(Question::new(
            Name::new(name).ok()?,
            QTYPE::TYPE(TYPE::PTR),
            QCLASS::CLASS(CLASS::IN),
            true,
        ));
    }
    packet.build_bytes_vec().ok()
}

/// The PTR names a query asks for (for the lab's responders); `None` for a reply or garbage.
pub fn parse_query(data: &[u8]) -> Option<(u16, Vec<String>)> {
    let packet = Packet::parse(data).ok()?;
    if packet.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let names = packet
        .questions
        .iter()
        .map(|q| q.qname.to_string())
        .collect();
    Some((packet.id(), names))
}

/// One DNS-SD service instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// `AXIS M3045-V - ACCC8E012345._axis-video._tcp.local`.
    pub name: String,
    /// `_axis-video._tcp.local`.
    pub service: String,
    pub port: Option<u16>,
    /// SRV target: the device's host name.
    pub target: Option<String>,
    /// TXT `key=value` pairs (`macaddress=ACCC8E012345`), in record order.
    pub txt: Vec<(String, String)>,
}

/// What one mDNS reply said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// Service types from the enumeration.
    pub service_types: Vec<String>,
    pub instances: Vec<Instance>,
    /// (host name, address) from A records.
    pub hosts: Vec<(String, Ipv4Addr)>,
}

/// Reads an mDNS reply; `None` for queries and malformed packets.
pub fn parse_reply(data: &[u8]) -> Option<Reply> {
    let packet = Packet::parse(data).ok()?;
    if !packet.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let records: Vec<&ResourceRecord> = packet
        .answers
        .iter()
        .chain(&packet.additional_records)
        .collect();
    let mut reply = Reply::default();
    for rr in &records {
        let owner = rr.name.to_string();
        match &rr.rdata {
            RData::PTR(PTR(target)) if owner.eq_ignore_ascii_case(SERVICES) => {
                push_unique(&mut reply.service_types, target.to_string());
            }
            RData::PTR(PTR(target)) => {
                let name = target.to_string();
                if !reply.instances.iter().any(|i| i.name == name) {
                    reply.instances.push(Instance {
                        name,
                        service: owner,
                        ..Instance::default()
                    });
                }
            }
            RData::A(A { address }) => reply.hosts.push((owner, Ipv4Addr::from(*address))),
            _ => {}
        }
    }
    for rr in &records {
        let owner = rr.name.to_string();
        let Some(instance) = reply.instances.iter_mut().find(|i| i.name == owner) else {
            continue;
        };
        match &rr.rdata {
            RData::SRV(srv) => {
                instance.port = Some(srv.port);
                instance.target = Some(srv.target.to_string());
            }
            RData::TXT(txt) => {
                for (key, value) in txt.iter_raw() {
                    instance.txt.push((
                        String::from_utf8_lossy(key).into_owned(),
                        value
                            .map(|v| String::from_utf8_lossy(v).into_owned())
                            .unwrap_or_default(),
                    ));
                }
            }
            _ => {}
        }
    }
    Some(reply)
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// A device's answer: the enumeration entry and, when asked, its instance with SRV, TXT and A
/// records (for the lab's personas). `None` when a name is not a valid DNS name.
pub fn reply(id: u16, instance: &Instance, address: Ipv4Addr, enumerate: bool) -> Option<Vec<u8>> {
    const TTL: u32 = 120;
    let mut packet = Packet::new_reply(id);
    packet.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
    let service = Name::new(&instance.service).ok()?;
    let name = Name::new(&instance.name).ok()?;
    let target = Name::new(instance.target.as_deref()?).ok()?;
    if enumerate {
        packet.answers.push(ResourceRecord::new(
            Name::new(SERVICES).ok()?,
            CLASS::IN,
            TTL,
            RData::PTR(PTR(service.clone())),
        ));
    }
    packet.answers.push(ResourceRecord::new(
        service,
        CLASS::IN,
        TTL,
        RData::PTR(PTR(name.clone())),
    ));
    packet.additional_records.push(ResourceRecord::new(
        name.clone(),
        CLASS::IN,
        TTL,
        RData::SRV(SRV {
            priority: 0,
            weight: 0,
            port: instance.port.unwrap_or(0),
            target: target.clone(),
        }),
    ));
    let pairs: Vec<String> = instance
        .txt
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut txt = TXT::new();
    for pair in &pairs {
        txt.add_string(pair).ok()?;
    }
    packet
        .additional_records
        .push(ResourceRecord::new(name, CLASS::IN, TTL, RData::TXT(txt)));
    packet.additional_records.push(ResourceRecord::new(
        target,
        CLASS::IN,
        TTL,
        RData::A(A {
            address: u32::from(address),
        }),
    ));
    packet.build_bytes_vec().ok()
}

/// mDNS/DNS-SD in the discovery table: the service enumeration and the camera service types,
/// answered by unicast (RFC 6762 §6.7, legacy unicast).
pub const DISCOVERY: Protocol = Protocol {
    name: "mdns",
    port: PORT,
    group: Some(MULTICAST),
    broadcast: false,
    inquiry: |_| {
        let mut names = vec![SERVICES];
        names.extend_from_slice(CAMERA_SERVICES);
        query(0, &names).into_iter().collect()
    },
    parse: |from, data| {
        let reply = parse_reply(data)?;
        let mut out = discovery::Reply {
            atoms: reply_atoms(&reply),
            ..discovery::Reply::default()
        };
        // The SRV target names the replier's host; else an A record of the replier's address.
        let own = reply
            .instances
            .iter()
            .filter_map(|i| i.target.as_deref())
            .chain(
                reply
                    .hosts
                    .iter()
                    .filter(|(_, addr)| IpAddr::V4(*addr) == from)
                    .map(|(name, _)| name.as_str()),
            )
            .next();
        out.host_name = own.map(host_name);
        Some(out)
    },
    fields: FIELDS,
    maker: false,
    follow: Follow::Nothing,
};

const FIELDS: &[Field] = &[
    Field {
        source: "mdns.service",
        kinds: &[DeviceClass],
    },
    Field {
        source: "mdns.instance",
        kinds: &[Text, UnitName],
    },
    Field {
        source: "mdns.txt",
        kinds: &[Text, TxtEntry],
    },
];

/// The atoms of a reply: every service type and instance, each instance's TXT entries.
pub fn reply_atoms(reply: &Reply) -> Vec<Atom> {
    let mut out = discovery::Reply::default();
    for service in &reply.service_types {
        out.add(&FIELDS[0], Some(service));
    }
    for i in &reply.instances {
        out.add(&FIELDS[0], Some(&i.service));
        out.add(&FIELDS[1], Some(&i.name));
        for (k, v) in &i.txt {
            out.add(&FIELDS[2], Some(&format!("{k}={v}")));
        }
    }
    out.atoms
}

/// `axis-accc8e4a3221.local.` → `axis-accc8e4a3221`.
pub fn host_name(name: &str) -> String {
    name.trim_end_matches('.')
        .trim_end_matches(".local")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn query_asks_for_ptr_with_the_unicast_bit() {
        let bytes = query(0, &[SERVICES]).unwrap();
        // Header: id 0, flags 0, one question.
        assert_eq!(&bytes[..6], &[0, 0, 0, 0, 0, 1]);
        // QTYPE PTR (12), QCLASS IN with the top (unicast-response) bit.
        assert_eq!(&bytes[bytes.len() - 4..], &[0, 12, 0x80, 1]);
        assert_eq!(parse_query(&bytes), Some((0, vec![SERVICES.to_string()])));
        assert!(parse_reply(&bytes).is_none());
    }

    /// An Axis camera's announcement of `_axis-video._tcp` with its `macaddress` TXT key, as
    /// Axis documents it (VAPIX network guide: Bonjour service `_axis-video._tcp`).
    #[test]
    fn axis_reply_round_trips() {
        let instance = Instance {
            name: "AXIS M3045-V - ACCC8E012345._axis-video._tcp.local".into(),
            service: "_axis-video._tcp.local".into(),
            port: Some(80),
            target: Some("axis-accc8e012345.local".into()),
            txt: vec![("macaddress".into(), "ACCC8E012345".into())],
        };
        let ip = Ipv4Addr::new(198, 18, 0, 30);
        let bytes = reply(0, &instance, ip, true).unwrap();
        let back = parse_reply(&bytes).unwrap();
        assert_eq!(back.service_types, vec!["_axis-video._tcp.local"]);
        assert_eq!(back.instances, vec![instance]);
        assert_eq!(
            back.hosts,
            vec![("axis-accc8e012345.local".to_string(), ip)]
        );
    }

    proptest! {
        #[test]
        fn instances_round_trip(label in "[A-Za-z0-9][A-Za-z0-9 -]{0,30}", port in any::<u16>(), value in "[ -~]{0,40}") {
            let instance = Instance {
                name: format!("{label}._rtsp._tcp.local"),
                service: "_rtsp._tcp.local".into(),
                port: Some(port),
                target: Some("cam.local".into()),
                txt: vec![("model".into(), value)],
            };
            let bytes = reply(7, &instance, Ipv4Addr::new(10, 0, 0, 1), false).unwrap();
            prop_assert_eq!(parse_reply(&bytes).unwrap().instances, vec![instance]);
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_reply(&data);
            let _ = parse_query(&data);
        }
    }
}

/// Real mDNS datagrams from public captures (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_apple_query_with_qu_bits_and_edns_lists_its_names() {
        let data = include_bytes!("../../tests/fixtures/wire/mdns-query-frame82.bin");
        let (id, names) = parse_query(data).expect("a real query");
        assert_eq!(id, 0);
        assert_eq!(
            names,
            [
                "_raop._tcp.local",
                "_airplay._tcp.local",
                "_homekit._tcp.local",
                "_sleep-proxy._udp.local"
            ]
        );
        assert_eq!(parse_reply(data), None);
    }

    /// An Axis camera's legacy-unicast answer to `dig _axis-video._tcp.local ptr`; the
    /// publisher's redactions (XX) of the instance name and MAC are now '0'.
    #[test]
    fn real_axis_unicast_reply_gives_instance_host_port_and_addresses() {
        let data = include_bytes!("../../tests/fixtures/wire/mdns-reply-axis-redacted.bin");
        let reply = parse_reply(data).expect("a real reply");
        assert_eq!(reply.instances.len(), 1);
        let instance = &reply.instances[0];
        assert_eq!(instance.service, "_axis-video._tcp.local");
        assert!(instance.name.starts_with("AXIS "), "{}", instance.name);
        assert!(instance.name.ends_with("._axis-video._tcp.local"));
        assert_eq!(instance.port, Some(80));
        assert_eq!(instance.target.as_deref(), Some("axis-00408c73fe6e.local"));
        assert_eq!(instance.txt.len(), 1);
        assert_eq!(instance.txt[0].0, "macaddress");
        assert_eq!(
            reply.hosts,
            [
                (
                    "axis-00408c73fe6e.local".to_string(),
                    Ipv4Addr::new(128, 223, 10, 14)
                ),
                (
                    "axis-00408c73fe6e.local".to_string(),
                    Ipv4Addr::new(169, 254, 107, 165)
                ),
            ]
        );
    }

    /// A Thread border router's reply with an NSEC record, as captured in python-zeroconf's tests.
    #[test]
    fn real_meshcop_reply_gives_instance_port_target_and_txt() {
        let data = include_bytes!("../../tests/fixtures/wire/mdns-reply-meshcop-nsec.bin");
        let reply = parse_reply(data).expect("a real reply");
        assert_eq!(parse_query(data), None);
        assert_eq!(reply.instances.len(), 1);
        let instance = &reply.instances[0];
        assert_eq!(instance.name, "MyHome54 (2)._meshcop._udp.local");
        assert_eq!(instance.service, "_meshcop._udp.local");
        assert_eq!(instance.port, Some(49191));
        assert_eq!(instance.target.as_deref(), Some("Master-Bed-2.local"));
        assert_eq!(
            instance.txt,
            [
                ("nn".to_string(), "MyHome54".to_string()),
                ("xp".to_string(), "695034D148CC4784".to_string()),
                ("tv".to_string(), "0.0.0".to_string()),
            ]
        );
    }
}
