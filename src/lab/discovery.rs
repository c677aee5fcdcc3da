//! The personas' discovery protocols: WS-Discovery (multicast and unicast, or unicast only),
//! SSDP with a UPnP description, mDNS/DNS-SD, Hikvision SADP, Dahua DHDiscover, Xiongmai
//! XMeye and VIVOTEK's search, answered from the data in `discovery.toml` (keyed by persona name) with the codecs of
//! `crate::wire`. Responders answer inquiries only and reply to the sender by unicast.
//!
//! `discovery.toml` also holds personas that exist for discovery alone (one whose TCP ports all
//! drop SYNs, one answering WS-Discovery only by unicast); [`extra_personas`] adds them to the lab.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener, UdpSocket as StdUdp};
use std::sync::Arc;

use serde::Deserialize;
use socket2::{Domain, SockFilter, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::persona::Persona;
use super::{LabError, PersonaStats};
use crate::wire::{dhcp, dhdiscover, discovery, mdns, sadp, ssdp, vivotek, wsd, xmeye};

const BUNDLED: &str = include_str!("discovery.toml");
/// Largest inquiry read.
const MAX_DATAGRAM: usize = 4096;

/// The discovery file: per-persona protocol data, plus discovery-only personas.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryFile {
    #[serde(default, rename = "device")]
    pub devices: Vec<DeviceDiscovery>,
    #[serde(default, rename = "persona")]
    pub personas: Vec<Persona>,
}

/// What one persona answers to discovery.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceDiscovery {
    pub persona: String,
    /// Every TCP port camsweep sweeps drops SYNs (a socket filter on a listener), as behind a
    /// host firewall: the device is reachable through discovery only.
    #[serde(default)]
    pub filtered_tcp: bool,
    pub wsd: Option<WsdData>,
    pub ssdp: Option<SsdpData>,
    /// A UPnP Internet Gateway Device (the lab router): answers SSDP with its root description
    /// and serves its port-mapping table to `GetGenericPortMappingEntry`.
    pub igd: Option<IgdData>,
    pub mdns: Option<MdnsData>,
    pub sadp: Option<SadpData>,
    pub dhdiscover: Option<DhData>,
    pub xmeye: Option<XmData>,
    pub vivotek: Option<VivotekData>,
    /// Broadcasts a DHCPREQUEST (INIT-REBOOT, RFC 2131 §4.3.2) every half second, as a device
    /// confirming its lease does, with these options 12 and 60.
    pub dhcp: Option<DhcpData>,
    /// Replies sent verbatim to whatever arrives on a protocol's port (the hostile lab: entity
    /// bombs, injected text, floods, oversized datagrams, LOCATION pointing elsewhere).
    #[serde(default)]
    pub raw: Vec<RawReply>,
}

/// One verbatim discovery reply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReply {
    /// `ws-discovery`, `ssdp`, `mdns`, `sadp`, `dhdiscover`, `xmeye` or `vivotek`.
    pub protocol: String,
    /// The datagram; `{n}` is replaced by the copy's number.
    pub reply: String,
    /// Datagrams sent per inquiry (a flood when large).
    #[serde(default = "one")]
    pub copies: usize,
    /// Padded with spaces to this many bytes (an oversized datagram when large).
    #[serde(default)]
    pub pad_to: usize,
}

fn one() -> usize {
    1
}

