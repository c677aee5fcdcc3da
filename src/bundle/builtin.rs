//! The signature files embedded at build time by `build.rs` (a manifest of `include_str!`s).

include!(concat!(env!("OUT_DIR"), "/bundled_signatures.rs"));
