//! policy: from evidence to a case file. The site declaration (`site.toml`), legal rules as data
//! (`signatures/rules/*.toml`, a small condition language over facts) and the evaluator that turns
//! devices, cloud contacts and declared facts into findings with legal basis and evidence.
//!
//! Pure: no I/O. Callers read `site.toml` and rule directories and pass the text in; bundled rules
//! come from the build-time manifest. Without a declaration, findings that depend on what the
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
pub use rules::{JURISDICTIONS, Rule, RuleSet, THEMES};
pub use site::{DeclaredDevice, Notice, SITE_SCHEMA_VERSION, SiteDeclaration};
pub use template::site_template;
pub use vocab::{FIELDS, Field, value_label};

/// The bundled example declaration of the demo's simulated store.
pub fn demo_site_text() -> Option<&'static str> {
    bundled_site_text("sites/demo-store.toml")
}

/// A bundled site declaration by its path under `signatures/` (`sites/sales-office.toml`).
pub fn bundled_site_text(path: &str) -> Option<&'static str> {
    crate::fingerprint::bundled_files()
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests;
