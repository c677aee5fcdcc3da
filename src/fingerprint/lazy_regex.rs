//! Regexes that compile on first use. Loading the signature set only checks each pattern's
//! syntax (cheap: no automaton is built); the automaton is built the first time a host has an
//! atom the regex must read. Most signatures read evidence sources a given audit never sees
//! (the Recog files alone hold ~900), so most regexes are never compiled at all.
//! `camsweep signatures check` and `--signatures DIR` compile every one eagerly
//! ([`LazyRegex::compile`]), so a pattern that cannot compile is still an error with its
//! file and line. Pure.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Size limit of one compiled signature regex (the regex crate's unit: bytes of program).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The last non-empty line of a regex error (the crate's message spans pattern, caret, reason).
pub(crate) fn error_reason(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

/// Checks a pattern's syntax without building an automaton.
///
/// # Errors
/// The parser's reason, e.g. `unclosed group`.
pub(crate) fn check_syntax(pattern: &str) -> Result<(), String> {
    regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| error_reason(&e.to_string()))
}

/// One signature regex, compiled on first use.
#[derive(Debug, Clone)]
pub(crate) struct LazyRegex {
    pattern: String,
    case_insensitive: bool,
    compiled: OnceLock<Result<Regex, String>>,
}

impl LazyRegex {
    /// A regex whose syntax is valid; the automaton is built later.
    ///
    /// # Errors
    /// `invalid regex `…`: reason` when the syntax is wrong.
    pub fn new(pattern: &str, case_insensitive: bool) -> Result<Self, String> {
        check_syntax(pattern).map_err(|reason| format!("invalid regex `{pattern}`: {reason}"))?;
        Ok(Self {
            pattern: pattern.to_string(),
            case_insensitive,
            compiled: OnceLock::new(),
        })
    }

    /// The compiled regex, building it now if this is the first use.
    ///
    /// # Errors
    /// A pattern that parses but cannot compile (size limit, unknown Unicode class).
    pub fn compile(&self) -> Result<&Regex, String> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.pattern)
                    .case_insensitive(self.case_insensitive)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| {
                        format!(
                            "invalid regex `{}`: {}",
                            self.pattern,
                            error_reason(&e.to_string())
                        )
                    })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The compiled regex for matching. A pattern that cannot compile matches nothing: the
    /// bundled set is compiled whole by the crate's tests and a `--signatures DIR` set when
    /// it is loaded, so this is reached only by a set nobody checked.
    pub fn get(&self) -> Option<&Regex> {
        match self.compile() {
            Ok(re) => Some(re),
            Err(e) => {
                tracing::warn!("signature regex skipped: {e}");
                None
            }
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.get().is_some_and(|re| re.is_match(text))
    }

    /// Number of capture groups (without group 0), read from the syntax tree so that asking
    /// does not compile the regex.
    pub fn capture_groups(&self) -> usize {
        regex_syntax::ast::parse::Parser::new()
            .parse(&self.pattern)
            .map(|ast| count_groups(&ast))
            .unwrap_or(0)
    }
}

fn count_groups(ast: &regex_syntax::ast::Ast) -> usize {
    use regex_syntax::ast::Ast;
    match ast {
        Ast::Group(g) => usize::from(g.capture_index().is_some()) + count_groups(&g.ast),
        Ast::Repetition(r) => count_groups(&r.ast),
        Ast::Alternation(a) => a.asts.iter().map(count_groups).sum(),
        Ast::Concat(c) => c.asts.iter().map(count_groups).sum(),
        _ => 0,
    }
}

/// A set of patterns (the vocabulary and the brand lexicon) compiled on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct LazyRegexSet {
    patterns: Vec<String>,
    compiled: OnceLock<Result<RegexSet, String>>,
}

impl LazyRegexSet {
    pub fn new(patterns: Vec<String>) -> Self {
        Self {
            patterns,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled set, building it now if this is the first use.
    ///
    /// # Errors
    /// The patterns do not compile together (size limit).
    pub fn compile(&self) -> Result<&RegexSet, String> {
        self.compiled
            .get_or_init(|| {
                RegexSetBuilder::new(&self.patterns)
                    .size_limit(1 << 26)
                    .build()
                    .map_err(|e| error_reason(&e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Indexes of the patterns that match `text` (none when the set cannot compile; see
    /// [`LazyRegex::get`]).
    pub fn matches(&self, text: &str) -> Vec<usize> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        match self.compile() {
            Ok(set) => set.matches(text).into_iter().collect(),
            Err(e) => {
                tracing::warn!("vocabulary and brands skipped: {e}");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Syntax errors are found at once; the automaton is built only when first used.
    #[test]
    fn syntax_checked_now_compiled_later() {
        let err = LazyRegex::new("(NVR", false).unwrap_err();
        assert!(err.contains("invalid regex `(NVR`"), "{err}");
        let re = LazyRegex::new("^DS-K1T(\\d+)", true).unwrap();
        assert!(re.compiled.get().is_none());
        assert_eq!(re.capture_groups(), 1);
        assert!(
            re.compiled.get().is_none(),
            "counting groups compiles nothing"
        );
        assert!(re.is_match("ds-k1t671"));
        assert!(re.compiled.get().is_some());
    }

    /// A pattern that parses but cannot compile is an error from `compile` and matches nothing.
    #[test]
    fn compile_errors_surface_from_compile() {
        let re = LazyRegex::new(r"\p{NoSuchClass}", false).unwrap();
        assert!(re.compile().unwrap_err().contains("invalid regex"));
        assert!(!re.is_match("anything"));
    }

    #[test]
    fn groups_count_named_and_nested_not_non_capturing() {
        let re = LazyRegex::new(r"(?:a|(b))(?P<x>c(d))", false).unwrap();
        assert_eq!(re.capture_groups(), 3);
    }
}
