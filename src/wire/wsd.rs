//! WS-Discovery (the ONVIF device discovery of the ONVIF Core Specification §7.3, on the OASIS
//! WS-Discovery 2005/04 draft): the `Probe` camsweep sends to 239.255.255.250:3702 or to one host,
//! and the `ProbeMatches` a device returns with its types, scopes (name, hardware = model,
//! location, type), service addresses and endpoint UUID. Pure: no I/O.

use super::discovery::{Atom, Field, Follow, Protocol, Reply};
use super::xml::{self, Leaves, XmlError};
use crate::markup::escape;
use crate::model::AtomKind::{DeviceClass, Mac, Model, Text, UnitId, UnitName, Vendor};

/// The UDP port of WS-Discovery.
pub const PORT: u16 = 3702;
/// The IPv4 multicast group of WS-Discovery.
pub const MULTICAST: std::net::Ipv4Addr = std::net::Ipv4Addr::new(239, 255, 255, 250);
/// The ONVIF type of a camera or encoder (`dn` = `http://www.onvif.org/ver10/network/wsdl`).
pub const TYPE_NVT: &str = "dn:NetworkVideoTransmitter";
/// The ONVIF device-service type (`tds` = `http://www.onvif.org/ver10/device/wsdl`), which
/// recorders and access devices that are no transmitters still carry.
pub const TYPE_DEVICE: &str = "tds:Device";

/// A WS-Discovery `Probe` for devices of one type. `message_id` is a UUID string; matches echo it
/// in `RelatesTo`.
pub fn probe(message_id: &str, types: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" "#,
            r#"xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" "#,
            r#"xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" "#,
            r#"xmlns:dn="http://www.onvif.org/ver10/network/wsdl" "#,
            r#"xmlns:tds="http://www.onvif.org/ver10/device/wsdl">"#,
            "<s:Header>",
            r#"<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"#,
            "<a:MessageID>uuid:{id}</a:MessageID>",
            "<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>",
            r#"<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"#,
            "</s:Header>",
            "<s:Body><d:Probe><d:Types>{types}</d:Types></d:Probe></s:Body>",
            "</s:Envelope>"
        ),
        id = escape(message_id),
        types = escape(types),
    )
}

/// What a Probe asked for, as a responder reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub message_id: Option<String>,
    /// The requested types (`dn:NetworkVideoTransmitter`…), empty = any.
    pub types: Vec<String>,
}

/// Reads a `Probe` (the lab's responders use this; so do the round-trip tests).
///
/// # Errors
/// [`XmlError`] when the datagram is not a readable XML document.
pub fn parse_probe(xml_text: &str) -> Result<Option<Probe>, XmlError> {
    let doc = xml::parse_leaves(xml_text)?;
    let is_probe = doc
        .first("Action")
        .is_some_and(|a| a.ends_with("/discovery/Probe"));
    if !is_probe {
        return Ok(None);
    }
    Ok(Some(Probe {
        message_id: doc.first("MessageID").map(str::to_string),
        types: doc
            .under("Probe", "Types")
            .map(|t| t.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
    }))
}

/// One `ProbeMatch`: what a device says about itself before any authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeMatch {
    /// `EndpointReference/Address`, usually `urn:uuid:…`; stable across reboots.
    pub endpoint: Option<String>,
    pub types: Vec<String>,
    /// Every scope URI as sent.
    pub scopes: Vec<String>,
    /// Service addresses (`http://192.168.1.64/onvif/device_service`).
    pub xaddrs: Vec<String>,
}

impl ProbeMatch {
    /// Values of the ONVIF scopes `onvif://www.onvif.org/<kind>/<value>` of one kind
    /// (`name`, `hardware`, `location`, `type`, `Profile`, `MAC`…), percent-decoded.
    pub fn scope_values(&self, kind: &str) -> Vec<String> {
        self.scopes
            .iter()
            .filter_map(|s| onvif_scope(s))
            .filter(|(k, _)| k.eq_ignore_ascii_case(kind))
            .map(|(_, v)| v)
            .collect()
    }
}

/// Splits `onvif://www.onvif.org/hardware/DS-2CD2143G0-I` into (`hardware`, `DS-2CD2143G0-I`).
fn onvif_scope(scope: &str) -> Option<(String, String)> {
    let rest = scope.strip_prefix("onvif://www.onvif.org/")?;
    let (kind, value) = rest.split_once('/')?;
    let value = percent_decode(value);
    (!value.trim().is_empty()).then(|| (kind.to_string(), value.trim().to_string()))
}

