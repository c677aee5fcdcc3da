//! Every fixed label of the reports, in Chinese and English, in one table.
//!
//! Device-type names come from `DeviceType::label`; text written by rules (finding titles, remedies)
//! arrives already in both languages in the report.

use serde::Serialize;

use crate::model::{CloudCategory, FaceRecognition, ScanMode, Severity};

/// The language a report is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The code used in report.json (`scan.lang`), in `Localized` texts and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the HTML document.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The fixed labels of this language.
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// An unsupported language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report language `{0}` (expected `zh` or `en`)")]
pub struct UnknownLang(pub String);

impl std::str::FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

/// The fixed labels of one language. Serialized into the HTML template as `t`.
#[derive(Debug, Serialize)]
pub struct Labels {
    pub doc_title: &'static str,
    pub site: &'static str,
    pub targets: &'static str,
    pub interface: &'static str,
    pub started: &'static str,
    pub finished: &'static str,
    pub mode: &'static str,
    pub tool: &'static str,
    pub signatures: &'static str,
    pub signatures_sha256: &'static str,
    pub authorised_by: &'static str,
    pub not_given: &'static str,
    pub status: &'static str,
    pub complete: &'static str,
    pub incomplete: &'static str,
    pub incomplete_warning: &'static str,
    pub addresses_scanned: &'static str,
    pub ports_scanned: &'static str,
    pub discovery: &'static str,
    pub captures: &'static str,
    pub site_declaration: &'static str,
    pub summary: &'static str,
    pub hosts: &'static str,
    pub cameras: &'static str,
    pub recorders: &'static str,
    pub face_terminals: &'static str,
    pub face_capable: &'static str,
    pub other_surveillance: &'static str,
    pub other_hosts: &'static str,
    pub cloud_uploads: &'static str,
    pub findings_count: &'static str,
    pub face_alert: &'static str,
    pub devices: &'static str,
    pub no_devices: &'static str,
    pub ip: &'static str,
    pub mac: &'static str,
    pub mac_vendor: &'static str,
    pub hostname: &'static str,
    pub vendor: &'static str,
    pub model: &'static str,
    pub firmware: &'static str,
    pub device_type: &'static str,
    pub face_recognition: &'static str,
    pub confidence: &'static str,
    pub open_ports: &'static str,
    pub matched_signatures: &'static str,
    pub device_details: &'static str,
    pub evidence: &'static str,
    pub source: &'static str,
    pub port: &'static str,
    pub value: &'static str,
    pub truncated: &'static str,
    pub no_evidence: &'static str,
    pub cloud_contacts: &'static str,
    pub destination: &'static str,
    pub name: &'static str,
    pub provider: &'static str,
    pub category: &'static str,
    pub country: &'static str,
    pub sent: &'static str,
    pub received: &'static str,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    pub upload: &'static str,
    pub upload_col: &'static str,
    pub heartbeat: &'static str,
    pub findings: &'static str,
    pub no_findings: &'static str,
    pub severity: &'static str,
    pub rule: &'static str,
    pub device: &'static str,
    pub site_wide: &'static str,
    pub detail: &'static str,
    pub remedy: &'static str,
    pub legal_basis: &'static str,
    pub conditional: &'static str,
    pub what_to_fix: &'static str,
    pub devices_affected: &'static str,
    pub scan_notes: &'static str,
    /// Heading of a device's probes that stopped early.
    pub cut_short: &'static str,
    pub cloud_indications: &'static str,
    pub cloud_indications_note: &'static str,
    /// The note on indications read from the gateway's UPnP port-mapping table.
    pub port_mapping_note: &'static str,
    pub indication_kind: &'static str,
    pub meaning_source: &'static str,
    pub cut_probe: &'static str,
    pub cut_reason: &'static str,
    pub cut_detail: &'static str,
    /// Heading of the scan-wide bounds reached.
    pub limits_hit: &'static str,
    pub limit: &'static str,
    pub no_notes: &'static str,
    pub evidence_files: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
    pub integrity_hint: &'static str,
    pub about_title: &'static str,
    pub about_does: &'static str,
    pub about_does_not: &'static str,
    pub about_evidence: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub unknown: &'static str,
    pub face_yes: &'static str,
    pub face_no: &'static str,
    pub face_unknown: &'static str,
    pub sev_critical: &'static str,
    pub sev_high: &'static str,
    pub sev_medium: &'static str,
    pub sev_low: &'static str,
    pub sev_info: &'static str,
    pub mode_audit: &'static str,
    pub mode_scan: &'static str,
    pub mode_analyze: &'static str,
    pub mode_demo: &'static str,
    /// Summary line of the terminal table; `{hosts}`, `{surveillance}` and `{face}` are filled in.
    pub table_summary: &'static str,
    /// Between a label and its value: `：` in Chinese, `: ` in English.
    pub colon: &'static str,
}

