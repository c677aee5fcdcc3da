//! Typed claims: the one normalisation step between evidence atoms and knowledge. Probes and
//! discovery parsers emit atoms named after where they were read (`wsd.hardware`,
//! `ssdp.model_number`, `tcp.banner` …); a claim says what an atom states (a vendor, a model, a
//! firmware, a device class, or human-readable text) whatever its source, and points back at
//! the atom. Model-family signatures (`claim = "model"`), the surveillance vocabulary and the
//! brand lexicon read claims, so a model stated by WS-Discovery counts as much as one stated
//! by ONVIF. Pure.

use crate::model::{AtomKind, Evidence, EvidenceSource};
use crate::wire::discovery;

/// What an atom states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ClaimKind {
    Vendor,
    Model,
    Firmware,
    /// A device class as the device names it (`urn:…:device:MediaRenderer:1`, `video_encoder`).
    DeviceClass,
    /// Human-readable text: names, titles, realms, banners, certificate subjects. The
    /// vocabulary and the brand lexicon read these.
    Text,
}

impl ClaimKind {
    pub const ALL: [ClaimKind; 5] = [
        ClaimKind::Vendor,
        ClaimKind::Model,
        ClaimKind::Firmware,
        ClaimKind::DeviceClass,
        ClaimKind::Text,
    ];

    /// The name used in signature files (`claim = "model"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Vendor => "vendor",
            ClaimKind::Model => "model",
            ClaimKind::Firmware => "firmware",
            ClaimKind::DeviceClass => "device_class",
            ClaimKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<ClaimKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The derived atom source a claim of this kind is matched as (`claim.model`).
    pub fn atom_source(self) -> String {
        format!("claim.{}", self.as_str())
    }
}

/// One claim, and the index of the atom it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    pub kind: ClaimKind,
    pub value: String,
    pub origin: usize,
}

use ClaimKind::{DeviceClass, Firmware, Model, Text, Vendor};

impl ClaimKind {
    /// The claim an atom of this kind makes, if it makes one.
    fn of(kind: AtomKind) -> Option<ClaimKind> {
        match kind {
            AtomKind::Vendor => Some(Vendor),
            AtomKind::Model => Some(Model),
            AtomKind::Firmware => Some(Firmware),
            AtomKind::DeviceClass => Some(DeviceClass),
            AtomKind::Text => Some(Text),
            _ => None,
        }
    }
}

/// What the atoms that are not a discovery protocol's state (the discovery protocols declare
/// theirs in `wire::discovery::TABLE`): probes, passive capture, traffic. Sources not listed
/// state nothing a claim or `--redact` acts on (status codes, hashes, bodies: a body is a whole
/// page, not a statement).
const OTHER_SOURCES: &[(&str, &[AtomKind])] = {
    use AtomKind::{Firmware, MaybeMac, Model, Serial, Text, UnitId, UnitName, Vendor};
    &[
        ("onvif.manufacturer", &[Vendor, Text]),
        ("onvif.model", &[Model, Text]),
        ("onvif.firmware", &[Firmware]),
        ("onvif.serial", &[Serial]),
        ("onvif.hardware_id", &[UnitId]),
        ("zkteco.device_name", &[Model, Text, UnitName]),
        ("gb28181.manufacturer", &[Vendor, Text]),
        ("gb28181.model", &[Model, Text]),
        ("gb28181.firmware", &[Firmware]),
        ("upnp.manufacturer", &[Vendor, Text]),
        ("upnp.model", &[Model, Text]),
        ("upnp.model_number", &[Model, Text]),
        ("upnp.friendly_name", &[Text]),
        ("dhcp.vendor_class", &[Vendor, Text]),
        // `<maker> via <endpoint>`: the device sends to its maker's own cloud. Only the maker
        // is claimed; the endpoint's name is not the device's text.
        (EvidenceSource::TRAFFIC_CLOUD_MAKER, &[Vendor]),
        ("dhcp.hostname", &[Text, UnitName]),
        ("host.name", &[Text]),
        ("http.server", &[Text]),
        // Some firmware uses the unit's MAC as its digest realm.
        ("http.realm", &[Text, MaybeMac]),
        ("http.title", &[Text]),
        ("http.meta_generator", &[Text]),
        ("tls.subject", &[Text]),
        ("tls.issuer", &[Text]),
        ("tcp.banner", &[Text]),
        ("ftp.banner", &[Text]),
        ("telnet.banner", &[Text]),
        ("rtsp.server", &[Text]),
        ("rtsp.realm", &[Text, MaybeMac]),
        ("rtsp.http_server", &[Text]),
        // UniFi names a stream `<MAC>_<n>` (see identify::stated_mac).
        ("rtsp.sdp_session", &[Text, MaybeMac]),
        ("rtsp.sdp_info", &[Text]),
        ("rtsp.sdp_tool", &[Text]),
    ]
};

