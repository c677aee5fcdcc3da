//! Shell completions and manual pages, generated from the same clap definition the parser uses,
//! so they never disagree with the program (the Debian package and CI build them with these).

use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

use super::EXIT_CLEAN;
use super::args::{Cli, CompletionsArgs, ManArgs};

/// `camsweep completions SHELL`: the completion script on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "camsweep", &mut out);
    std::io::stdout()
        .write_all(&out)
        .context("writing the completion script")?;
    Ok(EXIT_CLEAN)
}

/// `camsweep man`: camsweep.1 on stdout, or with `--out DIR` one page per visible command.
pub fn man(args: &ManArgs) -> Result<u8> {
    let cmd = Cli::command();
    match &args.out {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("rendering the manual page")?;
            std::io::stdout()
                .write_all(&out)
                .context("writing the manual page")?;
        }
        Some(dir) => write_pages(cmd, dir)?,
    }
    Ok(EXIT_CLEAN)
}

fn write_pages(cmd: clap::Command, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // clap_mangen names subcommand pages camsweep-audit.1 …; hidden commands are left out.
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("writing manual pages into {}", dir.display()))?;
    Ok(())
}
