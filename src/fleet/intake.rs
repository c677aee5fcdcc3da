//! Taking in one shop's report: read it under a size cap, hash it, check it against the report
//! schema (compiled once for the whole run) and parse it. The caller decides what a duplicate or a
//! bad report means.

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::model::Report;
use crate::report;

/// report.json files larger than this are refused unless the caller sets another cap (64 MiB: a
/// shop's report is a few hundred KB).
pub const DEFAULT_MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;
/// How many schema violations an error names before it only counts the rest.
const LISTED_VIOLATIONS: usize = 20;

/// Why a report could not be rolled up.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("reading failed: {0}")]
    Read(#[from] std::io::Error),
    #[error("larger than the {cap} byte limit (--max-report-bytes)")]
    TooLarge { cap: u64 },
    #[error("not JSON: {0}")]
    Syntax(serde_json::Error),
    #[error("does not match the report schema: {0}")]
    Schema(String),
    #[error("not a camsweep report: {0}")]
    Shape(String),
}

/// A report read and checked.
pub struct Taken {
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// The schema validator and size cap shared by every report of a run.
pub struct Intake {
    validator: jsonschema::Validator,
    cap: u64,
}

impl Intake {
    /// Compiles the embedded report schema once.
    pub fn new(cap: u64) -> Result<Self, IntakeError> {
        let schema: serde_json::Value =
            serde_json::from_str(report::schema()).map_err(IntakeError::Syntax)?;
        let validator = jsonschema::validator_for(&schema)
            .map_err(|e| IntakeError::Schema(format!("the embedded schema is invalid: {e}")))?;
        Ok(Self { validator, cap })
    }

    /// Reads at most the cap and hashes what was read. Reading is cheap next to parsing, so a
    /// duplicate is recognised before it is parsed.
    pub fn read(&self, reader: impl Read) -> Result<Taken, IntakeError> {
        let mut bytes = Vec::new();
        reader
            .take(self.cap.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > self.cap {
            return Err(IntakeError::TooLarge { cap: self.cap });
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(Taken { sha256, bytes })
    }

    /// Validates against the schema and parses into the report model.
    pub fn parse(&self, bytes: &[u8]) -> Result<Report, IntakeError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(IntakeError::Syntax)?;
        let mut listed = Vec::new();
        let mut count = 0usize;
        for error in self.validator.iter_errors(&value) {
            if listed.len() < LISTED_VIOLATIONS {
                listed.push(format!("{}: {error}", error.instance_path()));
            }
            count += 1;
        }
        if count > 0 {
            let more = if count > listed.len() {
                format!("; and {} more", count - listed.len())
            } else {
                String::new()
            };
            return Err(IntakeError::Schema(format!(
                "{} violation(s): {}{more}",
                count,
                listed.join("; ")
            )));
        }
        serde_path_to_error::deserialize(value)
            .map_err(|err| IntakeError::Shape(format!("{}: {}", err.path(), err.inner())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../tests/fixtures/report/sample-report.json");

    #[test]
    fn a_valid_report_is_hashed_and_parsed() {
        let intake = Intake::new(DEFAULT_MAX_REPORT_BYTES).unwrap();
        let taken = intake.read(SAMPLE.as_bytes()).unwrap();
        assert_eq!(taken.sha256, report::sha256_hex(SAMPLE.as_bytes()));
        assert_eq!(intake.parse(&taken.bytes).unwrap().devices.len(), 5);
    }

    #[test]
    fn oversized_and_invalid_reports_are_named_errors() {
        let small = Intake::new(100).unwrap();
        assert!(matches!(
            small.read(SAMPLE.as_bytes()),
            Err(IntakeError::TooLarge { cap: 100 })
        ));
        // An endless input stops at the cap.
        assert!(matches!(
            small.read(std::io::repeat(b' ')),
            Err(IntakeError::TooLarge { .. })
        ));
        let intake = Intake::new(DEFAULT_MAX_REPORT_BYTES).unwrap();
        let bad = SAMPLE.replace("\"schema_version\": \"1\"", "\"schema_version\": 1");
        let err = intake.parse(bad.as_bytes()).unwrap_err();
        assert!(matches!(err, IntakeError::Schema(_)), "{err}");
        assert!(matches!(intake.parse(b"{"), Err(IntakeError::Syntax(_))));
    }
}
