//! lab (to be written).
