//! ONVIF device service (SOAP 1.2 over HTTP POST): the three calls a scanner makes before login.
//! Pure: the caller passes the clock reading in [`Context`].

use std::fmt::Write as _;

use crate::lab::persona::OnvifService;
use crate::markup::escape;

use super::Context;
use super::http::Response;

/// Where every ONVIF device answers.
pub const DEVICE_SERVICE_PATH: &str = "/onvif/device_service";

const ENVELOPE_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" xmlns:tt=\"http://www.onvif.org/ver10/schema\" xmlns:ter=\"http://www.onvif.org/ver10/error\"><env:Body>";
const ENVELOPE_CLOSE: &str = "</env:Body></env:Envelope>\n";

/// The operation a SOAP request body asks for: the first element inside `Body`.
pub fn operation(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    let body_tag = find_element(text, "Body")?;
    let rest = &text[body_tag..];
    let start = rest.find('<')? + 1;
    let name = rest[start..]
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()?;
    Some(name.rsplit(':').next().unwrap_or(name))
}

/// Byte index just past the opening tag of the element with local name `local`.
fn find_element(text: &str, local: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find('<') {
        let start = from + i + 1;
        let end = start + text[start..].find('>')?;
        let tag = &text[start..end];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if name.rsplit(':').next() == Some(local) && !name.starts_with('/') {
            return Some(end + 1);
        }
        from = end + 1;
    }
    None
}

/// Answers one POST to the device service.
pub fn respond(device: &OnvifService, ctx: &Context<'_>, method: &str, body: &[u8]) -> Response {
    if method != "POST" {
        return Response {
            status: 405,
            headers: vec![("Allow".into(), "POST".into())],
            body: Vec::new(),
        };
    }
    match operation(body) {
        Some("GetSystemDateAndTime") => ok(&system_date_and_time(ctx)),
        Some("GetCapabilities") => ok(&capabilities(ctx)),
        Some("GetDeviceInformation") if device.device_info_requires_auth => not_authorized(),
        Some("GetDeviceInformation") => ok(&device_information(device)),
        Some(_) => fault(
            400,
            "env:Receiver",
            "ter:ActionNotSupported",
            "Optional Action Not Implemented",
        ),
        None => fault(400, "env:Sender", "ter:WellFormed", "Well-formed Error"),
    }
}

fn ok(inner: &str) -> Response {
    Response {
        status: 200,
        headers: vec![(
            "Content-Type".into(),
            "application/soap+xml; charset=utf-8".into(),
        )],
        body: format!("{ENVELOPE_OPEN}{inner}{ENVELOPE_CLOSE}").into_bytes(),
    }
}

/// What cameras answer to a protected call without WS-Security credentials.
pub fn not_authorized() -> Response {
    fault(
        400,
        "env:Sender",
        "ter:NotAuthorized",
        "Sender not Authorized",
    )
}

fn fault(status: u16, code: &str, subcode: &str, reason: &str) -> Response {
    let inner = format!(
        "<env:Fault><env:Code><env:Value>{code}</env:Value><env:Subcode><env:Value>{subcode}</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">{reason}</env:Text></env:Reason></env:Fault>"
    );
    let mut response = ok(&inner);
    response.status = status;
    response
}

fn system_date_and_time(ctx: &Context<'_>) -> String {
    let t = ctx.now;
    format!(
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>{}</tt:Hour><tt:Minute>{}</tt:Minute><tt:Second>{}</tt:Second></tt:Time><tt:Date><tt:Year>{}</tt:Year><tt:Month>{}</tt:Month><tt:Day>{}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
        t.hour(),
        t.minute(),
        t.second(),
        t.year(),
        u8::from(t.month()),
        t.day()
    )
}

fn capabilities(ctx: &Context<'_>) -> String {
    let base = if ctx.port == 80 {
        format!("http://{}", ctx.ip)
    } else {
        format!("http://{}:{}", ctx.ip, ctx.port)
    };
    let mut out = String::from("<tds:GetCapabilitiesResponse><tds:Capabilities>");
    let _ = write!(
        out,
        "<tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr></tt:Device>\
<tt:Events><tt:XAddr>{base}/onvif/Events</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport><tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>\
<tt:Imaging><tt:XAddr>{base}/onvif/Imaging</tt:XAddr></tt:Imaging>\
<tt:Media><tt:XAddr>{base}/onvif/Media</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>true</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
    );
    out.push_str("</tds:Capabilities></tds:GetCapabilitiesResponse>");
    out
}

fn device_information(device: &OnvifService) -> String {
    format!(
        "<tds:GetDeviceInformationResponse><tds:Manufacturer>{}</tds:Manufacturer><tds:Model>{}</tds:Model><tds:FirmwareVersion>{}</tds:FirmwareVersion><tds:SerialNumber>{}</tds:SerialNumber><tds:HardwareId>{}</tds:HardwareId></tds:GetDeviceInformationResponse>",
        escape(&device.manufacturer),
        escape(&device.model),
        escape(&device.firmware),
        escape(&device.serial),
        escape(&device.hardware_id)
    )
}
