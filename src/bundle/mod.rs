//! The signature bundle: everything camsweep knows from `signatures/` (device signatures with the
//! MAC prefixes, vocabulary and brands; cloud endpoints; legal rules with the place words; advice;
//! the demo sites' declarations; ports), loaded once per run from the built-in set or from
//! `--signatures DIR`, and passed down. This is the only module that reads the embedded files or a
//! signature directory: a run never mixes a directory's knowledge with the built-in one behind
//! the user's back.
//!
//! A directory overrides the built-in set part by part: `devices/` and `oui/` are required (as
//! `SignatureDb::load_dir` says); `cloud/`, `rules/`, `advice/`, `sites/`, `places.toml`,
//! `cloud-indications.toml` and `ports.toml` replace the built-in part when present, and the
//! built-in part is used when absent.

mod builtin;
pub mod ports;

use std::path::{Path, PathBuf};

use crate::fingerprint::{
    CLOUD_INDICATIONS_FILE, CloudIndications, SignatureDb, SignatureError, SignatureFile,
};
use crate::policy::{AdviceBook, Places, PolicyError, RuleSet};
use crate::traffic::CloudDb;
use crate::traffic::cloud::CloudError;
pub use ports::{PortSet, PortSetError};

/// Everything a run knows from `signatures/`.
#[derive(Debug, Clone)]
pub struct SignatureBundle {
    /// Device signatures, MAC prefixes, vocabulary and brands, and which discovery atoms say a
    /// vendor cloud is on (`cloud-indications.toml`).
    pub devices: SignatureDb,
    /// Cloud endpoints (`cloud/*.toml`).
    pub cloud: CloudDb,
    /// Legal rules (`rules/*.toml`), with the place words (`places.toml`) their facts read.
    pub rules: RuleSet,
    /// Advice attached to findings (`advice/*.toml`).
    pub advice: AdviceBook,
    /// Ports to sweep and which probe each gets (`ports.toml`).
    pub ports: PortSet,
    /// Site declarations of the demo scenarios (`sites/*.toml`), as (path under `signatures/`,
    /// text).
    sites: Vec<(String, String)>,
    /// The directory it came from, `None` for the built-in set.
    pub dir: Option<PathBuf>,
}

