//! `keyward list`: names and metadata, never values.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::Entry;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array of objects
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut vault = ctx.store()?;
    let entries = vault.list()?;
    if args.json {
        output::stdout_json(&entries)?;
    } else {
        output::stdout_text(&render(&entries))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn render(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                e.version.to_string(),
                e.rotated.date(),
                e.rotate_every.map_or("-".into(), |r| r.to_string()),
                e.expires.map_or("-".into(), |d| d.to_string()),
                if e.tags.is_empty() {
                    "-".into()
                } else {
                    e.tags.join(",")
                },
            ]
        })
        .collect();
    output::table(
        &[
            "NAME",
            "VERSION",
            "ROTATED",
            "ROTATE EVERY",
            "EXPIRES",
            "TAGS",
        ],
        &rows,
    )
}
