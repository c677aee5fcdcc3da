//! The normalised fleet tables (shops, devices, ports, cloud_contacts, findings, evidence): one row
//! per item, every row keyed by shop id and report SHA-256 and carrying the scan time, place,
//! jurisdiction and signature version. docs/fleet.md documents each column.

use std::collections::BTreeMap;
use std::io::Write;

use super::ShopContext;
use super::parquet_table::{Cell, Kind, ParquetTable, TableError};
use crate::model::{FaceRecognition, Report, ScanMode};

/// The tables, in the order they are written.
pub const TABLES: &[&str] = &[
    "shops",
    "devices",
    "ports",
    "cloud_contacts",
    "findings",
    "evidence",
];

/// How the tables are split into hive partitions (`tables/devices/date=2026-12-05/part-0.parquet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    None,
    /// By the scan's UTC date.
    Date,
    /// By the shop's province.
    Province,
}

impl Partition {
    /// The hive key (`date`, `province`), if any.
    pub fn key(self) -> Option<&'static str> {
        match self {
            Partition::None => None,
            Partition::Date => Some("date"),
            Partition::Province => Some("province"),
        }
    }

    /// This report's partition value (a folder name component: `/` and `\` never appear).
    fn value(self, shop: &ShopContext) -> Option<String> {
        let raw = match self {
            Partition::None => return None,
            Partition::Date => shop.scan_date.clone(),
            Partition::Province => shop
                .province
                .clone()
                .unwrap_or_else(|| "unknown".to_string()),
        };
        Some(hive_safe(&raw))
    }
}

/// A partition value made safe as one path component: separators, `=`, `%`, control characters
/// and dot-only names are percent-escaped as Hive does.
pub fn hive_safe(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(
            c,
            '/' | '\\' | '=' | '%' | ':' | '"' | '\'' | '#' | '?' | '*'
        ) || c.is_control()
        {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.chars().all(|c| c == '.') {
        out = out.replace('.', "%2E");
        if out.is_empty() {
            out.push_str("unknown");
        }
    }
    out
}

/// Buffered rows across all open files before every file flushes a row group: with many
/// partitions each file alone rarely fills a row group, so the budget is for the whole set.
const BUFFER_BUDGET: usize = 24 * 1024 * 1024;

/// The context columns every table starts with.
const CONTEXT: &[(&str, Kind)] = &[
    ("report_sha256", Kind::Text),
    ("shop_id", Kind::Text),
    ("shop_name", Kind::Text),
    ("province", Kind::Text),
    ("city", Kind::Text),
    ("scanned_at", Kind::Timestamp),
    ("scan_date", Kind::Date),
    ("jurisdiction", Kind::Text),
    ("signature_version", Kind::Text),
];

/// Each table's own columns, after the context columns.
fn own_columns(table: &str) -> &'static [(&'static str, Kind)] {
    match table {
        "shops" => &[
            ("source", Kind::Text),
            ("operator", Kind::Text),
            ("address", Kind::Text),
            ("credit_code", Kind::Text),
            ("scan_mode", Kind::Text),
            ("scan_complete", Kind::Bool),
            ("tool_version", Kind::Text),
            ("devices", Kind::Int),
            ("face_capable", Kind::Int),
            ("uploading_devices", Kind::Int),
            ("findings", Kind::Int),
            ("findings_high", Kind::Int),
        ],
        "devices" => &[
            ("device_id", Kind::Text),
            ("ip", Kind::Text),
            ("mac", Kind::Text),
            ("mac_vendor", Kind::Text),
            ("hostname", Kind::Text),
            ("vendor", Kind::Text),
            ("model", Kind::Text),
            ("firmware", Kind::Text),
            ("device_type", Kind::Text),
            ("face_recognition", Kind::Text),
            ("confidence", Kind::Float),
            ("open_ports", Kind::Int),
            ("cloud_contacts", Kind::Int),
            ("uploads", Kind::Bool),
            ("upload_providers", Kind::Text),
        ],
        "ports" => &[
            ("device_id", Kind::Text),
            ("port", Kind::Int),
            ("protocol", Kind::Text),
            ("service", Kind::Text),
        ],
        "cloud_contacts" => &[
            ("device_id", Kind::Text),
            ("device_vendor", Kind::Text),
            ("device_type", Kind::Text),
            ("face_recognition", Kind::Text),
            ("destination", Kind::Text),
            ("port", Kind::Int),
            ("protocol", Kind::Text),
            ("name", Kind::Text),
            ("provider", Kind::Text),
            ("service", Kind::Text),
            ("category", Kind::Text),
            ("country", Kind::Text),
            ("bytes_up", Kind::Int),
            ("bytes_down", Kind::Int),
            ("first_seen", Kind::Text),
            ("last_seen", Kind::Text),
            ("upload", Kind::Bool),
        ],
        "findings" => &[
            ("finding_id", Kind::Text),
            ("rule", Kind::Text),
            ("severity", Kind::Text),
            ("device_id", Kind::Text),
            ("title_zh", Kind::Text),
            ("title_en", Kind::Text),
            ("legal_basis", Kind::Text),
            ("conditional", Kind::Bool),
        ],
        "evidence" => &[
            ("device_id", Kind::Text),
            ("source", Kind::Text),
            ("port", Kind::Int),
            ("value", Kind::Text),
            ("truncated", Kind::Bool),
        ],
        _ => &[],
    }
}

