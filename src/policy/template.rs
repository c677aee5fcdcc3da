//! `camsweep site init`: a commented `site.toml` for an inspector or manager to complete, with the
//! devices a report found already listed. Every unanswered question stays commented out, so the
//! template parses as-is and its findings stay conditional until someone answers.

use std::fmt::Write as _;

use crate::locale::{fill, label_table};
use crate::model::Report;

label_table! {
    /// The template's comments (locale file, `[site_template.*]`), one per question group.
    pub(super) struct TemplateNotes in "site_template" {
        header: &'static str,
        written_by: &'static str,
        name: &'static str,
        kind: &'static str,
        declared_by: &'static str,
        consent: &'static str,
        alternative: &'static str,
        minors: &'static str,
        private_spaces: &'static str,
        faces_filings: &'static str,
        export: &'static str,
        cloud: &'static str,
        notices: &'static str,
        devices: &'static str,
    }
}

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
    let (z, e) = (TemplateNotes::load(true), TemplateNotes::load(false));
    let started = &report.scan.started_at;
    let mut o = String::new();
    note(&mut o, zh, z.header, e.header);
    note(
        &mut o,
        zh,
        &fill(z.written_by, &[("started", started)]),
        &fill(e.written_by, &[("started", started)]),
    );
    o.push_str("schema_version = 1\n\n");
    note(&mut o, zh, z.name, e.name);
    o.push_str("name = \"\"\n# operator = \"\"\n# credit_code = \"\"\n# address = \"\"\n");
    note(&mut o, zh, z.kind, e.kind);
    o.push_str("# kind = \"shop\"\n");
    note(&mut o, zh, z.declared_by, e.declared_by);
    o.push_str("# declared_by = \"\"\n# declared_at = \"\"\n\n");
    note(&mut o, zh, z.consent, e.consent);
    o.push_str("# consent = \"sign_only\"\n");
    note(&mut o, zh, z.alternative, e.alternative);
    o.push_str("# non_face_alternative = false\n");
    note(&mut o, zh, z.minors, e.minors);
    o.push_str("# minors_present = false\n");
    note(&mut o, zh, z.private_spaces, e.private_spaces);
    o.push_str("# private_spaces = []\n");
    note(&mut o, zh, z.faces_filings, e.faces_filings);
    o.push_str("# stored_faces = 0\n# pia_on_file = false\n# cac_filing = false\n# police_filing = false\n# xborder_mechanism = false\n");
    note(&mut o, zh, z.export, e.export);
    o.push_str(
        "# ciio = false\n# export_people_per_year = 0\n# export_sensitive_people_per_year = 0\n",
    );
    note(&mut o, zh, z.cloud, e.cloud);
    o.push_str("# processing_contract = false\n# recipient_own_use = false\n# retention_policy_public = false\n\n");
    note(&mut o, zh, z.notices, e.notices);
    o.push_str("# [[notice]]\n# location = \"entrance\"\n# text = \"\"\n# photos = []\n# discloses = [\"video_surveillance\"]\n# recipients = []\n\n");
    note(&mut o, zh, z.devices, e.devices);
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
