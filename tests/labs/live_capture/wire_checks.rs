//! `camsweep analyze --interface` on a veth between two lab namespaces (wire_lab.rs): what it
//! counts against the kernel's interface counters, its timestamps, VLAN tags, and a capture
//! ended by the interface going down.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use camsweep::traffic::FrameSource;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::wire_lab::{
    CAPTURE_IF, Counters, DEVICE_IP, Link, REMOTE_IP, Sent, TCP_PORT, UDP_HEADERS, UDP_PAYLOAD,
    UDP_PORT, in_device, ip, tcp_transfer, udp_stream, wait_for_capture,
};

/// Counted bytes may differ from the interface counters by at most this fraction.
const TOLERANCE: f64 = 0.02;

fn analyze(interface: &str, listen: &str, out: &Path, extra: &[&str]) -> Result<Child, String> {
    Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(["analyze", "--interface", interface, "--listen", listen])
        .args(["--json", "--lang", "en"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting camsweep: {e}"))
}

fn report_of(child: Child) -> Result<serde_json::Value, String> {
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // 1: the run worked and the report has findings (the uploads here are findings).
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(format!(
            "camsweep exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_str(&stdout).map_err(|e| format!("no report ({e}): {stdout}"))
}

/// The analyser's totals from the report's note `traffic: N frames, M bytes, …`.
fn counted(report: &serde_json::Value) -> Result<(u64, u64), String> {
    let notes = report["scan"]["notes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for note in notes.iter().filter_map(|n| n.as_str()) {
        if let Some(rest) = note.strip_prefix("traffic: ") {
            let words: Vec<&str> = rest.split([' ', ',']).filter(|w| !w.is_empty()).collect();
            if words.len() >= 4 && words[1] == "frames" && words[3] == "bytes" {
                let n = |w: &str| w.parse::<u64>().map_err(|e| format!("{note}: {e}"));
                return Ok((n(words[0])?, n(words[2])?));
            }
        }
    }
    Err(format!("no traffic totals in the notes: {notes:?}"))
}

/// The device's contact with `destination` on `port`.
fn contact<'a>(
    report: &'a serde_json::Value,
    device: &str,
    destination: &str,
    port: u16,
) -> Result<&'a serde_json::Value, String> {
    let d = report["devices"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["ip"] == device))
        .ok_or_else(|| {
            let ips: Vec<String> = report["devices"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| format!("{} ({})", d["ip"], d["cloud_contacts"]))
                .collect();
            format!(
                "no device {device} in the report; devices: {}",
                ips.join(", ")
            )
        })?;
    d["cloud_contacts"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["destination"] == destination && c["port"] == port)
        })
        .ok_or_else(|| {
            format!(
                "{device}: no contact {destination}:{port} in {}",
                d["cloud_contacts"]
            )
        })
}

fn within(what: &str, counted: u64, wire: u64) -> Result<(), String> {
    let off = (counted as f64 - wire as f64).abs() / (wire as f64).max(1.0);
    if off > TOLERANCE {
        return Err(format!(
            "{what}: camsweep counted {counted} bytes, the wire carried {wire} ({:+.2} %)",
            (counted as f64 / wire.max(1) as f64 - 1.0) * 100.0
        ));
    }
    Ok(())
}

/// One capture of paced traffic, with the kernel's view of it.
pub struct Measurement {
    pub tcp: Option<(Sent, u64)>,
    pub udp: Option<Sent>,
    /// `cap0`'s counters over the traffic.
    pub wire: Counters,
    pub report: serde_json::Value,
    pub drops: u64,
}

