//! `keyward hook install`: a git pre-commit hook that runs `keyward scan --staged`. An existing
//! hook is kept and run after keyward's (chained), never overwritten.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Result, bail};
use keyward_core::Error;

use crate::output;

const MARKER: &str = "# keyward pre-commit hook";
const CHAINED: &str = "pre-commit.keyward-chained";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Install the pre-commit hook in the repository of the working directory
    Install,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.action {
        Action::Install => install(),
    }
}

fn hooks_dir() -> Result<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .output()
        .map_err(|e| Error::io("could not run git", e))?;
    if !out.status.success() {
        bail!(Error::Invalid("not inside a git repository".into()));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn install() -> Result<ExitCode> {
    let dir = hooks_dir()?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    let hook = dir.join("pre-commit");
    let existing = std::fs::read_to_string(&hook).ok();
    if existing
        .as_deref()
        .is_some_and(|text| text.contains(MARKER))
    {
        output::note(&format!(
            "the keyward hook is already installed in {}",
            hook.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if existing.is_some() {
        let chained = dir.join(CHAINED);
        if chained.exists() {
            bail!(Error::Invalid(format!(
                "{} already exists; move it away first",
                chained.display()
            )));
        }
        std::fs::rename(&hook, &chained)
            .map_err(|e| Error::io(format!("could not move {}", hook.display()), e))?;
        output::note(&format!(
            "kept your existing hook as {}; it runs after keyward's",
            chained.display()
        ));
    }
    let keyward =
        std::env::current_exe().map_err(|e| Error::io("could not find the keyward binary", e))?;
    std::fs::write(&hook, script(&keyward))
        .map_err(|e| Error::io(format!("could not write {}", hook.display()), e))?;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io(format!("could not make {} executable", hook.display()), e))?;
    output::note(&format!(
        "installed {}: commits that add secrets are stopped (`git commit --no-verify` skips it)",
        hook.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn script(keyward: &Path) -> String {
    let quoted = format!("'{}'", keyward.display().to_string().replace('\'', "'\\''"));
    format!(
        "#!/bin/sh\n{MARKER}: stops commits that add secrets. `git commit --no-verify` skips it.\n\
         keyward={quoted}\n\
         command -v \"$keyward\" >/dev/null 2>&1 || keyward=keyward\n\
         \"$keyward\" scan --staged || exit $?\n\
         chained=\"$(dirname \"$0\")/{CHAINED}\"\n\
         if [ -x \"$chained\" ]; then exec \"$chained\" \"$@\"; fi\n"
    )
}
