//! Matching compiled signatures against evidence atoms, extracting model and firmware, and
//! checking every signature against its own examples. Pure.

use std::fmt;

use super::claims::{claim_atoms, claims, sdp_banner_atoms};
use super::db::{Signature, SignatureDb};
use super::lazy_regex::LazyRegex;
use crate::model::Evidence;

/// A test on one evidence value.
#[derive(Debug, Clone)]
pub(crate) enum ValueTest {
    Regex(LazyRegex),
    Equals { value: String, case_sensitive: bool },
    Contains { value: String, case_sensitive: bool },
}

impl ValueTest {
    pub fn equals(value: &str, case_sensitive: bool) -> Self {
        let value = if case_sensitive {
            value.to_string()
        } else {
            value.to_lowercase()
        };
        ValueTest::Equals {
            value,
            case_sensitive,
        }
    }

    pub fn contains(value: &str, case_sensitive: bool) -> Self {
        let value = if case_sensitive {
            value.to_string()
        } else {
            value.to_lowercase()
        };
        ValueTest::Contains {
            value,
            case_sensitive,
        }
    }

    pub fn is_match(&self, candidate: &str) -> bool {
        match self {
            ValueTest::Regex(re) => re.is_match(candidate),
            ValueTest::Equals {
                value,
                case_sensitive: true,
            } => candidate.trim() == value,
            ValueTest::Equals {
                value,
                case_sensitive: false,
            } => candidate.trim().to_lowercase() == *value,
            ValueTest::Contains {
                value,
                case_sensitive: true,
            } => candidate.contains(value.as_str()),
            ValueTest::Contains {
                value,
                case_sensitive: false,
            } => candidate.to_lowercase().contains(value.as_str()),
        }
    }
}

/// One clause: any atom of one of `sources` passing `test`.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    pub sources: Vec<String>,
    pub test: ValueTest,
    /// Line of the clause in its file, for errors found when the regex is compiled.
    pub line: usize,
}

impl Clause {
    /// Index of the first atom that passes.
    fn find(&self, atoms: &[Evidence]) -> Option<usize> {
        atoms
            .iter()
            .position(|a| self.sources.contains(&a.source) && self.test.is_match(&a.value))
    }
}

/// Pulls a value (model, firmware) out of the first atom of `sources` that the regex matches.
#[derive(Debug, Clone)]
pub(crate) struct Extractor {
    pub sources: Vec<String>,
    pub regex: Option<LazyRegex>,
    pub group: usize,
    /// Line of the extractor in its file.
    pub line: usize,
}

impl Extractor {
    /// The extracted value and the index of the atom it came from.
    fn extract(&self, atoms: &[Evidence]) -> Option<(String, usize)> {
        atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| self.sources.contains(&a.source))
            .find_map(|(i, a)| {
                let value = match &self.regex {
                    None => a.value.trim().to_string(),
                    Some(re) => re
                        .get()?
                        .captures(&a.value)?
                        .get(self.group)?
                        .as_str()
                        .trim()
                        .to_string(),
                };
                (!value.is_empty()).then_some((value, i))
            })
    }
}

/// An example or counterexample: evidence atoms plus what extraction must yield.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    pub evidence: Vec<(String, String)>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub line: usize,
}

/// A signature that matched a host, with the atoms it matched and what it extracted.
#[derive(Debug, Clone)]
pub(crate) struct Hit<'a> {
    pub signature: &'a Signature,
    pub atoms: Vec<&'a Evidence>,
    /// (value, source it was read from)
    pub model: Option<(String, String)>,
    pub firmware: Option<(String, String)>,
}

/// The signature's match against the atoms, if every clause holds. `origins[i]` is the atom a
/// derived claim atom `i` was read from: a hit names that atom, never the derived one.
pub(crate) fn match_signature<'a>(
    signature: &'a Signature,
    atoms: &'a [Evidence],
    origins: &[Option<usize>],
) -> Option<Hit<'a>> {
    let origin = |i: usize| origins.get(i).copied().flatten().unwrap_or(i);
    let matched = signature
        .clauses
        .iter()
        .map(|c| c.find(atoms).map(|i| &atoms[origin(i)]))
        .collect::<Option<Vec<_>>>()?;
    let extracted = |e: &Extractor| {
        e.extract(atoms)
            .map(|(value, i)| (value, atoms[origin(i)].source.clone()))
    };
    Some(Hit {
        signature,
        atoms: matched,
        model: signature.model.as_ref().and_then(extracted),
        firmware: signature.firmware.as_ref().and_then(extracted),
    })
}

