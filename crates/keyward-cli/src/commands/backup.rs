//! `keyward backup [--to DIR] [--keep N]`: a consistent copy of the vault (SQLite's backup API,
//! never a file copy of a live WAL database), keeping the newest N in the folder. Needs no
//! password: a backup holds only what the vault holds, all of it sealed. It is recorded in the
//! access log when the vault is open to this command (an unlocked agent, or a password file).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::vault::backup::{DEFAULT_KEEP, backup, default_dir};

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write it to (default: `backups` beside the vault)
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
    /// How many backups to keep in that folder
    #[arg(long, value_name = "N", default_value_t = DEFAULT_KEEP)]
    keep: usize,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let vault = ctx.home.vault_path();
    let dir = args.to.unwrap_or_else(|| default_dir(&vault));
    let made = backup(&vault, &dir, args.keep)?;
    crate::context::record_if_open(ctx, "backup", &made.display().to_string());
    output::stdout_text(&format!("{}\n", made.display()))?;
    Ok(ExitCode::SUCCESS)
}
