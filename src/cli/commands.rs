//! One function per subcommand.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{
    AuditArgs, Cli, Command, Format, JurisdictionArg, LangArg, OutputOptions, PolicyOptions,
    ReportArgs, ScanArgs, SignaturesCommand,
};
use super::progress::BarProgress;
use super::{
    EXIT_CLEAN, EXIT_FLAGGED, EXIT_PARTIAL, analyze, authorisation, demo, fleet, integrity, lab,
    output, plan, policy, signals,
};
use crate::app::{self, Interrupt, Signal};
use crate::discover::ProgressSink;
use crate::fingerprint::{self, SignatureDb};
use crate::model::{Report, ScanMode};
use crate::report::{self, Lang};

pub async fn run(cli: Cli) -> Result<u8> {
    let quiet = cli.quiet;
    // Only the commands that run for a while and write a report catch the signals; the others
    // keep the default (a signal ends them, and they write nothing half-way anyway).
    // Asked before the signal handlers are installed, so Ctrl-C at the question just quits.
    let authorisation = match &cli.command {
        Command::Audit(args) => Some(authorisation::resolve(args.authorised_by.clone())?),
        _ => None,
    };
    let interrupt = match &cli.command {
        Command::Audit(_) | Command::Scan(_) | Command::Analyze(_) | Command::Demo(_) => {
            signals::watch()?
        }
        _ => Interrupt::never(),
    };
    match cli.command {
        Command::Audit(args) => {
            audit(args, quiet, authorisation.unwrap_or_default(), &interrupt).await
        }
        Command::Scan(args) => scan(args, quiet, &interrupt).await,
        Command::Report(args) => rerender(&args),
        Command::Analyze(args) => analyze::run(&args, quiet, &interrupt),
        Command::Demo(args) => demo::run(args, quiet, &interrupt).await,
        Command::Signatures(cmd) => signatures(cmd),
        Command::Site(cmd) => policy::site(cmd),
        Command::Rules(cmd) => policy::rules(cmd),
        Command::Keygen(args) => integrity::keygen(&args),
        Command::Sign(args) => integrity::sign(&args),
        Command::Verify(args) => integrity::verify(&args),
        Command::Fleet(args) => fleet::run(&args),
        Command::Lab(args) => lab::run(&args, quiet).await,
    }
}

/// The built-in signature set, or a directory's.
pub fn load_signatures(dir: Option<&Path>) -> Result<SignatureDb> {
    match dir {
        Some(dir) => SignatureDb::load_dir(dir)
            .with_context(|| format!("loading signatures from {}", dir.display())),
        None => SignatureDb::bundled().context("loading the built-in signatures"),
    }
}

pub fn lang(arg: LangArg) -> Lang {
    match arg {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    }
}

async fn audit(
    args: AuditArgs,
    quiet: bool,
    authorisation: authorisation::Authorisation,
    interrupt: &Interrupt,
) -> Result<u8> {
    let db = load_signatures(args.scan.signatures.as_deref())?;
    let mut plan = plan::build(
        &args.scan,
        ScanMode::Audit,
        args.output.lang,
        authorisation.by,
    )?;
    let credentials = args
        .credentials
        .as_deref()
        .map(read_credentials)
        .transpose()?;
    if let Some(credentials) = &credentials {
        plan.probe.credentials = std::sync::Arc::new(credentials.clone());
    }
    // The capture starts first so a missing capability fails before the scan, not after it.
    let listening = match (&args.listen, &args.scan.interface) {
        (Some(listen), Some(iface)) => Some(analyze::start_listening(
            iface,
            listen,
            args.write_pcap.as_deref(),
            interrupt.flag(),
        )?),
        _ => None,
    };
    let progress = BarProgress::new(quiet || args.output.json);
    let mut report = app::run_until(&plan, &db, &progress, interrupt).await?;
    report
        .scan
        .notes
        .extend(authorisation.note.map(str::to_string));
    if let Some(credentials) = &credentials {
        report.scan.notes.push(format!(
            "self-checks: the owner's logins for {} device(s) were given (--credentials); used only to answer an ONVIF GetDeviceInformation Digest challenge; passwords are not recorded",
            credentials.len()
        ));
    }
    if let Some(listening) = listening {
        analyze::finish_listening(listening, &mut report, interrupt).await?;
    }
    policy::apply(
        &mut report,
        &args.policy,
        args.scan.signatures.as_deref(),
        policy::DefaultSite::None,
    )?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| output::default_out_dir(""));
    finish_report(&report, &out, &args.output, quiet)
}

