//! The evaluator: rules × (devices, site) → findings, sorted by severity.

use super::eval::{Outcome, Truth, eval};
use super::facts::Ctx;
use super::rules::{Rule, RuleSet};
use super::site::SiteDeclaration;
use crate::model::{Device, Finding, Localized, Report, Severity};

/// What the evaluator needs: the rules, the chosen jurisdictions, the site declaration if any.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    pub rules: &'a RuleSet,
    /// `cn`, `eu`, `us-il`; rules of jurisdiction `any` always apply.
    pub jurisdictions: &'a [String],
    pub site: Option<&'a SiteDeclaration>,
}

/// Every finding the selected rules produce for these devices, most severe first.
pub fn evaluate(input: PolicyInput<'_>, devices: &[Device]) -> Vec<Finding> {
    let base = Ctx {
        site: input.site,
        devices,
        device: None,
        declared: None,
        contact: None,
    };
    let mut findings = Vec::new();
    for rule in input.rules.select(input.jurisdictions) {
        if rule.per_device {
            for device in devices {
                let ctx = base.for_device(device);
                findings.extend(finding(rule, &ctx, Some(device)));
            }
        } else {
            findings.extend(finding(rule, &base, None));
        }
    }
    let ip_of = |f: &Finding| {
        f.device
            .as_deref()
            .and_then(|id| devices.iter().find(|d| d.id == id))
            .and_then(|d| d.ip.parse::<std::net::IpAddr>().ok())
    };
    findings.sort_by(|a, b| {
        (a.severity, a.conditional, &a.rule, ip_of(a)).cmp(&(
            b.severity,
            b.conditional,
            &b.rule,
            ip_of(b),
        ))
    });
    for (n, f) in findings.iter_mut().enumerate() {
        f.id = format!("F-{}", n + 1);
    }
    findings
}

/// Runs the policy on a finished report: records the site declaration used and the findings.
pub fn apply(report: &mut Report, input: PolicyInput<'_>) {
    report.site = input.site.map(SiteDeclaration::to_json);
    report.findings = evaluate(input, &report.devices);
}

fn finding(rule: &Rule, ctx: &Ctx<'_>, device: Option<&Device>) -> Option<Finding> {
    let outcome: Outcome = eval(&rule.trigger, ctx, false);
    let conditional = match outcome.truth {
        Truth::False => return None,
        Truth::Unknown if !rule.report_when_unknown => return None,
        Truth::Unknown => true,
        Truth::True => false,
    };
    let severity: Severity = rule
        .escalate
        .iter()
        .find(|(when, _)| eval(when, ctx, false).truth == Truth::True)
        .map_or(rule.severity, |(_, s)| *s);
    Some(Finding {
        id: String::new(),
        rule: rule.id.clone(),
        severity,
        device: device.map(|d| d.id.clone()),
        title: rule.title.clone(),
        detail: detail(rule, conditional, &outcome.conditions),
        legal_basis: vec![rule.legal_basis()],
        remedy: rule.remedy.clone(),
        evidence: outcome.evidence,
        conditional,
        conditions: if conditional {
            outcome.conditions
        } else {
            Vec::new()
        },
        advice: None,
    })
}

/// The explanation, prefixed for a conditional finding with what it assumes, and followed by the
/// provision's text.
fn detail(rule: &Rule, conditional: bool, conditions: &[Localized]) -> Localized {
    let mut zh = String::new();
    let mut en = String::new();
    if conditional && !conditions.is_empty() {
        let c_zh: Vec<&str> = conditions.iter().map(|c| c.zh.as_str()).collect();
        let c_en: Vec<&str> = conditions.iter().map(|c| c.en.as_str()).collect();
        zh.push_str(&format!(
            "（有条件：未申报现场情况）如果{}，则：",
            c_zh.join("，且")
        ));
        en.push_str(&format!(
            "(Conditional: the site declared nothing on this) If {}, then: ",
            c_en.join(", and ")
        ));
    }
    zh.push_str(&rule.explanation.zh);
    en.push_str(&rule.explanation.en);
    if let Some(q) = &rule.quote {
        zh.push_str(&format!(" 条文：{}", q.zh));
        en.push_str(&format!(
            " The provision ({}), in substance: {}",
            rule.citation.en, q.en
        ));
    }
    Localized { zh, en }
}
