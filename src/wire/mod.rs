//! Pure codecs: bytes in, typed values out. No I/O, no clock; parsers return errors, never panic.

pub mod auth;
pub mod rtsp;
