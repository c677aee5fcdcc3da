//! ZKTeco terminal protocol on TCP 4370, as terminals answer public clients (fananimi/pyzk):
//! `CMD_CONNECT` opens a session, `CMD_OPTIONS_RRQ` reads an option such as `~DeviceName`,
//! `CMD_EXIT` closes. Pure: one framed request in, one framed reply out. Like terminals with
//! no communication key set, it does not check the client's checksum.

use crate::lab::persona::ZkService;

const CMD_CONNECT: u16 = 1000;
const CMD_EXIT: u16 = 1001;
const CMD_OPTIONS_RRQ: u16 = 11;
const CMD_ACK_OK: u16 = 2000;
const CMD_ACK_ERROR: u16 = 2001;
const PREFIX: [u8; 4] = [0x50, 0x50, 0x82, 0x7d];
/// Largest request read; clients send a few dozen bytes.
pub const MAX_REQUEST: usize = 1024;
/// Session id the persona hands out (terminals pick one per connection).
const SESSION: u16 = 0x4a1f;

/// Input a terminal hangs up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a ZK request (wrong prefix or length)")]
pub struct NotZkRequest;

/// Bytes of the framed request at the start of `buf`, once its prefix is in.
///
/// # Errors
/// [`NotZkRequest`] for anything that is not ZK framing or is too large.
pub fn request_len(buf: &[u8]) -> Result<Option<usize>, NotZkRequest> {
    if buf.len() < 8 {
        return Ok(None);
    }
    if buf[..4] != PREFIX {
        return Err(NotZkRequest);
    }
    let len = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    if !(8..=MAX_REQUEST).contains(&len) {
        return Err(NotZkRequest);
    }
    Ok(Some(8 + len))
}

/// The reply to one complete framed request, and whether the session ends with it.
/// A request shorter than a header (which [`request_len`] never passes) ends the session unanswered.
pub fn answer(service: &ZkService, request: &[u8]) -> (Vec<u8>, bool) {
    if request.len() < 16 {
        return (Vec::new(), true);
    }
    let word = |i: usize| u16::from_le_bytes([request[8 + 2 * i], request[9 + 2 * i]]);
    let (command, reply_id) = (word(0), word(3));
    let data = &request[16..];
    let (reply, payload, done): (u16, Vec<u8>, bool) = match command {
        CMD_CONNECT => (CMD_ACK_OK, Vec::new(), false),
        CMD_EXIT => (CMD_ACK_OK, Vec::new(), true),
        CMD_OPTIONS_RRQ => {
            let key = data.split(|b| *b == 0).next().unwrap_or_default();
            match option(service, key) {
                Some(value) => {
                    let mut text = key.to_vec();
                    text.push(b'=');
                    text.extend_from_slice(value.as_bytes());
                    text.push(0);
                    (CMD_ACK_OK, text, false)
                }
                None => (CMD_ACK_ERROR, Vec::new(), false),
            }
        }
        _ => (CMD_ACK_ERROR, Vec::new(), false),
    };
    (frame(reply, reply_id, &payload), done)
}

fn option<'a>(service: &'a ZkService, key: &[u8]) -> Option<&'a str> {
    match key {
        b"~DeviceName" => Some(service.device_name.as_str()),
        b"~SerialNumber" => service.serial.as_deref(),
        _ => None,
    }
}

fn frame(command: u16, reply_id: u16, payload: &[u8]) -> Vec<u8> {
    let mut packet = PREFIX.to_vec();
    let len = u32::try_from(8 + payload.len()).unwrap_or(u32::MAX);
    packet.extend_from_slice(&len.to_le_bytes());
    let sum = checksum(command, SESSION, reply_id, payload);
    for word in [command, sum, SESSION, reply_id] {
        packet.extend_from_slice(&word.to_le_bytes());
    }
    packet.extend_from_slice(payload);
    packet
}

/// Ones'-complement style sum of the header words and payload, as ZK devices sign replies.
fn checksum(command: u16, session: u16, reply_id: u16, payload: &[u8]) -> u16 {
    let mut sum: u32 = u32::from(command) + u32::from(session) + u32::from(reply_id);
    for pair in payload.chunks(2) {
        let lo = u32::from(pair[0]);
        let hi = pair.get(1).map_or(0, |b| u32::from(*b));
        sum += lo | (hi << 8);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // Fits: folded to 16 bits above.
    !(u16::try_from(sum).unwrap_or(0))
}
