//! What the claims, the vocabulary and the brand lexicon decide, on real device strings from
//! public fingerprint databases (Rapid7 Recog `xml/*.xml`, BSD-2-Clause, as copied to
//! shared/data/recog/) and vendor catalogue model numbers. None is from the evaluation corpus.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use super::*;
use crate::model::{DeviceType, Evidence, FaceRecognition, HostObservation, OpenPort};

fn db() -> &'static SignatureDb {
    static DB: OnceLock<SignatureDb> = OnceLock::new();
    DB.get_or_init(|| crate::bundle::builtin_devices().unwrap_or_else(|e| panic!("bundled: {e}")))
}

fn host(mac: Option<&str>, atoms: &[(&str, &str)], ports: &[u16]) -> HostObservation {
    let mut h = HostObservation::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 20)));
    h.mac = mac.map(str::to_string);
    for (source, value) in atoms {
        h.push_evidence(Evidence::new(*source, None, *value));
    }
    for p in ports {
        h.open_ports.push(OpenPort {
            port: *p,
            protocol: "tcp".into(),
            service: "unknown".into(),
        });
    }
    h
}

fn is_surveillance(t: DeviceType) -> bool {
    !matches!(t, DeviceType::Other | DeviceType::Unknown)
}

/// A face terminal whose WS-Discovery `hardware` scope states its model, and nothing else, is a
/// face terminal recognising faces; so is one whose UPnP description or mDNS TXT states it.
#[test]
fn face_terminal_model_from_any_discovery_source() {
    for atoms in [
        vec![("wsd.hardware", "DS-K1T671M"), ("wsd.name", "HIKVISION")],
        vec![("ssdp.model_number", "DS-K1T341AM")],
        vec![("dhdiscover.device_type", "DHI-ASI7213X-T1")],
        vec![("mdns.txt", "md=SpeedFace-V5L")],
        vec![("onvif.model", "OET-213H-BTS1")],
    ] {
        let id = identify(db(), &host(None, &atoms, &[])).identity;
        assert_eq!(id.device_type, DeviceType::FaceTerminal, "{atoms:?}");
        assert_eq!(id.face_recognition, FaceRecognition::Yes, "{atoms:?}");
    }
    let id = identify(db(), &host(None, &[("wsd.hardware", "DS-K1T671M")], &[])).identity;
    assert_eq!(id.model.as_deref(), Some("DS-K1T671M"));
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
}

/// Recorder words in a title, and recorder model numbers stated anywhere, make an `nvr`.
#[test]
fn recorders_are_nvr() {
    for atoms in [
        vec![("http.title", "Network Video Recorder Login")],
        vec![("http.title", "Web Viewer for Samsung DVR")],
        vec![("ssdp.model", "DS-7608NI-K2")],
        vec![("wsd.hardware", "XVR5108HS")],
    ] {
        let id = identify(db(), &host(None, &atoms, &[])).identity;
        assert_eq!(id.device_type, DeviceType::Nvr, "{atoms:?}");
    }
}

/// An FTP greeting with its reply code still names a camera and its maker.
#[test]
fn ftp_greeting_with_reply_code() {
    let banner = "220 AXIS 214 PTZ Network Camera 4.49 (Oct 05 2009) ready.\\x0d\\x0a";
    let id = identify(db(), &host(None, &[("tcp.banner", banner)], &[21])).identity;
    assert_eq!(id.device_type, DeviceType::Camera);
    assert_eq!(id.vendor.as_deref(), Some("Axis"));
    assert!(
        id.signatures.iter().any(|s| s == "vocab:camera"),
        "{:?}",
        id.signatures
    );
}

/// A brand inside a certificate subject names the vendor, and the words that decided are named.
#[test]
fn brand_and_words_in_a_certificate() {
    let subject = "CN=11111111111d,OU=2N IP Intercoms,O=2N Telekomunikace a.s.,L=Prague,ST=Czech Republic,C=CZ";
    let id = identify(db(), &host(None, &[("tls.subject", subject)], &[443])).identity;
    assert_eq!(id.vendor.as_deref(), Some("2N"));
    assert_eq!(id.device_type, DeviceType::Doorbell);
    assert!(
        id.signatures.iter().any(|s| s == "vocab:door-station"),
        "{:?}",
        id.signatures
    );
}

/// An OEM brand is reported as the brand, with the maker whose firmware it runs.
#[test]
fn oem_brand_reports_brand_and_maker() {
    let id = identify(
        db(),
        &host(None, &[("ssdp.manufacturer", "Amcrest Technologies")], &[]),
    )
    .identity;
    assert_eq!(id.vendor.as_deref(), Some("Amcrest"));
    assert_eq!(id.maker.as_deref(), Some("Dahua"));
    let id = identify(db(), &host(None, &[("http.realm", "hikvision")], &[])).identity;
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(id.maker, None);
}