/// A signature whose own example does not match, or whose counterexample does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub id: String,
    pub file: String,
    /// Line of the failing example.
    pub line: usize,
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: signature `{}`: {}",
            self.file, self.line, self.id, self.problem
        )
    }
}

/// An example's atoms.
fn atoms_of(example: &Example) -> Vec<Evidence> {
    let atoms: Vec<Evidence> = example
        .evidence
        .iter()
        .map(|(source, value)| Evidence::new(source.clone(), None, value.clone()))
        .collect();
    atoms
}

/// The atoms followed by their claims as derived atoms (`claim.model` …), and for each derived
/// atom the index of the atom it was read from.
pub(crate) fn with_claims(mut atoms: Vec<Evidence>) -> (Vec<Evidence>, Vec<Option<usize>>) {
    let mut derived = claim_atoms(&claims(&atoms));
    derived.extend(sdp_banner_atoms(&atoms));
    let mut origins = vec![None; atoms.len()];
    for (atom, origin) in derived {
        atoms.push(atom);
        origins.push(Some(origin));
    }
    (atoms, origins)
}

impl Signature {
    /// Every regex of the signature with the line it is written on.
    pub(crate) fn regexes(&self) -> impl Iterator<Item = (usize, &LazyRegex)> {
        let clauses = self.clauses.iter().filter_map(|c| match &c.test {
            ValueTest::Regex(re) => Some((c.line, re)),
            _ => None,
        });
        let extractors = [&self.model, &self.firmware]
            .into_iter()
            .flatten()
            .filter_map(|e| e.regex.as_ref().map(|re| (e.line, re)));
        clauses.chain(extractors)
    }
}

/// Compiles every regex of the database now (they otherwise compile on first use): a pattern
/// that parses but cannot compile is reported at its file and line.
pub fn check_regexes(db: &SignatureDb) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for sig in db.signatures() {
        for (line, re) in sig.regexes() {
            if let Err(problem) = re.compile() {
                failures.push(ExampleFailure {
                    id: sig.id.clone(),
                    file: sig.file.clone(),
                    line,
                    problem,
                });
            }
        }
    }
    if let Err(problem) = db.lexicon.compile_set() {
        failures.push(ExampleFailure {
            id: "vocabulary".into(),
            file: super::lexicon::VOCABULARY_FILE.into(),
            line: 1,
            problem: format!("the vocabulary and brands do not compile together: {problem}"),
        });
    }
    failures
}

/// Checks every regex (compiled now, see [`check_regexes`]), then every signature against its
/// examples (must match, and extract what they expect) and counterexamples (must not match).
/// Empty means the database is consistent with itself.
pub fn check_examples(db: &SignatureDb) -> Vec<ExampleFailure> {
    let mut failures = check_regexes(db);
    for sig in db.signatures() {
        let fail = |line: usize, problem: String| ExampleFailure {
            id: sig.id.clone(),
            file: sig.file.clone(),
            line,
            problem,
        };
        for ex in &sig.examples {
            let (atoms, origins) = with_claims(atoms_of(ex));
            let Some(hit) = match_signature(sig, &atoms, &origins) else {
                failures.push(fail(
                    ex.line,
                    format!("example {:?} does not match", ex.evidence),
                ));
                continue;
            };
            let got_model = hit.model.as_ref().map(|(v, _)| v.as_str());
            if ex.model.is_some() && ex.model.as_deref() != got_model {
                failures.push(fail(
                    ex.line,
                    format!("expected model {:?}, extracted {got_model:?}", ex.model),
                ));
            }
            let got_fw = hit.firmware.as_ref().map(|(v, _)| v.as_str());
            if ex.firmware.is_some() && ex.firmware.as_deref() != got_fw {
                failures.push(fail(
                    ex.line,
                    format!("expected firmware {:?}, extracted {got_fw:?}", ex.firmware),
                ));
            }
        }
        for ex in &sig.counterexamples {
            let (atoms, origins) = with_claims(atoms_of(ex));
            if match_signature(sig, &atoms, &origins).is_some() {
                failures.push(fail(
                    ex.line,
                    format!("counterexample {:?} matches", ex.evidence),
                ));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Case-insensitive tests lower-case both sides; case-sensitive ones do not.
    #[test]
    fn value_tests_respect_case() {
        assert!(ValueTest::equals("Hikvision", false).is_match("HIKVISION"));
        assert!(!ValueTest::equals("Hikvision", true).is_match("HIKVISION"));
        assert!(ValueTest::contains("NETSurveillance", false).is_match("netsurveillance web"));
        assert!(!ValueTest::contains("NETSurveillance", true).is_match("netsurveillance web"));
    }
}
