//! `audit --intercept` in the simulated store on a *learning* switch (address ageing on, the
//! internet behind the router persona), the setting of most small shops: what a plain
//! `--listen` misses, what interception sees, that the devices' uploads keep working, that every
//! ARP entry is repaired after a normal end and after SIGINT/SIGTERM, that SIGKILL stops the
//! poisoning at once, and that no ARP reply ever claims an address outside `--targets`.
//!
//! A suite of the lab runner (tests/labs/harness.rs, its own process: a user namespace needs a
//! single-threaded process); when the namespaces cannot be made it fails with the kernel's
//! reason, it never skips.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use camsweep::intercept::arp;
use camsweep::lab::{self, Lab, LabSpec, Switch, uploads};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::harness::{Tally, with_causes};

const GATEWAY: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const GATEWAY_MAC: &str = "60:3a:7c:11:22:01";
const SCANNER_MAC: arp::Mac = [0x02, 0x00, 0x5e, 0x18, 0x00, 0x02];
const SCANNER_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The in-scope devices: the four uploading personas (uploads.toml). The other personas are
/// on the same switch and must never be intercepted.
const UPLOADERS: [(&str, Ipv4Addr); 4] = [
    ("hik-deepinview", Ipv4Addr::new(198, 18, 0, 12)),
    ("hik-counter", Ipv4Addr::new(198, 18, 0, 15)),
    ("xm-camera", Ipv4Addr::new(198, 18, 0, 19)),
    ("ezviz-c6n", Ipv4Addr::new(198, 18, 0, 22)),
];
const TARGETS: &str = "198.18.0.12,198.18.0.15,198.18.0.19,198.18.0.22";

/// One lab check.
type Check = fn(&Lab, &Watcher) -> Result<(), String>;

/// The checks, in the order they run: each leaves the lab as it found it.
const CHECKS: [(&str, Check); 6] = [
    ("plain_listen_on_a_learning_switch_sees_no_upload", baseline),
    ("intercept_is_refused_without_authorisation", refused),
    ("intercept_sees_the_uploads_and_repairs_arp", intercepted),
    ("sigint_mid_audit_repairs_arp_within_5s", |l, w| {
        signalled(l, w, Signal::SIGINT)
    }),
    ("sigterm_mid_audit_repairs_arp_within_5s", |l, w| {
        signalled(l, w, Signal::SIGTERM)
    }),
    ("sigkill_stops_the_poisoning_at_once", sigkilled),
];
/// Checked by the watcher over the whole run, after the other checks.
const NO_REPLY_OUTSIDE: &str = "no_arp_reply_outside_the_targets";

/// Every check's name, in order.
pub fn checks() -> Vec<&'static str> {
    let mut names: Vec<&str> = CHECKS.iter().map(|(name, _)| *name).collect();
    names.push(NO_REPLY_OUTSIDE);
    names
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
    let lab = match runtime.block_on(Lab::start_with_switch(&spec, Switch::Learning)) {
        Ok(lab) => lab,
        Err(e) => tally.abort("learning_switch_lab_starts", &with_causes(&e)),
    };
    let watcher = Watcher::start(&lab);
    for (name, check) in CHECKS {
        if tally.wants(name) {
            tally.report(name, check(&lab, &watcher));
        }
    }
    // The watcher always runs (it is what sees the other checks' ARP replies); its verdict is
    // reported when selected.
    let outside = watcher.finish();
    if tally.wants(NO_REPLY_OUTSIDE) {
        tally.report(NO_REPLY_OUTSIDE, outside);
    }
    runtime.block_on(lab.shutdown());
}

fn audit(listen: &str, extra: &[&str], out: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_camsweep"));
    cmd.args([
        "audit",
        "--targets",
        TARGETS,
        "--interface",
        "lan0",
        "--listen",
        listen,
        "--json",
        "--lang",
        "en",
        "--ports",
        "80",
    ])
    .args(extra)
    .arg("--out")
    .arg(out)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

fn report_of(out: std::process::Output) -> Result<serde_json::Value, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "no report ({e}); exit {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Cloud names each device was seen contacting, with whether it uploaded content.
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

fn failed_uploads(lab: &Lab) -> u64 {
    UPLOADERS.iter().map(|(n, _)| lab.uploads_failed(n)).sum()
}

fn baseline(_lab: &Lab, _w: &Watcher) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = audit("6s", &["--authorised-by", "lab test, owner"], dir.path())
        .output()
        .map_err(|e| e.to_string())?;
    let report = report_of(out)?;
    let seen = contacts(&report);
    if !seen.is_empty() {
        return Err(format!(
            "a learning switch should hide the devices' uploads from the inspector's port, yet it saw {seen:?}"
        ));
    }
    Ok(())
}

