//! `keyward rotate NAME`: store a new value; the old one stays in the history.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::names::validate_name;

use crate::context::Context;
use crate::{input, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let mut vault = ctx.store()?;
    // Fail on a missing name before asking for a value.
    vault.entry(&args.name)?;
    let value = input::read_value(&args.name)?;
    let entry = vault.rotate(&args.name, &value)?;
    output::note(&format!(
        "rotated {} (now version {})",
        entry.name, entry.version
    ));
    Ok(ExitCode::SUCCESS)
}
