//! What every row of the fleet tables carries about the report it came from: which shop, where,
//! when, under which jurisdiction and signature set.

use std::collections::{BTreeSet, HashMap};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use serde::Deserialize;

use crate::model::Report;
use crate::policy::PolicyError;

/// The shop and scan a report describes, derived once per report.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopContext {
    /// SHA-256 of the report.json bytes: the key that makes a report given twice count once.
    pub report_sha256: String,
    /// `site.shop_id` when the site declaration carries one, else the site name, else `label`.
    pub shop_id: String,
    /// The site name, else `label` (the report's folder).
    pub shop_name: String,
    /// Where the report was read from.
    pub source: String,
    /// Province and city, from the site's Chinese address (`浙江省杭州市…`), when it names them.
    pub province: Option<String>,
    pub city: Option<String>,
    /// The scan's start as written in the report, and parsed (milliseconds since the epoch).
    pub scanned_at: String,
    pub scanned_at_ms: Option<i64>,
    /// `YYYY-MM-DD` of the scan (UTC), for `date=` partitions; `unknown` when unparseable.
    pub scan_date: String,
    /// Days since 1970-01-01 of the scan.
    pub scan_day: Option<i32>,
    /// The jurisdictions whose rules produced the report's findings (`cn`, `eu`, …), comma-separated.
    pub jurisdiction: Option<String>,
    pub signature_version: String,
}

/// Maps rule id to the jurisdiction of its rule pack (`any` for site-inventory rules).
pub type RuleJurisdictions = HashMap<String, String>;

impl ShopContext {
    /// `label` names the shop when the report declares no site name (usually the report's folder).
    pub fn of(
        report: &Report,
        report_sha256: &str,
        label: &str,
        rules: &RuleJurisdictions,
        addresses: &AddressConvention,
    ) -> Self {
        let site_text = |key: &str| {
            report
                .site
                .as_ref()
                .and_then(|site| site.get(key))
                .and_then(|value| value.as_str())
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_string)
        };
        let shop_name = site_text("name").unwrap_or_else(|| label.to_string());
        let shop_id = site_text("shop_id").unwrap_or_else(|| shop_name.clone());
        let (province, city) = site_text("address")
            .map(|address| addresses.province_city(&address))
            .unwrap_or((None, None));
        let parsed = OffsetDateTime::parse(&report.scan.started_at, &Rfc3339).ok();
        let scanned_at_ms = parsed.map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64);
        let scan_day = parsed.map(|t| {
            let days = t.unix_timestamp().div_euclid(86_400);
            i32::try_from(days).unwrap_or(i32::MAX)
        });
        let scan_date = parsed
            .map(|t| {
                let t = t.to_offset(time::UtcOffset::UTC);
                format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
            })
            .unwrap_or_else(|| "unknown".to_string());
        let jurisdictions: BTreeSet<&str> = report
            .findings
            .iter()
            .filter_map(|finding| rules.get(&finding.rule))
            .map(String::as_str)
            .filter(|j| *j != "any")
            .collect();
        let jurisdiction = (!jurisdictions.is_empty())
            .then(|| jurisdictions.into_iter().collect::<Vec<_>>().join(","));
        Self {
            report_sha256: report_sha256.to_string(),
            shop_id,
            shop_name,
            source: label.to_string(),
            province,
            city,
            scanned_at: report.scan.started_at.clone(),
            scanned_at_ms,
            scan_date,
            scan_day,
            jurisdiction,
            signature_version: report.signatures.version.clone(),
        }
    }
}

/// The address convention's file, relative to `signatures/`.
pub const ADDRESSES_FILE: &str = "addresses.toml";

/// How a Chinese postal address names its province-level and prefecture-level divisions
/// (`signatures/addresses.toml`): knowledge, kept with its source beside the other signatures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressConvention {
    #[allow(dead_code)]
    #[serde(default)]
    schema_version: u32,
    #[allow(dead_code)]
    source: String,
    /// Municipalities directly under the central government: province and city at once.
    municipalities: Vec<String>,
    /// How a province-level name ends, in the order tried.
    province_ends: Vec<String>,
    /// How a prefecture-level name ends.
    city_ends: Vec<String>,
    /// A division's name ends within this many characters of where it starts.
    max_name_chars: usize,
}

