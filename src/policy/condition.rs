//! The trigger language of rules: a small boolean expression over facts (see `signatures/rules/README.md`).
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | "any_cloud(" expr ")" | "any_device(" expr ")" | test
//! test    := FIELD                       (a boolean field)
//!          | FIELD ("==" | "!=") VALUE
//!          | FIELD ["not"] "in" "[" VALUE ("," VALUE)* "]"
//!          | FIELD ("has" | "lacks") VALUE
//!          | FIELD ("<" | "<=" | ">" | ">=") NUMBER
//! VALUE   := word | "quoted text" | number | true | false
//! ```
//! Parsing checks every field and value against the vocabulary ([`super::vocab`]), so a typo is an
//! error with its position, never a rule that silently matches nothing.

use super::vocab::{Field, Kind, Subject, field_named};

/// A parsed trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// True when some cloud contact of the device satisfies the inner expression.
    AnyCloud(Box<Expr>),
    /// True when some device of the report satisfies the inner expression (site-wide rules).
    AnyDevice(Box<Expr>),
    Test(Test),
}

/// One comparison of a field with values.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub field: &'static Field,
    pub op: Op,
    pub values: Vec<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A boolean field on its own.
    IsTrue,
    Eq,
    Ne,
    In,
    NotIn,
    Has,
    Lacks,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// The test that holds exactly when this one does not.
    pub fn negated(self) -> Op {
        match self {
            Op::IsTrue => Op::IsTrue,
            Op::Eq => Op::Ne,
            Op::Ne => Op::Eq,
            Op::In => Op::NotIn,
            Op::NotIn => Op::In,
            Op::Has => Op::Lacks,
            Op::Lacks => Op::Has,
            Op::Lt => Op::Ge,
            Op::Le => Op::Gt,
            Op::Gt => Op::Le,
            Op::Ge => Op::Lt,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Word(String),
    Number(f64),
    Bool(bool),
}

impl Value {
    pub fn display(&self) -> String {
        match self {
            Value::Word(w) => w.clone(),
            Value::Number(n) => format!("{n}"),
            Value::Bool(b) => b.to_string(),
        }
    }
}

/// Where a field may be used: which subjects are in scope at this point of the expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A per-device rule, outside `any_cloud`.
    Device,
    /// A site-wide rule, outside `any_device`.
    Site,
    /// Inside `any_cloud(…)`.
    Cloud,
}

