//! Helpers shared by the integration tests (tests/integration): running the built binary,
//! reading what it wrote, and fakes to point it at.

pub mod csv_rows;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use camsweep::model::Report;

/// The built binary as a command, its terminal language pinned to English (`LANG=C.UTF-8`, the
/// messages these tests read) whatever the machine's locale. For runs that need pipes, signals
/// or a terminal; [`camsweep`] and [`run_and_read_report`] cover the rest.
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_camsweep"));
    cmd.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    cmd
}

/// Runs the built binary with `args` and returns what it printed and its exit status. The
/// terminal language is pinned to English (the messages these tests read), whatever the
/// machine's locale.
pub fn camsweep(args: &[&str]) -> Output {
    camsweep_in_locale("C.UTF-8", args)
}

/// Runs the built binary with `args` under the locale `lang` (the `LANG` value; `LC_ALL` and
/// `LC_MESSAGES` removed so it decides).
pub fn camsweep_in_locale(lang: &str, args: &[&str]) -> Output {
    command().args(args).env("LANG", lang).output().unwrap()
}

/// Runs the binary with `args` followed by `--json --out OUT` (a command that writes a report:
/// audit, scan, analyze, demo, report), checks that the report.json written to `out` is valid
/// against the JSON Schema, and returns the run and the report printed on stdout. The exit code
/// is the caller's to check (0 nothing flagged, 1 findings).
pub fn run_and_read_report<I, S>(args: I, out: &Path) -> (Output, serde_json::Value)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let run = command()
        .args(args)
        .arg("--json")
        .arg("--out")
        .arg(out)
        .output()
        .expect("running camsweep");
    let printed = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "--json printed no report ({e}; {:?}): {}\n{}",
            run.status,
            text(&run.stdout),
            text(&run.stderr)
        )
    });
    read_report(out);
    (run, printed)
}

/// The report.json in `dir`: checked against the JSON Schema, then read.
pub fn read_report(dir: &Path) -> Report {
    let path = dir.join("report.json");
    let json = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} not written: {e}", path.display()));
    camsweep::report::validate(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    camsweep::report::from_json(&json).unwrap()
}

/// Output bytes as text (lossy: device strings may not be UTF-8).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A one-host fake Hikvision camera on loopback, serving what the real DS-2CD2143G0-I shows before
/// login. Returns its port.
pub fn fake_hikvision() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let reply = if path == "/doc/page/login.asp" || path == "/" {
                    "HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: text/html\r\nContent-Length: 33\r\nConnection: close\r\n\r\n<html><title>Login</title></html>".to_string()
                } else {
                    "HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\nWWW-Authenticate: Digest realm=\"DS-2CD2143G0-I\", qop=\"auth\", nonce=\"4e6a4d3a\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                };
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    port
}
