//! Labels of the case-file parts of the reports (cover page, network picture, timelines, advice,
//! evidence appendix), in Chinese and English.

use serde::Serialize;

use super::i18n::Lang;

#[derive(Debug, Serialize)]
pub struct CaseLabels {
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
}

pub static CASE_ZH: CaseLabels = CaseLabels {
    cover_title: "检查案卷",
    cover_subtitle: "监控与人脸识别设备现场检查 · 一分钟摘要",
    inspector: "检查人 / 授权人",
    inspected_at: "检查时间",
    versions: "工具与特征库版本",
    by_severity: "按严重程度统计的问题",
    top_findings: "主要问题",
    more_findings: "其余问题见“发现问题”一节",
    no_findings_cover: "未发现问题。",
    conditional_count: "其中有条件的问题（取决于场所未申报的情况）",
    network_title: "网络关系图",
    network_lead: "左侧为门店局域网内的设备，右侧为它们在抓包期间联系的云端目的地；连线越粗，上行数据越多。",
    network_legend_upload: "上传内容",
    network_legend_heartbeat: "心跳 / 控制",
    network_legend_face: "具备人脸识别能力",
    network_legend_width: "线宽按上行字节数",
    network_more_destinations: "其余 {n} 个目的地",
    network_more_devices: "其余 {n} 台设备",
    network_capped: "图中只画出上行数据最多的 {shown} 个目的地和前 {devices} 台设备，其余合并为一个节点；完整列表见下表。",
    store_lan: "门店局域网",
    lan_face_store: "局域网人脸数据存储",
    lan_image_store: "局域网图像存储",
    internet: "云端目的地",
    lan_destinations: "局域网内的数据存储",
    mixed_destinations: "目的地（云端与局域网存储）",
    network_lead_lan: "左侧为门店局域网内的设备，右侧为它们在抓包期间发送图像的同一局域网内的数据存储主机（不是云端）；连线越粗，上行数据越多。",
    network_lead_mixed: "左侧为门店局域网内的设备，右侧为它们在抓包期间联系的云端目的地，以及接收其图像的局域网内数据存储主机（按类别区分）；连线越粗，上行数据越多。",
    face_mark: "人脸",
    no_capture: "本次检查未分析流量抓包（没有观察点），因此无法观察设备是否上传（不等于没有上传），也不知道设备联系了哪些云端目的地。",
    no_contacts: "已分析流量，但没有设备联系局域网以外的目的地。",
    own_port_only: "本次只在检查人员自己的交换机端口上抓包：普通交换机不会把设备的流量转发到该端口，因此无法观察设备是否上传（不等于没有上传）。请使用镜像端口、路由器抓包，或经授权的 --intercept。",
    network_table: "设备 → 目的地",
    timeline: "上行流量时间线",
    timeline_summary: "每分钟上行字节数",
    no_timeline: "该设备没有上行流量时间线（本次检查没有该设备的流量抓包）。",
    total_sent: "上行合计",
    peak_minute: "峰值（每分钟）",
    to_internet: "其中发往互联网",
    minutes: "分钟",
    advice: "店长整改步骤",
    notice_must_say: "合规告知必须写明",
    notice_template: "告知文本模板（填写【】内内容后张贴）",
    declare_as: "在 site.toml 中申报为",
    device_settings: "在设备设置中关闭云 / P2P",
    steps_source: "依据的公开资料",
    status_s: "厂商或集成商文档",
    status_unsure: "菜单路径未经厂商文档确认",
    status_generic: "通用步骤",
    appendix: "证据附录",
    appendix_lead: "以下文件的 SHA-256 值。本页（HTML）及 Markdown、CSV 均由 report.json 生成；核对 report.json 的哈希即可确认报告内容未被改动。",
    kind: "类型",
    kind_report: "报告数据（report.json）",
    kind_capture: "流量抓包",
    kind_sensor_log: "网络传感器日志（Zeek）",
    kind_photo: "告知照片",
    kind_declaration: "场所申报",
    kind_other: "其他文件",
    rendered_from: "本报告由以下 report.json 生成",
    page_of_findings: "详见“发现问题”",
};

