//! fleet.json, written as the reports stream through: the header, one line per shop, then the
//! totals and the lists of duplicate and skipped reports.

use serde::Serialize;
use std::io::{self, Write};

use super::summary::FLEET_SCHEMA;
use super::{FleetTotals, ShopSummary};

/// A report that was not rolled up, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetAside {
    pub source: String,
    /// For a duplicate: the SHA-256 it shares with an earlier report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// For a duplicate: where the same report was first read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// For a skipped report: what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The end of fleet.json.
#[derive(Debug, Serialize)]
pub struct Trailer<'a> {
    pub totals: &'a FleetTotals,
    pub duplicate_reports: usize,
    /// The first `LISTED` duplicates.
    pub duplicates: &'a [SetAside],
    pub skipped_reports: usize,
    /// The first `LISTED` skipped reports (`--skip-bad`).
    pub skipped: &'a [SetAside],
}

/// How many duplicates and skipped reports fleet.json names (all are counted).
pub const LISTED: usize = 1000;

fn json_error(err: serde_json::Error) -> io::Error {
    io::Error::other(err)
}

/// fleet.json being written.
pub struct FleetJson<W: Write> {
    out: W,
    shops: usize,
}

impl<W: Write> FleetJson<W> {
    pub fn begin(mut out: W) -> io::Result<Self> {
        write!(out, "{{\n  \"schema\": \"{FLEET_SCHEMA}\",\n  \"shops\": [")?;
        Ok(Self { out, shops: 0 })
    }

    pub fn shop(&mut self, shop: &ShopSummary) -> io::Result<()> {
        self.out.write_all(if self.shops == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        serde_json::to_writer(&mut self.out, shop).map_err(json_error)?;
        self.shops += 1;
        Ok(())
    }

    pub fn finish(mut self, trailer: &Trailer<'_>) -> io::Result<W> {
        self.out.write_all(if self.shops == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        let value = serde_json::to_value(trailer).map_err(json_error)?;
        let mut fields = Vec::new();
        if let serde_json::Value::Object(map) = value {
            for (key, value) in map {
                let text = serde_json::to_string_pretty(&value).map_err(json_error)?;
                fields.push(format!("  \"{key}\": {}", text.replace('\n', "\n  ")));
            }
        }
        write!(self.out, "{}\n}}\n", fields.join(",\n"))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::summary::tests::{fold, sample};

    #[test]
    fn streamed_json_parses_and_holds_every_shop() {
        let (shops, totals) = fold(&[("a", sample(Some("A"))), ("b", sample(Some("B")))]);
        let mut json = FleetJson::begin(Vec::new()).unwrap();
        for shop in &shops {
            json.shop(shop).unwrap();
        }
        let dup = [SetAside {
            source: "c".into(),
            sha256: Some("00".into()),
            same_as: Some("a".into()),
            error: None,
        }];
        let bytes = json
            .finish(&Trailer {
                totals: &totals,
                duplicate_reports: 1,
                duplicates: &dup,
                skipped_reports: 0,
                skipped: &[],
            })
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["schema"], FLEET_SCHEMA);
        assert_eq!(value["shops"].as_array().unwrap().len(), 2);
        assert_eq!(value["totals"]["shops"], 2);
        assert_eq!(value["duplicates"][0]["same_as"], "a");
        let empty = FleetJson::begin(Vec::new()).unwrap();
        let bytes = empty
            .finish(&Trailer {
                totals: &FleetTotals::default(),
                duplicate_reports: 0,
                duplicates: &[],
                skipped_reports: 0,
                skipped: &[],
            })
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["shops"].as_array().unwrap().len(), 0);
    }
}