/// `%20` → space; malformed escapes are kept as written; invalid UTF-8 is replaced.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The matches of a `ProbeMatches` reply (empty when the message is anything else).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeMatches {
    /// `RelatesTo`: the MessageID of the probe answered.
    pub relates_to: Option<String>,
    pub matches: Vec<ProbeMatch>,
}

/// Reads a `ProbeMatches` reply.
///
/// # Errors
/// [`XmlError`] when the datagram is not a readable XML document.
pub fn parse_probe_matches(xml_text: &str) -> Result<ProbeMatches, XmlError> {
    let doc = xml::parse_leaves(xml_text)?;
    Ok(ProbeMatches {
        relates_to: doc.first("RelatesTo").map(str::to_string),
        matches: split_matches(&doc, "ProbeMatch", "ProbeMatches"),
    })
}

/// Reads a `Hello` a device multicasts when it joins the network (WS-Discovery 2005/04 §4.1):
/// the same endpoint, types, scopes and addresses a `ProbeMatch` carries. `None` for other
/// messages.
///
/// # Errors
/// [`XmlError`] when the datagram is not a readable XML document.
pub fn parse_hello(xml_text: &str) -> Result<Option<ProbeMatch>, XmlError> {
    let doc = xml::parse_leaves(xml_text)?;
    Ok(split_matches(&doc, "Hello", "Body").into_iter().next())
}

/// Groups leaves by the `item` element (`ProbeMatch`, `Hello`) they sit in, inside `container`
/// (a reply may carry several).
fn split_matches(doc: &Leaves, item: &str, container: &str) -> Vec<ProbeMatch> {
    let mut matches: Vec<ProbeMatch> = Vec::new();
    let mut current: Option<usize> = None;
    for (path, text) in &doc.leaves {
        let Some(at) = path.iter().position(|p| p == item) else {
            continue;
        };
        if !path[..at].iter().any(|p| p == container) {
            continue;
        }
        let field = path.last().map(String::as_str).unwrap_or_default();
        let index = match current {
            Some(i) if !starts_new_match(&matches[i], field) => i,
            _ => {
                matches.push(ProbeMatch::default());
                matches.len() - 1
            }
        };
        current = Some(index);
        let m = &mut matches[index];
        let words = || text.split_whitespace().map(str::to_string);
        match field {
            "Address" if path[at..].iter().any(|p| p == "EndpointReference") => {
                m.endpoint = Some(text.clone());
            }
            "Types" => m.types.extend(words()),
            "Scopes" => m.scopes.extend(words()),
            "XAddrs" => m.xaddrs.extend(words()),
            _ => {}
        }
    }
    matches
}

/// A field already filled means the leaf belongs to the next `ProbeMatch`.
fn starts_new_match(m: &ProbeMatch, field: &str) -> bool {
    match field {
        "Address" => m.endpoint.is_some(),
        "Types" => !m.types.is_empty(),
        "Scopes" => !m.scopes.is_empty(),
        "XAddrs" => !m.xaddrs.is_empty(),
        _ => false,
    }
}

/// A `ProbeMatches` reply, as the lab's devices send it.
pub fn probe_matches(relates_to: &str, message_id: &str, m: &ProbeMatch) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" "#,
            r#"xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" "#,
            r#"xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" "#,
            r#"xmlns:dn="http://www.onvif.org/ver10/network/wsdl" "#,
            r#"xmlns:tds="http://www.onvif.org/ver10/device/wsdl">"#,
            "<SOAP-ENV:Header>",
            "<wsa:MessageID>uuid:{id}</wsa:MessageID>",
            "<wsa:RelatesTo>{rel}</wsa:RelatesTo>",
            "<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>",
            "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>",
            "</SOAP-ENV:Header>",
            "<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>",
            "<wsa:EndpointReference><wsa:Address>{ep}</wsa:Address></wsa:EndpointReference>",
            "<d:Types>{types}</d:Types><d:Scopes>{scopes}</d:Scopes><d:XAddrs>{xaddrs}</d:XAddrs>",
            "<d:MetadataVersion>1</d:MetadataVersion>",
            "</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        ),
        id = escape(message_id),
        rel = escape(relates_to),
        ep = escape(m.endpoint.as_deref().unwrap_or_default()),
        types = escape(&m.types.join(" ")),
        scopes = escape(&m.scopes.join(" ")),
        xaddrs = escape(&m.xaddrs.join(" ")),
    )
}

