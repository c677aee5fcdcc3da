//! The surveillance vocabulary (`signatures/vocabulary.toml`) and the brand lexicon
//! (`signatures/brands.toml`): words and brand names matched unanchored, on word boundaries, in
//! every human-readable claim. Both compile into one [`RegexSet`], run once per text claim.
//! Each term and brand becomes a signature of its own (`vocab:nvr`, `brand:amcrest`) so the
//! engine weighs it like any other and the report names the words that decided. Pure.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::db::Signature;
use super::error::{FileCtx, SignatureError};
use super::lazy_regex::{LazyRegexSet, check_syntax};
use crate::model::{DeviceType, FaceRecognition};

/// The vocabulary file, relative to the signature root.
pub const VOCABULARY_FILE: &str = "vocabulary.toml";
/// The brand lexicon file, relative to the signature root.
pub const BRANDS_FILE: &str = "brands.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    schema_version: Spanned<u32>,
    source: Spanned<String>,
    #[serde(default, rename = "term")]
    terms: Vec<Spanned<RawTerm>>,
}

/// One `[[term]]`: words (literal, matched on word boundaries) and/or regexes with what they say.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    id: Spanned<String>,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
    weight: Spanned<f64>,
    device_type: Spanned<String>,
    #[serde(default)]
    face_recognition: Option<Spanned<String>>,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    source: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandsFile {
    schema_version: Spanned<u32>,
    source: Spanned<String>,
    /// Weight of a brand named in a human-readable claim, as vendor evidence.
    brand_weight: Spanned<f64>,
    /// Weight of a surveillance-only brand named in text, as evidence of a surveillance device.
    surveillance_brand_weight: Spanned<f64>,
    /// Weight of a brand named by the device's own cloud (it sends to its maker's endpoint):
    /// lower than a brand named in a banner, since an app on a phone reaches the same cloud.
    cloud_maker_weight: Spanned<f64>,
    oui_rule: Spanned<RawOuiRule>,
    #[serde(default)]
    stated_vendor: Option<Spanned<RawStatedVendor>>,
    #[serde(default)]
    module_makers: Option<Spanned<RawModuleMakers>>,
    #[serde(default, rename = "brand")]
    brands: Vec<Spanned<RawBrand>>,
}

/// The MAC prefix of a surveillance-only maker plus an answering RTSP or SDK port.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOuiRule {
    ports: Vec<u16>,
    /// Services (as the port knowledge or a probe names them: `rtsp` on 8554 as on 554) that
    /// count like `ports`.
    #[serde(default)]
    services: Vec<String>,
    weight: f64,
    /// Weight of the prefix alone (no port): a *likely* surveillance device, never a certain one.
    #[serde(default)]
    maker_only_weight: Option<f64>,
    source: Option<String>,
}

/// Organisations that make Wi-Fi/network modules or build devices for other brands (ODMs): their
/// MAC prefix says who made the network chip, never whose device it is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModuleMakers {
    /// Organisation names (case-insensitive substrings) as registered with the IEEE.
    organisations: Vec<String>,
    source: Option<String>,
}

/// A manufacturer field the device fills itself names the vendor when no brand does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatedVendor {
    /// Evidence sources that carry the device's own manufacturer field.
    sources: Vec<String>,
    /// Values that name no maker (compared whole, case-insensitive).
    placeholders: Vec<String>,
    source: Option<String>,
}

/// The compiled `[stated_vendor]` rule.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatedVendor {
    pub sources: Vec<String>,
    pub placeholders: Vec<String>,
    /// Where the rule is defined, for the report's signature list.
    pub signature: Option<Signature>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrand {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    /// The maker whose firmware the brand runs, when not the brand itself.
    #[serde(default)]
    maker: Option<String>,
    /// Organisation names (case-insensitive substrings) in the IEEE MAC registry.
    #[serde(default)]
    ieee: Vec<String>,
    /// The brand builds only surveillance, access-control and face devices.
    #[serde(default)]
    surveillance_only: bool,
    /// The brand's names are also common words or the names of other products (Mercury is a
    /// planet and a router line): they name the brand only in a text that also names a
    /// surveillance class word (`MERCURY-IPC`, `Mercury NVR`).
    #[serde(default)]
    needs_class_word: bool,
    /// The brand this maker's devices are sold under (Xiaomi's ecosystem makers: Chuangmi
    /// builds `chuangmi.camera.*` sold as Xiaomi/Mijia): that brand is named the vendor and this
    /// maker is kept as the maker.
    #[serde(default)]
    sold_as: Option<String>,
    /// The maker builds devices (or firmware) other brands sell under their own names (Hipcam,
    /// Xiongmai, Dahua, Hikvision): when a surveillance-only brand is named next to it, the
    /// brand is the vendor and this one the maker.
    #[serde(default)]
    oem_supplier: bool,
    /// The one device type the brand builds (DoorBird: `doorbell`), for a surveillance-only
    /// brand; otherwise a surveillance-only brand counts as `camera`.
    #[serde(default)]
    device_type: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<Spanned<String>>,
}