impl DeviceDiscovery {
    fn raw_for(&self, protocol: Protocol) -> impl Iterator<Item = &RawReply> {
        self.raw
            .iter()
            .filter(move |r| r.protocol == protocol.name())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DhcpData {
    pub hostname: String,
    pub vendor_class: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsdData {
    pub name: String,
    pub hardware: String,
    pub location: Option<String>,
    /// Types announced (default: transmitter + device).
    #[serde(default)]
    pub types: Vec<String>,
    /// Not in the multicast group: answers only Probes sent to its own address.
    #[serde(default)]
    pub unicast_only: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsdpData {
    pub server: String,
    pub description_port: u16,
    pub manufacturer: String,
    pub model_name: String,
    pub model_number: Option<String>,
    pub serial: Option<String>,
    pub friendly_name: Option<String>,
}

/// The lab gateway's UPnP IGD: its root description (served at `/rootDesc.xml` on `port`; the
/// WAN connection service and control URL are read from it) and its port-mapping table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgdData {
    pub server: String,
    pub port: u16,
    pub description: String,
    #[serde(default)]
    pub mappings: Vec<IgdMapping>,
}

/// One entry of the lab gateway's port-mapping table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgdMapping {
    pub protocol: String,
    pub external_port: u16,
    pub internal_client: String,
    pub internal_port: u16,
    #[serde(default)]
    pub remote_host: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
    pub description: String,
    #[serde(default)]
    pub lease_duration: u32,
}

fn enabled() -> bool {
    true
}

/// The path the lab gateway serves its root description at (MiniUPnPd's).
pub const IGD_DESCRIPTION_PATH: &str = "/rootDesc.xml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MdnsData {
    pub service: String,
    pub instance: String,
    pub hostname: String,
    pub port: u16,
    #[serde(default)]
    pub txt: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SadpData {
    pub description: String,
    pub device_type: String,
    pub serial: String,
    pub firmware: String,
    pub dsp_version: Option<String>,
    pub activated: bool,
    pub support_hc_platform: bool,
    pub hc_platform_enable: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DhData {
    pub device_type: String,
    pub serial: String,
    pub version: String,
    pub vendor: String,
    pub machine_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XmData {
    pub hostname: String,
    pub serial: String,
    pub version: String,
    pub build_date: Option<String>,
}

/// What a VIVOTEK device answers to the search (its MAC and address are the persona's).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VivotekData {
    /// The short name: the model.
    pub model: String,
    pub long_name: Option<String>,
}

/// The bundled discovery file.
///
/// # Errors
/// [`LabError::Spec`] when the embedded file does not parse.
pub fn bundled() -> Result<DiscoveryFile, LabError> {
    toml::from_str(BUNDLED).map_err(|e| LabError::Spec {
        persona: None,
        reason: format!("discovery.toml: {e}"),
    })
}

/// Personas that exist for discovery alone.
///
/// # Errors
/// As [`bundled`].
pub fn extra_personas() -> Result<Vec<Persona>, LabError> {
    Ok(bundled()?.personas)
}

/// The discovery data of one persona, if any.
pub fn for_persona(name: &str) -> Option<DeviceDiscovery> {
    bundled()
        .ok()?
        .devices
        .into_iter()
        .find(|d| d.persona == name)
}

/// Sockets bound inside the persona's namespace (before its address exists).
#[derive(Debug, Default)]
pub struct Bound {
    udp: Vec<(Protocol, StdUdp)>,
    description: Option<StdListener>,
    /// The IGD's HTTP listener (description and SOAP control).
    igd: Option<StdListener>,
    /// Listeners whose filter drops every SYN; kept open so the ports stay filtered.
    filtered: Vec<StdListener>,
    /// The DHCP client socket (port 68), for personas that announce themselves by DHCP.
    dhcp: Option<StdUdp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Wsd,
    Ssdp,
    Mdns,
    Sadp,
    DhDiscover,
    Xmeye,
    Vivotek,
}

impl Protocol {
    /// The scanner's side of the protocol: port and group.
    fn row(self) -> &'static discovery::Protocol {
        match self {
            Self::Wsd => &wsd::DISCOVERY,
            Self::Ssdp => &ssdp::DISCOVERY,
            Self::Mdns => &mdns::DISCOVERY,
            Self::Sadp => &sadp::DISCOVERY,
            Self::DhDiscover => &dhdiscover::DISCOVERY,
            Self::Xmeye => &xmeye::DISCOVERY,
            Self::Vivotek => &vivotek::DISCOVERY,
        }
    }

    fn port(self) -> u16 {
        self.row().port
    }

    fn name(self) -> &'static str {
        match self {
            Self::Wsd => "ws-discovery",
            Self::Ssdp => "ssdp",
            Self::Mdns => "mdns",
            Self::Sadp => "sadp",
            Self::DhDiscover => "dhdiscover",
            Self::Xmeye => "xmeye",
            Self::Vivotek => "vivotek",
        }
    }
}

/// Binds the persona's discovery sockets; call inside its namespace. `swept_ports` are the TCP
/// ports to filter when the persona has `filtered_tcp`.
///
/// # Errors
/// [`LabError::Listen`] naming the port.
pub fn bind(
    persona: &Persona,
    data: &DeviceDiscovery,
    swept_ports: &[u16],
) -> Result<Bound, LabError> {
    let fail = |kind: &'static str, port: u16| {
        move |source| LabError::Listen {
            persona: persona.name.clone(),
            kind,
            port,
            source,
        }
    };
    let mut bound = Bound::default();
    let wanted = [
        (Protocol::Wsd, data.wsd.is_some()),
        (Protocol::Ssdp, data.ssdp.is_some() || data.igd.is_some()),
        (Protocol::Mdns, data.mdns.is_some()),
        (Protocol::Sadp, data.sadp.is_some()),
        (Protocol::DhDiscover, data.dhdiscover.is_some()),
        (Protocol::Xmeye, data.xmeye.is_some()),
        (Protocol::Vivotek, data.vivotek.is_some()),
    ];
    if let Some(unknown) = data.raw.iter().find(|r| {
        !wanted
            .iter()
            .any(|(protocol, _)| protocol.name() == r.protocol)
    }) {
        return Err(LabError::Spec {
            persona: Some(persona.name.clone()),
            reason: format!("raw reply for unknown protocol {:?}", unknown.protocol),
        });
    }
    for (protocol, on) in wanted {
        if !on && data.raw_for(protocol).next().is_none() {
            continue;
        }
        let port = protocol.port();
        let sock = StdUdp::bind(("0.0.0.0", port)).map_err(fail(protocol.name(), port))?;
        sock.set_nonblocking(true)
            .map_err(fail(protocol.name(), port))?;
        bound.udp.push((protocol, sock));
    }
    if let Some(s) = &data.ssdp {
        let port = s.description_port;
        let l = StdListener::bind(("0.0.0.0", port)).map_err(fail("upnp-description", port))?;
        l.set_nonblocking(true)
            .map_err(fail("upnp-description", port))?;
        bound.description = Some(l);
    }
    if let Some(g) = &data.igd {
        let l = StdListener::bind(("0.0.0.0", g.port)).map_err(fail("upnp-igd", g.port))?;
        l.set_nonblocking(true).map_err(fail("upnp-igd", g.port))?;
        bound.igd = Some(l);
    }
    if data.dhcp.is_some() {
        let port = dhcp::CLIENT_PORT;
        let sock = StdUdp::bind(("0.0.0.0", port)).map_err(fail("dhcp", port))?;
        sock.set_broadcast(true).map_err(fail("dhcp", port))?;
        sock.set_nonblocking(true).map_err(fail("dhcp", port))?;
        bound.dhcp = Some(sock);
    }
    if data.filtered_tcp {
        for &port in swept_ports {
            bound
                .filtered
                .push(filtered_listener(port).map_err(fail("filtered", port))?);
        }
    }
    Ok(bound)
}

