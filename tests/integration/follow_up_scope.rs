//! Follow-up requests stay inside `--targets`. An SSDP reply can name any LOCATION and can come
//! from any address; camsweep must never connect to a machine the user did not authorise. On
//! loopback only: 127.0.0.77 is the target, 127.0.0.78 is outside the targets and listens for a
//! connection that must not come.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::run_and_read_report;

const TARGET: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 77);
const OUTSIDE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 78);

fn ssdp_reply(location: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: {location}\r\n\
         SERVER: Linux/3.10 UPnP/1.0 test/1.0\r\nST: upnp:rootdevice\r\n\
         USN: uuid:00000000-0000-0000-0000-000000000077::upnp:rootdevice\r\n\r\n"
    )
}

/// The target answers M-SEARCH with a LOCATION on the outside address, and a second socket on
/// the outside address answers too (as any device on a shared segment can), with a LOCATION on
/// itself. Neither description may be fetched; the scan notes say why.
#[test]
fn ssdp_descriptions_outside_the_targets_are_never_fetched() {
    // The outside "description server": connections are counted, never answered.
    let outside_http = TcpListener::bind((OUTSIDE, 0)).expect("bind outside listener");
    outside_http.set_nonblocking(true).expect("nonblocking");
    let location = format!(
        "http://{OUTSIDE}:{}/rootDesc.xml",
        outside_http.local_addr().expect("addr").port()
    );
    // An open port so the sweep finds the target live (discovery asks live hosts by unicast).
    let open = TcpListener::bind((TARGET, 0)).expect("bind target port");
    let open_port = open.local_addr().expect("addr").port().to_string();
    let ssdp = UdpSocket::bind((TARGET, 1900)).expect("bind 127.0.0.77:1900");
    ssdp.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let outside_ssdp = UdpSocket::bind((OUTSIDE, 0)).expect("bind outside replier");
    let done = Arc::new(AtomicBool::new(false));
    let searches = {
        let done = done.clone();
        let reply = ssdp_reply(&location);
        std::thread::spawn(move || {
            let mut searches = 0;
            let mut buf = [0u8; 2048];
            while !done.load(Ordering::SeqCst) {
                if let Ok((n, from)) = ssdp.recv_from(&mut buf)
                    && buf[..n].starts_with(b"M-SEARCH")
                {
                    searches += 1;
                    let _ = ssdp.send_to(reply.as_bytes(), from);
                    let _ = outside_ssdp.send_to(reply.as_bytes(), from);
                }
            }
            searches
        })
    };
    // The sweep's and the probes' connections to the open port are accepted and closed.
    open.set_nonblocking(true).expect("nonblocking");
    let accepting = {
        let done = done.clone();
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if open.accept().is_err() {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })
    };

    let dir = tempfile::tempdir().expect("tempdir");
    let (run, report) = run_and_read_report(
        [
            "audit",
            "--quiet",
            "--targets",
            &TARGET.to_string(),
            "--ports",
            &open_port,
            "--authorised-by",
            "test, IT",
        ],
        &dir.path().join("audit"),
    );
    done.store(true, Ordering::SeqCst);
    let searches = searches.join().expect("responder");
    accepting.join().expect("acceptor");

    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "audit failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(searches > 0, "the target was never sent an M-SEARCH");
    match outside_http.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, peer)) => {
            panic!("camsweep connected to {OUTSIDE}, outside the targets, from {peer}")
        }
        Err(e) => panic!("accept: {e}"),
    }
    let notes: Vec<&str> = report["scan"]["notes"]
        .as_array()
        .expect("scan.notes")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains(&format!(
            "ssdp: 1 replier(s) outside the targets ({OUTSIDE})"
        ))),
        "no note on the replier outside the targets: {notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains(&format!(
            "ssdp: {TARGET}: description {location} is not on the replier itself"
        ))),
        "no note on the target's LOCATION pointing outside: {notes:?}"
    );
}
