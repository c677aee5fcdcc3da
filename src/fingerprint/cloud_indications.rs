//! Cloud indications: the vendor-cloud or P2P access a device reports as switched on in its own
//! replies, read from evidence atoms by the table in `signatures/cloud-indications.toml` (a part
//! of the signature bundle: built in, or from `--signatures DIR`).

use serde::Deserialize;

use super::SignatureError;
use super::error::FileCtx;
use crate::model::{CloudIndication, Evidence, PortMapping};

/// The table's file, under `signatures/` or a `--signatures DIR`.
pub const CLOUD_INDICATIONS_FILE: &str = "cloud-indications.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicationFile {
    schema_version: u32,
    indication: Vec<IndicationEntry>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicationEntry {
    kind: String,
    source: String,
    on_values: Vec<String>,
    meaning_source: String,
}

/// Which discovery atoms say a vendor cloud or P2P access is switched on
/// (`cloud-indications.toml`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CloudIndications {
    entries: Vec<IndicationEntry>,
}

impl CloudIndications {
    /// Parses the table; `display` names the file in errors.
    ///
    /// # Errors
    /// Not valid TOML, a field unknown or missing, or an unsupported `schema_version`.
    pub fn parse(display: &str, text: &str) -> Result<Self, SignatureError> {
        let ctx = FileCtx::new(display, text);
        let file: IndicationFile = toml::from_str(text).map_err(|e| ctx.parse_error(&e))?;
        if file.schema_version != 1 {
            return Err(SignatureError::Parse {
                file: display.to_string(),
                line: 1,
                column: 1,
                message: format!("schema_version {} unsupported", file.schema_version),
            });
        }
        Ok(Self {
            entries: file.indication,
        })
    }

    /// How many (kind, source) entries the table has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for an empty table (no indication is ever made).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cloud indications the evidence atoms state, one per (kind, atom), in evidence order.
    pub fn read(&self, evidence: &[Evidence]) -> Vec<CloudIndication> {
        indications_from(&self.entries, evidence)
    }

    /// The indication a gateway's port-mapping entry makes for the device it forwards to, when
    /// the table has an entry for that source and the mapping is in force (a disabled entry
    /// opens nothing).
    pub fn port_mapping(&self, mapping: &PortMapping) -> Option<CloudIndication> {
        port_mapping_indication_from(&self.entries, mapping)
    }
}

/// The evidence source of a gateway's port-mapping entry (the entry itself is in
/// `CloudIndication::port_mapping`); its `on_values` are the `NewEnabled` values of a mapping in
/// force.
pub const PORT_MAPPING_SOURCE: &str = "upnp.port_mapping";

/// Gives each device the gateway's port mappings that forward to it (its address is the
/// mapping's `NewInternalClient`), read from the `upnp.port_mapping` atoms on the gateway.
/// Returns notes for mappings in force whose internal client is not among the devices.
pub fn attach_port_mappings(
    table: &CloudIndications,
    devices: &mut [crate::model::Device],
) -> Vec<crate::model::Note> {
    let mappings: Vec<PortMapping> = devices
        .iter()
        .flat_map(|d| d.evidence.iter())
        .filter(|e| e.source == PORT_MAPPING_SOURCE)
        .filter_map(|e| serde_json::from_str(&e.value).ok())
        .collect();
    let mut notes = Vec::new();
    for m in mappings {
        let Some(indication) = table.port_mapping(&m) else {
            continue;
        };
        let target = devices
            .iter_mut()
            .find(|d| d.ip == m.internal_client || d.other_addresses.contains(&m.internal_client));
        match target {
            Some(d) if !d.cloud_indications.contains(&indication) => {
                d.cloud_indications.push(indication);
            }
            Some(_) => {}
            None => notes.push(
                crate::model::Note::new("mapping_to_unknown_device")
                    .arg("gateway", &m.gateway)
                    .arg("protocol", &m.protocol)
                    .arg("external_port", m.external_port)
                    .arg("internal_client", &m.internal_client)
                    .arg("internal_port", m.internal_port),
            ),
        }
    }
    notes
}

