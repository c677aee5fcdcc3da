//! The discovery protocols as one table: each row says where the inquiry goes (port, multicast
//! group, broadcast), what it says, how a reply is read, and which atoms a reply can yield with
//! what each states ([`AtomKind`]). `discover::protocols` runs every row through one UDP
//! inquiry loop; identification (`fingerprint::atom_kinds`) and `--redact` read the kinds from
//! here, so a protocol added to [`TABLE`] needs no code elsewhere. Pure.
//!
//! Adding a protocol: docs/architecture.md, "Adding a discovery protocol".

use std::net::{IpAddr, Ipv4Addr};

use crate::model::AtomKind;

use super::{dhdiscover, mdns, sadp, ssdp, vivotek, wsd, xmeye};

/// Every discovery protocol camsweep speaks, in the order they run.
pub const TABLE: &[&Protocol] = &[
    &wsd::DISCOVERY,
    &ssdp::DISCOVERY,
    &mdns::DISCOVERY,
    &sadp::DISCOVERY,
    &dhdiscover::DISCOVERY,
    &xmeye::DISCOVERY,
    &vivotek::DISCOVERY,
];

/// One discovery protocol.
#[derive(Debug)]
pub struct Protocol {
    /// The name in the report's `scan.discovery` list and in notes (`ws_discovery`, `sadp`).
    pub name: &'static str,
    /// The UDP port inquiries go to.
    pub port: u16,
    /// The multicast group inquiries go to, if any (only through a named interface).
    pub group: Option<Ipv4Addr>,
    /// Whether inquiries also go to the subnet broadcast address (only through a named
    /// interface).
    pub broadcast: bool,
    /// The datagrams of one inquiry, in order; `nonce` yields a fresh random UUID per call for
    /// message ids.
    pub inquiry: fn(nonce: &mut dyn FnMut() -> String) -> Vec<Vec<u8>>,
    /// One datagram from `from`, read into atoms; `None` when it is not this protocol's reply.
    pub parse: fn(from: IpAddr, data: &[u8]) -> Option<Reply>,
    /// Every atom source a reply can yield, with what it states.
    pub fields: &'static [Field],
    /// A maker's own protocol (SADP, DHDiscover …): the model and firmware it states are the
    /// device's own word, believed just after ONVIF's. Generic protocols (SSDP, mDNS,
    /// WS-Discovery scopes) carry what an integrator typed as readily as what the maker set.
    pub maker: bool,
    /// What the replies point at that is read next, if anything.
    pub follow: Follow,
}

/// A second step after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    Nothing,
    /// The UPnP description at the reply's `LOCATION` ([`Reply::description`]), read into
    /// [`ssdp::description_atoms`]; the gateway's port-mapping table behind it.
    UpnpDescription,
}

/// One atom source of a protocol and what its value states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The evidence source name in report.json (`sadp.serial`).
    pub source: &'static str,
    pub kinds: &'static [AtomKind],
}

/// A typed atom: a value of one declared field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    pub field: &'static Field,
    pub value: String,
}

impl Atom {
    /// An atom of `field`, when `value` has something in it.
    pub fn of(field: &'static Field, value: Option<&str>) -> Option<Atom> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        Some(Atom {
            field,
            value: value.to_string(),
        })
    }

    pub fn source(&self) -> &'static str {
        self.field.source
    }

    pub fn kinds(&self) -> &'static [AtomKind] {
        self.field.kinds
    }
}

/// What one reply says about the device that sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub atoms: Vec<Atom>,
    /// The sender's MAC (`aa:bb:cc:dd:ee:ff`), when the protocol states the replier's own
    /// interface address: the host's MAC unless another source already gave one.
    pub mac: Option<String>,
    /// The sender's host name (without `.local`), when the reply names the replier itself.
    pub host_name: Option<String>,
    /// A description to read next ([`Follow`]).
    pub description: Option<String>,
}

impl Reply {
    /// Adds an atom of `field` when `value` has something in it.
    pub fn add(&mut self, field: &'static Field, value: Option<&str>) {
        self.atoms.extend(Atom::of(field, value));
    }
}

/// The protocol a source belongs to, and the field that declares it.
pub fn field_of(source: &str) -> Option<(&'static Protocol, &'static Field)> {
    TABLE.iter().find_map(|p| {
        p.fields
            .iter()
            .find(|f| f.source == source)
            .map(|f| (*p, f))
    })
}

/// The kinds the table declares for `source`, if a discovery protocol yields it.
pub fn kinds_of(source: &str) -> Option<&'static [AtomKind]> {
    field_of(source).map(|(_, f)| f.kinds)
}

/// The row named `name` (`sadp`, `ws_discovery`).
pub fn named(name: &str) -> Option<&'static Protocol> {
    TABLE.iter().copied().find(|p| p.name == name)
}

/// The source prefixes of the table's own atoms (`wsd.`, `sadp.` …): what a device states
/// about itself by discovery.
pub fn source_prefixes() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = TABLE
        .iter()
        .flat_map(|p| p.fields.iter())
        .filter_map(|f| f.source.split_once('.').map(|(prefix, _)| prefix))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names, ports and sources are unique: a source names one field of one protocol, so its
    /// kinds are never ambiguous.
    #[test]
    fn names_and_sources_are_unique() {
        let mut names: Vec<_> = TABLE.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
        let mut sources: Vec<_> = TABLE
            .iter()
            .flat_map(|p| p.fields.iter().map(|f| f.source))
            .collect();
        let all = sources.len();
        sources.sort_unstable();
        sources.dedup();
        assert_eq!(sources.len(), all, "a source declared twice");
    }

    /// Every row builds an inquiry, and a parser never panics on noise (and calls none of it
    /// a reply it cannot read).
    #[test]
    fn every_row_inquires_and_reads_noise_safely() {
        let from: IpAddr = Ipv4Addr::new(198, 18, 0, 9).into();
        for p in TABLE {
            let mut n = 0;
            let payloads = (p.inquiry)(&mut || {
                n += 1;
                format!("00000000-0000-4000-8000-{n:012}")
            });
            assert!(!payloads.is_empty(), "{}", p.name);
            for noise in crate::wire::noise::noise(500) {
                if let Some(reply) = (p.parse)(from, &noise) {
                    for a in &reply.atoms {
                        assert!(p.fields.contains(a.field), "{}: {}", p.name, a.source());
                    }
                }
            }
        }
    }
}
