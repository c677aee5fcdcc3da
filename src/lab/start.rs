//! Bringing the lab up, concurrently where it pays: namespaces are made on parallel threads,
//! netlink requests for different hosts are in flight together.

use std::fs::File;
use std::net::TcpListener as StdListener;
use std::sync::Arc;

use futures::future::try_join_all;

use super::persona::{GATEWAY_IP, SCANNER_IP, Service};
use super::serve::{self, Responder};
use super::topology::{
    INLINE_ROUTER_SIDE, INLINE_ROUTER_SIDE_INDEX, INLINE_SWITCH_SIDE, INLINE_SWITCH_SIDE_MAC,
    Netlink, PERSONA_ETH_INDEX, SCANNER_INTERFACE, SWITCH_PORT_BASE, Switch, VethPair,
};
use super::{
    Lab, LabError, LabSpec, Persona, PersonaStats, discovery, groups, internet, ns, tls, uploads,
};

/// MAC of the scanner's `lan0`: locally administered, so it names no vendor.
const SCANNER_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x18, 0x00, 0x02];

/// A persona's namespace once made: its handle, a netlink connection and bound listeners.
struct PersonaNs {
    persona: Arc<Persona>,
    handle: File,
    netlink: Netlink,
    listeners: Vec<(u16, StdListener)>,
    /// Discovery data and sockets, for personas listed in `discovery.toml`.
    discovery: Option<(discovery::DeviceDiscovery, discovery::Bound)>,
}

