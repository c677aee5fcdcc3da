//! One entry point per fuzz target (fuzz/fuzz_targets/*.rs call these), so that every input
//! a fuzzer ever found troublesome replays in `cargo test` as a regression test
//! (tests/integration/fuzz_regressions.rs, inputs in tests/fixtures/fuzz/TARGET/).
//!
//! Each function feeds untrusted bytes to parsers and must return, whatever the bytes:
//! no panic, no hang, no unbounded allocation.
use crate::fingerprint::{SignatureDb, SignatureFile, identify};
use crate::model::{Evidence, HostObservation};
use crate::policy::{RuleSet, Scope, SiteDeclaration, parse_condition};
use crate::probe::onvif::soap;
use crate::probe::{banner, http::observe, rtsp as rtsp_probe, zk};
use crate::traffic::{Analyzer, CloudDb, FlowLimits, FrameSource, PcapSource, UploadPolicy};
use crate::traffic::{Frame, LinkType, decode, dns, http, quic, reassembly, tls};
use crate::wire::{arp, dhcp, dhdiscover, discovery, mdns, sadp, ssdp, wsd, xmeye, xml};
use crate::wire::{auth, rtsp};
use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;

/// Discovery replies from devices nobody trusts: ARP, DHCP, mDNS, WS-Discovery, SSDP, SADP,
/// DHDiscover and XMeye, and every reply parser of the discovery table. The first byte picks
/// the codec so one corpus reaches them all.
pub fn wire_discovery(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    match selector % 10 {
        0 => {
            let _ = arp::parse_reply(body);
            let _ = arp::parse_sender(body);
        }
        1 => {
            let _ = dhcp::parse_frame(body);
            let _ = dhcp::parse_client_message(body);
        }
        2 => {
            let _ = mdns::parse_reply(body);
            let _ = mdns::parse_query(body);
        }
        3 => {
            let _ = wsd::parse_probe_matches(&text);
            let _ = wsd::parse_hello(&text);
            let _ = wsd::parse_probe(&text);
            let _ = wsd::percent_decode(&text);
        }
        4 => {
            let _ = ssdp::parse_response(body);
            let _ = ssdp::parse_m_search(&text);
        }
        5 => {
            let _ = ssdp::parse_description(&text);
        }
        6 => {
            if let Ok(Some(m)) = sadp::parse_probe_match(&text) {
                let _ = m.mac_normalised();
            }
            let _ = sadp::parse_inquiry(&text);
        }
        7 => {
            if let Ok(value) = dhdiscover::parse_frame(body) {
                let _ = dhdiscover::method(&value);
                let _ = dhdiscover::parse_device_info(&value);
            }
        }
        8 => {
            let _ = xmeye::parse_frame(body);
            let _ = xmeye::parse_search_reply(body);
            let _ = xmeye::decode_host_ip(&text);
        }
        _ => {
            let _ = xml::parse_leaves(&text);
            // Every row of the discovery table, as the scanner reads its replies: a protocol
            // added to the table is reached without a new arm here.
            let from = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 9));
            for protocol in discovery::TABLE {
                let _ = (protocol.parse)(from, body);
            }
        }
    }
}

/// Splits `Name: value` lines the way a header map arrives from the HTTP client.
fn header_pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// What a device's web server, RTSP server or TCP service answers: status lines, headers,
/// bodies (titles, scripts, icons, meta refresh), RTSP replies with SDP, Digest/Basic
/// challenges, raw banners and the ZKTeco framing. The first byte picks the parser.
pub fn http_rtsp(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    match selector % 6 {
        0 => {
            let _ = observe::header_evidence(&header_pairs(&text), Some(80));
        }
        1 => {
            let _ = observe::body_evidence(body, Some(80));
            let _ = observe::icon_hrefs(body);
            let _ = observe::meta_refresh(body);
            let _ = observe::collapse_ws(&text);
        }
        2 => {
            if let Ok(response) = rtsp::parse_response(body) {
                let _ = rtsp_probe::rtsp_evidence(&response, 554);
                let _ = rtsp::content_length(&response.headers);
            }
            let _ = rtsp::header_end(body);
            let _ = rtsp::sdp_session_name(body);
        }
        3 => {
            let _ = auth::parse_challenge(&text);
        }
        4 => {
            let _ = banner::service_from_banner(body);
            let _ = banner::escape_banner(body);
        }
        _ => {
            if let Ok(Some(len)) = zk::framed_len(body)
                && let Some(frame) = body.get(..len)
                && let Ok(packet) = zk::decode(frame)
            {
                let _ = zk::option_value(&packet.data);
            }
            let _ = zk::decode(body);
        }
    }
}

