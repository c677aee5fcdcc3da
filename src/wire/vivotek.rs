//! VIVOTEK's UDP discovery (the search of VIVOTEK's Installation Wizard / Shepherd tools), on
//! UDP 10000. Facts from julienblitte/UniversalScanner (`UniversalScanner/Vivotek.cs`,
//! `protocols.html` row 10): the inquiry is a 5-byte header, a session byte then the magic
//! `0x4a5d8f1c` big-endian, sent to the broadcast address; a device answers the sender's address
//! and port with the same header followed by entries `type, length, value` (one byte each for
//! type and length), except type `0x04`, whose length byte is its whole value. Type `0x01` is a
//! long name, `0x02` the MAC (6 bytes), `0x03` the IPv4 address (4 bytes), `0x09` the short
//! name, the model; type `0x00` marks a broken reply. Pure: no I/O.

use std::net::Ipv4Addr;

use super::discovery::{Field, Follow, Protocol, Reply};
use crate::model::AtomKind::{Mac, Model, Text, UnitName, Vendor};

/// The UDP port VIVOTEK devices listen on for the search.
pub const PORT: u16 = 10000;
/// The protocol's magic number, after the session byte.
pub const MAGIC: u32 = 0x4a5d_8f1c;
/// The header's length: session byte + magic.
pub const HEADER_LEN: usize = 5;

/// Entry types.
pub const LONG_NAME: u8 = 0x01;
pub const MAC: u8 = 0x02;
pub const IPV4: u8 = 0x03;
/// The entry whose length byte is its value.
pub const ONE_BYTE: u8 = 0x04;
pub const SHORT_NAME: u8 = 0x09;
const BROKEN: u8 = 0x00;

/// The search: the header alone.
pub fn search(session: u8) -> Vec<u8> {
    let mut out = vec![session];
    out.extend_from_slice(&MAGIC.to_be_bytes());
    out
}

/// The session byte of a search, or `None` for anything else (a reply, another protocol on
/// the port): a responder answers only a bare header.
pub fn parse_search(data: &[u8]) -> Option<u8> {
    match data {
        [session, magic @ ..] if magic == MAGIC.to_be_bytes() => Some(*session),
        _ => None,
    }
}

/// What a reply says about the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub long_name: Option<String>,
    /// Lower-case `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    pub ipv4: Option<Ipv4Addr>,
    /// The short name: the model (`FD9167-HT`).
    pub model: Option<String>,
}

/// Reads a reply; `None` for a bare search, another protocol, a broken entry list or a
/// reply naming nothing.
pub fn parse_answer(data: &[u8]) -> Option<Answer> {
    if data.len() <= HEADER_LEN || data[1..HEADER_LEN] != MAGIC.to_be_bytes() {
        return None;
    }
    let mut answer = Answer::default();
    let mut rest = &data[HEADER_LEN..];
    while let [kind, len, tail @ ..] = rest {
        if *kind == BROKEN {
            return None;
        }
        if *kind == ONE_BYTE {
            rest = tail;
            continue;
        }
        let len = usize::from(*len);
        let value = tail.get(..len)?;
        rest = &tail[len..];
        let text = || {
            let s = String::from_utf8_lossy(value);
            let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            (!s.is_empty()).then(|| s.to_string())
        };
        match *kind {
            LONG_NAME => answer.long_name = text().or(answer.long_name),
            SHORT_NAME => answer.model = text().or(answer.model),
            MAC if len == 6 => {
                answer.mac = Some(
                    value
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(":"),
                );
            }
            IPV4 if len == 4 => {
                answer.ipv4 = Some(Ipv4Addr::new(value[0], value[1], value[2], value[3]));
            }
            _ => {}
        }
    }
    // One byte left over cannot be an entry.
    if !rest.is_empty() {
        return None;
    }
    (answer != Answer::default()).then_some(answer)
}

/// A reply as a device sends it (for the lab's personas).
pub fn answer(session: u8, a: &Answer) -> Vec<u8> {
    let mut out = search(session);
    let mut entry = |kind: u8, value: &[u8]| {
        let len = value.len().min(usize::from(u8::MAX));
        out.push(kind);
        out.push(u8::try_from(len).unwrap_or(u8::MAX));
        out.extend_from_slice(&value[..len]);
    };
    if let Some(ip) = a.ipv4 {
        entry(IPV4, &ip.octets());
    }
    if let Some(mac) = a.mac.as_deref().and_then(mac_bytes) {
        entry(MAC, &mac);
    }
    if let Some(name) = &a.long_name {
        entry(LONG_NAME, name.as_bytes());
    }
    if let Some(model) = &a.model {
        entry(SHORT_NAME, model.as_bytes());
    }
    out
}

