//! UPnP Internet Gateway Device, read-only: the WAN connection services a gateway's root
//! description lists (`WANIPConnection:1/2`, `WANPPPConnection:1`, with their `controlURL`), the
//! `GetGenericPortMappingEntry` SOAP request (UPnP IGD WANIPConnection:1 §2.4.14, one mapping by
//! `NewPortMappingIndex`), its response (`NewRemoteHost`, `NewExternalPort`, `NewProtocol`,
//! `NewInternalPort`, `NewInternalClient`, `NewEnabled`, `NewPortMappingDescription`,
//! `NewLeaseDuration`) and the SOAP fault (`UPnPError` `errorCode` 713 `SpecifiedArrayIndexInvalid`
//! past the last entry). Nothing here adds, changes or deletes a mapping. Pure: no I/O.

use super::xml::{self, XmlError};
use crate::markup::escape;

/// The action camsweep calls: it only reads.
pub const GET_GENERIC_PORT_MAPPING_ENTRY: &str = "GetGenericPortMappingEntry";
/// `errorCode` of the fault a gateway answers for an index past its last mapping.
pub const ARRAY_INDEX_INVALID: u32 = 713;
/// Service types (without the version) whose control URL holds the port-mapping table.
const CONNECTION_SERVICES: [&str; 2] = [
    "urn:schemas-upnp-org:service:WANIPConnection:",
    "urn:schemas-upnp-org:service:WANPPPConnection:",
];
/// Longest description kept from a mapping (free text the device that asked for it chose).
const MAX_DESCRIPTION: usize = 128;

/// Why a gateway's answer could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IgdError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("not a SOAP envelope (root element {0:?})")]
    NotSoap(Option<String>),
    #[error("neither a GetGenericPortMappingEntryResponse nor a UPnP fault")]
    NoAnswer,
    #[error("{field} is not a number: {value:?}")]
    NotANumber { field: &'static str, value: String },
    #[error("the mapping has no {0}")]
    Missing(&'static str),
}

/// A WAN connection service of the gateway, as its root description lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionService {
    /// `urn:schemas-upnp-org:service:WANIPConnection:2`, …
    pub service_type: String,
    /// As written: usually a path, resolved against `URLBase` or the description's location.
    pub control_url: String,
}

/// The WAN connection services of a root description, in document order, and its `URLBase`
/// (UPnP 1.0 descriptions may carry one; control URLs are relative to it).
///
/// # Errors
/// [`XmlError`] for unreadable XML or a DOCTYPE.
pub fn connection_services(
    description: &str,
) -> Result<(Option<String>, Vec<ConnectionService>), XmlError> {
    let doc = xml::parse_leaves(description)?;
    if doc.root.as_deref() != Some("root") {
        return Ok((None, Vec::new()));
    }
    let url_base = doc
        .leaves
        .iter()
        .find(|(path, _)| path.len() == 2 && path[1] == "URLBase")
        .map(|(_, v)| v.clone());
    // Each <service> holds one serviceType and one controlURL, in any order: a field seen a
    // second time starts the next service.
    let mut services: Vec<(Option<String>, Option<String>)> = Vec::new();
    for (path, text) in &doc.leaves {
        let parent = path.len().checked_sub(2).and_then(|i| path.get(i));
        if parent.is_none_or(|p| p != "service") {
            continue;
        }
        let field = path.last().map(String::as_str);
        if !matches!(field, Some("serviceType" | "controlURL")) {
            continue;
        }
        let start_new = match services.last() {
            None => true,
            Some((service_type, control_url)) => {
                (field == Some("serviceType") && service_type.is_some())
                    || (field == Some("controlURL") && control_url.is_some())
            }
        };
        if start_new {
            services.push((None, None));
        }
        if let Some(current) = services.last_mut() {
            if field == Some("serviceType") {
                current.0 = Some(text.clone());
            } else {
                current.1 = Some(text.clone());
            }
        }
    }
    let wanted = services
        .into_iter()
        .filter_map(|(service_type, control_url)| {
            let (service_type, control_url) = (service_type?, control_url?);
            CONNECTION_SERVICES
                .iter()
                .any(|p| service_type.starts_with(p))
                .then_some(ConnectionService {
                    service_type,
                    control_url,
                })
        })
        .collect();
    Ok((url_base, wanted))
}