/// ONVIF SOAP replies: the leaf parser and everything read from it (device information,
/// system time, capabilities, faults).
pub fn onvif_xml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(leaves) = soap::parse_leaves(&text) {
        let _ = soap::utc_datetime(&leaves);
        let _ = soap::capability_categories(&leaves);
        let _ = soap::device_information(&leaves);
        let _ = soap::fault(&leaves);
    }
}

// The bundled set is checked by unit tests; fuzzing without it would test nothing.
#[allow(clippy::expect_used)]
static CLOUD: LazyLock<CloudDb> =
    LazyLock::new(|| crate::bundle::builtin_cloud().expect("bundled cloud endpoints load"));

/// A capture file handed over by a store's IT: the pcap/pcapng reader and the whole analysis
/// behind it (decode, flows, DNS/TLS/HTTP naming, cloud classification, upload judgement,
/// per-connection verdicts and connections.csv).
pub fn pcap(data: &[u8]) {
    let Ok(mut source) = PcapSource::new(Cursor::new(data)) else {
        return;
    };
    let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
    // A damaged file stops the loop; what came before it is still analysed.
    while let Ok(Some(frame)) = source.next_frame() {
        analyzer.push(&frame);
    }
    let finished = analyzer.finish_all(&CLOUD);
    let _ = crate::report::render_connections_csv(
        &finished.connections,
        finished.counters.connections_dropped,
    );
}

/// Zeek logs from a sensor nobody checked: the first byte picks the log kind the file name would
/// give (or none: the `#path` line or the JSON fields decide); every line read is fed to the
/// analyser as `analyze --zeek` does.
pub fn zeek_logs(data: &[u8]) {
    use crate::traffic::flows::NameSource;
    use crate::traffic::zeek::{LogKind, LogReader, Record};
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let kind = [
        None,
        Some(LogKind::Conn),
        Some(LogKind::Dns),
        Some(LogKind::Ssl),
        Some(LogKind::Http),
    ][usize::from(selector) % 5];
    let text = String::from_utf8_lossy(body);
    let mut reader = LogReader::new("fuzz.log", kind);
    let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
    let mut name = None;
    for (i, line) in text.split('\n').enumerate() {
        match reader.line(i + 1, line) {
            Ok(Some(Record::Conn(c))) => analyzer.push_logged(&c.logged(name.take())),
            Ok(Some(Record::Dns(d))) => {
                for (addr, chain) in d.bindings() {
                    analyzer.learn_logged_dns(d.asker, d.server, addr, chain, d.ts_us);
                }
            }
            Ok(Some(Record::Sni(n))) => name = Some((NameSource::Sni, n.name)),
            Ok(Some(Record::HttpHost(n))) => name = Some((NameSource::HttpHost, n.name)),
            Ok(None) | Err(_) => {}
        }
    }
    let finished = analyzer.finish_all(&CLOUD);
    let _ = crate::report::render_connections_csv(
        &finished.connections,
        finished.counters.connections_dropped,
    );
}