fn mac_bytes(mac: &str) -> Option<[u8; 6]> {
    let normal = super::sadp::normalise_mac(mac)?;
    let mut out = [0u8; 6];
    for (slot, pair) in out.iter_mut().zip(normal.split(':')) {
        *slot = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// VIVOTEK's search in the discovery table.
pub const DISCOVERY: Protocol = Protocol {
    name: "vivotek",
    port: PORT,
    group: None,
    broadcast: true,
    // The session byte only pairs replies with searches in VIVOTEK's tools; any value does.
    inquiry: |_| vec![search(1)],
    parse: |_, data| Some(answer_reply(&parse_answer(data)?)),
    fields: FIELDS,
    maker: true,
    follow: Follow::Nothing,
};

const FIELDS: &[Field] = &[
    Field {
        source: "vivotek.model",
        kinds: &[Model, Text],
    },
    // What the long name holds is not documented; a name that may be the one the owner gave
    // the unit is removed by `--redact` like other unit names.
    Field {
        source: "vivotek.name",
        kinds: &[Text, UnitName],
    },
    // Only VIVOTEK's firmware answers this magic number.
    Field {
        source: "vivotek.manufacturer",
        kinds: &[Vendor],
    },
    Field {
        source: "vivotek.mac",
        kinds: &[Mac],
    },
];

/// What a reply says, as atoms, with the device's MAC.
pub fn answer_reply(a: &Answer) -> Reply {
    let mut out = Reply::default();
    out.add(&FIELDS[0], a.model.as_deref());
    out.add(&FIELDS[1], a.long_name.as_deref());
    out.add(&FIELDS[2], Some("VIVOTEK"));
    if let Some(mac) = &a.mac {
        out.add(&FIELDS[3], Some(mac));
        out.mac = Some(mac.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_is_the_bare_header() {
        assert_eq!(search(1), [0x01, 0x4a, 0x5d, 0x8f, 0x1c]);
        assert_eq!(parse_search(&search(7)), Some(7));
        assert_eq!(parse_search(&[0x01, 0x4a, 0x5d, 0x8f, 0x1d]), None);
        assert_eq!(
            parse_search(&answer(1, &sample())),
            None,
            "a reply is no search"
        );
    }

    fn sample() -> Answer {
        Answer {
            long_name: Some("Network Camera".into()),
            mac: Some("00:02:d1:aa:bb:cc".into()),
            ipv4: Some(Ipv4Addr::new(198, 18, 0, 47)),
            model: Some("FD9167-HT".into()),
        }
    }

    #[test]
    fn a_reply_reads_back() {
        assert_eq!(parse_answer(&answer(3, &sample())), Some(sample()));
    }

    /// Entries as UniversalScanner reads them, hand-built (no captured reply is public):
    /// the one-byte entry 0x04 carries no data after its length byte, unknown types are
    /// skipped, a truncated entry or type 0x00 spoils the reply.
    #[test]
    fn entry_rules() {
        let mut reply = search(1);
        reply.extend_from_slice(&[ONE_BYTE, 0x20]);
        reply.extend_from_slice(&[0x07, 2, 0xaa, 0xbb]);
        reply.extend_from_slice(&[SHORT_NAME, 9]);
        reply.extend_from_slice(b"IB9387-EH");
        let a = parse_answer(&reply).unwrap();
        assert_eq!(a.model.as_deref(), Some("IB9387-EH"));
        let mut cut = reply.clone();
        cut.extend_from_slice(&[LONG_NAME, 10, b'x']);
        assert_eq!(parse_answer(&cut), None);
        let mut broken = reply;
        broken.extend_from_slice(&[BROKEN, 0]);
        assert_eq!(parse_answer(&broken), None);
        assert_eq!(parse_answer(&search(1)), None, "a bare header says nothing");
    }

    #[test]
    fn atoms_carry_model_vendor_and_mac() {
        let reply = answer_reply(&sample());
        let got: Vec<_> = reply
            .atoms
            .iter()
            .map(|a| (a.source(), a.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("vivotek.model", "FD9167-HT"),
                ("vivotek.name", "Network Camera"),
                ("vivotek.manufacturer", "VIVOTEK"),
                ("vivotek.mac", "00:02:d1:aa:bb:cc"),
            ]
        );
        assert_eq!(reply.mac.as_deref(), Some("00:02:d1:aa:bb:cc"));
    }

    /// A host known only by this reply (no MAC seen by the scanner, no port open) is named
    /// from what the atoms' kinds say: the maker claim meets the brand lexicon, the model claim
    /// is the model, and the stated MAC counts for a host the scanner saw no MAC of.
    #[test]
    fn a_reply_alone_names_the_camera() {
        let db = crate::bundle::builtin_devices().unwrap();
        let mut host = crate::model::HostObservation::new(Ipv4Addr::new(198, 18, 0, 47).into());
        for atom in answer_reply(&sample()).atoms {
            host.push_evidence(crate::model::Evidence::new(
                atom.source(),
                Some(PORT),
                atom.value,
            ));
        }
        let device = crate::fingerprint::build_device(&db, &host);
        let id = &device.identity;
        assert_eq!(id.vendor.as_deref(), Some("Vivotek"), "{id:?}");
        assert_eq!(id.model.as_deref(), Some("FD9167-HT"), "{id:?}");
        assert_eq!(id.device_type, crate::model::DeviceType::Camera, "{id:?}");
    }

    /// `--redact` removes the MAC (keeping its prefix) and the unit's name, by kind.
    #[test]
    fn kinds_drive_redaction() {
        use crate::model::AtomKind;
        let kinds = |source| crate::fingerprint::atom_kinds(source);
        assert!(kinds("vivotek.mac").contains(&AtomKind::Mac));
        assert!(kinds("vivotek.name").iter().any(|k| k.identifies_unit()));
        assert!(!kinds("vivotek.model").iter().any(|k| k.identifies_unit()));
    }

    #[test]
    fn noise_never_panics() {
        for data in crate::wire::noise::noise(2000) {
            let _ = parse_answer(&data);
            let _ = parse_search(&data);
        }
    }
}
