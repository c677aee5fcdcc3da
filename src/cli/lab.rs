//! `camsweep lab` (hidden): builds a benchmark lab and runs one command inside its network, so
//! camsweep, nmap or anything else is measured against the same hosts and sees nothing else.
//! The command inherits the lab's user and network namespaces (it is root there, with raw
//! sockets, on `lan0` = 198.18.0.2) and the environment variables CAMSWEEP_LAB_SUBNET and
//! CAMSWEEP_LAB_INTERFACE.

use anyhow::{Context, Result, bail};
use std::io::Write;

use super::EXIT_ERROR;
use super::args::LabArgs;
use crate::lab::bench::{self, Scale};
use crate::lab::{Lab, LabSpec};

pub async fn run(args: &LabArgs, quiet: bool) -> Result<u8> {
    let scale: Scale = args.hosts.parse().map_err(anyhow::Error::msg)?;
    let spec = bench::spec(scale).context("building the benchmark lab's hosts")?;
    if args.list {
        list(&spec)?;
        return Ok(0);
    }
    let Some((program, rest)) = args.command.split_first() else {
        bail!("give the command to run inside the lab after `--` (or --list)");
    };
    let lab = Lab::start(&spec)
        .await
        .context("starting the benchmark lab")?;
    if !quiet {
        eprintln!(
            "lab {}: {} hosts on {} up in {:.2} s",
            args.hosts,
            lab.host_count(),
            lab.subnet(),
            lab.startup_time().as_secs_f64()
        );
    }
    let status = tokio::process::Command::new(program)
        .args(rest)
        .env("CAMSWEEP_LAB_SUBNET", lab.subnet().to_string())
        .env("CAMSWEEP_LAB_INTERFACE", lab.scanner_interface())
        .status()
        .await
        .with_context(|| format!("running {program} inside the lab"));
    lab.shutdown().await;
    let status = status?;
    Ok(status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(EXIT_ERROR))
}

/// One JSON object per host: what it is and what camsweep should conclude (the scripts score
/// every tool's answer against it).
fn list(spec: &LabSpec) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let hosts = spec
        .personas
        .iter()
        .map(|p| (p, p.ip, p.name.clone()))
        .chain(spec.groups.iter().flat_map(|g| {
            g.members
                .iter()
                .enumerate()
                .map(move |(n, m)| (&g.template, m.ip, format!("{}-{n}", g.template.name)))
        }));
    for (persona, ip, name) in hosts {
        let line = serde_json::json!({
            "ip": ip.to_string(),
            "name": name,
            "vendor": persona.vendor,
            "model": persona.model,
            "expect_vendor": persona.expect.vendor,
            "expect_type": persona.expect.device_type.as_str(),
            "expect_face": persona.expect.face_recognition.as_str(),
            "surveillance": persona.expect.device_type.is_surveillance(),
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}