/// A listener whose socket filter drops every packet: a SYN to the port is discarded without
/// SYN-ACK or RST, which is what a host firewall's DROP looks like from the scanner.
fn filtered_listener(port: u16) -> std::io::Result<StdListener> {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    // BPF `ret #0`: accept zero bytes of every packet, i.e. drop it.
    s.attach_filter(&[SockFilter::new(0x06, 0, 0, 0)])?;
    s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)).into())?;
    s.listen(16)?;
    Ok(s.into())
}

/// Joins the multicast groups (now that the persona has its address) and starts the responders.
///
/// # Errors
/// [`LabError::Listen`] when a socket cannot join its group or be handed to tokio.
pub fn serve(
    persona: &Arc<Persona>,
    data: DeviceDiscovery,
    bound: Bound,
    stats: &Arc<PersonaStats>,
) -> Result<Vec<JoinHandle<()>>, LabError> {
    let data = Arc::new(data);
    let mut tasks = Vec::new();
    for (protocol, sock) in bound.udp {
        let fail = |source| LabError::Listen {
            persona: persona.name.clone(),
            kind: protocol.name(),
            port: protocol.port(),
            source,
        };
        let group = match protocol {
            Protocol::Wsd if data.wsd.as_ref().is_some_and(|w| w.unicast_only) => None,
            _ => protocol.row().group,
        };
        if let Some(group) = group {
            sock.join_multicast_v4(&group, &persona.ip).map_err(fail)?;
        }
        let sock = UdpSocket::from_std(sock).map_err(fail)?;
        tasks.push(tokio::spawn(answer_loop(
            Arc::clone(persona),
            Arc::clone(&data),
            protocol,
            sock,
        )));
    }
    if let (Some(listener), Some(s)) = (bound.description, data.ssdp.clone()) {
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|source| LabError::Listen {
                persona: persona.name.clone(),
                kind: "upnp-description",
                port: s.description_port,
                source,
            })?;
        tasks.push(tokio::spawn(description_loop(
            listener,
            s,
            Arc::clone(stats),
        )));
    }
    if let (Some(listener), Some(g)) = (bound.igd, data.igd.clone()) {
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|source| LabError::Listen {
                persona: persona.name.clone(),
                kind: "upnp-igd",
                port: g.port,
                source,
            })?;
        tasks.push(tokio::spawn(igd_loop(listener, g, Arc::clone(stats))));
    }
    if let (Some(sock), Some(d)) = (bound.dhcp, data.dhcp.clone()) {
        let sock = UdpSocket::from_std(sock).map_err(|source| LabError::Listen {
            persona: persona.name.clone(),
            kind: "dhcp",
            port: dhcp::CLIENT_PORT,
            source,
        })?;
        let mac = persona.mac_bytes().map_err(|reason| LabError::Spec {
            persona: Some(persona.name.clone()),
            reason,
        })?;
        let message = dhcp::ClientMessage {
            message_type: Some(dhcp::DHCPREQUEST),
            mac,
            address: Some(persona.ip),
            hostname: Some(d.hostname),
            vendor_class: Some(d.vendor_class),
        };
        tasks.push(tokio::spawn(dhcp_loop(sock, message)));
    }
    if !bound.filtered.is_empty() {
        let filtered = bound.filtered;
        // The listeners live as long as the lab: this task only holds them.
        tasks.push(tokio::spawn(async move {
            let _filtered = filtered;
            std::future::pending::<()>().await;
        }));
    }
    Ok(tasks)
}

