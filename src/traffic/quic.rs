//! The server name (SNI) of a QUIC v1 connection, read from the client's Initial packets (pure).
//!
//! Initial packets are encrypted, but with keys anyone can derive from the Destination
//! Connection ID of the client's first Initial (RFC 9001 §5.2): HKDF-SHA256 from a published
//! salt, AES-128 header protection (§5.4), AES-128-GCM payload (§5.3). The ClientHello is carried
//! in CRYPTO frames, possibly spread over several Initial packets and out of order; they are put
//! together by offset. `ring` does the cryptography.

use ring::aead::quic::{AES_128, HeaderProtectionKey};
use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, KeyType, Prk, Salt};

use super::reassembly::Reassembler;
use super::tls::{self, HelloState};

/// RFC 9001 §5.2: the salt of QUIC version 1's initial secret.
const INITIAL_SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
const VERSION_1: u32 = 1;
/// AES-128-GCM tag and the header-protection sample (RFC 9001 §5.4.2).
const TAG_LEN: usize = 16;
const SAMPLE_LEN: usize = 16;
/// Client datagrams a connection may need before its ClientHello is whole (post-quantum key
/// shares take two or three Initial packets); a flow that has not shown its hello by then (its
/// first Initial was not captured) is given up, so a long QUIC upload costs nothing more.
const MAX_DATAGRAMS: u8 = 16;

/// The client's Initial keys of one connection.
struct InitialKeys {
    key: LessSafeKey,
    iv: [u8; 12],
    hp: HeaderProtectionKey,
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
fn expand_label(prk: &Prk, label: &[u8], out: &mut [u8]) -> Option<()> {
    let length = (out.len() as u16).to_be_bytes();
    let label_len = [(6 + label.len()) as u8];
    let info: [&[u8]; 5] = [&length, &label_len, b"tls13 ", label, &[0]];
    prk.expand(&info, Len(out.len())).ok()?.fill(out).ok()
}

impl InitialKeys {
    fn client(dcid: &[u8]) -> Option<Self> {
        let initial = Salt::new(HKDF_SHA256, &INITIAL_SALT_V1).extract(dcid);
        let mut secret = [0u8; 32];
        expand_label(&initial, b"client in", &mut secret)?;
        let client = Prk::new_less_safe(HKDF_SHA256, &secret);
        let (mut key, mut iv, mut hp) = ([0u8; 16], [0u8; 12], [0u8; 16]);
        expand_label(&client, b"quic key", &mut key)?;
        expand_label(&client, b"quic iv", &mut iv)?;
        expand_label(&client, b"quic hp", &mut hp)?;
        Some(Self {
            key: LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key).ok()?),
            iv,
            hp: HeaderProtectionKey::new(&AES_128, &hp).ok()?,
        })
    }
}

/// A QUIC variable-length integer (RFC 9000 §16) at `*pos`.
fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let first = *buf.get(*pos)?;
    let len = 1usize << (first >> 6);
    let bytes = buf.get(*pos..*pos + len)?;
    let mut value = u64::from(first & 0x3f);
    for b in &bytes[1..] {
        value = (value << 8) | u64::from(*b);
    }
    *pos += len;
    Some(value)
}

/// Whether a UDP payload starts with a QUIC version 1 Initial packet (long header, type 0).
pub fn is_initial_v1(datagram: &[u8]) -> bool {
    datagram.len() >= 7
        && datagram[0] & 0xf0 == 0xc0
        && u32::from_be_bytes([datagram[1], datagram[2], datagram[3], datagram[4]]) == VERSION_1
}

/// One Initial packet of a datagram, still protected.
struct InitialPacket<'a> {
    dcid: &'a [u8],
    /// Offset of the packet number within `packet`.
    pn_offset: usize,
    /// The whole packet (header and protected payload).
    packet: &'a [u8],
}