/// A part of the bundle that does not load, named with its file.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("loading the built-in signatures")]
    BuiltinDevices(#[source] SignatureError),
    #[error("loading signatures from {dir}")]
    Devices {
        dir: String,
        #[source]
        source: SignatureError,
    },
    #[error("loading cloud endpoints from {place}")]
    Cloud {
        place: String,
        #[source]
        source: CloudError,
    },
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Ports(#[from] PortSetError),
    #[error("reading {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

const CLOUD: &str = "cloud";
const RULES: &str = "rules";
const SITES: &str = "sites";
const ADVICE: &str = "advice";

impl SignatureBundle {
    /// The set embedded in the binary at build time.
    ///
    /// # Errors
    /// A broken embedded file, which the crate's tests rule out.
    pub fn builtin() -> Result<Self, BundleError> {
        let devices = builtin_devices()?;
        let mut used = KnowledgeHash::new(&devices);
        for (path, text) in builtin::BUNDLED_FILES {
            used.add(path, text);
        }
        Ok(Self {
            devices: devices.with_knowledge_hash(used.finish()),
            cloud: builtin_cloud()?,
            rules: builtin_rules()?,
            advice: builtin_advice()?,
            ports: builtin_ports()?,
            sites: builtin_under(SITES, "toml")
                .into_iter()
                .map(|(path, text)| (path, text.to_string()))
                .collect(),
            dir: None,
        })
    }

    /// `--signatures DIR` when given, else the built-in set.
    ///
    /// # Errors
    /// A file of DIR that cannot be read or does not validate, with its path (and line where
    /// known).
    pub fn load(dir: Option<&Path>) -> Result<Self, BundleError> {
        match dir {
            None => Self::builtin(),
            Some(dir) => Self::load_dir(dir),
        }
    }

    fn load_dir(dir: &Path) -> Result<Self, BundleError> {
        let in_dir = |source| BundleError::Devices {
            dir: dir.display().to_string(),
            source,
        };
        let indications_file = read_file(dir, CLOUD_INDICATIONS_FILE)?;
        let indications = match &indications_file {
            Some((name, text)) => CloudIndications::parse(name, text).map_err(in_dir)?,
            None => builtin_cloud_indications()?,
        };
        let devices = SignatureDb::load_dir(dir)
            .map_err(in_dir)?
            .with_cloud_indications(indications);
        let mut used = KnowledgeHash::new(&devices);
        used.file(CLOUD_INDICATIONS_FILE, indications_file.as_ref());
        let cloud_files = read_part(dir, CLOUD, "toml")?;
        used.folder(CLOUD, cloud_files.as_deref());
        let cloud = match cloud_files {
            Some(files) => {
                // The loader reads `cloud/NAME.toml` paths; the error names the folder.
                let named: Vec<(String, &str)> = files
                    .iter()
                    .map(|(path, text)| (cloud_name(path), text.as_str()))
                    .collect();
                CloudDb::from_files(named.iter().map(|(p, t)| (p.as_str(), *t))).map_err(
                    |source| BundleError::Cloud {
                        place: dir.join(CLOUD).display().to_string(),
                        source,
                    },
                )?
            }
            None => builtin_cloud()?,
        };
        let places = read_file(dir, crate::policy::PLACES_FILE)?;
        used.file(crate::policy::PLACES_FILE, places.as_ref());
        let rule_files = read_part(dir, RULES, "toml")?;
        used.folder(RULES, rule_files.as_deref());
        let rules = match rule_files {
            Some(files) => {
                RuleSet::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))?
                    .with_places(match &places {
                        Some((name, text)) => Places::parse(name, text)?,
                        None => builtin_places()?,
                    })
            }
            None => {
                let rules = builtin_rules()?;
                match &places {
                    Some((name, text)) => rules.with_places(Places::parse(name, text)?),
                    None => rules,
                }
            }
        };
        let advice = if dir.join(ADVICE).is_dir() {
            let notices = read_file(dir, AdviceBook::NOTICES)?;
            let settings = read_file(dir, AdviceBook::DEVICE_SETTINGS)?;
            used.file(AdviceBook::NOTICES, notices.as_ref());
            used.file(AdviceBook::DEVICE_SETTINGS, settings.as_ref());
            match (notices, settings) {
                (Some((n_name, n_text)), Some((s_name, s_text))) => {
                    AdviceBook::parse(&n_name, &n_text, &s_name, &s_text)?
                }
                _ => {
                    return Err(BundleError::Read {
                        path: dir.join(ADVICE).display().to_string(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            format!(
                                "an advice folder needs both {} and {}",
                                AdviceBook::NOTICES,
                                AdviceBook::DEVICE_SETTINGS
                            ),
                        ),
                    });
                }
            }
        } else {
            used.file(AdviceBook::NOTICES, None);
            used.file(AdviceBook::DEVICE_SETTINGS, None);
            builtin_advice()?
        };
        let ports_file = read_file(dir, ports::PORTS_FILE)?;
        used.file(ports::PORTS_FILE, ports_file.as_ref());
        let ports = match &ports_file {
            Some((name, text)) => PortSet::parse(name, text)?,
            None => builtin_ports()?,
        };
        let site_files = read_part(dir, SITES, "toml")?;
        used.folder(SITES, site_files.as_deref());
        let sites = match site_files {
            Some(files) => files
                .into_iter()
                .map(|(path, text)| (format!("{SITES}/{}", file_name(&path)), text))
                .collect(),
            None => builtin_under(SITES, "toml")
                .into_iter()
                .map(|(path, text)| (path, text.to_string()))
                .collect(),
        };
        Ok(Self {
            devices: devices.with_knowledge_hash(used.finish()),
            cloud,
            rules,
            advice,
            ports,
            sites,
            dir: Some(dir.to_path_buf()),
        })
    }

    /// A site declaration of the bundle by its path under `signatures/`
    /// (`sites/demo-store.toml`).
    pub fn site_text(&self, path: &str) -> Option<&str> {
        self.sites
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }

    /// How a file of this bundle is named in messages: `signatures/…` for the built-in set,
    /// the path under DIR otherwise.
    pub fn display_path(&self, relative: &str) -> String {
        match &self.dir {
            Some(dir) => dir.join(relative).display().to_string(),
            None => format!("signatures/{relative}"),
        }
    }
}

