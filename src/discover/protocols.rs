//! The discovery protocols of `wire::discovery::TABLE`, each run as a [`HostDiscoverer`] over
//! the shared UDP inquiry loop (`udp.rs`): ONVIF WS-Discovery, SSDP/UPnP, mDNS/DNS-SD,
//! Hikvision SADP, Dahua DHDiscover, Xiongmai XMeye, VIVOTEK's search. Each sends only its
//! inquiry (never a set/modify message), and turns every reply into evidence on the host that
//! sent it. The replying address is the host; what a reply claims about its own address is only
//! evidence. A protocol is a row of the table: nothing here names one, except the second step
//! a row may ask for ([`Follow`]).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};

use super::udp::{self, DiscoveryContext, Inquiry};
use super::{HostDiscoverer, SweepResult};
use crate::model::{CutReason, CutShort, Evidence, HostObservation, LimitHit, SeenBy};
use crate::wire::discovery::{self, Atom, Follow, Protocol};
use crate::wire::ssdp;

pub use crate::wire::sadp::{CLOUD_INDICATION, HIK_CONNECT_ON};

/// Largest UPnP description fetched.
const MAX_DESCRIPTION: usize = 64 * 1024;
/// Most UPnP descriptions fetched in one scan, and how many at once.
const MAX_DESCRIPTIONS: usize = 256;
const DESCRIPTIONS_IN_FLIGHT: usize = 8;
/// Longest wait for one description, body included.
const DESCRIPTION_TIMEOUT: Duration = Duration::from_secs(3);

/// Every discoverer of the table, sharing one context.
pub fn all(ctx: &DiscoveryContext) -> Vec<Box<dyn HostDiscoverer>> {
    discovery::TABLE
        .iter()
        .map(|protocol| Box::new(TableDiscoverer::new(protocol, ctx.clone())) as _)
        .collect()
}

/// The discoverer of the table's row `name` (`sadp`, `ws_discovery` …).
pub fn named(name: &str, ctx: &DiscoveryContext) -> Option<TableDiscoverer> {
    discovery::named(name).map(|protocol| TableDiscoverer::new(protocol, ctx.clone()))
}

/// One row of the discovery table, run: inquiry, replies read into atoms, the row's second step.
pub struct TableDiscoverer {
    protocol: &'static Protocol,
    ctx: DiscoveryContext,
}

impl TableDiscoverer {
    pub fn new(protocol: &'static Protocol, ctx: DiscoveryContext) -> Self {
        Self { protocol, ctx }
    }
}

impl HostDiscoverer for TableDiscoverer {
    fn name(&self) -> &'static str {
        self.protocol.name
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let p = self.protocol;
            let payloads = (p.inquiry)(&mut udp::random_uuid);
            if payloads.is_empty() {
                return SweepResult::default();
            }
            let inquiry = Inquiry {
                port: p.port,
                group: p.group,
                broadcast: p.broadcast,
                payloads,
            };
            let mut got = udp::collect(p.name, &inquiry, targets, &self.ctx).await;
            let mut hosts = Hosts::default();
            let mut descriptions: BTreeMap<IpAddr, String> = BTreeMap::new();
            let mut outside = std::collections::BTreeSet::new();
            for (ip, data) in &got.replies {
                let Some(reply) = (p.parse)(*ip, data) else {
                    continue;
                };
                for atom in &reply.atoms {
                    hosts.atom(*ip, p.port, atom);
                }
                if let Some(mac) = reply.mac {
                    hosts.host(*ip).mac.get_or_insert(mac);
                }
                if let Some(name) = reply.host_name.filter(|n| !n.is_empty()) {
                    hosts.host(*ip).hostname.get_or_insert(name);
                }
                let Some(location) = reply.description else {
                    continue;
                };
                // Multicast replies come from anyone on the segment: a replier outside the
                // targets is never contacted (its reply is dropped later with its host).
                if !self.ctx.authorises(*ip) {
                    outside.insert(*ip);
                } else if !location_is_on(&location, *ip) {
                    got.notes.push(
                        crate::model::Note::new("description_elsewhere")
                            .arg("protocol", p.name)
                            .arg("ip", ip)
                            .arg("location", &location),
                    );
                } else {
                    descriptions.entry(*ip).or_insert(location);
                }
            }
            if !outside.is_empty() {
                got.notes.push(skipped_outside_targets(p.name, &outside));
            }
            let mut limits_hit = std::mem::take(&mut got.limits_hit);
            match p.follow {
                Follow::Nothing => {}
                Follow::UpnpDescription => {
                    self.read_descriptions(
                        descriptions,
                        targets,
                        &mut hosts,
                        &mut got.notes,
                        &mut limits_hit,
                    )
                    .await;
                }
            }
            hosts.finish(p.name, got.notes, got.dropped, limits_hit)
        }
        .boxed()
    }
}

