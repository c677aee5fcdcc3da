//! fleet.csv: one `scope,shop,measure,key,count` row per number, so a spreadsheet can pivot it.
//! Written shop by shop as the reports stream through, then the totals. Opens with a UTF-8 BOM
//! (like inventory.csv) so Excel and WPS read Chinese shop names as UTF-8.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{FleetTotals, ShopSummary};
use crate::report::CSV_BOM;
use crate::report::sanitize::csv_field;

/// The CSV header.
pub const FLEET_CSV_COLUMNS: &str = "scope,shop,measure,key,count";

/// fleet.csv being written (CRLF line ends, as RFC 4180 asks; every text field passes `csv_field`).
pub struct FleetCsv<W: Write> {
    out: W,
}

impl<W: Write> FleetCsv<W> {
    /// Writes the BOM and the header.
    pub fn begin(mut out: W) -> io::Result<Self> {
        out.write_all(CSV_BOM.as_bytes())?;
        out.write_all(FLEET_CSV_COLUMNS.as_bytes())?;
        out.write_all(b"\r\n")?;
        Ok(Self { out })
    }

    /// One shop's rows.
    pub fn shop(&mut self, shop: &ShopSummary) -> io::Result<()> {
        let mut text = String::new();
        let name = shop.shop.as_str();
        row(&mut text, "shop", name, "devices", "", shop.devices);
        row(
            &mut text,
            "shop",
            name,
            "face_capable",
            "",
            shop.face_capable,
        );
        for upload in &shop.cloud_uploads {
            let key = format!("{} / {}", upload.provider, upload.destination);
            row(
                &mut text,
                "shop",
                name,
                "cloud_upload",
                &key,
                upload.devices,
            );
        }
        let maps = [
            ("devices_by_vendor", &shop.devices_by_vendor),
            ("devices_by_type", &shop.devices_by_type),
            ("findings_by_severity", &shop.findings_by_severity),
            ("findings_by_rule", &shop.findings_by_rule),
        ];
        for (measure, map) in maps {
            map_rows(&mut text, "shop", name, measure, map);
        }
        self.out.write_all(text.as_bytes())
    }

    /// The total rows; returns the sink.
    pub fn finish(mut self, totals: &FleetTotals, duplicates: usize) -> io::Result<W> {
        let mut text = String::new();
        row(&mut text, "total", "", "shops", "", totals.shops);
        row(&mut text, "total", "", "duplicate_reports", "", duplicates);
        row(&mut text, "total", "", "devices", "", totals.devices);
        row(
            &mut text,
            "total",
            "",
            "face_capable",
            "",
            totals.face_capable,
        );
        let maps = [
            ("shops_uploading_to", &totals.shops_uploading_to),
            ("shops_by_province", &totals.shops_by_province),
            ("face_capable_by_province", &totals.face_capable_by_province),
            ("devices_by_vendor", &totals.devices_by_vendor),
            ("devices_by_type", &totals.devices_by_type),
            ("findings_by_severity", &totals.findings_by_severity),
            ("findings_by_rule", &totals.findings_by_rule),
        ];
        for (measure, map) in maps {
            map_rows(&mut text, "total", "", measure, map);
        }
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
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
    use crate::fleet::summary::tests::{fold, sample};

    #[test]
    fn rows_carry_shop_and_total_counts_bom_and_defuse_formulas() {
        let (shops, totals) = fold(&[
            ("a", sample(Some("=HYPERLINK(\"x\")"))),
            ("b", sample(Some("上海南京西路店, B"))),
        ]);
        let mut csv = FleetCsv::begin(Vec::new()).unwrap();
        for shop in &shops {
            csv.shop(shop).unwrap();
        }
        let bytes = csv.finish(&totals, 1).unwrap();
        let csv = String::from_utf8(bytes).unwrap();
        assert!(csv.starts_with("\u{FEFF}scope,shop,measure,key,count\r\n"));
        assert!(csv.contains("shop,\"'=HYPERLINK(\"\"x\"\")\",devices,,5\r\n"));
        assert!(csv.contains("shop,\"上海南京西路店, B\",devices_by_vendor,Hikvision,3\r\n"));
        assert!(csv.contains("total,,devices_by_vendor,Hikvision,6\r\n"));
        assert!(csv.contains("total,,shops_uploading_to,Hikvision / EZVIZ,2\r\n"));
        assert!(csv.contains("total,,duplicate_reports,,1\r\n"));
    }
}