impl Labels {
    pub fn face(&self, face: FaceRecognition) -> &'static str {
        match face {
            FaceRecognition::Yes => self.face_yes,
            FaceRecognition::No => self.face_no,
            FaceRecognition::Unknown => self.face_unknown,
        }
    }

    pub fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Critical => self.sev_critical,
            Severity::High => self.sev_high,
            Severity::Medium => self.sev_medium,
            Severity::Low => self.sev_low,
            Severity::Info => self.sev_info,
        }
    }

    pub fn mode(&self, mode: ScanMode) -> &'static str {
        match mode {
            ScanMode::Audit => self.mode_audit,
            ScanMode::Scan => self.mode_scan,
            ScanMode::Analyze => self.mode_analyze,
            ScanMode::Demo => self.mode_demo,
        }
    }

    /// Label of a cloud-contact category from report.json.
    pub fn cloud_category(&self, lang: Lang, category: CloudCategory) -> &'static str {
        let (zh, en) = match category {
            CloudCategory::VendorCloud => ("厂商云平台", "vendor cloud"),
            CloudCategory::VendorP2p => ("厂商P2P穿透服务", "vendor P2P relay"),
            CloudCategory::FaceApi => ("人脸识别云接口", "face-recognition API"),
            CloudCategory::ObjectStorage => ("对象存储", "object storage"),
            CloudCategory::IotMqtt => ("物联网消息服务(MQTT)", "IoT messaging (MQTT)"),
            CloudCategory::GenericCloud => ("通用云服务", "generic cloud"),
            CloudCategory::PeopleAnalytics => (
                "客流与属性分析服务",
                "people-counting / attribute analytics",
            ),
            CloudCategory::Infrastructure => (
                "网络基础服务(DNS/NTP/DHCP)",
                "network infrastructure (DNS/NTP/DHCP)",
            ),
            CloudCategory::Lan => ("局域网内设备", "local network peer"),
            CloudCategory::Unknown => ("未知", "unknown"),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

pub static ZH: Labels = Labels {
    doc_title: "监控与人脸识别设备检测报告",
    site: "场所",
    targets: "检测范围",
    interface: "网络接口",
    started: "开始时间",
    finished: "结束时间",
    mode: "检测方式",
    tool: "检测工具",
    signatures: "特征库版本",
    signatures_sha256: "特征库 SHA-256",
    authorised_by: "授权人",
    not_given: "未填写",
    status: "完成情况",
    complete: "检测完整",
    incomplete: "检测未完成",
    incomplete_warning: "本次检测未完整完成，下列结果可能有遗漏，详见“检测说明”。",
    addresses_scanned: "检测地址数",
    ports_scanned: "检测端口",
    discovery: "发现方式",
    captures: "流量抓包文件",
    site_declaration: "场所申报信息",
    summary: "概况",
    hosts: "在线主机",
    cameras: "摄像机",
    recorders: "录像机",
    face_terminals: "人脸识别终端",
    face_capable: "具备人脸识别能力的设备",
    other_surveillance: "其他监控类设备",
    other_hosts: "其他主机",
    cloud_uploads: "向云端上传的设备",
    findings_count: "发现问题",
    face_alert: "发现具备人脸识别能力的设备。人脸信息属于敏感个人信息，处理前须单独告知并取得单独同意。",
    devices: "设备清单",
    no_devices: "未发现设备。",
    ip: "IP 地址",
    mac: "MAC 地址",
    mac_vendor: "网卡厂商",
    hostname: "主机名",
    vendor: "品牌",
    model: "型号",
    firmware: "固件",
    device_type: "设备类型",
    face_recognition: "人脸识别能力",
    confidence: "置信度",
    open_ports: "开放端口",
    matched_signatures: "命中特征",
    device_details: "设备详情与证据",
    evidence: "证据",
    source: "来源",
    port: "端口",
    value: "内容",
    truncated: "（已截断）",
    no_evidence: "无证据记录。",
    cloud_contacts: "云端连接",
    destination: "目标地址",
    name: "域名",
    provider: "服务商",
    category: "类别",
    country: "国家/地区",
    sent: "上行流量",
    received: "下行流量",
    first_seen: "首次出现",
    last_seen: "最后出现",
    upload: "疑似上传内容",
    upload_col: "上传判断",
    heartbeat: "心跳/控制流量",
    findings: "发现问题",
    no_findings: "未发现问题。",
    severity: "严重程度",
    rule: "规则",
    device: "设备",
    site_wide: "整个场所",
    detail: "说明",
    remedy: "整改建议",
    legal_basis: "法律依据",
    conditional: "有条件",
    what_to_fix: "整改清单（供店长）",
    devices_affected: "台设备",
    scan_notes: "检测说明",
    cut_short: "未完成的检测",
    cloud_indications: "无需流量即可看出的云端与互联网访问",
    cloud_indications_note: "设备在自身应答中报告以下云平台或P2P访问已开启（依据设备设置，并非观察到的上传流量）。",
    port_mapping_note: "门店网关的UPnP端口映射表（只读查询）显示，网关将其互联网侧的端口转发到本设备；本次没有从互联网测试该端口能否访问。",
    indication_kind: "类型",
    meaning_source: "含义来源",
    cut_probe: "检测项",
    cut_reason: "原因",
    cut_detail: "说明",
    limits_hit: "达到的上限",
    limit: "上限",
    no_notes: "无：所有检测步骤均已完成。",
    evidence_files: "证据文件",
    file: "文件",
    sha256: "SHA-256 校验值",
    integrity_hint: "可用 sha256sum 核对上述文件及报告目录中的 SHA256SUMS，证明文件未被改动。",
    about_title: "关于本报告",
    about_does: "本工具仅对授权范围内的地址进行只读探测：建立 TCP 连接，读取设备主动公开的信息（网页标题、服务器标识、RTSP/ONVIF 应答、证书、发现协议广播），并可分析已有的流量抓包。",
    about_does_not: "本工具不尝试登录、不猜测口令、不利用漏洞、不修改任何设置，也不获取任何视频画面或人脸图像；报告只记录元数据。",
    about_evidence: "设备识别依据公开资料中的特征，置信度表示证据的一致程度，并非法律结论。发现问题需结合场所实际情况由有关人员核实。",
    yes: "是",
    no: "否",
    unknown: "未知",
    face_yes: "具备",
    face_no: "不具备",
    face_unknown: "未知",
    sev_critical: "严重",
    sev_high: "高风险",
    sev_medium: "中风险",
    sev_low: "低风险",
    sev_info: "提示",
    mode_audit: "合规检查",
    mode_scan: "网络扫描",
    mode_analyze: "流量分析",
    mode_demo: "演示",
    table_summary: "共 {hosts} 台主机，其中监控设备 {surveillance} 台（具备人脸识别能力 {face} 台）",
    colon: "：",
};

pub static EN: Labels = Labels {
    doc_title: "Surveillance and face-recognition device report",
    site: "Site",
    targets: "Scope",
    interface: "Interface",
    started: "Started",
    finished: "Finished",
    mode: "Mode",
    tool: "Tool",
    signatures: "Signature set",
    signatures_sha256: "Signature set SHA-256",
    authorised_by: "Authorised by",
    not_given: "not given",
    status: "Status",
    complete: "Complete",
    incomplete: "Incomplete",
    incomplete_warning: "This scan did not finish; devices may be missing. See “Scan notes”.",
    addresses_scanned: "Addresses scanned",
    ports_scanned: "Ports scanned",
    discovery: "Discovery",
    captures: "Traffic captures",
    site_declaration: "Site declaration",
    summary: "Summary",
    hosts: "Hosts",
    cameras: "Cameras",
    recorders: "Recorders",
    face_terminals: "Face terminals",
    face_capable: "Face-capable devices",
    other_surveillance: "Other surveillance",
    other_hosts: "Other hosts",
    cloud_uploads: "Devices uploading to a cloud",
    findings_count: "Findings",
    face_alert: "Face-capable devices found. Face data is sensitive personal information: processing it needs a specific notice and separate consent.",
    devices: "Devices",
    no_devices: "No devices found.",
    ip: "IP address",
    mac: "MAC address",
    mac_vendor: "NIC vendor",
    hostname: "Hostname",
    vendor: "Vendor",
    model: "Model",
    firmware: "Firmware",
    device_type: "Type",
    face_recognition: "Face recognition",
    confidence: "Confidence",
    open_ports: "Open ports",
    matched_signatures: "Matched signatures",
    device_details: "Device details and evidence",
    evidence: "Evidence",
    source: "Source",
    port: "Port",
    value: "Value",
    truncated: "(truncated)",
    no_evidence: "No evidence recorded.",
    cloud_contacts: "Cloud contacts",
    destination: "Destination",
    name: "Name",
    provider: "Provider",
    category: "Category",
    country: "Country",
    sent: "Sent",
    received: "Received",
    first_seen: "First seen",
    last_seen: "Last seen",
    upload: "content upload",
    upload_col: "Upload",
    heartbeat: "heartbeat/control",
    findings: "Findings",
    no_findings: "No findings.",
    severity: "Severity",
    rule: "Rule",
    device: "Device",
    site_wide: "whole site",
    detail: "Detail",
    remedy: "Remedy",
    legal_basis: "Legal basis",
    conditional: "conditional",
    what_to_fix: "What to fix (for the store manager)",
    devices_affected: "device(s)",
    scan_notes: "Scan notes",
    cut_short: "Cut short",
    cloud_indications: "Cloud and internet access seen without traffic",
    cloud_indications_note: "The device says in its own reply that this cloud or P2P access is switched on (its setting, not uploads seen in traffic).",
    port_mapping_note: "The store gateway's UPnP port-mapping table (read, never changed) forwards a port on its internet side to this device; whether the port answers from the internet was not tested.",
    indication_kind: "Kind",
    meaning_source: "Meaning from",
    cut_probe: "Probe",
    cut_reason: "Reason",
    cut_detail: "Detail",
    limits_hit: "Limits reached",
    limit: "Limit",
    no_notes: "None: every step of the scan finished.",
    evidence_files: "Evidence files",
    file: "File",
    sha256: "SHA-256",
    integrity_hint: "Check these files, and SHA256SUMS in the report folder, with sha256sum to show they are unchanged.",
    about_title: "About this report",
    about_does: "The tool only makes read-only probes of addresses it was authorised to scan: it opens TCP connections and reads what devices publish anyway (web page titles, server banners, RTSP/ONVIF replies, certificates, discovery broadcasts), and it can analyse existing traffic captures.",
    about_does_not: "It never logs in, guesses passwords, exploits flaws or changes settings, and it never fetches video frames or face images: the report holds metadata only.",
    about_evidence: "Devices are identified from public signatures; confidence says how well independent evidence agrees and is not a legal conclusion. Findings should be checked against the site's actual circumstances.",
    yes: "yes",
    no: "no",
    unknown: "unknown",
    face_yes: "yes",
    face_no: "no",
    face_unknown: "unknown",
    sev_critical: "critical",
    sev_high: "high",
    sev_medium: "medium",
    sev_low: "low",
    sev_info: "info",
    mode_audit: "audit",
    mode_scan: "network scan",
    mode_analyze: "traffic analysis",
    mode_demo: "demo",
    table_summary: "{hosts} hosts, {surveillance} surveillance devices ({face} face-capable)",
    colon: ": ",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_the_command_line() {
        assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        let err = "fr".parse::<Lang>().unwrap_err();
        assert!(err.to_string().contains("`fr`"));
    }

    #[test]
    fn chinese_labels_use_the_usual_terms() {
        let t = Lang::Zh.labels();
        assert_eq!(t.cameras, "摄像机");
        assert_eq!(t.recorders, "录像机");
        assert_eq!(t.face_terminals, "人脸识别终端");
        assert_eq!(t.face_recognition, "人脸识别能力");
        assert_eq!(t.remedy, "整改建议");
        assert_eq!(t.legal_basis, "法律依据");
    }
}