/// One brand of the lexicon.
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    pub aliases: Vec<String>,
    pub maker: Option<String>,
    pub ieee: Vec<String>,
    pub surveillance_only: bool,
    pub needs_class_word: bool,
    pub sold_as: Option<String>,
    pub oem_supplier: bool,
    /// The device type a surveillance-only brand's devices have (camera unless stated).
    pub device_type: Option<DeviceType>,
    pub source: String,
}

/// The compiled vocabulary and lexicon.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    /// One per vocabulary term and per brand, in set order.
    pub signatures: Vec<Signature>,
    /// Per signature: it counts only when a surveillance class word matched in the same text.
    needs_class_word: Vec<bool>,
    set: LazyRegexSet,
    pub brands: Vec<Brand>,
    /// The MAC-prefix rule's signature and the ports it needs.
    pub oui_rule: Option<(Signature, Vec<u16>)>,
    /// Services that count like the rule's ports (`rtsp` wherever it answers).
    pub oui_services: Vec<String>,
    /// The prefix of a surveillance-only maker alone: a likely surveillance device.
    pub oui_maker_only: Option<Signature>,
    /// Both rules again for makers whose brand entry names one device type (a doorbell
    /// maker): `(with a port, prefix only)` by type.
    pub oui_typed: BTreeMap<DeviceType, (Signature, Option<Signature>)>,
    /// IEEE organisation names of network-module makers and ODMs (lower case).
    pub module_makers: Vec<String>,
    /// Which manufacturer fields name a vendor nobody wrote a brand entry for.
    pub stated_vendor: StatedVendor,
    /// For each brand signature (by index in `signatures`), the signature a claim read from the
    /// device's own cloud (`traffic.cloud_maker`) counts as: the same brand at a lower weight.
    pub cloud_maker: BTreeMap<usize, Signature>,
}

impl Lexicon {
    /// Indexes of the signatures whose words occur in `text`.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        self.matches_in(text, false)
    }

    /// Like [`Lexicon::matches`]; `class_context` says the text comes from a source that is
    /// itself surveillance context (an RTSP server or SDP session: a video stream), so brands
    /// that need a class word count there without one.
    pub fn matches_in(&self, text: &str, class_context: bool) -> Vec<usize> {
        let all = self.set.matches(text);
        let class_word = class_context
            || all.iter().any(|&n| {
                let s = &self.signatures[n];
                s.vendor.is_none() && s.device_type.is_some_and(|t| t.is_surveillance())
            });
        all.into_iter()
            .filter(|&n| class_word || !self.needs_class_word.get(n).copied().unwrap_or(false))
            .collect()
    }

    /// Builds the vocabulary's and the lexicon's regex set now (it otherwise builds on first
    /// use).
    ///
    /// # Errors
    /// The patterns do not compile together.
    pub fn compile_set(&self) -> Result<(), String> {
        self.set.compile().map(|_| ())
    }

    /// The MAC registry organisation is a network-module maker or ODM.
    pub fn is_module_maker(&self, organisation: &str) -> bool {
        self.module_makers
            .iter()
            .any(|m| super::identify::contains_words(organisation, m))
    }

    /// The brand whose name or alias is `vendor` (case-insensitive).
    pub fn brand(&self, vendor: &str) -> Option<&Brand> {
        self.brands.iter().find(|b| {
            b.name.eq_ignore_ascii_case(vendor)
                || b.aliases.iter().any(|a| a.eq_ignore_ascii_case(vendor))
        })
    }
}