pub async fn start(spec: &LabSpec, switch_kind: Switch) -> Result<Lab, LabError> {
    let began = std::time::Instant::now();
    let root = Netlink::open("lab root")?;
    let foreign: Vec<String> = root
        .interface_names()
        .await?
        .into_iter()
        .filter(|n| n != "lo")
        .collect();
    if !foreign.is_empty() {
        return Err(LabError::NotIsolated {
            interfaces: foreign.join(", "),
        });
    }
    let root_ns = ns::current_netns().map_err(|source| LabError::Namespace {
        step: "open the lab root namespace",
        source,
    })?;

    let switch =
        tokio::task::spawn_blocking(|| ns::new_netns("create the switch namespace", || ()));
    let subnet = spec.subnet();
    // The TCP ports a `filtered_tcp` persona drops SYNs on: the default sweep set, read once.
    let swept: Arc<[u16]> = if spec.discovery.iter().any(|d| d.filtered_tcp) {
        crate::bundle::builtin_ports()
            .map_err(|e| LabError::Spec {
                persona: None,
                reason: format!("the built-in port set: {e}"),
            })?
            .ports
            .into()
    } else {
        Arc::from([])
    };
    let personas = try_join_all(spec.personas.iter().map(|p| {
        make_persona_ns(
            Arc::new(p.clone()),
            spec.discovery_for(p.original_name()).cloned(),
            Arc::clone(&swept),
        )
    }));
    let host_groups = try_join_all(
        spec.groups
            .iter()
            .map(|g| groups::make(Arc::new(g.clone()))),
    );
    // The lab internet exists when some persona sends data out (uploads.toml); uploads to a
    // host on the lab LAN need none.
    let sending = spec
        .personas
        .iter()
        .any(|p| uploads::for_persona(&p.name).is_some_and(|u| u.to.is_none()));
    let internet = async {
        if sending {
            internet::make().await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (switch, personas, host_groups, internet) =
        tokio::join!(switch, personas, host_groups, internet);
    let (switch_ns, ()) = switch.map_err(joined("create the switch namespace"))??;
    let personas = personas?;
    let host_groups = host_groups?;
    let internet = internet?;

    // On a learning switch the internet hangs off the router persona, which must exist.
    let behind_router = switch_kind != Switch::Mirror && internet.is_some();
    let inline = switch_kind == Switch::Inline;
    if inline && !personas.iter().any(|p| p.persona.ip == GATEWAY_IP) {
        return Err(LabError::Spec {
            persona: None,
            reason: format!("an inline lab needs a router persona at {GATEWAY_IP}"),
        });
    }
    if behind_router && !personas.iter().any(|p| p.persona.ip == GATEWAY_IP) {
        return Err(LabError::Spec {
            persona: None,
            reason: format!(
                "a learning-switch lab with uploads needs a router persona at {GATEWAY_IP}"
            ),
        });
    }
    root.add_bridge(&switch_ns, switch_kind).await?;
    let scanner_pair = VethPair {
        switch_ns: &switch_ns,
        port_name: "sw-scan".to_owned(),
        port_index: SWITCH_PORT_BASE - 1,
        host_ns: &root_ns,
        host_name: SCANNER_INTERFACE,
        host_index: None,
        host_mac: SCANNER_MAC,
    };
    // Inline, the router is not on the switch: its cable ends in the lab root (below).
    let persona_pairs = personas
        .iter()
        .enumerate()
        .filter(|(_, p)| !(inline && p.persona.ip == GATEWAY_IP))
        .map(|(n, p)| persona_pair(&switch_ns, n, p))
        .collect::<Result<Vec<_>, _>>()?;
    let uplink_pair = inline.then(|| VethPair {
        switch_ns: &switch_ns,
        port_name: "sw-up".to_owned(),
        port_index: SWITCH_PORT_BASE - 2,
        host_ns: &root_ns,
        host_name: INLINE_SWITCH_SIDE,
        host_index: None,
        host_mac: INLINE_SWITCH_SIDE_MAC,
    });
    let too_many = || LabError::Spec {
        persona: None,
        reason: "too many personas".into(),
    };
    let group_pairs = host_groups
        .iter()
        .enumerate()
        .map(|(n, g)| {
            let port = u32::try_from(personas.len() + n)
                .ok()
                .and_then(|p| p.checked_add(SWITCH_PORT_BASE))
                .ok_or_else(too_many)?;
            Ok(groups::pair(&switch_ns, port, n, g))
        })
        .collect::<Result<Vec<_>, LabError>>()?;
    let internet_pair = match &internet {
        Some(_) if behind_router => None,
        Some(net) => {
            let port = u32::try_from(personas.len() + host_groups.len())
                .ok()
                .and_then(|n| n.checked_add(SWITCH_PORT_BASE))
                .ok_or_else(|| LabError::Spec {
                    persona: None,
                    reason: "too many personas".into(),
                })?;
            Some(internet::pair(&switch_ns, port, net))
        }
        None => None,
    };
    try_join_all(
        std::iter::once(&scanner_pair)
            .chain(&persona_pairs)
            .chain(&group_pairs)
            .chain(&internet_pair)
            .chain(&uplink_pair)
            .map(|pair| root.add_veth(pair)),
    )
    .await?;
    if inline {
        let router = personas
            .iter()
            .find(|p| p.persona.ip == GATEWAY_IP)
            .ok_or_else(|| LabError::Spec {
                persona: None,
                reason: format!("no router persona at {GATEWAY_IP}"),
            })?;
        let router_mac = router
            .persona
            .mac_bytes()
            .map_err(|reason| LabError::Spec {
                persona: Some(router.persona.name.clone()),
                reason,
            })?;
        root.add_link_veth(
            (&root_ns, INLINE_ROUTER_SIDE, INLINE_ROUTER_SIDE_INDEX),
            (&router.handle, "eth0", PERSONA_ETH_INDEX, router_mac),
        )
        .await?;
        // The inspector's two ports, plugged in and up, with no address: nothing joins them yet.
        root.link_up(INLINE_ROUTER_SIDE_INDEX).await?;
        let down = root.index_of(INLINE_SWITCH_SIDE).await?;
        root.link_up(down).await?;
    }

    let lan0 = root.index_of(SCANNER_INTERFACE).await?;
    let scanner = async {
        root.link_up(lan0).await?;
        root.add_ipv4(lan0, SCANNER_IP, subnet.prefix_len()).await
    };
    if let (true, Some(net)) = (behind_router, &internet) {
        let router = personas
            .iter()
            .find(|p| p.persona.ip == GATEWAY_IP)
            .ok_or_else(|| LabError::Spec {
                persona: None,
                reason: format!("no router persona at {GATEWAY_IP}"),
            })?;
        internet::attach_behind_router(&root, &router.handle, &router.netlink, net).await?;
    }
    let hosts = try_join_all(
        personas
            .iter()
            .map(|p| configure_persona(p, subnet.prefix_len(), behind_router)),
    );
    let grouped = try_join_all(
        host_groups
            .iter()
            .map(|g| groups::configure(g, subnet.prefix_len())),
    );
    let net = async {
        match &internet {
            Some(net) => internet::configure(net, uploads::bundled()?, behind_router).await,
            None => Ok(()),
        }
    };
    tokio::try_join!(scanner, hosts, grouped, net)?;

    let mut servers = Vec::new();
    let mut namespaces = vec![switch_ns];
    let mut netlink = vec![root];
    if let Some(net) = internet {
        let handle = net
            .handle
            .try_clone()
            .map_err(|source| LabError::Namespace {
                step: "keep the internet namespace",
                source,
            })?;
        namespaces.push(handle);
        servers.extend(internet::serve(net, uploads::bundled()?)?);
    }
    let mut stats = std::collections::BTreeMap::new();
    let mut upload_stats = std::collections::BTreeMap::new();
    let mut persona_handles = Vec::new();
    for persona_ns in personas {
        let counters = Arc::new(PersonaStats::default());
        stats.insert(persona_ns.persona.name.clone(), Arc::clone(&counters));
        if let Some(upload) = uploads::for_persona(&persona_ns.persona.name) {
            let counted = Arc::new(uploads::UploadStats::default());
            upload_stats.insert(persona_ns.persona.name.clone(), Arc::clone(&counted));
            servers.push(uploads::start(upload, &persona_ns.handle, counted)?);
        }
        servers.extend(serve_persona(
            &persona_ns.persona,
            persona_ns.listeners,
            &counters,
        )?);
        if let Some((data, bound)) = persona_ns.discovery {
            servers.extend(discovery::serve(
                &persona_ns.persona,
                data,
                bound,
                &counters,
            )?);
        }
        persona_handles.push(persona_ns.handle.try_clone().map_err(|source| {
            LabError::Namespace {
                step: "keep a persona namespace",
                source,
            }
        })?);
        namespaces.push(persona_ns.handle);
        netlink.push(persona_ns.netlink);
    }
    for group_ns in host_groups {
        let (served, handle, group_netlink) = groups::serve(group_ns)?;
        servers.extend(served);
        namespaces.push(handle);
        netlink.push(group_netlink);
    }
    let startup = began.elapsed();
    tracing::info!(personas = spec.personas.len(), ?startup, "lab up");
    Ok(Lab {
        personas: spec.personas.clone(),
        groups: spec.groups.clone(),
        subnet,
        servers,
        namespaces,
        _netlink: netlink,
        startup,
        stats,
        upload_stats,
        switch: switch_kind,
        persona_ns: persona_handles,
    })
}

pub(super) fn joined(step: &'static str) -> impl FnOnce(tokio::task::JoinError) -> LabError {
    move |e| LabError::Namespace {
        step,
        source: std::io::Error::other(e.to_string()),
    }
}

/// Makes the persona's namespace on a blocking thread and, inside it, opens netlink and binds
/// every listening port (before any address exists, so on 0.0.0.0: the namespace has no other).
async fn make_persona_ns(
    persona: Arc<Persona>,
    discovery: Option<discovery::DeviceDiscovery>,
    swept: Arc<[u16]>,
) -> Result<PersonaNs, LabError> {
    let runtime = tokio::runtime::Handle::current();
    let inside = Arc::clone(&persona);
    let made = tokio::task::spawn_blocking(move || {
        ns::new_netns("create a persona namespace", move || {
            let _runtime = runtime.enter();
            let netlink = Netlink::open(&inside.name)?;
            let listeners = bind_listeners(&inside)?;
            let found = bind_discovery(&inside, discovery, &swept)?;
            Ok::<_, LabError>((netlink, listeners, found))
        })
    })
    .await
    .map_err(joined("create a persona namespace"))?;
    let (handle, inside) = made?;
    let (netlink, listeners, discovery) = inside?;
    Ok(PersonaNs {
        persona,
        handle,
        netlink,
        listeners,
        discovery,
    })
}

/// The persona's discovery sockets (and, on `swept`, filtered TCP ports), bound inside its
/// namespace.
fn bind_discovery(
    persona: &Persona,
    data: Option<discovery::DeviceDiscovery>,
    swept: &[u16],
) -> Result<Option<(discovery::DeviceDiscovery, discovery::Bound)>, LabError> {
    let Some(data) = data else {
        return Ok(None);
    };
    let bound = discovery::bind(persona, &data, swept)?;
    Ok(Some((data, bound)))
}

pub(super) fn bind_listeners(persona: &Persona) -> Result<Vec<(u16, StdListener)>, LabError> {
    let mut listeners = Vec::new();
    for service in &persona.services {
        let port = service.port();
        if matches!(service, Service::Onvif(_)) && persona.http_on_port(port).is_some() {
            continue;
        }
        let fail = |source| LabError::Listen {
            persona: persona.name.clone(),
            kind: service.kind(),
            port,
            source,
        };
        let listener = StdListener::bind(("0.0.0.0", port)).map_err(fail)?;
        listener.set_nonblocking(true).map_err(fail)?;
        listeners.push((port, listener));
    }
    Ok(listeners)
}

fn persona_pair<'a>(
    switch_ns: &'a File,
    n: usize,
    persona_ns: &'a PersonaNs,
) -> Result<VethPair<'a>, LabError> {
    let persona = &persona_ns.persona;
    let host_mac = persona.mac_bytes().map_err(|reason| LabError::Spec {
        persona: Some(persona.name.clone()),
        reason,
    })?;
    let port_index = u32::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(SWITCH_PORT_BASE));
    let port_index = port_index.ok_or_else(|| LabError::Spec {
        persona: Some(persona.name.clone()),
        reason: "too many personas".into(),
    })?;
    Ok(VethPair {
        switch_ns,
        port_name: format!("sw{n}"),
        port_index,
        host_ns: &persona_ns.handle,
        host_name: "eth0",
        host_index: Some(PERSONA_ETH_INDEX),
        host_mac,
    })
}

