//! The lab's uploads as the analyser sees them on `lan0` (the bridge floods every frame to it, as a
//! switch's mirror port would): which device sent content where, named by the DNS answers and
//! TLS SNI seen in the capture, classified by signatures/cloud/.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use camsweep::capture::LiveSource;
use camsweep::lab::Lab;
use camsweep::model::CloudContact;
use camsweep::traffic::{Analyzer, CloudDb, DeviceTraffic, FlowLimits, FrameSource, UploadPolicy};

/// Long enough for every uploader's period (≤ 2 s, uploads.toml) to come round twice.
const LISTEN: Duration = Duration::from_secs(5);

pub fn analysis_of_lan0_shows_who_uploaded_where(lab: &Lab) -> Result<(), String> {
    let mut source = LiveSource::open(lab.scanner_interface(), LISTEN, None)
        .map_err(|e| format!("capture on lan0: {e}"))?;
    let mut analyzer = Analyzer::new(UploadPolicy::default(), FlowLimits::default(), None);
    while let Some(frame) = source.next_frame().map_err(|e| e.to_string())? {
        analyzer.push(&frame);
    }
    let cloud = CloudDb::bundled().map_err(|e| e.to_string())?;
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
    if c.upload != upload || c.category != category || !provider_ok || !named {
        return Err(format!(
            "{}: expected upload {upload}, {category}, {provider}, named by dns or sni; got {c:#?}",
            c.destination
        ));
    }
    Ok(())
}
