//! The benchmark store lab builds, and `camsweep audit` of its /24 finds every one of its 253
//! hosts and names each of its 40 surveillance devices with the vendor and type it imitates,
//! without calling any PC, phone, printer or NAS a camera. (The nmap comparison and the timings
//! are scripts/bench-nmap.sh and scripts/bench-scale.sh, not tests.)
//!
//! A suite of the lab runner (tests/labs/harness.rs, its own process): only a single-threaded
//! process may enter a user namespace. When namespaces cannot be created the test fails with the
//! kernel's reason; it never skips.

use std::collections::BTreeMap;
use std::process::Command;

use camsweep::lab::bench::{self, Scale};
use camsweep::lab::{self, Lab};

use crate::harness::{Tally, with_causes};

const NAME: &str = "store_audit_names_every_surveillance_device";

/// Every check's name (one).
pub fn checks() -> Vec<&'static str> {
    vec![NAME]
}

pub fn main(tally: &mut Tally) {
    if tally.wants(NAME) {
        tally.report(NAME, run().map(|summary| println!("{summary}")));
    }
}

fn run() -> Result<String, String> {
    lab::enter_lab_namespaces()
        .map_err(|e| format!("entering the lab namespaces: {}", with_causes(&e)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let spec = bench::spec(Scale::Store).map_err(|e| e.to_string())?;
    let lab = runtime
        .block_on(Lab::start(&spec))
        .map_err(|e| format!("the store lab did not start: {}", with_causes(&e)))?;
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    // The binary runs in this process's namespaces: it sees the lab and nothing else.
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
    let startup = lab.startup_time();
    let hosts = lab.host_count();
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
    let devices: BTreeMap<String, &serde_json::Value> = report["devices"]
        .as_array()
        .ok_or("report has no devices array")?
        .iter()
        .filter_map(|d| Some((d["ip"].as_str()?.to_owned(), d)))
        .collect();

    let mut problems = Vec::new();
    if devices.len() != hosts {
        problems.push(format!("{} of {hosts} hosts found", devices.len()));
    }
    let mut named = 0;
    for persona in spec
        .personas
        .iter()
        .filter(|p| p.expect.device_type.is_surveillance())
    {
        let ip = persona.ip.to_string();
        let Some(device) = devices.get(&ip) else {
            problems.push(format!("{} ({ip}) not found", persona.name));
            continue;
        };
        let vendor = device["identity"]["vendor"].as_str();
        let kind = device["identity"]["device_type"].as_str();
        if vendor == persona.expect.vendor.as_deref()
            && kind == Some(persona.expect.device_type.as_str())
        {
            named += 1;
        } else {
            problems.push(format!(
                "{} ({ip}): expected {:?} {}, got {vendor:?} {kind:?}",
                persona.name,
                persona.expect.vendor,
                persona.expect.device_type.as_str()
            ));
        }
    }
    for group in &spec.groups {
        for member in &group.members {
            let kind = devices
                .get(&member.ip.to_string())
                .and_then(|d| d["identity"]["device_type"].as_str());
            if !matches!(kind, None | Some("other" | "unknown")) {
                problems.push(format!(
                    "{} at {} called {kind:?}",
                    group.template.name, member.ip
                ));
            }
        }
    }
    if named != 40 {
        problems.push(format!("{named} of 40 surveillance devices named"));
    }
    if problems.is_empty() {
        Ok(format!(
            "store lab: {hosts} hosts up in {startup:?}; audit found {} devices, named {named}/40 surveillance devices",
            devices.len()
        ))
    } else {
        Err(problems.join("\n  "))
    }
}
