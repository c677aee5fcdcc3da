//! Fakes shared by the binary-level tests.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

/// Runs the built binary with `args` and returns what it printed and its exit status. The
/// terminal language is pinned to English (the messages these tests read), whatever the
/// machine's locale.
pub fn camsweep(args: &[&str]) -> Output {
    camsweep_in_locale("C.UTF-8", args)
}

/// Runs the built binary with `args` under the locale `lang` (the `LANG` value; `LC_ALL` and
/// `LC_MESSAGES` removed so it decides).
#[allow(dead_code)] // each test binary compiles this module; not every one uses every helper
pub fn camsweep_in_locale(lang: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .unwrap()
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
