//! Domain types shared by every layer. Pure: serde types and small helpers, no I/O.
//!
//! The report types mirror `../shared/docs/report-contract.md`: names there are stable,
//! so fields may be added here but never renamed.

mod evidence;
mod host;
mod report;

pub use evidence::{Evidence, EvidenceSource, MAX_EVIDENCE_VALUE};
pub use host::{HostObservation, OpenPort, SeenBy};
pub use report::{
    CloudContact, DamagedCapture, Device, DeviceType, EvidenceFile, FaceRecognition, Finding,
    Identity, Localized, Report, SCHEMA_VERSION, ScanInfo, ScanMode, Severity, SignatureSetInfo,
    ToolInfo, UpstreamMinute,
};
