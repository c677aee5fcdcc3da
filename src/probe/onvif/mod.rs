//! ONVIF device-service probe: three pre-auth-or-failing SOAP calls, never WS-Security.

pub mod soap;

use reqwest::Url;

use super::findings::Findings;
use super::http::client::{FetchError, HttpClient};
use crate::model::{CutReason, Evidence, EvidenceSource as Src};

/// The device service every ONVIF device exposes.
pub const DEVICE_SERVICE: &str = "/onvif/device_service";

/// Probes the ONVIF device service under `base` (`http://ip:port`); returns whether it spoke SOAP.
pub async fn probe_onvif(client: &HttpClient, base: &Url, findings: &Findings) -> bool {
    let Ok(url) = base.join(DEVICE_SERVICE) else {
        return false;
    };
    let port = url.port_or_known_default();
    let p = port.unwrap_or_default();
    let Some(leaves) = call(client, &url, soap::get_system_date_and_time(), findings, p).await
    else {
        return false;
    };
    findings.mark_onvif();
    record_fault(&leaves, port, findings);
    if let Some(dt) = soap::utc_datetime(&leaves) {
        findings.push(Evidence::new(Src::ONVIF_DATETIME, port, dt));
    }
    if let Some(leaves) = call(client, &url, soap::get_capabilities(), findings, p).await {
        record_fault(&leaves, port, findings);
        for category in soap::capability_categories(&leaves) {
            findings.push(Evidence::new(Src::ONVIF_SERVICE, port, category));
        }
    }
    match client
        .post_soap(url.clone(), soap::get_device_information())
        .await
    {
        Ok(resp) if resp.status == 401 || resp.status == 403 => {
            findings.push(Evidence::new(
                Src::ONVIF_FAULT,
                port,
                format!("HTTP {}", resp.status),
            ));
            if resp.status == 401 && client.credential_for(&url).is_some() {
                self_check(client, &url, &resp, findings, p).await;
            }
        }
        Ok(resp) => read_device_information(&resp, port, findings, p),
        Err(err) => {
            findings.note(
                crate::model::Note::new("onvif_info_failed")
                    .arg("port", p)
                    .arg("error", &err),
            );
            let reason = match err {
                FetchError::Timeout(_) => CutReason::Timeout,
                FetchError::Failed(_) => CutReason::Reset,
            };
            findings.cut("onvif", port, reason, err.to_string());
        }
    }
    true
}

fn read_device_information(
    resp: &super::http::client::Fetched,
    port: Option<u16>,
    findings: &Findings,
    p: u16,
) {
    match soap::parse_leaves(&String::from_utf8_lossy(&resp.body)) {
        Ok(leaves) => {
            record_fault(&leaves, port, findings);
            if let Some(info) = soap::device_information(&leaves) {
                record_device_information(&info, port, findings);
            }
        }
        Err(err) => {
            findings.note(
                crate::model::Note::new("onvif_info_unreadable")
                    .arg("port", p)
                    .arg("error", &err),
            );
            findings.cut("onvif", port, CutReason::Malformed, err.to_string());
        }
    }
}

/// The owner's self-check: `GetDeviceInformation` once more, answering the device's Digest
/// challenge with the login listed for it in `--credentials`. One attempt, never another login.
async fn self_check(
    client: &HttpClient,
    url: &Url,
    challenged: &super::http::client::Fetched,
    findings: &Findings,
    p: u16,
) {
    let Some(cred) = client.credential_for(url) else {
        return;
    };
    let challenges = challenged
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.as_str());
    let Some(answer) =
        super::credentials::digest_authorization(challenges, cred, "POST", url.path())
    else {
        findings.note(crate::model::Note::new("onvif_login_no_digest").arg("port", p));
        return;
    };
    match client
        .post_soap_authorized(
            url.clone(),
            soap::get_device_information(),
            &answer.authorization,
        )
        .await
    {
        Ok(resp) if resp.status == 401 || resp.status == 403 => findings.note(
            crate::model::Note::new("onvif_login_refused")
                .arg("port", p)
                .arg("status", resp.status),
        ),
        Ok(resp) => {
            findings.note(
                crate::model::Note::new("onvif_self_check_read")
                    .arg("port", p)
                    .arg("algorithm", answer.algorithm),
            );
            read_device_information(&resp, url.port_or_known_default(), findings, p);
        }
        Err(err) => findings.note(
            crate::model::Note::new("onvif_self_check_failed")
                .arg("port", p)
                .arg("error", err),
        ),
    }
}

/// POSTs one request; returns the reply's leaves when it is SOAP.
async fn call(
    client: &HttpClient,
    url: &Url,
    body: String,
    findings: &Findings,
    port: u16,
) -> Option<soap::Leaves> {
    match client.post_soap(url.clone(), body).await {
        Ok(resp) => {
            if resp.body_capped {
                findings.note(crate::model::Note::new("onvif_reply_capped").arg("port", port));
                findings.cut(
                    "onvif",
                    Some(port),
                    CutReason::SizeCap,
                    format!("reply cut at {} bytes", resp.body.len()),
                );
            }
            match soap::parse_leaves(&String::from_utf8_lossy(&resp.body)) {
                Ok(leaves) => Some(leaves),
                // A SOAP-shaped reply that is refused (a DOCTYPE declaring entities, nesting too
                // deep): say so; a web page that is not XML at all is just not ONVIF.
                Err(
                    err @ (soap::SoapError::DocType
                    | soap::SoapError::TooDeep
                    | soap::SoapError::TooLong),
                ) => {
                    findings.cut("onvif", Some(port), CutReason::Malformed, err.to_string());
                    None
                }
                Err(_) => None,
            }
        }
        Err(FetchError::Timeout(t)) => {
            findings.note(
                crate::model::Note::new("onvif_no_reply")
                    .arg("port", port)
                    .arg("timeout", format_args!("{t:?}")),
            );
            findings.cut(
                "onvif",
                Some(port),
                CutReason::Timeout,
                format!("no reply within {t:?}"),
            );
            None
        }
        Err(FetchError::Failed(_)) => None,
    }
}

fn record_fault(leaves: &soap::Leaves, port: Option<u16>, findings: &Findings) {
    if let Some(fault) = soap::fault(leaves) {
        findings.push(Evidence::new(Src::ONVIF_FAULT, port, fault));
    }
}

fn record_device_information(
    info: &soap::DeviceInformation,
    port: Option<u16>,
    findings: &Findings,
) {
    let fields = [
        (Src::ONVIF_MANUFACTURER, &info.manufacturer),
        (Src::ONVIF_MODEL, &info.model),
        (Src::ONVIF_FIRMWARE, &info.firmware),
        (Src::ONVIF_SERIAL, &info.serial),
        (Src::ONVIF_HARDWARE_ID, &info.hardware_id),
    ];
    for (source, value) in fields {
        if let Some(v) = value {
            findings.push(Evidence::new(source, port, v.as_str()));
        }
    }
}
