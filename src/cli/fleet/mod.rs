//! `fleet`: streams shops' reports one at a time (validated against the schema compiled once,
//! deduplicated by SHA-256) through one fold that writes the Parquet tables, fleet.json, fleet.csv
//! and fleet.html as it goes. Memory stays flat however many reports there are.

mod inputs;
mod out;
mod pipeline;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::EXIT_CLEAN;
use super::args::{FleetArgs, FleetPartition};
use super::locale;
use super::output;
use super::render::lang;
use crate::fleet::{
    FleetCsv, FleetHtml, FleetJson, FleetTotals, Intake, LISTED, Partition, RuleJurisdictions,
    SetAside, ShopContext, TableSet, Trailer, shop_summary,
};
use crate::report;
use crate::report::sanitize::visible;
use inputs::Inputs;
use pipeline::Pipeline;

pub fn run(args: &FleetArgs, quiet: bool) -> Result<u8> {
    limit_malloc_arenas();
    let out: PathBuf = args
        .out
        .clone()
        .unwrap_or_else(|| output::default_out_dir("-fleet"));
    // Checked before any report is read: a folder holding a report or an earlier roll-up is never
    // written into.
    let created = out::prepare(&out)?;
    let result = roll_up(args, quiet, &out);
    if result.is_err() {
        out::discard(&out, created);
    }
    result
}

/// Reports are parsed on worker threads and freed on the main thread. glibc gives each thread its
/// own malloc arena and frees return to the arena that allocated, so with the default (8 per core)
/// the heap fragments and peak memory creeps up with the number of reports (77 MB for 10,000
/// reports against 52 MB for 1,000; with two arenas it stays flat). Two arenas keep it flat.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_ARENA_MAX: nix::libc::c_int = -8;
        // SAFETY: mallopt only sets an allocator tunable; called before the worker threads start.
        unsafe {
            nix::libc::mallopt(M_ARENA_MAX, 2);
        }
    }
}

/// Counts and names of what was set aside.
#[derive(Default)]
struct Aside {
    duplicates: usize,
    duplicate_list: Vec<SetAside>,
    skipped: usize,
    skipped_list: Vec<SetAside>,
}

