//! Response builders, driven by the bundled persona data: what a scanner would see.

use std::net::Ipv4Addr;

use super::http::{self, HttpContext, Request};
use super::{Context, onvif, rtsp};
use crate::lab::{LabSpec, Persona, Service};

fn persona(name: &str) -> Persona {
    let spec = LabSpec::bundled().unwrap();
    spec.personas.into_iter().find(|p| p.name == name).unwrap()
}

fn ctx(persona: &Persona, port: u16) -> Context<'static> {
    Context {
        ip: persona.ip,
        port,
        now: time::macros::datetime!(2026-11-23 19:00:00 UTC),
        nonce: "0123456789abcdef0123456789abcdef",
    }
}

fn get(path: &str) -> Request {
    http::parse_request(format!("GET {path}?x=1 HTTP/1.1\r\nHost: cam\r\n\r\n").as_bytes()).unwrap()
}

fn answer(persona: &Persona, port: u16, req: &Request, body: &[u8]) -> String {
    let service = persona.http_on_port(port).unwrap();
    let ctx = HttpContext {
        service,
        onvif: persona.onvif_on_port(port),
        ctx: ctx(persona, port),
    };
    String::from_utf8(http::respond(&ctx, req, body).to_bytes(false)).unwrap()
}

/// The Hikvision bullet redirects `/` to its login page with `Server: App-webs/`, like nmap sees.
#[test]
fn hikvision_root_redirects_to_login_page() {
    let cam = persona("hik-bullet");
    let text = answer(&cam, 80, &get("/"), b"");
    assert!(
        text.starts_with("HTTP/1.1 302 Found\r\nServer: App-webs/\r\n"),
        "{text}"
    );
    assert!(text.contains("Location: /doc/page/login.asp"));
    let login = answer(&cam, 80, &get("/doc/page/login.asp"), b"");
    assert!(login.contains("Hikvision Digital Technology"));
}

/// A protected ISAPI path answers 401 with a Digest challenge carrying the persona's realm.
#[test]
fn isapi_challenges_with_digest() {
    let nvr = persona("hik-nvr");
    let text = answer(&nvr, 80, &get("/ISAPI/System/status"), b"");
    assert!(
        text.starts_with("HTTP/1.1 401 Unauthorized\r\nServer: DNVRS-Webs\r\n"),
        "{text}"
    );
    assert!(text.contains("WWW-Authenticate: Digest qop=\"auth\", realm=\"DS-7608NI-K2\", nonce=\"0123456789abcdef0123456789abcdef\""));
    assert!(text.contains("<statusString>Unauthorized</statusString>"));
}

/// Unknown paths are 404 and HEAD gets no body.
#[test]
fn unknown_path_is_404_and_head_has_no_body() {
    let cam = persona("dahua-bullet");
    assert!(answer(&cam, 80, &get("/nope"), b"").starts_with("HTTP/1.1 404 Not Found"));
    let head = http::parse_request(b"HEAD / HTTP/1.1\r\n\r\n").unwrap();
    let service = cam.http_on_port(80).unwrap();
    let ctx = HttpContext {
        service,
        onvif: None,
        ctx: ctx(&cam, 80),
    };
    let bytes = http::respond(&ctx, &head, b"").to_bytes(true);
    assert!(String::from_utf8(bytes).unwrap().ends_with("\r\n\r\n"));
}

fn soap(operation: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/><s:Body><tds:{operation} xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body></s:Envelope>"
    )
}

