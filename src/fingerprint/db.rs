//! Loading, validating and compiling the signature database. Pure except for
//! [`SignatureDb::load_dir`], the one place that reads files (`--signatures DIR`).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::cloud_indications::CloudIndications;
use super::compile::parse_device_file;
use super::error::{FileCtx, SignatureError};
use super::lexicon::{self, BRANDS_FILE, Brand, Lexicon, VOCABULARY_FILE};
use super::matcher::{Clause, Example, Extractor};
use super::oui::{OuiEntry, OuiTable};
use crate::model::{DeviceType, FaceRecognition, SignatureSetInfo};

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
    /// The surveillance vocabulary and the brand lexicon.
    pub(crate) lexicon: Lexicon,
    /// Which discovery atoms say a vendor cloud is on (`cloud-indications.toml`); set by the
    /// bundle, which loads it as its own part (it is not in `sha256`, as the cloud endpoints
    /// and rules are not).
    indications: CloudIndications,
    sha256: String,
}

impl SignatureDb {
    /// Reads `DIR/devices/*.toml` and `DIR/oui/*.tsv`; both folders must exist. Unlike the
    /// bundled set (compiled whole by the crate's tests), a directory is the user's input: every
    /// regex is compiled now, so one that cannot compile is an error at load, not a signature
    /// that silently matches nothing.
    ///
    /// # Errors
    /// A missing folder, an unreadable file, or any file or regex that does not validate.
    pub fn load_dir(dir: &Path) -> Result<SignatureDb, SignatureError> {
        let mut files = read_folder(dir, "devices", "toml")?;
        for name in [VOCABULARY_FILE, BRANDS_FILE] {
            let path = dir.join(name);
            if path.exists() {
                let text =
                    crate::input::read_text_file(&path).map_err(|source| SignatureError::Io {
                        path: path.clone(),
                        source,
                    })?;
                files.push(SignatureFile {
                    relative: name.to_string(),
                    display: path.display().to_string(),
                    text,
                });
            }
        }
        files.extend(read_folder(dir, "oui", "tsv")?);
        let db = Self::from_files(files)?;
        db.compile_all().map_err(|e| match e {
            SignatureError::Invalid {
                file,
                line,
                column,
                id,
                message,
            } => SignatureError::Invalid {
                file: dir.join(file).display().to_string(),
                line,
                column,
                id,
                message,
            },
            other => other,
        })?;
        Ok(db)
    }

    /// Compiles every regex now (they otherwise compile on first use).
    ///
    /// # Errors
    /// The first regex that cannot compile, at its file and line.
    pub fn compile_all(&self) -> Result<(), SignatureError> {
        match super::matcher::check_regexes(self).into_iter().next() {
            None => Ok(()),
            Some(f) => Err(SignatureError::Invalid {
                file: f.file,
                line: f.line,
                column: 1,
                id: f.id,
                message: f.problem,
            }),
        }
    }

    /// Builds a database from file contents. Files under `devices/` ending in `.toml` are
    /// signatures, files under `oui/` ending in `.tsv` are MAC prefixes; others are ignored.
    ///
    /// # Errors
    /// The first file or signature that does not validate.
    pub fn from_files(mut files: Vec<SignatureFile>) -> Result<SignatureDb, SignatureError> {
        files.retain(|f| {
            is_device_file(&f.relative) || is_oui_file(&f.relative) || is_lexicon_file(&f.relative)
        });
        files.sort_by(|a, b| a.relative.cmp(&b.relative));
        let mut signatures = Vec::new();
        let mut seen: HashMap<String, (String, usize)> = HashMap::new();
        let mut oui_entries = Vec::new();
        for file in &files {
            if is_lexicon_file(&file.relative) {
                continue;
            }
            let ctx = FileCtx::new(&file.display, &file.text);
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
        let ctx_of = |name: &str| {
            files
                .iter()
                .find(|f| f.relative == name)
                .map(|f| FileCtx::new(&f.display, &f.text))
        };
        let lexicon = lexicon::compile(
            ctx_of(VOCABULARY_FILE).as_ref(),
            ctx_of(BRANDS_FILE).as_ref(),
        )?;
        Ok(SignatureDb {
            signatures,
            oui: OuiTable::new(oui_entries),
            lexicon,
            indications: CloudIndications::default(),
            sha256: hash_files(&files),
        })
    }

    /// This set with its cloud-indication table.
    #[must_use]
    pub fn with_cloud_indications(mut self, indications: CloudIndications) -> Self {
        self.indications = indications;
        self
    }

    /// The cloud-indication table (empty until the bundle sets it).
    pub fn cloud_indications(&self) -> &CloudIndications {
        &self.indications
    }

    /// This set reporting `sha256` as its hash: the bundle's hash over every file of every part
    /// the run was loaded with (`bundle::KnowledgeHash`), so two reports with the same hash were
    /// judged by the same rules, cloud endpoints and advice, not only the same device signatures.
    #[must_use]
    pub fn with_knowledge_hash(mut self, sha256: String) -> Self {
        self.sha256 = sha256;
        self
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
        self.oui_entry(mac).map(|e| e.display_name())
    }

    /// The full prefix-table row for a MAC (vendor, registered organisation, source).
    pub fn oui_entry(&self, mac: &str) -> Option<&OuiEntry> {
        let mac = crate::model::MacAddr::parse(mac)?;
        if mac.is_locally_administered() {
            return None;
        }
        self.oui.lookup(mac.octets())
    }

    /// The family a vendor belongs to (`Imou` → `Dahua`), or the vendor itself: as the device
    /// signatures say, else as the brand lexicon says.
    pub fn vendor_family<'a>(&'a self, vendor: &'a str) -> &'a str {
        self.signatures
            .iter()
            .find(|s| {
                s.vendor
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case(vendor))
            })
            .and_then(|s| s.vendor_family.as_deref())
            .or_else(|| {
                self.lexicon.brand(vendor).map(|b| {
                    b.maker
                        .as_deref()
                        .or(b.sold_as.as_deref())
                        .unwrap_or(&b.name)
                })
            })
            .unwrap_or(vendor)
    }

    /// The brands of the lexicon (`signatures/brands.toml`).
    pub fn brands(&self) -> &[Brand] {
        &self.lexicon.brands
    }

    /// The vocabulary's and the lexicon's signatures (`vocab:nvr`, `brand:amcrest`).
    pub fn lexicon_signatures(&self) -> &[Signature] {
        &self.lexicon.signatures
    }

    /// Number of MAC prefixes known.
    pub fn oui_len(&self) -> usize {
        self.oui.len()
    }
}

/// Whether a file under `signatures/` belongs to the device set (and so to its own hash):
/// device signatures, MAC prefixes, vocabulary, brands.
pub fn is_device_set_file(rel: &str) -> bool {
    is_device_file(rel) || is_oui_file(rel) || is_lexicon_file(rel)
}

fn is_device_file(rel: &str) -> bool {
    rel.starts_with("devices/") && rel.ends_with(".toml")
}

fn is_lexicon_file(rel: &str) -> bool {
    rel == VOCABULARY_FILE || rel == BRANDS_FILE
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
        // A folder named like a file is skipped; a FIFO or device named like one is refused by
        // the reader (it could block the loader for ever).
        if path.is_dir() || path.extension().and_then(|e| e.to_str()) != Some(ext) {
            continue;
        }
        let text = crate::input::read_text_file(&path).map_err(io(&path))?;
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
