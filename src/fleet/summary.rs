//! The fleet summary: one small summary per shop (written out as soon as it is made) and totals
//! folded from them. The totals are keyed by vocabulary (vendor, device type, provider, province,
//! rule, severity), never by shop, so they stay the same size however many shops flow through.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use super::ShopContext;
use crate::model::{FaceRecognition, Report};

/// Schema tag written into fleet.json. Version 2: the roll-up is streamed, so totals count shops
/// per provider instead of listing them (the shops table names them), and shops carry their
/// report's SHA-256, province and city.
pub const FLEET_SCHEMA: &str = "camsweep-fleet/2";

/// One shop's report, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopSummary {
    /// The site name the report declares, else the label the caller gave (its folder).
    pub shop: String,
    pub shop_id: String,
    /// Where the report came from (the path the user passed or found).
    pub source: String,
    pub report_sha256: String,
    pub province: Option<String>,
    pub city: Option<String>,
    pub scanned_at: String,
    pub scan_complete: bool,
    pub devices: usize,
    pub devices_by_vendor: BTreeMap<String, usize>,
    pub devices_by_type: BTreeMap<String, usize>,
    /// Devices whose identity says face recognition: yes.
    pub face_capable: usize,
    /// Cloud destinations that devices uploaded to, one entry per provider and destination.
    pub cloud_uploads: Vec<CloudUpload>,
    pub findings_by_severity: BTreeMap<String, usize>,
    pub findings_by_rule: BTreeMap<String, usize>,
}

/// A cloud destination some device of a shop sent more up than down to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CloudUpload {
    /// Provider as the endpoint list names it, or `unknown`.
    pub provider: String,
    /// Host name if known, else the address.
    pub destination: String,
    /// How many of the shop's devices uploaded there.
    pub devices: usize,
}

/// Sums across every shop.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FleetTotals {
    /// Distinct reports rolled up (a report given twice counts once).
    pub shops: usize,
    pub devices: usize,
    pub devices_by_vendor: BTreeMap<String, usize>,
    pub devices_by_type: BTreeMap<String, usize>,
    pub face_capable: usize,
    /// Shops with at least one device uploading to a cloud.
    pub uploading_shops: usize,
    /// Provider → how many shops have a device uploading to it.
    pub shops_uploading_to: BTreeMap<String, usize>,
    /// Province → shops (`unknown` when the site address names none).
    pub shops_by_province: BTreeMap<String, usize>,
    /// Province → face-recognition-capable devices.
    pub face_capable_by_province: BTreeMap<String, usize>,
    pub findings_by_severity: BTreeMap<String, usize>,
    pub findings_by_rule: BTreeMap<String, usize>,
}

const UNKNOWN: &str = "unknown";

impl FleetTotals {
    /// Folds one shop in.
    pub fn add(&mut self, shop: &ShopSummary) {
        self.shops += 1;
        self.devices += shop.devices;
        self.face_capable += shop.face_capable;
        add_counts(&mut self.devices_by_vendor, &shop.devices_by_vendor);
        add_counts(&mut self.devices_by_type, &shop.devices_by_type);
        add_counts(&mut self.findings_by_severity, &shop.findings_by_severity);
        add_counts(&mut self.findings_by_rule, &shop.findings_by_rule);
        let province = shop.province.as_deref().unwrap_or(UNKNOWN);
        *self
            .shops_by_province
            .entry(province.to_string())
            .or_default() += 1;
        if shop.face_capable > 0 {
            *self
                .face_capable_by_province
                .entry(province.to_string())
                .or_default() += shop.face_capable;
        }
        if !shop.cloud_uploads.is_empty() {
            self.uploading_shops += 1;
        }
        let providers: BTreeSet<&str> = shop
            .cloud_uploads
            .iter()
            .map(|c| c.provider.as_str())
            .collect();
        for provider in providers {
            *self
                .shops_uploading_to
                .entry(provider.to_string())
                .or_default() += 1;
        }
    }
}

fn add_counts(into: &mut BTreeMap<String, usize>, from: &BTreeMap<String, usize>) {
    for (key, count) in from {
        *into.entry(key.clone()).or_default() += count;
    }
}

