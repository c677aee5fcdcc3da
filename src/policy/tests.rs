//! Evaluator tests per rule family, on devices as the scan reports them (real models, real atoms).

use super::*;
use crate::model::{
    CloudCategory, CloudContact, ContactScope, Device, DeviceType, Evidence, FaceRecognition,
    Finding, Identity, Severity, TrafficPattern,
};

fn device(
    ip: &str,
    vendor: &str,
    model: &str,
    t: DeviceType,
    face: FaceRecognition,
    atoms: &[(&str, &str)],
) -> Device {
    Device {
        id: Device::id_for(ip),
        ip: ip.into(),
        mac: None,
        mac_vendor: None,
        hostname: None,
        open_ports: vec![],
        identity: Identity {
            vendor: Some(vendor.into()),
            maker: None,
            model: Some(model.into()),
            firmware: None,
            device_type: t,
            type_basis: None,
            face_recognition: face,
            confidence: 0.93,
            signatures: vec!["hikvision-http-appwebs".into()],
        },
        evidence: atoms
            .iter()
            .map(|(s, v)| Evidence::new(*s, Some(80), *v))
            .collect(),
        cloud_contacts: vec![],
        upstream_timeline: vec![],
        cloud_indications: Vec::new(),
        cut_short: Vec::new(),
        data_store: None,
        other_addresses: Vec::new(),
    }
}

/// Hikvision MinMoe DS-K1T671M face terminal (its web server and ISAPI answer as on the real device).
fn minmoe() -> Device {
    device(
        "198.18.0.13",
        "Hikvision",
        "DS-K1T671M",
        DeviceType::FaceTerminal,
        FaceRecognition::Yes,
        &[
            ("http.server", "App-webs/"),
            (
                "tls.subject",
                "CN=www.hikvision.com, OU=DS-K1T671M, O=HIKVISION",
            ),
        ],
    )
}

/// Hikvision DeepinView face-capture camera uploading face snapshots to a face API abroad.
fn deepinview_uploading() -> Device {
    let mut d = device(
        "198.18.0.12",
        "Hikvision",
        "iDS-2CD7146G0-IZS",
        DeviceType::Camera,
        FaceRecognition::Yes,
        &[(
            "tls.subject",
            "CN=www.hikvision.com, OU=iDS-2CD7146G0-IZS, O=HIKVISION",
        )],
    );
    d.cloud_contacts.push(CloudContact {
        destination: "203.0.113.40".into(),
        port: 443,
        protocol: "tcp".into(),
        name: Some("api-us.faceplusplus.com".into()),
        name_source: Some("sni".into()),
        provider: Some("Face++ (Megvii)".into()),
        service: Some("face API".into()),
        category: CloudCategory::FaceApi,
        country: Some("US".into()),
        bytes_up: 3 << 20,
        bytes_down: 40_000,
        packets_up: 2400,
        first_seen: "2026-11-23T09:00:00Z".into(),
        last_seen: "2026-11-23T09:12:00Z".into(),
        upload: true,
        scope: Some(ContactScope::Internet),
        pattern: Some(TrafficPattern::Snapshots),
        upload_reason: None,
    });
    d
}

fn plain_camera() -> Device {
    device(
        "198.18.0.11",
        "Hikvision",
        "DS-2CD2143G0-I",
        DeviceType::Camera,
        FaceRecognition::No,
        &[
            ("http.server", "App-webs/"),
            ("rtsp.realm", "IP Camera(C1214)"),
        ],
    )
}

fn run(jurisdictions: &[&str], site: Option<&str>, devices: &[Device]) -> Vec<Finding> {
    run_all(jurisdictions, site, devices).findings
}

fn run_all(jurisdictions: &[&str], site: Option<&str>, devices: &[Device]) -> Evaluation {
    let rules = crate::bundle::builtin_rules().unwrap();
    let site = site.map(|t| SiteDeclaration::parse("site.toml", t).unwrap());
    let j: Vec<String> = jurisdictions.iter().map(ToString::to_string).collect();
    evaluate_all(
        PolicyInput {
            rules: &rules,
            jurisdictions: &j,
            site: site.as_ref(),
        },
        devices,
    )
}

/// Every rule a set of findings cites (findings merge the rules of one device and theme).
fn rules_of(findings: &[Finding]) -> Vec<&str> {
    findings
        .iter()
        .flat_map(|f| std::iter::once(&f.rule).chain(&f.rules))
        .map(String::as_str)
        .collect()
}

fn get<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule == rule || f.rules.iter().any(|r| r == rule))
        .unwrap_or_else(|| panic!("{rule} not in {:?}", rules_of(findings)))
}

fn verify_rules(e: &Evaluation) -> Vec<&str> {
    e.to_verify
        .iter()
        .flat_map(|v| &v.rules)
        .map(String::as_str)
        .collect()
}

fn contact(
    dest: &str,
    category: &str,
    country: Option<&str>,
    pattern: &str,
    port: u16,
) -> CloudContact {
    CloudContact {
        destination: dest.into(),
        port,
        protocol: "tcp".into(),
        name: None,
        name_source: None,
        provider: None,
        service: None,
        category: category.parse().unwrap(),
        country: country.map(Into::into),
        bytes_up: 2 << 20,
        bytes_down: 10_000,
        packets_up: 1500,
        first_seen: "2026-11-23T09:00:00Z".into(),
        last_seen: "2026-11-23T09:12:00Z".into(),
        upload: true,
        upload_reason: None,
        scope: Some(ContactScope::Internet),
        pattern: Some(pattern.parse().unwrap()),
    }
}

const SIGN_ONLY_SHOP: &str = r#"schema_version = 1
name = "Shop"
kind = "shop"
consent = "sign_only"
non_face_alternative = false
minors_present = false
private_spaces = []
pia_on_file = true
xborder_mechanism = false
[[notice]]
location = "entrance"
text = "您已进入视频监控区域"
discloses = ["video_surveillance", "processor_contact"]
[[device]]
ip = "198.18.0.13"
purpose = "attendance"
area = "staff"
[[device]]
ip = "198.18.0.11"
purpose = "security"
area = "public"
"#;

