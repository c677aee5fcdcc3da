//! The generic engine behind every persona: pure builders that turn a request and a persona's
//! data into the bytes a real device would answer. No sockets here (see `lab::serve`).

pub mod banner;
pub mod http;
pub mod igd;
pub mod onvif;
pub mod rtsp;
pub mod zk;

use std::net::Ipv4Addr;

/// Facts about the moment and place of a request that answers may mention.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The persona's address (ONVIF XAddrs point at it).
    pub ip: Ipv4Addr,
    /// The port the request arrived on.
    pub port: u16,
    /// Wall-clock time (ONVIF `GetSystemDateAndTime`).
    pub now: time::OffsetDateTime,
    /// Nonce for Digest challenges.
    pub nonce: &'a str,
}

#[cfg(test)]
mod tests;
