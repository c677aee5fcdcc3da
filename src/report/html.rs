//! report.html: one self-contained file (inline CSS, no scripts, no external assets) that reads
//! well on screen and on paper.

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, Output, State};

use crate::model::Report;

use super::i18n::Lang;
use super::sanitize::visible;
use super::{ReportError, case, findings_view, svg, view};
use std::collections::BTreeMap;

const TEMPLATE_NAME: &str = "report.html";
static TEMPLATE: &str = include_str!("templates/report.html");

/// The case file's style sheet, shared by report.html and fleet.html (`{% include "style.css" %}`).
static STYLE: &str = include_str!("templates/style.css");

/// Writes every value HTML-escaped (by [`crate::markup`]'s escaper, the templates' own), with
/// control and bidi characters made visible first, so no value from a device reaches the page raw
/// whatever the template does with it.
fn visible_escaped(
    out: &mut Output,
    state: &mut State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && *state.auto_escape() != AutoEscape::None => {
            let shown = Value::from(visible(text).into_owned());
            minijinja::escape_formatter(out, state, &shown)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// A template environment for camsweep's HTML pages: HTML auto-escaping whatever a template's
/// name, hidden characters made visible, undefined values an error, and the shared style sheet.
pub(crate) fn page_environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // `.html` turns on HTML auto-escaping; make it explicit so a rename cannot switch it off.
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_formatter(visible_escaped);
    env.add_template("style.css", STYLE)?;
    Ok(env)
}

fn environment() -> Result<Environment<'static>, ReportError> {
    let mut env = page_environment().map_err(ReportError::Template)?;
    env.add_template(TEMPLATE_NAME, TEMPLATE)
        .map_err(ReportError::Template)?;
    Ok(env)
}

/// The report as a single HTML page in `lang`, naming the SHA-256 of the report.json as written by
/// [`to_json`](super::to_json) (what `audit` and `demo` write).
pub fn render_html(report: &Report, lang: Lang) -> Result<String, ReportError> {
    let json = super::to_json(report)?;
    render_html_for(report, lang, &super::sha256_hex(json.as_bytes()))
}

/// The report as a single HTML page in `lang`, rendered from a report.json whose SHA-256 is
/// `report_sha256` (printed on the page, so a reader can check the page against the file).
pub fn render_html_for(
    report: &Report,
    lang: Lang,
    report_sha256: &str,
) -> Result<String, ReportError> {
    let env = environment()?;
    let template = env
        .get_template(TEMPLATE_NAME)
        .map_err(ReportError::Template)?;
    let view = view::build(report, lang);
    let c = lang.case_labels();
    let case = case::build(report, lang, report_sha256);
    // The SVG is markup camsweep drew (every text in it escaped by `svg`), so it goes in as safe.
    let network = svg::network(&case.links, c).map(Value::from_safe_string);
    let mut sparklines = BTreeMap::new();
    let mut timelines = BTreeMap::new();
    for device in &report.devices {
        let anchor = view::anchor(&device.id);
        if let Some(line) = svg::sparkline(&device.upstream_timeline, c) {
            sparklines.insert(anchor.clone(), Value::from_safe_string(line));
        }
        if let Some(summary) = case::timeline(&device.upstream_timeline) {
            timelines.insert(anchor, Value::from(Serde(summary)));
        }
    }
    let mut advice: BTreeMap<String, case::AdviceView> = report
        .findings
        .iter()
        .filter_map(|f| {
            case::advice(f.advice.as_ref(), lang, c).map(|a| (visible(&f.id).into_owned(), a))
        })
        .collect();
    let mut findings: Vec<&crate::model::Finding> = report.findings.iter().collect();
    findings.sort_by_key(|f| (f.severity, f.conditional));
    let themes = findings_view::theme_groups(&findings, report, lang);
    refer_repeated_notice_lists(&themes, &mut advice);
    refer_repeated_steps(&themes, &mut advice);
    let advice: BTreeMap<String, Value> = advice
        .into_iter()
        .map(|(id, a)| (id, Value::from(Serde(a))))
        .collect();
    let context = minijinja::context! {
        fv => Value::from(Serde(findings_view::labels(lang))),
        declaration => Value::from(Serde(findings_view::site_view(report, lang))),
        themes => Value::from(Serde(themes)),
        verify => Value::from(Serde(findings_view::verify_groups(report, lang))),
        templates => Value::from(Serde(findings_view::notice_templates(report, lang))),
        t => Value::from(Serde(lang.labels())),
        c => Value::from(Serde(c)),
        case => Value::from(Serde(&case)),
        network_svg => network,
        sparklines => Value::from(sparklines),
        timelines => Value::from(timelines),
        advice => Value::from(advice),
        ..Value::from(Serde(&view))
    };
    template.render(context).map_err(ReportError::Template)
}

