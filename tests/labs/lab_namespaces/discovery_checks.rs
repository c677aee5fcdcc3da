//! Discovery protocols against the lab's personas, from the scanner's `lan0`: each protocol finds
//! the personas that speak it, with the model and firmware their replies carry.

use std::net::IpAddr;
use std::time::Duration;

use camsweep::discover::protocols::{self, TableDiscoverer};
use camsweep::discover::{DiscoveryContext, HostDiscoverer, NoProgress, SweepResult};
use camsweep::lab::Lab;
use camsweep::model::{DeviceType, HostObservation, ScanMode};

/// Discovery on the scanner's interface, the lab's personas being the targets (only they may
/// be asked for a UPnP description).
fn ctx(lab: &Lab) -> DiscoveryContext {
    DiscoveryContext {
        authorised: std::sync::Arc::new(lab.personas().iter().map(|p| IpAddr::V4(p.ip)).collect()),
        ..DiscoveryContext::for_interface(lab.scanner_interface(), Duration::from_millis(1200))
    }
}

/// The discoverer of the discovery table's row `name`.
fn protocol(name: &str, ctx: DiscoveryContext) -> Result<TableDiscoverer, String> {
    protocols::named(name, &ctx).ok_or_else(|| format!("no discovery protocol {name}"))
}

fn run(d: &dyn HostDiscoverer, targets: &[IpAddr]) -> Result<SweepResult, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    Ok(rt.block_on(d.discover(targets)))
}

fn host<'a>(found: &'a SweepResult, lab: &Lab, name: &str) -> Result<&'a HostObservation, String> {
    let persona = lab
        .personas()
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("no persona {name}"))?;
    found
        .hosts
        .iter()
        .find(|h| h.ip == IpAddr::V4(persona.ip))
        .ok_or_else(|| {
            format!(
                "{name} ({}) did not answer; found {:?}; notes {:?}",
                persona.ip,
                found.hosts.iter().map(|h| h.ip).collect::<Vec<_>>(),
                found.notes
            )
        })
}

fn has(h: &HostObservation, source: &str, value: &str) -> Result<(), String> {
    if h.values(source).any(|v| v == value) {
        Ok(())
    } else {
        Err(format!(
            "{}: no {source}={value}; evidence {:?}",
            h.ip,
            h.evidence.iter().map(|e| e.short()).collect::<Vec<_>>()
        ))
    }
}

