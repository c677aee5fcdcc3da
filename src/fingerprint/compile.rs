//! Parsing and validating one signature file into compiled [`Signature`]s. Pure: text in,
//! signatures or an error naming file, line and column out.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::claims::ClaimKind;
use super::db::Signature;
use super::error::{FileCtx, SignatureError};
use super::format::{DeviceFile, RawClause, RawExtractor, RawSignature, SCHEMA_VERSION};
use super::lazy_regex::LazyRegex;
use super::matcher::{Clause, Example, Extractor, ValueTest};
use crate::model::{DeviceType, FaceRecognition};

/// Example keys that state what extraction must yield rather than an evidence atom.
const EXPECT_MODEL: &str = "expect.model";
const EXPECT_FIRMWARE: &str = "expect.firmware";

pub(crate) fn parse_device_file(
    ctx: &FileCtx<'_>,
    relative: &str,
) -> Result<Vec<Signature>, SignatureError> {
    let file: DeviceFile = toml::from_str(ctx.text).map_err(|e| ctx.parse_error(&e))?;
    if *file.schema_version.get_ref() != SCHEMA_VERSION {
        let (line, column) = ctx.line_col(file.schema_version.span().start);
        return Err(SignatureError::Parse {
            file: ctx.name.to_string(),
            line,
            column,
            message: format!(
                "schema_version {} is not supported, expected {SCHEMA_VERSION}",
                file.schema_version.get_ref()
            ),
        });
    }
    if file.source.get_ref().trim().is_empty() {
        let (line, column) = ctx.line_col(file.source.span().start);
        return Err(SignatureError::Parse {
            file: ctx.name.to_string(),
            line,
            column,
            message: "empty `source`: name the public source of this file".into(),
        });
    }
    let file_vendor = file.vendor.filter(|v| !v.trim().is_empty());
    let family = file.vendor_family.filter(|v| !v.trim().is_empty());
    file.signatures
        .into_iter()
        .map(|raw| {
            let mut sig = compile_signature(ctx, relative, file_vendor.as_deref(), raw)?;
            // The family applies to the file's own brand, not to signatures naming another vendor.
            sig.vendor_family = match (&sig.vendor, &file_vendor) {
                (Some(v), Some(fv)) if v == fv => family.clone().or_else(|| sig.vendor.clone()),
                _ => sig.vendor.clone(),
            };
            Ok(sig)
        })
        .collect()
}

/// Builds an error at a span of the current signature.
type Bad<'a> = dyn Fn(Range<usize>, String) -> SignatureError + 'a;

fn compile_signature(
    ctx: &FileCtx<'_>,
    relative: &str,
    file_vendor: Option<&str>,
    raw: Spanned<RawSignature>,
) -> Result<Signature, SignatureError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let id = raw.id.get_ref().clone();
    let bad = |at: Range<usize>, msg: String| ctx.invalid(at, &id, msg);

    let (source, weight) = check_provenance(&raw, span.clone(), &bad)?;
    let (device_type, face_recognition) = parse_kind(&raw, &bad)?;
    let (clauses, model, firmware) =
        compile_matching(&raw, span.clone(), &bad, &|at: usize| ctx.line(at))?;
    if raw.example.is_empty() {
        return Err(bad(
            span,
            "missing `example`: give at least one real evidence set that matches".into(),
        ));
    }
    let examples = compile_examples(ctx, &raw.example, &bad)?;
    let counterexamples = compile_examples(ctx, &raw.counterexample, &bad)?;
    let vendor = match raw.vendor {
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v),
        None => file_vendor.map(str::to_string),
    };
    Ok(Signature {
        id,
        vendor_family: vendor.clone(),
        vendor,
        description: raw.description,
        source,
        weight,
        device_type,
        face_recognition,
        file: relative.to_string(),
        line: ctx.line(span.start),
        clauses,
        model,
        firmware,
        examples,
        counterexamples,
    })
}

