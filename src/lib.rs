//! camsweep: find the cameras and face-recognition devices on a shop's network, identify them,
//! catch the ones that ship pictures to a cloud, and write a report that holds up in front of a regulator.
//!
//! Data flows one way: discover hosts → probe them for evidence → fingerprint (pure) → report.
//! I/O lives in `discover`, `probe`, `lab` and `cli`; `model`, `fingerprint` and `report` are pure.

pub mod accuracy;
pub mod app;
pub mod bundle;
pub mod capture;
pub mod cli;
pub mod discover;
pub mod fingerprint;
pub mod fleet;
pub mod fuzzing;
pub mod input;
pub mod integrity;
pub mod intercept;
pub mod lab;
pub mod locale;
pub mod markup;
pub mod model;
pub mod policy;
pub mod probe;
pub mod report;
pub mod retry;
pub mod targets;
mod text_position;
pub mod traffic;
pub mod wire;