/// The SHA-256 of a bundle: the device set's own hash (its devices, MAC prefixes, vocabulary and
/// brands), then every other file the bundle was loaded from, as (path under `signatures/` or
/// DIR, text), sorted by path. A part a DIR lacks is hashed as the built-in files it fell back to.
struct KnowledgeHash {
    devices: String,
    files: Vec<(String, String)>,
}

impl KnowledgeHash {
    fn new(devices: &SignatureDb) -> Self {
        Self {
            devices: devices.info().sha256,
            files: Vec::new(),
        }
    }

    fn add(&mut self, path: &str, text: &str) {
        if !crate::fingerprint::is_device_set_file(path) {
            self.files.push((path.to_string(), text.to_string()));
        }
    }

    /// `name` as read from DIR (shown path, text), or the built-in file when DIR had none.
    fn file(&mut self, name: &str, from_dir: Option<&(String, String)>) {
        match from_dir {
            Some((_, text)) => self.add(name, text),
            None => {
                if let Some(text) = builtin_file(name) {
                    self.add(name, text);
                }
            }
        }
    }

    /// The files of `folder` as read from DIR, or the built-in ones when DIR had none.
    fn folder(&mut self, folder: &str, from_dir: Option<&[(String, String)]>) {
        match from_dir {
            Some(files) => {
                for (path, text) in files {
                    self.add(&format!("{folder}/{}", file_name(path)), text);
                }
            }
            None => {
                for (path, text) in builtin_under(folder, "toml") {
                    self.add(&path, text);
                }
            }
        }
    }

    fn finish(mut self) -> String {
        use sha2::{Digest, Sha256};
        self.files.sort();
        let mut hasher = Sha256::new();
        hasher.update(b"devices\0");
        hasher.update(self.devices.as_bytes());
        hasher.update([0]);
        for (path, text) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hex::encode(hasher.finalize())
    }
}

/// The rule files `rules check` reads: a file or folder given (a signature folder's `rules/`
/// when it has one), else the built-in rules; as (name, text), sorted.
///
/// # Errors
/// A file that cannot be read.
pub fn rule_files(path: Option<&Path>) -> Result<Vec<(String, String)>, BundleError> {
    let Some(path) = path else {
        return Ok(builtin_under(RULES, "toml")
            .into_iter()
            .map(|(p, t)| (format!("signatures/{p}"), t.to_string()))
            .collect());
    };
    let target = if path.join(RULES).is_dir() {
        path.join(RULES)
    } else {
        path.to_path_buf()
    };
    if target.is_dir() {
        read_folder(&target, "toml")
    } else {
        let text = read(&target)?;
        Ok(vec![(target.display().to_string(), text)])
    }
}

/// The built-in device signatures (with MAC prefixes, vocabulary, brands and the
/// cloud-indication table).
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_devices() -> Result<SignatureDb, BundleError> {
    let files = builtin::BUNDLED_FILES
        .iter()
        .map(|(rel, text)| SignatureFile {
            relative: (*rel).to_string(),
            display: format!("signatures/{rel}"),
            text: (*text).to_string(),
        })
        .collect();
    Ok(SignatureDb::from_files(files)
        .map_err(BundleError::BuiltinDevices)?
        .with_cloud_indications(builtin_cloud_indications()?))
}

/// The built-in table of which discovery atoms say a vendor cloud is on.
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_cloud_indications() -> Result<CloudIndications, BundleError> {
    let text = builtin_file(CLOUD_INDICATIONS_FILE).unwrap_or_default();
    CloudIndications::parse(&format!("signatures/{CLOUD_INDICATIONS_FILE}"), text)
        .map_err(BundleError::BuiltinDevices)
}

/// The built-in cloud endpoints.
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_cloud() -> Result<CloudDb, BundleError> {
    CloudDb::from_files(builtin::BUNDLED_FILES.iter().copied()).map_err(|source| {
        BundleError::Cloud {
            place: "signatures/cloud".into(),
            source,
        }
    })
}

/// The built-in rules, with the built-in place words.
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_rules() -> Result<RuleSet, BundleError> {
    let files: Vec<(String, &str)> = builtin_under(RULES, "toml")
        .into_iter()
        .map(|(path, text)| (format!("signatures/{path}"), text))
        .collect();
    Ok(
        RuleSet::from_files(files.iter().map(|(p, t)| (p.as_str(), *t)))?
            .with_places(builtin_places()?),
    )
}

