//! Rule packs (`signatures/rules/*.toml`): one legal rule per `[[rule]]`, with its citation, texts
//! in Chinese and English, severity and a trigger in the condition language. Loading checks every
//! rule and reports problems with file, line and column.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::condition::{self, Expr, Scope};
use super::error::PolicyError;
use crate::model::{Localized, Severity};

/// The only rule-file schema version this build understands.
pub const RULES_SCHEMA_VERSION: u32 = 1;

/// Legal themes findings are grouped by: one finding per device and theme.
pub const THEMES: &[&str] = &[
    "notice",
    "consent",
    "purpose",
    "transfer",
    "cross_border",
    "security",
    "retention",
    "minors",
    "private_space",
    "filing",
    "inventory",
];

/// Packs a `--jurisdiction` can select. `any` packs (site inventory) always apply.
pub const JURISDICTIONS: &[&str] = &["cn", "eu", "us-il", "any"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    schema_version: Spanned<u32>,
    jurisdiction: Spanned<String>,
    /// Public source of the pack as a whole.
    source: Spanned<String>,
    #[serde(rename = "rule", default)]
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    citation: Localized,
    /// Verification marker from legal.md: V (verbatim), S (secondary), P (paraphrase), ? (uncertain),
    /// or - for inspection checks that cite no provision.
    status: Spanned<String>,
    severity: Spanned<String>,
    /// `device` (evaluated per device) or `site` (once).
    scope: Spanned<String>,
    trigger: Spanned<String>,
    /// `report` (default): without the declared facts, report a conditional finding; `skip`: stay silent.
    #[serde(default)]
    when_unknown: Option<Spanned<String>>,
    #[serde(default)]
    escalate: Vec<RawEscalation>,
    /// The legal theme (one of `THEMES`); findings of one device and theme are merged.
    theme: Spanned<String>,
    /// What would make an observed pattern lawful (declared facts). The trigger holding makes a
    /// finding; `unless` unknown adds a "to verify on site" item; `unless` true drops the finding.
    #[serde(default)]
    unless: Option<Spanned<String>>,
    /// Severity while `unless` is unknown (the pattern is seen, its lawfulness not yet known).
    #[serde(default)]
    pattern_severity: Option<Spanned<String>>,
    /// The penalty provision cited with the rule (e.g. PIPL Art. 66), zh and en.
    #[serde(default)]
    penalty: Option<Localized>,
    title: Localized,
    explanation: Localized,
    remedy: Localized,
    /// The article's text (Chinese verbatim where legal.md marks it [V]); shown with the finding.
    #[serde(default)]
    quote: Option<Localized>,
    source: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalation {
    when: Spanned<String>,
    severity: Spanned<String>,
}

/// A checked, parsed rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub jurisdiction: String,
    pub citation: Localized,
    pub status: String,
    pub severity: Severity,
    pub per_device: bool,
    pub trigger: Expr,
    pub trigger_text: String,
    pub report_when_unknown: bool,
    /// A stricter severity when a further condition definitely holds (first match wins).
    pub escalate: Vec<(Expr, Severity)>,
    pub theme: String,
    /// What would make the observed pattern lawful; see `RawRule::unless`.
    pub unless: Option<Expr>,
    pub pattern_severity: Option<Severity>,
    pub penalty: Option<Localized>,
    pub title: Localized,
    pub explanation: Localized,
    pub remedy: Localized,
    pub quote: Option<Localized>,
    pub source: String,
    /// `rules/cn-pipl.toml:12`, where the rule is written.
    pub location: String,
}

impl Rule {
    /// The legal-basis line for findings: Chinese and English citation, plus legal.md's marker when
    /// the text was not checked verbatim.
    pub fn legal_basis(&self) -> String {
        let marker = match self.status.as_str() {
            "V" | "-" => String::new(),
            other => format!(" [{other}]"),
        };
        format!("{} ({}){marker}", self.citation.zh, self.citation.en)
    }

    /// The penalty line cited with the rule, if it names one.
    pub fn penalty_basis(&self) -> Option<String> {
        self.penalty
            .as_ref()
            .map(|p| format!("{} ({})", p.zh, p.en))
    }
}

/// All rules loaded from a set of files.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The place words the `device.public_area` fact reads a declared location with.
    pub places: super::places::Places,
}

impl RuleSet {
    /// The same rules, reading declared locations with these place words.
    #[must_use]
    pub fn with_places(mut self, places: super::places::Places) -> Self {
        self.places = places;
        self
    }