/// A syntax or vocabulary error at a byte offset of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Text(String),
    Number(f64),
    Sym(&'static str),
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            for (_, c) in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                text.push(c);
            }
            if !closed {
                return Err(ParseError {
                    offset: at,
                    message: "unterminated quoted text".into(),
                });
            }
            out.push((at, Tok::Text(text)));
        } else if c.is_ascii_digit() {
            let mut end = at;
            while let Some(&(i, d)) = chars.peek() {
                if d.is_ascii_digit() || d == '.' || d == '_' {
                    end = i + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let digits = src[at..end].replace('_', "");
            let n = digits.parse().map_err(|_| ParseError {
                offset: at,
                message: format!("`{}` is not a number", &src[at..end]),
            })?;
            out.push((at, Tok::Number(n)));
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = at;
            while let Some(&(i, d)) = chars.peek() {
                if d.is_alphanumeric() || matches!(d, '_' | '.' | '-') {
                    end = i + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push((at, Tok::Word(src[at..end].to_string())));
        } else {
            let two = src.get(at..at + 2).unwrap_or("");
            let sym = ["==", "!=", "<=", ">="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| {
                    ["(", ")", "[", "]", ",", "<", ">"]
                        .into_iter()
                        .find(|s| s.starts_with(c))
                });
            let Some(sym) = sym else {
                return Err(ParseError {
                    offset: at,
                    message: format!("unexpected character `{c}`"),
                });
            };
            for _ in 0..sym.len() {
                chars.next();
            }
            out.push((at, Tok::Sym(sym)));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    _src: &'a str,
}

/// Parses a trigger for a rule of the given scope (`Device` or `Site`).
///
/// # Errors
/// Syntax errors, unknown fields, fields out of scope, and values the field cannot take.
pub fn parse(src: &str, scope: Scope) -> Result<Expr, ParseError> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
        end: src.len(),
        _src: src,
    };
    if p.toks.is_empty() {
        return Err(
            p.error_here("an empty trigger; expected a condition such as `device.face == yes`")
        );
    }
    let expr = p.or(scope)?;
    if p.pos < p.toks.len() {
        return Err(p.error_here("expected `and`, `or` or the end of the trigger"));
    }
    Ok(expr)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(o, _)| *o)
    }

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.offset(),
            message: message.into(),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), ParseError> {
        if self.is_sym(s) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(format!("expected `{s}`")))
        }
    }

    fn or(&mut self, scope: Scope) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(scope)?];
        while self.is_word("or") {
            self.pos += 1;
            items.push(self.and(scope)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, scope: Scope) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary(scope)?];
        while self.is_word("and") {
            self.pos += 1;
            items.push(self.unary(scope)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, scope: Scope) -> Result<Expr, ParseError> {
        if self.is_word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary(scope)?)));
        }
        if self.is_sym("(") {
            self.pos += 1;
            let inner = self.or(scope)?;
            self.expect_sym(")")?;
            return Ok(inner);
        }
        for (word, inner_scope, wrap) in [
            (
                "any_cloud",
                Scope::Cloud,
                Expr::AnyCloud as fn(Box<Expr>) -> Expr,
            ),
            (
                "any_device",
                Scope::Device,
                Expr::AnyDevice as fn(Box<Expr>) -> Expr,
            ),
        ] {
            if self.is_word(word) {
                let allowed = match word {
                    "any_cloud" => scope == Scope::Device,
                    _ => scope == Scope::Site,
                };
                if !allowed {
                    return Err(self.error_here(format!(
                        "`{word}(…)` is not allowed here (any_cloud in device rules, any_device in site rules)"
                    )));
                }
                self.pos += 1;
                self.expect_sym("(")?;
                let inner = self.or(inner_scope)?;
                self.expect_sym(")")?;
                return Ok(wrap(Box::new(inner)));
            }
        }
        self.test(scope)
    }

    fn test(&mut self, scope: Scope) -> Result<Expr, ParseError> {
        let at = self.offset();
        let Some(Tok::Word(name)) = self.peek().cloned() else {
            return Err(self
                .error_here("expected a field such as `device.face`, `not`, `(` or `any_cloud(`"));
        };
        let field = field_named(&name).ok_or_else(|| ParseError {
            offset: at,
            message: format!("unknown field `{name}`; expected one of {}", field_list()),
        })?;
        let fits = match field.subject {
            Subject::Cloud => scope == Scope::Cloud,
            Subject::Device => scope == Scope::Device,
            Subject::Site => true,
        };
        if !fits {
            let hint = match field.subject {
                Subject::Cloud => "cloud fields only inside `any_cloud(…)` of a device rule",
                _ => "device fields only in device rules or inside `any_device(…)`",
            };
            return Err(ParseError {
                offset: at,
                message: format!("`{name}` cannot be used here: {hint}"),
            });
        }
        self.pos += 1;
        let op_at = self.offset();
        let op = match self.peek() {
            Some(Tok::Sym("==")) => Op::Eq,
            Some(Tok::Sym("!=")) => Op::Ne,
            Some(Tok::Sym("<")) => Op::Lt,
            Some(Tok::Sym("<=")) => Op::Le,
            Some(Tok::Sym(">")) => Op::Gt,
            Some(Tok::Sym(">=")) => Op::Ge,
            Some(Tok::Word(w)) if w == "in" => Op::In,
            Some(Tok::Word(w)) if w == "has" => Op::Has,
            Some(Tok::Word(w)) if w == "lacks" => Op::Lacks,
            Some(Tok::Word(w))
                if w == "not"
                    && matches!(self.toks.get(self.pos + 1), Some((_, Tok::Word(x))) if x == "in") =>
            {
                self.pos += 1;
                Op::NotIn
            }
            _ => Op::IsTrue,
        };
        if op != Op::IsTrue {
            self.pos += 1;
        }
        let first_value = self.pos;
        let values = match op {
            Op::IsTrue => Vec::new(),
            Op::In | Op::NotIn => self.list()?,
            _ => vec![self.value()?],
        };
        check_test(field, op, &values).map_err(|(bad, message)| {
            // Point at the offending value where there is one, else at the operator.
            let offset = bad
                .and_then(|i| {
                    self.toks[first_value..self.pos]
                        .iter()
                        .filter(|(_, t)| !matches!(t, Tok::Sym(_)))
                        .nth(i)
                        .map(|(o, _)| *o)
                })
                .unwrap_or(op_at);
            ParseError { offset, message }
        })?;
        Ok(Expr::Test(Test { field, op, values }))
    }

    fn list(&mut self) -> Result<Vec<Value>, ParseError> {
        self.expect_sym("[")?;
        let mut values = vec![self.value()?];
        while self.is_sym(",") {
            self.pos += 1;
            values.push(self.value()?);
        }
        self.expect_sym("]")?;
        Ok(values)
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        let v = match self.peek() {
            Some(Tok::Word(w)) if w == "true" => Value::Bool(true),
            Some(Tok::Word(w)) if w == "false" => Value::Bool(false),
            Some(Tok::Word(w)) => Value::Word(w.clone()),
            Some(Tok::Text(t)) => Value::Word(t.clone()),
            Some(Tok::Number(n)) => Value::Number(*n),
            _ => return Err(self.error_here("expected a value")),
        };
        self.pos += 1;
        Ok(v)
    }
}

