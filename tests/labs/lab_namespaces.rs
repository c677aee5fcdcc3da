//! The lab end to end, as an ordinary user: enter the lab namespaces, start every bundled persona,
//! and talk to them from the scanner's `lan0` like camsweep does.
//!
//! A suite of the lab runner (tests/labs/harness.rs, its own process): the kernel only grants a
//! new user namespace to a single-threaded process. This `main` calls `enter_lab_namespaces()`
//! first, exactly like `camsweep demo` does. When namespaces cannot be created the suite fails
//! with the kernel's reason; it never skips.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use camsweep::lab::{self, Lab, LabSpec, Service};

use crate::harness::{Tally, with_causes};

#[path = "lab_namespaces/discovery_checks.rs"]
mod discovery_checks;
#[path = "lab_namespaces/loss_checks.rs"]
mod loss_checks;
#[path = "lab_namespaces/upload_checks.rs"]
mod upload_checks;

type Check = fn(&Lab) -> Result<(), String>;

const CHECKS: &[(&str, Check)] = &[
    (
        "every_http_persona_answers_from_lan0_with_its_server_header",
        http_answers,
    ),
    (
        "neighbour_table_shows_each_persona_vendor_mac",
        arp_shows_vendor_macs,
    ),
    (
        "rtsp_personas_answer_options_and_challenge_describe",
        rtsp_answers,
    ),
    (
        "onvif_personas_answer_device_information_or_refuse_it",
        onvif_answers,
    ),
    ("banner_ports_greet_on_connect", banners_greet),
    (
        "https_personas_present_their_certificate_subject",
        https_certificates,
    ),
    ("lab_root_has_no_route_beyond_the_lab", no_route_out),
    (
        "arp_sweep_of_the_lab_24_finds_every_persona",
        discovery_checks::arp_sweep_finds_every_persona,
    ),
    (
        "passive_dhcp_hears_the_axis_vendor_class",
        discovery_checks::passive_dhcp_hears_the_axis_vendor_class,
    ),
    (
        "sadp_multicast_finds_the_firewalled_face_terminal",
        discovery_checks::sadp_finds_firewalled,
    ),
    (
        "wsd_multicast_and_unicast_only_persona",
        discovery_checks::wsd_unicast_only,
    ),
    (
        "dhdiscover_names_dahua_models_and_firmware",
        discovery_checks::dhdiscover_names_dahua,
    ),
    (
        "xmeye_search_names_the_xiongmai_camera",
        discovery_checks::xmeye_names,
    ),
    (
        "vivotek_search_names_the_vivotek_dome",
        discovery_checks::vivotek_names,
    ),
    (
        "mdns_finds_the_axis_service",
        discovery_checks::mdns_finds_axis,
    ),
    (
        "ssdp_reads_the_description_of_the_replier",
        discovery_checks::ssdp_reads_description,
    ),
    (
        "ssdp_asks_no_replier_outside_the_targets_for_its_description",
        discovery_checks::ssdp_skips_repliers_outside_targets,
    ),
    (
        "scan_finds_names_and_types_the_discovery_only_persona",
        discovery_checks::scan_names_discovery_only,
    ),
    (
        "audit_reads_the_gateways_port_mappings_and_a_finding_cites_them",
        discovery_checks::audit_reads_the_gateways_port_mappings,
    ),
    ("loopback_is_up_in_the_lab_root", loopback_up),
    (
        "identification_under_20_percent_loss_equals_lossless",
        loss_checks::identification_under_loss_equals_lossless,
    ),
    (
        "analysis_of_lan0_shows_who_uploaded_where",
        upload_checks::analysis_of_lan0_shows_who_uploaded_where,
    ),
    (
        "camsweep_analyze_live_and_on_the_kept_capture",
        upload_checks::camsweep_analyze_live_and_on_the_kept_capture,
    ),
    (
        "audit_listen_never_lists_the_scanner_and_files_dns_as_infrastructure",
        upload_checks::audit_listen_never_lists_the_scanner_and_files_dns_as_infrastructure,
    ),
    (
        "audit_with_signatures_dir_takes_devices_cloud_rules_and_advice_from_it",
        upload_checks::audit_with_signatures_dir_takes_devices_cloud_rules_and_advice_from_it,
    ),
];

/// Every check's name, in order.
pub fn checks() -> Vec<&'static str> {
    CHECKS.iter().map(|(name, _)| *name).collect()
}

