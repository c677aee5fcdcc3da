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

/// What a file under `src/cli/` may not do: build a report, run the traffic analysis or load
/// the signatures (those are `app/`'s; the CLI maps arguments to plans and renders results).
const CLI_FORBIDDEN: &[(&str, &str)] = &[
    (
        "Report {",
        "builds a Report (app/report.rs assembles every report)",
    ),
    ("ScanInfo {", "builds a scan record (app/report.rs does)"),
    (
        "SignatureBundle::load",
        "loads the signatures (app::load_signatures does, once per run)",
    ),
    (
        "SignatureBundle::builtin",
        "loads the signatures (app::load_signatures does, once per run)",
    ),
    ("Analyzer", "runs the traffic analyser (app/analyze does)"),
    ("PcapSource", "reads frames of a capture (app/analyze does)"),
    ("LiveSource", "captures frames (app/analyze does)"),
    (
        "finish_all(",
        "finishes a traffic analysis (app/analyze does)",
    ),
    ("traffic::zeek", "reads Zeek logs (app/analyze does)"),
];

/// The code of a file, comments left out, as (line number, code).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.split("//").next().unwrap_or("").to_string()))
        .collect()
}

/// Whether `needle` occurs in `code` as a whole name (not the tail of a longer one) and, for a
/// struct literal (`Name {`), not as a function's return type (`-> Name {`).
fn uses(code: &str, needle: &str) -> bool {
    code.match_indices(needle).any(|(at, _)| {
        let before = &code[..at];
        let whole = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let returned = needle.ends_with(" {") && before.trim_end().ends_with("->");
        whole && !returned
    })
}

/// The files of `src/cli/` as (module they belong to, path under src/cli, text): a file
/// directly in cli/ is its own module, a folder (`fleet/`) is one module.
fn cli_files(root: &Path) -> Vec<(String, String, String)> {
    let cli = root.join("src/cli");
    let mut files = Vec::new();
    rust_files(&cli, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let rel = file
                .strip_prefix(&cli)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&file).unwrap();
            (module, rel, text)
        })
        .collect()
}

#[test]
fn the_cli_builds_no_report_runs_no_analysis_and_loads_no_signatures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut violations = Vec::new();
    for (_, rel, text) in cli_files(root) {
        for (n, code) in code_lines(&text) {
            for (needle, what) in CLI_FORBIDDEN {
                if uses(&code, needle) {
                    violations.push(format!("src/cli/{rel}:{n}: {what}"));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "the CLI does app/'s work:\n{}",
        violations.join("\n")
    );
    // The check itself sees what it forbids.
    assert!(uses("    let r = Report {", "Report {"));
    assert!(!uses("fn f() -> Report {", "Report {"));
    assert!(!uses("let x = CliReport {", "Report {"));
}

/// The modules of `src/cli/` a file names: `use super::{a, b::c}`, `super::a::f`,
/// `crate::cli::a`; inside a folder's inner files `super::` is the folder, `super::super::` cli.
fn cli_imports(rel: &str, text: &str, modules: &[String]) -> Vec<String> {
    let nested = rel.contains('/') && !rel.ends_with("/mod.rs");
    let prefixes: &[&str] = if nested {
        &["super::super::", "crate::cli::"]
    } else {
        &["super::", "crate::cli::"]
    };
    let code: String = code_lines(text)
        .into_iter()
        .map(|(_, c)| c)
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for prefix in prefixes {
        for (at, _) in code.match_indices(prefix) {
            let before = &code[..at];
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[at + prefix.len()..];
            let names: Vec<String> = if let Some(list) = rest.strip_prefix('{') {
                // `{a, b::c, d::{e, f}}`: the first segment of each top-level item.
                let mut depth = 0;
                let mut items = vec![String::new()];
                for c in list.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => items.push(String::new()),
                        c => items.last_mut().unwrap().push(c),
                    }
                }
                items
                    .iter()
                    .map(|i| i.trim().split("::").next().unwrap_or("").trim().to_string())
                    .collect()
            } else {
                vec![
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect(),
                ]
            };
            found.extend(names.into_iter().filter(|n| modules.contains(n)));
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn cli_files_import_each_other_without_a_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = cli_files(root);
    // `cli/mod.rs` is the root: it declares the files and holds the exit codes they all use;
    // a circle is among the files it declares.
    let mut modules: Vec<String> = files
        .iter()
        .map(|(m, _, _)| m.clone())
        .filter(|m| m != "mod")
        .collect();
    modules.dedup();
    let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for (module, rel, text) in &files {
        if module == "mod" {
            continue;
        }
        for target in cli_imports(rel, text, &modules) {
            if &target != module {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        edges.get("commands").is_some_and(|t| t.contains("render")),
        "the import reader finds commands.rs → render.rs: {edges:?}"
    );
    // Depth-first search; a module met again while still on the path closes a circle.
    fn visit(
        module: &str,
        edges: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut circle = path[at..].to_vec();
            circle.push(module.to_string());
            circles.push(circle.join(" → "));
            return;
        }
        if !done.insert(module.to_string()) {
            return;
        }
        path.push(module.to_string());
        for next in edges.get(module).into_iter().flatten() {
            visit(next, edges, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = std::collections::BTreeSet::new();
    for module in &modules {
        visit(module, &edges, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "circles of imports among src/cli files:\n{}",
        circles.join("\n")
    );
    // The search sees a circle when there is one.
    let mut looped = edges.clone();
    looped
        .entry("render".into())
        .or_default()
        .insert("commands".into());
    let (mut seen, mut found) = (std::collections::BTreeSet::new(), Vec::new());
    for module in &modules {
        visit(module, &looped, &mut Vec::new(), &mut seen, &mut found);
    }
    assert!(
        !found.is_empty(),
        "a planted circle commands → render → commands is found"
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
