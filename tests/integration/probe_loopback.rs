//! Loopback fake devices: the sweep and the probes end to end, on 127.0.0.0/8 only.
//! Every listener binds port 0; nothing leaves the machine.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use camsweep::discover::{NoProgress, StaticNeighbours, SweepConfig, sweep_with};
use camsweep::model::{EvidenceSource as Src, HostObservation, OpenPort, SeenBy};
use camsweep::probe::{ProbeConfig, probe_host};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DATETIME: &str = include_str!("../fixtures/probe/onvif_get_system_date_and_time.xml");
const CAPABILITIES: &str = include_str!("../fixtures/probe/onvif_get_capabilities.xml");
const DEVICE_INFO: &str = include_str!("../fixtures/probe/onvif_get_device_information.xml");
const FAULT: &str = include_str!("../fixtures/probe/onvif_fault_not_authorized.xml");
/// Bytes of a tiny icon; its hashes are computed by the probe, not looked up.
const ICON: &[u8] = b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00fake-icon-bytes";

/// A reply of a fake HTTP device: status line, extra headers, body.
struct Reply {
    status: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn reply(
    status: &'static str,
    headers: &[(&'static str, &str)],
    body: impl Into<Vec<u8>>,
) -> Reply {
    Reply {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (*n, (*v).to_string()))
            .collect(),
        body: body.into(),
    }
}

type Route = fn(&str, &str, &str) -> Reply;

/// Reads one HTTP request (headers plus Content-Length body) and returns method, path, body.
async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> Option<(String, String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let mut first = head.lines().next()?.split(' ');
                let method = first.next()?.to_string();
                let path = first.next()?.to_string();
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                return Some((method, path, body));
            }
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn serve_http<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, route: Route) {
    while let Some((method, path, body)) = read_request(&mut s).await {
        let r = route(&method, &path, &body);
        let mut out = format!(
            "HTTP/1.1 {}\r\nContent-Length: {}\r\n",
            r.status,
            r.body.len()
        );
        for (n, v) in &r.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&r.body);
        if s.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

async fn http_device(ip: &str, route: Route) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(serve_http(s, route));
        }
    });
    addr
}

async fn https_device(ip: &str, route: Route) -> SocketAddr {
    use tokio_rustls::rustls;
    let mut params = rcgen::CertificateParams::new(vec!["192.0.2.64".to_string()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "IPC");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Dahua");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(s).await {
                    serve_http(tls, route).await;
                }
            });
        }
    });
    addr
}

/// ONVIF answers: date and capabilities pre-auth; device information per `info`.
fn onvif_reply(body: &str, info: Option<&'static str>) -> Reply {
    let soap = [("Content-Type", "application/soap+xml; charset=utf-8")];
    if body.contains("GetSystemDateAndTime") {
        reply("200 OK", &soap, DATETIME)
    } else if body.contains("GetCapabilities") {
        reply("200 OK", &soap, CAPABILITIES)
    } else if let Some(info) = info {
        reply("200 OK", &soap, info)
    } else {
        reply("400 Bad Request", &soap, FAULT)
    }
}

/// A Hikvision-like web UI: `/` redirects to the login page, a Digest-protected ISAPI path, an icon.
fn hik_route(method: &str, path: &str, body: &str) -> Reply {
    let server = [("Server", "App-webs/")];
    match (method, path) {
        ("GET", "/") => reply(
            "302 Found",
            &[("Location", "/doc/page/login.asp"), ("Server", "App-webs/")],
            "",
        ),
        ("GET", "/doc/page/login.asp") => reply(
            "200 OK",
            &server,
            "<html><head><title> Login </title><script src=\"../script/lib/jquery.js\"></script></head><body></body></html>",
        ),
        ("GET", "/ISAPI/Security/userCheck") => reply(
            "401 Unauthorized",
            &[
                (
                    "WWW-Authenticate",
                    r#"Digest qop="auth", realm="IP Camera(C6496)", nonce="4e6a6b35""#,
                ),
                ("Server", "App-webs/"),
            ],
            "",
        ),
        ("GET", "/favicon.ico") => reply("200 OK", &[("Content-Type", "image/x-icon")], ICON),
        ("POST", "/onvif/device_service") => onvif_reply(body, None),
        _ => reply("404 Not Found", &server, "<html><title>404</title></html>"),
    }
}