/// The id's spelling, the public source and the weight.
fn check_provenance(
    raw: &RawSignature,
    span: Range<usize>,
    bad: &Bad<'_>,
) -> Result<(String, f64), SignatureError> {
    let id = raw.id.get_ref();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Err(bad(
            raw.id.span(),
            "id must be lower-case letters, digits, `-` or `.`".into(),
        ));
    }
    let source = match &raw.source {
        Some(s) if !s.get_ref().trim().is_empty() => s.get_ref().clone(),
        Some(s) => {
            return Err(bad(
                s.span(),
                "empty `source`: name the public source of this fact".into(),
            ));
        }
        None => {
            return Err(bad(
                span,
                "missing `source`: every signature names its public source".into(),
            ));
        }
    };
    let weight = *raw.weight.get_ref();
    if !(weight > 0.0 && weight <= 1.0) {
        return Err(bad(
            raw.weight.span(),
            format!("weight {weight} is outside (0, 1]"),
        ));
    }
    Ok((source, weight))
}

/// Device type and face capability, if the signature states them.
fn parse_kind(
    raw: &RawSignature,
    bad: &Bad<'_>,
) -> Result<(Option<DeviceType>, Option<FaceRecognition>), SignatureError> {
    let device_type = raw
        .device_type
        .as_ref()
        .map(|t| parse_device_type(t.get_ref()).map_err(|m| bad(t.span(), m)))
        .transpose()?;
    let face_recognition = raw
        .face_recognition
        .as_ref()
        .map(|f| match f.get_ref().as_str() {
            "yes" => Ok(FaceRecognition::Yes),
            "no" => Ok(FaceRecognition::No),
            other => Err(bad(
                f.span(),
                format!("face_recognition `{other}`, expected `yes` or `no`"),
            )),
        })
        .transpose()?;
    Ok((device_type, face_recognition))
}

type Matching = (Vec<Clause>, Option<Extractor>, Option<Extractor>);

/// Clauses and extractors, each regex compiled once.
fn compile_matching(
    raw: &RawSignature,
    span: Range<usize>,
    bad: &Bad<'_>,
    line_of: &dyn Fn(usize) -> usize,
) -> Result<Matching, SignatureError> {
    if raw.clauses.is_empty() {
        return Err(bad(span, "`match` needs at least one clause".into()));
    }
    let clauses = raw
        .clauses
        .iter()
        .map(|c| compile_clause(c.get_ref(), line_of(c.span().start)).map_err(|m| bad(c.span(), m)))
        .collect::<Result<Vec<_>, _>>()?;
    let extractor = |e: &Option<Spanned<RawExtractor>>| {
        e.as_ref()
            .map(|e| {
                compile_extractor(e.get_ref(), line_of(e.span().start))
                    .map_err(|m| bad(e.span(), m))
            })
            .transpose()
    };
    let (model, firmware) = match &raw.extract {
        Some(ex) => (extractor(&ex.model)?, extractor(&ex.firmware)?),
        None => (None, None),
    };
    Ok((clauses, model, firmware))
}

fn compile_examples(
    ctx: &FileCtx<'_>,
    list: &[Spanned<BTreeMap<String, String>>],
    bad: &Bad<'_>,
) -> Result<Vec<Example>, SignatureError> {
    list.iter()
        .map(|e| {
            compile_example(e.get_ref(), ctx.line(e.span().start)).map_err(|m| bad(e.span(), m))
        })
        .collect()
}

fn parse_device_type(s: &str) -> Result<DeviceType, String> {
    match s.parse::<DeviceType>() {
        Ok(DeviceType::Unknown) | Err(_) => {
            let allowed: Vec<&str> = DeviceType::ALL
                .iter()
                .filter(|t| **t != DeviceType::Unknown)
                .map(|t| t.as_str())
                .collect();
            Err(format!(
                "unknown device_type `{s}`, expected one of {}",
                allowed.join(", ")
            ))
        }
        Ok(t) => Ok(t),
    }
}