/// The built-in advice.
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_advice() -> Result<AdviceBook, BundleError> {
    let find = |name: &str| {
        builtin_file(name).ok_or_else(|| BundleError::Read {
            path: format!("signatures/{name}"),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not bundled"),
        })
    };
    Ok(AdviceBook::parse(
        &format!("signatures/{}", AdviceBook::NOTICES),
        find(AdviceBook::NOTICES)?,
        &format!("signatures/{}", AdviceBook::DEVICE_SETTINGS),
        find(AdviceBook::DEVICE_SETTINGS)?,
    )?)
}

/// The built-in port knowledge.
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_ports() -> Result<PortSet, BundleError> {
    let text = builtin_file(ports::PORTS_FILE).unwrap_or_default();
    Ok(PortSet::parse(
        &format!("signatures/{}", ports::PORTS_FILE),
        text,
    )?)
}

/// The built-in address convention `camsweep fleet` reads shops' provinces and cities with.
///
/// # Errors
/// A broken embedded file, which the crate's tests rule out.
pub fn builtin_addresses() -> Result<crate::fleet::AddressConvention, BundleError> {
    let name = crate::fleet::ADDRESSES_FILE;
    let text = builtin_file(name).unwrap_or_default();
    Ok(crate::fleet::AddressConvention::parse(
        &format!("signatures/{name}"),
        text,
    )?)
}

fn builtin_places() -> Result<Places, BundleError> {
    let name = crate::policy::PLACES_FILE;
    let text = builtin_file(name).unwrap_or_default();
    Ok(Places::parse(&format!("signatures/{name}"), text)?)
}

/// One embedded file by its path under `signatures/`.
fn builtin_file(path: &str) -> Option<&'static str> {
    builtin::BUNDLED_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
}

/// The embedded files of a folder with this extension, as (path under `signatures/`, text).
fn builtin_under(folder: &str, ext: &str) -> Vec<(String, &'static str)> {
    builtin::BUNDLED_FILES
        .iter()
        .filter(|(p, _)| {
            p.strip_prefix(folder)
                .is_some_and(|rest| rest.starts_with('/'))
                && p.ends_with(&format!(".{ext}"))
        })
        .map(|(p, t)| ((*p).to_string(), *t))
        .collect()
}

/// `DIR/NAME` as (shown path, text), `None` when it does not exist.
fn read_file(dir: &Path, name: &str) -> Result<Option<(String, String)>, BundleError> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some((path.display().to_string(), read(&path)?)))
}

/// The files of `DIR/FOLDER` with the extension, sorted, as (shown path, text);
/// `None` when DIR has no such folder.
fn read_part(
    dir: &Path,
    folder: &str,
    ext: &str,
) -> Result<Option<Vec<(String, String)>>, BundleError> {
    let path = dir.join(folder);
    if !path.is_dir() {
        return Ok(None);
    }
    read_folder(&path, ext).map(Some)
}

fn read_folder(path: &Path, ext: &str) -> Result<Vec<(String, String)>, BundleError> {
    let entries = std::fs::read_dir(path).map_err(|source| BundleError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        // Sub-folders (`cloud/sources/`) hold the data entries were built from, not entries.
        .filter(|p| !p.is_dir())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| Ok((p.display().to_string(), read(&p)?)))
        .collect()
}