/// `lo` up, the persona's address on `eth0`, and a default route via the lab router.
async fn configure_persona(
    persona_ns: &PersonaNs,
    prefix: u8,
    internet_behind_router: bool,
) -> Result<(), LabError> {
    let netlink = &persona_ns.netlink;
    let ip = persona_ns.persona.ip;
    let lo = netlink.loopback_up();
    let eth0 = netlink.link_up(PERSONA_ETH_INDEX);
    let address = netlink.add_ipv4(PERSONA_ETH_INDEX, ip, prefix);
    tokio::try_join!(lo, eth0, address)?;
    if ip != GATEWAY_IP {
        netlink.default_route(GATEWAY_IP).await?;
    }
    if uploads::for_persona(&persona_ns.persona.name).is_some_and(|u| u.to.is_none())
        && !internet_behind_router
    {
        // The lab internet is a host on the bridge (see internet.rs), reached on the link.
        let net = uploads::INTERNET;
        netlink
            .link_route(net.network(), net.prefix_len(), PERSONA_ETH_INDEX)
            .await?;
    }
    Ok(())
}

/// Starts one accept loop per listener of the persona.
pub(super) fn serve_persona(
    persona: &Arc<Persona>,
    listeners: Vec<(u16, StdListener)>,
    stats: &Arc<PersonaStats>,
) -> Result<Vec<tokio::task::JoinHandle<()>>, LabError> {
    let mut servers = Vec::new();
    for (port, listener) in listeners {
        let responder = responder_for(persona, port)?;
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|source| LabError::Listen {
                persona: persona.name.clone(),
                kind: "tcp",
                port,
                source,
            })?;
        servers.push(tokio::spawn(serve::accept_loop(
            Arc::clone(persona),
            port,
            listener,
            responder,
            Arc::clone(stats),
        )));
    }
    Ok(servers)
}

