//! Inline SVG drawn by camsweep for the HTML report: the network picture (the store LAN's devices
//! on the left, the cloud destinations they contacted on the right, line width by bytes sent) and a
//! sparkline of a device's upstream traffic per minute. No scripts, no external references; every
//! text from the report is made visible and XML-escaped here.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::UpstreamMinute;

use super::case::Link;
use super::case_i18n::CaseLabels;
use super::sanitize::visible;

/// Colours of the picture; the HTML test in Chromium looks for the node fills on the screenshot.
pub const DEVICE_FILL: &str = "#e8f0fe";
pub const FACE_COLOUR: &str = "#b42318";
pub const CLOUD_FILL: &str = "#ede9fe";
pub const UPLOAD_COLOUR: &str = "#d92d20";
pub const HEARTBEAT_COLOUR: &str = "#9aa5b1";

const WIDTH: f64 = 900.0;
const NODE_W: f64 = 270.0;
const NODE_H: f64 = 40.0;
const ROW: f64 = 52.0;
const TOP: f64 = 44.0;
const MAX_LINE: f64 = 14.0;
const MIN_LINE: f64 = 1.5;
/// Characters of a label before it is cut with an ellipsis.
const LABEL_CHARS: usize = 34;

/// Text for an SVG text node or attribute: hidden characters shown, markup characters escaped.
fn esc(value: &str) -> String {
    let shown = visible(value);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cut(value: &str) -> String {
    if value.chars().count() <= LABEL_CHARS {
        return value.to_string();
    }
    let mut short: String = value.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

struct Node {
    title: String,
    subtitle: String,
    face: bool,
    y: f64,
}

/// Line width for `bytes` when the largest flow is `max`: area-like (square root), so one big
/// uploader does not reduce every other line to a hairline.
fn line_width(bytes: u64, max: u64) -> f64 {
    if max == 0 {
        return MIN_LINE;
    }
    let share = (bytes as f64 / max as f64).sqrt();
    MIN_LINE + (MAX_LINE - MIN_LINE) * share
}

/// The network picture, or None when no device contacted a destination outside the LAN.
pub fn network(links: &[Link], c: &CaseLabels) -> Option<String> {
    if links.is_empty() {
        return None;
    }
    // Devices and destinations in first-seen order (links come in the reading order of devices).
    let mut devices: Vec<(String, Node)> = Vec::new();
    let mut clouds: Vec<(String, Node)> = Vec::new();
    let mut cloud_bytes: BTreeMap<String, u64> = BTreeMap::new();
    for link in links {
        if !devices.iter().any(|(id, _)| *id == link.device_id) {
            devices.push((
                link.device_id.clone(),
                Node {
                    title: link.device_ip.clone(),
                    subtitle: link.device_name.clone(),
                    face: link.face,
                    y: 0.0,
                },
            ));
        }
        let key = link.destination.clone();
        *cloud_bytes.entry(key.clone()).or_default() += link.bytes_up;
        if !clouds.iter().any(|(k, _)| *k == key) {
            let place = [link.provider.as_deref(), link.country.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            clouds.push((
                key.clone(),
                Node {
                    title: link.destination.clone(),
                    subtitle: if place.is_empty() {
                        link.category_label.clone()
                    } else {
                        place
                    },
                    face: false,
                    y: 0.0,
                },
            ));
        }
    }
    let rows = devices.len().max(clouds.len()) as f64;
    let height = TOP + rows * ROW + 40.0;
    // Centre the shorter column against the longer one.
    let place = |nodes: &mut Vec<(String, Node)>| {
        let offset = (rows - nodes.len() as f64) * ROW / 2.0;
        for (i, (_, node)) in nodes.iter_mut().enumerate() {
            node.y = TOP + offset + i as f64 * ROW;
        }
    };
    place(&mut devices);
    place(&mut clouds);
    let max = links.iter().map(|l| l.bytes_up).max().unwrap_or(0);
    let left_x = 10.0;
    let right_x = WIDTH - NODE_W - 10.0;

    let mut svg = String::with_capacity(4096 + links.len() * 400);
    let _ = write!(
        svg,
        "<svg class=\"network\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\">",
        esc(c.network_title)
    );
    let _ = write!(
        svg,
        "<text x=\"{left_x}\" y=\"24\" font-size=\"15\" font-weight=\"700\" fill=\"#102a43\">{}</text>\
         <text x=\"{}\" y=\"24\" font-size=\"15\" font-weight=\"700\" fill=\"#102a43\" text-anchor=\"end\">{}</text>",
        esc(c.store_lan),
        WIDTH - 10.0,
        esc(c.internet)
    );
    // Lines first, so the nodes are drawn over their ends.
    svg.push_str("<g class=\"links\" fill=\"none\">");
    for link in links {
        let Some((_, from)) = devices.iter().find(|(id, _)| *id == link.device_id) else {
            continue;
        };
        let Some((_, to)) = clouds.iter().find(|(k, _)| *k == link.destination) else {
            continue;
        };
        let (x1, y1) = (left_x + NODE_W, from.y + NODE_H / 2.0);
        let (x2, y2) = (right_x, to.y + NODE_H / 2.0);
        let mid = (x1 + x2) / 2.0;
        let colour = if link.upload {
            UPLOAD_COLOUR
        } else {
            HEARTBEAT_COLOUR
        };
        let _ = write!(
            svg,
            "<path class=\"link{}\" d=\"M{x1:.1} {y1:.1} C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}\" \
             stroke=\"{colour}\" stroke-width=\"{:.1}\" stroke-opacity=\"0.75\" stroke-linecap=\"round\">\
             <title>{} → {}:{} · {}</title></path>",
            if link.upload { " upload" } else { "" },
            line_width(link.bytes_up, max),
            esc(&link.device_ip),
            esc(&link.destination),
            link.port,
            esc(&link.sent)
        );
    }
    svg.push_str("</g>");
    for (_, node) in &devices {
        let (stroke, width) = if node.face {
            (FACE_COLOUR, 3.0)
        } else {
            ("#5b7db1", 1.2)
        };
        let _ = write!(
            svg,
            "<g class=\"device{}\"><rect x=\"{left_x}\" y=\"{:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" \
             fill=\"{DEVICE_FILL}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-weight=\"700\" fill=\"#102a43\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#52606d\">{}</text>",
            if node.face { " face" } else { "" },
            node.y,
            left_x + 10.0,
            node.y + 17.0,
            esc(&cut(&node.title)),
            left_x + 10.0,
            node.y + 32.0,
            esc(&cut(&node.subtitle))
        );
        if node.face {
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"52\" height=\"18\" rx=\"9\" fill=\"{FACE_COLOUR}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"700\" fill=\"#ffffff\" text-anchor=\"middle\">{}</text>",
                left_x + NODE_W - 60.0,
                node.y + 4.0,
                left_x + NODE_W - 34.0,
                node.y + 17.0,
                esc(c.face_mark)
            );
        }
        svg.push_str("</g>");
    }
    for (key, node) in &clouds {
        let total = cloud_bytes.get(key).copied().unwrap_or(0);
        let _ = write!(
            svg,
            "<g class=\"cloud\"><rect x=\"{right_x}\" y=\"{:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" \
             fill=\"{CLOUD_FILL}\" stroke=\"#6941c6\" stroke-width=\"1.2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-weight=\"700\" fill=\"#2e1065\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#52606d\">{}</text>\
             <title>{} · {}</title></g>",
            node.y,
            right_x + 10.0,
            node.y + 17.0,
            esc(&cut(&node.title)),
            right_x + 10.0,
            node.y + 32.0,
            esc(&cut(&node.subtitle)),
            esc(&node.title),
            super::view::bytes(total)
        );
    }
    // Legend.
    let ly = height - 14.0;
    let _ = write!(
        svg,
        "<g class=\"legend\" font-size=\"11\" fill=\"#52606d\">\
         <line x1=\"10\" y1=\"{:.1}\" x2=\"40\" y2=\"{:.1}\" stroke=\"{UPLOAD_COLOUR}\" stroke-width=\"5\"/>\
         <text x=\"46\" y=\"{ly:.1}\">{}</text>\
         <line x1=\"190\" y1=\"{:.1}\" x2=\"220\" y2=\"{:.1}\" stroke=\"{HEARTBEAT_COLOUR}\" stroke-width=\"3\"/>\
         <text x=\"226\" y=\"{ly:.1}\">{}</text>\
         <rect x=\"380\" y=\"{:.1}\" width=\"30\" height=\"12\" rx=\"6\" fill=\"{FACE_COLOUR}\"/>\
         <text x=\"416\" y=\"{ly:.1}\">{}</text>\
         <text x=\"{:.1}\" y=\"{ly:.1}\" text-anchor=\"end\">{}</text></g>",
        ly - 4.0,
        ly - 4.0,
        esc(c.network_legend_upload),
        ly - 4.0,
        ly - 4.0,
        esc(c.network_legend_heartbeat),
        ly - 10.0,
        esc(c.network_legend_face),
        WIDTH - 10.0,
        esc(c.network_legend_width)
    );
    svg.push_str("</svg>");
    Some(svg)
}

/// Minutes since the first entry, from the RFC 3339 start of each minute; entries whose time does
/// not parse are placed one minute after the previous one.
fn minute_offsets(timeline: &[UpstreamMinute]) -> Vec<f64> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let parsed: Vec<Option<OffsetDateTime>> = timeline
        .iter()
        .map(|m| OffsetDateTime::parse(&m.minute, &Rfc3339).ok())
        .collect();
    let start = parsed.iter().flatten().next().copied();
    let mut out = Vec::with_capacity(timeline.len());
    let mut previous = -1.0;
    for at in parsed {
        let x = match (at, start) {
            (Some(at), Some(start)) => ((at - start).whole_seconds() as f64 / 60.0).max(0.0),
            _ => previous + 1.0,
        };
        // Keep x increasing even if the timeline is out of order.
        let x = if x <= previous { previous + 1.0 } else { x };
        out.push(x);
        previous = x;
    }
    out
}

/// A sparkline of bytes sent per minute (all traffic as the filled area, traffic to the internet
/// as the red line), or None for an empty timeline.
pub fn sparkline(timeline: &[UpstreamMinute], c: &CaseLabels) -> Option<String> {
    if timeline.is_empty() {
        return None;
    }
    const W: f64 = 320.0;
    const H: f64 = 56.0;
    const PAD: f64 = 3.0;
    let xs = minute_offsets(timeline);
    let span = xs.last().copied().unwrap_or(0.0).max(1.0);
    let max = timeline
        .iter()
        .map(|m| m.bytes_up)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let point = |x: f64, value: u64| {
        (
            PAD + x / span * (W - 2.0 * PAD),
            H - PAD - value as f64 / max * (H - 2.0 * PAD),
        )
    };
    let mut area = format!("M{:.1} {:.1}", PAD, H - PAD);
    let mut internet = String::new();
    for (i, (m, x)) in timeline.iter().zip(&xs).enumerate() {
        let (px, py) = point(*x, m.bytes_up);
        let _ = write!(area, " L{px:.1} {py:.1}");
        let (ix, iy) = point(*x, m.bytes_up_internet);
        let _ = write!(
            internet,
            "{}{ix:.1} {iy:.1}",
            if i == 0 { "M" } else { " L" }
        );
    }
    let (end_x, _) = point(span, 0);
    let _ = write!(area, " L{end_x:.1} {:.1} Z", H - PAD);
    let mut svg = String::with_capacity(1024 + timeline.len() * 24);
    let _ = write!(
        svg,
        "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" \
         role=\"img\" aria-label=\"{}\"><rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#f5f7fa\"/>\
         <path d=\"{area}\" fill=\"#b2ccf7\" stroke=\"#175cd3\" stroke-width=\"1\"/>\
         <path d=\"{internet}\" fill=\"none\" stroke=\"{UPLOAD_COLOUR}\" stroke-width=\"1.6\"/></svg>",
        esc(c.timeline_summary)
    );
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::case_i18n::CASE_EN;

    fn link(device: &str, dest: &str, bytes_up: u64, face: bool, upload: bool) -> Link {
        Link {
            device_id: format!("d-{device}"),
            device_anchor: format!("dev-d-{device}"),
            device_ip: device.to_string(),
            device_name: "Hikvision DS-K1T671M".to_string(),
            face,
            destination: dest.to_string(),
            address: "203.0.113.10".to_string(),
            port: 443,
            provider: Some("Hikvision / EZVIZ".to_string()),
            category: "vendor_cloud".to_string(),
            category_label: "vendor cloud".to_string(),
            country: Some("NL".to_string()),
            bytes_up,
            sent: super::super::view::bytes(bytes_up),
            upload,
        }
    }

    #[test]
    fn line_width_grows_with_bytes_and_stays_visible() {
        assert_eq!(line_width(0, 0), MIN_LINE);
        assert_eq!(line_width(100, 100), MAX_LINE);
        let small = line_width(1, 1_000_000);
        assert!(small > MIN_LINE && small < 2.0, "{small}");
        assert!(line_width(250_000, 1_000_000) < line_width(500_000, 1_000_000));
    }

    #[test]
    fn network_draws_one_node_per_device_and_destination_and_marks_face_devices() {
        let links = [
            link("198.18.0.12", "apiieu.ezvizlife.com", 1_000_000, true, true),
            link("198.18.0.12", "p2p.example", 2_000, true, false),
            link("198.18.0.22", "apiieu.ezvizlife.com", 50_000, false, true),
        ];
        let svg = network(&links, &CASE_EN).unwrap();
        assert_eq!(svg.matches("<g class=\"device").count(), 2);
        assert_eq!(svg.matches("<g class=\"device face\"").count(), 1);
        assert_eq!(svg.matches("<g class=\"cloud\"").count(), 2);
        assert_eq!(svg.matches("<path class=\"link").count(), 3);
        assert_eq!(svg.matches("class=\"link upload\"").count(), 2);
        assert!(svg.contains(&format!("stroke-width=\"{MAX_LINE:.1}\"")));
        assert!(svg.contains(">FACE<"));
        assert!(network(&[], &CASE_EN).is_none());
    }

    #[test]
    fn hostile_names_are_escaped_in_the_picture() {
        let links = [link(
            "198.18.0.66",
            "<script>alert(1)</script>\"'\u{202e}\x1b[31m",
            10,
            false,
            true,
        )];
        let svg = network(&links, &CASE_EN).unwrap();
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains('\u{202e}') && !svg.contains('\x1b'));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("\\u{202e}"));
    }

    #[test]
    fn sparkline_spaces_points_by_time() {
        let minute = |m: &str, up: u64| UpstreamMinute {
            minute: format!("2026-11-23T09:{m}:00Z"),
            bytes_up: up,
            bytes_up_internet: up / 2,
        };
        let timeline = [minute("00", 100), minute("01", 400), minute("10", 200)];
        assert_eq!(minute_offsets(&timeline), [0.0, 1.0, 10.0]);
        let svg = sparkline(&timeline, &CASE_EN).unwrap();
        assert!(svg.starts_with("<svg class=\"spark\""));
        assert!(svg.contains(UPLOAD_COLOUR));
        assert!(sparkline(&[], &CASE_EN).is_none());
    }
}
