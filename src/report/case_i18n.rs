//! Labels of the case-file parts of the reports (cover page, network picture, timelines, advice,
//! evidence appendix), in Chinese and English.

use std::sync::LazyLock;

use serde::Serialize;

use super::i18n::Lang;
use crate::locale::label_table;

label_table! {
    #[derive(Debug, Serialize)]
    pub struct CaseLabels in "case" {
        pub cover_title: &'static str,
        pub cover_subtitle: &'static str,
        pub inspector: &'static str,
        pub inspected_at: &'static str,
        pub versions: &'static str,
        pub by_severity: &'static str,
        pub top_findings: &'static str,
        pub more_findings: &'static str,
        pub no_findings_cover: &'static str,
        pub conditional_count: &'static str,
        pub network_title: &'static str,
        pub network_lead: &'static str,
        pub network_legend_upload: &'static str,
        pub network_legend_heartbeat: &'static str,
        pub network_legend_face: &'static str,
        pub network_legend_width: &'static str,
        /// The picture's aggregated nodes and its note when not everything is drawn; `{n}` and
        /// `{shown}` are replaced.
        pub network_more_destinations: &'static str,
        pub network_more_devices: &'static str,
        /// A line of the picture that stands for several links (ports); `{n}` is replaced.
        pub network_links: &'static str,
        pub network_capped: &'static str,
        pub store_lan: &'static str,
        /// A LAN host receiving face images / other pictures from devices (`device.data_store`).
        pub lan_face_store: &'static str,
        pub lan_image_store: &'static str,
        /// The destination column's heading: cloud destinations only, data stores on the store LAN
        /// only, or both (`CaseLabels::destinations_heading`).
        pub internet: &'static str,
        pub lan_destinations: &'static str,
        pub mixed_destinations: &'static str,
        /// The network picture's lead when it draws LAN data stores only, or LAN stores and clouds.
        pub network_lead_lan: &'static str,
        pub network_lead_mixed: &'static str,
        pub face_mark: &'static str,
        pub no_capture: &'static str,
        pub no_contacts: &'static str,
        pub own_port_only: &'static str,
        pub network_table: &'static str,
        pub timeline: &'static str,
        pub timeline_summary: &'static str,
        pub no_timeline: &'static str,
        pub total_sent: &'static str,
        pub peak_minute: &'static str,
        pub to_internet: &'static str,
        pub minutes: &'static str,
        pub advice: &'static str,
        pub notice_must_say: &'static str,
        pub notice_template: &'static str,
        pub declare_as: &'static str,
        pub device_settings: &'static str,
        pub steps_source: &'static str,
        pub status_s: &'static str,
        pub status_unsure: &'static str,
        pub status_generic: &'static str,
        pub appendix: &'static str,
        pub appendix_lead: &'static str,
        pub kind: &'static str,
        pub kind_report: &'static str,
        pub kind_capture: &'static str,
        /// A network sensor's logs (Zeek's conn.log, dns.log …) read by `analyze --zeek`.
        pub kind_sensor_log: &'static str,
        pub kind_photo: &'static str,
        pub kind_declaration: &'static str,
        pub kind_other: &'static str,
        pub rendered_from: &'static str,
        pub page_of_findings: &'static str,
        /// The vantage-point section: where the traffic was seen from, and what an interception
        /// or an inline bridge did.
        pub vantage_title: &'static str,
        pub vantage_point: &'static str,
        pub vantage_mirror_port: &'static str,
        pub vantage_router_capture: &'static str,
        pub vantage_interception: &'static str,
        pub vantage_bridge: &'static str,
        pub vantage_capture_file: &'static str,
        pub vantage_own_port: &'static str,
        pub vantage_none: &'static str,
        pub vantage_unknown: &'static str,
        pub interception_title: &'static str,
        pub bridge_title: &'static str,
        pub interface: &'static str,
        pub gateway: &'static str,
        pub period: &'static str,
        pub duration_s: &'static str,
        pub to_gateway: &'static str,
        pub to_device: &'static str,
        pub forward: &'static str,
        pub back: &'static str,
        pub dropped: &'static str,
        pub packets_bytes: &'static str,
        pub stopped_early: &'static str,
        pub arp_replies: &'static str,
        pub not_answering: &'static str,
        pub kernel_drops: &'static str,
        pub not_analysed: &'static str,
        pub restored: &'static str,
        pub restored_yes: &'static str,
        pub restored_no: &'static str,
        pub restore_errors: &'static str,
    }
}

pub static CASE_ZH: LazyLock<CaseLabels> = LazyLock::new(|| CaseLabels::load(true));

pub static CASE_EN: LazyLock<CaseLabels> = LazyLock::new(|| CaseLabels::load(false));

impl CaseLabels {
    /// The heading of the network picture's destination column: a data store on the store's own
    /// LAN is no cloud, so a picture that draws one says so.
    pub(crate) fn destinations_heading(&self, links: &[super::case::Link]) -> &'static str {
        match destination_kinds(links) {
            (true, false) => self.lan_destinations,
            (true, true) => self.mixed_destinations,
            _ => self.internet,
        }
    }

    /// The sentence under the network picture's title, naming what its right column holds.
    pub(crate) fn network_lead_for(&self, links: &[super::case::Link]) -> &'static str {
        match destination_kinds(links) {
            (true, false) => self.network_lead_lan,
            (true, true) => self.network_lead_mixed,
            _ => self.network_lead,
        }
    }
}

/// Whether the links reach a data store on the LAN, and whether they reach anything else.
fn destination_kinds(links: &[super::case::Link]) -> (bool, bool) {
    let lan = links.iter().any(super::case::Link::to_lan_store);
    let other = links.iter().any(|l| !l.to_lan_store());
    (lan, other)
}

impl Lang {
    pub fn case_labels(self) -> &'static CaseLabels {
        match self {
            Lang::Zh => &CASE_ZH,
            Lang::En => &CASE_EN,
        }
    }
}
