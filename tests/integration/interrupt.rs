//! Ctrl-C (SIGINT) or SIGTERM in the middle of a run: a valid partial report is written within
//! 2 seconds of the signal, `scan.complete` is false, `scan.interrupted_by` names the signal, and
//! the exit code is 130 (SIGINT) or 143 (SIGTERM).
//!
//! The slow target is a loopback "device" that accepts TCP connections and never answers, so the
//! probes sit in their (long) timeouts when the signal comes.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The promise: the report is on disk this soon after the signal.
const REPORT_WITHIN: Duration = Duration::from_secs(2);

/// A port that accepts and then stays silent, holding every connection open; the counter says
/// how many connections it accepted.
fn silent_device() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

/// Waits until the sweep has reached the silent device (so the signal comes after something was
/// found, however loaded the machine is), then a little longer for camsweep to record it.
fn until_reached(accepted: &AtomicUsize) -> Duration {
    let started = Instant::now();
    while accepted.load(Ordering::SeqCst) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the sweep never reached the silent device"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Duration::from_millis(300)
}

fn start(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends `signal` after `after`, then waits; returns the exit code and the time from the signal
/// to the exit.
fn interrupt(mut child: Child, after: Duration, signal: Signal) -> (Option<i32>, Duration, String) {
    std::thread::sleep(after);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before the signal: the target is not slow enough"
    );
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let sent = Instant::now();
    let deadline = sent + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let elapsed = sent.elapsed();
            let out = child.wait_with_output().unwrap();
            return (
                status.code(),
                elapsed,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no exit 15 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The report in `dir` is schema-valid and partial; returns it.
fn partial_report(dir: &Path, signal: &str) -> camsweep::model::Report {
    let report = crate::common::read_report(dir);
    assert!(!report.scan.complete, "complete must be false");
    assert_eq!(report.scan.interrupted_by.as_deref(), Some(signal));
    assert!(
        report.scan.notes.iter().any(|n| n.contains(signal)),
        "{:?}",
        report.scan.notes
    );
    for name in ["report.html", "report.md", "inventory.csv", "SHA256SUMS"] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    report
}

fn audit_of_a_slow_device(signal: Signal, code: i32) {
    let (port, accepted) = silent_device();
    let port = port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit");
    let child = start(&[
        "audit",
        "--quiet",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--timeout-ms",
        "60000",
        "--host-deadline",
        "120",
        "--authorised-by",
        "Test Owner, IT",
        "--lang",
        "en",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (exit, took, stderr) = interrupt(child, until_reached(&accepted), signal);
    assert_eq!(exit, Some(code), "{stderr}");
    assert!(took <= REPORT_WITHIN, "report took {took:?} after {signal}");
    let report = partial_report(&out, signal.as_str());
    // What the sweep found before the signal is kept: the silent device and its open port.
    let device = report
        .devices
        .iter()
        .find(|d| d.ip == "127.0.0.1")
        .expect("the device found before the signal is in the report");
    assert!(device.open_ports.iter().any(|p| p.port.to_string() == port));
    assert_eq!(report.scan.authorised_by.as_deref(), Some("Test Owner, IT"));
    assert!(stderr.contains("partial report"), "{stderr}");
}

#[test]
fn sigint_during_an_audit_writes_a_partial_report() {
    audit_of_a_slow_device(Signal::SIGINT, 130);
}

#[test]
fn sigterm_during_an_audit_writes_a_partial_report() {
    audit_of_a_slow_device(Signal::SIGTERM, 143);
}

/// `scan` writes no files: it prints the partial JSON and says it is partial.
#[test]
fn sigint_during_a_scan_prints_the_partial_report() {
    let (port, accepted) = silent_device();
    let port = port.to_string();
    let mut child = start(&[
        "scan",
        "--quiet",
        "--json",
        "--targets",
        "127.0.0.1",
        "--ports",
        &port,
        "--timeout-ms",
        "60000",
        "--host-deadline",
        "120",
    ]);
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let (exit, took, stderr) = interrupt(child, until_reached(&accepted), Signal::SIGINT);
    assert_eq!(exit, Some(130), "{stderr}");
    assert!(took <= REPORT_WITHIN, "{took:?}");
    let json = reader.join().unwrap();
    camsweep::report::validate(&json).unwrap();
    let report = camsweep::report::from_json(&json).unwrap();
    assert!(!report.scan.complete);
    let found: Vec<&str> = report.devices.iter().map(|d| d.ip.as_str()).collect();
    assert_eq!(found, ["127.0.0.1"]);
}

/// The demo, interrupted while its lab starts or its scan runs, still leaves a valid report.
/// Needs unprivileged user namespaces, like the demo itself (fails, never skips, without them).
#[test]
fn sigint_during_the_demo_writes_a_partial_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let child = start(&[
        "demo",
        "--quiet",
        "--lang",
        "en",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (exit, took, stderr) = interrupt(child, Duration::from_millis(1500), Signal::SIGINT);
    assert_eq!(exit, Some(130), "{stderr}");
    assert!(took <= REPORT_WITHIN, "{took:?}");
    let report = partial_report(&out, "SIGINT");
    assert_eq!(report.scan.mode, camsweep::model::ScanMode::Demo);
}

/// `analyze` of a FIFO (allowed with --allow-special-files) that stalls: nobody ever writes to
/// it, or a writer sends the start of a capture and then nothing. Ctrl-C still gives the partial
/// report within 2 s.
#[test]
fn sigint_on_a_stalled_fifo_writes_a_partial_report() {
    let sample = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcaps/yi_camera_sample.pcap"),
    )
    .unwrap();
    for writes in [None, Some(&sample[..sample.len().min(4096)])] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("stream");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let out = dir.path().join("analyze");
        let child = start(&[
            "analyze",
            fifo.to_str().unwrap(),
            "--allow-special-files",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        // The writer holds its end open (and silent) until the test ends.
        let _writer = writes.map(|bytes| {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            file.write_all(bytes).unwrap();
            file
        });
        let (exit, took, stderr) = interrupt(child, Duration::from_millis(1200), Signal::SIGINT);
        assert_eq!(exit, Some(130), "{stderr}");
        assert!(took <= REPORT_WITHIN, "report took {took:?} after SIGINT");
        partial_report(&out, "SIGINT");
    }
}

/// Ctrl-C while `analyze` reads and hashes a large capture (a sparse 16 GiB file behind a real
/// capture's header): the partial report within 2 s, not after the last byte.
#[test]
fn sigint_while_hashing_a_large_capture_writes_a_partial_report() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("large.pcap");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcaps/yi_camera_sample.pcap"),
        &capture,
    )
    .unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&capture)
        .unwrap()
        .set_len(16 << 30)
        .unwrap();
    let out = dir.path().join("analyze");
    let child = start(&[
        "analyze",
        capture.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (exit, took, stderr) = interrupt(child, Duration::from_millis(1500), Signal::SIGINT);
    assert_eq!(exit, Some(130), "{stderr}");
    assert!(took <= REPORT_WITHIN, "report took {took:?} after SIGINT");
    let report = partial_report(&out, "SIGINT");
    assert!(
        report.scan.notes.iter().any(|n| n.contains("not computed")),
        "{:?}",
        report.scan.notes
    );
}
