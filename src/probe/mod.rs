//! Read-only probes of live hosts: HTTP(S), RTSP, ONVIF, the ZKTeco terminal protocol and raw
//! banners, chosen by open port.
//!
//! Does network I/O; decides nothing about what a device is. Every probe is bounded (request
//! timeout, body cap, host deadline), sends no credentials, and never fetches video. What could
//! not finish is recorded in `HostObservation::notes`.
//!
//! # Evidence values
//! Every atom carries the port it was seen on. Value shapes, for signature writers:
//! - `http.status`, `rtsp.status`: the numeric code only (`200`, `401`); every response of a
//!   redirect chain and both `OPTIONS` and `DESCRIBE` add theirs.
//! - `http.server`, `http.www_authenticate`, `rtsp.server`, `rtsp.public`, `rtsp.http_server`:
//!   the header value, trimmed. `http.realm`, `rtsp.realm`: the parsed realm; `rtsp.auth`: the scheme.
//! - `http.title`: whitespace-collapsed; `http.script`, `http.image`: file names without path or
//!   query (first 10); `http.body`: the first 2 KiB (marked truncated when longer).
//! - `http.header`: `Name: value` for a few telling headers, `Set-Cookie: name` (never the value).
//! - `http.redirect`: a `Location` or meta-refresh target as sent; `http.path`: a vendor path that
//!   answered 2xx or 401 (its server, challenge, realm and title are recorded too).
//! - `http.favicon_md5`: hex; `http.favicon_mmh3`: Shodan's signed decimal.
//! - `tls.subject`, `tls.issuer`: RFC 4514-like (`CN=IPC, O=Hikvision`); `tls.error`: the handshake error.
//! - `onvif.datetime`: `YYYY-MM-DDTHH:MM:SSZ`; `onvif.service`: a capability category (`Media`,
//!   `PTZ`, `Analytics`, `Recording`…); `onvif.fault`: `subcode: reason` or `HTTP 401`.
//! - `tcp.banner`: what the service sent unasked, control bytes as `\xNN`.
//! - `zkteco.device_name`: the name a ZKTeco terminal reports over its protocol on 4370.

pub mod banner;
pub mod connect;
pub mod credentials;
pub mod findings;
pub mod http;
pub mod onvif;
pub mod rtsp;
pub mod zk;

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use tracing::{debug, instrument};

use self::findings::Findings;
use self::http::client::{ClientError, HttpClient};
use crate::model::{CutReason, HostObservation, OpenPort};

/// The ports whose number alone picks their probe (`signatures/ports.toml`, `[probe]`); a port
/// in none of the lists is probed by the service name the sweep gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbePorts {
    /// Ports that usually carry TLS: tried with HTTPS first.
    #[serde(default)]
    pub https: Vec<u16>,
    /// Ports that usually carry plain HTTP.
    #[serde(default)]
    pub http: Vec<u16>,
    #[serde(default)]
    pub rtsp: Vec<u16>,
    /// The port many Chinese OEM cameras serve ONVIF on.
    #[serde(default)]
    pub onvif: Vec<u16>,
    /// The ZKTeco terminal protocol port.
    #[serde(default)]
    pub zk: Vec<u16>,
}

/// How the probes run.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Longest wait for one request (connect plus reply).
    pub timeout: Duration,
    /// Time budget for all probes of one host; what is unfinished then is noted.
    pub host_deadline: Duration,
    /// Most bytes read from one HTTP body.
    pub max_body: usize,
    /// Public vendor paths fetched with GET on every HTTP port (no credentials).
    pub vendor_paths: Vec<String>,
    /// Ports of one host probed at once (embedded devices are fragile).
    pub port_concurrency: usize,
    /// The owner's logins (`--credentials`), used only to answer a Digest challenge to ONVIF
    /// `GetDeviceInformation` of the listed device; empty unless given.
    pub credentials: std::sync::Arc<credentials::Credentials>,
    /// The ports whose number picks their probe, from the signature bundle; empty by default
    /// (then the sweep's service names decide).
    pub port_kinds: ProbePorts,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            host_deadline: Duration::from_secs(6),
            max_body: 256 * 1024,
            // Login pages and pre-auth endpoints named in public fingerprint sets
            // (rapid7/recog, nmap http-fingerprints): Hikvision, Dahua, Xiongmai, Uniview, TVT, Axis.
            vendor_paths: [
                "/doc/page/login.asp",
                "/ISAPI/Security/userCheck",
                "/RPC2_Login",
                "/login.rsp",
                "/Login.htm",
                "/cgi-bin/main-cgi",
                "/axis-cgi/param.cgi",
            ]
            .map(String::from)
            .to_vec(),
            port_concurrency: 3,
            credentials: std::sync::Arc::default(),
            port_kinds: ProbePorts::default(),
        }
    }
}

