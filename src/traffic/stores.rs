//! Local data stores: LAN hosts that receive image-sized uploads from surveillance or face
//! devices (a face-platform server, a recorder, a PC). A camera pushing face snapshots to a
//! server in the back office keeps faces on the premises; the report must show where they end up,
//! not only what leaves for the internet.
//!
//! Pure: reads the devices' contacts (already judged by [`super::judge`]) and marks the receivers.

use std::collections::BTreeMap;

use crate::model::{
    ContactScope, DataStore, Device, FaceRecognition, ReceivedUpload, TrafficPattern,
};

/// Marks every device that receives image-sized uploads from a surveillance or face device on the
/// LAN with a [`DataStore`] naming the senders; a device receiving none keeps `data_store: None`.
/// A receiver that is not among `devices` (not found by the scan) stays unmarked.
pub fn mark_data_stores(devices: &mut [Device]) {
    let mut received: BTreeMap<String, Vec<ReceivedUpload>> = BTreeMap::new();
    for sender in devices.iter() {
        let face_capable = sender.identity.face_recognition == FaceRecognition::Yes;
        if !sender.is_surveillance() && !face_capable {
            continue;
        }
        for c in &sender.cloud_contacts {
            let Some(pattern) = c.pattern else {
                continue;
            };
            // Shapes that carry pictures or footage (not heartbeats, control or network services).
            if c.scope != Some(ContactScope::Lan) || !pattern.is_content() {
                continue;
            }
            received
                .entry(c.destination.clone())
                .or_default()
                .push(ReceivedUpload {
                    device: sender.id.clone(),
                    ip: sender.ip.clone(),
                    port: c.port,
                    bytes: c.bytes_up,
                    pattern,
                    faces: face_capable && pattern == TrafficPattern::Snapshots,
                });
        }
    }
    for device in devices.iter_mut() {
        // A store is one machine whatever address the sender used: its main address or any
        // other it holds (one server with a LAN and a camera-VLAN address).
        let mut from: Vec<ReceivedUpload> = std::iter::once(&device.ip)
            .chain(&device.other_addresses)
            .filter_map(|ip| received.remove(ip))
            .flatten()
            .collect();
        device.data_store = (!from.is_empty()).then(|| {
            from.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.ip.cmp(&b.ip)));
            let holds = if from.iter().any(|f| f.faces) {
                "face_images"
            } else {
                "images"
            };
            DataStore {
                holds: holds.to_string(),
                from,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CloudContact, DeviceType, Identity};

    fn device(ip: &str, device_type: DeviceType, face_recognition: FaceRecognition) -> Device {
        Device {
            id: Device::id_for(ip),
            ip: ip.into(),
            mac: None,
            mac_vendor: None,
            hostname: None,
            open_ports: Vec::new(),
            identity: Identity {
                vendor: None,
                maker: None,
                model: None,
                firmware: None,
                device_type,
                type_basis: None,
                face_recognition,
                confidence: 0.9,
                signatures: Vec::new(),
            },
            evidence: Vec::new(),
            cloud_contacts: Vec::new(),
            upstream_timeline: Vec::new(),
            cut_short: Vec::new(),
            cloud_indications: Vec::new(),
            data_store: None,
            other_addresses: Vec::new(),
        }
    }

    fn contact(to: &str, port: u16, bytes: u64, pattern: &str, scope: &str) -> CloudContact {
        CloudContact {
            destination: to.into(),
            port,
            protocol: "tcp".into(),
            name: None,
            name_source: None,
            provider: None,
            service: None,
            category: crate::model::CloudCategory::Unknown,
            country: None,
            bytes_up: bytes,
            bytes_down: 1_000,
            packets_up: bytes / 1_400,
            first_seen: "2026-01-01T00:00:00Z".into(),
            last_seen: "2026-01-01T00:00:05Z".into(),
            upload: false,
            scope: serde_json::from_value(serde_json::json!(scope)).unwrap(),
            pattern: serde_json::from_value(serde_json::json!(pattern)).unwrap(),
            upload_reason: None,
        }
    }

    #[test]
    fn a_server_receiving_face_snapshots_is_a_face_data_store() {
        let mut camera = device("192.168.1.12", DeviceType::Camera, FaceRecognition::Yes);
        camera
            .cloud_contacts
            .push(contact("192.168.1.40", 8080, 1_200_000, "snapshots", "lan"));
        let server = device("192.168.1.40", DeviceType::Other, FaceRecognition::Unknown);
        let mut devices = vec![camera, server];
        mark_data_stores(&mut devices);
        assert_eq!(devices[0].data_store, None);
        let store = devices[1].data_store.as_ref().expect("a data store");
        assert_eq!(store.holds, "face_images");
        assert_eq!(store.from.len(), 1);
        assert_eq!(store.from[0].ip, "192.168.1.12");
        assert_eq!(store.from[0].bytes, 1_200_000);
        assert!(store.from[0].faces);
    }

    #[test]
    fn video_from_a_plain_camera_makes_an_image_store_and_heartbeats_make_none() {
        let mut camera = device("10.0.0.5", DeviceType::Camera, FaceRecognition::Unknown);
        camera
            .cloud_contacts
            .push(contact("10.0.0.9", 554, 9_000_000, "video_stream", "lan"));
        camera
            .cloud_contacts
            .push(contact("10.0.0.8", 80, 4_000, "heartbeat", "lan"));
        let nvr = device("10.0.0.9", DeviceType::Nvr, FaceRecognition::No);
        let pc = device("10.0.0.8", DeviceType::Other, FaceRecognition::Unknown);
        let mut devices = vec![camera, nvr, pc];
        mark_data_stores(&mut devices);
        let store = devices[1]
            .data_store
            .as_ref()
            .expect("the recorder stores video");
        assert_eq!(store.holds, "images");
        assert!(!store.from[0].faces);
        assert_eq!(devices[2].data_store, None, "heartbeats are not pictures");
    }

    /// A recorder holding two addresses (its LAN address and one on the camera VLAN) is one
    /// store: cameras sending to either address are listed on the device.
    #[test]
    fn a_store_is_found_by_any_of_its_addresses() {
        let mut camera_a = device("10.0.0.5", DeviceType::Camera, FaceRecognition::Yes);
        camera_a
            .cloud_contacts
            .push(contact("10.0.0.9", 8080, 2_000_000, "snapshots", "lan"));
        let mut camera_b = device("10.0.1.6", DeviceType::Camera, FaceRecognition::Unknown);
        camera_b
            .cloud_contacts
            .push(contact("10.0.1.1", 554, 5_000_000, "video_stream", "lan"));
        let mut nvr = device("10.0.0.9", DeviceType::Nvr, FaceRecognition::No);
        nvr.other_addresses = vec!["10.0.1.1".into()];
        let mut devices = vec![camera_a, camera_b, nvr];
        mark_data_stores(&mut devices);
        let store = devices[2].data_store.as_ref().expect("the recorder stores");
        let senders: Vec<&str> = store.from.iter().map(|f| f.ip.as_str()).collect();
        assert_eq!(senders, ["10.0.1.6", "10.0.0.5"], "biggest first");
        assert_eq!(store.holds, "face_images");
    }

    #[test]
    fn uploads_from_a_non_surveillance_host_or_to_the_internet_make_no_store() {
        let mut laptop = device("10.0.0.5", DeviceType::Other, FaceRecognition::Unknown);
        laptop
            .cloud_contacts
            .push(contact("10.0.0.9", 445, 9_000_000, "bulk", "lan"));
        let mut camera = device("10.0.0.6", DeviceType::Camera, FaceRecognition::Yes);
        camera
            .cloud_contacts
            .push(contact("10.0.0.9", 443, 9_000_000, "snapshots", "internet"));
        let nas = device("10.0.0.9", DeviceType::Other, FaceRecognition::Unknown);
        let mut devices = vec![laptop, camera, nas];
        mark_data_stores(&mut devices);
        assert!(devices.iter().all(|d| d.data_store.is_none()));
    }
}
