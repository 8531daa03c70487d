//! `keyward rm NAME`: delete a secret and every version of it.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::names::validate_name;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let mut vault = ctx.store()?;
    vault.remove(&args.name)?;
    output::note(&format!("removed {}", args.name));
    Ok(ExitCode::SUCCESS)
}