/// What kind of probe a port gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortKind {
    Https,
    Http,
    Rtsp,
    Onvif,
    /// ZKTeco terminal protocol: ask the device name.
    Zk,
    /// A port with a known non-HTTP service (vendor SDK, telnet, SSH…): read its banner.
    Other,
    /// A port nothing is known about: read a banner, and if it stays silent ask it for HTTP,
    /// as nmap's GetRequest probe does (web UIs on odd ports are common on cameras).
    Unknown,
}

fn port_kind(known: &ProbePorts, port: &OpenPort) -> PortKind {
    let p = port.port;
    match port.service.as_str() {
        _ if known.rtsp.contains(&p) => PortKind::Rtsp,
        _ if known.onvif.contains(&p) => PortKind::Onvif,
        _ if known.zk.contains(&p) => PortKind::Zk,
        _ if known.https.contains(&p) => PortKind::Https,
        _ if known.http.contains(&p) => PortKind::Http,
        "https" => PortKind::Https,
        "http" => PortKind::Http,
        "rtsp" => PortKind::Rtsp,
        "onvif" => PortKind::Onvif,
        "zkteco-sdk" => PortKind::Zk,
        "unknown" | "" => PortKind::Unknown,
        _ => PortKind::Other,
    }
}

/// Probes hosts with one HTTP client (so connections to a device are reused).
#[derive(Debug, Clone)]
pub struct Prober {
    cfg: ProbeConfig,
    client: HttpClient,
}

impl Prober {
    /// # Errors
    /// [`ClientError`] if the HTTP client cannot be built.
    pub fn new(cfg: ProbeConfig) -> Result<Self, ClientError> {
        let client = HttpClient::new(cfg.timeout, cfg.max_body)?
            .with_credentials(std::sync::Arc::clone(&cfg.credentials));
        Ok(Self { cfg, client })
    }

    /// Runs every applicable probe on the host's open ports, within the host deadline, and adds
    /// the evidence, the services found and notes to `host`.
    #[instrument(skip_all, fields(host = %host.ip))]
    pub async fn probe_host(&self, host: &mut HostObservation) {
        let findings = Findings::default();
        let ip = host.ip;
        // Owned items: a closure over borrowed ports would make the future non-`Send`.
        let jobs: Vec<(SocketAddr, PortKind)> = host
            .open_ports
            .iter()
            .map(|p| {
                (
                    SocketAddr::new(ip, p.port),
                    port_kind(&self.cfg.port_kinds, p),
                )
            })
            .collect();
        let findings_ref = &findings;
        let work = futures::stream::iter(jobs)
            .map(|(addr, kind)| self.probe_port(addr, kind, findings_ref))
            .buffer_unordered(self.cfg.port_concurrency.max(1))
            .collect::<Vec<()>>();
        // The deadline bounds the probes' retries too (crate::retry): none outlasts it.
        let deadline = tokio::time::Instant::now() + self.cfg.host_deadline;
        let bounded = tokio::time::timeout_at(deadline, work);
        if crate::retry::within_host_deadline(deadline, bounded)
            .await
            .is_err()
        {
            findings.note(
                crate::model::Note::new("host_deadline")
                    .arg("deadline", format_args!("{:?}", self.cfg.host_deadline)),
            );
            findings.cut(
                "host",
                None,
                CutReason::HostDeadline,
                format!(
                    "probes still running after {:?} were stopped",
                    self.cfg.host_deadline
                ),
            );
        }
        findings.apply(host);
    }

