//! report.nmap.xml: the devices in nmap's XML output format (nmap.dtd), so the tools inspectors'
//! and IT's colleagues already run (runZero, DefectDojo, Metasploit's `db_import`, any nmap XML
//! parser) can import what camsweep found.
//!
//! One `<host>` per device: its IPv4/IPv6 address, MAC with the MAC vendor, host name, and each open
//! port with the device's identification as the port's service (product = vendor + model,
//! version = firmware, devicetype in nmap's vocabulary, extrainfo = camsweep's type, face
//! recognition and confidence). The identification belongs to the device, not to one port, so
//! every port carries it (that is what nmap does when several ports answer for one product).
//!
//! nmap.dtd requires `scanner="nmap"`; the file says in a comment and in `args`/`profile_name` that
//! camsweep wrote it. Device-supplied text passes through [`sanitize::visible`] (no control or
//! invisible character reaches an importer) and is XML-escaped.

use std::fmt::Write as _;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sanitize;
use crate::model::{Device, DeviceType, FaceRecognition, Report, ScanMode};

/// The nmap XML output format version this file follows (nmap 7.x writes 1.05).
const XML_OUTPUT_VERSION: &str = "1.05";

/// report.nmap.xml for `report`.
pub fn render_nmap_xml(report: &Report) -> String {
    let start = epoch(&report.scan.started_at);
    let end = epoch(&report.scan.finished_at);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<!DOCTYPE nmaprun>\n");
    let _ = writeln!(
        out,
        "<!-- Written by {} {} from report.json (not by nmap): one host per device found, the \
         identification as each open port's service. -->",
        attr(&report.tool.name),
        attr(&report.tool.version)
    );
    let mode = match report.scan.mode {
        ScanMode::Audit => "audit",
        ScanMode::Scan => "scan",
        ScanMode::Analyze => "analyze",
        ScanMode::Demo => "demo",
    };
    let args = format!(
        "{} {mode} {}",
        report.tool.name,
        report.scan.targets.join(" ")
    );
    let _ = writeln!(
        out,
        "<nmaprun scanner=\"nmap\" args=\"{}\" start=\"{start}\" startstr=\"{}\" version=\"{}\" \
         profile_name=\"{}\" xmloutputversion=\"{XML_OUTPUT_VERSION}\">",
        attr(args.trim_end()),
        attr(&report.scan.started_at),
        attr(&report.tool.version),
        attr(&report.tool.name),
    );
    let ports: Vec<String> = report.scan.ports.iter().map(u16::to_string).collect();
    if !ports.is_empty() {
        let _ = writeln!(
            out,
            "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"{}\" services=\"{}\"/>",
            ports.len(),
            ports.join(",")
        );
    }
    out.push_str("<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n");
    for device in &report.devices {
        host(&mut out, device, start, end);
    }
    let elapsed = end.saturating_sub(start);
    let up = report.devices.len();
    let _ = writeln!(
        out,
        "<runstats><finished time=\"{end}\" timestr=\"{}\" elapsed=\"{elapsed}\" summary=\"{}\" \
         exit=\"success\"/><hosts up=\"{up}\" down=\"0\" total=\"{up}\"/></runstats>",
        attr(&report.scan.finished_at),
        attr(&format!(
            "{} done: {up} device(s) reported; complete: {}",
            report.tool.name, report.scan.complete
        )),
    );
    out.push_str("</nmaprun>\n");
    out
}