/// The face terminal with no alternative offered breaks FRM Art. 10; the consent finding quotes
/// the identity evidence and the declared fact, and is definite.
#[test]
fn face_terminal_without_alternative() {
    let f = run(&["cn"], Some(SIGN_ONLY_SHOP), &[minmoe()]);
    let alt = get(&f, "CN-FRM-10-ALTERNATIVE");
    assert_eq!(alt.severity, Severity::High);
    assert_eq!(alt.theme.as_deref(), Some("consent"));
    assert!(!alt.conditional);
    assert_eq!(alt.device.as_deref(), Some("d-198.18.0.13"));
    assert!(
        alt.evidence
            .iter()
            .any(|e| e.contains("Hikvision DS-K1T671M face_terminal")),
        "{:?}",
        alt.evidence
    );
    assert!(
        alt.evidence.iter().any(|e| e.contains("OU=DS-K1T671M")),
        "{:?}",
        alt.evidence
    );
    assert!(
        alt.evidence
            .contains(&"site.toml: site.non_face_alternative = false".to_string()),
        "{:?}",
        alt.evidence
    );
    assert!(
        alt.legal_basis
            .iter()
            .any(|b| b.contains("《人脸识别技术应用安全管理办法》第十条"))
    );
    // One finding per theme: consent cites PIPL 29, FRM 6, FRM 10 and CRPL 29 together.
    for rule in ["CN-PIPL-29-SEPCONSENT", "CN-FRM-6-CONSENT", "CN-CRPL-29"] {
        assert!(
            alt.rules.iter().any(|r| r == rule),
            "{rule}: {:?}",
            alt.rules
        );
    }
    assert!(get(&f, "CN-FRM-5-NOTICE").theme.as_deref() == Some("notice"));
    // Declared, not in a private space, no minors, PIA on file: those rules stay silent.
    for rule in [
        "SITE-UNDECLARED-DEVICE",
        "CN-FRM-13-PRIVATE",
        "CN-PIPL-31-MINORS",
        "CN-FRM-7-MINORS",
        "CN-PIPL-55-PIA",
    ] {
        assert!(
            !rules_of(&f).contains(&rule),
            "{rule} fired: {:?}",
            rules_of(&f)
        );
    }
    // Offering an alternative clears FRM Art. 10.
    let fixed = SIGN_ONLY_SHOP.replace(
        "non_face_alternative = false",
        "non_face_alternative = true",
    );
    let f = run(&["cn"], Some(&fixed), &[minmoe()]);
    assert!(!rules_of(&f).contains(&"CN-FRM-10-ALTERNATIVE"));
}

/// A face camera uploading to a face API abroad: FRM Art. 8 escalates to critical, PIPL Art. 38
/// fires, the recipient is not named, the device is not declared; evidence quotes the contact.
#[test]
fn face_camera_uploading_abroad() {
    let e = run_all(&["cn"], Some(SIGN_ONLY_SHOP), &[deepinview_uploading()]);
    let f = &e.findings;
    let local = get(f, "CN-FRM-8-LOCALSTORE");
    assert_eq!(local.severity, Severity::Critical);
    assert!(
        local.evidence.iter().any(|e| e.starts_with("cloud: 3.0 MiB uploaded to api-us.faceplusplus.com (203.0.113.40:443 tcp, face_api, Face++ (Megvii), US)")),
        "{:?}",
        local.evidence
    );
    assert_eq!(get(f, "CN-PIPL-38-XBORDER").severity, Severity::Critical);
    assert!(rules_of(f).contains(&"SITE-UNNAMED-RECIPIENT"));
    assert!(rules_of(f).contains(&"SITE-UNDECLARED-DEVICE"));
    assert!(rules_of(f).contains(&"CN-PIPL-21-ENTRUSTED"));
    // Whether the face API uses the faces for its own purposes is for the inspector to check.
    assert!(!rules_of(f).contains(&"CN-PIPL-23-THIRDPARTY"));
    assert!(verify_rules(&e).contains(&"CN-PIPL-23-THIRDPARTY"));
    assert_eq!(f[0].severity, Severity::Critical, "sorted by severity");
    assert!(f.len() <= 6, "{:?}", rules_of(f));
    // PIPL rules show the Art. 66 penalty.
    assert!(
        local.legal_basis.iter().any(|b| b.contains("第六十六条")),
        "{:?}",
        local.legal_basis
    );
    // Under the EU and Illinois packs the same upload is a transfer and a disclosure.
    let eu = run(
        &["eu", "us-il"],
        Some(SIGN_ONLY_SHOP),
        &[deepinview_uploading()],
    );
    for rule in [
        "EU-GDPR-9",
        "EU-GDPR-44-XFER",
        "EU-AIA-5-1-E",
        "US-IL-BIPA-15B",
        "US-IL-BIPA-15D",
    ] {
        assert!(rules_of(&eu).contains(&rule), "{rule}: {:?}", rules_of(&eu));
    }
    assert!(!rules_of(&eu).iter().any(|r| r.starts_with("CN-")));
}

/// GDPR Art. 44 honours adequacy decisions: an upload to Japan is not a finding, one to an
/// unknown country is a check, not a finding.
#[test]
fn gdpr_transfer_honours_adequacy() {
    let mut cam = plain_camera();
    cam.cloud_contacts.push(contact(
        "203.0.113.9",
        "vendor_cloud",
        Some("JP"),
        "video_stream",
        443,
    ));
    let e = run_all(&["eu"], Some(SIGN_ONLY_SHOP), std::slice::from_ref(&cam));
    assert!(!rules_of(&e.findings).contains(&"EU-GDPR-44-XFER"));
    cam.cloud_contacts[0].country = None;
    let e = run_all(&["eu"], Some(SIGN_ONLY_SHOP), &[cam]);
    assert!(!rules_of(&e.findings).contains(&"EU-GDPR-44-XFER"));
    assert!(verify_rules(&e).contains(&"EU-GDPR-44-XFER"));
}

/// A plain camera with a posted CCTV sign: no sign or face finding, in either language.
#[test]
fn plain_camera_with_cctv_sign_is_clean() {
    let f = run(&["cn"], Some(SIGN_ONLY_SHOP), &[plain_camera()]);
    assert!(f.is_empty(), "{:?}", rules_of(&f));
    // Without the sign it needs one (PIPL 26, PSVIS 13) — one notice finding citing both, medium
    // for a camera without face recognition.
    let no_sign = SIGN_ONLY_SHOP.replace(
        "discloses = [\"video_surveillance\", \"processor_contact\"]",
        "discloses = []",
    );
    let f = run(&["cn"], Some(&no_sign), &[plain_camera()]);
    assert_eq!(f.len(), 1, "{:?}", rules_of(&f));
    assert_eq!(f[0].rules, ["CN-PIPL-26-SIGN", "CN-PSVIS-13-SIGN"]);
    assert!(f[0].severity == Severity::Medium && !f[0].conditional);
    // In a back office (not a public place) neither sign rule applies.
    let back = no_sign.replace("area = \"public\"", "area = \"staff\"");
    assert!(run(&["cn"], Some(&back), &[plain_camera()]).is_empty());
    // A recorder captures nothing: no sign rule for it.
    let mut nvr = plain_camera();
    nvr.identity.device_type = DeviceType::Nvr;
    assert!(run(&["cn"], Some(&no_sign), &[nvr]).is_empty());
}

