//! fingerprint: the signature format, loader, matcher, MAC prefix lookup and confidence.
//!
//! Pure: no sockets, no clock. The only file system access is [`SignatureDb::load_dir`]
//! (`--signatures DIR`); the default set is embedded at build time and loaded by `crate::bundle`.
//! Knowledge lives in `signatures/devices/*.toml` and `signatures/oui/*.tsv`, never in code.

mod claims;
mod cloud_indications;
mod compile;
mod confidence;
mod db;
mod device;
mod error;
mod format;
mod identify;
mod lazy_regex;
mod lexicon;
mod matcher;
mod oui;

pub use claims::{atom_kinds, states};
pub use cloud_indications::{
    CLOUD_INDICATIONS_FILE, CloudIndications, PORT_MAPPING_SOURCE, attach_port_mappings,
};
pub use db::{Signature, SignatureDb, SignatureFile, is_device_set_file};
pub use device::build_device;
pub use error::SignatureError;
pub use identify::{Analysis, HOST_NAME, OUI_WEIGHT, TCP_OPEN, TCP_SERVICE, identify};
pub use lexicon::Brand;
pub use matcher::{ExampleFailure, check_examples, check_regexes};
pub use oui::OuiEntry;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod lexicon_tests;

#[cfg(test)]
mod miss_class_tests;
#[cfg(test)]
mod seventh_round_tests;