/// What an atom of `source` states: the discovery table's declaration for its protocols'
/// atoms, else the table above. Identification and `--redact` read kinds only through this.
pub fn atom_kinds(source: &str) -> &'static [AtomKind] {
    discovery::kinds_of(source)
        .or_else(|| {
            OTHER_SOURCES
                .iter()
                .find(|(s, _)| *s == source)
                .map(|(_, k)| *k)
        })
        .unwrap_or(&[])
}

/// Whether an atom of `source` states `kind`.
pub fn states(source: &str, kind: AtomKind) -> bool {
    atom_kinds(source).contains(&kind)
}

/// SDP lines that name the program or product serving the stream (RFC 8866 §5.3 `s=`, §5.4
/// `i=`, §6.3 `a=tool:`): each is read as the RTSP server's banner too, so every signature over
/// `rtsp.server` (a Recog RTSP server, a maker's streaming server) matches the same name
/// stated there. LIVE555's servers write `s=Session streamed by "<program>"` (live555
/// `testProgs/testOnDemandRTSPServer.cpp`: `Session streamed by "testOnDemandRTSPServer"`): the
/// quoted program is the banner.
const SDP_BANNER_SOURCES: &[&str] = &["rtsp.sdp_session", "rtsp.sdp_info", "rtsp.sdp_tool"];
/// The source an SDP name is read as.
const BANNER_SOURCE: &str = "rtsp.server";

/// The program an SDP line names: the quoted part of LIVE555's `Session streamed by "X"`, else
/// the whole line.
fn sdp_program(value: &str) -> &str {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("session streamed by")
        .map(|r| &v[v.len() - r.len()..])
    {
        let inner = rest.trim().trim_matches('"').trim();
        if !inner.is_empty() {
            return inner;
        }
    }
    v
}

/// Banner atoms read from SDP lines (`rtsp.server` = the program an SDP names), each with the
/// index of the SDP atom it was read from.
pub(crate) fn sdp_banner_atoms(atoms: &[Evidence]) -> Vec<(Evidence, usize)> {
    atoms
        .iter()
        .enumerate()
        .filter(|(_, a)| SDP_BANNER_SOURCES.contains(&a.source.as_str()))
        .map(|(i, a)| {
            (
                Evidence::new(BANNER_SOURCE, a.port, sdp_program(&a.value)),
                i,
            )
        })
        .filter(|(e, _)| !e.value.is_empty())
        .collect()
}

/// mDNS TXT keys whose value is a model, a vendor or a firmware.
const TXT_MODEL: &[&str] = &[
    "model",
    "md",
    "mdl",
    "ty",
    "product",
    "usb_mdl",
    "modelname",
];
const TXT_VENDOR: &[&str] = &["manufacturer", "mfg", "usb_mfg", "vendor", "brand"];
const TXT_FIRMWARE: &[&str] = &["fw", "firmware", "fwversion", "sw", "swversion"];

/// The `urn:…` part of a search target or USN (`uuid:…::urn:schemas-upnp-org:device:X:1`).
fn urn_part(value: &str) -> Option<&str> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("urn:")?;
    let urn = value[at..].trim();
    (urn.split(':').count() >= 5).then_some(urn)
}

/// The claim kinds an evidence source states, in declaration order.
fn claim_kinds(source: &str) -> Vec<ClaimKind> {
    atom_kinds(source)
        .iter()
        .filter_map(|k| ClaimKind::of(*k))
        .collect()
}

