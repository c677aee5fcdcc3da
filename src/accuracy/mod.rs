//! accuracy: how often identification is right on real devices' strings (`camsweep signatures
//! eval DIR`). Pure: the CLI reads the corpus files; this module parses and scores them with the
//! same [`crate::fingerprint::identify`] the scanner uses.

mod corpus;
mod score;

pub use corpus::{CorpusError, EvalDevice, ExpectedClass, parse_corpus_file};
pub use score::{Outcome, Scores, Tally, evaluate, percent, render, score};

#[cfg(test)]
mod tests;
