//! Hostile ports for the hostile lab (`hostile.toml`): each connection is answered in a way meant
//! to stall, exhaust or fool a scanner (slow drip, endless or lying bodies, a gzip bomb, resets).
//! Every loop stops when the client goes away, and at [`MAX_SENT`] bytes as a backstop.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::PersonaStats;
use super::persona::{HostileBehaviour, HostileService};

/// How long a hostile port waits for the request before answering anyway.
const REQUEST_WAIT: Duration = Duration::from_secs(5);
/// Largest request head read.
const MAX_REQUEST: usize = 16 * 1024;
/// Most bytes one connection is sent, so a scanner without a cap ends the connection, not the lab.
const MAX_SENT: u64 = 256 * 1024 * 1024;
/// Pause between two dripped bytes.
const DRIP_GAP: Duration = Duration::from_secs(1);
/// Filler of the endless and lying bodies.
const FILLER: &[u8] = &[b'A'; 16 * 1024];

/// Serves one connection of a hostile port.
pub async fn serve(
    mut stream: TcpStream,
    service: &HostileService,
    reply: &[u8],
    stats: &PersonaStats,
) {
    if service.behaviour == HostileBehaviour::Reset {
        // SO_LINGER 0: close() sends RST instead of FIN.
        let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
        drop(stream);
        return;
    }
    read_request(&mut stream).await;
    let mut out = Sender {
        stream: &mut stream,
        sent: 0,
        stats,
    };
    match service.behaviour {
        HostileBehaviour::Drip => {
            for byte in reply {
                if !out.send(std::slice::from_ref(byte)).await {
                    return;
                }
                tokio::time::sleep(DRIP_GAP).await;
            }
        }
        HostileBehaviour::Raw => {
            out.send(reply).await;
        }
        HostileBehaviour::EndlessBody => {
            let mut chunk = format!("{:x}\r\n", FILLER.len()).into_bytes();
            chunk.extend_from_slice(FILLER);
            chunk.extend_from_slice(b"\r\n");
            if out.send(reply).await {
                while out.send(&chunk).await {}
            }
        }
        HostileBehaviour::HugeLength => {
            if out.send(reply).await {
                while out.send(FILLER).await {}
            }
        }
        HostileBehaviour::GzipBomb => {
            let (start, repeat) = gzip_bomb();
            if out.send(reply).await && out.send(&start).await {
                while out.send(&repeat).await {}
            }
        }
        HostileBehaviour::Reset => {}
    }
    let _ = stream.shutdown().await;
}

/// Writes to the client, counting, until it goes away or [`MAX_SENT`] is reached.
struct Sender<'a> {
    stream: &'a mut TcpStream,
    sent: u64,
    stats: &'a PersonaStats,
}

impl Sender<'_> {
    async fn send(&mut self, bytes: &[u8]) -> bool {
        if self.sent >= MAX_SENT || self.stream.write_all(bytes).await.is_err() {
            return false;
        }
        let n = bytes.len() as u64;
        self.sent += n;
        self.stats.bytes_sent.fetch_add(n, Ordering::Relaxed);
        true
    }
}

/// Reads the client's request head (what a scanner sends first), or gives up after a while:
/// the answer does not depend on it.
async fn read_request(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while buf.len() < MAX_REQUEST && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(REQUEST_WAIT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    }
}

/// A gzip stream of zeros that never ends: the gzip header with the first deflate segment, and
/// a segment to repeat forever. Each segment is 1 MiB of zeros compressed to about 1 KiB and
/// sync-flushed (byte-aligned, not final); a segment only refers back to zeros, so any number of
/// them may follow the first.
pub fn gzip_bomb() -> (Vec<u8>, Vec<u8>) {
    let zeros = vec![0u8; 1 << 20];
    let mut compressor = flate2::Compress::new(flate2::Compression::best(), false);
    let mut segment = || {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = compressor.total_in();
        // Capacity is ample for 1 MiB of zeros; compression cannot fail on valid input.
        let _ = compressor.compress_vec(&zeros, &mut out, flate2::FlushCompress::Sync);
        debug_assert_eq!(compressor.total_in() - before, zeros.len() as u64);
        out
    };
    let first = segment();
    let repeat = segment();
    // Gzip header: magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut start = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
    start.extend_from_slice(&first);
    (start, repeat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    /// The bomb decodes as zeros however many segments follow, at about 1000:1.
    #[test]
    fn gzip_bomb_decodes_to_zeros() {
        let (start, repeat) = gzip_bomb();
        assert!(repeat.len() < 8 * 1024, "{}", repeat.len());
        let mut stream = start.clone();
        for _ in 0..3 {
            stream.extend_from_slice(&repeat);
        }
        let mut decoded = vec![1u8; 4 << 20];
        flate2::read::GzDecoder::new(&stream[..])
            .read_exact(&mut decoded)
            .unwrap();
        assert!(decoded.iter().all(|&b| b == 0));
    }
}
