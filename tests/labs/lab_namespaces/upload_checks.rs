//! The lab's uploads as the analyser sees them on `lan0` (the bridge floods every frame to it, as a
//! switch's mirror port would): which device sent content where, named by the DNS answers and
//! TLS SNI seen in the capture, classified by signatures/cloud/.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use camsweep::capture::LiveSource;
use camsweep::lab::Lab;
use camsweep::model::CloudContact;
use camsweep::traffic::{Analyzer, DeviceTraffic, FlowLimits, FrameSource, UploadPolicy};

/// Long enough for every uploader's period (≤ 2 s, uploads.toml) to come round twice.
const LISTEN: Duration = Duration::from_secs(5);

pub fn analysis_of_lan0_shows_who_uploaded_where(lab: &Lab) -> Result<(), String> {
    let mut source = LiveSource::open(lab.scanner_interface(), LISTEN, None)
        .map_err(|e| format!("capture on lan0: {e}"))?;
    let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
    while let Some(frame) = source.next_frame().map_err(|e| e.to_string())? {
        analyzer.push(&frame);
    }
    let cloud = camsweep::bundle::builtin_cloud().map_err(|e| e.to_string())?;
    let (devices, counters) = analyzer.finish(&cloud);
    if counters.dns_answers == 0 {
        return Err(format!("no DNS answers seen on lan0 ({counters:?})"));
    }

    let face = device(&devices, 12, "hik-deepinview")?;
    let contact = contact_to(face, "api-us.faceplusplus.com")?;
    expect(contact, true, "face_api", "Megvii Face++")?;
    if face.face_evidence.is_empty() {
        return Err(
            "hik-deepinview sent pictures to a face API but is not marked face_recognition".into(),
        );
    }

    let counter = device(&devices, 15, "hik-counter")?;
    let contact = contact_to(counter, "cloudapi.ovopark.com")?;
    expect(contact, true, "vendor_cloud", "Ovopark")?;
    if counter.face_evidence.is_empty() {
        return Err("hik-counter sent content to Ovopark's face-analytics cloud but is not marked face_recognition".into());
    }

    let xm = device(&devices, 19, "xm-camera")?;
    let contact = contact_to(xm, "xmeye-alarm.oss-cn-hangzhou.aliyuncs.com")?;
    expect(contact, true, "object_storage", "Alibaba Cloud")?;

    let ezviz = device(&devices, 22, "ezviz-c6n")?;
    let contact = contact_to(ezviz, "apiieu.ezvizlife.com")?;
    expect(contact, false, "vendor_cloud", "EZVIZ")?;
    if !ezviz.face_evidence.is_empty() {
        return Err(format!(
            "ezviz-c6n only sends heartbeats yet is marked face_recognition: {:?}",
            ezviz.face_evidence
        ));
    }

    let bystander = devices
        .iter()
        .find(|d| d.ip == IpAddr::V4(Ipv4Addr::new(198, 18, 0, 11)));
    if let Some(d) = bystander
        && d.contacts.iter().any(|c| c.upload)
    {
        return Err(format!("hik-bullet uploads nothing, yet: {:?}", d.contacts));
    }
    Ok(())
}

fn device<'a>(
    devices: &'a [DeviceTraffic],
    host: u8,
    name: &str,
) -> Result<&'a DeviceTraffic, String> {
    let ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, host));
    devices
        .iter()
        .find(|d| d.ip == ip)
        .ok_or_else(|| format!("{name} ({ip}) not among the devices seen on lan0"))
}

fn contact_to<'a>(device: &'a DeviceTraffic, name: &str) -> Result<&'a CloudContact, String> {
    device
        .contacts
        .iter()
        .find(|c| c.name.as_deref() == Some(name) && c.port == 443)
        .ok_or_else(|| {
            format!(
                "{}: no contact named {name}: {:#?}",
                device.ip, device.contacts
            )
        })
}