/// A word as a regex: literal, spaces match any run of blanks, `_` or `-`, a camel-case joint
/// (`MacroVideo`, `NetCam`) matches the word written joined or split at it (`Macro-Video`,
/// `macro video`: makers spell their names both ways), and a word boundary (no ASCII letter or
/// digit) on each side that starts or ends with one. CJK words have no boundaries to respect.
fn word_pattern(word: &str) -> String {
    let parts: Vec<String> = word.split_whitespace().map(camel_joints).collect();
    let mut p = parts.join(r"[\s_-]+");
    if word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        p = format!("(?:^|[^A-Za-z0-9]){p}");
    }
    if word
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        p = format!("{p}(?:$|[^A-Za-z0-9])");
    }
    p
}

/// One blank-free part of a word, escaped, with an optional `-`, `_` or blank allowed at each
/// ASCII lower-to-upper case joint.
fn camel_joints(part: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in part.chars() {
        if previous.is_some_and(|p| p.is_ascii_lowercase()) && c.is_ascii_uppercase() {
            out.push_str(r"[\s_-]?");
        }
        out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        previous = Some(c);
    }
    out
}

fn check_version(ctx: &FileCtx<'_>, v: &Spanned<u32>) -> Result<(), SignatureError> {
    if *v.get_ref() == super::format::SCHEMA_VERSION {
        return Ok(());
    }
    let (line, column) = ctx.line_col(v.span().start);
    Err(SignatureError::Parse {
        file: ctx.name.to_string(),
        line,
        column,
        message: format!("schema_version {} is not supported", v.get_ref()),
    })
}

fn required_source(
    ctx: &FileCtx<'_>,
    id: &str,
    span: Range<usize>,
    source: Option<&Spanned<String>>,
) -> Result<String, SignatureError> {
    match source {
        Some(s) if !s.get_ref().trim().is_empty() => Ok(s.get_ref().clone()),
        Some(s) => Err(ctx.invalid(s.span(), id, "empty `source`: name the public source")),
        None => Err(ctx.invalid(
            span,
            id,
            "missing `source`: every entry names its public source",
        )),
    }
}

fn check_weight(ctx: &FileCtx<'_>, id: &str, w: &Spanned<f64>) -> Result<f64, SignatureError> {
    let v = *w.get_ref();
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(ctx.invalid(w.span(), id, format!("weight {v} is outside (0, 1]")))
    }
}

/// A signature that is not matched clause by clause but by the lexicon's set.
fn lexicon_signature(
    id: String,
    file: &str,
    line: usize,
    source: String,
    weight: f64,
) -> Signature {
    Signature {
        id,
        vendor: None,
        vendor_family: None,
        description: String::new(),
        source,
        weight,
        device_type: None,
        face_recognition: None,
        file: file.to_string(),
        line,
        clauses: Vec::new(),
        model: None,
        firmware: None,
        examples: Vec::new(),
        counterexamples: Vec::new(),
    }
}

/// Parses and validates the vocabulary and the brand lexicon (either may be absent).
pub(crate) fn compile(
    vocabulary: Option<&FileCtx<'_>>,
    brands: Option<&FileCtx<'_>>,
) -> Result<Lexicon, SignatureError> {
    let mut lexicon = Lexicon::default();
    let mut patterns: Vec<String> = Vec::new();
    if let Some(ctx) = vocabulary {
        compile_vocabulary(ctx, &mut lexicon, &mut patterns)?;
    }
    if let Some(ctx) = brands {
        compile_brands(ctx, &mut lexicon, &mut patterns)?;
    }
    // Built on first use: `signatures check` and `--signatures DIR` build it at once.
    lexicon.set = LazyRegexSet::new(patterns);
    Ok(lexicon)
}