/// Splits off the first packet of a datagram (RFC 9000 §12.2 coalescing): an Initial packet,
/// or `None` with the length of another long-header packet to skip.
fn next_long_packet(datagram: &[u8]) -> Option<(Option<InitialPacket<'_>>, usize)> {
    let first = *datagram.first()?;
    if first & 0x80 == 0 {
        return None; // a short header runs to the end of the datagram: nothing more to read
    }
    let version = u32::from_be_bytes(datagram.get(1..5)?.try_into().ok()?);
    if version != VERSION_1 {
        return None;
    }
    let mut pos = 5;
    let dcid_len = usize::from(*datagram.get(pos)?);
    let dcid = datagram.get(pos + 1..pos + 1 + dcid_len)?;
    pos += 1 + dcid_len;
    let scid_len = usize::from(*datagram.get(pos)?);
    pos += 1 + scid_len;
    let packet_type = (first >> 4) & 0x03;
    if packet_type == 0 {
        let token_len = usize::try_from(varint(datagram, &mut pos)?).ok()?;
        pos = pos.checked_add(token_len)?;
    }
    if packet_type == 3 {
        return None; // Retry: no length, not from a client
    }
    let length = usize::try_from(varint(datagram, &mut pos)?).ok()?;
    let end = pos.checked_add(length)?;
    let packet = datagram.get(..end)?;
    let initial = (packet_type == 0).then_some(InitialPacket {
        dcid,
        pn_offset: pos,
        packet,
    });
    Some((initial, end))
}

/// Removes header and packet protection; the plaintext frames.
fn open(keys: &InitialKeys, initial: &InitialPacket<'_>) -> Option<Vec<u8>> {
    let pn_offset = initial.pn_offset;
    let sample = initial
        .packet
        .get(pn_offset + 4..pn_offset + 4 + SAMPLE_LEN)?;
    let mask = keys.hp.new_mask(sample).ok()?;
    let mut packet = initial.packet.to_vec();
    packet[0] ^= mask[0] & 0x0f;
    let pn_len = usize::from(packet[0] & 0x03) + 1;
    let mut pn: u64 = 0;
    for i in 0..pn_len {
        let b = packet.get_mut(pn_offset + i)?;
        *b ^= mask[1 + i];
        pn = (pn << 8) | u64::from(*b);
    }
    // Initial packet numbers start at 0 and stay small: the truncated number is the number.
    let mut nonce = keys.iv;
    for (n, p) in nonce[4..].iter_mut().zip(pn.to_be_bytes()) {
        *n ^= p;
    }
    let header_len = pn_offset + pn_len;
    if packet.len() < header_len + TAG_LEN {
        return None;
    }
    let (header, payload) = packet.split_at_mut(header_len);
    let plain = keys
        .key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&*header),
            payload,
        )
        .ok()?;
    Some(plain.to_vec())
}

/// The CRYPTO frames of an Initial packet's plaintext: (offset, data). `None` on a frame an
/// Initial packet cannot carry or a damaged one.
fn crypto_frames(frames: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < frames.len() {
        match varint(frames, &mut pos)? {
            0x00 | 0x01 => {} // PADDING, PING
            kind @ (0x02 | 0x03) => {
                // ACK: largest, delay, range count, first range, ranges, ECN counts.
                varint(frames, &mut pos)?;
                varint(frames, &mut pos)?;
                let ranges = varint(frames, &mut pos)?;
                varint(frames, &mut pos)?;
                for _ in 0..ranges.min(1024) * 2 {
                    varint(frames, &mut pos)?;
                }
                if kind == 0x03 {
                    for _ in 0..3 {
                        varint(frames, &mut pos)?;
                    }
                }
            }
            0x06 => {
                let offset = varint(frames, &mut pos)?;
                let len = usize::try_from(varint(frames, &mut pos)?).ok()?;
                out.push((offset, frames.get(pos..pos.checked_add(len)?)?));
                pos += len;
            }
            0x1c => return Some(out), // CONNECTION_CLOSE ends what is useful
            _ => return None,
        }
    }
    Some(out)
}

