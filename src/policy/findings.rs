//! The evaluator: rules × (devices, site) → findings and "to verify on site" items.
//!
//! A rule whose trigger definitely holds is a finding; one whose trigger holds only if unknown facts
//! are as assumed is a check for the inspector, never a finding. A rule with `unless` describes an
//! observed pattern (faces leaving a device, a face terminal in use): the pattern is a finding, and
//! what would make it lawful is either answered by the site declaration or becomes a check.
//! Findings of one device and legal theme are merged into one, citing every rule's provision.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::eval::{Truth, eval};
use super::facts::Ctx;
use super::rules::{Rule, RuleSet, THEMES};
use super::site::SiteDeclaration;
use crate::locale::{fill, label_table};
use crate::model::{Device, Finding, Localized, Report, Severity, VerifyItem};

label_table! {
    /// The sentences a finding's detail gains beyond its rule's explanation (locale file,
    /// `[finding_text.*]`).
    pub struct FindingText in "finding_text" {
        pub also_engages: &'static str,
        pub titles_sep: &'static str,
        pub lawful_only_if: &'static str,
        pub conditions_sep: &'static str,
        pub declared_answers: &'static str,
        pub provision: &'static str,
    }
}

static TEXT_ZH: LazyLock<FindingText> = LazyLock::new(|| FindingText::load(true));
static TEXT_EN: LazyLock<FindingText> = LazyLock::new(|| FindingText::load(false));

fn text(zh: bool) -> &'static FindingText {
    if zh { &TEXT_ZH } else { &TEXT_EN }
}

/// What the evaluator needs: the rules, the chosen jurisdictions, the site declaration if any.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    pub rules: &'a RuleSet,
    /// `cn`, `eu`, `us-il`; rules of jurisdiction `any` always apply.
    pub jurisdictions: &'a [String],
    pub site: Option<&'a SiteDeclaration>,
}

/// Findings (most severe first) and the checks left to the inspector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub to_verify: Vec<VerifyItem>,
}

/// A rule that fired on one device (or the site).
struct Hit<'r> {
    rule: &'r Rule,
    severity: Severity,
    evidence: Vec<String>,
    /// What would make the pattern lawful, when nobody declared whether it holds.
    lawful_if: Vec<Localized>,
    /// The declaration answers the lawfulness question (against the site).
    declared: bool,
}

/// A rule waiting on facts nobody declared.
struct Pending<'r> {
    rule: &'r Rule,
    severity: Severity,
    /// `applies_if` or `lawful_if`.
    kind: &'static str,
    check: Vec<Localized>,
}

/// Devices are keyed by their index (`usize::MAX` for the site), themes by their place in `THEMES`.
type Key = (usize, usize);

/// Every finding the selected rules produce for these devices, most severe first.
pub fn evaluate(input: PolicyInput<'_>, devices: &[Device]) -> Vec<Finding> {
    evaluate_all(input, devices).findings
}

