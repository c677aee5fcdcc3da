//! Evaluator tests per rule family, on devices as the scan reports them (real models, real atoms).

use super::*;
use crate::model::{
    CloudContact, Device, DeviceType, Evidence, FaceRecognition, Finding, Identity, Severity,
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
        cut_short: Vec::new(),
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
        category: "face_api".into(),
        country: Some("US".into()),
        bytes_up: 3 << 20,
        bytes_down: 40_000,
        packets_up: 2400,
        first_seen: "2026-11-23T09:00:00Z".into(),
        last_seen: "2026-11-23T09:12:00Z".into(),
        upload: true,
        scope: Some("internet".into()),
        pattern: Some("snapshots".into()),
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
    let rules = RuleSet::bundled().unwrap();
    let site = site.map(|t| SiteDeclaration::parse("site.toml", t).unwrap());
    let j: Vec<String> = jurisdictions.iter().map(ToString::to_string).collect();
    evaluate(
        PolicyInput {
            rules: &rules,
            jurisdictions: &j,
            site: site.as_ref(),
        },
        devices,
    )
}

fn rules_of(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

fn get<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("{rule} not in {:?}", rules_of(findings)))
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
[[device]]
ip = "198.18.0.11"
purpose = "security"
"#;

/// The face terminal with no alternative offered breaks FRM Art. 10; the finding quotes the
/// identity evidence and the declared fact, and is definite.
#[test]
fn face_terminal_without_alternative() {
    let f = run(&["cn"], Some(SIGN_ONLY_SHOP), &[minmoe()]);
    let alt = get(&f, "CN-FRM-10-ALTERNATIVE");
    assert_eq!(alt.severity, Severity::High);
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
    assert!(alt.legal_basis[0].contains("《人脸识别技术应用安全管理办法》第十条"));
    // A sign that says CCTV is not a face-recognition notice, and a sign is not consent.
    for rule in [
        "CN-FRM-5-NOTICE",
        "CN-PIPL-29-SEPCONSENT",
        "CN-FRM-6-CONSENT",
        "CN-CRPL-29",
    ] {
        assert!(!get(&f, rule).conditional, "{rule}");
    }
    // Declared, not in a private space, no minors: those rules stay silent.
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
    let f = run(&["cn"], Some(SIGN_ONLY_SHOP), &[deepinview_uploading()]);
    let local = get(&f, "CN-FRM-8-LOCALSTORE");
    assert_eq!(local.severity, Severity::Critical);
    assert!(
        local.evidence.iter().any(|e| e.starts_with("cloud: 3.0 MiB uploaded to api-us.faceplusplus.com (203.0.113.40:443 tcp, face_api, Face++ (Megvii), US)")),
        "{:?}",
        local.evidence
    );
    assert_eq!(get(&f, "CN-PIPL-38-XBORDER").severity, Severity::Critical);
    assert!(rules_of(&f).contains(&"SITE-UNNAMED-RECIPIENT"));
    assert!(rules_of(&f).contains(&"SITE-UNDECLARED-DEVICE"));
    assert!(rules_of(&f).contains(&"CN-PIPL-23-THIRDPARTY"));
    assert_eq!(f[0].severity, Severity::Critical, "sorted by severity");
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

/// A plain camera with a posted CCTV sign: no sign or face finding, in either language.
#[test]
fn plain_camera_with_cctv_sign_is_clean() {
    let f = run(&["cn"], Some(SIGN_ONLY_SHOP), &[plain_camera()]);
    assert!(f.is_empty(), "{:?}", rules_of(&f));
    // Without the sign it needs one (PIPL 26, PSVIS 13), medium for a camera without face recognition.
    let no_sign = SIGN_ONLY_SHOP.replace(
        "discloses = [\"video_surveillance\", \"processor_contact\"]",
        "discloses = []",
    );
    let f = run(&["cn"], Some(&no_sign), &[plain_camera()]);
    assert_eq!(rules_of(&f), ["CN-PIPL-26-SIGN", "CN-PSVIS-13-SIGN"]);
    assert!(
        f.iter()
            .all(|x| x.severity == Severity::Medium && !x.conditional)
    );
}

/// Children under 14 with a face device: PIPL Art. 31 and FRM Art. 7, critical, unless guardians consented.
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
}

