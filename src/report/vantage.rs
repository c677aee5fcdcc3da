//! The case file's vantage-point section, reduced to display values: where the traffic was seen
//! from (`scan.vantage`) and, when camsweep intercepted devices (`scan.interception`) or sat in
//! the cable (`scan.bridge`), what it did: devices, how long, what was forwarded and dropped,
//! and whether everything it changed was put back. Shared by the HTML and Markdown renderers.

use serde::Serialize;

use crate::model::{Bridge, Interception, Report};

use super::case_i18n::CaseLabels;
use super::i18n::Lang;
use super::sanitize::visible;
use super::view::{bytes, when};

fn text(value: &str) -> String {
    visible(value).into_owned()
}

/// `packets / bytes` as people read them.
fn traffic(packets: u64, byte_count: u64) -> String {
    format!("{packets} / {}", bytes(byte_count))
}

#[derive(Debug, Serialize)]
pub(crate) struct InterceptedRow {
    pub ip: String,
    pub mac: String,
    pub seconds: String,
    pub to_gateway: String,
    pub to_device: String,
    pub dropped: String,
    pub stopped_early: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct InterceptionView {
    pub interface: String,
    /// `ip (mac)`.
    pub gateway: String,
    /// `start – end`.
    pub period: String,
    pub devices: Vec<InterceptedRow>,
    pub arp_replies: u64,
    pub not_answering: u64,
    pub kernel_drops: u64,
    pub not_analysed: u64,
    pub restored: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct BridgeView {
    pub interfaces: String,
    pub period: String,
    pub forward: String,
    pub back: String,
    pub dropped: String,
    pub kernel_drops: u64,
    pub not_analysed: u64,
    pub restored: &'static str,
    pub restore_errors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Vantage {
    /// `scan.vantage` as recorded (`interception`, `none` …), empty when absent.
    pub code: String,
    /// What that vantage point sees, in the report's language.
    pub explanation: &'static str,
    pub interception: Option<InterceptionView>,
    pub bridge: Option<BridgeView>,
}

fn explanation(code: Option<&str>, c: &CaseLabels) -> &'static str {
    match code {
        Some("mirror_port") => c.vantage_mirror_port,
        Some("router_capture") => c.vantage_router_capture,
        Some("interception") => c.vantage_interception,
        Some("bridge") => c.vantage_bridge,
        Some("capture_file") => c.vantage_capture_file,
        Some("own_port") => c.vantage_own_port,
        Some("none") => c.vantage_none,
        _ => c.vantage_unknown,
    }
}

fn restored(ok: bool, c: &CaseLabels) -> &'static str {
    if ok { c.restored_yes } else { c.restored_no }
}

fn interception(i: &Interception, c: &CaseLabels) -> InterceptionView {
    InterceptionView {
        interface: text(&i.interface),
        gateway: format!("{} ({})", text(&i.gateway_ip), text(&i.gateway_mac)),
        period: format!("{} – {}", when(&i.started_at), when(&i.finished_at)),
        devices: i
            .devices
            .iter()
            .map(|d| InterceptedRow {
                ip: text(&d.ip),
                mac: text(&d.mac),
                seconds: format!("{:.1}", d.seconds),
                to_gateway: traffic(d.packets_to_gateway, d.bytes_to_gateway),
                to_device: traffic(d.packets_to_device, d.bytes_to_device),
                dropped: traffic(d.packets_dropped, d.bytes_dropped),
                stopped_early: d.stopped_early.as_deref().map(text),
            })
            .collect(),
        arp_replies: i.arp_replies_sent,
        not_answering: i.not_answering,
        kernel_drops: i.frames_dropped_by_kernel,
        not_analysed: i.frames_not_analysed,
        restored: restored(i.restored, c),
    }
}

fn bridge(b: &Bridge, c: &CaseLabels) -> BridgeView {
    BridgeView {
        interfaces: b
            .interfaces
            .iter()
            .map(|i| text(i))
            .collect::<Vec<_>>()
            .join(" ⇄ "),
        period: format!("{} – {}", when(&b.started_at), when(&b.finished_at)),
        forward: traffic(b.frames_forward, b.bytes_forward),
        back: traffic(b.frames_back, b.bytes_back),
        dropped: traffic(b.frames_dropped, b.bytes_dropped),
        kernel_drops: b.frames_dropped_by_kernel,
        not_analysed: b.frames_not_analysed,
        restored: restored(b.restored, c),
        restore_errors: b.restore_errors.iter().map(|e| text(e)).collect(),
    }
}

pub(crate) fn build(report: &Report, lang: Lang) -> Vantage {
    let c = lang.case_labels();
    let code = report.scan.vantage.as_deref();
    Vantage {
        code: code.map(text).unwrap_or_default(),
        explanation: explanation(code, c),
        interception: report
            .scan
            .interception
            .as_ref()
            .map(|i| interception(i, c)),
        bridge: report.scan.bridge.as_ref().map(|b| bridge(b, c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InterceptedDevice;
    use crate::report::testdata::sample_report;
    use crate::report::{render_html, render_markdown};

    fn intercepted_report() -> Report {
        let mut report = sample_report();
        report.scan.vantage = Some("interception".into());
        report.scan.interception = Some(Interception {
            interface: "lan0".into(),
            gateway_ip: "198.18.0.1".into(),
            gateway_mac: "60:3a:7c:11:22:01".into(),
            started_at: "2026-12-06T04:00:00Z".into(),
            finished_at: "2026-12-06T04:00:20Z".into(),
            devices: vec![InterceptedDevice {
                ip: "198.18.0.12".into(),
                mac: "44:47:cc:3a:10:12".into(),
                seconds: 19.5,
                packets_to_gateway: 4321,
                bytes_to_gateway: 5_242_880,
                packets_to_device: 1234,
                bytes_to_device: 65_536,
                packets_dropped: 7,
                bytes_dropped: 9000,
                stopped_early: Some("forwarding failed: No buffer space".into()),
            }],
            not_answering: 2,
            arp_replies_sent: 88,
            restored: true,
            frames_dropped_by_kernel: 3,
            frames_not_analysed: 5,
        });
        report
    }

    /// What a reader of the case file must find: which devices were intercepted, for how long,
    /// what was forwarded and dropped, and that the ARP entries were put back; in both
    /// languages, on the page and in Markdown.
    #[test]
    fn interception_details_are_in_html_and_markdown_in_both_languages() {
        let report = intercepted_report();
        for (lang, title, restored) in [
            (Lang::En, "ARP interception", "yes"),
            (Lang::Zh, "ARP拦截", "是"),
        ] {
            let md = render_markdown(&report, lang);
            // minijinja escapes "/" in HTML.
            let html = render_html(&report, lang).unwrap().replace("&#x2f;", "/");
            for page in [&md, &html] {
                assert!(page.contains(title), "{lang:?}: {page}");
                for shown in [
                    "198.18.0.12",
                    "44:47:cc:3a:10:12",
                    "19.5",
                    "4321 / 5.0 MiB",
                    "1234 / 64.0 KiB",
                    "7 / 8.8 KiB",
                    "forwarding failed: No buffer space",
                    "198.18.0.1 (60:3a:7c:11:22:01)",
                    "88",
                ] {
                    assert!(page.contains(shown), "{lang:?}: {shown} missing");
                }
            }
            let c = lang.case_labels();
            assert!(md.contains(&format!("| {restored} |")), "{md}");
            assert!(md.contains(c.vantage_interception), "{md}");
        }
    }

    #[test]
    fn bridge_details_are_in_html_and_markdown() {
        let mut report = sample_report();
        report.scan.vantage = Some("bridge".into());
        report.scan.bridge = Some(Bridge {
            interfaces: vec!["eth1".into(), "eth2".into()],
            started_at: "2026-12-06T04:00:00Z".into(),
            finished_at: "2026-12-06T04:01:00Z".into(),
            frames_forward: 1000,
            bytes_forward: 2048,
            frames_back: 500,
            bytes_back: 1024,
            frames_dropped: 1,
            bytes_dropped: 1600,
            frames_dropped_by_kernel: 0,
            frames_not_analysed: 0,
            restored: false,
            restore_errors: vec!["eth2: could not set it down again".into()],
        });
        for lang in [Lang::En, Lang::Zh] {
            let c = lang.case_labels();
            let md = render_markdown(&report, lang);
            // minijinja escapes "/" in HTML.
            let html = render_html(&report, lang).unwrap().replace("&#x2f;", "/");
            for page in [&md, &html] {
                assert!(page.contains(c.bridge_title), "{lang:?}");
                assert!(page.contains("eth1 ⇄ eth2"), "{lang:?}");
                assert!(page.contains("1000 / 2.0 KiB") && page.contains("500 / 1.0 KiB"));
                assert!(page.contains("eth2: could not set it down again"));
                assert!(page.contains(c.restored_no));
            }
        }
    }

    #[test]
    fn no_vantage_is_said_not_hidden() {
        let mut report = sample_report();
        report.scan.vantage = Some("none".into());
        let v = build(&report, Lang::En);
        assert_eq!(v.code, "none");
        assert!(v.explanation.contains("uploads could not be observed"));
        assert!(v.interception.is_none() && v.bridge.is_none());
        report.scan.vantage = None;
        assert_eq!(
            build(&report, Lang::Zh).explanation,
            Lang::Zh.case_labels().vantage_unknown
        );
    }
}
