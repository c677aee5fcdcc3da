//! Pure: evidence from a peer certificate (DER). Camera certificates often name vendor or model.

use x509_parser::prelude::parse_x509_certificate;

use crate::model::{Evidence, EvidenceSource as Src};

/// `tls.subject` and `tls.issuer` (RFC 4514-like strings), or `tls.error` if the DER is unreadable.
pub fn certificate_evidence(der: &[u8], port: Option<u16>) -> Vec<Evidence> {
    match parse_x509_certificate(der) {
        Ok((_, cert)) => vec![
            Evidence::new(Src::TLS_SUBJECT, port, cert.subject().to_string()),
            Evidence::new(Src::TLS_ISSUER, port, cert.issuer().to_string()),
        ],
        Err(err) => vec![Evidence::new(
            Src::TLS_ERROR,
            port,
            format!("unreadable certificate: {err}"),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Garbage instead of a certificate is evidence of an error, not a panic.
    #[test]
    fn garbage_certificate_is_an_error_atom() {
        let ev = certificate_evidence(b"\x30\x03garbage", Some(443));
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].source, Src::TLS_ERROR);
    }

    /// A self-signed certificate naming its product yields subject and issuer.
    #[test]
    fn self_signed_subject_and_issuer() {
        let mut params = rcgen::CertificateParams::new(vec!["192.0.2.64".to_string()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "IPC");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Hikvision");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let ev = certificate_evidence(cert.der(), Some(443));
        let subject = ev.iter().find(|e| e.source == Src::TLS_SUBJECT).unwrap();
        assert!(
            subject.value.contains("CN=IPC") && subject.value.contains("O=Hikvision"),
            "{}",
            subject.value
        );
        let issuer = ev.iter().find(|e| e.source == Src::TLS_ISSUER).unwrap();
        assert_eq!(issuer.value, subject.value);
    }
}
