//! The port knowledge (`signatures/ports.toml`): which TCP ports to sweep, in which order, what
//! each usually carries, and which ports pick their probe by number alone.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

use crate::probe::ProbePorts;

/// The file, relative to `signatures/`.
pub const PORTS_FILE: &str = "ports.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortFile {
    schema_version: u32,
    #[serde(default)]
    first_wave: Vec<u16>,
    #[serde(default)]
    probe: ProbePorts,
    port: Vec<PortEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortEntry {
    port: u16,
    service: String,
}

/// Ports in sweep order, with the service name each usually carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSet {
    pub ports: Vec<u16>,
    pub services: BTreeMap<u16, String>,
    /// Tried first on every host, likeliest first.
    pub first_wave: Vec<u16>,
    /// Ports whose number alone picks their probe.
    pub probe: ProbePorts,
}

#[derive(Debug, thiserror::Error)]
pub enum PortSetError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("reading {file}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

impl PortSet {
    /// `DIR/ports.toml`, or `None` when DIR has none.
    ///
    /// # Errors
    /// The file exists but cannot be read or parsed.
    pub fn from_dir(dir: &Path) -> Result<Option<Self>, PortSetError> {
        let path = dir.join(PORTS_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let file = path.display().to_string();
        let text = crate::input::read_text_file(&path).map_err(|source| PortSetError::Read {
            file: file.clone(),
            source,
        })?;
        Self::parse(&file, &text).map(Some)
    }

    /// Parses a ports file; errors name the file, line and column.
    ///
    /// # Errors
    /// Not TOML, unknown fields, duplicate ports, or a port of 0.
    pub fn parse(file: &str, text: &str) -> Result<Self, PortSetError> {
        let parsed: PortFile = toml::from_str(text).map_err(|e| PortSetError::Parse {
            file: locate(file, text, &e),
            message: e.message().to_string(),
        })?;
        if parsed.schema_version != 1 {
            return Err(PortSetError::Parse {
                file: file.to_string(),
                message: format!(
                    "schema_version {} is not supported (expected 1)",
                    parsed.schema_version
                ),
            });
        }
        let mut ports = Vec::new();
        let mut services = BTreeMap::new();
        for entry in parsed.port {
            if entry.port == 0 || services.insert(entry.port, entry.service).is_some() {
                return Err(PortSetError::Parse {
                    file: file.to_string(),
                    message: format!("port {} is 0 or listed twice", entry.port),
                });
            }
            ports.push(entry.port);
        }
        Ok(Self {
            ports,
            services,
            first_wave: parsed.first_wave,
            probe: parsed.probe,
        })
    }

    /// Replaces the sweep order with `ports`, keeping the known service names.
    pub fn with_ports(mut self, ports: &[u16]) -> Self {
        if !ports.is_empty() {
            self.ports = ports.to_vec();
        }
        self
    }
}

fn locate(file: &str, text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("{file}:{line}:{col}")
        }
        None => file.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The camera-aware port list is all in the default set.
    #[test]
    fn bundled_set_covers_the_camera_ports() {
        let set = super::super::builtin_ports().unwrap();
        for p in [
            80, 443, 554, 8000, 8080, 8443, 8554, 8899, 10554, 37777, 34567, 5000, 1935, 88, 23,
            4370, 49152, 9000, 7001,
        ] {
            assert!(set.ports.contains(&p), "{p} missing");
        }
        assert_eq!(set.services[&554], "rtsp");
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = PortSet::parse(
            "x/ports.toml",
            "schema_version = 1\n[[port]]\nport = 80\nservise = \"http\"\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("x/ports.toml:4:"), "{text}");
    }
}