/// A face-payment terminal at a till films no area: the video-surveillance sign rule (PSVIS
/// Art. 13) is for cameras, doorbells and plate cameras, not for it. Its PIPL Art. 26 sign is one
/// saying face recognition is used, and what a notice must say is the Face Recognition Measures'
/// (FRM Art. 5). A people counter and a recorder get no PSVIS sign finding either; a camera does.
#[test]
fn face_payment_terminal_gets_the_face_notice_not_the_video_sign() {
    let terminal = device(
        "198.18.0.21",
        "WeChat Pay",
        "青蛙Pro",
        DeviceType::FaceTerminal,
        FaceRecognition::Yes,
        &[("http.title", "青蛙Pro")],
    );
    let site = |discloses: &str| {
        format!(
            "schema_version = 1\nkind = \"shop\"\nconsent = \"sign_only\"\n[[notice]]\nlocation = \"till\"\ntext = \"x\"\ndiscloses = [{discloses}]\n[[device]]\nip = \"198.18.0.21\"\nlocation = \"till 1\"\narea = \"public\"\npurpose = \"payment\"\n"
        )
    };
    // No sign at all: the notice finding cites PIPL Art. 26 and FRM Art. 5, never PSVIS Art. 13.
    let e = run_all(&["cn"], Some(&site("")), std::slice::from_ref(&terminal));
    let notice = get(&e.findings, "CN-FRM-5-NOTICE");
    assert!(
        notice.rules.iter().any(|r| r == "CN-PIPL-26-SIGN"),
        "{:?}",
        notice.rules
    );
    assert!(!rules_of(&e.findings).contains(&"CN-PSVIS-13-SIGN"));
    assert!(!verify_rules(&e).contains(&"CN-PSVIS-13-SIGN"));
    // A CCTV sign does not tell people a till recognises faces.
    let e = run_all(
        &["cn"],
        Some(&site("\"video_surveillance\"")),
        std::slice::from_ref(&terminal),
    );
    assert!(rules_of(&e.findings).contains(&"CN-PIPL-26-SIGN"));
    assert!(!rules_of(&e.findings).contains(&"CN-PSVIS-13-SIGN"));
    // A "face payment accepted" sign is its sign; the notice's missing contents stay FRM Art. 5's.
    let e = run_all(
        &["cn"],
        Some(&site("\"face_recognition\"")),
        std::slice::from_ref(&terminal),
    );
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-26-SIGN"));
    assert!(!rules_of(&e.findings).contains(&"CN-PSVIS-13-SIGN"));
    assert!(rules_of(&e.findings).contains(&"CN-FRM-5-NOTICE"));
    // Without a declaration the terminal's sign is a check about a face-recognition sign only.
    let e = run_all(&["cn"], None, std::slice::from_ref(&terminal));
    assert!(!verify_rules(&e).contains(&"CN-PSVIS-13-SIGN"));
    let sign = e
        .to_verify
        .iter()
        .find(|v| v.rules.iter().any(|r| r == "CN-PIPL-26-SIGN"))
        .expect("a sign check for the terminal");
    assert!(
        sign.check
            .iter()
            .all(|c| !c.en.contains("video surveillance")),
        "{:?}",
        sign.check
    );
    // A camera, a people counter and a recorder in the same public spot with no sign.
    let mut cam = plain_camera();
    cam.ip = "198.18.0.21".into();
    cam.id = Device::id_for(&cam.ip);
    let mut counter = cam.clone();
    counter.identity.device_type = DeviceType::PeopleCounter;
    let mut nvr = cam.clone();
    nvr.identity.device_type = DeviceType::Nvr;
    assert!(rules_of(&run(&["cn"], Some(&site("")), &[cam])).contains(&"CN-PSVIS-13-SIGN"));
    let f = run(&["cn"], Some(&site("")), &[counter]);
    assert!(!rules_of(&f).contains(&"CN-PSVIS-13-SIGN"));
    assert!(
        rules_of(&f).contains(&"CN-PIPL-26-SIGN"),
        "{:?}",
        rules_of(&f)
    );
    let e = run_all(&["cn"], Some(&site("")), &[nvr]);
    assert!(e.findings.is_empty(), "{:?}", rules_of(&e.findings));
    assert!(!verify_rules(&e).iter().any(|r| r.ends_with("-SIGN")));
}

/// A face-capable camera at an entrance, declared with no notice posted: a high notice finding.
#[test]
fn face_camera_at_entrance_without_notice_is_high() {
    let site = "schema_version = 1\nkind = \"shop\"\nnotice = []\n[[device]]\nip = \"198.18.0.12\"\nlocation = \"entrance\"\narea = \"public\"\npurpose = \"security\"\n";
    let mut cam = deepinview_uploading();
    cam.cloud_contacts.clear();
    let f = run(&["cn"], Some(site), &[cam]);
    let notice = get(&f, "CN-PIPL-26-SIGN");
    assert_eq!(notice.severity, Severity::High);
    assert_eq!(notice.theme.as_deref(), Some("notice"));
}

/// The same face camera declared only by where it hangs ("Entrance", "门店入口"), with no `area`
/// and no notice: the location names a public spot, so the missing sign is a definite high
/// finding whose evidence quotes the location. A location naming no spot leaves the area unknown
/// (a check on site, not a finding); one naming a stock room is not a public place.
#[test]
fn entrance_location_implies_public_area() {
    let mut cam = deepinview_uploading();
    cam.cloud_contacts.clear();
    let site = |location: &str| {
        format!(
            "schema_version = 1\nkind = \"shop\"\nnotice = []\n[[device]]\nip = \"198.18.0.12\"\nlocation = \"{location}\"\npurpose = \"security\"\n"
        )
    };
    for location in ["Entrance", "门店入口"] {
        let e = run_all(&["cn"], Some(&site(location)), std::slice::from_ref(&cam));
        let notice = get(&e.findings, "CN-PIPL-26-SIGN");
        assert_eq!(notice.severity, Severity::High, "{location}");
        assert!(!notice.conditional, "{location}");
        assert!(
            notice
                .evidence
                .iter()
                .any(|l| l.contains("device.public_area = true") && l.contains(location)),
            "{location}: {:?}",
            notice.evidence
        );
    }
    let e = run_all(&["cn"], Some(&site("pole 3")), std::slice::from_ref(&cam));
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-26-SIGN"));
    assert!(verify_rules(&e).contains(&"CN-PIPL-26-SIGN"));
    let e = run_all(
        &["cn"],
        Some(&site("stock room")),
        std::slice::from_ref(&cam),
    );
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-26-SIGN"));
    assert!(!verify_rules(&e).contains(&"CN-PIPL-26-SIGN"));
}