/// Evidence source names are dotted lower-case words: `http.server`, `sadp.model`.
pub(crate) fn valid_source_name(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    };
    parts.clone().count() >= 2 && parts.all(ok_part)
}

fn source_list(
    claim: Option<&String>,
    source: Option<&String>,
    sources: Option<&Vec<String>>,
) -> Result<Vec<String>, String> {
    if let Some(claim) = claim {
        if source.is_some() || sources.is_some() {
            return Err("give either `claim` or `source`/`sources`, not both".into());
        }
        let names: Vec<&str> = ClaimKind::ALL.iter().map(|k| k.as_str()).collect();
        let kind = ClaimKind::parse(claim).ok_or_else(|| {
            format!(
                "unknown claim `{claim}`, expected one of {}",
                names.join(", ")
            )
        })?;
        return Ok(vec![kind.atom_source()]);
    }
    let list = match (source, sources) {
        (Some(s), None) => vec![s.clone()],
        (None, Some(list)) if !list.is_empty() => list.clone(),
        (None, Some(_)) => return Err("`sources` is empty".into()),
        (Some(_), Some(_)) => return Err("give either `source` or `sources`, not both".into()),
        (None, None) => {
            return Err("missing `source` or `claim` (the evidence to read)".into());
        }
    };
    if let Some(bad) = list.iter().find(|s| !valid_source_name(s)) {
        return Err(format!(
            "`{bad}` is not an evidence source name (like `http.server`)"
        ));
    }
    Ok(list)
}

/// Checks the syntax now; the automaton is built on first use (see `lazy_regex`).
fn compile_regex(pattern: &str, case_sensitive: bool) -> Result<LazyRegex, String> {
    LazyRegex::new(pattern, !case_sensitive)
}

fn compile_clause(raw: &RawClause, line: usize) -> Result<Clause, String> {
    let sources = source_list(
        raw.claim.as_ref(),
        raw.source.as_ref(),
        raw.sources.as_ref(),
    )?;
    let test = match (&raw.regex, &raw.equals, &raw.contains) {
        (Some(r), None, None) => ValueTest::Regex(compile_regex(r.get_ref(), raw.case_sensitive)?),
        (None, Some(v), None) => ValueTest::equals(v, raw.case_sensitive),
        (None, None, Some(v)) => ValueTest::contains(v, raw.case_sensitive),
        _ => return Err("a clause needs exactly one of `regex`, `equals`, `contains`".into()),
    };
    Ok(Clause {
        sources,
        test,
        line,
    })
}

fn compile_extractor(raw: &RawExtractor, line: usize) -> Result<Extractor, String> {
    let sources = source_list(
        raw.claim.as_ref(),
        raw.source.as_ref(),
        raw.sources.as_ref(),
    )?;
    let regex = raw
        .regex
        .as_ref()
        .map(|r| compile_regex(r.get_ref(), false))
        .transpose()?;
    let groups = regex.as_ref().map_or(0, LazyRegex::capture_groups);
    let group = raw.group.unwrap_or(usize::from(groups > 0));
    if group > groups {
        return Err(format!(
            "group {group} does not exist, the regex has {groups}"
        ));
    }
    Ok(Extractor {
        sources,
        regex,
        group,
        line,
    })
}

fn compile_example(map: &BTreeMap<String, String>, line: usize) -> Result<Example, String> {
    let mut evidence = Vec::new();
    let (mut model, mut firmware) = (None, None);
    for (key, value) in map {
        match key.as_str() {
            EXPECT_MODEL => model = Some(value.clone()),
            EXPECT_FIRMWARE => firmware = Some(value.clone()),
            k if valid_source_name(k) => evidence.push((k.to_string(), value.clone())),
            k => {
                return Err(format!(
                    "example key `{k}` is neither an evidence source nor `expect.model`/`expect.firmware`"
                ));
            }
        }
    }
    if evidence.is_empty() {
        return Err("an example needs at least one evidence value".into());
    }
    Ok(Example {
        evidence,
        model,
        firmware,
        line,
    })
}