/// Banners arrive with control bytes escaped as `\xNN` and often a reply code first
/// (`220 `, `220-`): the claim is the words, not the protocol.
fn clean_banner(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("\\x") {
        out.push_str(&rest[..i]);
        out.push(' ');
        let after = &rest[i + 2..];
        let hex = after
            .char_indices()
            .take_while(|(n, c)| *n < 2 && c.is_ascii_hexdigit())
            .count();
        rest = &after[hex..];
    }
    out.push_str(rest);
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let code = words
        .char_indices()
        .take_while(|(n, c)| *n < 3 && c.is_ascii_digit())
        .count();
    if code == 3 && matches!(words.as_bytes().get(3), Some(b' ' | b'-')) {
        words[4..].trim().to_string()
    } else {
        words
    }
}

/// Model-like tokens of a text: letters and digits together, at least four characters
/// (`DS-K1T671M`, `ASI7213X`, `IP2M-841B`). A model named inside a title, realm or friendly
/// name ("Login to ASI1201E", "Amcrest IP2M-841B") becomes a model claim of its own.
fn model_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '(' | ')' | '[' | ']' | ',' | ';' | '"' | '\'' | ':' | '=' | '<' | '>' | '|' | '@'
            )
    })
    .map(|t| t.trim_matches(|c: char| matches!(c, '.' | '-' | '_' | '/')))
    .filter(|t| {
        t.chars().count() >= 4
            && t.chars().any(|c| c.is_ascii_digit())
            && t.chars().any(|c| c.is_ascii_alphabetic())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.' | '+'))
            && !is_hex_identifier(t)
    })
}

/// Whether a token is a unit's identifier rather than a model: twelve or more hex digits and
/// nothing else but separators — a MAC some firmware uses as its realm (`c0ffee0a1b2c`), a
/// digest nonce or hash. Read as a model it would match model families by accident (`c` and
/// three digits look like a `C123` camera model); a bare MAC is read for its IEEE prefix
/// instead (`identify::stated_mac`).
fn is_hex_identifier(token: &str) -> bool {
    let digits = token
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | '.'))
        .collect::<Vec<_>>();
    digits.len() >= 12 && digits.iter().all(char::is_ascii_hexdigit)
}

/// Every claim the atoms make, in atom order.
pub(crate) fn claims(atoms: &[Evidence]) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    let mut push = |kind: ClaimKind, value: &str, origin: usize| {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let dup = out.iter().any(|c| c.kind == kind && c.value == value);
        if !dup {
            out.push(Claim {
                kind,
                value: value.to_string(),
                origin,
            });
        }
    };
    for (origin, atom) in atoms.iter().enumerate() {
        let source = atom.source.as_str();
        if states(source, AtomKind::TypeUrn)
            && let Some(urn) = urn_part(&atom.value)
        {
            push(DeviceClass, urn, origin);
        }
        let kinds = claim_kinds(source);
        if kinds.is_empty() {
            continue;
        }
        let value = if source.ends_with(".banner") {
            clean_banner(&atom.value)
        } else if source == EvidenceSource::TRAFFIC_CLOUD_MAKER {
            let maker = atom.value.split(" via ").next().unwrap_or_default();
            maker.to_string()
        } else {
            atom.value.replace("%20", " ")
        };
        if states(source, AtomKind::TxtEntry) {
            if let Some((key, v)) = value.split_once('=') {
                let key = key.trim().to_ascii_lowercase();
                if TXT_MODEL.contains(&key.as_str()) {
                    push(Model, v, origin);
                } else if TXT_VENDOR.contains(&key.as_str()) {
                    push(Vendor, v, origin);
                } else if TXT_FIRMWARE.contains(&key.as_str()) {
                    push(Firmware, v, origin);
                }
                push(Text, v, origin);
            }
            continue;
        }
        for kind in &kinds {
            push(*kind, &value, origin);
        }
        if kinds.contains(&Text) {
            for token in model_tokens(&value) {
                push(Model, token, origin);
            }
        }
    }
    out
}

