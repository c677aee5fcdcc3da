//! One host's observations turned into a report device: identified, with the MAC vendor as
//! evidence, over-long values listed as cut, and the cloud indications read from the evidence.

use super::{SignatureDb, identify};
use crate::model::{CutReason, CutShort, Device, Evidence, EvidenceSource, HostObservation};

/// Turns one host's observations into a report device (pure).
pub fn build_device(db: &SignatureDb, host: &HostObservation) -> Device {
    let analysis = identify(db, host);
    let mut evidence = host.evidence.clone();
    if let Some(vendor) = &analysis.mac_vendor {
        // A network-module maker's prefix names the chip's maker, not the device's vendor.
        let value = if analysis.mac_module_maker {
            format!("network module by {vendor}")
        } else {
            vendor.clone()
        };
        evidence.insert(0, Evidence::new(EvidenceSource::MAC_VENDOR, None, value));
    }
    let mut cut_short = host.cut_short.clone();
    // An over-long value is kept cut and marked on the atom; the device lists the cut too.
    for ev in evidence.iter().filter(|e| e.truncated) {
        let probe = ev.source.split('.').next().unwrap_or(&ev.source);
        let cut = CutShort::new(
            probe,
            ev.port,
            CutReason::ValueCap,
            format!("{} value cut to {} bytes", ev.source, ev.value.len()),
        );
        if !cut_short
            .iter()
            .any(|c| c.probe == cut.probe && c.port == cut.port && c.reason == cut.reason)
        {
            cut_short.push(cut);
        }
    }
    let cloud_indications = db.cloud_indications().read(&evidence);
    let ip = host.ip.to_string();
    Device {
        id: Device::id_for(&ip),
        ip,
        mac: host.mac.clone(),
        mac_vendor: analysis.mac_vendor,
        hostname: host.hostname.clone(),
        open_ports: host.open_ports.clone(),
        identity: analysis.identity,
        evidence,
        cloud_contacts: Vec::new(),
        upstream_timeline: Vec::new(),
        cloud_indications,
        cut_short,
        data_store: None,
        other_addresses: Vec::new(),
    }
}