/// Collects a connection's client Initial packets until the ClientHello is whole.
pub struct QuicHello {
    /// The first Initial's Destination Connection ID fixes the keys for the connection (boxed:
    /// the AES key schedules are large and most probes never get this far).
    keys: Option<Box<InitialKeys>>,
    crypto: Reassembler,
    datagrams: u8,
}

impl Default for QuicHello {
    fn default() -> Self {
        Self {
            keys: None,
            crypto: Reassembler::starting_at(0, tls::MAX_HELLO),
            datagrams: 0,
        }
    }
}

impl std::fmt::Debug for QuicHello {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuicHello")
            .field("datagrams", &self.datagrams)
            .field("collected", &self.crypto.contiguous().len())
            .finish()
    }
}

impl QuicHello {
    /// Adds one client-to-server UDP payload.
    pub fn feed(&mut self, datagram: &[u8]) -> HelloState {
        self.datagrams = self.datagrams.saturating_add(1);
        let mut rest = datagram;
        let mut saw_initial = false;
        while let Some((initial, end)) = next_long_packet(rest) {
            if let Some(initial) = initial {
                saw_initial = true;
                if self.keys.is_none() {
                    self.keys = InitialKeys::client(initial.dcid).map(Box::new);
                }
                let frames = self.keys.as_ref().and_then(|k| open(k, &initial));
                let Some(frames) = frames else {
                    return HelloState::NotTls;
                };
                let Some(crypto) = crypto_frames(&frames) else {
                    return HelloState::NotTls;
                };
                for (offset, data) in crypto {
                    if let Ok(offset) = u32::try_from(offset) {
                        self.crypto.push(offset, data);
                    }
                }
            }
            rest = &rest[end..];
        }
        if !saw_initial && self.keys.is_none() {
            return HelloState::NotTls;
        }
        match tls::handshake_sni(self.crypto.contiguous()) {
            HelloState::NeedMore if self.datagrams >= MAX_DATAGRAMS || self.crypto.overflowed => {
                HelloState::NotTls
            }
            state => state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9001 Appendix A.2: the protected client Initial, whose ClientHello names example.com.
    fn rfc9001_client_initial() -> Vec<u8> {
        hex::decode(
            include_str!("../../tests/fixtures/traffic/quic_rfc9001_a2_client_initial.hex").trim(),
        )
        .unwrap()
    }

    #[test]
    fn rfc9001_client_initial_keys_match_appendix_a1() {
        let dcid = hex::decode("8394c8f03e515708").unwrap();
        let keys = InitialKeys::client(&dcid).unwrap();
        assert_eq!(hex::encode(keys.iv), "fa044b2f42a3fd3b46fb255c");
        let sample = hex::decode("d1b1c98dd7689fb8ec11d242b123dc9b").unwrap();
        assert_eq!(
            hex::encode(keys.hp.new_mask(&sample).unwrap()),
            "437b9aec36"
        );
    }

    #[test]
    fn rfc9001_client_initial_gives_its_sni() {
        let packet = rfc9001_client_initial();
        assert!(is_initial_v1(&packet));
        let mut hello = QuicHello::default();
        assert_eq!(
            hello.feed(&packet),
            HelloState::Done(Some("example.com".into()))
        );
    }

    #[test]
    fn a_damaged_initial_is_not_read() {
        let mut packet = rfc9001_client_initial();
        packet[600] ^= 1; // the AEAD tag no longer matches
        assert_eq!(QuicHello::default().feed(&packet), HelloState::NotTls);
        assert_eq!(QuicHello::default().feed(b"\x40short"), HelloState::NotTls);
    }

    #[test]
    fn crypto_frames_are_put_together_by_offset() {
        let frames = [
            0x06, 0x05, 0x03, b'd', b'e', b'f', // CRYPTO offset 5, "def"
            0x00, 0x00, // PADDING
            0x06, 0x00, 0x05, b'a', b'b', b'c', b'x', b'y', // CRYPTO offset 0, "abcxy"
        ];
        let got = crypto_frames(&frames).unwrap();
        assert_eq!(got, vec![(5, &b"def"[..]), (0, &b"abcxy"[..])]);
        let mut r = Reassembler::starting_at(0, 64);
        for (offset, data) in got {
            r.push(offset as u32, data);
        }
        assert_eq!(r.contiguous(), b"abcxydef");
    }

    /// Protects `frames` as a client Initial packet with a 4-byte packet number (RFC 9001 §5).
    fn protect(dcid: &[u8], pn: u32, frames: &[u8]) -> Vec<u8> {
        let keys = InitialKeys::client(dcid).unwrap();
        let mut packet = vec![0xc3, 0, 0, 0, 1, dcid.len() as u8];
        packet.extend_from_slice(dcid);
        packet.extend_from_slice(&[0, 0]); // no source connection ID, no token
        let length = (4 + frames.len() + TAG_LEN) as u16 | 0x4000;
        packet.extend_from_slice(&length.to_be_bytes());
        let pn_offset = packet.len();
        packet.extend_from_slice(&pn.to_be_bytes());
        let mut nonce = keys.iv;
        for (n, p) in nonce[4..].iter_mut().zip(u64::from(pn).to_be_bytes()) {
            *n ^= p;
        }
        let mut payload = frames.to_vec();
        keys.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&packet[..]),
                &mut payload,
            )
            .unwrap();
        packet.extend_from_slice(&payload);
        let mask = keys
            .hp
            .new_mask(&packet[pn_offset + 4..pn_offset + 4 + SAMPLE_LEN])
            .unwrap();
        packet[0] ^= mask[0] & 0x0f;
        for i in 0..4 {
            packet[pn_offset + i] ^= mask[1 + i];
        }
        packet
    }

