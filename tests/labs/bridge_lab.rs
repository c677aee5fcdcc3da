//! `audit --bridge` in the simulated store wired inline (issue 12): the shop's learning switch
//! (the cameras) and its router (the way to the lab internet, 203.0.113.0/24) are joined only
//! through the inspector's namespace, by two veths (`dn0` facing the switch, `up0` facing the
//! router). Before the audit a kernel bridge made here stands for the shop's own cable; for the
//! audit it is taken out and camsweep alone joins the two ports. The checks: the cameras'
//! uploads keep working (the lab counts failed uploads), camsweep flags the same uploads as on
//! the mirror port, no frame leaves either port that did not enter through the other one (a
//! packet socket watches both wires, every frame with its direction), and afterwards both ports
//! are as they were (flags, promiscuity, MTU, addresses, IPv6 setting).
//!
//! A suite of the lab runner (tests/labs/harness.rs, its own process: a user namespace needs a
//! single-threaded process); when the namespaces cannot be made it fails with the kernel's
//! reason, it never skips.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use camsweep::lab::{self, INLINE_ROUTER_SIDE, INLINE_SWITCH_SIDE, Lab, LabSpec, Switch, uploads};
use nix::sys::socket::{
    AddressFamily, LinkAddr, SockFlag, SockProtocol, SockType, recvfrom, setsockopt, socket,
    sockopt,
};
use nix::sys::time::TimeVal;

use crate::harness::{Tally, with_causes};

/// The uploading personas (uploads.toml) and their addresses.
const UPLOADERS: [(&str, Ipv4Addr); 4] = [
    ("hik-deepinview", Ipv4Addr::new(198, 18, 0, 12)),
    ("hik-counter", Ipv4Addr::new(198, 18, 0, 15)),
    ("xm-camera", Ipv4Addr::new(198, 18, 0, 19)),
    ("ezviz-c6n", Ipv4Addr::new(198, 18, 0, 22)),
];
/// sll_pkttype of a frame this host sent.
const PACKET_OUTGOING: u8 = 4;
const ETHERTYPE_IPV6: u16 = 0x86dd;

type Check = fn(&Lab) -> Result<(), String>;

/// The checks, in the order they run.
const CHECKS: [(&str, Check); 3] = [
    ("bridge_refuses_a_port_the_host_uses", refuses_used_port),
    (
        "bridge_is_refused_without_authorisation",
        refused_unauthorised,
    ),
    (
        "bridge_passes_the_uploads_sends_nothing_and_puts_the_ports_back",
        bridged,
    ),
];

/// Every check's name, in order.
pub fn checks() -> Vec<&'static str> {
    CHECKS.iter().map(|(name, _)| *name).collect()
}

