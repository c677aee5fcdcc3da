//! Names from DNS answers seen in the capture (pure). Never reverse DNS: a name counts only when
//! the device itself was told it, so the report shows what the device asked for.

use simple_dns::rdata::RData;
use simple_dns::{Packet, PacketFlag};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::reassembly::Reassembler;

/// A DNS message over TCP is at most 65,535 bytes after its 2-byte length.
const MAX_TCP_MESSAGE: usize = 2 + 65_535;

/// The server's side of a DNS-over-TCP connection (RFC 1035 §4.2.2, RFC 7766): each message is
/// preceded by its 2-byte length; a message may be split over segments and a segment may hold
/// several messages. Segments are put in order by sequence number first.
#[derive(Debug, Clone)]
pub struct DnsTcpStream {
    stream: Reassembler,
}

impl Default for DnsTcpStream {
    /// A stream picked up without its SYN-ACK: the first segment seen is taken as its start.
    fn default() -> Self {
        Self {
            stream: Reassembler::new(MAX_TCP_MESSAGE),
        }
    }
}

impl DnsTcpStream {
    /// A stream whose SYN-ACK (sequence number `syn_seq`) was seen.
    pub fn after_syn(syn_seq: u32) -> Self {
        Self {
            stream: Reassembler::starting_at(syn_seq.wrapping_add(1), MAX_TCP_MESSAGE),
        }
    }

    /// Adds a segment; returns the messages it completed.
    pub fn push(&mut self, seq: u32, payload: &[u8]) -> Vec<Vec<u8>> {
        self.stream.push(seq, payload);
        let mut messages = Vec::new();
        loop {
            let bytes = self.stream.contiguous();
            let Some(len) = bytes.get(..2) else { break };
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            let Some(message) = bytes.get(2..2 + len) else {
                break;
            };
            messages.push(message.to_vec());
            self.stream.consume(2 + len);
        }
        messages
    }
}

/// Longest CNAME chain followed; real chains are 1–4 long, loops are cut here.
const MAX_CHAIN: usize = 8;

/// One address a DNS answer gave, and the names that led to it: the name asked first, then
/// every CNAME target in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsBinding {
    pub addr: IpAddr,
    pub chain: Vec<String>,
}

/// The address bindings in a DNS response message (UDP payload); empty for queries and junk.
pub fn bindings(message: &[u8]) -> Vec<DnsBinding> {
    let Ok(packet) = Packet::parse(message) else {
        return Vec::new();
    };
    if !packet.has_flags(PacketFlag::RESPONSE) {
        return Vec::new();
    }
    let records: Vec<(String, &RData<'_>)> = packet
        .answers
        .iter()
        .map(|rr| (lower(&rr.name.to_string()), &rr.rdata))
        .collect();
    let mut out = Vec::new();
    for question in &packet.questions {
        let mut chain = vec![lower(&question.qname.to_string())];
        while let Some(owner) = chain.last().cloned() {
            for (name, rdata) in &records {
                if *name != owner {
                    continue;
                }
                let addr = match rdata {
                    RData::A(a) => Some(IpAddr::V4(Ipv4Addr::from(a.address))),
                    RData::AAAA(a) => Some(IpAddr::V6(Ipv6Addr::from(a.address))),
                    _ => None,
                };
                if let Some(addr) = addr {
                    out.push(DnsBinding {
                        addr,
                        chain: chain.clone(),
                    });
                }
            }
            let next = records.iter().find_map(|(name, rdata)| match rdata {
                RData::CNAME(target) if *name == owner => Some(lower(&target.0.to_string())),
                _ => None,
            });
            match next {
                Some(target) if chain.len() < MAX_CHAIN && !chain.contains(&target) => {
                    chain.push(target);
                }
                _ => break,
            }
        }
    }
    out
}

fn lower(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_hex(text: &str) -> Vec<DnsBinding> {
        bindings(&hex::decode(text.trim()).unwrap())
    }

    #[test]
    fn cname_chain_is_followed_from_the_name_asked() {
        let found = parse_hex(include_str!(
            "../../tests/fixtures/traffic/dns_time_nist_gov.hex"
        ));
        assert_eq!(
            found,
            vec![DnsBinding {
                addr: "132.163.97.6".parse().unwrap(),
                chain: vec!["time.nist.gov".into(), "ntp1.glb.nist.gov".into()],
            }]
        );
    }

    #[test]
    fn two_step_cname_chain_to_ipv6_addresses() {
        let found = parse_hex(include_str!(
            "../../tests/fixtures/traffic/dns_typekit_aaaa.hex"
        ));
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].chain,
            vec![
                "p.typekit.net",
                "p.typekit.net-v2.edgekey.net",
                "e8385.dscg.akamaiedge.net"
            ]
        );
        assert_eq!(found[0].addr.to_string(), "2600:1404:27:2a2::20c1");
    }

    fn framed(messages: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in messages {
            out.extend_from_slice(&(m.len() as u16).to_be_bytes());
            out.extend_from_slice(m);
        }
        out
    }

    #[test]
    fn dns_over_tcp_message_split_over_segments_out_of_order() {
        let answer =
            hex::decode(include_str!("../../tests/fixtures/traffic/dns_time_nist_gov.hex").trim())
                .unwrap();
        let bytes = framed(&[&answer]);
        let (a, b) = bytes.split_at(1); // even the length is split
        let (b, c) = b.split_at(20);
        let mut stream = DnsTcpStream::after_syn(999);
        assert!(stream.push(1021, c).is_empty());
        assert!(stream.push(1000, a).is_empty());
        let got = stream.push(1001, b);
        assert_eq!(got, vec![answer.clone()]);
        assert_eq!(bindings(&got[0])[0].addr.to_string(), "132.163.97.6");
    }

    #[test]
    fn several_dns_messages_in_one_segment() {
        let first =
            hex::decode(include_str!("../../tests/fixtures/traffic/dns_time_nist_gov.hex").trim())
                .unwrap();
        let second =
            hex::decode(include_str!("../../tests/fixtures/traffic/dns_typekit_aaaa.hex").trim())
                .unwrap();
        let bytes = framed(&[&first, &second, &first]);
        let (one, rest) = bytes.split_at(bytes.len() - 10);
        let mut stream = DnsTcpStream::default();
        let got = stream.push(5, one);
        assert_eq!(got, vec![first.clone(), second]);
        assert_eq!(stream.push(5 + one.len() as u32, rest), vec![first]);
    }

    #[test]
    fn queries_and_junk_give_nothing() {
        assert!(bindings(b"").is_empty());
        assert!(bindings(&[0xff; 40]).is_empty());
        let query =
            hex::decode("abcd01000001000000000000076578616d706c6503636f6d0000010001").unwrap();
        assert!(bindings(&query).is_empty());
        let mut stream = DnsTcpStream::default();
        for (i, input) in crate::wire::noise::noise(300).iter().enumerate() {
            for message in stream.push(i as u32 * 300, input) {
                let _ = bindings(&message);
            }
        }
    }
}