fn refused(_lab: &Lab, w: &Watcher) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let replies_before = w.poison_count();
    let out = audit(
        "3s",
        &["--intercept", "--gateway", "198.18.0.1"],
        dir.path(),
    )
    .output()
    .map_err(|e| e.to_string())?;
    if out.status.success() {
        return Err("audit --intercept ran without a stated authorisation".into());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.contains("authorisation") {
        return Err(format!("the refusal does not say why: {stderr}"));
    }
    if w.poison_count() != replies_before {
        return Err("a refused interception still sent ARP replies".into());
    }
    Ok(())
}

fn intercepted(lab: &Lab, _w: &Watcher) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let failed_before = failed_uploads(lab);
    let out = audit(
        "8s",
        &[
            "--intercept",
            "--gateway",
            "198.18.0.1",
            "--authorised-by",
            "lab test, owner",
        ],
        dir.path(),
    )
    .output()
    .map_err(|e| e.to_string())?;
    let ended = Instant::now();
    let report = report_of(out)?;
    let seen = contacts(&report);
    let want = expected_contacts();
    if !want.is_subset(&seen) {
        return Err(format!(
            "interception should flag the uploads the mirror port shows: want {want:?}, saw {seen:?}"
        ));
    }
    let interception = &report["scan"]["interception"];
    if report["scan"]["vantage"] != "interception" || interception["restored"] != true {
        return Err(format!(
            "scan.vantage / scan.interception: {}",
            report["scan"]
        ));
    }
    let devices: BTreeSet<&str> = interception["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["ip"].as_str())
        .collect();
    let targets: BTreeSet<String> = UPLOADERS.iter().map(|(_, ip)| ip.to_string()).collect();
    if devices != targets.iter().map(String::as_str).collect() {
        return Err(format!(
            "intercepted {devices:?}, the targets are {targets:?}"
        ));
    }
    for device in interception["devices"].as_array().into_iter().flatten() {
        if device["packets_to_gateway"].as_u64().unwrap_or(0) == 0
            || device["packets_dropped"].as_u64() != Some(0)
        {
            return Err(format!("forwarding counters: {device}"));
        }
    }
    let failed = failed_uploads(lab) - failed_before;
    if failed > 0 {
        return Err(format!(
            "{failed} upload(s) of the personas failed during the interception"
        ));
    }
    repaired_within(lab, ended, Duration::from_secs(5))
}

