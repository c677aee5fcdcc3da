//! Loading, validating and compiling the signature database. Pure except for
//! [`SignatureDb::load_dir`], the one place that reads files (`--signatures DIR`).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use sha2::{Digest, Sha256};
use toml::Spanned;

use super::error::{FileCtx, SignatureError, line_col};
use super::format::{DeviceFile, RawClause, RawExtractor, RawSignature, SCHEMA_VERSION};
use super::matcher::{Clause, Example, Extractor, ValueTest};
use super::oui::{OuiEntry, OuiTable};
use crate::model::{DeviceType, FaceRecognition, SignatureSetInfo};

/// Example keys that state what extraction must yield rather than an evidence atom.
pub(crate) const EXPECT_MODEL: &str = "expect.model";
pub(crate) const EXPECT_FIRMWARE: &str = "expect.firmware";

/// One compiled, validated signature.
#[derive(Debug, Clone)]
pub struct Signature {
    pub id: String,
    /// `None` for generic and decoy signatures that say what a device is but not who made it.
    pub vendor: Option<String>,
    /// The maker whose firmware the vendor's devices run (OEM brands), else the vendor itself.
    pub vendor_family: Option<String>,
    pub description: String,
    /// Public source of the fact.
    pub source: String,
    pub weight: f64,
    pub device_type: Option<DeviceType>,
    pub face_recognition: Option<FaceRecognition>,
    /// File (relative to the signature root, e.g. `devices/hikvision.toml`) and line it came from.
    pub file: String,
    pub line: usize,
    pub(crate) clauses: Vec<Clause>,
    pub(crate) model: Option<Extractor>,
    pub(crate) firmware: Option<Extractor>,
    pub(crate) examples: Vec<Example>,
    pub(crate) counterexamples: Vec<Example>,
}

impl Signature {
    /// The evidence sources this signature reads, sorted: signatures over the same sources are
    /// not independent evidence, so confidence counts each source set once.
    pub fn source_key(&self) -> String {
        let set: BTreeSet<&str> = self
            .clauses
            .iter()
            .flat_map(|c| c.sources.iter().map(String::as_str))
            .collect();
        set.into_iter().collect::<Vec<_>>().join("+")
    }
}

/// One file of a signature set, as read from the bundle or a directory.
#[derive(Debug, Clone)]
pub struct SignatureFile {
    /// Path relative to the signature root (`devices/hikvision.toml`); hashed, so a directory
    /// copy of the bundle has the bundle's hash.
    pub relative: String,
    /// Name used in error messages.
    pub display: String,
    pub text: String,
}

/// The device signatures and the MAC prefix table, compiled once.
#[derive(Debug, Clone)]
pub struct SignatureDb {
    signatures: Vec<Signature>,
    pub(crate) oui: OuiTable,
    sha256: String,
}

impl SignatureDb {
    /// The set embedded in the binary at build time.
    ///
    /// # Errors
    /// A bundled file that does not validate (caught by the crate's own tests).
    pub fn bundled() -> Result<SignatureDb, SignatureError> {
        let files = super::bundled::BUNDLED_FILES
            .iter()
            .map(|(rel, text)| SignatureFile {
                relative: (*rel).to_string(),
                display: format!("signatures/{rel}"),
                text: (*text).to_string(),
            })
            .collect();
        Self::from_files(files)
    }

    /// Reads `DIR/devices/*.toml` and `DIR/oui/*.tsv`; both folders must exist.
    ///
    /// # Errors
    /// A missing folder, an unreadable file, or any file that does not validate.
    pub fn load_dir(dir: &Path) -> Result<SignatureDb, SignatureError> {
        let mut files = read_folder(dir, "devices", "toml")?;
        files.extend(read_folder(dir, "oui", "tsv")?);
        Self::from_files(files)
    }

