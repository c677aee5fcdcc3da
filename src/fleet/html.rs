//! fleet.html: one self-contained page with the case file's own style sheet (inlined, no script, no
//! external resource), in Chinese or English. Rendered from templates in three pieces so shop rows
//! can be written as the reports stream through: the rows first (to a side file), then the head
//! with the totals, the rows, the tail. Every value is escaped after hidden characters are made
//! visible.

use std::sync::LazyLock;

use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;

use super::{FleetTotals, ShopSummary};
use crate::locale::label_table;
use crate::model::DeviceType;
use crate::report::Lang;

static PAGE: &str = include_str!("templates/fleet.html");
static ROW: &str = include_str!("templates/fleet_row.html");
/// Where the page template takes the shop rows.
const ROWS_MARKER: &str = "{# shop rows #}";

label_table! {
    /// The page's labels (locale file, `[fleet.*]`).
    #[derive(Serialize)]
    pub(crate) struct FleetLabels in "fleet" {
        title: &'static str,
        subtitle: &'static str,
        shops: &'static str,
        shop: &'static str,
        place: &'static str,
        scanned: &'static str,
        incomplete: &'static str,
        devices: &'static str,
        by_vendor: &'static str,
        by_type: &'static str,
        face_capable: &'static str,
        face_by_province: &'static str,
        shops_by_province: &'static str,
        uploads: &'static str,
        uploading_shops: &'static str,
        findings_severity: &'static str,
        findings_rule: &'static str,
        totals: &'static str,
        shops_by_provider: &'static str,
        count: &'static str,
        duplicates: &'static str,
        skipped: &'static str,
        none: &'static str,
        footer: &'static str,
    }
}

static ZH: LazyLock<FleetLabels> = LazyLock::new(|| FleetLabels::load(true));
static EN: LazyLock<FleetLabels> = LazyLock::new(|| FleetLabels::load(false));

#[derive(Serialize)]
struct Section {
    title: &'static str,
    unit: &'static str,
    rows: Vec<(String, usize)>,
}

/// The page's templates, compiled once.
pub struct FleetHtml {
    env: Environment<'static>,
    lang: Lang,
}

