//! How signature weights combine into a score. Signatures reading the same evidence sources
//! are not independent (two patterns on one `Server` header say one thing twice), so each
//! source set counts once, at its strongest weight; independent sets combine as
//! `1 - Π(1 - w)`, the chance that not every one of them is wrong.

use std::collections::BTreeMap;

/// One piece of support: the evidence sources it rests on and its weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Vote {
    pub key: String,
    pub weight: f64,
}

/// Combined support of independent votes, in `0..=1`.
pub(crate) fn combine<'a>(votes: impl IntoIterator<Item = &'a Vote>) -> f64 {
    let mut strongest: BTreeMap<&str, f64> = BTreeMap::new();
    for v in votes {
        let w = v.weight.clamp(0.0, 1.0);
        let slot = strongest.entry(v.key.as_str()).or_insert(0.0);
        if w > *slot {
            *slot = w;
        }
    }
    1.0 - strongest.values().map(|w| 1.0 - w).product::<f64>()
}

/// Lowers a score by what speaks against it: each conflicting score `c` keeps `1 - c/2` of it.
pub(crate) fn penalise(score: f64, conflicts: &[f64]) -> f64 {
    let kept: f64 = conflicts
        .iter()
        .map(|c| 1.0 - c.clamp(0.0, 1.0) / 2.0)
        .product();
    ((score * kept).clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(key: &str, weight: f64) -> Vote {
        Vote {
            key: key.into(),
            weight,
        }
    }

    /// Independent sources add up; the same source twice counts once, at its strongest.
    #[test]
    fn independent_sources_combine_and_repeats_do_not() {
        let two = combine(&[vote("http.server", 0.5), vote("onvif.model", 0.5)]);
        assert!((two - 0.75).abs() < 1e-9);
        let same = combine(&[vote("http.server", 0.5), vote("http.server", 0.6)]);
        assert!((same - 0.6).abs() < 1e-9);
        assert!(combine(&[]).abs() < 1e-9);
    }

    /// A conflicting vendor or class lowers confidence, but never below zero or above one.
    #[test]
    fn conflicts_lower_the_score() {
        assert!((penalise(0.8, &[]) - 0.8).abs() < 1e-9);
        assert!((penalise(0.8, &[0.5]) - 0.6).abs() < 1e-9);
        assert!(penalise(1.0, &[1.0, 1.0]) > 0.0);
    }
}
