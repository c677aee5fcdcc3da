//! The binary's `keygen`, `sign`, `verify` and `fleet` on report folders built from the sample
//! report: what a consumer group and a chain's compliance team would run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SAMPLE: &str = include_str!("../fixtures/report/sample-report.json");

fn camsweep(args: &[&Path]) -> Output {
    crate::common::command()
        .args(args)
        .output()
        .expect("running camsweep")
}

fn run(args: &[&str]) -> Output {
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    camsweep(&refs)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A report.json for `site_name` (None: no site declared) in `dir/<folder>/`, rendered by
/// `camsweep report --out` so the folder holds report.json/html/md, inventory.csv and SHA256SUMS.
fn report_folder(dir: &Path, folder: &str, site_name: Option<&str>) -> PathBuf {
    let mut value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    match site_name {
        Some(name) => value["site"]["name"] = serde_json::Value::from(name),
        None => value["site"] = serde_json::Value::Null,
    }
    let source = dir.join(format!("{folder}-source.json"));
    std::fs::write(&source, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let out = dir.join(folder);
    let res = camsweep(&[Path::new("report"), &source, Path::new("--out"), &out]);
    // Exit 1 only says the report has findings; the files are written either way.
    assert!(
        matches!(res.status.code(), Some(0 | 1)),
        "report failed: {}",
        stderr(&res)
    );
    out
}

fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let prefix = dir.join(name);
    let res = camsweep(&[Path::new("keygen"), Path::new("--out"), &prefix]);
    assert!(res.status.success(), "keygen failed: {}", stderr(&res));
    (prefix.with_extension("key"), prefix.with_extension("pub"))
}

#[test]
fn signed_folder_verifies_and_a_flipped_byte_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = report_folder(tmp.path(), "shop12", Some("Example Mart #12"));
    let (key, public) = keygen(tmp.path(), "consumer-group");

    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "secret key must be private");
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("camsweep ed25519 public key\n")
    );

    let signed = camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &key]);
    assert!(signed.status.success(), "sign failed: {}", stderr(&signed));
    let sig = std::fs::read_to_string(folder.join("SHA256SUMS.sig")).unwrap();
    assert!(sig.contains("signed-file: SHA256SUMS\n"));
    assert!(sig.contains("key-fingerprint: sha256:"));
    assert!(sig.contains(&format!("tool: camsweep {}\n", env!("CARGO_PKG_VERSION"))));

    let ok = camsweep(&[Path::new("verify"), &folder, Path::new("--pubkey"), &public]);
    assert_eq!(ok.status.code(), Some(0), "verify failed: {}", stderr(&ok));
    // report.json, report.html, report.md, report.nmap.xml, inventory.csv and the six case-file
    // CSVs (findings, network, evidence, timeline, files, to_verify).
    let checked = String::from_utf8_lossy(&ok.stdout);
    assert!(checked.contains("11 file(s) checked"), "{checked}");

    // One byte of report.html changed: the signature over SHA256SUMS still holds, the re-hash does not.
    let html_path = folder.join("report.html");
    let mut html = std::fs::read(&html_path).unwrap();
    let at = html.len() / 2;
    html[at] ^= 0x01;
    std::fs::write(&html_path, html).unwrap();
    let bad = camsweep(&[Path::new("verify"), &folder, Path::new("--pubkey"), &public]);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert!(message.contains("NOT VERIFIED"), "{message}");
    assert!(message.contains("report.html has changed"), "{message}");
    assert!(!message.contains("report.json has changed"), "{message}");
}

#[test]
fn another_public_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = report_folder(tmp.path(), "shop7", Some("Shop 7"));
    let (key, _) = keygen(tmp.path(), "signer");
    let (_, other_public) = keygen(tmp.path(), "someone-else");
    assert!(
        camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &key])
            .status
            .success()
    );
    let res = camsweep(&[
        Path::new("verify"),
        &folder,
        Path::new("--pubkey"),
        &other_public,
    ]);
    assert_eq!(res.status.code(), Some(2));
    assert!(
        stderr(&res).contains("not with the given public key"),
        "{}",
        stderr(&res)
    );
}