async fn dhcp_loop(sock: UdpSocket, message: dhcp::ClientMessage) {
    let to = SocketAddr::from((Ipv4Addr::BROADCAST, dhcp::SERVER_PORT));
    let mut xid: u32 = u32::from_be_bytes([
        message.mac[2],
        message.mac[3],
        message.mac[4],
        message.mac[5],
    ]);
    loop {
        let _ = sock.send_to(&dhcp::client_message(&message, xid), to).await;
        xid = xid.wrapping_add(1);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

async fn answer_loop(
    persona: Arc<Persona>,
    data: Arc<DeviceDiscovery>,
    protocol: Protocol,
    sock: UdpSocket,
) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let Ok((n, from)) = sock.recv_from(&mut buf).await else {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        if data.raw_for(protocol).next().is_some() {
            for raw in data.raw_for(protocol) {
                for copy in 0..raw.copies {
                    let mut reply = raw.reply.replace("{n}", &copy.to_string()).into_bytes();
                    if reply.len() < raw.pad_to {
                        reply.resize(raw.pad_to, b' ');
                    }
                    let _ = sock.send_to(&reply, from).await;
                }
            }
        } else if let Some(reply) = answer(&persona, &data, protocol, &buf[..n]) {
            let _ = sock.send_to(&reply, from).await;
        }
    }
}

/// The reply to one inquiry, or `None` for anything that is not this protocol's inquiry.
fn answer(
    persona: &Persona,
    data: &DeviceDiscovery,
    protocol: Protocol,
    inquiry: &[u8],
) -> Option<Vec<u8>> {
    let text = || String::from_utf8_lossy(inquiry).into_owned();
    let mac = persona.mac.to_ascii_lowercase();
    match protocol {
        Protocol::Wsd => {
            let w = data.wsd.as_ref()?;
            let probe = wsd::parse_probe(&text()).ok()??;
            let types = if w.types.is_empty() {
                vec![wsd::TYPE_NVT.to_string(), wsd::TYPE_DEVICE.to_string()]
            } else {
                w.types.clone()
            };
            let wanted = probe.types.iter().all(|t| {
                let local = t.rsplit(':').next().unwrap_or(t);
                types
                    .iter()
                    .any(|have| have.rsplit(':').next() == Some(local))
            });
            if !wanted {
                return None;
            }
            let enc = |s: &str| s.replace('%', "%25").replace(' ', "%20");
            let mut scopes = vec![
                "onvif://www.onvif.org/Profile/Streaming".to_string(),
                "onvif://www.onvif.org/type/video_encoder".to_string(),
                format!("onvif://www.onvif.org/name/{}", enc(&w.name)),
                format!("onvif://www.onvif.org/hardware/{}", enc(&w.hardware)),
                format!("onvif://www.onvif.org/MAC/{mac}"),
            ];
            if let Some(l) = &w.location {
                scopes.push(format!("onvif://www.onvif.org/location/{}", enc(l)));
            }
            let m = wsd::ProbeMatch {
                endpoint: Some(format!("urn:uuid:{}", endpoint_uuid(&mac))),
                types,
                scopes,
                xaddrs: vec![format!("http://{}/onvif/device_service", persona.ip)],
            };
            let relates = probe.message_id.unwrap_or_default();
            Some(wsd::probe_matches(&relates, &endpoint_uuid(&relates), &m).into_bytes())
        }
        Protocol::Ssdp if let Some(g) = &data.igd => {
            ssdp::parse_m_search(&text())?;
            let r = ssdp::Response {
                location: Some(format!(
                    "http://{}:{}{IGD_DESCRIPTION_PATH}",
                    persona.ip, g.port
                )),
                server: Some(g.server.clone()),
                st: Some("upnp:rootdevice".into()),
                usn: Some(format!("uuid:{}::upnp:rootdevice", endpoint_uuid(&mac))),
            };
            Some(ssdp::response(&r).into_bytes())
        }
        Protocol::Ssdp => {
            let s = data.ssdp.as_ref()?;
            ssdp::parse_m_search(&text())?;
            let r = ssdp::Response {
                location: Some(format!(
                    "http://{}:{}/description.xml",
                    persona.ip, s.description_port
                )),
                server: Some(s.server.clone()),
                st: Some("upnp:rootdevice".into()),
                usn: Some(format!("uuid:{}::upnp:rootdevice", endpoint_uuid(&mac))),
            };
            Some(ssdp::response(&r).into_bytes())
        }
        Protocol::Mdns => {
            let m = data.mdns.as_ref()?;
            let (id, names) = mdns::parse_query(inquiry)?;
            let enumerate = names.iter().any(|n| n.eq_ignore_ascii_case(mdns::SERVICES));
            let asked = names.iter().any(|n| n.eq_ignore_ascii_case(&m.service));
            if !enumerate && !asked {
                return None;
            }
            let instance = mdns::Instance {
                name: format!("{}.{}", m.instance, m.service),
                service: m.service.clone(),
                port: Some(m.port),
                target: Some(m.hostname.clone()),
                txt: m.txt.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            };
            mdns::reply(id, &instance, persona.ip, enumerate)
        }
        Protocol::Sadp => {
            let s = data.sadp.as_ref()?;
            let uuid = sadp::parse_inquiry(&text())?;
            let m = sadp::ProbeMatch {
                uuid: Some(uuid),
                device_type: Some(s.device_type.clone()),
                description: Some(s.description.clone()),
                serial: Some(s.serial.clone()),
                mac: Some(mac.replace(':', "-")),
                ipv4: Some(persona.ip.to_string()),
                software_version: Some(s.firmware.clone()),
                dsp_version: s.dsp_version.clone(),
                http_port: Some("80".into()),
                command_port: Some("8000".into()),
                activated: Some(s.activated.to_string()),
                dhcp: Some("false".into()),
                support_hc_platform: Some(s.support_hc_platform.to_string()),
                hc_platform_enable: Some(s.hc_platform_enable.to_string()),
            };
            Some(sadp::probe_match(&m).into_bytes())
        }
        Protocol::DhDiscover => {
            let d = data.dhdiscover.as_ref()?;
            let body = dhdiscover::parse_frame(inquiry).ok()?;
            if dhdiscover::method(&body)? != dhdiscover::METHOD_SEARCH {
                return None;
            }
            Some(dhdiscover::notify_dev_info(&dhdiscover::DeviceInfo {
                device_type: Some(d.device_type.clone()),
                serial: Some(d.serial.clone()),
                version: Some(d.version.clone()),
                vendor: Some(d.vendor.clone()),
                machine_name: d.machine_name.clone(),
                mac: Some(mac),
                ipv4: Some(persona.ip.to_string()),
                http_port: Some(80),
            }))
        }
        Protocol::Xmeye => {
            let x = data.xmeye.as_ref()?;
            let (message, _) = xmeye::parse_frame(inquiry).ok()?;
            if message != xmeye::MSG_SEARCH {
                return None;
            }
            Some(xmeye::search_reply(&xmeye::NetCommon {
                hostname: Some(x.hostname.clone()),
                mac: Some(mac),
                serial: Some(x.serial.clone()),
                version: Some(x.version.clone()),
                build_date: x.build_date.clone(),
                ipv4: Some(persona.ip),
                tcp_port: Some(34567),
                http_port: Some(80),
                device_type: None,
            }))
        }
        Protocol::Vivotek => {
            let v = data.vivotek.as_ref()?;
            let session = vivotek::parse_search(inquiry)?;
            Some(vivotek::answer(
                session,
                &vivotek::Answer {
                    long_name: v.long_name.clone(),
                    mac: Some(mac),
                    ipv4: Some(persona.ip),
                    model: Some(v.model.clone()),
                },
            ))
        }
    }
}

/// A stable UUID-shaped string derived from `seed` (no randomness needed in the lab).
fn endpoint_uuid(seed: &str) -> String {
    let hex: String = md5::Md5::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

use md5::Digest;

/// Serves the UPnP description at `/description.xml`, one small request per connection.
async fn description_loop(
    listener: tokio::net::TcpListener,
    s: SsdpData,
    stats: Arc<PersonaStats>,
) {
    let body = ssdp::description(&ssdp::Description {
        device_type: Some("urn:schemas-upnp-org:device:Basic:1".into()),
        friendly_name: s.friendly_name.clone(),
        manufacturer: Some(s.manufacturer.clone()),
        model_name: Some(s.model_name.clone()),
        model_number: s.model_number.clone(),
        model_description: None,
        serial_number: s.serial.clone(),
    });
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        stats
            .connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = body.clone();
        let server = s.server.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            let read =
                tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf))
                    .await;
            let Ok(Ok(n)) = read else { return };
            let request = String::from_utf8_lossy(&buf[..n]);
            let reply = if request.starts_with("GET /description.xml ") {
                format!(
                    "HTTP/1.1 200 OK\r\nSERVER: {server}\r\nCONTENT-TYPE: text/xml\r\nCONTENT-LENGTH: {}\r\nCONNECTION: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nCONTENT-LENGTH: 0\r\nCONNECTION: close\r\n\r\n"
                    .to_string()
            };
            let _ = stream.write_all(reply.as_bytes()).await;
        });
    }
}