    /// Parses rule files given as (name, text); stops at the first problem.
    ///
    /// # Errors
    /// The first broken file or rule, with file, line and column.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, PolicyError> {
        let (set, errors) = Self::check_files(files);
        match errors.into_iter().next() {
            Some(err) => Err(err),
            None => Ok(set),
        }
    }

    /// Parses rule files and collects every problem instead of stopping at the first (`rules check`).
    pub fn check_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Self, Vec<PolicyError>) {
        let mut rules: Vec<Rule> = Vec::new();
        let mut errors = Vec::new();
        let mut ids = BTreeSet::new();
        for (name, text) in files {
            match parse_file(name, text) {
                Ok(parsed) => {
                    for (rule, errs) in parsed {
                        errors.extend(errs);
                        if let Some(rule) = rule {
                            if !ids.insert(rule.id.clone()) {
                                let (file, line) =
                                    rule.location.rsplit_once(':').unwrap_or((name, "1"));
                                errors.push(PolicyError {
                                    file: file.to_string(),
                                    line: line.parse().unwrap_or(1),
                                    column: 1,
                                    message: format!("rule id `{}` is used twice", rule.id),
                                });
                            }
                            rules.push(rule);
                        }
                    }
                }
                Err(err) => errors.push(err),
            }
        }
        (
            Self {
                rules,
                places: super::places::Places::default(),
            },
            errors,
        )
    }

    /// The rules of the chosen jurisdictions, plus the ones that apply everywhere.
    pub fn select(&self, jurisdictions: &[String]) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.jurisdiction == "any" || jurisdictions.contains(&r.jurisdiction))
            .collect()
    }
}

type Parsed = Vec<(Option<Rule>, Vec<PolicyError>)>;

fn parse_file(name: &str, text: &str) -> Result<Parsed, PolicyError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| PolicyError::toml(name, text, &e))?;
    let err = |span: Range<usize>, msg: String| PolicyError::at(name, text, span.start, msg);
    if *file.schema_version.get_ref() != RULES_SCHEMA_VERSION {
        return Err(err(
            file.schema_version.span(),
            format!(
                "schema_version {} is not supported, expected {RULES_SCHEMA_VERSION}",
                file.schema_version.get_ref()
            ),
        ));
    }
    let jurisdiction = file.jurisdiction.get_ref().clone();
    if !JURISDICTIONS.contains(&jurisdiction.as_str()) {
        return Err(err(
            file.jurisdiction.span(),
            format!(
                "jurisdiction `{jurisdiction}` is not known; expected one of {}",
                JURISDICTIONS.join(", ")
            ),
        ));
    }
    if file.source.get_ref().trim().is_empty() {
        return Err(err(
            file.source.span(),
            "empty `source`: name the public source of this pack".into(),
        ));
    }
    Ok(file
        .rules
        .into_iter()
        .map(|raw| {
            let mut errors = Vec::new();
            let rule = compile(name, text, &jurisdiction, raw, &mut errors);
            (rule, errors)
        })
        .collect())
}

fn severity(s: &Spanned<String>, name: &str, text: &str) -> Result<Severity, PolicyError> {
    match s.get_ref().as_str() {
        "critical" => Ok(Severity::Critical),
        "high" => Ok(Severity::High),
        "medium" => Ok(Severity::Medium),
        "low" => Ok(Severity::Low),
        "info" => Ok(Severity::Info),
        other => Err(PolicyError::at(
            name,
            text,
            s.span().start,
            format!(
                "severity `{other}` is not known; expected critical, high, medium, low or info"
            ),
        )),
    }
}

/// Parses a trigger; errors point into the TOML string (one past its opening quote).
fn trigger(
    s: &Spanned<String>,
    scope: Scope,
    name: &str,
    text: &str,
    id: &str,
) -> Result<Expr, PolicyError> {
    condition::parse(s.get_ref(), scope).map_err(|e| {
        PolicyError::at(
            name,
            text,
            s.span().start + 1 + e.offset,
            format!("rule `{id}`: {}", e.message),
        )
    })
}

