//! report.json against its JSON Schema: the sample report validates and round-trips, broken
//! reports are rejected with a reason, and every renderer accepts what the schema accepts.

use camsweep::report::{
    Lang, from_json, render_csv, render_html, render_markdown, render_table, schema, to_json,
};
use serde_json::{Value, json};

const SAMPLE: &str = include_str!("../fixtures/report/sample-report.json");

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema()).expect("the schema is JSON");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is a valid draft 2020-12 schema")
}

fn sample() -> Value {
    serde_json::from_str(SAMPLE).unwrap()
}

fn errors(instance: &Value) -> Vec<String> {
    validator()
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sample_report_validates_against_the_schema() {
    let problems = errors(&sample());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn written_json_validates_and_round_trips() {
    let report = from_json(SAMPLE).unwrap();
    let text = to_json(&report).unwrap();
    assert_eq!(text, SAMPLE, "to_json is stable");
    let value: Value = serde_json::from_str(&text).unwrap();
    assert!(errors(&value).is_empty());
    assert_eq!(from_json(&text).unwrap(), report);
}

#[test]
fn missing_required_fields_fail_validation() {
    let removals: [&[&str]; 6] = [
        &["schema_version"],
        &["scan", "started_at"],
        &["devices", "0", "identity"],
        &["devices", "2", "cloud_contacts", "0", "upload"],
        &["findings", "0", "remedy"],
        &["evidence_files", "0", "sha256"],
    ];
    for path in removals {
        let mut report = sample();
        let (last, parents) = path.split_last().unwrap();
        let mut node = &mut report;
        for key in parents {
            node = match key.parse::<usize>() {
                Ok(i) => &mut node[i],
                Err(_) => &mut node[*key],
            };
        }
        assert!(
            node.as_object_mut().unwrap().remove(*last).is_some(),
            "{path:?}"
        );
        assert!(
            !errors(&report).is_empty(),
            "removing {path:?} still validates"
        );
        assert!(
            from_json(&report.to_string()).is_err(),
            "{path:?} still parses"
        );
    }
}

#[test]
fn wrong_values_fail_validation() {
    let cases: [(&str, Value); 8] = [
        ("/scan/mode", json!("sweep")),
        ("/scan/started_at", json!("23/11/2026 09:00")),
        ("/devices/0/identity/device_type", json!("toaster")),
        ("/devices/0/identity/face_recognition", json!("maybe")),
        ("/devices/0/identity/confidence", json!(1.5)),
        ("/devices/2/cloud_contacts/0/category", json!("cdn")),
        ("/findings/0/severity", json!("urgent")),
        ("/signatures/sha256", json!("not-a-hash")),
    ];
    for (pointer, value) in cases {
        let mut report = sample();
        *report.pointer_mut(pointer).unwrap() = value;
        assert!(
            !errors(&report).is_empty(),
            "{pointer} accepted a bad value"
        );
    }
}

#[test]
fn added_fields_are_allowed() {
    let mut report = sample();
    report["fleet"] = json!({ "store": 12 });
    report["devices"][0]["serial"] = json!("DS-2CD2143G0-I20190101AAWR123456789");
    report["devices"][0]["identity"]["hardware"] = json!("rev B");
    assert!(errors(&report).is_empty());
    assert!(from_json(&report.to_string()).is_ok());
}

#[test]
fn nullable_contract_fields_accept_null() {
    let mut report = sample();
    report["site"] = Value::Null;
    report["scan"]["interface"] = Value::Null;
    report["devices"][0]["mac"] = Value::Null;
    report["devices"][0]["identity"]["model"] = Value::Null;
    report["findings"][0]["device"] = Value::Null;
    report["devices"][2]["cloud_contacts"][0]["name_source"] = Value::Null;
    assert!(errors(&report).is_empty(), "{:#?}", errors(&report));
    let parsed = from_json(&report.to_string()).unwrap();
    // Every renderer copes with the missing parts.
    for lang in [Lang::Zh, Lang::En] {
        assert!(render_html(&parsed, lang).is_ok());
        assert!(!render_markdown(&parsed, lang).is_empty());
        assert!(!render_table(&parsed, lang, false).is_empty());
    }
    assert!(!render_csv(&parsed).is_empty());
}

/// Set CAMSWEEP_REPORT_DUMP=<dir> to write the sample's renderings there for a look.
#[test]
fn renderings_can_be_dumped_for_review() {
    let Some(dir) = std::env::var_os("CAMSWEEP_REPORT_DUMP") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let report = from_json(SAMPLE).unwrap();
    for lang in [Lang::Zh, Lang::En] {
        std::fs::write(
            dir.join(format!("report.{lang}.html")),
            render_html(&report, lang).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("report.{lang}.md")),
            render_markdown(&report, lang),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("table.{lang}.txt")),
            render_table(&report, lang, true),
        )
        .unwrap();
    }
    std::fs::write(dir.join("inventory.csv"), render_csv(&report)).unwrap();
}

