//! The simulated store audited WITHOUT a listening window (`camsweep audit`, no `--listen`):
//! what the devices say about themselves must be enough. Every face terminal whose discovery or
//! ONVIF reply states its model is found recognising faces, as a face terminal or access
//! controller; every recorder is an `nvr`; no decoy is called surveillance gear.
//!
//! A suite of the lab runner (tests/labs/harness.rs, its own process): only a single-threaded
//! process may enter a user namespace. When namespaces cannot be created the test fails with the
//! kernel's reason; it never skips.

use std::collections::BTreeMap;
use std::process::Command;

use camsweep::lab::{self, Lab, LabSpec};
use camsweep::model::{DeviceType, FaceRecognition};

use crate::harness::{Tally, with_causes};

const NAME: &str = "audit_without_listening_finds_face_terminals_and_recorders";

/// Every check's name (one).
pub fn checks() -> Vec<&'static str> {
    vec![NAME]
}

pub fn main(tally: &mut Tally) {
    if tally.wants(NAME) {
        tally.report(NAME, run().map(|summary| println!("{summary}")));
    }
}

/// Evidence sources of discovery protocols and ONVIF: what a device states about itself.
fn is_self_description(source: &str) -> bool {
    let prefix = source.split('.').next().unwrap_or_default();
    ["onvif", "dhcp"].contains(&prefix)
        || camsweep::wire::discovery::source_prefixes().contains(&prefix)
}

fn run() -> Result<String, String> {
    lab::enter_lab_namespaces()
        .map_err(|e| format!("entering the lab namespaces: {}", with_causes(&e)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let spec = LabSpec::bundled().map_err(|e| e.to_string())?;
    let lab = runtime
        .block_on(Lab::start(&spec))
        .map_err(|e| format!("the simulated store did not start: {}", with_causes(&e)))?;
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let audit = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "-q",
            "audit",
            "--interface",
            lab.scanner_interface(),
            "--targets",
        ])
        .arg(lab.subnet().to_string())
        .arg("--json")
        .arg("--out")
        .arg(out.path())
        .output()
        .map_err(|e| format!("running camsweep audit: {e}"))?;
    runtime.block_on(lab.shutdown());
    if !matches!(audit.status.code(), Some(0 | 1)) {
        return Err(format!(
            "camsweep audit failed ({}): {}",
            audit.status,
            String::from_utf8_lossy(&audit.stderr)
        ));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&audit.stdout).map_err(|e| format!("report.json: {e}"))?;
    if report["scan"]["captures"]
        .as_array()
        .is_some_and(|c| !c.is_empty())
    {
        return Err("the audit listened; this test is about an audit without listening".into());
    }
    let devices: BTreeMap<String, &serde_json::Value> = report["devices"]
        .as_array()
        .ok_or("report has no devices array")?
        .iter()
        .filter_map(|d| Some((d["ip"].as_str()?.to_owned(), d)))
        .collect();

    let (mut problems, mut faces, mut recorders) = (Vec::new(), 0, 0);
    for persona in &spec.personas {
        let ip = persona.ip.to_string();
        let Some(device) = devices.get(&ip) else {
            problems.push(format!("{} ({ip}) not found", persona.name));
            continue;
        };
        let id = &device["identity"];
        let kind = id["device_type"].as_str().unwrap_or("");
        let face = id["face_recognition"].as_str().unwrap_or("");
        let want = &persona.expect;
        let states_model = device["evidence"].as_array().is_some_and(|ev| {
            ev.iter().any(|e| {
                is_self_description(e["source"].as_str().unwrap_or(""))
                    && e["value"]
                        .as_str()
                        .is_some_and(|v| v.contains(persona.model.as_str()))
            })
        });
        let face_terminal = want.face_recognition == FaceRecognition::Yes
            && matches!(
                want.device_type,
                DeviceType::FaceTerminal | DeviceType::AccessControl
            );
        if face_terminal && states_model {
            faces += 1;
            if face != "yes" || !matches!(kind, "face_terminal" | "access_control") {
                problems.push(format!(
                    "{} ({ip}) states its model {} but came out {kind}, face {face}",
                    persona.name, persona.model
                ));
            }
        }
        if want.device_type == DeviceType::Nvr {
            recorders += 1;
            if kind != "nvr" {
                problems.push(format!(
                    "{} ({ip}) is a recorder, came out {kind}",
                    persona.name
                ));
            }
        }
        if want.device_type == DeviceType::Other && !matches!(kind, "other" | "unknown") {
            problems.push(format!("decoy {} ({ip}) called {kind}", persona.name));
        }
    }
    // hik-minmoe and hik-face-firewalled (SADP), dahua-face-ac (DHDiscover); the others state
    // their model only in a realm or over the ZK protocol.
    if faces < 3 {
        problems.push(format!(
            "only {faces} face terminals state their model in discovery or ONVIF; the lab has 3"
        ));
    }
    if problems.is_empty() {
        Ok(format!(
            "audit without listening: {faces} face terminals and {recorders} recorders identified"
        ))
    } else {
        Err(problems.join("\n  "))
    }
}