/// Writes the files (redacted with `--redact`), prints the table (or the JSON), and picks the
/// exit code.
pub fn finish_report(
    report: &Report,
    out: &Path,
    options: &OutputOptions,
    quiet: bool,
) -> Result<u8> {
    let redacted;
    let report = if options.redact {
        redacted = report::redact(report);
        &redacted
    } else {
        report
    };
    let json_to_stdout = options.json;
    let lang = lang(options.lang);
    let json = report::to_json(report)?;
    output::write_report_files(
        out,
        report,
        output::ReportJson {
            text: &json,
            write: true,
        },
        &[Format::Html, Format::Md, Format::Csv],
        lang,
    )?;
    let mut stdout = std::io::stdout().lock();
    if json_to_stdout {
        writeln!(stdout, "{json}")?;
    } else if !quiet {
        write!(
            stdout,
            "{}",
            report::render_table(report, lang, use_color())
        )?;
        writeln!(
            stdout,
            "{}: {}",
            if matches!(lang, Lang::Zh) {
                "报告"
            } else {
                "report"
            },
            out.join("report.html").display()
        )?;
    }
    tell_partial(report, Some(out));
    Ok(exit_code(
        report,
        if report.findings.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_FLAGGED
        },
    ))
}

/// Says on stderr why a report is partial: the signal that interrupted it, the capture damage.
fn tell_partial(report: &Report, out: Option<&Path>) {
    for damage in &report.scan.damaged_captures {
        eprintln!("warning: {}", damage.note());
    }
    if let Some(signal) = &report.scan.interrupted_by {
        match out {
            Some(out) => eprintln!(
                "interrupted by {signal}: partial report (scan.complete = false) written to {}",
                out.display()
            ),
            None => eprintln!("interrupted by {signal}: the results above are partial"),
        }
    }
}

/// The exit code of a run that wrote `report`: 130/143 when a signal interrupted it, 3 when a
/// capture was damaged, else `done` (0 or 1).
fn exit_code(report: &Report, done: u8) -> u8 {
    match report.scan.interrupted_by.as_deref() {
        Some("SIGTERM") => Signal::Terminate.exit_code(),
        Some(_) => Signal::Interrupt.exit_code(),
        None if !report.scan.damaged_captures.is_empty() => EXIT_PARTIAL,
        None => done,
    }
}

async fn scan(args: ScanArgs, quiet: bool, interrupt: &Interrupt) -> Result<u8> {
    let db = load_signatures(args.scan.signatures.as_deref())?;
    let plan = plan::build(&args.scan, ScanMode::Scan, args.output.lang, None)?;
    let progress = BarProgress::new(quiet || args.output.json);
    if args.hosts_only {
        return hosts_only(&plan, &progress, args.output.json).await;
    }
    let mut report = app::run_until(&plan, &db, &progress, interrupt).await?;
    if args.output.redact {
        report = report::redact(&report);
    }
    let mut stdout = std::io::stdout().lock();
    if args.output.json {
        writeln!(stdout, "{}", report::to_json(&report)?)?;
    } else {
        write!(
            stdout,
            "{}",
            report::render_table(&report, lang(args.output.lang), use_color())
        )?;
    }
    let flagged = report.devices.iter().any(|d| {
        d.is_surveillance() || d.identity.face_recognition == crate::model::FaceRecognition::Yes
    });
    tell_partial(&report, None);
    Ok(exit_code(
        &report,
        if flagged { EXIT_FLAGGED } else { EXIT_CLEAN },
    ))
}

/// `scan --hosts-only`: one line per live host (address, MAC), or a JSON array of them.
async fn hosts_only(plan: &app::ScanPlan, progress: &BarProgress, json: bool) -> Result<u8> {
    let (found, _) = app::find_hosts(plan, progress, false, None).await;
    progress.finish();
    let mut stdout = std::io::stdout().lock();
    if json {
        let hosts: Vec<_> = found
            .hosts
            .iter()
            .map(|h| serde_json::json!({ "ip": h.ip.to_string(), "mac": h.mac }))
            .collect();
        writeln!(stdout, "{}", serde_json::Value::Array(hosts))?;
    } else {
        for host in &found.hosts {
            writeln!(
                stdout,
                "{}\t{}",
                host.ip,
                host.mac.as_deref().unwrap_or("-")
            )?;
        }
    }
    Ok(EXIT_CLEAN)
}

