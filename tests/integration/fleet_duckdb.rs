//! The fleet export read by an existing engine: DuckDB (its Python package from PyPI; `.ci/run`
//! installs it) queries tables/ in place and must find one row per device of every distinct
//! report, a report given twice once, and the counts the reports themselves show.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

fn python_has_duckdb() {
    let probe = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "this test needs DuckDB's Python package: run `pip install duckdb` (.ci/run does): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!("this test needs python3 with the duckdb package: {err}"),
    }
}

/// `sql` run by DuckDB in `dir`; the result rows as tab-separated lines.
fn duckdb(dir: &Path, sql: &str) -> Vec<String> {
    let script = r#"
import sys, duckdb
for row in duckdb.sql(sys.argv[1]).fetchall():
    print("\t".join("" if v is None else str(v) for v in row))
"#;
    let out = Command::new("python3")
        .args(["-c", script, sql])
        .current_dir(dir)
        .output()
        .expect("running python3");
    assert!(
        out.status.success(),
        "DuckDB failed on {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn duckdb_reads_one_row_per_device_of_every_distinct_report() {
    python_has_duckdb();
    let tmp = tempfile::tempdir().unwrap();
    let shops = tmp.path().join("shops");
    let made = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/make-fleet.py"
        ))
        .args(["--shops", "25", "--duplicates", "3", "--out"])
        .arg(&shops)
        .output()
        .expect("running scripts/make-fleet.py");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // What the reports show, counted here from the files themselves (distinct by SHA-256).
    let mut expected: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut face_by_vendor_province: BTreeMap<(String, String), usize> = BTreeMap::new();
    for entry in std::fs::read_dir(&shops).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path().join("report.json")).unwrap();
        let sha = hex::encode(Sha256::digest(&bytes));
        let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let devices = report["devices"].as_array().unwrap();
        let uploads = devices
            .iter()
            .flat_map(|d| d["cloud_contacts"].as_array().unwrap())
            .filter(|c| c["upload"] == true)
            .count();
        if !expected.contains_key(&sha) {
            let address = report["site"]["address"].as_str().unwrap();
            let province = camsweep::bundle::builtin_addresses()
                .unwrap()
                .province_city(address)
                .0
                .unwrap();
            for d in devices {
                if d["identity"]["face_recognition"] == "yes" {
                    let vendor = d["identity"]["vendor"].as_str().unwrap_or("").to_string();
                    *face_by_vendor_province
                        .entry((vendor, province.clone()))
                        .or_default() += 1;
                }
            }
        }
        expected.insert(
            sha,
            (
                devices.len(),
                report["findings"].as_array().unwrap().len(),
                uploads,
            ),
        );
    }
    assert_eq!(expected.len(), 25, "the duplicates share their SHA-256");

    let out = tmp.path().join("fleet");
    let first = shops.join("shop-00001").join("report.json");
    let res = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .arg("fleet")
        .arg(&shops)
        .arg(&first) // the same report given once more, by path
        .args(["--partition", "date", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );

    let devices = "read_parquet('tables/devices/**/*.parquet', hive_partitioning = true)";
    let per_report = duckdb(
        &out,
        &format!("SELECT report_sha256, count(*) FROM {devices} GROUP BY 1 ORDER BY 1"),
    );
    let want: Vec<String> = expected
        .iter()
        .map(|(sha, (n, _, _))| format!("{sha}\t{n}"))
        .collect();
    assert_eq!(
        per_report, want,
        "one row per device of every distinct report"
    );

    let shops_rows = duckdb(
        &out,
        "SELECT count(*), count(DISTINCT report_sha256) FROM read_parquet('tables/shops/**/*.parquet')",
    );
    assert_eq!(
        shops_rows,
        vec!["25\t25".to_string()],
        "a report given twice appears once"
    );

    let findings = duckdb(
        &out,
        "SELECT count(*) FROM read_parquet('tables/findings/**/*.parquet')",
    );
    let want_findings: usize = expected.values().map(|(_, f, _)| f).sum();
    assert_eq!(findings, vec![want_findings.to_string()]);

    let uploads = duckdb(
        &out,
        "SELECT count(*) FROM read_parquet('tables/cloud_contacts/**/*.parquet') WHERE upload",
    );
    let want_uploads: usize = expected.values().map(|(_, _, u)| u).sum();
    assert_eq!(uploads, vec![want_uploads.to_string()]);

    // docs/fleet.md's first example: face devices by vendor and province.
    let face = duckdb(
        &out,
        &format!(
            "SELECT coalesce(vendor, ''), province, count(*) FROM {devices} \
             WHERE face_recognition = 'yes' GROUP BY 1, 2 ORDER BY 1, 2"
        ),
    );
    let want_face: Vec<String> = face_by_vendor_province
        .iter()
        .map(|((v, p), n)| format!("{v}\t{p}\t{n}"))
        .collect();
    assert_eq!(face, want_face);

    // Partitions by scan date: the hive key comes from the folder, and matches the scan time.
    let dates = duckdb(
        &out,
        &format!(
            "SELECT count(*) FROM {devices} WHERE CAST(date AS DATE) <> CAST(scanned_at AS DATE)"
        ),
    );
    assert_eq!(dates, vec!["0".to_string()]);
}