fn expect(c: &CloudContact, upload: bool, category: &str, provider: &str) -> Result<(), String> {
    let named = matches!(c.name_source.as_deref(), Some("dns" | "sni"));
    let provider_ok = c.provider.as_deref().is_some_and(|p| p.contains(provider));
    if c.upload != upload || c.category.as_str() != category || !provider_ok || !named {
        return Err(format!(
            "{}: expected upload {upload}, {category}, {provider}, named by dns or sni; got {c:#?}",
            c.destination
        ));
    }
    Ok(())
}

/// `camsweep analyze` itself, as an inspector runs it on a mirror port: a live capture on `lan0`
/// kept with `--write-pcap`, then the kept capture analysed again from the file. Both reports
/// must say who uploaded where. The child process inherits the lab namespaces from this one.
pub fn camsweep_analyze_live_and_on_the_kept_capture(_lab: &Lab) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pcap = dir.path().join("lab.pcap");
    let live = dir.path().join("live");
    let from_file = dir.path().join("file");
    let bin = env!("CARGO_BIN_EXE_camsweep");
    let run = |args: &[&std::ffi::OsStr]| -> Result<(), String> {
        let out = std::process::Command::new(bin)
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        // Exit status 1 means findings were reported; only 2 and above are failures.
        if out.status.code().is_none_or(|c| c > 1) {
            return Err(format!(
                "camsweep {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    };
    run(&[
        "analyze".as_ref(),
        "--interface".as_ref(),
        "lan0".as_ref(),
        "--listen".as_ref(),
        "5s".as_ref(),
        "--write-pcap".as_ref(),
        pcap.as_os_str(),
        "--out".as_ref(),
        live.as_os_str(),
    ])?;
    run(&[
        "analyze".as_ref(),
        pcap.as_os_str(),
        "--out".as_ref(),
        from_file.as_os_str(),
    ])?;
    for out in [&live, &from_file] {
        let text = std::fs::read_to_string(out.join("report.json"))
            .map_err(|e| format!("{}: {e}", out.display()))?;
        let report: camsweep::model::Report =
            serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let find = |ip: &str| report.devices.iter().find(|d| d.ip == ip);
        let cases = [
            ("198.18.0.12", "api-us.faceplusplus.com", true, "face_api"),
            ("198.18.0.15", "cloudapi.ovopark.com", true, "vendor_cloud"),
            (
                "198.18.0.19",
                "xmeye-alarm.oss-cn-hangzhou.aliyuncs.com",
                true,
                "object_storage",
            ),
            ("198.18.0.22", "apiieu.ezvizlife.com", false, "vendor_cloud"),
        ];
        for (ip, name, upload, category) in cases {
            let device = find(ip).ok_or_else(|| format!("{}: no device {ip}", out.display()))?;
            let contact = device
                .cloud_contacts
                .iter()
                .find(|c| c.name.as_deref() == Some(name) && c.port == 443)
                .ok_or_else(|| format!("{}: {ip} has no contact named {name}", out.display()))?;
            if contact.upload != upload || contact.category.as_str() != category {
                return Err(format!("{}: {ip}: {contact:#?}", out.display()));
            }
        }
        for (ip, face) in [
            ("198.18.0.12", camsweep::model::FaceRecognition::Yes),
            ("198.18.0.15", camsweep::model::FaceRecognition::Yes),
        ] {
            let device = find(ip).ok_or_else(|| format!("no device {ip}"))?;
            if device.identity.face_recognition != face {
                return Err(format!(
                    "{}: {ip} face_recognition {:?}",
                    out.display(),
                    device.identity.face_recognition
                ));
            }
        }
    }
    Ok(())
}

/// `camsweep audit --listen` on the lab's mirror port: the scanner's own addresses (every address
/// of the machine, here the lab scanner's) are recorded and are never a device's contact, though
/// every device answers the scan's probes during the capture; the lab's DNS server (203.0.113.53)
/// is infrastructure, not a cloud; LAN peers are LAN contacts.
pub fn audit_listen_never_lists_the_scanner_and_files_dns_as_infrastructure(
    lab: &Lab,
) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = dir.path().join("audit");
    let target = lab.subnet().to_string();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "audit",
            "--targets",
            target.as_str(),
            "--interface",
            lab.scanner_interface(),
            "--listen",
            "5s",
            "--authorised-by",
            "lab owner, test",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.code().is_none_or(|c| c > 1) {
        return Err(format!(
            "camsweep audit failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = std::fs::read_to_string(out.join("report.json")).map_err(|e| e.to_string())?;
    let report: camsweep::model::Report = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let scanner = lab.scanner_ip().to_string();
    if !report.scan.scanner_addresses.contains(&scanner) {
        return Err(format!(
            "scan.scanner_addresses {:?} lacks the scanner {scanner}",
            report.scan.scanner_addresses
        ));
    }
    let contacts: Vec<(&str, &CloudContact)> = report
        .devices
        .iter()
        .flat_map(|d| d.cloud_contacts.iter().map(move |c| (d.ip.as_str(), c)))
        .collect();
    if contacts.is_empty() {
        return Err("no device has a contact: the capture saw nothing".into());
    }
    for (ip, c) in &contacts {
        if report.scan.scanner_addresses.contains(&c.destination) {
            return Err(format!("{ip} lists the scanner as a contact: {c:#?}"));
        }
        if c.port == 53 && c.category.as_str() != "infrastructure" {
            return Err(format!("{ip}: DNS is not infrastructure: {c:#?}"));
        }
        if c.scope.map(|s| s.as_str()) == Some("lan")
            && !matches!(c.category.as_str(), "lan" | "infrastructure")
        {
            return Err(format!("{ip}: a LAN peer is not a LAN contact: {c:#?}"));
        }
    }
    if !contacts
        .iter()
        .any(|(_, c)| c.destination == "203.0.113.53" && c.category.as_str() == "infrastructure")
    {
        return Err("no device's DNS lookup to the lab resolver was seen".into());
    }
    if report
        .devices
        .iter()
        .any(|d| report.scan.scanner_addresses.contains(&d.ip))
    {
        return Err("the scanner is listed as a device".into());
    }
    Ok(())
}

/// `camsweep audit --signatures DIR --listen` takes all four kinds of knowledge from DIR: the
/// device signatures (the report carries DIR's hash), the cloud endpoints (DIR names the lab's
/// face-API upload endpoint with another provider), the rules (DIR has one rule of its own and
/// none of the built-in ones) and the advice (DIR's device-settings advice covers that rule, which
/// the built-in advice does not know). DIR is a copy of the built-in set changed here at run time
/// (synthetic by necessity: no real signature directory differs from the built-in one this way).
pub fn audit_with_signatures_dir_takes_devices_cloud_rules_and_advice_from_it(
    lab: &Lab,
) -> Result<(), String> {
    const RULE: &str = "DIR-TEST-UPLOAD";
    const TITLE: &str = "Upload seen (rule from the test's signature folder)";
    const UPLOADER: &str = "198.18.0.12";
    const ENDPOINT: &str = "api-us.faceplusplus.com";
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let sigs = dir.path().join("signatures");
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/signatures"))
        .arg(&sigs)
        .status()
        .map_err(|e| e.to_string())?;
    if !copied.success() {
        return Err("copying signatures/ failed".into());
    }
    let edit = |relative: &str, change: &dyn Fn(String) -> String| -> Result<(), String> {
        let path = sigs.join(relative);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{relative}: {e}"))?;
        std::fs::write(&path, change(text)).map_err(|e| format!("{relative}: {e}"))
    };
    // Devices: one more line in a device file changes the set's hash.
    let builtin = camsweep::bundle::SignatureBundle::builtin().map_err(|e| e.to_string())?;
    let device_file = std::fs::read_dir(sigs.join("devices"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "toml"))
        .ok_or("no device file in the copy")?;
    let mut text = std::fs::read_to_string(&device_file).map_err(|e| e.to_string())?;
    text.push_str("\n# changed by the --signatures DIR test\n");
    std::fs::write(&device_file, text).map_err(|e| e.to_string())?;
    // Cloud: the upload endpoint's provider renamed in its file.
    let (entry, _) = builtin
        .cloud
        .classify(&[ENDPOINT], "203.0.113.1".parse().map_err(|_| "ip")?)
        .ok_or("the built-in set does not know the lab's face API")?;
    let renamed = format!("{} (test folder)", entry.provider);
    let old = format!("provider = \"{}\"", entry.provider);
    let new = format!("provider = \"{renamed}\"");
    edit(&entry.file, &|t| t.replace(&old, &new))?;
    // Rules: one rule of DIR's own, none of the built-in ones.
    std::fs::remove_dir_all(sigs.join("rules")).map_err(|e| e.to_string())?;
    std::fs::create_dir(sigs.join("rules")).map_err(|e| e.to_string())?;
    std::fs::write(
        sigs.join("rules/dir-test.toml"),
        format!(
            r#"schema_version = 1
jurisdiction = "cn"
source = "camsweep's --signatures DIR test (synthetic)"

[[rule]]
id = "{RULE}"
citation = {{ zh = "测试", en = "test" }}
status = "P"
severity = "low"
scope = "device"
theme = "transfer"
trigger = 'any_cloud(cloud.upload)'
title = {{ zh = "测试规则", en = "{TITLE}" }}
explanation = {{ zh = "测试", en = "test" }}
remedy = {{ zh = "测试", en = "test" }}
source = "synthetic"
"#
        ),
    )
    .map_err(|e| e.to_string())?;
    // Advice: DIR's device-settings advice is for DIR's rule.
    edit("advice/device-settings.toml", &|t| {
        t.lines()
            .map(|l| {
                if l.starts_with("rules = [") {
                    format!("rules = [\"{RULE}\"]")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;

    let out = dir.path().join("audit");
    let target = lab.subnet().to_string();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args([
            "audit",
            "--targets",
            target.as_str(),
            "--interface",
            lab.scanner_interface(),
            "--listen",
            "5s",
            "--authorised-by",
            "lab owner, test",
            "--quiet",
            "--signatures",
        ])
        .arg(&sigs)
        .arg("--out")
        .arg(&out)
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.code().is_none_or(|c| c > 1) {
        return Err(format!(
            "camsweep audit --signatures failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = std::fs::read_to_string(out.join("report.json")).map_err(|e| e.to_string())?;
    let report: camsweep::model::Report = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let from_dir =
        camsweep::bundle::SignatureBundle::load(Some(&sigs)).map_err(|e| e.to_string())?;
    if report.signatures.sha256 != from_dir.devices.info().sha256
        || report.signatures.sha256 == builtin.devices.info().sha256
    {
        return Err(format!(
            "devices: report.signatures {:?} is not DIR's set",
            report.signatures
        ));
    }
    let uploader = report
        .devices
        .iter()
        .find(|d| d.ip == UPLOADER)
        .ok_or("no device 198.18.0.12")?;
    let contact = uploader
        .cloud_contacts
        .iter()
        .find(|c| c.name.as_deref() == Some(ENDPOINT) && c.port == 443)
        .ok_or_else(|| format!("198.18.0.12 has no contact named {ENDPOINT}"))?;
    if contact.provider.as_deref() != Some(renamed.as_str()) || !contact.upload {
        return Err(format!("cloud: not DIR's endpoint: {contact:#?}"));
    }
    if report.findings.is_empty() || report.findings.iter().any(|f| f.rule != RULE) {
        let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        return Err(format!(
            "rules: findings not all from DIR's rule: {rules:?}"
        ));
    }
    let finding = report
        .findings
        .iter()
        .find(|f| f.device.as_deref() == Some(uploader.id.as_str()))
        .ok_or("rules: DIR's rule did not fire for the uploader")?;
    if finding.title.en != TITLE {
        return Err(format!("rules: title {:?}", finding.title.en));
    }
    if finding
        .advice
        .as_ref()
        .and_then(|a| a.device_settings.as_ref())
        .is_none()
    {
        return Err(format!(
            "advice: DIR's device-settings advice is not attached: {finding:#?}"
        ));
    }
    Ok(())
}
