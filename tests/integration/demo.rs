//! The demo end to end: the simulated store is built in namespaces, audited, and every persona must
//! come out as the real device it imitates would. Needs unprivileged user namespaces; if they cannot
//! be created the test fails with the demo's reason (it never skips).

use camsweep::lab::{LabSpec, Persona, Scenario, uploads};
use camsweep::model::{Device, FaceRecognition, Report};
use camsweep::traffic::CloudDb;

use crate::common;

fn run_demo(lang: &str) -> (Report, serde_json::Value, tempfile::TempDir) {
    run_scenario(lang, "shop")
}

fn run_scenario(lang: &str, scenario: &str) -> (Report, serde_json::Value, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let (result, json) = common::run_and_read_report(
        ["demo", "--quiet", "--lang", lang, "--scenario", scenario],
        &out.path().join("demo"),
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        matches!(result.status.code(), Some(0 | 1)),
        "demo failed ({:?}): {stderr}",
        result.status
    );
    let report: Report = serde_json::from_value(json.clone()).unwrap();
    (report, json, out)
}

fn device<'a>(report: &'a Report, ip: &str) -> Option<&'a Device> {
    report.devices.iter().find(|d| d.ip == ip)
}

/// The demo listens while it scans: a persona uploading to a face API or a face-analytics
/// cloud is shown to recognise faces, whatever the scan alone would say.
fn expected_face(persona: &Persona, cloud: &CloudDb) -> FaceRecognition {
    let to_face_cloud = uploads::for_persona(&persona.name).is_some_and(|u| {
        cloud
            .classify(&[u.name.as_str()], u.ip.into())
            .is_some_and(|(e, _)| e.category.as_str() == "face_api" || e.face_analytics)
    });
    if to_face_cloud {
        FaceRecognition::Yes
    } else {
        persona.expect.face_recognition
    }
}

/// Every persona is found with the right vendor, device type and face capability; no decoy is
/// called a camera; the report validates against the schema; the files are all there.
#[test]
fn demo_identifies_every_persona() {
    let (report, json, out) = run_demo("en");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema: {errors:#?}"
    );

    let spec = LabSpec::bundled().unwrap();
    let cloud = camsweep::bundle::builtin_cloud().unwrap();
    let mut wrong = Vec::new();
    for persona in &spec.personas {
        let ip = persona.ip.to_string();
        let Some(dev) = device(&report, &ip) else {
            wrong.push(format!("{} ({ip}) not found", persona.name));
            continue;
        };
        let want = &persona.expect;
        let want_face = expected_face(persona, &cloud);
        let id = &dev.identity;
        if id.vendor != want.vendor
            || id.device_type != want.device_type
            || id.face_recognition != want_face
        {
            wrong.push(format!(
                "{} ({ip}): want {:?}/{:?}/{:?}, got {:?}/{:?}/{:?} from {:?}",
                persona.name,
                want.vendor,
                want.device_type,
                want_face,
                id.vendor,
                id.device_type,
                id.face_recognition,
                id.signatures
            ));
        }
        if !want.device_type.is_surveillance() {
            assert!(
                !dev.is_surveillance(),
                "decoy {} called {:?}",
                persona.name,
                id.device_type
            );
        }
        assert_eq!(
            dev.mac.as_deref(),
            Some(persona.mac.to_lowercase().as_str()),
            "{} MAC",
            persona.name
        );
        assert!(!dev.evidence.is_empty(), "{} has no evidence", persona.name);
    }
    assert!(
        wrong.is_empty(),
        "personas misidentified:\n{}",
        wrong.join("\n")
    );
    // Nothing but the personas answers in the lab.
    assert_eq!(
        report.devices.len(),
        spec.personas.len(),
        "unexpected hosts: {:?}",
        report.devices.iter().map(|d| &d.ip).collect::<Vec<_>>()
    );
    assert_eq!(report.scan.addresses_scanned, 254);
    assert!(report.scan.complete);

    // The demo listened on the lab LAN while it scanned: who sent what where.
    let contact = |ip: &str, name: &str| {
        let dev = device(&report, ip).unwrap();
        dev.cloud_contacts
            .iter()
            .find(|c| c.name.as_deref() == Some(name) && c.port == 443)
            .unwrap_or_else(|| panic!("{ip}: no contact named {name}: {:#?}", dev.cloud_contacts))
            .clone()
    };
    for (ip, name, upload, category) in [
        ("198.18.0.12", "api-us.faceplusplus.com", true, "face_api"),
        ("198.18.0.15", "cloudapi.ovopark.com", true, "vendor_cloud"),
        (
            "198.18.0.19",
            "xmeye-alarm.oss-cn-hangzhou.aliyuncs.com",
            true,
            "object_storage",
        ),
        ("198.18.0.22", "apiieu.ezvizlife.com", false, "vendor_cloud"),
    ] {
        let c = contact(ip, name);
        assert_eq!(
            (c.upload, c.category.as_str()),
            (upload, category),
            "{ip}: {c:#?}"
        );
    }
    let counter = device(&report, "198.18.0.15").unwrap();
    assert!(
        counter
            .evidence
            .iter()
            .any(|e| e.source == "traffic.face_cloud"),
        "the counter's upload to Ovopark is its face evidence: {:#?}",
        counter.evidence
    );
    // The scanner's own probes (and the devices' replies) are not device traffic.
    let bullet = device(&report, "198.18.0.11").unwrap();
    assert!(
        bullet
            .cloud_contacts
            .iter()
            .all(|c| c.destination != "198.18.0.2"),
        "{:#?}",
        bullet.cloud_contacts
    );
    assert!(report.scan.discovery.iter().any(|d| d == "live_capture"));
    // No device lists any of the scanner's addresses as a contact.
    assert!(
        report
            .scan
            .scanner_addresses
            .iter()
            .any(|a| a == "198.18.0.2")
    );
    for d in &report.devices {
        assert!(
            d.cloud_contacts
                .iter()
                .all(|c| !report.scan.scanner_addresses.contains(&c.destination)),
            "{}: {:#?}",
            d.ip,
            d.cloud_contacts
        );
    }

    for file in [
        "report.json",
        "report.html",
        "report.md",
        "inventory.csv",
        "connections.csv",
        "SHA256SUMS",
    ] {
        assert!(
            out.path().join("demo").join(file).is_file(),
            "{file} missing"
        );
    }
}

