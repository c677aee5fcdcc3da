//! The fleet summary: counts per shop and across shops, in a shape that serialises to fleet.json.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::{FaceRecognition, Report};

/// Schema tag written into fleet.json.
const FLEET_SCHEMA: &str = "camsweep-fleet/1";

/// The whole roll-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fleet {
    pub schema: &'static str,
    pub shops: Vec<ShopSummary>,
    pub totals: FleetTotals,
}

/// One shop's report, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopSummary {
    /// The site name the report declares, else the label the caller gave (its folder).
    pub shop: String,
    /// Where the report came from (the path the user passed).
    pub source: String,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetTotals {
    pub shops: usize,
    pub devices: usize,
    pub devices_by_vendor: BTreeMap<String, usize>,
    pub devices_by_type: BTreeMap<String, usize>,
    pub face_capable: usize,
    /// Provider → the shops whose devices upload to it.
    pub shops_by_provider: BTreeMap<String, Vec<String>>,
    pub findings_by_severity: BTreeMap<String, usize>,
    pub findings_by_rule: BTreeMap<String, usize>,
}

const UNKNOWN: &str = "unknown";

/// Summarises `(label, report)` pairs, in the given order. The label (usually the report's
/// folder) names a shop whose report declares no site name.
pub fn summarize(reports: &[(String, Report)]) -> Fleet {
    let shops: Vec<ShopSummary> = reports
        .iter()
        .map(|(label, report)| shop_summary(label, report))
        .collect();
    let mut totals = FleetTotals {
        shops: shops.len(),
        devices: 0,
        devices_by_vendor: BTreeMap::new(),
        devices_by_type: BTreeMap::new(),
        face_capable: 0,
        shops_by_provider: BTreeMap::new(),
        findings_by_severity: BTreeMap::new(),
        findings_by_rule: BTreeMap::new(),
    };
    for shop in &shops {
        totals.devices += shop.devices;
        totals.face_capable += shop.face_capable;
        add_counts(&mut totals.devices_by_vendor, &shop.devices_by_vendor);
        add_counts(&mut totals.devices_by_type, &shop.devices_by_type);
        add_counts(&mut totals.findings_by_severity, &shop.findings_by_severity);
        add_counts(&mut totals.findings_by_rule, &shop.findings_by_rule);
        let providers: BTreeSet<&str> = shop
            .cloud_uploads
            .iter()
            .map(|c| c.provider.as_str())
            .collect();
        for provider in providers {
            totals
                .shops_by_provider
                .entry(provider.to_string())
                .or_default()
                .push(shop.shop.clone());
        }
    }
    Fleet {
        schema: FLEET_SCHEMA,
        shops,
        totals,
    }
}

fn add_counts(into: &mut BTreeMap<String, usize>, from: &BTreeMap<String, usize>) {
    for (key, count) in from {
        *into.entry(key.clone()).or_default() += count;
    }
}

fn shop_summary(label: &str, report: &Report) -> ShopSummary {
    let shop = report
        .site
        .as_ref()
        .and_then(|site| site.get("name"))
        .and_then(|name| name.as_str())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(label)
        .to_string();
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
        shop,
        source: label.to_string(),
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

    #[test]
    fn one_shop_counts_what_its_report_shows() {
        let fleet = summarize(&[("reports/a".into(), sample(Some("Example Mart #12")))]);
        let shop = &fleet.shops[0];
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
    fn totals_add_up_across_shops_and_name_uploading_shops() {
        let fleet = summarize(&[
            ("a".into(), sample(Some("Shop A"))),
            ("b".into(), sample(Some("Shop B"))),
            ("reports/c".into(), sample(None)),
        ]);
        assert_eq!(fleet.totals.shops, 3);
        assert_eq!(fleet.totals.devices, 15);
        assert_eq!(fleet.totals.devices_by_vendor["Hikvision"], 9);
        assert_eq!(fleet.totals.face_capable, 3);
        assert_eq!(fleet.totals.findings_by_rule["CN-PIPL-26"], 3);
        assert_eq!(
            fleet.totals.shops_by_provider["Hikvision / EZVIZ"],
            vec!["Shop A", "Shop B", "reports/c"]
        );
    }
}