/// The columns of `table` as written: context then own columns, without the partition key (a
/// hive partition column lives in the folder name, not in the files).
pub fn columns(table: &str, partition: Partition) -> Vec<(&'static str, Kind)> {
    CONTEXT
        .iter()
        .chain(own_columns(table))
        .filter(|(name, _)| Some(*name) != partition.key())
        .copied()
        .collect()
}

/// Opens the sink for one file: `(table, partition folder or None)`.
/// Opens the sink of `tables/<table>[/<partition folder>]/part-<index>.parquet`.
pub type OpenSink<'a, W> = dyn FnMut(&str, Option<&str>, usize) -> std::io::Result<W> + 'a;

/// Row groups the open files may hold together before the files with the most are closed and
/// continued in a next `part-N.parquet`: the Parquet writer keeps every row group's metadata
/// (about 15 kB here) until its file is closed, which with hive partitions (hundreds of open
/// files, each flushed often) grew to hundreds of MB. Unpartitioned runs of 10,000 reports stay
/// far below it, so they write one file per table.
const OPEN_ROW_GROUPS: usize = 1024;

/// A problem writing the tables.
#[derive(Debug, thiserror::Error)]
pub enum TablesError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("opening a table file: {0}")]
    Open(#[from] std::io::Error),
}

/// One table file, complete.
pub struct FinishedFile<W> {
    pub table: String,
    /// The partition folder (`date=2026-12-05`), if partitioned.
    pub folder: Option<String>,
    pub sink: W,
    pub rows: u64,
    /// The N of `part-N.parquet`.
    pub index: usize,
}

/// All open table files.
pub struct TableSet<'a, W: Write + Send> {
    partition: Partition,
    evidence: bool,
    open: Box<OpenSink<'a, W>>,
    /// `(table, partition folder)` → its open file and that file's part index.
    files: BTreeMap<(String, Option<String>), (usize, ParquetTable<W>)>,
    /// Parts closed early (see [`OPEN_ROW_GROUPS`]).
    closed: Vec<FinishedFile<W>>,
    /// `(table, partition folder)` → the next part index.
    next_index: BTreeMap<(String, Option<String>), usize>,
    /// [`BUFFER_BUDGET`] and [`OPEN_ROW_GROUPS`], smaller in tests.
    buffer_budget: usize,
    open_row_groups: usize,
}

impl<'a, W: Write + Send> TableSet<'a, W> {
    /// `evidence`: also write the evidence table. `open` creates each file when its first row
    /// arrives.
    pub fn new(partition: Partition, evidence: bool, open: Box<OpenSink<'a, W>>) -> Self {
        Self {
            partition,
            evidence,
            open,
            files: BTreeMap::new(),
            closed: Vec::new(),
            next_index: BTreeMap::new(),
            buffer_budget: BUFFER_BUDGET,
            open_row_groups: OPEN_ROW_GROUPS,
        }
    }

    /// The tables this set writes.
    pub fn tables(&self) -> impl Iterator<Item = &'static str> + '_ {
        TABLES
            .iter()
            .copied()
            .filter(|t| self.evidence || *t != "evidence")
    }