/// The `SOAPAction` header value of a `GetGenericPortMappingEntry` call (quoted, as sent).
pub fn soap_action(service_type: &str) -> String {
    format!("\"{service_type}#{GET_GENERIC_PORT_MAPPING_ENTRY}\"")
}

/// The SOAP body asking for mapping number `index` (0-based).
pub fn entry_request(service_type: &str, index: u32) -> String {
    format!(
        "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body><u:{GET_GENERIC_PORT_MAPPING_ENTRY} xmlns:u=\"{}\"><NewPortMappingIndex>{index}</NewPortMappingIndex></u:{GET_GENERIC_PORT_MAPPING_ENTRY}></s:Body></s:Envelope>\r\n",
        escape(service_type)
    )
}

/// A request as a gateway reads it: the action named in the body and its index, if it is
/// `GetGenericPortMappingEntry` (for the lab's gateway).
pub fn parse_entry_request(body: &str) -> Option<u32> {
    let doc = xml::parse_leaves(body).ok()?;
    doc.under(GET_GENERIC_PORT_MAPPING_ENTRY, "NewPortMappingIndex")?
        .trim()
        .parse()
        .ok()
}

/// One entry of the gateway's port-mapping table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The only internet host allowed in; empty means any.
    pub remote_host: String,
    /// The port opened on the gateway's internet side (0: any, where supported).
    pub external_port: u16,
    /// `TCP` or `UDP`.
    pub protocol: String,
    pub internal_port: u16,
    /// The LAN host the port is forwarded to (an address, rarely a name).
    pub internal_client: String,
    pub enabled: bool,
    /// Free text chosen by whoever asked for the mapping, cut to 128 bytes.
    pub description: String,
    /// Seconds left; 0 means permanent.
    pub lease_duration: u32,
}

/// What a gateway answered to one `GetGenericPortMappingEntry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryReply {
    Mapping(Mapping),
    /// A UPnP error: 713 past the last entry; others (401, 402, 501, 606…) say the call failed.
    Fault {
        code: u32,
        description: String,
    },
}

/// Reads a `GetGenericPortMappingEntryResponse` or a UPnP SOAP fault.
///
/// # Errors
/// [`IgdError`] for unreadable XML, anything but a SOAP envelope, or an entry whose numbers are
/// not numbers (a value is never guessed).
pub fn parse_entry_reply(text: &str) -> Result<EntryReply, IgdError> {
    let doc = xml::parse_leaves(text)?;
    if doc.root.as_deref() != Some("Envelope") {
        return Err(IgdError::NotSoap(doc.root));
    }
    if let Some(code) = doc.under("UPnPError", "errorCode") {
        let code = code.trim().parse().map_err(|_| IgdError::NotANumber {
            field: "errorCode",
            value: code.to_string(),
        })?;
        let description = doc
            .under("UPnPError", "errorDescription")
            .unwrap_or_default()
            .to_string();
        return Ok(EntryReply::Fault { code, description });
    }
    let response = "GetGenericPortMappingEntryResponse";
    if !doc
        .leaves
        .iter()
        .any(|(path, _)| path.iter().any(|p| p == response))
    {
        return Err(IgdError::NoAnswer);
    }
    let text_of = |name: &str| doc.under(response, name).unwrap_or_default().to_string();
    let number = |field: &'static str| -> Result<u32, IgdError> {
        let value = doc.under(response, field).ok_or(IgdError::Missing(field))?;
        value.trim().parse().map_err(|_| IgdError::NotANumber {
            field,
            value: value.to_string(),
        })
    };
    let port = |field: &'static str| -> Result<u16, IgdError> {
        let n = number(field)?;
        u16::try_from(n).map_err(|_| IgdError::NotANumber {
            field,
            value: n.to_string(),
        })
    };
    let internal_client = text_of("NewInternalClient");
    if internal_client.is_empty() {
        return Err(IgdError::Missing("NewInternalClient"));
    }
    let mut description = text_of("NewPortMappingDescription");
    if description.len() > MAX_DESCRIPTION {
        let mut cut = MAX_DESCRIPTION;
        while !description.is_char_boundary(cut) {
            cut -= 1;
        }
        description.truncate(cut);
    }
    let enabled = text_of("NewEnabled");
    Ok(EntryReply::Mapping(Mapping {
        remote_host: text_of("NewRemoteHost"),
        external_port: port("NewExternalPort")?,
        protocol: text_of("NewProtocol").to_ascii_uppercase(),
        internal_port: port("NewInternalPort")?,
        internal_client,
        enabled: enabled == "1" || enabled.eq_ignore_ascii_case("true"),
        description,
        // Some gateways leave it empty for a permanent mapping.
        lease_duration: if doc.under(response, "NewLeaseDuration").is_none() {
            0
        } else {
            number("NewLeaseDuration")?
        },
    }))
}