/// Captures on `cap0` while a TCP transfer and/or a UDP stream run at the given rates (bit/s).
pub fn measure(
    link: &Link,
    tcp_rate: Option<u64>,
    udp_rate: Option<u64>,
    secs: f64,
) -> Result<Measurement, String> {
    // Long enough for the traffic to end well inside the window on a slow machine.
    let listen = Duration::from_secs_f64(secs + 8.0);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut child = analyze(
        CAPTURE_IF,
        &format!("{}s", listen.as_secs()),
        &dir.path().join("out"),
        &[],
    )?;
    if let Err(e) = wait_for_capture(CAPTURE_IF, &mut child) {
        let _ = child.kill();
        return Err(e);
    }
    let opened = Instant::now();
    let before = Counters::read(CAPTURE_IF)?;
    let device = &link.device;
    let (tcp, udp) = std::thread::scope(|scope| {
        let tcp = tcp_rate.map(|rate| scope.spawn(move || tcp_transfer(device, rate, secs)));
        let udp = udp_rate.map(|rate| scope.spawn(move || udp_stream(device, rate, secs)));
        (tcp.map(joined).transpose(), udp.map(joined).transpose())
    });
    // The last partly filled ring block is handed to camsweep after 50 ms.
    std::thread::sleep(Duration::from_millis(300));
    let wire = Counters::read(CAPTURE_IF)?.since(before);
    let in_window = opened.elapsed() + Duration::from_secs(1) < listen;
    let report = report_of(child)?;
    let (tcp, udp) = (tcp?, udp?);
    if !in_window {
        return Err(format!(
            "the traffic outlasted camsweep's {} s window on this machine: counts not comparable",
            listen.as_secs()
        ));
    }
    let drops = report["scan"]["capture_kernel_drops"]
        .as_u64()
        .ok_or_else(|| {
            format!(
                "the report does not state the kernel's drop count: scan = {}",
                report["scan"]
            )
        })?;
    Ok(Measurement {
        tcp,
        udp,
        wire,
        report,
        drops,
    })
}

fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, String>>) -> Result<T, String> {
    handle.join().map_err(|_| "sender panicked".to_string())?
}

impl Measurement {
    /// Every comparison with the wire; `Err` says which one failed and by how much.
    pub fn compare(&self) -> Result<String, String> {
        let report = &self.report;
        let notes = report["scan"]["notes"].to_string();
        if !notes.contains(&format!("{} dropped by the kernel", self.drops)) {
            return Err(format!(
                "the notes do not state the kernel's drops: {notes}"
            ));
        }
        if self.drops > 0 {
            return Err(format!(
                "the kernel dropped {} frames: they crossed the wire but were not counted",
                self.drops
            ));
        }
        let (frames, bytes) = counted(report)?;
        let wire_bytes = self.wire.rx_bytes + self.wire.tx_bytes;
        let wire_frames = self.wire.rx_packets + self.wire.tx_packets;
        within("all frames, both directions", bytes, wire_bytes)?;
        let device = DEVICE_IP.to_string();
        let remote = REMOTE_IP.to_string();
        let mut up = 0;
        let mut down = 0;
        let mut summary = format!(
            "wire {wire_bytes} B in {wire_frames} frames, counted {bytes} B in {frames} frames, 0 kernel drops"
        );
        if let Some((sent, received)) = self.tcp {
            let c = contact(report, &device, &remote, TCP_PORT)?;
            let (c_up, c_down) = (
                c["bytes_up"].as_u64().unwrap_or(0),
                c["bytes_down"].as_u64().unwrap_or(0),
            );
            // The payload the remote received crossed the wire at least once, with headers.
            if c_up < received {
                return Err(format!(
                    "TCP: {c_up} bytes counted up, but the remote received {received} bytes of payload"
                ));
            }
            up += c_up;
            down += c_down;
            summary.push_str(&format!(
                "; TCP {:.0} Mbit/s sent ({} B payload), {c_up} B counted up",
                sent.mbit_per_s(),
                sent.bytes
            ));
        }
        if let Some(sent) = self.udp {
            let c = contact(report, &device, &remote, UDP_PORT)?;
            let c_up = c["bytes_up"].as_u64().unwrap_or(0);
            // Full-size datagrams are never coalesced: each is one frame of known length.
            let expected = sent.sends * (UDP_PAYLOAD as u64 + UDP_HEADERS);
            within("UDP datagrams, device to remote", c_up, expected)?;
            up += c_up;
            down += c["bytes_down"].as_u64().unwrap_or(0);
            summary.push_str(&format!(
                "; UDP {:.0} Mbit/s sent ({} datagrams), {c_up} B counted up",
                sent.mbit_per_s(),
                sent.sends
            ));
        }
        within("device to remote (cap0 received)", up, self.wire.rx_bytes)?;
        within("remote to device (cap0 sent)", down, self.wire.tx_bytes)?;
        Ok(summary)
    }
}