/// The Kohler pattern: a people counter uploading face snapshots to the vendor's cloud is a high
/// finding citing FRM Art. 8, PIPL Art. 29 and CRPL Art. 29, with no declaration and with one
/// declaring no consent.
#[test]
fn kohler_pattern_is_high_with_or_without_declaration() {
    let mut counter = device(
        "198.18.0.15",
        "Hikvision",
        "iDS-2CD6810F/C",
        DeviceType::PeopleCounter,
        FaceRecognition::Yes,
        &[("tls.subject", "CN=www.hikvision.com, OU=iDS-2CD6810F/C")],
    );
    counter.cloud_contacts.push(contact(
        "203.0.113.20",
        "vendor_cloud",
        Some("CN"),
        "snapshots",
        443,
    ));
    for site in [None, Some("schema_version = 1\nconsent = \"none\"\n")] {
        let e = run_all(&["cn"], site, std::slice::from_ref(&counter));
        let f = &e.findings;
        let transfer = get(f, "CN-FRM-8-LOCALSTORE");
        assert_eq!(transfer.severity, Severity::High, "{site:?}");
        assert!(transfer.legal_basis.iter().any(|b| b.contains("第八条")));
        let consent = get(f, "CN-PIPL-29-SEPCONSENT");
        assert_eq!(consent.severity, Severity::High, "{site:?}");
        assert!(consent.rules.iter().any(|r| r == "CN-CRPL-29"));
        assert!(consent.legal_basis.iter().any(|b| b.contains("第六十六条")));
        assert!(f.len() <= 6, "{:?}", rules_of(f));
        if site.is_none() {
            // What would make it lawful is for the inspector to check, and the finding says so.
            assert!(!transfer.lawful_if.is_empty());
            assert!(e.to_verify.iter().any(|v| v.kind == "lawful_if"
                && v.rules.iter().any(|r| r == "CN-FRM-8-LOCALSTORE")
                && v.finding.as_deref() == Some(transfer.id.as_str())));
        } else {
            // Consent is answered by the declaration; only the cloud contract is left to check.
            assert!(
                !transfer.lawful_if.iter().any(|c| c.en.contains("consent")),
                "{:?}",
                transfer.lawful_if
            );
            assert!(
                transfer
                    .evidence
                    .iter()
                    .any(|l| l == "site.toml: site.consent = none")
            );
        }
    }
}

/// A capable face camera with no sign of use gets no "processed" finding: the question whether
/// face recognition is on is a check; declaring it off silences it.
#[test]
fn capable_but_unused_face_device_is_not_processing() {
    let mut cam = deepinview_uploading();
    cam.cloud_contacts.clear();
    let e = run_all(&["cn"], None, std::slice::from_ref(&cam));
    assert!(e.findings.is_empty(), "{:?}", rules_of(&e.findings));
    assert!(verify_rules(&e).contains(&"CN-PIPL-29-SEPCONSENT"));
    let check = e
        .to_verify
        .iter()
        .find(|v| v.rules.iter().any(|r| r == "CN-PIPL-29-SEPCONSENT"))
        .unwrap();
    assert!(
        check
            .check
            .iter()
            .any(|c| c.en.contains("face recognition is switched on")),
        "{check:?}"
    );
    let off = "schema_version = 1\nconsent = \"none\"\n[[device]]\nip = \"198.18.0.12\"\nface_recognition = false\n";
    let e = run_all(&["cn"], Some(off), &[cam]);
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-29-SEPCONSENT"));
    assert!(!verify_rules(&e).contains(&"CN-PIPL-29-SEPCONSENT"));
}

/// A vendor cloud storing footage for the shop is entrusted processing (PIPL Art. 21), not
/// provision to another processor (Art. 23).
#[test]
fn entrusted_cloud_processing_is_not_art_23() {
    let mut cam = plain_camera();
    cam.cloud_contacts.push(contact(
        "203.0.113.30",
        "vendor_cloud",
        Some("CN"),
        "video_stream",
        443,
    ));
    let site = SIGN_ONLY_SHOP.replace(
        "pia_on_file = true\n",
        "pia_on_file = true\nprocessing_contract = false\nrecipient_own_use = false\n",
    );
    let e = run_all(&["cn"], Some(&site), std::slice::from_ref(&cam));
    assert!(rules_of(&e.findings).contains(&"CN-PIPL-21-ENTRUSTED"));
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-23-THIRDPARTY"));
    assert!(!verify_rules(&e).contains(&"CN-PIPL-23-THIRDPARTY"));
    // A contract and an assessment on file answer it.
    let ok = site.replace("processing_contract = false", "processing_contract = true");
    assert!(!rules_of(&run(&["cn"], Some(&ok), &[cam])).contains(&"CN-PIPL-21-ENTRUSTED"));
}

/// A small non-sensitive export by a non-CIIO is exempt (CAC Order No. 16 Art. 5): no Art. 38
/// finding; an unknown country is not abroad.
#[test]
fn small_non_sensitive_export_is_not_an_art_38_finding() {
    let mut cam = plain_camera();
    cam.cloud_contacts.push(contact(
        "203.0.113.31",
        "vendor_cloud",
        Some("US"),
        "video_stream",
        443,
    ));
    let small = SIGN_ONLY_SHOP.replace(
        "xborder_mechanism = false\n",
        "xborder_mechanism = false\nciio = false\nexport_people_per_year = 500\n",
    );
    let e = run_all(&["cn"], Some(&small), std::slice::from_ref(&cam));
    assert!(
        !rules_of(&e.findings)
            .iter()
            .any(|r| r.starts_with("CN-PIPL-38"))
    );
    assert!(!verify_rules(&e).iter().any(|r| r.starts_with("CN-PIPL-38")));
    let big = small.replace(
        "export_people_per_year = 500",
        "export_people_per_year = 250000",
    );
    assert!(
        rules_of(&run(&["cn"], Some(&big), std::slice::from_ref(&cam)))
            .contains(&"CN-PIPL-38-XBORDER-GENERAL")
    );
    // Without the numbers it is a check, not a finding.
    let e = run_all(&["cn"], Some(SIGN_ONLY_SHOP), std::slice::from_ref(&cam));
    assert!(
        !rules_of(&e.findings)
            .iter()
            .any(|r| r.starts_with("CN-PIPL-38"))
    );
    assert!(verify_rules(&e).contains(&"CN-PIPL-38-XBORDER-GENERAL"));
    // Faces to a destination whose country is unknown: no cross-border finding.
    let mut face = deepinview_uploading();
    face.cloud_contacts[0].country = None;
    let e = run_all(&["cn"], None, &[face]);
    assert!(
        !e.findings
            .iter()
            .any(|f| f.theme.as_deref() == Some("cross_border"))
    );
    assert!(verify_rules(&e).contains(&"CN-PIPL-38-XBORDER"));
}

