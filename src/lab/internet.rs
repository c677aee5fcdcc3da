//! The lab "internet": one namespace on the store's bridge holding every cloud address of
//! `uploads.toml` and the DNS server (all on 203.0.113.0/24), answering A queries for those names
//! and accepting TLS on 443, reading whatever is sent. It sits on the bridge like any host, so
//! the scanner's `lan0` sees every upload frame, as a mirror port would.

use std::fs::File;
use std::net::{SocketAddr, TcpListener as StdListener, UdpSocket as StdUdp};
use std::sync::Arc;

use simple_dns::rdata::{A, RData};
use simple_dns::{CLASS, Packet, QTYPE, ResourceRecord, TYPE};
use tokio::io::AsyncReadExt;

use super::persona::{CertificateSubject, LAB_SUBNET};
use super::topology::{Netlink, PERSONA_ETH_INDEX, VethPair};
use super::uploads::{DNS_IP, INTERNET, Upload};
use super::{LabError, ns, tls};

/// MAC of the internet's `eth0`: locally administered, so it names no vendor.
const INTERNET_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0xcb, 0x00, 0x71];
/// Seconds the lab DNS server's answers may be cached.
const TTL: u32 = 300;

/// The internet namespace once made, with its sockets bound.
pub struct Internet {
    pub handle: File,
    pub netlink: Netlink,
    dns: StdUdp,
    tls: StdListener,
}

fn bind_fail(port: u16) -> impl Fn(std::io::Error) -> LabError {
    move |source| LabError::Listen {
        persona: "lab internet".into(),
        kind: if port == 53 { "udp" } else { "tcp" },
        port,
        source,
    }
}

/// Makes the namespace and binds DNS (UDP 53) and TLS (TCP 443) on every address it will hold.
///
/// # Errors
/// [`LabError`] when the namespace or a socket cannot be made.
pub async fn make() -> Result<Internet, LabError> {
    let runtime = tokio::runtime::Handle::current();
    let made = tokio::task::spawn_blocking(move || {
        ns::new_netns("create the internet namespace", move || {
            let _runtime = runtime.enter();
            let netlink = Netlink::open("lab internet")?;
            let dns = StdUdp::bind(("0.0.0.0", 53)).map_err(bind_fail(53))?;
            dns.set_nonblocking(true).map_err(bind_fail(53))?;
            let tls = StdListener::bind(("0.0.0.0", 443)).map_err(bind_fail(443))?;
            tls.set_nonblocking(true).map_err(bind_fail(443))?;
            Ok::<_, LabError>((netlink, dns, tls))
        })
    })
    .await
    .map_err(|e| LabError::Namespace {
        step: "create the internet namespace",
        source: std::io::Error::other(e.to_string()),
    })?;
    let (handle, inside) = made?;
    let (netlink, dns, tls) = inside?;
    Ok(Internet {
        handle,
        netlink,
        dns,
        tls,
    })
}

/// The veth joining the internet to the bridge as port `port_index`.
pub fn pair<'a>(switch_ns: &'a File, port_index: u32, internet: &'a Internet) -> VethPair<'a> {
    VethPair {
        switch_ns,
        port_name: "sw-net".to_owned(),
        port_index,
        host_ns: &internet.handle,
        host_name: "eth0",
        host_index: Some(PERSONA_ETH_INDEX),
        host_mac: INTERNET_MAC,
    }
}

/// The router persona's address on its link to the lab internet (learning-switch labs).
pub const ROUTER_WAN_IP: std::net::Ipv4Addr = std::net::Ipv4Addr::new(203, 0, 113, 1);
/// Index of the router persona's second interface, `eth1`, towards the lab internet.
const ROUTER_WAN_INDEX: u32 = 3;
/// MAC of the router persona's `eth1`: locally administered.
const ROUTER_WAN_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0xcb, 0x00, 0x01];

/// Learning-switch labs: the internet hangs off the router persona (`eth1`, [`ROUTER_WAN_IP`])
/// instead of the bridge, so a device's uploads cross the switch only as frames to the router,
/// as in a shop. The router forwards between its two links (its own namespace's ip_forward: the
/// lab's router, not the inspector's host).
///
/// # Errors
/// [`LabError`] when the kernel refuses.
pub async fn attach_behind_router(
    root: &Netlink,
    router_ns: &File,
    router: &Netlink,
    internet: &Internet,
) -> Result<(), LabError> {
    root.add_link_veth(
        (&internet.handle, "eth0", PERSONA_ETH_INDEX),
        (router_ns, "eth1", ROUTER_WAN_INDEX, ROUTER_WAN_MAC),
    )
    .await?;
    router.link_up(ROUTER_WAN_INDEX).await?;
    router
        .add_ipv4(ROUTER_WAN_INDEX, ROUTER_WAN_IP, INTERNET.prefix_len())
        .await?;
    ns::in_netns(router_ns, "let the lab router forward", || {
        std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
    })?
    .map_err(|source| LabError::Namespace {
        step: "write ip_forward in the lab router's namespace",
        source,
    })
}