/// With the simulated store's own declaration (a CCTV sign naming no face recognition, consent by
/// sign only, no alternative at the face terminals, no minors, one face camera left undeclared),
/// each persona draws exactly the rules an inspector would expect, and the findings validate.
#[test]
fn demo_findings_follow_the_store_declaration() {
    let (report, json, _out) = run_demo("zh");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&json),
        "report does not match the schema"
    );
    let site = report
        .site
        .as_ref()
        .expect("the demo records its site declaration");
    assert_eq!(site["consent"], "sign_only");

    // A finding merges the rules of one device and legal theme: every rule it cites counts.
    let rules_for = |ip: &str| -> Vec<&str> {
        report
            .findings
            .iter()
            .filter(|f| f.device.as_deref() == Some(Device::id_for(ip).as_str()))
            .flat_map(|f| std::iter::once(&f.rule).chain(&f.rules))
            .map(String::as_str)
            .collect()
    };
    let checks_for = |ip: &str| -> Vec<&str> {
        report
            .to_verify
            .iter()
            .filter(|v| v.device.as_deref() == Some(Device::id_for(ip).as_str()))
            .flat_map(|v| &v.rules)
            .map(String::as_str)
            .collect()
    };
    // Every persona draws exactly the rules src/lab/personas.toml expects of it.
    let spec = LabSpec::bundled().unwrap();
    let mut wrong = Vec::new();
    for persona in &spec.personas {
        let Some(want) = &persona.expected_rules else {
            wrong.push(format!(
                "{}: no expected_rules in src/lab/personas.toml",
                persona.name
            ));
            continue;
        };
        let mut got: Vec<&str> = rules_for(&persona.ip.to_string());
        got.sort_unstable();
        got.dedup();
        if got != *want {
            wrong.push(format!(
                "{} ({}): expected {want:?}, got {got:?}",
                persona.name, persona.ip
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "findings differ from the personas' expected_rules:\n{}",
        wrong.join("\n")
    );
    let has = |ip: &str, rule: &str| {
        assert!(
            rules_for(ip).contains(&rule),
            "{ip} should draw {rule}; got {:?}",
            rules_for(ip)
        );
    };
    // Face terminals with no alternative, a CCTV-only sign and consent by sign only.
    for ip in ["198.18.0.13", "198.18.0.17", "198.18.0.25", "198.18.0.31"] {
        for rule in [
            "CN-FRM-10-ALTERNATIVE",
            "CN-FRM-5-NOTICE",
            "CN-PIPL-29-SEPCONSENT",
            "CN-CRPL-29",
            "CN-PIPL-55-PIA",
        ] {
            has(ip, rule);
        }
        assert!(!rules_for(ip).contains(&"SITE-UNDECLARED-DEVICE"));
    }
    // The DeepinView face camera is not declared; its purpose is therefore a check, not a finding.
    has("198.18.0.12", "SITE-UNDECLARED-DEVICE");
    has("198.18.0.12", "CN-FRM-5-NOTICE");
    assert!(!rules_for("198.18.0.12").contains(&"CN-PIPL-28-NECESSITY"));
    assert!(checks_for("198.18.0.12").contains(&"CN-PIPL-28-NECESSITY"));
    assert!(!rules_for("198.18.0.12").contains(&"CN-FRM-10-ALTERNATIVE"));
    // The people counter is declared for footfall: beyond public security, without consent.
    has("198.18.0.15", "CN-PIPL-26-PURPOSE");
    // What the demo's capture shows: the counter and the DeepinView camera send face content to
    // outside clouds (so face data leaves the device), the Xiongmai camera uploads snapshots to
    // object storage; the EZVIZ camera only keeps its session alive. A cloud storing images for
    // the shop is entrusted processing (PIPL Art. 21), not Art. 23.
    for ip in ["198.18.0.12", "198.18.0.15"] {
        has(ip, "CN-PIPL-21-ENTRUSTED");
        has(ip, "CN-FRM-8-LOCALSTORE");
    }
    has("198.18.0.19", "CN-PIPL-21-ENTRUSTED");
    // The MinMoe terminal and the NVR say in their SADP replies that Hik-Connect is on: a finding
    // from the device's own setting, though neither uploads anything in the capture.
    for ip in ["198.18.0.13", "198.18.0.14"] {
        has(ip, "CN-PIPL-21-CLOUD-ENABLED");
        assert!(!rules_for(ip).contains(&"CN-PIPL-21-ENTRUSTED"));
    }
    assert!(
        !rules_for("198.18.0.22")
            .iter()
            .any(|r| r.starts_with("CN-PIPL-2"))
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rules.iter().any(|r| r == "CN-PIPL-23-THIRDPARTY"))
    );
    // A declared plain camera under the posted CCTV sign draws no notice finding; only the port
    // the lab router's UPnP table forwards to it from the internet (TCP 8000) is a security
    // finding, read from the gateway's table without any traffic.
    let bullet = rules_for("198.18.0.11");
    assert!(
        !bullet.is_empty() && bullet.iter().all(|r| *r == "CN-PIPL-51-UPNP-EXPOSED"),
        "{bullet:?}"
    );
    // No minors, no camera in the fitting room.
    assert!(
        !report
            .findings
            .iter()
            .flat_map(|f| &f.rules)
            .any(|r| r.contains("MINORS") || r.contains("PRIVATE"))
    );
    // The store with and without its declaration: what the issue asks of every report.
    let rules = camsweep::bundle::builtin_rules().unwrap();
    let cn = vec!["cn".to_string()];
    let bare = camsweep::policy::evaluate_all(
        camsweep::policy::PolicyInput {
            rules: &rules,
            jurisdictions: &cn,
            site: None,
        },
        &report.devices,
    );
    for (what, findings, checks) in [
        ("declared", &report.findings, &report.to_verify),
        ("undeclared", &bare.findings, &bare.to_verify),
    ] {
        for d in &report.devices {
            let mine: Vec<_> = findings
                .iter()
                .filter(|f| f.device.as_deref() == Some(d.id.as_str()))
                .collect();
            let images = matches!(
                d.identity.device_type.as_str(),
                "camera" | "face_terminal" | "people_counter" | "access_control" | "doorbell"
            ) || d.cloud_contacts.iter().any(|c| c.upload);
            if !images && !d.is_surveillance() {
                assert!(
                    mine.is_empty(),
                    "{what}: {} neither captures nor uploads images: {:?}",
                    d.ip,
                    mine.iter().map(|f| &f.rule).collect::<Vec<_>>()
                );
            }
            if d.identity.face_recognition == FaceRecognition::Yes {
                assert!(
                    mine.len() <= 6,
                    "{what}: {} has {} findings",
                    d.ip,
                    mine.len()
                );
            }
            let unknown_country = d.cloud_contacts.iter().all(|c| c.country.is_none());
            if unknown_country {
                assert!(
                    !mine
                        .iter()
                        .any(|f| f.theme.as_deref() == Some("cross_border")),
                    "{what}: {}",
                    d.ip
                );
            }
        }
        assert!(
            !findings
                .iter()
                .flat_map(|f| &f.rules)
                .any(|r| r.contains("MINORS")),
            "{what}"
        );
        assert!(findings.iter().all(|f| !f.conditional), "{what}");
        assert!(
            checks
                .iter()
                .all(|v| !v.rule.is_empty() && !v.check.is_empty()),
            "{what}"
        );
    }
    assert!(!bare.to_verify.is_empty());
    // Most severe first; Chinese texts present.
    assert!(
        report
            .findings
            .windows(2)
            .all(|w| w[0].severity <= w[1].severity)
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.title.zh.is_empty() && !f.legal_basis.is_empty())
    );
}