/// A device that neither captures nor uploads images gets nothing: a PC uploading to a CDN.
#[test]
fn non_image_device_gets_no_finding_or_check() {
    let mut pc = device(
        "198.18.0.50",
        "Microsoft",
        "Windows",
        DeviceType::Other,
        FaceRecognition::No,
        &[],
    );
    pc.cloud_contacts
        .push(contact("203.0.113.80", "generic_cloud", None, "bulk", 443));
    pc.cloud_contacts
        .push(contact("203.0.113.81", "unknown", Some("US"), "bulk", 80));
    for site in [None, Some(SIGN_ONLY_SHOP)] {
        let e = run_all(&["cn", "eu", "us-il"], site, std::slice::from_ref(&pc));
        assert!(e.findings.is_empty(), "{:?}", rules_of(&e.findings));
        assert!(e.to_verify.is_empty(), "{:?}", verify_rules(&e));
    }
}

/// Children under 14 with a face device: PIPL Art. 31 and FRM Art. 7, critical, unless guardians
/// consented; a school implies minors; a shop that says nothing gets no minors finding or check.
#[test]
fn minors_present() {
    let site = SIGN_ONLY_SHOP.replace("minors_present = false", "minors_present = true");
    let f = run(&["cn"], Some(&site), &[minmoe()]);
    assert_eq!(get(&f, "CN-PIPL-31-MINORS").severity, Severity::Critical);
    assert_eq!(f[0].severity, Severity::Critical);
    assert!(rules_of(&f).contains(&"CN-FRM-7-MINORS"));
    let guardian = site.replace("consent = \"sign_only\"", "consent = \"guardian\"");
    let f = run(&["cn"], Some(&guardian), &[minmoe()]);
    assert!(!rules_of(&f).contains(&"CN-PIPL-31-MINORS"));
    let school = SIGN_ONLY_SHOP
        .replace("minors_present = false\n", "")
        .replace("kind = \"shop\"", "kind = \"school\"");
    assert!(rules_of(&run(&["cn"], Some(&school), &[minmoe()])).contains(&"CN-PIPL-31-MINORS"));
    let silent = SIGN_ONLY_SHOP.replace("minors_present = false\n", "");
    for s in [Some(silent.as_str()), None] {
        let e = run_all(&["cn"], s, &[minmoe()]);
        assert!(!rules_of(&e.findings).contains(&"CN-PIPL-31-MINORS"));
        assert!(!verify_rules(&e).contains(&"CN-PIPL-31-MINORS"));
    }
}

/// A camera declared inside the fitting room: PSVIS Art. 8 with its Art. 27 penalty, critical;
/// FRM Art. 13 only for a face device.
#[test]
fn fitting_room_camera() {
    let site = SIGN_ONLY_SHOP.replace("private_spaces = []", "private_spaces = [\"fitting_room\"]")
        + "[[device]]\nip = \"198.18.0.30\"\nlocation = \"fitting room 2\"\nprivate_space = true\n";
    let cam = device(
        "198.18.0.30",
        "Xiongmai",
        "XM530",
        DeviceType::Camera,
        FaceRecognition::No,
        &[("http.server", "uc-httpd 1.0.0")],
    );
    let f = run(&["cn"], Some(&site), std::slice::from_ref(&cam));
    let p = get(&f, "CN-PSVIS-8-PRIVATE");
    assert_eq!(p.severity, Severity::Critical);
    assert!(p.legal_basis[0].contains("第八条") && p.legal_basis[0].contains("第二十七条"));
    assert!(
        !p.legal_basis[0].ends_with(']'),
        "verified: {}",
        p.legal_basis[0]
    );
    assert!(!rules_of(&f).contains(&"CN-FRM-13-PRIVATE"));
    let mut face = cam.clone();
    face.identity.face_recognition = FaceRecognition::Yes;
    let f = run(&["cn"], Some(&site), &[face]);
    assert!(
        get(&f, "CN-PSVIS-8-PRIVATE")
            .rules
            .iter()
            .any(|r| r == "CN-FRM-13-PRIVATE")
    );
    // Without a declaration nobody knows where the camera hangs, and the rule stays silent.
    let e = run_all(&["cn"], None, &[cam]);
    assert!(!rules_of(&e.findings).contains(&"CN-PSVIS-8-PRIVATE"));
    assert!(!verify_rules(&e).contains(&"CN-PSVIS-8-PRIVATE"));
}

/// Without a site declaration, nothing that depends on it is a finding: those rules are checks
/// that say what to look for and which rule they decide.
#[test]
fn without_a_declaration_conditions_are_checks() {
    let e = run_all(&["cn"], None, &[minmoe(), plain_camera()]);
    assert!(
        e.findings
            .iter()
            .all(|x| !x.conditional && x.conditions.is_empty())
    );
    // The face terminal is in use: consent is the observed pattern, its lawfulness a check.
    let consent = get(&e.findings, "CN-PIPL-29-SEPCONSENT");
    assert_eq!(consent.severity, Severity::Medium);
    assert_eq!(
        consent.lawful_if[0].en,
        "the consent obtained is separate, written or guardian"
    );
    assert!(
        consent.detail.en.contains("to be verified on site"),
        "{}",
        consent.detail.en
    );
    let alt = e
        .to_verify
        .iter()
        .find(|v| v.rules.iter().any(|r| r == "CN-FRM-10-ALTERNATIVE"))
        .unwrap();
    assert_eq!(alt.kind, "applies_if");
    assert!(
        alt.check
            .iter()
            .any(|c| c.en == "no non-face alternative is offered")
    );
    assert!(
        alt.check
            .iter()
            .any(|c| c.zh == "未提供非人脸识别的替代方式")
    );
    let sign = e
        .to_verify
        .iter()
        .find(|v| {
            v.rules.iter().any(|r| r == "CN-PSVIS-13-SIGN")
                && v.device.as_deref() == Some("d-198.18.0.11")
        })
        .unwrap();
    assert!(
        sign.check
            .iter()
            .any(|c| c.en == "the posted notices' contents do not include video surveillance"),
        "{:?}",
        sign.check
    );
    assert!(
        e.to_verify
            .iter()
            .all(|v| !v.check.is_empty() && !v.rule.is_empty())
    );
    // Numbered in order.
    assert_eq!(e.to_verify[0].id, "V-1");
}

/// The 100,000-person filing is a site-wide finding.
#[test]
fn filing_threshold_is_site_wide() {
    let site = SIGN_ONLY_SHOP.replace(
        "schema_version = 1\n",
        "schema_version = 1\nstored_faces = 150000\ncac_filing = false\n",
    );
    let f = run(&["cn"], Some(&site), &[minmoe()]);
    let filing = get(&f, "CN-FRM-15-FILING");
    assert_eq!(filing.device, None);
    assert!(!filing.conditional);
    let small = site.replace("stored_faces = 150000", "stored_faces = 900");
    assert!(!rules_of(&run(&["cn"], Some(&small), &[minmoe()])).contains(&"CN-FRM-15-FILING"));
}