fn field_list() -> String {
    super::vocab::FIELDS
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Does the operator suit the field, and are the values ones the field can take? On error, the
/// index of the offending value (if a value is at fault) and the message.
fn check_test(field: &Field, op: Op, values: &[Value]) -> Result<(), (Option<usize>, String)> {
    let name = field.name;
    let ops_ok = match field.kind {
        Kind::Bool => matches!(op, Op::IsTrue | Op::Eq | Op::Ne),
        Kind::Enum(_) | Kind::Text => matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn),
        Kind::Set(_) => matches!(op, Op::Has | Op::Lacks),
        Kind::Number => matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge),
    };
    if !ops_ok {
        let expected = match field.kind {
            Kind::Bool => "nothing (it is true or false), `== true` or `== false`",
            Kind::Enum(_) | Kind::Text => "`==`, `!=`, `in […]` or `not in […]`",
            Kind::Set(_) => "`has` or `lacks`",
            Kind::Number => "a comparison with a number (`>=`, `<` …)",
        };
        return Err((None, format!("`{name}` takes {expected}")));
    }
    for (i, v) in values.iter().enumerate() {
        match (field.kind, v) {
            (Kind::Bool, Value::Bool(_))
            | (Kind::Number, Value::Number(_))
            | (Kind::Text, Value::Word(_)) => {}
            (Kind::Enum(allowed) | Kind::Set(allowed), Value::Word(w))
                if allowed.contains(&w.as_str()) => {}
            (Kind::Enum(allowed) | Kind::Set(allowed), _) => {
                return Err((
                    Some(i),
                    format!(
                        "`{}` is not a value of `{name}`; expected one of {}",
                        v.display(),
                        allowed.join(", ")
                    ),
                ));
            }
            _ => return Err((Some(i), format!("`{}` does not fit `{name}`", v.display()))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precedence_and_quantifiers() {
        let e = parse(
            "device.face == yes and not any_cloud(cloud.upload and cloud.country not in [CN]) or notice.discloses lacks face_recognition",
            Scope::Device,
        )
        .unwrap();
        let Expr::Or(items) = e else { panic!("{e:?}") };
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[0], Expr::And(a) if a.len() == 2));
    }

    /// A misspelt field or value is an error pointing at it, with what was expected.
    #[test]
    fn typos_are_located() {
        let err = parse("device.face == yes and site.consnet == none", Scope::Device).unwrap_err();
        assert_eq!(err.offset, 23);
        assert!(
            err.message.contains("unknown field `site.consnet`"),
            "{}",
            err.message
        );
        let err = parse("site.consent in [separate, writen]", Scope::Site).unwrap_err();
        assert!(
            err.message
                .contains("`writen` is not a value of `site.consent`"),
            "{}",
            err.message
        );
        assert!(err.message.contains("guardian"), "{}", err.message);
        let err = parse("cloud.upload", Scope::Device).unwrap_err();
        assert!(err.message.contains("any_cloud"), "{}", err.message);
        let err = parse("device.face == yes and", Scope::Device).unwrap_err();
        assert_eq!(err.offset, 22);
        let err = parse("notice.discloses == face_recognition", Scope::Site).unwrap_err();
        assert!(err.message.contains("`has` or `lacks`"), "{}", err.message);
    }

    /// Hostile or truncated input never panics: every prefix of a real trigger, odd characters,
    /// unterminated quotes and multi-byte text all come back as a result or an error.
    #[test]
    fn hostile_input_never_panics() {
        let real = "device.face == yes and any_cloud(cloud.upload and cloud.country not in [CN, \"香港\"]) or site.stored_faces >= 100_000";
        for (i, _) in real.char_indices() {
            let _ = parse(&real[..i], Scope::Device);
            let _ = parse(&real[i..], Scope::Site);
        }
        for s in [
            "\"",
            "((((",
            "]]]",
            "not not not",
            "device.face == \u{202e}yes",
            "1.2.3",
            "a\u{0}b",
            "é==é",
            "<",
            ">=>=",
        ] {
            let _ = parse(s, Scope::Device);
        }
        assert!(
            parse("device.face == \"yes", Scope::Device)
                .unwrap_err()
                .message
                .contains("unterminated")
        );
    }
}
