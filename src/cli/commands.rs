//! One function per subcommand.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{
    AuditArgs, Cli, Command, JurisdictionArg, PolicyOptions, ReportArgs, ScanArgs,
    SignaturesCommand,
};
use super::progress::BarProgress;
use super::{
    EXIT_CLEAN, EXIT_FLAGGED, analyze, authorisation, demo, fleet, guard, integrity, lab, locale,
    output, packaging, plan, policy, render, signals, summary,
};
use crate::app::{self, Interrupt};
use crate::discover::ProgressSink;
use crate::fingerprint;
use crate::model::ScanMode;
use crate::report;

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
        Command::Fleet(args) => fleet::run(&args, quiet),
        Command::Lab(args) => lab::run(&args, quiet).await,
        Command::Completions(args) => packaging::completions(&args),
        Command::Man(args) => packaging::man(&args),
    }
}

async fn audit(
    args: AuditArgs,
    quiet: bool,
    authorisation: authorisation::Authorisation,
    interrupt: &Interrupt,
) -> Result<u8> {
    // Checked before the scan: an audit never runs for minutes only to fail writing its report.
    let out = guard::prepare_out_dir(args.out.as_deref(), "", args.output.force)?;
    let bundle = app::load_signatures(args.scan.signatures.as_deref())?;
    // An inline bridge without targets is a passive audit: the devices are those seen crossing
    // it, and nothing is sent at all.
    let passive = args.bridge.is_some()
        && args.scan.targets.is_empty()
        && args.scan.targets_file.is_none()
        && args.scan.interface.is_none();
    let build = if passive {
        plan::build_passive
    } else {
        plan::build
    };
    let mut plan = build(
        &args.scan,
        &bundle.ports,
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
    if let (Some(gateway), Some(ctx)) = (args.gateway, plan.discovery.as_mut()) {
        ctx.gateway = Some(gateway);
    }
    // The capture starts first so a missing capability fails before the scan, not after it.
    let listening = match (&args.listen, &args.scan.interface) {
        (Some(listen), _) if let Some(ports) = &args.bridge => {
            let bridge = bridge_plan(&plan, ports, listen)?;
            let listening = app::analyze::start_bridging(
                &bridge,
                args.write_pcap.as_deref(),
                &plan.scanner_addresses,
                interrupt.flag(),
            )?;
            Some(if passive {
                listening.adopting_hosts_seen(bundle.devices.clone())
            } else {
                listening
            })
        }
        (Some(listen), Some(iface)) if args.intercept => {
            let intercept = intercept_plan(&args, &plan, iface, listen)?;
            Some(app::analyze::start_intercepting(
                &intercept,
                args.write_pcap.as_deref(),
                &plan.scanner_addresses,
                interrupt.flag(),
            )?)
        }
        // The scanner's own addresses are left out: its probes and their replies are not what
        // the devices send.
        (Some(listen), Some(iface)) => Some(app::analyze::start_listening_excluding(
            iface,
            crate::capture::parse_duration(listen).map_err(|e| anyhow::anyhow!(e))?,
            args.write_pcap.as_deref(),
            &plan.scanner_addresses,
            interrupt.flag(),
        )?),
        _ => None,
    };
    let progress = BarProgress::new(quiet || args.output.json);
    let mut report = app::run_until(&plan, &bundle.devices, &progress, interrupt).await?;
    report.scan.extend_notes(authorisation.note);
    if let Some(credentials) = &credentials {
        report.scan.push_note(
            crate::model::Note::new("credentials_given").arg("count", credentials.len()),
        );
    }
    let mut connections = None;
    if let Some(listening) = listening {
        let countdown = analyze::countdown(&listening, quiet || args.output.json);
        connections = Some(
            app::analyze::finish_listening(listening, &mut report, &bundle.cloud, interrupt)
                .await?,
        );
        drop(countdown);
    } else {
        // No traffic was looked at: uploads could not be observed (not "there were none").
        report.scan.vantage = Some("none".into());
    }
    policy::apply(
        &mut report,
        &args.policy,
        &bundle,
        policy::DefaultSite::None,
    )?;
    let extra: Vec<(&str, &[u8])> = connections
        .iter()
        .map(|csv| (app::analyze::CONNECTIONS_CSV, csv.as_bytes()))
        .collect();
    render::finish_report_with(&report, &out, &args.output, quiet, &extra)
}

/// What `audit --intercept` may intercept: the IPv4 addresses of `--targets` between them and
/// the gateway. Refused without a stated authorisation: interception changes other hosts' ARP
/// entries, which only the network's owner may allow.
fn intercept_plan(
    args: &AuditArgs,
    plan: &app::ScanPlan,
    interface: &str,
    listen: &str,
) -> Result<crate::intercept::InterceptPlan> {
    if plan.authorised_by.is_none() {
        anyhow::bail!(
            "--intercept changes the ARP entries of the devices in --targets and of their gateway: \
             it needs the network owner's authorisation, stated with --authorised-by \"name, role\" \
             (or answered at the prompt); nothing was sent"
        );
    }
    let gateway = match args.gateway {
        Some(gateway) => gateway,
        None => crate::intercept::default_gateway(interface)?,
    };
    let targets = plan
        .addresses
        .iter()
        .filter_map(|ip| match ip {
            std::net::IpAddr::V4(v4) => Some(*v4),
            std::net::IpAddr::V6(_) => None,
        })
        .collect();
    Ok(crate::intercept::InterceptPlan {
        interface: interface.to_string(),
        gateway,
        targets,
        listen: crate::capture::parse_duration(listen).map_err(|e| anyhow::anyhow!(e))?,
    })
}

/// What `audit --bridge` passes frames between. Refused without a stated authorisation: the
/// inspector's host goes into the shop's cable, which only the network's owner may allow.
fn bridge_plan(
    plan: &app::ScanPlan,
    ports: &[String; 2],
    listen: &str,
) -> Result<crate::intercept::BridgePlan> {
    if plan.authorised_by.is_none() {
        anyhow::bail!(
            "--bridge puts this host into the shop's network cable: it needs the network owner's \
             authorisation, stated with --authorised-by \"name, role\" (or answered at the \
             prompt); nothing was changed"
        );
    }
    if let Some(iface) = &plan.interface
        && ports.contains(iface)
    {
        anyhow::bail!(
            "--interface {iface} is one of the --bridge ports: scan from another interface, or \
             leave --interface out for a passive audit"
        );
    }
    Ok(crate::intercept::BridgePlan {
        ports: ports.clone(),
        listen: crate::capture::parse_duration(listen).map_err(|e| anyhow::anyhow!(e))?,
    })
}

async fn scan(args: ScanArgs, quiet: bool, interrupt: &Interrupt) -> Result<u8> {
    let bundle = app::load_signatures(args.scan.signatures.as_deref())?;
    let plan = plan::build(
        &args.scan,
        &bundle.ports,
        ScanMode::Scan,
        args.output.lang,
        None,
    )?;
    let progress = BarProgress::new(quiet || args.output.json);
    if args.hosts_only {
        return hosts_only(&plan, &progress, args.output.json).await;
    }
    let mut report = app::run_until(&plan, &bundle.devices, &progress, interrupt).await?;
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
            report::render_table_within(
                &report,
                locale::terminal_lang(render::lang(args.output.lang)),
                render::use_color(),
                summary::terminal_columns()
            )
        )?;
    }
    let flagged = report.devices.iter().any(|d| {
        d.is_surveillance() || d.identity.face_recognition == crate::model::FaceRecognition::Yes
    });
    render::tell_partial(&report, None);
    Ok(render::exit_code(
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
    // A report folder names its report.json, as `sign` and `verify` accept folders too.
    let report_path = if args.report.is_dir() {
        args.report.join("report.json")
    } else {
        args.report.clone()
    };
    // The output folder is settled first: never the report's own folder (its files and signature
    // are evidence and stay byte for byte as they are), by default a fresh sibling of it.
    let out = match &args.out {
        Some(out) => {
            if same_folder(out, &report_path) {
                anyhow::bail!(
                    "--out {} is the folder of {}: camsweep never writes beside the original report (its files and signature stay as they are); choose another --out, or leave it out for a fresh folder beside it",
                    output::terminal(&out.display().to_string()),
                    output::terminal(&report_path.display().to_string())
                );
            }
            out.clone()
        }
        None => guard::fresh(&rendered_sibling(&report_path)),
    };
    guard::check_out_dir(&out, args.output.force)?;
    let text = guard::read_text(&report_path, "report")?;
    // The per-connection record comes from the capture, not from report.json: it is carried
    // into the new folder as it is.
    let connections = report_path
        .parent()
        .map(|dir| dir.join(app::analyze::CONNECTIONS_CSV))
        .filter(|path| path.is_file())
        .map(|path| guard::read_text(&path, "connections.csv"))
        .transpose()?;
    report::validate(&text)
        .with_context(|| format!("{} is not a valid camsweep report", report_path.display()))?;
    let mut report = report::from_json(&text)
        .with_context(|| format!("{} is not a camsweep report", report_path.display()))?;
    // Said once the input is known to be a report: a failed command leaves no folder to tell of.
    if args.out.is_none() {
        eprintln!(
            "{}",
            locale::fill(
                "writing into a new folder {} (the original folder is left as it is; --out chooses another)",
                &[&output::terminal(&out.display().to_string())]
            )
        );
    }
    // With --site the findings are evaluated again and a new report.json is written.
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
            let bundle = app::load_signatures(None)?;
            policy::apply(&mut report, &opts, &bundle, policy::DefaultSite::None)?;
            Some(report::to_json(&report)?)
        }
        None => None,
    };
    let mut text = reevaluated.unwrap_or(text);
    if args.output.redact {
        report = report::redact(&report);
        text = report::to_json(&report)?;
    }
    // report.json is written beside its renderings, so the new folder is a whole case file that
    // SHA256SUMS covers (and the renderings name the report.json they are made from).
    let written = output::write_report_files(
        &out,
        &report,
        output::ReportJson {
            text: &text,
            write: true,
        },
        &args.format,
        render::lang(args.output.lang),
        &connections
            .iter()
            .map(|csv| (app::analyze::CONNECTIONS_CSV, csv.as_bytes()))
            .collect::<Vec<_>>(),
    )?;
    let mut stdout = std::io::stdout().lock();
    for path in written {
        writeln!(stdout, "{}", output::terminal(&path.display().to_string()))?;
    }
    Ok(if report.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FLAGGED
    })
}

