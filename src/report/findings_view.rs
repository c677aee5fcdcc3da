//! The findings part of the case file, shared by HTML, Markdown and CSV: findings grouped by legal
//! theme, the "to verify on site" list, the notice templates printed once, and the site
//! declaration as translated labels (never raw keys such as `cac_filing`).

use std::sync::LazyLock;

use serde::Serialize;

use crate::model::{Finding, Report, VerifyItem};
use crate::policy::value_label;

use super::i18n::Lang;
use super::sanitize::visible;
use crate::locale::{self, label_table};

fn text(value: &str) -> String {
    visible(value).into_owned()
}

label_table! {
    /// Labels of this part, in one language.
    #[derive(Debug, Serialize)]
    pub(crate) struct FindingsLabels in "findings" {
        pub to_verify: &'static str,
        pub to_verify_lead: &'static str,
        pub applies_if: &'static str,
        pub lawful_if: &'static str,
        pub decides: &'static str,
        pub where_: &'static str,
        pub check: &'static str,
        pub for_finding: &'static str,
        pub rules: &'static str,
        pub theme: &'static str,
        pub devices: &'static str,
        pub notices_posted: &'static str,
        pub notice_location: &'static str,
        pub notice_text: &'static str,
        pub notice_discloses: &'static str,
        pub notice_recipients: &'static str,
        pub no_notice: &'static str,
        pub notice_templates: &'static str,
        pub notice_templates_lead: &'static str,
        pub see_template: &'static str,
        /// "A compliant notice must say: as for F-3", when an earlier card printed the same list.
        pub as_for: &'static str,
        pub yes: &'static str,
        pub no: &'static str,
        pub declared_devices: &'static str,
        pub purpose: &'static str,
        pub area: &'static str,
        pub more_evidence: &'static str,
        pub print_details_note: &'static str,
        /// After a declared fact a card prints once for all its devices.
        pub all_devices_below: &'static str,
        /// Between the words of a declared list (`、` in Chinese).
        pub enumeration: &'static str,
        /// A declared fact as a finding quotes it; `{who}`, `{label}` and `{value}` are filled in.
        pub declared_line: &'static str,
    }
}

static ZH: LazyLock<FindingsLabels> = LazyLock::new(|| FindingsLabels::load(true));

static EN: LazyLock<FindingsLabels> = LazyLock::new(|| FindingsLabels::load(false));

pub(crate) fn labels(lang: Lang) -> &'static FindingsLabels {
    if lang.code() == "zh" { &ZH } else { &EN }
}

/// A legal theme's name; a theme the locale file does not name is shown as written.
pub(crate) fn theme_label(theme: &str, lang: Lang) -> String {
    locale::try_label("theme", theme, lang == Lang::Zh).map_or_else(|| text(theme), str::to_string)
}

/// A site-declaration key as a label; a key the locale file does not name is shown as written.
fn key_label(key: &str, lang: Lang) -> String {
    if key == "schema_version" {
        return String::new();
    }
    locale::try_label("site_key", key, lang == Lang::Zh).map_or_else(|| text(key), str::to_string)
}

