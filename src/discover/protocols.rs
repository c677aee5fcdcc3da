//! The discovery protocols as [`HostDiscoverer`]s: ONVIF WS-Discovery, SSDP/UPnP, mDNS/DNS-SD,
//! Hikvision SADP, Dahua DHDiscover and Xiongmai XMeye. Each sends only its inquiry (never a
//! set/modify message), and turns every reply into evidence on the host that sent it. The
//! replying address is the host; what a reply claims about its own address is only evidence.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};

use super::udp::{self, DiscoveryContext, Inquiry};
use super::{HostDiscoverer, SweepResult};
use crate::model::{CutReason, CutShort, Evidence, HostObservation, LimitHit, SeenBy};
use crate::wire::{dhdiscover, mdns, sadp, ssdp, wsd, xmeye};

/// Evidence that a device's vendor-cloud service is switched on, from its own discovery reply
/// (not from traffic): the policy layer and the report read it by this source name.
pub const CLOUD_INDICATION: &str = "cloud.indication";
/// The value for a Hikvision device whose SADP reply says `HCPlatformEnable=true`.
pub const HIK_CONNECT_ON: &str =
    "Hik-Connect (Hikvision cloud) enabled: SADP HCPlatformEnable=true";

/// Largest UPnP description fetched.
const MAX_DESCRIPTION: usize = 64 * 1024;
/// Most UPnP descriptions fetched in one scan, and how many at once.
const MAX_DESCRIPTIONS: usize = 256;
const DESCRIPTIONS_IN_FLIGHT: usize = 8;
/// Longest wait for one description, body included.
const DESCRIPTION_TIMEOUT: Duration = Duration::from_secs(3);

/// Every discoverer camsweep has, sharing one context.
pub fn all(ctx: &DiscoveryContext) -> Vec<Box<dyn HostDiscoverer>> {
    vec![
        Box::new(WsDiscovery(ctx.clone())),
        Box::new(Ssdp(ctx.clone())),
        Box::new(Mdns(ctx.clone())),
        Box::new(Sadp(ctx.clone())),
        Box::new(DhDiscover(ctx.clone())),
        Box::new(Xmeye(ctx.clone())),
    ]
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
        notes: Vec<String>,
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

/// ONVIF WS-Discovery: one Probe for transmitters, one for any ONVIF device.
pub struct WsDiscovery(pub DiscoveryContext);

impl HostDiscoverer for WsDiscovery {
    fn name(&self) -> &'static str {
        "ws_discovery"
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let inquiry = Inquiry {
                port: wsd::PORT,
                group: Some(wsd::MULTICAST),
                broadcast: false,
                payloads: [wsd::TYPE_NVT, wsd::TYPE_DEVICE]
                    .iter()
                    .map(|t| wsd::probe(&udp::random_uuid(), t).into_bytes())
                    .collect(),
            };
            let got = udp::collect(self.name(), &inquiry, targets, &self.0).await;
            let mut hosts = Hosts::default();
            for (ip, data) in got.replies {
                let Ok(reply) = wsd::parse_probe_matches(&String::from_utf8_lossy(&data)) else {
                    continue;
                };
                for m in reply.matches {
                    let port = wsd::PORT;
                    hosts.add(ip, "wsd.types", port, Some(&m.types.join(" ")));
                    hosts.add(ip, "wsd.endpoint", port, m.endpoint.as_deref());
                    for (kind, source) in [
                        ("name", "wsd.name"),
                        ("hardware", "wsd.hardware"),
                        ("location", "wsd.location"),
                        ("type", "wsd.type"),
                        ("MAC", "wsd.mac"),
                        // Not in the ONVIF Core table of scopes, but allowed (Core §7.3.2.2.1:
                        // a device may have other scope URIs) and sent by several makers.
                        ("manufacturer", "wsd.manufacturer"),
                    ] {
                        for v in m.scope_values(kind) {
                            hosts.add(ip, source, port, Some(&v));
                        }
                    }
                    for x in &m.xaddrs {
                        hosts.add(ip, "wsd.xaddr", port, Some(x));
                    }
                }
            }
            hosts.finish(self.name(), got.notes, got.dropped, got.limits_hit)
        }
        .boxed()
    }
}

