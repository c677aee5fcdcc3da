//! Domain types shared by every layer. Pure: serde types and small helpers, no I/O.
//!
//! The report types mirror `../shared/docs/report-contract.md`: names there are stable,
//! so fields may be added here but never renamed.

mod atom_kind;
mod contact_kinds;
mod evidence;
mod host;
mod interception;
mod limits;
mod mac;
mod note;
mod report;

pub use atom_kind::AtomKind;
pub use contact_kinds::{CloudCategory, ContactScope, TrafficPattern};
pub use evidence::{Evidence, EvidenceSource, MAX_EVIDENCE_VALUE};
pub use host::{HostObservation, MAX_EVIDENCE_PER_HOST, OpenPort, SeenBy};
pub use interception::{Bridge, InterceptedDevice, Interception};
pub use limits::{CutReason, CutShort, LimitHit};
pub use mac::{MacAddr, NotAMac};
pub use note::{NOTE_SECTION, Note, NoteItem};
pub use report::{
    Advice, CloudContact, CloudIndication, DamagedCapture, DataStore, Device, DeviceSettingsAdvice,
    DeviceType, EvidenceFile, FaceRecognition, Finding, Identity, Localized, NoticeAdvice,
    NoticeItem, PortMapping, ReceivedUpload, Report, SCHEMA_VERSION, ScanInfo, ScanMode, Severity,
    SignatureSetInfo, ToolInfo, TypeBasis, UpstreamMinute, VerifyItem,
};