/// Hosts built up from replies, by sender address.
#[derive(Default)]
struct Hosts(BTreeMap<IpAddr, HostObservation>);

impl Hosts {
    fn host(&mut self, ip: IpAddr) -> &mut HostObservation {
        self.0.entry(ip).or_insert_with(|| {
            let mut h = HostObservation::new(ip);
            h.mark_seen(SeenBy::Discovery);
            h
        })
    }

    fn atom(&mut self, ip: IpAddr, port: u16, atom: &Atom) {
        self.add(ip, atom.source(), port, Some(&atom.value));
    }

    fn add(&mut self, ip: IpAddr, source: &str, port: u16, value: Option<&str>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.host(ip)
                .push_evidence(Evidence::new(source, Some(port), v));
        }
    }

    /// The result, with each sender's losses to the reply caps recorded on it.
    fn finish(
        mut self,
        protocol: &str,
        notes: Vec<crate::model::Note>,
        dropped: BTreeMap<IpAddr, udp::Dropped>,
        limits_hit: Vec<LimitHit>,
    ) -> SweepResult {
        for (ip, lost) in dropped {
            let host = self.host(ip);
            if lost.over_cap > 0 {
                host.cut(CutShort::new(
                    protocol,
                    None,
                    CutReason::ReplyCap,
                    format!(
                        "{} datagram(s) beyond the {} kept per inquiry were dropped",
                        lost.over_cap,
                        udp::MAX_REPLIES_PER_SENDER
                    ),
                ));
            }
            if lost.oversized > 0 {
                host.cut(CutShort::new(
                    protocol,
                    None,
                    CutReason::SizeCap,
                    format!(
                        "{} datagram(s) filled the receive buffer and were cut",
                        lost.oversized
                    ),
                ));
            }
        }
        SweepResult {
            hosts: self.0.into_values().collect(),
            notes,
            limits_hit,
        }
    }
}

