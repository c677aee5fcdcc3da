//! Evidence atoms: one observed fact, where it came from and on which port.

use serde::{Deserialize, Serialize};

/// Longest evidence value kept, in bytes; longer values are cut at a char boundary and marked.
pub const MAX_EVIDENCE_VALUE: usize = 2048;

/// One observed fact. `source` is a dotted name such as `http.server` or `rtsp.realm`
/// (see [`EvidenceSource`] for the ones the probes emit); `value` is what was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub source: String,
    pub port: Option<u16>,
    pub value: String,
    /// True when `value` was cut to [`MAX_EVIDENCE_VALUE`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// True when the atom was read from traffic the device sent of its own accord (a capture or
    /// a live listen: DHCP, mDNS, SSDP, WS-Discovery announcements), not from a reply to a probe.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub passive: bool,
}

impl Evidence {
    /// Builds an atom, cutting an over-long value (never mid-character) and marking it.
    pub fn new(source: impl Into<String>, port: Option<u16>, value: impl Into<String>) -> Self {
        let mut value = value.into();
        let mut truncated = false;
        if value.len() > MAX_EVIDENCE_VALUE {
            let mut cut = MAX_EVIDENCE_VALUE;
            while !value.is_char_boundary(cut) {
                cut -= 1;
            }
            value.truncate(cut);
            truncated = true;
        }
        Self {
            source: source.into(),
            port,
            value,
            truncated,
            passive: false,
        }
    }

    /// The same atom, marked as observed passively.
    #[must_use]
    pub fn observed_passively(mut self) -> Self {
        self.passive = true;
        self
    }

    /// `source=value`, the short form findings and tables quote.
    pub fn short(&self) -> String {
        format!("{}={}", self.source, self.value)
    }
}

/// The evidence sources the probes of this crate emit. Signatures name sources by these strings;
/// later discovery protocols add their own (`sadp.*`, `ssdp.*`, `wsd.*`, `mdns.*`, `dhcp.*`).
pub struct EvidenceSource;

impl EvidenceSource {
    pub const MAC_VENDOR: &'static str = "mac.vendor";
    /// A device sending to its maker's own cloud (an endpoint with a `maker`): `EZVIZ via
    /// dev.ezvizlife.com:443`.
    pub const TRAFFIC_CLOUD_MAKER: &'static str = "traffic.cloud_maker";
    pub const MAC_LOCAL: &'static str = "mac.locally_administered";
    pub const TCP_BANNER: &'static str = "tcp.banner";
    pub const HTTP_STATUS: &'static str = "http.status";
    pub const HTTP_SERVER: &'static str = "http.server";
    pub const HTTP_WWW_AUTHENTICATE: &'static str = "http.www_authenticate";
    pub const HTTP_REALM: &'static str = "http.realm";
    pub const HTTP_TITLE: &'static str = "http.title";
    pub const HTTP_GENERATOR: &'static str = "http.meta_generator";
    pub const HTTP_SCRIPT: &'static str = "http.script";
    pub const HTTP_IMAGE: &'static str = "http.image";
    pub const HTTP_REDIRECT: &'static str = "http.redirect";
    pub const HTTP_BODY: &'static str = "http.body";
    pub const HTTP_PATH: &'static str = "http.path";
    pub const HTTP_HEADER: &'static str = "http.header";
    pub const HTTP_FAVICON_MD5: &'static str = "http.favicon_md5";
    pub const HTTP_FAVICON_MMH3: &'static str = "http.favicon_mmh3";
    pub const TLS_SUBJECT: &'static str = "tls.subject";
    pub const TLS_ISSUER: &'static str = "tls.issuer";
    pub const TLS_ERROR: &'static str = "tls.error";
    pub const RTSP_STATUS: &'static str = "rtsp.status";
    pub const RTSP_SERVER: &'static str = "rtsp.server";
    pub const RTSP_PUBLIC: &'static str = "rtsp.public";
    pub const RTSP_AUTH: &'static str = "rtsp.auth";
    pub const RTSP_REALM: &'static str = "rtsp.realm";
    pub const RTSP_HTTP_SERVER: &'static str = "rtsp.http_server";
    /// The `s=` session name of the SDP a `DESCRIBE` returned without authentication.
    pub const RTSP_SDP_SESSION: &'static str = "rtsp.sdp_session";
    /// The `i=` (session information) line of the same SDP (RFC 8866 §5.4).
    pub const RTSP_SDP_INFO: &'static str = "rtsp.sdp_info";
    /// The `a=tool:` attribute of the same SDP: the program that wrote it (RFC 8866 §6.3).
    pub const RTSP_SDP_TOOL: &'static str = "rtsp.sdp_tool";
    /// The path (and query) of a stream the same reply names: its `Content-Base` header and the
    /// SDP's absolute `a=control:` URLs (RFC 2326 §C.1.1), host and port left out. Path shapes
    /// are a firmware family's (`/Streaming/Channels/101`, `/cam/realmonitor?channel=1`).
    pub const RTSP_STREAM_PATH: &'static str = "rtsp.stream_path";
    /// The value of an SDP `a=Media_header:` attribute (Hikvision's `MEDIAINFO=494D4B48…`,
    /// the hex of its `IMKH` stream header).
    pub const RTSP_SDP_MEDIA_HEADER: &'static str = "rtsp.sdp_media_header";
    pub const ONVIF_DATETIME: &'static str = "onvif.datetime";
    pub const ONVIF_SERVICE: &'static str = "onvif.service";
    pub const ONVIF_MANUFACTURER: &'static str = "onvif.manufacturer";
    pub const ONVIF_MODEL: &'static str = "onvif.model";
    pub const ONVIF_FIRMWARE: &'static str = "onvif.firmware";
    pub const ONVIF_SERIAL: &'static str = "onvif.serial";
    pub const ONVIF_HARDWARE_ID: &'static str = "onvif.hardware_id";
    pub const ONVIF_FAULT: &'static str = "onvif.fault";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hostile device's endless header is cut, on a char boundary, and marked as cut.
    #[test]
    fn long_values_are_cut_and_marked() {
        let long = "é".repeat(MAX_EVIDENCE_VALUE);
        let ev = Evidence::new("http.title", Some(80), long);
        assert!(ev.truncated);
        assert!(ev.value.len() <= MAX_EVIDENCE_VALUE);
        assert!(ev.value.chars().all(|c| c == 'é'));
    }

    #[test]
    fn short_values_are_kept_whole() {
        let ev = Evidence::new("http.server", Some(80), "App-webs/");
        assert!(!ev.truncated);
        assert_eq!(ev.short(), "http.server=App-webs/");
    }
}
