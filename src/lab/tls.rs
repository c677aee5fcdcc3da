//! Self-signed certificates for HTTPS personas, generated at start from the subject in the data
//! (cameras ship self-signed certificates whose subject names the maker or model).

use std::net::Ipv4Addr;
use std::sync::Arc;

use rcgen::{CertificateParams, DnType, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::persona::CertificateSubject;

/// A TLS server configuration presenting a fresh certificate with `subject`.
///
/// # Errors
/// A message when key generation or the rustls configuration fails.
pub fn server_config(
    subject: &CertificateSubject,
    ip: Ipv4Addr,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let (cert, key) = self_signed(subject, ip)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert)], key)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(config))
}

/// A self-signed certificate (DER) for `subject` with `ip` as its subject alternative name, and
/// its private key.
///
/// # Errors
/// A message when key generation or signing fails.
pub fn self_signed(
    subject: &CertificateSubject,
    ip: Ipv4Addr,
) -> Result<(Vec<u8>, PrivateKeyDer<'static>), String> {
    let mut params = CertificateParams::default();
    params.subject_alt_names = vec![SanType::IpAddress(ip.into())];
    let name = &mut params.distinguished_name;
    name.push(DnType::CommonName, subject.cn.as_str());
    let optional = [
        (DnType::OrganizationName, &subject.o),
        (DnType::OrganizationalUnitName, &subject.ou),
        (DnType::LocalityName, &subject.l),
        (DnType::StateOrProvinceName, &subject.st),
        (DnType::CountryName, &subject.c),
    ];
    for (kind, value) in optional {
        if let Some(value) = value {
            name.push(kind, value.as_str());
        }
    }
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().to_vec(), key_der))
}
