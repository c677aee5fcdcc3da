//! The runner of the lab suites: libtest's command line (filters, `--exact`, `--skip`, `--list`,
//! `--ignored`) and output (`test suite::check ... ok`), with each suite in a process of its own.
//!
//! Why processes: the kernel grants a new user namespace only to a single-threaded process, and
//! a suite's lab (namespaces, veths, personas) lives as long as the process that made it. So the
//! runner, itself single-threaded, starts this same executable once per suite with the suite's
//! name and the selected checks in the environment; the child enters its namespaces first thing,
//! runs the checks one after another and prints one line per check. The suites run one at a time,
//! as they did when each was its own test binary: two labs at once would share the CPU and the
//! timing-sensitive checks (loss, deadlines, interception) would measure each other.
//!
//! Never a pass by skipping: every selected check must be reported by its suite. A check the
//! suite did not report (its lab did not come up, the process died) fails with the reason.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The environment variable naming the suite a child process runs.
const SUITE_VAR: &str = "LABS_RUN_SUITE";
/// The environment variable listing the checks (comma-separated) the child runs.
const CHECKS_VAR: &str = "LABS_RUN_CHECKS";

/// One lab suite: a lab and the checks made in it.
pub struct Suite {
    pub name: &'static str,
    /// Every check the suite can report, in the order it runs them.
    pub checks: fn() -> Vec<&'static str>,
    /// Builds the suite's lab in the current (fresh, single-threaded) process and runs the checks
    /// `tally` selects, reporting each to it.
    pub main: fn(&mut Tally),
}

/// What a suite's process reports: one line per check, in libtest's words.
pub struct Tally {
    suite: &'static str,
    selected: Vec<String>,
    failed: usize,
}

impl Tally {
    /// Whether the runner selected `check` (a suite runs only those, and skips the set-up of a
    /// lab none of them needs).
    pub fn wants(&self, check: &str) -> bool {
        self.selected.iter().any(|s| s == check)
    }

    /// Reports one check's outcome.
    pub fn report(&mut self, check: &str, result: Result<(), String>) {
        match result {
            Ok(()) => println!("test {}::{check} ... ok", self.suite),
            Err(why) => {
                self.failed += 1;
                println!("test {}::{check} ... FAILED\n  {why}", self.suite);
            }
        }
    }

    /// A step before the checks failed (namespaces, the lab, a shared audit): reports it and ends
    /// the suite's process. The checks it did not reach are failed by the runner as not run.
    pub fn abort(&self, step: &str, why: &dyn Display) -> ! {
        println!("test {}::{step} ... FAILED\n  {why}", self.suite);
        std::process::exit(101);
    }
}

/// An error with its causes, `step: cause: cause` (the lab's errors keep the OS or netlink
/// error that made a step fail as their source, out of their own message).
pub fn with_causes(err: &dyn std::error::Error) -> String {
    let mut shown = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        shown.push_str(&format!(": {c}"));
        cause = c.source();
    }
    shown
}

/// The command line, as libtest reads it.
struct Args {
    filters: Vec<String>,
    skips: Vec<String>,
    exact: bool,
    list: bool,
    ignored_only: bool,
}

impl Args {
    fn parse(args: &[String]) -> Args {
        let mut parsed = Args {
            filters: Vec::new(),
            skips: Vec::new(),
            exact: false,
            list: false,
            ignored_only: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--exact" => parsed.exact = true,
                "--list" => parsed.list = true,
                "--ignored" => parsed.ignored_only = true,
                "--skip" => parsed.skips.extend(args.next().cloned()),
                // libtest options that take a value: the value is not a filter.
                "--test-threads" | "--color" | "--format" | "--logfile" | "-Z" => {
                    args.next();
                }
                a if a.starts_with("--skip=") => parsed.skips.push(a["--skip=".len()..].into()),
                a if a.starts_with('-') => {} // --nocapture, --include-ignored, -q, --flag=value …
                filter => parsed.filters.push(filter.to_string()),
            }
        }
        parsed
    }

    /// libtest's selection: a test runs when a filter matches its full name (substring, or whole
    /// with `--exact`) and no `--skip` does. Lab checks are never `#[ignore]`d, so `--ignored`
    /// selects none of them.
    fn selects(&self, full_name: &str) -> bool {
        let matches = |f: &String| {
            if self.exact {
                full_name == f
            } else {
                full_name.contains(f.as_str())
            }
        };
        !self.ignored_only
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skips.iter().any(|s| full_name.contains(s.as_str()))
    }
}