/// Payloads inside captured packets, reached directly rather than through a pcap: DNS answers,
/// TLS ClientHellos (whole and split over segments), HTTP Host lines, and frame decoding for
/// every supported link type, and the announcements passive identity reads (DHCP, mDNS, SSDP,
/// WS-Discovery, ARP).
pub fn traffic_payloads(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => {
            let _ = dns::bindings(body);
        }
        1 => {
            let _ = tls::client_hello_sni(body);
            // The same bytes as TCP segments arriving last-first, as a reordering network
            // would bring them; the reassembler must put them back and stay within its bound.
            let step = usize::from(selector / 6).max(1);
            let mut stream = reassembly::Reassembler::starting_at(1, 16 * 1024);
            let pieces: Vec<(usize, &[u8])> = body.chunks(step).enumerate().collect();
            for (i, piece) in pieces.into_iter().rev() {
                let seq = 1u32.wrapping_add(u32::try_from(i * step).unwrap_or(u32::MAX));
                stream.push(seq, piece);
            }
            let _ = tls::client_hello_sni(stream.contiguous());
        }
        2 => {
            let _ = http::request_host(body);
        }
        3 => {
            // QUIC v1 client Initial datagrams: header protection, AEAD, CRYPTO frames.
            let _ = quic::is_initial_v1(body);
            let mut hello = quic::QuicHello::default();
            for datagram in body.chunks(1200) {
                let _ = hello.feed(datagram);
            }
        }
        _ => {
            let mut passive = crate::traffic::passive::PassiveIdentity::default();
            for link in [
                LinkType::Ethernet,
                LinkType::LinuxSll,
                LinkType::LinuxSll2,
                LinkType::RawIp,
                LinkType::Null,
            ] {
                let frame = Frame {
                    ts_micros: 0,
                    link,
                    data: body,
                    orig_len: u32::try_from(body.len()).unwrap_or(u32::MAX),
                };
                if let Some(packet) = decode::decode(&frame) {
                    passive.observe(&packet);
                }
            }
            passive.observe_frame(body);
            // The body as the payload of each discovery protocol the capture reads (DHCP,
            // mDNS, SSDP, WS-Discovery).
            for (src_port, dst_port) in [(68, 67), (5353, 5353), (1900, 40000), (3702, 3702)] {
                passive.observe(&decode::Packet {
                    src_mac: Some([2, 0, 0, 0, 0, 1]),
                    link_broadcast: true,
                    src: std::net::IpAddr::from([192, 168, 1, 20]),
                    dst: std::net::IpAddr::from([239, 255, 255, 250]),
                    proto: decode::Proto::Udp,
                    src_port,
                    dst_port,
                    tcp: decode::TcpFlags::default(),
                    tcp_seq: 0,
                    payload: body,
                    fragment: None,
                });
            }
            let _ = passive.finish();
        }
    }
}

/// Signature files a user passes with `--signatures`: the device-signature TOML compiler and
/// the MAC-prefix TSV reader. The first byte picks which; valid databases are also run
/// against a host whose evidence comes from the same bytes, to exercise the compiled matchers.
pub fn signatures(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body).into_owned();
    let relative = if selector % 2 == 0 {
        "devices/fuzz.toml"
    } else {
        "oui/fuzz.tsv"
    };
    let file = SignatureFile {
        relative: relative.to_string(),
        display: relative.to_string(),
        text: text.clone(),
    };
    if let Ok(db) = SignatureDb::from_files(vec![file]) {
        let mut host = HostObservation::new(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 9)));
        host.mac = Some("44:19:b6:00:00:01".to_string());
        for line in text.lines().take(16) {
            host.evidence
                .push(Evidence::new("http.title", Some(80), line));
            host.evidence
                .push(Evidence::new("http.server", Some(80), line));
        }
        let _ = identify(&db, &host);
    }
}

/// What an inspector or operator writes: site declarations (`--site`), rule packs and the
/// condition language inside them. The first byte picks the parser.
pub fn site_rules(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    match selector % 3 {
        0 => {
            let _ = SiteDeclaration::parse("site.toml", &text);
        }
        1 => {
            let _ = RuleSet::from_files([("rules/fuzz.toml", text.as_ref())]);
        }
        _ => {
            for scope in [Scope::Device, Scope::Site, Scope::Cloud] {
                let _ = parse_condition(&text, scope);
            }
        }
    }
}
