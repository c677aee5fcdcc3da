//! The simulated store: a LAN on 198.18.0.0/24 inside network namespaces this process creates,
//! with personas that reproduce real devices' observable behaviour from public facts.
//!
//! Needs neither root nor a real network: [`enter_lab_namespaces`] moves the process into its own
//! user + network namespace first, so nothing the lab or the scanner sends can leave it.
//!
//! ```text
//!  lab root ns (the scanner)      switch ns                persona ns (one each)
//!  lan0 198.18.0.2 ───veth─── sw-scan ┐
//!                                     br0 (floods)  ── sw<n> ───veth─── eth0 198.18.0.x (vendor MAC)
//!                                                   ── sw-net ──veth─── eth0 203.0.113.x (lab internet)
//! ```
//!
//! The lab internet (internet.rs) exists when a persona sends data out (uploads.toml): it answers
//! DNS and accepts TLS, and as a host on the bridge its traffic reaches `lan0` like a mirror port.
//!
//! [`Switch::Learning`] (`Lab::start_with_switch`) is the harder, ordinary case: `br0` learns
//! addresses (ageing 300 s) and the lab internet hangs off the router persona's own `eth1`, so a
//! device's uploads cross the switch only as frames to the router and `lan0` does not see them
//! (what `audit --intercept` is for; tests/labs/intercept_lab.rs).

pub mod bench;
pub mod discovery;
mod error;
mod groups;
mod hostile;
mod internet;
mod ns;
pub mod persona;
pub mod responders;
mod scenario;
mod serve;
mod start;
mod tls;
mod topology;
pub mod uploads;

use std::collections::BTreeMap;
use std::fs::File;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use error::LabError;
pub use hostile::gzip_bomb;
pub use ns::{enter_lab_namespaces, in_netns};
pub use persona::{
    AuthScheme, BannerService, CertificateSubject, Expectation, GroupMember, HostGroup,
    HostileBehaviour, HostileService, HttpService, LabSpec, OnvifService, PathResponse, Persona,
    RtspService, Service, SilentService,
};
pub use scenario::Scenario;
pub use topology::{INLINE_ROUTER_SIDE, INLINE_SWITCH_SIDE, Switch};

/// What one persona saw while the lab ran: TCP connections accepted on any of its ports (the
/// UPnP description port included), and bytes its hostile ports sent.
#[derive(Debug, Default)]
pub struct PersonaStats {
    pub connections: AtomicU64,
    pub bytes_sent: AtomicU64,
    /// Requests to the persona's UPnP IGD control URL (any action).
    pub igd_control_requests: AtomicU64,
}

/// A running lab. Dropping it stops the personas and closes the namespace handles (a namespace
/// vanishes with its last handle; the lab root namespace vanishes with the process).
pub struct Lab {
    personas: Vec<Persona>,
    groups: Vec<HostGroup>,
    subnet: ipnet::Ipv4Net,
    servers: Vec<tokio::task::JoinHandle<()>>,
    /// Handles of the switch namespace and every persona namespace, kept open while the lab runs.
    namespaces: Vec<File>,
    /// Netlink connections stay open so their background tasks end with the lab.
    _netlink: Vec<topology::Netlink>,
    startup: std::time::Duration,
    stats: BTreeMap<String, Arc<PersonaStats>>,
    /// Uploads sent and failed, per uploading persona (uploads.toml).
    upload_stats: BTreeMap<String, Arc<uploads::UploadStats>>,
    switch: Switch,
    /// Each persona's namespace, in the order of `personas`.
    persona_ns: Vec<File>,
}

impl Lab {
    /// Brings the lab up: switch, scanner interface, one namespace per persona, and every service
    /// listening. Call [`enter_lab_namespaces`] first.
    ///
    /// # Errors
    /// [`LabError`] naming the step and persona that failed; [`LabError::NotIsolated`] if the
    /// current namespace is not a fresh one.
    pub async fn start(spec: &LabSpec) -> Result<Lab, LabError> {
        start::start(spec, Switch::Mirror).await
    }

    /// [`Lab::start`] with the given kind of switch ([`Switch::Learning`]: an ordinary
    /// unmanaged switch, the internet behind the router persona).
    ///
    /// # Errors
    /// As [`Lab::start`].
    pub async fn start_with_switch(spec: &LabSpec, switch: Switch) -> Result<Lab, LabError> {
        start::start(spec, switch).await
    }

    /// The kind of switch the lab runs.
    pub fn switch(&self) -> Switch {
        self.switch
    }

    /// Uploads the persona completed so far (0 for a persona that does not upload).
    pub fn uploads_sent(&self, persona: &str) -> u64 {
        self.upload_stats
            .get(persona)
            .map_or(0, |s| s.sent.load(Ordering::Relaxed))
    }

    /// Uploads of the persona that failed so far (an error or no completion within 10 s).
    pub fn uploads_failed(&self, persona: &str) -> u64 {
        self.upload_stats
            .get(persona)
            .map_or(0, |s| s.failed.load(Ordering::Relaxed))
    }

    /// The namespace handle of persona `name` (for reading its neighbour table in tests).
    pub fn persona_namespace(&self, name: &str) -> Option<&File> {
        let at = self.personas.iter().position(|p| p.name == name)?;
        self.persona_ns.get(at)
    }

    /// The lab LAN (198.18.0.0/24; a benchmark lab's may be larger).
    pub fn subnet(&self) -> ipnet::Ipv4Net {
        self.subnet
    }

    /// The scanner's interface in the current namespace (`lan0`).
    pub fn scanner_interface(&self) -> &str {
        topology::SCANNER_INTERFACE
    }

    /// The scanner's address on the lab LAN (198.18.0.2).
    pub fn scanner_ip(&self) -> Ipv4Addr {
        persona::SCANNER_IP
    }

    /// The personas running.
    pub fn personas(&self) -> &[Persona] {
        &self.personas
    }

    /// TCP connections the persona accepted so far (0 for an unknown name).
    pub fn connections(&self, persona: &str) -> u64 {
        self.stats
            .get(persona)
            .map_or(0, |s| s.connections.load(Ordering::Relaxed))
    }

    /// Requests the persona's UPnP IGD control URL received so far (`GetGenericPortMappingEntry`
    /// or anything else posted there).
    pub fn igd_control_requests(&self, persona: &str) -> u64 {
        self.stats
            .get(persona)
            .map_or(0, |s| s.igd_control_requests.load(Ordering::Relaxed))
    }

    /// Bytes the persona's hostile ports sent so far.
    pub fn bytes_sent(&self, persona: &str) -> u64 {
        self.stats
            .get(persona)
            .map_or(0, |s| s.bytes_sent.load(Ordering::Relaxed))
    }

    /// The groups of ordinary hosts (benchmark labs only).
    pub fn groups(&self) -> &[HostGroup] {
        &self.groups
    }

    /// How many hosts answer on the lab LAN: personas and group members.
    pub fn host_count(&self) -> usize {
        self.personas.len() + self.groups.iter().map(|g| g.members.len()).sum::<usize>()
    }

    /// How long [`Lab::start`] took.
    pub fn startup_time(&self) -> std::time::Duration {
        self.startup
    }

    /// Stops every persona and releases the namespaces.
    pub async fn shutdown(mut self) {
        for server in self.servers.drain(..) {
            server.abort();
            let _ = server.await;
        }
        self.namespaces.clear();
        self.persona_ns.clear();
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}