/// `<case folder>-rendered-<UTC time>` beside the folder holding `report`.
fn rendered_sibling(report: &Path) -> PathBuf {
    let parent = report.parent().filter(|p| !p.as_os_str().is_empty());
    let case = std::fs::canonicalize(parent.unwrap_or(Path::new(".")))
        .unwrap_or_else(|_| PathBuf::from("."));
    let stamp = output::default_out_dir("")
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (case.parent(), case.file_name()) {
        (Some(above), Some(name)) => {
            above.join(format!("{}-rendered-{stamp}", name.to_string_lossy()))
        }
        _ => output::default_out_dir("-rendered"),
    }
}

/// Reads a `--credentials` file; its errors never quote its text (it holds passwords).
fn read_credentials(path: &Path) -> Result<crate::probe::credentials::Credentials> {
    let text = guard::read_text(path, "credentials file")?;
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
            let db = app::load_signatures(signatures.as_deref())?.devices;
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
            let db = app::load_signatures(dir.as_deref())?.devices;
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
            regression,
            signatures,
            min_recognised,
            min_vendor,
        } => {
            let bundle = app::load_signatures(signatures.as_deref())?;
            let mut devices = read_eval_corpus(&dir)?;
            if let Some(regression) = &regression {
                devices.extend(read_eval_corpus(regression)?);
            }
            let scores =
                crate::accuracy::evaluate(&bundle.devices, &bundle.ports.services, &devices);
            write!(stdout, "{}", crate::accuracy::render(&scores))?;
            let mut failed = Vec::new();
            for (part, t) in [
                ("evaluation corpus", &scores.eval_only),
                ("regression set", &scores.regression),
                ("MAC-only devices", &scores.mac_only),
            ] {
                if t.decoys_called_surveillance > 0 {
                    failed.push(format!(
                        "{part}: {} non-surveillance device(s) called surveillance",
                        t.decoys_called_surveillance
                    ));
                }
            }
            for (part, t) in [
                ("whole", &scores.whole),
                ("evaluation corpus", &scores.eval_only),
            ] {
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
        let text = super::guard::read_text(&path, "evaluation corpus file")?;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        devices.extend(crate::accuracy::parse_corpus_file(&name, &text)?);
    }
    anyhow::ensure!(!devices.is_empty(), "no devices in {}", dir.display());
    Ok(devices)
}
