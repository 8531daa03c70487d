//! `keyward audit [--json]`: the access log. Names and context, never values.

use std::process::ExitCode;

use anyhow::Result;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array of objects
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let events = ctx.store()?.audit_log()?;
    if args.json {
        output::stdout_json(&events)?;
        return Ok(ExitCode::SUCCESS);
    }
    if events.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                e.time.to_string(),
                e.command.clone(),
                e.pid.to_string(),
                e.names.join(","),
                e.cwd.clone(),
            ]
        })
        .collect();
    output::stdout_text(&output::table(
        &["TIME", "COMMAND", "PID", "SECRETS", "FOLDER"],
        &rows,
    ))?;
    Ok(ExitCode::SUCCESS)
}