    fn push(
        &mut self,
        table: &str,
        part: &Option<String>,
        row: &[Cell<'_>],
    ) -> Result<(), TablesError> {
        let key = (table.to_string(), part.clone());
        if !self.files.contains_key(&key) {
            let folder = part
                .as_ref()
                .zip(self.partition.key())
                .map(|(value, key)| format!("{key}={value}"));
            let index = self.next_index.get(&key).copied().unwrap_or(0);
            self.next_index.insert(key.clone(), index + 1);
            let sink = (self.open)(table, folder.as_deref(), index)?;
            let file = ParquetTable::new(table, &columns(table, self.partition), sink)?;
            self.files.insert(key.clone(), (index, file));
        }
        if let Some((_, file)) = self.files.get_mut(&key) {
            file.push(table, row)?;
        }
        Ok(())
    }

    /// Writes every row of one report.
    pub fn add(&mut self, shop: &ShopContext, report: &Report) -> Result<(), TablesError> {
        let part = self.partition.value(shop);
        let context = context_cells(shop, self.partition);
        let site_text = |key: &str| {
            report
                .site
                .as_ref()
                .and_then(|s| s.get(key))
                .and_then(|v| v.as_str())
        };
        let face = report
            .devices
            .iter()
            .filter(|d| d.identity.face_recognition == FaceRecognition::Yes)
            .count();
        let uploading = report
            .devices
            .iter()
            .filter(|d| d.cloud_contacts.iter().any(|c| c.upload))
            .count();
        let high = report
            .findings
            .iter()
            .filter(|f| f.severity.as_str() == "high")
            .count();
        let shop_row = with(
            &context,
            vec![
                Cell::Text(Some(&shop.source)),
                Cell::Text(site_text("operator")),
                Cell::Text(site_text("address")),
                Cell::Text(site_text("credit_code")),
                Cell::Text(Some(scan_mode(report.scan.mode))),
                Cell::Bool(Some(report.scan.complete)),
                Cell::Text(Some(&report.tool.version)),
                Cell::Int(Some(report.devices.len() as i64)),
                Cell::Int(Some(face as i64)),
                Cell::Int(Some(uploading as i64)),
                Cell::Int(Some(report.findings.len() as i64)),
                Cell::Int(Some(high as i64)),
            ],
        );
        self.push("shops", &part, &shop_row)?;

        for device in &report.devices {
            let identity = &device.identity;
            let mut providers: Vec<&str> = device
                .cloud_contacts
                .iter()
                .filter(|c| c.upload)
                .map(|c| c.provider.as_deref().unwrap_or("unknown"))
                .collect();
            providers.sort_unstable();
            providers.dedup();
            let providers = providers.join("; ");
            let row = with(
                &context,
                vec![
                    Cell::Text(Some(&device.id)),
                    Cell::Text(Some(&device.ip)),
                    Cell::Text(device.mac.as_deref()),
                    Cell::Text(device.mac_vendor.as_deref()),
                    Cell::Text(device.hostname.as_deref()),
                    Cell::Text(identity.vendor.as_deref()),
                    Cell::Text(identity.model.as_deref()),
                    Cell::Text(identity.firmware.as_deref()),
                    Cell::Text(Some(identity.device_type.as_str())),
                    Cell::Text(Some(identity.face_recognition.as_str())),
                    Cell::Float(Some(identity.confidence)),
                    Cell::Int(Some(device.open_ports.len() as i64)),
                    Cell::Int(Some(device.cloud_contacts.len() as i64)),
                    Cell::Bool(Some(device.cloud_contacts.iter().any(|c| c.upload))),
                    Cell::Text((!providers.is_empty()).then_some(providers.as_str())),
                ],
            );
            self.push("devices", &part, &row)?;
            for port in &device.open_ports {
                let row = with(
                    &context,
                    vec![
                        Cell::Text(Some(&device.id)),
                        Cell::Int(Some(i64::from(port.port))),
                        Cell::Text(Some(&port.protocol)),
                        Cell::Text(Some(&port.service)),
                    ],
                );
                self.push("ports", &part, &row)?;
            }
            for contact in &device.cloud_contacts {
                let row = with(
                    &context,
                    vec![
                        Cell::Text(Some(&device.id)),
                        Cell::Text(identity.vendor.as_deref()),
                        Cell::Text(Some(identity.device_type.as_str())),
                        Cell::Text(Some(identity.face_recognition.as_str())),
                        Cell::Text(Some(&contact.destination)),
                        Cell::Int(Some(i64::from(contact.port))),
                        Cell::Text(Some(&contact.protocol)),
                        Cell::Text(contact.name.as_deref()),
                        Cell::Text(contact.provider.as_deref()),
                        Cell::Text(contact.service.as_deref()),
                        Cell::Text(Some(contact.category.as_str())),
                        Cell::Text(contact.country.as_deref()),
                        Cell::Int(Some(saturating_i64(contact.bytes_up))),
                        Cell::Int(Some(saturating_i64(contact.bytes_down))),
                        Cell::Text(Some(&contact.first_seen)),
                        Cell::Text(Some(&contact.last_seen)),
                        Cell::Bool(Some(contact.upload)),
                    ],
                );
                self.push("cloud_contacts", &part, &row)?;
            }
            if self.evidence {
                for item in &device.evidence {
                    let row = with(
                        &context,
                        vec![
                            Cell::Text(Some(&device.id)),
                            Cell::Text(Some(&item.source)),
                            Cell::Int(item.port.map(i64::from)),
                            Cell::Text(Some(&item.value)),
                            Cell::Bool(Some(item.truncated)),
                        ],
                    );
                    self.push("evidence", &part, &row)?;
                }
            }
        }
        for finding in &report.findings {
            let legal_basis = finding.legal_basis.join("; ");
            let row = with(
                &context,
                vec![
                    Cell::Text(Some(&finding.id)),
                    Cell::Text(Some(&finding.rule)),
                    Cell::Text(Some(finding.severity.as_str())),
                    Cell::Text(finding.device.as_deref()),
                    Cell::Text(Some(&finding.title.zh)),
                    Cell::Text(Some(&finding.title.en)),
                    Cell::Text(Some(&legal_basis)),
                    Cell::Bool(Some(finding.conditional)),
                ],
            );
            self.push("findings", &part, &row)?;
        }
        let buffered: usize = self.files.values().map(|(_, f)| f.buffered_bytes()).sum();
        if buffered > self.buffer_budget {
            for (_, file) in self.files.values_mut() {
                file.flush()?;
            }
            self.close_crowded_files()?;
        }
        Ok(())
    }

    /// Closes the files holding the most row groups until the open ones hold at most half of
    /// [`OPEN_ROW_GROUPS`]; their tables continue in a next part when rows arrive.
    fn close_crowded_files(&mut self) -> Result<(), TablesError> {
        let held: usize = self.files.values().map(|(_, f)| f.row_groups).sum();
        if held <= self.open_row_groups {
            return Ok(());
        }
        let mut by_groups: Vec<(usize, (String, Option<String>))> = self
            .files
            .iter()
            .map(|(key, (_, f))| (f.row_groups, key.clone()))
            .collect();
        by_groups.sort_by_key(|g| std::cmp::Reverse(g.0));
        let mut left = held;
        for (groups, key) in by_groups {
            if left <= self.open_row_groups / 2 {
                break;
            }
            if let Some((index, file)) = self.files.remove(&key) {
                self.closed.push(self.finished(key, index, file)?);
            }
            left -= groups;
        }
        Ok(())
    }

    fn finished(
        &self,
        (table, part): (String, Option<String>),
        index: usize,
        file: ParquetTable<W>,
    ) -> Result<FinishedFile<W>, TablesError> {
        let rows = file.total_rows;
        let sink = file.finish()?;
        let folder = part
            .zip(self.partition.key())
            .map(|(value, key)| format!("{key}={value}"));
        Ok(FinishedFile {
            table,
            folder,
            sink,
            rows,
            index,
        })
    }

    /// Finishes every file; returns each, in order.
    pub fn finish(mut self) -> Result<Vec<FinishedFile<W>>, TablesError> {
        let mut done = std::mem::take(&mut self.closed);
        for (key, (index, file)) in std::mem::take(&mut self.files) {
            done.push(self.finished(key, index, file)?);
        }
        done.sort_by(|a, b| (&a.table, &a.folder, a.index).cmp(&(&b.table, &b.folder, b.index)));
        Ok(done)
    }
}

/// The context cells followed by a table's own.
fn with<'c>(context: &[Cell<'c>], own: Vec<Cell<'c>>) -> Vec<Cell<'c>> {
    let mut row = context.to_vec();
    row.extend(own);
    row
}