fn post_onvif(persona: &Persona, port: u16, operation: &str) -> String {
    let body = soap(operation);
    let req = http::parse_request(
        format!(
            "POST /onvif/device_service HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let device = persona.onvif_on_port(port).unwrap();
    let response = onvif::respond(device, &ctx(persona, port), &req.method, body.as_bytes());
    String::from_utf8(http::finish(response, None).to_bytes(false)).unwrap()
}

/// ONVIF pre-auth calls answer; GetDeviceInformation is refused where the device demands auth.
#[test]
fn onvif_pre_auth_calls_and_protected_device_information() {
    let cam = persona("hik-bullet");
    let time = post_onvif(&cam, 80, "GetSystemDateAndTime");
    assert!(
        time.contains("<tt:Year>2026</tt:Year><tt:Month>11</tt:Month><tt:Day>23</tt:Day>"),
        "{time}"
    );
    let caps = post_onvif(&cam, 80, "GetCapabilities");
    assert!(
        caps.contains("<tt:XAddr>http://198.18.0.11/onvif/device_service</tt:XAddr>"),
        "{caps}"
    );
    let info = post_onvif(&cam, 80, "GetDeviceInformation");
    assert!(
        info.starts_with("HTTP/1.1 400") && info.contains("ter:NotAuthorized"),
        "{info}"
    );
    let xm = persona("xm-camera");
    let caps = post_onvif(&xm, 8899, "GetCapabilities");
    assert!(caps.contains("http://198.18.0.19:8899/onvif/Media"));
    let info = post_onvif(&xm, 8899, "GetDeviceInformation");
    assert!(
        info.contains("<tds:Model>XM530_50X20-WG_8M</tds:Model>"),
        "{info}"
    );
    assert!(post_onvif(&xm, 8899, "GetUsers").contains("ActionNotSupported"));
}

#[test]
fn onvif_operation_is_the_first_element_in_body() {
    assert_eq!(
        onvif::operation(soap("GetCapabilities").as_bytes()),
        Some("GetCapabilities")
    );
    assert_eq!(
        onvif::operation(b"<Envelope><Body><GetServices/></Body></Envelope>"),
        Some("GetServices")
    );
    assert_eq!(onvif::operation(b"not xml"), None);
    assert_eq!(onvif::operation(&[0xff, 0xfe, b'<']), None);
}

fn rtsp_service(persona: &Persona) -> &crate::lab::RtspService {
    persona
        .services
        .iter()
        .find_map(|s| match s {
            Service::Rtsp(r) => Some(r),
            _ => None,
        })
        .unwrap()
}

/// Dahua's RTSP server names itself and challenges DESCRIBE with `Login to <serial>`.
#[test]
fn dahua_rtsp_options_and_describe() {
    let cam = persona("dahua-bullet");
    let service = rtsp_service(&cam);
    let options =
        http::parse_request(b"OPTIONS rtsp://198.18.0.16/ RTSP/1.0\r\nCSeq: 7\r\n\r\n").unwrap();
    let text = String::from_utf8(rtsp::respond(service, &ctx(&cam, 554), &options)).unwrap();
    assert!(
        text.starts_with(
            "RTSP/1.0 200 OK\r\nCSeq: 7\r\nServer: Dahua Rtsp Server\r\nPublic: OPTIONS"
        ),
        "{text}"
    );
    let describe = http::parse_request(
        b"DESCRIBE rtsp://198.18.0.16/cam/realmonitor RTSP/1.0\r\nCSeq: 8\r\n\r\n",
    )
    .unwrap();
    let text = String::from_utf8(rtsp::respond(service, &ctx(&cam, 554), &describe)).unwrap();
    assert!(
        text.starts_with("RTSP/1.0 401 Unauthorized\r\nCSeq: 8\r\n"),
        "{text}"
    );
    assert!(text.contains("realm=\"Login to 6J0A1B2PAZ12345\""));
    let http_get = http::parse_request(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let text = String::from_utf8(rtsp::respond(service, &ctx(&cam, 554), &http_get)).unwrap();
    assert!(
        text.starts_with("RTSP/1.0 400 Bad Request\r\nServer: Dahua Rtsp Server\r\n"),
        "{text}"
    );
}

/// The request parser refuses garbage instead of panicking, whatever the bytes.
#[test]
fn parser_never_panics_on_arbitrary_bytes() {
    let mut seed: u32 = 0x1234_5678;
    for len in 0..2000usize {
        let bytes: Vec<u8> = (0..len % 300)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed & 0xff) as u8
            })
            .collect();
        let _ = http::parse_request(&bytes);
        let _ = http::head_end(&bytes);
        let _ = onvif::operation(&bytes);
    }
    for bad in [
        &b""[..],
        b"\r\n\r\n",
        b"GET\r\n\r\n",
        b"get / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
    ] {
        assert!(http::parse_request(bad).is_err(), "{bad:?}");
    }
    let req =
        http::parse_request(b"GET /a?b HTTP/1.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\n")
            .unwrap();
    assert_eq!(
        (req.path.as_str(), req.keep_alive(), req.content_length()),
        ("/a", false, Some(5))
    );
}

/// Generated certificates carry the subject from the data, as the scanner's TLS probe reads it.
#[test]
fn certificate_subject_comes_from_persona_data() {
    let tapo = persona("tapo-c200");
    let Some(Service::Https(web)) = tapo.services.iter().find(|s| s.kind() == "https") else {
        panic!()
    };
    let subject = web.certificate.clone().unwrap();
    let (der, _) = crate::lab::tls::self_signed(&subject, Ipv4Addr::new(198, 18, 0, 24)).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    assert_eq!(cert.subject().to_string(), "CN=TPRI-DEVICE, O=TPRI, C=US");
}

/// The SpeedFace answers pyzk's connect packet and tells its name, framed the way pyzk decodes.
#[test]
fn zk_terminal_tells_its_device_name() {
    let terminal = persona("zkteco-speedface");
    let Some(Service::Zk(service)) = terminal.services.iter().find(|s| s.port() == 4370) else {
        panic!("zk service on 4370");
    };
    // pyzk's first packet: CMD_CONNECT, checksum 0xfc17, session 0, reply id 0.
    let connect = [
        0x50, 0x50, 0x82, 0x7d, 8, 0, 0, 0, 0xe8, 0x03, 0x17, 0xfc, 0, 0, 0, 0,
    ];
    assert_eq!(super::zk::request_len(&connect), Ok(Some(16)));
    let (reply, done) = super::zk::answer(service, &connect);
    assert!(!done);
    assert_eq!(&reply[..4], &[0x50, 0x50, 0x82, 0x7d]);
    assert_eq!(u16::from_le_bytes([reply[8], reply[9]]), 2000, "CMD_ACK_OK");
    let session = [reply[12], reply[13]];
    // CMD_OPTIONS_RRQ for ~DeviceName in that session.
    let mut ask = vec![0x50, 0x50, 0x82, 0x7d, 20, 0, 0, 0, 11, 0, 0, 0];
    ask.extend_from_slice(&session);
    ask.extend_from_slice(&[1, 0]);
    ask.extend_from_slice(b"~DeviceName\0");
    let (reply, _) = super::zk::answer(service, &ask);
    assert_eq!(u16::from_le_bytes([reply[8], reply[9]]), 2000);
    assert_eq!(&reply[16..], b"~DeviceName=SpeedFace-V5L\0");
    // Anything that is not ZK framing is refused.
    assert!(super::zk::request_len(b"GET / HTTP/1.1\r\n").is_err());
}