/// A `GetGenericPortMappingEntryResponse` as a gateway sends it (for the lab's gateway).
pub fn entry_response(service_type: &str, m: &Mapping) -> String {
    format!(
        "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body><u:GetGenericPortMappingEntryResponse xmlns:u=\"{}\"><NewRemoteHost>{}</NewRemoteHost><NewExternalPort>{}</NewExternalPort><NewProtocol>{}</NewProtocol><NewInternalPort>{}</NewInternalPort><NewInternalClient>{}</NewInternalClient><NewEnabled>{}</NewEnabled><NewPortMappingDescription>{}</NewPortMappingDescription><NewLeaseDuration>{}</NewLeaseDuration></u:GetGenericPortMappingEntryResponse></s:Body></s:Envelope>\r\n",
        escape(service_type),
        escape(&m.remote_host),
        m.external_port,
        escape(&m.protocol),
        m.internal_port,
        escape(&m.internal_client),
        u8::from(m.enabled),
        escape(&m.description),
        m.lease_duration
    )
}

/// A UPnP SOAP fault as a gateway sends it (HTTP status 500), for the lab's gateway.
pub fn fault(code: u32, description: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>{code}</errorCode><errorDescription>{}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>\r\n",
        escape(description)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn request_names_the_action_and_index_and_reads_back() {
        let service = "urn:schemas-upnp-org:service:WANIPConnection:2";
        assert_eq!(
            soap_action(service),
            "\"urn:schemas-upnp-org:service:WANIPConnection:2#GetGenericPortMappingEntry\""
        );
        let body = entry_request(service, 7);
        assert!(body.contains("<NewPortMappingIndex>7</NewPortMappingIndex>"));
        assert_eq!(parse_entry_request(&body), Some(7));
        // Another action (the lab gateway refuses it) is not read as a table lookup.
        let add = body.replace("GetGenericPortMappingEntry", "AddPortMapping");
        assert_eq!(parse_entry_request(&add), None);
    }

    #[test]
    fn a_response_with_a_bad_port_is_an_error_not_a_zero() {
        let m = Mapping {
            remote_host: String::new(),
            external_port: 8000,
            protocol: "TCP".into(),
            internal_port: 8000,
            internal_client: "198.18.0.12".into(),
            enabled: true,
            description: "x".into(),
            lease_duration: 0,
        };
        let ok = entry_response("urn:schemas-upnp-org:service:WANIPConnection:1", &m);
        let bad = ok.replace(
            "<NewExternalPort>8000</NewExternalPort>",
            "<NewExternalPort>eighty</NewExternalPort>",
        );
        assert!(matches!(
            parse_entry_reply(&bad),
            Err(IgdError::NotANumber {
                field: "NewExternalPort",
                ..
            })
        ));
        let big = ok.replace(
            "<NewInternalPort>8000</NewInternalPort>",
            "<NewInternalPort>70000</NewInternalPort>",
        );
        assert!(parse_entry_reply(&big).is_err());
        assert!(matches!(
            parse_entry_reply("<html><body>no</body></html>"),
            Err(IgdError::NotSoap(_))
        ));
    }

    proptest! {
        #[test]
        fn entries_and_faults_round_trip(
            ext in any::<u16>(), int in 1u16.., lease in any::<u32>(), enabled in any::<bool>(),
            desc in "[ -~]{0,40}", udp in any::<bool>(), code in 400u32..900,
        ) {
            let m = Mapping {
                remote_host: String::new(),
                external_port: ext,
                protocol: if udp { "UDP" } else { "TCP" }.into(),
                internal_port: int,
                internal_client: "198.18.0.19".into(),
                enabled,
                description: desc.trim().to_string(),
                lease_duration: lease,
            };
            let text = entry_response("urn:schemas-upnp-org:service:WANPPPConnection:1", &m);
            prop_assert_eq!(parse_entry_reply(&text), Ok(EntryReply::Mapping(m)));
            prop_assert_eq!(
                parse_entry_reply(&fault(code, "Invalid Args")),
                Ok(EntryReply::Fault { code, description: "Invalid Args".into() })
            );
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&data);
            let _ = parse_entry_reply(&text);
            let _ = parse_entry_request(&text);
            let _ = connection_services(&text);
        }
    }
}