/// The MAC prefix of a surveillance-only maker plus an answering RTSP port is a camera; the
/// prefix alone (port 80 says nothing) is only a likely one, and a router maker's prefix with
/// RTSP does not invoke the rule.
#[test]
fn surveillance_maker_mac_with_rtsp() {
    let hik = "00:bc:99:12:34:56";
    let id = identify(db(), &host(Some(hik), &[], &[554])).identity;
    assert_eq!(id.device_type, DeviceType::Camera);
    assert_eq!(id.type_basis, None);
    assert!(id.signatures.iter().any(|s| s == "oui:surveillance-maker"));
    let id = identify(db(), &host(Some(hik), &[], &[80])).identity;
    assert_eq!(id.type_basis, Some(crate::model::TypeBasis::MacMakerOnly));
    assert!(
        id.signatures
            .iter()
            .any(|s| s == "oui:surveillance-maker-only")
    );
    let tp_link = "00:0a:eb:12:34:56";
    let id = identify(db(), &host(Some(tp_link), &[], &[554])).identity;
    assert!(!id.signatures.iter().any(|s| s == "oui:surveillance-maker"));
}

/// Decoys are not called surveillance gear: NAS, router, environment monitor, words inside words.
#[test]
fn decoys_are_not_surveillance() {
    for atoms in [
        vec![("http.title", "DS218 - Synology DiskStation")],
        vec![("http.realm", "TP-LINK Wireless AP WR702N")],
        vec![(
            "http.title",
            "AVTECH Software, Inc. - Room Alert 11E - Advanced Computer Room Environment Monitoring, Alerting & Automatic Corrective Action",
        )],
        vec![("http.title", "Graylog Web Interface")],
        vec![("http.title", "Synology Router - synology")],
    ] {
        let id = identify(db(), &host(None, &atoms, &[])).identity;
        assert!(!is_surveillance(id.device_type), "{atoms:?}: {id:?}");
        assert_ne!(id.face_recognition, FaceRecognition::Yes, "{atoms:?}");
    }
}

/// Chinese words decide as English ones do.
#[test]
fn chinese_vocabulary() {
    let id = identify(
        db(),
        &host(None, &[("http.title", "海康威视网络硬盘录像机")], &[]),
    )
    .identity;
    assert_eq!(id.device_type, DeviceType::Nvr);
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    let id = identify(
        db(),
        &host(None, &[("ssdp.friendly_name", "人脸识别终端")], &[]),
    )
    .identity;
    assert_eq!(id.face_recognition, FaceRecognition::Yes);
}

/// The lexicon is large enough, sourced, and marks surveillance-only brands.
#[test]
fn lexicon_has_sourced_brands() {
    let brands = db().brands();
    assert!(brands.len() >= 150, "{} brands", brands.len());
    assert!(brands.iter().all(|b| !b.source.trim().is_empty()));
    assert!(brands.iter().filter(|b| b.surveillance_only).count() >= 100);
    for zh in [
        "海康威视",
        "大华",
        "宇视",
        "天地伟业",
        "萤石",
        "乐橙",
        "雄迈",
    ] {
        assert!(
            brands.iter().any(|b| b.aliases.iter().any(|a| a == zh)),
            "{zh} missing"
        );
    }
}

/// A maker nobody wrote a brand entry for is named as the device names itself in its ONVIF
/// manufacturer field; a placeholder or a class word there names nobody, and a decoy's
/// manufacturer field does not make it surveillance. (Synthetic values: the rule is about the
/// field, not about any maker's string.)
#[test]
fn stated_manufacturer_names_an_unknown_maker() {
    let nvt = ("wsd.types", "dn:NetworkVideoTransmitter");
    let id = identify(
        db(),
        &host(None, &[nvt, ("onvif.manufacturer", "Zorblax Optics")], &[]),
    )
    .identity;
    assert_eq!(id.vendor.as_deref(), Some("Zorblax Optics"));
    assert!(id.signatures.iter().any(|s| s == "vendor:stated"));
    for placeholder in ["IPCAM", "General", "ONVIF"] {
        let id = identify(
            db(),
            &host(None, &[nvt, ("onvif.manufacturer", placeholder)], &[]),
        )
        .identity;
        assert_eq!(id.vendor, None, "{placeholder}");
    }
    let id = identify(
        db(),
        &host(None, &[("ssdp.manufacturer", "Zorblax Optics")], &[]),
    )
    .identity;
    assert_eq!(
        id.vendor, None,
        "not surveillance, so not named by this rule"
    );
}

/// A routed host's MAC is never seen, but a realm that is nothing but a MAC states it: the IEEE
/// prefix then names the maker (Hikvision's registered 00BC99 here), and with RTSP answering the
/// surveillance-maker rule types it. A realm merely containing hex digits states no MAC.
#[test]
fn mac_form_realm_is_looked_up() {
    let id = identify(db(), &host(None, &[("rtsp.realm", "00bc99123456")], &[554])).identity;
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(id.device_type, DeviceType::Camera);
    let id = identify(
        db(),
        &host(None, &[("rtsp.realm", "Login to 00bc99123456")], &[554]),
    )
    .identity;
    assert_ne!(id.vendor.as_deref(), Some("Hikvision"));
}

/// A certificate issued by a recorder's CA names the maker but does not make the device a
/// recorder; the subject still types it.
#[test]
fn issuer_words_do_not_type_the_device() {
    let issuer = (
        "tls.issuer",
        "CN=NVR; O=Hangzhou Hikvision Digital Technology Co.,Ltd.",
    );
    let id = identify(db(), &host(None, &[issuer], &[443])).identity;
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(id.device_type, DeviceType::Camera);
    let id = identify(
        db(),
        &host(None, &[issuer, ("tls.subject", "CN=NVR")], &[443]),
    )
    .identity;
    assert_eq!(id.device_type, DeviceType::Nvr);
}
