//! `camsweep demo`: build the simulated store, audit it from inside, write the report, and say whether
//! every persona was identified as the real device it imitates would be.

use anyhow::{Context, Result};
use std::io::Write;
use std::time::Duration;

use super::args::{DemoArgs, ScanOptions};
use super::progress::BarProgress;
use super::{guard, plan, policy, render};
use crate::app::{self, Interrupt};
use crate::bundle::SignatureBundle;
use crate::lab::{Lab, Persona, Switch, uploads};
use crate::model::{FaceRecognition, Report, ScanMode};
use crate::traffic::CloudDb;

/// How long the demo listens on the lab LAN, from the start of the scan: every uploading
/// persona's period (≤ 2 s, src/lab/uploads.toml) comes round at least twice. The scan itself
/// takes about as long, so the demo grows by at most a few seconds.
const LISTEN: &str = "5s";

pub async fn run(args: DemoArgs, quiet: bool, interrupt: &Interrupt) -> Result<u8> {
    // The folder is checked first: a demo never runs only to find it cannot write its report.
    let out = guard::prepare_out_dir(args.out.as_deref(), "-demo", args.output.force)?;
    let bundle = app::load_signatures(args.signatures.as_deref())?;
    let scenario = args.scenario.scenario();
    let spec = scenario.spec().context("loading the lab personas")?;
    let switch = match args.switch {
        super::args::SwitchArg::Mirror => Switch::Mirror,
        super::args::SwitchArg::Learning => Switch::Learning,
    };
    // An interrupt while the lab starts still gives a (empty, partial) report, at once.
    let lab = tokio::select! {
        biased;
        _ = interrupt.wait() => None,
        lab = Lab::start_with_switch(&spec, switch) => Some(lab.context("starting the simulated store")?),
    };
    let Some(lab) = lab else {
        return interrupted_before_the_lab(&args, &bundle, &out, quiet, interrupt).await;
    };
    let opts = ScanOptions {
        targets: vec![lab.subnet().to_string()],
        targets_file: None,
        interface: Some(lab.scanner_interface().to_string()),
        signatures: args.signatures.clone(),
        ports: Vec::new(),
        rate: None,
        concurrency: 768,
        per_host: 4,
        timeout_ms: 1500,
        host_deadline: 20,
        allow_public: false,
        allow_large: false,
    };
    let mut scan_plan = plan::build(
        &opts,
        &bundle.ports,
        ScanMode::Demo,
        args.output.lang,
        Some(scenario.authorised_by().into()),
    )?;
    scan_plan.sweep.connect_timeout = Duration::from_millis(1500);
    // The lab router is the store's gateway and a target: its UPnP port-mapping table is read.
    if let Some(ctx) = scan_plan.discovery.as_mut() {
        ctx.gateway = Some(crate::lab::persona::GATEWAY_IP);
    }
    // The scanner's port sees every frame of the lab bridge, as a mirror port would: the
    // capture runs alongside the scan so the report shows what the devices send out.
    let scanner = std::net::IpAddr::V4(lab.scanner_ip());
    if !scan_plan.scanner_addresses.contains(&scanner) {
        scan_plan.scanner_addresses.push(scanner);
    }
    let listening = if args.intercept {
        let plan = crate::intercept::InterceptPlan {
            interface: lab.scanner_interface().to_string(),
            gateway: crate::lab::persona::GATEWAY_IP,
            targets: lab.subnet().hosts().collect(),
            listen: crate::capture::parse_duration(LISTEN).map_err(|e| anyhow::anyhow!(e))?,
        };
        app::analyze::start_intercepting(&plan, None, &[scanner], interrupt.flag())?
    } else {
        app::analyze::start_listening_excluding(
            lab.scanner_interface(),
            crate::capture::parse_duration(LISTEN).map_err(|e| anyhow::anyhow!(e))?,
            None,
            &[scanner],
            interrupt.flag(),
        )?
    };
    let progress = BarProgress::new(quiet || args.output.json);
    let mut report = app::run_until(&scan_plan, &bundle.devices, &progress, interrupt).await?;
    let connections =
        app::analyze::finish_listening(listening, &mut report, &bundle.cloud, interrupt).await?;
    if !args.intercept && switch == Switch::Mirror {
        // The lab's flooding bridge hands the scanner every frame, as a mirror port does.
        report.scan.vantage = Some("mirror_port".into());
    }
    policy::apply(
        &mut report,
        &args.policy,
        &bundle,
        policy::DefaultSite::Bundled(scenario.site_file()),
    )?;
    let check = lab_check(&lab, &report, &bundle.cloud);
    // Shutting the lab down waits for its servers; an interrupted demo writes its report first.
    let lab = if interrupt.raised().is_some() {
        Some(lab)
    } else {
        lab.shutdown().await;
        None
    };

    let code = render::finish_report_with(
        &report,
        &out,
        &args.output,
        quiet,
        &[(app::analyze::CONNECTIONS_CSV, connections.as_bytes())],
    )?;
    drop(lab);
    let mut stderr = std::io::stderr().lock();
    if !quiet && interrupt.raised().is_none() {
        for line in &check.misses {
            writeln!(stderr, "{}", super::locale::fill("lab check: {}", &[line]))?;
        }
        writeln!(
            stderr,
            "{}",
            super::locale::fill(
                "lab check: {}/{} personas identified as expected",
                &[&check.matched.to_string(), &check.total.to_string()]
            )
        )?;
    }
    Ok(code)
}

