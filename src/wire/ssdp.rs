//! SSDP (UPnP Device Architecture 2.0 §1.3): the `M-SEARCH` camsweep sends to
//! 239.255.255.250:1900 or to one host, the HTTP-over-UDP response (LOCATION, SERVER, ST, USN),
//! and the device description XML LOCATION points at (manufacturer, modelName, modelNumber,
//! serialNumber, friendlyName). Pure: no I/O.

use super::discovery::{Atom, Field, Follow, Protocol, Reply};
use super::xml::{self, XmlError};
use crate::markup::escape;
use crate::model::AtomKind::{DeviceClass, Model, Serial, Text, TypeUrn, UnitId, UnitName, Vendor};

/// The UDP port of SSDP.
pub const PORT: u16 = 1900;
/// The IPv4 multicast group of SSDP.
pub const MULTICAST: std::net::Ipv4Addr = std::net::Ipv4Addr::new(239, 255, 255, 250);
/// Longest response read.
const MAX_RESPONSE: usize = 8 * 1024;

/// An `M-SEARCH` for `st` (`ssdp:all`, `upnp:rootdevice`…), asking for answers within `mx`
/// seconds. `host` is the multicast group or, for a unicast search, the device's address.
pub fn m_search(host: &str, st: &str, mx: u8) -> String {
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: {host}:{PORT}\r\nMAN: \"ssdp:discover\"\r\nMX: {mx}\r\nST: {st}\r\nUSER-AGENT: Linux/1 UPnP/2.0 camsweep/1\r\n\r\n"
    )
}

/// A search as a device reads it: what it asks for.
pub fn parse_m_search(text: &str) -> Option<String> {
    let mut lines = text.lines();
    if !lines
        .next()?
        .trim()
        .eq_ignore_ascii_case("M-SEARCH * HTTP/1.1")
    {
        return None;
    }
    headers(lines).find(|(k, _)| k == "st").map(|(_, v)| v)
}

/// The headers of an SSDP search response (or NOTIFY), lower-case names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub location: Option<String>,
    pub server: Option<String>,
    pub st: Option<String>,
    pub usn: Option<String>,
}

/// Reads a search response or NOTIFY; `None` for anything else (other hosts' searches).
pub fn parse_response(data: &[u8]) -> Option<Response> {
    let data = data.get(..data.len().min(MAX_RESPONSE))?;
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines();
    let first = lines.next()?.trim().to_ascii_uppercase();
    if !(first.starts_with("HTTP/1.1 200")
        || first.starts_with("HTTP/1.0 200")
        || first.starts_with("NOTIFY * "))
    {
        return None;
    }
    let mut r = Response::default();
    for (name, value) in headers(lines) {
        match name.as_str() {
            "location" => r.location = Some(value),
            "server" => r.server = Some(value),
            "st" | "nt" => r.st = Some(value),
            "usn" => r.usn = Some(value),
            _ => {}
        }
    }
    Some(r)
}

fn headers<'a>(lines: impl Iterator<Item = &'a str>) -> impl Iterator<Item = (String, String)> {
    lines
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
}

/// A search response as a device sends it (for the lab's personas).
pub fn response(r: &Response) -> String {
    let mut out = String::from("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n");
    for (name, value) in [
        ("LOCATION", &r.location),
        ("SERVER", &r.server),
        ("ST", &r.st),
        ("USN", &r.usn),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    out.push_str("\r\n");
    out
}

/// The `<device>` of a UPnP device description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    pub device_type: Option<String>,
    pub friendly_name: Option<String>,
    pub manufacturer: Option<String>,
    pub model_name: Option<String>,
    pub model_number: Option<String>,
    pub model_description: Option<String>,
    pub serial_number: Option<String>,
}

/// Reads a device description (the root device's fields, first found).
///
/// # Errors
/// [`XmlError`] for unreadable XML or a DOCTYPE.
pub fn parse_description(text: &str) -> Result<Option<Description>, XmlError> {
    let doc = xml::parse_leaves(text)?;
    if doc.root.as_deref() != Some("root") {
        return Ok(None);
    }
    let get = |name: &str| doc.under("device", name).map(str::to_string);
    Ok(Some(Description {
        device_type: get("deviceType"),
        friendly_name: get("friendlyName"),
        manufacturer: get("manufacturer"),
        model_name: get("modelName"),
        model_number: get("modelNumber"),
        model_description: get("modelDescription"),
        serial_number: get("serialNumber"),
    }))
}

/// A device description as a device serves it (for the lab's personas).
pub fn description(d: &Description) -> String {
    let mut out = String::from(
        r#"<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion><device>"#,
    );
    for (name, value) in [
        ("deviceType", &d.device_type),
        ("friendlyName", &d.friendly_name),
        ("manufacturer", &d.manufacturer),
        ("modelDescription", &d.model_description),
        ("modelName", &d.model_name),
        ("modelNumber", &d.model_number),
        ("serialNumber", &d.serial_number),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("<{name}>{}</{name}>", escape(v)));
        }
    }
    out.push_str("</device></root>");
    out
}

