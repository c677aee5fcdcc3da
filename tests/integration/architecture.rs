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

/// Chinese text the code holds that is knowledge, not a label, each with why it is still there:
/// (file, the start of the line). The lines are listed one by one, so a new one fails the test.
/// Empty: the address convention the fleet roll-up used to hold moved to
/// `signatures/addresses.toml`.
const KNOWLEDGE_IN_CODE: &[(&str, &str)] = &[];

/// The files compiled only for tests: every `#[cfg(test)] mod name;` (with its `#[path]`, if
/// any) in `files`, resolved as rustc resolves it; a module folder is test-only as a whole.
fn test_only_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let dir = file.parent().unwrap();
        let stem = file.file_stem().unwrap().to_string_lossy();
        let base = if ["mod", "lib", "main"].contains(&stem.as_ref()) {
            dir.to_path_buf()
        } else {
            dir.join(stem.as_ref())
        };
        for rest in text.split("#[cfg(test)]").skip(1) {
            let mut path_attr = None;
            for line in rest.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if let Some(p) = line.strip_prefix("#[path = \"") {
                    path_attr = p.strip_suffix("\"]").map(|p| dir.join(p));
                    continue;
                }
                let decl = line
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                if let Some(name) = decl.strip_prefix("mod ").and_then(|n| n.strip_suffix(';')) {
                    match &path_attr {
                        Some(p) => out.push(p.clone()),
                        None => {
                            out.push(base.join(format!("{name}.rs")));
                            let folder = base.join(name);
                            if folder.is_dir() {
                                rust_files(&folder, &mut out);
                            }
                        }
                    }
                }
                break;
            }
        }
    }
    out
}

/// Every zh/en label is in locales/zh-CN.toml: no Chinese in the code of src/ (reports, model,
/// policy sentences, fleet page, command line) nor in its page templates. Comments, test modules
/// and test-only files may hold Chinese (a test compares against it); so may the knowledge lines
/// of `KNOWLEDGE_IN_CODE`. Data files under src/ (the lab's scenarios) are inputs, not code.
#[test]
fn labels_live_only_in_the_locale_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let test_only = test_only_files(&files);
    for expected in [
        "src/report/testdata.rs",
        "src/policy/tests.rs",
        "src/fingerprint/lexicon_tests.rs",
        "src/traffic/passive_tests.rs",
        "src/traffic/zeek/tests.rs",
    ] {
        assert!(
            test_only.contains(&root.join(expected)),
            "{expected} not seen as test-only: {test_only:?}"
        );
    }
    files.retain(|f| !test_only.contains(f));
    for template in [
        "src/report/templates/report.html",
        "src/fleet/templates/fleet.html",
        "src/fleet/templates/fleet_row.html",
    ] {
        files.push(root.join(template));
    }
    // CJK punctuation, ideographs and full-width forms.
    let chinese = |c: char| matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}');
    let mut left = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_before_inline_tests(&text).lines().enumerate() {
            let line = line.trim();
            let comment = line.starts_with("//");
            let known = KNOWLEDGE_IN_CODE
                .iter()
                .any(|(file, start)| *file == rel && line.starts_with(start));
            if !comment && !known && line.chars().any(chinese) {
                left.push(format!("{rel}:{}: {line}", n + 1));
            }
        }
    }
    assert!(left.is_empty(), "labels left in code:\n{}", left.join("\n"));
}

/// The code of `text` before its first inline test module (`#[cfg(test)]` then `mod x {`).
fn code_before_inline_tests(text: &str) -> &str {
    let mut at = 0;
    while let Some(found) = text[at..].find("#[cfg(test)]\n") {
        let start = at + found;
        let next = text[start..].lines().nth(1).unwrap_or("").trim();
        let decl = next
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub ");
        if decl.starts_with("mod ") && decl.ends_with('{') {
            return &text[..start];
        }
        at = start + 1;
    }
    text
}

/// Notes written in English only (a note the report could not say in Chinese): what the guard
/// below looks for, in code with its whitespace removed.
const ENGLISH_NOTE_SHAPES: &[&str] = &[
    "notes.push(format!(",
    "notes.push(String",
    "notes.push(\"",
    ".note(format!(",
    ".note(\"",
    "scan.notes.push(",
    "scan.notes.extend(",
    "notes.extend(Some(format!(",
];

/// Scan notes are typed (`model::Note`: a key of the locale file's `[note.*]` sentences and the
/// values of its holes), so a report says them in its own language: no note is added to a
/// report as a bare English `format!` string, and `scan.notes` (the English lines of report.json)
/// is only written by `ScanInfo::push_note`, which keeps `scan.note_items` beside it. Every key
/// the code names has its sentence and every sentence is named by code. Test code may build
/// English lines by hand (old reports had only those).
#[test]
fn scan_notes_are_typed_and_said_in_both_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let test_only = test_only_files(&files);
    files.retain(|f| !test_only.contains(f));
    let locale: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("locales/zh-CN.toml")).unwrap()).unwrap();
    let sentences = locale["note"]
        .as_table()
        .expect("[note.*] in the locale file");
    let mut english = Vec::new();
    let mut unknown = Vec::new();
    let mut code_all = String::new();
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let code: String = code_lines(code_before_inline_tests(&text))
            .into_iter()
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
            .join("\n");
        let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        for shape in ENGLISH_NOTE_SHAPES {
            // ScanInfo's own methods are the one writer of `scan.notes`.
            let own = rel == "src/model/report.rs";
            if !own && squeezed.contains(shape) {
                english.push(format!("{rel}: {shape}"));
            }
        }
        for (at, _) in squeezed.match_indices("Note::new(\"") {
            let key = &squeezed[at + "Note::new(\"".len()..];
            let key = &key[..key.find('"').unwrap_or(0)];
            if !sentences.contains_key(key) {
                unknown.push(format!("{rel}: note.{key}"));
            }
        }
        code_all.push_str(&code);
    }
    assert!(
        english.is_empty(),
        "notes added as English text (build a model::Note and give its sentence a [note.*] entry in locales/zh-CN.toml):\n{}",
        english.join("\n")
    );
    assert!(
        unknown.is_empty(),
        "notes without a sentence:\n{}",
        unknown.join("\n")
    );
    let unused: Vec<&String> = sentences
        .keys()
        .filter(|key| !code_all.contains(&format!("\"{key}\"")))
        .collect();
    assert!(
        unused.is_empty(),
        "[note.*] sentences no code names: {unused:?}"
    );
    for (key, pair) in sentences {
        for lang in ["zh", "en"] {
            assert!(
                pair.get(lang).and_then(|v| v.as_str()).is_some(),
                "note.{key}: no {lang}"
            );
        }
    }
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