#[test]
fn bare_report_json_is_signed_and_an_edit_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.json");
    std::fs::write(&report, SAMPLE).unwrap();
    let (key, public) = keygen(tmp.path(), "k");
    assert!(
        camsweep(&[Path::new("sign"), &report, Path::new("--key"), &key])
            .status
            .success()
    );
    assert!(tmp.path().join("report.json.sig").is_file());
    let ok = camsweep(&[Path::new("verify"), &report, Path::new("--pubkey"), &public]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    std::fs::write(&report, SAMPLE.replace("\"high\"", "\"low\"")).unwrap();
    let bad = camsweep(&[Path::new("verify"), &report, Path::new("--pubkey"), &public]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("report.json changed after it was signed"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn keygen_never_overwrites_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    keygen(tmp.path(), "k");
    let prefix = tmp.path().join("k");
    let again = camsweep(&[Path::new("keygen"), Path::new("--out"), &prefix]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn fleet_over_three_shops_totals_and_writes_valid_json() {
    let tmp = tempfile::tempdir().unwrap();
    let a = report_folder(tmp.path(), "shanghai-12", Some("Example Mart #12"));
    let b = report_folder(tmp.path(), "beijing-3", Some("Example Mart #3 <b>"));
    let c = report_folder(tmp.path(), "shenzhen-9", None);
    let out = tmp.path().join("fleet");
    let res = camsweep(&[
        Path::new("fleet"),
        &a.join("report.json"),
        &b.join("report.json"),
        &c.join("report.json"),
        Path::new("--out"),
        &out,
        Path::new("--lang"),
        Path::new("en"),
        Path::new("--json"),
    ]);
    assert!(res.status.success(), "fleet failed: {}", stderr(&res));
    let printed: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fleet.json")).unwrap()).unwrap();
    assert_eq!(printed, written);

    let totals = &written["totals"];
    assert_eq!(totals["shops"], 3);
    assert_eq!(totals["devices"], 15);
    assert_eq!(totals["face_capable"], 3);
    assert_eq!(totals["devices_by_vendor"]["Hikvision"], 9);
    assert_eq!(totals["devices_by_type"]["camera"], 3);
    assert_eq!(totals["findings_by_rule"]["CN-PIPL-26"], 3);
    // Streamed roll-up (camsweep-fleet/2): shops per provider are counted; tables/shops names them.
    assert_eq!(totals["shops_uploading_to"]["Hikvision / EZVIZ"], 3);
    assert_eq!(written["shops"][0]["shop"], "Example Mart #12");
    // No site name declared: the report's folder names the shop.
    assert!(
        written["shops"][2]["shop"]
            .as_str()
            .unwrap()
            .ends_with("shenzhen-9")
    );

    let html = std::fs::read_to_string(out.join("fleet.html")).unwrap();
    assert!(html.contains("Example Mart #3 &lt;b&gt;"));
    assert!(!html.contains("<b>"));
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    assert!(
        csv.starts_with('\u{FEFF}'),
        "fleet.csv opens with a UTF-8 BOM"
    );
    assert!(csv.contains("total,,devices_by_vendor,Hikvision,9\r\n"));
    assert!(out.join("SHA256SUMS").is_file());
}

#[test]
fn fleet_names_the_bad_report() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.json");
    std::fs::write(&good, SAMPLE).unwrap();
    let bad = tmp.path().join("broken-shop.json");
    std::fs::write(
        &bad,
        SAMPLE.replace("\"schema_version\": \"1\"", "\"schema_version\": 1"),
    )
    .unwrap();
    let res = run(&[
        "fleet",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(2));
    assert!(
        stderr(&res).contains("broken-shop.json"),
        "{}",
        stderr(&res)
    );
    assert!(!tmp.path().join("out").join("fleet.json").exists());
}

#[test]
fn fleet_counts_a_report_given_twice_once_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let a = report_folder(tmp.path(), "shop-a", Some("上海南京西路店"));
    let copy = tmp.path().join("copy-of-a");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(a.join("report.json"), copy.join("report.json")).unwrap();
    let out = tmp.path().join("fleet");
    let res = camsweep(&[
        Path::new("fleet"),
        &a.join("report.json"),
        &a.join("report.json"),
        &copy,
        Path::new("--out"),
        &out,
    ]);
    assert!(res.status.success(), "fleet failed: {}", stderr(&res));
    assert!(stderr(&res).contains("counted once"), "{}", stderr(&res));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fleet.json")).unwrap()).unwrap();
    assert_eq!(written["totals"]["shops"], 1);
    assert_eq!(written["totals"]["devices"], 5);
    assert_eq!(written["duplicate_reports"], 2);
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    assert!(csv.contains("上海南京西路店"));
}

#[test]
fn fleet_never_writes_into_a_report_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = report_folder(tmp.path(), "shop12", Some("Example Mart #12"));
    let (key, _) = keygen(tmp.path(), "k");
    assert!(
        camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &key])
            .status
            .success()
    );
    let before = snapshot(&folder);
    let res = camsweep(&[
        Path::new("fleet"),
        &folder.join("report.json"),
        Path::new("--out"),
        &folder,
    ]);
    assert_eq!(res.status.code(), Some(2));
    assert!(
        stderr(&res).contains("already holds report.json"),
        "{}",
        stderr(&res)
    );
    assert_eq!(snapshot(&folder), before, "the report folder was changed");
}