/// Issue 13 item 10: a 200 Mbit/s TCP transfer and an 800 Mbit/s UDP stream at once, counted
/// within 2 % of the bytes the interface counters saw, with the kernel's drop count reported.
pub fn tcp_and_udp_counted_within_2_percent(link: &Link) -> Result<(), String> {
    let m = measure(link, Some(200_000_000), Some(800_000_000), 3.0)?;
    let summary = m.compare()?;
    println!("  {summary}");
    Ok(())
}

/// A raw Ethernet frame sent out of `interface` in the calling thread's namespace.
fn send_raw(interface: &str, frames: &[Vec<u8>]) -> Result<(), String> {
    let index = nix::net::if_::if_nametoindex(interface).map_err(|e| e.to_string())?;
    // SAFETY: plain system call; the descriptor is closed below.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
    if fd < 0 {
        return Err(format!(
            "packet socket: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: sockaddr_ll is plain data.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_ifindex = index as i32;
    addr.sll_halen = 6;
    let mut result = Ok(());
    for frame in frames {
        // SAFETY: `frame` and `addr` are valid for the call.
        let n = unsafe {
            libc::sendto(
                fd,
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&raw const addr).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if n < 0 {
            result = Err(format!("sendto: {}", std::io::Error::last_os_error()));
            break;
        }
    }
    // SAFETY: `fd` is ours.
    unsafe { libc::close(fd) };
    result
}

/// An Ethernet frame carrying one UDP datagram, with an 802.1Q tag when `vlan` is given.
fn udp_frame(src: [u8; 4], dst: [u8; 4], dport: u16, vlan: Option<u16>, payload: &[u8]) -> Vec<u8> {
    // Each source address its own MAC (one MAC is one machine to the analyser), sent unicast
    // to an address nobody has (a broadcast frame is never a contact).
    let eth = etherparse::PacketBuilder::ethernet2(
        [0x02, 0, src[0], src[1], src[2], src[3]],
        [0x02, 0, 0x5e, 0, 0, 0x10],
    );
    let mut frame = Vec::new();
    match vlan {
        Some(id) => eth
            .single_vlan(etherparse::VlanId::try_new(id).expect("valid VLAN id"))
            .ipv4(src, dst, 64)
            .udp(40_000, dport)
            .write(&mut frame, payload),
        None => eth
            .ipv4(src, dst, 64)
            .udp(40_000, dport)
            .write(&mut frame, payload),
    }
    .expect("frame builds");
    frame
}

const VLAN_ID: u16 = 7;
const VLAN_DEVICE: [u8; 4] = [198, 18, 7, 12];
const VLAN_PORT: u16 = 5004;
const MARK_PORT: u16 = 5003;

/// Frames of a written pcap: (timestamp, bytes).
fn pcap_frames(path: &Path) -> Result<Vec<(i64, Vec<u8>)>, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut source = camsweep::traffic::source::PcapSource::new(std::io::BufReader::new(file))
        .map_err(|e| e.to_string())?;
    let mut frames = Vec::new();
    while let Some(f) = source.next_frame().map_err(|e| e.to_string())? {
        frames.push((f.ts_micros, f.data.to_vec()));
    }
    Ok(frames)
}

/// The UDP destination port of an untagged or tagged IPv4 frame.
fn udp_dport(frame: &[u8]) -> Option<u16> {
    let l3 = match frame.get(12..14)? {
        [0x81, 0x00] => 18,
        _ => 14,
    };
    if frame.get(l3 - 2..l3)? != [0x08, 0x00] || *frame.get(l3 + 9)? != 17 {
        return None;
    }
    let l4 = l3 + usize::from(frame.get(l3)? & 0x0f) * 4;
    Some(u16::from_be_bytes([
        *frame.get(l4 + 2)?,
        *frame.get(l4 + 3)?,
    ]))
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Frames are stamped when they arrived, not when camsweep read them: camsweep is stopped
/// (SIGSTOP) while frames arrive and resumed 1.5 s later. And a VLAN tag the receiving side
/// stripped into the frame's metadata is back in the written pcap, and the tagged device is
/// in the report.
pub fn kernel_timestamps_and_vlan_tags(link: &Link) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pcap = dir.path().join("live.pcap");
    let pcap_arg = pcap.to_string_lossy().into_owned();
    let mut child = analyze(
        CAPTURE_IF,
        "8s",
        &dir.path().join("out"),
        &["--write-pcap", &pcap_arg],
    )?;
    wait_for_capture(CAPTURE_IF, &mut child)?;
    let pid = Pid::from_raw(child.id() as i32);
    kill(pid, Signal::SIGSTOP).map_err(|e| e.to_string())?;
    let sent_from = now_micros();
    let frames: Vec<Vec<u8>> = (0..5u8)
        .map(|i| {
            udp_frame(
                DEVICE_IP.octets(),
                REMOTE_IP.octets(),
                MARK_PORT,
                None,
                &[i; 64],
            )
        })
        .chain((0..5u8).map(|i| {
            udp_frame(
                VLAN_DEVICE,
                REMOTE_IP.octets(),
                VLAN_PORT,
                Some(VLAN_ID),
                &[i; 200],
            )
        }))
        .collect();
    let sent = in_device(&link.device, || send_raw("eth0", &frames));
    let sent_until = now_micros();
    std::thread::sleep(Duration::from_millis(1500));
    kill(pid, Signal::SIGCONT).map_err(|e| e.to_string())?;
    sent?;
    let report = report_of(child)?;
    let captured = pcap_frames(&pcap)?;
    let marks: Vec<i64> = captured
        .iter()
        .filter(|(_, f)| udp_dport(f) == Some(MARK_PORT))
        .map(|(ts, _)| *ts)
        .collect();
    if marks.len() != 5 {
        return Err(format!(
            "{} of the 5 marked frames in the pcap",
            marks.len()
        ));
    }
    // Sent while camsweep was stopped; read by it at least 1.5 s later.
    for ts in &marks {
        if *ts < sent_from - 100_000 || *ts > sent_until + 500_000 {
            return Err(format!(
                "a frame sent between {sent_from} and {sent_until} µs is stamped {ts} µs: not the kernel's arrival time"
            ));
        }
    }
    let tagged: Vec<&Vec<u8>> = captured
        .iter()
        .filter(|(_, f)| udp_dport(f) == Some(VLAN_PORT))
        .map(|(_, f)| f)
        .collect();
    if tagged.len() != 5 {
        return Err(format!("{} of the 5 VLAN frames in the pcap", tagged.len()));
    }
    for f in &tagged {
        let tci = u16::from_be_bytes([f[14], f[15]]);
        if f[12..14] != [0x81, 0x00] || tci & 0x0fff != VLAN_ID {
            return Err(format!(
                "VLAN frame written without its tag: {:02x?}",
                &f[..20]
            ));
        }
        if f.len() != 14 + 4 + 20 + 8 + 200 {
            return Err(format!("VLAN frame of {} bytes", f.len()));
        }
    }
    let vlan_device = std::net::Ipv4Addr::from(VLAN_DEVICE).to_string();
    let c = contact(&report, &vlan_device, &REMOTE_IP.to_string(), VLAN_PORT)?;
    // Five frames of 14 + 4 (tag) + 20 + 8 + 200 bytes.
    if c["bytes_up"] != 5 * 246 {
        return Err(format!("VLAN contact counted {}", c["bytes_up"]));
    }
    Ok(())
}

/// The interface going down mid-capture ends the capture: camsweep still writes its report,
/// with the frames read until then, says why it ended, marks the report incomplete, lists the
/// capture under `scan.damaged_captures` and exits 3 (partial).
pub fn receive_error_ends_with_a_partial_report() -> Result<(), String> {
    ip(&[
        "link", "add", "err0", "type", "veth", "peer", "name", "err1",
    ])?;
    let result = (|| {
        ip(&["link", "set", "err0", "up"])?;
        ip(&["link", "set", "err1", "up"])?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut child = analyze("err0", "60s", &dir.path().join("out"), &[])?;
        wait_for_capture("err0", &mut child)?;
        let frames: Vec<Vec<u8>> = (0..20u8)
            .map(|i| udp_frame([198, 18, 0, 50], [203, 0, 113, 99], 5005, None, &[i; 100]))
            .collect();
        send_raw("err1", &frames)?;
        // Let the ring hand the frames over before the link goes.
        std::thread::sleep(Duration::from_millis(500));
        ip(&["link", "set", "err0", "down"])?;
        let started = Instant::now();
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.code() != Some(3) {
            return Err(format!(
                "camsweep exited {:?}, not 3 (partial): {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report: serde_json::Value =
            serde_json::from_str(&stdout).map_err(|e| format!("no report ({e}): {stdout}"))?;
        let damaged = &report["scan"]["damaged_captures"][0];
        if damaged["path"] != "live capture on err0"
            || !damaged["reason"]
                .as_str()
                .is_some_and(|r| r.contains("receive error"))
        {
            return Err(format!(
                "damaged_captures: {}",
                report["scan"]["damaged_captures"]
            ));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.contains("warning: live capture on err0: capture damaged") {
            return Err(format!(
                "stderr does not warn of the partial capture: {stderr}"
            ));
        }
        let notes = report["scan"]["notes"].to_string();
        if !notes.contains("ended early on a receive error") {
            return Err(format!(
                "the notes do not say the capture ended early: {notes} (after {:?})",
                started.elapsed()
            ));
        }
        if report["scan"]["complete"] != false {
            return Err("a capture cut short is reported complete".into());
        }
        let c = contact(&report, "198.18.0.50", "203.0.113.99", 5005)?;
        if c["bytes_up"] != 20 * (14 + 20 + 8 + 100) {
            return Err(format!("frames before the error counted {}", c["bytes_up"]));
        }
        Ok(())
    })();
    let _ = ip(&["link", "del", "err0"]);
    result
}

/// `--bench-rates`: steps the rate of a TCP transfer, then of a UDP stream, up until the kernel
/// drops a frame or the sender cannot reach the rate, printing each step.
pub fn bench_rates(link: &Link, secs: f64) -> Result<(), String> {
    println!(
        "| protocol | target Mbit/s | sent Mbit/s | wire bytes | counted bytes | kernel drops | result |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (proto, steps) in [
        ("TCP", &[200u64, 400, 800, 1600, 3200, 6400, 12800][..]),
        ("UDP", &[200u64, 400, 800, 1200, 1600, 2400, 3200, 4800][..]),
    ] {
        for &mbit in steps {
            let rate = mbit * 1_000_000;
            let m = if proto == "TCP" {
                measure(link, Some(rate), None, secs)?
            } else {
                measure(link, None, Some(rate), secs)?
            };
            let sent = m.tcp.map(|t| t.0).or(m.udp).unwrap_or_default();
            let (_, counted) = counted(&m.report)?;
            let verdict = match m.compare() {
                Ok(_) => "within 2 %".to_string(),
                Err(e) => e,
            };
            println!(
                "| {proto} | {mbit} | {:.0} | {} | {counted} | {} | {verdict} |",
                sent.mbit_per_s(),
                m.wire.rx_bytes + m.wire.tx_bytes,
                m.drops
            );
            if m.drops > 0 || sent.mbit_per_s() < 0.9 * mbit as f64 {
                break;
            }
        }
    }
    Ok(())
}
