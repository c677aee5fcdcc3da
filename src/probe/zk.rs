//! ZKTeco terminal protocol (TCP 4370): ask the terminal its device name, the way the public
//! pyzk client does (`connect`, `get_device_name`, `disconnect`). Read-only, no credentials: a
//! terminal protected by a communication key answers `CMD_ACK_UNAUTH`, and the probe stops there
//! (it never tries a key).
//!
//! Wire format (fananimi/pyzk `zk/base.py`): over TCP every packet is prefixed by
//! `50 50 82 7d` and a little-endian `u32` length; a packet is four little-endian `u16`
//! (command, checksum, session id, reply id) followed by the command's data.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::findings::Findings;
use crate::model::Evidence;

/// Evidence source of the name a ZKTeco terminal reports (`~DeviceName`).
pub const ZKTECO_DEVICE_NAME: &str = "zkteco.device_name";

const CMD_CONNECT: u16 = 1000;
const CMD_EXIT: u16 = 1001;
const CMD_OPTIONS_RRQ: u16 = 11;
const CMD_ACK_OK: u16 = 2000;
const CMD_ACK_UNAUTH: u16 = 2005;
/// The first reply id pyzk uses (`USHRT_MAX - 1`).
const FIRST_REPLY_ID: u16 = u16::MAX - 1;
/// TCP framing magic: `MACHINE_PREPARE_DATA_1`, `MACHINE_PREPARE_DATA_2`.
const TCP_MAGIC: [u8; 4] = [0x50, 0x50, 0x82, 0x7d];
/// Largest reply accepted (a device-name answer is a few dozen bytes).
const MAX_REPLY: usize = 1024;

/// One decoded packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub command: u16,
    pub session: u16,
    pub reply_id: u16,
    pub data: Vec<u8>,
}

/// Why a reply could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZkError {
    #[error("reply lacks the ZK TCP prefix")]
    NotZk,
    #[error("reply of {0} bytes is too short")]
    Short(usize),
    #[error("reply announces {0} bytes, more than the 1024 accepted")]
    TooLarge(usize),
}

/// pyzk's checksum: 16-bit little-endian words summed with end-around folding, then inverted.
fn checksum(bytes: &[u8]) -> u16 {
    let max = i64::from(u16::MAX);
    let mut sum: i64 = 0;
    let mut chunks = bytes.chunks_exact(2);
    for pair in &mut chunks {
        sum += i64::from(u16::from_le_bytes([pair[0], pair[1]]));
        if sum > max {
            sum -= max;
        }
    }
    if let [last] = chunks.remainder() {
        sum += i64::from(*last);
    }
    while sum > max {
        sum -= max;
    }
    let mut inverted = !sum;
    while inverted < 0 {
        inverted += max;
    }
    // Fits: the loop above leaves a value in 0..=u16::MAX.
    u16::try_from(inverted).unwrap_or(0)
}

/// A request as pyzk frames it over TCP. pyzk computes the checksum over the header with the
/// current reply id and then sends the next one; terminals accept exactly that.
pub fn request(command: u16, session: u16, reply_id: u16, data: &[u8]) -> Vec<u8> {
    let mut head = Vec::with_capacity(8 + data.len());
    for word in [command, 0, session, reply_id] {
        head.extend_from_slice(&word.to_le_bytes());
    }
    head.extend_from_slice(data);
    let sum = checksum(&head);
    let next_id = reply_id.wrapping_add(1) % u16::MAX;
    let mut packet = Vec::with_capacity(16 + data.len());
    packet.extend_from_slice(&TCP_MAGIC);
    let len = u32::try_from(head.len()).unwrap_or(u32::MAX);
    packet.extend_from_slice(&len.to_le_bytes());
    for word in [command, sum, session, next_id] {
        packet.extend_from_slice(&word.to_le_bytes());
    }
    packet.extend_from_slice(data);
    packet
}