/// The sales-office scenario (legal.md §4 C3): the entrance face camera pushes face snapshots to a
/// HikCentral server in the back room. The report names every device, shows the server as a
/// face-data store with the camera's volume, and draws the consent, notice and retention findings.
#[test]
fn sales_office_shows_the_local_face_server() {
    let started = std::time::Instant::now();
    let (report, json, out) = run_scenario("en", "sales-office");
    let took = started.elapsed();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&json),
        "report does not match the schema"
    );
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");

    let wrong = persona_mismatches(&report, Scenario::SalesOffice);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The server is a face-data store receiving the camera's snapshots, with their volume.
    let server = device(&report, "198.18.0.40").unwrap();
    let store = server
        .data_store
        .as_ref()
        .expect("the server is a data store");
    assert_eq!(store.holds, "face_images");
    assert_eq!(store.from[0].ip, "198.18.0.12");
    assert!(store.from[0].faces);
    assert!(
        store.from[0].bytes >= 300_000,
        "at least one face snapshot: {} bytes",
        store.from[0].bytes
    );
    for d in &report.devices {
        if d.ip != "198.18.0.40" {
            assert!(d.data_store.is_none(), "{} is no data store", d.ip);
        }
    }
    let severity = |ip: &str, rule: &str| {
        report
            .findings
            .iter()
            .find(|f| {
                f.device.as_deref() == Some(Device::id_for(ip).as_str())
                    && f.rules.iter().any(|r| r == rule)
            })
            .map(|f| f.severity.as_str().to_string())
    };
    assert_eq!(
        severity("198.18.0.40", "CN-FRM-8-RETENTION").as_deref(),
        Some("high")
    );
    assert_eq!(
        severity("198.18.0.12", "CN-CRPL-29").as_deref(),
        Some("high")
    );
    assert_eq!(
        severity("198.18.0.12", "CN-PIPL-29-SEPCONSENT").as_deref(),
        Some("high")
    );
    // Nothing leaves for the internet here.
    assert!(
        report
            .devices
            .iter()
            .all(|d| d.cloud_contacts.iter().all(|c| !c.upload))
    );

    // The network picture draws the camera → server flow.
    let html = std::fs::read_to_string(out.path().join("demo/report.html")).unwrap();
    assert!(
        html.contains("face-data store on the LAN"),
        "network picture lacks the store"
    );
    assert!(
        html.contains("198.18.0.12 → 198.18.0.40 (Hikvision HikCentral Professional):7200"),
        "no camera → server line"
    );
    // The server is on the store's LAN, not a cloud: neither the picture's heading nor the lead
    // of the HTML and Markdown calls it one.
    let md = std::fs::read_to_string(out.path().join("demo/report.md")).unwrap();
    assert!(
        html.contains(">Data stores on the store LAN</text>"),
        "svg heading"
    );
    for (name, page) in [("html", &html), ("md", &md)] {
        assert!(
            page.contains("the hosts on the same LAN they sent pictures to"),
            "{name}: network lead"
        );
        assert!(!page.contains("Cloud destinations"), "{name}");
        assert!(
            !page.contains("cloud destinations they contacted"),
            "{name}"
        );
    }
}