fn host(out: &mut String, device: &Device, start: i64, end: i64) {
    let _ = writeln!(out, "<host starttime=\"{start}\" endtime=\"{end}\">");
    out.push_str("<status state=\"up\" reason=\"camsweep\" reason_ttl=\"0\"/>\n");
    let addrtype = if device.ip.contains(':') {
        "ipv6"
    } else {
        "ipv4"
    };
    let _ = writeln!(
        out,
        "<address addr=\"{}\" addrtype=\"{addrtype}\"/>",
        attr(&device.ip)
    );
    if let Some(mac) = &device.mac {
        let vendor = device
            .mac_vendor
            .as_deref()
            .map(|v| format!(" vendor=\"{}\"", attr(v)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<address addr=\"{}\" addrtype=\"mac\"{vendor}/>",
            attr(&mac.to_uppercase())
        );
    }
    out.push_str("<hostnames>");
    if let Some(name) = &device.hostname {
        let _ = write!(out, "<hostname name=\"{}\"/>", attr(name));
    }
    out.push_str("</hostnames>\n");
    let service = service_attrs(device);
    out.push_str("<ports>");
    for port in &device.open_ports {
        let protocol = match port.protocol.as_str() {
            "udp" => "udp",
            _ => "tcp",
        };
        let name = if port.service.is_empty() {
            "unknown"
        } else {
            &port.service
        };
        let tunnel = if name == "https" {
            " tunnel=\"ssl\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "\n<port protocol=\"{protocol}\" portid=\"{}\"><state state=\"open\" reason=\"syn-ack\" \
             reason_ttl=\"0\"/><service name=\"{}\"{service}{tunnel} method=\"probed\" conf=\"{}\"/></port>",
            port.port,
            attr(name),
            confidence(device),
        );
    }
    out.push_str("</ports>\n</host>\n");
}

/// product, version, devicetype and extrainfo from the device's identification.
fn service_attrs(device: &Device) -> String {
    let identity = &device.identity;
    let mut attrs = String::new();
    let product: Vec<&str> = [identity.vendor.as_deref(), identity.model.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !product.is_empty() {
        let _ = write!(attrs, " product=\"{}\"", attr(&product.join(" ")));
    }
    if let Some(firmware) = &identity.firmware {
        let _ = write!(attrs, " version=\"{}\"", attr(firmware));
    }
    if let Some(devicetype) = nmap_device_type(identity.device_type) {
        let _ = write!(attrs, " devicetype=\"{devicetype}\"");
    }
    let face = match identity.face_recognition {
        FaceRecognition::Yes => "yes",
        FaceRecognition::No => "no",
        FaceRecognition::Unknown => "unknown",
    };
    let _ = write!(
        attrs,
        " extrainfo=\"{}\"",
        attr(&format!(
            "camsweep type: {}; face recognition: {face}; confidence: {:.2}",
            identity.device_type.as_str(),
            identity.confidence
        ))
    );
    attrs
}

/// nmap's device-type vocabulary (the `d/…/` values of nmap-service-probes): IP cameras and
/// doorbells are `webcam`; recorders, face terminals, counters and access control `security-misc`.
fn nmap_device_type(device_type: DeviceType) -> Option<&'static str> {
    match device_type {
        DeviceType::Camera
        | DeviceType::Doorbell
        | DeviceType::PeopleCounter
        | DeviceType::PlateCamera => Some("webcam"),
        DeviceType::Nvr | DeviceType::FaceTerminal | DeviceType::AccessControl => {
            Some("security-misc")
        }
        DeviceType::Other | DeviceType::Unknown => None,
    }
}

/// nmap's service confidence (0–10) from camsweep's identification confidence (0–1); 3 (nmap's
/// "port table guess") when nothing identified the device.
fn confidence(device: &Device) -> u8 {
    if device.identity.signatures.is_empty() {
        return 3;
    }
    (device.identity.confidence.clamp(0.0, 1.0) * 10.0).round() as u8
}

/// Seconds since the epoch of an RFC 3339 time; 0 when the report's time does not parse.
fn epoch(rfc3339: &str) -> i64 {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .unwrap_or(0)
}

/// An attribute value: hidden characters made visible, the noncharacters XML 1.0 forbids
/// replaced, then escaped by camsweep's one markup escaper (quotes included).
fn attr(text: &str) -> String {
    let allowed: String = text
        .chars()
        .map(|c| match c {
            '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    sanitize::markup(&allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn every_device_is_a_host_with_its_identification() {
        let report = sample_report();
        let xml = render_nmap_xml(&report);
        let doc = host_start_tags(&xml);
        assert_eq!(doc.len(), report.devices.len());
        for device in &report.devices {
            let needle = format!("<address addr=\"{}\" addrtype=\"ipv4\"/>", device.ip);
            assert!(xml.contains(&needle), "missing {needle}");
            if let Some(vendor) = &device.identity.vendor {
                assert!(xml.contains(&attr(vendor)), "missing vendor {vendor}");
            }
        }
        assert!(xml.starts_with("<?xml"));
        assert!(xml.trim_end().ends_with("</nmaprun>"));
    }

    #[test]
    fn hostile_text_cannot_break_the_markup() {
        let mut report = sample_report();
        report.devices[0].identity.model = Some("X\"/><script>\u{1b}[31m\u{202e}".into());
        report.devices[0].hostname = Some("a<b>&'c".into());
        let xml = render_nmap_xml(&report);
        assert!(!xml.contains("<script>"));
        assert!(!xml.contains('\u{1b}'));
        assert!(!xml.contains('\u{202e}'));
        assert!(xml.contains("a&lt;b&gt;&amp;&#x27;c"));
        // Still well-formed: quick-xml reads it to the end.
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(err) => panic!("not well-formed: {err}"),
            }
        }
    }

    /// The `<host>` start tags, read with a real XML parser.
    fn host_start_tags(xml: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut hosts = Vec::new();
        loop {
            match reader.read_event().expect("well-formed") {
                quick_xml::events::Event::Start(e) if e.name().0 == "host" => {
                    hosts.push(e.name().0.to_string())
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        hosts
    }
}
