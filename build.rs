//! Embeds the signature database: writes `OUT_DIR/bundled_signatures.rs`, a sorted manifest of
//! `(path relative to signatures/, include_str!(absolute path))` pairs for every file under `signatures/`.
//!
//! It parses nothing: parsing and validation live in `src/fingerprint/db.rs`, where they are tested.
//! Paths are sorted so the generated file (and the database hash) is reproducible.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest_dir.join("signatures");
    println!("cargo:rerun-if-changed=signatures");

    let mut files = Vec::new();
    collect(&root, &mut files)?;
    let mut entries: Vec<(String, PathBuf)> = files
        .into_iter()
        .filter_map(|abs| {
            let rel = abs.strip_prefix(&root).ok()?.to_str()?.replace('\\', "/");
            Some((rel, abs))
        })
        .collect();
    entries.sort();

    let mut code = String::from(
        "/// Every file under `signatures/`, as (path relative to `signatures/`, contents), sorted by path.\n\
         pub static BUNDLED_FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &entries {
        println!("cargo:rerun-if-changed={}", abs.display());
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )?;
    }
    code.push_str("];\n");

    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("bundled_signatures.rs");
    std::fs::write(out, code)?;
    Ok(())
}
