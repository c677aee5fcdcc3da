//! The server name (SNI) of a TLS ClientHello, read across TLS records (pure); the TCP segments
//! are put together by [`super::reassembly`].

use tls_parser::{
    SNIType, TlsExtension, TlsMessage, TlsMessageHandshake, parse_tls_extensions,
    parse_tls_message_handshake,
};

/// A ClientHello is at most a few KiB (post-quantum key shares push it past one segment);
/// beyond this the stream is not a ClientHello worth waiting for.
pub const MAX_HELLO: usize = 16 * 1024;

/// What the bytes read so far gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloState {
    /// More bytes are needed.
    NeedMore,
    /// The ClientHello was complete; its server name, if it had one.
    Done(Option<String>),
    /// Not TLS, or damaged: stop reading.
    NotTls,
}

/// The SNI of the ClientHello at the start of a client byte stream (TLS records, possibly
/// several carrying one handshake message).
pub fn client_hello_sni(stream: &[u8]) -> HelloState {
    let mut handshake = Vec::new();
    let mut rest = stream;
    loop {
        let Some(header) = rest.get(..5) else {
            return HelloState::NeedMore;
        };
        if header[0] != 0x16 || header[1] != 0x03 {
            return HelloState::NotTls;
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let Some(body) = rest.get(5..5 + len) else {
            // The record is incomplete: take what there is, it may already hold the hello.
            handshake.extend_from_slice(&rest[5..]);
            return parse_handshake(&handshake).unwrap_or(HelloState::NeedMore);
        };
        handshake.extend_from_slice(body);
        if let Some(state) = parse_handshake(&handshake) {
            return state;
        }
        rest = &rest[5 + len..];
    }
}

/// The SNI of the ClientHello at the start of a bare handshake stream (no TLS records: QUIC
/// carries handshake messages in CRYPTO frames).
pub fn handshake_sni(handshake: &[u8]) -> HelloState {
    parse_handshake(handshake).unwrap_or(HelloState::NeedMore)
}

/// `None` while the handshake message is still incomplete.
fn parse_handshake(handshake: &[u8]) -> Option<HelloState> {
    let header = handshake.get(..4)?;
    if header[0] != 0x01 {
        return Some(HelloState::NotTls);
    }
    let len =
        (usize::from(header[1]) << 16) | (usize::from(header[2]) << 8) | usize::from(header[3]);
    let message = handshake.get(..4 + len)?;
    let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(hello)))) =
        parse_tls_message_handshake(message)
    else {
        return Some(HelloState::NotTls);
    };
    let sni = hello.ext.and_then(|ext| {
        let (_, extensions) = parse_tls_extensions(ext).ok()?;
        extensions.into_iter().find_map(|e| match e {
            TlsExtension::SNI(names) => names
                .into_iter()
                .find(|(kind, _)| *kind == SNIType::HostName)
                .and_then(|(_, name)| std::str::from_utf8(name).ok().map(str::to_ascii_lowercase)),
            _ => None,
        })
    });
    Some(HelloState::Done(sni))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real ClientHello (TLS record) from a public capture; its SNI is in the companion file.
    const HELLO: &str = include_str!("../../tests/fixtures/traffic/client_hello.hex");
    const HELLO_SNI: &str = include_str!("../../tests/fixtures/traffic/client_hello_sni.txt");

    fn hello() -> Vec<u8> {
        hex::decode(HELLO.trim()).unwrap()
    }

    #[test]
    fn sni_of_a_whole_client_hello() {
        assert_eq!(
            client_hello_sni(&hello()),
            HelloState::Done(Some(HELLO_SNI.trim().to_string()))
        );
    }

    #[test]
    fn a_partial_client_hello_needs_more() {
        let bytes = hello();
        assert_eq!(client_hello_sni(&bytes[..3]), HelloState::NeedMore);
        assert_eq!(
            client_hello_sni(&bytes[..bytes.len() / 2]),
            HelloState::NeedMore
        );
        assert_eq!(handshake_sni(&bytes[5..40]), HelloState::NeedMore);
        assert_eq!(
            handshake_sni(&bytes[5..]),
            HelloState::Done(Some(HELLO_SNI.trim().to_string()))
        );
    }

    #[test]
    fn client_hello_split_over_tls_records_is_reassembled() {
        let bytes = hello();
        let body = &bytes[5..];
        let (x, y) = body.split_at(40);
        let mut stream = Vec::new();
        for part in [x, y] {
            stream.extend_from_slice(&[0x16, 0x03, 0x01]);
            stream.extend_from_slice(&(part.len() as u16).to_be_bytes());
            stream.extend_from_slice(part);
        }
        assert_eq!(
            client_hello_sni(&stream),
            HelloState::Done(Some(HELLO_SNI.trim().to_string()))
        );
    }

    #[test]
    fn plaintext_and_garbage_are_not_tls() {
        assert_eq!(client_hello_sni(b"GET / HTTP/1.1\r\n"), HelloState::NotTls);
        assert_eq!(
            client_hello_sni(&[0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0]),
            HelloState::NotTls
        );
        for input in crate::wire::noise::noise(300) {
            let _ = client_hello_sni(&input);
            let _ = handshake_sni(&input);
        }
    }
}