/// What differs between a scenario's personas and the report: identity (vendor, type, face,
/// model) and the rule ids of each persona's findings (`expected_rules` in the scenario file).
fn persona_mismatches(report: &Report, scenario: Scenario) -> Vec<String> {
    let mut wrong = Vec::new();
    for persona in &scenario.spec().unwrap().personas {
        let ip = persona.ip.to_string();
        let Some(d) = device(report, &ip) else {
            wrong.push(format!("{} ({ip}) not found", persona.name));
            continue;
        };
        let want = &persona.expect;
        if d.identity.vendor != want.vendor
            || d.identity.device_type != want.device_type
            || d.identity.face_recognition != want.face_recognition
            || (want.model.is_some() && d.identity.model != want.model)
        {
            wrong.push(format!("{} ({ip}): got {:?}", persona.name, d.identity));
        }
        let mut got: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.device.as_deref() == Some(d.id.as_str()))
            .flat_map(|f| std::iter::once(&f.rule).chain(&f.rules))
            .cloned()
            .collect();
        got.sort_unstable();
        got.dedup();
        if Some(&got) != persona.expected_rules.as_ref() {
            wrong.push(format!(
                "{} ({ip}): expected rules {:?}, got {got:?}",
                persona.name, persona.expected_rules
            ));
        }
    }
    wrong
}

