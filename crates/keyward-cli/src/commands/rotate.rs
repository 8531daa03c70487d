//! `keyward rotate NAME [--generate [--length N] [--charset SET]]`: store a new value; the old
//! one stays in the history. With `--generate` keyward makes the value itself and prints
//! nothing (`keyward get` or `copy` shows it when needed).

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::generate::{Charset, generate};
use keyward_core::names::validate_name;

use crate::context::Context;
use crate::{input, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
    /// Make a random value instead of reading one (for secrets you own: database passwords,
    /// webhook secrets)
    #[arg(long)]
    generate: bool,
    /// Characters in the generated value
    #[arg(long, requires = "generate", default_value_t = keyward_core::generate::DEFAULT_LENGTH)]
    length: usize,
    /// Characters to draw from: alnum, hex, base64url or symbols
    #[arg(long, requires = "generate", default_value = "alnum", value_parser = parse_charset)]
    charset: Charset,
}

fn parse_charset(text: &str) -> Result<Charset, String> {
    text.parse().map_err(|e: keyward_core::Error| e.to_string())
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let mut vault = ctx.store()?;
    // Fail on a missing name before asking for a value.
    vault.entry(&args.name)?;
    let value = if args.generate {
        generate(args.length, args.charset)?
    } else {
        input::read_value(&args.name)?
    };
    let entry = vault.rotate(&args.name, &value)?;
    output::note(&format!(
        "rotated {} (now version {})",
        entry.name, entry.version
    ));
    Ok(ExitCode::SUCCESS)
}
