//! `--targets-file FILE`, like nmap's `-iL`: targets one per line (or several separated by
//! spaces, tabs or commas), `#` starts a comment, blank lines are ignored.

use anyhow::{Context, Result, bail};
use std::path::Path;

use crate::targets::{self, TargetPolicy};

/// The target specifications in `path`, each checked on its own so a bad one is reported as
/// `FILE:LINE`.
pub fn read(path: &Path, policy: TargetPolicy) -> Result<Vec<String>> {
    let text = super::guard::read_text(path, "targets file")?;
    let specs = parse(&text, path, policy)?;
    if specs.is_empty() {
        bail!("the targets file {} lists no target", path.display());
    }
    Ok(specs)
}

fn parse(text: &str, path: &Path, policy: TargetPolicy) -> Result<Vec<String>> {
    let mut specs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        for spec in line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
        {
            targets::expand(&[spec.to_string()], policy)
                .with_context(|| format!("{}:{}: `{spec}`", path.display(), index + 1))?;
            specs.push(spec.to_string());
        }
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_comments_and_separators_like_nmap_il() {
        let text = "# shop 31\n198.18.0.0/28\n\n198.18.1.5 198.18.1.6,198.18.1.7  # the NVRs\n  198.18.2.1-3\n";
        let specs = parse(text, Path::new("t.txt"), TargetPolicy::default()).unwrap();
        assert_eq!(
            specs,
            [
                "198.18.0.0/28",
                "198.18.1.5",
                "198.18.1.6",
                "198.18.1.7",
                "198.18.2.1-3"
            ]
        );
    }

    #[test]
    fn a_bad_or_public_line_is_named_by_file_and_line() {
        let err = parse(
            "198.18.0.1\nnot-an-address\n",
            Path::new("t.txt"),
            TargetPolicy::default(),
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").starts_with("t.txt:2: `not-an-address`"),
            "{err:#}"
        );
        let err = parse("8.8.8.8\n", Path::new("t.txt"), TargetPolicy::default()).unwrap_err();
        assert!(format!("{err:#}").starts_with("t.txt:1:"), "{err:#}");
    }
}
