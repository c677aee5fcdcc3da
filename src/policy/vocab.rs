//! The facts rules may test: each field's name, what it ranges over, whether the scan observes it or
//! the operator declares it, and how to say it in Chinese and English. This is the condition
//! language's vocabulary, not rule logic: which facts matter for which law lives in `signatures/rules/`.

/// What a field's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of a fixed list of words.
    Enum(&'static [&'static str]),
    /// A set of words from a fixed list (`has`, `lacks`).
    Set(&'static [&'static str]),
    Bool,
    Number,
    /// Free text (compared case-insensitively).
    Text,
}

/// Where a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Observed by the scan (identity, cloud contacts); always known.
    Scan,
    /// Declared by the operator in `site.toml`; unknown without a declaration.
    Declared,
}

/// What a field is about, which decides where a rule may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Device,
    Cloud,
    Site,
}

/// One fact a condition can test.
#[derive(Debug, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub origin: Origin,
    pub subject: Subject,
    /// What the field is, for sentences: `[zh, en]`. `{it}` stands for the device or destination.
    pub noun: [&'static str; 2],
    /// For booleans: the sentence when true and when false, `[zh, en]` each.
    pub yes: [&'static str; 2],
    pub no: [&'static str; 2],
}

const DEVICE_TYPES: &[&str] = &[
    "camera",
    "nvr",
    "face_terminal",
    "people_counter",
    "access_control",
    "doorbell",
    "plate_camera",
    "other",
    "unknown",
];
const FACE: &[&str] = &["yes", "no", "unknown"];
pub const CLOUD_CATEGORIES: &[&str] = &[
    "vendor_cloud",
    "vendor_p2p",
    "face_api",
    "people_analytics",
    "object_storage",
    "iot_mqtt",
    "generic_cloud",
    "infrastructure",
    "lan",
    "unknown",
];
pub const PURPOSES: &[&str] = &[
    "security",
    "footfall",
    "marketing",
    "customer_identification",
    "attendance",
    "access_control",
    "payment",
    "other",
];
pub const SITE_KINDS: &[&str] = &[
    "shop",
    "sales_office",
    "school_canteen",
    "school",
    "mall",
    "hotel",
    "gym",
    "office",
    "kindergarten",
    "children_venue",
    "other",
];
/// Where a declared device hangs: where customers go, staff-only rooms, or a private space.
pub const AREAS: &[&str] = &["public", "staff", "private"];
pub const PRIVATE_SPACES: &[&str] = &[
    "fitting_room",
    "changing_room",
    "toilet",
    "bath",
    "nursing_room",
    "hotel_room",
    "dormitory",
];
pub const CONSENT: &[&str] = &[
    "none",
    "sign_only",
    "general",
    "separate",
    "written",
    "guardian",
];
pub const DISCLOSURES: &[&str] = &[
    "video_surveillance",
    "face_recognition",
    "processor_contact",
    "purposes",
    "retention",
    "recipients",
    "storage_location",
    "cross_border",
    "necessity_impact",
    "rights",
    "alternative",
];

const fn field(
    name: &'static str,
    kind: Kind,
    origin: Origin,
    subject: Subject,
    noun: [&'static str; 2],
) -> Field {
    Field {
        name,
        kind,
        origin,
        subject,
        noun,
        yes: ["", ""],
        no: ["", ""],
    }
}

const fn flag(
    name: &'static str,
    origin: Origin,
    subject: Subject,
    yes: [&'static str; 2],
    no: [&'static str; 2],
) -> Field {
    Field {
        name,
        kind: Kind::Bool,
        origin,
        subject,
        noun: ["", ""],
        yes,
        no,
    }
}

use Origin::{Declared, Scan};
use Subject::{Cloud, Device, Site};

/// Every field of the language.
pub static FIELDS: &[Field] = &[
    field(
        "device.type",
        Kind::Enum(DEVICE_TYPES),
        Scan,
        Device,
        ["设备类型", "the device type"],
    ),
    field(
        "device.face",
        Kind::Enum(FACE),
        Scan,
        Device,
        ["人脸识别能力", "face recognition"],
    ),
    flag(
        "device.surveillance",
        Scan,
        Device,
        ["{it}是监控设备", "{it} is a surveillance device"],
        ["{it}不是监控设备", "{it} is not a surveillance device"],
    ),
    field(
        "device.vendor",
        Kind::Text,
        Scan,
        Device,
        ["厂商", "the vendor"],
    ),
    field(
        "device.model",
        Kind::Text,
        Scan,
        Device,
        ["型号", "the model"],
    ),
    flag(
        "device.declared",
        Declared,
        Device,
        ["场所申报了{it}", "the site declares {it}"],
        ["场所未申报{it}", "the site does not declare {it}"],
    ),
    flag(
        "device.private_space",
        Declared,
        Device,
        [
            "{it}安装在试衣间、卫生间等私密空间内",
            "{it} is installed inside a private space (fitting room, toilet …)",
        ],
        ["{it}不在私密空间内", "{it} is not inside a private space"],
    ),
    field(
        "device.purpose",
        Kind::Enum(PURPOSES),
        Declared,
        Device,
        ["{it}的用途", "the purpose of {it}"],
    ),
    flag(
        "cloud.upload",
        Scan,
        Cloud,
        ["向{it}上传了内容", "content is uploaded to {it}"],
        ["未向{it}上传内容", "nothing is uploaded to {it}"],
    ),
    field(
        "cloud.category",
        Kind::Enum(CLOUD_CATEGORIES),
        Scan,
        Cloud,
        ["{it}的类别", "the category of {it}"],
    ),
    field(
        "cloud.country",
        Kind::Text,
        Scan,
        Cloud,
        ["{it}所在国家", "the country of {it}"],
    ),
    field(
        "cloud.port",
        Kind::Number,
        Scan,
        Cloud,
        ["{it}的端口", "the port of {it}"],
    ),
    field(
        "cloud.provider",
        Kind::Text,
        Scan,
        Cloud,
        ["{it}的服务商", "the provider of {it}"],
    ),
    flag(
        "cloud.named",
        Declared,
        Cloud,
        [
            "告知或设备申报中列明了接收方{it}",
            "a notice or the device declaration names {it} as a recipient",
        ],
        [
            "告知和设备申报均未列明接收方{it}",
            "no notice or device declaration names {it} as a recipient",
        ],
    ),
    field(
        "site.kind",
        Kind::Enum(SITE_KINDS),
        Declared,
        Site,
        ["场所类型", "the kind of site"],
    ),
    flag(
        "site.minors_present",
        Declared,
        Site,
        [
            "场所有不满十四周岁的未成年人出入",
            "children under 14 come to the site",
        ],
        [
            "场所没有不满十四周岁的未成年人出入",
            "no children under 14 come to the site",
        ],
    ),
    field(
        "site.private_spaces",
        Kind::Set(PRIVATE_SPACES),
        Declared,
        Site,
        ["场所内的私密空间", "the site's private spaces"],
    ),
    field(
        "site.consent",
        Kind::Enum(CONSENT),
        Declared,
        Site,
        ["取得同意的方式", "the consent obtained"],
    ),
    flag(
        "site.non_face_alternative",
        Declared,
        Site,
        [
            "提供了非人脸识别的替代方式",
            "a non-face alternative is offered",
        ],
        [
            "未提供非人脸识别的替代方式",
            "no non-face alternative is offered",
        ],
    ),
    field(
        "site.stored_faces",
        Kind::Number,
        Declared,
        Site,
        [
            "存储人脸信息的人数",
            "the number of people whose faces are stored",
        ],
    ),
    flag(
        "site.pia_on_file",
        Declared,
        Site,
        [
            "已事前开展个人信息保护影响评估",
            "a prior impact assessment is on file",
        ],
        [
            "未事前开展个人信息保护影响评估",
            "no prior impact assessment is on file",
        ],
    ),
    flag(
        "site.cac_filing",
        Declared,
        Site,
        [
            "已向省级网信部门备案",
            "the face-recognition filing with the provincial CAC was made",
        ],
        [
            "未向省级网信部门备案",
            "no filing with the provincial CAC was made",
        ],
    ),
    flag(
        "site.police_filing",
        Declared,
        Site,
        [
            "视频系统已向公安机关备案",
            "the video system was filed with the police",
        ],
        [
            "视频系统未向公安机关备案",
            "the video system was not filed with the police",
        ],
    ),
    flag(
        "site.xborder_mechanism",
        Declared,
        Site,
        [
            "已具备出境安全评估、认证或标准合同",
            "a security assessment, certification or standard contract covers the export",
        ],
        [
            "没有出境安全评估、认证或标准合同",
            "no security assessment, certification or standard contract covers the export",
        ],
    ),
    flag(
        "device.face_store",
        Scan,
        Device,
        [
            "{it}接收人脸设备发来的人脸图像（本地人脸数据存储）",
            "{it} receives face images from face devices (a local face-data store)",
        ],
        [
            "{it}没有接收人脸设备发来的人脸图像",
            "{it} receives no face images from face devices",
        ],
    ),
    flag(
        "device.attribute_analytics",
        Scan,
        Device,
        [
            "{it}做客流或属性分析（计数、年龄、性别）",
            "{it} does people counting or attribute analytics (counts, age, gender)",
        ],
        [
            "{it}没有客流或属性分析的迹象",
            "{it} shows no sign of people counting or attribute analytics",
        ],
    ),
    flag(
        "device.face_identification",
        Scan,
        Device,
        [
            "{it}具备人脸识别（辨识或验证身份）能力",
            "{it} can recognise faces (identify or verify people)",
        ],
        [
            "{it}只做客流或属性分析，不辨识或验证身份",
            "{it} only counts people or estimates attributes; it identifies and verifies no one",
        ],
    ),
    flag(
        "device.captures_images",
        Scan,
        Device,
        ["{it}采集图像", "{it} captures images"],
        ["{it}不采集图像", "{it} captures no images"],
    ),
    flag(
        "device.cloud_platform_enabled",
        Scan,
        Device,
        [
            "{it}自身报告其厂商云平台或P2P访问已开启",
            "{it} reports its vendor cloud or P2P access switched on",
        ],
        [
            "{it}的厂商云平台或P2P访问未开启",
            "{it} has its vendor cloud or P2P access switched off",
        ],
    ),
    flag(
        "device.internet_port_mapping",
        Scan,
        Device,
        [
            "网关的UPnP端口映射表将互联网侧的端口转发到{it}",
            "the gateway's UPnP port-mapping table forwards a port on its internet side to {it}",
        ],
        [
            "网关的UPnP端口映射表没有转发到{it}的端口",
            "the gateway's UPnP port-mapping table forwards no port to {it}",
        ],
    ),
    flag(
        "device.face_in_use",
        Scan,
        Device,
        [
            "{it}的人脸识别功能已启用",
            "face recognition is switched on in {it}",
        ],
        [
            "{it}的人脸识别功能未启用",
            "face recognition is not switched on in {it}",
        ],
    ),
    flag(
        "device.public_area",
        Declared,
        Device,
        [
            "{it}安装在顾客可进入的公共区域",
            "{it} is in an area open to customers",
        ],
        [
            "{it}安装在员工区域，不在公共区域",
            "{it} is in a staff-only area, not a public one",
        ],
    ),
    flag(
        "cloud.images",
        Scan,
        Cloud,
        [
            "向{it}上传的是图像或视频",
            "images or video are uploaded to {it}",
        ],
        [
            "向{it}上传的不是图像或视频",
            "no images or video are uploaded to {it}",
        ],
    ),
    flag(
        "cloud.faces",
        Scan,
        Cloud,
        [
            "向{it}上传的内容包含人脸信息",
            "what is uploaded to {it} contains face information",
        ],
        [
            "向{it}上传的内容不含人脸信息",
            "what is uploaded to {it} contains no face information",
        ],
    ),
    flag(
        "cloud.abroad",
        Scan,
        Cloud,
        ["{it}位于中国境外", "{it} is outside China"],
        ["{it}位于中国境内", "{it} is in China"],
    ),
    flag(
        "site.minors",
        Declared,
        Site,
        [
            "场所有不满十四周岁的未成年人出入（申报或场所类型表明）",
            "children under 14 come to the site (declared, or implied by its kind)",
        ],
        [
            "场所没有不满十四周岁的未成年人出入",
            "no children under 14 come to the site",
        ],
    ),
    flag(
        "site.ciio",
        Declared,
        Site,
        [
            "经营者是关键信息基础设施运营者",
            "the operator is a critical information infrastructure operator",
        ],
        [
            "经营者不是关键信息基础设施运营者",
            "the operator is not a critical information infrastructure operator",
        ],
    ),
    field(
        "site.export_people",
        Kind::Number,
        Declared,
        Site,
        [
            "当年1月1日以来向境外提供个人信息的人数",
            "the number of people whose personal information was sent abroad since 1 January",
        ],
    ),
    field(
        "site.export_sensitive_people",
        Kind::Number,
        Declared,
        Site,
        [
            "当年1月1日以来向境外提供敏感个人信息（人脸）的人数",
            "the number of people whose sensitive information (faces) was sent abroad since 1 January",
        ],
    ),
    flag(
        "site.processing_contract",
        Declared,
        Site,
        [
            "与云服务商签订了委托处理合同并进行监督",
            "an entrusted-processing contract with the cloud provider exists and is supervised",
        ],
        [
            "没有与云服务商签订委托处理合同",
            "there is no entrusted-processing contract with the cloud provider",
        ],
    ),
    flag(
        "site.recipient_own_use",
        Declared,
        Site,
        [
            "接收方将图像用于其自身目的",
            "a recipient uses the images for its own purposes",
        ],
        [
            "接收方仅代场所处理图像，不用于自身目的",
            "recipients process the images only on the site's behalf",
        ],
    ),
    flag(
        "site.retention_policy_public",
        Declared,
        Site,
        [
            "已公开书面的生物识别信息保存和销毁政策",
            "a written biometric retention and destruction policy is public",
        ],
        [
            "没有公开的书面保存和销毁政策",
            "no written retention and destruction policy is public",
        ],
    ),
    flag(
        "notice.posted",
        Declared,
        Site,
        ["现场张贴了告知", "a notice is posted"],
        ["现场未张贴任何告知", "no notice is posted"],
    ),
    field(
        "notice.discloses",
        Kind::Set(DISCLOSURES),
        Declared,
        Site,
        ["现场告知的内容", "the posted notices' contents"],
    ),
];

/// The field of that name.
pub fn field_named(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Chinese label of a value word; English uses the word with spaces.
pub fn value_label(word: &str, zh: bool) -> String {
    if !zh {
        return match word {
            "nvr" => "a recorder (NVR/DVR)".into(),
            "sign_only" => "a sign only".into(),
            "none" => "none".into(),
            w => w.replace('_', " "),
        };
    }
    let label = match word {
        "camera" => "摄像机",
        "nvr" => "录像机",
        "face_terminal" => "人脸识别终端",
        "people_counter" => "客流统计设备",
        "access_control" => "门禁",
        "doorbell" => "可视门铃",
        "plate_camera" => "车牌识别摄像机",
        "other" => "其他",
        "unknown" => "未知",
        "yes" => "是",
        "no" => "否",
        "vendor_cloud" => "厂商云平台",
        "vendor_p2p" => "厂商P2P中转",
        "face_api" => "人脸识别云接口",
        "people_analytics" => "客流与属性分析服务",
        "object_storage" => "对象存储",
        "iot_mqtt" => "物联网消息服务",
        "generic_cloud" => "通用云服务",
        "security" => "安全防范",
        "footfall" => "客流统计",
        "marketing" => "营销",
        "customer_identification" => "顾客识别",
        "attendance" => "考勤",
        "payment" => "支付",
        "shop" => "商店",
        "sales_office" => "售楼处",
        "school_canteen" => "学校食堂",
        "school" => "学校",
        "mall" => "商场",
        "hotel" => "酒店",
        "gym" => "健身房",
        "office" => "办公场所",
        "fitting_room" => "试衣间",
        "changing_room" => "更衣室",
        "toilet" => "卫生间",
        "bath" => "浴室",
        "nursing_room" => "哺乳室",
        "hotel_room" => "客房",
        "dormitory" => "宿舍",
        "kindergarten" => "幼儿园",
        "children_venue" => "儿童场所",
        "public" => "公共区域",
        "staff" => "员工区域",
        "private" => "私密空间",
        "none" => "无",
        "sign_only" => "仅张贴告示",
        "general" => "概括同意",
        "separate" => "单独同意",
        "written" => "书面同意",
        "guardian" => "监护人同意",
        "video_surveillance" => "视频监控",
        "face_recognition" => "人脸识别",
        "processor_contact" => "处理者名称和联系方式",
        "purposes" => "处理目的",
        "retention" => "保存期限",
        "recipients" => "接收方",
        "storage_location" => "存储位置",
        "cross_border" => "出境情况",
        "necessity_impact" => "必要性及对个人权益的影响",
        "rights" => "权利行使方式",
        "alternative" => "替代方式",
        w => return w.to_string(),
    };
    label.to_string()
}