/// Severity of the finding on `ip` that names `rule`.
fn severity_of(report: &Report, ip: &str, rule: &str) -> Option<String> {
    report
        .findings
        .iter()
        .find(|f| {
            f.device.as_deref() == Some(Device::id_for(ip).as_str())
                && (f.rule == rule || f.rules.iter().any(|r| r == rule))
        })
        .map(|f| f.severity.as_str().to_string())
}

#[test]
fn school_canteen_face_payment_raises_the_minors_findings() {
    let started = std::time::Instant::now();
    let (report, _json, _out) = run_scenario("en", "school");
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");
    let wrong = persona_mismatches(&report, Scenario::School);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    for (ip, model) in [("198.18.0.21", "青蛙Pro"), ("198.18.0.22", "蜻蜓二代")] {
        let d = device(&report, ip).unwrap();
        assert_eq!(d.identity.model.as_deref(), Some(model));
        // Pupils pay by face: guardian consent (PIPL Art. 31) and the measures' minors
        // provision are the critical findings; face as the only way to pay is one too.
        assert_eq!(
            severity_of(&report, ip, "CN-PIPL-31-MINORS").as_deref(),
            Some("critical")
        );
        assert_eq!(
            severity_of(&report, ip, "CN-FRM-7-MINORS").as_deref(),
            Some("critical")
        );
        assert_eq!(
            severity_of(&report, ip, "CN-FRM-10-ALTERNATIVE").as_deref(),
            Some("high")
        );
        // A face-payment terminal films no area: no video-surveillance sign rule. The posted
        // "face payment accepted" sign is its PIPL Art. 26 sign; what the sign leaves out is the
        // Face Recognition Measures' notice finding.
        assert_eq!(severity_of(&report, ip, "CN-PSVIS-13-SIGN"), None);
        assert_eq!(severity_of(&report, ip, "CN-PIPL-26-SIGN"), None);
        assert!(severity_of(&report, ip, "CN-FRM-5-NOTICE").is_some());
    }
    let minors = report
        .findings
        .iter()
        .find(|f| f.rules.iter().any(|r| r == "CN-PIPL-31-MINORS"))
        .unwrap();
    let cited = serde_json::to_string(minors).unwrap();
    assert!(cited.contains("PIPL Art. 31"), "{cited}");
    // The WeChat Pay terminal talks to WeChat Pay's face SDK endpoint.
    let wechat = device(&report, "198.18.0.21").unwrap();
    assert!(
        wechat
            .cloud_contacts
            .iter()
            .any(|c| c.name.as_deref() == Some("payapp.weixin.qq.com") && c.upload),
        "{:?}",
        wechat.cloud_contacts
    );
}