/// WS-Discovery in the discovery table: one Probe for transmitters, one for any ONVIF device.
pub const DISCOVERY: Protocol = Protocol {
    name: "ws_discovery",
    port: PORT,
    group: Some(MULTICAST),
    broadcast: false,
    inquiry: |nonce| {
        [TYPE_NVT, TYPE_DEVICE]
            .iter()
            .map(|t| probe(&nonce(), t).into_bytes())
            .collect()
    },
    parse: |_, data| {
        let reply = parse_probe_matches(&String::from_utf8_lossy(data)).ok()?;
        let mut out = Reply::default();
        for m in &reply.matches {
            out.atoms.extend(match_atoms(m));
        }
        Some(out)
    },
    fields: FIELDS,
    maker: false,
    follow: Follow::Nothing,
};

const TYPES: Field = Field {
    source: "wsd.types",
    kinds: &[DeviceClass, Text],
};
const ENDPOINT: Field = Field {
    source: "wsd.endpoint",
    kinds: &[UnitId],
};
const XADDR: Field = Field {
    source: "wsd.xaddr",
    kinds: &[],
};
/// The ONVIF scopes read, by scope kind (ONVIF Core §7.3.2.2).
const SCOPES: &[(&str, Field)] = &[
    (
        "name",
        Field {
            source: "wsd.name",
            kinds: &[Vendor, Text, UnitName],
        },
    ),
    (
        "hardware",
        Field {
            source: "wsd.hardware",
            kinds: &[Model, Text],
        },
    ),
    (
        "location",
        Field {
            source: "wsd.location",
            kinds: &[],
        },
    ),
    (
        "type",
        Field {
            source: "wsd.type",
            kinds: &[DeviceClass, Text],
        },
    ),
    (
        "MAC",
        Field {
            source: "wsd.mac",
            kinds: &[Mac],
        },
    ),
    // Not in the ONVIF Core table of scopes, but allowed (Core §7.3.2.2.1: a device may have
    // other scope URIs) and sent by several makers.
    (
        "manufacturer",
        Field {
            source: "wsd.manufacturer",
            kinds: &[Vendor, Text],
        },
    ),
];
const FIELDS: &[Field] = &[
    TYPES,
    ENDPOINT,
    SCOPES[0].1,
    SCOPES[1].1,
    SCOPES[2].1,
    SCOPES[3].1,
    SCOPES[4].1,
    SCOPES[5].1,
    XADDR,
];