fn value_text(value: &serde_json::Value, lang: Lang, l: &FindingsLabels) -> Option<String> {
    let zh = lang.code() == "zh";
    Some(match value {
        serde_json::Value::Bool(true) => l.yes.to_string(),
        serde_json::Value::Bool(false) => l.no.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => {
            let word = s.trim();
            if word.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !word.is_empty() {
                value_label(word, zh)
            } else {
                text(s)
            }
        }
        serde_json::Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
            if items.is_empty() {
                return Some("—".into());
            }
            items
                .iter()
                .filter_map(|i| value_text(i, lang, l))
                .collect::<Vec<_>>()
                .join(l.enumeration)
        }
        _ => return None,
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct LabelValue {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct NoticeView {
    pub location: Option<String>,
    pub text: Option<String>,
    pub discloses: String,
    pub recipients: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct DeclaredDeviceView {
    pub ip: String,
    pub location: String,
    pub purpose: String,
    pub area: String,
}

/// The site declaration as an inspector reads it.
#[derive(Debug, Serialize)]
pub(crate) struct SiteView {
    pub fields: Vec<LabelValue>,
    /// None: the declaration says nothing about notices.
    pub notices: Option<Vec<NoticeView>>,
    pub devices: Vec<DeclaredDeviceView>,
}

pub(crate) fn site_view(report: &Report, lang: Lang) -> Option<SiteView> {
    let serde_json::Value::Object(map) = report.site.as_ref()? else {
        return None;
    };
    let l = labels(lang);
    let zh = lang.code() == "zh";
    let mut fields = Vec::new();
    for (key, value) in map {
        if matches!(key.as_str(), "notice" | "device" | "schema_version") || value.is_null() {
            continue;
        }
        let label = key_label(key, lang);
        if let Some(value) = value_text(value, lang, l) {
            fields.push(LabelValue { label, value });
        }
    }
    let get = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(text)
    };
    let list = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| value_text(x, lang, l))
            .unwrap_or_else(|| "—".into())
    };
    let notices = map
        .get("notice")
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|n| NoticeView {
                    location: get(n, "location"),
                    text: get(n, "text"),
                    discloses: list(n, "discloses"),
                    recipients: list(n, "recipients"),
                })
                .collect()
        });
    let devices = map
        .get("device")
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|d| DeclaredDeviceView {
                    ip: get(d, "ip")
                        .or_else(|| get(d, "mac"))
                        .or_else(|| get(d, "model"))
                        .unwrap_or_default(),
                    location: get(d, "location").unwrap_or_else(|| "—".into()),
                    purpose: get(d, "purpose").map_or_else(|| "—".into(), |p| value_label(&p, zh)),
                    area: get(d, "area").map_or_else(|| "—".into(), |p| value_label(&p, zh)),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(SiteView {
        fields,
        notices,
        devices,
    })
}