/// SSDP in the discovery table: `M-SEARCH ssdp:all`, then the UPnP description behind
/// LOCATION.
pub const DISCOVERY: Protocol = Protocol {
    name: "ssdp",
    port: PORT,
    group: Some(MULTICAST),
    broadcast: false,
    inquiry: |_| vec![m_search(&MULTICAST.to_string(), "ssdp:all", 1).into_bytes()],
    parse: |_, data| {
        let r = parse_response(data)?;
        let mut out = Reply {
            atoms: response_atoms(&r),
            ..Reply::default()
        };
        out.description = r.location;
        Some(out)
    },
    fields: FIELDS,
    maker: false,
    follow: Follow::UpnpDescription,
};

const FIELDS: &[Field] = &[
    // The search response (or NOTIFY) headers.
    Field {
        source: "ssdp.server",
        kinds: &[Text],
    },
    Field {
        source: "ssdp.st",
        kinds: &[TypeUrn],
    },
    // A USN is `uuid:<device UUID>::<type>`; some makers put their domain in the UUID
    // (`uuid:www.<maker>.com.device_…`), so it is read as text for the brand lexicon.
    Field {
        source: "ssdp.usn",
        kinds: &[Text, TypeUrn, UnitId],
    },
    Field {
        source: "ssdp.location",
        kinds: &[],
    },
    // The description's `<device>`.
    Field {
        source: "ssdp.manufacturer",
        kinds: &[Vendor, Text],
    },
    Field {
        source: "ssdp.model",
        kinds: &[Model, Text],
    },
    Field {
        source: "ssdp.model_number",
        kinds: &[Model, Text],
    },
    Field {
        source: "ssdp.model_description",
        kinds: &[Text],
    },
    Field {
        source: "ssdp.serial",
        kinds: &[Serial],
    },
    Field {
        source: "ssdp.friendly_name",
        kinds: &[Text, UnitName],
    },
    Field {
        source: "ssdp.device_type",
        kinds: &[DeviceClass, Text],
    },
];

/// The atoms of a search response or NOTIFY.
pub fn response_atoms(r: &Response) -> Vec<Atom> {
    let mut out = Reply::default();
    out.add(&FIELDS[0], r.server.as_deref());
    out.add(&FIELDS[1], r.st.as_deref());
    out.add(&FIELDS[2], r.usn.as_deref());
    out.add(&FIELDS[3], r.location.as_deref());
    out.atoms
}

/// The atoms of a UPnP device description.
pub fn description_atoms(d: &Description) -> Vec<Atom> {
    let mut out = Reply::default();
    out.add(&FIELDS[4], d.manufacturer.as_deref());
    out.add(&FIELDS[5], d.model_name.as_deref());
    out.add(&FIELDS[6], d.model_number.as_deref());
    out.add(&FIELDS[7], d.model_description.as_deref());
    out.add(&FIELDS[8], d.serial_number.as_deref());
    out.add(&FIELDS[9], d.friendly_name.as_deref());
    out.add(&FIELDS[10], d.device_type.as_deref());
    out.atoms
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A Hikvision camera's SSDP answer and description, as UniversalScanner's UPnP engine and
    /// public captures show them (Hikvision serves `/upnpdevicedesc.xml` on port 49152).
    const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age = 7200\r\nEXT:\r\nLOCATION: http://192.168.1.64:49152/upnpdevicedesc.xml\r\nSERVER: Linux/3.0.8, UPnP/1.0, Portable SDK for UPnP devices/1.6.18\r\nST: upnp:rootdevice\r\nUSN: uuid:ec9a5c9a-1dd2-11b2-8a3f-c056e3aabbcc::upnp:rootdevice\r\n\r\n";
    const DESCRIPTION: &str = r#"<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>DS-2CD2143G0-I - C12345678</friendlyName>
<manufacturer>Hikvision</manufacturer>
<manufacturerURL>http://www.hikvision.com</manufacturerURL>
<modelDescription>Hikvision IP Camera</modelDescription>
<modelName>DS-2CD2143G0-I</modelName>
<modelNumber>DS-2CD2143G0-I</modelNumber>
<serialNumber>DS-2CD2143G0-I20190101AAWRC12345678</serialNumber>
<UDN>uuid:ec9a5c9a-1dd2-11b2-8a3f-c056e3aabbcc</UDN>
</device>
</root>"#;

    #[test]
    fn reads_response_and_description() {
        let r = parse_response(RESPONSE).unwrap();
        assert_eq!(
            r.location.as_deref(),
            Some("http://192.168.1.64:49152/upnpdevicedesc.xml")
        );
        assert_eq!(r.st.as_deref(), Some("upnp:rootdevice"));
        assert!(r.server.unwrap().contains("Portable SDK for UPnP"));
        let d = parse_description(DESCRIPTION).unwrap().unwrap();
        assert_eq!(d.manufacturer.as_deref(), Some("Hikvision"));
        assert_eq!(d.model_name.as_deref(), Some("DS-2CD2143G0-I"));
        assert_eq!(
            d.serial_number.as_deref(),
            Some("DS-2CD2143G0-I20190101AAWRC12345678")
        );
    }

    #[test]
    fn search_is_well_formed_and_searches_are_not_responses() {
        let s = m_search("239.255.255.250", "ssdp:all", 1);
        assert!(s.starts_with("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"));
        assert!(s.ends_with("\r\n\r\n"));
        assert_eq!(parse_m_search(&s).as_deref(), Some("ssdp:all"));
        assert!(parse_response(s.as_bytes()).is_none());
    }

    proptest! {
        #[test]
        fn round_trips(model in "[ -~]{1,30}", loc in "http://[a-z0-9.]{1,20}/[a-z]{1,10}\\.xml") {
            let r = Response { location: Some(loc), server: Some("Linux UPnP/1.0".into()), st: Some("upnp:rootdevice".into()), usn: None };
            prop_assert_eq!(parse_response(response(&r).as_bytes()), Some(r));
            let d = Description { model_name: Some(model.trim().to_string()).filter(|s| !s.is_empty()), manufacturer: Some("Axis".into()), ..Description::default() };
            prop_assert_eq!(parse_description(&description(&d)).unwrap(), Some(d));
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_response(&data);
            let text = String::from_utf8_lossy(&data);
            let _ = parse_description(&text);
            let _ = parse_m_search(&text);
        }
    }
}

