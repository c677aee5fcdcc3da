//! report.json: writing it, reading it back, and its JSON Schema.

use crate::model::{Report, SCHEMA_VERSION};

use super::ReportError;

/// The JSON Schema (draft 2020-12) every report.json must satisfy.
static SCHEMA: &str = include_str!("../../reports/report.schema.json");

/// The JSON Schema of report.json, for validating reports (the CLI's `report --check`, tests).
pub fn schema() -> &'static str {
    SCHEMA
}

/// The report as pretty JSON. Field order follows the contract; objects inside `site` are sorted
/// by key, so the same report always gives the same bytes (and the same SHA-256).
pub fn to_json(report: &Report) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(report).map_err(ReportError::Serialize)?;
    text.push('\n');
    Ok(text)
}

/// Reads a report.json. Errors say where the text is malformed (line and column), which field has
/// the wrong shape (path such as `devices[2].identity.device_type`), or that the report was written
/// in another schema version.
pub fn from_json(text: &str) -> Result<Report, ReportError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| ReportError::Syntax {
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })?;
    match value.get("schema_version") {
        Some(serde_json::Value::String(found)) if found == SCHEMA_VERSION => {}
        Some(found) => {
            return Err(ReportError::SchemaVersion {
                found: found.to_string(),
                expected: SCHEMA_VERSION,
            });
        }
        None => {
            return Err(ReportError::Shape {
                path: ".".to_string(),
                message: "missing field `schema_version`: not a camsweep report".to_string(),
            });
        }
    }
    serde_path_to_error::deserialize(value).map_err(|err| ReportError::Shape {
        path: err.path().to_string(),
        message: err.inner().to_string(),
    })
}

/// Checks report JSON against the embedded JSON Schema (`reports/report.schema.json`).
///
/// # Errors
/// [`ReportError::Syntax`] when the text is not JSON, [`ReportError::Schema`] listing every
/// violation (with its JSON path) when it does not match the schema.
pub fn validate(text: &str) -> Result<(), ReportError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ReportError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let schema: serde_json::Value =
        serde_json::from_str(schema()).map_err(ReportError::Serialize)?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| ReportError::Schema {
        errors: vec![format!("the embedded schema is invalid: {e}")],
    })?;
    // A report broken on every device would list thousands of problems, each quoting the value:
    // the first few, each cut short, and a count say enough and keep the message readable.
    let mut errors: Vec<String> = Vec::new();
    let mut total = 0usize;
    for e in validator.iter_errors(&value) {
        total += 1;
        if errors.len() < SCHEMA_ERRORS_SHOWN {
            errors.push(shorten(&format!("{}: {e}", e.instance_path())));
        }
    }
    if total > errors.len() {
        errors.push(format!(
            "… and {} more problem(s) ({total} in all)",
            total - errors.len()
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ReportError::Schema { errors })
    }
}

/// How many schema violations an error lists before it counts the rest.
pub const SCHEMA_ERRORS_SHOWN: usize = 20;
/// Longest single violation message kept (the validator quotes the offending value whole).
const SCHEMA_ERROR_CHARS: usize = 300;

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SCHEMA_ERROR_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    /// The schema's closed lists are the model's enums: a category the analyser can write is
    /// one the schema accepts (`people_analytics` was missing once), and no more.
    #[test]
    fn schema_enums_are_the_model_vocabularies() {
        use crate::model::{CloudCategory, ContactScope, TrafficPattern};
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let words = |pointer: &str| -> Vec<String> {
            schema
                .pointer(pointer)
                .and_then(serde_json::Value::as_array)
                .unwrap_or_else(|| panic!("{pointer}"))
                .iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        };
        let contact = "/$defs/cloud_contact/properties";
        assert_eq!(
            words(&format!("{contact}/category/enum")),
            CloudCategory::ALL.map(|c| c.as_str().to_string())
        );
        assert_eq!(
            words(&format!("{contact}/scope/enum")),
            ContactScope::ALL.map(|c| c.as_str().to_string())
        );
        let patterns = TrafficPattern::ALL.map(|c| c.as_str().to_string());
        assert_eq!(words(&format!("{contact}/pattern/enum")), patterns);
        assert_eq!(
            words(
                "/$defs/device/properties/data_store/properties/from/items/properties/pattern/enum"
            ),
            patterns
        );
    }

    #[test]
    fn a_report_round_trips_through_json() {
        let report = sample_report();
        let text = to_json(&report).unwrap();
        assert_eq!(from_json(&text).unwrap(), report);
        // Stable: the same report gives the same bytes.
        assert_eq!(to_json(&from_json(&text).unwrap()).unwrap(), text);
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = from_json("{\n  \"schema_version\": \"1\",\n  oops\n}").unwrap_err();
        match &err {
            ReportError::Syntax { line, .. } => assert_eq!(*line, 3),
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn another_schema_version_is_refused_by_name() {
        let mut value: serde_json::Value =
            serde_json::from_str(&to_json(&sample_report()).unwrap()).unwrap();
        value["schema_version"] = "2".into();
        let err = from_json(&value.to_string()).unwrap_err();
        assert!(matches!(err, ReportError::SchemaVersion { .. }));
        assert!(err.to_string().contains("\"2\""), "{err}");
    }

    /// A cut-off or corrupted file is an error, never a panic.
    #[test]
    fn truncated_reports_are_errors() {
        let text = to_json(&sample_report()).unwrap();
        for cut in (0..text.len())
            .step_by(97)
            .filter(|&i| text.is_char_boundary(i))
        {
            assert!(from_json(&text[..cut]).is_err(), "accepted {cut} bytes");
        }
        assert!(from_json("[]").is_err());
        assert!(from_json("null").is_err());
    }

    #[test]
    fn a_wrong_field_is_named_by_its_path() {
        let mut value: serde_json::Value =
            serde_json::from_str(&to_json(&sample_report()).unwrap()).unwrap();
        value["devices"][1]["identity"]["device_type"] = "toaster".into();
        let err = from_json(&value.to_string()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("devices[1].identity.device_type"), "{text}");
        assert!(text.contains("toaster"), "{text}");
    }

    #[test]
    fn thousands_of_schema_violations_give_a_short_summary() {
        let mut value: serde_json::Value =
            serde_json::from_str(&to_json(&sample_report()).unwrap()).unwrap();
        let device = value["devices"][0].clone();
        let mut broken = device.as_object().unwrap().clone();
        broken.remove("ip");
        broken.insert("mac".into(), serde_json::Value::from(vec![7; 5000]));
        value["devices"] = serde_json::Value::from(vec![serde_json::Value::from(broken); 5000]);
        let err = validate(&value.to_string()).unwrap_err().to_string();
        assert!(err.len() < 20_000, "{} bytes of error", err.len());
        assert!(err.contains("more problem(s)"), "{err}");
    }
}
