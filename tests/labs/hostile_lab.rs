//! The hostile lab end to end, as an ordinary user: devices that drip, hang, lie about lengths,
//! bomb, loop, reset, flood and inject markup and terminal escapes, beside legitimate store
//! personas. `camsweep audit` runs as a child process inside the lab and must finish within its
//! deadline, under 200 MB of peak RSS, identify the legitimate personas, escape every hostile
//! string in the terminal, HTML, Markdown and CSV output, never contact the witness host that the
//! hostile replies point at, and report what it cut short and why.
//!
//! A suite of the lab runner (tests/labs/harness.rs, its own process), like lab_namespaces.rs:
//! only a single-threaded process may enter a new user namespace. When namespaces cannot be
//! created the suite fails with the kernel's reason; it never skips. The figures it prints (wall
//! time, peak RSS, bytes the hostile ports sent) are the ones in docs/robustness.md.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use camsweep::lab::{self, Lab, LabSpec};
use camsweep::model::Report;

use crate::harness::{Tally, with_causes};

/// The audited range: every persona but the witness (198.18.0.200).
const TARGETS: &str = "198.18.0.0/25";
/// The whole audit of the hostile lab must finish within this.
const AUDIT_DEADLINE: Duration = Duration::from_secs(45);
/// Per-host probe budget given to the audit.
const HOST_DEADLINE_SECS: &str = "10";
/// Per-request timeout: above the 1.5 s default so that a loaded CI machine (many compilers on
/// two cores) does not time out the lab's prompt personas; the dripping ones still time out.
const TIMEOUT_MS: &str = "3000";
/// Peak resident memory allowed to the audit process.
const MAX_RSS_KIB: i64 = 200 * 1024;
/// The host every redirect, LOCATION, XAddr and external entity of the hostile personas names.
const WITNESS: &str = "witness";

/// What the audit left behind, for the checks.
struct Audit {
    lab: Lab,
    spec: LabSpec,
    elapsed: Duration,
    peak_rss_kib: i64,
    status: Option<i32>,
    stdout: String,
    stderr: String,
    out: PathBuf,
    report: Report,
    json: serde_json::Value,
}

type Check = fn(&Audit) -> Result<(), String>;

const CHECKS: &[(&str, Check)] = &[
    (
        "audit_finishes_within_its_deadline",
        finishes_within_deadline,
    ),
    ("peak_rss_stays_under_200_mb", rss_bounded),
    ("report_is_schema_valid", schema_valid),
    (
        "legitimate_personas_are_still_identified",
        legitimate_identified,
    ),
    (
        "hostile_strings_reach_the_report_json_as_data",
        hostile_strings_collected,
    ),
    ("terminal_output_carries_no_raw_escapes", terminal_escaped),
    ("html_report_escapes_every_hostile_string", html_escaped),
    ("markdown_report_escapes_every_hostile_string", md_escaped),
    ("csv_inventory_escapes_every_hostile_string", csv_escaped),
    ("witness_host_is_never_contacted", witness_untouched),
    ("report_lists_what_was_cut_short_and_why", cut_short_listed),
    ("hostile_bodies_are_read_only_up_to_the_caps", bodies_capped),
];

/// Every check's name, in order.
pub fn checks() -> Vec<&'static str> {
    CHECKS.iter().map(|(name, _)| *name).collect()
}

