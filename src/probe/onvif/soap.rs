//! Pure: ONVIF device-service SOAP 1.2 requests (no WS-Security, no credentials) and the
//! parts of the replies camsweep records. A `<!DOCTYPE>` is refused outright: entities are never
//! expanded, so a hostile device cannot make the parser fetch or blow up anything.

use thiserror::Error;

use crate::wire::xml::{self, XmlError};

/// Why a reply could not be read as SOAP.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SoapError {
    #[error("XML error: {0}")]
    Xml(String),
    #[error("document type declarations are refused")]
    DocType,
    #[error("XML nested too deep")]
    TooDeep,
    #[error("XML too long")]
    TooLong,
    #[error("not a SOAP envelope")]
    NotSoap,
}

/// `GetSystemDateAndTime`: answered before authentication by conforming devices.
pub fn get_system_date_and_time() -> String {
    envelope("<tds:GetSystemDateAndTime/>")
}

/// `GetCapabilities` for all categories.
pub fn get_capabilities() -> String {
    envelope("<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>")
}

/// `GetDeviceInformation`: usually needs authentication, which camsweep never supplies.
pub fn get_device_information() -> String {
    envelope("<tds:GetDeviceInformation/>")
}

fn envelope(body: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" "#,
            r#"xmlns:tds="http://www.onvif.org/ver10/device/wsdl">"#,
            "<s:Body>{}</s:Body></s:Envelope>"
        ),
        body
    )
}

/// Every text leaf of a document with the local names of the elements above it.
#[derive(Debug, Default)]
pub struct Leaves(Vec<(Vec<String>, String)>);

impl Leaves {
    /// Text of the first leaf named `name` somewhere under an element named `under`.
    pub fn find(&self, under: &str, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(path, _)| {
                path.last().is_some_and(|l| l == name) && path.iter().any(|p| p == under)
            })
            .map(|(_, text)| text.as_str())
    }
}

/// Parses a SOAP reply into its text leaves, with the shared defensive reader of `wire::xml`
/// (DOCTYPE refused, depth and length bounded).
///
/// # Errors
/// [`SoapError`] for malformed XML, a DOCTYPE, excessive depth or length, or a non-SOAP document.
pub fn parse_leaves(xml: &str) -> Result<Leaves, SoapError> {
    let doc = xml::parse_leaves(xml).map_err(|e| match e {
        XmlError::Syntax(msg) => SoapError::Xml(msg),
        XmlError::DocType => SoapError::DocType,
        XmlError::TooDeep => SoapError::TooDeep,
        XmlError::TooLong => SoapError::TooLong,
    })?;
    if doc.root.as_deref() != Some("Envelope") {
        return Err(SoapError::NotSoap);
    }
    Ok(Leaves(doc.leaves))
}

/// The device clock in UTC as `YYYY-MM-DDTHH:MM:SSZ`, from a `GetSystemDateAndTimeResponse`.
pub fn utc_datetime(leaves: &Leaves) -> Option<String> {
    let field = |name: &str| {
        leaves
            .find("UTCDateTime", name)
            .and_then(|v| v.parse::<u32>().ok())
    };
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        field("Year")?,
        field("Month")?,
        field("Day")?,
        field("Hour")?,
        field("Minute")?,
        field("Second")?
    ))
}

/// Service categories offered in a `GetCapabilitiesResponse` (`Media`, `PTZ`, `Analytics`,
/// `Recording`…): every element that carries an `XAddr`.
pub fn capability_categories(leaves: &Leaves) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (path, _) in &leaves.0 {
        if path.last().is_some_and(|l| l == "XAddr")
            && path.iter().any(|p| p == "Capabilities")
            && let Some(category) = path.len().checked_sub(2).and_then(|i| path.get(i))
            && category != "Capabilities"
            && !out.contains(category)
        {
            out.push(category.clone());
        }
    }
    out
}

/// Fields of a `GetDeviceInformationResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInformation {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub hardware_id: Option<String>,
}

/// Reads a `GetDeviceInformationResponse`; `None` if the reply is something else.
pub fn device_information(leaves: &Leaves) -> Option<DeviceInformation> {
    let get = |name: &str| {
        leaves
            .find("GetDeviceInformationResponse", name)
            .map(str::to_string)
    };
    let info = DeviceInformation {
        manufacturer: get("Manufacturer"),
        model: get("Model"),
        firmware: get("FirmwareVersion"),
        serial: get("SerialNumber"),
        hardware_id: get("HardwareId"),
    };
    (info != DeviceInformation::default()).then_some(info)
}

