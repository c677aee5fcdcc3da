//! report.md: the same content as the HTML page, as Markdown for tickets, wikis and e-mail.
//! Every value from the report goes through [`sanitize::markdown`](super::sanitize::markdown), so
//! a hostile banner cannot break a table, forge a link or inject HTML where the Markdown is rendered.

use std::fmt::Write as _;

use crate::model::Report;

use std::collections::BTreeMap;

use super::case::{self, AdviceView, Case, Timeline};
use super::case_i18n::CaseLabels;
use super::findings_view;
use super::i18n::{Labels, Lang};
use super::sanitize::markdown as md;
use super::view::{self, DeviceView, View};

fn or_dash(value: &Option<String>) -> String {
    value.as_deref().map(md).unwrap_or_else(|| "—".to_string())
}

fn dash_if_empty(value: &str) -> String {
    if value.is_empty() {
        "—".to_string()
    } else {
        md(value)
    }
}

fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(cell);
        out.push_str(" |");
    }
    out.push('\n');
}

fn header_row(out: &mut String, labels: &[&str]) {
    row(
        out,
        &labels.iter().map(|l| l.to_string()).collect::<Vec<_>>(),
    );
    row(out, &vec!["---".to_string(); labels.len()]);
}

fn write_header(out: &mut String, v: &View, t: &Labels) {
    let h = &v.header;
    let _ = writeln!(out, "# {}\n", t.doc_title);
    if let Some(site) = &h.site_name {
        let _ = writeln!(out, "**{}**\n", md(site));
    }
    let status = if h.complete { t.complete } else { t.incomplete };
    let mut meta: Vec<(&str, String)> = vec![
        (
            t.site,
            h.site_name
                .as_deref()
                .map(md)
                .unwrap_or_else(|| t.not_given.to_string()),
        ),
        (t.targets, dash_if_empty(&h.targets)),
    ];
    if let Some(interface) = &h.interface {
        meta.push((t.interface, md(interface)));
    }
    meta.extend([
        (t.started, md(&h.started)),
        (t.finished, md(&h.finished)),
        (t.mode, h.mode.to_string()),
        (t.status, status.to_string()),
        (
            t.authorised_by,
            h.authorised_by
                .as_deref()
                .map(md)
                .unwrap_or_else(|| t.not_given.to_string()),
        ),
        (t.tool, md(&h.tool)),
        (t.signatures, md(&h.signatures_version)),
        (t.signatures_sha256, md(&h.signatures_sha256)),
    ]);
    if h.addresses_scanned > 0 {
        meta.push((t.addresses_scanned, h.addresses_scanned.to_string()));
    }
    for (label, value) in [
        (t.ports_scanned, &h.ports),
        (t.discovery, &h.discovery),
        (t.captures, &h.captures),
    ] {
        if !value.is_empty() {
            meta.push((label, md(value)));
        }
    }
    header_row(out, &[" ", " "]);
    for (label, value) in meta {
        row(out, &[format!("**{label}**"), value]);
    }
    out.push('\n');
    if !h.complete {
        let _ = writeln!(out, "> **{}** {}\n", t.incomplete, t.incomplete_warning);
    }
}

/// The site declaration with translated labels, the posted notices and the declared devices.
fn write_declaration(out: &mut String, report: &Report, t: &Labels, lang: Lang) {
    let Some(site) = findings_view::site_view(report, lang) else {
        return;
    };
    let l = findings_view::labels(lang);
    let _ = writeln!(out, "### {}\n", t.site_declaration);
    for field in &site.fields {
        let _ = writeln!(out, "- {}{}{}", md(&field.label), t.colon, md(&field.value));
    }
    out.push('\n');
    if let Some(notices) = &site.notices {
        let _ = writeln!(out, "#### {}\n", l.notices_posted);
        if notices.is_empty() {
            let _ = writeln!(out, "{}\n", l.no_notice);
        } else {
            header_row(
                out,
                &[
                    l.notice_location,
                    l.notice_text,
                    l.notice_discloses,
                    l.notice_recipients,
                ],
            );
            for n in notices {
                row(
                    out,
                    &[
                        md(n.location.as_deref().unwrap_or("—")),
                        md(n.text.as_deref().unwrap_or("—")),
                        md(&n.discloses),
                        md(&n.recipients),
                    ],
                );
            }
            out.push('\n');
        }
    }
    if !site.devices.is_empty() {
        let _ = writeln!(out, "#### {}\n", l.declared_devices);
        header_row(out, &[t.ip, l.notice_location, l.purpose, l.area]);
        for d in &site.devices {
            row(
                out,
                &[md(&d.ip), md(&d.location), md(&d.purpose), md(&d.area)],
            );
        }
        out.push('\n');
    }
}