fn responder_for(persona: &Persona, port: u16) -> Result<Responder, LabError> {
    let service = persona.services.iter().find(|s| {
        s.port() == port
            && !(matches!(s, Service::Onvif(_)) && persona.http_on_port(port).is_some())
    });
    let onvif = persona.onvif_on_port(port).cloned();
    Ok(match service {
        Some(Service::Http(web)) => Responder::Http {
            service: Box::new(web.clone()),
            onvif,
            tls: None,
        },
        Some(Service::Https(web)) => {
            let subject = web.certificate.clone().unwrap_or_default();
            let config = tls::server_config(&subject, persona.ip).map_err(|reason| {
                LabError::Certificate {
                    persona: persona.name.clone(),
                    port,
                    reason,
                }
            })?;
            Responder::Http {
                service: Box::new(web.clone()),
                onvif,
                tls: Some(config),
            }
        }
        Some(Service::Onvif(device)) => Responder::Onvif {
            service: device.clone(),
        },
        Some(Service::Rtsp(rtsp)) => Responder::Rtsp {
            service: rtsp.clone(),
        },
        Some(Service::Banner(banner)) => Responder::Banner {
            service: banner.clone(),
        },
        Some(Service::Zk(zk)) => Responder::Zk {
            service: zk.clone(),
        },
        Some(Service::Hostile(hostile)) => Responder::Hostile {
            service: hostile.clone(),
            reply: Arc::new(hostile.reply_bytes().map_err(|reason| LabError::Spec {
                persona: Some(persona.name.clone()),
                reason,
            })?),
        },
        Some(Service::Silent(silent)) => Responder::Silent {
            accepts_bytes: silent.accepts_bytes,
        },
        None => Responder::Silent {
            accepts_bytes: None,
        },
    })
}
