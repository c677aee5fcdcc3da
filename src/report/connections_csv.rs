//! connections.csv: one row per connection a device had, written beside the report by
//! `analyze` and `audit --listen`, so each conclusion of report.json can be checked against the
//! connections it was drawn from (and against the capture, with tshark or Wireshark).

use std::fmt::Write as _;

use crate::traffic::Connection;

use super::csv::{CSV_BOM, push_row};

/// Column names, in order. Stable: spreadsheets and scripts read by these names.
pub const CONNECTION_COLUMNS: [&str; 19] = [
    "first_seen",
    "last_seen",
    "device",
    "device_port",
    "remote",
    "port",
    "protocol",
    "device_opened",
    "bytes_up",
    "packets_up",
    "bytes_down",
    "packets_down",
    "name",
    "name_source",
    "category",
    "provider",
    "verdict",
    "reason",
    "note",
];

/// The connections as CSV (RFC 4180, UTF-8 with BOM), in the order they started. `dropped`
/// connections were not kept (memory bound): the last row says so, so a count never silently
/// falls short.
pub fn render_connections_csv(connections: &[Connection], dropped: u64) -> String {
    let mut out = String::with_capacity(256 + connections.len() * 200);
    out.push_str(CSV_BOM);
    push_row(&mut out, CONNECTION_COLUMNS);
    let mut numbers = String::new();
    for c in connections {
        numbers.clear();
        let mut field = |n: u64| {
            let start = numbers.len();
            let _ = write!(numbers, "{n}");
            start..numbers.len()
        };
        let spans = [
            field(u64::from(c.device_port)),
            field(u64::from(c.port)),
            field(c.bytes_up),
            field(c.packets_up),
            field(c.bytes_down),
            field(c.packets_down),
        ];
        let [
            device_port,
            port,
            bytes_up,
            packets_up,
            bytes_down,
            packets_down,
        ] = spans.map(|r| &numbers[r]);
        let device = c.device.to_string();
        let remote = c.remote.to_string();
        push_row(
            &mut out,
            [
                c.first_seen.as_str(),
                c.last_seen.as_str(),
                device.as_str(),
                device_port,
                remote.as_str(),
                port,
                c.protocol,
                if c.device_opened { "yes" } else { "no" },
                bytes_up,
                packets_up,
                bytes_down,
                packets_down,
                c.name.as_deref().unwrap_or(""),
                c.name_source.unwrap_or(""),
                c.category.as_str(),
                c.provider.as_deref().unwrap_or(""),
                c.verdict,
                c.reason.as_str(),
                "",
            ],
        );
    }
    if dropped > 0 {
        let note = format!(
            "{dropped} more connections were not kept (memory bound); report.json's contacts count them"
        );
        let mut row = [""; 19];
        row[18] = note.as_str();
        push_row(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(name: &str) -> Connection {
        Connection {
            first_seen: "2026-11-23T09:00:00.000001Z".into(),
            last_seen: "2026-11-23T09:00:03.500000Z".into(),
            device: "198.18.0.12".parse().unwrap(),
            device_port: 40_000,
            remote: "203.0.113.10".parse().unwrap(),
            port: 443,
            protocol: "tcp",
            device_opened: true,
            bytes_up: 410_000,
            packets_up: 300,
            bytes_down: 9_000,
            packets_down: 150,
            name: Some(name.into()),
            name_source: Some("sni"),
            category: crate::model::CloudCategory::FaceApi,
            provider: Some("Megvii Face++".into()),
            verdict: "upload",
            reason: "1 burst of ≥ 32 kB in 3 s (largest 410 kB)".into(),
        }
    }

    #[test]
    fn one_row_per_connection_with_its_columns_and_formulas_defused() {
        let csv = render_connections_csv(
            &[
                connection("api-us.faceplusplus.com"),
                connection("=HYPERLINK(1)"),
            ],
            2,
        );
        let mut lines = csv.trim_start_matches(CSV_BOM).split("\r\n");
        assert_eq!(lines.next().unwrap(), CONNECTION_COLUMNS.join(","));
        let row = lines.next().unwrap();
        assert!(
            row.starts_with("2026-11-23T09:00:00.000001Z,2026-11-23T09:00:03.500000Z,198.18.0.12,40000,203.0.113.10,443,tcp,yes,410000,300,9000,150,api-us.faceplusplus.com,sni,face_api,Megvii Face++,upload,"),
            "{row}"
        );
        let hostile = lines.next().unwrap();
        assert!(!hostile.contains(",=HYPERLINK"), "{hostile}");
        assert!(lines.next().unwrap().contains("2 more connections"));
    }
}
