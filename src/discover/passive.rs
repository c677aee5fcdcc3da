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
        if hosts.len() >= MAX_HOSTS {
            continue;
        }
        if let Some(msg) = dhcp::parse_frame(frame) {
            let Some(ip) = msg.address else { continue };
            let h = heard(&mut hosts, IpAddr::V4(ip));
            h.mac.get_or_insert_with(|| arp::format_mac(msg.mac));
            if let Some(name) = &msg.hostname {
                h.hostname.get_or_insert_with(|| name.clone());
                h.push_evidence(Evidence::new("dhcp.hostname", None, name.clone()));
            }
            if let Some(vc) = &msg.vendor_class {
                h.push_evidence(Evidence::new("dhcp.vendor_class", None, vc.clone()));
            }
        } else if let Some(sender) = arp::parse_sender(frame)
            && !sender.1.is_unspecified()
        {
            heard(&mut hosts, IpAddr::V4(sender.1))
                .mac
                .get_or_insert_with(|| arp::format_mac(sender.0));
        }
    }
    Ok(SweepResult {
        hosts: hosts.into_values().collect(),
        notes: Vec::new(),
        limits_hit: Vec::new(),
    })
}

fn heard(hosts: &mut BTreeMap<IpAddr, HostObservation>, ip: IpAddr) -> &mut HostObservation {
    hosts.entry(ip).or_insert_with(|| {
        let mut h = HostObservation::new(ip);
        h.mark_seen(SeenBy::Traffic);
        h
    })
}
