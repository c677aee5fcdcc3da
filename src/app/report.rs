//! The one place a run's `Report` is put together: the scan pipeline and `analyze` both start
//! from [`scan_info`] and end with [`assemble`], so the report's fixed parts (schema version,
//! tool, the empty policy sections) and every scan field a run does not set are the same
//! whichever way the report was made.

use crate::model::{
    Device, EvidenceFile, Report, SCHEMA_VERSION, ScanInfo, ScanMode, SignatureSetInfo, ToolInfo,
};

/// The scan record of a run in `mode` begun at `started_at` (RFC 3339), in report language
/// `lang`: finished now, complete, and nothing else filled in. A run sets what it knows with
/// struct-update syntax (`ScanInfo { targets, ..scan_info(…) }`).
pub fn scan_info(mode: ScanMode, started_at: String, lang: String) -> ScanInfo {
    ScanInfo {
        lang: Some(lang),
        ..ScanInfo::new(mode, started_at, super::now_rfc3339())
    }
}

/// The report of a run: its signature set, scan record, devices and evidence files. Findings,
/// things to verify and the site are the policy layer's, applied afterwards.
pub fn assemble(
    signatures: SignatureSetInfo,
    scan: ScanInfo,
    devices: Vec<Device>,
    evidence_files: Vec<EvidenceFile>,
) -> Report {
    Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: ToolInfo {
            name: "camsweep".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        signatures,
        scan,
        site: None,
        devices,
        findings: Vec::new(),
        to_verify: Vec::new(),
        evidence_files,
    }
}