/// The parking scenario: the entry and exit ANPR cameras come out as plate cameras (vehicle and
/// plate data, not faces), the controller receiving their snapshots as a LAN image store, and the
/// findings are only what the network and the declaration show: the public-place sign rules and
/// the note that no plate-specific rule exists. No face finding at all.
#[test]
fn parking_identifies_plate_cameras_and_raises_no_face_finding() {
    let started = std::time::Instant::now();
    let (report, json, out) = run_scenario("en", "parking");
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&json),
        "report does not match the schema"
    );
    let wrong = persona_mismatches(&report, Scenario::Parking);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    for ip in ["198.18.0.51", "198.18.0.52"] {
        let d = device(&report, ip).unwrap();
        assert_eq!(d.identity.device_type.as_str(), "plate_camera", "{ip}");
        assert_ne!(d.identity.face_recognition, FaceRecognition::Yes, "{ip}");
        assert_eq!(
            severity_of(&report, ip, "CN-PIPL-26-SIGN").as_deref(),
            Some("medium")
        );
        assert_eq!(
            severity_of(&report, ip, "CN-PSVIS-13-SIGN").as_deref(),
            Some("medium")
        );
        assert_eq!(
            severity_of(&report, ip, "SITE-PLATE-DATA").as_deref(),
            Some("info")
        );
    }
    // The controller receives the plate snapshots: an image store, not a face store.
    let store = device(&report, "198.18.0.60")
        .unwrap()
        .data_store
        .as_ref()
        .expect("the controller is a data store");
    assert_eq!(store.holds, "images");
    assert_eq!(store.from.len(), 2);
    assert!(store.from.iter().all(|f| !f.faces));

    // No face finding: no rule of the face themes, no face rule id, no face wording.
    let face_rules = [
        "CN-FRM-",
        "CN-PIPL-28-",
        "CN-PIPL-29-",
        "CN-PIPL-31-",
        "CN-CRPL-29",
        "CN-PIPL-17-",
        "CN-PIPL-55-",
    ];
    for f in &report.findings {
        for r in std::iter::once(&f.rule).chain(&f.rules) {
            assert!(
                !face_rules.iter().any(|p| r.starts_with(p)),
                "face finding {r} in the parking report"
            );
        }
        assert!(
            !f.title.en.to_lowercase().contains("face"),
            "{}: {}",
            f.rule,
            f.title.en
        );
    }
    // Nothing leaves for the internet.
    assert!(
        report
            .devices
            .iter()
            .all(|d| d.cloud_contacts.iter().all(|c| !c.upload))
    );
    // The report says plainly that no plate-specific rule exists.
    let note = report
        .findings
        .iter()
        .find(|f| f.rule == "SITE-PLATE-DATA")
        .unwrap();
    assert!(
        note.detail
            .en
            .contains("no provision specific to plate data")
    );
    let html = std::fs::read_to_string(out.path().join("demo/report.html")).unwrap();
    assert!(html.contains("plate-recognition camera (ANPR)"));
}

/// The demo's scan notes read in the report's language: report.json keeps the English lines in
/// `scan.notes` and each line's typed note beside it, the Chinese report says the note in
/// Chinese, and the saved report.json renders again in English without the run.
#[test]
fn demo_scan_notes_read_in_the_report_language() {
    let (report, json, out) = run_demo("zh");
    let scan = &report.scan;
    assert_eq!(scan.note_items.len(), scan.notes.len(), "{:?}", scan.notes);
    for (item, line) in scan.note_items.iter().zip(&scan.notes) {
        assert_eq!(&item.en, line, "the English line is the item's English");
    }
    let arp = scan
        .note_items
        .iter()
        .find(|i| i.note.key == "arp_silent")
        .expect("the demo notes the addresses that did not answer ARP");
    assert!(
        arp.en
            .ends_with("did not answer ARP: nobody there, no TCP connects sent"),
        "{}",
        arp.en
    );
    assert_eq!(
        json["scan"]["note_items"][0]["key"].as_str(),
        Some(scan.note_items[0].note.key.as_str())
    );
    let subnet = &arp.note.args["subnet"];
    let count = &arp.note.args["count"];
    let zh_line =
        format!("{subnet} 上有 {count} 个地址未应答 ARP：这些地址上没有设备，未向其发起 TCP 连接");
    assert_eq!(arp.zh, zh_line);

    let folder = out.path().join("demo");
    let md = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(
        md.contains(&zh_line),
        "the zh report says the note in Chinese"
    );
    assert!(!md.contains("did not answer ARP"), "no English note left");
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(html.contains("个地址未应答 ARP：这些地址上没有设备"));

    let en = out.path().join("en");
    let rendered = common::camsweep(&[
        "report",
        folder.join("report.json").to_str().unwrap(),
        "--lang",
        "en",
        "--out",
        en.to_str().unwrap(),
    ]);
    assert!(
        matches!(rendered.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let md = std::fs::read_to_string(en.join("report.md")).unwrap();
    assert!(
        md.contains(&arp.en),
        "the en rendering says the note in English"
    );
    assert!(!md.contains(&zh_line));
}