/// The claims as derived atoms (`claim.model` = value) for signature clauses over claim kinds,
/// with the index of the atom each was read from.
pub(crate) fn claim_atoms(claims: &[Claim]) -> Vec<(Evidence, usize)> {
    claims
        .iter()
        .map(|c| {
            (
                Evidence::new(c.kind.atom_source(), None, c.value.clone()),
                c.origin,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(source: &str, value: &str) -> Evidence {
        Evidence::new(source, None, value)
    }

    fn of_kind(claims: &[Claim], kind: ClaimKind) -> Vec<&str> {
        claims
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.value.as_str())
            .collect()
    }

    /// A model stated by WS-Discovery, UPnP, an mDNS TXT record or inside a realm is a model
    /// claim, each pointing at its atom.
    #[test]
    fn models_from_any_source() {
        let atoms = [
            atom("wsd.hardware", "DS-K1T671M"),
            atom("ssdp.model_number", "IP2M-841B"),
            atom("mdns.txt", "md=SpeedFace-V5L"),
            atom("http.realm", "Login to ASI1201E"),
            atom("http.status", "401"),
        ];
        let c = claims(&atoms);
        let models = of_kind(&c, Model);
        for m in ["DS-K1T671M", "IP2M-841B", "SpeedFace-V5L", "ASI1201E"] {
            assert!(models.contains(&m), "{m} missing from {models:?}");
        }
        let realm = c.iter().find(|c| c.value == "ASI1201E").unwrap();
        assert_eq!(atoms[realm.origin].source, "http.realm");
        assert!(c.iter().all(|c| atoms[c.origin].source != "http.status"));
    }

    /// A realm that is a MAC or a hash is no model claim (a MAC-shaped `c` + three digits looked
    /// like a `C123` camera model and named the wrong maker); a model inside a realm still is.
    #[test]
    fn hex_identifiers_are_no_models() {
        let atoms = [
            atom("rtsp.realm", "c0ffee0a1b2c"),
            atom("http.realm", "Login to 0123456789abcdef0123456789abcdef"),
            atom("rtsp.realm", "C0-FF-EE-0A-1B-2C"),
            atom("http.title", "C340 camera"),
        ];
        let c = claims(&atoms);
        let models = of_kind(&c, Model);
        assert_eq!(models, ["C340"]);
    }

    /// FTP and telnet greetings lose their reply code and escaped line ends.
    #[test]
    fn banners_lose_reply_codes() {
        let c = claims(&[atom("tcp.banner", "220 DVR FTP server ready\\x0d\\x0a")]);
        assert_eq!(of_kind(&c, Text), ["DVR FTP server ready"]);
        let c = claims(&[atom("tcp.banner", "220-NVR\\x0d\\x0a220 ok")]);
        assert_eq!(of_kind(&c, Text), ["NVR 220 ok"]);
    }

    /// The device or service type in an SSDP search target or USN is a device-class claim;
    /// `upnp:rootdevice` and bare UUIDs state none.
    #[test]
    fn ssdp_types_are_device_classes() {
        let atoms = [
            atom("ssdp.st", "urn:schemas-upnp-org:device:MediaServer:1"),
            atom(
                "ssdp.usn",
                "uuid:4d696e69-444c-164e-9d41-b827eb000001::urn:schemas-upnp-org:service:ContentDirectory:1",
            ),
            atom("ssdp.st", "upnp:rootdevice"),
            atom("ssdp.usn", "uuid:4d696e69-444c-164e-9d41-b827eb000001"),
        ];
        let c = claims(&atoms);
        assert_eq!(
            of_kind(&c, DeviceClass),
            [
                "urn:schemas-upnp-org:device:MediaServer:1",
                "urn:schemas-upnp-org:service:ContentDirectory:1"
            ]
        );
        let st = c.iter().find(|c| c.kind == DeviceClass).unwrap();
        assert_eq!(atoms[st.origin].source, "ssdp.st");
    }

    /// A device's own cloud claims its maker, and only the maker: the endpoint's name is no
    /// model or text of the device.
    #[test]
    fn a_devices_own_cloud_claims_its_maker_only() {
        let c = claims(&[atom(
            EvidenceSource::TRAFFIC_CLOUD_MAKER,
            "EZVIZ via dev.ezvizlife.com:443",
        )]);
        assert_eq!(
            c,
            [Claim {
                kind: Vendor,
                value: "EZVIZ".into(),
                origin: 0
            }]
        );
    }

    /// Vendors come from manufacturer fields of every discovery protocol.
    #[test]
    fn vendors_from_any_source() {
        let c = claims(&[
            atom("ssdp.manufacturer", "Swann"),
            atom("mdns.txt", "manufacturer=Lorex"),
            atom("wsd.name", "IPCAM%20Annke"),
        ]);
        assert_eq!(of_kind(&c, Vendor), ["Swann", "Lorex", "IPCAM Annke"]);
    }
}