#[test]
fn fleet_skip_bad_lists_the_bad_report_and_rolls_up_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.json");
    std::fs::write(&good, SAMPLE).unwrap();
    let bad = tmp.path().join("broken-shop.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let out = tmp.path().join("out");
    let res = run(&[
        "fleet",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--skip-bad",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    assert!(
        stderr(&res).contains("broken-shop.json"),
        "{}",
        stderr(&res)
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fleet.json")).unwrap()).unwrap();
    assert_eq!(written["totals"]["shops"], 1);
    assert_eq!(written["skipped_reports"], 1);
    assert!(
        written["skipped"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("broken-shop.json")
    );
}

/// Every file of a folder with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_default();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

/// A signed case folder is evidence: nothing camsweep is pointed at it with changes a byte.
#[test]
fn a_signed_case_folder_stays_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = report_folder(tmp.path(), "case", Some("Shop 3"));
    let (key, public) = keygen(tmp.path(), "k");
    let (other_key, _) = keygen(tmp.path(), "other");
    let signed = camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &key]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let before = snapshot(&folder);
    let report = folder.join("report.json");
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures/sites/demo-store.toml");

    // demo --out: refused before the lab is even built.
    let demo = camsweep(&[Path::new("demo"), Path::new("--out"), &folder]);
    assert_eq!(demo.status.code(), Some(2), "{}", stderr(&demo));
    assert!(stderr(&demo).contains("signed report"), "{}", stderr(&demo));
    // report without --out: a fresh folder beside it, said so.
    let rendered = camsweep(&[Path::new("report"), &report]);
    assert!(
        matches!(rendered.status.code(), Some(0 | 1)),
        "{}",
        stderr(&rendered)
    );
    assert!(
        stderr(&rendered).contains("new folder"),
        "{}",
        stderr(&rendered)
    );
    let siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("case-rendered-")
        })
        .collect();
    assert_eq!(siblings.len(), 1, "one fresh sibling folder");
    assert!(siblings[0].path().join("report.html").is_file());
    // report --site --out <the original folder>: refused.
    let resited = camsweep(&[
        Path::new("report"),
        &report,
        Path::new("--site"),
        &site,
        Path::new("--out"),
        &folder,
    ]);
    assert_eq!(resited.status.code(), Some(2), "{}", stderr(&resited));
    // --force never replaces a signed report either.
    let forced = camsweep(&[
        Path::new("report"),
        &report,
        Path::new("--out"),
        &folder,
        Path::new("--force"),
    ]);
    assert_eq!(forced.status.code(), Some(2), "{}", stderr(&forced));
    // A second signature, with another key: refused without --replace.
    let again = camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &other_key]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--replace"), "{}", stderr(&again));

    assert!(before == snapshot(&folder), "the signed folder changed");
    let ok = camsweep(&[Path::new("verify"), &folder, Path::new("--pubkey"), &public]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

/// `--out` into an unsigned report folder: refused, `--force` replaces it; `sign --replace`
/// re-signs.
#[test]
fn force_replaces_only_an_unsigned_report_and_replace_resigns() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = report_folder(tmp.path(), "draft", None);
    let source = tmp.path().join("draft-source.json");
    let refused = camsweep(&[Path::new("report"), &source, Path::new("--out"), &folder]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("already holds a report"),
        "{}",
        stderr(&refused)
    );
    let forced = camsweep(&[
        Path::new("report"),
        &source,
        Path::new("--out"),
        &folder,
        Path::new("--force"),
    ]);
    assert!(
        matches!(forced.status.code(), Some(0 | 1)),
        "{}",
        stderr(&forced)
    );
    let (key, _) = keygen(tmp.path(), "k");
    let (other_key, other_public) = keygen(tmp.path(), "other");
    assert!(
        camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &key])
            .status
            .success()
    );
    let replaced = camsweep(&[
        Path::new("sign"),
        &folder,
        Path::new("--key"),
        &other_key,
        Path::new("--replace"),
    ]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    let ok = camsweep(&[
        Path::new("verify"),
        &folder,
        Path::new("--pubkey"),
        &other_public,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

/// A file added to a signed folder (a fake photo, a second report) makes verify fail, by name.
#[test]
fn verify_names_a_file_added_after_signing() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = report_folder(tmp.path(), "shop", Some("Shop"));
    let (key, public) = keygen(tmp.path(), "k");
    assert!(
        camsweep(&[Path::new("sign"), &folder, Path::new("--key"), &key])
            .status
            .success()
    );
    std::fs::write(folder.join("notice-photo.jpg"), b"\xff\xd8 not really").unwrap();
    std::fs::write(folder.join("report (2).json"), SAMPLE).unwrap();
    let bad = camsweep(&[Path::new("verify"), &folder, Path::new("--pubkey"), &public]);
    assert_eq!(bad.status.code(), Some(2));
    let err = stderr(&bad);
    assert!(err.contains("NOT VERIFIED"), "{err}");
    assert!(
        err.contains("notice-photo.jpg is in the folder but not listed"),
        "{err}"
    );
    assert!(err.contains("report (2).json"), "{err}");
}

/// The shop scenario's chain (issue 15): 222 shops of one chain, each with the demo's
/// customer-flow camera uploading faces to its vendor's cloud — the Kohler pattern — rolled up by
/// `fleet`, which shows it in every shop.
#[test]
fn a_222_shop_chain_shows_the_kohler_pattern_in_every_shop() {
    let tmp = tempfile::tempdir().unwrap();
    let shops = tmp.path().join("chain");
    let made = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/make-fleet.py"
        ))
        .args(["--shops", "222", "--chain", "示例卫浴", "--out"])
        .arg(&shops)
        .output()
        .expect("running scripts/make-fleet.py");
    assert!(made.status.success(), "{}", stderr(&made));
    let out = tmp.path().join("fleet");
    let res = run(&[
        "fleet",
        shops.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let fleet: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fleet.json")).unwrap()).unwrap();
    let totals = &fleet["totals"];
    assert_eq!(totals["shops"], 222);
    let uploading = totals["shops_uploading_to"].as_object().unwrap();
    let (vendor_cloud, shops_with_it) = uploading
        .iter()
        .find(|(provider, _)| provider.starts_with("Ovopark"))
        .expect("the customer-flow vendor's cloud is named");
    assert_eq!(shops_with_it, 222, "{vendor_cloud} in every shop");
    assert!(totals["face_capable"].as_u64().unwrap() >= 222);
    assert!(
        fleet["shops"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["shop"].as_str().unwrap().starts_with("示例卫浴"))
    );
}

/// The fleet's closing line speaks the summary's language (`--lang`), as the audit's does.
#[test]
fn fleet_says_what_it_wrote_in_the_summary_language() {
    let tmp = tempfile::tempdir().unwrap();
    let a = report_folder(tmp.path(), "shanghai-12", Some("Example Mart #12"));
    for (lang, said) in [("zh", "1 家门店"), ("en", "1 shops")] {
        let out = tmp.path().join(format!("fleet-{lang}"));
        let res = camsweep(&[
            Path::new("fleet"),
            &a.join("report.json"),
            Path::new("--out"),
            &out,
            Path::new("--lang"),
            Path::new(lang),
        ]);
        assert!(res.status.success(), "fleet failed: {}", stderr(&res));
        assert!(stderr(&res).contains(said), "{lang}: {}", stderr(&res));
    }
}
