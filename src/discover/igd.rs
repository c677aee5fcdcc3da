//! The store gateway's UPnP port-mapping table, read-only: `GetGenericPortMappingEntry` with
//! index 0, 1, 2 … on the gateway's WAN connection service until it answers fault 713 (past the
//! last entry) or [`MAX_ENTRIES`] were read. Only the gateway is asked, only at the control URL
//! its own description names on its own address; nothing is added, changed or deleted.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::model::PortMapping;
use crate::wire::igd::{self, EntryReply};

/// Most entries read from one gateway: a table longer than this is reported as cut.
pub const MAX_ENTRIES: u32 = 128;
/// Longest wait for one answer, body included.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Largest answer read (an entry is well under 1 KiB).
const MAX_ANSWER: usize = 16 * 1024;

/// What reading the table gave.
#[derive(Debug, Default)]
pub struct Table {
    pub mappings: Vec<PortMapping>,
    /// What stopped the reading early or could not be read (for the scan's notes).
    pub notes: Vec<crate::model::Note>,
    /// The table had more than [`MAX_ENTRIES`] entries.
    pub cut: bool,
}

/// Reads the mapping table of `gateway`, whose root description (fetched from `location`) is
/// `description`. A description without a WAN connection service gives an empty table and no
/// note: the host is not an internet gateway.
pub async fn read_table(gateway: Ipv4Addr, location: &str, description: &str) -> Table {
    let mut table = Table::default();
    let (url_base, services) = match igd::connection_services(description) {
        Ok(found) => found,
        Err(e) => {
            table.notes.push(
                crate::model::Note::new("igd_description_unreadable")
                    .arg("gateway", gateway)
                    .arg("error", e),
            );
            return table;
        }
    };
    let Some(service) = services.first() else {
        return table;
    };
    let base = url_base.as_deref().unwrap_or(location);
    let Some(control) = control_url(base, &service.control_url, gateway) else {
        table.notes.push(
            crate::model::Note::new("igd_control_elsewhere")
                .arg("gateway", gateway)
                .arg("control_url", format_args!("{:?}", service.control_url)),
        );
        return table;
    };
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(CALL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            table.notes.push(
                crate::model::Note::new("igd_failed")
                    .arg("gateway", gateway)
                    .arg("error", e),
            );
            return table;
        }
    };
    for index in 0..=MAX_ENTRIES {
        if index == MAX_ENTRIES {
            table.cut = true;
            table.notes.push(
                crate::model::Note::new("igd_table_capped")
                    .arg("gateway", gateway)
                    .arg("max", MAX_ENTRIES),
            );
            break;
        }
        match call(&client, &control, &service.service_type, index).await {
            Ok(EntryReply::Mapping(m)) => table.mappings.push(PortMapping {
                gateway: gateway.to_string(),
                protocol: m.protocol,
                external_port: m.external_port,
                internal_client: m.internal_client,
                internal_port: m.internal_port,
                remote_host: Some(m.remote_host).filter(|h| !h.trim().is_empty()),
                enabled: m.enabled,
                description: m.description,
                lease_seconds: m.lease_duration,
            }),
            Ok(EntryReply::Fault { code, .. }) if code == igd::ARRAY_INDEX_INVALID => break,
            Ok(EntryReply::Fault { code, description }) => {
                table.notes.push(
                    crate::model::Note::new("igd_entry_refused")
                        .arg("gateway", gateway)
                        .arg("index", index)
                        .arg("code", code)
                        .arg("description", &description)
                        .arg("read", table.mappings.len()),
                );
                break;
            }
            Err(e) => {
                table.notes.push(
                    crate::model::Note::new("igd_entry_failed")
                        .arg("gateway", gateway)
                        .arg("index", index)
                        .arg("error", &e)
                        .arg("read", table.mappings.len()),
                );
                break;
            }
        }
    }
    table
}

/// The control URL resolved against `base`, when it is plain HTTP on the gateway's own address
/// (a description must not be able to point camsweep at another machine).
fn control_url(base: &str, control: &str, gateway: Ipv4Addr) -> Option<reqwest::Url> {
    let url = reqwest::Url::parse(base).ok()?.join(control).ok()?;
    let on_gateway = url.scheme() == "http"
        && url
            .host_str()
            .and_then(|h| h.parse::<Ipv4Addr>().ok())
            .is_some_and(|a| IpAddr::V4(a) == IpAddr::V4(gateway));
    on_gateway.then_some(url)
}

async fn call(
    client: &reqwest::Client,
    control: &reqwest::Url,
    service_type: &str,
    index: u32,
) -> Result<EntryReply, String> {
    let mut resp = client
        .post(control.clone())
        .header("Content-Type", "text/xml; charset=\"utf-8\"")
        .header("SOAPAction", igd::soap_action(service_type))
        .body(igd::entry_request(service_type, index))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER {
            return Err(format!("answer longer than {MAX_ANSWER} bytes"));
        }
    }
    // A fault comes with status 500; any other status without a SOAP body is an error.
    igd::parse_entry_reply(&String::from_utf8_lossy(&body))
        .map_err(|e| format!("HTTP {}: {e}", status.as_u16()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_url_must_stay_on_the_gateway() {
        let gw = Ipv4Addr::new(198, 18, 0, 1);
        assert_eq!(
            control_url("http://198.18.0.1:5000/rootDesc.xml", "/ctl/IPConn", gw)
                .map(|u| u.to_string()),
            Some("http://198.18.0.1:5000/ctl/IPConn".to_string())
        );
        // URLBase of a UPnP 1.0 description, with a relative path.
        assert!(control_url("http://198.18.0.1:49152", "upnp/control/WANIPConn1", gw).is_some());
        // An absolute control URL on another host, or another scheme, is never followed.
        assert!(
            control_url("http://198.18.0.1:5000/d.xml", "http://203.0.113.9/ctl", gw).is_none()
        );
        assert!(
            control_url("http://198.18.0.1:5000/d.xml", "https://198.18.0.1/ctl", gw).is_none()
        );
        assert!(control_url("http://198.18.0.7:5000/d.xml", "/ctl/IPConn", gw).is_none());
    }
}
