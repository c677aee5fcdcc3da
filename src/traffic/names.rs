//! The name a client asks for at the start of a connection (pure): the SNI of a TLS ClientHello
//! over TCP or of a QUIC Initial over UDP, or the Host of a plaintext HTTP request. TCP segments
//! are put in order by sequence number first, so a hello split over segments that arrive out of
//! order, or twice, is still read.

use super::decode::{Packet, Proto};
use super::flows::NameSource;
use super::http;
use super::quic::{self, QuicHello};
use super::reassembly::Reassembler;
use super::tls::{self, HelloState, MAX_HELLO};

/// What reading the client's first bytes gave so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Keep feeding client packets.
    Wait,
    /// Finished: the name, if the connection carried one.
    Done(Option<(NameSource, String)>),
}

/// Per-connection state while the name is not known yet.
#[derive(Debug)]
pub enum NameProbe {
    Tcp(Reassembler),
    Quic(QuicHello),
}

impl NameProbe {
    /// A TCP connection whose SYN (sequence number `syn_seq`) was seen: its first data byte is
    /// known, so segments can be put in order whatever order they arrive in.
    pub fn tcp_after_syn(syn_seq: u32) -> Self {
        NameProbe::Tcp(Reassembler::starting_at(syn_seq.wrapping_add(1), MAX_HELLO))
    }

    /// A probe for the first client payload of a flow, or `None` when nothing can be learned
    /// from it (UDP that is not a QUIC v1 Initial; other protocols).
    pub fn for_first_payload(p: &Packet<'_>) -> Option<Self> {
        match p.proto {
            Proto::Tcp => Some(NameProbe::Tcp(Reassembler::new(MAX_HELLO))),
            Proto::Udp if quic::is_initial_v1(p.payload) => {
                Some(NameProbe::Quic(QuicHello::default()))
            }
            _ => None,
        }
    }

    /// Feeds one client-to-server packet with a payload.
    pub fn feed(&mut self, p: &Packet<'_>) -> Probe {
        match self {
            NameProbe::Tcp(stream) => {
                stream.push(p.tcp_seq, p.payload);
                read_stream_start(stream.contiguous(), stream.overflowed)
            }
            NameProbe::Quic(hello) => match hello.feed(p.payload) {
                HelloState::NeedMore => Probe::Wait,
                HelloState::Done(sni) => Probe::Done(sni.map(|s| (NameSource::Sni, s))),
                HelloState::NotTls => Probe::Done(None),
            },
        }
    }
}

/// The name at the start of a client's TCP byte stream, as far as it has arrived.
fn read_stream_start(bytes: &[u8], overflowed: bool) -> Probe {
    let Some(&first) = bytes.first() else {
        // Only segments beyond a gap so far: wait for the missing one, within the bound.
        return if overflowed {
            Probe::Done(None)
        } else {
            Probe::Wait
        };
    };
    if http::may_be_request(bytes) {
        return match http::request_host(bytes) {
            Some(host) => Probe::Done(Some((NameSource::HttpHost, host))),
            None if overflowed || http::headers_over(bytes) => Probe::Done(None),
            None => Probe::Wait,
        };
    }
    if first != 0x16 {
        return Probe::Done(None);
    }
    match tls::client_hello_sni(bytes) {
        HelloState::Done(sni) => Probe::Done(sni.map(|s| (NameSource::Sni, s))),
        HelloState::NotTls => Probe::Done(None),
        HelloState::NeedMore if overflowed || bytes.len() >= MAX_HELLO => Probe::Done(None),
        HelloState::NeedMore => Probe::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::decode::TcpFlags;

    fn segment(seq: u32, payload: &[u8]) -> Packet<'_> {
        Packet {
            src_mac: None,
            link_broadcast: false,
            src: "192.168.1.20".parse().unwrap(),
            dst: "203.0.113.10".parse().unwrap(),
            proto: Proto::Tcp,
            src_port: 40_000,
            dst_port: 443,
            tcp: TcpFlags {
                ack: true,
                ..TcpFlags::default()
            },
            tcp_seq: seq,
            payload,
            fragment: None,
        }
    }

    fn hello() -> Vec<u8> {
        hex::decode(include_str!("../../tests/fixtures/traffic/client_hello.hex").trim()).unwrap()
    }

    fn sni() -> Probe {
        let name = include_str!("../../tests/fixtures/traffic/client_hello_sni.txt")
            .trim()
            .to_string();
        Probe::Done(Some((NameSource::Sni, name)))
    }

    #[test]
    fn client_hello_in_three_segments_arriving_out_of_order_and_twice() {
        let bytes = hello();
        let isn = 4_000_000_000u32; // the stream wraps past 2^32 inside the hello
        let first = isn.wrapping_add(1);
        let (a, rest) = bytes.split_at(60);
        let (b, c) = rest.split_at(90);
        let seq_b = first.wrapping_add(60);
        let seq_c = seq_b.wrapping_add(90);
        let mut probe = NameProbe::tcp_after_syn(isn);
        assert_eq!(probe.feed(&segment(seq_c, c)), Probe::Wait);
        assert_eq!(probe.feed(&segment(seq_b, b)), Probe::Wait);
        assert_eq!(probe.feed(&segment(seq_c, c)), Probe::Wait); // retransmitted
        assert_eq!(probe.feed(&segment(first, a)), sni());
    }

    #[test]
    fn without_the_syn_segments_in_order_still_read() {
        let bytes = hello();
        let (a, b) = bytes.split_at(3);
        let mut probe = NameProbe::for_first_payload(&segment(77, a)).unwrap();
        assert_eq!(probe.feed(&segment(77, a)), Probe::Wait);
        assert_eq!(probe.feed(&segment(80, b)), sni());
    }

    #[test]
    fn http_host_waits_for_the_header_line_and_ciphertext_gives_up_at_once() {
        let mut probe = NameProbe::tcp_after_syn(0);
        assert_eq!(
            probe.feed(&segment(1, b"GET /x HTTP/1.1\r\nAcc")),
            Probe::Wait
        );
        assert_eq!(
            probe.feed(&segment(21, b"ept: */*\r\nHost: Cam.Example:8080\r\n\r\n")),
            Probe::Done(Some((NameSource::HttpHost, "cam.example".into())))
        );
        let mut probe = NameProbe::tcp_after_syn(0);
        assert_eq!(
            probe.feed(&segment(1, &[0x17, 3, 3, 0, 9])),
            Probe::Done(None)
        );
    }

    #[test]
    fn a_lost_first_segment_gives_up_within_the_bound() {
        let mut probe = NameProbe::tcp_after_syn(0);
        let filler = vec![0u8; 1400];
        let mut seq = 1_001u32;
        let mut last = Probe::Wait;
        for _ in 0..40 {
            last = probe.feed(&segment(seq, &filler));
            seq += 1400;
            if last != Probe::Wait {
                break;
            }
        }
        assert_eq!(last, Probe::Done(None));
    }
}