/// `site init` → edit → re-run: the template parses as written, keeps findings conditional, and
/// answering its questions turns them definite or clears them.
#[test]
fn site_template_round_trip() {
    let report = crate::model::Report {
        schema_version: "1".into(),
        tool: crate::model::ToolInfo {
            name: "camsweep".into(),
            version: "0".into(),
        },
        signatures: crate::model::SignatureSetInfo {
            version: "x".into(),
            sha256: "y".into(),
        },
        scan: crate::model::ScanInfo::new(
            crate::model::ScanMode::Audit,
            "2026-11-23T09:00:00Z".into(),
            "2026-11-23T09:01:00Z".into(),
        ),
        site: None,
        devices: vec![minmoe(), plain_camera()],
        findings: vec![],
        to_verify: vec![],
        evidence_files: vec![],
    };
    for lang in ["zh", "en"] {
        let text = site_template(&report, lang);
        assert!(
            text.contains("ip = \"198.18.0.13\"") && text.contains("model = \"DS-K1T671M\""),
            "{text}"
        );
        assert!(text.contains("替代方式") && text.contains("alternative"));
        let e = run_all(&["cn"], Some(&text), &report.devices);
        assert!(!rules_of(&e.findings).contains(&"CN-FRM-10-ALTERNATIVE"));
        assert!(verify_rules(&e).contains(&"CN-FRM-10-ALTERNATIVE"));
        let edited = text
            .replace(
                "# non_face_alternative = false",
                "non_face_alternative = true",
            )
            .replace("# consent = \"sign_only\"", "consent = \"separate\"");
        let f = run(&["cn"], Some(&edited), &report.devices);
        assert!(!rules_of(&f).contains(&"CN-FRM-10-ALTERNATIVE"));
        assert!(!rules_of(&f).contains(&"CN-PIPL-29-SEPCONSENT"));
    }
}

/// The bundled demo declaration parses and matches the lab's addresses.
#[test]
fn demo_site_parses() {
    let bundle = crate::bundle::SignatureBundle::builtin().unwrap();
    let site = bundle.site_text("sites/demo-store.toml").unwrap();
    let site = SiteDeclaration::parse("sites/demo-store.toml", site).unwrap();
    assert_eq!(site.consent.as_deref(), Some("sign_only"));
    assert!(site.device_for("198.18.0.13", None, None).is_some());
    assert!(
        site.device_for("198.18.0.12", None, None).is_none(),
        "the DeepinView is left undeclared on purpose"
    );
}

/// A Hikvision device as SADP reports it with Hik-Connect on (`HCPlatformEnable=true`), the
/// indication built as the scan builds it.
fn with_hik_connect_on(mut d: Device) -> Device {
    d.evidence.push(Evidence::new(
        "sadp.hc_platform_enable",
        Some(37020),
        "true",
    ));
    d.cloud_indications = crate::bundle::builtin_devices()
        .unwrap()
        .cloud_indications()
        .read(&d.evidence);
    d
}

#[test]
fn hik_connect_on_is_a_finding_without_any_traffic() {
    let terminal = with_hik_connect_on(minmoe());
    assert!(terminal.cloud_contacts.is_empty());
    assert_eq!(terminal.cloud_indications[0].kind, "hik_connect_enabled");
    let findings = run(&["cn"], None, &[terminal]);
    let f = get(&findings, "CN-PIPL-21-CLOUD-ENABLED");
    // A face terminal whose cloud is on: high, and the finding quotes the device's own setting.
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.theme.as_deref(), Some("transfer"));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("hik_connect_enabled")
                && e.contains("sadp.hc_platform_enable = true")),
        "{:?}",
        f.evidence
    );
    assert!(
        f.legal_basis.iter().any(|l| l.contains("Art. 21")),
        "{:?}",
        f.legal_basis
    );

    let camera = with_hik_connect_on(plain_camera());
    let findings = run(&["cn"], None, &[camera]);
    assert_eq!(
        get(&findings, "CN-PIPL-21-CLOUD-ENABLED").severity,
        Severity::Medium
    );
}

#[test]
fn no_cloud_indication_is_neither_a_finding_nor_a_check() {
    // Silence is not "off", but it is no evidence either: the rule stays quiet.
    let e = run_all(&["cn"], None, &[plain_camera(), minmoe()]);
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-21-CLOUD-ENABLED"));
    assert!(!verify_rules(&e).contains(&"CN-PIPL-21-CLOUD-ENABLED"));
}

#[test]
fn declared_contract_and_assessment_answer_the_cloud_setting() {
    let site = SIGN_ONLY_SHOP.replace(
        "pia_on_file = true\n",
        "pia_on_file = true\nprocessing_contract = true\nrecipient_own_use = false\n",
    );
    let findings = run(&["cn"], Some(&site), &[with_hik_connect_on(plain_camera())]);
    assert!(!rules_of(&findings).contains(&"CN-PIPL-21-CLOUD-ENABLED"));
}

/// A camera the gateway's UPnP table forwards TCP 8000 to, attached as the scan attaches it.
fn with_port_mapping(mut d: Device) -> Device {
    let mapping = crate::model::PortMapping {
        gateway: "198.18.0.1".into(),
        protocol: "TCP".into(),
        external_port: 8000,
        internal_client: d.ip.clone(),
        internal_port: 8000,
        remote_host: None,
        enabled: true,
        description: "camera 8000".into(),
        lease_seconds: 0,
    };
    let gateway_atom = Evidence::new(
        crate::fingerprint::PORT_MAPPING_SOURCE,
        Some(5000),
        serde_json::to_string(&mapping).unwrap(),
    );
    let mut router = plain_camera();
    router.ip = "198.18.0.1".into();
    router.evidence.push(gateway_atom);
    let mut both = vec![router, d];
    assert!(
        crate::fingerprint::attach_port_mappings(
            crate::bundle::builtin_devices()
                .unwrap()
                .cloud_indications(),
            &mut both
        )
        .is_empty()
    );
    d = both.pop().unwrap();
    d
}