/// Real SSDP datagrams from Wireshark's sample capture (tests/fixtures/wire/README.md).
#[cfg(test)]
mod real_bytes {
    use super::*;

    #[test]
    fn real_dvr_notify_gives_location_server_and_usn() {
        let data = include_bytes!("../../tests/fixtures/wire/ssdp-notify-dvr-frame3129.txt");
        let r = parse_response(data).expect("a real NOTIFY");
        assert_eq!(
            r.location.as_deref(),
            Some("http://192.168.152.115:85/upnpdevicedesc.xml")
        );
        assert_eq!(
            r.server.as_deref(),
            Some("Linux/3.0.8, UPnP/1.0, Portable SDK for UPnP devices/1.6.18")
        );
        assert_eq!(r.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(r.usn.as_deref(), Some("uuid:DVR8-4500::upnp:rootdevice"));
    }

    #[test]
    fn real_router_notify_with_extra_headers_parses() {
        // OPT/01-NLS/X-User-Agent headers, one of them with a quoted value holding ':'.
        let data = include_bytes!("../../tests/fixtures/wire/ssdp-notify-router-frame1417.txt");
        let r = parse_response(data).expect("a real NOTIFY");
        assert_eq!(
            r.location.as_deref(),
            Some("http://192.168.152.1:49152/IGDdevicedesc.xml")
        );
        assert_eq!(
            r.usn.as_deref(),
            Some("uuid:ebf5a0a0-1dd1-11b2-a90f-58ef68108f69::upnp:rootdevice")
        );
    }

    #[test]
    fn real_roku_search_response_gives_location_server_st_and_usn() {
        let data = include_bytes!("../../tests/fixtures/wire/ssdp-response-roku.txt");
        let r = parse_response(data).expect("a real 200 response");
        assert_eq!(r.location.as_deref(), Some("http://192.168.0.4:8060/"));
        assert_eq!(
            r.server.as_deref(),
            Some("Roku/14.0.4 UPnP/1.0 Roku/14.0.4")
        );
        assert_eq!(r.st.as_deref(), Some("roku:ecp"));
        assert_eq!(r.usn.as_deref(), Some("uuid:roku:ecp:X01600CHVGD3"));
    }

    #[test]
    fn real_axis_p3301_description_gives_model_and_serial() {
        let text = include_str!("../../tests/fixtures/wire/upnp-description-axis-p3301.xml");
        let d = parse_description(text)
            .expect("readable XML")
            .expect("a root device");
        assert_eq!(d.manufacturer.as_deref(), Some("AXIS"));
        assert_eq!(d.model_name.as_deref(), Some("AXIS P3301"));
        assert_eq!(d.model_number.as_deref(), Some("P3301"));
        assert_eq!(
            d.model_description.as_deref(),
            Some("AXIS P3301 Network Fixed Dome Camera")
        );
        assert_eq!(d.serial_number.as_deref(), Some("00408CA45086"));
        assert_eq!(
            d.friendly_name.as_deref(),
            Some("AXIS P3301 - 00408CA45086")
        );
        assert_eq!(
            d.device_type.as_deref(),
            Some("urn:schemas-upnp-org:device:Basic:1")
        );
    }

    #[test]
    fn real_chrome_m_search_is_read_as_a_search_not_a_response() {
        let data = include_bytes!("../../tests/fixtures/wire/ssdp-msearch-chrome-frame299.txt");
        assert_eq!(parse_response(data), None);
        let text = String::from_utf8_lossy(data);
        assert_eq!(
            parse_m_search(&text).as_deref(),
            Some("urn:dial-multiscreen-org:service:dial:1")
        );
    }
}