fn roll_up(args: &FleetArgs, quiet: bool, out: &Path) -> Result<u8> {
    let intake = Intake::new(args.max_report_bytes).context("compiling the report schema")?;
    let rules = rule_jurisdictions();
    let addresses =
        crate::bundle::builtin_addresses().context("loading the built-in address convention")?;
    let partition = match args.partition {
        FleetPartition::None => Partition::None,
        FleetPartition::Date => Partition::Date,
        FleetPartition::Province => Partition::Province,
    };
    let tables_dir = out.join("tables");
    let open_dir = tables_dir.clone();
    let mut tables = TableSet::new(
        partition,
        args.evidence,
        Box::new(move |table: &str, folder: Option<&str>, index: usize| {
            let mut dir = open_dir.join(table);
            if let Some(folder) = folder {
                dir = dir.join(folder);
            }
            std::fs::create_dir_all(&dir)?;
            let file = File::create(dir.join(out::partial(&format!("part-{index}.parquet"))))?;
            // Row groups are written whole at each flush, so a large buffer only saves system
            // calls; partitioned runs keep hundreds of files open, where 256 KiB each cost
            // over 100 MB.
            let capacity = if folder.is_some() { 16 } else { 256 } * 1024;
            Ok(BufWriter::with_capacity(capacity, file))
        }),
    );
    let create = |name: &str| -> Result<BufWriter<File>> {
        let path = out.join(out::partial(name));
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(BufWriter::new(file))
    };
    let mut json = FleetJson::begin(create("fleet.json")?)?;
    let mut csv = FleetCsv::begin(create("fleet.csv")?)?;
    let html = FleetHtml::new(lang(args.output.lang))?;
    let mut html_rows = create("fleet-rows.html")?;

    let bar = progress(quiet, Inputs::known_len(&args.reports));
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut totals = FleetTotals::default();
    let mut aside = Aside::default();
    let inputs = Inputs::new(&args.reports, Some(out.to_path_buf()));
    for item in Pipeline::start(inputs, intake) {
        bar.inc(1);
        let path = item.path;
        let shown = visible(&path.display().to_string()).into_owned();
        let (sha256, parsed) = match item.outcome {
            Ok(taken) => taken,
            Err(err) => {
                bad(args, &bar, &mut aside, &shown, &err)?;
                continue;
            }
        };
        if let Some(first) = seen.get(&sha256) {
            bar.suspend(|| {
                eprintln!(
                    "{shown} is the same report as {} (SHA-256 {sha256}): counted once",
                    visible(first),
                )
            });
            aside.duplicates += 1;
            if aside.duplicate_list.len() < LISTED {
                aside.duplicate_list.push(SetAside {
                    source: shown,
                    sha256: Some(sha256),
                    same_as: Some(first.clone()),
                    error: None,
                });
            }
            continue;
        }
        let parsed = if args.output.redact {
            report::redact(&parsed)
        } else {
            parsed
        };
        let label = shop_label(&path);
        let shop = ShopContext::of(&parsed, &sha256, &label, &rules, &addresses);
        let summary = shop_summary(&shop, &parsed);
        totals.add(&summary);
        json.shop(&summary)?;
        csv.shop(&summary)?;
        html_rows.write_all(html.row(&summary)?.as_bytes())?;
        tables
            .add(&shop, &parsed)
            .with_context(|| format!("writing the tables for {shown}"))?;
        seen.insert(sha256, path.display().to_string());
    }
    bar.finish_and_clear();
    if seen.is_empty() {
        bail!(
            "no report to roll up (every input was a duplicate or skipped, or no report.json was found)"
        );
    }

    // Finish the files: rename each from its partial name only when complete.
    let mut written: Vec<String> = Vec::new();
    let trailer = Trailer {
        totals: &totals,
        duplicate_reports: aside.duplicates,
        duplicates: &aside.duplicate_list,
        skipped_reports: aside.skipped,
        skipped: &aside.skipped_list,
    };
    out::sync_done(json.finish(&trailer)?)?;
    out::publish(out, "fleet.json")?;
    written.push("fleet.json".into());
    out::sync_done(csv.finish(&totals, aside.duplicates)?)?;
    out::publish(out, "fleet.csv")?;
    written.push("fleet.csv".into());
    out::sync_done(html_rows)?;
    {
        let mut page = create("fleet.html")?;
        page.write_all(
            html.head(&totals, aside.duplicates, aside.skipped)?
                .as_bytes(),
        )?;
        let rows_path = out.join(out::partial("fleet-rows.html"));
        std::io::copy(&mut File::open(&rows_path)?, &mut page)?;
        std::fs::remove_file(&rows_path)?;
        page.write_all(html.tail()?.as_bytes())?;
        out::sync_done(page)?;
    }
    out::publish(out, "fleet.html")?;
    written.push("fleet.html".into());
    let mut rows_by_table: Vec<(String, u64)> = Vec::new();
    for crate::fleet::FinishedFile {
        table,
        folder,
        sink,
        rows,
        index,
    } in tables.finish()?
    {
        out::sync_done(sink)?;
        let mut rel = format!("tables/{table}");
        if let Some(folder) = &folder {
            rel.push('/');
            rel.push_str(folder);
        }
        let name = format!("{rel}/part-{index}.parquet");
        out::publish(out, &name)?;
        written.push(name);
        match rows_by_table.iter_mut().find(|(t, _)| *t == table) {
            Some((_, n)) => *n += rows,
            None => rows_by_table.push((table, rows)),
        }
    }
    // The same SHA256SUMS a report folder has, so `camsweep sign` and `verify` work on it too.
    let mut sums = Vec::new();
    for name in &written {
        sums.push((name.clone(), out::sha256_file(&out.join(name))?));
    }
    output::write_atomic(out, "SHA256SUMS", report::sums_file(&sums).as_bytes())?;

    if args.output.json {
        let mut stdout = std::io::stdout().lock();
        std::io::copy(&mut File::open(out.join("fleet.json"))?, &mut stdout)?;
    }
    // In the language of the summary (`--lang`), as the audit's terminal summary is.
    let shown = lang(args.output.lang);
    if aside.skipped > 0 {
        eprintln!(
            "{}",
            locale::fill_in(
                shown,
                "skipped {} invalid report(s); fleet.json lists them:",
                &[&aside.skipped.to_string()]
            )
        );
        for item in &aside.skipped_list {
            eprintln!("  {}: {}", item.source, item.error.as_deref().unwrap_or(""));
        }
    }
    let tables_line: Vec<String> = rows_by_table
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    eprintln!(
        "{}",
        locale::fill_in(
            shown,
            "{} shops ({} duplicate report(s) counted once, {} skipped), {} devices; wrote fleet.json, fleet.csv, fleet.html and tables/ ({}) in {}",
            &[
                &totals.shops.to_string(),
                &aside.duplicates.to_string(),
                &aside.skipped.to_string(),
                &totals.devices.to_string(),
                &tables_line.join(", "),
                &visible(&out.display().to_string()),
            ]
        )
    );
    Ok(EXIT_CLEAN)
}

/// A report that cannot be rolled up: an error naming it, or with `--skip-bad`, set aside.
fn bad(
    args: &FleetArgs,
    bar: &ProgressBar,
    aside: &mut Aside,
    shown: &str,
    why: &str,
) -> Result<()> {
    let why = visible(why).into_owned();
    if !args.skip_bad {
        bail!(
            "{shown} is not a valid camsweep report: {why} (use --skip-bad to skip such reports)"
        );
    }
    bar.suspend(|| eprintln!("skipping {shown}: {why}"));
    aside.skipped += 1;
    if aside.skipped_list.len() < LISTED {
        aside.skipped_list.push(SetAside {
            source: shown.to_string(),
            sha256: None,
            same_as: None,
            error: Some(why),
        });
    }
    Ok(())
}

/// Rule id → its pack's jurisdiction, from the bundled rules.
fn rule_jurisdictions() -> RuleJurisdictions {
    crate::bundle::builtin_rules()
        .map(|set| {
            set.rules
                .into_iter()
                .map(|rule| (rule.id, rule.jurisdiction))
                .collect()
        })
        .unwrap_or_default()
}

fn progress(quiet: bool, len: Option<u64>) -> ProgressBar {
    let target = if !quiet && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(len, target);
    let template = if len.is_some() {
        "{prefix} [{bar:30}] {pos}/{len} {per_sec} {elapsed}"
    } else {
        "{prefix} {spinner} {pos} {per_sec} {elapsed}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(super::locale::text("reports").into_owned());
    bar
}

/// A report's folder names the shop when the report declares no site name.
fn shop_label(path: &Path) -> String {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.display().to_string(),
        _ => path.display().to_string(),
    }
}