fn scan_mode(mode: ScanMode) -> &'static str {
    match mode {
        ScanMode::Audit => "audit",
        ScanMode::Scan => "scan",
        ScanMode::Analyze => "analyze",
        ScanMode::Demo => "demo",
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn context_cells(shop: &ShopContext, partition: Partition) -> Vec<Cell<'_>> {
    let all = [
        ("report_sha256", Cell::Text(Some(&shop.report_sha256))),
        ("shop_id", Cell::Text(Some(&shop.shop_id))),
        ("shop_name", Cell::Text(Some(&shop.shop_name))),
        ("province", Cell::Text(shop.province.as_deref())),
        ("city", Cell::Text(shop.city.as_deref())),
        ("scanned_at", Cell::Timestamp(shop.scanned_at_ms)),
        ("scan_date", Cell::Date(shop.scan_day)),
        ("jurisdiction", Cell::Text(shop.jurisdiction.as_deref())),
        (
            "signature_version",
            Cell::Text(Some(&shop.signature_version)),
        ),
    ];
    all.into_iter()
        .filter(|(name, _)| Some(*name) != partition.key())
        .map(|(_, cell)| cell)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::summary::tests::sample;

    #[test]
    fn one_report_gives_one_row_per_item_in_each_table() {
        let report = sample(Some("Shop A"));
        let shop = ShopContext::of(&report, "ab", "a", &Default::default(), &Default::default());
        let mut opened = Vec::new();
        let mut set = TableSet::new(
            Partition::Date,
            true,
            Box::new(|table: &str, folder: Option<&str>, _index: usize| {
                opened.push(format!("{table}/{}", folder.unwrap_or("")));
                Ok(Vec::new())
            }),
        );
        set.add(&shop, &report).unwrap();
        let done = set.finish().unwrap();
        let rows: BTreeMap<String, u64> = done.iter().map(|f| (f.table.clone(), f.rows)).collect();
        assert_eq!(rows["shops"], 1);
        assert_eq!(rows["devices"], report.devices.len() as u64);
        assert_eq!(rows["findings"], report.findings.len() as u64);
        let ports: usize = report.devices.iter().map(|d| d.open_ports.len()).sum();
        assert_eq!(rows["ports"], ports as u64);
        assert!(
            done.iter()
                .all(|f| f.folder.as_deref() == Some(&format!("date={}", shop.scan_date)[..]))
        );
        assert!(
            !columns("devices", Partition::Date)
                .iter()
                .any(|(n, _)| *n == "date")
        );
        assert!(
            !columns("devices", Partition::Province)
                .iter()
                .any(|(n, _)| *n == "province")
        );
    }

    /// Many partitions flushed often: files holding many row groups are closed and continued in
    /// a next part, so the writers' metadata stays bounded, and no row is lost or doubled.
    #[test]
    fn crowded_partitions_continue_in_new_parts_without_losing_rows() {
        let report = sample(Some("Shop A"));
        let mut set = TableSet::new(
            Partition::Date,
            false,
            Box::new(|_: &str, _: Option<&str>, _: usize| Ok(Vec::new())),
        );
        set.buffer_budget = 1;
        set.open_row_groups = 6;
        let days = ["2026-12-01", "2026-12-02", "2026-12-03"];
        let rounds = 8;
        for round in 0..rounds {
            let mut shop =
                ShopContext::of(&report, "ab", "a", &Default::default(), &Default::default());
            shop.scan_date = days[round % days.len()].to_string();
            set.add(&shop, &report).unwrap();
            let held: usize = set.files.values().map(|(_, f)| f.row_groups).sum();
            assert!(held <= 6, "{held} row groups held open");
        }
        let done = set.finish().unwrap();
        assert!(done.iter().any(|f| f.index > 0), "no file was continued");
        let devices: u64 = done
            .iter()
            .filter(|f| f.table == "devices")
            .map(|f| f.rows)
            .sum();
        assert_eq!(devices, (rounds * report.devices.len()) as u64);
        let mut names: Vec<_> = done
            .iter()
            .map(|f| (f.table.clone(), f.folder.clone(), f.index))
            .collect();
        names.dedup();
        assert_eq!(names.len(), done.len(), "a part name was used twice");
    }

    #[test]
    fn partition_values_cannot_leave_their_folder() {
        assert_eq!(hive_safe("../etc"), "..%2Fetc");
        assert_eq!(hive_safe(".."), "%2E%2E");
        assert_eq!(hive_safe(""), "unknown");
        assert_eq!(hive_safe("浙江省"), "浙江省");
    }
}