impl AddressConvention {
    /// Parses `addresses.toml` (given as name and text).
    ///
    /// # Errors
    /// A TOML or shape problem, with file, line and column; an empty list or a zero length.
    pub fn parse(name: &str, text: &str) -> Result<Self, PolicyError> {
        let convention: Self =
            toml::from_str(text).map_err(|e| PolicyError::toml(name, text, &e))?;
        let empty = [
            ("municipalities", convention.municipalities.is_empty()),
            ("province_ends", convention.province_ends.is_empty()),
            ("city_ends", convention.city_ends.is_empty()),
            ("max_name_chars", convention.max_name_chars == 0),
        ];
        if let Some((key, _)) = empty.iter().find(|(_, empty)| *empty) {
            // The key's own line, not a mention of it in a comment or the source text.
            let at = text
                .lines()
                .scan(0, |start, line| {
                    let here = *start;
                    *start += line.len() + 1;
                    Some((here, line))
                })
                .find(|(_, line)| line.trim_start().starts_with(key))
                .map_or(0, |(here, _)| here);
            return Err(PolicyError::at(
                name,
                text,
                at,
                format!("`{key}` must not be empty or zero"),
            ));
        }
        Ok(convention)
    }

    /// Province and city from the start of a Chinese postal address (province, then
    /// prefecture-level city). None when the address does not start that way (a foreign
    /// address, a free description).
    pub fn province_city(&self, address: &str) -> (Option<String>, Option<String>) {
        let address = address.trim_start();
        if let Some(city) = self
            .municipalities
            .iter()
            .find(|m| address.starts_with(m.as_str()))
        {
            return (Some(city.clone()), Some(city.clone()));
        }
        let Some(province_end) = self.first_end(address, &self.province_ends) else {
            return (None, None);
        };
        let province = &address[..province_end];
        let rest = &address[province_end..];
        let city = self
            .first_end(rest, &self.city_ends)
            .map(|end| rest[..end].to_string());
        (Some(province.to_string()), city)
    }

    /// Byte index just past the earliest of `ends` within the first `max_name_chars`
    /// characters, provided something precedes it.
    fn first_end(&self, text: &str, ends: &[String]) -> Option<usize> {
        let window_end = text
            .char_indices()
            .nth(self.max_name_chars)
            .map_or(text.len(), |(i, _)| i);
        ends.iter()
            .filter_map(|end| {
                text.find(end.as_str())
                    .filter(|&at| at > 0 && at < window_end)
                    .map(|at| at + end.len())
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_addresses_give_province_and_city() {
        let convention = crate::bundle::builtin_addresses().unwrap();
        let cases = [
            (
                "浙江省杭州市西湖区文三路 90 号",
                Some("浙江省"),
                Some("杭州市"),
            ),
            (
                "上海市静安区南京西路 1266 号",
                Some("上海市"),
                Some("上海市"),
            ),
            (
                "广西壮族自治区南宁市青秀区",
                Some("广西壮族自治区"),
                Some("南宁市"),
            ),
            (
                "四川省甘孜藏族自治州康定市",
                Some("四川省"),
                Some("甘孜藏族自治州"),
            ),
            ("模拟网络 198.18.0.0/24", None, None),
            ("12 High Street, Leeds", None, None),
        ];
        for (address, province, city) in cases {
            assert_eq!(
                convention.province_city(address),
                (province.map(String::from), city.map(String::from)),
                "{address}"
            );
        }
    }

    #[test]
    fn a_broken_address_file_is_refused_with_its_line() {
        let text = "source = \"the four municipalities\"\nmunicipalities = []\nprovince_ends = [\"省\"]\ncity_ends = [\"市\"]\nmax_name_chars = 10\n";
        let err = AddressConvention::parse("addresses.toml", text).unwrap_err();
        assert_eq!(
            (err.file.as_str(), err.line),
            ("addresses.toml", 2),
            "{err}"
        );
        let err = AddressConvention::parse("addresses.toml", "provinces = 1\n").unwrap_err();
        assert_eq!(err.line, 1, "{err}");
    }
}