fn rerender(args: &ReportArgs) -> Result<u8> {
    let text = std::fs::read_to_string(&args.report)
        .with_context(|| format!("reading {}", args.report.display()))?;
    report::validate(&text)
        .with_context(|| format!("{} is not a valid camsweep report", args.report.display()))?;
    let mut report = report::from_json(&text)
        .with_context(|| format!("{} is not a camsweep report", args.report.display()))?;
    // With --site the findings are evaluated again and a new report.json is written (to --out).
    let reevaluated = match &args.site {
        Some(site) => {
            let jurisdictions = if args.jurisdictions.is_empty() {
                vec![JurisdictionArg::Cn]
            } else {
                args.jurisdictions.clone()
            };
            let opts = PolicyOptions {
                site: Some(site.clone()),
                jurisdictions,
            };
            policy::apply(&mut report, &opts, None, policy::DefaultSite::None)?;
            Some(report::to_json(&report)?)
        }
        None => None,
    };
    let mut text = reevaluated.unwrap_or(text);
    // A redacted copy is a new report.json: it never lands beside (or over) the original.
    if args.output.redact {
        let beside_original = match &args.out {
            Some(out) => same_folder(out, &args.report),
            None => true,
        };
        if beside_original {
            anyhow::bail!(
                "--redact writes a new report.json: give an --out folder other than the original report's"
            );
        }
        report = report::redact(&report);
        text = report::to_json(&report)?;
    }
    let out: PathBuf = match &args.out {
        Some(dir) => dir.clone(),
        None => args
            .report
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let written = output::write_report_files(
        &out,
        &report,
        output::ReportJson {
            text: &text,
            write: args.out.is_some() || args.site.is_some(),
        },
        &args.format,
        lang(args.output.lang),
    )?;
    let mut stdout = std::io::stdout().lock();
    for path in written {
        writeln!(stdout, "{}", path.display())?;
    }
    Ok(if report.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FLAGGED
    })
}

/// Reads a `--credentials` file; its errors never quote its text (it holds passwords).
fn read_credentials(path: &Path) -> Result<crate::probe::credentials::Credentials> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    crate::probe::credentials::Credentials::parse(&text)
        .with_context(|| format!("{} is not a credentials file", path.display()))
}

/// Whether `out` is the folder `report` is in (so writing there would replace the original).
fn same_folder(out: &Path, report: &Path) -> bool {
    let parent = report.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    match (std::fs::canonicalize(out), std::fs::canonicalize(parent)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn signatures(cmd: SignaturesCommand) -> Result<u8> {
    let mut stdout = std::io::stdout().lock();
    match cmd {
        SignaturesCommand::List { signatures } => {
            let db = load_signatures(signatures.as_deref())?;
            for sig in db.signatures() {
                writeln!(
                    stdout,
                    "{:<40} {:<14} {:<15} face={:<7} {}",
                    sig.id,
                    sig.vendor.as_deref().unwrap_or("-"),
                    sig.device_type.map_or("-", |t| t.as_str()),
                    sig.face_recognition.map_or("-", |f| f.as_str()),
                    sig.source
                )?;
            }
            let info = db.info();
            writeln!(
                stdout,
                "{} signatures; set {} sha256 {}",
                db.signatures().len(),
                info.version,
                info.sha256
            )?;
            Ok(EXIT_CLEAN)
        }
        SignaturesCommand::Check { dir } => {
            let db = load_signatures(dir.as_deref())?;
            let failures = fingerprint::check_examples(&db);
            for failure in &failures {
                writeln!(stdout, "{failure}")?;
            }
            if failures.is_empty() {
                writeln!(
                    stdout,
                    "ok: {} signatures, every example matches",
                    db.signatures().len()
                )?;
                Ok(EXIT_CLEAN)
            } else {
                anyhow::bail!("{} example(s) failed", failures.len())
            }
        }
        SignaturesCommand::Eval {
            dir,
            signatures,
            min_recognised,
            min_vendor,
        } => {
            let db = load_signatures(signatures.as_deref())?;
            let devices = read_eval_corpus(&dir)?;
            let scores = crate::accuracy::evaluate(&db, &devices);
            write!(stdout, "{}", crate::accuracy::render(&scores))?;
            let mut failed = Vec::new();
            for (part, t) in [
                ("whole", &scores.whole),
                ("evaluation-only", &scores.eval_only),
            ] {
                if t.decoys_called_surveillance > 0 {
                    failed.push(format!(
                        "{part}: {} non-surveillance device(s) called surveillance",
                        t.decoys_called_surveillance
                    ));
                }
                if let Some(min) = min_recognised.filter(|m| t.recognised_pct() < *m) {
                    failed.push(format!(
                        "{part}: recognised {:.1} % < {min} %",
                        t.recognised_pct()
                    ));
                }
                if let Some(min) = min_vendor.filter(|m| t.vendor_pct() < *m) {
                    failed.push(format!("{part}: vendor {:.1} % < {min} %", t.vendor_pct()));
                }
            }
            if failed.is_empty() {
                Ok(EXIT_CLEAN)
            } else {
                anyhow::bail!("{}", failed.join("; "))
            }
        }
    }
}

/// Every `*.toml` of an evaluation corpus folder, parsed, in name order.
fn read_eval_corpus(dir: &Path) -> Result<Vec<crate::accuracy::EvalDevice>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut devices = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        devices.extend(crate::accuracy::parse_corpus_file(&name, &text)?);
    }
    anyhow::ensure!(!devices.is_empty(), "no devices in {}", dir.display());
    Ok(devices)
}

fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