pub fn main(tally: &mut Tally) {
    if let Err(e) = lab::enter_lab_namespaces() {
        tally.abort("enter_lab_namespaces", &with_causes(&e));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let spec = LabSpec::bundled().expect("bundled personas parse");
    let lab = match runtime.block_on(Lab::start(&spec)) {
        Ok(lab) => lab,
        Err(e) => tally.abort("lab_starts", &with_causes(&e)),
    };
    let uid_map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    println!(
        "lab up: {} personas in {:?} (uid_map: {})",
        lab.personas().len(),
        lab.startup_time(),
        uid_map.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    for (name, check) in CHECKS {
        if tally.wants(name) {
            tally.report(name, check(&lab));
        }
    }
    runtime.block_on(lab.shutdown());
}

/// Sends `request` to the persona from the scanner's address and returns what came back.
fn exchange(ip: Ipv4Addr, port: u16, request: &[u8]) -> Result<String, String> {
    let target = SocketAddr::from((ip, port));
    let socket = connect(target)?;
    let mut stream = socket;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request)
        .map_err(|e| format!("{target}: write: {e}"))?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") && is_rtsp(request) {
                    break;
                }
            }
            Err(_) if !answer.is_empty() => break,
            Err(e) => return Err(format!("{target}: read: {e}")),
        }
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Connects from the lab root namespace; the kernel picks lan0's address, the only one it has.
fn connect(target: SocketAddr) -> Result<TcpStream, String> {
    TcpStream::connect_timeout(&target, Duration::from_secs(3))
        .map_err(|e| format!("{target}: connect: {e}"))
}

fn http_answers(lab: &Lab) -> Result<(), String> {
    let mut checked = 0;
    for persona in lab.personas() {
        for service in &persona.services {
            let Service::Http(web) = service else {
                continue;
            };
            let request = format!(
                "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                persona.ip
            );
            let answer = exchange(persona.ip, web.port, request.as_bytes())?;
            let status = format!("HTTP/1.1 {} ", web.status);
            if !answer.starts_with(&status) {
                return Err(format!(
                    "{}:{} answered {:?}",
                    persona.name,
                    web.port,
                    first_line(&answer)
                ));
            }
            if let Some(server) = &web.server
                && !answer.contains(&format!("Server: {server}\r\n"))
            {
                return Err(format!(
                    "{}:{} lacks Server: {server}",
                    persona.name, web.port
                ));
            }
            if let Some(title) = &web.title
                && !answer.contains(&format!("<title>{title}</title>"))
            {
                return Err(format!("{}:{} lacks title {title}", persona.name, web.port));
            }
            checked += 1;
        }
    }
    if checked < 15 {
        return Err(format!("only {checked} HTTP services checked"));
    }
    Ok(())
}

fn arp_shows_vendor_macs(lab: &Lab) -> Result<(), String> {
    // Every persona has been contacted by now or is contacted here, so ARP has resolved it.
    for persona in lab.personas() {
        if let Some(service) = persona.services.first() {
            let _ = TcpStream::connect_timeout(
                &SocketAddr::from((persona.ip, service.port())),
                Duration::from_secs(3),
            );
        } else if let Ok(udp) = std::net::UdpSocket::bind("0.0.0.0:0") {
            // A persona without TCP services (discovery only): any datagram makes the kernel ARP.
            let _ = udp.send_to(b"", (persona.ip, 9));
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let table = std::fs::read_to_string("/proc/net/arp").map_err(|e| e.to_string())?;
    for persona in lab.personas() {
        let row = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&persona.ip.to_string()))
            .ok_or_else(|| {
                format!(
                    "{} ({}) not in /proc/net/arp:\n{table}",
                    persona.name, persona.ip
                )
            })?;
        let fields: Vec<&str> = row.split_whitespace().collect();
        if fields.get(3).copied() != Some(persona.mac.to_lowercase().as_str())
            || fields.get(5).copied() != Some("lan0")
        {
            return Err(format!(
                "{}: arp row {row:?}, want mac {} on lan0",
                persona.name, persona.mac
            ));
        }
    }
    Ok(())
}

fn rtsp_answers(lab: &Lab) -> Result<(), String> {
    for persona in lab.personas() {
        for service in &persona.services {
            let Service::Rtsp(rtsp) = service else {
                continue;
            };
            let url = format!("rtsp://{}:{}/", persona.ip, rtsp.port);
            let answer = exchange(
                persona.ip,
                rtsp.port,
                format!("OPTIONS {url} RTSP/1.0\r\nCSeq: 2\r\n\r\n").as_bytes(),
            )?;
            let wanted = if rtsp.options_requires_auth {
                "RTSP/1.0 401"
            } else {
                "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
            };
            if !answer.starts_with(wanted) {
                return Err(format!("{} OPTIONS: {answer:?}", persona.name));
            }
            if let Some(server) = &rtsp.server
                && !answer.contains(&format!("Server: {server}\r\n"))
            {
                return Err(format!(
                    "{} OPTIONS lacks Server: {server}: {answer:?}",
                    persona.name
                ));
            }
            let answer = exchange(
                persona.ip,
                rtsp.port,
                format!("DESCRIBE {url} RTSP/1.0\r\nCSeq: 3\r\nAccept: application/sdp\r\n\r\n")
                    .as_bytes(),
            )?;
            if let Some(realm) = &rtsp.realm
                && !(answer.starts_with("RTSP/1.0 401")
                    && answer.contains(&format!("realm=\"{realm}\"")))
            {
                return Err(format!("{} DESCRIBE: {answer:?}", persona.name));
            }
        }
    }
    Ok(())
}

