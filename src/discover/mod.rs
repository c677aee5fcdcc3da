//! discover (to be written).
