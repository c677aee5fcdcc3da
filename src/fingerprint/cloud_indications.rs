//! Cloud indications: the vendor-cloud or P2P access a device reports as switched on in its own
//! replies, read from evidence atoms by the table in `signatures/cloud-indications.toml`.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::model::{CloudIndication, Evidence};

const BUNDLED: &str = include_str!("../../signatures/cloud-indications.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicationFile {
    schema_version: u32,
    indication: Vec<IndicationEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicationEntry {
    kind: String,
    source: String,
    on_values: Vec<String>,
    meaning_source: String,
}

fn parse(text: &str) -> Result<Vec<IndicationEntry>, String> {
    let file: IndicationFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.schema_version != 1 {
        return Err(format!(
            "schema_version {} unsupported",
            file.schema_version
        ));
    }
    Ok(file.indication)
}

/// The bundled table; a unit test proves it parses, so an empty table here means a broken build.
static TABLE: LazyLock<Vec<IndicationEntry>> = LazyLock::new(|| parse(BUNDLED).unwrap_or_default());

/// The cloud indications the evidence atoms state, one per (kind, atom), in evidence order.
pub fn cloud_indications(evidence: &[Evidence]) -> Vec<CloudIndication> {
    indications_from(&TABLE, evidence)
}

fn indications_from(table: &[IndicationEntry], evidence: &[Evidence]) -> Vec<CloudIndication> {
    let mut out: Vec<CloudIndication> = Vec::new();
    for e in evidence {
        let value = e.value.trim();
        for entry in table.iter().filter(|t| t.source == e.source) {
            if !entry
                .on_values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(value))
            {
                continue;
            }
            if out
                .iter()
                .any(|i| i.kind == entry.kind && i.source == e.source)
            {
                continue;
            }
            out.push(CloudIndication {
                kind: entry.kind.clone(),
                source: e.source.clone(),
                value: value.to_string(),
                meaning_source: entry.meaning_source.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(source: &str, value: &str) -> Evidence {
        Evidence::new(source, Some(37020), value)
    }

    #[test]
    fn bundled_table_parses_and_cites_sources() {
        let table = parse(BUNDLED).unwrap();
        assert!(!table.is_empty());
        assert!(table.iter().all(|t| !t.meaning_source.trim().is_empty()));
    }

    #[test]
    fn hik_connect_on_is_an_indication_and_off_is_not() {
        let on = cloud_indications(&[
            atom("sadp.model", "DS-K1T671M"),
            atom("sadp.hc_platform_enable", "true"),
        ]);
        assert_eq!(on.len(), 1);
        assert_eq!(on[0].kind, "hik_connect_enabled");
        assert_eq!(on[0].source, "sadp.hc_platform_enable");
        assert_eq!(on[0].value, "true");
        // Hikvision firmware spells false "flase" (public SADP captures): neither is "on".
        for off in ["flase", "false", ""] {
            assert!(cloud_indications(&[atom("sadp.hc_platform_enable", off)]).is_empty());
        }
        // Support alone says nothing about whether it is switched on.
        assert!(cloud_indications(&[atom("sadp.support_hc_platform", "true")]).is_empty());
    }
}