#[test]
fn an_empty_network_still_gives_a_complete_report() {
    let mut report = sample();
    report["devices"] = json!([]);
    report["findings"] = json!([]);
    report["evidence_files"] = json!([]);
    report["scan"]["complete"] = json!(true);
    report["scan"]["notes"] = json!([]);
    assert!(errors(&report).is_empty());
    let parsed = from_json(&report.to_string()).unwrap();
    let html = render_html(&parsed, Lang::En).unwrap();
    assert!(html.contains("No devices found.") && html.contains("No findings."));
    assert!(html.contains("Complete") && !html.contains("did not finish"));
    let md = render_markdown(&parsed, Lang::Zh);
    assert!(md.contains("未发现设备。") && md.contains("未发现问题。"));
    assert_eq!(
        render_table(&parsed, Lang::En, false).lines().last(),
        Some("0 hosts, 0 surveillance devices (0 face-capable)")
    );
    assert_eq!(render_csv(&parsed).lines().count(), 1);
}

/// A report with typed notes (`scan.note_items`) validates, renders each note in the language
/// asked for, and a note item without its key is rejected; the sample, written before items
/// existed, still loads and its lines render as they are or in Chinese where a sentence fits.
#[test]
fn typed_notes_validate_and_render_in_either_language() {
    use camsweep::model::Note;
    let mut report = from_json(SAMPLE).unwrap();
    assert!(report.scan.note_items.is_empty());
    let old_lines = report.scan.notes.clone();
    report.scan.push_note(
        Note::new("arp_silent")
            .arg("count", 222)
            .arg("subnet", "198.18.0.0/24"),
    );
    report.scan.push_note(
        Note::new("zk_failed")
            .arg("port", 4370)
            .arg("error", "Connection reset by peer")
            .about("198.18.0.9"),
    );
    assert_eq!(report.scan.notes.len(), old_lines.len() + 2);
    assert_eq!(
        report.scan.notes.last().unwrap(),
        "198.18.0.9: zk 4370: Connection reset by peer"
    );
    let value: Value = serde_json::from_str(&to_json(&report).unwrap()).unwrap();
    let problems = errors(&value);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(from_json(&to_json(&report).unwrap()).unwrap(), report);

    let zh = render_markdown(&report, Lang::Zh);
    assert!(
        zh.contains(
            "198.18.0.0/24 上有 222 个地址未应答 ARP：这些地址上没有设备，未向其发起 TCP 连接"
        ),
        "{zh}"
    );
    assert!(zh.contains("198.18.0.9：ZK 端口 4370：Connection reset by peer"));
    let en = render_markdown(&report, Lang::En);
    assert!(en.contains(
        "222 address(es) on 198.18.0.0/24 did not answer ARP: nobody there, no TCP connects sent"
    ));
    assert!(en.contains("198.18.0.9: zk 4370: Connection reset by peer"));

    let mut broken = value.clone();
    broken["scan"]["note_items"][0]
        .as_object_mut()
        .unwrap()
        .remove("key");
    assert!(!errors(&broken).is_empty(), "a note item needs its key");
}