fn compile(
    name: &str,
    text: &str,
    jurisdiction: &str,
    raw: Spanned<RawRule>,
    errors: &mut Vec<PolicyError>,
) -> Option<Rule> {
    let span = raw.span();
    let raw = raw.into_inner();
    let id = raw.id.get_ref().clone();
    let at = |span: Range<usize>, msg: String| {
        PolicyError::at(name, text, span.start, format!("rule `{id}`: {msg}"))
    };
    let mut ok = true;
    let mut fail = |e: PolicyError| {
        errors.push(e);
        ok = false;
    };
    let per_device = match raw.scope.get_ref().as_str() {
        "device" => true,
        "site" => false,
        other => {
            fail(at(
                raw.scope.span(),
                format!("scope `{other}` is not known; expected device or site"),
            ));
            true
        }
    };
    let scope = if per_device {
        Scope::Device
    } else {
        Scope::Site
    };
    let sev = severity(&raw.severity, name, text).map_err(&mut fail).ok();
    let trig = trigger(&raw.trigger, scope, name, text, &id)
        .map_err(&mut fail)
        .ok();
    let mut escalate = Vec::new();
    for e in &raw.escalate {
        if let (Ok(expr), Ok(sev)) = (
            trigger(&e.when, scope, name, text, &id).map_err(&mut fail),
            severity(&e.severity, name, text).map_err(&mut fail),
        ) {
            escalate.push((expr, sev));
        }
    }
    let unless = raw
        .unless
        .as_ref()
        .and_then(|u| trigger(u, scope, name, text, &id).map_err(&mut fail).ok());
    let pattern_severity = raw
        .pattern_severity
        .as_ref()
        .and_then(|s| severity(s, name, text).map_err(&mut fail).ok());
    if !THEMES.contains(&raw.theme.get_ref().as_str()) {
        fail(at(
            raw.theme.span(),
            format!(
                "theme `{}` is not known; expected one of {}",
                raw.theme.get_ref(),
                THEMES.join(", ")
            ),
        ));
    }
    if !["V", "S", "P", "?", "-"].contains(&raw.status.get_ref().as_str()) {
        fail(at(raw.status.span(), "status must be V, S, P or ? (as marked in legal.md), or - for a check citing no provision".into()));
    }
    let report_when_unknown = match raw.when_unknown.as_ref().map(|w| w.get_ref().as_str()) {
        None | Some("report") => true,
        Some("skip") => false,
        Some(other) => {
            let w_span = raw
                .when_unknown
                .as_ref()
                .map_or(span.clone(), Spanned::span);
            fail(at(
                w_span,
                format!("when_unknown `{other}` is not known; expected report or skip"),
            ));
            true
        }
    };
    for (what, l) in [
        ("citation", &raw.citation),
        ("title", &raw.title),
        ("explanation", &raw.explanation),
        ("remedy", &raw.remedy),
    ] {
        if l.zh.trim().is_empty() || l.en.trim().is_empty() {
            fail(at(
                span.clone(),
                format!("`{what}` needs both zh and en text"),
            ));
        }
    }
    if raw.source.get_ref().trim().is_empty() {
        fail(at(
            raw.source.span(),
            "empty `source`: name the public source".into(),
        ));
    }
    let (line, _) = crate::text_position::line_col(text, span.start);
    if !ok {
        return None;
    }
    Some(Rule {
        id,
        jurisdiction: jurisdiction.to_string(),
        citation: raw.citation,
        status: raw.status.into_inner(),
        severity: sev?,
        per_device,
        trigger: trig?,
        trigger_text: raw.trigger.into_inner(),
        report_when_unknown,
        escalate,
        theme: raw.theme.into_inner(),
        unless,
        pattern_severity,
        penalty: raw.penalty,
        title: raw.title,
        explanation: raw.explanation,
        remedy: raw.remedy,
        quote: raw.quote,
        source: raw.source.into_inner(),
        location: format!("{name}:{line}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bundled pack loads, and each jurisdiction has rules.
    #[test]
    fn bundled_rules_load() {
        let set = crate::bundle::builtin_rules().unwrap();
        for j in ["cn", "eu", "us-il"] {
            assert!(
                set.select(&[j.to_string()])
                    .iter()
                    .any(|r| r.jurisdiction == j),
                "{j}"
            );
        }
        let cn: Vec<&str> = set
            .rules
            .iter()
            .filter(|r| r.jurisdiction == "cn")
            .map(|r| r.id.as_str())
            .collect();
        for id in [
            "CN-PIPL-17-NOTICE",
            "CN-PIPL-23-THIRDPARTY",
            "CN-PIPL-26-SIGN",
            "CN-PIPL-26-PURPOSE",
            "CN-PIPL-28-NECESSITY",
            "CN-PIPL-29-SEPCONSENT",
            "CN-PIPL-31-MINORS",
            "CN-PIPL-38-XBORDER",
            "CN-PIPL-51-SECURITY",
            "CN-PIPL-55-PIA",
            "CN-FRM-5-NOTICE",
            "CN-FRM-6-CONSENT",
            "CN-FRM-7-MINORS",
            "CN-FRM-8-LOCALSTORE",
            "CN-FRM-10-ALTERNATIVE",
            "CN-FRM-13-PRIVATE",
            "CN-FRM-15-FILING",
            "CN-CRPL-29",
            "CN-PSVIS-13-SIGN",
        ] {
            assert!(cn.contains(&id), "{id} missing");
        }
    }

    /// A quote is printed after "条文：" as statute text, so it is a whole provision or marks where
    /// it was cut (……), carries no editor's note, and a rule whose text was not checked verbatim
    /// (status other than V) quotes only the part that was and marks the rest as cut. The FRM
    /// articles whose official text could not be read (Arts. 6, 7, 13, 14) print no quote.
    #[test]
    fn quotes_are_whole_or_marked_where_cut() {
        let set = crate::bundle::builtin_rules().unwrap();
        for rule in &set.rules {
            let Some(quote) = &rule.quote else { continue };
            let zh = quote.zh.trim_end();
            assert!(
                zh.ends_with('。') || zh.ends_with("……"),
                "{}: quote ends mid-provision without ……: {zh}",
                rule.id
            );
            for note in ["二手", "来源", "汇编", "（注"] {
                assert!(
                    !zh.contains(note),
                    "{}: editor's note in the quote: {zh}",
                    rule.id
                );
            }
            if rule.status != "V" {
                assert!(
                    zh.ends_with("……"),
                    "{}: unverified text quoted whole",
                    rule.id
                );
            }
        }
        for id in [
            "CN-FRM-6-CONSENT",
            "CN-FRM-7-MINORS",
            "CN-FRM-13-PRIVATE",
            "CN-FRM-14-SECURITY",
        ] {
            let rule = set.rules.iter().find(|r| r.id == id).unwrap();
            assert!(rule.quote.is_none(), "{id} quotes a text not read");
            assert!(
                rule.legal_basis().contains("[S]") || rule.legal_basis().contains("[P]"),
                "{id}: {}",
                rule.legal_basis()
            );
        }
    }

    /// Precedents sit under the article they were decided on: Shunde (2021) under CRPL Art. 29,
    /// not PIPL Art. 29 (in force only from 2021-11-01); Kohler without a claimed basis. Every
    /// rule citing the PIPL shows its Art. 66 penalty.
    #[test]
    fn precedents_and_penalties_cite_what_was_decided() {
        let set = crate::bundle::builtin_rules().unwrap();
        let rule = |id: &str| set.rules.iter().find(|r| r.id == id).unwrap();
        let pipl29 = rule("CN-PIPL-29-SEPCONSENT");
        assert!(
            !pipl29.explanation.zh.contains("顺德") && !pipl29.explanation.en.contains("Shunde")
        );
        let crpl = rule("CN-CRPL-29");
        assert!(crpl.explanation.zh.contains("顺德") && crpl.explanation.en.contains("Shunde"));
        assert!(
            crpl.explanation
                .en
                .contains("public reports do not name the articles")
        );
        for r in &set.rules {
            assert!(!r.explanation.en.contains("on this basis"), "{}", r.id);
            if r.citation.zh.contains("《个人信息保护法》") {
                assert!(
                    r.penalty_basis().is_some_and(|p| p.contains("第六十六条")),
                    "{}: no PIPL Art. 66",
                    r.id
                );
            }
        }
    }

    /// A broken rule file gives one error per problem, each with file and line.
    #[test]
    fn broken_rules_are_reported_with_lines() {
        let text = r#"schema_version = 1
jurisdiction = "cn"
source = "test"

[[rule]]
id = "X-1"
citation = { zh = "甲", en = "A" }
status = "V"
severity = "severe"
scope = "device"
trigger = 'device.face == yes and site.consnet == none'
theme = "consent"
title = { zh = "甲", en = "A" }
explanation = { zh = "甲", en = "A" }
remedy = { zh = "甲", en = "" }
source = "test"
"#;
        let (_, errors) = RuleSet::check_files([("rules/x.toml", text)]);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("rules/x.toml:9:") && e.contains("severity `severe`")),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("rules/x.toml:11:35:") && e.contains("site.consnet")),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|e| e.contains("`remedy` needs both zh and en")),
            "{shown:#?}"
        );
    }
}