/// The test binary's `main`: the runner, or a suite's process when started by the runner.
pub fn main(suites: &[Suite]) {
    if let Ok(name) = std::env::var(SUITE_VAR) {
        let Some(suite) = suites.iter().find(|s| s.name == name) else {
            println!("test {name} ... FAILED\n  no such lab suite");
            std::process::exit(101);
        };
        let selected = std::env::var(CHECKS_VAR).unwrap_or_default();
        let mut tally = Tally {
            suite: suite.name,
            selected: selected.split(',').map(str::to_string).collect(),
            failed: 0,
        };
        (suite.main)(&mut tally);
        std::process::exit(if tally.failed > 0 { 101 } else { 0 });
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(run(suites, &Args::parse(&args)));
}

/// Runs every suite with a selected check, each in its own process, one after another; returns
/// the exit code (0 all passed, 101 something failed).
fn run(suites: &[Suite], args: &Args) -> i32 {
    let plan: Vec<(&Suite, Vec<&'static str>)> = suites
        .iter()
        .map(|suite| {
            let checks = (suite.checks)()
                .into_iter()
                .filter(|check| args.selects(&format!("{}::{check}", suite.name)))
                .collect();
            (suite, checks)
        })
        .collect();
    let total: usize = suites.iter().map(|s| (s.checks)().len()).sum();
    let selected: usize = plan.iter().map(|(_, checks)| checks.len()).sum();
    if args.list {
        for (suite, checks) in &plan {
            for check in checks {
                println!("{}::{check}: test", suite.name);
            }
        }
        println!("\n{selected} tests, 0 benchmarks");
        return 0;
    }
    println!("\nrunning {selected} tests");
    let (mut passed, mut failed) = (0, 0);
    for (suite, checks) in plan.iter().filter(|(_, checks)| !checks.is_empty()) {
        let outcome = run_suite(suite, checks);
        passed += outcome.values().filter(|ok| **ok).count();
        failed += outcome.values().filter(|ok| !**ok).count();
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {failed} failed; 0 ignored; 0 measured; {} filtered out\n",
        total - selected
    );
    if failed == 0 { 0 } else { 101 }
}

/// One suite in a child process: its lines are passed through and read back; returns each
/// reported step or check with whether it passed, the selected checks it did not report failed.
fn run_suite(suite: &Suite, checks: &[&'static str]) -> BTreeMap<String, bool> {
    let mut outcome = BTreeMap::new();
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            println!(
                "test {} ... FAILED\n  cannot find this executable: {e}",
                suite.name
            );
            outcome.insert(suite.name.to_string(), false);
            return outcome;
        }
    };
    let child = Command::new(exe)
        .env(SUITE_VAR, suite.name)
        .env(CHECKS_VAR, checks.join(","))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            println!(
                "test {} ... FAILED\n  cannot start its process: {e}",
                suite.name
            );
            outcome.insert(suite.name.to_string(), false);
            return outcome;
        }
    };
    let prefix = format!("test {}::", suite.name);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            let Some(rest) = line.strip_prefix(&prefix) else {
                continue;
            };
            if let Some(name) = rest.strip_suffix(" ... ok") {
                outcome.insert(name.to_string(), true);
            } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
                outcome.insert(name.to_string(), false);
            }
        }
    }
    let (clean, status) = match child.wait() {
        Ok(status) => (status.success(), status.to_string()),
        Err(e) => (false, e.to_string()),
    };
    for check in checks {
        if !outcome.contains_key(*check) {
            println!(
                "{prefix}{check} ... FAILED\n  not run: the suite's process ended ({status}) before reporting it"
            );
            outcome.insert((*check).to_string(), false);
        }
    }
    let all_passed = outcome.values().all(|ok| *ok);
    if all_passed && !clean {
        println!(
            "{prefix}exits_cleanly ... FAILED\n  every check passed but the process ended with {status}"
        );
        outcome.insert("exits_cleanly".to_string(), false);
    }
    outcome
}
