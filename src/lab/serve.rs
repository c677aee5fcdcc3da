//! Connection loops: accept on a persona's listener and answer with the pure responders.
//! Every read is capped in size and time, so scanner input can neither exhaust memory nor pin a
//! task forever.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;

use super::PersonaStats;
use super::persona::{
    BannerService, HostileService, HttpService, OnvifService, Persona, RtspService, ZkService,
};
use super::responders::http::{self, HttpContext, MAX_BODY, MAX_HEAD, Request};
use super::responders::{Context, banner, rtsp, zk};

/// How long a client may stay silent before the persona hangs up.
const IDLE: Duration = Duration::from_secs(20);
/// Requests answered on one keep-alive connection.
const MAX_REQUESTS: usize = 64;
/// Connections served at once per port; more are dropped, like a small embedded server does.
const MAX_CONNECTIONS: usize = 64;
/// Bytes a banner or silent port swallows before hanging up.
const MAX_DISCARD: usize = 64 * 1024;

/// What a listener answers with.
#[derive(Clone)]
pub enum Responder {
    Http {
        service: Box<HttpService>,
        onvif: Option<OnvifService>,
        tls: Option<Arc<rustls::ServerConfig>>,
    },
    /// ONVIF on a port without a web interface of its own.
    Onvif {
        service: OnvifService,
    },
    Rtsp {
        service: RtspService,
    },
    Banner {
        service: BannerService,
    },
    Zk {
        service: ZkService,
    },
    /// A port that fights back; `reply` is the service's `reply_bytes()`.
    Hostile {
        service: HostileService,
        reply: Arc<Vec<u8>>,
    },
    /// Reads and drops what the client sends, up to `accepts_bytes` (default [`MAX_DISCARD`]).
    Silent {
        accepts_bytes: Option<usize>,
    },
}

/// Serves `listener` until the task is aborted; aborting also ends its open connections.
pub async fn accept_loop(
    persona: Arc<Persona>,
    port: u16,
    listener: TcpListener,
    responder: Responder,
    stats: Arc<PersonaStats>,
) {
    let responder = Arc::new(responder);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            // Out of descriptors or similar: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        stats.connections.fetch_add(1, Ordering::Relaxed);
        while connections.try_join_next().is_some() {}
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!(persona = %persona.name, port, "connection limit reached; dropping");
            continue;
        };
        let persona = Arc::clone(&persona);
        let responder = Arc::clone(&responder);
        let stats = Arc::clone(&stats);
        connections.spawn(async move {
            let _slot = slot;
            tracing::trace!(persona = %persona.name, port, %peer, "connection");
            serve_connection(&persona, port, stream, &responder, &stats).await;
        });
    }
}

async fn serve_connection(
    persona: &Persona,
    port: u16,
    mut stream: tokio::net::TcpStream,
    responder: &Responder,
    stats: &PersonaStats,
) {
    let _ = stream.set_nodelay(true);
    match responder {
        Responder::Http {
            service,
            onvif,
            tls: Some(config),
        } => {
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(config));
            if let Ok(Ok(tls)) = timeout(IDLE, acceptor.accept(stream)).await {
                serve_http(persona.ip, port, tls, service, onvif.as_ref()).await;
            }
        }
        Responder::Http {
            service,
            onvif,
            tls: None,
        } => {
            serve_http(persona.ip, port, stream, service, onvif.as_ref()).await;
        }
        Responder::Onvif { service } => {
            let web = HttpService {
                port,
                server: service.server.clone(),
                status: 404,
                ..HttpService::default()
            };
            serve_http(persona.ip, port, stream, &web, Some(service)).await;
        }
        Responder::Rtsp { service } => serve_rtsp(persona.ip, port, stream, service).await,
        Responder::Banner { service } => {
            if stream.write_all(banner::greeting(service)).await.is_ok() {
                discard(&mut stream, MAX_DISCARD).await;
            }
        }
        Responder::Zk { service } => serve_zk(&mut stream, service).await,
        Responder::Hostile { service, reply } => {
            super::hostile::serve(stream, service, reply, stats).await;
        }
        Responder::Silent { accepts_bytes } => {
            discard(&mut stream, accepts_bytes.unwrap_or(MAX_DISCARD)).await;
        }
    }
}