/// A camera declared inside the fitting room is a critical finding.
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
    let p = get(&f, "CN-FRM-13-PRIVATE");
    assert_eq!(p.severity, Severity::Critical);
    assert!(
        p.legal_basis[0].ends_with("[?]"),
        "uncertain citation marked: {}",
        p.legal_basis[0]
    );
    // Without a declaration nobody knows where the camera hangs, and the rule stays silent.
    let f = run(&["cn"], None, &[cam]);
    assert!(!rules_of(&f).contains(&"CN-FRM-13-PRIVATE"));
}

/// Without a site declaration, findings that depend on it are conditional and say what they assume.
#[test]
fn without_a_declaration_findings_are_conditional() {
    let f = run(&["cn"], None, &[minmoe(), plain_camera()]);
    assert!(!f.is_empty());
    assert!(
        f.iter().all(|x| x.conditional && !x.conditions.is_empty()),
        "{:?}",
        rules_of(&f)
    );
    let alt = f
        .iter()
        .find(|x| x.rule == "CN-FRM-10-ALTERNATIVE")
        .unwrap();
    assert_eq!(alt.conditions[0].en, "no non-face alternative is offered");
    assert_eq!(alt.conditions[0].zh, "未提供非人脸识别的替代方式");
    assert!(alt.detail.en.starts_with("(Conditional: the site declared nothing on this) If no non-face alternative is offered, then: "), "{}", alt.detail.en);
    assert!(
        alt.detail
            .zh
            .starts_with("（有条件：未申报现场情况）如果未提供非人脸识别的替代方式，则："),
        "{}",
        alt.detail.zh
    );
    let sign = f.iter().find(|x| x.rule == "CN-PSVIS-13-SIGN").unwrap();
    assert_eq!(
        sign.conditions[0].en,
        "the posted notices' contents do not include video surveillance"
    );
    let consent = f
        .iter()
        .find(|x| x.rule == "CN-PIPL-29-SEPCONSENT")
        .unwrap();
    assert_eq!(
        consent.conditions[0].en,
        "the consent obtained is not separate, written or guardian"
    );
    assert_eq!(
        consent.conditions[0].zh,
        "取得同意的方式不是单独同意、书面同意或监护人同意"
    );
    // A definite finding still comes before a conditional one of the same severity.
    let mixed = run(
        &["cn"],
        Some("schema_version = 1\nconsent = \"none\"\n"),
        &[minmoe()],
    );
    let high: Vec<&Finding> = mixed
        .iter()
        .filter(|x| x.severity == Severity::High)
        .collect();
    let first_conditional = high.iter().position(|x| x.conditional).unwrap();
    assert!(high[..first_conditional].iter().all(|x| !x.conditional));
    assert!(high[first_conditional..].iter().all(|x| x.conditional));
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
        scan: crate::model::ScanInfo {
            mode: crate::model::ScanMode::Audit,
            started_at: "2026-11-23T09:00:00Z".into(),
            finished_at: "2026-11-23T09:01:00Z".into(),
            complete: true,
            targets: vec![],
            interface: None,
            captures: vec![],
            addresses_scanned: 0,
            ports: vec![],
            discovery: vec![],
            notes: vec![],
            authorised_by: None,
            lang: None,
            limits_hit: Vec::new(),
            interrupted_by: None,
            damaged_captures: Vec::new(),
            redacted: false,
        },
        site: None,
        devices: vec![minmoe(), plain_camera()],
        findings: vec![],
        evidence_files: vec![],
    };
    for lang in ["zh", "en"] {
        let text = site_template(&report, lang);
        assert!(
            text.contains("ip = \"198.18.0.13\"") && text.contains("model = \"DS-K1T671M\""),
            "{text}"
        );
        assert!(text.contains("替代方式") && text.contains("alternative"));
        let f = run(&["cn"], Some(&text), &report.devices);
        assert!(rules_of(&f).contains(&"CN-FRM-10-ALTERNATIVE"));
        assert!(get(&f, "CN-FRM-10-ALTERNATIVE").conditional);
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
    let site = SiteDeclaration::parse("sites/demo-store.toml", demo_site_text().unwrap()).unwrap();
    assert_eq!(site.consent.as_deref(), Some("sign_only"));
    assert!(site.device_for("198.18.0.13", None, None).is_some());
    assert!(
        site.device_for("198.18.0.12", None, None).is_none(),
        "the DeepinView is left undeclared on purpose"
    );
}