    async fn probe_port(&self, addr: SocketAddr, kind: PortKind, findings: &Findings) {
        debug!(port = addr.port(), ?kind, "probing");
        let (ip, port) = (addr.ip(), addr.port());
        let paths = &self.cfg.vendor_paths;
        match kind {
            PortKind::Https | PortKind::Http => {
                let base = http::probe_http(
                    &self.client,
                    ip,
                    port,
                    kind == PortKind::Https,
                    paths,
                    findings,
                )
                .await;
                if let Some(base) = base
                    && !findings.onvif_found()
                {
                    onvif::probe_onvif(&self.client, &base, findings).await;
                }
            }
            PortKind::Onvif => {
                let base = format!("http://{addr}/").parse::<reqwest::Url>();
                let spoke = match base {
                    Ok(base) => onvif::probe_onvif(&self.client, &base, findings).await,
                    Err(_) => false,
                };
                if spoke {
                    findings.service(port, "onvif");
                } else {
                    http::probe_http(&self.client, ip, port, false, paths, findings).await;
                }
            }
            PortKind::Rtsp => {
                rtsp::probe_rtsp(addr, self.cfg.timeout, findings).await;
            }
            PortKind::Zk => zk::probe_zk(addr, self.cfg.timeout, findings).await,
            PortKind::Other | PortKind::Unknown => {
                let banner = banner::probe_banner(addr, self.cfg.timeout, findings).await;
                if banner.is_empty() && kind == PortKind::Unknown {
                    http::probe_http(&self.client, ip, port, false, paths, findings).await;
                    return;
                }
                match banner::service_from_banner(&banner) {
                    Some("rtsp") => {
                        rtsp::probe_rtsp(addr, self.cfg.timeout, findings).await;
                    }
                    Some("http") => {
                        http::probe_http(&self.client, ip, port, false, paths, findings).await;
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Probes one host with a fresh [`Prober`]; a client that cannot be built becomes a note.
pub async fn probe_host(host: &mut HostObservation, cfg: &ProbeConfig) {
    match Prober::new(cfg.clone()) {
        Ok(prober) => prober.probe_host(host).await,
        Err(err) => host
            .notes
            .push(crate::model::Note::new("probe_failed").arg("error", err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(port: u16, service: &str) -> OpenPort {
        OpenPort {
            port,
            protocol: "tcp".into(),
            service: service.into(),
        }
    }

    /// Well-known ports pick their probe whatever the sweep's guess; others follow the guess.
    #[test]
    fn ports_pick_their_probe() {
        let known = crate::bundle::builtin_ports().unwrap().probe;
        let port_kind = |port: &OpenPort| port_kind(&known, port);
        assert_eq!(port_kind(&open(554, "unknown")), PortKind::Rtsp);
        assert_eq!(port_kind(&open(443, "https")), PortKind::Https);
        assert_eq!(port_kind(&open(80, "http")), PortKind::Http);
        assert_eq!(port_kind(&open(8899, "onvif")), PortKind::Onvif);
        assert_eq!(port_kind(&open(9999, "http")), PortKind::Http);
        assert_eq!(port_kind(&open(8000, "hikvision-sdk")), PortKind::Other);
        assert_eq!(port_kind(&open(23, "telnet")), PortKind::Other);
        assert_eq!(port_kind(&open(4370, "zkteco-sdk")), PortKind::Zk);
        assert_eq!(port_kind(&open(14370, "zkteco-sdk")), PortKind::Zk);
        assert_eq!(port_kind(&open(40123, "unknown")), PortKind::Unknown);
    }

    fn assert_send<T: Send>(_: &T) {}

    /// Probing a host can run on a multi-threaded runtime (`tokio::spawn`).
    #[test]
    fn probe_future_is_send() {
        let prober = Prober::new(ProbeConfig::default()).unwrap();
        let mut host = HostObservation::new("192.0.2.1".parse().unwrap());
        let fut = prober.probe_host(&mut host);
        assert_send(&fut);
        let cfg = crate::discover::SweepConfig::default();
        let sweep = crate::discover::sweep(&[], &cfg, &crate::discover::NoProgress);
        assert_send(&sweep);
    }
}