    /// Builds a database from file contents. Files under `devices/` ending in `.toml` are
    /// signatures, files under `oui/` ending in `.tsv` are MAC prefixes; others are ignored.
    ///
    /// # Errors
    /// The first file or signature that does not validate.
    pub fn from_files(mut files: Vec<SignatureFile>) -> Result<SignatureDb, SignatureError> {
        files.retain(|f| is_device_file(&f.relative) || is_oui_file(&f.relative));
        files.sort_by(|a, b| a.relative.cmp(&b.relative));
        let mut signatures = Vec::new();
        let mut seen: HashMap<String, (String, usize)> = HashMap::new();
        let mut oui_entries = Vec::new();
        for file in &files {
            let ctx = FileCtx {
                name: &file.display,
                text: &file.text,
            };
            if is_device_file(&file.relative) {
                for sig in parse_device_file(&ctx, &file.relative)? {
                    if let Some((first_file, first_line)) = seen.get(&sig.id) {
                        return Err(SignatureError::Invalid {
                            file: file.display.clone(),
                            line: sig.line,
                            column: 1,
                            id: sig.id.clone(),
                            message: format!(
                                "duplicate id, first defined at {first_file}:{first_line}"
                            ),
                        });
                    }
                    seen.insert(sig.id.clone(), (file.display.clone(), sig.line));
                    signatures.push(sig);
                }
            } else {
                oui_entries.extend(OuiEntry::parse_tsv(&file.display, &file.text)?);
            }
        }
        Ok(SignatureDb {
            signatures,
            oui: OuiTable::new(oui_entries),
            sha256: hash_files(&files),
        })
    }

    /// Version and hash of this set, for the report.
    pub fn info(&self) -> SignatureSetInfo {
        SignatureSetInfo {
            version: format!(
                "devices:{} oui:{} camsweep:{}",
                self.signatures.len(),
                self.oui.len(),
                env!("CARGO_PKG_VERSION")
            ),
            sha256: self.sha256.clone(),
        }
    }

    /// All signatures, in file order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The vendors named by signatures, sorted and unique.
    pub fn vendors(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self
            .signatures
            .iter()
            .filter_map(|s| s.vendor.as_deref())
            .collect();
        set.into_iter().collect()
    }

    /// The vendor owning a MAC's prefix (`aa:bb:cc:dd:ee:ff`, `AA-BB-…`, `aabb.ccdd.eeff`),
    /// longest registered prefix first. `None` for unknown and for locally administered MACs.
    pub fn oui_vendor(&self, mac: &str) -> Option<&str> {
        self.oui_entry(mac).map(|e| e.vendor.as_str())
    }

    /// The full prefix-table row for a MAC (vendor, registered organisation, source).
    pub fn oui_entry(&self, mac: &str) -> Option<&OuiEntry> {
        let bytes = super::oui::parse_mac(mac)?;
        if super::oui::is_locally_administered(bytes) {
            return None;
        }
        self.oui.lookup(bytes)
    }

    /// The family a vendor belongs to (`Imou` → `Dahua`), or the vendor itself.
    pub fn vendor_family<'a>(&'a self, vendor: &'a str) -> &'a str {
        self.signatures
            .iter()
            .find(|s| {
                s.vendor
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case(vendor))
            })
            .and_then(|s| s.vendor_family.as_deref())
            .unwrap_or(vendor)
    }

    /// Number of MAC prefixes known.
    pub fn oui_len(&self) -> usize {
        self.oui.len()
    }
}

fn is_device_file(rel: &str) -> bool {
    rel.starts_with("devices/") && rel.ends_with(".toml")
}

fn is_oui_file(rel: &str) -> bool {
    rel.starts_with("oui/") && rel.ends_with(".tsv")
}