/// Findings and checks for these devices.
pub fn evaluate_all(input: PolicyInput<'_>, devices: &[Device]) -> Evaluation {
    let base = Ctx {
        site: input.site,
        places: &input.rules.places,
        devices,
        device: None,
        declared: None,
        contact: None,
    };
    let mut hits: BTreeMap<Key, Vec<Hit<'_>>> = BTreeMap::new();
    let mut pending: BTreeMap<(Key, &'static str), Vec<Pending<'_>>> = BTreeMap::new();
    for rule in input.rules.select(input.jurisdictions) {
        let theme = THEMES
            .iter()
            .position(|t| *t == rule.theme)
            .unwrap_or(THEMES.len());
        let targets: Vec<(usize, Ctx<'_>)> = if rule.per_device {
            devices
                .iter()
                .enumerate()
                .map(|(i, d)| (i, base.for_device(d)))
                .collect()
        } else {
            vec![(usize::MAX, base)]
        };
        for (index, ctx) in targets {
            let key = (index, theme);
            let (hit, wait) = judge(rule, &ctx);
            if let Some(h) = hit {
                hits.entry(key).or_default().push(h);
            }
            if let Some(p) = wait {
                pending.entry((key, p.kind)).or_default().push(p);
            }
        }
    }

    let device_of = |index: usize| devices.get(index);
    let ip_of = |index: usize| device_of(index).and_then(|d| d.ip.parse::<std::net::IpAddr>().ok());
    let mut merged: Vec<(Key, Finding)> = hits
        .into_iter()
        .map(|(key, group)| (key, merge(group, device_of(key.0))))
        .collect();
    merged.sort_by(|(ka, a), (kb, b)| {
        (a.severity, &a.rule, ip_of(ka.0)).cmp(&(b.severity, &b.rule, ip_of(kb.0)))
    });
    let mut finding_id: BTreeMap<Key, String> = BTreeMap::new();
    for (n, (key, f)) in merged.iter_mut().enumerate() {
        f.id = format!("F-{}", n + 1);
        finding_id.insert(*key, f.id.clone());
    }

    let mut to_verify: Vec<VerifyItem> = pending
        .into_iter()
        .map(|((key, kind), group)| {
            let device = device_of(key.0);
            let location = device.map(|d| {
                input
                    .site
                    .and_then(|s| {
                        s.device_for(&d.ip, d.mac.as_deref(), d.identity.model.as_deref())
                    })
                    .and_then(|x| x.location.clone())
                    .map_or_else(|| d.ip.clone(), |loc| format!("{loc} ({})", d.ip))
            });
            let finding = (kind == "lawful_if")
                .then(|| finding_id.get(&key).cloned())
                .flatten();
            verify_item(group, kind, device, location, finding)
        })
        .collect();
    to_verify.sort_by(|a, b| {
        let theme = |v: &VerifyItem| THEMES.iter().position(|t| *t == v.theme);
        let ip = |v: &VerifyItem| {
            v.device
                .as_deref()
                .and_then(|id| devices.iter().find(|d| d.id == id))
                .and_then(|d| d.ip.parse::<std::net::IpAddr>().ok())
        };
        (theme(a), a.severity, &a.kind, ip(a)).cmp(&(theme(b), b.severity, &b.kind, ip(b)))
    });
    for (n, v) in to_verify.iter_mut().enumerate() {
        v.id = format!("V-{}", n + 1);
    }
    Evaluation {
        findings: merged.into_iter().map(|(_, f)| f).collect(),
        to_verify,
    }
}

/// Runs the policy on a finished report: records the site declaration used, the findings and the
/// checks left for the inspector.
pub fn apply(report: &mut Report, input: PolicyInput<'_>) {
    report.site = input.site.map(SiteDeclaration::to_json);
    let Evaluation {
        findings,
        to_verify,
    } = evaluate_all(input, &report.devices);
    report.findings = findings;
    report.to_verify = to_verify;
}

/// One rule in one place: a finding, a check, both (a pattern whose lawfulness is unknown), or
/// nothing.
fn judge<'r>(rule: &'r Rule, ctx: &Ctx<'_>) -> (Option<Hit<'r>>, Option<Pending<'r>>) {
    let outcome = eval(&rule.trigger, ctx, false);
    let escalated = rule
        .escalate
        .iter()
        .find(|(when, _)| eval(when, ctx, false).truth == Truth::True)
        .map(|(_, s)| *s);
    match outcome.truth {
        Truth::False => (None, None),
        Truth::Unknown if !rule.report_when_unknown => (None, None),
        Truth::Unknown => (
            None,
            Some(Pending {
                rule,
                severity: escalated.unwrap_or(rule.severity),
                kind: "applies_if",
                check: outcome.conditions,
            }),
        ),
        Truth::True => {
            let mut hit = Hit {
                rule,
                severity: escalated.unwrap_or(rule.severity),
                evidence: outcome.evidence,
                lawful_if: Vec::new(),
                declared: false,
            };
            let Some(unless) = &rule.unless else {
                return (Some(hit), None);
            };
            let lawful = eval(unless, ctx, false);
            match lawful.truth {
                // The site declares what makes the pattern lawful.
                Truth::True => (None, None),
                Truth::False => {
                    let against = eval(unless, ctx, true);
                    for line in against.evidence {
                        if !hit.evidence.contains(&line) {
                            hit.evidence.push(line);
                        }
                    }
                    hit.declared = true;
                    (Some(hit), None)
                }
                Truth::Unknown => {
                    hit.severity = escalated.or(rule.pattern_severity).unwrap_or(rule.severity);
                    hit.lawful_if = lawful.conditions.clone();
                    let wait = Pending {
                        rule,
                        severity: hit.severity,
                        kind: "lawful_if",
                        check: lawful.conditions,
                    };
                    (Some(hit), Some(wait))
                }
            }
        }
    }
}

