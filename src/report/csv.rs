//! inventory.csv: one row per device, for spreadsheets and asset registers.

use crate::model::Report;

use super::sanitize::csv_field;

/// Written first so Excel and WPS open the UTF-8 file as UTF-8 (Chinese names otherwise garble).
pub const CSV_BOM: &str = "\u{FEFF}";

/// Column names, in order. Stable: asset tools import by these names.
pub const CSV_COLUMNS: [&str; 14] = [
    "id",
    "ip",
    "mac",
    "mac_vendor",
    "vendor",
    "model",
    "firmware",
    "device_type",
    "face_recognition",
    "confidence",
    "open_ports",
    "cloud_contacts",
    "uploads",
    "signatures",
];

pub(super) fn push_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    let mut first = true;
    for field in fields {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&csv_field(field));
    }
    // RFC 4180 line ends.
    out.push_str("\r\n");
}

/// The device inventory as CSV (RFC 4180, UTF-8 with BOM), devices in report order. Every field is
/// quoted where needed and guarded against spreadsheet formula injection.
pub fn render_csv(report: &Report) -> String {
    let mut out = String::with_capacity(256 + report.devices.len() * 160);
    out.push_str(CSV_BOM);
    push_row(&mut out, CSV_COLUMNS);
    for device in &report.devices {
        let id = &device.identity;
        let ports = device
            .open_ports
            .iter()
            .map(|p| p.port.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let confidence = format!("{:.2}", id.confidence);
        let contacts = device.cloud_contacts.len().to_string();
        let uploads = device
            .cloud_contacts
            .iter()
            .filter(|c| c.upload)
            .count()
            .to_string();
        let signatures = id.signatures.join(";");
        push_row(
            &mut out,
            [
                device.id.as_str(),
                device.ip.as_str(),
                device.mac.as_deref().unwrap_or(""),
                device.mac_vendor.as_deref().unwrap_or(""),
                id.vendor.as_deref().unwrap_or(""),
                id.model.as_deref().unwrap_or(""),
                id.firmware.as_deref().unwrap_or(""),
                id.device_type.as_str(),
                id.face_recognition.as_str(),
                confidence.as_str(),
                ports.as_str(),
                contacts.as_str(),
                uploads.as_str(),
                signatures.as_str(),
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn one_row_per_device_with_the_agreed_columns() {
        let csv = render_csv(&sample_report());
        let body = csv.strip_prefix(CSV_BOM).unwrap();
        let mut lines = body.split("\r\n");
        assert_eq!(
            lines.next().unwrap(),
            "id,ip,mac,mac_vendor,vendor,model,firmware,device_type,face_recognition,confidence,open_ports,cloud_contacts,uploads,signatures"
        );
        assert_eq!(
            lines.next().unwrap(),
            "d-198.18.0.11,198.18.0.11,44:47:cc:12:34:56,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",Hikvision,DS-2CD2143G0-I,V5.5.82,camera,no,0.93,80 554 8000,0,0,hikvision-http-appwebs;hikvision-rtsp-realm"
        );
        let face = body
            .lines()
            .find(|l| l.starts_with("d-198.18.0.12,"))
            .unwrap();
        assert!(
            face.contains(",face_terminal,yes,0.88,80 443 8000,2,1,"),
            "{face}"
        );
        assert_eq!(body.matches("\r\n").count(), 1 + 5);
    }

    #[test]
    fn hostile_values_are_quoted_and_cannot_run_as_formulas() {
        let csv = render_csv(&sample_report());
        let row = csv
            .lines()
            .find(|l| l.starts_with("d-198.18.0.66,"))
            .unwrap();
        assert!(
            row.contains(",Acme\\x1b[31m<i>,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",\"'+1, \"\"two\"\"\",unknown,"),
            "{row}"
        );
        assert!(!csv.contains('\x1b'));
    }
}
