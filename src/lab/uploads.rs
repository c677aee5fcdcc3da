//! Personas that send data out: each resolves a cloud name through the lab DNS server, opens TLS
//! with that name as SNI and sends content (snapshot bursts) or heartbeats over one connection
//! until the lab stops. What each persona sends is data (`uploads.toml`), not code.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Deserialize;
use simple_dns::rdata::RData;
use simple_dns::{CLASS, Name, Packet, QCLASS, QTYPE, Question, TYPE};
use tokio::io::AsyncWriteExt;

use super::LabError;

const BUNDLED: &str = include_str!("uploads.toml");

/// How long one upload (resolve, connect, TLS, send, close) may take before it counts as failed.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The lab DNS server's address on the lab internet.
pub const DNS_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 53);
/// The lab internet (RFC 5737 TEST-NET-3).
pub const INTERNET: ipnet::Ipv4Net = match ipnet::Ipv4Net::new(Ipv4Addr::new(203, 0, 113, 0), 24) {
    Ok(net) => net,
    // 24 is a valid IPv4 prefix length, so this arm is never taken.
    Err(_) => panic!("203.0.113.0/24"),
};

/// One persona's outgoing traffic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    pub persona: String,
    /// The cloud name resolved and sent as SNI.
    pub name: String,
    /// Where the lab DNS server says `name` is.
    pub ip: Ipv4Addr,
    /// Bytes sent per message.
    pub bytes: usize,
    /// Pause between messages.
    pub every_ms: u64,
    /// A host on the lab LAN to send to instead (`198.18.0.40:7660`): plain HTTP POSTs of one
    /// picture each, with `name` as the Host header, as a camera pushes events to a local
    /// platform server. No DNS, no TLS, no lab internet.
    #[serde(default)]
    pub to: Option<std::net::SocketAddrV4>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Uploads {
    upload: Vec<Upload>,
}

static PARSED: LazyLock<Result<Vec<Upload>, String>> = LazyLock::new(|| {
    toml::from_str::<Uploads>(BUNDLED)
        .map(|u| u.upload)
        .map_err(|e| format!("uploads.toml: {e}"))
});

/// Every upload in `uploads.toml`.
///
/// # Errors
/// [`LabError::Spec`] when the bundled data does not parse.
pub fn bundled() -> Result<&'static [Upload], LabError> {
    PARSED.as_deref().map_err(|reason| LabError::Spec {
        persona: None,
        reason: reason.clone(),
    })
}

/// What `persona` sends, if anything.
pub fn for_persona(persona: &str) -> Option<&'static Upload> {
    bundled().ok()?.iter().find(|u| u.persona == persona)
}

/// How a persona's uploads went: each attempt (resolve, connect, TLS, send) is counted once.
#[derive(Debug, Default)]
pub struct UploadStats {
    pub sent: std::sync::atomic::AtomicU64,
    pub failed: std::sync::atomic::AtomicU64,
}

/// Starts the persona's uploads on a thread inside its namespace (`persona_ns`), so every socket
/// leaves from its own `eth0`. The returned task holds the thread's stop signal: aborting it (as
/// [`super::Lab::shutdown`] does) ends the uploads.
///
/// # Errors
/// [`LabError::Namespace`] when the thread cannot join the namespace.
pub fn start(
    upload: &'static Upload,
    persona_ns: &std::fs::File,
    stats: Arc<UploadStats>,
) -> Result<tokio::task::JoinHandle<()>, LabError> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    super::ns::spawn_in_netns(persona_ns, "start a persona's uploads", move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let runtime = match runtime {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(persona = %upload.persona, "uploads not started: {e}");
                return;
            }
        };
        runtime.block_on(async {
            tokio::select! {
                _ = stopped => {}
                () = run(upload, &stats) => {}
            }
        });
    })?;
    Ok(tokio::spawn(async move {
        let _stop = stop;
        std::future::pending::<()>().await;
    }))
}

