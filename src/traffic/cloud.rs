//! Cloud endpoint classification from `signatures/cloud/*.toml` (pure): domain patterns and
//! address ranges, each with provider, service, category, country and its public source.

use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;

/// The categories a contact can be put in (report contract).
pub const CATEGORIES: [&str; 6] = [
    "vendor_cloud",
    "vendor_p2p",
    "face_api",
    "object_storage",
    "iot_mqtt",
    "generic_cloud",
];

/// One known endpoint (or family of endpoints).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudEntry {
    /// Lower-case host patterns; `*` stands for any run of characters (dots included).
    #[serde(default)]
    pub domains: Vec<String>,
    /// CIDR ranges.
    #[serde(default)]
    pub ranges: Vec<IpNet>,
    pub provider: String,
    pub service: String,
    pub category: String,
    /// ISO 3166 code of where the provider is based, where known.
    #[serde(default)]
    pub country: Option<String>,
    /// A vendor whose cloud analyses faces (customer-flow analytics): content sent there marks
    /// the device as doing face recognition.
    #[serde(default)]
    pub face_analytics: bool,
    /// Where this entry comes from (repository + file, RFC, published list with its date).
    pub source: String,
    /// File the entry came from (set by the loader).
    #[serde(skip)]
    pub file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloudFile {
    #[serde(default)]
    endpoint: Vec<CloudEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: endpoint {index} ({provider}): {message}")]
    Invalid {
        file: String,
        index: usize,
        provider: String,
        message: String,
    },
}

/// How a destination was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The name at this index of the names given.
    Name(usize),
    Range,
}

/// The endpoint database.
#[derive(Debug, Clone, Default)]
pub struct CloudDb {
    entries: Vec<CloudEntry>,
    /// (range, entry index), longest prefix first, so the most specific range wins.
    ranges: Vec<(IpNet, usize)>,
}

impl CloudDb {
    /// Builds the database from `(path, contents)` pairs; only `cloud/*.toml` files are read.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, CloudError> {
        let mut db = CloudDb::default();
        for (path, text) in files {
            if !(path.starts_with("cloud/") && path.ends_with(".toml")) {
                continue;
            }
            let parsed: CloudFile = toml::from_str(text).map_err(|e| CloudError::Syntax {
                file: path.to_string(),
                message: e.to_string(),
            })?;
            for (index, mut entry) in parsed.endpoint.into_iter().enumerate() {
                let invalid = |message: String| CloudError::Invalid {
                    file: path.to_string(),
                    index,
                    provider: entry.provider.clone(),
                    message,
                };
                if !CATEGORIES.contains(&entry.category.as_str()) {
                    return Err(invalid(format!("unknown category `{}`", entry.category)));
                }
                if entry.source.trim().is_empty() {
                    return Err(invalid("no source".into()));
                }
                if entry.domains.is_empty() && entry.ranges.is_empty() {
                    return Err(invalid("neither domains nor ranges".into()));
                }
                if let Some(bad) = entry
                    .domains
                    .iter()
                    .find(|d| d.is_empty() || d.chars().any(|c| c.is_ascii_uppercase() || c == ' '))
                {
                    return Err(invalid(format!(
                        "domain pattern `{bad}` must be lower-case, no spaces"
                    )));
                }
                entry.file = path.to_string();
                let idx = db.entries.len();
                db.ranges
                    .extend(entry.ranges.iter().map(|r| (r.trunc(), idx)));
                db.entries.push(entry);
            }
        }
        db.ranges
            .sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
        Ok(db)
    }

    /// The database shipped in the binary.
    pub fn bundled() -> Result<Self, CloudError> {
        Self::from_files(crate::fingerprint::bundled_files().iter().copied())
    }

    pub fn entries(&self) -> &[CloudEntry] {
        &self.entries
    }

    /// The endpoint for a destination: names first, in the order given (most trusted first),
    /// then the address range.
    pub fn classify(&self, names: &[&str], addr: IpAddr) -> Option<(&CloudEntry, MatchedBy)> {
        for (i, name) in names.iter().enumerate() {
            let name = name.to_ascii_lowercase();
            if let Some(entry) = self
                .entries
                .iter()
                .find(|e| e.domains.iter().any(|p| glob_match(p, &name)))
            {
                return Some((entry, MatchedBy::Name(i)));
            }
        }
        self.ranges
            .iter()
            .find(|(net, _)| net.contains(&addr))
            .and_then(|(_, idx)| self.entries.get(*idx))
            .map(|e| (e, MatchedBy::Range))
    }
}

/// Whole-string match where `*` stands for any run of characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> CloudDb {
        CloudDb::bundled().unwrap()
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_match("apii*.ezvizlife.com", "apiieu.ezvizlife.com"));
        assert!(glob_match(
            "*.s3.amazonaws.com",
            "ring-transcoded-videos.s3.amazonaws.com"
        ));
        assert!(!glob_match(
            "*.s3.amazonaws.com",
            "s3.amazonaws.com.evil.example"
        ));
        assert!(glob_match(
            "face.*.myhuaweicloud.com",
            "face.cn-north-4.myhuaweicloud.com"
        ));
        assert!(!glob_match("api.ring.com", "xapi.ring.com"));
        assert!(!glob_match("a*a", "a"));
    }

    #[test]
    fn bundled_set_names_face_apis_and_the_yi_rendezvous_range() {
        let db = bundled();
        let (e, by) = db
            .classify(&["aip.baidubce.com"], "192.0.2.1".parse().unwrap())
            .unwrap();
        assert_eq!((e.category.as_str(), by), ("face_api", MatchedBy::Name(0)));
        let (e, by) = db.classify(&[], "47.88.59.209".parse().unwrap()).unwrap();
        assert_eq!(by, MatchedBy::Range);
        assert_eq!(e.category, "vendor_p2p");
        assert!(e.provider.contains("Alibaba"), "{}", e.provider);
        assert!(db.entries().iter().all(|e| !e.source.is_empty()));
        assert!(db.entries().len() >= 90, "{} entries", db.entries().len());
    }

    #[test]
    fn cname_target_classifies_when_the_asked_name_does_not() {
        let db = bundled();
        let (e, by) = db
            .classify(
                &["cam.example.org", "x.oss-cn-hangzhou.aliyuncs.com"],
                "192.0.2.1".parse().unwrap(),
            )
            .unwrap();
        assert_eq!(
            (e.category.as_str(), by),
            ("object_storage", MatchedBy::Name(1))
        );
    }

    #[test]
    fn broken_files_are_rejected_with_their_path() {
        let bad = "[[endpoint]]\ndomains=[\"a.example\"]\nprovider=\"X\"\nservice=\"s\"\ncategory=\"spyware\"\nsource=\"me\"\n";
        let err = CloudDb::from_files([("cloud/x.toml", bad)]).unwrap_err();
        assert!(err.to_string().contains("cloud/x.toml"), "{err}");
        let err = CloudDb::from_files([("cloud/y.toml", "[[endpoint]]\nprovider=1")]).unwrap_err();
        assert!(err.to_string().contains("cloud/y.toml"), "{err}");
    }
}
