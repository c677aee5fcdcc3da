//! The only place a `reqwest::Client` is built: no proxy, no redirects, invalid certificates
//! accepted (cameras are self-signed), certificate exposed, every body read under a size cap.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, Url, redirect};

use crate::probe::credentials::{Credential, Credentials};
use crate::retry::Backoff;
use thiserror::Error;

/// Building the client failed (TLS backend could not initialise).
#[derive(Debug, Error)]
#[error("building the HTTP client: {0}")]
pub struct ClientError(#[source] reqwest::Error);

/// Why a request got no response.
#[derive(Debug, Error)]
pub enum FetchError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Connection, TLS handshake or protocol failure; the text is the whole error chain.
    #[error("{0}")]
    Failed(String),
}

/// One response, read under the cap.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: Url,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the cap and was cut.
    pub body_capped: bool,
    /// The server's leaf certificate (DER), for HTTPS.
    pub peer_certificate: Option<Vec<u8>>,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Makes ring rustls's process-wide crypto provider, before any `reqwest::Client` is built:
/// reqwest is built without a bundled provider (its own would be the aws-lc-rs C build) and
/// refuses to build a client without one. Idempotent: an error only says one is installed.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client for read-only probing.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client,
    timeout: Duration,
    max_body: usize,
    /// The owner's logins (`--credentials`), for self-checks; empty by default.
    credentials: Arc<Credentials>,
}

impl HttpClient {
    /// # Errors
    /// [`ClientError`] if the TLS backend cannot be set up.
    pub fn new(timeout: Duration, max_body: usize) -> Result<Self, ClientError> {
        install_crypto_provider();
        let client = Client::builder()
            .no_proxy()
            .redirect(redirect::Policy::none())
            .tls_danger_accept_invalid_certs(true)
            .tls_danger_accept_invalid_hostnames(true)
            .tls_info(true)
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(1)
            .user_agent(concat!("camsweep/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError)?;
        Ok(Self {
            client,
            timeout,
            max_body,
            credentials: Arc::new(Credentials::default()),
        })
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The same client, answering Digest challenges of the listed devices with their login.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Arc<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// The owner's login for the host of `url`, if one was given.
    pub fn credential_for(&self, url: &Url) -> Option<&Credential> {
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        self.credentials.for_address(host.parse::<IpAddr>().ok()?)
    }

    /// `GET url`, no credentials, body capped.
    ///
    /// # Errors
    /// [`FetchError`] when no response arrived.
    pub async fn get(&self, url: Url) -> Result<Fetched, FetchError> {
        self.send(self.client.request(Method::GET, url.clone()), url)
            .await
    }

    /// `POST url` with a SOAP 1.2 body (ONVIF), body capped.
    ///
    /// # Errors
    /// [`FetchError`] when no response arrived.
    pub async fn post_soap(&self, url: Url, body: String) -> Result<Fetched, FetchError> {
        let req = self
            .client
            .request(Method::POST, url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/soap+xml; charset=utf-8",
            )
            .body(body);
        self.send(req, url).await
    }

    /// `POST url` with a SOAP body and an `Authorization` header (a self-check with the
    /// owner's login, see [`Self::credential_for`]).
    ///
    /// # Errors
    /// [`FetchError`] when no response arrived.
    pub async fn post_soap_authorized(
        &self,
        url: Url,
        body: String,
        authorization: &str,
    ) -> Result<Fetched, FetchError> {
        let req = self
            .client
            .request(Method::POST, url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/soap+xml; charset=utf-8",
            )
            .header(reqwest::header::AUTHORIZATION, authorization)
            .body(body);
        self.send(req, url).await
    }

    /// Sends `req`; after a timeout sends it again with backoff while the host's deadline
    /// leaves room for a whole attempt ([`Backoff::in_host_budget`]). On a lossy link a lost SYN
    /// is resent by the kernel only after 1 s, and after a handshake that lost a packet a lost
    /// request or reply only after 3 s (RFC 6298 5.7): a fresh connection is quicker. Refusals,
    /// resets and TLS failures are answers and are not retried.
    async fn send(&self, req: reqwest::RequestBuilder, url: Url) -> Result<Fetched, FetchError> {
        let mut backoff = Backoff::in_host_budget();
        let mut resp = loop {
            let Some(attempt) = req.try_clone() else {
                break req.send().await.map_err(|e| self.classify(&e))?;
            };
            match attempt.send().await {
                Ok(resp) => break resp,
                Err(e) if e.is_timeout() && backoff.another(self.timeout).await => {
                    tracing::debug!(%url, "request timed out; retrying");
                }
                Err(e) => return Err(self.classify(&e)),
            }
        };
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let peer_certificate = resp
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|t| t.peer_certificate())
            .map(<[u8]>::to_vec);
        // Never trust Content-Length: stream chunks and stop at the cap.
        let mut body = Vec::new();
        let mut body_capped = false;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.max_body - body.len();
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        body_capped = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // A body cut short by the device still tells what arrived.
                Err(_) => {
                    body_capped = true;
                    break;
                }
            }
        }
        Ok(Fetched {
            url,
            status,
            headers,
            body,
            body_capped,
            peer_certificate,
        })
    }

    fn classify(&self, err: &reqwest::Error) -> FetchError {
        if err.is_timeout() {
            return FetchError::Timeout(self.timeout);
        }
        FetchError::Failed(error_chain(err))
    }
}

/// An error and its sources, joined: rustls's reason sits deep in the chain.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