#[test]
fn a_port_opened_on_the_router_is_a_security_finding_not_a_cloud_setting() {
    let camera = with_port_mapping(plain_camera());
    assert_eq!(camera.cloud_indications[0].kind, "upnp_port_mapping");
    let findings = run(&["cn"], None, std::slice::from_ref(&camera));
    let f = get(&findings, "CN-PIPL-51-UPNP-EXPOSED");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.theme.as_deref(), Some("security"));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("upnp_port_mapping") && e.contains("TCP 8000")),
        "{:?}",
        f.evidence
    );
    assert!(f.legal_basis.iter().any(|l| l.contains("Art. 51")));
    // A router's table is not the vendor cloud switched on in the device.
    assert!(!rules_of(&findings).contains(&"CN-PIPL-21-CLOUD-ENABLED"));
    // A face terminal with a port open to the internet: high.
    let findings = run(&["cn"], None, &[with_port_mapping(minmoe())]);
    assert_eq!(
        get(&findings, "CN-PIPL-51-UPNP-EXPOSED").severity,
        Severity::High
    );
    // Without a mapping the rule stays silent (an unread table is not "no port open").
    let e = run_all(&["cn"], None, &[plain_camera()]);
    assert!(!rules_of(&e.findings).contains(&"CN-PIPL-51-UPNP-EXPOSED"));
    assert!(!verify_rules(&e).contains(&"CN-PIPL-51-UPNP-EXPOSED"));
}

/// Dahua 3D people counter (its model signature gives the counting category, no face verdict),
/// declared at the entrance, sending snapshots to the vendor's cloud.
fn dahua_counter_uploading() -> Device {
    let mut d = device(
        "198.18.0.34",
        "Dahua",
        "DH-IPC-HDW8341X-3D",
        DeviceType::PeopleCounter,
        FaceRecognition::Unknown,
        &[("onvif.model", "DH-IPC-HDW8341X-3D")],
    );
    d.cloud_contacts.push(contact(
        "203.0.113.21",
        "vendor_cloud",
        Some("CN"),
        "snapshots",
        443,
    ));
    d
}

const COUNTER_AT_ENTRANCE: &str = r#"schema_version = 1
consent = "sign_only"
[[notice]]
location = "entrance"
text = "您已进入视频监控区域"
discloses = ["video_surveillance"]
[[device]]
ip = "198.18.0.34"
purpose = "footfall"
area = "public"
"#;

/// Every rule of the Face Recognition Measures (CN-FRM-*) a set of rule ids names.
fn frm(rules: &[&str]) -> Vec<String> {
    rules
        .iter()
        .filter(|r| r.starts_with("CN-FRM-"))
        .map(ToString::to_string)
        .collect()
}

/// The Measures cover identifying and verifying people: a counter whose evidence shows only
/// counting gets no FRM finding and no FRM check, neither with a declaration nor without.
#[test]
fn people_counting_gets_no_face_recognition_measures() {
    let counter = dahua_counter_uploading();
    for site in [None, Some(COUNTER_AT_ENTRANCE)] {
        let e = run_all(&["cn"], site, std::slice::from_ref(&counter));
        assert!(
            frm(&rules_of(&e.findings)).is_empty(),
            "{site:?}: {:?}",
            rules_of(&e.findings)
        );
        assert!(
            frm(&verify_rules(&e)).is_empty(),
            "{site:?}: {:?}",
            verify_rules(&e)
        );
        // Not sensitive: no biometric identification, so no separate-consent, necessity,
        // impact-assessment or sensitive-export finding or check.
        for sensitive in [
            "CN-PIPL-28-NECESSITY",
            "CN-PIPL-29-SEPCONSENT",
            "CN-PIPL-38-XBORDER",
            "CN-PIPL-55-PIA",
        ] {
            assert!(
                !rules_of(&e.findings).contains(&sensitive),
                "{site:?}: {sensitive}"
            );
            assert!(
                !verify_rules(&e).contains(&sensitive),
                "{site:?}: {sensitive}"
            );
        }
    }
}

/// CN-FRM-8 needs face recognition: the same snapshots from a counter are not "face information
/// leaving the device", from a face-capable camera they are.
#[test]
fn frm_8_needs_face_identification() {
    let counter = dahua_counter_uploading();
    let e = run_all(&["cn"], None, std::slice::from_ref(&counter));
    assert!(!rules_of(&e.findings).contains(&"CN-FRM-8-LOCALSTORE"));
    assert!(!verify_rules(&e).contains(&"CN-FRM-8-LOCALSTORE"));
    let mut face_camera = counter.clone();
    face_camera.identity.device_type = DeviceType::Camera;
    face_camera.identity.face_recognition = FaceRecognition::Yes;
    let e = run_all(&["cn"], None, std::slice::from_ref(&face_camera));
    assert!(rules_of(&e.findings).contains(&"CN-FRM-8-LOCALSTORE"));
}

/// The PIPL still applies to counting customers in a public area: the purpose rule (Art. 26),
/// the notice rule for attribute analytics (Art. 17) and entrusted processing of the uploaded
/// images (Art. 21).
#[test]
fn people_counting_gets_the_pipl_rules() {
    let counter = dahua_counter_uploading();
    let e = run_all(
        &["cn"],
        Some(COUNTER_AT_ENTRANCE),
        std::slice::from_ref(&counter),
    );
    let rules = rules_of(&e.findings);
    for pipl in [
        "CN-PIPL-26-PURPOSE",
        "CN-PIPL-17-ANALYTICS",
        "CN-PIPL-21-ENTRUSTED",
    ] {
        assert!(rules.contains(&pipl), "{pipl} not in {rules:?}");
    }
    // Entrusted processing of images, not of faces: the transfer finding cites no FRM article.
    let transfer = get(&e.findings, "CN-PIPL-21-ENTRUSTED");
    assert!(
        frm(&transfer
            .rules
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>())
        .is_empty()
    );
    assert!(
        !transfer
            .legal_basis
            .iter()
            .any(|b| b.contains("人脸识别技术应用安全管理办法"))
    );
    // Without a declaration the public area is unknown: the notice and purpose rules are checks.
    let e = run_all(&["cn"], None, std::slice::from_ref(&counter));
    let checks = verify_rules(&e);
    assert!(checks.contains(&"CN-PIPL-17-ANALYTICS"), "{checks:?}");
    assert!(checks.contains(&"CN-PIPL-26-PURPOSE"), "{checks:?}");
}

/// CN-PIPL-17-ANALYTICS is for devices that only count: a face-recognising device at the same
/// place gets the face notice rule instead, never both.
#[test]
fn analytics_notice_is_not_for_face_recognition() {
    let mut kohler = dahua_counter_uploading();
    kohler.identity.face_recognition = FaceRecognition::Yes;
    let e = run_all(
        &["cn"],
        Some(COUNTER_AT_ENTRANCE),
        std::slice::from_ref(&kohler),
    );
    let rules = rules_of(&e.findings);
    assert!(!rules.contains(&"CN-PIPL-17-ANALYTICS"), "{rules:?}");
    assert!(rules.contains(&"CN-FRM-8-LOCALSTORE"), "{rules:?}");
}