fn compile_vocabulary(
    ctx: &FileCtx<'_>,
    lexicon: &mut Lexicon,
    patterns: &mut Vec<String>,
) -> Result<(), SignatureError> {
    let file: VocabularyFile = toml::from_str(ctx.text).map_err(|e| ctx.parse_error(&e))?;
    check_version(ctx, &file.schema_version)?;
    if file.source.get_ref().trim().is_empty() {
        return Err(ctx.invalid(file.source.span(), "vocabulary", "empty `source`"));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for raw in file.terms {
        let span = raw.span();
        let raw = raw.into_inner();
        let id = raw.id.get_ref().clone();
        let line = ctx.line(span.start);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ctx.invalid(
                raw.id.span(),
                &id,
                "id must be lower-case letters, digits or `-`",
            ));
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(ctx.invalid(
                span,
                &id,
                format!("duplicate id, first defined at line {first}"),
            ));
        }
        let source = required_source(ctx, &id, span.clone(), raw.source.as_ref())?;
        let weight = check_weight(ctx, &id, &raw.weight)?;
        let device_type = match raw.device_type.get_ref().parse::<DeviceType>() {
            Ok(t) if t != DeviceType::Unknown => t,
            _ => {
                return Err(ctx.invalid(
                    raw.device_type.span(),
                    &id,
                    format!("unknown device_type `{}`", raw.device_type.get_ref()),
                ));
            }
        };
        let face = match raw
            .face_recognition
            .as_ref()
            .map(|f| (f.get_ref().as_str(), f.span()))
        {
            None => None,
            Some(("yes", _)) => Some(FaceRecognition::Yes),
            Some(("no", _)) => Some(FaceRecognition::No),
            Some((other, at)) => {
                return Err(ctx.invalid(
                    at,
                    &id,
                    format!("face_recognition `{other}`, expected `yes` or `no`"),
                ));
            }
        };
        if raw.words.is_empty() && raw.regex.is_empty() {
            return Err(ctx.invalid(span, &id, "a term needs `words` or `regex`"));
        }
        let mut alternatives: Vec<String> = raw.words.iter().map(|w| word_pattern(w)).collect();
        for r in &raw.regex {
            check_syntax(r.get_ref()).map_err(|reason| {
                ctx.invalid(
                    r.span(),
                    &id,
                    format!("invalid regex `{}`: {reason}", r.get_ref()),
                )
            })?;
            alternatives.push(format!("(?:{})", r.get_ref()));
        }
        let flags = if raw.case_sensitive { "" } else { "(?i)" };
        patterns.push(format!("{flags}(?:{})", alternatives.join("|")));
        let mut sig =
            lexicon_signature(format!("vocab:{id}"), VOCABULARY_FILE, line, source, weight);
        sig.description = raw.words.join(", ");
        sig.device_type = Some(device_type);
        sig.face_recognition = face;
        lexicon.signatures.push(sig);
        lexicon.needs_class_word.push(false);
    }
    Ok(())
}