    /// A ClientHello too big for one packet (as with post-quantum key shares) comes in CRYPTO
    /// frames over two Initial packets; here the second one arrives first.
    #[test]
    fn client_hello_over_two_initial_packets_out_of_order() {
        let a2 = rfc9001_client_initial();
        let (initial, _) = next_long_packet(&a2).unwrap();
        let dcid = hex::decode("8394c8f03e515708").unwrap();
        let frames = open(&InitialKeys::client(&dcid).unwrap(), &initial.unwrap()).unwrap();
        let hello = crypto_frames(&frames).unwrap()[0].1.to_vec();
        let (head, tail) = hello.split_at(100);
        let frame = |offset: u8, data: &[u8]| {
            // CRYPTO, offset and length as 2-byte variable-length integers.
            let mut f = vec![0x06, 0x40, offset, 0x40 | (data.len() >> 8) as u8];
            f.push(data.len() as u8);
            f.extend_from_slice(data);
            f.resize(f.len() + 40, 0); // PADDING
            f
        };
        let first = protect(&dcid, 0, &frame(0, head));
        let second = protect(&dcid, 1, &frame(100, tail));
        let mut quic = QuicHello::default();
        assert_eq!(quic.feed(&second), HelloState::NeedMore);
        assert_eq!(
            quic.feed(&first),
            HelloState::Done(Some("example.com".into()))
        );
    }

    #[test]
    fn noise_never_panics() {
        let mut initial = rfc9001_client_initial();
        for input in crate::wire::noise::noise(600) {
            let _ = QuicHello::default().feed(&input);
            let _ = crypto_frames(&input);
            // Noise behind a valid-looking long header reaches the length and frame parsing.
            let mut framed = initial[..22].to_vec();
            framed.extend_from_slice(&input);
            let _ = QuicHello::default().feed(&framed);
        }
        initial.truncate(100);
        let _ = QuicHello::default().feed(&initial);
    }
}