pub fn main(tally: &mut Tally) {
    if let Err(e) = lab::enter_lab_namespaces() {
        tally.abort("enter_lab_namespaces", &with_causes(&e));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let spec =
        LabSpec::hostile().unwrap_or_else(|e| tally.abort("hostile_spec_parses", &with_causes(&e)));
    let lab = match runtime.block_on(Lab::start(&spec)) {
        Ok(lab) => lab,
        Err(e) => tally.abort("hostile_lab_starts", &with_causes(&e)),
    };
    println!(
        "hostile lab up: {} personas in {:?}",
        lab.personas().len(),
        lab.startup_time()
    );
    let audit = match run_audit(lab, spec) {
        Ok(audit) => audit,
        Err(e) => tally.abort("audit_runs", &e),
    };
    println!(
        "audit of {TARGETS}: exit {:?}, wall {:.1} s, peak RSS {:.1} MiB, {} devices",
        audit.status,
        audit.elapsed.as_secs_f64(),
        audit.peak_rss_kib as f64 / 1024.0,
        audit.report.devices.len()
    );
    for name in ["endless", "drip"] {
        println!(
            "  {name}: {} connection(s), {} bytes sent",
            audit.lab.connections(name),
            audit.lab.bytes_sent(name)
        );
    }
    let mut failed = false;
    for (name, check) in CHECKS {
        if tally.wants(name) {
            let result = check(&audit);
            failed |= result.is_err();
            tally.report(name, result);
        }
    }
    if failed {
        println!("the audit's report is kept in {}", audit.out.display());
    } else {
        let _ = std::fs::remove_dir_all(&audit.out);
    }
    runtime.block_on(audit.lab.shutdown());
}

/// Runs `camsweep audit` on the lab from the lab root namespace (the child inherits it), kills it
/// at twice the deadline, and reads back what it wrote.
fn run_audit(lab: Lab, spec: LabSpec) -> Result<Audit, String> {
    let out = std::env::temp_dir().join(format!("camsweep-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let started = Instant::now();
    // CI runs this binary as `nobody` with a copy of camsweep it can reach (.ci/run).
    let bin = std::env::var_os("CAMSWEEP_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_camsweep")),
        PathBuf::from,
    );
    let mut child = Command::new(bin)
        .args([
            "audit",
            "--interface",
            lab.scanner_interface(),
            "--targets",
            TARGETS,
            "--host-deadline",
            HOST_DEADLINE_SECS,
            "--timeout-ms",
            TIMEOUT_MS,
            "--authorised-by",
            "hostile lab test",
            "--lang",
            "en",
            "--out",
        ])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn camsweep: {e}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_at_most(&mut child, AUDIT_DEADLINE * 2)?;
    let elapsed = started.elapsed();
    // The only child this process has waited for: its peak RSS is the children's maximum.
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_err(|e| format!("getrusage: {e}"))?;
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let text = std::fs::read_to_string(out.join("report.json")).map_err(|e| {
        format!("report.json not written ({e}); exit {status:?}; stderr:\n{stderr}")
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("report.json: {e}"))?;
    let report: Report =
        serde_json::from_value(json.clone()).map_err(|e| format!("report.json: {e}"))?;
    Ok(Audit {
        lab,
        spec,
        elapsed,
        peak_rss_kib: usage.max_rss(),
        status,
        stdout,
        stderr,
        out,
        report,
        json,
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

fn wait_at_most(child: &mut Child, limit: Duration) -> Result<Option<i32>, String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.code()),
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "camsweep audit still running after {limit:?}: killed"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for camsweep: {e}")),
        }
    }
}

fn read(audit: &Audit, file: &str) -> Result<String, String> {
    std::fs::read_to_string(audit.out.join(file)).map_err(|e| format!("{file}: {e}"))
}

fn finishes_within_deadline(a: &Audit) -> Result<(), String> {
    if !matches!(a.status, Some(0 | 1)) {
        return Err(format!("exit {:?}; stderr:\n{}", a.status, a.stderr));
    }
    if a.elapsed > AUDIT_DEADLINE {
        return Err(format!("took {:?}, deadline {AUDIT_DEADLINE:?}", a.elapsed));
    }
    Ok(())
}

fn rss_bounded(a: &Audit) -> Result<(), String> {
    if a.peak_rss_kib <= 0 || a.peak_rss_kib > MAX_RSS_KIB {
        return Err(format!("peak RSS {} KiB", a.peak_rss_kib));
    }
    Ok(())
}

fn schema_valid(a: &Audit) -> Result<(), String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../reports/report.schema.json"))
            .map_err(|e| e.to_string())?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
    let errors: Vec<String> = validator
        .iter_errors(&a.json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("schema errors: {errors:#?}"))
    }
}

