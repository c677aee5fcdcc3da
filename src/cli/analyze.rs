//! `camsweep analyze FILE…` at the edge: arguments to an [`AnalyzePlan`], the inputs opened under
//! the guards with progress shown, the policy files applied and the report written. The
//! analysis itself is `app::analyze`'s.

use anyhow::{Context, Result};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::args::AnalyzeArgs;
use super::countdown::Countdown;
use super::read_progress::ReadProgress;
use super::{guard, locale, plan, policy, render};
use crate::app::analyze::{self, AnalyzePlan, Edge, Listening, LivePlan, ReadMeter};
use crate::app::{self, Interrupt};
use crate::capture::parse_duration;
use crate::model::Report;
use crate::report;
use crate::traffic::UploadPolicy;

pub fn run(args: &AnalyzeArgs, quiet: bool, interrupt: &Interrupt) -> Result<u8> {
    let out = guard::prepare_out_dir(args.out.as_deref(), "-analyze", args.output.force)?;
    let bundle = app::load_signatures(args.signatures.as_deref())?;
    let plan = analyze_plan(args)?;
    let edge = TerminalEdge {
        quiet: quiet || args.output.json,
    };
    let analysed = analyze::run(&plan, &bundle, &edge, interrupt)?;
    let mut report = analysed.report;
    // Cloud contacts are new evidence: the rules are evaluated again with them.
    policy::apply(
        &mut report,
        &args.policy,
        &bundle,
        policy::DefaultSite::FromReport,
    )?;
    render::finish_report_with(
        &report,
        &out,
        &args.output,
        quiet,
        &[(analyze::CONNECTIONS_CSV, analysed.connections.as_bytes())],
    )
}

/// What `analyze` is asked to do.
fn analyze_plan(args: &AnalyzeArgs) -> Result<AnalyzePlan> {
    let inventory = args.inventory.as_deref().map(read_inventory).transpose()?;
    let live = match (&args.interface, &args.listen) {
        (Some(interface), Some(listen)) => Some(LivePlan {
            interface: interface.clone(),
            listen: parse_duration(listen).map_err(|e| anyhow::anyhow!(e))?,
            write_pcap: args.write_pcap.clone(),
        }),
        _ => None,
    };
    Ok(AnalyzePlan {
        files: args.files.clone(),
        zeek: args.zeek.clone(),
        live,
        inventory,
        exclude_hosts: args.exclude_hosts.clone(),
        upload: UploadPolicy {
            min_upload_bytes: args.min_upload_bytes,
            burst_bytes_per_second: args.burst_bytes,
            min_up_down_ratio: args.min_up_down_ratio,
            ..UploadPolicy::default()
        },
        lang: plan::lang_code(args.output.lang).into(),
    })
}

/// The terminal's side of an analysis: inputs opened by the guard, progress on stderr.
struct TerminalEdge {
    quiet: bool,
}

impl Edge for TerminalEdge {
    fn open<'s>(
        &self,
        path: &Path,
        what: &str,
        stop: &'s AtomicBool,
    ) -> app::analyze::Result<Box<dyn Read + Send + 's>> {
        // A FIFO or device is refused unless allowed, and opened without blocking either way: a
        // FIFO nobody writes to must not hang camsweep in open() or read() past Ctrl-C.
        let file = guard::open_input(path, what)
            .map_err(|err| app::analyze::AnalyzeError::Input(err.into()))?;
        Ok(Box::new(guard::StoppableReader::new(file, stop)))
    }

    fn reading(&self, label: &str, paths: &[&Path]) -> Box<dyn ReadMeter> {
        Box::new(ReadProgress::start(label, paths, self.quiet))
    }

    fn capturing(&self, interface: &str, length: Duration) -> Box<dyn Send> {
        Box::new(Countdown::start(
            locale::fill("capturing on {}", &[interface]),
            Instant::now(),
            length,
            self.quiet,
        ))
    }
}

/// A countdown to the end of an audit's capture, shown until it is dropped.
pub fn countdown(listening: &Listening, quiet: bool) -> Countdown {
    let (started, length) = listening.timing();
    Countdown::start(
        locale::fill("capturing on {}", &[listening.interface()]),
        started,
        length,
        quiet,
    )
}

fn read_inventory(path: &Path) -> Result<Report> {
    let text = guard::read_text(path, "inventory report")?;
    report::validate(&text)
        .with_context(|| format!("{} is not a valid camsweep report", path.display()))?;
    report::from_json(&text).with_context(|| format!("{} is not a camsweep report", path.display()))
}