impl FleetHtml {
    pub fn new(lang: Lang) -> Result<Self, minijinja::Error> {
        let (head, tail) = PAGE.split_once(ROWS_MARKER).ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::TemplateNotFound,
                "fleet.html has no shop-rows marker",
            )
        })?;
        // Escaping, hidden characters and the style sheet as on report.html.
        let mut env = crate::report::page_environment()?;
        env.add_template("head.html", head)?;
        env.add_template("tail.html", tail)?;
        env.add_template("row.html", ROW)?;
        Ok(Self { env, lang })
    }

    fn labels(&self) -> &'static FleetLabels {
        match self.lang {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// One shop's table row.
    pub fn row(&self, shop: &ShopSummary) -> Result<String, minijinja::Error> {
        self.env
            .get_template("row.html")?
            .render(minijinja::context! { s => Serde(shop), l => Serde(self.labels()) })
    }

    /// Everything before the shop rows: title, totals, the shop table's header.
    pub fn head(
        &self,
        totals: &FleetTotals,
        duplicates: usize,
        skipped: usize,
    ) -> Result<String, minijinja::Error> {
        let l = self.labels();
        let code = self.lang.code();
        let typed = |map: &std::collections::BTreeMap<String, usize>| -> Vec<(String, usize)> {
            map.iter()
                .map(|(key, n)| {
                    let label = key
                        .parse::<DeviceType>()
                        .map(|t| t.label(code).to_string())
                        .unwrap_or_else(|_| key.clone());
                    (label, *n)
                })
                .collect()
        };
        let plain = |map: &std::collections::BTreeMap<String, usize>| -> Vec<(String, usize)> {
            map.iter().map(|(k, n)| (k.clone(), *n)).collect()
        };
        let sections = vec![
            Section {
                title: l.by_vendor,
                unit: l.devices,
                rows: plain(&totals.devices_by_vendor),
            },
            Section {
                title: l.by_type,
                unit: l.devices,
                rows: typed(&totals.devices_by_type),
            },
            Section {
                title: l.shops_by_provider,
                unit: l.shops,
                rows: plain(&totals.shops_uploading_to),
            },
            Section {
                title: l.shops_by_province,
                unit: l.shops,
                rows: plain(&totals.shops_by_province),
            },
            Section {
                title: l.face_by_province,
                unit: l.devices,
                rows: plain(&totals.face_capable_by_province),
            },
            Section {
                title: l.findings_severity,
                unit: l.count,
                rows: plain(&totals.findings_by_severity),
            },
            Section {
                title: l.findings_rule,
                unit: l.count,
                rows: plain(&totals.findings_by_rule),
            },
        ];
        let uploading_shops = totals.uploading_shops;
        self.env
            .get_template("head.html")?
            .render(minijinja::context! {
                html_lang => self.lang.html_lang(),
                l => Serde(l),
                t => Serde(totals),
                sections => Serde(&sections),
                uploading_shops => uploading_shops,
                duplicates => duplicates,
                skipped => skipped,
            })
    }

    /// Everything after the shop rows.
    pub fn tail(&self) -> Result<String, minijinja::Error> {
        self.env
            .get_template("tail.html")?
            .render(minijinja::context! { l => Serde(self.labels()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::summary::tests::{fold, sample};

    fn page(lang: Lang, names: &[&str]) -> String {
        let reports: Vec<(&str, crate::model::Report)> =
            names.iter().map(|n| ("x", sample(Some(n)))).collect();
        let (shops, totals) = fold(&reports);
        let html = FleetHtml::new(lang).unwrap();
        let rows: String = shops.iter().map(|s| html.row(s).unwrap()).collect();
        format!(
            "{}{rows}{}",
            html.head(&totals, 1, 0).unwrap(),
            html.tail().unwrap()
        )
    }

    #[test]
    fn hostile_names_are_escaped_and_labels_localised() {
        let html = page(Lang::En, &["<script>alert(1)</script>\u{202e}", "Shop B"]);
        assert!(!html.contains("<script>"));
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;\\u{202e}"),
            "{html}"
        );
        assert!(html.contains("face terminal"));
        assert!(html.contains("Chain summary"));
        assert!(html.contains("counted once by SHA-256): 1"));
        // The sample's own vendor "Acme\x1b[31m<i>" arrives escaped, never as a tag.
        assert!(!html.contains("<i>"));
        // Styled like the case file.
        assert!(html.contains("header.top") && html.contains("--navy"));
        let zh = page(Lang::Zh, &["上海南京西路店"]);
        assert!(zh.contains("<html lang=\"zh-CN\">"), "{}", &zh[..200]);
        assert!(zh.contains("连锁门店汇总"));
        assert!(zh.contains("人脸识别终端"));
        assert!(zh.contains("上海南京西路店"));
    }

    /// The chain page and the shop's case file carry the same style sheet, not a copy of it.
    #[test]
    fn the_page_has_the_case_files_style_sheet() {
        let style = |html: &str| {
            let start = html.find("<style>").expect("a style element") + "<style>".len();
            let end = html.find("</style>").expect("a closed style element");
            html[start..end].to_string()
        };
        let report =
            crate::report::render_html(&crate::report::testdata::sample_report(), Lang::En)
                .unwrap();
        let fleet = page(Lang::En, &["Shop A"]);
        assert!(style(&fleet).contains("--navy") && style(&fleet).contains(".grid2"));
        assert_eq!(style(&fleet), style(&report));
    }

    #[test]
    fn labels_are_in_the_locale_file() {
        crate::locale::assert_section_has_exactly(FleetLabels::SECTION, FleetLabels::KEYS);
        assert_eq!(ZH.title, "连锁门店汇总");
        assert_eq!(EN.title, "Chain summary");
    }
}