/// A SOAP fault as `subcode: reason` (SOAP 1.2) or `faultcode: faultstring` (SOAP 1.1).
pub fn fault(leaves: &Leaves) -> Option<String> {
    let code = leaves
        .find("Subcode", "Value")
        .or_else(|| leaves.find("Code", "Value"))
        .or_else(|| leaves.find("Fault", "faultcode"));
    let reason = leaves
        .find("Reason", "Text")
        .or_else(|| leaves.find("Fault", "faultstring"));
    match (code, reason) {
        (None, None) => None,
        (Some(c), Some(r)) => Some(format!("{c}: {r}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::noise::noise;

    /// A GetSystemDateAndTime reply shaped as in the ONVIF Core Specification's device service.
    pub(crate) const DATETIME_REPLY: &str =
        include_str!("../../../tests/fixtures/probe/onvif_get_system_date_and_time.xml");
    pub(crate) const CAPABILITIES_REPLY: &str =
        include_str!("../../../tests/fixtures/probe/onvif_get_capabilities.xml");
    pub(crate) const DEVICE_INFO_REPLY: &str =
        include_str!("../../../tests/fixtures/probe/onvif_get_device_information.xml");
    pub(crate) const FAULT_REPLY: &str =
        include_str!("../../../tests/fixtures/probe/onvif_fault_not_authorized.xml");

    /// The UTC clock is read from UTCDateTime, not LocalDateTime.
    #[test]
    fn reads_utc_datetime() {
        let leaves = parse_leaves(DATETIME_REPLY).unwrap();
        assert_eq!(
            utc_datetime(&leaves).as_deref(),
            Some("2024-03-05T08:07:09Z")
        );
    }

    /// Capability categories, including extension ones, are listed once each.
    #[test]
    fn reads_capability_categories() {
        let leaves = parse_leaves(CAPABILITIES_REPLY).unwrap();
        assert_eq!(
            capability_categories(&leaves),
            vec![
                "Analytics",
                "Device",
                "Events",
                "Imaging",
                "Media",
                "PTZ",
                "DeviceIO",
                "Recording"
            ]
        );
    }

    /// Manufacturer, model, firmware, serial and hardware id come out of the response.
    #[test]
    fn reads_device_information() {
        let info = device_information(&parse_leaves(DEVICE_INFO_REPLY).unwrap()).unwrap();
        assert_eq!(info.manufacturer.as_deref(), Some("HIKVISION"));
        assert_eq!(info.model.as_deref(), Some("DS-2CD2143G0-I"));
        assert_eq!(info.firmware.as_deref(), Some("V5.5.80 build 190815"));
        assert_eq!(
            info.serial.as_deref(),
            Some("DS-2CD2143G0-I20190101AAWRC12345678")
        );
        assert_eq!(info.hardware_id.as_deref(), Some("88"));
    }

    /// The NotAuthorized fault devices send without WS-Security.
    #[test]
    fn reads_fault() {
        let leaves = parse_leaves(FAULT_REPLY).unwrap();
        assert_eq!(
            fault(&leaves).as_deref(),
            Some("ter:NotAuthorized: Sender not Authorized")
        );
        assert!(device_information(&leaves).is_none());
    }

    /// DOCTYPEs (entity expansion attacks) are refused; HTML and garbage are not SOAP.
    #[test]
    fn refuses_hostile_or_foreign_documents() {
        let billion = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><s:Envelope xmlns:s="x">&lol2;</s:Envelope>"#;
        assert_eq!(parse_leaves(billion).unwrap_err(), SoapError::DocType);
        assert_eq!(
            parse_leaves("<html><body>404</body></html>").unwrap_err(),
            SoapError::NotSoap
        );
        assert!(parse_leaves("<a><b></a>").is_err());
        let deep = "<a>".repeat(100);
        assert_eq!(parse_leaves(&deep).unwrap_err(), SoapError::TooDeep);
    }

    /// Unknown entities are dropped, predefined and numeric ones resolved.
    #[test]
    fn resolves_only_safe_references() {
        let xml = r#"<s:Envelope xmlns:s="x"><m>A&amp;B&#x41;&evil;</m></s:Envelope>"#;
        assert_eq!(
            parse_leaves(xml).unwrap().find("Envelope", "m"),
            Some("A&BA")
        );
    }

    /// Requests are SOAP 1.2 envelopes without any security header.
    #[test]
    fn requests_carry_no_credentials() {
        for req in [
            get_system_date_and_time(),
            get_capabilities(),
            get_device_information(),
        ] {
            assert!(req.contains("http://www.w3.org/2003/05/soap-envelope"));
            assert!(!req.contains("Security") && !req.contains("Password"));
            assert!(parse_leaves(&req).is_ok());
        }
    }

    /// Arbitrary bytes, bare or inside an envelope, never panic the SOAP reader.
    #[test]
    fn never_panics_on_noise() {
        for bytes in noise(1000) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_leaves(&text);
            let _ = parse_leaves(&format!("<s:Envelope><s:Body>{text}</s:Body></s:Envelope>"));
        }
    }
}