fn read_folder(
    dir: &Path,
    sub: &'static str,
    ext: &str,
) -> Result<Vec<SignatureFile>, SignatureError> {
    let folder = dir.join(sub);
    if !folder.is_dir() {
        return Err(SignatureError::Missing {
            path: folder,
            what: if sub == "devices" {
                "the devices/ folder of signatures"
            } else {
                "the oui/ folder of MAC prefixes"
            },
        });
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SignatureError::Io { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
        let path = entry.map_err(io(&folder))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some(ext) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        files.push(SignatureFile {
            relative: format!("{sub}/{name}"),
            display: path.display().to_string(),
            text,
        });
    }
    Ok(files)
}

fn hash_files(files: &[SignatureFile]) -> String {
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.relative.as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

fn parse_device_file(ctx: &FileCtx<'_>, relative: &str) -> Result<Vec<Signature>, SignatureError> {
    let file: DeviceFile = toml::from_str(ctx.text).map_err(|e| ctx.parse_error(&e))?;
    if *file.schema_version.get_ref() != SCHEMA_VERSION {
        let (line, column) = line_col(ctx.text, file.schema_version.span().start);
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
        let (line, column) = line_col(ctx.text, file.source.span().start);
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

fn compile_signature(
    ctx: &FileCtx<'_>,
    relative: &str,
    file_vendor: Option<&str>,
    raw: Spanned<RawSignature>,
) -> Result<Signature, SignatureError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let id = raw.id.get_ref().clone();
    let bad = |span: std::ops::Range<usize>, msg: String| ctx.invalid(span, &id, msg);

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
    if raw.clauses.is_empty() {
        return Err(bad(span, "`match` needs at least one clause".into()));
    }
    let clauses = raw
        .clauses
        .iter()
        .map(|c| compile_clause(c.get_ref()).map_err(|m| bad(c.span(), m)))
        .collect::<Result<Vec<_>, _>>()?;
    let (model, firmware) = match &raw.extract {
        Some(ex) => (
            ex.model
                .as_ref()
                .map(|e| compile_extractor(e.get_ref()).map_err(|m| bad(e.span(), m)))
                .transpose()?,
            ex.firmware
                .as_ref()
                .map(|e| compile_extractor(e.get_ref()).map_err(|m| bad(e.span(), m)))
                .transpose()?,
        ),
        None => (None, None),
    };
    if raw.example.is_empty() {
        return Err(bad(
            span,
            "missing `example`: give at least one real evidence set that matches".into(),
        ));
    }
    let to_examples = |list: &[Spanned<std::collections::BTreeMap<String, String>>]| {
        list.iter()
            .map(|e| {
                compile_example(e.get_ref(), line_col(ctx.text, e.span().start).0)
                    .map_err(|m| bad(e.span(), m))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let examples = to_examples(&raw.example)?;
    let counterexamples = to_examples(&raw.counterexample)?;
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
        line: line_col(ctx.text, span.start).0,
        clauses,
        model,
        firmware,
        examples,
        counterexamples,
    })
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
    source: Option<&String>,
    sources: Option<&Vec<String>>,
) -> Result<Vec<String>, String> {
    let list = match (source, sources) {
        (Some(s), None) => vec![s.clone()],
        (None, Some(list)) if !list.is_empty() => list.clone(),
        (None, Some(_)) => return Err("`sources` is empty".into()),
        (Some(_), Some(_)) => return Err("give either `source` or `sources`, not both".into()),
        (None, None) => return Err("missing `source` (the evidence source to read)".into()),
    };
    if let Some(bad) = list.iter().find(|s| !valid_source_name(s)) {
        return Err(format!(
            "`{bad}` is not an evidence source name (like `http.server`)"
        ));
    }
    Ok(list)
}

fn compile_regex(pattern: &str, case_sensitive: bool) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(!case_sensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            // The regex crate's message spans several lines (pattern, caret, reason): keep the reason.
            let text = e.to_string();
            let reason = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!(
                "invalid regex `{pattern}`: {}",
                reason.trim().trim_start_matches("error: ")
            )
        })
}

fn compile_clause(raw: &RawClause) -> Result<Clause, String> {
    let sources = source_list(raw.source.as_ref(), raw.sources.as_ref())?;
    let test = match (&raw.regex, &raw.equals, &raw.contains) {
        (Some(r), None, None) => ValueTest::Regex(compile_regex(r.get_ref(), raw.case_sensitive)?),
        (None, Some(v), None) => ValueTest::equals(v, raw.case_sensitive),
        (None, None, Some(v)) => ValueTest::contains(v, raw.case_sensitive),
        _ => return Err("a clause needs exactly one of `regex`, `equals`, `contains`".into()),
    };
    Ok(Clause { sources, test })
}

fn compile_extractor(raw: &RawExtractor) -> Result<Extractor, String> {
    let sources = source_list(raw.source.as_ref(), raw.sources.as_ref())?;
    let regex = raw
        .regex
        .as_ref()
        .map(|r| compile_regex(r.get_ref(), false))
        .transpose()?;
    let groups = regex.as_ref().map_or(0, |r| r.captures_len() - 1);
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
    })
}

fn compile_example(
    map: &std::collections::BTreeMap<String, String>,
    line: usize,
) -> Result<Example, String> {
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
