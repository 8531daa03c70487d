//! `keyward passwd`: change the master password (the vault key is re-wrapped, nothing else).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::context::Context;
use crate::{output, password};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read the new master password from the first line of FILE
    #[arg(long, value_name = "FILE")]
    new_password_file: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut vault = ctx.unlock()?;
    let new = password::new_password(args.new_password_file.as_deref(), "New master password: ")?;
    vault.change_password(&new)?;
    output::note("changed the master password");
    Ok(ExitCode::SUCCESS)
}