fn onvif_answers(lab: &Lab) -> Result<(), String> {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><GetDeviceInformation xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body></s:Envelope>";
    let mut checked = 0;
    for persona in lab.personas() {
        for service in &persona.services {
            let Service::Onvif(onvif) = service else {
                continue;
            };
            let request = format!(
                "POST /onvif/device_service HTTP/1.1\r\nHost: {}\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                persona.ip,
                body.len()
            );
            let answer = exchange(persona.ip, onvif.port, request.as_bytes())?;
            let ok = if onvif.device_info_requires_auth {
                answer.contains("NotAuthorized")
            } else {
                answer.starts_with("HTTP/1.1 200")
                    && answer.contains(&format!(
                        "<tds:Manufacturer>{}</tds:Manufacturer>",
                        onvif.manufacturer
                    ))
            };
            if !ok {
                return Err(format!(
                    "{}: GetDeviceInformation answered {answer:?}",
                    persona.name
                ));
            }
            checked += 1;
        }
    }
    if checked == 0 {
        return Err("no ONVIF persona".into());
    }
    Ok(())
}

fn banners_greet(lab: &Lab) -> Result<(), String> {
    for persona in lab.personas() {
        for service in &persona.services {
            let Service::Banner(banner) = service else {
                continue;
            };
            let target = SocketAddr::from((persona.ip, banner.port));
            let mut stream = connect(target)?;
            stream
                .set_read_timeout(Some(Duration::from_secs(3)))
                .map_err(|e| e.to_string())?;
            let mut got = vec![0u8; banner.banner.len()];
            stream
                .read_exact(&mut got)
                .map_err(|e| format!("{}:{}: {e}", persona.name, banner.port))?;
            if got != banner.banner.as_bytes() {
                return Err(format!(
                    "{}:{} greeted {:?}",
                    persona.name,
                    banner.port,
                    String::from_utf8_lossy(&got)
                ));
            }
        }
    }
    Ok(())
}

fn https_certificates(lab: &Lab) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    camsweep::probe::http::client::install_crypto_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_danger_accept_invalid_certs(true)
        .tls_info(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let mut checked = 0;
    for persona in lab.personas() {
        for service in &persona.services {
            let Service::Https(web) = service else {
                continue;
            };
            let Some(subject) = &web.certificate else {
                continue;
            };
            let url = format!("https://{}:{}/", persona.ip, web.port);
            let response = runtime
                .block_on(async { client.get(&url).send().await })
                .map_err(|e| format!("{url}: {e}"))?;
            let der = response
                .extensions()
                .get::<reqwest::tls::TlsInfo>()
                .and_then(|info| info.peer_certificate().map(<[u8]>::to_vec))
                .ok_or_else(|| format!("{url}: no peer certificate"))?;
            let (_, cert) = x509_parser::parse_x509_certificate(&der).map_err(|e| e.to_string())?;
            let seen = cert.subject().to_string();
            if !seen.starts_with(&format!("CN={}", subject.cn))
                || response.status().as_u16() != web.status
            {
                return Err(format!(
                    "{url}: subject {seen}, status {}",
                    response.status()
                ));
            }
            checked += 1;
        }
    }
    if checked < 5 {
        return Err(format!("only {checked} HTTPS services checked"));
    }
    Ok(())
}

fn no_route_out(_lab: &Lab) -> Result<(), String> {
    let routes = std::fs::read_to_string("/proc/net/route").map_err(|e| e.to_string())?;
    let interfaces: Vec<&str> = routes
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let default = routes
        .lines()
        .skip(1)
        .any(|l| l.split_whitespace().nth(1) == Some("00000000"));
    if default || interfaces.iter().any(|i| *i != "lan0") {
        return Err(format!(
            "unexpected routes in the lab root namespace:\n{routes}"
        ));
    }
    Ok(())
}

/// RTSP answers carry no body here and the connection stays open, so the head is the answer.
fn is_rtsp(request: &[u8]) -> bool {
    request.windows(8).any(|w| w == b"RTSP/1.0")
}

/// In a fresh namespace `lo` is down and has no address; once up, a loopback round trip works.
/// (`/sys/class/net` would show the host's interfaces: sysfs was mounted outside the namespace.)
fn loopback_up(_lab: &Lab) -> Result<(), String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    Ok(())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
