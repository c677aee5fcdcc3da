//! `camsweep site init`: a commented `site.toml` for an inspector or manager to complete, with the
//! devices a report found already listed. Every unanswered question stays commented out, so the
//! template parses as-is and its findings stay conditional until someone answers.

use std::fmt::Write as _;

use crate::model::Report;

/// Writes a comment in both languages, the chosen one first.
fn note(out: &mut String, zh_first: bool, zh: &str, en: &str) {
    let (a, b) = if zh_first { (zh, en) } else { (en, zh) };
    let _ = writeln!(out, "# {a}\n# {b}");
}

fn quoted(s: &str) -> String {
    // TOML basic strings: escape what could break the line; device strings are hostile input.
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04X}", u32::from(c));
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The template for this report, comments in `lang` (`zh` or `en`) first.
pub fn site_template(report: &Report, lang: &str) -> String {
    let zh = lang == "zh";
    let mut o = String::new();
    note(
        &mut o,
        zh,
        "场所申报（site.toml）。未填写的项目保持注释状态，相关结论将标为“有条件”。",
        "Site declaration (site.toml). Questions left commented out stay unknown, and findings that depend on them are marked conditional.",
    );
    note(
        &mut o,
        zh,
        &format!(
            "由 camsweep site init 根据 {} 的扫描报告生成。",
            report.scan.started_at
        ),
        &format!(
            "Written by camsweep site init from the scan of {}.",
            report.scan.started_at
        ),
    );
    o.push_str("schema_version = 1\n\n");
    note(
        &mut o,
        zh,
        "营业执照上的名称、经营者、统一社会信用代码、地址",
        "Name as on the business licence, operator, unified social credit code, address",
    );
    o.push_str("name = \"\"\n# operator = \"\"\n# credit_code = \"\"\n# address = \"\"\n");
    note(
        &mut o,
        zh,
        "场所类型：shop 商店 | sales_office 售楼处 | school_canteen 学校食堂 | school | kindergarten 幼儿园 | children_venue 儿童场所 | mall 商场 | hotel | gym | office | other",
        "Kind of site: shop | sales_office | school_canteen | school | kindergarten | children_venue | mall | hotel | gym | office | other",
    );
    o.push_str("# kind = \"shop\"\n");
    note(
        &mut o,
        zh,
        "填写人（检查员或店长）及日期",
        "Who filled this in (inspector or manager), and when",
    );
    o.push_str("# declared_by = \"\"\n# declared_at = \"\"\n\n");
    note(
        &mut o,
        zh,
        "如何取得同意：none 无 | sign_only 仅张贴告示 | general 概括同意 | separate 单独同意 | written 书面同意 | guardian 监护人同意",
        "How consent is obtained: none | sign_only | general | separate | written | guardian",
    );
    o.push_str("# consent = \"sign_only\"\n");
    note(
        &mut o,
        zh,
        "是否提供刷卡、密码、人工核验等非人脸识别的替代方式",
        "Is a non-face alternative (card, PIN, staff check) offered?",
    );
    o.push_str("# non_face_alternative = false\n");
    note(
        &mut o,
        zh,
        "是否有不满十四周岁的未成年人出入",
        "Do children under 14 come to the site?",
    );
    o.push_str("# minors_present = false\n");
    note(
        &mut o,
        zh,
        "场所内的私密空间：fitting_room 试衣间 | changing_room | toilet | bath | nursing_room | hotel_room | dormitory；没有则填 []",
        "Private spaces on the premises: fitting_room | changing_room | toilet | bath | nursing_room | hotel_room | dormitory; [] if none",
    );
    o.push_str("# private_spaces = []\n");
    note(
        &mut o,
        zh,
        "存储人脸信息的人数；影响评估、网信备案、公安备案、出境机制是否具备",
        "How many people's faces are stored; impact assessment, CAC filing, police filing, export mechanism in place?",
    );
    o.push_str("# stored_faces = 0\n# pia_on_file = false\n# cac_filing = false\n# police_filing = false\n# xborder_mechanism = false\n");
    note(
        &mut o,
        zh,
        "出境（《促进和规范数据跨境流动规定》第五条）：是否关键信息基础设施运营者；当年1月1日以来向境外提供个人信息的人数，其中敏感个人信息（人脸）的人数",
        "Export (CAC Order No. 16 Art. 5): is the operator a critical information infrastructure operator; people whose personal information was sent abroad since 1 January, and of them people whose sensitive information (faces) was",
    );
    o.push_str(
        "# ciio = false\n# export_people_per_year = 0\n# export_sensitive_people_per_year = 0\n",
    );
    note(
        &mut o,
        zh,
        "云服务商：是否签订委托处理合同；接收方是否将图像用于其自身目的；是否公开书面的生物识别信息保存和销毁政策",
        "Cloud providers: is there an entrusted-processing contract; does a recipient use the images for its own purposes; is a written biometric retention and destruction policy public",
    );
    o.push_str("# processing_contract = false\n# recipient_own_use = false\n# retention_policy_public = false\n\n");
    note(
        &mut o,
        zh,
        "每一块现场告知一个 [[notice]]：位置、原文、照片、告知了什么（video_surveillance 视频监控 | face_recognition 人脸识别 | processor_contact | purposes | retention | recipients | storage_location | cross_border | necessity_impact | rights | alternative）、列明的接收方。没有任何告知则写 notice = []。",
        "One [[notice]] per posted notice: where, exact text, photos, what it discloses (video_surveillance | face_recognition | processor_contact | purposes | retention | recipients | storage_location | cross_border | necessity_impact | rights | alternative), recipients it names. If none is posted, write notice = [].",
    );
    o.push_str("# [[notice]]\n# location = \"entrance\"\n# text = \"\"\n# photos = []\n# discloses = [\"video_surveillance\"]\n# recipients = []\n\n");
    note(
        &mut o,
        zh,
        "扫描发现的设备。请填写安装位置、区域（public 顾客可进入 | staff 员工区域 | private 私密空间）、人脸识别是否启用、用途（security | footfall | marketing | customer_identification | attendance | access_control | payment | other）、数据接收方、是否位于私密空间。",
        "Devices the scan found. Fill in where each is, its area (public | staff | private), whether face recognition is switched on, its purpose (security | footfall | marketing | customer_identification | attendance | access_control | payment | other), its data recipients, and whether it is inside a private space.",
    );
    for d in report.devices.iter().filter(|d| d.is_surveillance()) {
        let id = &d.identity;
        let what = [
            id.vendor.as_deref(),
            id.model.as_deref(),
            Some(id.device_type.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let _ = writeln!(o, "\n# {}", what.replace(['\n', '\r'], " "));
        o.push_str("[[device]]\n");
        let _ = writeln!(o, "ip = {}", quoted(&d.ip));
        if let Some(mac) = &d.mac {
            let _ = writeln!(o, "mac = {}", quoted(mac));
        }
        if let Some(model) = &id.model {
            let _ = writeln!(o, "model = {}", quoted(model));
        }
        o.push_str("# location = \"\"\n# area = \"public\"\n# face_recognition = false\n# purpose = \"security\"\n# recipients = []\n# private_space = false\n");
    }
    o
}
