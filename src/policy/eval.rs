//! Three-valued evaluation of triggers: a fact the operator has not declared is unknown, and a
//! trigger that would hold if it were as assumed comes out `Unknown` with the assumptions spelled
//! out in both languages. True tests contribute the evidence that made them true.

use super::condition::{Expr, Op, Test, Value};
use super::facts::{Ctx, Fact};
use std::sync::LazyLock;

use super::vocab::{Kind, Origin, Subject, value_label};
use crate::locale::{fill, label_table};
use crate::model::{CloudContact, Device, Localized};

label_table! {
    /// The words and sentence templates that say what an unknown condition needs (locale file,
    /// `[condition.*]`); `{noun}` is the field's noun, `{values}` the list of values.
    pub struct ConditionWords in "condition" {
        pub all_of: &'static str,
        pub any_of: &'static str,
        pub this_device: &'static str,
        pub list_sep: &'static str,
        pub list_or: &'static str,
        pub list_and: &'static str,
        pub is: &'static str,
        pub is_not: &'static str,
        pub includes: &'static str,
        pub excludes: &'static str,
        pub below: &'static str,
        pub at_most: &'static str,
        pub above: &'static str,
        pub at_least: &'static str,
    }
}

static WORDS_ZH: LazyLock<ConditionWords> = LazyLock::new(|| ConditionWords::load(true));
static WORDS_EN: LazyLock<ConditionWords> = LazyLock::new(|| ConditionWords::load(false));

fn words(zh: bool) -> &'static ConditionWords {
    if zh { &WORDS_ZH } else { &WORDS_EN }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

/// A trigger's verdict with what supports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub truth: Truth,
    /// Evidence lines of the tests that held.
    pub evidence: Vec<String>,
    /// For `Unknown`: what must hold of undeclared facts for the trigger to hold.
    pub conditions: Vec<Localized>,
}

impl Outcome {
    fn of(truth: Truth) -> Self {
        Self {
            truth,
            evidence: Vec::new(),
            conditions: Vec::new(),
        }
    }
}

/// Evaluates `expr` in `ctx`; `negated` is true under an odd number of `not`s.
pub fn eval(expr: &Expr, ctx: &Ctx<'_>, negated: bool) -> Outcome {
    match expr {
        Expr::Not(inner) => eval(inner, ctx, !negated),
        Expr::And(items) | Expr::Or(items) => {
            let outcomes: Vec<Outcome> = items.iter().map(|e| eval(e, ctx, negated)).collect();
            // De Morgan: under `not`, an `and` behaves as an `or` of the negated items.
            if matches!(expr, Expr::And(_)) != negated {
                all(outcomes)
            } else {
                any(outcomes)
            }
        }
        Expr::AnyCloud(inner) => {
            let contacts = ctx
                .device
                .map(|d| d.cloud_contacts.as_slice())
                .unwrap_or_default();
            let outcomes = contacts
                .iter()
                .map(|c| {
                    eval(
                        inner,
                        &Ctx {
                            contact: Some(c),
                            ..*ctx
                        },
                        negated,
                    )
                })
                .collect();
            if negated {
                all(outcomes)
            } else {
                any(outcomes)
            }
        }
        Expr::AnyDevice(inner) => {
            let outcomes = ctx
                .devices
                .iter()
                .map(|d| eval(inner, &ctx.for_device(d), negated))
                .collect();
            if negated {
                all(outcomes)
            } else {
                any(outcomes)
            }
        }
        Expr::Test(test) => eval_test(test, ctx, negated),
    }
}

fn all(outcomes: Vec<Outcome>) -> Outcome {
    if outcomes.iter().any(|o| o.truth == Truth::False) {
        return Outcome::of(Truth::False);
    }
    let truth = if outcomes.iter().any(|o| o.truth == Truth::Unknown) {
        Truth::Unknown
    } else {
        Truth::True
    };
    let mut out = Outcome::of(truth);
    for o in outcomes {
        push_unique(&mut out.evidence, o.evidence);
        for c in o.conditions {
            if !out.conditions.contains(&c) {
                out.conditions.push(c);
            }
        }
    }
    out
}

fn any(outcomes: Vec<Outcome>) -> Outcome {
    let (trues, rest): (Vec<Outcome>, Vec<Outcome>) =
        outcomes.into_iter().partition(|o| o.truth == Truth::True);
    if !trues.is_empty() {
        let mut out = Outcome::of(Truth::True);
        for o in trues {
            push_unique(&mut out.evidence, o.evidence);
        }
        return out;
    }
    let unknowns: Vec<Outcome> = rest
        .into_iter()
        .filter(|o| o.truth == Truth::Unknown)
        .collect();
    match unknowns.len() {
        0 => Outcome::of(Truth::False),
        1 => unknowns
            .into_iter()
            .next()
            .unwrap_or_else(|| Outcome::of(Truth::False)),
        _ => {
            let mut out = Outcome::of(Truth::Unknown);
            let join = |zh: bool, o: &Outcome| {
                o.conditions
                    .iter()
                    .map(|c| if zh { c.zh.clone() } else { c.en.clone() })
                    .collect::<Vec<_>>()
                    .join(words(zh).all_of)
            };
            let any = |zh: bool| {
                unknowns
                    .iter()
                    .map(|o| join(zh, o))
                    .collect::<Vec<_>>()
                    .join(words(zh).any_of)
            };
            out.conditions.push(Localized {
                zh: any(true),
                en: any(false),
            });
            for o in unknowns {
                push_unique(&mut out.evidence, o.evidence);
            }
            out
        }
    }
}