/// "IP (vendor model)" of a finding's device, as the case file names it; the bare id when the
/// device is not in the report.
pub(super) fn device_label(report: &Report, id: Option<&str>) -> Option<String> {
    let id = id?;
    Some(match report.devices.iter().find(|d| d.id == id) {
        Some(d) => {
            let name = [d.identity.vendor.as_deref(), d.identity.model.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() {
                text(&d.ip)
            } else {
                format!("{} ({})", text(&d.ip), text(&name))
            }
        }
        None => text(id),
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct VerifyView {
    pub id: String,
    pub kind_label: &'static str,
    pub lawful_if: bool,
    pub severity_code: &'static str,
    pub device: Option<String>,
    pub location: Option<String>,
    pub check: Vec<String>,
    pub decides: String,
    pub rules: String,
    pub legal_basis: Vec<String>,
    pub finding: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct VerifyGroup {
    pub theme: String,
    pub items: Vec<VerifyView>,
}

fn verify_view(v: &VerifyItem, report: &Report, lang: Lang) -> VerifyView {
    let l = labels(lang);
    let code = lang.code();
    VerifyView {
        id: text(&v.id),
        kind_label: if v.kind == "lawful_if" {
            l.lawful_if
        } else {
            l.applies_if
        },
        lawful_if: v.kind == "lawful_if",
        severity_code: v.severity.as_str(),
        device: device_label(report, v.device.as_deref()),
        location: v.location.as_deref().map(text),
        check: v.check.iter().map(|c| text(c.get(code))).collect(),
        decides: text(v.decides.get(code)),
        rules: v
            .rules
            .iter()
            .map(|r| text(r))
            .collect::<Vec<_>>()
            .join(", "),
        legal_basis: v.legal_basis.iter().map(|b| text(b)).collect(),
        finding: v.finding.as_deref().map(text),
    }
}

/// The "to verify on site" list, by theme in the report's order.
pub(crate) fn verify_groups(report: &Report, lang: Lang) -> Vec<VerifyGroup> {
    let mut groups: Vec<VerifyGroup> = Vec::new();
    for v in &report.to_verify {
        let theme = theme_label(&v.theme, lang);
        let view = verify_view(v, report, lang);
        match groups.iter_mut().find(|g| g.theme == theme) {
            Some(g) => g.items.push(view),
            None => groups.push(VerifyGroup {
                theme,
                items: vec![view],
            }),
        }
    }
    groups
}

/// Finding ids by theme, themes in order of their most severe finding, each with its devices.
#[derive(Debug, Serialize)]
pub(crate) struct ThemeGroup {
    pub code: String,
    pub label: String,
    pub finding_ids: Vec<String>,
    pub devices: Vec<String>,
    pub cards: Vec<Card>,
}

pub(crate) fn theme_groups(findings: &[&Finding], report: &Report, lang: Lang) -> Vec<ThemeGroup> {
    let mut groups: Vec<ThemeGroup> = Vec::new();
    for f in findings {
        let code = f.theme.clone().unwrap_or_else(|| "other".into());
        let device = device_label(report, f.device.as_deref());
        let group = match groups.iter().position(|g| g.code == code) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(ThemeGroup {
                    label: if code == "other" {
                        String::new()
                    } else {
                        theme_label(&code, lang)
                    },
                    code,
                    finding_ids: Vec::new(),
                    devices: Vec::new(),
                    cards: Vec::new(),
                });
                let pushed = groups.len() - 1;
                &mut groups[pushed]
            }
        };
        group.finding_ids.push(text(&f.id));
        if let Some(d) = device.filter(|d| !group.devices.contains(d)) {
            group.devices.push(d);
        }
    }
    for g in &mut groups {
        g.cards = cards(findings, &g.finding_ids, report, lang);
    }
    groups
}

/// Findings that say the same thing (theme, rules, severity, title) about several devices, printed
/// once with each device's evidence: the case file stays readable when seven terminals break the
/// same rules.
#[derive(Debug, Serialize)]
pub(crate) struct Card {
    /// The findings merged, e.g. `F-12, F-14`.
    pub ids: String,
    /// The first finding's id: where its detail, basis, remedy and advice come from.
    pub lead: String,
    /// Lines of the site declaration every device of the card quotes: printed once.
    pub common: Vec<EvidenceLine>,
    pub devices: Vec<CardDevice>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CardDevice {
    pub id: String,
    pub label: Option<String>,
    pub anchor: Option<String>,
    /// This device's severity when it differs from the card's (the lead's).
    pub severity_code: Option<&'static str>,
    pub severity_label: Option<&'static str>,
    pub evidence: Vec<EvidenceLine>,
}

/// One evidence line of a finding; identity atoms repeat the device details, so the print leaves
/// them to that section.
#[derive(Debug, Serialize)]
pub(crate) struct EvidenceLine {
    pub text: String,
    pub atom: bool,
    /// The device's identity line ("…, face recognition yes (confidence …)"): the card's device
    /// label and the device details say it, so the print leaves it out.
    pub identity: bool,
    /// A site-wide fact of the declaration (`site.toml: site.consent = …`, no device named).
    #[serde(skip)]
    pub site_wide: bool,
    /// The signature list of an identity line (`; signatures …`), screen only: the device details
    /// print it once.
    pub signatures: Option<String>,
}

/// An evidence line for the card: identity lines are split before their signature list.
fn evidence_line(e: &str, lang: Lang) -> EvidenceLine {
    let atom = !e.starts_with("cloud:")
        && !e.starts_with("site.toml:")
        && !e.contains("(confidence")
        && !e.contains(": cloud indication ");
    if e.contains("(confidence")
        && let Some((head, tail)) = e.split_once("; signatures ")
        && let Some(list) = tail.strip_suffix(')')
    {
        return EvidenceLine {
            text: text(head),
            atom,
            identity: true,
            site_wide: false,
            signatures: Some(text(&format!("signatures {list}"))),
        };
    }
    EvidenceLine {
        text: declared_line(e, lang),
        atom,
        identity: e.contains("(confidence"),
        site_wide: e
            .strip_prefix("site.toml: ")
            .and_then(|rest| rest.split_once(" = "))
            .is_some_and(|(lhs, _)| !lhs.contains(' ')),
        signatures: None,
    }
}

/// An evidence line quoting the declaration (`site.toml: site.consent = sign_only`) in words:
/// `site.toml: How consent is obtained = a sign only`.
pub(crate) fn declared_line(line: &str, lang: Lang) -> String {
    let Some(rest) = line.strip_prefix("site.toml: ") else {
        return text(line);
    };
    let Some((lhs, value)) = rest.split_once(" = ") else {
        return text(line);
    };
    let (who, field) = match lhs.rsplit_once(' ') {
        Some((who, field)) => (format!("{who} "), field),
        None => (String::new(), lhs),
    };
    let zh = lang.code() == "zh";
    let label = match locale::try_label("declared_field", field, zh) {
        Some(label) => label.to_string(),
        None => key_label(
            field
                .trim_start_matches("site.")
                .trim_start_matches("device."),
            lang,
        ),
    };
    let words = value.trim_start_matches('[').trim_end_matches(']');
    let shown: Vec<String> = words
        .split(", ")
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "true" => labels(lang).yes.to_string(),
            "false" => labels(lang).no.to_string(),
            w if w.chars().all(|c| c.is_ascii_lowercase() || c == '_') => value_label(w, zh),
            w => text(w),
        })
        .collect();
    let value = if shown.is_empty() {
        "—".to_string()
    } else {
        shown.join(labels(lang).enumeration)
    };
    locale::fill(
        labels(lang).declared_line,
        &[("who", &text(&who)), ("label", &label), ("value", &value)],
    )
}

/// The cards of one theme, in the findings' order.
pub(crate) fn cards(
    findings: &[&Finding],
    ids: &[String],
    report: &Report,
    lang: Lang,
) -> Vec<Card> {
    struct Lead {
        severity: crate::model::Severity,
        card: Card,
    }
    let mut out: Vec<(String, Lead)> = Vec::new();
    for f in findings
        .iter()
        .filter(|f| ids.contains(&visible(&f.id).into_owned()))
    {
        // Severity is not in the key: a rule that escalates on some devices prints once, the
        // most severe first, and a device of another severity says so on its line.
        let key = format!("{}|{}|{}", f.rule, f.rules.join(","), f.title.en);
        let mut device = CardDevice {
            id: text(&f.id),
            label: device_label(report, f.device.as_deref()),
            anchor: f.device.as_deref().map(super::view::anchor),
            severity_code: None,
            severity_label: None,
            evidence: f.evidence.iter().map(|e| evidence_line(e, lang)).collect(),
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, card)) => {
                if card.severity != f.severity {
                    device.severity_code = Some(f.severity.as_str());
                    device.severity_label = Some(lang.labels().severity(f.severity));
                }
                card.card.ids.push_str(", ");
                card.card.ids.push_str(&text(&f.id));
                card.card.devices.push(device);
            }
            None => out.push((
                key,
                Lead {
                    severity: f.severity,
                    card: Card {
                        ids: text(&f.id),
                        lead: text(&f.id),
                        common: Vec::new(),
                        devices: vec![device],
                    },
                },
            )),
        }
    }
    out.into_iter()
        .map(|(_, c)| lift_common_declarations(c.card))
        .collect()
}

