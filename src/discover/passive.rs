//! Passive listening on the scanning interface while the sweep and discovery run: DHCP client
//! messages (host name, option 12; vendor class, option 60, e.g. `AXIS,Network Camera,P3343,5.20.3`)
//! and ARP packets other hosts send (their address and MAC). Sends nothing. Needs the same raw
//! socket as the ARP sweep.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::SweepResult;
use super::arp::{ArpError, find_interface, open_channel};
use crate::model::{Evidence, HostObservation, SeenBy};
use crate::wire::{arp, dhcp};

/// Most hosts remembered (a flood of forged packets cannot grow memory without end).
const MAX_HOSTS: usize = 65_536;

/// A listener running on a blocking thread until [`PassiveListener::stop`].
pub struct PassiveListener {
    stop: Arc<AtomicBool>,
    task: Option<tokio::task::JoinHandle<Result<SweepResult, ArpError>>>,
}

/// An interrupted scan drops the listener without [`PassiveListener::stop`]: its thread must
/// still end, or the process would wait for it on exit.
impl Drop for PassiveListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl PassiveListener {
    /// Starts listening on `interface`. Errors (no raw socket) come back from [`Self::stop`].
    pub fn start(interface: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let name = interface.to_string();
        let task = tokio::task::spawn_blocking(move || listen(&name, &flag));
        Self {
            stop,
            task: Some(task),
        }
    }

    /// Stops and returns the hosts heard.
    ///
    /// # Errors
    /// [`ArpError`] when the raw socket could not be opened.
    pub async fn stop(mut self) -> Result<SweepResult, ArpError> {
        self.stop.store(true, Ordering::Relaxed);
        let Some(task) = self.task.take() else {
            return Ok(SweepResult::default());
        };
        task.await.map_err(|e| ArpError::Channel {
            interface: String::new(),
            reason: e.to_string(),
        })?
    }
}

fn listen(name: &str, stop: &AtomicBool) -> Result<SweepResult, ArpError> {
    let iface = find_interface(name)?;
    let (_tx, mut rx) = open_channel(&iface)?;
    let mut hosts: BTreeMap<IpAddr, HostObservation> = BTreeMap::new();
    while !stop.load(Ordering::Relaxed) {
        let Ok(frame) = rx.next() else { continue };
        hear(&mut hosts, frame);
    }
    Ok(SweepResult {
        hosts: hosts.into_values().collect(),
        notes: Vec::new(),
        limits_hit: Vec::new(),
    })
}

/// Takes what one frame says about its sender: a DHCP client's host name and vendor class
/// (atoms marked as observed passively, as the capture path marks them), an ARP sender's MAC.
fn hear(hosts: &mut BTreeMap<IpAddr, HostObservation>, frame: &[u8]) {
    if hosts.len() >= MAX_HOSTS {
        return;
    }
    if let Some(msg) = dhcp::parse_frame(frame) {
        let Some(ip) = msg.address else { return };
        let h = heard(hosts, IpAddr::V4(ip));
        h.mac
            .get_or_insert_with(|| crate::model::MacAddr(msg.mac).to_string());
        if let Some(name) = &msg.hostname {
            h.hostname.get_or_insert_with(|| name.clone());
            h.push_evidence(
                Evidence::new("dhcp.hostname", None, name.clone()).observed_passively(),
            );
        }
        if let Some(vc) = &msg.vendor_class {
            h.push_evidence(
                Evidence::new("dhcp.vendor_class", None, vc.clone()).observed_passively(),
            );
        }
    } else if let Some(sender) = arp::parse_sender(frame)
        && !sender.1.is_unspecified()
    {
        heard(hosts, IpAddr::V4(sender.1))
            .mac
            .get_or_insert_with(|| crate::model::MacAddr(sender.0).to_string());
    }
}

fn heard(hosts: &mut BTreeMap<IpAddr, HostObservation>, ip: IpAddr) -> &mut HostObservation {
    hosts.entry(ip).or_insert_with(|| {
        let mut h = HostObservation::new(ip);
        h.mark_seen(SeenBy::Traffic);
        h
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::dhcp::{ClientMessage, client_message};
    use std::net::Ipv4Addr;

    /// An Ethernet/IPv4/UDP frame carrying a DHCP client message from 0.0.0.0:68 to the
    /// broadcast address, port 67.
    fn dhcp_frame(msg: &ClientMessage) -> Vec<u8> {
        let payload = client_message(msg, 0x3903_f326);
        let mut frame = vec![0xff; 6];
        frame.extend_from_slice(&msg.mac);
        frame.extend_from_slice(&[0x08, 0x00]);
        let udp_len = 8 + payload.len();
        let total = (20 + udp_len) as u16;
        frame.extend_from_slice(&[0x45, 0]);
        frame.extend_from_slice(&total.to_be_bytes());
        frame.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
        frame.extend_from_slice(&[0, 68, 0, 67]);
        frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&payload);
        frame
    }

    /// What the live listener hears is marked as observed passively, as the capture path marks
    /// it: the report must tell atoms the device announced unasked from probe replies.
    #[test]
    fn dhcp_atoms_heard_live_are_marked_passive() {
        let msg = ClientMessage {
            message_type: Some(dhcp::DHCPREQUEST),
            mac: [0xac, 0xcc, 0x8e, 0x4a, 0x32, 0x21],
            address: Some(Ipv4Addr::new(192, 168, 1, 90)),
            hostname: Some("axis-accc8e4a3221".into()),
            vendor_class: Some("AXIS,Network Camera,P3225-LV Mk II,9.80.3.8".into()),
        };
        let mut hosts = BTreeMap::new();
        hear(&mut hosts, &dhcp_frame(&msg));
        let host = &hosts[&IpAddr::V4(Ipv4Addr::new(192, 168, 1, 90))];
        assert_eq!(host.mac.as_deref(), Some("ac:cc:8e:4a:32:21"));
        assert_eq!(host.hostname.as_deref(), Some("axis-accc8e4a3221"));
        let sources: Vec<&str> = host.evidence.iter().map(|e| e.source.as_str()).collect();
        assert_eq!(sources, ["dhcp.hostname", "dhcp.vendor_class"]);
        assert!(
            host.evidence.iter().all(|e| e.passive),
            "{:?}",
            host.evidence
        );
    }

    /// A real DHCPREQUEST (a Grandstream device, pcapng test suite) names its address and MAC;
    /// it carries no host name, so it adds no atom.
    #[test]
    fn a_real_request_names_the_address_of_its_mac() {
        let frame = include_bytes!("../../tests/fixtures/wire/dhcp-request-frame3.bin");
        let mut hosts = BTreeMap::new();
        hear(&mut hosts, frame);
        let host = &hosts[&IpAddr::V4(Ipv4Addr::new(192, 168, 0, 10))];
        assert_eq!(host.mac.as_deref(), Some("00:0b:82:01:fc:42"));
        assert!(host.evidence.is_empty());
    }
}
