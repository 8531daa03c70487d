//! `keyward history NAME`: the versions of a secret with their dates, never their values.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::names::validate_name;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
    /// Print a JSON array of objects
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let mut vault = ctx.store()?;
    let versions = vault.history(&args.name)?;
    if args.json {
        output::stdout_json(&versions)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            vec![
                v.version.to_string(),
                v.created.to_string(),
                match v.retired {
                    Some(at) => at.to_string(),
                    None => "(current)".into(),
                },
            ]
        })
        .collect();
    output::stdout_text(&output::table(&["VERSION", "CREATED", "RETIRED"], &rows))?;
    Ok(ExitCode::SUCCESS)
}