/// The report of a demo interrupted before its lab was up: no devices, `complete: false`.
async fn interrupted_before_the_lab(
    args: &DemoArgs,
    bundle: &SignatureBundle,
    out: &std::path::Path,
    quiet: bool,
    interrupt: &Interrupt,
) -> Result<u8> {
    let plan = app::ScanPlan {
        mode: ScanMode::Demo,
        target_specs: Vec::new(),
        addresses: Vec::new(),
        interface: None,
        sweep: crate::discover::SweepConfig::default(),
        probe: crate::probe::ProbeConfig::default(),
        authorised_by: Some(args.scenario.scenario().authorised_by().into()),
        lang: plan::lang_code(args.output.lang).into(),
        skipped_own: 0,
        scanner_addresses: Vec::new(),
        discovery: None,
    };
    let report = app::run_until(
        &plan,
        &bundle.devices,
        &crate::discover::NoProgress,
        interrupt,
    )
    .await?;
    render::finish_report(&report, out, &args.output, quiet)
}

/// How the report compares with what each persona imitates.
pub struct LabCheck {
    pub total: usize,
    pub matched: usize,
    pub misses: Vec<String>,
}

fn lab_check(lab: &Lab, report: &Report, cloud: &CloudDb) -> LabCheck {
    let mut misses = Vec::new();
    let personas = lab.personas();
    for persona in personas {
        let ip = persona.ip.to_string();
        let Some(device) = report.devices.iter().find(|d| d.ip == ip) else {
            misses.push(format!("{} ({ip}) was not found", persona.name));
            continue;
        };
        let id = &device.identity;
        let want = &persona.expect;
        let got_vendor = id.vendor.as_deref();
        let want_face = expected_face(persona, cloud);
        if got_vendor != want.vendor.as_deref()
            || id.device_type != want.device_type
            || id.face_recognition != want_face
        {
            misses.push(format!(
                "{} ({ip}): expected {:?}/{}/face {}, got {:?}/{}/face {}",
                persona.name,
                want.vendor,
                want.device_type.as_str(),
                want_face.as_str(),
                got_vendor,
                id.device_type.as_str(),
                id.face_recognition.as_str()
            ));
        }
    }
    LabCheck {
        total: personas.len(),
        matched: personas.len() - misses.len(),
        misses,
    }
}

/// What the report should say about a persona's face recognition once its traffic was seen:
/// a persona uploading to a face API or a face-analytics cloud is a face-recognition device
/// (the traffic shows it), whatever a scan alone would conclude.
fn expected_face(persona: &Persona, cloud: &CloudDb) -> FaceRecognition {
    let to_face_cloud = uploads::for_persona(&persona.name).is_some_and(|upload| {
        cloud
            .classify(&[upload.name.as_str()], upload.ip.into())
            .is_some_and(|(entry, _)| {
                entry.category == crate::model::CloudCategory::FaceApi || entry.face_analytics
            })
    });
    if to_face_cloud {
        FaceRecognition::Yes
    } else {
        persona.expect.face_recognition
    }
}