/// SSDP: `M-SEARCH ssdp:all`, then the description behind LOCATION when it is on the replier
/// and the replier is a target.
pub struct Ssdp(pub DiscoveryContext);

impl HostDiscoverer for Ssdp {
    fn name(&self) -> &'static str {
        "ssdp"
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let inquiry = Inquiry {
                port: ssdp::PORT,
                group: Some(ssdp::MULTICAST),
                broadcast: false,
                payloads: vec![
                    ssdp::m_search(&ssdp::MULTICAST.to_string(), "ssdp:all", 1).into_bytes(),
                ],
            };
            let mut got = udp::collect(self.name(), &inquiry, targets, &self.0).await;
            let mut hosts = Hosts::default();
            let mut locations: BTreeMap<IpAddr, String> = BTreeMap::new();
            // Multicast replies come from anyone on the segment: a replier outside the targets
            // is never contacted (its reply is dropped later with its host).
            let mut outside = std::collections::BTreeSet::new();
            for (ip, data) in &got.replies {
                let Some(r) = ssdp::parse_response(data) else {
                    continue;
                };
                let port = ssdp::PORT;
                hosts.add(*ip, "ssdp.server", port, r.server.as_deref());
                hosts.add(*ip, "ssdp.st", port, r.st.as_deref());
                hosts.add(*ip, "ssdp.usn", port, r.usn.as_deref());
                hosts.add(*ip, "ssdp.location", port, r.location.as_deref());
                let Some(loc) = r.location else { continue };
                if !self.0.authorises(*ip) {
                    outside.insert(*ip);
                } else if !location_is_on(&loc, *ip) {
                    got.notes.push(format!(
                        "ssdp: {ip}: description {loc} is not on the replier itself; not fetched"
                    ));
                } else {
                    locations.entry(*ip).or_insert(loc);
                }
            }
            if !outside.is_empty() {
                got.notes.push(skipped_outside_targets(&outside));
            }
            let mut limits_hit = std::mem::take(&mut got.limits_hit);
            if locations.len() > MAX_DESCRIPTIONS {
                limits_hit.push(LimitHit::new(
                    "descriptions",
                    format!(
                        "ssdp: {} UPnP descriptions offered, the first {MAX_DESCRIPTIONS} fetched",
                        locations.len()
                    ),
                ));
            }
            // A few at a time, each under its own timeout: slow description servers cannot
            // stretch discovery by one timeout per device.
            let fetched: Vec<_> =
                futures::stream::iter(locations.into_iter().take(MAX_DESCRIPTIONS))
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
                    if self.0.gateway.is_some_and(|g| IpAddr::V4(g) == ip) && targets.contains(&ip)
                    {
                        gateway_description = Some((loc.clone(), text));
                    }
                    d
                });
                match result {
                    Ok(Some(d)) => {
                        let port = url_port(&loc).unwrap_or(80);
                        hosts.add(ip, "ssdp.manufacturer", port, d.manufacturer.as_deref());
                        hosts.add(ip, "ssdp.model", port, d.model_name.as_deref());
                        hosts.add(ip, "ssdp.model_number", port, d.model_number.as_deref());
                        hosts.add(
                            ip,
                            "ssdp.model_description",
                            port,
                            d.model_description.as_deref(),
                        );
                        hosts.add(ip, "ssdp.serial", port, d.serial_number.as_deref());
                        hosts.add(ip, "ssdp.friendly_name", port, d.friendly_name.as_deref());
                        hosts.add(ip, "ssdp.device_type", port, d.device_type.as_deref());
                    }
                    Ok(None) => {}
                    Err(e) => {
                        got.notes
                            .push(format!("ssdp: {ip}: description {loc}: {e}"));
                        hosts.host(ip).cut(CutShort::new(
                            "ssdp",
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
            if let (Some(gateway), Some((loc, text))) = (self.0.gateway, gateway_description) {
                let table = super::igd::read_table(gateway, &loc, &text).await;
                got.notes.extend(table.notes);
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
            hosts.finish(self.name(), got.notes, got.dropped, limits_hit)
        }
        .boxed()
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

/// The scan note for SSDP repliers outside the targets, whose descriptions were not fetched.
fn skipped_outside_targets(outside: &std::collections::BTreeSet<IpAddr>) -> String {
    const LISTED: usize = 8;
    let mut listed: Vec<String> = outside.iter().take(LISTED).map(IpAddr::to_string).collect();
    if outside.len() > LISTED {
        listed.push(format!("{} more", outside.len() - LISTED));
    }
    format!(
        "ssdp: {} replier(s) outside the targets ({}); their UPnP descriptions were not fetched",
        outside.len(),
        listed.join(", ")
    )
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

/// mDNS/DNS-SD: the service enumeration and the camera service types, answered by unicast.
pub struct Mdns(pub DiscoveryContext);

impl HostDiscoverer for Mdns {
    fn name(&self) -> &'static str {
        "mdns"
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let mut names = vec![mdns::SERVICES];
            names.extend_from_slice(mdns::CAMERA_SERVICES);
            let Some(query) = mdns::query(0, &names) else {
                return SweepResult::default();
            };
            let inquiry = Inquiry {
                port: mdns::PORT,
                group: Some(mdns::MULTICAST),
                broadcast: false,
                payloads: vec![query],
            };
            let got = udp::collect(self.name(), &inquiry, targets, &self.0).await;
            let mut hosts = Hosts::default();
            let port = mdns::PORT;
            for (ip, data) in got.replies {
                let Some(reply) = mdns::parse_reply(&data) else {
                    continue;
                };
                for service in &reply.service_types {
                    hosts.add(ip, "mdns.service", port, Some(service));
                }
                for i in &reply.instances {
                    hosts.add(ip, "mdns.service", port, Some(&i.service));
                    hosts.add(ip, "mdns.instance", port, Some(&i.name));
                    for (k, v) in &i.txt {
                        hosts.add(ip, "mdns.txt", port, Some(&format!("{k}={v}")));
                    }
                    if let Some(target) = &i.target {
                        set_hostname(hosts.host(ip), target);
                    }
                }
                for (name, addr) in &reply.hosts {
                    if IpAddr::V4(*addr) == ip {
                        set_hostname(hosts.host(ip), name);
                    }
                }
            }
            hosts.finish(self.name(), got.notes, got.dropped, got.limits_hit)
        }
        .boxed()
    }
}

fn set_hostname(host: &mut HostObservation, name: &str) {
    if host.hostname.is_none() {
        host.hostname = Some(
            name.trim_end_matches('.')
                .trim_end_matches(".local")
                .to_string(),
        );
    }
}

/// Hikvision SADP inquiry.
pub struct Sadp(pub DiscoveryContext);

impl HostDiscoverer for Sadp {
    fn name(&self) -> &'static str {
        "sadp"
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let inquiry = Inquiry {
                port: sadp::PORT,
                group: Some(sadp::MULTICAST),
                broadcast: true,
                payloads: vec![sadp::inquiry(&udp::random_uuid().to_uppercase()).into_bytes()],
            };
            let got = udp::collect(self.name(), &inquiry, targets, &self.0).await;
            let mut hosts = Hosts::default();
            let port = sadp::PORT;
            for (ip, data) in got.replies {
                let Ok(Some(m)) = sadp::parse_probe_match(&String::from_utf8_lossy(&data)) else {
                    continue;
                };
                hosts.add(ip, "sadp.model", port, m.description.as_deref());
                hosts.add(ip, "sadp.device_type", port, m.device_type.as_deref());
                hosts.add(ip, "sadp.serial", port, m.serial.as_deref());
                hosts.add(ip, "sadp.firmware", port, m.software_version.as_deref());
                hosts.add(ip, "sadp.dsp_version", port, m.dsp_version.as_deref());
                hosts.add(ip, "sadp.activated", port, m.activated.as_deref());
                hosts.add(
                    ip,
                    "sadp.support_hc_platform",
                    port,
                    m.support_hc_platform.as_deref(),
                );
                hosts.add(
                    ip,
                    "sadp.hc_platform_enable",
                    port,
                    m.hc_platform_enable.as_deref(),
                );
                hosts.add(ip, "sadp.manufacturer", port, Some("Hikvision"));
                if m.hc_platform_enable.as_deref().map(str::trim) == Some("true") {
                    hosts.add(ip, CLOUD_INDICATION, port, Some(HIK_CONNECT_ON));
                }
                if let Some(mac) = m.mac_normalised() {
                    hosts.add(ip, "sadp.mac", port, Some(&mac));
                    hosts.host(ip).mac.get_or_insert(mac);
                }
            }
            hosts.finish(self.name(), got.notes, got.dropped, got.limits_hit)
        }
        .boxed()
    }
}

/// Dahua DHDiscover search.
pub struct DhDiscover(pub DiscoveryContext);

impl HostDiscoverer for DhDiscover {
    fn name(&self) -> &'static str {
        "dhdiscover"
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let inquiry = Inquiry {
                port: dhdiscover::PORT,
                group: Some(dhdiscover::MULTICAST),
                broadcast: true,
                payloads: vec![dhdiscover::search()],
            };
            let got = udp::collect(self.name(), &inquiry, targets, &self.0).await;
            let mut hosts = Hosts::default();
            let port = dhdiscover::PORT;
            for (ip, data) in got.replies {
                let Some(info) = dhdiscover::parse_frame(&data)
                    .ok()
                    .and_then(|body| dhdiscover::parse_device_info(&body))
                else {
                    continue;
                };
                hosts.add(
                    ip,
                    "dhdiscover.device_type",
                    port,
                    info.device_type.as_deref(),
                );
                hosts.add(ip, "dhdiscover.serial", port, info.serial.as_deref());
                hosts.add(ip, "dhdiscover.version", port, info.version.as_deref());
                hosts.add(ip, "dhdiscover.vendor", port, info.vendor.as_deref());
                hosts.add(
                    ip,
                    "dhdiscover.machine_name",
                    port,
                    info.machine_name.as_deref(),
                );
                if let Some(mac) = info.mac.as_deref().and_then(sadp::normalise_mac) {
                    hosts.add(ip, "dhdiscover.mac", port, Some(&mac));
                    hosts.host(ip).mac.get_or_insert(mac);
                }
            }
            hosts.finish(self.name(), got.notes, got.dropped, got.limits_hit)
        }
        .boxed()
    }
}