/// How many bytes the framed packet starting `buf` occupies, once its 8-byte prefix is in.
///
/// # Errors
/// [`ZkError`] when the prefix is not ZK's or announces an oversized packet.
pub fn framed_len(buf: &[u8]) -> Result<Option<usize>, ZkError> {
    if buf.len() < 8 {
        return Ok(None);
    }
    if buf[..4] != TCP_MAGIC {
        return Err(ZkError::NotZk);
    }
    let len = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    if len > MAX_REPLY {
        return Err(ZkError::TooLarge(len));
    }
    Ok(Some(8 + len))
}

/// Decodes one framed packet (prefix included).
///
/// # Errors
/// [`ZkError`] when the bytes are not a complete ZK packet.
pub fn decode(buf: &[u8]) -> Result<Packet, ZkError> {
    let total = framed_len(buf)?.ok_or(ZkError::Short(buf.len()))?;
    if buf.len() < total || total < 16 {
        return Err(ZkError::Short(buf.len()));
    }
    let word = |i: usize| u16::from_le_bytes([buf[8 + 2 * i], buf[9 + 2 * i]]);
    Ok(Packet {
        command: word(0),
        session: word(2),
        reply_id: word(3),
        data: buf[16..total].to_vec(),
    })
}

/// The value of an options reply such as `~DeviceName=SpeedFace-V5L\0`.
pub fn option_value(data: &[u8]) -> Option<String> {
    let text = data.split(|b| *b == 0).next()?;
    let value = match text.iter().position(|b| *b == b'=') {
        Some(eq) => &text[eq + 1..],
        None => text,
    };
    let value = String::from_utf8_lossy(value).trim().to_string();
    (!value.is_empty()).then_some(value)
}

/// Asks the terminal at `addr` its device name and records `zkteco.device_name`.
pub async fn probe_zk(addr: SocketAddr, timeout: Duration, findings: &Findings) {
    let port = addr.port();
    // A conversation that timed out is started again while the host's deadline leaves room
    // (crate::retry): on a lossy link a lost segment after a lossy handshake costs 3 s.
    let mut backoff = crate::retry::Backoff::in_host_budget();
    let outcome = loop {
        let outcome = tokio::time::timeout(timeout * 3, device_name(addr, timeout)).await;
        let timed_out = matches!(outcome, Err(_) | Ok(Err(ExchangeError::Timeout)));
        if !timed_out || !backoff.another(timeout * 3).await {
            break outcome;
        }
    };
    match outcome {
        Ok(Ok(Some(name))) => {
            findings.service(port, "zkteco");
            findings.push(Evidence::new(ZKTECO_DEVICE_NAME, Some(port), name));
        }
        Ok(Ok(None)) => findings.note(crate::model::Note::new("zk_no_name").arg("port", port)),
        Ok(Err(err)) => {
            findings.note(
                crate::model::Note::new("zk_failed")
                    .arg("port", port)
                    .arg("error", &err),
            );
            let reason = match err {
                ExchangeError::Timeout => Some(crate::model::CutReason::Timeout),
                ExchangeError::Io(_) => Some(crate::model::CutReason::Reset),
                ExchangeError::Zk(_) => Some(crate::model::CutReason::Malformed),
                ExchangeError::Unauthorized => None,
            };
            if let Some(reason) = reason {
                findings.cut("zk", Some(port), reason, err.to_string());
            }
        }
        Err(_) => {
            findings.note(
                crate::model::Note::new("zk_no_answer")
                    .arg("port", port)
                    .arg("timeout", format_args!("{:?}", timeout * 3)),
            );
            findings.cut(
                "zk",
                Some(port),
                crate::model::CutReason::Timeout,
                format!("no answer within {:?}", timeout * 3),
            );
        }
    }
}

/// Errors of one exchange, as notes.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("timed out")]
    Timeout,
    #[error("{0}")]
    Zk(#[from] ZkError),
    #[error("terminal needs a communication key; none is tried")]
    Unauthorized,
}

