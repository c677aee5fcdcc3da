//! The policy edge: reads site.toml and rule folders, applies the rules to a report, and runs
//! `site init` and `rules list|check`. Deciding is `crate::policy`'s job; this module does the files.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;

use super::args::{JurisdictionArg, LangArg, PolicyOptions, RulesCommand, SiteCommand};
use super::{EXIT_CLEAN, output};
use crate::bundle::SignatureBundle;
use crate::model::{EvidenceFile, Report};
use crate::policy::{self, PolicyInput, RuleSet, SiteDeclaration};

/// Which declaration to use when `--site` is not given.
pub enum DefaultSite {
    None,
    /// A bundled declaration of a demo scenario (`sites/demo-store.toml`).
    Bundled(&'static str),
    /// The declaration the report already carries (an earlier audit's, re-evaluated with new evidence).
    FromReport,
}

/// Applies the chosen rule packs and the site declaration to the report, then the advice.
pub fn apply(
    report: &mut Report,
    opts: &PolicyOptions,
    bundle: &SignatureBundle,
    default_site: DefaultSite,
) -> Result<()> {
    let site = match (&opts.site, default_site) {
        (Some(path), _) => {
            let site = read_site(path)?;
            hash_site_files(report, path, &site);
            Some(site)
        }
        (None, DefaultSite::Bundled(file)) => {
            let text = bundle
                .site_text(file)
                .with_context(|| format!("the demo site declaration {file} is not bundled"))?;
            Some(SiteDeclaration::parse(&bundle.display_path(file), text)?)
        }
        (None, DefaultSite::FromReport) => match &report.site {
            Some(value) => Some(
                serde_json::from_value::<SiteDeclaration>(value.clone())
                    .context("the inventory report's site declaration cannot be read back")?,
            ),
            None => None,
        },
        (None, DefaultSite::None) => None,
    };
    let jurisdictions = codes(&opts.jurisdictions);
    policy::apply(
        report,
        PolicyInput {
            rules: &bundle.rules,
            jurisdictions: &jurisdictions,
            site: site.as_ref(),
        },
    );
    bundle.advice.attach(&mut report.findings, &report.devices);
    Ok(())
}

/// Records the SHA-256 of the declaration and of the notice photos it names (paths relative to it),
/// so the report shows which declaration and photos it rests on. A missing photo becomes a scan note.
fn hash_site_files(report: &mut Report, path: &Path, site: &SiteDeclaration) {
    let base = path.parent().unwrap_or(Path::new("."));
    let photos = site
        .notices
        .iter()
        .flatten()
        .flat_map(|n| n.photos.iter())
        .map(|p| base.join(p));
    for file in std::iter::once(path.to_path_buf()).chain(photos) {
        match super::guard::read_bytes(&file, "site file") {
            Ok(bytes) => report.evidence_files.push(EvidenceFile {
                path: file.display().to_string(),
                sha256: crate::report::sha256_hex(&bytes),
            }),
            Err(err) => report.scan.push_note(
                crate::model::Note::new("site_file_unreadable")
                    .arg("error", format_args!("{err:#}")),
            ),
        }
    }
}

fn codes(j: &[JurisdictionArg]) -> Vec<String> {
    j.iter().map(|j| j.code().to_string()).collect()
}

/// Reads and checks a site.toml; errors carry file:line:column.
pub fn read_site(path: &Path) -> Result<SiteDeclaration> {
    let text = super::guard::read_text(path, "site declaration")?;
    Ok(SiteDeclaration::parse(&path.display().to_string(), &text)?)
}

pub fn site(cmd: SiteCommand) -> Result<u8> {
    match cmd {
        SiteCommand::Init { from, lang, out } => {
            let text = super::guard::read_text(&from, "report")?;
            crate::report::validate(&text)
                .with_context(|| format!("{} is not a valid camsweep report", from.display()))?;
            let report = crate::report::from_json(&text)
                .with_context(|| format!("{} is not a camsweep report", from.display()))?;
            if out.exists() {
                bail!(
                    "{} exists; not overwriting it (choose another --out)",
                    out.display()
                );
            }
            let code = if lang == LangArg::Zh { "zh" } else { "en" };
            let template = policy::site_template(&report, code);
            let dir = out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = out
                .file_name()
                .and_then(|n| n.to_str())
                .context("--out needs a file name")?;
            let written = output::write_atomic(dir, name, template.as_bytes())?;
            writeln!(std::io::stdout().lock(), "{}", written.display())?;
            Ok(EXIT_CLEAN)
        }
    }
}

pub fn rules(cmd: RulesCommand) -> Result<u8> {
    let mut stdout = std::io::stdout().lock();
    match cmd {
        RulesCommand::List {
            jurisdictions,
            signatures,
        } => {
            let set = crate::app::load_signatures(signatures.as_deref())?.rules;
            let chosen = codes(&jurisdictions);
            for rule in set
                .rules
                .iter()
                .filter(|r| chosen.is_empty() || chosen.contains(&r.jurisdiction))
            {
                writeln!(
                    stdout,
                    "{:<24} {:<6} {:<8} {:<6} {}",
                    rule.id,
                    rule.jurisdiction,
                    rule.severity.as_str(),
                    if rule.per_device { "device" } else { "site" },
                    rule.legal_basis()
                )?;
            }
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Check { path } => {
            let files = crate::bundle::rule_files(path.as_deref())?;
            let (set, errors) =
                RuleSet::check_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
            for err in &errors {
                writeln!(stdout, "{err}")?;
            }
            if errors.is_empty() {
                writeln!(stdout, "ok: {} rules", set.rules.len())?;
                Ok(EXIT_CLEAN)
            } else {
                bail!("{} problem(s) in the rule files", errors.len())
            }
        }
    }
}