/// Xiongmai XMeye search (message 1530).
pub struct Xmeye(pub DiscoveryContext);

impl HostDiscoverer for Xmeye {
    fn name(&self) -> &'static str {
        "xmeye"
    }

    fn discover<'a>(&'a self, targets: &'a [IpAddr]) -> BoxFuture<'a, SweepResult> {
        async move {
            let inquiry = Inquiry {
                port: xmeye::PORT,
                group: None,
                broadcast: true,
                payloads: vec![xmeye::search()],
            };
            let got = udp::collect(self.name(), &inquiry, targets, &self.0).await;
            let mut hosts = Hosts::default();
            let port = xmeye::PORT;
            for (ip, data) in got.replies {
                let Some(net) = xmeye::parse_search_reply(&data) else {
                    continue;
                };
                hosts.add(ip, "xmeye.hostname", port, net.hostname.as_deref());
                hosts.add(ip, "xmeye.serial", port, net.serial.as_deref());
                hosts.add(ip, "xmeye.version", port, net.version.as_deref());
                hosts.add(ip, "xmeye.build_date", port, net.build_date.as_deref());
                hosts.add(ip, "xmeye.device_type", port, net.device_type.as_deref());
                if let Some(mac) = net.mac.as_deref().and_then(sadp::normalise_mac) {
                    hosts.add(ip, "xmeye.mac", port, Some(&mac));
                    hosts.host(ip).mac.get_or_insert(mac);
                }
            }
            hosts.finish(self.name(), got.notes, got.dropped, got.limits_hit)
        }
        .boxed()
    }
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