fn ip_of(lab: &Lab, name: &str) -> IpAddr {
    lab.personas()
        .iter()
        .find(|p| p.name == name)
        .map(|p| IpAddr::V4(p.ip))
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// Multicast + broadcast only (no unicast targets): the firewalled terminal still answers.
pub fn sadp_finds_firewalled(lab: &Lab) -> Result<(), String> {
    let found = run(&protocol("sadp", ctx(lab))?, &[])?;
    let h = host(&found, lab, "hik-face-firewalled")?;
    has(h, "sadp.model", "DS-K1T341AMF")?;
    has(h, "sadp.firmware", "V3.7.0build 220315")?;
    has(h, "sadp.hc_platform_enable", "true")?;
    has(
        h,
        "cloud.indication",
        camsweep::discover::protocols::HIK_CONNECT_ON,
    )?;
    if h.mac.as_deref() != Some("44:47:cc:3a:41:45") {
        return Err(format!("mac {:?}", h.mac));
    }
    let bullet = host(&found, lab, "hik-bullet")?;
    if bullet.values("cloud.indication").next().is_some() {
        return Err("hik-bullet has Hik-Connect off but got a cloud indication".into());
    }
    has(bullet, "sadp.model", "DS-2CD2143G0-I")?;
    has(bullet, "sadp.firmware", "V5.5.800build 210628")
}

/// The multicast Probe finds group members but not the unicast-only persona; a unicast Probe does.
pub fn wsd_unicast_only(lab: &Lab) -> Result<(), String> {
    let multicast = run(&protocol("ws_discovery", ctx(lab))?, &[])?;
    has(
        host(&multicast, lab, "hik-bullet")?,
        "wsd.hardware",
        "DS-2CD2143G0-I",
    )?;
    if host(&multicast, lab, "hanwha-unicast-onvif").is_ok() {
        return Err("the unicast-only persona answered a multicast Probe".into());
    }
    let unicast = run(
        &protocol("ws_discovery", DiscoveryContext::default())?,
        &[ip_of(lab, "hanwha-unicast-onvif")],
    )?;
    let h = host(&unicast, lab, "hanwha-unicast-onvif")?;
    has(h, "wsd.hardware", "XNV-6080R")?;
    has(h, "wsd.name", "Hanwha Vision XNV-6080R")?;
    has(h, "wsd.types", "dn:NetworkVideoTransmitter tds:Device")
}

pub fn dhdiscover_names_dahua(lab: &Lab) -> Result<(), String> {
    let found = run(&protocol("dhdiscover", ctx(lab))?, &[])?;
    let h = host(&found, lab, "dahua-bullet")?;
    has(h, "dhdiscover.device_type", "IPC-HFW2431S-S-S2")?;
    has(h, "dhdiscover.version", "2.800.0000000.16.R")?;
    has(
        host(&found, lab, "dahua-nvr")?,
        "dhdiscover.device_type",
        "DHI-NVR4108HS-4KS2",
    )
}

pub fn xmeye_names(lab: &Lab) -> Result<(), String> {
    let found = run(&protocol("xmeye", ctx(lab))?, &[])?;
    let h = host(&found, lab, "xm-camera")?;
    has(h, "xmeye.serial", "8f2c61b0a3d4e5f6")?;
    has(
        h,
        "xmeye.version",
        "V5.00.R02.000559A8.10010.346532.S.ONVIF 21.06",
    )?;
    has(h, "xmeye.mac", "10:a4:be:63:0f:19")
}

/// VIVOTEK's search, broadcast only: the dome that speaks nothing else states its model and
/// its MAC.
pub fn vivotek_names(lab: &Lab) -> Result<(), String> {
    let found = run(&protocol("vivotek", ctx(lab))?, &[])?;
    let h = host(&found, lab, "vivotek-dome")?;
    has(h, "vivotek.model", "FD9167-HT")?;
    has(h, "vivotek.manufacturer", "VIVOTEK")?;
    has(h, "vivotek.mac", "00:02:d1:7a:91:47")?;
    if h.mac.as_deref() != Some("00:02:d1:7a:91:47") {
        return Err(format!("mac {:?}", h.mac));
    }
    if found.hosts.len() != 1 {
        return Err(format!(
            "only the VIVOTEK persona speaks the protocol, yet {:?} answered",
            found.hosts.iter().map(|h| h.ip).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

pub fn mdns_finds_axis(lab: &Lab) -> Result<(), String> {
    let found = run(&protocol("mdns", ctx(lab))?, &[])?;
    let h = host(&found, lab, "axis-dome")?;
    has(h, "mdns.service", "_axis-video._tcp.local")?;
    has(h, "mdns.txt", "macaddress=ACCC8E4A3221")?;
    if h.hostname.as_deref() != Some("axis-accc8e4a3221") {
        return Err(format!("hostname {:?}", h.hostname));
    }
    Ok(())
}

pub fn ssdp_reads_description(lab: &Lab) -> Result<(), String> {
    let found = run(&protocol("ssdp", ctx(lab))?, &[])?;
    let h = host(&found, lab, "hik-nvr")?;
    has(h, "ssdp.manufacturer", "Hikvision")?;
    has(h, "ssdp.model", "DS-7608NI-K2")?;
    has(h, "ssdp.serial", "DS-7608NI-K20820230518CCRRE45678901")
}

/// The NVR answers the multicast M-SEARCH but is not a target: its reply is heard, its
/// description is not fetched, and the scan notes say so.
pub fn ssdp_skips_repliers_outside_targets(lab: &Lab) -> Result<(), String> {
    let nvr = ip_of(lab, "hik-nvr");
    let mut ctx = ctx(lab);
    ctx.authorised = std::sync::Arc::new(
        lab.personas()
            .iter()
            .map(|p| IpAddr::V4(p.ip))
            .filter(|ip| *ip != nvr)
            .collect(),
    );
    let found = run(&protocol("ssdp", ctx)?, &[])?;
    let h = host(&found, lab, "hik-nvr")?;
    if h.values("ssdp.location").next().is_none() {
        return Err(format!("the NVR's reply was not heard: {:?}", h.evidence));
    }
    if let Some(m) = h.values("ssdp.manufacturer").next() {
        return Err(format!(
            "description of a non-target fetched: manufacturer {m}"
        ));
    }
    let said = |n: &camsweep::model::Note| {
        let n = n.en();
        n.contains("outside the targets") && n.contains(&nvr.to_string())
    };
    if !found.notes.iter().any(said) {
        return Err(format!(
            "no note on the skipped description: {:?}",
            found.notes
        ));
    }
    Ok(())
}

/// The whole scan: the persona whose TCP ports all drop SYNs is in the report, named and typed
/// from its SADP reply, with its firmware; the unicast-only ONVIF persona is named too.
pub fn scan_names_discovery_only(lab: &Lab) -> Result<(), String> {
    let report = audit_lab(lab, "lab test")?;
    for want in camsweep::wire::discovery::TABLE.iter().map(|p| p.name) {
        if !report.scan.discovery.iter().any(|d| d == want) {
            return Err(format!(
                "scan.discovery lacks {want}: {:?}",
                report.scan.discovery
            ));
        }
    }
    let device = |ip: IpAddr| {
        report
            .devices
            .iter()
            .find(|d| d.ip == ip.to_string())
            .ok_or_else(|| format!("{ip} not in the report"))
    };
    let hidden = device(ip_of(lab, "hik-face-firewalled"))?;
    if !hidden.open_ports.is_empty() {
        return Err(format!(
            "filtered persona shows open ports {:?}",
            hidden.open_ports
        ));
    }
    let id = &hidden.identity;
    if id.model.as_deref() != Some("DS-K1T341AMF")
        || id.device_type != DeviceType::FaceTerminal
        || id.vendor.as_deref() != Some("Hikvision")
        || id.firmware.as_deref() != Some("V3.7.0build 220315")
    {
        return Err(format!("discovery-only persona identified as {id:?}"));
    }
    if !hidden
        .evidence
        .iter()
        .any(|e| e.source == "cloud.indication")
    {
        return Err("the Hik-Connect setting of the SADP reply is not in the report".into());
    }
    // Known only by VIVOTEK's search: named from its reply's atoms, no code of its own in the
    // identification.
    let vivotek = device(ip_of(lab, "vivotek-dome"))?;
    let id = &vivotek.identity;
    if id.model.as_deref() != Some("FD9167-HT")
        || id.vendor.as_deref() != Some("Vivotek")
        || id.device_type != DeviceType::Camera
    {
        return Err(format!("the VIVOTEK persona identified as {id:?}"));
    }
    let hanwha = device(ip_of(lab, "hanwha-unicast-onvif"))?;
    if hanwha.identity.model.as_deref() != Some("XNV-6080R") {
        return Err(format!(
            "unicast-only ONVIF persona identified as {:?}",
            hanwha.identity
        ));
    }
    let axis = device(ip_of(lab, "axis-dome"))?;
    if axis.identity.model.as_deref() != Some("P3225-LV Mk II")
        || axis.identity.firmware.as_deref() != Some("9.80.3.8")
    {
        return Err(format!(
            "axis-dome (DHCP vendor class) identified as {:?}",
            axis.identity
        ));
    }
    // Every model and firmware a persona's discovery reply carries is in the report.
    let data = camsweep::lab::discovery::bundled().map_err(|e| e.to_string())?;
    for d in &data.devices {
        let got = &device(ip_of(lab, &d.persona))?.identity;
        let mut want: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = &d.sadp {
            want.push((s.description.as_str(), s.firmware.as_str()));
        }
        if let Some(x) = &d.dhdiscover {
            want.push((x.device_type.as_str(), x.version.as_str()));
        }
        if let Some(x) = &d.xmeye {
            want.push(("", x.version.as_str()));
        }
        for (model, firmware) in want {
            let model_ok = model.is_empty()
                || got
                    .model
                    .as_deref()
                    .is_some_and(|m| model.ends_with(m) || m.ends_with(model));
            if !model_ok || got.firmware.as_deref() != Some(firmware) {
                return Err(format!(
                    "{}: reply says {model:?} / {firmware:?}, report has {:?} / {:?}",
                    d.persona, got.model, got.firmware
                ));
            }
        }
    }
    Ok(())
}

/// The raw ARP sweep of the lab /24 finds every persona with its own MAC (and prints how long it took).
pub fn arp_sweep_finds_every_persona(lab: &Lab) -> Result<(), String> {
    let targets: Vec<IpAddr> = lab.subnet().hosts().map(IpAddr::V4).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let began = std::time::Instant::now();
    let found = rt
        .block_on(camsweep::discover::arp::sweep(
            lab.scanner_interface(),
            &targets,
            camsweep::discover::arp::DEFAULT_RATE,
        ))
        .map_err(|e| e.to_string())?;
    let took = began.elapsed();
    println!(
        "  ARP sweep of {} addresses: {} answered in {took:?}",
        targets.len(),
        found.hosts.len()
    );
    for persona in lab.personas() {
        let h = host(&found, lab, &persona.name)?;
        if h.mac.as_deref() != Some(persona.mac.to_lowercase().as_str()) {
            return Err(format!(
                "{}: ARP gave {:?}, want {}",
                persona.name, h.mac, persona.mac
            ));
        }
    }
    if found.hosts.len() != lab.personas().len() {
        return Err(format!(
            "{} hosts answered, {} personas",
            found.hosts.len(),
            lab.personas().len()
        ));
    }
    // The time is printed as a figure for docs/benchmarks.md, never asserted: benchmarks are commands.
    Ok(())
}

/// Listening passively for two seconds hears the Axis persona's DHCPREQUEST: its host name and
/// the vendor class that names model and firmware.
pub fn passive_dhcp_hears_the_axis_vendor_class(lab: &Lab) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let found = rt
        .block_on(async {
            let listener =
                camsweep::discover::passive::PassiveListener::start(lab.scanner_interface());
            tokio::time::sleep(Duration::from_secs(2)).await;
            listener.stop().await
        })
        .map_err(|e| e.to_string())?;
    let h = host(&found, lab, "axis-dome")?;
    has(
        h,
        "dhcp.vendor_class",
        "AXIS,Network Camera,P3225-LV Mk II,9.80.3.8",
    )?;
    has(h, "dhcp.hostname", "axis-accc8e4a3221")?;
    if h.mac.as_deref() != Some("ac:cc:8e:4a:32:21") {
        return Err(format!("mac {:?}", h.mac));
    }
    Ok(())
}

/// Audits the lab's subnet the way `camsweep demo` does (same options), recording `authorised_by`;
/// shared by the checks that need a whole scan.
pub fn audit_lab(lab: &Lab, authorised_by: &str) -> Result<camsweep::model::Report, String> {
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
    let bundle = camsweep::bundle::SignatureBundle::builtin().map_err(|e| e.to_string())?;
    let plan = camsweep::cli::plan::build(
        &opts,
        &bundle.ports,
        ScanMode::Demo,
        camsweep::cli::args::LangArg::En,
        Some(authorised_by.into()),
    )
    .map_err(|e| format!("{e:#}"))?;
    let db = bundle.devices;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(camsweep::app::run(&plan, &db, &NoProgress))
        .map_err(|e| e.to_string())
}

/// `camsweep audit` with the lab router (the gateway) among the targets reads the router's UPnP
/// port-mapping table (read-only IGD `GetGenericPortMappingEntry` until fault 713), attaches the
/// entry that forwards TCP 8000 from the internet to hik-bullet to that camera as a structured
/// cloud indication, and a finding cites it. Without the gateway in the targets the router is
/// never asked at all.
pub fn audit_reads_the_gateways_port_mappings(lab: &Lab) -> Result<(), String> {
    let gateway = ip_of(lab, "router");
    let camera = ip_of(lab, "hik-bullet");
    let audit = |targets: &str| -> Result<serde_json::Value, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_camsweep"))
            .args([
                "audit",
                "--targets",
                targets,
                "--interface",
                lab.scanner_interface(),
                "--gateway",
                &gateway.to_string(),
                "--ports",
                "80",
                "--json",
                "--lang",
                "en",
                "--authorised-by",
                "lab test, owner",
                "--out",
            ])
            .arg(dir.path().join("out"))
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "no report ({e}); exit {:?}; stderr: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let asked_before = lab.igd_control_requests("router");
    let without = audit(&camera.to_string())?;
    if lab.igd_control_requests("router") != asked_before {
        return Err("the router's mapping table was read although it was not a target".into());
    }
    let kinds = |report: &serde_json::Value| -> Vec<String> {
        report["devices"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["ip"] == camera.to_string())
            .flat_map(|d| {
                d["cloud_indications"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|i| i["kind"].as_str().map(str::to_owned))
            .collect()
    };
    if kinds(&without).iter().any(|k| k == "upnp_port_mapping") {
        return Err("a port mapping was reported without the gateway in the targets".into());
    }

    let report = audit(&format!("{gateway},{camera}"))?;
    // Entry 0, then fault 713 at index 1: two calls, no more.
    let calls = lab.igd_control_requests("router") - asked_before;
    if calls != 2 {
        return Err(format!(
            "{calls} IGD control requests for a one-entry table"
        ));
    }
    let device = report["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["ip"] == camera.to_string())
        .ok_or_else(|| format!("{camera} not in the report"))?;
    let indication = device["cloud_indications"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["kind"] == "upnp_port_mapping")
        .ok_or_else(|| {
            format!(
                "no upnp_port_mapping on {camera}: {}; notes {}",
                device["cloud_indications"], report["scan"]["notes"]
            )
        })?;
    let m = &indication["port_mapping"];
    let want = serde_json::json!({
        "gateway": gateway.to_string(),
        "protocol": "TCP",
        "external_port": 8000,
        "internal_client": camera.to_string(),
        "internal_port": 8000,
        "enabled": true,
        "description": "DS-2CD2143G0-I 8000",
        "lease_seconds": 0,
    });
    if *m != want {
        return Err(format!("port_mapping {m}, want {want}"));
    }
    if indication["source"] != "upnp.port_mapping" {
        return Err(format!("indication source {}", indication["source"]));
    }
    let finding = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "CN-PIPL-51-UPNP-EXPOSED" && f["device"] == device["id"])
        .ok_or_else(|| format!("no CN-PIPL-51-UPNP-EXPOSED finding on {camera}"))?;
    let cites = finding["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str())
        .any(|e| e.contains("upnp_port_mapping") && e.contains("TCP 8000"));
    if !cites {
        return Err(format!("the finding does not cite the mapping: {finding}"));
    }
    // The gateway itself is not "cloud enabled" because it holds other devices' mappings.
    if report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["rule"] == "CN-PIPL-21-CLOUD-ENABLED")
    {
        return Err("a port mapping was read as a vendor-cloud setting".into());
    }
    camsweep::report::validate(&report.to_string()).map_err(|e| format!("schema: {e}"))?;
    Ok(())
}