/// Serves the IGD: the root description and `GetGenericPortMappingEntry`, one request per
/// connection (MiniUPnPd closes after each answer).
async fn igd_loop(listener: tokio::net::TcpListener, g: IgdData, stats: Arc<PersonaStats>) {
    let g = Arc::new(g);
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        stats
            .connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let g = Arc::clone(&g);
        let stats = Arc::clone(&stats);
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let Ok((request, body)) = super::serve::read_request(&mut stream, &mut buf).await
            else {
                return;
            };
            if request.method == "POST" {
                stats
                    .igd_control_requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let answer = super::responders::igd::respond(&g, &request, &body);
            let _ = stream
                .write_all(&answer.to_bytes(request.method == "HEAD"))
                .await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_file_parses_and_names_known_personas() {
        let file = bundled().unwrap();
        let spec = super::super::LabSpec::bundled().unwrap();
        for d in &file.devices {
            assert!(
                spec.personas.iter().any(|p| p.name == d.persona),
                "discovery.toml names unknown persona {}",
                d.persona
            );
        }
    }

    /// The VIVOTEK persona answers the table's search with its model and MAC, read back by the
    /// table's parser, and ignores anything else on the port.
    #[test]
    fn vivotek_answers_the_search() {
        let file = bundled().unwrap();
        let spec = super::super::LabSpec::bundled().unwrap();
        let d = file.devices.iter().find(|d| d.vivotek.is_some()).unwrap();
        let p = spec.personas.iter().find(|p| p.name == d.persona).unwrap();
        let search = (vivotek::DISCOVERY.inquiry)(&mut String::new).remove(0);
        let reply = answer(p, d, Protocol::Vivotek, &search).unwrap();
        let read = (vivotek::DISCOVERY.parse)(p.ip.into(), &reply).unwrap();
        assert_eq!(read.mac.as_deref(), Some(p.mac.as_str()));
        assert!(
            read.atoms
                .iter()
                .any(|a| a.source() == "vivotek.model" && a.value == p.model)
        );
        assert!(
            answer(p, d, Protocol::Vivotek, &reply).is_none(),
            "a reply is no search"
        );
    }

    /// The responders answer the inquiries camsweep sends, and nothing else.
    #[test]
    fn answers_only_inquiries() {
        let file = bundled().unwrap();
        let spec = super::super::LabSpec::bundled().unwrap();
        let d = file.devices.iter().find(|d| d.sadp.is_some()).unwrap();
        let p = spec.personas.iter().find(|p| p.name == d.persona).unwrap();
        let reply = answer(p, d, Protocol::Sadp, sadp::inquiry("u-1").as_bytes()).unwrap();
        let m = sadp::parse_probe_match(&String::from_utf8_lossy(&reply))
            .unwrap()
            .unwrap();
        assert_eq!(m.uuid.as_deref(), Some("u-1"));
        assert!(
            answer(
                p,
                d,
                Protocol::Sadp,
                b"<Probe><Types>update</Types></Probe>"
            )
            .is_none()
        );
    }
}