async fn device_name(addr: SocketAddr, timeout: Duration) -> Result<Option<String>, ExchangeError> {
    let mut stream = super::connect::connect(addr, timeout)
        .await
        .map_err(|e| match e {
            super::connect::ConnectError::TimedOut => ExchangeError::Timeout,
            super::connect::ConnectError::Failed(io) => ExchangeError::Io(io),
        })?;
    let hello = exchange(
        &mut stream,
        timeout,
        &request(CMD_CONNECT, 0, FIRST_REPLY_ID, &[]),
    )
    .await?;
    match hello.command {
        CMD_ACK_OK => {}
        CMD_ACK_UNAUTH => return Err(ExchangeError::Unauthorized),
        _ => return Ok(None),
    }
    let session = hello.session;
    let ask = request(CMD_OPTIONS_RRQ, session, hello.reply_id, b"~DeviceName\0");
    let answer = exchange(&mut stream, timeout, &ask).await?;
    let name = (answer.command == CMD_ACK_OK)
        .then(|| option_value(&answer.data))
        .flatten();
    // Close the session politely; the answer does not matter.
    let bye = request(CMD_EXIT, session, answer.reply_id, &[]);
    let _ = exchange(&mut stream, timeout, &bye).await;
    Ok(name)
}

async fn exchange(
    stream: &mut TcpStream,
    timeout: Duration,
    packet: &[u8],
) -> Result<Packet, ExchangeError> {
    stream.write_all(packet).await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        if let Some(total) = framed_len(&buf)?
            && buf.len() >= total
        {
            return Ok(decode(&buf[..total])?);
        }
        let n = tokio::time::timeout(timeout, stream.read(&mut chunk))
            .await
            .map_err(|_| ExchangeError::Timeout)??;
        if n == 0 {
            return Err(ZkError::Short(buf.len()).into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The connect request matches the well-known bytes of ZK's protocol (pyzk's first packet:
    /// command 1000, checksum 0xfc17, session 0, reply id 0), behind the TCP prefix.
    #[test]
    fn connect_request_is_the_known_packet() {
        assert_eq!(
            request(CMD_CONNECT, 0, FIRST_REPLY_ID, &[]),
            [
                0x50, 0x50, 0x82, 0x7d, 8, 0, 0, 0, 0xe8, 0x03, 0x17, 0xfc, 0, 0, 0, 0
            ]
        );
    }

    /// A device-name reply decodes to the name.
    #[test]
    fn device_name_reply_decodes() {
        let mut reply = vec![0x50, 0x50, 0x82, 0x7d, 0, 0, 0, 0];
        for word in [CMD_ACK_OK, 0, 0x3a2b, 1] {
            reply.extend_from_slice(&u16::to_le_bytes(word));
        }
        reply.extend_from_slice(b"~DeviceName=SpeedFace-V5L\0");
        let len = u32::try_from(reply.len() - 8).unwrap();
        reply[4..8].copy_from_slice(&len.to_le_bytes());
        let packet = decode(&reply).unwrap();
        assert_eq!(packet.command, CMD_ACK_OK);
        assert_eq!(packet.session, 0x3a2b);
        assert_eq!(option_value(&packet.data).as_deref(), Some("SpeedFace-V5L"));
    }

    /// Hostile replies are errors, never panics.
    #[test]
    fn hostile_replies_are_errors() {
        assert_eq!(decode(b"HTTP/1.1 200 OK\r\n"), Err(ZkError::NotZk));
        assert_eq!(
            decode(&[0x50, 0x50, 0x82, 0x7d, 0xff, 0xff, 0xff, 0x7f]),
            Err(ZkError::TooLarge(0x7fff_ffff))
        );
        assert!(decode(&[0x50, 0x50, 0x82, 0x7d, 2, 0, 0, 0, 1, 2]).is_err());
        assert_eq!(option_value(b"\0"), None);
        assert_eq!(option_value(b"~DeviceName=\0"), None);
    }
}