/// Waits until every intercepted persona's ARP entry for the gateway holds the gateway's MAC.
fn repaired_within(lab: &Lab, from: Instant, limit: Duration) -> Result<(), String> {
    loop {
        let wrong: Vec<String> = UPLOADERS
            .iter()
            .filter_map(|(name, _)| {
                let mac = gateway_entry(lab, name);
                (mac.as_deref() != Some(GATEWAY_MAC)).then(|| format!("{name}: {mac:?}"))
            })
            .collect();
        if wrong.is_empty() {
            return Ok(());
        }
        if from.elapsed() > limit {
            return Err(format!(
                "{:?} after the audit ended, the gateway's ARP entry is still wrong: {wrong:?}",
                from.elapsed()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The MAC in persona `name`'s neighbour table for the gateway (its namespace's /proc/net/arp).
fn gateway_entry(lab: &Lab, name: &str) -> Option<String> {
    let ns = lab.persona_namespace(name)?;
    let table = lab::in_netns(ns, "read a persona's ARP table", || {
        std::fs::read_to_string("/proc/thread-self/net/arp")
    })
    .ok()?
    .ok()?;
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        (f.first() == Some(&"198.18.0.1") && f.get(2) != Some(&"0x0"))
            .then(|| f.get(3).map(|m| (*m).to_owned()))
            .flatten()
    })
}

/// Starts an audit with a long listening time and waits until the personas' gateway entries
/// point at the inspector.
fn start_poisoned(lab: &Lab, dir: &std::path::Path) -> Result<Child, String> {
    let mut child = audit(
        "40s",
        &[
            "--intercept",
            "--gateway",
            "198.18.0.1",
            "--authorised-by",
            "lab test, owner",
        ],
        dir,
    )
    .spawn()
    .map_err(|e| e.to_string())?;
    let scanner = camsweep::model::MacAddr(SCANNER_MAC).to_string();
    let began = Instant::now();
    loop {
        if UPLOADERS
            .iter()
            .all(|(n, _)| gateway_entry(lab, n).as_deref() == Some(scanner.as_str()))
        {
            return Ok(child);
        }
        if began.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            let entries: Vec<_> = UPLOADERS
                .iter()
                .map(|(n, _)| gateway_entry(lab, n))
                .collect();
            return Err(format!("the interception never took hold: {entries:?}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn signalled(lab: &Lab, _w: &Watcher, signal: Signal) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let failed_before = failed_uploads(lab);
    let child = start_poisoned(lab, dir.path())?;
    std::thread::sleep(Duration::from_secs(2));
    let pid = Pid::from_raw(i32::try_from(child.id()).map_err(|e| e.to_string())?);
    kill(pid, signal).map_err(|e| e.to_string())?;
    let sent = Instant::now();
    repaired_within(lab, sent, Duration::from_secs(5))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let report = report_of(out)?;
    if report["scan"]["interception"]["restored"] != true {
        return Err(format!(
            "after {signal}: {}",
            report["scan"]["interception"]
        ));
    }
    let failed = failed_uploads(lab) - failed_before;
    if failed > 0 {
        return Err(format!("{failed} upload(s) failed during the interception"));
    }
    Ok(())
}

fn sigkilled(lab: &Lab, w: &Watcher) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut child = start_poisoned(lab, dir.path())?;
    kill(
        Pid::from_raw(i32::try_from(child.id()).map_err(|e| e.to_string())?),
        Signal::SIGKILL,
    )
    .map_err(|e| e.to_string())?;
    let _ = child.wait();
    let before = w.poison_count();
    // Nothing is left to send: the poisoning stops with the process.
    std::thread::sleep(Duration::from_secs(3));
    let after = w.poison_count();
    if after != before {
        return Err(format!(
            "{} ARP replies pointing at the inspector after SIGKILL",
            after - before
        ));
    }
    Ok(())
}

/// Watches `lan0` for every ARP reply the inspector sends for the whole run.
struct Watcher {
    stop: Arc<AtomicBool>,
    poison: Arc<Mutex<(u64, Vec<String>)>>,
    thread: std::thread::JoinHandle<()>,
}

impl Watcher {
    fn start(lab: &Lab) -> Watcher {
        let target_macs: BTreeSet<arp::Mac> = lab
            .personas()
            .iter()
            .filter(|p| UPLOADERS.iter().any(|(_, ip)| *ip == p.ip))
            .filter_map(|p| p.mac_bytes().ok())
            .collect();
        let iface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == "lan0")
            .expect("lan0");
        let config = pnet_datalink::Config {
            read_timeout: Some(Duration::from_millis(100)),
            promiscuous: true,
            ..pnet_datalink::Config::default()
        };
        let Ok(pnet_datalink::Channel::Ethernet(_, mut rx)) =
            pnet_datalink::channel(&iface, config)
        else {
            panic!("a capture on lan0");
        };
        let stop = Arc::new(AtomicBool::new(false));
        let poison = Arc::new(Mutex::new((0, Vec::new())));
        let targets: BTreeSet<Ipv4Addr> = UPLOADERS.iter().map(|(_, ip)| *ip).collect();
        let thread = {
            let (stop, poison) = (Arc::clone(&stop), Arc::clone(&poison));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(frame) = rx.next() else { continue };
                    let Some((dst, src)) = arp::macs(frame) else {
                        continue;
                    };
                    let Some(a) = arp::parse(frame) else { continue };
                    if src != SCANNER_MAC || a.request {
                        continue;
                    }
                    let mut p = poison.lock().expect("watcher state");
                    if a.sender_mac == SCANNER_MAC && a.sender_ip != SCANNER_IP {
                        p.0 += 1;
                    }
                    // The host's own ARP (about 198.18.0.2) is ordinary; everything else must
                    // be about the gateway to a target, or about a target to the gateway.
                    // A gratuitous repair names the gateway to itself but goes to a target only.
                    let fine = a.sender_ip == SCANNER_IP
                        || (a.sender_ip == GATEWAY && targets.contains(&a.target_ip))
                        || (a.sender_ip == GATEWAY
                            && a.target_ip == GATEWAY
                            && target_macs.contains(&dst))
                        || (targets.contains(&a.sender_ip)
                            && (a.target_ip == GATEWAY || a.target_ip == a.sender_ip));
                    if !fine {
                        p.1.push(format!(
                            "reply to {} claiming {} is at {}",
                            camsweep::model::MacAddr(dst),
                            a.sender_ip,
                            camsweep::model::MacAddr(a.sender_mac)
                        ));
                    }
                }
            })
        };
        Watcher {
            stop,
            poison,
            thread,
        }
    }

    fn poison_count(&self) -> u64 {
        self.poison.lock().map_or(0, |p| p.0)
    }

    fn finish(self) -> Result<(), String> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        let p = self.poison.lock().map_err(|e| e.to_string())?;
        if p.0 == 0 {
            return Err("the watcher saw no interception at all".into());
        }
        if !p.1.is_empty() {
            return Err(format!("ARP replies outside --targets: {:?}", p.1));
        }
        Ok(())
    }
}
