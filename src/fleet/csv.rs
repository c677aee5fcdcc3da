//! fleet.csv: one `scope,shop,measure,key,count` row per number, so a spreadsheet can pivot it.

use std::collections::BTreeMap;

use super::{Fleet, ShopSummary};
use crate::report::sanitize::csv_field;

/// The CSV header.
pub const FLEET_CSV_COLUMNS: &str = "scope,shop,measure,key,count";

/// fleet.csv text (CRLF line ends, as RFC 4180 asks; every text field passes `csv_field`).
pub fn render_csv(fleet: &Fleet) -> String {
    let mut out = String::new();
    out.push_str(FLEET_CSV_COLUMNS);
    out.push_str("\r\n");
    for shop in &fleet.shops {
        shop_rows(&mut out, shop);
    }
    let totals = &fleet.totals;
    let mut total =
        |measure: &str, key: &str, count: usize| row(&mut out, "total", "", measure, key, count);
    total("shops", "", totals.shops);
    total("devices", "", totals.devices);
    total("face_capable", "", totals.face_capable);
    for (provider, shops) in &totals.shops_by_provider {
        total("shops_uploading_to", provider, shops.len());
    }
    map_rows(
        &mut out,
        "total",
        "",
        "devices_by_vendor",
        &totals.devices_by_vendor,
    );
    map_rows(
        &mut out,
        "total",
        "",
        "devices_by_type",
        &totals.devices_by_type,
    );
    map_rows(
        &mut out,
        "total",
        "",
        "findings_by_severity",
        &totals.findings_by_severity,
    );
    map_rows(
        &mut out,
        "total",
        "",
        "findings_by_rule",
        &totals.findings_by_rule,
    );
    out
}

fn shop_rows(out: &mut String, shop: &ShopSummary) {
    let name = shop.shop.as_str();
    row(out, "shop", name, "devices", "", shop.devices);
    row(out, "shop", name, "face_capable", "", shop.face_capable);
    for upload in &shop.cloud_uploads {
        let key = format!("{} / {}", upload.provider, upload.destination);
        row(out, "shop", name, "cloud_upload", &key, upload.devices);
    }
    map_rows(
        out,
        "shop",
        name,
        "devices_by_vendor",
        &shop.devices_by_vendor,
    );
    map_rows(out, "shop", name, "devices_by_type", &shop.devices_by_type);
    map_rows(
        out,
        "shop",
        name,
        "findings_by_severity",
        &shop.findings_by_severity,
    );
    map_rows(
        out,
        "shop",
        name,
        "findings_by_rule",
        &shop.findings_by_rule,
    );
}

fn map_rows(
    out: &mut String,
    scope: &str,
    shop: &str,
    measure: &str,
    map: &BTreeMap<String, usize>,
) {
    for (key, count) in map {
        row(out, scope, shop, measure, key, *count);
    }
}

fn row(out: &mut String, scope: &str, shop: &str, measure: &str, key: &str, count: usize) {
    out.push_str(&format!(
        "{scope},{},{measure},{},{count}\r\n",
        csv_field(shop),
        csv_field(key)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::summarize;
    use crate::fleet::summary::tests::sample;

    #[test]
    fn rows_carry_shop_and_total_counts_and_defuse_formulas() {
        let fleet = summarize(&[
            ("a".into(), sample(Some("=HYPERLINK(\"x\")"))),
            ("b".into(), sample(Some("Shop, B"))),
        ]);
        let csv = render_csv(&fleet);
        assert!(csv.starts_with("scope,shop,measure,key,count\r\n"));
        assert!(csv.contains("shop,\"'=HYPERLINK(\"\"x\"\")\",devices,,5\r\n"));
        assert!(csv.contains("shop,\"Shop, B\",devices_by_vendor,Hikvision,3\r\n"));
        assert!(csv.contains("total,,devices_by_vendor,Hikvision,6\r\n"));
        assert!(csv.contains("total,,shops_uploading_to,Hikvision / EZVIZ,2\r\n"));
    }
}