/// ZK protocol: framed requests in, framed replies out, until the client exits or misbehaves.
async fn serve_zk(stream: &mut tokio::net::TcpStream, service: &ZkService) {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS {
        let total = loop {
            match zk::request_len(&buf) {
                Ok(Some(total)) if buf.len() >= total => break total,
                Ok(_) => {
                    if fill(stream, &mut buf).await.is_err() {
                        return;
                    }
                }
                // Not ZK framing: a real terminal just drops the connection.
                Err(zk::NotZkRequest) => return,
            }
        };
        let (reply, done) = zk::answer(service, &buf[..total]);
        buf.drain(..total);
        if stream.write_all(&reply).await.is_err() || done {
            return;
        }
    }
}

/// Reads and drops whatever the client sends, until it closes, idles or sends too much.
async fn discard(stream: &mut tokio::net::TcpStream, limit: usize) {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    while total < limit {
        match timeout(IDLE, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => total += n,
            _ => break,
        }
    }
}

/// Why a request could not be read.
pub(super) enum ReadError {
    Closed,
    TooLarge,
    Malformed,
}

/// Reads one request head (and its body, capped) from `stream`, keeping leftovers in `buf`.
pub(super) async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Result<(Request, Vec<u8>), ReadError> {
    let head_len = loop {
        if let Some(end) = http::head_end(buf) {
            break end;
        }
        if buf.len() >= MAX_HEAD {
            return Err(ReadError::TooLarge);
        }
        fill(stream, buf).await?;
    };
    let request = http::parse_request(&buf[..head_len]).map_err(|_| ReadError::Malformed)?;
    let body_len = request.content_length().unwrap_or(0);
    if body_len > MAX_BODY {
        return Err(ReadError::TooLarge);
    }
    while buf.len() < head_len + body_len {
        fill(stream, buf).await?;
    }
    let body = buf[head_len..head_len + body_len].to_vec();
    buf.drain(..head_len + body_len);
    Ok((request, body))
}

async fn fill<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    let mut chunk = [0u8; 4096];
    match timeout(IDLE, stream.read(&mut chunk)).await {
        Ok(Ok(n)) if n > 0 => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
        _ => Err(ReadError::Closed),
    }
}

async fn serve_http<S: AsyncRead + AsyncWrite + Unpin>(
    ip: Ipv4Addr,
    port: u16,
    mut stream: S,
    service: &HttpService,
    onvif: Option<&OnvifService>,
) {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS {
        let (request, body) = match read_request(&mut stream, &mut buf).await {
            Ok(read) => read,
            Err(ReadError::Closed) => return,
            Err(ReadError::TooLarge | ReadError::Malformed) => {
                let answer = http::bad_request(service.server.as_deref()).to_bytes(false);
                let _ = stream.write_all(&answer).await;
                let _ = stream.shutdown().await;
                return;
            }
        };
        let nonce = nonce();
        let ctx = HttpContext {
            service,
            onvif,
            ctx: Context {
                ip,
                port,
                now: time::OffsetDateTime::now_utc(),
                nonce: &nonce,
            },
        };
        let response = http::respond(&ctx, &request, &body);
        let bytes = response.to_bytes(request.method == "HEAD");
        if stream.write_all(&bytes).await.is_err() || !request.keep_alive() {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

async fn serve_rtsp(
    ip: Ipv4Addr,
    port: u16,
    mut stream: tokio::net::TcpStream,
    service: &RtspService,
) {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS {
        let request = match read_request(&mut stream, &mut buf).await {
            Ok((request, _body)) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::TooLarge | ReadError::Malformed) => {
                let _ = stream.write_all(&rtsp::bad_request(service)).await;
                return;
            }
        };
        let nonce = nonce();
        let ctx = Context {
            ip,
            port,
            now: time::OffsetDateTime::now_utc(),
            nonce: &nonce,
        };
        let answer = rtsp::respond(service, &ctx, &request);
        let is_http = request.version.starts_with("HTTP/");
        if stream.write_all(&answer).await.is_err() || is_http {
            return;
        }
    }
}

/// A fresh Digest nonce: 32 hex digits, like the cameras send.
fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = Md5::new();
    hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hasher.update(
        time::OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .to_le_bytes(),
    );
    hex::encode(hasher.finalize())
}
