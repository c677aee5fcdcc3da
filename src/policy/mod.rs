//! policy: from evidence to a case file. The site declaration (`site.toml`), legal rules as data
//! (`signatures/rules/*.toml`, a small condition language over facts) and the evaluator that turns
//! devices, cloud contacts and declared facts into findings with legal basis and evidence.
//!
//! Pure: no I/O. Callers read `site.toml` and rule directories and pass the text in; bundled rules
//! come from the signature bundle (`crate::bundle`). Without a declaration, findings that depend on what the
//! operator may have declared are reported as conditional, with the assumptions spelled out.

mod advice;
mod condition;
mod error;
mod eval;
mod facts;
mod findings;
mod places;
mod rules;
mod site;
mod template;
mod vocab;

pub use advice::AdviceBook;
pub use condition::{Expr, ParseError, Scope, parse as parse_condition};
pub use error::PolicyError;
pub use findings::{Evaluation, PolicyInput, apply, evaluate, evaluate_all};
pub use places::{PLACES_FILE, Places};
pub use rules::{JURISDICTIONS, Rule, RuleSet, THEMES};
pub use site::{DeclaredDevice, Notice, SITE_SCHEMA_VERSION, SiteDeclaration};
pub use template::site_template;
pub use vocab::{FIELDS, Field, value_label};

#[cfg(test)]
mod tests;