fn compile_brands(
    ctx: &FileCtx<'_>,
    lexicon: &mut Lexicon,
    patterns: &mut Vec<String>,
) -> Result<(), SignatureError> {
    let file: BrandsFile = toml::from_str(ctx.text).map_err(|e| ctx.parse_error(&e))?;
    check_version(ctx, &file.schema_version)?;
    if file.source.get_ref().trim().is_empty() {
        return Err(ctx.invalid(file.source.span(), "brands", "empty `source`"));
    }
    let brand_weight = check_weight(ctx, "brand_weight", &file.brand_weight)?;
    let class_weight = check_weight(
        ctx,
        "surveillance_brand_weight",
        &file.surveillance_brand_weight,
    )?;
    let cloud_maker_weight = check_weight(ctx, "cloud_maker_weight", &file.cloud_maker_weight)?;
    if cloud_maker_weight >= brand_weight {
        return Err(ctx.invalid(
            file.cloud_maker_weight.span(),
            "cloud_maker_weight",
            format!("must be below brand_weight ({brand_weight}): a cloud is weaker than a banner"),
        ));
    }
    let rule_span = file.oui_rule.span();
    let rule = file.oui_rule.into_inner();
    let rule_source = match rule.source {
        Some(s) if !s.trim().is_empty() => s,
        _ => return Err(ctx.invalid(rule_span, "oui_rule", "missing `source`")),
    };
    if !(rule.weight > 0.0 && rule.weight <= 1.0) || rule.ports.is_empty() {
        return Err(ctx.invalid(
            rule_span,
            "oui_rule",
            "needs `ports` and a weight in (0, 1]",
        ));
    }
    let mut sig = lexicon_signature(
        "oui:surveillance-maker".into(),
        BRANDS_FILE,
        ctx.line(rule_span.start),
        rule_source,
        rule.weight,
    );
    sig.device_type = Some(DeviceType::Camera);
    if let Some(w) = rule.maker_only_weight {
        if !(w > 0.0 && w < rule.weight) {
            return Err(ctx.invalid(
                rule_span,
                "oui_rule",
                format!("maker_only_weight {w} must be in (0, weight): the prefix alone is weaker"),
            ));
        }
        let mut likely = sig.clone();
        likely.id = "oui:surveillance-maker-only".into();
        likely.description =
            "MAC prefix of a maker that builds only surveillance gear (likely; from the MAC maker only)"
                .into();
        likely.weight = w;
        lexicon.oui_maker_only = Some(likely);
    }
    for t in DeviceType::ALL {
        if t.is_surveillance() && t != DeviceType::Camera {
            let retype = |base: &Signature| {
                let mut typed = base.clone();
                typed.id = format!("{}:{}", base.id, t.as_str());
                typed.device_type = Some(t);
                typed
            };
            let likely = lexicon.oui_maker_only.as_ref().map(retype);
            lexicon.oui_typed.insert(t, (retype(&sig), likely));
        }
    }
    lexicon.oui_services = rule.services;
    lexicon.oui_rule = Some((sig, rule.ports));
    if let Some(raw) = file.module_makers {
        let span = raw.span();
        let raw = raw.into_inner();
        if raw.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(ctx.invalid(span, "module_makers", "missing `source`"));
        }
        lexicon.module_makers = raw
            .organisations
            .iter()
            .map(|o| o.trim().to_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
    }
    if let Some(raw) = file.stated_vendor {
        let span = raw.span();
        let raw = raw.into_inner();
        let source = match raw.source {
            Some(s) if !s.trim().is_empty() => s,
            _ => return Err(ctx.invalid(span, "stated_vendor", "missing `source`")),
        };
        if raw.sources.is_empty() {
            return Err(ctx.invalid(span, "stated_vendor", "needs `sources`"));
        }
        let mut sig = lexicon_signature(
            "vendor:stated".into(),
            BRANDS_FILE,
            ctx.line(span.start),
            source,
            0.0,
        );
        sig.description = "the manufacturer the device states itself".into();
        lexicon.stated_vendor = StatedVendor {
            sources: raw.sources,
            placeholders: raw.placeholders,
            signature: Some(sig),
        };
    }

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for raw in file.brands {
        let span = raw.span();
        let raw = raw.into_inner();
        let name = raw.name.get_ref().trim().to_string();
        let line = ctx.line(span.start);
        if name.is_empty() {
            return Err(ctx.invalid(raw.name.span(), "brand", "empty brand name"));
        }
        let key = name.to_lowercase();
        if let Some(first) = seen.insert(key.clone(), line) {
            return Err(ctx.invalid(
                span,
                &name,
                format!("duplicate brand, first defined at line {first}"),
            ));
        }
        let source = required_source(ctx, &name, span.clone(), raw.source.as_ref())?;
        let words: Vec<&String> = std::iter::once(&name).chain(raw.aliases.iter()).collect();
        let alternatives: Vec<String> = words.iter().map(|w| word_pattern(w)).collect();
        patterns.push(format!("(?i)(?:{})", alternatives.join("|")));
        let id: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let mut sig = lexicon_signature(
            format!("brand:{id}"),
            BRANDS_FILE,
            line,
            source.clone(),
            brand_weight,
        );
        sig.description = words
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        sig.vendor = Some(name.clone());
        sig.vendor_family = Some(
            raw.maker
                .clone()
                .or_else(|| raw.sold_as.clone())
                .unwrap_or_else(|| name.clone()),
        );
        let device_type = match &raw.device_type {
            None => None,
            Some(t) => match t.get_ref().parse::<DeviceType>() {
                Ok(parsed) if parsed.is_surveillance() && raw.surveillance_only => Some(parsed),
                _ => {
                    return Err(ctx.invalid(
                        t.span(),
                        &name,
                        format!(
                            "device_type `{}`: a surveillance type, on a surveillance-only brand",
                            t.get_ref()
                        ),
                    ));
                }
            },
        };
        if raw.surveillance_only {
            // A surveillance-only brand named on a device is weak evidence it is one of theirs.
            sig.device_type = Some(device_type.unwrap_or(DeviceType::Camera));
            sig.weight = brand_weight.max(class_weight);
        }
        let mut cloud = sig.clone();
        cloud.id = format!("cloud-maker:{id}");
        cloud.description = format!("sends to {name}'s own cloud");
        cloud.weight = cloud_maker_weight;
        lexicon.cloud_maker.insert(lexicon.signatures.len(), cloud);
        lexicon.signatures.push(sig);
        lexicon.needs_class_word.push(raw.needs_class_word);
        lexicon.brands.push(Brand {
            name,
            aliases: raw.aliases,
            maker: raw.maker,
            ieee: raw.ieee,
            surveillance_only: raw.surveillance_only,
            needs_class_word: raw.needs_class_word,
            sold_as: raw.sold_as,
            oem_supplier: raw.oem_supplier,
            device_type,
            source,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(name: &'a str, text: &'a str) -> FileCtx<'a> {
        FileCtx::new(name, text)
    }

    const VOCAB: &str = r#"schema_version = 1
source = "test"

[[term]]
id = "nvr"
words = ["NVR", "network video recorder", "录像机"]
weight = 0.6
device_type = "nvr"
source = "test"
"#;

    /// Words match on word boundaries, never inside other words; CJK words match anywhere.
    #[test]
    fn words_match_on_boundaries() {
        let lex = compile(Some(&ctx("v.toml", VOCAB)), None).unwrap();
        assert_eq!(lex.matches("Hikvision NVR login"), [0]);
        assert_eq!(lex.matches("NVR_WEB"), [0]);
        assert_eq!(lex.matches("Network-Video Recorder"), [0]);
        assert_eq!(lex.matches("海康网络硬盘录像机"), [0]);
        assert!(lex.matches("ENVRIONMENT").is_empty());
        assert!(lex.matches("nvram").is_empty());
    }

    /// A camel-case word matches joined or split at its joint, in any case; nothing else moves.
    #[test]
    fn camel_case_words_match_joined_or_split() {
        let vocab = VOCAB.replace(r#"words = ["NVR","#, r#"words = ["MacroVideo", "NVR","#);
        let lex = compile(Some(&ctx("v.toml", &vocab)), None).unwrap();
        for text in [
            "streamed by the macro-video rtsp server",
            "MacroVideo",
            "Macro Video app",
            "MACRO_VIDEO",
        ] {
            assert_eq!(lex.matches(text), [0], "{text}");
        }
        assert!(lex.matches("macro--video").is_empty());
        assert!(lex.matches("macrovideos").is_empty());
    }

    /// A term without a source, with an unknown field or a bad regex names its file and line.
    #[test]
    fn bad_terms_name_file_and_line() {
        let no_source = VOCAB.replace("source = \"test\"\n", "");
        let no_source = format!("schema_version = 1\nsource = \"x\"\n{}", &no_source[18..]);
        let err = compile(Some(&ctx("v.toml", &no_source)), None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("v.toml:5:"), "{err}");
        assert!(err.contains("missing `source`"), "{err}");

        let line_of = |text: &str, needle: &str| {
            text.lines().position(|l| l.starts_with(needle)).unwrap() + 1
        };
        let unknown = VOCAB.replace("weight = 0.6", "weight = 0.6\nwieght = 1");
        let err = compile(Some(&ctx("v.toml", &unknown)), None)
            .unwrap_err()
            .to_string();
        let at = format!("v.toml:{}:", line_of(&unknown, "wieght"));
        assert!(err.starts_with(&at), "{err}");
        assert!(err.contains("unknown field"), "{err}");

        let bad_regex = VOCAB.replace("weight = 0.6", "regex = ['(NVR']\nweight = 0.6");
        let err = compile(Some(&ctx("v.toml", &bad_regex)), None)
            .unwrap_err()
            .to_string();
        let at = format!("v.toml:{}:", line_of(&bad_regex, "regex"));
        assert!(err.starts_with(&at), "{err}");
        assert!(err.contains("invalid regex"), "{err}");
    }
}