fn push_unique(into: &mut Vec<String>, lines: Vec<String>) {
    for line in lines {
        if !into.contains(&line) {
            into.push(line);
        }
    }
}

fn eval_test(test: &Test, ctx: &Ctx<'_>, negated: bool) -> Outcome {
    let fact = ctx.fact(test.field.name);
    let raw = compare(&fact, test.op, &test.values);
    let truth = match (raw, negated) {
        (None, _) => Truth::Unknown,
        (Some(b), n) => {
            if b != n {
                Truth::True
            } else {
                Truth::False
            }
        }
    };
    let mut out = Outcome::of(truth);
    match truth {
        Truth::True => out.evidence = evidence(test, &fact, ctx),
        Truth::Unknown => out.conditions.push(phrase(test, negated, ctx)),
        Truth::False => {}
    }
    out
}

/// The test's result on a known fact; None when the fact is unknown.
fn compare(fact: &Fact, op: Op, values: &[Value]) -> Option<bool> {
    let word_eq = |w: &str, v: &Value| matches!(v, Value::Word(x) if x.eq_ignore_ascii_case(w));
    Some(match (fact, op) {
        (Fact::Unknown, _) => return None,
        (Fact::Bool(b), Op::IsTrue) => *b,
        (Fact::Bool(b), Op::Eq) => matches!(values.first(), Some(Value::Bool(v)) if v == b),
        (Fact::Bool(b), Op::Ne) => !matches!(values.first(), Some(Value::Bool(v)) if v == b),
        (Fact::Word(w), Op::Eq | Op::In) => values.iter().any(|v| word_eq(w, v)),
        (Fact::Word(w), Op::Ne | Op::NotIn) => !values.iter().any(|v| word_eq(w, v)),
        (Fact::Set(items), Op::Has) => values.iter().all(|v| items.iter().any(|i| word_eq(i, v))),
        (Fact::Set(items), Op::Lacks) => {
            !values.iter().all(|v| items.iter().any(|i| word_eq(i, v)))
        }
        (Fact::Number(n), op) => {
            let Some(Value::Number(v)) = values.first() else {
                return None;
            };
            match op {
                Op::Eq => (n - v).abs() < f64::EPSILON,
                Op::Ne => (n - v).abs() >= f64::EPSILON,
                Op::Lt => n < v,
                Op::Le => n <= v,
                Op::Gt => n > v,
                Op::Ge => n >= v,
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Evidence lines for a test that held: the device's identity and the atoms behind it, the cloud
/// contact, or the declared fact as written in site.toml.
fn evidence(test: &Test, fact: &Fact, ctx: &Ctx<'_>) -> Vec<String> {
    match (test.field.origin, test.field.subject) {
        (Origin::Scan, Subject::Device)
            if matches!(
                test.field.name,
                "device.cloud_platform_enabled" | "device.internet_port_mapping"
            ) =>
        {
            let mapping = test.field.name == "device.internet_port_mapping";
            ctx.device
                .map(|d| {
                    d.cloud_indications
                        .iter()
                        .filter(|i| i.port_mapping.is_some() == mapping)
                        // What the field means, and its source, is in the device's
                        // `cloud_indications`; the finding cites the atom.
                        .map(|i| {
                            format!(
                                "{}: cloud indication {} ({} = {})",
                                d.ip, i.kind, i.source, i.value
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        (Origin::Scan, Subject::Device) => ctx.device.map(identity_evidence).unwrap_or_default(),
        (Origin::Scan, Subject::Cloud) => ctx
            .contact
            .map(|c| vec![contact_line(c)])
            .unwrap_or_default(),
        (Origin::Declared, Subject::Cloud) => {
            let who = ctx.contact.map(contact_name).unwrap_or_default();
            vec![format!(
                "site.toml: recipient {who} named = {}",
                fact.display()
            )]
        }
        (Origin::Declared, Subject::Device) => {
            let ip = ctx.device.map(|d| d.ip.as_str()).unwrap_or("?");
            // A public area read from the location text (no `area` declared) says which text.
            let from_location = ctx
                .declared
                .filter(|d| test.field.name == "device.public_area" && d.area.is_none())
                .and_then(|d| d.location.as_deref())
                .filter(|_| *fact != Fact::Unknown)
                .map(|l| format!(" (from location \"{l}\")"))
                .unwrap_or_default();
            vec![format!(
                "site.toml: {ip} {} = {}{from_location}",
                test.field.name,
                fact.display()
            )]
        }
        (Origin::Declared, Subject::Site) | (Origin::Scan, Subject::Site) => {
            vec![format!(
                "site.toml: {} = {}",
                test.field.name,
                fact.display()
            )]
        }
    }
}

/// How many identity atoms a finding quotes at most.
const MAX_IDENTITY_ATOMS: usize = 4;
/// Longest atom value quoted as identity evidence, in bytes.
const MAX_QUOTED_ATOM: usize = 200;

fn identity_evidence(d: &Device) -> Vec<String> {
    let id = &d.identity;
    let name = [id.vendor.as_deref(), id.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut lines = vec![format!(
        "{}: {} {}, face recognition {} (confidence {:.0}%; signatures {})",
        d.ip,
        if name.is_empty() {
            "unnamed"
        } else {
            name.as_str()
        },
        id.device_type.as_str(),
        id.face_recognition.as_str(),
        id.confidence * 100.0,
        if id.signatures.is_empty() {
            "-".to_string()
        } else {
            id.signatures.join(", ")
        }
    )];
    // The atoms that name the model or vendor are the ones an inspector checks first.
    let keys: Vec<String> = [id.model.as_deref(), id.vendor.as_deref()]
        .into_iter()
        .flatten()
        .map(str::to_lowercase)
        .collect();
    let mut picked: Vec<String> = d
        .evidence
        .iter()
        .filter(|e| {
            keys.iter()
                .any(|k| e.value.to_lowercase().contains(k.as_str()))
        })
        .map(|e| e.short())
        .take(MAX_IDENTITY_ATOMS)
        .collect();
    if picked.is_empty() {
        picked = d
            .evidence
            .iter()
            .filter(|e| e.value.len() <= MAX_QUOTED_ATOM)
            .take(MAX_IDENTITY_ATOMS)
            .map(|e| e.short())
            .collect();
    }
    lines.extend(picked);
    lines
}

fn contact_name(c: &CloudContact) -> String {
    c.name.clone().unwrap_or_else(|| c.destination.clone())
}

/// `cloud: 1.0 MiB up to api.example.com (203.0.113.10:443 tcp, face_api, Example Cloud, US)`.
pub fn contact_line(c: &CloudContact) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let size = if c.bytes_up >= 1 << 20 {
        format!("{:.1} MiB", c.bytes_up as f64 / f64::from(1u32 << 20))
    } else if c.bytes_up >= 1 << 10 {
        format!("{:.1} KiB", c.bytes_up as f64 / 1024.0)
    } else {
        format!("{} B", c.bytes_up)
    };
    let mut parts = vec![
        format!("{}:{} {}", c.destination, c.port, c.protocol),
        c.category.as_str().to_string(),
    ];
    parts.extend(c.provider.clone());
    parts.push(
        c.country
            .clone()
            .unwrap_or_else(|| "country unknown".into()),
    );
    format!(
        "cloud: {size} {} {} ({})",
        if c.upload {
            "uploaded to"
        } else {
            "exchanged with"
        },
        contact_name(c),
        parts.join(", ")
    )
}

/// The sentence saying what must be true for an unknown test to hold.
fn phrase(test: &Test, negated: bool, ctx: &Ctx<'_>) -> Localized {
    let it = |zh: bool| match (test.field.subject, ctx.contact, ctx.device) {
        (Subject::Cloud, Some(c), _) => contact_name(c),
        (Subject::Device, _, Some(d)) => fill(words(zh).this_device, &[("ip", &d.ip)]),
        _ => String::new(),
    };
    let make = |zh: bool| {
        let field = test.field;
        let text = if field.kind == Kind::Bool {
            let wanted = match (test.op, test.values.first()) {
                (Op::Eq, Some(Value::Bool(b))) => *b,
                (Op::Ne, Some(Value::Bool(b))) => !*b,
                _ => true,
            };
            if wanted != negated {
                field.yes(zh)
            } else {
                field.no(zh)
            }
            .to_string()
        } else {
            let op = if negated { test.op.negated() } else { test.op };
            sentence(field.noun(zh), op, &test.values, zh)
        };
        text.replace("{it}", &it(zh))
    };
    Localized {
        zh: make(true),
        en: make(false),
    }
}

fn sentence(noun: &str, op: Op, values: &[Value], zh: bool) -> String {
    let labels: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::Word(w) => value_label(w, zh),
            other => other.display(),
        })
        .collect();
    let w = words(zh);
    let list = |last: &str| match labels.split_last() {
        Some((tail, [])) => tail.clone(),
        Some((tail, head)) => format!("{}{last}{tail}", head.join(w.list_sep)),
        None => String::new(),
    };
    let template = match op {
        Op::Eq | Op::In => w.is,
        Op::Ne | Op::NotIn => w.is_not,
        Op::Has => w.includes,
        Op::Lacks => w.excludes,
        Op::Lt => w.below,
        Op::Le => w.at_most,
        Op::Gt => w.above,
        Op::Ge => w.at_least,
        Op::IsTrue => return noun.to_string(),
    };
    let values = match op {
        Op::Eq | Op::In | Op::Ne | Op::NotIn => list(w.list_or),
        Op::Has | Op::Lacks => list(w.list_and),
        _ => list(""),
    };
    fill(template, &[("noun", noun), ("values", &values)])
}