pub static CASE_EN: CaseLabels = CaseLabels {
    cover_title: "Case file",
    cover_subtitle: "On-site inspection of surveillance and face-recognition devices · one-minute summary",
    inspector: "Inspector / authorised by",
    inspected_at: "Inspected",
    versions: "Tool and signature versions",
    by_severity: "Findings by severity",
    top_findings: "Top findings",
    more_findings: "The other findings are in the Findings section",
    no_findings_cover: "Nothing to flag.",
    conditional_count: "of which conditional (depending on facts the site did not declare)",
    network_title: "Network picture",
    network_lead: "The store LAN's devices on the left, the cloud destinations they contacted during the capture on the right; the thicker the line, the more data went up.",
    network_legend_upload: "uploads content",
    network_legend_heartbeat: "heartbeat / control",
    network_legend_face: "face-capable",
    network_legend_width: "line width by bytes sent",
    network_more_destinations: "{n} other destinations",
    network_more_devices: "{n} other devices",
    network_capped: "Only the {shown} destinations with the most data sent and the first {devices} devices are drawn; the rest are merged into one node each. The table below lists them all.",
    store_lan: "Store LAN",
    lan_face_store: "face-data store on the LAN",
    lan_image_store: "image store on the LAN",
    internet: "Cloud destinations",
    lan_destinations: "Data stores on the store LAN",
    mixed_destinations: "Destinations (cloud and store LAN)",
    network_lead_lan: "The store LAN's devices on the left, the hosts on the same LAN they sent pictures to during the capture on the right (data stores, not clouds); the thicker the line, the more data went up.",
    network_lead_mixed: "The store LAN's devices on the left; on the right, the cloud destinations they contacted during the capture and the data stores on the store LAN that received their pictures (the category tells them apart); the thicker the line, the more data went up.",
    face_mark: "FACE",
    no_capture: "No traffic capture was analysed in this inspection, so uploads could not be observed (which is not the same as no uploads) and which clouds the devices contact is not known.",
    no_contacts: "Traffic was analysed, and no device contacted a destination outside the local network.",
    own_port_only: "Traffic was captured only on the inspector's own switch port: an ordinary switch does not send the devices' traffic there, so uploads could not be observed (which is not the same as no uploads). Use a mirror port, the router's capture, or an authorised --intercept.",
    network_table: "Device → destination",
    timeline: "Upstream timeline",
    timeline_summary: "bytes sent per minute",
    no_timeline: "No upstream timeline for this device (no traffic of it was captured in this inspection).",
    total_sent: "Sent in total",
    peak_minute: "Peak per minute",
    to_internet: "of which to the internet",
    minutes: "minutes",
    advice: "What the store manager should do",
    notice_must_say: "A compliant notice must say",
    notice_template: "Notice text to adapt (fill in the [ ] parts) and post",
    declare_as: "declare in site.toml as",
    device_settings: "Turn cloud / P2P off in the device's settings",
    steps_source: "Following",
    status_s: "vendor or integrator documentation",
    status_unsure: "menu path not confirmed in a vendor document",
    status_generic: "generic steps",
    appendix: "Evidence appendix",
    appendix_lead: "SHA-256 of the files this report rests on. This page (HTML), the Markdown and the CSV files are rendered from report.json: its hash shows the content was not altered.",
    kind: "Kind",
    kind_report: "report data (report.json)",
    kind_capture: "traffic capture",
    kind_sensor_log: "network sensor log (Zeek)",
    kind_photo: "notice photo",
    kind_declaration: "site declaration",
    kind_other: "other file",
    rendered_from: "Rendered from report.json",
    page_of_findings: "see Findings",
};

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