/// An upload to a people-analytics service (counting, age and gender; no face library) is
/// images, not face information: an unknown camera sending snapshots there gets entrusted
/// processing, no FRM finding or check, and no face escalation.
#[test]
fn people_analytics_upload_is_images_not_faces() {
    let mut cam = device(
        "198.18.0.35",
        "Uniview",
        "IPC2122LB-SF28-A",
        DeviceType::Camera,
        FaceRecognition::Unknown,
        &[("onvif.model", "IPC2122LB-SF28-A")],
    );
    cam.cloud_contacts.push(contact(
        "203.0.113.22",
        "people_analytics",
        Some("CN"),
        "snapshots",
        443,
    ));
    let e = run_all(&["cn"], None, std::slice::from_ref(&cam));
    assert!(
        frm(&rules_of(&e.findings)).is_empty(),
        "{:?}",
        rules_of(&e.findings)
    );
    assert!(frm(&verify_rules(&e)).is_empty(), "{:?}", verify_rules(&e));
    let entrusted = get(&e.findings, "CN-PIPL-21-ENTRUSTED");
    assert_eq!(entrusted.severity, Severity::Medium);
    // The same camera sending to a face API is face information leaving the device.
    cam.cloud_contacts[0].category = CloudCategory::FaceApi;
    let e = run_all(&["cn"], None, std::slice::from_ref(&cam));
    assert!(rules_of(&e.findings).contains(&"CN-FRM-8-LOCALSTORE"));
}

/// Rule conditions (`cloud.category = …`) accept exactly the report's categories.
#[test]
fn rule_vocabulary_lists_every_cloud_category() {
    let words: Vec<&str> = CloudCategory::ALL.map(CloudCategory::as_str).to_vec();
    assert_eq!(vocab::CLOUD_CATEGORIES, words.as_slice());
}

/// A car-park plate camera (Hikvision DS-TCG406-E, face recognition unknown) uploading its
/// vehicle snapshots: plate recognition reads vehicles, not faces, so the face rules (FRM Art. 8
/// faces stay on the device, BIPA 15(d), PIPL Art. 38 for faces abroad) raise neither a finding
/// nor a check. The public-place sign rules do apply (PIPL Art. 26 covers every image-capture
/// device; PSVIS Reg. Art. 7(2) names public car parks), and so do the image-upload rules.
/// Sent to a face API, its uploads are face recognition again.
#[test]
fn plate_camera_gets_the_sign_and_image_rules_not_the_face_rules() {
    let mut plate = device(
        "198.18.0.51",
        "Hikvision",
        "DS-TCG406-E",
        DeviceType::PlateCamera,
        FaceRecognition::Unknown,
        &[("wsd.hardware", "DS-TCG406-E")],
    );
    plate.cloud_contacts = vec![contact(
        "203.0.113.9",
        "vendor_cloud",
        Some("US"),
        "snapshots",
        443,
    )];
    let face_rules = ["CN-FRM-", "US-IL-BIPA-", "CN-PIPL-38-XBORDER", "EU-GDPR-9"];
    let is_face = |r: &&str| {
        face_rules
            .iter()
            .any(|p| r.starts_with(p) && *r != "CN-PIPL-38-XBORDER-GENERAL")
    };
    let e = run_all(&["cn", "eu", "us-il"], None, std::slice::from_ref(&plate));
    let raised: Vec<&str> = rules_of(&e.findings)
        .into_iter()
        .chain(verify_rules(&e))
        .collect();
    assert!(!raised.iter().any(is_face), "{raised:?}");
    for rule in [
        "CN-PIPL-26-SIGN",
        "CN-PSVIS-13-SIGN",
        "EU-GDPR-13-EDPB",
        "CN-PIPL-21-ENTRUSTED",
        "CN-PIPL-38-XBORDER-GENERAL",
    ] {
        assert!(raised.contains(&rule), "{rule} not in {raised:?}");
    }
    // In the car park's public area without a sign: the sign finding, medium.
    let site = "schema_version = 1\nkind = \"other\"\n[[notice]]\nlocation = \"pay station\"\ntext = \"x\"\ndiscloses = []\n[[device]]\nip = \"198.18.0.51\"\nlocation = \"car park entry\"\narea = \"public\"\npurpose = \"security\"\n";
    let sign = run(&["cn"], Some(site), std::slice::from_ref(&plate));
    let sign = get(&sign, "CN-PIPL-26-SIGN");
    assert_eq!(sign.rules, ["CN-PIPL-26-SIGN", "CN-PSVIS-13-SIGN"]);
    assert!(sign.severity == Severity::Medium && !sign.conditional);
    // Its snapshots sent to a face API: face recognition, whatever the device type.
    plate.cloud_contacts = vec![contact(
        "203.0.113.40",
        "face_api",
        Some("US"),
        "snapshots",
        443,
    )];
    let e = run_all(&["cn"], None, std::slice::from_ref(&plate));
    assert!(
        rules_of(&e.findings).contains(&"CN-FRM-8-LOCALSTORE"),
        "{:?}",
        rules_of(&e.findings)
    );
}

/// Every field and every value word the condition language knows reads in both languages from
/// the locale file, and the file holds nothing for a field or word that does not exist.
#[test]
fn fields_values_and_sentences_are_in_the_locale_file() {
    use crate::locale::assert_section_has_exactly;
    use vocab::Kind;
    let named = |bool_fields: bool| -> Vec<&str> {
        FIELDS
            .iter()
            .filter(|f| (f.kind == Kind::Bool) == bool_fields)
            .map(|f| f.name)
            .collect()
    };
    assert_section_has_exactly("field_noun", &named(false));
    assert_section_has_exactly("field_yes", &named(true));
    assert_section_has_exactly("field_no", &named(true));
    // Every condition word, the cloud categories `infrastructure` and `lan` included, has its
    // Chinese and English.
    assert_section_has_exactly("policy_value", &vocab::value_words());
    assert_eq!(value_label("lan", true), "本地局域网");
    assert_eq!(
        value_label("infrastructure", false),
        "network infrastructure"
    );
    assert_eq!(value_label("face_api", false), "face api");
    assert_eq!(value_label("nvr", false), "a recorder (NVR/DVR)");
    assert_eq!(value_label("nvr", true), "录像机");
    let condition = eval::ConditionWords::SECTION;
    assert_section_has_exactly(condition, eval::ConditionWords::KEYS);
    let finding = findings::FindingText::SECTION;
    assert_section_has_exactly(finding, findings::FindingText::KEYS);
    let template = template::TemplateNotes::SECTION;
    assert_section_has_exactly(template, template::TemplateNotes::KEYS);
    // A field reads as its sentence, `{it}` left for the device or destination.
    let surveillance = vocab::field_named("device.surveillance").unwrap();
    assert_eq!(surveillance.yes(true), "{it}是监控设备");
    assert_eq!(surveillance.no(false), "{it} is not a surveillance device");
    assert_eq!(
        vocab::field_named("site.kind").unwrap().noun(true),
        "场所类型"
    );
}
