//! Pure codecs: bytes in, typed values out. No I/O, no clock; parsers return errors, never panic.

pub mod arp;
pub mod auth;
pub mod dhcp;
pub mod dhdiscover;
pub mod discovery;
pub mod igd;
pub mod mdns;
#[cfg(test)]
pub(crate) mod noise;
pub mod rtsp;
pub mod sadp;
pub mod ssdp;
pub mod vivotek;
pub mod wsd;
pub mod xmeye;
pub mod xml;