/// The store personas run beside the hostile ones and come out exactly as in the demo.
fn legitimate_identified(a: &Audit) -> Result<(), String> {
    let store = LabSpec::bundled().map_err(|e| e.to_string())?;
    let mut wrong = Vec::new();
    let mut checked = 0;
    for persona in a
        .spec
        .personas
        .iter()
        .filter(|p| store.personas.iter().any(|s| s.name == p.name))
    {
        checked += 1;
        let ip = persona.ip.to_string();
        let Some(dev) = a.report.devices.iter().find(|d| d.ip == ip) else {
            wrong.push(format!("{} ({ip}) not found", persona.name));
            continue;
        };
        let (want, id) = (&persona.expect, &dev.identity);
        if id.vendor != want.vendor
            || id.device_type != want.device_type
            || id.face_recognition != want.face_recognition
        {
            wrong.push(format!(
                "{} ({ip}): want {:?}/{:?}/{:?}, got {:?}/{:?}/{:?}",
                persona.name,
                want.vendor,
                want.device_type,
                want.face_recognition,
                id.vendor,
                id.device_type,
                id.face_recognition
            ));
        }
    }
    if checked < 6 {
        return Err(format!(
            "only {checked} legitimate personas in the hostile lab"
        ));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("\n  "))
    }
}

/// Strings the hostile personas send, as the report must hold them (raw, in JSON) — proof that
/// the escaping checks below were given something to escape.
const INJECTED: &[&str] = &[
    "<script>alert(\"title\")</script>",
    "<script>alert('onvif')</script>",
    "<script>alert('ssdp')</script>",
    "\u{1b}[31mRED",
    "\u{202e}",
];

fn hostile_strings_collected(a: &Audit) -> Result<(), String> {
    let values: Vec<&str> = a
        .report
        .devices
        .iter()
        .flat_map(|d| d.evidence.iter().map(|e| e.value.as_str()))
        .collect();
    let missing: Vec<&&str> = INJECTED
        .iter()
        .filter(|s| !values.iter().any(|v| v.contains(**s)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("no evidence value contains {missing:?}"))
    }
}

/// Characters that must never reach an output raw: ESC, BEL, NUL, CSI, RTL override.
const RAW_CONTROLS: &[char] = &['\u{1b}', '\u{7}', '\u{0}', '\u{9b}', '\u{202e}'];

fn no_raw_controls(what: &str, text: &str) -> Result<(), String> {
    match text.chars().find(|c| RAW_CONTROLS.contains(c)) {
        Some(c) => {
            let at = text.find(c).unwrap_or(0);
            let start = text[..at]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            Err(format!(
                "{what} holds a raw {c:?} near {:?}",
                &text[start..(at + 8).min(text.len())]
            ))
        }
        None => Ok(()),
    }
}

fn terminal_escaped(a: &Audit) -> Result<(), String> {
    no_raw_controls("stdout", &a.stdout)?;
    no_raw_controls("stderr", &a.stderr)?;
    if !a.stdout.contains("198.18.0.105") {
        return Err(format!("the injector is not in the table:\n{}", a.stdout));
    }
    Ok(())
}

fn html_escaped(a: &Audit) -> Result<(), String> {
    let page = read(a, "report.html")?;
    no_raw_controls("report.html", &page)?;
    for raw in ["<script", "<img", "<b>bold", "onerror=alert(1)>"] {
        if page.contains(raw) {
            return Err(format!("report.html holds raw {raw:?}"));
        }
    }
    for shown in [
        "&lt;script&gt;alert(&quot;title&quot;)",
        "\\x1b[31mRED",
        "\\u{202e}",
        "&#x27;quoted&#x27;",
    ] {
        if !page.contains(shown) {
            return Err(format!("report.html lacks the escaped form {shown:?}"));
        }
    }
    Ok(())
}

fn md_escaped(a: &Audit) -> Result<(), String> {
    let text = read(a, "report.md")?;
    no_raw_controls("report.md", &text)?;
    for raw in ["<script", "<img", "<b>", "[link](http"] {
        if text.contains(raw) {
            return Err(format!("report.md holds raw {raw:?}"));
        }
    }
    for shown in ["&lt;script&gt;", "\\\\x1b\\[31mRED", "\\\\u{202e}"] {
        if !text.contains(shown) {
            return Err(format!("report.md lacks the escaped form {shown:?}"));
        }
    }
    // Table rows keep their column count: an injected `|` is escaped.
    if let Some(line) = text
        .lines()
        .find(|l| l.contains("| cell") && !l.contains("\\| cell"))
    {
        return Err(format!("unescaped pipe in {line:?}"));
    }
    Ok(())
}

