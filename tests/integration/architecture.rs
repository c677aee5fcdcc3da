//! The seams stay where docs/architecture.md puts them: the deciding modules (model, fingerprint,
//! report, wire) never touch the network, the clock or files, so they stay testable without a network.

use std::path::{Path, PathBuf};

/// Modules that decide or encode, and must do no I/O.
const PURE: &[&str] = &[
    "src/accuracy",
    "src/model",
    "src/fingerprint",
    "src/fleet",
    "src/integrity",
    "src/policy",
    "src/report",
    "src/wire",
    "src/traffic",
];
/// What a pure module may not use.
const FORBIDDEN: &[&str] = &[
    "tokio::net",
    "std::net::TcpStream",
    "std::net::TcpListener",
    "std::net::UdpSocket",
    "reqwest::",
    "pnet::datalink",
    "SystemTime::now",
    "Instant::now",
    "OffsetDateTime::now",
    "std::fs",
    "std::process",
];
/// Files allowed one named exception, and why.
const EXCEPTIONS: &[(&str, &str)] = &[
    // `--signatures DIR`: the loader reads the directory it is given; matching stays pure.
    ("src/fingerprint/db.rs", "std::fs"),
    // Test-only golden-file helper.
    ("src/report/testdata.rs", "std::fs"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn pure_modules_do_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut violations = Vec::new();
    for module in PURE {
        let mut files = Vec::new();
        rust_files(&root.join(module), &mut files);
        assert!(!files.is_empty(), "{module} has no files");
        for file in files {
            let rel = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for needle in FORBIDDEN {
                    let excused = EXCEPTIONS
                        .iter()
                        .any(|(f, what)| *f == rel && what == needle);
                    if code.contains(needle) && !excused {
                        violations.push(format!("{rel}:{}: uses {needle}", n + 1));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "I/O in pure modules:\n{}",
        violations.join("\n")
    );
}

/// Lints clippy runs by default that the code allows locally (with a reason).
const ON_BY_DEFAULT: &[&str] = &["too_many_arguments"];

/// Every `#[allow(clippy::…)]` in src/ names a lint that runs (Cargo.toml's `[lints.clippy]`, or
/// one on by default): an allow of a lint nobody switched on says nothing and hides nothing
/// (docs/architecture.md, "Lints").
#[test]
fn every_clippy_allow_names_a_lint_that_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let switched_on: Vec<&str> = manifest["lints"]["clippy"]
        .as_table()
        .expect("[lints.clippy] in Cargo.toml")
        .keys()
        .map(String::as_str)
        .chain(ON_BY_DEFAULT.iter().copied())
        .collect();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut idle = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for allowed in line.split("allow(").skip(1) {
                let lints = allowed.split(')').next().unwrap_or("");
                for lint in lints
                    .split(',')
                    .filter_map(|l| l.trim().strip_prefix("clippy::"))
                {
                    if !switched_on.contains(&lint) {
                        idle.push(format!("{}:{}: clippy::{lint}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        idle.is_empty(),
        "allows of clippy lints that do not run:\n{}",
        idle.join("\n")
    );
}