fn push_new<T: PartialEq + Clone>(into: &mut Vec<T>, items: &[T]) {
    for item in items {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// The legal basis of a group of rules: every provision, then the penalties they name.
fn basis<'r>(rules: impl Iterator<Item = &'r Rule> + Clone) -> Vec<String> {
    let mut out = Vec::new();
    push_new(
        &mut out,
        &rules.clone().map(Rule::legal_basis).collect::<Vec<_>>(),
    );
    push_new(
        &mut out,
        &rules.filter_map(Rule::penalty_basis).collect::<Vec<_>>(),
    );
    out
}

/// One finding for a device and theme: the most severe rule leads, every rule is cited.
fn merge(mut group: Vec<Hit<'_>>, device: Option<&Device>) -> Finding {
    // Stable: among equally severe rules, the one written first in the pack leads.
    group.sort_by_key(|h| h.severity);
    let lead = &group[0];
    let rule = lead.rule;
    let mut evidence = Vec::new();
    let mut lawful_if = Vec::new();
    for h in &group {
        push_new(&mut evidence, &h.evidence);
        push_new(&mut lawful_if, &h.lawful_if);
    }
    let mut detail = detail(rule);
    let others: Vec<&Hit<'_>> = group.iter().skip(1).collect();
    if !others.is_empty() {
        let titles = |zh: bool| {
            others
                .iter()
                .map(|h| {
                    if zh {
                        h.rule.title.zh.clone()
                    } else {
                        h.rule.title.en.clone()
                    }
                })
                .collect::<Vec<_>>()
        };
        for (zh, into) in [(true, &mut detail.zh), (false, &mut detail.en)] {
            let titles = titles(zh).join(text(zh).titles_sep);
            into.push_str(&fill(text(zh).also_engages, &[("titles", &titles)]));
        }
    }
    if !lawful_if.is_empty() {
        let zh: Vec<&str> = lawful_if.iter().map(|c| c.zh.as_str()).collect();
        let en: Vec<&str> = lawful_if.iter().map(|c| c.en.as_str()).collect();
        for (is_zh, said, into) in [(true, zh, &mut detail.zh), (false, en, &mut detail.en)] {
            let conditions = said.join(text(is_zh).conditions_sep);
            into.push_str(&fill(
                text(is_zh).lawful_only_if,
                &[("conditions", &conditions)],
            ));
        }
    } else if group.iter().any(|h| h.declared) {
        detail.zh.push_str(text(true).declared_answers);
        detail.en.push_str(text(false).declared_answers);
    }
    Finding {
        id: String::new(),
        rule: rule.id.clone(),
        severity: lead.severity,
        device: device.map(|d| d.id.clone()),
        title: rule.title.clone(),
        detail,
        legal_basis: basis(group.iter().map(|h| h.rule)),
        remedy: rule.remedy.clone(),
        evidence,
        conditional: false,
        conditions: Vec::new(),
        advice: None,
        theme: Some(rule.theme.clone()),
        rules: group.iter().map(|h| h.rule.id.clone()).collect(),
        lawful_if,
    }
}

fn verify_item(
    mut group: Vec<Pending<'_>>,
    kind: &str,
    device: Option<&Device>,
    location: Option<String>,
    finding: Option<String>,
) -> VerifyItem {
    group.sort_by_key(|p| p.severity);
    let lead = group[0].rule;
    let mut check = Vec::new();
    for p in &group {
        push_new(&mut check, &p.check);
    }
    VerifyItem {
        id: String::new(),
        rule: lead.id.clone(),
        rules: group.iter().map(|p| p.rule.id.clone()).collect(),
        theme: lead.theme.clone(),
        device: device.map(|d| d.id.clone()),
        location,
        kind: kind.to_string(),
        check,
        decides: lead.title.clone(),
        severity: group[0].severity,
        legal_basis: basis(group.iter().map(|p| p.rule)),
        finding,
    }
}

/// The explanation followed by the provision's text.
fn detail(rule: &Rule) -> Localized {
    let mut zh = rule.explanation.zh.clone();
    let mut en = rule.explanation.en.clone();
    if let Some(q) = &rule.quote {
        zh.push_str(&fill(
            text(true).provision,
            &[("citation", &rule.citation.zh), ("quote", &q.zh)],
        ));
        en.push_str(&fill(
            text(false).provision,
            &[("citation", &rule.citation.en), ("quote", &q.en)],
        ));
    }
    Localized { zh, en }
}
