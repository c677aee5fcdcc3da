//! targets (to be written).