/// Sends one message per connection, as a device POSTing each snapshot does: resolve, connect,
/// TLS with the name as SNI, send, close. Failures are logged and retried at the next tick.
async fn run(upload: &'static Upload, stats: &UploadStats) {
    let mut tick = tokio::time::interval(Duration::from_millis(upload.every_ms.max(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let Ok(config) = client_config() else {
        tracing::warn!(persona = %upload.persona, "no TLS client configuration");
        return;
    };
    loop {
        tick.tick().await;
        // A device gives up on a snapshot that does not get through in time; so does the lab,
        // and counts it as failed.
        match tokio::time::timeout(UPLOAD_TIMEOUT, send_once(upload, &config)).await {
            Ok(Ok(())) => {
                stats
                    .sent
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                stats
                    .failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(persona = %upload.persona, name = %upload.name, "upload: {e}");
            }
            Err(_) => {
                stats
                    .failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(persona = %upload.persona, name = %upload.name, "upload timed out");
            }
        }
    }
}

async fn send_once(upload: &Upload, config: &Arc<rustls::ClientConfig>) -> Result<(), String> {
    if let Some(to) = upload.to {
        return post_on_lan(upload, to).await;
    }
    let ip = resolve(&upload.name).await?;
    let stream = tokio::net::TcpStream::connect(SocketAddr::from((ip, 443)))
        .await
        .map_err(|e| format!("connect {ip}:443: {e}"))?;
    let server = ServerName::try_from(upload.name.clone()).map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
    let mut tls = connector
        .connect(server, stream)
        .await
        .map_err(|e| format!("TLS with {}: {e}", upload.name))?;
    // A JPEG's start-of-image marker, then filler: the size is what the analysis judges.
    let mut message = vec![0x5a; upload.bytes.max(2)];
    message[..2].copy_from_slice(&[0xff, 0xd8]);
    tls.write_all(&message)
        .await
        .map_err(|e| format!("send to {}: {e}", upload.name))?;
    tls.shutdown().await.map_err(|e| e.to_string())
}

/// One picture as an HTTP POST to a host on the LAN (multipart, as event pushes are): the
/// receiving persona reads and discards it.
async fn post_on_lan(upload: &Upload, to: std::net::SocketAddrV4) -> Result<(), String> {
    let mut stream = tokio::net::TcpStream::connect(to)
        .await
        .map_err(|e| format!("connect {to}: {e}"))?;
    let boundary = "camsweep-lab-boundary";
    let mut picture = vec![0x5a; upload.bytes.max(2)];
    picture[..2].copy_from_slice(&[0xff, 0xd8]);
    let part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"face.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    let end = format!("\r\n--{boundary}--\r\n");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        upload.name,
        part.len() + picture.len() + end.len()
    );
    let mut message = Vec::with_capacity(head.len() + part.len() + picture.len() + end.len());
    message.extend_from_slice(head.as_bytes());
    message.extend_from_slice(part.as_bytes());
    message.extend_from_slice(&picture);
    message.extend_from_slice(end.as_bytes());
    stream
        .write_all(&message)
        .await
        .map_err(|e| format!("send to {to}: {e}"))?;
    stream.shutdown().await.map_err(|e| e.to_string())
}

/// Asks the lab DNS server for `name`'s A record.
async fn resolve(name: &str) -> Result<Ipv4Addr, String> {
    let socket = tokio::net::UdpSocket::bind(("0.0.0.0", 0))
        .await
        .map_err(|e| e.to_string())?;
    let mut query = Packet::new_query(0x4c41);
    let qname = Name::new(name).map_err(|e| e.to_string())?;
    query.questions.push(Question::new(
        qname,
        QTYPE::TYPE(TYPE::A),
        QCLASS::CLASS(CLASS::IN),
        false,
    ));
    let bytes = query.build_bytes_vec().map_err(|e| e.to_string())?;
    let mut answer = [0u8; 512];
    for _ in 0..3 {
        socket
            .send_to(&bytes, (DNS_IP, 53))
            .await
            .map_err(|e| format!("DNS query: {e}"))?;
        let got = tokio::time::timeout(Duration::from_secs(1), socket.recv(&mut answer)).await;
        let Ok(Ok(len)) = got else { continue };
        let reply = Packet::parse(&answer[..len]).map_err(|e| e.to_string())?;
        for record in &reply.answers {
            if let RData::A(a) = &record.rdata {
                return Ok(Ipv4Addr::from(a.address));
            }
        }
        return Err(format!("the lab DNS server does not know {name}"));
    }
    Err(format!("no DNS answer for {name}"))
}

fn client_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AcceptLabCertificates(Arc::clone(&provider)));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The lab internet's endpoints present self-signed certificates made at start, and the client
/// only stands in for a device talking to them inside our namespaces, so any certificate is
/// accepted (signatures are still checked, so the handshake is a real one).
#[derive(Debug)]
struct AcceptLabCertificates(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptLabCertificates {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