/// Real gateway answers recorded by a UPnP client's test suite (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn miniupnpd_description_gives_the_wanipconnection_control_url() {
        let text = include_str!("../../tests/fixtures/wire/igd-rootdesc-miniupnpd-1.8.xml");
        let (base, services) = connection_services(text).unwrap();
        assert_eq!(base, None);
        // Layer3Forwarding, WANCommonInterfaceConfig and WANIPv6FirewallControl are not
        // connection services; the one WANIPConnection:2 three devices deep is.
        assert_eq!(
            services,
            vec![ConnectionService {
                service_type: "urn:schemas-upnp-org:service:WANIPConnection:2".into(),
                control_url: "/ctl/IPConn".into(),
            }]
        );
    }

    #[test]
    fn cisco_description_gives_its_own_control_url() {
        let text = include_str!("../../tests/fixtures/wire/igd-rootdesc-cisco-cga4131com.xml");
        let (_, services) = connection_services(text).unwrap();
        assert_eq!(services.len(), 1);
        assert_eq!(
            services[0].service_type,
            "urn:schemas-upnp-org:service:WANIPConnection:1"
        );
        assert_eq!(services[0].control_url, "/upnp/control/WANIPConnection0");
    }

    #[test]
    fn cisco_entry_gives_every_field() {
        let text = include_str!("../../tests/fixtures/wire/igd-mapping-entry-cisco-cga4131com.xml");
        assert_eq!(
            parse_entry_reply(text),
            Ok(EntryReply::Mapping(Mapping {
                remote_host: String::new(),
                external_port: 4444,
                protocol: "UDP".into(),
                internal_port: 4444,
                internal_client: "10.1.10.94".into(),
                enabled: true,
                description: "LBRY DHT port".into(),
                lease_duration: 79200,
            }))
        );
    }

    #[test]
    fn miniupnpd_empty_table_is_fault_713() {
        let text = include_str!("../../tests/fixtures/wire/igd-fault-713-miniupnpd-1.8.xml");
        assert_eq!(
            parse_entry_reply(text),
            Ok(EntryReply::Fault {
                code: ARRAY_INDEX_INVALID,
                description: "SpecifiedArrayIndexInvalid".into()
            })
        );
    }
}
