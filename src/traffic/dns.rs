//! Names from DNS answers seen in the capture (pure). Never reverse DNS: a name counts only when
//! the device itself was told it, so the report shows what the device asked for.

use simple_dns::rdata::RData;
use simple_dns::{Packet, PacketFlag};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
        let found = parse_hex(include_str!("testdata/dns_time_nist_gov.hex"));
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
        let found = parse_hex(include_str!("testdata/dns_typekit_aaaa.hex"));
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

    #[test]
    fn queries_and_junk_give_nothing() {
        assert!(bindings(b"").is_empty());
        assert!(bindings(&[0xff; 40]).is_empty());
        let query =
            hex::decode("abcd01000001000000000000076578616d706c6503636f6d0000010001").unwrap();
        assert!(bindings(&query).is_empty());
    }
}
