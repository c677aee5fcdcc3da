//! fleet.html: one self-contained page (inline style, no script, no external resource), every
//! value escaped after hidden characters are made visible.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Fleet, ShopSummary};
use crate::model::DeviceType;
use crate::report::Lang;
use crate::report::sanitize::visible;

struct FleetLabels {
    title: &'static str,
    shops: &'static str,
    shop: &'static str,
    scanned: &'static str,
    incomplete: &'static str,
    devices: &'static str,
    by_vendor: &'static str,
    by_type: &'static str,
    face_capable: &'static str,
    uploads: &'static str,
    findings_severity: &'static str,
    findings_rule: &'static str,
    totals: &'static str,
    shops_by_provider: &'static str,
    none: &'static str,
}

const ZH: FleetLabels = FleetLabels {
    title: "连锁门店汇总",
    shops: "门店",
    shop: "门店",
    scanned: "检测时间",
    incomplete: "（检测未完成）",
    devices: "设备数",
    by_vendor: "按厂商",
    by_type: "按类型",
    face_capable: "具备人脸识别",
    uploads: "上传到的云端",
    findings_severity: "问题（按严重程度）",
    findings_rule: "问题（按规则）",
    totals: "合计",
    shops_by_provider: "上传到各云服务商的门店",
    none: "无",
};

const EN: FleetLabels = FleetLabels {
    title: "Chain summary",
    shops: "Shops",
    shop: "Shop",
    scanned: "Scanned",
    incomplete: " (scan incomplete)",
    devices: "Devices",
    by_vendor: "By vendor",
    by_type: "By type",
    face_capable: "Face recognition capable",
    uploads: "Uploads to cloud",
    findings_severity: "Findings by severity",
    findings_rule: "Findings by rule",
    totals: "Totals",
    shops_by_provider: "Shops uploading to each provider",
    none: "none",
};

/// Escapes text for HTML element content and attribute values, after making hidden characters
/// (bidi overrides, escapes) visible.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page in `lang`.
pub fn render_html(fleet: &Fleet, lang: Lang) -> String {
    let l = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let code = lang.code();
    let type_label = |key: &str| -> String {
        key.parse::<DeviceType>()
            .map(|t| t.label(code).to_string())
            .unwrap_or_else(|_| key.to_string())
    };
    let mut out = String::new();
    // Writing to a String cannot fail; the results of write! are ignored below for that reason.
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}\
         td,th{{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(lang.html_lang()),
        esc(l.title),
        esc(l.title)
    );
    let t = &fleet.totals;
    let _ = write!(
        out,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n\
         <tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n\
         <tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n</table>\n",
        esc(l.totals),
        esc(l.shops),
        t.shops,
        esc(l.devices),
        t.devices,
        esc(l.face_capable),
        t.face_capable,
        esc(l.by_vendor),
        counts(&t.devices_by_vendor, l, |k| k.to_string()),
        esc(l.by_type),
        counts(&t.devices_by_type, l, type_label),
        esc(l.shops_by_provider),
        providers(&t.shops_by_provider, l),
        esc(l.findings_severity),
        counts(&t.findings_by_severity, l, |k| k.to_string()),
        esc(l.findings_rule),
        counts(&t.findings_by_rule, l, |k| k.to_string()),
    );
    let _ = write!(
        out,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        esc(l.shops),
        esc(l.shop),
        esc(l.scanned),
        esc(l.devices),
        esc(l.by_vendor),
        esc(l.by_type),
        esc(l.face_capable),
        esc(l.uploads),
        esc(l.findings_severity),
        esc(l.findings_rule),
    );
    for shop in &fleet.shops {
        shop_row(&mut out, shop, l, &type_label);
    }
    out.push_str("</table>\n</body>\n</html>\n");
    out
}

fn shop_row(
    out: &mut String,
    shop: &ShopSummary,
    l: &FleetLabels,
    type_label: &dyn Fn(&str) -> String,
) {
    let uploads = if shop.cloud_uploads.is_empty() {
        esc(l.none)
    } else {
        shop.cloud_uploads
            .iter()
            .map(|u| {
                format!(
                    "{} — {} ({})",
                    esc(&u.provider),
                    esc(&u.destination),
                    u.devices
                )
            })
            .collect::<Vec<_>>()
            .join("<br>")
    };
    let _ = writeln!(
        out,
        "<tr><td>{}<br><small>{}</small></td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(&shop.shop),
        esc(&shop.source),
        esc(&shop.scanned_at),
        if shop.scan_complete { "" } else { l.incomplete },
        shop.devices,
        counts(&shop.devices_by_vendor, l, |k| k.to_string()),
        counts(&shop.devices_by_type, l, type_label),
        shop.face_capable,
        uploads,
        counts(&shop.findings_by_severity, l, |k| k.to_string()),
        counts(&shop.findings_by_rule, l, |k| k.to_string()),
    );
}

fn counts(
    map: &BTreeMap<String, usize>,
    l: &FleetLabels,
    label: impl Fn(&str) -> String,
) -> String {
    if map.is_empty() {
        return esc(l.none);
    }
    map.iter()
        .map(|(key, count)| format!("{}: {count}", esc(&label(key))))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn providers(map: &BTreeMap<String, Vec<String>>, l: &FleetLabels) -> String {
    if map.is_empty() {
        return esc(l.none);
    }
    map.iter()
        .map(|(provider, shops)| {
            let names: Vec<String> = shops.iter().map(|s| esc(s)).collect();
            format!("{}: {}", esc(provider), names.join(", "))
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::summarize;
    use crate::fleet::summary::tests::sample;

    #[test]
    fn hostile_names_are_escaped_and_labels_localised() {
        let fleet = summarize(&[
            (
                "a".into(),
                sample(Some("<script>alert(1)</script>\u{202e}")),
            ),
            ("b".into(), sample(Some("Shop B"))),
        ]);
        let html = render_html(&fleet, Lang::En);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{202e}"));
        assert!(html.contains("face terminal: 2"));
        assert!(html.contains("Hikvision / EZVIZ: &lt;script&gt;"));
        // The sample's own vendor "Acme\x1b[31m<i>" arrives escaped, never as a tag.
        assert!(!html.contains("<i>"));
        let zh = render_html(&fleet, Lang::Zh);
        assert!(zh.contains("<html lang=\"zh-CN\">") || zh.contains("连锁门店汇总"));
        assert!(zh.contains("人脸识别终端: 2"));
    }
}
