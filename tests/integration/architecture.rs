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

/// No Chinese label is left in the code of the report renderers, their HTML template or the
/// model: every zh/en label comes from the one locale file, `locales/zh-CN.toml` (src/locale.rs).
/// Comments, test modules and the test-only files may quote labels to check the output.
#[test]
fn report_labels_live_only_in_the_locale_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/report"), &mut files);
    rust_files(&root.join("src/model"), &mut files);
    files.push(root.join("src/locale.rs"));
    files.push(root.join("src/report/templates/report.html"));
    // Whole files compiled only for tests are declared `#[cfg(test)] mod name;`.
    let report_mod = std::fs::read_to_string(root.join("src/report/mod.rs")).unwrap();
    let test_only: Vec<String> = report_mod
        .split("#[cfg(test)]")
        .skip(1)
        .filter_map(|rest| {
            let decl = rest.trim_start().lines().next()?;
            let name = decl
                .trim_start_matches("pub(crate) ")
                .strip_prefix("mod ")?;
            Some(format!("{}.rs", name.trim_end_matches(';')))
        })
        .collect();
    assert!(
        test_only.contains(&"testdata.rs".to_string()),
        "{test_only:?}"
    );
    // CJK punctuation, ideographs and full-width forms.
    let chinese = |c: char| matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}');
    let mut left = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if test_only.contains(&name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // The code before the file's test module.
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let comment = line.trim_start().starts_with("//");
            if !comment && line.chars().any(chinese) {
                left.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(left.is_empty(), "labels left in code:\n{}", left.join("\n"));
}