/// The checks left to the inspector, by theme.
fn write_to_verify(out: &mut String, report: &Report, t: &Labels, lang: Lang) {
    let groups = findings_view::verify_groups(report, lang);
    if groups.is_empty() {
        return;
    }
    let l = findings_view::labels(lang);
    let sep = t.list_separator;
    let _ = writeln!(out, "## {}\n\n{}\n", l.to_verify, l.to_verify_lead);
    for g in &groups {
        let _ = writeln!(out, "### {}\n", md(&g.theme));
        for v in &g.items {
            let finding = v
                .finding
                .as_deref()
                .map(|f| format!(" · {} {}", l.for_finding, md(f)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- **{}** {}{}{} · {}{}{}{finding}",
                md(&v.id),
                l.decides,
                t.colon,
                md(&v.decides),
                l.rules,
                t.colon,
                md(&v.rules)
            );
            if let Some(d) = &v.device {
                let place = v
                    .location
                    .as_deref()
                    .map(|w| format!(" · {}{}{}", l.where_, t.colon, md(w)))
                    .unwrap_or_default();
                let _ = writeln!(out, "  - {}{}{}{place}", t.device, t.colon, md(d));
            }
            let checks: Vec<String> = v.check.iter().map(|c| md(c)).collect();
            let _ = writeln!(out, "  - {}{}{}", l.check, t.colon, checks.join(sep));
            let basis: Vec<String> = v.legal_basis.iter().map(|b| md(b)).collect();
            let _ = writeln!(out, "  - {} · {}", v.kind_label, basis.join(sep));
        }
        out.push('\n');
    }
}

/// Each notice template the findings refer to, once.
fn write_templates(out: &mut String, report: &Report, lang: Lang) {
    let templates = findings_view::notice_templates(report, lang);
    if templates.is_empty() {
        return;
    }
    let l = findings_view::labels(lang);
    let _ = writeln!(
        out,
        "### {}\n\n{}\n",
        l.notice_templates, l.notice_templates_lead
    );
    for tp in &templates {
        let _ = writeln!(
            out,
            "#### {} ({}) · {}\n",
            md(&tp.id),
            md(&tp.basis),
            md(&tp.findings)
        );
        for line in &tp.lines {
            let _ = writeln!(out, "> {}  ", md(line));
        }
        out.push('\n');
    }
}

fn write_summary(out: &mut String, v: &View, t: &Labels) {
    let s = &v.summary;
    let _ = writeln!(out, "## {}\n", t.summary);
    if s.face_capable > 0 {
        let _ = writeln!(out, "> ⚠ **{}**\n", t.face_alert);
    }
    let mut lines = vec![
        (t.hosts, s.hosts),
        (t.face_capable, s.face_capable),
        (t.cameras, s.cameras),
        (t.recorders, s.recorders),
        (t.face_terminals, s.face_terminals),
    ];
    if s.other_surveillance > 0 {
        lines.push((t.other_surveillance, s.other_surveillance));
    }
    lines.extend([
        (t.other_hosts, s.other_hosts),
        (t.cloud_uploads, s.uploading),
        (t.findings_count, s.findings),
    ]);
    for (label, count) in lines {
        if label == t.face_capable && count > 0 {
            let _ = writeln!(out, "- **{label}{}{count}** ⚠", t.colon);
        } else {
            let _ = writeln!(out, "- {label}{}{count}", t.colon);
        }
    }
    out.push('\n');
}

fn write_device_table(out: &mut String, v: &View, t: &Labels) {
    let _ = writeln!(out, "## {}\n", t.devices);
    if v.devices.is_empty() {
        let _ = writeln!(out, "{}\n", t.no_devices);
        return;
    }
    header_row(
        out,
        &[
            t.ip,
            &format!("{} / {}", t.mac, t.mac_vendor),
            t.vendor,
            t.model,
            t.firmware,
            t.device_type,
            t.face_recognition,
            t.confidence,
            t.open_ports,
        ],
    );
    for d in &v.devices {
        let mac = match (&d.mac, &d.mac_vendor) {
            (Some(mac), Some(vendor)) => format!("{} ({})", md(mac), md(vendor)),
            (mac, _) => or_dash(mac),
        };
        let face = if d.face_capable {
            format!("**{}** ⚠", d.face_label)
        } else {
            d.face_label.to_string()
        };
        row(
            out,
            &[
                md(&d.ip),
                mac,
                or_dash(&d.vendor),
                or_dash(&d.model),
                or_dash(&d.firmware),
                d.type_label.to_string(),
                face,
                d.confidence.clone(),
                dash_if_empty(&d.ports),
            ],
        );
    }
    out.push('\n');
}

fn write_device_details(
    out: &mut String,
    d: &DeviceView,
    t: &Labels,
    c: &CaseLabels,
    timeline: Option<&(Timeline, String)>,
) {
    let name = [&d.vendor, &d.model]
        .into_iter()
        .flatten()
        .map(|s| md(s))
        .collect::<Vec<_>>()
        .join(" ");
    let face = if d.face_capable { " ⚠" } else { "" };
    let _ = writeln!(
        out,
        "### {} — {} · {}{face}\n",
        md(&d.ip),
        if name.is_empty() {
            "?".to_string()
        } else {
            name
        },
        d.type_label
    );
    let _ = writeln!(out, "- ID{}{}", t.colon, md(&d.id));
    if let Some(hostname) = &d.hostname {
        let _ = writeln!(out, "- {}{}{}", t.hostname, t.colon, md(hostname));
    }
    let _ = writeln!(out, "- {}{}{}", t.face_recognition, t.colon, d.face_label);
    let _ = writeln!(out, "- {}{}{}", t.confidence, t.colon, d.confidence);
    if !d.signatures.is_empty() {
        let _ = writeln!(
            out,
            "- {}{}{}",
            t.matched_signatures,
            t.colon,
            md(&d.signatures)
        );
    }
    if !d.findings.is_empty() {
        let ids: Vec<String> = d.findings.iter().map(|f| md(f)).collect();
        let _ = writeln!(out, "- {}{}{}", t.findings, t.colon, ids.join(", "));
    }
    let _ = writeln!(out, "\n**{}**\n", t.evidence);
    if d.evidence.is_empty() {
        let _ = writeln!(out, "{}\n", t.no_evidence);
    } else {
        header_row(out, &[t.source, t.port, t.value]);
        for e in &d.evidence {
            let mut value = md(&e.value);
            if e.truncated {
                value.push(' ');
                value.push_str(t.truncated);
            }
            row(out, &[md(&e.source), dash_if_empty(&e.port), value]);
        }
        out.push('\n');
    }
    if !d.cloud_indications.is_empty() {
        let _ = writeln!(out, "**{}**\n", t.cloud_indications);
        if d.own_indications {
            let _ = writeln!(out, "{}\n", t.cloud_indications_note);
        }
        if d.gateway_indications {
            let _ = writeln!(out, "{}\n", t.port_mapping_note);
        }
        header_row(
            out,
            &[t.indication_kind, t.source, t.value, t.meaning_source],
        );
        for i in &d.cloud_indications {
            row(
                out,
                &[
                    md(&i.kind),
                    md(&i.source),
                    md(&i.value),
                    md(&i.meaning_source),
                ],
            );
        }
        out.push('\n');
    }
    if !d.cut_short.is_empty() {
        let _ = writeln!(out, "**{}**\n", t.cut_short);
        header_row(out, &[t.cut_probe, t.port, t.cut_reason, t.cut_detail]);
        for c in &d.cut_short {
            row(
                out,
                &[
                    md(&c.probe),
                    dash_if_empty(&c.port),
                    md(&c.reason),
                    md(&c.detail),
                ],
            );
        }
        out.push('\n');
    }
    if !d.cloud.is_empty() {
        let _ = writeln!(out, "**{}**\n", t.cloud_contacts);
        header_row(
            out,
            &[
                t.destination,
                t.name,
                t.provider,
                t.category,
                t.country,
                t.sent,
                t.received,
                t.first_seen,
                t.last_seen,
                t.upload_col,
            ],
        );
        for c in &d.cloud {
            let name = match (&c.name, &c.name_source) {
                (Some(name), Some(source)) => format!("{} ({})", md(name), md(source)),
                (name, _) => or_dash(name),
            };
            let upload = if c.upload {
                format!("**{}** ⚠", t.upload)
            } else {
                t.heartbeat.to_string()
            };
            row(
                out,
                &[
                    md(&c.destination),
                    name,
                    or_dash(&c.provider),
                    md(&c.category),
                    or_dash(&c.country),
                    md(&c.sent),
                    md(&c.received),
                    md(&c.first_seen),
                    md(&c.last_seen),
                    upload,
                ],
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "**{}**\n", c.timeline);
    match timeline {
        Some((tl, spark)) => {
            let _ = writeln!(
                out,
                "`{spark}` {} · {} – {} ({} {}) · {}{}{} · {}{}{} · {}{}{}\n",
                c.timeline_summary,
                md(&tl.first),
                md(&tl.last),
                tl.minutes,
                c.minutes,
                c.total_sent,
                t.colon,
                tl.total,
                c.to_internet,
                t.colon,
                tl.internet,
                c.peak_minute,
                t.colon,
                tl.peak
            );
        }
        None => {
            let _ = writeln!(out, "{}\n", c.no_timeline);
        }
    }
}

/// Bytes per minute as a line of block characters, the Markdown stand-in for the HTML sparkline.
fn text_sparkline(timeline: &[crate::model::UpstreamMinute]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = timeline
        .iter()
        .map(|m| m.bytes_up)
        .max()
        .unwrap_or(0)
        .max(1);
    timeline
        .iter()
        .map(|m| {
            // Integer scaling: 0 ..= 7.
            let level = (m.bytes_up.saturating_mul(7) / max) as usize;
            BARS[level.min(7)]
        })
        .collect()
}

fn write_cover(out: &mut String, case: &Case, t: &Labels, c: &CaseLabels) {
    let _ = writeln!(out, "## {}\n", c.cover_title);
    let _ = writeln!(out, "{}\n", c.cover_subtitle);
    let _ = writeln!(out, "**{}**\n", c.by_severity);
    header_row(
        out,
        &case
            .cover
            .severities
            .iter()
            .map(|s| s.label)
            .collect::<Vec<_>>(),
    );
    row(
        out,
        &case
            .cover
            .severities
            .iter()
            .map(|s| s.count.to_string())
            .collect::<Vec<_>>(),
    );
    out.push('\n');
    if case.cover.conditional > 0 {
        let _ = writeln!(
            out,
            "{}{}{}\n",
            c.conditional_count, t.colon, case.cover.conditional
        );
    }
    let _ = writeln!(out, "**{}**\n", c.top_findings);
    if case.cover.top.is_empty() {
        let _ = writeln!(out, "{}\n", c.no_findings_cover);
        return;
    }
    for (n, f) in case.cover.top.iter().enumerate() {
        let device = if f.devices.is_empty() {
            String::new()
        } else {
            let ips: Vec<String> = f.devices.iter().map(|d| md(d)).collect();
            format!(
                " · {} {}{}{}",
                ips.len(),
                t.devices_affected,
                t.colon,
                ips.join(", ")
            )
        };
        let cond = if f.conditional {
            format!(" · *{}*", t.conditional)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}. [{}] **{}** ({}){device}{cond}",
            n + 1,
            f.severity_label,
            md(&f.title),
            md(&f.rule)
        );
    }
    if case.cover.more > 0 {
        let _ = writeln!(out, "\n+{} · {}", case.cover.more, c.more_findings);
    }
    out.push('\n');
}

fn write_network(out: &mut String, case: &Case, t: &Labels, c: &CaseLabels) {
    let _ = writeln!(out, "## {}\n", c.network_title);
    if case.links.is_empty() {
        let why = if case.own_port_only {
            c.own_port_only
        } else if case.traffic_analysed {
            c.no_contacts
        } else {
            c.no_capture
        };
        let _ = writeln!(out, "{why}\n");
        return;
    }
    let _ = writeln!(out, "{}\n", case.network_lead);
    header_row(
        out,
        &[
            t.device,
            c.network_legend_face,
            t.destination,
            t.provider,
            t.category,
            t.country,
            t.sent,
            t.upload_col,
        ],
    );
    for l in &case.links {
        let device = if l.device_name.is_empty() {
            md(&l.device_ip)
        } else {
            format!("{} ({})", md(&l.device_ip), md(&l.device_name))
        };
        row(
            out,
            &[
                device,
                if l.face {
                    format!("**{}** ⚠", c.face_mark)
                } else {
                    "—".to_string()
                },
                format!("{} → {}:{}", md(&l.destination), md(&l.address), l.port),
                or_dash(&l.provider),
                md(&l.category_label),
                or_dash(&l.country),
                md(&l.sent),
                if l.upload {
                    format!("**{}** ⚠", t.upload)
                } else {
                    t.heartbeat.to_string()
                },
            ],
        );
    }
    out.push('\n');
}

/// Where the traffic was seen from, and what an interception or the inline bridge did.
fn write_vantage(out: &mut String, case: &Case, t: &Labels, c: &CaseLabels) {
    let v = &case.vantage;
    let _ = writeln!(out, "## {}\n", c.vantage_title);
    let code = if v.code.is_empty() {
        String::new()
    } else {
        format!(" (`{}`)", md(&v.code))
    };
    let _ = writeln!(
        out,
        "{}{code}{}{}\n",
        c.vantage_point, t.colon, v.explanation
    );
    if let Some(i) = &v.interception {
        let _ = writeln!(out, "### {}\n", c.interception_title);
        header_row(out, &[c.interface, c.gateway, c.period, c.restored]);
        row(
            out,
            &[
                md(&i.interface),
                md(&i.gateway),
                md(&i.period),
                i.restored.to_string(),
            ],
        );
        out.push('\n');
        header_row(
            out,
            &[
                "IP",
                "MAC",
                c.duration_s,
                c.to_gateway,
                c.to_device,
                c.dropped,
                c.stopped_early,
            ],
        );
        for d in &i.devices {
            row(
                out,
                &[
                    md(&d.ip),
                    md(&d.mac),
                    d.seconds.clone(),
                    md(&d.to_gateway),
                    md(&d.to_device),
                    md(&d.dropped),
                    d.stopped_early.as_deref().map_or("—".to_string(), md),
                ],
            );
        }
        out.push('\n');
        for (label, n) in [
            (c.arp_replies, i.arp_replies),
            (c.not_answering, i.not_answering),
            (c.kernel_drops, i.kernel_drops),
            (c.not_analysed, i.not_analysed),
        ] {
            let _ = writeln!(out, "- {label}: {n}");
        }
        out.push('\n');
    }
    if let Some(b) = &v.bridge {
        let _ = writeln!(out, "### {}\n", c.bridge_title);
        header_row(
            out,
            &[
                c.interface,
                c.period,
                c.forward,
                c.back,
                c.dropped,
                c.restored,
            ],
        );
        row(
            out,
            &[
                md(&b.interfaces),
                md(&b.period),
                md(&b.forward),
                md(&b.back),
                md(&b.dropped),
                b.restored.to_string(),
            ],
        );
        out.push('\n');
        let _ = writeln!(out, "- {}: {}", c.kernel_drops, b.kernel_drops);
        let _ = writeln!(out, "- {}: {}", c.not_analysed, b.not_analysed);
        if !b.restore_errors.is_empty() {
            let errors: Vec<String> = b.restore_errors.iter().map(|e| md(e)).collect();
            let _ = writeln!(out, "- {}: {}", c.restore_errors, errors.join("; "));
        }
        out.push('\n');
    }
}

fn write_advice(out: &mut String, a: &AdviceView, t: &Labels, c: &CaseLabels, lang: Lang) {
    let _ = writeln!(out, "**{}**\n", c.advice);
    if let Some(template) = &a.template {
        let basis = a
            .notice_basis
            .as_deref()
            .map(|b| format!(" ({})", md(b)))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{basis}{}\n", c.notice_must_say, t.colon.trim_end());
        for m in &a.must_say {
            let _ = writeln!(
                out,
                "- {} · {} {}",
                md(&m.text),
                c.declare_as,
                md(&m.discloses)
            );
        }
        if !template.is_empty() {
            let _ = writeln!(out, "\n{}\n", findings_view::labels(lang).see_template);
        }
    }
    if !a.steps.is_empty() {
        let product = a.product.as_deref().map(md).unwrap_or_default();
        let _ = writeln!(
            out,
            "{} · {product}{}\n",
            c.device_settings,
            t.colon.trim_end()
        );
        for (n, step) in a.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", n + 1, md(step));
        }
        let _ = writeln!(
            out,
            "\n{}{}{} ({})\n",
            c.steps_source,
            t.colon,
            md(a.source.as_deref().unwrap_or("")),
            a.status.unwrap_or("")
        );
    }
}

fn write_appendix(out: &mut String, case: &Case, t: &Labels, c: &CaseLabels) {
    let _ = writeln!(out, "## {}\n", c.appendix);
    let _ = writeln!(out, "{}\n", c.appendix_lead);
    header_row(out, &[c.kind, t.file, t.sha256]);
    for f in &case.appendix {
        row(out, &[f.kind.to_string(), md(&f.path), md(&f.sha256)]);
    }
    let _ = writeln!(out, "\n{}\n", t.integrity_hint);
}

fn write_findings(
    out: &mut String,
    report: &Report,
    v: &View,
    t: &Labels,
    lang: Lang,
    advice: &BTreeMap<String, AdviceView>,
) {
    let _ = writeln!(out, "## {}\n", t.findings);
    if v.findings.is_empty() {
        let _ = writeln!(out, "{}\n", t.no_findings);
    }
    if !v.fixes.is_empty() {
        let _ = writeln!(out, "### {}\n", t.what_to_fix);
        for (n, x) in v.fixes.iter().enumerate() {
            let count = if x.devices > 0 {
                crate::locale::fill(
                    t.fix_device_count,
                    &[
                        ("n", &x.devices.to_string()),
                        ("devices", t.devices_affected),
                    ],
                )
            } else {
                String::new()
            };
            let cond = if x.conditional {
                format!(" · *{}*", t.conditional)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{}. [{}] **{}**{count}{cond}{}{}",
                n + 1,
                x.severity_label,
                md(&x.title),
                t.colon,
                md(&x.remedy)
            );
        }
        out.push('\n');
    }
    let ordered: Vec<&crate::model::Finding> = {
        let mut all: Vec<&crate::model::Finding> = report.findings.iter().collect();
        all.sort_by_key(|f| (f.severity, f.conditional));
        all
    };
    for g in findings_view::theme_groups(&ordered, report, lang) {
        if !g.label.is_empty() {
            let _ = writeln!(out, "### {}\n", md(&g.label));
            if !g.devices.is_empty() {
                let devices: Vec<String> = g.devices.iter().map(|d| md(d)).collect();
                let _ = writeln!(
                    out,
                    "{}{}{}\n",
                    findings_view::labels(lang).devices,
                    t.colon,
                    devices.join(", ")
                );
            }
        }
        for f in v.findings.iter().filter(|f| g.finding_ids.contains(&f.id)) {
            let cond = if f.conditional {
                format!(" ({})", t.conditional)
            } else {
                String::new()
            };
            let _ = writeln!(out, "#### [{}] {}{cond}\n", f.severity_label, md(&f.title));
            let device = f
                .device
                .as_deref()
                .map(md)
                .unwrap_or_else(|| t.site_wide.to_string());
            let rule = if f.rules.is_empty() || f.rules == f.rule {
                md(&f.rule)
            } else {
                format!("{} ({})", md(&f.rule), md(&f.rules))
            };
            let _ = writeln!(
                out,
                "- {}{c}{} · ID{c}{}\n- {}{c}{}",
                t.rule,
                rule,
                md(&f.id),
                t.device,
                device,
                c = t.colon
            );
            if !f.legal_basis.is_empty() {
                let sep = t.list_separator;
                let basis: Vec<String> = f.legal_basis.iter().map(|b| md(b)).collect();
                let _ = writeln!(out, "- {}{}{}", t.legal_basis, t.colon, basis.join(sep));
            }
            let _ = writeln!(out, "\n{}\n", md(&f.detail));
            if !f.evidence.is_empty() {
                let _ = writeln!(out, "**{}**\n", t.evidence);
                for e in &f.evidence {
                    let _ = writeln!(out, "- {}", md(e));
                }
                out.push('\n');
            }
            if !f.lawful_if.is_empty() {
                let sep = t.list_separator;
                let conds: Vec<String> = f.lawful_if.iter().map(|c| md(c)).collect();
                let _ = writeln!(
                    out,
                    "**{}**{}{}\n",
                    findings_view::labels(lang).lawful_if,
                    t.colon,
                    conds.join(sep)
                );
            }
            let _ = writeln!(out, "**{}**{}{}\n", t.remedy, t.colon, md(&f.remedy));
            if let Some(a) = advice.get(&f.id) {
                write_advice(out, a, t, lang.case_labels(), lang);
            }
        }
    }
}

fn write_tail(
    out: &mut String,
    v: &View,
    case: &Case,
    t: &Labels,
    c: &CaseLabels,
    report: &Report,
    lang: Lang,
) {
    let _ = writeln!(out, "## {}\n", t.scan_notes);
    if v.notes.is_empty() {
        let _ = writeln!(out, "{}\n", t.no_notes);
    } else {
        for note in &v.notes {
            let _ = writeln!(out, "- {}", md(note));
        }
        out.push('\n');
    }
    if !v.limits_hit.is_empty() {
        let _ = writeln!(out, "### {}\n", t.limits_hit);
        header_row(out, &[t.limit, t.cut_detail]);
        for l in &v.limits_hit {
            row(out, &[md(&l.key), md(&l.value)]);
        }
        out.push('\n');
    }
    write_appendix(out, case, t, c);
    write_templates(out, report, lang);
    let _ = writeln!(out, "---\n\n## {}\n", t.about_title);
    for paragraph in [t.about_does, t.about_does_not, t.about_evidence] {
        let _ = writeln!(out, "{paragraph}\n");
    }
}

/// The report as Markdown in `lang`, naming the SHA-256 of the report.json as written by
/// [`to_json`](super::to_json).
pub fn render_markdown(report: &Report, lang: Lang) -> String {
    // Serializing a report that deserialized cannot fail; an empty hash would show it if it did.
    let sha = super::to_json(report)
        .map(|json| super::sha256_hex(json.as_bytes()))
        .unwrap_or_default();
    render_markdown_for(report, lang, &sha)
}

/// The report as Markdown in `lang`, rendered from a report.json whose SHA-256 is `report_sha256`.
pub fn render_markdown_for(report: &Report, lang: Lang, report_sha256: &str) -> String {
    let t = lang.labels();
    let c = lang.case_labels();
    let v = view::build(report, lang);
    let case = case::build(report, lang, report_sha256);
    let timelines: BTreeMap<String, (Timeline, String)> = report
        .devices
        .iter()
        .filter_map(|d| {
            case::timeline(&d.upstream_timeline).map(|tl| {
                (
                    view::anchor(&d.id),
                    (tl, text_sparkline(&d.upstream_timeline)),
                )
            })
        })
        .collect();
    let advice: BTreeMap<String, AdviceView> = report
        .findings
        .iter()
        .filter_map(|f| {
            case::advice(f.advice.as_ref(), lang, c)
                .map(|a| (super::sanitize::visible(&f.id).into_owned(), a))
        })
        .collect();
    let mut out = String::with_capacity(8 * 1024);
    write_header(&mut out, &v, t);
    write_declaration(&mut out, report, t, lang);
    write_cover(&mut out, &case, t, c);
    write_summary(&mut out, &v, t);
    write_network(&mut out, &case, t, c);
    write_vantage(&mut out, &case, t, c);
    write_device_table(&mut out, &v, t);
    if !v.devices.is_empty() {
        let _ = writeln!(out, "## {}\n", t.device_details);
        for d in &v.devices {
            write_device_details(&mut out, d, t, c, timelines.get(&d.anchor));
        }
    }
    write_findings(&mut out, report, &v, t, lang, &advice);
    write_to_verify(&mut out, report, t, lang);
    write_tail(&mut out, &v, &case, t, c, report, lang);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{golden, sample_report};

    #[test]
    fn traffic_seen_only_from_the_own_port_says_uploads_could_not_be_observed() {
        let mut report = sample_report();
        for device in &mut report.devices {
            device.cloud_contacts.clear();
            device.upstream_timeline.clear();
        }
        report.scan.vantage = Some("own_port".into());
        let en = render_markdown(&report, Lang::En);
        assert!(en.contains("uploads could not be observed"), "{en}");
        assert!(!en.contains("no device contacted"), "{en}");
        let zh = render_markdown(&report, Lang::Zh);
        assert!(zh.contains("无法观察设备是否上传"), "{zh}");
        // No traffic looked at at all: never "no uploads".
        report.scan.vantage = Some("none".into());
        report.scan.captures = vec!["x.pcap".into()];
        let en = render_markdown(&report, Lang::En);
        assert!(en.contains("No traffic capture was analysed"), "{en}");
        assert!(en.contains("uploads could not be observed"), "{en}");
        let zh = render_markdown(&report, Lang::Zh);
        assert!(zh.contains("无法观察设备是否上传"), "{zh}");
    }

    /// A report with no vantage point (no listening at all) says in both languages, on the page
    /// and in Markdown, that uploads could not be observed; the device's own "cloud on" is still
    /// shown.
    #[test]
    fn no_vantage_says_uploads_could_not_be_observed_in_both_languages() {
        let mut report = sample_report();
        for device in &mut report.devices {
            device.cloud_contacts.clear();
            device.upstream_timeline.clear();
        }
        report.scan.captures.clear();
        report.scan.vantage = Some("none".into());
        for (lang, words) in [
            (Lang::En, "uploads could not be observed"),
            (Lang::Zh, "无法观察设备是否上传"),
        ] {
            let md = render_markdown(&report, lang);
            assert!(md.contains(words), "{md}");
            assert!(!md.contains("no device contacted"), "{md}");
            let html = crate::report::html::render_html(&report, lang).unwrap();
            assert!(html.contains(words), "{lang:?}");
            assert!(html.contains("hik_connect_enabled"), "{lang:?}");
        }
    }

    /// Cells of a Markdown table row, splitting on unescaped `|` as a renderer would.
    fn cells(line: &str) -> usize {
        let mut count: usize = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => {
                    count += 1;
                    escaped = false;
                }
                _ => escaped = false,
            }
        }
        count.saturating_sub(1)
    }

    #[test]
    fn hostile_banners_cannot_break_tables_or_inject_html() {
        let text = render_markdown(&sample_report(), Lang::En);
        assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\r'));
        assert!(!text.contains("<script") && !text.contains("<b>") && !text.contains("<i>"));
        assert!(!text.contains("[click](http"), "a forged link survived");
        assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(text.contains("220 FTP \\| \\`rm -rf\\`"));
        // Every table row has as many cells as its header.
        let mut width = None;
        for line in text.lines() {
            if line.starts_with('|') {
                let n = cells(line);
                match width {
                    None => width = Some(n),
                    Some(w) => assert_eq!(w, n, "row breaks its table: {line}"),
                }
            } else {
                width = None;
            }
        }
    }

    #[test]
    fn chinese_markdown_uses_chinese_labels() {
        let text = render_markdown(&sample_report(), Lang::Zh);
        for label in [
            "# 监控与人脸识别设备检测报告",
            "## 设备清单",
            "人脸识别终端",
            "摄像机",
            "录像机",
            "人脸识别能力",
            "置信度",
            "固件",
            "开放端口",
            "**证据**",
            "**云端连接**",
            "## 发现问题",
            "**整改建议**",
            "法律依据：《个人信息保护法》第二十六条；《个人信息保护法》第二十九条",
            "## 检测说明",
            "## 证据附录",
            "## 检查案卷",
            "## 网络关系图",
            "**店长整改步骤**",
            "**上行流量时间线**",
            "`▁▁▁▃▆█▅▃▂▁▁▁`",
            "在设备设置中关闭云 / P2P · 海康互联（Hik-Connect）/ 萤石云 P2P（平台接入）：",
        ] {
            assert!(text.contains(label), "missing {label}");
        }
    }

    #[test]
    fn markdown_matches_the_reviewed_golden_files() {
        for lang in [Lang::Zh, Lang::En] {
            let text = render_markdown(&sample_report(), lang);
            golden(&format!("sample-report.{lang}.md"), &text);
        }
    }

    #[test]
    fn english_markdown_lists_face_terminal_first() {
        let text = render_markdown(&sample_report(), Lang::En);
        let face = text.find("| 198.18.0.12 |").unwrap();
        let camera = text.find("| 198.18.0.11 |").unwrap();
        let printer = text.find("| 198.18.0.50 |").unwrap();
        assert!(face < camera && camera < printer);
        assert!(text.contains("### [high] Face-recognition device uploads data to a cloud abroad"));
        assert!(text.contains("- **Face-capable devices: 1** ⚠"));
    }
}