/// In the order the cards print, a card whose "a compliant notice must say" list is the same as
/// an earlier card's refers to that card in print instead of repeating it.
fn refer_repeated_notice_lists(
    themes: &[findings_view::ThemeGroup],
    advice: &mut BTreeMap<String, case::AdviceView>,
) {
    let mut first: Vec<(Vec<String>, String)> = Vec::new();
    for card in themes.iter().flat_map(|g| &g.cards) {
        let Some(a) = advice.get_mut(&card.lead) else {
            continue;
        };
        if a.must_say.is_empty() {
            continue;
        }
        let list: Vec<String> = a.must_say.iter().map(|m| m.text.clone()).collect();
        match first.iter().find(|(l, _)| *l == list) {
            Some((_, earlier)) => a.must_say_as_in = Some(earlier.clone()),
            None => first.push((list, card.lead.clone())),
        }
    }
}

/// The same for device-settings steps: a product's steps print once, later cards refer to them.
fn refer_repeated_steps(
    themes: &[findings_view::ThemeGroup],
    advice: &mut BTreeMap<String, case::AdviceView>,
) {
    let mut first: Vec<(Vec<String>, String)> = Vec::new();
    for card in themes.iter().flat_map(|g| &g.cards) {
        let Some(a) = advice.get_mut(&card.lead) else {
            continue;
        };
        if a.steps.is_empty() {
            continue;
        }
        match first.iter().find(|(s, _)| *s == a.steps) {
            Some((_, earlier)) => a.steps_as_in = Some(earlier.clone()),
            None => first.push((a.steps.clone(), card.lead.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{HOSTILE_TITLE, sample_report};

    fn html(lang: Lang) -> String {
        render_html(&sample_report(), lang).unwrap()
    }

    /// The page with minijinja's escaped `/` read back, for looking up plain text.
    fn readable(lang: Lang) -> String {
        html(lang).replace("&#x2f;", "/")
    }

    #[test]
    fn device_text_is_escaped_never_raw() {
        for lang in [Lang::Zh, Lang::En] {
            let page = html(lang);
            assert!(!page.contains("<script"), "raw script tag");
            assert!(!page.contains("<i>"), "raw tag from a vendor name");
            assert!(!page.contains("<b>"), "raw tag from a hostname");
            assert!(!page.contains('\x1b'), "raw ESC byte");
            assert!(!page.contains('\x07'), "raw BEL byte");
            assert!(!page.contains('\r'), "raw CR from a banner");
            assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
            assert!(page.contains("\\x1b[31mRED"), "ESC shown escaped");
            assert!(page.contains("&quot;quoted&quot; &amp; &#x27;single&#x27;"));
            assert!(!page.contains(HOSTILE_TITLE));
        }
    }

    #[test]
    fn page_is_self_contained() {
        let page = html(Lang::En);
        let lower = page.to_ascii_lowercase();
        for needle in [
            "<link", "<script", "<img", "<iframe", "@import", "url(", "src=",
        ] {
            assert!(!lower.contains(needle), "external asset hook {needle}");
        }
        // The only http(s) text is the hostile banner, escaped as text.
        for (i, _) in lower.match_indices("http") {
            let before = &lower[i.saturating_sub(12)..i];
            assert!(
                !before.contains("href=") && !before.contains("src="),
                "{before}"
            );
        }
        assert!(page.contains("@media print"));
    }

    #[test]
    fn chinese_page_uses_chinese_labels() {
        let page = readable(Lang::Zh);
        for label in [
            "lang=\"zh-CN\"",
            "摄像机",
            "录像机",
            "人脸识别终端",
            "人脸识别能力",
            "证据",
            "置信度",
            "固件",
            "开放端口",
            "云端连接",
            "发现问题",
            "整改建议",
            "法律依据",
            "《个人信息保护法》第二十六条",
            "人脸识别设备将数据上传至境外云端",
            "检测未完成",
            "王店长",
        ] {
            assert!(page.contains(label), "missing {label}");
        }
        assert!(!page.contains("Face-recognition device uploads"));
    }

    #[test]
    fn english_page_uses_english_labels() {
        let page = readable(Lang::En);
        for label in [
            "lang=\"en\"",
            "Face-capable devices",
            "face terminal",
            "recorder (NVR/DVR)",
            "Evidence",
            "Confidence",
            "Firmware",
            "Open ports",
            "Cloud contacts",
            "Remedy",
            "Legal basis",
            "Face-recognition device uploads data to a cloud abroad",
            "Incomplete",
        ] {
            assert!(page.contains(label), "missing {label}");
        }
    }

    #[test]
    fn header_names_tool_signatures_and_scope() {
        let page = readable(Lang::En);
        for needle in [
            "camsweep 0.1.0",
            "2026.11.1",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "198.18.0.0/24",
            "2026-11-23 09:00:00 UTC",
            "示例便利店 Example Mart #12",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "apiieu.ezvizlife.com",
            "1.0 MiB",
            "HTTP probe on port 8080 timed out",
        ] {
            assert!(page.contains(needle), "missing {needle}");
        }
    }

    #[test]
    fn face_capable_devices_are_highlighted() {
        let page = html(Lang::En);
        let row = page
            .find("<tr class=\"face\">")
            .expect("a highlighted device row");
        let first_device = page.find("href=\"#dev-d-198-18-0-12\"").unwrap();
        assert!(
            row < first_device,
            "the face terminal row is the highlighted one"
        );
    }
}
