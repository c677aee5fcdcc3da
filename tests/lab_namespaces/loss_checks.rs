//! The lab under packet loss: a shop's Wi-Fi or a busy switch drops packets, the lab's veth
//! link never does. This check audits the lab once as it is and once with 20 % of the packets
//! dropped each way at the scanner (nftables `numgen random` rules on the input and output hooks
//! of the lab root namespace, where the scanner's `lan0` lives; the personas' namespaces are
//! untouched), and requires the same devices recognised with the same vendors.
//!
//! The loss is applied with nftables because the kernels this runs on (CI containers, the
//! development VM) may lack `sch_netem`; nf_tables works in an unprivileged user namespace.
//! What it does not cover: ARP (the raw-socket sweep and the kernel's neighbour resolution are
//! below the `inet` hooks), so the ARP repeats are exercised by their own unit of behaviour only.

use std::collections::BTreeMap;
use std::process::Command;

use camsweep::discover::NoProgress;
use camsweep::lab::Lab;
use camsweep::model::ScanMode;

/// Percentage of packets dropped in each direction at the scanner.
const LOSS_PERCENT: u32 = 20;

/// nftables table holding the loss rules (removed again whatever the scan's outcome).
const TABLE: &str = "camsweep_loss";

pub fn identification_under_loss_equals_lossless(lab: &Lab) -> Result<(), String> {
    // Fail early and clearly when nft is missing, before spending a scan on it.
    nft(&["--version"]).map_err(|e| {
        format!("{e}: install nftables (scripts/test-deps.txt) to run the packet-loss lab test")
    })?;
    let started = std::time::Instant::now();
    let lossless = recognised(lab)?;
    let lossless_took = started.elapsed();
    if lossless.is_empty() {
        return Err("the lossless scan recognised no device".into());
    }
    add_loss()?;
    let started = std::time::Instant::now();
    let lossy = recognised(lab);
    let lossy_took = started.elapsed();
    let removed = nft(&["delete", "table", "inet", TABLE]);
    let lossy = lossy?;
    removed?;
    println!(
        "  lossless: {} devices recognised in {lossless_took:.1?}; {LOSS_PERCENT} % loss each way: {} in {lossy_took:.1?}",
        lossless.len(),
        lossy.len()
    );
    if lossy != lossless {
        let missed: Vec<_> = lossless
            .iter()
            .filter(|(ip, v)| lossy.get(*ip) != Some(*v))
            .collect();
        let extra: Vec<_> = lossy
            .iter()
            .filter(|(ip, v)| lossless.get(*ip) != Some(*v))
            .collect();
        return Err(format!(
            "under {LOSS_PERCENT} % loss {} devices recognised, without loss {}; \
             lost or changed: {missed:?}; new or changed: {extra:?}",
            lossy.len(),
            lossless.len()
        ));
    }
    Ok(())
}

/// Device address → vendor, for every device the scan recognised (a vendor named).
fn recognised(lab: &Lab) -> Result<BTreeMap<String, String>, String> {
    let opts = camsweep::cli::args::ScanOptions {
        targets: vec![lab.subnet().to_string()],
        targets_file: None,
        interface: Some(lab.scanner_interface().to_string()),
        signatures: None,
        ports: Vec::new(),
        rate: None,
        concurrency: 768,
        per_host: 4,
        timeout_ms: 1500,
        host_deadline: 20,
        allow_public: false,
        allow_large: false,
    };
    let plan = camsweep::cli::plan::build(
        &opts,
        ScanMode::Demo,
        camsweep::cli::args::LangArg::En,
        Some("lab test under loss".into()),
    )
    .map_err(|e| format!("{e:#}"))?;
    let db = camsweep::fingerprint::SignatureDb::bundled().map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = rt
        .block_on(camsweep::app::run(&plan, &db, &NoProgress))
        .map_err(|e| e.to_string())?;
    Ok(report
        .devices
        .iter()
        .filter_map(|d| Some((d.ip.clone(), d.identity.vendor.clone()?)))
        .collect())
}

/// Drops `LOSS_PERCENT` % of the packets entering and of those leaving this namespace.
fn add_loss() -> Result<(), String> {
    nft(&["add", "table", "inet", TABLE])?;
    for (chain, hook) in [("lossy_in", "input"), ("lossy_out", "output")] {
        let spec = format!("{{ type filter hook {hook} priority 0; }}");
        nft(&["add", "chain", "inet", TABLE, chain, &spec])?;
        let rule = format!("numgen random mod 100 < {LOSS_PERCENT} drop");
        let mut args = vec!["add", "rule", "inet", TABLE, chain];
        args.extend(rule.split(' '));
        nft(&args)?;
    }
    Ok(())
}

fn nft(args: &[&str]) -> Result<(), String> {
    let out = Command::new("nft")
        .args(args)
        .output()
        .map_err(|e| format!("nft {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "nft {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
