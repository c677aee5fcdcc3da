//! The policy commands as a user meets them: `rules check|list`, `site init`, and `audit --site`
//! of a fake camera on loopback, where editing the declaration changes the findings.

use crate::common;

use common::{camsweep, fake_hikvision, text};
use std::path::Path;

/// The bundled rules check clean and list every jurisdiction's packs.
#[test]
fn bundled_rules_check_and_list() {
    let out = camsweep(&["rules", "check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );
    let out = camsweep(&["rules", "list", "--jurisdiction", "us-il"]);
    assert_eq!(out.status.code(), Some(0));
    let list = text(&out.stdout);
    assert!(
        list.contains("US-IL-BIPA-15B") && !list.contains("CN-PIPL-29"),
        "{list}"
    );
}

/// A broken rule file: every mistake reported with file:line:column, exit code 2.
#[test]
fn rules_check_names_file_and_line_of_each_mistake() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/broken.toml");
    let out = camsweep(&["rules", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("broken.toml:10:12: severity `severe` is not known"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "broken.toml:12:66: rule `CN-TEST-BROKEN`: `writen` is not a value of `site.consent`"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("`remedy` needs both zh and en text"),
        "{shown}"
    );
}

fn report(dir: &Path) -> camsweep::model::Report {
    common::read_report(dir)
}

/// Audit without a declaration: whether a sign is posted is a check ("to verify on site"), not a finding.
/// `site init` writes a template of the found camera; declaring the posted CCTV sign clears them
/// (exit 0); a typo in the declaration is refused with file:line.
#[test]
fn site_init_edit_and_rerun_changes_findings() {
    let port = fake_hikvision().to_string();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let audit = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "audit",
            "--quiet",
            "--targets",
            "127.0.0.1",
            "--ports",
            &port,
            "--lang",
            "en",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        camsweep(&args)
    };
    let out = audit(&first, &[]);
    let r = report(&first);
    assert!(r.site.is_none());
    assert_eq!(
        out.status.code(),
        Some(if r.findings.is_empty() { 0 } else { 1 }),
        "{}",
        text(&out.stderr)
    );
    // Without a declaration nobody knows whether a sign is posted: a check, never a finding.
    assert!(!r.findings.iter().any(|f| f.rule.ends_with("-SIGN")));
    let sign = r
        .to_verify
        .iter()
        .find(|v| v.rules.iter().any(|x| x == "CN-PSVIS-13-SIGN"))
        .expect("sign check");
    assert!(
        sign.check
            .iter()
            .any(|c| c.en == "the posted notices' contents do not include video surveillance"),
        "{:?}",
        sign.check
    );
    let html = std::fs::read_to_string(first.join("report.html")).unwrap();
    assert!(
        html.contains("the posted notices&#x27; contents do not include video surveillance"),
        "the check reads as a sentence"
    );

    let site = dir.path().join("site.toml");
    let out = camsweep(&[
        "site",
        "init",
        "--from",
        first.join("report.json").to_str().unwrap(),
        "--lang",
        "en",
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let template = std::fs::read_to_string(&site).unwrap();
    assert!(template.contains("ip = \"127.0.0.1\""), "{template}");
    assert!(template.contains("# 是否提供"), "Chinese comments too");
    // Refuses to overwrite.
    let again = camsweep(&[
        "site",
        "init",
        "--from",
        first.join("report.json").to_str().unwrap(),
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));

    let edited = template.replace(
        "# [[notice]]\n# location = \"entrance\"\n# text = \"\"\n# photos = []\n# discloses = [\"video_surveillance\"]",
        "[[notice]]\nlocation = \"entrance\"\ntext = \"您已进入视频监控区域\"\nphotos = []\ndiscloses = [\"video_surveillance\", \"processor_contact\"]",
    );
    assert_ne!(edited, template);
    // Top-level keys must precede the first table; the notice goes after them in the template.
    std::fs::write(&site, &edited).unwrap();
    let second = dir.path().join("second");
    let out = audit(&second, &["--site", site.to_str().unwrap()]);
    let r = report(&second);
    assert!(r.site.is_some());
    assert!(
        r.evidence_files
            .iter()
            .any(|f| f.path.ends_with("site.toml") && f.sha256.len() == 64),
        "the declaration is hashed into the evidence list"
    );
    assert!(
        !r.findings.iter().any(|f| f.rule.ends_with("-SIGN")),
        "{:?}",
        r.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
    assert_eq!(
        out.status.code(),
        Some(if r.findings.is_empty() { 0 } else { 1 })
    );

    std::fs::write(
        &site,
        "schema_version = 1\nname = \"Shop\"\nconsnet = \"separate\"\n",
    )
    .unwrap();
    let out = audit(
        &dir.path().join("third"),
        &["--site", site.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("site.toml:3:1: unknown field `consnet`"),
        "{err}"
    );
}

/// The fixture report's rules (with `report --site`): which rule ids fire for a device.
fn rules_of(r: &camsweep::model::Report, ip: &str) -> Vec<String> {
    let id = camsweep::model::Device::id_for(ip);
    let mut rules: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.device.as_deref() == Some(id.as_str()))
        .flat_map(|f| std::iter::once(&f.rule).chain(&f.rules).cloned())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The checks left to the inspector for a device: the rules they decide.
fn checks_of(r: &camsweep::model::Report, ip: &str) -> Vec<String> {
    let id = camsweep::model::Device::id_for(ip);
    r.to_verify
        .iter()
        .filter(|v| v.device.as_deref() == Some(id.as_str()))
        .flat_map(|v| v.rules.iter().cloned())
        .collect()
}

/// `site init --from report.json` → fill in the template → `camsweep report --site` re-evaluates
/// a report with cloud contacts (a Hikvision face terminal uploading to EZVIZ): naming the
/// recipient and recording separate consent clears those findings, dropping a device from the
/// declaration makes it undeclared, and every upload finding carries the vendor's cloud-off steps.
#[test]
fn site_init_edit_and_report_site_reevaluates_a_report_with_uploads() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/sample-report.json");
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    let out = camsweep(&[
        "site",
        "init",
        "--from",
        fixture.to_str().unwrap(),
        "--lang",
        "zh",
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let template = std::fs::read_to_string(&site).unwrap();
    for ip in ["198.18.0.10", "198.18.0.11", "198.18.0.12"] {
        assert!(template.contains(&format!("ip = \"{ip}\"")), "{template}");
    }
    let reevaluate = |name: &str| {
        let folder = dir.path().join(name);
        let out = camsweep(&[
            "report",
            fixture.to_str().unwrap(),
            "--site",
            site.to_str().unwrap(),
            "--lang",
            "en",
            "--out",
            folder.to_str().unwrap(),
        ]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            text(&out.stderr)
        );
        report(&folder)
    };

    // The template as written: every device declared, nothing else known.
    let first = reevaluate("first");
    assert!(first.site.is_some());
    let face = rules_of(&first, "198.18.0.12");
    for rule in [
        "SITE-UNNAMED-RECIPIENT",
        "CN-PIPL-21-ENTRUSTED",
        "CN-PIPL-29-SEPCONSENT",
    ] {
        assert!(face.contains(&rule.to_string()), "{rule} missing: {face:?}");
    }
    // Whether the upload carries faces is not shown by the traffic: FRM Art. 8 is a check.
    assert!(!face.contains(&"CN-FRM-8-LOCALSTORE".to_string()));
    assert!(checks_of(&first, "198.18.0.12").contains(&"CN-FRM-8-LOCALSTORE".to_string()));
    assert!(!face.contains(&"SITE-UNDECLARED-DEVICE".to_string()));
    assert!(
        rules_of(&first, "198.18.0.11")
            .iter()
            .all(|r| r != "SITE-UNDECLARED-DEVICE")
    );
    let upload = first
        .findings
        .iter()
        .find(|f| f.rules.iter().any(|r| r == "CN-PIPL-21-ENTRUSTED"))
        .unwrap();
    let steps = upload
        .advice
        .as_ref()
        .and_then(|a| a.device_settings.as_ref())
        .expect("cloud-off steps for an upload finding");
    assert_eq!(steps.id, "hikvision");
    assert!(steps.steps.iter().any(|s| s.zh.contains("平台接入")));
    assert!(
        upload
            .advice
            .as_ref()
            .and_then(|a| a.notice.as_ref())
            .is_some_and(|n| n.must_say.iter().any(|m| m.discloses == "recipients"))
    );
    assert!(
        first
            .evidence_files
            .iter()
            .any(|f| f.path.ends_with("site.toml"))
    );

    // Declared: separate consent, EZVIZ named as the face terminal's recipient, the bullet camera
    // left out of the declaration.
    let camera_block = template
        .split("\n\n")
        .find(|block| block.contains("ip = \"198.18.0.11\""))
        .unwrap()
        .to_string();
    let edited = template
        .replace("# consent = \"sign_only\"", "consent = \"separate\"")
        .replace(&camera_block, "")
        .replacen(
            "ip = \"198.18.0.12\"",
            "ip = \"198.18.0.12\"\nrecipients = [\"EZVIZ\"]",
            1,
        );
    std::fs::write(&site, &edited).unwrap();
    let second = reevaluate("second");
    let face = rules_of(&second, "198.18.0.12");
    for gone in [
        "SITE-UNNAMED-RECIPIENT",
        "CN-FRM-8-LOCALSTORE",
        "CN-PIPL-29-SEPCONSENT",
    ] {
        assert!(
            !face.contains(&gone.to_string()),
            "{gone} still there: {face:?}"
        );
    }
    assert!(
        rules_of(&second, "198.18.0.11").contains(&"SITE-UNDECLARED-DEVICE".to_string()),
        "{:?}",
        rules_of(&second, "198.18.0.11")
    );
    // The renderings name the new report.json.
    let json = std::fs::read(dir.path().join("second/report.json")).unwrap();
    let html = std::fs::read_to_string(dir.path().join("second/report.html")).unwrap();
    assert!(html.contains(&camsweep::report::sha256_hex(&json)));
    // Without --out the original folder is left alone: the new report goes to a fresh folder
    // beside it.
    let case = dir.path().join("case");
    std::fs::create_dir(&case).unwrap();
    let original = case.join("report.json");
    std::fs::copy(&fixture, &original).unwrap();
    let out = camsweep(&[
        "report",
        original.to_str().unwrap(),
        "--site",
        site.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(&case).unwrap().count(),
        1,
        "only report.json"
    );
    assert_eq!(
        std::fs::read(&original).unwrap(),
        std::fs::read(&fixture).unwrap()
    );
    assert!(
        text(&out.stderr).contains("new folder"),
        "{}",
        text(&out.stderr)
    );
}