/// The atoms of one `ProbeMatch` or `Hello`: types, endpoint, the ONVIF scopes, addresses.
pub fn match_atoms(m: &ProbeMatch) -> Vec<Atom> {
    let mut out = Reply::default();
    out.add(&FIELDS[0], Some(&m.types.join(" ")));
    out.add(&FIELDS[1], m.endpoint.as_deref());
    for (i, (kind, _)) in SCOPES.iter().enumerate() {
        for v in m.scope_values(kind) {
            out.add(&FIELDS[2 + i], Some(&v));
        }
    }
    for x in &m.xaddrs {
        out.add(&FIELDS[8], Some(x));
    }
    out.atoms
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A Hikvision camera's reply as published in ONVIF discovery write-ups (the scope set a
    /// DS-2CD2042WD-I on firmware V5.5.0 announces; addresses from the documentation range).
    const HIKVISION_MATCH: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery">
  <s:Header>
    <wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>
    <wsa:RelatesTo>uuid:e1bc99a7-ef34-4030-a3a3-3c5c3f4ed3a8</wsa:RelatesTo>
  </s:Header>
  <s:Body>
    <wsd:ProbeMatches>
      <wsd:ProbeMatch>
        <wsa:EndpointReference>
          <wsa:Address>urn:uuid:11111111-2222-3333-4444-555555555555</wsa:Address>
        </wsa:EndpointReference>
        <wsd:Types>dn:NetworkVideoTransmitter</wsd:Types>
        <wsd:Scopes>onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/HIKVISION%20DS-2CD2042WD-I onvif://www.onvif.org/hardware/DS-2CD2042WD-I onvif://www.onvif.org/location/country/china onvif://www.onvif.org/MAC/c0:56:e3:aa:bb:cc</wsd:Scopes>
        <wsd:XAddrs>http://192.168.1.64/onvif/device_service http://[fe80::1]/onvif/device_service</wsd:XAddrs>
        <wsd:MetadataVersion>1</wsd:MetadataVersion>
      </wsd:ProbeMatch>
    </wsd:ProbeMatches>
  </s:Body>
</s:Envelope>"#;

    #[test]
    fn reads_a_hikvision_probe_match() {
        let reply = parse_probe_matches(HIKVISION_MATCH).unwrap();
        assert_eq!(
            reply.relates_to.as_deref(),
            Some("uuid:e1bc99a7-ef34-4030-a3a3-3c5c3f4ed3a8")
        );
        let m = &reply.matches[0];
        assert_eq!(reply.matches.len(), 1);
        assert_eq!(
            m.endpoint.as_deref(),
            Some("urn:uuid:11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(m.types, vec!["dn:NetworkVideoTransmitter"]);
        assert_eq!(m.scope_values("name"), vec!["HIKVISION DS-2CD2042WD-I"]);
        assert_eq!(m.scope_values("hardware"), vec!["DS-2CD2042WD-I"]);
        assert_eq!(m.scope_values("location"), vec!["country/china"]);
        assert_eq!(m.scope_values("type"), vec!["video_encoder"]);
        assert_eq!(m.xaddrs.len(), 2);
        assert_eq!(m.xaddrs[0], "http://192.168.1.64/onvif/device_service");
    }

    /// Two devices' matches in one message stay apart.
    #[test]
    fn splits_several_matches() {
        let one = "<d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:1</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:XAddrs>http://a/</d:XAddrs></d:ProbeMatch>";
        let two = one
            .replace("urn:uuid:1", "urn:uuid:2")
            .replace("http://a/", "http://b/");
        let xml = format!("<d:ProbeMatches>{one}{two}</d:ProbeMatches>");
        let reply = parse_probe_matches(&xml).unwrap();
        assert_eq!(reply.matches.len(), 2);
        assert_eq!(reply.matches[1].endpoint.as_deref(), Some("urn:uuid:2"));
        assert_eq!(reply.matches[1].xaddrs, vec!["http://b/"]);
    }

    #[test]
    fn probe_asks_for_the_type_and_reads_back() {
        let text = probe("e1bc99a7-ef34-4030-a3a3-3c5c3f4ed3a8", TYPE_NVT);
        let p = parse_probe(&text).unwrap().unwrap();
        assert_eq!(
            p.message_id.as_deref(),
            Some("uuid:e1bc99a7-ef34-4030-a3a3-3c5c3f4ed3a8")
        );
        assert_eq!(p.types, vec![TYPE_NVT]);
        assert!(parse_probe(HIKVISION_MATCH).unwrap().is_none());
    }

    #[test]
    fn refuses_entities() {
        let xml = r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><d:ProbeMatches>&e;</d:ProbeMatches>"#;
        assert!(parse_probe_matches(xml).is_err());
    }

    proptest! {
        #[test]
        fn match_round_trips(name in "[ -~]{1,40}", model in "[A-Za-z0-9-]{1,20}", id in "[0-9a-f-]{1,36}") {
            let m = ProbeMatch {
                endpoint: Some(format!("urn:uuid:{id}")),
                types: vec![TYPE_NVT.into(), TYPE_DEVICE.into()],
                scopes: vec![
                    format!("onvif://www.onvif.org/name/{}", name.replace('%', "%25").replace(' ', "%20")),
                    format!("onvif://www.onvif.org/hardware/{model}"),
                ],
                xaddrs: vec!["http://198.18.0.10/onvif/device_service".into()],
            };
            let reply = parse_probe_matches(&probe_matches("uuid:x", "y", &m)).unwrap();
            prop_assert_eq!(reply.matches.len(), 1);
            prop_assert_eq!(&reply.matches[0], &m);
            if !name.trim().is_empty() {
                prop_assert_eq!(reply.matches[0].scope_values("name"), vec![name.trim().to_string()]);
            }
        }

        #[test]
        fn never_panics(text in "\\PC{0,400}") {
            let _ = parse_probe_matches(&text);
            let _ = parse_probe(&text);
        }
    }
}

/// A real Hikvision camera's ProbeMatch, as published (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_hikvision_ds2cd2385g1_match_gives_model_mac_and_xaddrs() {
        let text =
            include_str!("../../tests/fixtures/wire/wsd-probematches-hikvision-ds2cd2385g1.xml");
        let found = parse_probe_matches(text).expect("a real ProbeMatches");
        assert_eq!(found.matches.len(), 1);
        let m = &found.matches[0];
        assert_eq!(
            m.endpoint.as_deref(),
            Some("urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385")
        );
        assert_eq!(m.types, ["dn:NetworkVideoTransmitter", "tds:Device"]);
        assert_eq!(
            m.xaddrs,
            [
                "http://192.168.124.40/onvif/device_service",
                "http://[fe80::5a50:edff:fe1f:e385]/onvif/device_service"
            ]
        );
        assert_eq!(m.scope_values("hardware"), ["DS-2CD2385G1-I"]);
        assert_eq!(m.scope_values("name"), ["HIKVISION DS-2CD2385G1-I"]);
        assert_eq!(m.scope_values("MAC"), ["58:50:ed:1f:e3:85"]);
        assert_eq!(m.scope_values("Profile"), ["Streaming", "G", "T"]);
        assert_eq!(m.scope_values("location"), ["city/hangzhou"]);
    }
}