fn csv_escaped(a: &Audit) -> Result<(), String> {
    let text = read(a, "inventory.csv")?;
    no_raw_controls("inventory.csv", text.trim_start_matches('\u{feff}'))?;
    let rows = text.lines().count();
    if rows != a.report.devices.len() + 1 {
        return Err(format!(
            "inventory.csv has {rows} lines for {} devices (a value broke a row)",
            a.report.devices.len()
        ));
    }
    for line in text.lines() {
        for field in line.split(',') {
            if field.trim_start_matches('"').starts_with(['=', '+', '@']) {
                return Err(format!("formula not defused in {line:?}"));
            }
        }
    }
    Ok(())
}

fn witness_untouched(a: &Audit) -> Result<(), String> {
    let seen = a.lab.connections(WITNESS);
    if seen > 0 {
        return Err(format!(
            "the witness (outside the targets, named by redirects, SSDP LOCATION and XML entities) got {seen} connection(s)"
        ));
    }
    if a.report.devices.iter().any(|d| d.ip == "198.18.0.200") {
        return Err("the witness appears in the report".into());
    }
    Ok(())
}

/// Each hostile persona's cut shows up on its device with the reason, and the flood as a limit.
fn cut_short_listed(a: &Audit) -> Result<(), String> {
    let expected: &[(&str, &str)] = &[
        ("198.18.0.100", "timeout"),
        ("198.18.0.100", "host_deadline"),
        ("198.18.0.101", "timeout"),
        ("198.18.0.102", "size_cap"),
        ("198.18.0.103", "redirect_limit"),
        ("198.18.0.103", "redirect_off_host"),
        ("198.18.0.106", "malformed"),
        ("198.18.0.107", "reply_cap"),
        ("198.18.0.108", "reset"),
    ];
    let mut missing = Vec::new();
    for (ip, reason) in expected {
        let device = a.report.devices.iter().find(|d| d.ip == *ip);
        let has = device.is_some_and(|d| d.cut_short.iter().any(|c| c.reason == *reason));
        if !has {
            missing.push(format!(
                "{ip} lacks a {reason} cut (has {:?})",
                device.map(|d| d
                    .cut_short
                    .iter()
                    .map(|c| format!("{}:{}", c.probe, c.reason))
                    .collect::<Vec<_>>())
            ));
        }
    }
    if !a
        .report
        .scan
        .limits_hit
        .iter()
        .any(|l| l.limit == "discovery_replies_per_host" && l.detail.contains("198.18.0.107"))
    {
        missing.push(format!(
            "scan.limits_hit lacks the flood: {:?}",
            a.report.scan.limits_hit
        ));
    }
    // A scan-wide bound reached means the scan was cut short: the contract says so by `complete`.
    if a.report.scan.complete {
        missing.push("scan.complete is true although scan-wide limits were hit".into());
    }
    let html = read(a, "report.html")?;
    let md = read(a, "report.md")?;
    for (file, text, heading) in [
        ("report.html", &html, "Cut short"),
        ("report.html", &html, "Limits reached"),
        ("report.md", &md, "Cut short"),
        ("report.md", &md, "Limits reached"),
    ] {
        if !text.contains(heading) {
            missing.push(format!("{file} does not show {heading:?}"));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing.join("\n  "))
    }
}

/// The endless, lying and compressed bodies are read up to the caps, not to their ends: what the
/// lab managed to send stays within a few megabytes (the kernel's socket buffers included).
fn bodies_capped(a: &Audit) -> Result<(), String> {
    let sent = a.lab.bytes_sent("endless");
    if sent == 0 || sent > 64 * 1024 * 1024 {
        return Err(format!("the endless persona sent {sent} bytes"));
    }
    Ok(())
}
