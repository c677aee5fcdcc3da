//! A full disk: writing the report fails with a clear error, the files written before stay whole,
//! and no temporary file is left behind. The small disk is a 16 KiB tmpfs mounted in a private
//! user and mount namespace (`unshare`, util-linux), which works as an ordinary user and as root;
//! if the namespace cannot be made the test fails with the reason (it never skips).

use std::path::Path;
use std::process::Command;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/report/sample-report.json"
);

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_full_disk_keeps_the_files_written_and_says_so() {
    let mount_point = tempfile::tempdir().unwrap();
    let keep = tempfile::tempdir().unwrap();
    // Inside the namespace: mount the small disk, render into it, copy what is there out.
    let script = r#"
        mount -t tmpfs -o size=24k camsweep-full "$1" || { echo "cannot mount a tmpfs: $?" >&2; exit 99; }
        "$2" report "$3" --lang en --out "$1/out"
        code=$?
        cp -a "$1/out/." "$4/" 2>/dev/null
        exit $code
    "#;
    let out = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(mount_point.path())
        .arg(env!("CARGO_BIN_EXE_camsweep"))
        .arg(SAMPLE)
        .arg(keep.path())
        .output()
        .expect("unshare (util-linux) must be installed");
    let stderr = text(&out.stderr);
    assert_ne!(
        out.status.code(),
        Some(99),
        "no private mount namespace: {stderr}"
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("disk is full"), "{stderr}");
    assert!(stderr.contains("kept, complete:"), "{stderr}");
    // report.json went first and is whole; the file that did not fit is not there at all.
    let json = std::fs::read_to_string(keep.path().join("report.json")).unwrap();
    assert_eq!(json, std::fs::read_to_string(SAMPLE).unwrap());
    assert!(!keep.path().join("report.html").exists());
    assert!(
        leftovers(keep.path()).is_empty(),
        "{:?}",
        leftovers(keep.path())
    );
}

/// Output to a full stream (`/dev/full`) is an error naming it, after the files were written.
#[test]
fn a_full_stdout_is_an_error_and_the_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["report", SAMPLE, "--lang", "en", "--out"])
        .arg(&out_dir)
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    for name in [
        "report.json",
        "report.html",
        "report.md",
        "inventory.csv",
        "SHA256SUMS",
    ] {
        assert!(out_dir.join(name).is_file(), "{name}");
    }
}
