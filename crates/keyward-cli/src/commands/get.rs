//! `keyward get NAME`: the value on stdout, byte for byte; a newline only for a terminal.

use std::io::IsTerminal;
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
    let mut store = ctx.store()?;
    let values = crate::context::fetch(store.as_mut(), std::slice::from_ref(&args.name), "get")?;
    let value = values
        .first()
        .ok_or_else(|| keyward_core::Error::NotFound(args.name.clone()))?;
    output::stdout_bytes(value.expose())?;
    if std::io::stdout().is_terminal() {
        output::stdout_bytes(b"\n")?;
    }
    Ok(ExitCode::SUCCESS)
}
