//! Inline SVG drawn by camsweep for the HTML report: the network picture (the store LAN's devices
//! on the left, the cloud destinations they contacted on the right, line width by bytes sent) and a
//! sparkline of a device's upstream traffic per minute. No scripts, no external references; every
//! text from the report is made visible and XML-escaped here.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::UpstreamMinute;

use super::case::Link;
use super::case_i18n::CaseLabels;
use super::sanitize;

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
    sanitize::markup(value)
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
#[allow(clippy::cast_precision_loss)] // drawing coordinates
fn line_width(bytes: u64, max: u64) -> f64 {
    if max == 0 {
        return MIN_LINE;
    }
    let share = (bytes as f64 / max as f64).sqrt();
    MIN_LINE + (MAX_LINE - MIN_LINE) * share
}

/// Destinations drawn at most; the others are merged into one node. A picture with 80,000
/// destinations is unreadable (and its SVG hundreds of megabytes); the table lists them all.
pub const MAX_DRAWN_DESTINATIONS: usize = 40;
/// Devices drawn at most; the others are merged into one node.
pub const MAX_DRAWN_DEVICES: usize = 40;

/// One line of the picture: a device (or the merged others) to a destination (or the merged
/// others), with the bytes of every link it stands for.
struct Line {
    from: usize,
    to: usize,
    bytes_up: u64,
    upload: bool,
    port: Option<u16>,
    links: usize,
}