fn port_mapping_indication_from(
    table: &[IndicationEntry],
    mapping: &PortMapping,
) -> Option<CloudIndication> {
    let entry = table.iter().find(|t| t.source == PORT_MAPPING_SOURCE)?;
    let enabled = if mapping.enabled { "1" } else { "0" };
    if !entry
        .on_values
        .iter()
        .any(|v| v.eq_ignore_ascii_case(enabled))
    {
        return None;
    }
    let lease = match mapping.lease_seconds {
        0 => "permanent".to_string(),
        s => format!("lease {s} s"),
    };
    let from = mapping
        .remote_host
        .as_deref()
        .map_or_else(|| "any internet host".to_string(), |h| format!("only {h}"));
    Some(CloudIndication {
        kind: entry.kind.clone(),
        source: PORT_MAPPING_SOURCE.to_string(),
        value: format!(
            "{} {} on the internet side of {} → {}:{} ({from}; \"{}\"; {lease})",
            mapping.protocol,
            mapping.external_port,
            mapping.gateway,
            mapping.internal_client,
            mapping.internal_port,
            mapping.description,
        ),
        meaning_source: entry.meaning_source.clone(),
        port_mapping: Some(mapping.clone()),
    })
}

fn indications_from(table: &[IndicationEntry], evidence: &[Evidence]) -> Vec<CloudIndication> {
    let mut out: Vec<CloudIndication> = Vec::new();
    for e in evidence {
        let value = e.value.trim();
        // A port-mapping atom sits on the gateway and concerns another device: it is read by
        // `port_mapping_indication`, never as the gateway's own indication.
        for entry in table
            .iter()
            .filter(|t| t.source == e.source && t.source != PORT_MAPPING_SOURCE)
        {
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
                port_mapping: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in table, as the bundle loads it.
    fn table() -> CloudIndications {
        crate::bundle::builtin_cloud_indications().unwrap()
    }

    fn cloud_indications(evidence: &[Evidence]) -> Vec<CloudIndication> {
        table().read(evidence)
    }

    fn port_mapping_indication(mapping: &PortMapping) -> Option<CloudIndication> {
        table().port_mapping(mapping)
    }

    fn mapping(enabled: bool) -> PortMapping {
        PortMapping {
            gateway: "198.18.0.1".into(),
            protocol: "TCP".into(),
            external_port: 8000,
            internal_client: "198.18.0.12".into(),
            internal_port: 8000,
            remote_host: None,
            enabled,
            description: "DS-2CD7A26G0 8000".into(),
            lease_seconds: 0,
        }
    }

    #[test]
    fn an_enabled_mapping_is_an_indication_with_the_entry_and_a_disabled_one_is_not() {
        let i = port_mapping_indication(&mapping(true)).expect("the table has upnp.port_mapping");
        assert_eq!(i.kind, "upnp_port_mapping");
        assert_eq!(i.source, "upnp.port_mapping");
        assert_eq!(i.port_mapping, Some(mapping(true)));
        assert!(i.value.contains("TCP 8000") && i.value.contains("198.18.0.12:8000"));
        assert!(i.value.contains("any internet host") && i.value.contains("permanent"));
        assert!(i.meaning_source.contains("GetGenericPortMappingEntry"));
        assert_eq!(port_mapping_indication(&mapping(false)), None);
        // A vendor-cloud indication is not made from an atom with the port-mapping source.
        assert!(cloud_indications(&[Evidence::new("upnp.port_mapping", None, "1")]).is_empty());
    }

    fn atom(source: &str, value: &str) -> Evidence {
        Evidence::new(source, Some(37020), value)
    }

    #[test]
    fn bundled_table_parses_and_cites_sources() {
        let table = table();
        assert!(!table.is_empty());
        assert!(
            table
                .entries
                .iter()
                .all(|t| !t.meaning_source.trim().is_empty())
        );
    }

    #[test]
    fn a_broken_table_is_an_error_at_its_line() {
        let err = CloudIndications::parse(
            "x/cloud-indications.toml",
            "schema_version = 1\nindication = 3\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("x/cloud-indications.toml:2:"),
            "{err}"
        );
        let err =
            CloudIndications::parse("x.toml", "schema_version = 2\nindication = []\n").unwrap_err();
        assert!(
            err.to_string().contains("schema_version 2 unsupported"),
            "{err}"
        );
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
