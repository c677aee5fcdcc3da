//! The devices of a capture analysed on its own (no inventory): one device per machine, its LAN
//! addresses grouped by MAC, and what it announced (DHCP, mDNS, SSDP, WS-Discovery) read by the
//! same fingerprint as the probes' replies, so a capture alone names devices; so does the
//! maker's own cloud a device sends to.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::fingerprint::{SignatureDb, build_device};
use crate::model::{Device, FaceRecognition, HostObservation, SeenBy, UpstreamMinute};
use crate::traffic::{DeviceTraffic, PassiveFindings, group_by_machine};

/// One report device per machine seen sending in the capture.
pub fn devices_from_capture(
    db: &SignatureDb,
    traffic: Vec<DeviceTraffic>,
    passive: &PassiveFindings,
) -> Vec<Device> {
    let mut by_ip: BTreeMap<IpAddr, DeviceTraffic> =
        traffic.into_iter().map(|t| (t.ip, t)).collect();
    let groups = group_by_machine(by_ip.keys().copied(), &passive.owners);
    groups
        .into_iter()
        .map(|group| {
            let mut host = HostObservation::new(group[0]);
            host.mark_seen(SeenBy::Traffic);
            for ip in &group {
                for atom in passive.atoms.get(ip).into_iter().flatten() {
                    host.push_evidence(atom.clone());
                }
                if host.hostname.is_none() {
                    host.hostname = passive.hostnames.get(ip).cloned();
                }
            }
            let parts: Vec<DeviceTraffic> =
                group.iter().filter_map(|ip| by_ip.remove(ip)).collect();
            // What the traffic says about the maker (its own cloud) is read with the rest.
            for atom in parts.iter().flat_map(|t| &t.identity_evidence) {
                host.push_evidence(atom.clone());
            }
            host.mac = passive
                .owners
                .get(&group[0])
                .map(|mac| crate::model::MacAddr(*mac).to_string())
                .or_else(|| parts.iter().find_map(|t| t.mac.clone()));
            let mut device = build_device(db, &host);
            device.other_addresses = group[1..].iter().map(ToString::to_string).collect();
            for part in parts {
                merge_traffic(&mut device, part, &group);
            }
            device
        })
        .collect()
}

/// Adds one address's traffic to its device: contacts and face evidence appended, the upload
/// timelines added minute by minute. A contact from one of the machine's addresses to another
/// of its own (a host talking to itself across two interfaces) is no contact of the device.
fn merge_traffic(device: &mut Device, t: DeviceTraffic, own: &[IpAddr]) {
    if !t.face_evidence.is_empty() {
        device.identity.face_recognition = FaceRecognition::Yes;
        device.evidence.extend(t.face_evidence);
    }
    if device.mac.is_none() {
        device.mac = t.mac;
    }
    let first = device.cloud_contacts.is_empty();
    device
        .cloud_contacts
        .extend(t.contacts.into_iter().filter(|c| {
            c.destination
                .parse::<IpAddr>()
                .ok()
                .is_none_or(|ip| !own.contains(&ip))
        }));
    if !first {
        // Biggest uploads first, as the analyser orders one address's contacts.
        device
            .cloud_contacts
            .sort_by(|a, b| b.upload.cmp(&a.upload).then(b.bytes_up.cmp(&a.bytes_up)));
    }
    let mut minutes: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for m in device.upstream_timeline.drain(..).chain(t.timeline) {
        let slot = minutes.entry(m.minute).or_default();
        slot.0 += m.bytes_up;
        slot.1 += m.bytes_up_internet;
    }
    device.upstream_timeline = minutes
        .into_iter()
        .map(|(minute, (bytes_up, bytes_up_internet))| UpstreamMinute {
            minute,
            bytes_up,
            bytes_up_internet,
        })
        .collect();
}