impl TableDiscoverer {
    /// SSDP's second step: the UPnP description behind each replier's LOCATION, a few at a
    /// time; and the store gateway's port-mapping table behind its description.
    async fn read_descriptions(
        &self,
        locations: BTreeMap<IpAddr, String>,
        targets: &[IpAddr],
        hosts: &mut Hosts,
        notes: &mut Vec<crate::model::Note>,
        limits_hit: &mut Vec<LimitHit>,
    ) {
        let name = self.protocol.name;
        if locations.len() > MAX_DESCRIPTIONS {
            limits_hit.push(LimitHit::new(
                "descriptions",
                format!(
                    "{name}: {} UPnP descriptions offered, the first {MAX_DESCRIPTIONS} fetched",
                    locations.len()
                ),
            ));
        }
        // A few at a time, each under its own timeout: slow description servers cannot
        // stretch discovery by one timeout per device.
        let fetched: Vec<_> = futures::stream::iter(locations.into_iter().take(MAX_DESCRIPTIONS))
            .map(|(ip, loc)| async move {
                let result = fetch_description(&loc).await;
                (ip, loc, result)
            })
            .buffer_unordered(DESCRIPTIONS_IN_FLIGHT)
            .collect()
            .await;
        let mut gateway_description = None;
        for (ip, loc, result) in fetched {
            let result = result.map(|(d, text)| {
                // Only the gateway, and only when it is in scope (a live target).
                if self.ctx.gateway.is_some_and(|g| IpAddr::V4(g) == ip) && targets.contains(&ip) {
                    gateway_description = Some((loc.clone(), text));
                }
                d
            });
            match result {
                Ok(Some(d)) => {
                    let port = url_port(&loc).unwrap_or(80);
                    for atom in ssdp::description_atoms(&d) {
                        hosts.atom(ip, port, &atom);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    notes.push(
                        crate::model::Note::new("description_failed")
                            .arg("protocol", name)
                            .arg("ip", ip)
                            .arg("location", &loc)
                            .arg("error", &e),
                    );
                    hosts.host(ip).cut(CutShort::new(
                        name,
                        url_port(&loc),
                        e.reason,
                        format!("description {loc}: {}", e.detail),
                    ));
                }
            }
        }
        // The store gateway, when it is a target and answered: its UPnP port-mapping table
        // (read-only), kept on the gateway as one atom per entry; the pipeline attaches each
        // entry to the device it forwards to.
        if let (Some(gateway), Some((loc, text))) = (self.ctx.gateway, gateway_description) {
            let table = super::igd::read_table(gateway, &loc, &text).await;
            notes.extend(table.notes);
            if table.cut {
                limits_hit.push(LimitHit::new(
                    "port_mappings",
                    format!(
                        "upnp: {gateway}: more than {} port mappings, the first {} read",
                        super::igd::MAX_ENTRIES,
                        super::igd::MAX_ENTRIES
                    ),
                ));
            }
            let port = url_port(&loc).unwrap_or(80);
            for m in &table.mappings {
                if let Ok(json) = serde_json::to_string(m) {
                    hosts.add(
                        IpAddr::V4(gateway),
                        crate::fingerprint::PORT_MAPPING_SOURCE,
                        port,
                        Some(&json),
                    );
                }
            }
        }
    }
}

/// LOCATION is followed only when its host is the address that answered: a reply must not be
/// able to point camsweep at some other machine.
fn location_is_on(location: &str, ip: IpAddr) -> bool {
    reqwest::Url::parse(location).is_ok_and(|u| {
        u.scheme() == "http"
            && u.host_str()
                .and_then(|h| h.parse::<std::net::Ipv4Addr>().ok())
                .is_some_and(|a| IpAddr::V4(a) == ip)
    })
}

/// The scan note for repliers outside the targets, whose descriptions were not fetched.
fn skipped_outside_targets(
    protocol: &str,
    outside: &std::collections::BTreeSet<IpAddr>,
) -> crate::model::Note {
    const LISTED: usize = 8;
    let listed: Vec<String> = outside.iter().take(LISTED).map(IpAddr::to_string).collect();
    let note = if outside.len() > LISTED {
        crate::model::Note::new("outside_targets_skipped_more").arg("more", outside.len() - LISTED)
    } else {
        crate::model::Note::new("outside_targets_skipped")
    };
    note.arg("protocol", protocol)
        .arg("count", outside.len())
        .arg("listed", listed.join(", "))
}

fn url_port(location: &str) -> Option<u16> {
    reqwest::Url::parse(location).ok()?.port_or_known_default()
}

/// Why a description was not read.
#[derive(Debug)]
struct DescriptionError {
    reason: CutReason,
    detail: String,
}

impl std::fmt::Display for DescriptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// The description behind `location`, parsed, with its text (the gateway's is read again for
/// its services).
async fn fetch_description(
    location: &str,
) -> Result<(Option<ssdp::Description>, String), DescriptionError> {
    let failed = |e: reqwest::Error| DescriptionError {
        reason: if e.is_timeout() {
            CutReason::Timeout
        } else {
            CutReason::Reset
        },
        detail: e.to_string(),
    };
    crate::probe::http::client::install_crypto_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(DESCRIPTION_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(failed)?;
    let mut resp = client.get(location).send().await.map_err(failed)?;
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(failed)? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DESCRIPTION {
            return Err(DescriptionError {
                reason: CutReason::SizeCap,
                detail: format!("longer than {MAX_DESCRIPTION} bytes"),
            });
        }
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let description = ssdp::parse_description(&text).map_err(|e| DescriptionError {
        reason: CutReason::Malformed,
        detail: e.to_string(),
    })?;
    Ok((description, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_must_point_at_the_replier() {
        let ip: IpAddr = "198.18.0.10".parse().unwrap();
        assert!(location_is_on(
            "http://198.18.0.10:49152/upnpdevicedesc.xml",
            ip
        ));
        assert!(!location_is_on("http://198.18.0.11:49152/desc.xml", ip));
        assert!(!location_is_on("http://example.com/desc.xml", ip));
        assert!(!location_is_on("file:///etc/passwd", ip));
    }
}