/// `lo` and `eth0` up, the DNS server's and every cloud address, and the store LAN reached
/// directly on the link (replies go straight back to the persona across the bridge), or via the
/// router persona when the internet sits behind it (`via_router`).
///
/// # Errors
/// [`LabError::Netlink`] when the kernel refuses.
pub async fn configure(
    internet: &Internet,
    uploads: &[Upload],
    via_router: bool,
) -> Result<(), LabError> {
    let netlink = &internet.netlink;
    netlink.loopback_up().await?;
    netlink.link_up(PERSONA_ETH_INDEX).await?;
    // The DNS server's address goes first: the first address of a subnet is the primary one, the
    // source of the replies sent from the server's 0.0.0.0 socket, and replies must come from the
    // address the device asked.
    let mut addresses = vec![DNS_IP];
    // Uploads to a LAN host (`to`) are not on the lab internet.
    for upload in uploads.iter().filter(|u| u.to.is_none()) {
        if !addresses.contains(&upload.ip) {
            addresses.push(upload.ip);
        }
    }
    for ip in addresses {
        netlink
            .add_ipv4(PERSONA_ETH_INDEX, ip, INTERNET.prefix_len())
            .await?;
    }
    if via_router {
        return netlink
            .route_via(LAB_SUBNET.network(), LAB_SUBNET.prefix_len(), ROUTER_WAN_IP)
            .await;
    }
    netlink
        .link_route(
            LAB_SUBNET.network(),
            LAB_SUBNET.prefix_len(),
            PERSONA_ETH_INDEX,
        )
        .await
}

/// Starts the DNS server and the TLS sink.
///
/// # Errors
/// [`LabError`] when the sockets cannot join the runtime or the certificate cannot be made.
pub fn serve(
    internet: Internet,
    uploads: &'static [Upload],
) -> Result<Vec<tokio::task::JoinHandle<()>>, LabError> {
    let dns = tokio::net::UdpSocket::from_std(internet.dns).map_err(bind_fail(53))?;
    let listener = tokio::net::TcpListener::from_std(internet.tls).map_err(bind_fail(443))?;
    let subject = CertificateSubject {
        cn: "lab internet".into(),
        ..CertificateSubject::default()
    };
    let config = tls::server_config(&subject, DNS_IP).map_err(|reason| LabError::Certificate {
        persona: "lab internet".into(),
        port: 443,
        reason,
    })?;
    Ok(vec![
        tokio::spawn(answer_dns(dns, uploads)),
        tokio::spawn(accept_tls(listener, config)),
    ])
}

async fn answer_dns(socket: tokio::net::UdpSocket, uploads: &'static [Upload]) {
    let mut buf = [0u8; 1500];
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        let Some(reply) = dns_reply(&buf[..len], uploads) else {
            continue;
        };
        if let Err(e) = socket.send_to(&reply, from).await {
            tracing::debug!(%from, "lab DNS reply: {e}");
        }
    }
}

/// The answer to one query: A records for the names of `uploads`, nothing for the rest.
fn dns_reply(query: &[u8], uploads: &[Upload]) -> Option<Vec<u8>> {
    let query = Packet::parse(query).ok()?;
    let mut reply = Packet::new_reply(query.id());
    for question in &query.questions {
        reply.questions.push(question.clone());
        if question.qtype != QTYPE::TYPE(TYPE::A) {
            continue;
        }
        let asked = question.qname.to_string();
        let known = uploads
            .iter()
            .filter(|u| u.to.is_none())
            .find(|u| u.name.eq_ignore_ascii_case(asked.trim_end_matches('.')));
        if let Some(upload) = known {
            reply.answers.push(ResourceRecord::new(
                question.qname.clone(),
                CLASS::IN,
                TTL,
                RData::A(A {
                    address: u32::from(upload.ip),
                }),
            ));
        }
    }
    reply.build_bytes_vec().ok()
}

async fn accept_tls(listener: tokio::net::TcpListener, config: Arc<rustls::ServerConfig>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let Ok((stream, from)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(sink(acceptor.clone(), stream, from));
    }
}

/// Completes the handshake and reads the upload until the device closes.
async fn sink(
    acceptor: tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    from: SocketAddr,
) {
    let mut tls = match acceptor.accept(stream).await {
        Ok(tls) => tls,
        Err(e) => {
            tracing::debug!(%from, "lab internet TLS: {e}");
            return;
        }
    };
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = tls.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use simple_dns::{Name, QCLASS, Question};

    #[test]
    fn answers_the_names_of_the_uploads_only() {
        let uploads = crate::lab::uploads::bundled().expect("bundled uploads parse");
        let ask = |name: &str| {
            let mut q = Packet::new_query(7);
            q.questions.push(Question::new(
                Name::new_unchecked(name),
                QTYPE::TYPE(TYPE::A),
                QCLASS::CLASS(CLASS::IN),
                false,
            ));
            let reply = dns_reply(&q.build_bytes_vec().expect("query"), uploads).expect("reply");
            let reply = Packet::parse(&reply).expect("parse").into_reply();
            reply
                .answers
                .iter()
                .filter_map(|r| match &r.rdata {
                    RData::A(a) => Some(std::net::Ipv4Addr::from(a.address)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ask("api-us.faceplusplus.com"),
            vec![std::net::Ipv4Addr::new(203, 0, 113, 10)]
        );
        assert!(ask("example.com").is_empty());
    }
}
