//! The binary as a user meets it: exit codes, error messages, and an audit of a fake camera on loopback.

use crate::common;

use common::{camsweep, fake_hikvision, text};
use std::path::Path;

/// The built-in signature set checks clean.
#[test]
fn signatures_check_passes_on_the_bundled_set() {
    let out = camsweep(&["signatures", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("every example matches"));
    let list = camsweep(&["signatures", "list"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(text(&list.stdout).contains("hikvision-http-server-app-webs"));
}

/// A broken signature file is refused with the file and line of the mistake.
#[test]
fn signatures_check_names_file_and_line_of_a_broken_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signatures/unknown-field");
    let out = camsweep(&["signatures", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(".toml:") && err.contains("unknown field"),
        "{err}"
    );
}

/// A cloud endpoint in a user's `--signatures DIR` with a category outside the report's list is
/// refused at load time with the file, the line and the categories that exist.
#[test]
fn unknown_cloud_category_names_file_and_line() {
    let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signatures/valid");
    let dir = tempfile::tempdir().unwrap();
    let sigs = dir.path().join("sigs");
    for sub in ["devices", "oui"] {
        std::fs::create_dir_all(sigs.join(sub)).unwrap();
        for entry in std::fs::read_dir(valid.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, sigs.join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(sigs.join("cloud")).unwrap();
    std::fs::write(
        sigs.join("cloud/shop.toml"),
        "# a user's own endpoint\n[[endpoint]]\ndomains = [\"api.example.com\"]\nprovider = \"Example\"\nservice = \"API\"\ncategory = \"cdn\"\nsource = \"the shop's router log\"\n",
    )
    .unwrap();
    let out = camsweep(&["signatures", "check", sigs.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("shop.toml:6:"), "{err}");
    assert!(
        err.contains("`cdn`") && err.contains("vendor_cloud"),
        "{err}"
    );
}

/// A public address is refused before anything is sent, and the user is told why.
#[test]
fn public_targets_are_refused() {
    let out = camsweep(&["scan", "--targets", "8.8.8.8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--allow-public"),
        "{}",
        text(&out.stderr)
    );
    let out = camsweep(&["scan", "--targets", "198.18.0.300"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not an address"));
}

/// `audit` of a loopback camera writes every report file, names the camera, and `report` re-renders it.
#[test]
fn audit_of_a_loopback_camera_writes_a_report() {
    let port = fake_hikvision().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("audit");
    let out = camsweep(&[
        "audit",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--lang",
        "en",
        "--authorised-by",
        "Test Owner, IT",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    for file in [
        "report.json",
        "report.html",
        "report.md",
        "inventory.csv",
        "SHA256SUMS",
    ] {
        assert!(out_dir.join(file).is_file(), "{file} missing");
    }
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    camsweep::report::validate(&json).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    assert_eq!(report.scan.authorised_by.as_deref(), Some("Test Owner, IT"));
    let cam = &report.devices[0];
    assert_eq!(cam.ip, "127.0.0.1");
    assert_eq!(cam.identity.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(cam.identity.model.as_deref(), Some("DS-2CD2143G0-I"));
    assert_eq!(
        cam.identity.device_type,
        camsweep::model::DeviceType::Camera
    );
    assert!(
        cam.evidence
            .iter()
            .any(|e| e.source == "http.server" && e.value == "App-webs/")
    );

    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("DS-2CD2143G0-I"));

    let rerendered = dir.path().join("zh");
    let out = camsweep(&[
        "report",
        out_dir.join("report.json").to_str().unwrap(),
        "--lang",
        "zh",
        "--out",
        rerendered.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let html = std::fs::read_to_string(rerendered.join("report.html")).unwrap();
    assert!(html.contains("摄像机"));
}

/// `scan` prints the table and exits 1 when a camera is present.
#[test]
fn scan_prints_a_table_and_flags_cameras() {
    let port = fake_hikvision().to_string();
    let out = camsweep(&[
        "scan",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--lang",
        "en",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("Hikvision") && table.contains("127.0.0.1"),
        "{table}"
    );
}

/// A file that is not a report is refused with a reason.
#[test]
fn report_refuses_a_file_that_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, r#"{"schema_version": "1", "devices": "many"}"#).unwrap();
    let out = camsweep(&["report", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a valid camsweep report"),
        "{}",
        text(&out.stderr)
    );
}

/// More than a /16 is refused without --allow-large, before anything is sent.
#[test]
fn more_than_a_slash_16_is_refused_without_allow_large() {
    let out = camsweep(&["scan", "--targets", "10.0.0.0/15"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--allow-large"),
        "{}",
        text(&out.stderr)
    );
}

/// Run unattended without --authorised-by, `audit` carries on, warns, and the report says the
/// authorisation was not stated.
#[test]
fn an_unattended_audit_records_that_authorisation_was_not_stated() {
    let port = fake_hikvision().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("audit");
    let out = camsweep(&[
        "audit",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    assert!(stderr.contains("--authorised-by"), "{stderr}");
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    assert_eq!(report.scan.authorised_by, None);
    assert!(
        report
            .scan
            .notes
            .iter()
            .any(|n| n.starts_with("authorisation not stated")),
        "{:?}",
        report.scan.notes
    );
}

/// Asserts a run ended with exit 2 and a message, never a panic.
fn assert_refused(args: &[&str]) -> String {
    let out = camsweep(args);
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.trim().len() > 10, "{args:?}: no message");
    err
}

/// Extreme numbers in every numeric option of every subcommand: a message, never a panic.
#[test]
fn extreme_values_are_refused_at_parse_time_without_panic() {
    let huge = "18446744073709551616";
    let max = "18446744073709551615";
    for sub in ["scan", "audit"] {
        let base = [sub, "--targets", "127.0.0.1", "--authorised-by", "T, IT"];
        let base: &[&str] = if sub == "scan" { &base[..3] } else { &base };
        for extra in [
            &["--rate", "1000000001"][..],
            &["--rate", "0"],
            &["--rate", huge],
            &["--concurrency", "0"],
            &["--concurrency", max],
            &["--per-host", "0"],
            &["--per-host", huge],
            &["--timeout-ms", max],
            &["--timeout-ms", "-1"],
            &["--host-deadline", max],
            &["--host-deadline", "0"],
            &["--ports", "0"],
            &["--ports", "70000"],
            &["--max-input-size", "0"],
            &["--max-input-size", "99999999999999999999G"],
        ] {
            assert_refused(&[base, extra].concat());
        }
    }
    for listen in [max, "99999999999h", "5000000000m", "0s", "8d"] {
        assert_refused(&[
            "audit",
            "--targets",
            "127.0.0.1",
            "-i",
            "lo",
            "--listen",
            listen,
        ]);
        assert_refused(&["analyze", "-i", "lo", "--listen", listen]);
    }
    let pcap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcaps/yi_camera_sample.pcap");
    let pcap = pcap.to_str().unwrap();
    for extra in [
        &["--min-upload-bytes", "0"][..],
        &["--min-upload-bytes", huge],
        &["--burst-bytes", max],
        &["--min-up-down-ratio", "NaN"],
        &["--min-up-down-ratio", "inf"],
        &["--min-up-down-ratio", "-1"],
        &["--min-up-down-ratio", "1e308"],
    ] {
        assert_refused(&[&["analyze", pcap][..], extra].concat());
    }
    assert_refused(&["report", "x.json", "--max-input-size", huge]);
    assert_refused(&["fleet", "x.json", "--max-input-size", "-5"]);
}

/// The largest accepted values run without overflow (a closed port on loopback: quick).
#[test]
fn the_largest_accepted_values_run_without_panic() {
    let out = camsweep(&[
        "scan",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        "1",
        "--rate",
        "1000000",
        "--concurrency",
        "65536",
        "--per-host",
        "1024",
        "--timeout-ms",
        "600000",
        "--host-deadline",
        "86400",
    ]);
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
}

/// `/dev/zero` as a report or a site declaration: a clear error at once, never a memory blow-up.
#[test]
fn dev_zero_as_report_or_site_is_a_clear_error_within_two_seconds() {
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/sample-report.json");
    let sample = sample.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out_dir = out_dir.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["report", "/dev/zero"], "character device"),
        (
            &["report", "/dev/zero", "--allow-special-files"],
            "larger than",
        ),
        (
            &["report", sample, "--site", "/dev/zero", "--out", out_dir],
            "character device",
        ),
        (
            &[
                "report",
                sample,
                "--site",
                "/dev/zero",
                "--out",
                out_dir,
                "--allow-special-files",
            ],
            "larger than",
        ),
        (
            &["report", sample, "--max-input-size", "4K", "--out", out_dir],
            "--max-input-size",
        ),
    ];
    for (args, expected) in cases {
        let started = std::time::Instant::now();
        let err = assert_refused(args);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.len() < 2000, "{args:?}: {} bytes of error", err.len());
    }
}

/// The files of a `--signatures DIR` are bounded like every other input: a huge signature file
/// or a FIFO posing as one is a clear error, not a memory blow-up or a hang.
#[test]
fn signature_directory_files_are_bounded_and_never_special() {
    let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signatures/valid");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("sigs");
    for sub in ["devices", "oui"] {
        std::fs::create_dir_all(copy.join(sub)).unwrap();
        for entry in std::fs::read_dir(valid.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, copy.join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    let copy_arg = copy.to_str().unwrap();
    // A comment makes the file 8 KiB without changing what it says.
    let mut big = std::fs::read_to_string(
        std::fs::read_dir(copy.join("devices"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
    )
    .unwrap();
    big.push_str(&format!("# {}\n", "x".repeat(8 * 1024)));
    std::fs::write(copy.join("devices/big.toml"), &big).unwrap();
    let started = std::time::Instant::now();
    let err = assert_refused(&["signatures", "check", copy_arg, "--max-input-size", "4K"]);
    assert!(
        err.contains("big.toml") && err.contains("larger than"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    std::fs::remove_file(copy.join("devices/big.toml")).unwrap();
    nix::unistd::mkfifo(&copy.join("oui/stalled.tsv"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let started = std::time::Instant::now();
    let out = camsweep(&["signatures", "check", copy_arg]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "a FIFO in the signature folder blocked the loader"
    );
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("stalled.tsv") && err.contains("not a regular file"),
        "{err}"
    );
}

/// Escape sequences and bidi overrides in input never reach the terminal raw.
#[test]
fn control_characters_from_input_are_escaped_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("x\u{1b}]0;owned\u{7}\u{202e}nosj.json");
    std::fs::write(&hostile, "{\"not\": \"\u{1b}[31ma report\"}").unwrap();
    let out_dir = dir.path().join("out");
    for args in [
        vec![
            "report",
            hostile.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        vec!["report", "missing\u{1b}[2J.json"],
        vec!["scan", "--targets", "127.0.0.1", "--rate", "\u{1b}[31m5"],
        vec!["scan", "--targets", "\u{1b}]8;;http://x\u{7}1.2.3.4"],
    ] {
        let out = camsweep(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            !err.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{args:?} printed raw control characters: {err:?}"
        );
    }
}

/// Wrong kinds of capture input get plain words: a folder, a FIFO, a pcapng block of length 0.
#[test]
fn bad_capture_inputs_are_said_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let err = assert_refused(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(err.contains("is a folder, not a file"), "{err}");

    let fifo = dir.path().join("stream");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out_fifo = dir.path().join("out-fifo");
    let started = std::time::Instant::now();
    let err = assert_refused(&[
        "analyze",
        fifo.to_str().unwrap(),
        "--out",
        out_fifo.to_str().unwrap(),
    ]);
    assert!(
        err.contains("FIFO") && err.contains("--allow-special-files"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    // A section header, an Ethernet interface, then an Enhanced Packet Block whose length is 0.
    let mut bytes = Vec::new();
    for word in [0x0A0D_0D0Au32, 28, 0x1A2B_3C4D, 1] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    bytes.extend_from_slice(&u64::MAX.to_le_bytes());
    bytes.extend_from_slice(&28u32.to_le_bytes());
    for word in [1u32, 20, 1, 65_535, 20] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    let damaged_at = bytes.len();
    for word in [6u32, 0] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    bytes.extend_from_slice(&[0u8; 4096]);
    let capture = dir.path().join("zero-block.pcapng");
    std::fs::write(&capture, &bytes).unwrap();
    let out_zero = dir.path().join("out-zero");
    let out = camsweep(&[
        "analyze",
        capture.to_str().unwrap(),
        "--out",
        out_zero.to_str().unwrap(),
        "--quiet",
    ]);
    let err = text(&out.stderr);
    assert!(
        !err.contains("Internal parser error") && err.len() < 2000,
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let json = std::fs::read_to_string(out_zero.join("report.json")).unwrap_or_default();
    let all = format!("{err}{json}");
    assert!(all.contains(&format!("byte {damaged_at}")), "{all}");
    assert!(!json.contains("input ["), "{json}");
}

/// `--listen` on an interface that is down (loopback in a fresh network namespace) says so.
#[test]
fn listening_on_a_down_interface_is_said_in_words() {
    let out = std::process::Command::new("unshare")
        .args([
            "-rn",
            env!("CARGO_BIN_EXE_camsweep"),
            "analyze",
            "-i",
            "lo",
            "--listen",
            "1s",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path().join("out"))
        .output()
        .expect("unshare (util-linux) is needed for this test");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("interface lo is down"), "{err}");
    let out = camsweep(&["analyze", "-i", "no-such-if0", "--listen", "1s"]);
    assert!(
        text(&out.stderr).contains("no network interface named"),
        "{}",
        text(&out.stderr)
    );
}

/// A person reads the command line in their locale's language: help, the refusal of a public
/// target, a missing file, and the demo's summary are Chinese under zh_CN and English under
/// en_US.
#[test]
fn the_terminal_speaks_the_locale_language() {
    use common::camsweep_in_locale;
    let zh = "zh_CN.UTF-8";
    let en = "en_US.UTF-8";

    let help = text(&camsweep_in_locale(zh, &["--help"]).stdout);
    assert!(help.contains("用法：") && help.contains("命令:"), "{help}");
    assert!(
        !help.contains("Usage:") && !help.contains("Print help"),
        "{help}"
    );
    let help = text(&camsweep_in_locale(en, &["--help"]).stdout);
    assert!(
        help.contains("Usage:") && help.contains("Commands:"),
        "{help}"
    );

    let audit = text(&camsweep_in_locale(zh, &["audit", "--help"]).stdout);
    assert!(audit.contains("选项:") && audit.contains("示例"), "{audit}");
    assert!(!audit.contains("Options:"), "{audit}");
    let audit = text(&camsweep_in_locale(en, &["audit", "--help"]).stdout);
    assert!(
        audit.contains("Options:") && audit.contains("Examples:"),
        "{audit}"
    );

    let public = ["audit", "--targets", "8.8.8.8", "--authorised-by", "test"];
    let refused = camsweep_in_locale(zh, &public);
    assert_eq!(refused.status.code(), Some(2));
    let said = text(&refused.stderr);
    assert!(said.contains("错误：") && said.contains("局域网"), "{said}");
    let said = text(&camsweep_in_locale(en, &public).stderr);
    assert!(said.contains("outside the private"), "{said}");

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope/report.json");
    let missing = missing.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let said = text(&camsweep_in_locale(zh, &["report", missing, "--out", out]).stderr);
    assert!(
        said.contains("读取报告") && said.contains("文件或文件夹不存在"),
        "{said}"
    );
    assert!(
        !Path::new(out).exists(),
        "a failed command left its output folder behind"
    );
    let said = text(&camsweep_in_locale(en, &["report", missing, "--out", out]).stderr);
    assert!(said.contains("No such file"), "{said}");

    let demo_zh = dir.path().join("demo-zh");
    let run = camsweep_in_locale(zh, &["demo", "--out", demo_zh.to_str().unwrap()]);
    assert!(
        run.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&run.stderr)
    );
    let shown = text(&run.stdout);
    assert!(
        shown.contains("需现场核实") && shown.contains("报告:"),
        "{shown}"
    );
    assert!(
        text(&run.stderr).contains("模拟门店核对"),
        "{}",
        text(&run.stderr)
    );
    let demo_en = dir.path().join("demo-en");
    let run = camsweep_in_locale(en, &["demo", "--out", demo_en.to_str().unwrap()]);
    let shown = text(&run.stdout);
    assert!(
        shown.contains("To verify on site") && shown.contains("report:"),
        "{shown}"
    );
    // The report files keep their own language (--lang, Chinese by default) either way.
    let html = std::fs::read_to_string(demo_en.join("report.html")).unwrap();
    assert!(
        html.contains("lang=\"zh"),
        "the report's language followed the locale"
    );
}

/// `audit` at a terminal without `--authorised-by` asks who authorised it, in the locale's
/// language, and an empty answer stops it before anything is sent. stdin is a pseudo-terminal
/// (openpty), as when a person runs it.
#[test]
fn the_authorisation_prompt_speaks_the_locale_language() {
    let zh = prompt_answered_empty("zh_CN.UTF-8");
    assert!(
        zh.contains("未经网络所有者授权扫描网络可能违法")
            && zh.contains("谁授权了本次扫描")
            && zh.contains("未提供授权"),
        "{zh}"
    );
    assert!(!zh.contains("Who authorised"), "{zh}");
    let en = prompt_answered_empty("en_US.UTF-8");
    assert!(
        en.contains("can be unlawful")
            && en.contains("Who authorised this scan?")
            && en.contains("no authorisation given"),
        "{en}"
    );
}

/// Runs `audit` with a pseudo-terminal as stdin under `LANG=lang`, answers the authorisation
/// prompt with an empty line, and returns what it wrote on stderr (it must refuse, exit 2).
fn prompt_answered_empty(lang: &str) -> String {
    use std::io::Write;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::{Command, Stdio};

    let (mut master, slave) = {
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty writes two new descriptors into the out-parameters; the null name,
        // termios and window size are allowed.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened by openpty and are owned here alone.
        unsafe {
            (
                std::fs::File::from(OwnedFd::from_raw_fd(master)),
                OwnedFd::from_raw_fd(slave),
            )
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["audit", "--targets", "127.0.0.1", "--out"])
        .arg(dir.path().join("out"))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    master.write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        !dir.path().join("out").exists(),
        "an unauthorised audit left an output folder"
    );
    said
}