/// One shop's summary.
pub fn shop_summary(shop: &ShopContext, report: &Report) -> ShopSummary {
    let mut devices_by_vendor = BTreeMap::new();
    let mut devices_by_type = BTreeMap::new();
    let mut uploads: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    let mut face_capable = 0;
    for device in &report.devices {
        let vendor = device
            .identity
            .vendor
            .clone()
            .unwrap_or_else(|| UNKNOWN.to_string());
        *devices_by_vendor.entry(vendor).or_default() += 1;
        *devices_by_type
            .entry(device.identity.device_type.as_str().to_string())
            .or_default() += 1;
        if device.identity.face_recognition == FaceRecognition::Yes {
            face_capable += 1;
        }
        for contact in device.cloud_contacts.iter().filter(|c| c.upload) {
            let provider = contact
                .provider
                .clone()
                .unwrap_or_else(|| UNKNOWN.to_string());
            let destination = contact
                .name
                .clone()
                .unwrap_or_else(|| contact.destination.clone());
            uploads
                .entry((provider, destination))
                .or_default()
                .insert(device.id.as_str());
        }
    }
    let mut findings_by_severity = BTreeMap::new();
    let mut findings_by_rule = BTreeMap::new();
    for finding in &report.findings {
        *findings_by_severity
            .entry(finding.severity.as_str().to_string())
            .or_default() += 1;
        *findings_by_rule.entry(finding.rule.clone()).or_default() += 1;
    }
    ShopSummary {
        shop: shop.shop_name.clone(),
        shop_id: shop.shop_id.clone(),
        source: shop.source.clone(),
        report_sha256: shop.report_sha256.clone(),
        province: shop.province.clone(),
        city: shop.city.clone(),
        scanned_at: report.scan.started_at.clone(),
        scan_complete: report.scan.complete,
        devices: report.devices.len(),
        devices_by_vendor,
        devices_by_type,
        face_capable,
        cloud_uploads: uploads
            .into_iter()
            .map(|((provider, destination), devices)| CloudUpload {
                provider,
                destination,
                devices: devices.len(),
            })
            .collect(),
        findings_by_severity,
        findings_by_rule,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::from_json;

    pub(crate) fn sample(site_name: Option<&str>) -> Report {
        let mut report = from_json(include_str!(
            "../../tests/fixtures/report/sample-report.json"
        ))
        .unwrap();
        match site_name {
            Some(name) => {
                report.site = Some(serde_json::json!({ "name": name }));
            }
            None => report.site = None,
        }
        report
    }

    /// Summaries of `(label, report)` pairs and their totals, as the streaming fold makes them.
    pub(crate) fn fold(reports: &[(&str, Report)]) -> (Vec<ShopSummary>, FleetTotals) {
        let mut totals = FleetTotals::default();
        let shops: Vec<ShopSummary> = reports
            .iter()
            .map(|(label, report)| {
                let shop = ShopContext::of(
                    report,
                    "00",
                    label,
                    &Default::default(),
                    &Default::default(),
                );
                let summary = shop_summary(&shop, report);
                totals.add(&summary);
                summary
            })
            .collect();
        (shops, totals)
    }

    #[test]
    fn one_shop_counts_what_its_report_shows() {
        let (shops, _) = fold(&[("reports/a", sample(Some("Example Mart #12")))]);
        let shop = &shops[0];
        assert_eq!(shop.shop, "Example Mart #12");
        assert_eq!(shop.source, "reports/a");
        assert_eq!(shop.devices, 5);
        assert_eq!(shop.devices_by_vendor["Hikvision"], 3);
        assert_eq!(shop.devices_by_type["face_terminal"], 1);
        assert_eq!(shop.face_capable, 1);
        assert_eq!(
            shop.cloud_uploads,
            vec![CloudUpload {
                provider: "Hikvision / EZVIZ".into(),
                destination: shop.cloud_uploads[0].destination.clone(),
                devices: 1,
            }]
        );
        assert_eq!(shop.findings_by_rule["CN-PIPL-26"], 1);
        assert_eq!(shop.findings_by_severity["high"], 1);
    }

    #[test]
    fn totals_add_up_across_shops_and_count_uploading_shops() {
        let (shops, totals) = fold(&[
            ("a", sample(Some("Shop A"))),
            ("b", sample(Some("Shop B"))),
            ("reports/c", sample(None)),
        ]);
        assert_eq!(shops[2].shop, "reports/c");
        assert_eq!(totals.shops, 3);
        assert_eq!(totals.devices, 15);
        assert_eq!(totals.devices_by_vendor["Hikvision"], 9);
        assert_eq!(totals.face_capable, 3);
        assert_eq!(totals.findings_by_rule["CN-PIPL-26"], 3);
        assert_eq!(totals.shops_uploading_to["Hikvision / EZVIZ"], 3);
        assert_eq!(totals.shops_by_province["unknown"], 3);
    }
}