/// A site-wide declared fact every device of a card quotes ("what the posted notices disclose",
/// "how consent is obtained") is printed once above the devices instead of under each of them.
fn lift_common_declarations(mut card: Card) -> Card {
    if card.devices.len() < 2 {
        return card;
    }
    let Some((first, rest)) = card.devices.split_first() else {
        return card;
    };
    let common: Vec<String> = first
        .evidence
        .iter()
        .filter(|e| e.site_wide)
        .map(|e| e.text.clone())
        .filter(|t| rest.iter().all(|d| d.evidence.iter().any(|e| e.text == *t)))
        .collect();
    for t in &common {
        for d in &mut card.devices {
            d.evidence.retain(|e| e.text != *t);
        }
        card.common.push(EvidenceLine {
            text: t.clone(),
            atom: false,
            identity: false,
            site_wide: true,
            signatures: None,
        });
    }
    card
}

/// One notice template, printed once.
#[derive(Debug, Serialize)]
pub(crate) struct TemplateView {
    pub id: String,
    pub basis: String,
    pub lines: Vec<String>,
    /// Findings that refer to it.
    pub findings: String,
}

pub(crate) fn notice_templates(report: &Report, lang: Lang) -> Vec<TemplateView> {
    let code = lang.code();
    let mut out: Vec<TemplateView> = Vec::new();
    for f in &report.findings {
        let Some(n) = f.advice.as_ref().and_then(|a| a.notice.as_ref()) else {
            continue;
        };
        match out.iter_mut().find(|t| t.id == n.id) {
            Some(t) => {
                t.findings.push_str(", ");
                t.findings.push_str(&text(&f.id));
            }
            None => out.push(TemplateView {
                id: text(&n.id),
                basis: text(n.basis.get(code)),
                lines: n.template.get(code).lines().map(text).collect(),
                findings: text(&f.id),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    /// The declaration shows labels in both languages, never its raw keys.
    #[test]
    fn site_declaration_has_no_raw_keys() {
        let mut report = sample_report();
        report.site = Some(serde_json::json!({
            "schema_version": 1, "name": "Shop", "consent": "sign_only", "cac_filing": false,
            "xborder_mechanism": false, "non_face_alternative": true,
            "notice": [{ "location": "entrance", "text": "CCTV", "discloses": ["video_surveillance"], "recipients": [] }],
        }));
        for lang in [Lang::Zh, Lang::En] {
            let v = site_view(&report, lang).unwrap();
            let shown = serde_json::to_string(&v).unwrap();
            for raw in [
                "cac_filing",
                "xborder_mechanism",
                "sign_only",
                "non_face_alternative",
                "video_surveillance",
            ] {
                assert!(!shown.contains(raw), "{raw} in {shown}");
            }
            assert_eq!(v.notices.as_ref().unwrap()[0].text.as_deref(), Some("CCTV"));
        }
        let zh = serde_json::to_string(&site_view(&report, Lang::Zh).unwrap()).unwrap();
        assert!(zh.contains("仅张贴告示") && zh.contains("视频监控"), "{zh}");
        assert_eq!(
            declared_line("site.toml: site.consent = sign_only", Lang::Zh),
            "场所申报 (site.toml)： 取得同意的方式 = 仅张贴告示"
        );
        assert_eq!(
            declared_line(
                "site.toml: notice.discloses = [processor_contact, video_surveillance]",
                Lang::En
            ),
            "site declaration (site.toml): what the posted notices disclose = processor contact, video surveillance"
        );
    }

    /// A rule that escalates on one device prints one card: the other device's line carries its
    /// own severity, and identity lines print without their signature list.
    #[test]
    fn one_card_per_rule_across_severities() {
        let mut report = sample_report();
        let lead = report.findings[0].clone();
        let mut other = lead.clone();
        other.id = "F-99".into();
        other.severity = crate::model::Severity::Low;
        other.device = report.devices.last().map(|d| d.id.clone());
        other.evidence = vec![
            "198.18.0.9: Acme X camera, face recognition no (confidence 80%; signatures a, b)"
                .into(),
        ];
        report.findings.push(other);
        let refs: Vec<&Finding> = report.findings.iter().collect();
        let ids = vec![visible(&lead.id).into_owned(), "F-99".to_string()];
        let cards = cards(&refs, &ids, &report, Lang::En);
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].ids, format!("{}, F-99", visible(&lead.id)));
        assert_eq!(cards[0].devices[0].severity_code, None);
        assert_eq!(cards[0].devices[1].severity_code, Some("low"));
        let line = &cards[0].devices[1].evidence[0];
        assert_eq!(
            line.text,
            "198.18.0.9: Acme X camera, face recognition no (confidence 80%"
        );
        assert_eq!(line.signatures.as_deref(), Some("signatures a, b"));
        assert!(!line.atom, "identity lines print");
    }
}