/// The network picture, or None when no device contacted a destination outside the LAN.
///
/// Near-linear in the links: nodes are found through hash maps, and at most
/// [`MAX_DRAWN_DEVICES`] + 1 devices and [`MAX_DRAWN_DESTINATIONS`] + 1 destinations are drawn
/// (the destinations with the most data sent, uploads first; the first devices in reading order),
/// so at most 41 × 41 lines. What is merged is said in the picture.
#[allow(clippy::cast_precision_loss)] // drawing coordinates
pub fn network(links: &[Link], c: &CaseLabels) -> Option<String> {
    if links.is_empty() {
        return None;
    }
    // Devices and destinations in first-seen order (links come in the reading order of devices).
    let mut device_index: HashMap<&str, usize> = HashMap::new();
    let mut device_first: Vec<&Link> = Vec::new();
    let mut cloud_index: HashMap<&str, usize> = HashMap::new();
    let mut cloud_first: Vec<&Link> = Vec::new();
    let mut cloud_bytes: Vec<u64> = Vec::new();
    let mut cloud_upload: Vec<bool> = Vec::new();
    for link in links {
        device_index
            .entry(link.device_id.as_str())
            .or_insert_with(|| {
                device_first.push(link);
                device_first.len() - 1
            });
        let at = *cloud_index
            .entry(link.destination.as_str())
            .or_insert_with(|| {
                cloud_first.push(link);
                cloud_bytes.push(0);
                cloud_upload.push(false);
                cloud_first.len() - 1
            });
        cloud_bytes[at] += link.bytes_up;
        cloud_upload[at] |= link.upload;
    }
    // Which destinations are drawn: uploads first, then most bytes; drawn in first-seen order.
    let mut ranked: Vec<usize> = (0..cloud_first.len()).collect();
    ranked.sort_by_key(|&i| (std::cmp::Reverse((cloud_upload[i], cloud_bytes[i])), i));
    let mut drawn_cloud = vec![false; cloud_first.len()];
    for &i in ranked.iter().take(MAX_DRAWN_DESTINATIONS) {
        drawn_cloud[i] = true;
    }
    let hidden_clouds = cloud_first.len().saturating_sub(MAX_DRAWN_DESTINATIONS);
    let hidden_devices = device_first.len().saturating_sub(MAX_DRAWN_DEVICES);
    let mut devices: Vec<(String, Node)> = device_first
        .iter()
        .take(MAX_DRAWN_DEVICES)
        .map(|link| {
            (
                link.device_id.clone(),
                Node {
                    title: link.device_ip.clone(),
                    subtitle: link.device_name.clone(),
                    face: link.face,
                    y: 0.0,
                },
            )
        })
        .collect();
    if hidden_devices > 0 {
        devices.push((
            String::new(),
            Node {
                title: c
                    .network_more_devices
                    .replace("{n}", &hidden_devices.to_string()),
                subtitle: String::new(),
                face: false,
                y: 0.0,
            },
        ));
    }
    // Node position of each destination (first-seen order among those drawn).
    let mut cloud_node = vec![0usize; cloud_first.len()];
    let mut clouds: Vec<(String, Node)> = Vec::new();
    let mut cloud_totals: Vec<u64> = Vec::new();
    for (i, link) in cloud_first.iter().enumerate() {
        if !drawn_cloud[i] {
            continue;
        }
        cloud_node[i] = clouds.len();
        let place = [link.provider.as_deref(), link.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        clouds.push((
            link.destination.clone(),
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
        cloud_totals.push(cloud_bytes[i]);
    }
    if hidden_clouds > 0 {
        let others = clouds.len();
        let mut total = 0u64;
        for (i, drawn) in drawn_cloud.iter().enumerate() {
            if !drawn {
                cloud_node[i] = others;
                total += cloud_bytes[i];
            }
        }
        clouds.push((
            String::new(),
            Node {
                title: c
                    .network_more_destinations
                    .replace("{n}", &hidden_clouds.to_string()),
                subtitle: String::new(),
                face: false,
                y: 0.0,
            },
        ));
        cloud_totals.push(total);
    }
    // Lines: one per drawn device × drawn destination pair; merged nodes merge their links.
    let mut line_index: HashMap<(usize, usize), usize> = HashMap::new();
    let mut lines: Vec<Line> = Vec::new();
    for link in links {
        let from = device_index[link.device_id.as_str()].min(MAX_DRAWN_DEVICES);
        let to = cloud_node[cloud_index[link.destination.as_str()]];
        let at = *line_index.entry((from, to)).or_insert_with(|| {
            lines.push(Line {
                from,
                to,
                bytes_up: 0,
                upload: false,
                port: Some(link.port),
                links: 0,
            });
            lines.len() - 1
        });
        let line = &mut lines[at];
        line.bytes_up += link.bytes_up;
        line.upload |= link.upload;
        line.links += 1;
        if line.port != Some(link.port) {
            line.port = None;
        }
    }
    let rows = devices.len().max(clouds.len()) as f64;
    let capped = hidden_clouds > 0 || hidden_devices > 0;
    let height = TOP + rows * ROW + if capped { 62.0 } else { 40.0 };
    // Centre the shorter column against the longer one.
    let place = |nodes: &mut Vec<(String, Node)>| {
        let offset = (rows - nodes.len() as f64) * ROW / 2.0;
        for (i, (_, node)) in nodes.iter_mut().enumerate() {
            node.y = TOP + offset + i as f64 * ROW;
        }
    };
    place(&mut devices);
    place(&mut clouds);
    let max = lines.iter().map(|l| l.bytes_up).max().unwrap_or(0);
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
        esc(c.destinations_heading(links))
    );
    // Lines first, so the nodes are drawn over their ends.
    svg.push_str("<g class=\"links\" fill=\"none\">");
    for line in &lines {
        let (from, to) = (&devices[line.from].1, &clouds[line.to].1);
        let (x1, y1) = (left_x + NODE_W, from.y + NODE_H / 2.0);
        let (x2, y2) = (right_x, to.y + NODE_H / 2.0);
        let mid = (x1 + x2) / 2.0;
        let colour = if line.upload {
            UPLOAD_COLOUR
        } else {
            HEARTBEAT_COLOUR
        };
        let port = match (line.port, line.links) {
            (Some(port), 1) => format!(":{port}"),
            _ => c.network_links.replace("{n}", &line.links.to_string()),
        };
        let _ = write!(
            svg,
            "<path class=\"link{}\" d=\"M{x1:.1} {y1:.1} C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}\" \
             stroke=\"{colour}\" stroke-width=\"{:.1}\" stroke-opacity=\"0.75\" stroke-linecap=\"round\">\
             <title>{} → {}{port} · {}</title></path>",
            if line.upload { " upload" } else { "" },
            line_width(line.bytes_up, max),
            esc(&from.title),
            esc(&to.title),
            super::view::bytes(line.bytes_up)
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
    for ((_, node), total) in clouds.iter().zip(cloud_totals.iter().copied()) {
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
    if capped {
        let note = c
            .network_capped
            .replace("{shown}", &MAX_DRAWN_DESTINATIONS.to_string())
            .replace("{devices}", &MAX_DRAWN_DEVICES.to_string());
        let _ = write!(
            svg,
            "<text class=\"capped\" x=\"10\" y=\"{:.1}\" font-size=\"11\" fill=\"#52606d\">{}</text>",
            height - 36.0,
            esc(&note)
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
#[allow(clippy::cast_precision_loss)] // drawing coordinates
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
#[allow(clippy::cast_precision_loss)] // drawing coordinates
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

    /// A data store on the store's own LAN is no cloud: a picture that draws one heads its right
    /// column "Data stores on the store LAN", or "Destinations (cloud and store LAN)" beside a
    /// cloud, in both languages; a cloud-only picture keeps "Cloud destinations".
    #[test]
    fn a_lan_data_store_is_not_headed_as_a_cloud() {
        use crate::report::case_i18n::CASE_ZH;
        let mut store = link(
            "198.18.0.12",
            "198.18.0.40 (Hikvision HikCentral Professional)",
            900_000,
            true,
            true,
        );
        store.category = "lan_face_store".to_string();
        store.category_label = CASE_EN.lan_face_store.to_string();
        store.country = None;
        store.provider = None;
        let cloud = link("198.18.0.22", "apiieu.ezvizlife.com", 50_000, false, true);
        let heading = |links: &[Link], c: &CaseLabels| {
            let svg = network(links, c).unwrap();
            let end = svg.find("</text><g class=\"links\"").unwrap();
            let start = svg[..end].rfind('>').unwrap() + 1;
            svg[start..end].to_string()
        };
        let only_store = [store.clone()];
        assert_eq!(
            heading(&only_store, &CASE_EN),
            "Data stores on the store LAN"
        );
        assert_eq!(heading(&only_store, &CASE_ZH), "局域网内的数据存储");
        let both = [store, cloud.clone()];
        assert_eq!(
            heading(&both, &CASE_EN),
            "Destinations (cloud and store LAN)"
        );
        assert_eq!(heading(&both, &CASE_ZH), "目的地（云端与局域网存储）");
        assert_eq!(
            heading(std::slice::from_ref(&cloud), &CASE_EN),
            "Cloud destinations"
        );
        assert_eq!(heading(&[cloud], &CASE_ZH), "云端目的地");
        // The lead under the title says the same.
        assert!(CASE_EN.network_lead_for(&only_store).contains("not clouds"));
        assert!(CASE_ZH.network_lead_for(&only_store).contains("不是云端"));
    }

    /// One host with 80,000 destinations (a port scan, a P2P swarm): the picture draws the 40
    /// with the most data sent, uploads first, merges the rest into one node and says so. The
    /// drawing is near-linear (a quadratic one took 28 s here); docs/benchmarks.md has the time.
    #[test]
    fn eighty_thousand_destinations_are_merged_and_the_picture_says_so() {
        let mut links: Vec<Link> = (0..80_000u32)
            .map(|i| {
                let dest = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
                link("198.18.0.12", &dest, u64::from(i % 1_000), false, false)
            })
            .collect();
        links.push(link(
            "198.18.0.12",
            "api-us.faceplusplus.com",
            10,
            true,
            true,
        ));
        links.push(link("198.18.0.22", "10.0.0.5", 7, false, false));
        let svg = network(&links, &CASE_EN).unwrap();
        assert_eq!(
            svg.matches("<g class=\"cloud\"").count(),
            MAX_DRAWN_DESTINATIONS + 1
        );
        assert_eq!(svg.matches("<g class=\"device").count(), 2);
        assert!(svg.contains("79961 other destinations"), "merged node");
        assert!(
            svg.contains("class=\"capped\""),
            "the picture says what it merged"
        );
        // The small upload is drawn though 39,960 destinations got more bytes: uploads first.
        assert!(svg.contains(">api-us.faceplusplus.com<"));
        assert_eq!(svg.matches("class=\"link upload\"").count(), 1);
        // At most one line per drawn device × drawn destination.
        assert!(svg.matches("<path class=\"link").count() <= 2 * (MAX_DRAWN_DESTINATIONS + 1));
        assert!(svg.len() < 100_000, "{} bytes", svg.len());
    }

    #[test]
    fn many_devices_are_merged_too() {
        let links: Vec<Link> = (0..500u32)
            .map(|i| {
                link(
                    &format!("198.18.{}.{}", i / 250, i % 250),
                    "p2p.example",
                    5,
                    false,
                    false,
                )
            })
            .collect();
        let svg = network(&links, &CASE_EN).unwrap();
        assert_eq!(
            svg.matches("<g class=\"device").count(),
            MAX_DRAWN_DEVICES + 1
        );
        assert!(svg.contains("460 other devices"));
        assert_eq!(
            svg.matches("<path class=\"link").count(),
            MAX_DRAWN_DEVICES + 1
        );
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