fn https_route(_: &str, path: &str, _: &str) -> Reply {
    match path {
        "/" => reply(
            "200 OK",
            &[("Server", "Webs")],
            "<html><head><title>WEB SERVICE</title></head></html>",
        ),
        _ => reply("404 Not Found", &[], ""),
    }
}

fn onvif_route(method: &str, path: &str, body: &str) -> Reply {
    match (method, path) {
        ("POST", "/onvif/device_service") => onvif_reply(body, Some(DEVICE_INFO)),
        _ => reply("404 Not Found", &[], ""),
    }
}

/// An RTSP server answering OPTIONS, challenging DESCRIBE, and speaking HTTP to `GET`.
async fn rtsp_device(ip: &str) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                while let Some((method, _, _)) = read_request(&mut s).await {
                    let out = match method.as_str() {
                        "OPTIONS" => {
                            "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Rtsp Server/3.0\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n\r\n"
                        }
                        "DESCRIBE" => {
                            "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"IP Camera(C1214)\", nonce=\"0191a41d\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"IP Camera(C1214)\"\r\n\r\n"
                        }
                        "GET" => {
                            "HTTP/1.0 400 Bad Request\r\nServer: Hikvision-Webs\r\nContent-Length: 0\r\n\r\n"
                        }
                        _ => "RTSP/1.0 405 Method Not Allowed\r\nCSeq: 9\r\n\r\n",
                    };
                    if s.write_all(out.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A port that greets like dropbear SSH, and one that accepts and never says anything.
async fn raw_devices(ip: &str) -> (SocketAddr, SocketAddr) {
    let banner = TcpListener::bind((ip, 0)).await.unwrap();
    let silent = TcpListener::bind((ip, 0)).await.unwrap();
    let (banner_addr, silent_addr) = (banner.local_addr().unwrap(), silent.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = banner.accept().await {
            let _ = s.write_all(b"SSH-2.0-dropbear_2019.78\r\n").await;
            tokio::spawn(async move {
                let _ = s.read(&mut [0u8; 16]).await;
            });
        }
    });
    tokio::spawn(async move {
        let mut held: Vec<TcpStream> = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    (banner_addr, silent_addr)
}

fn host_with(addr: SocketAddr, ports: &[(u16, &str)]) -> HostObservation {
    let mut host = HostObservation::new(addr.ip());
    host.open_ports = ports
        .iter()
        .map(|(port, service)| OpenPort {
            port: *port,
            protocol: "tcp".into(),
            service: (*service).into(),
        })
        .collect();
    host
}

fn quick_cfg() -> ProbeConfig {
    ProbeConfig {
        timeout: Duration::from_millis(800),
        host_deadline: Duration::from_secs(5),
        ..ProbeConfig::default()
    }
}

fn vals(host: &HostObservation, source: &str) -> Vec<String> {
    host.values(source).map(str::to_string).collect()
}

/// The HTTP camera: redirect followed, login title, Digest realm on a vendor path, favicon hashes, ONVIF pre-auth.
#[tokio::test]
async fn http_camera_evidence() {
    let addr = http_device("127.0.0.11", hik_route).await;
    let mut host = host_with(addr, &[(addr.port(), "http")]);
    probe_host(&mut host, &quick_cfg()).await;

    assert_eq!(host.open_ports[0].service, "http");
    assert_eq!(vals(&host, Src::HTTP_REDIRECT), vec!["/doc/page/login.asp"]);
    assert_eq!(vals(&host, Src::HTTP_TITLE), vec!["Login"]);
    assert!(vals(&host, Src::HTTP_SERVER).contains(&"App-webs/".to_string()));
    assert_eq!(vals(&host, Src::HTTP_REALM), vec!["IP Camera(C6496)"]);
    let paths = vals(&host, Src::HTTP_PATH);
    assert!(
        paths.contains(&"/doc/page/login.asp".to_string())
            && paths.contains(&"/ISAPI/Security/userCheck".to_string()),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&"/RPC2_Login".to_string()),
        "404s are not recorded"
    );
    assert_eq!(vals(&host, Src::HTTP_SCRIPT), vec!["jquery.js"]);
    assert_eq!(vals(&host, Src::HTTP_FAVICON_MD5).len(), 1);
    assert!(
        vals(&host, Src::HTTP_FAVICON_MMH3)[0]
            .parse::<i32>()
            .is_ok()
    );
    assert_eq!(
        vals(&host, Src::ONVIF_DATETIME),
        vec!["2024-03-05T08:07:09Z"]
    );
    assert!(vals(&host, Src::ONVIF_SERVICE).contains(&"Media".to_string()));
    assert_eq!(
        vals(&host, Src::ONVIF_FAULT),
        vec!["ter:NotAuthorized: Sender not Authorized"]
    );
    assert!(host.evidence.iter().all(|e| e.port == Some(addr.port())));
}

/// The HTTPS camera: self-signed certificate accepted, subject recorded, TLS found first.
#[tokio::test]
async fn https_camera_certificate() {
    let addr = https_device("127.0.0.12", https_route).await;
    let mut host = host_with(addr, &[(addr.port(), "https")]);
    probe_host(&mut host, &quick_cfg()).await;

    assert_eq!(host.open_ports[0].service, "https");
    assert_eq!(vals(&host, Src::HTTP_TITLE), vec!["WEB SERVICE"]);
    let subject = vals(&host, Src::TLS_SUBJECT);
    assert!(
        subject[0].contains("CN=IPC") && subject[0].contains("O=Dahua"),
        "{subject:?}"
    );
    assert!(vals(&host, Src::TLS_ERROR).is_empty());
}

/// An HTTPS port probed as plain HTTP first still ends up recognised as HTTPS.
#[tokio::test]
async fn tls_found_on_an_http_guess() {
    let addr = https_device("127.0.0.16", https_route).await;
    let mut host = host_with(addr, &[(addr.port(), "http")]);
    probe_host(&mut host, &quick_cfg()).await;
    assert_eq!(host.open_ports[0].service, "https");
    assert_eq!(vals(&host, Src::HTTP_TITLE), vec!["WEB SERVICE"]);
}

/// The RTSP server: OPTIONS and DESCRIBE facts, no credentials sent, HTTP server on the same port.
#[tokio::test]
async fn rtsp_server_evidence() {
    let addr = rtsp_device("127.0.0.13").await;
    let mut host = host_with(addr, &[(addr.port(), "rtsp")]);
    probe_host(&mut host, &quick_cfg()).await;

    assert_eq!(host.open_ports[0].service, "rtsp");
    let mut status = vals(&host, Src::RTSP_STATUS);
    status.sort();
    assert_eq!(status, vec!["200", "401"]);
    assert_eq!(vals(&host, Src::RTSP_SERVER), vec!["Rtsp Server/3.0"]);
    assert!(vals(&host, Src::RTSP_PUBLIC)[0].starts_with("OPTIONS, DESCRIBE"));
    assert_eq!(vals(&host, Src::RTSP_AUTH), vec!["Digest", "Basic"]);
    assert_eq!(vals(&host, Src::RTSP_REALM), vec!["IP Camera(C1214)"]);
    assert_eq!(vals(&host, Src::RTSP_HTTP_SERVER), vec!["Hikvision-Webs"]);
}

/// The ONVIF endpoint that answers GetDeviceInformation without credentials.
#[tokio::test]
async fn onvif_device_information() {
    let addr = http_device("127.0.0.14", onvif_route).await;
    let mut host = host_with(addr, &[(addr.port(), "onvif")]);
    probe_host(&mut host, &quick_cfg()).await;

    assert_eq!(host.open_ports[0].service, "onvif");
    assert_eq!(vals(&host, Src::ONVIF_MANUFACTURER), vec!["HIKVISION"]);
    assert_eq!(vals(&host, Src::ONVIF_MODEL), vec!["DS-2CD2143G0-I"]);
    assert_eq!(
        vals(&host, Src::ONVIF_FIRMWARE),
        vec!["V5.5.80 build 190815"]
    );
    assert_eq!(vals(&host, Src::ONVIF_HARDWARE_ID), vec!["88"]);
    assert!(vals(&host, Src::ONVIF_SERVICE).contains(&"Recording".to_string()));
}

/// A banner port is read and named; a silent port costs no more than the deadline.
#[tokio::test]
async fn banner_and_silent_ports_within_deadline() {
    let (banner, silent) = raw_devices("127.0.0.15").await;
    let mut host = host_with(
        banner,
        &[(banner.port(), "unknown"), (silent.port(), "http")],
    );
    let cfg = ProbeConfig {
        host_deadline: Duration::from_secs(3),
        ..quick_cfg()
    };
    let started = Instant::now();
    probe_host(&mut host, &cfg).await;
    assert!(
        started.elapsed() < Duration::from_millis(3500),
        "took {:?}",
        started.elapsed()
    );

    assert_eq!(
        vals(&host, Src::TCP_BANNER),
        vec!["SSH-2.0-dropbear_2019.78\r\n"]
    );
    let banner_port = host
        .open_ports
        .iter()
        .find(|p| p.port == banner.port())
        .unwrap();
    assert_eq!(banner_port.service, "ssh");
    assert!(
        host.notes
            .iter()
            .any(|n| n.en().contains(&silent.port().to_string())),
        "{:?}",
        host.notes
    );
}

/// A host that never stops talking is cut at the deadline with a note, not waited for.
#[tokio::test]
async fn host_deadline_cuts_slow_probes() {
    let (_, silent) = raw_devices("127.0.0.17").await;
    let mut host = host_with(
        silent,
        &[(silent.port(), "unknown"), (silent.port(), "http")],
    );
    let cfg = ProbeConfig {
        timeout: Duration::from_secs(5),
        host_deadline: Duration::from_millis(700),
        ..quick_cfg()
    };
    let started = Instant::now();
    probe_host(&mut host, &cfg).await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        host.notes.iter().any(|n| n.en().contains("deadline")),
        "{:?}",
        host.notes
    );
}

/// The sweep finds exactly the listening ports, names them from the caller's map, and reports an
/// address that refuses everything as alive with no open ports.
#[tokio::test]
async fn sweep_finds_listeners_on_loopback() {
    let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (pa, pb) = (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    );
    let cfg = SweepConfig {
        ports: vec![closed, pa, pb],
        services: [(pa, "http".to_string())].into_iter().collect(),
        connect_timeout: Duration::from_millis(500),
        ..SweepConfig::default()
    };
    let targets: Vec<IpAddr> = vec!["127.0.0.2".parse().unwrap(), "127.0.0.1".parse().unwrap()];
    let result = sweep_with(&targets, &cfg, &NoProgress, &StaticNeighbours::default()).await;

    assert_eq!(result.hosts.len(), 2);
    let local = &result.hosts[0];
    assert_eq!(local.ip, targets[1], "sorted by address");
    assert_eq!(local.seen_by, vec![SeenBy::TcpConnect]);
    let found: Vec<(u16, &str)> = local
        .open_ports
        .iter()
        .map(|p| (p.port, p.service.as_str()))
        .collect();
    let mut expected = vec![(pa, "http"), (pb, "unknown")];
    expected.sort();
    assert_eq!(found, expected);
    assert!(
        result.hosts[1].open_ports.is_empty(),
        "127.0.0.2 refuses: alive, nothing open"
    );
    drop((a, b));
}

/// A device claiming a 10 GB body and streaming forever: the body is cut at the cap and noted,
/// and the title from its first bytes is still recorded.
#[tokio::test]
async fn endless_body_is_capped() {
    let listener = TcpListener::bind(("127.0.0.18", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                if read_request(&mut s).await.is_none() {
                    return;
                }
                let head = "HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\nServer: Boa/0.94.14rc21\r\n\r\n<html><title>Endless</title>";
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let filler = vec![b'x'; 64 * 1024];
                for _ in 0..10_000 {
                    if s.write_all(&filler).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let mut host = host_with(addr, &[(addr.port(), "http")]);
    let cfg = ProbeConfig {
        max_body: 32 * 1024,
        vendor_paths: Vec::new(),
        ..quick_cfg()
    };
    let started = Instant::now();
    probe_host(&mut host, &cfg).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(vals(&host, Src::HTTP_TITLE), vec!["Endless"]);
    assert_eq!(vals(&host, Src::HTTP_SERVER), vec!["Boa/0.94.14rc21"]);
    assert!(
        host.notes
            .iter()
            .any(|n| n.en().contains("cut at 32768 bytes")),
        "{:?}",
        host.notes
    );
}

/// A fake ZKTeco terminal: answers connect with `first` (ACK_OK 2000 or ACK_UNAUTH 2005) and,
/// in an open session, `~DeviceName` with its name. Counts the packets it received.
async fn zk_terminal(ip: &str, first: u16) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let packets = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&packets);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                loop {
                    let mut top = [0u8; 8];
                    if s.read_exact(&mut top).await.is_err() {
                        return;
                    }
                    assert_eq!(&top[..4], &[0x50, 0x50, 0x82, 0x7d], "ZK TCP prefix");
                    let len = u32::from_le_bytes([top[4], top[5], top[6], top[7]]) as usize;
                    let mut packet = vec![0u8; len];
                    if s.read_exact(&mut packet).await.is_err() {
                        return;
                    }
                    seen.fetch_add(1, Ordering::SeqCst);
                    let command = u16::from_le_bytes([packet[0], packet[1]]);
                    let reply_id = [packet[6], packet[7]];
                    let (answer, data): (u16, &[u8]) = match command {
                        1000 => (first, b""),
                        11 if packet[8..].starts_with(b"~DeviceName\0") => {
                            (2000, b"~DeviceName=SpeedFace-V5L\0")
                        }
                        _ => (2000, b""),
                    };
                    let mut out = vec![0x50, 0x50, 0x82, 0x7d];
                    out.extend_from_slice(&u32::try_from(8 + data.len()).unwrap().to_le_bytes());
                    out.extend_from_slice(&answer.to_le_bytes());
                    out.extend_from_slice(&[0, 0, 0x2b, 0x3a]);
                    out.extend_from_slice(&reply_id);
                    out.extend_from_slice(data);
                    if s.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, packets)
}

/// A ZKTeco terminal tells its model over its own protocol; one protected by a communication
/// key refuses, and the probe leaves it at that (no key is tried).
#[tokio::test]
async fn zkteco_terminal_device_name() {
    use std::sync::atomic::Ordering;
    let (addr, _) = zk_terminal("127.0.0.17", 2000).await;
    let mut host = host_with(addr, &[(addr.port(), "zkteco-sdk")]);
    probe_host(&mut host, &quick_cfg()).await;
    assert_eq!(vals(&host, "zkteco.device_name"), vec!["SpeedFace-V5L"]);

    let (addr, packets) = zk_terminal("127.0.0.18", 2005).await;
    let mut host = host_with(addr, &[(addr.port(), "zkteco-sdk")]);
    probe_host(&mut host, &quick_cfg()).await;
    assert!(vals(&host, "zkteco.device_name").is_empty());
    assert!(
        host.notes
            .iter()
            .any(|n| n.en().contains("communication key")),
        "{:?}",
        host.notes
    );
    assert_eq!(
        packets.load(Ordering::SeqCst),
        1,
        "only the connect was sent"
    );
}