pub fn main(tally: &mut Tally) {
    if let Err(e) = lab::enter_lab_namespaces() {
        tally.abort("enter_lab_namespaces", &with_causes(&e));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let spec = LabSpec::bundled().expect("bundled personas parse");
    let lab = match runtime.block_on(Lab::start_with_switch(&spec, Switch::Inline)) {
        Ok(lab) => lab,
        Err(e) => tally.abort("inline_lab_starts", &with_causes(&e)),
    };
    for (name, check) in CHECKS {
        if tally.wants(name) {
            tally.report(name, check(&lab));
        }
    }
    runtime.block_on(lab.shutdown());
}

fn audit(ports: &str, listen: &str, extra: &[&str], out: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_camsweep"));
    cmd.args([
        "audit", "--bridge", ports, "--listen", listen, "--json", "--lang", "en",
    ])
    .args(extra)
    .arg("--out")
    .arg(out)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {args:?}: {e} (iproute2 is in scripts/test-deps.txt)"))?;
    if !out.status.success() {
        return Err(format!(
            "ip {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What the test compares before and after: flags, promiscuity, MTU, master, addresses, and the
/// IPv6 setting of both ports.
fn port_states() -> Result<Vec<String>, String> {
    let mut states = Vec::new();
    for port in [INLINE_SWITCH_SIDE, INLINE_ROUTER_SIDE] {
        let link: serde_json::Value =
            serde_json::from_str(&ip(&["-j", "-d", "link", "show", "dev", port])?)
                .map_err(|e| e.to_string())?;
        let link = &link[0];
        let addr: serde_json::Value =
            serde_json::from_str(&ip(&["-j", "-4", "addr", "show", "dev", port])?)
                .map_err(|e| e.to_string())?;
        let ipv6 = std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{port}/disable_ipv6"))
            .unwrap_or_default();
        states.push(format!(
            "{port}: flags {} promiscuity {} mtu {} master {} ipv4 {} disable_ipv6 {}",
            link["flags"],
            link["promiscuity"],
            link["mtu"],
            link["master"],
            addr[0]["addr_info"],
            ipv6.trim()
        ));
    }
    Ok(states)
}

fn report_of(out: &std::process::Output) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "no report ({e}); exit {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn refuses_used_port(_lab: &Lab) -> Result<(), String> {
    let before = port_states()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    // lan0 holds the host's address 198.18.0.2: the inspector's own connection.
    let ports = format!("lan0,{INLINE_ROUTER_SIDE}");
    let out = audit(
        &ports,
        "2s",
        &["--authorised-by", "lab test, owner"],
        dir.path(),
    )
    .output()
    .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !stderr.contains("198.18.0.2") {
        return Err(format!(
            "a port with an address in use was not refused with its address: exit {:?}, {stderr}",
            out.status.code()
        ));
    }
    let after = port_states()?;
    if before != after {
        return Err(format!(
            "a refused bridge changed the ports: {before:?} → {after:?}"
        ));
    }
    Ok(())
}

fn refused_unauthorised(_lab: &Lab) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ports = format!("{INLINE_SWITCH_SIDE},{INLINE_ROUTER_SIDE}");
    let out = audit(&ports, "2s", &[], dir.path())
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !stderr.contains("authorisation") {
        return Err(format!("--bridge ran without an authorisation: {stderr}"));
    }
    Ok(())
}

fn sent(lab: &Lab) -> Vec<u64> {
    UPLOADERS.iter().map(|(n, _)| lab.uploads_sent(n)).collect()
}

fn failed(lab: &Lab) -> u64 {
    UPLOADERS.iter().map(|(n, _)| lab.uploads_failed(n)).sum()
}

/// The shop's own cable: a kernel bridge joining the two ports, until `unplug`.
fn plug() -> Result<(), String> {
    ip(&["link", "add", "cable0", "type", "bridge", "stp_state", "0"])?;
    ip(&["link", "set", INLINE_SWITCH_SIDE, "master", "cable0"])?;
    ip(&["link", "set", INLINE_ROUTER_SIDE, "master", "cable0"])?;
    ip(&["link", "set", "cable0", "up"])?;
    Ok(())
}

fn unplug() -> Result<(), String> {
    ip(&["link", "set", INLINE_SWITCH_SIDE, "nomaster"])?;
    ip(&["link", "set", INLINE_ROUTER_SIDE, "nomaster"])?;
    ip(&["link", "del", "cable0"])?;
    Ok(())
}

/// Waits until every uploader has completed another upload.
fn uploads_flow(lab: &Lab, limit: Duration) -> Result<(), String> {
    let before = sent(lab);
    let began = Instant::now();
    loop {
        if sent(lab).iter().zip(&before).all(|(now, was)| now > was) {
            return Ok(());
        }
        if began.elapsed() > limit {
            return Err(format!(
                "the uploads do not get through the cable: sent {before:?} → {:?}",
                sent(lab)
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn contacts(report: &serde_json::Value) -> BTreeSet<(String, String, bool)> {
    let mut seen = BTreeSet::new();
    for device in report["devices"].as_array().into_iter().flatten() {
        for c in device["cloud_contacts"].as_array().into_iter().flatten() {
            if let Some(name) = c["name"].as_str() {
                seen.insert((
                    device["ip"].as_str().unwrap_or_default().to_owned(),
                    name.to_owned(),
                    c["upload"].as_bool().unwrap_or(false),
                ));
            }
        }
    }
    seen
}

/// What the mirror-port lab test (lab_namespaces::upload_checks) asserts for the same devices.
fn expected_contacts() -> BTreeSet<(String, String, bool)> {
    UPLOADERS
        .iter()
        .map(|(name, ip)| {
            let upload = uploads::for_persona(name).expect("an uploading persona");
            (ip.to_string(), upload.name.clone(), *name != "ezviz-c6n")
        })
        .collect()
}

fn bridged(lab: &Lab) -> Result<(), String> {
    plug()?;
    uploads_flow(lab, Duration::from_secs(25))?;
    unplug()?;
    let before = port_states()?;
    let watcher = Watcher::start()?;
    let failed_before = failed(lab);
    let sent_before = sent(lab);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ports = format!("{INLINE_SWITCH_SIDE},{INLINE_ROUTER_SIDE}");
    let child = audit(
        &ports,
        "6s",
        &["--authorised-by", "lab test, owner"],
        dir.path(),
    )
    .spawn()
    .map_err(|e| e.to_string())?;
    // Halfway, a camera asks (ARP broadcast) for an address of the inspector's host: the ports
    // must not answer for it, though Linux answers on any interface by default.
    std::thread::sleep(Duration::from_secs(3));
    ask_for_the_inspector(lab)?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let wire = watcher.finish();
    let report = report_of(&out)?;
    let after = port_states()?;
    let failed_during = failed(lab) - failed_before;
    let sent_during: Vec<u64> = sent(lab)
        .iter()
        .zip(&sent_before)
        .map(|(now, was)| now - was)
        .collect();
    // The cable goes back, as the inspector would put it back.
    plug()?;

    let mut problems = Vec::new();
    let scan = &report["scan"];
    if scan["vantage"] != "bridge"
        || scan["bridge"]["interfaces"]
            != serde_json::json!([INLINE_SWITCH_SIDE, INLINE_ROUTER_SIDE])
        || scan["bridge"]["restored"] != true
        || scan["addresses_scanned"] != 0
    {
        problems.push(format!("scan.vantage / scan.bridge: {scan}"));
    }
    let (want, seen) = (expected_contacts(), contacts(&report));
    if !want.is_subset(&seen) {
        problems.push(format!(
            "the bridge should flag the uploads the mirror port shows: want {want:?}, saw {seen:?}"
        ));
    }
    if failed_during > 0 {
        problems.push(format!(
            "{failed_during} upload(s) failed while camsweep was the cable"
        ));
    }
    if sent_during.contains(&0) {
        problems.push(format!(
            "uploads completed per persona during the audit: {sent_during:?}"
        ));
    }
    if before != after {
        problems.push(format!(
            "the ports are not as they were: {before:?} → {after:?}"
        ));
    }
    problems.extend(wire?);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// From the first uploader's namespace: forget the neighbours and connect to the inspector's
/// address, which sends an ARP broadcast that reaches both bridge ports.
fn ask_for_the_inspector(lab: &Lab) -> Result<(), String> {
    let ns = lab
        .persona_namespace(UPLOADERS[0].0)
        .ok_or("no namespace for the first uploader")?;
    lab::in_netns(ns, "ask for the inspector's address", || {
        let _ = Command::new("ip")
            .args(["neigh", "flush", "dev", "eth0"])
            .status();
        let _ = TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::new(198, 18, 0, 2), 9)),
            Duration::from_secs(1),
        );
    })
    .map_err(|e| with_causes(&e))
}

/// One frame seen on a port.
struct Seen {
    port: usize,
    outgoing: bool,
    digest: u64,
    src: [u8; 6],
    ethertype: u16,
}

/// Watches both ports from a packet socket in the inspector's namespace: every frame, with its
/// port and direction.
struct Watcher {
    stop: Arc<AtomicBool>,
    frames: Arc<Mutex<Vec<Seen>>>,
    thread: std::thread::JoinHandle<Result<u64, String>>,
    macs: [[u8; 6]; 2],
}

fn mac_of(port: &str) -> Result<[u8; 6], String> {
    let link: serde_json::Value = serde_json::from_str(&ip(&["-j", "link", "show", "dev", port])?)
        .map_err(|e| e.to_string())?;
    let text = link[0]["address"].as_str().ok_or("no MAC")?;
    let mut mac = [0u8; 6];
    for (slot, part) in mac.iter_mut().zip(text.split(':')) {
        *slot = u8::from_str_radix(part, 16).map_err(|e| e.to_string())?;
    }
    Ok(mac)
}

/// Frames the kernel dropped for this packet socket (struct tpacket_stats).
fn socket_drops(fd: &OwnedFd) -> u64 {
    let mut stats = [0u32; 2];
    let mut len = std::mem::size_of::<[u32; 2]>() as libc::socklen_t;
    // SAFETY: PACKET_STATISTICS fills two u32 (packets, drops) into `stats`.
    let ret = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            263, // SOL_PACKET
            6,   // PACKET_STATISTICS
            stats.as_mut_ptr().cast(),
            &raw mut len,
        )
    };
    if ret < 0 { 0 } else { u64::from(stats[1]) }
}

impl Watcher {
    fn start() -> Result<Watcher, String> {
        let indexes = [INLINE_SWITCH_SIDE, INLINE_ROUTER_SIDE]
            .map(|p| nix::net::if_::if_nametoindex(p).map(|i| i as usize));
        let [Ok(down), Ok(up)] = indexes else {
            return Err(format!("the inline ports' indexes: {indexes:?}"));
        };
        let macs = [mac_of(INLINE_SWITCH_SIDE)?, mac_of(INLINE_ROUTER_SIDE)?];
        let fd = socket(
            AddressFamily::Packet,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::EthAll,
        )
        .map_err(|e| format!("a packet socket: {e}"))?;
        let _ = setsockopt(&fd, sockopt::RcvBuf, &(4 << 20));
        setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::new(0, 100_000))
            .map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let frames = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, frames) = (Arc::clone(&stop), Arc::clone(&frames));
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 70_000];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, Some(from))) = recvfrom::<LinkAddr>(fd.as_raw_fd(), &mut buf) else {
                        continue;
                    };
                    let port = match from.ifindex() {
                        i if i == down => 0,
                        i if i == up => 1,
                        _ => continue,
                    };
                    let frame = &buf[..n.min(buf.len())];
                    if frame.len() < 14 {
                        continue;
                    }
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    frame.hash(&mut hasher);
                    let mut src = [0u8; 6];
                    src.copy_from_slice(&frame[6..12]);
                    frames.lock().map_err(|e| e.to_string())?.push(Seen {
                        port,
                        outgoing: from.pkttype() == PACKET_OUTGOING,
                        digest: hasher.finish(),
                        src,
                        ethertype: u16::from_be_bytes([frame[12], frame[13]]),
                    });
                }
                Ok(socket_drops(&fd))
            })
        };
        Ok(Watcher {
            stop,
            frames,
            thread,
            macs,
        })
    }

    /// What is wrong on the wire: frames that left a port without having entered the other
    /// one. A frame of the host's own (IPv6 from a port's own MAC) is allowed only before the
    /// first frame camsweep passed on or after the last (the host's IPv6 coming back on the
    /// ports once they are put back); anything else of its own is not allowed at all.
    fn finish(self) -> Result<Vec<String>, String> {
        self.stop.store(true, Ordering::Relaxed);
        let dropped = self
            .thread
            .join()
            .map_err(|_| "the watcher panicked".to_string())??;
        let frames = self.frames.lock().map_err(|e| e.to_string())?;
        let mut entered: [HashMap<u64, u64>; 2] = [HashMap::new(), HashMap::new()];
        // Position in `frames` of every frame that left, and whether it matched one that entered.
        let mut left = Vec::new();
        for (at, f) in frames.iter().enumerate() {
            if f.outgoing {
                let pool = &mut entered[1 - f.port];
                let matched = match pool.get_mut(&f.digest) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        true
                    }
                    _ => false,
                };
                left.push((at, matched));
            } else {
                *entered[f.port].entry(f.digest).or_default() += 1;
            }
        }
        let passed: Vec<usize> = left.iter().filter(|(_, m)| *m).map(|(at, _)| *at).collect();
        let (Some(first), Some(last)) = (passed.first(), passed.last()) else {
            return Ok(vec![
                "the watcher saw no frame passed between the ports".into(),
            ]);
        };
        let mut problems = Vec::new();
        let mut unmatched_foreign = 0u64;
        for (at, matched) in &left {
            if *matched {
                continue;
            }
            let f = &frames[*at];
            let own = f.src == self.macs[f.port];
            if own {
                let outside = at < first || at > last;
                if !(outside && f.ethertype == ETHERTYPE_IPV6) {
                    problems.push(format!(
                        "port {} sent a frame of the host's own (ethertype {:#06x}) while bridging",
                        [INLINE_SWITCH_SIDE, INLINE_ROUTER_SIDE][f.port],
                        f.ethertype
                    ));
                }
            } else {
                unmatched_foreign += 1;
            }
        }
        // A frame the watcher itself missed on the way in cannot be matched; nothing else
        // explains a frame leaving that never entered.
        if unmatched_foreign > dropped {
            problems.push(format!(
                "{unmatched_foreign} frame(s) left a port without having entered the other (the watcher dropped {dropped})"
            ));
        }
        println!(
            "  wire: {} frames seen, {} passed on, {} not matched, watcher dropped {dropped}",
            frames.len(),
            passed.len(),
            unmatched_foreign
        );
        Ok(problems)
    }
}