/// A file read whole, bounded like every input (`--max-input-size`).
fn read(path: &Path) -> Result<String, BundleError> {
    crate::input::read_text_file(path).map_err(|source| BundleError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn cloud_name(path: &str) -> String {
    format!("{CLOUD}/{}", file_name(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part of the built-in set loads, and the demo's site declaration is in it.
    #[test]
    fn builtin_bundle_loads_whole() {
        let bundle = SignatureBundle::builtin().unwrap();
        assert!(!bundle.devices.signatures().is_empty());
        assert!(!bundle.cloud.entries().is_empty());
        assert!(!bundle.rules.rules.is_empty());
        assert!(!bundle.ports.ports.is_empty());
        assert!(bundle.site_text("sites/demo-store.toml").is_some());
        assert!(bundle.advice.unknown_rules(&bundle.rules).is_empty());
    }

    /// A directory's parts replace the built-in ones; the parts it lacks stay built-in.
    #[test]
    fn a_directory_overrides_part_by_part() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let valid = root.join("tests/fixtures/signatures/valid");
        let bundle = SignatureBundle::load(Some(&valid)).unwrap();
        let builtin = SignatureBundle::builtin().unwrap();
        assert_ne!(bundle.devices.info().sha256, builtin.devices.info().sha256);
        // No cloud/, rules/, advice/ or ports.toml there: the built-in parts.
        assert_eq!(bundle.cloud.entries().len(), builtin.cloud.entries().len());
        assert_eq!(bundle.rules.rules.len(), builtin.rules.rules.len());
        assert_eq!(bundle.ports, builtin.ports);
        assert_eq!(
            bundle.devices.cloud_indications(),
            builtin.devices.cloud_indications()
        );
        assert_eq!(bundle.dir.as_deref(), Some(valid.as_path()));
    }

    /// A signature folder holding only the test fixture's `devices/` and `oui/`: every other
    /// part comes from the built-in set until a test adds it.
    fn devices_only_dir() -> tempfile::TempDir {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        for part in ["devices", "oui"] {
            let from = root.join("tests/fixtures/signatures/valid").join(part);
            std::fs::create_dir(dir.path().join(part)).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, dir.path().join(part).join(path.file_name().unwrap()))
                    .unwrap();
            }
        }
        dir
    }

    /// The hash a report carries covers every part: a DIR whose only difference is one rule
    /// file (or one cloud endpoint file) reports another hash; the same DIR loaded twice, the same.
    #[test]
    fn the_reported_hash_covers_rules_and_cloud_endpoints() {
        let dir = devices_only_dir();
        let hash = || {
            SignatureBundle::load(Some(dir.path()))
                .unwrap()
                .devices
                .info()
                .sha256
        };
        let devices_only = hash();
        assert_eq!(hash(), devices_only);
        for part in [RULES, CLOUD] {
            std::fs::create_dir(dir.path().join(part)).unwrap();
            let (path, text) = builtin_under(part, "toml").into_iter().next().unwrap();
            let copy = dir.path().join(part).join(file_name(&path));
            // The built-in file alone (the part's other files dropped): another set of rules.
            std::fs::write(&copy, text).unwrap();
            let fewer = hash();
            assert_ne!(fewer, devices_only, "{part}");
            // One more comment line in it: another hash again.
            std::fs::write(&copy, format!("{text}\n# edited\n")).unwrap();
            assert_ne!(hash(), fewer, "{part}");
        }
        // The built-in set's hash is not the device set's own.
        let builtin = SignatureBundle::builtin().unwrap();
        let devices_alone = builtin_devices().unwrap();
        assert_ne!(builtin.devices.info().sha256, devices_alone.info().sha256);
    }

    /// `--signatures DIR` with a cloud-indications.toml: its table, not the built-in one, says
    /// which atoms mean a cloud is on.
    #[test]
    fn a_directory_overrides_the_cloud_indications() {
        let dir = devices_only_dir();
        std::fs::write(
            dir.path().join(CLOUD_INDICATIONS_FILE),
            "schema_version = 1\n\n[[indication]]\nkind = \"test_cloud_on\"\nsource = \"test.cloud\"\non_values = [\"on\"]\nmeaning_source = \"a test table\"\n",
        )
        .unwrap();
        let bundle = SignatureBundle::load(Some(dir.path())).unwrap();
        let table = bundle.devices.cloud_indications();
        assert_eq!(table.len(), 1);
        let atoms = [
            crate::model::Evidence::new("test.cloud", None, "on"),
            crate::model::Evidence::new("sadp.hc_platform_enable", Some(37020), "true"),
        ];
        let read = table.read(&atoms);
        assert_eq!(read.len(), 1, "{read:?}");
        assert_eq!(read[0].kind, "test_cloud_on");
        // The built-in table reads the Hikvision atom, and not the test one.
        let builtin = SignatureBundle::builtin().unwrap();
        let kinds: Vec<_> = builtin
            .devices
            .cloud_indications()
            .read(&atoms)
            .into_iter()
            .map(|i| i.kind)
            .collect();
        assert_eq!(kinds, ["hik_connect_enabled"]);
        // A broken table is an error naming its file.
        std::fs::write(
            dir.path().join(CLOUD_INDICATIONS_FILE),
            "schema_version = 1\n",
        )
        .unwrap();
        let err = SignatureBundle::load(Some(dir.path())).unwrap_err();
        assert!(
            format!("{:#}", anyhow::Error::new(err)).contains(CLOUD_INDICATIONS_FILE),
            "the error names the file"
        );
    }
}
